"""Read notes, digests and tables from disk into entries; the one place that opens inputs."""

from __future__ import annotations

import ast
import datetime as dt
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tagger.entry import Entry
from tagger.errors import InputError, NoteWarning
from tagger.parse import odd_tag_lines, parse_digest, parse_note

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger("tagger")

#: Notes larger than this are not notes (an export, a pasted PDF): skipped.
MAX_NOTE_BYTES = 5 * 1024 * 1024
#: Folders a vault keeps for tools, never notes.
SKIP_DIRS = {".git", ".obsidian", ".trash", ".tagger", ".venv", "node_modules", "__pycache__"}

Problem = Callable[[InputError], None]


def _log_problem(err: InputError) -> None:
    log.warning("%s", err)


def decode_note(path: Path, data: bytes) -> str:
    r"""Bytes of a note → text, or an `InputError` that says what is wrong with it.

    >>> decode_note(Path("a.md"), b"#rl\n")
    '#rl\n'
    >>> decode_note(Path("a.md"), b"\xff\xfe notes")
    Traceback (most recent call last):
    tagger.errors.InputError: a.md: is not UTF-8 (byte 0xff at offset 0); convert it to UTF-8
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


def read_note_bytes(path: Path) -> tuple[bytes, str]:
    """A note's bytes and its text exactly as stored (line endings and BOM kept), or one `InputError`.

    The bytes are what a later atomic write compares against; the size is checked
    before reading, so a stray video or dump is never loaded into memory.

    >>> read_note_bytes(Path("gone.md"))
    Traceback (most recent call last):
    tagger.errors.InputError: gone.md: cannot be read: No such file or directory
    """
    try:
        if (size := path.stat().st_size) > MAX_NOTE_BYTES:
            raise _too_large(path, size)
        data = path.read_bytes()
    except IsADirectoryError:
        raise InputError("is a folder; give the folder itself or a note in it", path=path) from None
    except OSError as err:
        raise InputError(f"cannot be read: {err.strerror}", path=path) from None
    return data, decode_note(path, data)


def read_text(path: Path) -> str:
    """A note's text exactly as stored (line endings and BOM kept).

    >>> read_text(Path("data/new-note.md")).splitlines()[0]
    'https://arxiv.org/abs/2507.08411'
    """
    return read_note_bytes(path)[1]


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
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot be read: {getattr(err, 'strerror', None) or err}", path=path) from None


def in_tool_folder(rel: Path) -> bool:
    """Whether a vault-relative path lies in a tool folder (`.git`, `.obsidian`, any dot folder, …).

    >>> in_tool_folder(Path(".obsidian/x.md")), in_tool_folder(Path("2025/x.md"))
    (True, False)
    """
    return any(part in SKIP_DIRS or part.startswith(".") for part in rel.parts[:-1])


def iter_note_paths(folder: Path) -> Iterator[Path]:
    """`*.md` files below `folder`, in no order, never descending into tool folders.

    Pruned while walking: a vault's `.git` can hold far more files than its notes.
    """
    for here, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")]
        for name in files:
            if name.endswith(".md"):
                path = Path(here) / name
                if path.is_file():
                    yield path


def note_paths(folder: Path) -> list[Path]:
    """All `*.md` notes below `folder`, skipping tool folders such as `.git`, sorted.

    >>> note_paths(Path("data/example-vault"))[0].name
    '200109 Consistency Regularized GAN Training.md'
    """
    return sorted(iter_note_paths(folder))


def _check_note(path: Path, text: str, entry: Entry, on_problem: Problem) -> None:
    for why in odd_tag_lines(text):
        on_problem(NoteWarning(f"{why}; the line is read as text", path=path))
    # `entry.title` falls back to the file name, so look at the body alone: a note
    # that is only a URL has nothing of its own to tag it from.
    if not entry.tags and not entry.has_own_text:
        on_problem(NoteWarning("has no text besides a URL; nothing to tag it from but its file name", path=path))


def read_note(path: Path | str, *, on_problem: Problem | None = None) -> Entry:
    """Read one markdown note. Raises `InputError` if it cannot be read as a note.

    >>> e = read_note("data/example-vault/2020/200114 AugGAN.md")
    >>> e.title, e.tags, e.date
    ('AugGAN', ('GAN', 'augmentation'), datetime.date(2020, 1, 14))
    """
    path = Path(path)
    text = read_text(path)
    entry = parse_note(text, path=path)
    _check_note(path, text, entry, on_problem or _log_problem)
    return entry


def _iter_file(path: Path, on_problem: Problem) -> Iterator[Entry]:
    suffix = path.suffix.lower()
    if suffix == ".txt":
        entries = parse_digest(read_text(path), path=path)
        if not entries:
            raise InputError("holds no papers in the digest format (title, (authors), abstract, comment, tag line)", path=path)
        yield from entries
    elif suffix == ".jsonl":
        yield from _read_jsonl(path)
    elif suffix == ".csv":
        yield from entries_from_frame(_read_csv(path), base=path)
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
    (by default, a warning on the `tagger` logger); with `strict=True` the first
    such problem is raised instead. A path that does not exist, or a folder with
    no notes, raises `InputError`.

    >>> entries = read_entries("data/example-vault")          # doctest: +SKIP
    >>> entries[0].title                                       # doctest: +SKIP
    'BlendMask'
    """
    report = on_problem or _log_problem
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


# ---- tables -------------------------------------------------------------------------------

