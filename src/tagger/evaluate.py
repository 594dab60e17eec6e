"""Time-split evaluation: train on the past, suggest for the future, score against the author's tags.

The one code path behind `tagger eval`, the quality benchmark and the notebook.
Two ways to split:

- `evaluate_split`: one model trained on notes dated before `since`, tested on
  the tagged notes dated `since`..`until` with their tag lines stripped;
- `evaluate_rolling`: retrain at each month boundary and test on the next month,
  as an author who retrains monthly would have used tagger.

Metrics come from `tagger.metrics`; nothing here is scored any other way.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import math
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from tagger.entry import Entry, Suggestion
from tagger.metrics import FREQUENCY_BANDS, expected_calibration_error, ranking_metrics, recall_by_band, reliability
from tagger.entry import entry_date
from tagger.model import TagModel
from tagger.tagnames import Spellings, tag_key

Progress = Callable[[str, float], None]

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
    #: `tagger.metrics.ranking_metrics` output.
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


# ---- splitting ----------------------------------------------------------------------------


def _is_test(e: Entry) -> bool:
    return bool(e.tags) and e.has_text


def split_by_date(entries: Sequence[Entry], *, since: dt.date, until: dt.date | None = None) -> tuple[list[Entry], list[Entry]]:
    """(train, test): every entry dated before `since`; tagged entries with text dated `since`..`until`.

    Dates come from `tagger.entry.entry_date`; undated entries are in neither
    (nobody knows which side of the line they were written on).

    >>> a = Entry(title="old", tags=("rl",), date=dt.date(2024, 12, 31))
    >>> b = Entry(title="new", tags=("rl",), date=dt.date(2025, 1, 1))
    >>> c = Entry(title="untagged", date=dt.date(2025, 1, 2))
    >>> train, test = split_by_date([a, b, c], since=dt.date(2025, 1, 1))
    >>> [e.title for e in train], [e.title for e in test]
    (['old'], ['new'])
    """
    train: list[Entry] = []
    test: list[Entry] = []
    for e in entries:
        d = entry_date(e)
        if d is None:
            continue
        if d < since:
            train.append(e)
        elif (until is None or d <= until) and _is_test(e):
            test.append(e)
    return train, test


def default_since(entries: Sequence[Entry], *, share: float = 0.15) -> dt.date:
    """The date that leaves about the newest `share` of the dated, tagged notes as test notes.

    >>> es = [Entry(title=str(i), tags=("x",), date=dt.date(2025, 1, 1) + dt.timedelta(days=i)) for i in range(20)]
    >>> default_since(es, share=0.15)
    datetime.date(2025, 1, 18)
    """
    dates = sorted(d for e in entries if _is_test(e) and (d := entry_date(e)) is not None)
    if not dates:
        raise ValueError("no dated, tagged notes to split")
    return dates[min(int(len(dates) * (1.0 - share)), len(dates) - 1)]


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (clamped to the month's end).

    >>> add_months(dt.date(2025, 1, 31), 1), add_months(dt.date(2025, 11, 1), 3)
    (datetime.date(2025, 2, 28), datetime.date(2026, 2, 1))
    """
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# ---- scoring ------------------------------------------------------------------------------


