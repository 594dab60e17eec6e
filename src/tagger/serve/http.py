"""The HTTP layer of `tagger serve`: a routing table, the checks every request passes, JSON in and out.

Standard library `ThreadingHTTPServer` (one thread per connection). Measured against
Starlette + uvicorn on this machine (a JSON echo, 8 keep-alive clients, 2,000 requests,
three interleaved runs): 1,660–1,960 requests/s, round trip median 1.7–2.8 ms, against
930–1,690 / 3.3–8.3 ms (h11) and 1,460–1,740 / 2.8–5.4 ms (httptools); the model's own
3 ms per note dominates either way, and the standard library adds no dependency.

Every request, in this order (each failure a 4xx with a JSON `{"error": "…"}` naming it):

1. `Host` must name the loopback (`127.0.0.1`, `localhost`, `[::1]`) with this server's port:
   a page on another site that resolves its own name to 127.0.0.1 (DNS rebinding) is refused.
2. `Origin`, when a browser sends one, must be this server's own.
3. The path and method must be a route (404, 405 with `Allow`).
4. The route's credentials: `Authorization: Bearer TOKEN`, or the review page's cookie (set by
   its login, `serve.page`), compared in constant time (`hmac.compare_digest`); `/api/health`,
   the page's login and its static files need none. A write carried by the cookie must also
   carry the page's own `Origin` (a browser always sends one with a page's POST), and no request
   on the cookie may come from another site (`Sec-Fetch-Site`: other ports of 127.0.0.1 are the
   same *site* to `SameSite`, so the cookie alone does not keep them out).
5. A body only with `Content-Type: application/json` and a `Content-Length` of at most
   `MAX_BODY` (1 MB); it must be UTF-8 JSON.

Routes are `Route(method, path, handler, auth)`; a handler answers `(status, JSON-able)` or
`(status, Body(bytes, content type, headers))`.
"""

from __future__ import annotations

import hmac
import json
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: Per request thread: milliseconds spent queueing for the model (set by the service, reported in `Server-Timing`).
request_waits = threading.local()
#: Largest request body read (bytes); larger ones are refused unread (413).
MAX_BODY = 1 << 20
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


class HttpError(Exception):
    """A request refused: the status and one line saying why (sent as `{"error": message}`)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass(frozen=True)
class Request:
    """What a handler gets: the method, path, query string, decoded JSON body (None without one), headers."""

    method: str
    path: str
    query: str
    body: Any
    headers: dict[str, str]


@dataclass(frozen=True)
class Body:
    """A reply that is not JSON (the review page's HTML, CSS, JavaScript; a redirect): bytes, their type, extra headers."""

    data: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request], tuple[int, Any]]


@dataclass(frozen=True)
class Route:
    """One endpoint: `auth` is False only for what anyone on the machine may ask (`/api/health`)."""

    method: str
    path: str
    handler: Handler
    auth: bool = True


class TaggerHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that knows its routes and token; binds one address."""

    daemon_threads = True
    # Many clients may connect at once (a benchmark, a burst of hooks): a longer accept queue.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], routes: list[Route], token: str, *, allowed_hosts: tuple[str, ...] = LOOPBACK_NAMES) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, RequestHandler)
        self.routes = {(r.method, r.path): r for r in routes}
        self.token = token
        self.allowed_hosts = allowed_hosts

    @property
    def port(self) -> int:
        """The port bound (the one the OS chose for port 0)."""
        return int(self.server_address[1])

    def hosts(self) -> set[str]:
        """The `Host` values accepted: each allowed name with this server's port."""
        return {f"{h}:{self.port}" for h in self.allowed_hosts}

    def origins(self) -> set[str]:
        """The `Origin` values accepted: this server's own."""
        return {f"http://{h}" for h in self.hosts()}


def cookie_name(port: int) -> str:
    """The review page's cookie for the server on `port` (cookies ignore ports: one name per server, as Jupyter does).

    >>> cookie_name(8123)
    'tagger-token-8123'
    """
    return f"tagger-token-{port}"


