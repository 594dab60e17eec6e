"""Writing a plan and undoing it: the undo log first, then each note in one atomic step; undo from the log.

Side effects live here (and in `tagger.notes.replace`); what to write is decided by
`tagger.edit.plan`. One writing run per vault at a time (`tagger.edit.lock`). A note
that changed since it was planned, or while it was written, is left as its editor
left it (or the displaced edit is kept beside it, and the run says where); a locked
note is skipped with its reason; the rest go on. A full disk stops the run: every
note is then untouched or fully written, and the log says which.
"""

from __future__ import annotations

import contextlib
import errno
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tagger.config import TOOL_DIR
from tagger.edit.journal import Journal, RetagLog, default_log_path, plan_records, read_log
from tagger.edit.lock import vault_lock
from tagger.edit.plan import Change, Plan
from tagger.errors import InputError
from tagger.notes.files import Skip, sha256
from tagger.notes.vault import path_in_vault
from tagger.notes.replace import KEPT, Settled, Swap, lock_reason, replace_note, write_atomic
from tagger.notes.write import set_tags
from tagger.progress import Progress

#: errno values that mean the disk cannot take more: the run stops instead of skipping note after note.
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}


class DiskFull(InputError):
    """The disk (or quota) is full: the run stopped; what was written is in its log."""


