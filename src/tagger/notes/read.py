"""Read notes, digests and tables into entries: the reader behind `read_entries` and every command.

A file that cannot be read is reported through an `on_problem` callback (by default
a warning on the `tagger` logger) and skipped; odd but readable notes (a mistyped
tag line, a note that is only a URL) are reported as `NoteWarning`s and still read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from tagger.entry import Entry
from tagger.errors import InputError, NoteWarning
from tagger.notes.files import NoteFile, read_note_file, read_note_text
from tagger.notes.parse import parse_digest
from tagger.notes.tables import read_csv, read_jsonl
from tagger.notes.vault import note_paths

log = logging.getLogger("tagger")

#: Called with each problem met while reading (a file skipped, or a warning about one read).
Problem = Callable[[InputError], None]
#: What several notes with a warning have, said once (`NoteWarning.summary`).
URL_ONLY = "have no text besides a URL; nothing to tag them from but their file names"
MISTYPED = "have a line that looks like a tag line but is not one; it is read as text"


def _log_problem(err: InputError) -> None:
    log.warning("%s", err)


def note_warnings(note: NoteFile) -> list[NoteWarning]:
    """What is odd about a note that was still read: mistyped tag lines, nothing besides a URL.

    >>> [str(w) for w in note_warnings(NoteFile.from_text(Path("a.md"), "코멘트.\\n\\n#rl #c++\\n"))]
    ["a.md: line 3: '#c++' is not a valid tag (letters, digits, _ - / only, and not all digits); it is read as text"]
    >>> [str(w) for w in note_warnings(NoteFile.from_text(Path("a.md"), "https://arxiv.org/abs/2401.00001\\n"))]
    ['a.md: has no text besides a URL; nothing to tag it from but its file name']
    """
    out = [NoteWarning(f"{why}; it is read as text", path=note.path, summary=MISTYPED) for why in note.odd]
    # `entry.title` falls back to the file name, so look at the body alone: a note
    # that is only a URL has nothing of its own to tag it from.
    if not note.entry.tags and not note.entry.has_own_text:
        out.append(NoteWarning("has no text besides a URL; nothing to tag it from but its file name", path=note.path, summary=URL_ONLY))
    return out


def read_note(path: Path | str, *, on_problem: Problem | None = None) -> Entry:
    """Read one markdown note. Raises `InputError` if it cannot be read as a note.

    >>> e = read_note("data/example-vault/2020/200114 AugGAN.md")
    >>> e.title, e.tags, e.date
    ('AugGAN', ('GAN', 'augmentation'), datetime.date(2020, 1, 14))
    """
    note = read_note_file(path)
    for warning in note_warnings(note):
        (on_problem or _log_problem)(warning)
    return note.entry


def _iter_file(path: Path, on_problem: Problem) -> Iterator[Entry]:
    suffix = path.suffix.lower()
    if suffix == ".txt":
        entries = parse_digest(read_note_text(path), path=path)
        if not entries:
            raise InputError("holds no papers in the digest format (title, (authors), abstract, comment, tag line)", path=path)
        yield from entries
    elif suffix == ".jsonl":
        yield from read_jsonl(path, on_problem=on_problem)
    elif suffix == ".csv":
        yield from read_csv(path, on_problem=on_problem)
    elif suffix in (".md", ".markdown"):
        yield read_note(path, on_problem=on_problem)
    else:
        raise InputError("is not a note (.md), a digest (.txt), or a table (.jsonl, .csv)", path=path)


def read_entries(
    paths: Path | str | Iterable[Path | str],
    *,
    on_problem: Problem | None = None,
    strict: bool = False,
) -> list[Entry]:
    """Read entries from vault folders, notes, digests (`.txt`), `.jsonl` or `.csv` files.

    A file that cannot be read is skipped and reported through `on_problem`
    (by default, a warning on the `tagger` logger), and so is a bad row of a table
    (its line named; the other rows are read); with `strict=True` the first such
    problem is raised instead. Warnings (`NoteWarning`: a note with only a URL, a
    table's unknown columns) are reported and never raised. A path that does not
    exist, or a folder with no notes, raises `InputError`.

    >>> entries = read_entries("data/example-vault", on_problem=lambda err: None)
    >>> entries[0].title
    'Consistency Regularized GAN Training'
    """
    report = on_problem or _log_problem
    if strict:
        given = report

        def report(err: InputError) -> None:
            if not isinstance(err, NoteWarning):
                raise err
            given(err)

    if isinstance(paths, (str, Path)):
        paths = [paths]
    out: list[Entry] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise InputError("does not exist", path=path)
        files = note_paths(path) if path.is_dir() else [path]
        if path.is_dir() and not files:
            raise InputError("holds no notes (*.md)", path=path)
        for f in files:
            try:
                out.extend(_iter_file(f, report))
            except InputError as err:
                if strict:
                    raise
                report(err)
    return out


__all__ = ["MISTYPED", "URL_ONLY", "Problem", "note_warnings", "read_entries", "read_note"]
