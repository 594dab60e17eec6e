"""Writing a plan and undoing it: the undo log first, then each note atomically; undo from the log.

Side effects live here (and in `tagger.notes.files.write_atomic`); what to write is
decided by `tagger.edit.plan`. A note that changed since it was planned, became
read-only or cannot be written is skipped with its reason and the rest go on.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tagger.edit.journal import Journal, RetagLog, default_log_path, plan_records, read_log
from tagger.edit.plan import Change, Plan
from tagger.errors import InputError
from tagger.notes.files import Skip, lock_reason, sha256, write_atomic
from tagger.notes.write import set_tags
from tagger.progress import Progress


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
    """What `apply_plan` did: notes written, notes skipped at write time, and the log."""

    log_path: Path | None
    written: list[Change] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    status: str = "complete"


def current_problem(change: Change) -> str | None:
    """Why `change` must not be written now (the note changed, went or got locked since planning), or None."""
    try:
        data = change.path.read_bytes()
    except FileNotFoundError:
        return "was deleted since the plan; not written"
    except OSError as err:
        return f"cannot be read: {err.strerror}"
    if sha256(data) != change.sha256_before:
        return "changed since the plan (hash differs); not written, run retag again"
    return lock_reason(change.path)


def write_change(change: Change, *, then: Callable[[], None] | None = None) -> str | None:
    """Write one planned change atomically if its note is still as planned; the reason it was not, else None.

    The one write of a change, for retag, `tagger-fix` and the review page. `then`
    runs right after the note is written and before a Ctrl-C is acted on, so a log's
    "done" line never lags the file.

    >>> write_change(change)   # doctest: +SKIP
    """
    why = current_problem(change)
    if why is not None:
        return why
    with hold_interrupts():
        try:
            write_atomic(change.path, change.new_text)
        except InputError as err:
            return err.message
        except OSError as err:
            return f"cannot be written: {err.strerror or err}"
        if then is not None:
            then()
    return None


def apply_plan(
    plan: Plan,
    *,
    vault: Path,
    log_path: Path | None = None,
    progress: Progress | None = None,
) -> ApplyResult:
    """Write the plan: the undo log first, then each note atomically.

    A note that changed since planning (its hash differs), became read-only or
    cannot be written is skipped with a reason and the rest go on. Ctrl-C or an
    unexpected error stops between two notes: each note is untouched or fully
    written, and the log's last line records how the run ended.

    >>> result = apply_plan(plan_retag(notes, mode="normalize", rule=rule), vault=vault)        # doctest: +SKIP
    >>> result.log_path                                                                      # doctest: +SKIP
    PosixPath('vault/.tagger/retag-20250601-120000.jsonl')
    """
    vault = Path(vault).resolve()
    if not plan.changes:
        return ApplyResult(log_path=None)
    log_path = Path(log_path) if log_path is not None else default_log_path(vault)
    log = Journal(log_path)
    result = ApplyResult(log_path=log_path)
    try:
        log.write(*plan_records(plan, vault))
        total = len(plan.changes)
        for i, change in enumerate(plan.changes):
            if progress is not None:
                progress(f"writing {i}/{total}", i / total)

            def logged(change: Change = change) -> None:
                result.written.append(change)
                log.write({"op": "done", "path": change.rel}, sync=False)

            why = write_change(change, then=logged)
            if why is not None:
                result.skipped.append(Skip(change.path, change.rel, why))
                log.write({"op": "skip", "path": change.rel, "reason": why}, sync=False)
        if progress is not None:
            progress("writing", 1.0)
    except BaseException as err:
        result.status = "interrupted" if isinstance(err, KeyboardInterrupt) else "failed"
        end: dict[str, Any] = {"op": "end", "status": result.status, "written": len(result.written), "skipped": len(result.skipped)}
        if not isinstance(err, KeyboardInterrupt):
            end["error"] = f"{type(err).__name__}: {err}"
        with contextlib.suppress(OSError):
            log.write(end)
        log.close()
        raise
    log.write({"op": "end", "status": "complete", "written": len(result.written), "skipped": len(result.skipped)})
    log.close()
    return result


# ---- undo ----------------------------------------------------------------------------------


@dataclass
class UndoResult:
    """What `undo_log` did, note by note (vault-relative paths)."""

    restored: list[str] = field(default_factory=list)
    #: Notes already as they were before the retag (never written, or undone before).
    unchanged: list[str] = field(default_factory=list)
    #: (path, reason): notes left alone because they changed since, went missing, or cannot be written.
    left: list[tuple[str, str]] = field(default_factory=list)


def _log_vault(log: RetagLog, vault: Path | None) -> Path:
    if vault is not None:
        return Path(vault)
    if log.vault.is_dir():
        return log.vault
    # The vault was moved or renamed: a log in its `.tagger/` still knows where it is.
    if log.path.resolve().parent.name == ".tagger":
        return log.path.resolve().parent.parent
    raise InputError(f"the vault it names ({log.vault}) does not exist; give it with --vault", path=log.path)


def undo_log(path: Path | str, *, vault: Path | None = None, progress: Progress | None = None) -> UndoResult:
    """Restore every note a retag log changed that is still exactly as the retag left it.

    A note whose hash is no longer the logged "after" hash was edited since (or
    never written): it is left alone and reported. Restoring is atomic per note.

    >>> undo_log("vault/.tagger/retag-20250601-120000.jsonl")   # doctest: +SKIP
    """
    log = read_log(path)
    root = _log_vault(log, vault)
    result = UndoResult()
    total = len(log.changes)
    for i, ch in enumerate(reversed(log.changes)):
        if progress is not None:
            progress(f"restoring {i}/{total}", i / total)
        note = root / ch.rel
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
            result.unchanged.append(ch.rel)
            continue
        if digest != ch.sha256_after:
            result.left.append((ch.rel, "changed since the retag; left as it is"))
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
            result.left.append((ch.rel, f"cannot be written: {err.strerror or err}"))
            continue
        result.restored.append(ch.rel)
    if progress is not None:
        progress("restoring", 1.0)
    return result


__all__ = ["ApplyResult", "UndoResult", "apply_plan", "current_problem", "hold_interrupts", "undo_log", "write_change"]
