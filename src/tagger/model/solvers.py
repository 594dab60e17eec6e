"""The linear algebra of training: weighted ridge regression for every tag at once, centroids, pruning.

Pure numpy/scipy functions of a feature matrix and a label matrix; `TagModel.fit`
decides what to feed them.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def ridge_dual(x: sp.csr_matrix, y: np.ndarray, w: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Weighted ridge regression on ±1 targets for all tags at once, solved in the dual.

    With a few thousand notes and tens of thousands of features the n×n system
    is small: one solve serves every tag.
    """
    sw = np.sqrt(w)
    ones = sp.csr_matrix(np.ones((x.shape[0], 1), dtype=np.float32))
    xb = sp.hstack([x, ones], format="csr")
    xw = sp.diags(sw) @ xb
    k = (xw @ xw.T).toarray().astype(np.float64)
    k[np.diag_indices_from(k)] += alpha
    t = (2.0 * y - 1.0) * sw[:, None]
    a = np.linalg.solve(k, t)
    full = np.asarray((xw.T @ a).T, dtype=np.float64)
    return full[:, :-1].astype(np.float32), full[:, -1]


def centroids(x: sp.csr_matrix, y: np.ndarray) -> np.ndarray:
    """Each tag's unit-length centroid of its notes' feature rows (Rocchio), over all notes alike.

    A second, linear scorer folded into the ridge weights. Unlike the ridge it is
    not weighted by recency and does not shrink tags with few notes, so old and
    rare tags keep a voice: measured +0.03 P@1 / R@5 on split B, +0.01 R@5 and
    assigned-set F1 on split A.
    """
    cen = np.asarray((sp.csr_matrix(y.T.astype(np.float32)) @ x).toarray(), dtype=np.float32)
    cen /= np.maximum(np.linalg.norm(cen, axis=1, keepdims=True), 1e-9)
    return cen


def prune(coef: np.ndarray, keep: int) -> sp.csr_matrix:
    """Each tag's `keep` largest weights, as a sparse matrix.

    Ridge weights are dense but mostly tiny; dropping the tail keeps the model
    file small and scoring fast at no measurable cost in quality.
    """
    if keep <= 0 or keep >= coef.shape[1]:
        return sp.csr_matrix(coef.astype(np.float32))
    idx = np.argpartition(-np.abs(coef), keep - 1, axis=1)[:, :keep]
    rows = np.repeat(np.arange(coef.shape[0]), keep)
    vals = np.take_along_axis(coef, idx, axis=1).ravel()
    return sp.csr_matrix((vals.astype(np.float32), (rows, idx.ravel())), shape=coef.shape)


__all__ = ["centroids", "prune", "ridge_dual"]
