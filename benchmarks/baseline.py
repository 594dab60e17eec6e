"""The plain baseline of issue 3: one TF-IDF over title + abstract + comment, one-vs-rest logistic regression.

No Korean analysis, no field blocks, no recency weights, no name bonus. Its
assigned set is the top tag plus every tag scoring at least a threshold tuned,
like tagger's rule and the Annif peers' threshold, for the best assigned-set F1
on the newest 15 % of the training notes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np

from tagger.entry import Entry, Suggestion
from tagger.tagnames import Spellings, tag_key


class PlainBaseline:
    """`fit(entries)` / `suggest(entries, k=)` like `TagModel`, for `tagger.evaluate`."""

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
            proba = self._proba(held)
            gold = [{tag_key(t) for t in e.tags} for e in held]
            best = (-1.0, 0.5)
            for thr in np.arange(0.05, 0.95, 0.05):
                f1 = 0.0
                for row, g in zip(proba, gold):
                    chosen = {self.keys_[j] for j in np.flatnonzero(row >= thr)} | {self.keys_[int(np.argmax(row))]}
                    hit = len(chosen & g)
                    f1 += 2 * hit / (len(chosen) + len(g)) if hit else 0.0
                if f1 > best[0]:
                    best = (f1, float(thr))
            self.threshold_ = best[1]
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
