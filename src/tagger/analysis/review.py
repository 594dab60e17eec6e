"""Existing tags that disagree with their notes, found by out-of-fold predictions.

The tagged archive is cut into K folds that each span every era (notes sorted by
date, dealt out in turn). Each fold is scored by a model trained on the other
folds only, so no note is judged by a model that learned from it. A note then
disagrees with its tags when

- a tag it lacks scores high (likely *missing*: score ≥ `missing_min`), or
- a tag it carries scores very low although the model knows the tag well and
  reads the note confidently (likely *stray*: score ≤ `stray_max`).

Notes are ranked by `disagreement`: the expected number of tags to change,
Σ score over missing tags + Σ (1 − score) × confidence over stray ones, where
confidence is the note's highest score (a note the model cannot read at all
does not make its tags suspect).

The fold models weigh all notes alike (no half-life): a 2020 note is judged by
the whole archive, not by how the author tags in 2025.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tagger.entry import Entry, entry_date
from tagger.errors import InputError
from tagger.model.estimator import TagModel
from tagger.progress import Progress, no_progress
from tagger.spelling import Spellings, tag_key


@dataclass(frozen=True)
class Flag:
    """One tag of a review: its out-of-fold score (a calibrated probability that it belongs)."""

    tag: str
    score: float


@dataclass(frozen=True)
class ReviewItem:
    """A note whose tags disagree with its content."""

    path: Path | None
    title: str
    date: dt.date | None
    tags: tuple[str, ...]
    missing: tuple[Flag, ...]
    stray: tuple[Flag, ...]
    disagreement: float
    #: The fold it was scored in (by a model trained on the other folds).
    fold: int


@dataclass
class Review:
    """The ranked review and how it was made."""

    items: list[ReviewItem]
    #: Tagged notes with text (each scored once, out of fold).
    notes: int
    #: Notes judged (those with an abstract or a comment).
    judged: int
    folds: int
    seconds: float
    settings: dict[str, float] = field(default_factory=dict)


def review_model() -> TagModel:
    """The model each fold trains: the usual one, but every note weighs the same.

    A review judges old notes too, so recent notes must not outweigh them.

    >>> review_model().half_life_days
    0
    """
    return TagModel(half_life_days=0)


def fold_of(entries: Sequence[Entry], folds: int) -> list[int]:
    """Fold number of each entry: sorted by date and dealt out in turn, so every fold spans every era.

    >>> es = [Entry(title=str(d), date=dt.date(2025, 1, d)) for d in (5, 1, 3, 2, 4)]
    >>> fold_of(es, 2)
    [0, 0, 0, 1, 1]
    """
    order = sorted(range(len(entries)), key=lambda i: (entry_date(entries[i]) or dt.date.min, i))
    out = [0] * len(entries)
    for rank, i in enumerate(order):
        out[i] = rank % folds
    return out


def out_of_fold(
    entries: Sequence[Entry],
    *,
    folds: int = 5,
    model_factory: Callable[[], Any] = review_model,
    progress: Progress | None = None,
) -> tuple[np.ndarray, list[str], np.ndarray, list[int]]:
    """Out-of-fold scores of every entry for every tag any fold model knows.

    Returns (scores, tag keys, training counts, fold of each entry): scores and
    counts are entries × keys; NaN where the entry's fold model does not know
    the tag (used on fewer than `min_tag_notes` notes of the other folds).

    >>> scores, keys, counts, folds = out_of_fold(read_entries("vault"), folds=5)   # doctest: +SKIP
    >>> scores.shape == (len(folds), len(keys))                                      # doctest: +SKIP
    True
    """
    if folds < 2:
        raise ValueError("review needs at least 2 folds")
    report = progress or no_progress
    assignment = fold_of(entries, folds)
    parts: list[tuple[np.ndarray, list[str], np.ndarray, list[int]]] = []
    for f in range(folds):
        report(f"fold {f + 1} of {folds}", f / folds)
        train = [e for e, a in zip(entries, assignment) if a != f]
        held = [i for i, a in enumerate(assignment) if a == f]
        if not held:
            continue
        model = model_factory()
        model.fit(train)
        proba = np.asarray(model.predict_proba([entries[i].replace(tags=()) for i in held]))
        parts.append((np.asarray(held, dtype=np.intp), list(model.keys_), proba, [model.tag_counts_[k] for k in model.keys_]))
    keys = sorted({tag_key(t) for e in entries for t in e.tags} | {k for _, ks, _, _ in parts for k in ks})
    column = {k: j for j, k in enumerate(keys)}
    scores = np.full((len(entries), len(keys)), np.nan)
    counts = np.zeros((len(entries), len(keys)))
    for rows, fold_keys, proba, fold_counts in parts:
        cols = np.asarray([column[k] for k in fold_keys], dtype=np.intp)
        scores[np.ix_(rows, cols)] = proba
        counts[np.ix_(rows, cols)] = fold_counts
    report("done", 1.0)
    return scores, keys, counts, assignment


def _judged(e: Entry) -> bool:
    # A note with only a title (2020's URL-and-tags notes) has no content to disagree with.
    return bool(e.abstract.strip() or e.comment.strip())


def review(
    entries: Sequence[Entry],
    *,
    folds: int = 5,
    top: int | None = 50,
    missing_min: float = 0.5,
    stray_max: float = 0.01,
    min_tag_notes: int = 5,
    model_factory: Callable[[], Any] = review_model,
    progress: Progress | None = None,
) -> Review:
    """Notes whose tags most disagree with their content, most disagreeing first (at most `top`).

    Only tagged notes with text take part; tags are compared by `tag_key`. A
    likely missing tag is shown in the author's latest spelling, a likely stray
    one as the note writes it.

    >>> r = review(read_entries("vault"), folds=5, top=10)           # doctest: +SKIP
    >>> [(f.tag, round(f.score, 2)) for f in r.items[0].missing]     # doctest: +SKIP
    [('rl', 1.0)]
    """
    start = time.perf_counter()
    usable = [e for e in entries if e.tags and e.has_text]
    if len(usable) < 2 * folds:
        raise InputError(f"found {len(usable)} tagged note{'' if len(usable) == 1 else 's'} with text; a {folds}-fold review needs at least {2 * folds}")
    scores, keys, counts, assignment = out_of_fold(usable, folds=folds, model_factory=model_factory, progress=progress)
    spellings = Spellings.of(usable)
    column = {k: j for j, k in enumerate(keys)}
    items: list[ReviewItem] = []
    judged = 0
    for i, e in enumerate(usable):
        if not _judged(e):
            continue
        judged += 1
        row = scores[i]
        if np.all(np.isnan(row)):
            continue
        confidence = float(np.nanmax(row))
        # Stray tags are shown as the note writes them, so the reader can find them in it.
        own: dict[str, str] = {}
        for t in e.tags:
            own.setdefault(tag_key(t), t)
        missing = [
            Flag(spellings.display(keys[j]), float(row[j]))
            for j in np.flatnonzero(np.nan_to_num(row, nan=0.0) >= missing_min)
            if keys[j] not in own
        ]
        stray = []
        for k, written in own.items():
            j = column[k]
            p = row[j]
            if not math.isnan(p) and p <= stray_max and counts[i, j] >= min_tag_notes:
                stray.append(Flag(written, float(p)))
        if not missing and not stray:
            continue
        missing.sort(key=lambda f: -f.score)
        stray.sort(key=lambda f: f.score)
        disagreement = sum(f.score for f in missing) + sum((1.0 - f.score) * confidence for f in stray)
        items.append(
            ReviewItem(e.path, e.title, entry_date(e), e.tags, tuple(missing), tuple(stray), disagreement, assignment[i])
        )
    items.sort(key=lambda it: (-it.disagreement, str(it.path or it.title)))
    if top is not None:
        items = items[:top]
    settings = {"missing_min": missing_min, "stray_max": stray_max, "min_tag_notes": float(min_tag_notes)}
    return Review(items, len(usable), judged, folds, time.perf_counter() - start, settings)


def review_record(item: ReviewItem, rank: int | None = None) -> dict[str, Any]:
    """One reviewed note as JSON-able data; "path" lets `tagger retag --paths-from` pick it up.

    >>> it = ReviewItem(Path("2025/a.md"), "A", None, ("lm",), (Flag("rl", 0.97),), (Flag("lm", 0.004),), 1.9, 0)
    >>> review_record(it, 1)["missing"]
    [{'tag': 'rl', 'score': 0.97}]
    """
    out: dict[str, Any] = {
        "path": str(item.path) if item.path else None,
        "title": item.title,
        "date": item.date.isoformat() if item.date else None,
        "tags": list(item.tags),
        "missing": [{"tag": f.tag, "score": round(f.score, 4)} for f in item.missing],
        "stray": [{"tag": f.tag, "score": round(f.score, 4)} for f in item.stray],
        "disagreement": round(item.disagreement, 4),
    }
    if rank is not None:
        out = {"rank": rank, **out}
    return out


__all__ = ["Flag", "Review", "ReviewItem", "fold_of", "out_of_fold", "review", "review_model", "review_record"]
