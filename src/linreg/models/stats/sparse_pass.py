"""The statistics of a scipy.sparse X, without densifying it."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from linreg.models.stats.moments import Stats


def sparse_stats(X, y, *, center: bool = True, sample_weight=None) -> Stats:
    """The same statistics for a scipy.sparse X, without densifying it (float64 NumPy, on the host).

    Centring is implicit, as scikit-learn does for sparse data: G = XᵀWX − W x̄x̄ᵀ from the sparse
    product, so a column whose mean dwarfs its spread loses digits here that the dense pass keeps.
    """
    X = sparse.csr_matrix(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    w = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    total = float(w.sum())
    if total <= 0:
        raise ValueError("sample_weight sums to zero: no row carries any weight")
    Xw = X.multiply(w[:, None]).tocsr()  # rows scaled by wᵢ, still sparse
    raw_gram = np.asarray((X.T @ Xw).todense())  # (p, p) XᵀWX
    raw_xty = np.asarray(Xw.T @ y).ravel()  # XᵀWy
    x_mean = np.asarray(Xw.sum(axis=0)).ravel() / total if center else np.zeros(X.shape[1])
    y_mean = float(w @ y) / total if center else 0.0
    gram = raw_gram - total * np.outer(x_mean, x_mean)
    xty = raw_xty - total * x_mean * y_mean
    yty = float(w @ (y - y_mean) ** 2)
    t = lambda a: np.asarray(a, dtype=np.float64)  # noqa: E731
    return Stats(
        n=total,
        x_mean=t(x_mean),
        y_mean=t(y_mean),
        gram=t((gram + gram.T) / 2),
        xty=t(xty),
        yty=t(yty),
        center=center,
        rows=X.shape[0],
    )
