"""The reports of `tagger eval` (and the quality benchmark): one split, rolling retrains, the pooled figures.

Rendering only: `tagger.analysis.scoring` computes the records shown here.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from tagger.cli.render import plural

# Types only: rendering must not load numpy.
if TYPE_CHECKING:
    from tagger.analysis.scoring import Evaluation, RollingEvaluation


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

    >>> import datetime as dt; from tagger.analysis.scoring import score
    >>> ev = score([{"rl"}], [[("rl", 0.9), ("moe", 0.2)]], [{"rl"}], train_counts={"rl": 3},
    ...            since=dt.date(2025, 1, 1), until=dt.date(2025, 6, 30), train_notes=10)
    >>> print(format_evaluation(ev).splitlines()[0])
    time split: trained on 10 tagged notes dated before 2025-01-01; tested on 1 tagged note dated 2025-01-01 – 2025-06-30
    """
    m = ev.metrics
    lines = [
        header
        or f"{title}: trained on {plural(ev.train_notes, 'tagged note')} dated before {ev.since.isoformat()}; "
        f"tested on {plural(ev.test_notes, 'tagged note')} dated {_period(ev)}"
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
        lines.append(f"    … {plural(len(ev.per_tag) - len(rows), 'more tag')} (--format json lists all)")
    return "\n".join(lines)


def format_rolling(rolling: RollingEvaluation, static: Evaluation | None = None) -> str:
    """One row per month, then the pooled figures and the static split over the same period.

    >>> import datetime as dt; from tagger.analysis.scoring import RollingEvaluation, pool, score
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

    unit = _unit(rolling)
    lines = [
        f"rolling: retrained at each {unit} boundary, tested on the next {unit} ({plural(len(rolling), unit)})",
        "",
        head,
    ]
    for s in rolling:
        lines.append(row(f"{s.since:%Y-%m}" if unit == "month" else f"week of {s.since:%Y-%m-%d}", s))
    lines.append(row("pooled (rolling)", rolling.pooled))
    if static is not None:
        lines.append(row(f"static (train < {static.since:%Y-%m-%d})", static))
    return "\n".join(lines)


def pooled_header(rolling: RollingEvaluation) -> str:
    """What the pooled rolling figures are: how many monthly models scored how many test notes, over which period.

    A month without test notes trains no model, so it is not counted as a retrain.

    >>> import datetime as dt; from tagger.analysis.scoring import RollingEvaluation, pool, score
    >>> steps = [score([{"rl"}], [[("rl", 0.9)]], [{"rl"}], train_counts={}, since=dt.date(2025, m, 1),
    ...                until=dt.date(2025, m, 28), train_notes=10 + m) for m in (1, 2)]
    >>> pooled_header(RollingEvaluation(steps, pool(steps)))
    'pooled over 2 monthly retrains: 2 test notes dated 2025-01-01 – 2025-02-28, each scored by a model trained on the tagged notes before its month (11–12 of them)'
    """
    used = [s for s in rolling.steps if s.test_notes]
    sizes = [s.train_notes for s in used] or [rolling.pooled.train_notes]
    span = f"{min(sizes)}–{max(sizes)}" if min(sizes) != max(sizes) else f"{sizes[0]}"
    unit = _unit(rolling)
    return (
        f"pooled over {plural(len(used), f'{unit}ly retrain')}: "
        f"{plural(rolling.pooled.test_notes, 'test note')} dated {_period(rolling.pooled)}, "
        f"each scored by a model trained on the tagged notes before its {unit} ({span} of them)"
    )


def _unit(rolling: RollingEvaluation) -> str:
    """"week" or "month": how long each step of a rolling evaluation tests."""
    first = rolling.steps[0] if rolling.steps else rolling.pooled
    return "week" if first.until is not None and (first.until - first.since).days < 8 else "month"


def format_pooled(rolling: RollingEvaluation, *, per_tag: int | None = 30) -> str:
    """The full report (as `format_evaluation`) of all rolling test notes pooled, headed by `pooled_header`.

    >>> print(format_pooled(evaluate_rolling(entries, start=dt.date(2025, 1, 1), months=6)))  # doctest: +SKIP
    pooled over 6 monthly retrains: 412 test notes dated 2025-01-01 – 2025-06-30, each scored by ...
    """
    return format_evaluation(rolling.pooled, per_tag=per_tag, header=pooled_header(rolling))


__all__ = ["format_evaluation", "format_pooled", "format_rolling", "pooled_header"]
