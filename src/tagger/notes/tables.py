"""Tables of entries: JSONL and CSV files, pandas DataFrames ↔ `Entry`.

One record shape for all of them (`FIELDS`, `entry_record`), so a `.jsonl` that
`tagger parse --format jsonl` printed is itself an input.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tagger.entry import Entry
from tagger.errors import InputError
from tagger.notes.files import read_note_text

if TYPE_CHECKING:
    import pandas as pd

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


def read_jsonl(path: Path) -> list[Entry]:
    out = []
    for i, line in enumerate(read_note_text(path).splitlines(), 1):
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


def read_csv(path: Path) -> pd.DataFrame:
    import io

    import pandas as pd

    try:
        return pd.read_csv(io.StringIO(read_note_text(path)), dtype=str, keep_default_na=False)
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


__all__ = ["FIELDS", "entries_from_frame", "entries_to_frame", "entry_from_dict", "entry_record", "read_csv", "read_jsonl"]
