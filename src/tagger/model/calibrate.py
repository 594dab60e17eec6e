"""From raw decision values to calibrated probabilities and an assigned set, learned on held-out notes.

`TagModel.fit` trains on the older notes, scores the newest ones (`calibration_share`)
and learns here: one Platt scaling for all tags (with the name-match bonus), per-tag
drift offsets, and the (floor, ratio) rule that picks the assigned set. With too few
notes to hold any out, the `DEFAULT_*` values below are used instead.
"""

from __future__ import annotations

import math

import numpy as np

#: Platt scaling (slope, name-match weight, bias) used when a fit has too few notes to learn one.
DEFAULT_CALIBRATION: tuple[float, float, float] = (4.0, 0.8, -2.0)
#: Assignment rule (floor, ratio) used when a fit has too few notes to learn one.
DEFAULT_ASSIGN_RULE: tuple[float, float] = (0.5, 0.5)


def logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-9, 1.0 - 1e-9)
    out: np.ndarray = np.log(q / (1.0 - q))
    return out


def sigmoid(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-z))
    return out


def fit_tag_bias(proba: np.ndarray, y: np.ndarray, strength: float, *, steps: int = 20) -> np.ndarray:
    """Per-tag logit offsets on held-out notes, shrunk toward 0 (a Gaussian prior of precision `strength`).

    The held-out notes are newer than what scored them, so the offsets measure
    each tag's drift: fading tags (`llm`, `transformer`) get pushed down, rising
    ones up. Newton steps, one independent 1-D problem per tag.

    >>> b = fit_tag_bias(np.full((40, 2), 0.5), np.array([[1.0, 0.0]] * 40), 10.0)
    >>> bool(b[0] > 0 > b[1])
    True
    """
    z0 = logit(proba)
    b = np.zeros(proba.shape[1])
    for _ in range(steps):
        p = sigmoid(z0 + b)
        grad = (p - y).sum(axis=0) + strength * b
        hess = (p * (1.0 - p)).sum(axis=0) + strength
        b -= grad / hess
    return b


def calibrated(dec: np.ndarray, names: np.ndarray, weights: tuple[float, ...]) -> np.ndarray:
    slope, name_weight, bias = weights
    return sigmoid(slope * dec + name_weight * names + bias)


def fit_calibration(dec: np.ndarray, names: np.ndarray, y: np.ndarray, *, name_bonus: float) -> tuple[float, ...]:
    """Platt scaling of decision + `name_bonus`·[name in text], one for all tags, on held-out notes.

    Learning the name-match weight (or tag-share terms) here instead was tried and
    lost R@5 on both splits (benchmarks/LOG.md).
    """
    x = (dec + name_bonus * names).reshape(-1, 1)
    a, b = logistic(x, y.reshape(-1).astype(np.float64))
    return (float(a), float(a * name_bonus), float(b))


def logistic(x: np.ndarray, y: np.ndarray, *, l2: float = 1e-4, steps: int = 50) -> np.ndarray:
    """Logistic regression by Newton's method (weights then bias): a few columns, many rows.

    Written out because importing scikit-learn for it would cost more than the fit.

    >>> w = logistic(np.array([[-2.0], [-1.0], [1.0], [2.0], [0.5], [-0.5]]), np.array([0, 0, 1, 1, 0, 1.0]))
    >>> bool(w[0] > 0)
    True
    """
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    reg = np.full(xb.shape[1], l2 * len(x))
    reg[-1] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ w, -30, 30)))
        grad = xb.T @ (p - y) + reg * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def assign_size(ranked: np.ndarray, rule: tuple[float, float]) -> int:
    """How many of the best scores `ranked` (descending) are assigned: the top one, then each
    following score that is ≥ floor and ≥ ratio × top, until one is not.

    >>> assign_size(np.array([0.9, 0.6, 0.2, 0.5]), (0.3, 0.5))
    2
    """
    return int(assign_sizes(ranked[None, :], rule)[0])


def assign_sizes(ranked: np.ndarray, rule: tuple[float, float]) -> np.ndarray:
    """`_assign_size` for every row of `ranked` (each row's best scores, descending) at once."""
    floor, ratio = rule
    ok = (ranked[:, 1:] >= floor) & (ranked[:, 1:] >= ratio * ranked[:, :1])
    stop = np.where(ok.all(axis=1), ok.shape[1], np.argmin(ok, axis=1))
    return np.asarray(1 + stop)


def rule_f1(hits: np.ndarray, gold: np.ndarray, sizes: np.ndarray) -> float:
    """Mean per-note F1 of assigned sets of `sizes`, given cumulative hits down each ranking."""
    hit = hits[np.arange(len(sizes)), sizes - 1]
    return float(np.mean(np.where(hit > 0, 2 * hit / (sizes + gold), 0.0))) if len(sizes) else 0.0


def fit_assign_rule(proba: np.ndarray, y: np.ndarray, max_assigned: int) -> tuple[float, float]:
    """The (floor, ratio) with the best mean per-note F1 of the assigned set on held-out notes."""
    # Sorted once: a rule only decides how far down each note's ranking to go.
    order = np.argsort(-proba, axis=1, kind="stable")[:, :max_assigned]
    ranked = np.take_along_axis(proba, order, axis=1)
    hits = np.cumsum(np.take_along_axis(y, order, axis=1), axis=1)
    gold = y.sum(axis=1)
    best = (-1.0, (0.5, 0.5))
    for floor in np.arange(0.05, 0.95, 0.05):
        for ratio in np.arange(0.0, 1.0, 0.1):
            rule = (round(float(floor), 2), round(float(ratio), 2))
            f1 = rule_f1(hits, gold, assign_sizes(ranked, rule))
            if f1 > best[0] + 1e-9:
                best = (f1, rule)
    return best[1]


def heldout_summary(proba: np.ndarray, y: np.ndarray, rule: tuple[float, float], max_assigned: int) -> dict[str, float]:
    has = y.sum(axis=1) > 0
    proba, y = proba[has], y[has]
    order = np.argsort(-proba, axis=1, kind="stable")[:, :max_assigned]
    hits = np.cumsum(np.take_along_axis(y, order, axis=1), axis=1)
    p1 = float(np.mean(hits[:, 0])) if len(y) else math.nan
    f1 = rule_f1(hits, y.sum(axis=1), assign_sizes(np.take_along_axis(proba, order, axis=1), rule))
    return {"notes": float(has.sum()), "P@1": p1, "assigned_f1": f1}


__all__ = [
    "DEFAULT_ASSIGN_RULE",
    "DEFAULT_CALIBRATION",
    "assign_size",
    "assign_sizes",
    "calibrated",
    "fit_assign_rule",
    "fit_calibration",
    "fit_tag_bias",
    "heldout_summary",
    "logistic",
    "logit",
    "rule_f1",
    "sigmoid",
]
