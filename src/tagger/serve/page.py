"""The review page of `tagger serve`: its login, its files, and its JSON endpoints.

| route | auth | body | answer |
|---|---|---|---|
| `GET /review?token=T` | the token in the URL | — | 303 to `/review`, setting the page's cookie (`HttpOnly; SameSite=Strict`) |
| `GET /review` | cookie | — | the page (HTML); without the cookie, a 401 saying to open the URL `tagger serve` printed |
| `GET /review/review.css`, `/review/review.js` | none | — | the page's files (package data; nothing secret) |
| `GET /api/review/untagged` | token or cookie | — | `{"vault", "floor", "model", "notes": [{"path", "title", "date", "comment", "sha", "suggestions": [{"tag", "score", "assigned"}]}]}` |
| `GET /api/review/why?path=P` | token or cookie | — | `{"path", "why": [{"tag", "words"}]}` |
| `GET /api/review/suspects` | token or cookie | — | `{"ready", "about", "notes": [{"path", "title", "date", "sha", "tags", "missing": [{"tag", "score", "reason"}], "stray": […]}]}` |
| `GET /api/review/vocabulary` | token or cookie | — | `{"months", "tags": [{"tag", "notes", "first", "last", "counts"}], "merges": [{"kind", "tags", "into", "reasons"}]}` |
| `POST /api/review/tags` | token or cookie | `{"path", "tags": [TAG], "seen": SHA}` | `{"action": {"id", "kind", "written", "skipped", "tags"}, "sha", "tags"}`; 409 if the note changed since `seen` |
| `POST /api/review/merge` | token or cookie | `{"members": [TAG], "into": TAG}` | `{"action"}` |
| `POST /api/review/dismiss` | token or cookie | `{"path", "tag", "kind": "missing" or "stray"}` | `{"dismissed": true}` |
| `POST /api/review/undismiss` | token or cookie | the same | `{"dismissed": false}` (the undo of a dismissal) |
| `POST /api/review/undo` | token or cookie | `{"id": ACTION}` | `{"restored": [PATH], "left": [{"path", "reason"}]}` |

The token travels as Jupyter's does: in the URL `tagger serve` prints, traded at once for a
cookie the page's scripts cannot read (`HttpOnly`) and no other site's page can make the
browser send (`SameSite=Strict`); the redirect takes it out of the address bar. The page
itself is served with a Content-Security-Policy that allows only this server's own files.
"""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs

from tagger.edit.lock import VaultBusy
from tagger.edit.session import Dismissals
from tagger.errors import InputError, TaggerError
from tagger.notes.replace import NoteChanged
from tagger.serve.api import invalid, vault_path
from tagger.serve.http import Body, HttpError, Request, Route, cookie_name, presented_token, token_matches
from tagger.serve.review import ReviewDesk
from tagger.serve.service import Unavailable
from tagger.serve.suspects import SuspectFinder
from tagger.spelling import invalid_tag_reason

#: The page's files and their types.
STATIC = {"review.css": "text/css; charset=utf-8", "review.js": "text/javascript; charset=utf-8", "icon.svg": "image/svg+xml"}
#: Tags in one request (a note's tags, a merge's members).
MAX_TAGS = 200
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_ACTION_RE = re.compile(r"review-[\w.-]{1,80}\.jsonl")


def asset(name: str) -> bytes:
    """One of the page's files, from the package.

    >>> asset("review.html").startswith(b"<!doctype html>")
    True
    """
    return (importlib.resources.files("tagger.serve") / "static" / name).read_bytes()


def _text(value: Any, name: str, limit: int = 200) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit or "\0" in value:
        raise invalid(f"{name!r} must be a non-empty string of at most {limit} characters")
    return value.strip()


def _tags(value: Any, name: str, *, empty: bool) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_TAGS or (not value and not empty):
        raise invalid(f"{name!r} must be a list of {'0' if empty else '1'} to {MAX_TAGS} tags")
    return [_text(t, f"{name}[{i}]").removeprefix("#") for i, t in enumerate(value)]


def _object(body: Any, keys: set[str], required: set[str]) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise invalid(f"the body must be an object with {', '.join(sorted(required))}")
    unknown = sorted(set(body) - keys)
    if unknown:
        raise invalid(f"unknown key {unknown[0]!r:.60}")
    missing = sorted(required - set(body))
    if missing:
        raise invalid(f"the body needs {missing[0]!r}")
    return body


def _user_errors(handler: Callable[[Request], Any]) -> Callable[[Request], tuple[int, Any]]:
    """A handler whose tagger errors become 4xx answers naming the note: 409 for a note changed meanwhile or a vault
    being written by another run, 503 without a model, 422 for the rest."""

    def handle(req: Request) -> tuple[int, Any]:
        try:
            return 200, handler(req)
        except (NoteChanged, VaultBusy) as err:
            raise HttpError(409, str(err)) from None
        except Unavailable as err:
            raise HttpError(503, str(err)) from None
        except InputError as err:
            raise HttpError(422, str(err)) from None
        except TaggerError as err:
            raise HttpError(422, str(err)) from None

    return handle