FIELDS = ("path", "date", "url", "title", "authors", "abstract", "comment", "translation", "tags", "links")


def _as_list(value: Any) -> tuple[str, ...]:
    if value is None or (isinstance(value, float) and value != value):
        return ()
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("[") and text.endswith("]"):
            # A list as pandas writes it into a CSV, "['rl', 'moe']" (links hold spaces).
            try:
                items = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                items = None
            if isinstance(items, list):
                return _as_list(items)
            text = text[1:-1]  # "[rl, moe]"
        parts = text.replace(",", " ").split()
        return tuple(p.lstrip("#") for p in parts if p.lstrip("#"))
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"tags and links must be a string or a list of strings, not {value!r}")
    return tuple(v.lstrip("#") for v in value if v.strip())


def _as_date(value: Any) -> dt.date | None:
    # NaN and pandas' NaT (a datetime) are the only values unequal to themselves.
    if value is None or value == "" or (isinstance(value, (float, dt.datetime)) and value != value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if hasattr(value, "date") and callable(value.date):  # pandas Timestamp
        return value.date()  # type: ignore[no-any-return]
    try:
        if len(text) == 6 and text.isdigit():
            return dt.date(2000 + int(text[:2]), int(text[2:4]), int(text[4:]))
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"date {text!r} is neither YYYY-MM-DD nor yymmdd") from None


def entry_from_dict(row: Mapping[str, Any], *, base: Path | None = None) -> Entry:
    """An `Entry` from a mapping with some of the fields title, abstract, comment, tags, ….

    `tags` may be a list or a string such as `"#rl #moe"` or `"rl, moe"`.

    >>> entry_from_dict({"title": "T", "tags": "#rl #moe"}).tags
    ('rl', 'moe')
    """
    def text(key: str) -> str:
        v = row.get(key)
        return "" if v is None or (isinstance(v, float) and v != v) else str(v)

    unknown = set(row) - set(FIELDS)
    if not (set(row) & {"title", "abstract", "comment", "translation", "tags"}):
        raise InputError(f"has none of the columns title, abstract, comment, tags (got {sorted(unknown)})", path=base)
    p = row.get("path")
    return Entry(
        path=Path(str(p)) if p and isinstance(p, (str, Path)) else base,
        date=_as_date(row.get("date")),
        url=text("url"),
        title=text("title"),
        authors=text("authors"),
        abstract=text("abstract"),
        comment=text("comment"),
        translation=text("translation"),
        tags=_as_list(row.get("tags")),
        links=_as_list(row.get("links")),
    )


def _read_jsonl(path: Path) -> list[Entry]:
    out = []
    for i, line in enumerate(read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(f"line {i}: not JSON ({err.msg})", path=path) from None
        if not isinstance(row, dict):
            raise InputError(f"line {i}: expected a JSON object per line", path=path)
        try:
            out.append(entry_from_dict(row, base=path))
        except ValueError as err:
            raise InputError(f"line {i}: {err}", path=path) from None
    return out


def _read_csv(path: Path) -> pd.DataFrame:
    import io

    import pandas as pd

    try:
        return pd.read_csv(io.StringIO(read_text(path)), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InputError(f"is not a readable CSV table: {err}", path=path) from None


def entry_record(e: Entry) -> dict[str, Any]:
    """An entry as a JSON-able dict, one key per field of `FIELDS` (what `tagger parse --format jsonl` prints).

    Read back by `entry_from_dict`, so a `.jsonl` of records is itself an input.

    >>> entry_record(Entry(title="AugGAN", tags=("GAN",)))["tags"]
    ['GAN']
    """
    return {
        "path": str(e.path) if e.path else None,
        "date": e.date.isoformat() if e.date else None,
        "url": e.url,
        "title": e.title,
        "authors": e.authors,
        "abstract": e.abstract,
        "comment": e.comment,
        "translation": e.translation,
        "tags": list(e.tags),
        "links": list(e.links),
    }


def entries_to_frame(entries: Iterable[Entry]) -> pd.DataFrame:
    """Entries → a DataFrame with one column per `Entry` field (`tags`, `links` as lists, `date` as a date).

    >>> entries_to_frame([Entry(title="T", tags=("rl",))])[["title", "tags"]].to_dict("records")
    [{'title': 'T', 'tags': ['rl']}]
    """
    import pandas as pd

    rows = [{**entry_record(e), "date": e.date} for e in entries]
    return pd.DataFrame(rows, columns=list(FIELDS))


def entries_from_frame(frame: pd.DataFrame, *, base: Path | None = None) -> list[Entry]:
    """A DataFrame (columns as in `entries_to_frame`, any subset) → entries.

    >>> entries_from_frame(entries_to_frame([Entry(title="T", tags=("rl",))]))[0].tags
    ('rl',)
    """
    out = []
    for i, row in enumerate(frame.to_dict("records")):
        try:
            out.append(entry_from_dict({str(k): v for k, v in row.items()}, base=base))
        except ValueError as err:
            raise InputError(f"row {i + 1}: {err}", path=base) from None
    return out


__all__ = [
    "FIELDS",
    "MAX_NOTE_BYTES",
    "SKIP_DIRS",
    "Problem",
    "decode_note",
    "entries_from_frame",
    "entries_to_frame",
    "entry_record",
    "entry_from_dict",
    "in_tool_folder",
    "iter_note_paths",
    "note_paths",
    "read_entries",
    "read_note",
    "read_note_bytes",
    "read_plain_text",
    "read_text",
]
