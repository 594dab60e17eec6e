"""The JSON API of `tagger serve`: what each endpoint accepts (validated, 400/422 naming the problem) and answers.

| endpoint | auth | body | answer |
|---|---|---|---|
| `GET /api/health` | none | — | `{"status": "ok"}` |
| `POST /api/suggest` | token | `{"text": NOTE}` or `{"title", "abstract", "comment", "translation"}`, optional `"k"` (1–100); or a list of such | `{"suggestions": [{"tag", "score", "assigned"}], "model": {"trained_at", "notes"}}` (a list for a list) |
| `POST /api/check` | token | `{"notes": [{"path", "text"}], "leave_out": [PATH], "aliases": {TAG: TAG}, "top": K, "min_score": X}` | `{"notes": [{"path", "renames": [{"old", "new", "why"}], "coined", "suggestions", "would_write"}], "stale": {"last_note", "newer"} or null, "model"}` |
| `GET /api/status` | token | — | the model (path, trained_at, notes, tags, age_seconds, error), the index, the retrainer (running, pending, last: {started, finished, seconds, result, error}) |

Paths in `/api/check` are vault-relative and are never read: they date a note (by its file
name) and say which notes leave the vocabulary while they are being checked. Nothing here
writes anything.
"""

from __future__ import annotations

import math
import posixpath
from collections.abc import Callable, Mapping
from typing import Any

from tagger.edit.plan import WRITE_FLOOR
from tagger.entry import Entry
from tagger.notes.parse import parse_note
from tagger.serve.http import HttpError, Request, Route
from tagger.serve.service import CheckNote, Service, Unavailable, suggestion_record

MAX_K = 100
#: Notes in one `/api/suggest` list (the 1 MB body cap bounds it too).
MAX_BATCH = 1000
_FIELDS = ("title", "abstract", "comment", "translation")


def invalid(message: str) -> HttpError:
    return HttpError(422, message)