def presented_token(headers: dict[str, str], cookie: str | None = None) -> tuple[str | None, bool]:
    """The token a request presents, and whether it came in the review page's cookie named `cookie`.

    `Authorization: Bearer TOKEN` first (clients, the hook); else the cookie the page's login set.

    >>> presented_token({"authorization": "Bearer abc"}), presented_token({"authorization": "Basic abc"})
    (('abc', False), (None, False))
    >>> presented_token({"cookie": 'other={"a": 1}; ui=a b; tagger-token-80=xyz'}, "tagger-token-80")
    ('xyz', True)
    """
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), False
    if cookie is not None:
        # Split by hand: the loopback's cookies are shared by every local app, and the standard
        # library's parser gives up on values browsers accept (JSON, spaces), losing ours with them.
        for part in headers.get("cookie", "").split(";"):
            name, eq, val = part.strip().partition("=")
            if eq and name == cookie and val:
                return val, True
    return None, False


def token_matches(presented: str | None, token: str) -> bool:
    """Constant-time comparison of the presented token with ours (no timing hint of how much matched).

    >>> token_matches("abc", "abc"), token_matches("abd", "abc"), token_matches(None, "abc")
    (True, False, False)
    """
    return presented is not None and hmac.compare_digest(presented.encode("utf-8", "replace"), token.encode("utf-8"))


