"""Replacing a note on disk so that no edit made meanwhile is ever lost.

An editor may save a note at any moment: in place (the same file rewritten) or
by renaming a new file over it. A plain "check the hash, then rename" loses an
edit that lands between the two. So a note is replaced by *exchanging* it with the
new file (Linux `renameat2(RENAME_EXCHANGE)`: one atomic step that leaves the
displaced file under the temporary name instead of deleting it), and tagger only
ever deletes two things: its own new file (known by inode) and the note exactly
as it was planned (known by its SHA-256). Anything else it displaces is put back
(`given back`) or kept beside the note under a name it reports (`kept`).

`replace_note` makes the exchange; `Swap.settle` looks at the displaced note once
more (an editor that opened the note before the exchange may still write into it)
and cleans up. Where the exchange is not available (another OS or file system),
the old note is hard-linked first and `os.replace` is used: the same checks, but
an editor's rename landing in the microseconds before ours would be lost.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from tagger.errors import InputError

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


class NoteChanged(InputError):
    """The note was not as planned when its turn came (edited meanwhile): left as the editor left it."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@lru_cache(maxsize=1)
def _renameat2() -> Any:
    try:
        # Imported here, once: ctypes costs every hook and `tagger suggest` start-up ~10 ms otherwise.
        import ctypes
        import ctypes.util

        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        return libc.renameat2
    except (OSError, AttributeError, TypeError):
        return None


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap the files at `a` and `b`; False where the system cannot (the caller falls back).

    >>> import tempfile; d = Path(tempfile.mkdtemp()); _ = (d / "a").write_text("A"), (d / "b").write_text("B")
    >>> exchange(d / "a", d / "b") and ((d / "a").read_text(), (d / "b").read_text()) == ("B", "A")
    True
    """
    fn = _renameat2()
    if fn is None:
        return False
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    import ctypes  # loaded already by `_renameat2`

    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def lock_reason(path: Path) -> str | None:
    """Why a note must not be rewritten (a symbolic link, read-only), or None.

    >>> lock_reason(Path("no/such/note.md"))
    'cannot be checked: No such file or directory'
    """
    try:
        st = path.lstat()
    except OSError as err:
        return f"cannot be checked: {err.strerror}"
    if stat.S_ISLNK(st.st_mode):
        return "is a symbolic link; not changed (retag the note it points to)"
    # The owner's write bit, not os.access: root may write anything, but a note
    # the author made read-only is one they do not want changed.
    if not st.st_mode & stat.S_IWUSR or not os.access(path, os.W_OK):
        return "is read-only; not changed"
    return None


def _kept_name(path: Path) -> Path:
    """Where a displaced version someone wrote is kept: beside the note, hidden, not a note (`.md` dropped)."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = path.with_name(f".{path.name}.edited-{stamp}")
    out, n = base, 1
    while out.exists():
        n += 1
        out = base.with_name(f"{base.name}-{n}")
    return out


#: What became of a note tagger swapped: the editor's version is back in the note (tagger's
#: dropped); another save replaced tagger's; an editor's version is kept in a file beside the note.
GIVEN_BACK, SAVED_AGAIN, KEPT = "given back", "saved again", "kept"


@dataclass(frozen=True)
class Settled:
    """Something happened to a note while tagger replaced it: `kind` (`GIVEN_BACK`, `SAVED_AGAIN`, `KEPT`) and what, in words."""

    kind: str
    message: str
    #: Whether the note holds what tagger wrote.
    tagger_version_in_place: bool = False


