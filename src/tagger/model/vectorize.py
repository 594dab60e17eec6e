"""TF-IDF over token lists, small enough to apply without scikit-learn.

A fitted `Block` is plain data (a vocabulary dict and an idf array), so a saved
model loads and predicts with numpy and scipy alone: `tagger suggest` in a fresh
process does not pay scikit-learn's import time.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass
class Block:
    """One field's TF-IDF: saturating tf, smooth idf, rows L2-normalised, then scaled by `weight`.

    A term seen `c` times counts c·(k1+1)/(c+k1) (BM25's tf without length
    normalisation; the L2 norm does that): closer to linear than log(c) for the
    few repeats an abstract has, yet bounded. Measured against 1+log(c) with
    k1 = 10: P@1 +0.008 / +0.020 / +0.005 on the three time splits A / B / C,
    R@5 +0.004 / +0.006 / −0.004.

    >>> b = Block(min_df=1, max_df=1.0).fit([["moe", "moe", "rl"], ["rl"]])
    >>> round(float(b.transform([["moe", "moe"]]).toarray()[0, b.vocabulary_["moe"]]), 3)
    1.0
    """

    min_df: int = 2
    max_df: float = 0.5
    weight: float = 1.0
    tf_k1: float = 10.0
    vocabulary_: dict[str, int] | None = None
    idf_: np.ndarray | None = None

    def fit(self, docs: Sequence[Sequence[str]], sample_weight: np.ndarray | None = None) -> Block:
        """Learn the vocabulary (terms in at least `min_df` and at most `max_df` of the docs) and its idf.

        `sample_weight` is accepted for the estimator protocol and ignored:
        document frequencies count documents, not their weights.
        """
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(set(doc))
        n = len(docs)
        keep = sorted(t for t, c in df.items() if c >= self.min_df and c <= self.max_df * n)
        self.vocabulary_ = {t: i for i, t in enumerate(keep)}
        self.idf_ = np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in keep], dtype=np.float32)
        return self

    def transform(self, docs: Sequence[Sequence[str]]) -> sp.csr_matrix:
        """Docs as rows of a CSR matrix over the fitted vocabulary; unknown terms are dropped."""
        assert self.vocabulary_ is not None and self.idf_ is not None, "fit the block first"
        vocab, idf = self.vocabulary_, self.idf_
        # One pass of dict lookups in Python, the arithmetic on whole arrays: per-document
        # numpy calls cost more than the lookups (batch suggestion 0.29 → 0.1 s on the corpus).
        get = vocab.get
        indptr = np.zeros(len(docs) + 1, dtype=np.int64)
        indices: list[int] = []
        for i, doc in enumerate(docs):
            indices.extend(c for c in map(get, doc) if c is not None)
            indptr[i + 1] = len(indices)
        m = sp.csr_matrix(
            (np.ones(len(indices), dtype=np.float32), np.array(indices, dtype=np.int32), indptr),
            shape=(len(docs), len(vocab)),
        )
        m.sum_duplicates()  # repeated terms → their counts
        k1 = np.float32(self.tf_k1)
        m.data = m.data * (k1 + 1) / (m.data + k1) * idf[m.indices]
        lengths = np.diff(m.indptr)
        rows = np.repeat(np.arange(len(docs)), lengths)
        norms = np.sqrt(np.bincount(rows, weights=m.data * m.data, minlength=len(docs)))
        m.data *= (self.weight / norms[rows]).astype(np.float32)
        return m

    @property
    def size(self) -> int:
        """Number of columns (the fitted vocabulary's size; 0 before `fit`)."""
        return len(self.vocabulary_ or {})


__all__ = ["Block"]
