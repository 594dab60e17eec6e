"""The peers benchmark's tuning machinery: the held-out split, scoring, and the search over Annif's settings.

See `benchmarks.peers` for what is tuned and how; this module holds the pieces it is built from.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script too

from benchmarks.annif_runner import ANALYZERS, ANNIF_VENV, Project, Ranked  # noqa: E402
from benchmarks.baseline import assigned_sets, tune_threshold  # noqa: E402
from benchmarks.experiments import SPLITS  # noqa: E402
from tagger import Entry  # noqa: E402
from tagger.analysis.evaluate import split_by_date  # noqa: E402
from tagger.analysis.metrics import ranking_metrics  # noqa: E402
from tagger.entry import chronological  # noqa: E402

CACHE = ANNIF_VENV / "work"
#: Split A, the quality benchmark's (`benchmarks.quality` imports these through `benchmarks.peers`).
TRAIN_BEFORE, TEST_LAST = SPLITS["A"]
TUNE_SHARE = 0.15
#: Suggestions scored per note (the metrics look at the top 5; the assigned set may reach further).
LIMIT = 10
THRESHOLDS = tuple(i / 100 for i in range(101))
#: What the held-out tuning maximises.
OBJECTIVE = "nDCG@5"
#: Bump when what is cached changes meaning, so old caches are not reused.
CACHE_VERSION = 2
#: Ensemble weights tried per source.
WEIGHTS = (0, 1, 2, 3)


# ---- splitting --------------------------------------------------------------------------------


def tuning_split(notes: Sequence[Entry], share: float = TUNE_SHARE) -> tuple[list[Entry], list[Entry]]:
    """(older, newest): the newest `share` of chronologically ordered notes held out.

    The share `TagModel.fit` holds out for its calibration (which also keeps at least 10
    notes back, and holds none out below 30: the training periods here are far larger).

    >>> notes = [Entry(title=str(i), date=dt.date(2024, 1, 1) + dt.timedelta(days=i)) for i in range(20)]
    >>> older, newest = tuning_split(notes)
    >>> len(older), [e.title for e in newest]
    (17, ['17', '18', '19'])
    """
    cut = len(notes) - int(len(notes) * share)
    return list(notes[:cut]), list(notes[cut:])


def split(entries: Sequence[Entry], name: str) -> tuple[list[Entry], list[Entry], list[Entry]]:
    """(all training notes, Annif's training notes oldest first, test notes) of one split."""
    since, until = SPLITS[name]
    train, test = split_by_date(entries, since=since, until=until)
    return train, chronological(e for e in train if e.tags and e.has_text), test


# ---- scoring ----------------------------------------------------------------------------------


@dataclass
class Scored:
    """One configuration's ranking of some notes, with the threshold tuned for it and its metrics."""

    ranked: Ranked
    threshold: float
    metrics: dict[str, float]


def score(gold: Sequence[set[str]], ranked: Ranked, threshold: float | None = None) -> Scored:
    """Metrics of `ranked` (cut to `LIMIT`); the threshold is tuned on these notes when not given."""
    top = [r[:LIMIT] for r in ranked]
    if threshold is None:
        threshold = tune_threshold(gold, top, THRESHOLDS)[0]
    return Scored(top, threshold, ranking_metrics(gold, top, assigned_sets(top, threshold)))


def average_rankings(rankings: Sequence[Ranked], weights: Sequence[float], *, limit: int = LIMIT) -> Ranked:
    """Per note, the weighted mean of each source's scores (0 where a source did not list a tag), best first.

    What Annif's `ensemble` backend computes (`SuggestionBatch.from_averaged`).

    >>> average_rankings([[[("rl", 0.9), ("moe", 0.3)]], [[("moe", 0.6)]]], [1, 2])
    [[('moe', 0.5), ('rl', 0.3)]]
    """
    keys = sorted({t for ranked in rankings for hits in ranked for t, _ in hits})
    return _Averager(rankings, keys).average(weights, limit=limit)


class _Averager:
    """`average_rankings` for many weightings of the same rankings: the sources as dense matrices, once."""

    def __init__(self, rankings: Sequence[Ranked], keys: Sequence[str]) -> None:
        self.keys = list(keys)
        index = {k: j for j, k in enumerate(self.keys)}
        n = len(rankings[0])
        self.mats = np.zeros((len(rankings), n, len(self.keys)))
        for s, ranked in enumerate(rankings):
            for i, hits in enumerate(ranked):
                for t, v in hits:
                    self.mats[s, i, index[t]] = v

    def average(self, weights: Sequence[float], *, limit: int) -> Ranked:
        w = np.asarray(weights, dtype=float)
        mean = np.tensordot(w, self.mats, axes=1) / w.sum()
        out: Ranked = []
        for row in mean:
            top = np.argsort(-row, kind="stable")[:limit]
            out.append([(self.keys[j], float(row[j])) for j in top if row[j] > 0])
        return out


# ---- the search -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Search:
    """Where the search for one backend starts (Annif's documented configuration) and what it varies, in order."""

    name: str
    label: str
    start: Project
    axes: tuple[tuple[str, tuple[Mapping[str, str], ...]], ...]
    #: The Python module the backend needs in the Annif venv ("" = none beyond Annif).
    needs: str = ""


def _values(key: str, *values: str) -> tuple[Mapping[str, str], ...]:
    return tuple({key: v} for v in values)


_ANALYZER_AXIS = ("analyzer", _values("analyzer", *ANALYZERS))
#: Annif's defaults written out, so trying a default value is seen as no change.
_OMIKUJI_DEFAULTS = (("collapse_every_n_layers", "0"), ("min_df", "1"), ("ngram", "1"))
_VECTOR_AXES = (("ngram", _values("ngram", "1", "2")), ("min_df", _values("min_df", "1", "2", "3", "5")))

#: Single backends, each from the configuration Annif's documentation and example
#: projects give: Parabel = Omikuji's defaults; Bonsai = cluster_balanced False,
#: cluster_k 100, max_depth 3; fastText = projects.cfg.dist's (dim 500, lr 0.25,
#: epoch 30, loss hs, chunksize 24). Annif exposes no regularisation setting for
#: SVC or Omikuji, so the analyzer, n-grams and min_df are what there is to tune.
SEARCHES: tuple[Search, ...] = (
    Search("tfidf", "TF-IDF", Project("tfidf", label="TF-IDF"), (_ANALYZER_AXIS,)),
    Search(
        "svc",
        "SVC, one copy per tag",
        Project("svc", params=(("min_df", "1"), ("ngram", "1")), copies=True, label="SVC"),
        (_ANALYZER_AXIS, *_VECTOR_AXES),
    ),
    Search(
        "parabel",
        "Omikuji Parabel",
        Project("omikuji", params=_OMIKUJI_DEFAULTS, label="Parabel"),
        (_ANALYZER_AXIS, *_VECTOR_AXES, ("collapse_every_n_layers", _values("collapse_every_n_layers", "0", "1"))),
        needs="omikuji",
    ),
    Search(
        "bonsai",
        "Omikuji Bonsai",
        Project(
            "omikuji",
            params=tuple(sorted({**dict(_OMIKUJI_DEFAULTS), "cluster_balanced": "False", "cluster_k": "100", "max_depth": "3"}.items())),
            label="Bonsai",
        ),
        (_ANALYZER_AXIS, *_VECTOR_AXES, ("cluster_k", _values("cluster_k", "10", "30", "100", "300"))),
        needs="omikuji",
    ),
    Search(
        "fasttext",
        "fastText",
        Project(
            "fasttext",
            params=(
                ("chunksize", "24"), ("dim", "500"), ("epoch", "30"), ("loss", "hs"), ("lr", "0.25"),
                ("maxn", "0"), ("minn", "0"), ("wordNgrams", "1"),
            ),
            label="fastText",
        ),
        (
            _ANALYZER_AXIS,
            ("loss", _values("loss", "hs", "softmax", "ova")),
            ("epoch", _values("epoch", "30", "100", "200")),
            ("lr", _values("lr", "0.1", "0.25", "0.5")),
            ("wordNgrams", _values("wordNgrams", "1", "2")),
            ("minn/maxn", ({"minn": "0", "maxn": "0"}, {"minn": "3", "maxn": "5"})),
            ("chunksize", _values("chunksize", "1", "24")),
            ("dim", _values("dim", "50", "100", "500")),
        ),
        needs="fasttext",
    ),
    # MLLM matches vocabulary labels in the text; here the labels are the tag names
    # (separators as spaces), the only vocabulary there is. Annif means it for long
    # full texts and a thesaurus with alternative labels.
    Search(
        "mllm",
        "MLLM (tag names as labels)",
        Project("mllm", params=(("min_samples_leaf", "20"),), label="MLLM"),
        (_ANALYZER_AXIS, ("min_samples_leaf", _values("min_samples_leaf", "5", "20"))),
    ),
)


@dataclass
class Trial:
    """One configuration scored on held-out notes during the search."""

    what: str
    config: str
    metrics: dict[str, float]
    threshold: float
    seconds: float
    error: str = ""

    def line(self) -> str:
        if self.error:
            return f"{self.what:<12} {self.config}: failed ({self.error})"
        m = self.metrics
        return (
            f"{self.what:<12} {OBJECTIVE} {m.get(OBJECTIVE, math.nan):.3f}  P@1 {m.get('P@1', math.nan):.3f}  "
            f"R@5 {m.get('R@5', math.nan):.3f}  {self.config}  ({self.seconds:.0f} s)"
        )


def coordinate_search(
    start: Project,
    axes: Sequence[tuple[str, Sequence[Mapping[str, str]]]],
    evaluate: Callable[[Project], float | None],
    vary: Callable[[Project, Mapping[str, str]], Project] = lambda p, c: p.changed(c),
) -> Project:
    """One pass over `axes`: on each, every value is tried with the others as chosen so far; the best stays.

    A value must beat the current choice (ties keep it, so a documented default is
    left alone when nothing does better); `evaluate` returns None for a failure.

    >>> scores = {("1", "a"): 0.1, ("2", "a"): 0.3, ("2", "b"): 0.2, ("1", "b"): 0.9}
    >>> def ev(p): d = dict(p.params); return scores[(d["n"], d["m"])]
    >>> best = coordinate_search(Project("x", params=(("m", "a"), ("n", "1"))),
    ...                          [("n", [{"n": "1"}, {"n": "2"}]), ("m", [{"m": "a"}, {"m": "b"}])], ev)
    >>> dict(best.params)
    {'m': 'a', 'n': '2'}
    """
    current = start
    best = evaluate(current)
    for _, values in axes:
        for change in values:
            candidate = vary(current, change)
            if candidate == current:
                continue
            got = evaluate(candidate)
            if got is not None and (best is None or got > best + 1e-12):
                current, best = candidate, got
    return current


def weight_grid(n: int, values: Sequence[int] = WEIGHTS) -> list[tuple[int, ...]]:
    """Every weighting of `n` sources from `values`, leaving out all-zero ones and multiples of another.

    >>> weight_grid(2, (0, 1, 2))
    [(0, 1), (1, 0), (1, 1), (1, 2), (2, 1)]
    """
    out = []
    for w in itertools.product(values, repeat=n):
        if any(w) and reduce(math.gcd, w) == 1:
            out.append(w)
    return out


