"""The plain baseline of issue 3: one TF-IDF over title + abstract + comment, one-vs-rest logistic regression.

No Korean analysis, no field blocks, no recency weights, no name bonus. Its
assigned set is the top tag plus every tag scoring at least a threshold tuned,
like tagger's rule and the Annif peers' threshold, for the best assigned-set F1
on the newest 15 % of the training notes. That tuning (`tune_threshold`) is
shared with the peers (`benchmarks.peers`), so both are tuned the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from tagger.entry import Entry, Suggestion
from tagger.analysis.metrics import ranking_metrics
from tagger.spelling import Spellings, tag_key

#: Per note, (tag, score) pairs best first.
Ranked = Sequence[Sequence[tuple[str, float]]]
#: The thresholds the plain baseline tries (0.05..0.90 by 0.05, as numpy spells them).
THRESHOLDS = tuple(float(t) for t in np.arange(0.05, 0.95, 0.05))


def gold_keys(entries: Iterable[Entry]) -> list[set[str]]:
    """Each entry's tags as tag keys.

    >>> gold_keys([Entry(tags=("GAN", "gan", "Efficient_Training"))]) == [{"gan", "efficient-training"}]
    True
    """
    return [{tag_key(t) for t in e.tags} for e in entries]


def assigned_sets(ranked: Ranked, threshold: float) -> list[set[str]]:
    """Suggestions scoring >= threshold, and always the top one.

    >>> [sorted(a) for a in assigned_sets([[("rl", 0.2), ("moe", 0.1)], [("vit", 0.8), ("gan", 0.5)]], 0.5)]
    [['rl'], ['gan', 'vit']]
    """
    return [{t for i, (t, s) in enumerate(r) if i == 0 or s >= threshold} for r in ranked]


def tune_threshold(gold: Sequence[set[str]], ranked: Ranked, thresholds: Sequence[float]) -> tuple[float, float]:
    """The threshold of `thresholds` maximising mean assigned-set F1 (`assigned_sets`); (threshold, F1).

    Ties go to the earliest threshold. The one tuning loop of the plain baseline
    and the Annif peers.

    >>> tune_threshold([{"rl"}, {"vit", "gan"}], [[("rl", 0.9), ("moe", 0.3)], [("vit", 0.6), ("gan", 0.4)]], [0.2, 0.31, 0.4, 0.5])
    (0.31, 1.0)
    """
    best = (thresholds[0], -1.0)
    for thr in thresholds:
        f1 = ranking_metrics(gold, ranked, assigned_sets(ranked, thr)).get("assigned_f1", 0.0)
        if f1 > best[1] + 1e-12:  # equal F1s summed in another order must still tie
            best = (thr, f1)
    return best


def ranked_rows(proba: np.ndarray, labels: Sequence[str], *, floor: float) -> list[list[tuple[str, float]]]:
    """Each row of a score matrix as (label, score) pairs, best first: the top one and all scoring >= `floor`.

    Below the lowest threshold tried, a tag is never assigned, so it is left out.
    Equal scores keep column order (the top one is `argmax`'s).

    >>> ranked_rows(np.array([[0.1, 0.7, 0.7, 0.3]]), ["a", "b", "c", "d"], floor=0.2)
    [[('b', 0.7), ('c', 0.7), ('d', 0.3)]]
    """
    out = []
    for row in proba:
        order = np.argsort(-row, kind="stable")
        out.append([(labels[j], float(row[j])) for r, j in enumerate(order) if r == 0 or row[j] >= floor])
    return out


class PlainBaseline:
    """`fit(entries)` / `suggest(entries, k=)` like `TagModel`, for `tagger.analysis.evaluate`."""

    def __init__(self, *, threshold: float | None = None, min_tag_notes: int = 2, tune_share: float = 0.15) -> None:
        self.threshold = threshold
        self.min_tag_notes = min_tag_notes
        self.tune_share = tune_share

    @staticmethod
    def _text(e: Entry) -> str:
        return " ".join((e.title, e.abstract, e.comment))

    def fit(self, entries: Sequence[Entry], **_: Any) -> PlainBaseline:
        from tagger.entry import entry_date

        usable = sorted((e for e in entries if e.tags and e.has_text), key=lambda e: entry_date(e) or dt.date.min)
        self.threshold_ = self.threshold
        if self.threshold_ is None:
            cut = len(usable) - int(len(usable) * self.tune_share)
            self._fit(usable[:cut])
            held = usable[cut:]
            ranked = ranked_rows(self._proba(held), self.keys_, floor=min(THRESHOLDS))
            self.threshold_ = tune_threshold(gold_keys(held), ranked, THRESHOLDS)[0]
        return self._fit(usable)

    def _proba(self, entries: Sequence[Entry]) -> np.ndarray:
        out: np.ndarray = self.clf_.predict_proba(self.vec_.transform([self._text(e) for e in entries]))
        return out

    def _fit(self, usable: Sequence[Entry]) -> PlainBaseline:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier

        spell = Spellings()
        for e in usable:
            spell.update(e.tags)
        counts: dict[str, int] = {}
        for e in usable:
            for k in {tag_key(t) for t in e.tags}:
                counts[k] = counts.get(k, 0) + 1
        self.keys_ = sorted(k for k, c in counts.items() if c >= self.min_tag_notes)
        self.tags_ = [spell.display(k) for k in self.keys_]
        index = {k: j for j, k in enumerate(self.keys_)}
        y = np.zeros((len(usable), len(self.keys_)), dtype=int)
        for i, e in enumerate(usable):
            for t in e.tags:
                if tag_key(t) in index:
                    y[i, index[tag_key(t)]] = 1
        self.vec_ = TfidfVectorizer(sublinear_tf=True, min_df=2)
        x = self.vec_.fit_transform([self._text(e) for e in usable])
        self.clf_ = OneVsRestClassifier(LogisticRegression(C=100.0, solver="liblinear"), n_jobs=1).fit(x, y)
        return self

    def suggest(self, entries: Sequence[Entry], *, k: int = 5) -> list[list[Suggestion]]:
        proba = self._proba(entries)
        threshold = self.threshold_ if self.threshold_ is not None else 0.5
        out = []
        for row in proba:
            order = np.argsort(-row)[:k]
            out.append([Suggestion(self.tags_[j], float(row[j]), r == 0 or row[j] >= threshold) for r, j in enumerate(order)])
        return out
