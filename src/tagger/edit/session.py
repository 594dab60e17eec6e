"""What the review page does to a vault, as actions: set one note's tags, merge tags across the vault, undo.

Each action goes through the one edit path — `plan.propose_change`, `apply.apply_plan`
(the vault lock, an undo log in `VAULT/.tagger/review-*.jsonl`, the safe swap) — and
returns an `Action` record the page shows and can undo. A note the page showed is
changed only if it still holds what the page saw (`seen`: its SHA-256), so an edit
made in the editor meanwhile is never overwritten. Dismissed review items are kept
in `VAULT/.tagger/review-dismissed.json`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tagger.config import tool_dir
from tagger.edit.apply import ApplyResult, UndoResult, apply_plan, undo_log
from tagger.edit.journal import default_log_path
from tagger.edit.plan import Change, Plan, plan_retag, propose_change
from tagger.errors import InputError
from tagger.notes.files import NoteFile, Skip, read_note_file
from tagger.notes.replace import NoteChanged, replace_file
from tagger.notes.vault import load_notes, path_in_vault
from tagger.spelling import SpellingRule, tag_key


@dataclass(frozen=True)
class Action:
    """One thing done to the vault, with what undoes it.

    >>> Action("tags", None).record()["written"]
    []
    """

    kind: str
    log: Path | None
    written: tuple[str, ...] = ()
    #: (note, why it was not written)
    skipped: tuple[tuple[str, str], ...] = ()
    #: note → its tags after the action (for the page to show)
    tags: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def id(self) -> str | None:
        """The action's name: its undo log's file name (None if nothing was written)."""
        return self.log.name if self.log is not None else None

    def record(self) -> dict[str, Any]:
        """The action as JSON-able data."""
        return {
            "id": self.id,
            "kind": self.kind,
            "written": list(self.written),
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "tags": {p: list(t) for p, t in self.tags.items()},
        }


def _action(kind: str, plan: Plan, result: ApplyResult | None) -> Action:
    if result is None:
        return Action(kind, None, skipped=tuple((s.rel, s.reason) for s in plan.skips))
    written = tuple(c.rel for c in result.written)
    skipped = tuple((s.rel, s.reason) for s in [*plan.skips, *result.skipped, *result.edited])
    tags = {c.rel: c.new_tags for c in result.written}
    return Action(kind, result.log_path, written, skipped, tags)


def _apply(kind: str, vault: Path, plan: Plan) -> Action:
    if not plan.changes:
        return _action(kind, plan, None)
    return _action(kind, plan, apply_plan(plan, vault=vault, log_path=default_log_path(vault, prefix="review")))


def set_note_tags(vault: Path, rel: str, tags: Sequence[str], *, seen: str | None = None) -> Action:
    """Give the note `rel` exactly `tags`, if it still holds what was seen (`seen`: its SHA-256).

    >>> set_note_tags(vault, "2025/250701 New.md", ["rl", "agent"], seen=sha)   # doctest: +SKIP
    """
    vault = Path(vault).resolve()
    note = read_note_file(path_in_vault(vault, rel), vault=vault)
    if seen is not None and note.sha256 != seen:
        raise NoteChanged("changed since the page showed it; reload to see it as it is now", path=rel)
    change = propose_change(note, tags, reason="set by hand")
    if isinstance(change, Skip):
        raise InputError(change.reason, path=rel)
    plan = Plan(mode="review", min_score=0.0, max_tags=None, changes=[change] if isinstance(change, Change) else [])
    action = _apply("tags", vault, plan)
    if action.skipped and not action.written:
        # Not written (read-only, changed while being written, …): a failure to the page, not an action to undo.
        raise InputError(action.skipped[0][1], path=rel)
    return action


def merge_tags(vault: Path, members: Sequence[str], into: str, *, candidates: Sequence[str] | None = None) -> Action:
    """Rewrite every note's `members` tags (in any spelling) as `into` (a spelling group, or a likely alias),
    through `retag --normalize`'s path; the notes' other tags stay as written.

    `candidates`: the vault-relative notes that may carry them (a server's index knows), so
    only those are read; every note of the vault otherwise.

    >>> merge_tags(vault, ["lm", "language_model"], "llm")   # doctest: +SKIP
    """
    vault = Path(vault).resolve()
    keys = {tag_key(m) for m in members} | {tag_key(into)}
    notes: list[NoteFile] = []
    if candidates is None:
        notes = load_notes(vault).notes
    else:
        for rel in candidates:
            try:
                notes.append(read_note_file(path_in_vault(vault, rel), vault=vault))
            except InputError:
                continue  # gone or unreadable since the index saw it: nothing of it to merge
    # A rule that knows only these tags: every other tag of the notes touched stays as written.
    rule = SpellingRule({k: into for k in keys}, {m: into for m in members if tag_key(m) != tag_key(into)})
    touched = [n for n in notes if any(tag_key(t) in keys for t in n.entry.tags)]
    return _apply("merge", vault, plan_retag(touched, mode="normalize", rule=rule))


def undo_action(vault: Path, action_id: str) -> UndoResult:
    """Undo one action by its id (its log's name): every note still as it left it is restored.

    >>> undo_action(vault, "review-20250701-093000.jsonl")   # doctest: +SKIP
    """
    if Path(action_id).name != action_id or not action_id.startswith("review-") or not action_id.endswith(".jsonl"):
        raise InputError("is not an action of the review page", path=action_id)
    log = tool_dir(vault) / action_id
    if not log.is_file():
        raise InputError("no such action", path=action_id)
    return undo_log(log, vault=Path(vault).resolve())


class Dismissals:
    """Review items the author dismissed (a tag on a note, "missing" or "stray"), kept in `.tagger/`.

    Each change re-reads the file under a lock and replaces it atomically, so dismissals
    made at once (two tabs, quick keys) are all kept.

    >>> import tempfile; d = Dismissals(Path(tempfile.mkdtemp()))
    >>> d.add("2025/a.md", "rl", "missing"); ("2025/a.md", "rl", "missing") in Dismissals(d.vault)
    True
    >>> d.remove("2025/a.md", "RL", "missing"); ("2025/a.md", "rl", "missing") in Dismissals(d.vault)
    False
    """

    NAME = "review-dismissed.json"
    _writing = threading.Lock()

    def __init__(self, vault: Path) -> None:
        self.vault = Path(vault)
        self.path = tool_dir(self.vault) / self.NAME
        self._items = self._read()

    def _read(self) -> set[tuple[str, str, str]]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return {(str(i["path"]), tag_key(str(i["tag"])), str(i["kind"])) for i in raw}
        except FileNotFoundError:
            return set()
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise InputError(f"cannot be read ({err}); remove it to start again", path=self.path) from None

    def __contains__(self, item: tuple[str, str, str]) -> bool:
        path, tag, kind = item
        return (path, tag_key(tag), kind) in self._items

    def add(self, path: str, tag: str, kind: str) -> None:
        """Remember one dismissed item (written at once, atomically)."""
        self._change(lambda items: items.add((path, tag_key(tag), kind)))

    def remove(self, path: str, tag: str, kind: str) -> None:
        """Forget one dismissed item (its undo)."""
        self._change(lambda items: items.discard((path, tag_key(tag), kind)))

    def _change(self, edit: Callable[[set[tuple[str, str, str]]], None]) -> None:
        with self._writing:
            items = self._read()
            edit(items)
            data = json.dumps([{"path": p, "tag": t, "kind": k} for p, t, k in sorted(items)], ensure_ascii=False)
            tool_dir(self.vault, create=True)
            try:
                replace_file(self.path, data.encode("utf-8"))
            except OSError as err:
                raise InputError(f"cannot be written ({err.strerror or err})", path=self.path) from None
            self._items = items


__all__ = ["Action", "Dismissals", "merge_tags", "set_note_tags", "undo_action"]
