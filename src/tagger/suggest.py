"""The public way in: `suggest_tags` for one entry, `suggest_many` for a batch, `suggest_frame` for pandas.

Each accepts an `Entry`, a dict of fields, a note's text or a path, and a model
(a `TagModel`, a path to one, or None for the default location: the model of the
vault the first path given lies in, as `tagger suggest` finds it, else the current
folder's vault's).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tagger.config import find_vault_root, resolve_model_path
from tagger.entry import Entry, Suggestion
from tagger.errors import InputError
from tagger.model.estimator import TagModel
from tagger.model.io import load_model
from tagger.notes.parse import parse_note
from tagger.notes.read import read_entries
from tagger.notes.tables import entries_from_frame, entry_from_dict

if TYPE_CHECKING:
    import pandas as pd

EntryLike = Entry | Mapping[str, Any] | str | os.PathLike[str]
ModelLike = TagModel | str | os.PathLike[str] | None

_loaded: dict[Path, tuple[float, TagModel]] = {}


def get_model(model: ModelLike = None) -> TagModel:
    """A `TagModel` from a model, a path, or None (the default location); loaded files are cached per process."""
    if isinstance(model, TagModel):
        return model
    # Absolute, so that "no model here" names the folder it looked in.
    path = resolve_model_path(model).absolute()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        mtime = -1.0
    hit = _loaded.get(path)
    if hit is not None and hit[0] == mtime:
        return hit[1]
    loaded = load_model(path)
    _loaded[path] = (mtime, loaded)
    return loaded


_PATH_SUFFIXES = (".md", ".txt", ".markdown", ".jsonl", ".csv")


def _looks_like_path(text: str) -> bool:
    """A one-line string naming a note, digest, table or folder, not a note's text.

    One line ending in a file type tagger reads counts even if missing (so a typo is an
    error, not a note); any other one-line string counts if it names something that exists.

    >>> _looks_like_path("data/example-vault"), _looks_like_path("gone.md"), _looks_like_path("Mamba distillation")
    (True, True, False)
    """
    if "\n" in text or "\0" in text or not text.strip():
        return False
    if text.strip().lower().endswith(_PATH_SUFFIXES):
        return True
    try:
        return os.path.exists(text)
    except (OSError, ValueError):  # too long a name for this system, and the like
        return False


def as_entries(item: EntryLike) -> list[Entry]:
    """The entries an item stands for: a path may name a folder, a digest or a table; the rest give one.

    >>> [e.title for e in as_entries({"title": "Mamba"})]
    ['Mamba']
    """
    if isinstance(item, Entry):
        return [item]
    if isinstance(item, Mapping):
        return [entry_from_dict(dict(item))]
    if isinstance(item, os.PathLike) or (isinstance(item, str) and _looks_like_path(item)):
        path = Path(item)
        if not path.exists():
            raise InputError("does not exist", path=path)
        return read_entries(path, on_problem=lambda err: None, strict=path.is_file())
    if isinstance(item, str):
        return [parse_note(item)]
    raise InputError(f"cannot suggest tags for a {type(item).__name__}: give an Entry, a dict, a note's text or a path")


def as_entry(item: EntryLike) -> Entry:
    """One `Entry` from an Entry, a dict of fields, a note's text, or a path to one note.

    A one-line string ending in `.md`, `.txt`, `.jsonl` or `.csv`, or naming an existing
    file or folder, is taken as a path.

    >>> as_entry({"title": "Mamba", "tags": "ssm rl"}).tags
    ('ssm', 'rl')
    >>> as_entry("*A Title* (Someone)\\n\\n> An abstract.\\n\\n코멘트.").title
    'A Title'
    """
    entries = as_entries(item)
    if len(entries) != 1:
        where = Path(item) if isinstance(item, (str, os.PathLike)) else None
        raise InputError(f"holds {len(entries)} entries, not one; use suggest_many for a digest or folder", path=where)
    return entries[0]


def suggest_many(items: Iterable[EntryLike], *, model: ModelLike = None, k: int = 5) -> list[list[Suggestion]]:
    """Ranked suggestions for many entries at once (much faster than one by one).

    A path in `items` may name a folder or a digest: each of its entries gets a row.

    >>> [[s.tag for s in row] for row in suggest_many(entries, model=m, k=2)]  # doctest: +SKIP
    [['distillation', 'state-space-model'], ['diffusion', 'rl']]
    """
    items = list(items)
    entries = [e for i in items for e in as_entries(i)]
    return get_model(_model_near(items, model)).suggest(entries, k=k)


def _model_near(items: Sequence[EntryLike], model: ModelLike) -> ModelLike:
    """`model`, or when it is None, the model of the vault the first item lies in, as the CLI finds it.

    The first item that is a file (a path, or an `Entry` read from one) decides, as the
    first path does for `tagger suggest`; a table's rows name notes elsewhere, so the
    table itself decides, not a row's `path`. Without one: the current folder's vault.
    """
    if model is not None:
        return model
    for item in items:
        if isinstance(item, os.PathLike) or (isinstance(item, str) and _looks_like_path(item)):
            where: Path | None = Path(item)
        elif isinstance(item, Entry):
            where = item.path
        else:
            continue
        if where is None:
            continue
        try:
            vault = find_vault_root(where)
        except OSError:  # a folder above it cannot be looked into: as if in no vault
            vault = None
        return resolve_model_path(vault=vault) if vault is not None else None
    return None


def suggest_tags(entry: EntryLike, *, model: ModelLike = None, k: int = 5) -> list[Suggestion]:
    """The `k` best tags for one entry, best first, each with a calibrated score and whether it is assigned.

    >>> from tagger import suggest_tags
    >>> [(s.tag, round(s.score, 2), s.assigned) for s in suggest_tags("note.md")]  # doctest: +SKIP
    [('distillation', 0.91, True), ('state-space-model', 0.78, True), ('rl', 0.12, False)]
    """
    return get_model(_model_near([entry], model)).suggest([as_entry(entry)], k=k)[0]


def suggest_frame(frame: pd.DataFrame, *, model: ModelLike = None, k: int = 5) -> pd.DataFrame:
    """DataFrame in (columns title, abstract, comment, …), DataFrame out: one row per entry and suggestion.

    Columns of the result: `row` (the input's index), `rank`, `tag`, `score`, `assigned`.

    >>> suggest_frame(pd.DataFrame({"title": ["Mamba distillation"]}), model=m).columns.tolist()  # doctest: +SKIP
    ['row', 'rank', 'tag', 'score', 'assigned']
    """
    import pandas as pd

    entries = entries_from_frame(frame)
    rows = get_model(model).suggest(entries, k=k)
    records = [
        {"row": idx, "rank": r + 1, "tag": s.tag, "score": s.score, "assigned": s.assigned}
        for idx, sugg in zip(frame.index, rows)
        for r, s in enumerate(sugg)
    ]
    return pd.DataFrame.from_records(records, columns=["row", "rank", "tag", "score", "assigned"])


__all__ = ["as_entries", "as_entry", "get_model", "suggest_frame", "suggest_many", "suggest_tags"]
