"""Time-split evaluation: train on the past, suggest for the future, score against the author's tags.

The one code path behind `tagger eval`, the quality benchmark and the notebook.
Two ways to split:

- `evaluate_split`: one model trained on notes dated before `since`, tested on
  the tagged notes dated `since`..`until` with their tag lines stripped;
- `evaluate_rolling`: retrain at each month boundary and test on the next month,
  as an author who retrains monthly would have used tagger.

Scoring is `tagger.analysis.scoring`'s (one way for every model); `tagger.cli.render`
prints the records.
"""

from __future__ import annotations

import calendar
import datetime as dt
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from tagger.analysis.scoring import Evaluation, RollingEvaluation, pool, score
from tagger.entry import Entry, Suggestion, entry_date
from tagger.model.estimator import TagModel
from tagger.progress import Progress, no_progress
from tagger.spelling import Spellings, tag_key

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


# ---- evaluating ---------------------------------------------------------------------------


def _train_counts(train: Sequence[Entry]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for e in train:
        if _is_test(e):
            counts.update({tag_key(t) for t in e.tags})
    return dict(counts)


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
    report = progress or no_progress
    start = time.perf_counter()
    train, test = split_by_date(entries, since=since, until=until)
    counts = _train_counts(train)
    # The notes the model learns from (tagged, with text), as `tagger train` counts them.
    learned = sum(1 for e in train if _is_test(e))
    if not test:
        return score([], [], [], train_counts=counts, since=since, until=until, train_notes=learned, k=k)
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
        gold, ranked, assigned, train_counts=counts, since=since, until=until, train_notes=learned,
        seconds=seconds, k=k, spellings=Spellings.of([*train, *test]), test_dates=dates,
    )
    report("done", 1.0)
    return ev


def evaluate_rolling(
    entries: Sequence[Entry],
    *,
    start: dt.date,
    months: int = 0,
    weeks: int = 0,
    model_factory: Callable[[], Any] = TagModel,
    k: int = 5,
    progress: Progress | None = None,
) -> RollingEvaluation:
    """Retrain at each month (or week) boundary from `start` and test on the period that follows; pool all test notes.

    Give `months` or `weeks`. Step i trains on everything before the start of its
    period and tests on that period: retrained monthly, or weekly as a resident
    `tagger serve` keeps its model fresh. A period without tagged test notes is kept as
    an empty step (no model is trained for it). `start` is moved back to the first of its
    month, or the Monday of its week.

    >>> rolling = evaluate_rolling(entries, start=dt.date(2025, 1, 1), months=6)    # doctest: +SKIP
    >>> [round(s.metrics["P@1"], 2) for s in rolling], round(rolling.pooled.metrics["P@1"], 2)  # doctest: +SKIP
    ([0.8, 0.74, 0.81, 0.77, 0.79, 0.76], 0.78)
    """
    if (months < 1) == (weeks < 1):
        raise ValueError("give months or weeks, 1 or more")
    report = progress or no_progress
    periods = rolling_periods(start, months=months, weeks=weeks)
    steps: list[Evaluation] = []
    for i, (lo, hi) in enumerate(periods):

        def step_progress(stage: str, frac: float, i: int = i, lo: dt.date = lo) -> None:
            report(f"{lo:%Y-%m-%d}: {stage}", (i + frac) / len(periods))

        steps.append(evaluate_split(entries, since=lo, until=hi, model_factory=model_factory, k=k, progress=step_progress))
    report("done", 1.0)
    return RollingEvaluation(steps, pool(steps, spellings=Spellings.of(entries)))


def rolling_periods(start: dt.date, *, months: int = 0, weeks: int = 0) -> list[tuple[dt.date, dt.date]]:
    """The (first, last) day of each period a rolling evaluation tests on.

    >>> rolling_periods(dt.date(2025, 1, 15), months=2)
    [(datetime.date(2025, 1, 1), datetime.date(2025, 1, 31)), (datetime.date(2025, 2, 1), datetime.date(2025, 2, 28))]
    >>> rolling_periods(dt.date(2025, 1, 1), weeks=2)   # 2025-01-01 is a Wednesday
    [(datetime.date(2024, 12, 30), datetime.date(2025, 1, 5)), (datetime.date(2025, 1, 6), datetime.date(2025, 1, 12))]
    """
    if months:
        first = start.replace(day=1)
        return [(add_months(first, i), add_months(first, i + 1) - dt.timedelta(days=1)) for i in range(months)]
    monday = start - dt.timedelta(days=start.weekday())
    return [(monday + dt.timedelta(weeks=i), monday + dt.timedelta(weeks=i, days=6)) for i in range(weeks)]


__all__ = ["add_months", "default_since", "evaluate_rolling", "evaluate_split", "rolling_periods", "split_by_date"]
