"""Weighted ridge regression for every tag at once, solved by conjugate gradients without a kernel.

The model's scorer is, for each tag j, the minimiser of

    Σ_i w_i (x_i·β_j + c_j − t_ij)² + α (‖β_j‖² + c_j²),    t_ij = ±1,

over the sparse feature rows x_i, with the intercept c_j penalised like any
weight. It used to be solved in the dual (an n×n kernel of the notes: time and
memory grew with n², 186 s and 8 GB at 20,802 notes). Here the notes are touched
only through products with the sparse feature matrix, so time and memory grow
linearly with notes.

Needs numpy and scipy only, and nothing else of tagger; `TagModel.fit` (`tagger.model.estimator`)
decides what to feed it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

#: Relative error, in the norm CG minimises, below which a tag's solution is final, as the
#: stopping rule estimates it (a heuristic: see `ridge_cg`). What it gives was measured: the
#: figures of both time splits are those of the exact solve from 0.003 to 0.3 (benchmarks/LOG.md,
#: issue 16); at 0.1 the weights are within 0.7 % of the exact ones for the median tag and 4.5 %
#: for the worst, on 30 copies of the corpus (0.2: 1.4 % and 8.6 %, with a third fewer steps).
TOL = 0.1
#: Iterations the error estimate looks back over; see `ridge_cg`.
DELAY = 4
#: Tags solved together: memory is a few (notes × GROUP) float32 blocks. The products gather
#: rows of a (notes × GROUP) and a (features × GROUP) block at random: at 94,000 notes 64 columns
#: cost 7.2 ms a column per step, 128 columns 11.5 ms (the blocks fall out of cache); flat at 19,000.
GROUP = 64
#: A bound on iterations, far above the 34 the slowest tag took on 30 copies of the corpus.
MAX_ITER = 400


class RidgeFit(NamedTuple):
    """Weights (tags × features, float32), intercepts (tags, float64), and how the solve went."""

    coef: np.ndarray
    intercept: np.ndarray
    #: Iterations until the slowest tag was final.
    iterations: int
    #: Sum over tags of the iterations each took: the work done, in products with every note.
    tag_iterations: int


def ridge_cg(
    x: sp.csr_matrix,
    y: sp.csr_matrix | np.ndarray,
    w: np.ndarray,
    alpha: float,
    *,
    tol: float = TOL,
    max_iter: int = MAX_ITER,
    group: int = GROUP,
) -> RidgeFit:
    """Weighted ridge on ±1 targets (`y` is 1 where a note has the tag) for all tags at once.

    Conjugate gradients on the notes' side, over the sparse features: each step is one
    product of `x` and one of its transpose with a (notes × tags) block, so time and
    memory grow linearly with notes, never with their square.

    The intercept is eliminated first: its normal equation gives c = t̄ − μ·β, which
    leaves a ridge on centred data (the weighted residual is projected by
    C = I − √w√wᵀ/(W+α)). Centring removes the one direction in which every note
    agrees, the largest eigenvalue by far (40× the next on the corpus), so fewer
    steps are needed. The steps run on the notes' side (β = Xᵀ√w C^½ a) because
    every vault measured has more features than notes (33,000 for 3,124 notes; 157,000
    for 94,000 copies): each step then touches a (notes × tags) block instead of a
    larger (features × tags) one.

    Each tag stops on its own once the error of its solution, estimated from the last
    `DELAY` steps, is below `tol` relative to the solution. The estimate is Hestenes and
    Stiefel's: the sum of the next steps' gains is the squared error, in the norm CG
    minimises, of the solution DELAY steps back, and the sum of the last DELAY gains is
    a lower bound on it, close once the gains fall steadily. So this is a heuristic; the
    errors it leaves were measured (see `TOL`). Finished tags leave the block, so later
    steps cost less. Tags go through in groups of `group` columns, which bounds the
    memory of the blocks.

    >>> fit = ridge_cg(sp.csr_matrix(np.eye(3)), np.array([[1.0], [0.0], [1.0]]), np.ones(3), 1.0, tol=1e-6)
    >>> fit.coef.shape, fit.intercept.shape
    ((1, 3), (1,))
    """
    n, d = x.shape
    y = sp.csc_matrix(y, dtype=np.float32)
    n_tags = y.shape[1]
    w64 = np.asarray(w, dtype=np.float64)
    total = float(w64.sum())
    if not (np.isfinite(w64).all() and (w64 >= 0).all() and total > 0):
        raise ValueError("sample weights must be finite, 0 or more, and not all 0")
    if n_tags == 0:
        return RidgeFit(np.zeros((0, d), dtype=np.float32), np.zeros(0), 0, 0)
    sw = np.sqrt(w64).astype(np.float32)
    xw = sp.csr_matrix(sp.diags(sw) @ sp.csr_matrix(x, dtype=np.float32), dtype=np.float32)
    xwt = xw.T.tocsr()  # both ways row-major: scipy's fastest product with a dense block
    # C^½ = I − γ·√w√wᵀ squares to C; γ is the root that keeps it positive definite.
    gamma = np.float32((1.0 - np.sqrt(alpha / (total + alpha))) / total)

    def half_c(v: np.ndarray) -> np.ndarray:
        out: np.ndarray = v - np.outer(gamma * sw, sw @ v)
        return out

    def gram(p: np.ndarray) -> np.ndarray:
        return half_c(xw @ (xwt @ half_c(p)))

    # The intercept c = t̄ − μ·β with μ = Xᵀw/(W+α); μ·β = (√w ∘ Xμ)·C^½a is a dot product over notes.
    mu = np.asarray(x.T @ w64, dtype=np.float64) / (total + alpha)
    x_mu = sw.astype(np.float64) * np.asarray(x @ mu, dtype=np.float64)
    tbar = (2.0 * np.asarray(y.T @ w64, dtype=np.float64).ravel() - total) / (total + alpha)
    coef = np.zeros((n_tags, d), dtype=np.float32)
    intercept = tbar.copy()
    iterations = tag_iterations = 0
    for cols in np.array_split(np.arange(n_tags), max(1, -(-n_tags // group))):
        target = half_c(sw[:, None] * (2.0 * y[:, cols].toarray() - 1.0))
        a, its, tag_its = _cg(lambda p: gram(p) + np.float32(alpha) * p, target, tol, max_iter)
        u = half_c(a)  # β = Xᵀ√w u
        coef[cols] = (xwt @ u).T
        intercept[cols] -= x_mu @ u
        iterations, tag_iterations = max(iterations, its), tag_iterations + tag_its
    return RidgeFit(coef, intercept, iterations, tag_iterations)


def _cg(apply: Callable[[np.ndarray], np.ndarray], b: np.ndarray, tol: float, max_iter: int) -> tuple[np.ndarray, int, int]:
    """Conjugate gradients on `apply(x) = b` for each column of `b`: (solution, steps, Σ steps per column).

    Blocks are float32: half the memory traffic of float64, and their rounding (about
    1e-7 relative a step) is far below `tol`. Step lengths and norms are float64.
    """
    b = b.astype(np.float32)
    sol = np.zeros_like(b)
    cur, r, p = np.zeros_like(b), b.copy(), b.copy()  # cur, r, p: the columns still running
    active = np.arange(b.shape[1])
    rho = _col_dots(r, r)
    gains: list[np.ndarray] = []  # per step, each running column's a·ρ: its share of ‖x*‖² in the A-norm
    energy = np.zeros(b.shape[1])
    steps = col_steps = 0
    done = rho <= 0.0  # nothing to fit: the solution stays 0
    if not active.size:
        return sol, 0, 0
    while True:
        if steps >= max_iter:
            done[:] = True
        if done.any():
            sol[:, active[done]] = cur[:, done]
            keep = ~done
            active, cur, r, p, rho, energy = active[keep], cur[:, keep], r[:, keep], p[:, keep], rho[keep], energy[keep]
            gains = [g[keep] for g in gains]
            if not active.size:
                return sol, steps, col_steps
        q = apply(p)
        a = rho / _col_dots(p, q)
        a32 = a.astype(np.float32)
        cur += p * a32
        q *= a32
        r -= q
        del q
        gain = a * rho
        energy += gain
        gains = [*gains, gain][-DELAY:]
        steps += 1
        col_steps += active.size
        rho_next = _col_dots(r, r)
        # ‖x_k − x*‖² is the sum of the gains of steps k+1, k+2, … (Hestenes–Stiefel), close to
        # that of the next DELAY once they fall steadily; ‖x*‖² ≈ all gains so far.
        done = (rho_next <= 0.0) | ((len(gains) == DELAY) & (np.sum(gains, axis=0) <= tol * tol * energy))
        p *= (rho_next / np.where(rho > 0, rho, 1.0)).astype(np.float32)
        p += r
        rho = rho_next


def _col_dots(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Column-wise dot products of two blocks of the same shape, in float64."""
    out: np.ndarray = np.einsum("ij,ij->j", a, b, dtype=np.float64)
    return out


__all__ = ["MAX_ITER", "RidgeFit", "TOL", "ridge_cg"]
