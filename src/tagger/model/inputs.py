"""What `TagModel.fit`, `predict_proba` and `score` accept as X (and y), turned into entries.

scikit-learn hands an estimator whatever it was given, sliced (`GridSearchCV` indexes a list
or a DataFrame's rows), so the model takes the shapes a user has: entries, a DataFrame of
them, or a path to read.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tagger.entry import Entry
from tagger.notes.read import read_entries
from tagger.notes.tables import entries_from_frame


def as_entries(X: Any) -> list[Entry]:
    """What `fit`, `predict_proba` and `score` accept, as entries.

    Entries as they are; a pandas DataFrame through `entries_from_frame`; a path (str or
    `Path`: a vault folder, a note, a digest, a .jsonl/.csv table) through `read_entries`.

    >>> as_entries([Entry(title="Mamba")])[0].title
    'Mamba'
    >>> as_entries([{"title": "Mamba"}])
    Traceback (most recent call last):
    TypeError: TagModel reads entries, a DataFrame of them or a path; got a list holding dict
    """
    if isinstance(X, (str, os.PathLike)):
        return read_entries(Path(X))
    if hasattr(X, "columns") and hasattr(X, "to_dict"):  # a DataFrame, told apart without importing pandas
        return entries_from_frame(X)
    items = list(X)
    odd = next((x for x in items if not isinstance(x, Entry)), None)
    if odd is not None:
        raise TypeError(f"TagModel reads entries, a DataFrame of them or a path; got a {type(X).__name__} holding {type(odd).__name__}")
    return items


def with_tags(entries: list[Entry], y: Sequence[Any] | None) -> list[Entry]:
    """`entries`, their tags replaced by `y`'s (one collection of tags, or one tag, per entry) when given.

    >>> with_tags([Entry(title="A", tags=("rl",))], [["moe", "llm"]])[0].tags
    ('moe', 'llm')
    """
    if y is None:
        return entries
    tags = list(y)
    if len(tags) != len(entries):
        raise ValueError(f"y has {len(tags)} rows for {len(entries)} entries")
    return [e.replace(tags=(t,) if isinstance(t, str) else tuple(str(x) for x in t)) for e, t in zip(entries, tags)]


__all__ = ["as_entries", "with_tags"]
