"""Tables of entries: JSONL and CSV files, pandas DataFrames ↔ `Entry`.

One record shape for all of them (`FIELDS`, `entry_record`), so a `.jsonl` that
`tagger parse --format jsonl` printed is itself an input.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tagger.entry import Entry
from tagger.errors import InputError, NoteWarning
from tagger.notes.files import read_note_text

if TYPE_CHECKING:
    import pandas as pd

FIELDS = ("path", "date", "url", "title", "authors", "abstract", "comment", "translation", "tags", "links")
#: Columns (CSV) or keys (JSONL) of which a row needs at least one to be an entry.
_TEXT_FIELDS = ("title", "abstract", "comment", "translation", "tags")


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
    if not (set(row) & set(_TEXT_FIELDS)):
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


def _table_text(path: Path) -> str:
    # A byte-order mark (Excel writes one) is not part of the first column's name.
    return read_note_text(path).removeprefix("\ufeff")


def _unknown(names: Iterable[str], path: Path, noun: str) -> NoteWarning | None:
    """A warning naming the columns (or keys) that are not entry fields: a typo (`abstarct`) must not pass unseen."""
    unknown = [n for n in dict.fromkeys(names) if n not in FIELDS]
    if not unknown:
        return None
    listed = ", ".join(repr(n) for n in unknown)
    many = len(unknown) > 1
    return NoteWarning(f"{noun}{'s' if many else ''} {listed} {'are' if many else 'is'} not read (tagger reads {', '.join(FIELDS)})", path=path)


def _row(row: Mapping[str, Any], path: Path, line: int) -> Entry | InputError:
    """The entry of one table row, or the problem with it, naming its line."""
    try:
        return entry_from_dict(row, base=path)
    except (ValueError, InputError) as err:
        return InputError(f"line {line}: {getattr(err, 'message', err)}; row skipped", path=path)


def read_jsonl(path: Path, *, on_problem: Callable[[InputError], None]) -> list[Entry]:
    """Entries of a JSON-lines file, one object per line; a bad line is reported (with its number) and skipped.

    Keys that are not entry fields are named once, in a warning.

    >>> import tempfile; p = Path(tempfile.mkdtemp()) / "t.jsonl"
    >>> _ = p.write_text('{"title": "A", "id": 1}\\n{"title": \\n{"title": "C"}\\n')
    >>> [e.title for e in read_jsonl(p, on_problem=lambda err: print(err.message))]
    line 2: not JSON (Expecting value); row skipped
    key 'id' is not read (tagger reads path, date, url, title, authors, abstract, comment, translation, tags, links)
    ['A', 'C']
    """
    out: list[Entry] = []
    keys: dict[str, None] = {}
    for i, line in enumerate(_table_text(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            on_problem(InputError(f"line {i}: not JSON ({err.msg}); row skipped", path=path))
            continue
        if not isinstance(row, dict):
            on_problem(InputError(f"line {i}: not a JSON object; row skipped", path=path))
            continue
        keys.update(dict.fromkeys(str(k) for k in row))
        got = _row(row, path, i)
        if isinstance(got, InputError):
            on_problem(got)
        else:
            out.append(got)
    if (warning := _unknown(keys, path, "key")) is not None:
        on_problem(warning)
    return out


def read_csv(path: Path, *, on_problem: Callable[[InputError], None]) -> list[Entry]:
    """Entries of a CSV table with a header row; a row with more or fewer fields than the header is reported and skipped.

    Such a row has a comma too many or too few (a value holding a comma needs double
    quotes): its values would land in the wrong columns. A header with no rows, and
    columns that are not entry fields, are warnings.

    >>> import tempfile; p = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text('title,tags\\nA,rl\\nB, Jr.,moe\\nC,agent\\n')
    >>> [e.title for e in read_csv(p, on_problem=lambda err: print(err.message))]
    line 3: 3 fields where the header has 2 (a value holding a comma needs double quotes); row skipped
    ['A', 'C']
    """
    reader = csv.reader(io.StringIO(_table_text(path), newline=""))
    header: list[str] | None = None
    out: list[Entry] = []
    rows = end = 0
    try:
        for fields in reader:
            # A quoted value may hold line breaks: a row runs from the line after the last one to `line_num`.
            start, end = end + 1, reader.line_num
            if not fields or fields == [""]:
                continue
            if header is None:
                header = [f.strip() for f in fields]
                if not set(header) & set(_TEXT_FIELDS):
                    raise InputError(f"has none of the columns title, abstract, comment, tags (got {header})", path=path)
                if (warning := _unknown(header, path, "column")) is not None:
                    on_problem(warning)
                continue
            rows += 1
            if len(fields) != len(header):
                on_problem(InputError(
                    f"line {start}: {len(fields)} field{'' if len(fields) == 1 else 's'} where the header has {len(header)} "
                    "(a value holding a comma needs double quotes); row skipped", path=path))
                continue
            got = _row(dict(zip(header, fields)), path, start)
            if isinstance(got, InputError):
                on_problem(got)
            else:
                out.append(got)
    except csv.Error as err:
        raise InputError(f"line {reader.line_num}: is not a readable CSV table ({err})", path=path) from None
    if header is None:
        raise InputError("is not a CSV table (no header row)", path=path)
    if not rows:
        on_problem(NoteWarning("has a header row but no rows: nothing to read", path=path))
    return out


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


__all__ = ["FIELDS", "entries_from_frame", "entries_to_frame", "entry_from_dict", "entry_record", "read_csv", "read_jsonl"]
