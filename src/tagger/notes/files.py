"""A note on disk: the one way to read one (`read_note_file`); replacing one is `tagger.notes.replace`'s.

Every caller that reads a note — the vault reader, retag, the hook, stdin — gets a
`NoteFile`: its bytes exactly as stored (what a later write compares against),
its text, hash, `Entry`, mistyped tag lines and whether it may be rewritten.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from tagger.entry import Entry
from tagger.errors import InputError
from tagger.notes.layout import odd_tag_lines
from tagger.notes.parse import parse_note
from tagger.notes.replace import lock_reason

#: Notes larger than this are not notes (an export, a pasted PDF): skipped.
MAX_NOTE_BYTES = 5 * 1024 * 1024


def sha256(data: bytes | str) -> str:
    """Hex SHA-256 of bytes, or of a text's UTF-8 bytes.

    >>> sha256("")[:12]
    'e3b0c44298fc'
    """
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def rel_path(path: Path, vault: Path | None) -> str:
    """`path` relative to `vault` with `/` separators (as logs and reports show it), else as given.

    >>> rel_path(Path("v/2025/a.md"), Path("v")), rel_path(Path("elsewhere/a.md"), Path("v"))
    ('2025/a.md', 'elsewhere/a.md')
    """
    if vault is not None:
        with contextlib.suppress(ValueError):
            return path.relative_to(vault).as_posix()
    return path.as_posix()


@dataclass(frozen=True)
class NoteFile:
    """One note as read: bytes and text exactly as stored, what it says, and whether it may be rewritten.

    >>> n = NoteFile.from_text(Path("v/a.md"), "Title\\n\\n코멘트.\\n\\n#GAN\\n", vault=Path("v"))
    >>> n.rel, n.entry.tags, n.odd
    ('a.md', ('GAN',), ())
    """

    path: Path
    rel: str
    data: bytes
    text: str
    entry: Entry
    #: Why the note must not be rewritten (a symbolic link, read-only), if so.
    locked: str | None = field(default=None, compare=False)

    @cached_property
    def sha256(self) -> str:
        """Hex SHA-256 of the bytes as read."""
        return sha256(self.data)

    @cached_property
    def odd(self) -> tuple[str, ...]:
        """`line N: why` for each line that looks like a tag line but is not one (see `odd_tag_lines`)."""
        return tuple(odd_tag_lines(self.text))

    @classmethod
    def from_bytes(cls, path: Path, data: bytes, *, vault: Path | None = None, locked: str | None = None) -> NoteFile:
        """A note from its bytes (a file's, stdin's), or one `InputError` saying what is wrong with them.

        >>> NoteFile.from_bytes(Path("a.md"), b"\\xff\\xfe notes")
        Traceback (most recent call last):
        tagger.errors.InputError: a.md: is not UTF-8 (byte 0xff at offset 0); convert it to UTF-8
        """
        text = decode_note(path, data)
        return cls(path, rel_path(path, vault), data, text, parse_note(text, path=path), locked)

    @classmethod
    def from_text(cls, path: Path, text: str, *, vault: Path | None = None, locked: str | None = None) -> NoteFile:
        """A note from text already in memory (its bytes are the text's UTF-8)."""
        return cls(path, rel_path(path, vault), text.encode("utf-8"), text, parse_note(text, path=path), locked)


def decode_note(path: Path, data: bytes) -> str:
    r"""Bytes of a note → text, or an `InputError` that says what is wrong with it.

    >>> decode_note(Path("a.md"), b"#rl\n")
    '#rl\n'
    """
    if not data.strip():
        raise InputError("is empty", path=path)
    if len(data) > MAX_NOTE_BYTES:
        raise _too_large(path, len(data))
    if b"\x00" in data:
        raise InputError("is a binary file, not a text note", path=path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(f"is not UTF-8 (byte 0x{data[err.start]:02x} at offset {err.start}); convert it to UTF-8", path=path) from None


def _too_large(path: Path, size: int) -> InputError:
    return InputError(f"is {size / 1e6:.0f} MB, too large for a note (limit {MAX_NOTE_BYTES // 2**20} MB); skipped", path=path)


def read_note_file(path: Path | str, *, vault: Path | None = None) -> NoteFile:
    """Read one note from disk, or raise one `InputError` naming it and the problem.

    >>> read_note_file("data/example-vault/2020/200114 AugGAN.md").entry.tags
    ('GAN', 'augmentation')
    >>> read_note_file("gone.md")
    Traceback (most recent call last):
    tagger.errors.InputError: gone.md: cannot be read: No such file or directory
    """
    path = Path(path)
    return NoteFile.from_bytes(path, _read_bytes(path), vault=vault, locked=lock_reason(path))


def read_note_text(path: Path | str) -> str:
    """The text of a note-like file (a digest, a table) exactly as stored, checked as a note's is.

    >>> read_note_text("data/new-note.md").splitlines()[0]
    'https://arxiv.org/abs/2507.08411'
    """
    path = Path(path)
    return decode_note(path, _read_bytes(path))


def _read_bytes(path: Path) -> bytes:
    # The size is checked before reading, so a stray video or dump is never loaded into memory.
    try:
        if (size := path.stat().st_size) > MAX_NOTE_BYTES:
            raise _too_large(path, size)
        return path.read_bytes()
    except IsADirectoryError:
        raise InputError("is a folder; give the folder itself or a note in it", path=path) from None
    except OSError as err:
        raise InputError(f"cannot be read: {err.strerror}", path=path) from None


def read_plain_text(path: Path | str) -> str:
    """A UTF-8 file that is not a note (a log, a list of paths), or one clear `InputError`.

    >>> read_plain_text("pyproject.toml").splitlines()[0]
    '[build-system]'
    >>> read_plain_text("gone.log")
    Traceback (most recent call last):
    tagger.errors.InputError: gone.log: does not exist
    """
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("does not exist", path=path) from None
    except UnicodeDecodeError as err:
        raise InputError(f"is not UTF-8 (byte 0x{err.object[err.start]:02x} at offset {err.start})", path=path) from None
    except OSError as err:
        raise InputError(f"cannot be read: {err.strerror or err}", path=path) from None


@dataclass(frozen=True)
class Skip:
    """A note left alone, and why (retag, the hook and undo report these; the exit code is then 1)."""

    path: Path
    rel: str
    reason: str


__all__ = [
    "MAX_NOTE_BYTES",
    "NoteFile",
    "Skip",
    "decode_note",
    "read_note_file",
    "read_note_text",
    "read_plain_text",
    "rel_path",
    "sha256",
]
