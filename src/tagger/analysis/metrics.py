"""Ranking and set metrics over folded tag keys: one code path for benchmarks, `tagger eval` and peers.

Pure functions of (gold tags, ranked suggestions, assigned sets); no model here.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

from tagger.spelling import tag_key

Ranked = Sequence[tuple[str, float]]

#: Bands of training-set frequency for "recall by tag frequency".
FREQUENCY_BANDS: tuple[tuple[str, int, int], ...] = (
    ("rare (<5)", 0, 4),
    ("uncommon (5-19)", 5, 19),
    ("common (20-49)", 20, 49),
    ("frequent (50+)", 50, 10**9),
)


def _keys(tags: Sequence[str] | set[str]) -> list[str]:
    out: list[str] = []
    for t in tags:
        k = tag_key(t)
        if k not in out:
            out.append(k)
    return out


def ranking_metrics(
    gold: Sequence[set[str]],
    ranked: Sequence[Ranked],
    assigned: Sequence[set[str]] | None = None,
) -> dict[str, float]:
    """Averages over notes of P@1, R@3, R@5, F1@3, nDCG@5 (and assigned-set P/R/F1, micro-F1).

    Notes without gold tags are left out. Tags are compared by `tag_key`.

    >>> m = ranking_metrics([{"rl"}, {"gan", "vit"}], [[("rl", .9), ("moe", .2)], [("vit", .8), ("gan", .5)]],
    ...                     [{"rl"}, {"vit"}])
    >>> m["P@1"], m["R@3"], m["assigned_recall"], round(m["micro_f1"], 3)
    (1.0, 1.0, 0.75, 0.8)
    """
    n = 0
    sums: dict[str, float] = defaultdict(float)
    tp = fp = fn = 0
    for i, (g_raw, r_raw) in enumerate(zip(gold, ranked)):
        g = set(_keys(g_raw))
        if not g:
            continue
        n += 1
        r = _keys([t for t, _ in r_raw])
        sums["P@1"] += float(bool(r) and r[0] in g)
        for k in (3, 5):
            hits = len(set(r[:k]) & g)
            sums[f"R@{k}"] += hits / len(g)
            if k == 3:
                p = hits / 3
                rec = hits / len(g)
                sums["F1@3"] += 2 * p * rec / (p + rec) if hits else 0.0
        dcg = sum(1 / math.log2(i + 2) for i, t in enumerate(r[:5]) if t in g)
        idcg = sum(1 / math.log2(i + 2) for i in range(min(len(g), 5)))
        sums["nDCG@5"] += dcg / idcg
        if assigned is not None:
            a = set(_keys(assigned[i]))
            hit = len(a & g)
            p = hit / len(a) if a else 0.0
            rec = hit / len(g)
            sums["assigned_precision"] += p
            sums["assigned_recall"] += rec
            sums["assigned_f1"] += 2 * p * rec / (p + rec) if hit else 0.0
            sums["assigned_size"] += len(a)
            tp, fp, fn = tp + hit, fp + len(a) - hit, fn + len(g) - hit
    out = {k: v / n for k, v in sums.items()} if n else {}
    if assigned is not None and n:
        out["micro_f1"] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    out["notes"] = float(n)
    return out


def recall_by_band(
    gold: Sequence[set[str]], ranked: Sequence[Ranked], train_counts: Counter[str], *, k: int = 5
) -> dict[str, tuple[float, int]]:
    """Recall@k of gold tags grouped by how often the tag occurs in training: band → (recall, gold tags).

    Shows whether good averages hide rare tags the model never learned to suggest.

    >>> bands = recall_by_band([{"rl", "moe"}], [[("rl", 0.9)]], Counter({"rl": 60, "moe": 2}), k=5)
    >>> bands["frequent (50+)"], bands["rare (<5)"]
    ((1.0, 1), (0.0, 1))
    """
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    counts = Counter({tag_key(t): c for t, c in train_counts.items()})
    for g_raw, r_raw in zip(gold, ranked):
        top = set(_keys([t for t, _ in r_raw][:k]))
        for t in _keys(g_raw):
            band = next(name for name, lo, hi in FREQUENCY_BANDS if lo <= counts.get(t, 0) <= hi)
            totals[band] += 1
            hits[band] += t in top
    return {name: (hits[name] / totals[name] if totals[name] else float("nan"), totals[name]) for name, _, _ in FREQUENCY_BANDS}


def reliability(
    gold: Sequence[set[str]], ranked: Sequence[Ranked], *, bins: int = 10
) -> list[tuple[float, float, float, float, int]]:
    """Calibration table over every suggestion: (bin low, bin high, mean score, observed precision, count).

    A calibrated model has mean score ≈ observed precision in every bin.

    >>> reliability([{"rl"}], [[("rl", 0.95), ("moe", 0.05)]], bins=2)
    [(0.0, 0.5, 0.05, 0.0, 1), (0.5, 1.0, 0.95, 1.0, 1)]
    """
    right = [0] * bins
    total = [0] * bins
    score = [0.0] * bins
    for g_raw, r_raw in zip(gold, ranked):
        g = set(_keys(g_raw))
        if not g:
            continue
        for t, s in r_raw:
            b = min(int(s * bins), bins - 1)
            total[b] += 1
            score[b] += s
            right[b] += tag_key(t) in g
    nan = float("nan")
    return [
        (b / bins, (b + 1) / bins, score[b] / total[b] if total[b] else nan, right[b] / total[b] if total[b] else nan, total[b])
        for b in range(bins)
    ]


def expected_calibration_error(table: Sequence[tuple[float, float, float, float, int]]) -> float:
    """Count-weighted |mean score − observed precision| over the reliability table.

    >>> expected_calibration_error([(0.0, 0.5, 0.2, 0.1, 10), (0.5, 1.0, 0.9, 0.9, 10)])
    0.05
    """
    n = sum(row[-1] for row in table)
    if not n:
        return float("nan")
    return round(sum(c * abs(mean - obs) for _, _, mean, obs, c in table if c) / n, 12)


__all__ = ["FREQUENCY_BANDS", "Ranked", "expected_calibration_error", "ranking_metrics", "recall_by_band", "reliability"]
