"""The ridge solver (tagger.model.ridge): the same weights as the exact dual solve, in memory linear in notes."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from tagger import Entry, TagModel, read_entries
from tagger.entry import chronological, entry_date
from tagger.model.estimator import _fields, _stack
from tagger.model.features import tokenize
from tagger.model.ridge import ridge_cg
from tagger.model.solvers import prune, tag_matrix
from tagger.model.vectorize import Block
from tagger.spelling import tag_key


def dual_reference(x: sp.csr_matrix, y: np.ndarray, w: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """The solve `TagModel` used before issue 16, in float64: Σ w (x·β + c − t)² + α(‖β‖² + c²), t = ±1."""
    xb = sp.hstack([sp.csr_matrix(x, dtype=np.float64), np.ones((x.shape[0], 1))], format="csr")
    xw = sp.diags(np.sqrt(w)) @ xb
    k = (xw @ xw.T).toarray() + alpha * np.eye(x.shape[0])
    a = np.linalg.solve(k, (2.0 * y - 1.0) * np.sqrt(w)[:, None])
    full = np.asarray(xw.T @ a).T
    return full[:, :-1], full[:, -1]


def energy_error(x: sp.csr_matrix, w: np.ndarray, alpha: float, coef: np.ndarray, icpt: np.ndarray, ref: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Each tag's error in the norm of the problem (weighted error of the fitted scores, plus α‖·‖²), relative."""

    def norm2(c: np.ndarray, i: np.ndarray) -> np.ndarray:
        scores = np.asarray(x @ c.T) + i
        out: np.ndarray = (w[:, None] * scores**2).sum(axis=0) + alpha * ((c**2).sum(axis=1) + i**2)
        return out

    return np.sqrt(norm2(coef - ref[0], icpt - ref[1]) / norm2(*ref))