@dataclass
class Swap:
    """A note `replace_note` swapped, until `settle` and `release` have looked at what it displaced.

    `written` says whether tagger's version went in; if not (an edit landed during the
    swap), `problem` says so and the editor's version is back in the note, watched
    (through a hard link) until `release`, in case a save based on what the note held
    for a moment replaces it.
    """

    path: Path
    #: The displaced note (as planned, when all went well), under the temporary name; None once let go.
    displaced: Path | None
    #: SHA-256 of the note as planned; what is displaced must still hash to it.
    planned: str
    #: tagger's own new file: inode and SHA-256.
    ours_ino: int
    ours_sha: str
    written: bool = True
    problem: str | None = None
    #: A hard link to a version given back to the editor, and its inode, watched until `release`.
    watch: Path | None = None
    watch_ino: int = 0

    def settle(self) -> Settled | None:
        """Let the displaced note go if it is still as planned; None if all is well, else what happened.

        An editor that had the note open before the swap may have written into the displaced
        file since: its edit is then given back (if the note still holds tagger's version) or
        kept beside the note, and the message says where.
        """
        if self.displaced is None:
            return None
        try:
            data = self.displaced.read_bytes()
        except FileNotFoundError:
            data = None  # already gone: nothing of anyone's to keep
        if data is None or _sha256(data) == self.planned:
            if data is not None:
                self.displaced.unlink()
            self.displaced = None
            return None if self._ours_in_place() else Settled(SAVED_AGAIN, "was saved again after tagger wrote it; left as saved")
        late, self.displaced = self.displaced, None
        if self._ours_in_place():
            self._watch(late)
            if exchange(late, self.path):
                kept = _drop_if_ours(late, self.ours_ino, self.ours_sha, self.path)
                also = f" (another version is kept in {kept.name} beside it)" if kept else ""
            else:  # no exchange here: tagger's own version is what the rename replaces
                os.replace(late, self.path)
                also = ""
            self.written = False
            return Settled(GIVEN_BACK, f"was edited while tagger wrote it; left as you edited it{also}")
        kept = _kept_name(self.path)
        os.replace(late, kept)
        return Settled(KEPT, f"was edited while tagger wrote it; your edit is kept in {kept.name} beside it", True)

    def release(self) -> Settled | None:
        """The last look: a version given back to the editor that a save has replaced since is kept beside the note."""
        if self.watch is None:
            return None
        watch, self.watch = self.watch, None
        try:
            if self.path.stat().st_ino == self.watch_ino:
                watch.unlink()
                return None
        except FileNotFoundError:
            pass
        kept = _kept_name(self.path)
        os.replace(watch, kept)
        return Settled(KEPT, f"was saved over the version given back to you; that version is kept in {kept.name} beside it")

    def _watch(self, version: Path) -> None:
        link = version.with_name(version.name + ".watch")
        os.link(version, link)
        self.watch, self.watch_ino = link, link.stat().st_ino

    def _ours_in_place(self) -> bool:
        try:
            st = self.path.stat()
            return st.st_ino == self.ours_ino and _sha256(self.path.read_bytes()) == self.ours_sha
        except OSError:
            return False


def _drop_if_ours(path: Path, ino: int, sha: str, note: Path) -> Path | None:
    """Delete `path` only if it is tagger's own file, untouched (inode and SHA-256); anything else is kept beside `note`."""
    try:
        if path.stat().st_ino == ino and _sha256(path.read_bytes()) == sha:
            path.unlink()
            return None
    except FileNotFoundError:
        return None
    kept = _kept_name(note)
    os.replace(path, kept)
    return kept


def _new_file(path: Path, data: bytes, mode: int) -> tuple[Path, int]:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tagger-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            ino = os.fstat(fh.fileno()).st_ino
        os.chmod(tmp, mode)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return Path(tmp), ino


