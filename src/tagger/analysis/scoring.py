"""What an evaluation measured, scored one way for every model: tagger, baselines and peers alike.

`score` turns gold tags, ranked suggestions and assigned sets into an `Evaluation`
(metrics from `tagger.analysis.metrics`, recall by tag frequency, reliability,
per-tag precision and recall); `pool` scores several evaluations' test notes
together; the `*_record` functions give the figures as JSON-able data.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from tagger.analysis.metrics import FREQUENCY_BANDS, expected_calibration_error, ranking_metrics, recall_by_band, reliability
from tagger.spelling import Spellings, tag_key

#: Metrics in the order every table shows them.
METRIC_ORDER = ("P@1", "R@3", "R@5", "F1@3", "nDCG@5", "assigned_precision", "assigned_recall", "assigned_f1", "micro_f1")


@dataclass(frozen=True)
class PerTag:
    """How one tag fared in the assigned sets of the test notes (tags compared by `tag_key`)."""

    tag: str
    precision: float
    recall: float
    #: Test notes carrying the tag.
    support: int
    #: Training notes carrying the tag (what the model could learn from).
    train_count: int
    #: Test notes the tag was assigned to.
    assigned: int = 0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall; 0 when the tag was expected or assigned but never right."""
        p, r = self.precision, self.recall
        if math.isnan(p) or math.isnan(r):
            return 0.0 if self.support or self.assigned else math.nan
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Evaluation:
    """Everything one evaluation measured; `gold`, `ranked` and `assigned` are per test note, in order."""

    train_notes: int
    test_notes: int
    since: dt.date
    until: dt.date | None
    #: `tagger.analysis.metrics.ranking_metrics` output.
    metrics: dict[str, float]
    #: Band name → (recall@k of gold tags in that band, gold tags in it).
    bands: dict[str, tuple[float, int]]
    #: (bin low, bin high, mean score, observed precision, suggestions) per score bin.
    reliability: list[tuple[float, float, float, float, int]]
    ece: float
    per_tag: list[PerTag]
    seconds: float
    gold: list[set[str]] = field(default_factory=list, repr=False)
    ranked: list[list[tuple[str, float]]] = field(default_factory=list, repr=False)
    assigned: list[set[str]] = field(default_factory=list, repr=False)
    k: int = 5
    #: Tag key → training notes carrying it.
    train_counts: dict[str, int] = field(default_factory=dict, repr=False)
    #: Dates of the test notes, in order (for plots over time).
    test_dates: list[dt.date] = field(default_factory=list, repr=False)

    def record(self) -> dict[str, Any]:
        """The aggregate figures as JSON-able data (no per-note detail, never note text)."""
        return evaluation_record(self)


@dataclass
class RollingEvaluation(Sequence[Evaluation]):
    """Monthly retrain-and-test steps, and all their test notes pooled; iterates over the steps."""

    steps: list[Evaluation]
    pooled: Evaluation

    @overload
    def __getitem__(self, i: int) -> Evaluation: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Evaluation]: ...
    def __getitem__(self, i: int | slice) -> Evaluation | Sequence[Evaluation]:
        return self.steps[i]

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[Evaluation]:
        return iter(self.steps)


# ---- scoring ------------------------------------------------------------------------------


def per_tag_table(
    gold: Sequence[set[str]],
    assigned: Sequence[set[str]],
    train_counts: Mapping[str, int],
    spellings: Spellings | None = None,
) -> list[PerTag]:
    """Precision and recall of each tag's assignments, most-supported tags first.

    >>> rows = per_tag_table([{"rl"}, {"rl", "moe"}], [{"rl"}, {"llm"}], {"rl": 9, "llm": 30})
    >>> [(r.tag, r.precision, r.recall, r.support, r.train_count) for r in rows]
    [('rl', 1.0, 0.5, 2, 9), ('moe', nan, 0.0, 1, 0), ('llm', 0.0, nan, 0, 30)]
    """
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for g_raw, a_raw in zip(gold, assigned):
        g = {tag_key(t) for t in g_raw}
        a = {tag_key(t) for t in a_raw}
        tp.update(g & a)
        fp.update(a - g)
        fn.update(g - a)
    rows = []
    for key in set(tp) | set(fp) | set(fn):
        n_assigned, support = tp[key] + fp[key], tp[key] + fn[key]
        rows.append(
            PerTag(
                tag=spellings.display(key) if spellings else key,
                precision=tp[key] / n_assigned if n_assigned else math.nan,
                recall=tp[key] / support if support else math.nan,
                support=support,
                train_count=int(train_counts.get(key, 0)),
                assigned=n_assigned,
            )
        )
    rows.sort(key=lambda r: (-r.support, -r.assigned, -r.train_count, r.tag))
    return rows


