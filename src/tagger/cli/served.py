"""The client side of `tagger serve` for the commands: the hook's check and `tagger suggest`, asked of a running server.

Standard library only, like the hook's own start: a command answered by a server never
imports numpy, scipy or Kiwi. Each function returns None whenever the server cannot be
used (none running, another model, no answer within the timeout, an answer that does not
fit), and the caller then works in-process exactly as without a server. What the server
answers fills the same records (`NoteCheck`, `Suggestion`) the in-process path fills, and
the same code prints them, so the report is the same either way.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tagger.config import Config
from tagger.entry import Entry, Suggestion
from tagger.serve.client import MAX_BODY, live_server, real_name, request

if TYPE_CHECKING:
    from tagger.edit.check import NoteCheck

#: Notes per `/api/suggest` request, and bytes (under the server's 1 MB cap).
_BATCH, _BATCH_BYTES = 500, MAX_BODY * 3 // 4


def _in_vault(path: Path, root: Path) -> str:
    """`path` relative to `root` as the server names it: its folder resolved, its own name kept (a link's date is its name's)."""
    return (path.resolve().parent / path.name).relative_to(root).as_posix()


def _suggestions(raw: Any) -> list[Suggestion]:
    if not isinstance(raw, list):
        raise ValueError("suggestions are not a list")
    return [Suggestion(str(s["tag"]), float(s["score"]), bool(s["assigned"])) for s in raw]


def check_with_server(
    root: Path, config: Config, staged: Sequence[Path], readable: Sequence[NoteCheck], *, top: int, model_path: Path
) -> tuple[str | None] | None:
    """Fill `readable`'s renames, coined tags and suggestions from the vault's server; `(stale warning or None,)`, or None to work alone.

    `staged` are all the staged notes of the vault (readable or not): they leave the vocabulary.

    >>> check_with_server(Path("/nonexistent"), Config(), [], [], top=5, model_path=Path("m"))  # no server
    """
    server = live_server(root, model=model_path)
    if server is None:
        return None  # before any work on the body: most commits meet no server
    try:
        body = {
            "notes": [{"path": _in_vault(c.path, root), "text": c.note.text} for c in readable if c.note is not None],
            "leave_out": [real_name(p, root) for p in staged],
            "aliases": dict(config.aliases),
            "top": top,
            "min_score": readable[0].floor if readable else 0.65,
            "include": list(config.include),
            "exclude": list(config.exclude),
        }
    except (ValueError, OSError):
        return None  # a note the server cannot name: work alone
    # Loaded by the hook already; `tagger suggest` never needs them.
    from tagger.cli.staged import stale_line
    from tagger.edit.check import Rename

    answer = request(server, "POST", "/api/check", body)
    if not isinstance(answer, dict):
        return None
    try:
        notes = answer["notes"]
        if len(notes) != len(readable):
            return None
        filled = [
            ([Rename(str(r["old"]), str(r["new"]), str(r["why"])) for r in n["renames"]], [str(t) for t in n["coined"]], _suggestions(n["suggestions"]))
            for n in notes
        ]
        stale = answer["stale"]
        warning = None if stale is None else stale_line(dt.date.fromisoformat(stale["last_note"]), int(stale["newer"]), root, config, model_path)
    except (KeyError, TypeError, ValueError):
        return None
    for c, (renames, coined, suggestions) in zip(readable, filled):
        c.renames, c.coined, c.suggestions = renames, coined, suggestions
    return (warning,)


def suggest_with_server(vault: Path | None, entries: Sequence[Entry], *, k: int, model_path: Path) -> list[list[Suggestion]] | None:
    """Ranked suggestions for `entries` from the vault's server (in batches under its body cap), or None to work alone.

    >>> suggest_with_server(None, [Entry(title="x")], k=5, model_path=Path("m")) is None
    True
    """
    server = live_server(vault, model=model_path)
    if server is None:
        return None
    batches: list[list[dict[str, Any]]] = [[]]
    size = 0
    for e in entries:
        item = {"title": e.title, "abstract": e.abstract, "comment": e.comment, "translation": e.translation, "k": k}
        n = len(json.dumps(item, ensure_ascii=False).encode("utf-8")) + 2
        if batches[-1] and (len(batches[-1]) >= _BATCH or size + n > _BATCH_BYTES):
            batches.append([])
            size = 0
        batches[-1].append(item)
        size += n
    out: list[list[Suggestion]] = []
    for batch in batches:
        answer = request(server, "POST", "/api/suggest", batch) if batch else []
        try:
            if not isinstance(answer, list) or len(answer) != len(batch):
                return None
            out.extend(_suggestions(a["suggestions"]) for a in answer)
        except (KeyError, TypeError, ValueError):
            return None
    return out if len(out) == len(entries) else None


__all__ = ["check_with_server", "suggest_with_server"]
