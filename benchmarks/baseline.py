"""The plain baseline of issue 3: one TF-IDF over title + abstract + comment, one-vs-rest logistic regression.

No Korean analysis, no field blocks, no recency weights, no name bonus. Its
assigned set is the top tag plus every tag with probability ≥ 0.5 (the
default a plain classifier gives).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tagger.entry import Entry, Suggestion
from tagger.tagnames import Spellings, tag_key


class PlainBaseline:
    """`fit(entries)` / `suggest(entries, k=)` like `TagModel`, for `tagger.evaluate`."""

    def __init__(self, *, threshold: float = 0.5, min_tag_notes: int = 2) -> None:
        self.threshold = threshold
        self.min_tag_notes = min_tag_notes

    @staticmethod
    def _text(e: Entry) -> str:
        return " ".join((e.title, e.abstract, e.comment))

    def fit(self, entries: Sequence[Entry], **_: Any) -> PlainBaseline:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier

        usable = [e for e in entries if e.tags and e.has_text]
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
        self.clf_ = OneVsRestClassifier(LogisticRegression(C=10.0, max_iter=1000), n_jobs=1).fit(x, y)
        return self

    def suggest(self, entries: Sequence[Entry], *, k: int = 5) -> list[list[Suggestion]]:
        proba = self.clf_.predict_proba(self.vec_.transform([self._text(e) for e in entries]))
        out = []
        for row in proba:
            order = np.argsort(-row)[:k]
            out.append([Suggestion(self.tags_[j], float(row[j]), r == 0 or row[j] >= self.threshold) for r, j in enumerate(order)])
        return out