def score(
    gold: Sequence[set[str]],
    ranked: Sequence[Sequence[tuple[str, float]]],
    assigned: Sequence[set[str]],
    *,
    train_counts: Mapping[str, int],
    since: dt.date,
    until: dt.date | None,
    train_notes: int,
    seconds: float = 0.0,
    k: int = 5,
    spellings: Spellings | None = None,
    test_dates: Sequence[dt.date] = (),
) -> Evaluation:
    """An `Evaluation` from gold tags, ranked suggestions and assigned sets (any model's).

    Scoring is separate from training so baselines and other models are measured
    by exactly the same code.

    >>> ev = score([{"rl"}, {"moe"}], [[("rl", 0.9)], [("rl", 0.6)]], [{"rl"}, {"rl"}],
    ...            train_counts={"rl": 9, "moe": 1}, since=dt.date(2025, 1, 1), until=None, train_notes=20)
    >>> ev.metrics["P@1"], ev.test_notes
    (0.5, 2)
    """
    table = reliability(gold, ranked)
    return Evaluation(
        train_notes=train_notes,
        test_notes=len(gold),
        since=since,
        until=until,
        metrics=ranking_metrics(gold, ranked, assigned),
        bands=recall_by_band(gold, ranked, Counter(train_counts), k=k),
        reliability=table,
        ece=expected_calibration_error(table),
        per_tag=per_tag_table(gold, assigned, train_counts, spellings),
        seconds=seconds,
        gold=[set(g) for g in gold],
        ranked=[list(r) for r in ranked],
        assigned=[set(a) for a in assigned],
        k=k,
        train_counts=dict(train_counts),
        test_dates=list(test_dates),
    )


def pool(steps: Sequence[Evaluation], *, spellings: Spellings | None = None) -> Evaluation:
    """All test notes of several evaluations scored together.

    Recall by band keeps each note's band as it was when its model was trained;
    per-tag training counts and `train_notes` are those of the last step (the
    largest training set).

    >>> steps = [score([{t}], [[("rl", 0.9)]], [{"rl"}], train_counts={"rl": 9}, since=dt.date(2025, m, 1),
    ...                until=dt.date(2025, m, 28), train_notes=10) for t, m in (("rl", 1), ("moe", 2))]
    >>> p = pool(steps); p.test_notes, p.metrics["P@1"], p.since, p.until
    (2, 0.5, datetime.date(2025, 1, 1), datetime.date(2025, 2, 28))
    """
    if not steps:
        raise ValueError("nothing to pool")
    gold = [g for s in steps for g in s.gold]
    ranked = [r for s in steps for r in s.ranked]
    assigned = [a for s in steps for a in s.assigned]
    last = steps[-1]
    ev = score(
        gold, ranked, assigned, train_counts=last.train_counts, since=steps[0].since, until=last.until,
        train_notes=last.train_notes, seconds=sum(s.seconds for s in steps), k=last.k, spellings=spellings,
        test_dates=[d for s in steps for d in s.test_dates],
    )
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for s in steps:
        for band, (rec, n) in s.bands.items():
            totals[band] += n
            hits[band] += round(rec * n) if n else 0
    ev.bands = {name: (hits[name] / totals[name] if totals[name] else math.nan, totals[name]) for name, _, _ in FREQUENCY_BANDS}
    return ev


# ---- records --------------------------------------------------------------------------------


def _num(x: float, digits: int = 3) -> str | float | None:
    return None if isinstance(x, float) and math.isnan(x) else round(x, digits)


def evaluation_record(ev: Evaluation) -> dict[str, Any]:
    """The aggregate figures of `ev` as JSON-able data (NaN → null).

    >>> ev = score([{"rl"}], [[("rl", 0.9)]], [{"rl"}], train_counts={"rl": 3}, since=dt.date(2025, 1, 1),
    ...            until=None, train_notes=10)
    >>> r = evaluation_record(ev); r["metrics"]["P@1"], r["per_tag"][0]["tag"], r["test_notes"]
    (1.0, 'rl', 1)
    """
    return {
        "train_notes": ev.train_notes,
        "test_notes": ev.test_notes,
        "since": ev.since.isoformat(),
        "until": ev.until.isoformat() if ev.until else None,
        "k": ev.k,
        "seconds": round(ev.seconds, 2),
        "metrics": {m: _num(v, 4) for m, v in ev.metrics.items()},
        "recall_by_band": {b: {"recall": _num(r, 4), "gold_tags": n} for b, (r, n) in ev.bands.items()},
        "reliability": [
            {"low": lo, "high": hi, "mean_score": _num(mean, 4), "precision": _num(obs, 4), "suggestions": n}
            for lo, hi, mean, obs, n in ev.reliability
        ],
        "ece": _num(ev.ece, 4),
        "per_tag": [
            {
                "tag": t.tag, "precision": _num(t.precision, 4), "recall": _num(t.recall, 4), "f1": _num(t.f1, 4),
                "support": t.support, "assigned": t.assigned, "train_count": t.train_count,
            }
            for t in ev.per_tag
        ],
    }


def rolling_record(rolling: RollingEvaluation, static: Evaluation | None = None) -> dict[str, Any]:
    """Rolling steps, pooled figures and (optionally) the static split over the same period, as JSON-able data.

    >>> steps = [score([{"rl"}], [[("rl", 0.9)]], [{"rl"}], train_counts={}, since=dt.date(2025, 1, 1),
    ...                until=None, train_notes=10)]
    >>> sorted(rolling_record(RollingEvaluation(steps, pool(steps))))
    ['pooled', 'steps']
    """
    out: dict[str, Any] = {
        "steps": [evaluation_record(s) for s in rolling.steps],
        "pooled": evaluation_record(rolling.pooled),
    }
    if static is not None:
        out["static"] = evaluation_record(static)
    return out


__all__ = [
    "METRIC_ORDER",
    "Evaluation",
    "PerTag",
    "RollingEvaluation",
    "evaluation_record",
    "per_tag_table",
    "pool",
    "rolling_record",
    "score",
]
