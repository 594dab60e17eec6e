"""The public way in: `suggest_tags` for one entry, `suggest_many` for a batch, `suggest_frame` for pandas.

Each accepts an `Entry`, a dict of fields, a note's text or a path, and a model
(a `TagModel`, a path to one, or None for the default location).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tagger.entry import Entry, Suggestion
from tagger.errors import InputError
from tagger.model import TagModel

if TYPE_CHECKING:
    import pandas as pd

EntryLike = Entry | Mapping[str, Any] | str | os.PathLike[str]
ModelLike = TagModel | str | os.PathLike[str] | None

_loaded: dict[Path, tuple[float, TagModel]] = {}


def get_model(model: ModelLike = None) -> TagModel:
    """A `TagModel` from a model, a path, or None (the default location); loaded files are cached per process."""
    if isinstance(model, TagModel):
        return model
    from tagger.modelio import load_model, resolve_model_path

    path = resolve_model_path(model)
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


def as_entry(item: EntryLike) -> Entry:
    """An `Entry` from an Entry, a dict of fields, a note's text, or a path to a note.

    >>> as_entry({"title": "Mamba", "tags": "ssm rl"}).tags
    ('ssm', 'rl')
    >>> as_entry("*A Title* (Someone)\\n\\n> An abstract.\\n\\n코멘트.").title
    'A Title'
    """
    if isinstance(item, Entry):
        return item
    if isinstance(item, Mapping):
        from tagger.read import entry_from_dict

        return entry_from_dict(dict(item))
    if isinstance(item, os.PathLike):
        from tagger.read import read_note

        return read_note(Path(item))
    if isinstance(item, str):
        from tagger.parse import parse_note

        return parse_note(item)
    raise InputError(f"cannot suggest tags for a {type(item).__name__}: give an Entry, a dict, a note's text or a path")


def suggest_many(items: Iterable[EntryLike], *, model: ModelLike = None, k: int = 5) -> list[list[Suggestion]]:
    """Ranked suggestions for many entries at once (much faster than one by one).

    >>> [[s.tag for s in row] for row in suggest_many(entries, model=m, k=2)]  # doctest: +SKIP
    [['distillation', 'state-space-model'], ['diffusion', 'rl']]
    """
    entries = [as_entry(i) for i in items]
    return get_model(model).suggest(entries, k=k)


def suggest_tags(entry: EntryLike, *, model: ModelLike = None, k: int = 5) -> list[Suggestion]:
    """The `k` best tags for one entry, best first, each with a calibrated score and whether it is assigned.

    >>> from tagger import suggest_tags
    >>> [(s.tag, round(s.score, 2), s.assigned) for s in suggest_tags("note.md")]  # doctest: +SKIP
    [('distillation', 0.91, True), ('state-space-model', 0.78, True), ('rl', 0.12, False)]
    """
    return suggest_many([entry], model=model, k=k)[0]


def suggest_frame(frame: pd.DataFrame, *, model: ModelLike = None, k: int = 5) -> pd.DataFrame:
    """DataFrame in (columns title, abstract, comment, …), DataFrame out: one row per entry and suggestion.

    Columns of the result: `row` (the input's index), `rank`, `tag`, `score`, `assigned`.

    >>> suggest_frame(pd.DataFrame({"title": ["Mamba distillation"]}), model=m).columns.tolist()  # doctest: +SKIP
    ['row', 'rank', 'tag', 'score', 'assigned']
    """
    import pandas as pd

    from tagger.read import entries_from_frame

    entries = entries_from_frame(frame)
    rows = get_model(model).suggest(entries, k=k)
    records = [
        {"row": idx, "rank": r + 1, "tag": s.tag, "score": s.score, "assigned": s.assigned}
        for idx, sugg in zip(frame.index, rows)
        for r, s in enumerate(sugg)
    ]
    return pd.DataFrame.from_records(records, columns=["row", "rank", "tag", "score", "assigned"])


def as_entries(items: Sequence[EntryLike]) -> list[Entry]:
    return [as_entry(i) for i in items]


__all__ = ["as_entry", "get_model", "suggest_frame", "suggest_many", "suggest_tags"]
