"""Asking a running `tagger serve` instead of loading the model: the client side, standard library only.

`tagger suggest`, `tagger-check` and `tagger-fix` call `ask(vault, path, body)`: with a live
server for the vault (its state file, a process that exists, an answer within `TIMEOUT_S`)
they get its JSON answer; with none, or any failure at all (refused, timed out, killed
mid-request, an error status, a reply that is not JSON), they get None and work in-process
exactly as without a server. Importing this module costs nothing beyond `socket`: the
client path never loads numpy, scipy or Kiwi.

Set `TAGGER_SERVER=off` to never ask a server.

>>> import tempfile; ask(Path(tempfile.mkdtemp()), "/api/suggest", {"text": "x"}) is None   # no server: work alone
True
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from typing import Any

from tagger.serve.state import ServerState, pid_alive, read_state

#: How long a client waits for a server before working alone: a check (a stat of the
#: vault's notes, a suggestion) answers in tens of milliseconds; a server that takes
#: this long is stuck or the machine is swamped, and loading the model ourselves is
#: then the surer way.
TIMEOUT_S = 2.0
#: Bodies above this are refused by the server (413): such a request is not sent at all.
MAX_BODY = 1 << 20
ENV_SWITCH = "TAGGER_SERVER"


def live_server(vault: Path | None, *, model: Path | None = None) -> ServerState | None:
    """The state of `vault`'s server if its process exists (and it serves `model`, if given), else None.

    Whether it answers is found out by asking it: one round trip, not two.
    """
    if vault is None or os.environ.get(ENV_SWITCH, "").lower() in ("off", "0", "no"):
        return None
    state = read_state(vault)
    if state is None or not pid_alive(state.pid):
        return None
    if model is not None and state.model and os.path.realpath(model) != os.path.realpath(state.model):
        return None  # another model than the one asked for: the caller works alone
    return state


def request(state: ServerState, method: str, path: str, body: Any = None, *, timeout: float = TIMEOUT_S) -> Any:
    """`method path` on the server with its token; the decoded JSON answer, or None on any failure.

    HTTP/1.1 spoken over a plain socket: `http.client` would import `ssl` and the email
    parser, a fifth of a fresh `tagger suggest`'s start-up, for one request on the loopback.
    """
    # "http://127.0.0.1:PORT" (or "[::1]"), as `tagger serve` writes it; parsed by hand, since
    # urllib.parse imports ipaddress: milliseconds every start-up pays.
    scheme, _, netloc = state.url.partition("://")
    host, _, port = netloc.rpartition(":")
    if scheme != "http" or not host or not port.isdigit():
        return None
    hostname = host.strip("[]")
    data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    if len(data) > MAX_BODY:
        return None
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: {netloc}\r\nAuthorization: Bearer {state.token}\r\n"
        f"Accept: application/json\r\nConnection: close\r\n"
        + (f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n" if body is not None else "")
        + "\r\n"
    )
    deadline = time.monotonic() + timeout
    try:
        with socket.create_connection((hostname, int(port)), timeout=timeout) as sock:
            # Headers and body in one send: no Nagle / delayed-ACK stall between them.
            sock.sendall(head.encode("latin-1") + data)
            chunks: list[bytes] = []
            while True:
                sock.settimeout(max(0.001, deadline - time.monotonic()))
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        return _parse_reply(b"".join(chunks))
    except (OSError, ValueError):
        # Refused, reset (a server killed mid-request), timed out, or not JSON: work alone.
        return None


def _parse_reply(raw: bytes) -> Any:
    """The JSON body of a complete `200` reply; `ValueError` for anything else.

    >>> _parse_reply(b'HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\n[]')
    []
    >>> _parse_reply(b'HTTP/1.1 401 Unauthorized\\r\\nContent-Length: 2\\r\\n\\r\\n{}')
    Traceback (most recent call last):
    ValueError: status 401
    """
    head, sep, payload = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2) if sep else []
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise ValueError("not an HTTP reply")
    if parts[1] != "200":
        raise ValueError(f"status {parts[1]}")
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length" and int(value) != len(payload):
            raise ValueError("reply cut short")  # a server killed while writing
    return json.loads(payload)


def real_name(path: Path | str, root: Path) -> str:
    """`path` with links followed, `root`-relative (posix) when inside it, else absolute: how the server names a file.

    >>> real_name("data/example-vault/2020/x.md", Path("data/example-vault").resolve())
    '2020/x.md'
    """
    real = os.path.realpath(path)
    rel = os.path.relpath(real, root)
    return real if rel == ".." or rel.startswith(".." + os.sep) else rel.replace(os.sep, "/")


def ask(vault: Path | None, path: str, body: Any, *, model: Path | None = None, timeout: float = TIMEOUT_S) -> Any:
    """POST `body` to `path` on `vault`'s live server; its JSON answer, or None to work in-process."""
    state = live_server(vault, model=model)
    return None if state is None else request(state, "POST", path, body, timeout=timeout)


__all__ = ["ENV_SWITCH", "MAX_BODY", "TIMEOUT_S", "ask", "live_server", "real_name", "request"]
