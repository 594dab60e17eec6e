"""The undo log of a writing run: planned first, each note's fate after, read back by undo.

A log is JSONL: a header (`"tagger": "retag-log"`, format, vault, mode), one
`plan` record per change (path, old and new tags, SHA-256 before and after, and the
old text when `set_tags` could not rebuild it), then a `done` or `skip` record as
each note is written, and an `end` record saying how the run ended. It is written
and flushed before the first note is touched, so a crash at any point leaves a log
that undo can act on.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tagger._version import __version__
from tagger.config import tool_dir
from tagger.edit.plan import Plan
from tagger.errors import InputError
from tagger.notes.files import read_plain_text

LOG_FORMAT = 1


def default_log_path(vault: Path, now: dt.datetime | None = None, *, prefix: str = "retag") -> Path:
    """`VAULT/.tagger/retag-YYYYmmdd-HHMMSS.jsonl` (or another `prefix`), numbered if that name is taken.

    >>> default_log_path(Path("/nonexistent/v"), dt.datetime(2025, 6, 1, 12, 0, 0)).as_posix()
    '/nonexistent/v/.tagger/retag-20250601-120000.jsonl'
    """
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    base = tool_dir(vault) / f"{prefix}-{stamp}.jsonl"
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{prefix}-{stamp}-{n}.jsonl")
    return path


class Journal:
    """An undo log being written: an append-only JSONL file whose every line reaches the disk before the next step."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise InputError("cannot be created: a file stands where its folder should be; move it away", path=path) from None
        except OSError as err:
            raise InputError(f"cannot be created: {err.strerror}", path=path) from None
        try:
            self._fh: IO[str] = open(path, "x", encoding="utf-8", newline="\n")  # noqa: SIM115 - kept open across notes
        except FileExistsError:
            raise InputError("already exists; give another --log file (an undo log is never overwritten)", path=path) from None
        except OSError as err:
            raise InputError(f"cannot be created: {err.strerror}", path=path) from None

    def begin(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Write the header and the plan, all on disk, before any note is touched.

        If they cannot all be written (a full disk), the log is removed and nothing else happens:
        a log that undo could not read is worse than none.
        """
        try:
            self.write(*records)
        except OSError as err:
            with contextlib.suppress(OSError):
                self._fh.close()
            with contextlib.suppress(OSError):
                self.path.unlink()
            raise InputError(f"cannot be written ({err.strerror or err}); no note was changed", path=self.path) from None

    def write(self, *records: Mapping[str, Any], sync: bool = True) -> None:
        """Append `records`, one JSON line each; with `sync`, on disk before this returns."""
        self._fh.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
        self._fh.flush()
        if sync:
            os.fsync(self._fh.fileno())

    def close(self) -> None:
        """Close the file (every line written is already flushed); a failure to close changes nothing written."""
        with contextlib.suppress(OSError):
            self._fh.close()


def plan_records(plan: Plan, vault: Path) -> Iterator[dict[str, Any]]:
    """The log's header and one `plan` record per change (what undo needs).

    >>> from tagger.edit.plan import plan_retag; from tagger.notes.files import NoteFile; from tagger.spelling import SpellingRule
    >>> n = NoteFile.from_text(Path("v/a.md"), "코멘트.\\n\\n#GAN\\n", vault=Path("v"))
    >>> plan = plan_retag([n], mode="normalize", rule=SpellingRule({"gan": "gan"}))
    >>> [(r.get("op", r.get("tagger")), r.get("new_tags")) for r in plan_records(plan, Path("v"))]
    [('retag-log', None), ('plan', ['gan'])]
    """
    yield {
        "tagger": "retag-log",
        "format": LOG_FORMAT,
        "tagger_version": __version__,
        "created": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "vault": str(vault),
        "mode": plan.mode,
        "changes": len(plan.changes),
    }
    for c in plan.changes:
        rec: dict[str, Any] = {
            "op": "plan",
            "path": c.rel,
            "old_tags": list(c.old_tags),
            "new_tags": list(c.new_tags),
            "sha256_before": c.sha256_before,
            "sha256_after": c.sha256_after,
        }
        if c.restore_text is not None:
            rec["restore_text"] = c.restore_text
        yield rec


@dataclass(frozen=True)
class LoggedChange:
    """One `plan` record of a retag log, and what the log says became of it."""

    rel: str
    old_tags: tuple[str, ...]
    new_tags: tuple[str, ...]
    sha256_before: str
    sha256_after: str
    restore_text: str | None
    status: str  # "done", "skip", or "unknown" (the run stopped before reaching it)


@dataclass
class RetagLog:
    """A parsed retag log."""

    path: Path
    header: dict[str, Any]
    changes: list[LoggedChange]
    end: dict[str, Any] | None

    @property
    def vault(self) -> Path:
        """The vault root the retag ran on, as its header recorded it."""
        return Path(str(self.header.get("vault", "")))


def read_log(path: Path | str) -> RetagLog:
    """Parse a retag log; a torn last line (a crash mid-write) is ignored.

    >>> len(read_log("vault/.tagger/retag-20250601-120000.jsonl").changes)   # doctest: +SKIP
    12
    """
    path = Path(path)
    text = read_plain_text(path)
    lines = text.splitlines()
    records: list[dict[str, Any]] = []
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            if i == len(lines) and not text.endswith("\n"):
                break
            raise InputError(f"line {i}: not JSON; is this a tagger retag log?", path=path) from None
        if not isinstance(rec, dict):
            raise InputError(f"line {i}: not a log record", path=path)
        records.append(rec)
    if not records or records[0].get("tagger") != "retag-log":
        raise InputError("is not a tagger retag log", path=path)
    header = records[0]
    if header.get("format") != LOG_FORMAT:
        raise InputError(f"is a retag log of format {header.get('format')}; this tagger reads format {LOG_FORMAT}", path=path)
    status: dict[str, str] = {}
    end = None
    for rec in records[1:]:
        if rec.get("op") in ("done", "skip", "given-back"):
            # A note given back (edited while being written) holds the editor's version: not tagger's.
            status[str(rec.get("path"))] = "skip" if rec["op"] == "given-back" else str(rec["op"])
        elif rec.get("op") == "end":
            end = rec
    changes = []
    for rec in records[1:]:
        if rec.get("op") != "plan":
            continue
        try:
            changes.append(
                LoggedChange(
                    rel=str(rec["path"]),
                    old_tags=tuple(rec["old_tags"]),
                    new_tags=tuple(rec["new_tags"]),
                    sha256_before=str(rec["sha256_before"]),
                    sha256_after=str(rec["sha256_after"]),
                    restore_text=rec.get("restore_text"),
                    status=status.get(str(rec["path"]), "unknown"),
                )
            )
        except (KeyError, TypeError):
            raise InputError(f"plan record for {rec.get('path')!r} is incomplete", path=path) from None
    return RetagLog(path=path, header=header, changes=changes, end=end)


__all__ = ["LOG_FORMAT", "Journal", "LoggedChange", "RetagLog", "default_log_path", "plan_records", "read_log"]