def replace_file(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Put `data` at `path` atomically: written, flushed to disk and given `mode` under a temporary name, then renamed.

    For tagger's own files (state, dismissals), not notes: no check of what was there. The
    temporary file never outlives a failure.

    >>> import tempfile; target = Path(tempfile.mkdtemp()) / "x.json"
    >>> replace_file(target, b"{}"); target.read_bytes(), oct(target.stat().st_mode & 0o777)
    (b'{}', '0o600')
    """
    tmp, _ = _new_file(path, data, mode)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def replace_note(path: Path, text: str, *, planned: str) -> Swap:
    """Put `text` (UTF-8) in place of the note at `path` if it still hashes to `planned`; settle the `Swap` later.

    The new file is written and flushed first, so that between the last look at the note
    and the swap there is no disk wait. Raises `NoteChanged` if the note is not as planned
    (nothing swapped), `InputError` for a locked note, `OSError` if the new file cannot be
    written (a full disk: the note is untouched). An edit that lands during the swap goes
    back in the note: the `Swap` then says `written=False` and why.
    """
    path = Path(path)
    if (locked := lock_reason(path)) is not None:
        raise InputError(locked, path=path)
    try:
        mode = path.stat().st_mode & 0o7777
    except OSError as err:
        raise NoteChanged(f"cannot be read: {err.strerror}", path=path) from None
    data = text.encode("utf-8")
    tmp, ino = _new_file(path, data, mode)
    try:
        current = path.read_bytes()
    except OSError as err:
        tmp.unlink()
        raise NoteChanged(f"cannot be read: {err.strerror}", path=path) from None
    if _sha256(current) != planned:
        tmp.unlink()
        raise NoteChanged("changed since it was planned; left as it is (run again to include it)", path=path)
    swap = Swap(path, tmp, planned, ino, _sha256(data))
    try:
        exchanged = exchange(tmp, path)
    except OSError:
        tmp.unlink()
        raise
    if not exchanged:
        # No exchange here: keep the old note reachable by a hard link, check it, then replace.
        old = tmp.with_name(tmp.name + ".old")
        os.link(path, old)
        if _sha256(old.read_bytes()) != planned:
            old.unlink()
            tmp.unlink()
            raise NoteChanged("changed while tagger was writing it; left as you edited it", path=path)
        os.replace(tmp, path)
        swap.displaced = old
        return swap
    if _sha256(tmp.read_bytes()) == planned:
        return swap
    # An edit landed between the last look and the swap: it goes back where it was, watched until
    # `release` (a save based on what the note held for that moment would replace it).
    swap._watch(tmp)
    exchange(tmp, path)
    kept = _drop_if_ours(tmp, ino, swap.ours_sha, path)
    also = f" (another version is kept in {kept.name} beside it)" if kept else ""
    swap.displaced, swap.written = None, False
    swap.problem = f"changed while tagger was writing it; left as you edited it{also}"
    return swap


def write_atomic(path: Path, text: str, *, expect_bytes: bytes | None = None) -> None:
    """Replace `path` with `text` (UTF-8) atomically, keeping its permission bits.

    The new content goes to a file in the same folder, flushed to disk, which then
    takes the note's place in one step: a crash leaves the old note or the new one,
    never half of one. With `expect_bytes`, a note that no longer holds them is left
    alone (`NoteChanged`), and an edit made while writing is given back or kept
    (`replace_note`). A symbolic link or read-only note is refused here, not in each caller.

    >>> note = read_note_file("vault/2025/a.md")                                         # doctest: +SKIP
    >>> write_atomic(note.path, set_tags(note.text, ["rl"]), expect_bytes=note.data)      # doctest: +SKIP
    """
    path = Path(path)
    if expect_bytes is None:
        try:
            expect_bytes = path.read_bytes()
        except FileNotFoundError:
            tmp, _ = _new_file(path, text.encode("utf-8"), 0o644)
            os.replace(tmp, path)
            return
        except OSError as err:
            raise InputError(f"cannot be read: {err.strerror}", path=path) from None
    swap = replace_note(path, text, planned=_sha256(expect_bytes))
    problems = [x.message for x in (swap.settle(), swap.release()) if x is not None]
    if swap.problem or problems:
        raise NoteChanged("; ".join([*filter(None, [swap.problem]), *problems]), path=path)


__all__ = ["GIVEN_BACK", "KEPT", "SAVED_AGAIN", "NoteChanged", "Settled", "Swap", "exchange", "lock_reason", "replace_note", "write_atomic"]