def _train_counts(train: Sequence[Entry]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for e in train:
        if _is_test(e):
            counts.update({tag_key(t) for t in e.tags})
    return dict(counts)


def _spellings(entries: Sequence[Entry]) -> Spellings:
    return Spellings.of(entries)


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


def _noop(stage: str, frac: float) -> None:
    pass


def evaluate_split(
    entries: Sequence[Entry],
    *,
    since: dt.date,
    until: dt.date | None = None,
    model_factory: Callable[[], Any] = TagModel,
    k: int = 5,
    progress: Progress | None = None,
) -> Evaluation:
    """Train `model_factory()` on notes before `since`, suggest for the test notes with tags stripped, score.

    The model is anything with `.fit(entries)` and `.suggest(entries, k=) -> list[list[Suggestion]]`.

    >>> ev = evaluate_split(read_entries("../shared/corpus"), since=dt.date(2025, 1, 1))  # doctest: +SKIP
    >>> round(ev.metrics["P@1"], 3)                                                        # doctest: +SKIP
    0.766
    """
    report = progress or _noop
    start = time.perf_counter()
    train, test = split_by_date(entries, since=since, until=until)
    counts = _train_counts(train)
    if not test:
        return score([], [], [], train_counts=counts, since=since, until=until, train_notes=len(train), k=k)
    report(f"training on {len(train)} notes before {since.isoformat()}", 0.0)
    model = model_factory()
    model.fit(train)
    report(f"suggesting for {len(test)} notes", 0.85)
    rows: list[list[Suggestion]] = model.suggest([e.replace(tags=()) for e in test], k=k)
    seconds = time.perf_counter() - start
    report("scoring", 0.98)
    gold = [set(e.tags) for e in test]
    ranked = [[(s.tag, float(s.score)) for s in row] for row in rows]
    assigned = [{s.tag for s in row if s.assigned} for row in rows]
    dates = [entry_date(e) or since for e in test]
    ev = score(
        gold, ranked, assigned, train_counts=counts, since=since, until=until, train_notes=len(train),
        seconds=seconds, k=k, spellings=_spellings([*train, *test]), test_dates=dates,
    )
    report("done", 1.0)
    return ev


def evaluate_rolling(
    entries: Sequence[Entry],
    *,
    start: dt.date,
    months: int,
    model_factory: Callable[[], Any] = TagModel,
    k: int = 5,
    progress: Progress | None = None,
) -> RollingEvaluation:
    """Retrain at each month boundary from `start` and test on the following month; pool all test notes.

    Step i trains on everything before `start + i months` and tests on that
    month. A month without tagged test notes is kept as an empty step (no model
    is trained for it). `start` is moved back to the first of its month.

    >>> rolling = evaluate_rolling(entries, start=dt.date(2025, 1, 1), months=6)    # doctest: +SKIP
    >>> [round(s.metrics["P@1"], 2) for s in rolling], round(rolling.pooled.metrics["P@1"], 2)  # doctest: +SKIP
    ([0.8, 0.74, 0.81, 0.77, 0.79, 0.76], 0.78)
    """
    if months < 1:
        raise ValueError("months must be at least 1")
    report = progress or _noop
    first = start.replace(day=1)
    steps: list[Evaluation] = []
    for i in range(months):
        lo = add_months(first, i)
        hi = add_months(first, i + 1) - dt.timedelta(days=1)

        def step_progress(stage: str, frac: float, i: int = i) -> None:
            report(f"{lo:%Y-%m}: {stage}", (i + frac) / months)

        steps.append(evaluate_split(entries, since=lo, until=hi, model_factory=model_factory, k=k, progress=step_progress))
    report("done", 1.0)
    return RollingEvaluation(steps, pool(steps, spellings=_spellings(entries)))


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


# ---- reporting ----------------------------------------------------------------------------


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


def _f(x: float, width: int = 6, digits: int = 3) -> str:
    return f"{'-':>{width}}" if math.isnan(x) else f"{x:{width}.{digits}f}"


def _period(ev: Evaluation) -> str:
    return f"{ev.since.isoformat()} – {ev.until.isoformat()}" if ev.until else f"{ev.since.isoformat()} on"


def format_evaluation(
    ev: Evaluation, *, title: str = "time split", per_tag: int | None = 30, header: str | None = None
) -> str:
    """The report `tagger eval` and the quality benchmark print: metrics, bands, reliability, per-tag table.

    `per_tag` limits the per-tag rows (most-supported first); None prints them all.
    `header` replaces the first line (which describes a single train/test split).

    >>> ev = score([{"rl"}], [[("rl", 0.9), ("moe", 0.2)]], [{"rl"}], train_counts={"rl": 3},
    ...            since=dt.date(2025, 1, 1), until=dt.date(2025, 6, 30), train_notes=10)
    >>> print(format_evaluation(ev).splitlines()[0])
    time split: trained on 10 notes dated before 2025-01-01; tested on 1 tagged notes dated 2025-01-01 – 2025-06-30
    """
    m = ev.metrics
    lines = [
        header
        or f"{title}: trained on {ev.train_notes} notes dated before {ev.since.isoformat()}; "
        f"tested on {ev.test_notes} tagged notes dated {_period(ev)}"
    ]
    if not ev.test_notes:
        lines.append("  no tagged notes in the test period")
        return "\n".join(lines)
    if ev.seconds:
        lines[0] += f" ({ev.seconds:.1f} s)"
    lines += [
        "",
        "  ranking   P@1     R@3     R@5     F1@3    nDCG@5",
        "          " + "  ".join(_f(m.get(x, math.nan)) for x in ("P@1", "R@3", "R@5", "F1@3", "nDCG@5")),
        "  assigned  precision " + _f(m.get("assigned_precision", math.nan)).strip()
        + "   recall " + _f(m.get("assigned_recall", math.nan)).strip()
        + "   F1 " + _f(m.get("assigned_f1", math.nan)).strip()
        + "   micro-F1 " + _f(m.get("micro_f1", math.nan)).strip()
        + f"   ({m.get('assigned_size', math.nan):.2f} tags per note)",
        "",
        f"  recall@{ev.k} by how often the tag occurs in training",
        f"    {'band':18} {'recall':>7} {'gold tags':>10}",
    ]
    for band, (rec, n) in ev.bands.items():
        lines.append(f"    {band:18} {_f(rec, 7)} {n:10d}")
    lines += [
        "",
        f"  reliability of all top-{ev.k} suggestions (calibrated: mean score ≈ precision)",
        f"    {'score':10} {'mean':>6} {'precision':>10} {'suggestions':>12}",
    ]
    for lo, hi, mean, obs, n in ev.reliability:
        lines.append(f"    {lo:.1f}–{hi:.1f}    {_f(mean)} {_f(obs, 10)} {n:12d}")
    lines.append(f"    expected calibration error {_f(ev.ece).strip()}")
    rows = ev.per_tag if per_tag is None else ev.per_tag[:per_tag]
    lines += [
        "",
        "  per tag (assigned sets; support = test notes with the tag, train = training notes with it)",
        f"    {'tag':28} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8} {'assigned':>9} {'train':>6}",
    ]
    for t in rows:
        lines.append(
            f"    {t.tag[:28]:28} {_f(t.precision, 9)} {_f(t.recall, 7)} {_f(t.f1)} {t.support:8d} {t.assigned:9d} {t.train_count:6d}"
        )
    if len(rows) < len(ev.per_tag):
        lines.append(f"    … {len(ev.per_tag) - len(rows)} more tags (--format json lists all)")
    return "\n".join(lines)


def format_rolling(rolling: RollingEvaluation, static: Evaluation | None = None) -> str:
    """One row per month, then the pooled figures and the static split over the same period.

    >>> steps = [score([{"rl"}], [[("rl", 0.9)]], [{"rl"}], train_counts={}, since=dt.date(2025, 1, 1),
    ...                until=dt.date(2025, 1, 31), train_notes=10)]
    >>> print(format_rolling(RollingEvaluation(steps, pool(steps))).splitlines()[0])
    rolling: retrained at each month boundary, tested on the next month (1 month)
    """
    head = f"  {'test period':27} {'train':>6} {'test':>5} {'P@1':>6} {'R@3':>6} {'R@5':>6} {'nDCG@5':>6} {'asg F1':>6} {'micro':>6} {'ECE':>6} {'secs':>6}"

    def row(name: str, ev: Evaluation) -> str:
        m = ev.metrics
        cells = " ".join(_f(m.get(x, math.nan)) for x in ("P@1", "R@3", "R@5", "nDCG@5", "assigned_f1", "micro_f1"))
        return f"  {name:27} {ev.train_notes:6d} {ev.test_notes:5d} {cells} {_f(ev.ece)} {ev.seconds:6.1f}"

    lines = [
        f"rolling: retrained at each month boundary, tested on the next month ({len(rolling)} month{'' if len(rolling) == 1 else 's'})",
        "",
        head,
    ]
    for s in rolling:
        lines.append(row(f"{s.since:%Y-%m}", s))
    lines.append(row("pooled (rolling)", rolling.pooled))
    if static is not None:
        lines.append(row(f"static (train < {static.since:%Y-%m-%d})", static))
    return "\n".join(lines)


def pooled_header(rolling: RollingEvaluation) -> str:
    """What the pooled rolling figures are: how many monthly models scored how many test notes, over which period.

    A month without test notes trains no model, so it is not counted as a retrain.

    >>> steps = [score([{"rl"}], [[("rl", 0.9)]], [{"rl"}], train_counts={}, since=dt.date(2025, m, 1),
    ...                until=dt.date(2025, m, 28), train_notes=10 + m) for m in (1, 2)]
    >>> pooled_header(RollingEvaluation(steps, pool(steps)))
    'pooled over 2 monthly retrains: 2 test notes dated 2025-01-01 – 2025-02-28, each scored by a model trained on the notes before its month (11–12 training notes)'
    """
    used = [s for s in rolling.steps if s.test_notes]
    sizes = [s.train_notes for s in used] or [rolling.pooled.train_notes]
    span = f"{min(sizes)}–{max(sizes)}" if min(sizes) != max(sizes) else f"{sizes[0]}"
    return (
        f"pooled over {len(used)} monthly retrain{'' if len(used) == 1 else 's'}: "
        f"{rolling.pooled.test_notes} test notes dated {_period(rolling.pooled)}, "
        f"each scored by a model trained on the notes before its month ({span} training notes)"
    )


def format_pooled(rolling: RollingEvaluation, *, per_tag: int | None = 30) -> str:
    """The full report (as `format_evaluation`) of all rolling test notes pooled, headed by `pooled_header`.

    >>> print(format_pooled(evaluate_rolling(entries, start=dt.date(2025, 1, 1), months=6)))  # doctest: +SKIP
    pooled over 6 monthly retrains: 412 test notes dated 2025-01-01 – 2025-06-30, each scored by ...
    """
    return format_evaluation(rolling.pooled, per_tag=per_tag, header=pooled_header(rolling))


def to_json(data: Any) -> str:
    """JSON text for `--format json` (UTF-8 tag names kept as they are).

    >>> print(to_json({"tag": "한국어"}))
    {
      "tag": "한국어"
    }
    """
    return json.dumps(data, ensure_ascii=False, indent=2)


__all__ = [
    "METRIC_ORDER",
    "Evaluation",
    "PerTag",
    "Progress",
    "RollingEvaluation",
    "add_months",
    "default_since",
    "evaluate_rolling",
    "evaluate_split",
    "evaluation_record",
    "format_evaluation",
    "format_pooled",
    "format_rolling",
    "per_tag_table",
    "pool",
    "pooled_header",
    "rolling_record",
    "score",
    "split_by_date",
    "to_json",
]