def random_problem(n: int, d: int, tags: int, seed: int) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Sparse nonnegative rows of unit norm (like TF-IDF), a few tags per note, recency weights."""
    rng = np.random.default_rng(seed)
    x = sp.random(n, d, density=0.05, format="csr", random_state=seed, dtype=np.float64)
    x.data = np.abs(x.data) + 0.1
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    x = sp.csr_matrix(sp.diags(1.0 / np.maximum(norms, 1e-9)) @ x)
    y = (rng.random((n, tags)) < np.linspace(0.02, 0.4, tags)).astype(np.float64)
    w = 0.5 ** (rng.integers(0, 2000, n) / 180.0)
    return x, y, w


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_converged_solve_gives_the_exact_weights_and_intercepts(seed: int) -> None:
    x, y, w = random_problem(300, 120, 7, seed)
    ref_coef, ref_icpt = dual_reference(x, y, w, 0.5)
    fit = ridge_cg(x, sp.csr_matrix(y), w, 0.5, tol=1e-6)
    assert fit.coef.shape == ref_coef.shape and fit.intercept.shape == ref_icpt.shape
    # float32 blocks: agreement to about 1e-5 of the weights' scale
    assert np.abs(fit.coef - ref_coef).max() <= 1e-4 * np.abs(ref_coef).max()
    assert np.abs(fit.intercept - ref_icpt).max() <= 1e-4


def test_default_tolerance_is_close_on_real_features(example_vault: Path) -> None:
    entries = chronological([e for e in read_entries(example_vault, on_problem=lambda err: None) if e.tags and e.has_text])
    model = TagModel()
    keys = sorted({tag_key(t) for e in entries for t in e.tags})
    y = tag_matrix(entries, keys)
    tokens = tokenize(entries, model.korean_settings)
    blocks = [Block(min_df=1, weight=wt) for wt in (0.5, 1.0, 1.0, 0.5)]
    for b, f in zip(blocks, _fields(tokens)):
        b.fit(f)
    x = _stack(blocks, tokens)
    w = model._weights([entry_date(e) for e in entries])
    ref = dual_reference(x, y.toarray(), w, model.alpha)
    fit = ridge_cg(x, y, w, model.alpha)
    err = energy_error(x, w, model.alpha, fit.coef.astype(np.float64), fit.intercept, ref)
    # The stopping rule is a heuristic (its estimate is a lower bound on the error of a step
    # DELAY back); measured here in the norm of the fitted scores, every tag is within `tol`.
    assert err.max() < 0.1
    assert fit.iterations < 60
    assert fit.tag_iterations < fit.iterations * len(keys)  # tags stop on their own: easy ones sooner


def test_groups_of_tags_do_not_change_the_answer() -> None:
    x, y, w = random_problem(200, 80, 9, 3)
    one_group = ridge_cg(x, y, w, 0.5, tol=1e-5)
    small_groups = ridge_cg(x, y, w, 0.5, tol=1e-5, group=2)
    assert np.allclose(one_group.coef, small_groups.coef, atol=1e-4)
    assert np.allclose(one_group.intercept, small_groups.intercept, atol=1e-4)


def test_iterations_are_bounded() -> None:
    x, y, w = random_problem(200, 80, 3, 4)
    fit = ridge_cg(x, y, w, 0.5, tol=1e-12, max_iter=3)
    assert fit.iterations == 3
    assert np.isfinite(fit.coef).all() and np.isfinite(fit.intercept).all()


def test_memory_grows_with_notes_not_their_square() -> None:
    n = 40_000  # the dual's kernel would be n² float64: 12.8 GB
    rng = np.random.default_rng(5)
    cols = rng.integers(0, 300, size=(n, 8))
    x = sp.csr_matrix((np.full(n * 8, 0.35), cols.ravel(), np.arange(0, n * 8 + 1, 8)), shape=(n, 300))
    y = sp.csr_matrix((rng.random((n, 4)) < 0.1).astype(np.float32))
    w = 0.5 ** (rng.integers(0, 3000, n) / 180.0)
    tracemalloc.start()
    try:
        fit = ridge_cg(x, y, w, 0.5)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert fit.coef.shape == (4, 300)
    assert peak < 60e6, f"peak {peak / 1e6:.0f} MB"


def test_tag_matrix_marks_each_tag_once() -> None:
    entries = [Entry(title="a", tags=("rl", "RL", "moe")), Entry(title="b", tags=("gan",)), Entry(title="c", tags=("unknown",))]
    y = tag_matrix(entries, ["gan", "moe", "rl"])
    assert y.toarray().tolist() == [[0.0, 1.0, 1.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]


def test_prune_in_chunks_keeps_each_tags_largest_weights() -> None:
    rng = np.random.default_rng(6)
    coef = rng.standard_normal((70, 50)).astype(np.float32)  # 70 tags: three chunks of 32
    pruned = prune(coef, 5).toarray()
    for row, kept in zip(coef, pruned):
        top = set(np.argsort(-np.abs(row))[:5])
        assert set(np.flatnonzero(kept)) == top
        assert np.array_equal(kept[sorted(top)], row[sorted(top)])


def test_the_final_model_is_solved_more_closely_than_the_calibrating_one(example_vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tagger.model.estimator as model_module
    from tagger.model import ridge

    seen: list[float] = []

    def recording(*args: object, tol: float, **kwargs: object) -> ridge.RidgeFit:
        seen.append(tol)
        return ridge.ridge_cg(*args, tol=tol, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(model_module, "ridge_cg", recording)
    TagModel().fit(read_entries(example_vault, on_problem=lambda err: None))
    assert seen == [model_module.CALIBRATION_TOL, ridge.TOL] and ridge.TOL < model_module.CALIBRATION_TOL


def test_no_tags_and_bad_weights_are_answered_not_looped_on() -> None:
    x, _, w = random_problem(50, 20, 1, 7)
    fit = ridge_cg(x, np.zeros((50, 0)), w, 0.5)
    assert fit.coef.shape == (0, 20) and fit.intercept.shape == (0,) and fit.iterations == 0
    for bad in (np.zeros(50), np.full(50, np.nan), -w):
        with pytest.raises(ValueError, match="sample weights"):
            ridge_cg(x, np.ones((50, 2)), bad, 0.5)
