"""Block: the TF-IDF every model field goes through, checked against its formula written out per document."""

from __future__ import annotations

import math
import random
from collections import Counter

import numpy as np
import pytest

from tagger.model.vectorize import Block


def reference_row(block: Block, doc: list[str]) -> dict[int, float]:
    """One document's row, straight from the docstring: saturated tf × idf, L2-normalised, × weight."""
    assert block.vocabulary_ is not None and block.idf_ is not None
    counts = Counter(block.vocabulary_[t] for t in doc if t in block.vocabulary_)
    k1 = block.tf_k1
    vals = {c: n * (k1 + 1) / (n + k1) * float(block.idf_[c]) for c, n in counts.items()}
    norm = math.sqrt(sum(v * v for v in vals.values()))
    return {c: block.weight * v / norm for c, v in vals.items()}


CASES = {
    "repeats": [["moe", "moe", "moe", "rl"], ["rl"]],
    "empty and unknown docs between others": [[], ["moe"], ["never-seen"], [], ["rl", "moe"], []],
    "only empty docs": [[], []],
}


@pytest.mark.parametrize("docs", CASES.values(), ids=CASES.keys())
@pytest.mark.parametrize("weight,k1", [(1.0, 10.0), (0.5, 1.0)])
def test_transform_matches_the_formula(docs: list[list[str]], weight: float, k1: float) -> None:
    block = Block(min_df=1, max_df=1.0, weight=weight, tf_k1=k1).fit([["moe", "rl", "moe"], ["rl", "ssm"], ["ssm"]])
    m = block.transform(docs)
    assert m.shape == (len(docs), block.size)
    for i, doc in enumerate(docs):
        row = m.getrow(i)
        got = dict(zip(row.indices.tolist(), row.data.tolist()))
        want = reference_row(block, doc)
        assert got.keys() == want.keys()
        for c, v in want.items():
            assert got[c] == pytest.approx(v, rel=1e-5)


def test_transform_matches_the_formula_on_random_docs() -> None:
    rng = random.Random(7)
    words = [f"w{i}" for i in range(60)]
    train = [[rng.choice(words) for _ in range(rng.randint(0, 30))] for _ in range(80)]
    block = Block(min_df=2, max_df=0.5, weight=0.7).fit(train)
    docs = [[rng.choice(words + ["unseen"]) for _ in range(rng.randint(0, 40))] for _ in range(50)]
    m = block.transform(docs).toarray()
    for i, doc in enumerate(docs):
        want = np.zeros(block.size)
        for c, v in reference_row(block, doc).items():
            want[c] = v
        np.testing.assert_allclose(m[i], want, rtol=1e-5, atol=1e-7)
        # every non-empty row has the block's weight as its length
        if want.any():
            assert np.linalg.norm(m[i]) == pytest.approx(0.7, rel=1e-5)
