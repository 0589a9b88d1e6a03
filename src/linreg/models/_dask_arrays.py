"""Dask arrays past one machine's memory: the statistics pass and TSQR, blockwise.

The estimators need only the sufficient statistics of (X, y) (``linreg.models.stats``).
Over a Dask array each block of rows is summarised where it lives, by the same
``compute_stats()`` the in-memory path runs on its one
block, and the blocks' statistics are merged pairwise with Chan–Golub–LeVeque
updates (``merge_stats()``) in a fixed order over block
ids. The result therefore depends on the blocks, never on how many workers
computed them or in which order they finished; a block lost with its worker is
recomputed by Dask and summarised to the same bits.

``Ridge``, ``Lasso``, ``ElasticNet`` and ``LinearRegression`` take Dask arrays
directly: by Cholesky on these statistics, or, when the conditioning check
refuses it, by an R-only TSQR of [1 | X | y] (``dask_tsqr_lstsq()``). They run
on whichever Dask scheduler is current (a ``distributed.Client`` if one is
active, else the threaded one). Dask itself is an optional dependency
(``pip install "linreg[dask]"``) and is imported only when a Dask array arrives.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from linreg.models._device import HOST
from linreg.models._reduce import tree_merge
from linreg.models.stats import Stats, compute_stats, merge_stats

__all__ = ["dask_stats", "dask_tsqr_lstsq", "is_dask_array"]


def is_dask_array(a: Any) -> bool:
    """A Dask array (recognised without importing Dask, which only Dask users need loaded)."""
    return type(a).__module__.startswith("dask.array")


def _block_stats(xb: np.ndarray, yb: np.ndarray, wb: np.ndarray | None, center: bool) -> Stats:
    """The statistics of one block, on the worker that holds it (float64, on its CPU)."""
    return compute_stats(
        np.asarray(xb, dtype=np.float64),
        np.asarray(yb, dtype=np.float64),
        dtype=np.float64,
        device=HOST,
        center=center,
        sample_weight=wb,
    )


def _merge_in_order(parts: list) -> Any:
    """Pairwise merges in a fixed tree over block ids: ((0 1)(2 3))…, whatever computes them."""
    import dask

    return tree_merge(parts, dask.delayed(merge_stats))


def dask_stats(X, y, *, center: bool = True, sample_weight=None) -> Stats:
    """``Stats`` of Dask arrays X (n, p) and y (n,), one pass, blockwise.

    X must be chunked along rows only (one chunk of columns); y (and ``sample_weight``) are
    rechunked to X's row blocks. Runs on the current Dask scheduler (a ``Client`` if one is
    active, else the threaded one).
    """
    import dask
    import dask.array as da

    if X.ndim != 2 or len(X.chunks[1]) != 1:
        raise ValueError(
            f"X must be a 2-D Dask array chunked along rows only (one column chunk), got chunks "
            f"{X.chunks}: rechunk with X.rechunk({{1: -1}})"
        )
    y = da.asarray(y).rechunk((X.chunks[0],))
    w = None if sample_weight is None else da.asarray(sample_weight).rechunk((X.chunks[0],))
    xs, ys = X.to_delayed().ravel(), y.to_delayed().ravel()
    ws = [None] * len(xs) if w is None else list(w.to_delayed().ravel())
    parts = [dask.delayed(_block_stats)(xb, yb, wb, center) for xb, yb, wb in zip(xs, ys, ws)]
    return _merge_in_order(parts).compute()


def dask_tsqr_lstsq(X, y, *, fit_intercept: bool = True, sample_weight=None) -> tuple[np.ndarray, int]:
    """min ‖y − Zθ‖ for Z = [1, X] (or X) from the R factor of a TSQR of [Z | y]: no Q, one pass.

    With [Z | y] = Q [[R₁₁, r₁₂], [0, ρ]], θ = R₁₁⁻¹ r₁₂: backward stable (error ~ κ·u, as any
    QR solution), for designs whose XᵀX the Cholesky path refuses. Not the double-double
    refinement of the in-memory exact solver. A rank-deficient design (fewer rows than columns,
    collinear columns) gets the minimum-norm solution, ranked as in memory. Returns θ (intercept
    first when fitted) and the rank of the (centred) design.
    """
    import dask.array as da

    y = da.asarray(y).rechunk((X.chunks[0],))[:, None].astype(np.float64)
    parts = [da.ones((X.shape[0], 1), chunks=(X.chunks[0], 1))] if fit_intercept else []
    A = da.concatenate([*parts, X.astype(np.float64), y], axis=1).rechunk({1: -1})
    if sample_weight is not None:
        A = A * da.sqrt(da.asarray(sample_weight).rechunk((X.chunks[0],)))[:, None]
    R = np.triu(np.asarray(da.linalg.tsqr(A, compute_svd=False, _max_vchunk_size=None)[1].compute()))
    k = A.shape[1] - 1
    # ‖Zθ − y‖ = ‖R[:, :k]θ − R[:, k]‖ (Q has orthonormal columns). With an intercept, row 0 (the
    # column of ones: R₀₀ = ±√Σw, zeros below) fixes b for any w, and rows 1… are the centred problem.
    c = 1 if fit_intercept else 0
    Rc, rc = R[c:, c:k], R[c:, k]
    # The rank as the in-memory solver finds it: singular values of the column-equilibrated (centred)
    # design, whatever the columns' units, against max(n, p)·ε.
    norms = np.linalg.norm(Rc, axis=0)
    live = norms > 0
    sv = np.linalg.svd(Rc[:, live] / norms[live], compute_uv=False) if live.any() else np.zeros(0)
    rank = int((sv > max(X.shape[0], k) * np.finfo(np.float64).eps * sv[0]).sum()) if sv.size and sv[0] > 0 else 0
    if rank == Rc.shape[1]:  # full rank: back-substitution on the square upper-triangular block
        w = np.linalg.solve(Rc[:rank], rc[:rank])
    else:  # the minimum-norm solution of the centred problem (scikit-learn's and statsmodels')
        U, sing, Vh = np.linalg.svd(Rc, full_matrices=False)
        inv = np.zeros_like(sing)
        inv[:rank] = 1 / sing[:rank]
        w = Vh.T @ (inv * (U.T @ rc))
    if not fit_intercept:
        return w, rank
    return np.concatenate([[(R[0, k] - R[0, 1:k] @ w) / R[0, 0]], w]), rank