class RequestHandler(BaseHTTPRequestHandler):
    """Checks each request (see the module's docstring), dispatches it to its route, writes JSON."""

    server: TaggerHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "tagger"
    sys_version = ""
    # A request line the parser cannot read still gets a status line (HTTP/0.9 would get a bare body).
    default_request_version = "HTTP/1.0"
    # Headers and body leave in one segment, without Nagle's 40 ms wait for an ACK.
    disable_nagle_algorithm = True
    #: Seconds a connection may sit idle or trickle a request before it is closed.
    timeout = 15

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # a request log of every suggestion is noise; errors are answered, not logged

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors found by the standard library's request parsing, as JSON; none of them a 5xx (they are the client's)."""
        if code == HTTPStatus.NOT_IMPLEMENTED:
            code, message = HTTPStatus.METHOD_NOT_ALLOWED, f"method {self.command!r} is not allowed"
        elif code >= 500:
            code = HTTPStatus.BAD_REQUEST
        self.close_connection = True
        self._reply(code, {"error": message or HTTPStatus(code).phrase})

    def _reply(self, status: int, payload: Any, headers: dict[str, str] | None = None, started: float | None = None) -> None:
        if isinstance(payload, Body):
            body, ctype, headers = payload.data, payload.content_type, {**payload.headers, **(headers or {})}
        else:
            # backslashreplace: an answer that quotes a request's odd text is still sent.
            body, ctype = json.dumps(payload, ensure_ascii=False).encode("utf-8", "backslashreplace"), "application/json; charset=utf-8"
        headers = headers or {}
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if "Cache-Control" not in headers:
            self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if started is not None:
            # The server's time on this request, for benchmarks and curious clients: all of it
            # (app), and the part spent waiting for another request's model work (wait).
            wait = getattr(request_waits, "ms", 0.0)
            self.send_header("Server-Timing", f"app;dur={(time.perf_counter() - started) * 1e3:.3f}, wait;dur={wait:.3f}")
        for k, v in headers.items():
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _headers(self) -> dict[str, str]:
        return {k.lower(): v for k, v in self.headers.items()}

    def _body(self, headers: dict[str, str]) -> Any:
        if "transfer-encoding" in headers:
            raise HttpError(411, "send the body with a Content-Length, not chunked")
        raw_length = headers.get("content-length")
        if raw_length is None:
            if self.command == "POST":
                raise HttpError(411, "a POST needs a Content-Length")
            return None
        try:
            length = int(raw_length)
        except ValueError:
            raise HttpError(400, f"Content-Length {raw_length[:40]!r} is not a number") from None
        if length < 0:
            raise HttpError(400, "Content-Length is negative")
        if length > MAX_BODY:
            raise HttpError(413, f"body of {length} bytes is over the limit of {MAX_BODY} bytes")
        if length == 0:
            if self.command == "POST":
                raise HttpError(400, "the body is empty; send JSON")
            return None
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            # Also what keeps a cross-site form (text/plain, urlencoded) from posting here.
            raise HttpError(415, f"send the body as Content-Type: application/json, not {ctype or 'nothing'!r}")
        data = self.rfile.read(length)
        if len(data) < length:
            raise HttpError(400, "the body ended before its Content-Length")
        try:
            body = json.loads(data.decode("utf-8"))
        except UnicodeDecodeError:
            raise HttpError(400, "the body is not UTF-8") from None
        except ValueError as err:
            raise HttpError(400, f"the body is not JSON ({err})") from None
        except RecursionError:
            raise HttpError(400, "the body's JSON is nested too deeply") from None
        try:
            # JSON may spell a lone surrogate (\\ud800), which no file name or tag can hold.
            json.dumps(body, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise HttpError(400, "the body's JSON holds a lone surrogate (\\ud800–\\udfff), which is not text") from None
        return body

    def _handle(self) -> None:
        started = time.perf_counter()
        request_waits.ms = 0.0
        try:
            headers = self._headers()
            host = headers.get("host", "")
            if host not in self.server.hosts():
                raise HttpError(400, f"Host {host[:80]!r} is not this server (it answers to 127.0.0.1:{self.server.port})")
            origin = headers.get("origin")
            if origin is not None and origin not in self.server.origins():
                raise HttpError(403, f"Origin {origin[:80]!r} may not use this server")
            path, _, query = self.path.partition("?")
            route = self.server.routes.get((self.command, path))
            if route is None:
                allowed = sorted(m for (m, p) in self.server.routes if p == path)
                if allowed:
                    raise HttpError(405, f"{self.command} is not allowed on {path}", {"Allow": ", ".join(allowed)})
                raise HttpError(404, f"no such endpoint: {path[:80]}")
            if route.auth:
                token, by_cookie = presented_token(headers, cookie_name(self.server.port))
                if not token_matches(token, self.server.token):
                    raise HttpError(401, "missing or wrong token: send Authorization: Bearer TOKEN (the token is in VAULT/.tagger/server.json)",
                                    {"WWW-Authenticate": "Bearer"})
                if by_cookie and self.command not in ("GET", "HEAD") and origin is None:
                    # A browser sends Origin with every POST from a page; a write riding on the cookie without one
                    # did not come from the review page.
                    raise HttpError(403, "a write with the review page's cookie must come from the page (it sent no Origin)")
                site = headers.get("sec-fetch-site")
                if by_cookie and site is not None and site not in ("same-origin", "none"):
                    # SameSite counts every port of 127.0.0.1 as one site, so another local app's page gets the
                    # cookie sent; the browser's own word on where a request comes from keeps it out.
                    raise HttpError(403, f"a request from another site ({site[:20]}) may not use the review page's cookie")
            body = self._body(headers)
            status, payload = route.handler(Request(self.command, path, query, body, headers))
            self._reply(status, payload, started=started)
        except HttpError as err:
            # A refused body may be left unread on the socket: close rather than read it as the next request.
            self.close_connection = True
            self._reply(err.status, {"error": err.message}, err.headers, started)
        except Exception as err:  # noqa: BLE001 - a bug: answered (the client then works alone), and shown
            self.close_connection = True
            traceback.print_exc()
            self._reply(500, {"error": f"internal error ({type(err).__name__}); see the server's output"}, started=started)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _handle


__all__ = ["MAX_BODY", "Body", "HttpError", "Request", "Route", "TaggerHTTPServer", "cookie_name", "presented_token", "token_matches"]