def page_routes(desk: ReviewDesk, suspects: SuspectFinder, token: str, port: Callable[[], int]) -> list[Route]:
    """The review page's routes over `desk` (`port`: the server's, known once it is bound: it names the cookie).

    >>> routes = page_routes(ReviewDesk(service), SuspectFinder(vault), token, lambda: 8123)   # doctest: +SKIP
    >>> [r.path for r in routes][:2]                                                           # doctest: +SKIP
    ['/review', '/review/review.css']
    """

    def login(req: Request) -> tuple[int, Any]:
        given = parse_qs(req.query).get("token", [None])[0]
        if given is not None:
            if not token_matches(given, token):
                raise HttpError(401, "wrong token: open the URL tagger serve printed (or see VAULT/.tagger/server.json)")
            cookie = f"{cookie_name(port())}={token}; Path=/; HttpOnly; SameSite=Strict"
            return 303, Body(b"", "text/plain; charset=utf-8", {"Location": "/review", "Set-Cookie": cookie})
        presented, _ = presented_token(req.headers, cookie_name(port()))
        if not token_matches(presented, token):
            raise HttpError(401, "open the review page through the URL tagger serve printed (…/review?token=…)")
        return 200, Body(asset("review.html"), "text/html; charset=utf-8", dict(PAGE_HEADERS))

    def static(name: str) -> Callable[[Request], tuple[int, Any]]:
        data, ctype = asset(name), STATIC[name]
        return lambda req: (200, Body(data, ctype, {"Cache-Control": "no-cache"}))

    def why(req: Request) -> Any:
        raw = parse_qs(req.query).get("path", [None])[0]
        return desk.why(vault_path(raw, "path"))

    def suspects_now(req: Request) -> Any:
        index = desk.service.index
        index.refresh()
        return suspects.snapshot(index.notes(), index.tag_state())

    def set_tags(req: Request) -> Any:
        body = _object(req.body, {"path", "tags", "seen"}, {"path", "tags", "seen"})
        seen = body["seen"]
        if not isinstance(seen, str) or not re.fullmatch(r"[0-9a-f]{64}", seen):
            raise invalid("'seen' must be the SHA-256 (64 hex digits) of the note as the page showed it")
        return desk.set_tags(vault_path(body["path"], "path"), _tags(body["tags"], "tags", empty=True), seen)

    def merge(req: Request) -> Any:
        body = _object(req.body, {"members", "into"}, {"members", "into"})
        into = _text(body["into"], "into").removeprefix("#")
        if (why := invalid_tag_reason(into)) is not None:
            raise invalid(f"'into': {why}")
        return desk.merge(_tags(body["members"], "members", empty=False), into)

    def dismissal(req: Request) -> tuple[str, str, str]:
        body = _object(req.body, {"path", "tag", "kind"}, {"path", "tag", "kind"})
        if body["kind"] not in ("missing", "stray"):
            raise invalid("'kind' must be \"missing\" or \"stray\"")
        return desk.known(vault_path(body["path"], "path")), _text(body["tag"], "tag").removeprefix("#"), body["kind"]

    def dismiss(req: Request) -> Any:
        Dismissals(desk.root).add(*dismissal(req))
        return {"dismissed": True}

    def undismiss(req: Request) -> Any:
        Dismissals(desk.root).remove(*dismissal(req))
        return {"dismissed": False}

    def undo(req: Request) -> Any:
        body = _object(req.body, {"id"}, {"id"})
        action = body["id"]
        if not isinstance(action, str) or not _ACTION_RE.fullmatch(action):
            raise invalid("'id' must be an action id the page was given (review-….jsonl)")
        return desk.undo(action)

    return [
        Route("GET", "/review", login, auth=False),
        *(Route("GET", f"/review/{name}", static(name), auth=False) for name in STATIC),
        Route("GET", "/api/review/untagged", _user_errors(lambda req: desk.untagged())),
        Route("GET", "/api/review/why", _user_errors(why)),
        Route("GET", "/api/review/suspects", _user_errors(suspects_now)),
        Route("GET", "/api/review/vocabulary", _user_errors(lambda req: desk.vocabulary())),
        Route("POST", "/api/review/tags", _user_errors(set_tags)),
        Route("POST", "/api/review/merge", _user_errors(merge)),
        Route("POST", "/api/review/dismiss", _user_errors(dismiss)),
        Route("POST", "/api/review/undismiss", _user_errors(undismiss)),
        Route("POST", "/api/review/undo", _user_errors(undo)),
    ]


__all__ = ["MAX_TAGS", "STATIC", "asset", "page_routes"]