def _int(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise invalid(f"{name!r} must be a whole number from {low} to {high}, not {value!r:.40}")
    return value


def _entry(item: Any, where: str) -> tuple[Entry, int | None]:
    """One note to suggest for, from `{"text"}` or the fields; and its `k`, if it gives one."""
    if not isinstance(item, Mapping):
        raise invalid(f"{where} must be an object with \"text\" or \"title\"/\"abstract\"/\"comment\", not {type(item).__name__}")
    unknown = sorted(set(item) - {"text", "k", *_FIELDS})
    if unknown:
        raise invalid(f"{where}: unknown key {unknown[0]!r:.60} (send text, or title, abstract, comment, translation; and k)")
    k = _int(item["k"], "k", 1, MAX_K) if "k" in item else None
    for key in ("text", *_FIELDS):
        if key in item and not isinstance(item[key], str):
            raise invalid(f"{where}: {key!r} must be a string, not {type(item[key]).__name__}")
    if "text" in item:
        if any(f in item for f in _FIELDS):
            raise invalid(f"{where}: send either \"text\" or the fields, not both")
        return parse_note(item["text"]), k
    if not any(f in item for f in _FIELDS):
        raise invalid(f"{where}: send \"text\" (a note's markdown) or some of title, abstract, comment")
    return Entry(**{f: item.get(f, "") for f in _FIELDS}), k


def vault_path(value: Any, where: str) -> str:
    """A vault-relative path as sent: relative, normalised, never above the vault."""
    if not isinstance(value, str) or not value or "\0" in value:
        raise invalid(f"{where} must be a non-empty vault-relative path")
    norm = posixpath.normpath(value.replace("\\", "/"))
    if norm.startswith("/") or norm == ".." or norm.startswith("../") or norm == ".":
        raise invalid(f"{where} {value!r:.80} is not a path inside the vault")
    return norm


def suggest_handler(service: Service) -> Callable[[Request], tuple[int, Any]]:
    """`POST /api/suggest`."""

    def handle(req: Request) -> tuple[int, Any]:
        body = req.body
        many = isinstance(body, list)
        items = body if many else [body]
        if many and not 1 <= len(items) <= MAX_BATCH:
            raise invalid(f"send 1 to {MAX_BATCH} notes in a list, not {len(items)}")
        parsed = [_entry(item, f"note {i}" if many else "the body") for i, item in enumerate(items)]
        ks = {k or 5 for _, k in parsed}
        try:
            rows, model = service.suggest([e for e, _ in parsed], k=max(ks))
        except Unavailable as err:
            raise HttpError(503, str(err)) from None
        info = service.model_info(model)
        answers = [
            {"suggestions": [suggestion_record(s) for s in row[: k or 5]], "model": info} for row, (_, k) in zip(rows, parsed)
        ]
        return 200, answers if many else answers[0]

    return handle


def check_handler(service: Service) -> Callable[[Request], tuple[int, Any]]:
    """`POST /api/check`: what `tagger-check` needs from the vault and the model, for the staged notes sent."""

    def handle(req: Request) -> tuple[int, Any]:
        body = req.body
        if not isinstance(body, Mapping):
            raise invalid("the body must be an object with \"notes\"")
        unknown = sorted(set(body) - {"notes", "leave_out", "aliases", "top", "min_score", "include", "exclude"})
        if unknown:
            raise invalid(f"unknown key {unknown[0]!r:.60}")
        notes_in = body.get("notes")
        if not isinstance(notes_in, list) or len(notes_in) > MAX_BATCH:
            raise invalid(f"\"notes\" must be a list of at most {MAX_BATCH} {{\"path\", \"text\"}} objects")
        notes: list[CheckNote] = []
        for i, n in enumerate(notes_in):
            if not isinstance(n, Mapping) or not isinstance(n.get("text"), str) or set(n) != {"path", "text"}:
                raise invalid(f"notes[{i}] must be an object with a \"path\" and a \"text\" string")
            notes.append(CheckNote(vault_path(n["path"], f"notes[{i}].path"), n["text"]))
        leave_out = body.get("leave_out", [])
        if not isinstance(leave_out, list) or not all(isinstance(p, str) for p in leave_out):
            raise invalid("\"leave_out\" must be a list of paths")
        aliases = body.get("aliases", {})
        if not isinstance(aliases, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in aliases.items()):
            raise invalid("\"aliases\" must be an object of tag: canonical-tag strings")
        top = _int(body.get("top", 5), "top", 1, MAX_K)
        floor = body.get("min_score", WRITE_FLOOR)
        if isinstance(floor, bool) or not isinstance(floor, (int, float)) or not (0.0 <= floor <= 1.0) or math.isnan(floor):
            raise invalid("\"min_score\" must be a number from 0 to 1")
        for key in ("include", "exclude"):
            # The client's notion of which files are notes must be the index's, or the vocabulary differs.
            if key in body and body[key] != list(getattr(service.index.config, key)):
                raise HttpError(409, f"this server reads the vault with other {key} patterns (tagger.toml changed?)")
        try:
            return 200, service.check(notes, leave_out=leave_out, aliases=dict(aliases), top=top, floor=float(floor))
        except Unavailable as err:
            raise HttpError(503, str(err)) from None

    return handle


def routes(service: Service, retrain_status: Callable[[], dict[str, Any]]) -> list[Route]:
    """The API's routes for `service`; `retrain_status` reports the watcher for `/api/status`."""
    return [
        Route("GET", "/api/health", lambda req: (200, {"status": "ok"}), auth=False),
        Route("POST", "/api/suggest", suggest_handler(service)),
        Route("POST", "/api/check", check_handler(service)),
        Route("GET", "/api/status", lambda req: (200, service.status(retrain_status()))),
    ]


__all__ = ["MAX_BATCH", "MAX_K", "check_handler", "invalid", "routes", "suggest_handler", "vault_path"]