@contextlib.contextmanager
def hold_interrupts() -> Iterator[None]:
    """Let Ctrl-C wait until one note is written *and* logged, then act on it.

    Each note's write is atomic anyway; holding the signal keeps the log's
    "done" line in step with the file, so the log never under-reports.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            if callable(previous):
                previous(signal.SIGINT, None)
            elif previous == signal.SIG_DFL:
                raise KeyboardInterrupt


@dataclass
class ApplyResult:
    """What `apply_plan` did: notes written, notes skipped at write time, edits given back or kept, and the log."""

    log_path: Path | None
    written: list[Change] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    #: Notes edited while (or right after) they were written: what became of the edit.
    edited: list[Skip] = field(default_factory=list)
    status: str = "complete"


def write_change(change: Change, *, then: Callable[[], None] | None = None) -> tuple[Swap | None, str | None]:
    """Put one planned change in place if its note is still as planned: (the swap, None) or (the swap or None, why not).

    The one write of a change, for retag, `tagger-fix` and the review page. `then` runs
    right after tagger's version is in place and before a Ctrl-C is acted on, so a log's
    "done" line never lags the file. A swap returned must be settled and released
    (`Swap.settle`, `Swap.release`), at once or at the end of a run. A full disk raises
    `DiskFull` (the note untouched).

    >>> swap, why = write_change(change)   # doctest: +SKIP
    """
    with hold_interrupts():
        try:
            swap = replace_note(change.path, change.new_text, planned=change.sha256_before)
        except InputError as err:
            return None, err.message
        except OSError as err:
            if err.errno in _DISK_FULL:
                raise DiskFull(f"cannot be written: {err.strerror}; the run stopped here", path=change.path) from None
            return None, f"cannot be written: {err.strerror or err}"
        if swap.written and then is not None:
            then()
    return swap, swap.problem


def apply_plan(
    plan: Plan,
    *,
    vault: Path,
    log_path: Path | None = None,
    progress: Progress | None = None,
) -> ApplyResult:
    """Write the plan: the undo log first, then each note, then a last look at every note replaced.

    Ctrl-C, a full disk or an unexpected error stops between two notes: each note is
    untouched or fully written, and the log's last line records how the run ended.

    >>> result = apply_plan(plan_retag(notes, mode="normalize", rule=rule), vault=vault)        # doctest: +SKIP
    >>> result.log_path                                                                      # doctest: +SKIP
    PosixPath('vault/.tagger/retag-20250601-120000.jsonl')
    """
    vault = Path(vault).resolve()
    if not plan.changes:
        return ApplyResult(log_path=None)
    with vault_lock(vault, command=f"retag --{plan.mode.replace('_', '-')} --write"):
        log_path = Path(log_path) if log_path is not None else default_log_path(vault)
        log = Journal(log_path)
        log.begin(plan_records(plan, vault))
        result = ApplyResult(log_path=log_path)
        swaps: list[tuple[Change, Swap]] = []
        try:
            total = len(plan.changes)
            for i, change in enumerate(plan.changes):
                if progress is not None:
                    progress(f"writing {i}/{total}", i / total)

                def logged(change: Change = change) -> None:
                    result.written.append(change)
                    log.write({"op": "done", "path": change.rel}, sync=False)

                swap, why = write_change(change, then=logged)
                if swap is not None:
                    swaps.append((change, swap))
                if why is not None:
                    result.skipped.append(Skip(change.path, change.rel, why))
                    log.write({"op": "skip", "path": change.rel, "reason": why}, sync=False)
            if progress is not None:
                progress("writing", 1.0)
        except BaseException as err:
            _settle(swaps, result, log)
            result.status = "interrupted" if isinstance(err, KeyboardInterrupt) else "failed"
            end: dict[str, Any] = {"op": "end", "status": result.status, "written": len(result.written), "skipped": len(result.skipped)}
            if not isinstance(err, KeyboardInterrupt):
                end["error"] = f"{type(err).__name__}: {err}"
            with contextlib.suppress(OSError):
                log.write(end)
            log.close()
            raise
        # Last: an editor that opened a note before it was replaced may have written into the old one since.
        _settle(swaps, result, log)
        with contextlib.suppress(OSError):  # a full disk now: the notes are written and the log says so
            log.write({"op": "end", "status": "complete", "written": len(result.written), "skipped": len(result.skipped)})
        log.close()
        return result


def _settle(swaps: list[tuple[Change, Swap]], result: ApplyResult, log: Journal) -> None:
    """A last look at every note swapped: late edits into the old files, then the versions given back."""
    for change, swap in swaps:
        _record(change, swap.settle(), result, log)
    for change, swap in swaps:
        _record(change, swap.release(), result, log)
    swaps.clear()


def _record(change: Change, settled: Settled | None, result: ApplyResult, log: Journal) -> None:
    if settled is None:
        return
    result.edited.append(Skip(change.path, change.rel, settled.message))
    if not settled.tagger_version_in_place and change in result.written:
        result.written.remove(change)
    op = "edit-kept" if settled.kind == KEPT else "given-back"
    with contextlib.suppress(OSError):
        log.write({"op": op, "path": change.rel, "reason": settled.message}, sync=False)


# ---- undo ----------------------------------------------------------------------------------


@dataclass
class UndoResult:
    """What `undo_log` did, note by note (vault-relative paths)."""

    restored: list[str] = field(default_factory=list)
    #: Notes already as they were before the retag (undone before, or changed back by hand).
    unchanged: list[str] = field(default_factory=list)
    #: Notes the retag planned but did not write (skipped then): nothing to undo.
    not_written: list[str] = field(default_factory=list)
    #: (path, reason): notes left alone because they changed since, went missing, or cannot be written.
    left: list[tuple[str, str]] = field(default_factory=list)


def _log_vault(log: RetagLog, vault: Path | None) -> Path:
    if vault is not None:
        return Path(vault)
    if log.vault.is_dir():
        return log.vault
    # The vault was moved or renamed: a log in its `.tagger/` still knows where it is.
    if log.path.resolve().parent.name == TOOL_DIR:
        return log.path.resolve().parent.parent
    raise InputError(f"the vault it names ({log.vault}) does not exist; give it with --vault", path=log.path)


def undo_log(path: Path | str, *, vault: Path | None = None, progress: Progress | None = None) -> UndoResult:
    """Restore every note a retag log changed that is still exactly as the retag left it.

    A note whose hash is no longer the logged "after" hash was edited since: it is left
    alone and reported. Only notes inside the vault the log names are touched, never
    through a symbolic link. Restoring is atomic per note.

    >>> undo_log("vault/.tagger/retag-20250601-120000.jsonl")   # doctest: +SKIP
    """
    log = read_log(path)
    root = _log_vault(log, vault)
    result = UndoResult()
    total = len(log.changes)
    with vault_lock(root, command="undo"):
        for i, ch in enumerate(reversed(log.changes)):
            if progress is not None:
                progress(f"restoring {i}/{total}", i / total)
            try:
                note = path_in_vault(root, ch.rel)
            except InputError as err:
                result.left.append((ch.rel, f"{err.message}; not restored"))
                continue
            try:
                data = note.read_bytes()
            except FileNotFoundError:
                result.left.append((ch.rel, "no longer exists"))
                continue
            except OSError as err:
                result.left.append((ch.rel, f"cannot be read: {err.strerror}"))
                continue
            digest = sha256(data)
            if digest == ch.sha256_before:
                (result.not_written if ch.status == "skip" else result.unchanged).append(ch.rel)
                continue
            if digest != ch.sha256_after:
                why = "was not written by the retag, and changed since" if ch.status == "skip" else "changed since the retag"
                result.left.append((ch.rel, f"{why}; left as it is"))
                continue
            try:
                original = ch.restore_text if ch.restore_text is not None else set_tags(data.decode("utf-8"), ch.old_tags)
            except (InputError, UnicodeDecodeError):
                original = None
            if original is None or sha256(original) != ch.sha256_before:
                result.left.append((ch.rel, "cannot be rebuilt exactly as it was; left as it is"))
                continue
            if (locked := lock_reason(note)) is not None:
                result.left.append((ch.rel, locked))
                continue
            try:
                with hold_interrupts():
                    write_atomic(note, original, expect_bytes=data)
            except InputError as err:
                result.left.append((ch.rel, err.message))
                continue
            except OSError as err:
                if err.errno in _DISK_FULL:
                    raise DiskFull(f"cannot be written: {err.strerror}; undo stopped here (run it again later)", path=note) from None
                result.left.append((ch.rel, f"cannot be written: {err.strerror or err}"))
                continue
            result.restored.append(ch.rel)
    if progress is not None:
        progress("restoring", 1.0)
    return result


__all__ = [
    "ApplyResult",
    "DiskFull",
    "UndoResult",
    "apply_plan",
    "hold_interrupts",
    "undo_log",
    "write_change",
]
