"""Past one machine: the statistics pass over Dask arrays, in-process or on a cluster.

The estimators need only the sufficient statistics of (X, y) (:mod:`linreg.models.stats`).
Over a Dask array each block of rows is summarised where it lives, by the same
:func:`~linreg.models.stats.compute_stats` the in-memory path runs on its one
block, and the blocks' statistics are merged pairwise with Chan–Golub–LeVeque
updates (:func:`~linreg.models.stats.merge_stats`) in a fixed order over block
ids. The result therefore depends on the blocks, never on how many workers
computed them or in which order they finished; a block lost with its worker is
recomputed by Dask and summarised to the same bits.

Three ways to run (``connect``):

* embedded (default): no address, no ``DASK_SCHEDULER_ADDRESS``; Dask's
  in-process threaded scheduler, no server, no network;
* a cluster by address (``dask scheduler`` + ``dask worker tcp://host:8786``,
  Kubernetes, Coiled…): ``connect("tcp://host:8786")``;
* a ``LocalCluster`` of worker processes with a memory limit each:
  ``connect(local_workers=2, memory_limit="1GiB")``.

The pipeline's stages open a :func:`session` from params.yaml's ``engine`` group
and hand it their per-block work (:meth:`Engine.map`): generating the data's
blocks, the scaler's moments and the training statistics run on the workers,
block by block, and come back in block order. The estimators also take Dask
arrays directly (``Ridge``, ``Lasso``, ``ElasticNet`` and ``LinearRegression``
by Cholesky, or, when the conditioning check refuses it, by an R-only TSQR of
[1 | X | y]).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from linreg.cluster import Engine, connect, session
from linreg.data.reduce import tree_merge
from linreg.errors import EngineError
from linreg.models.base import is_dask_array
from linreg.models.stats import Stats, compute_stats, merge_stats

__all__ = ["Engine", "EngineError", "connect", "dask_stats", "dask_tsqr_lstsq", "is_dask_array", "session",
           "table_arrays", "table_stats"]


def _block_stats(xb: np.ndarray, yb: np.ndarray, wb: np.ndarray | None, center: bool) -> Stats:
    """The statistics of one block, on the worker that holds it (float64, on its CPU)."""
    return compute_stats(np.asarray(xb, dtype=np.float64), np.asarray(yb, dtype=np.float64), dtype=torch.float64,
                         device=torch.device("cpu"), center=center, sample_weight=wb)


def _merge_in_order(parts: list) -> Any:
    """Pairwise merges in a fixed tree over block ids: ((0 1)(2 3))…, whatever computes them."""
    import dask

    return tree_merge(parts, dask.delayed(merge_stats))


def _table_block_stats(block: int, path: Any, dtype: str, device: str, to_host: bool) -> Stats:
    """The statistics of one block of a table, read and summarised where the task runs."""
    from linreg.device import resolve_device, resolve_dtype
    from linreg.io import read_xy

    X, y = read_xy(path, block)
    st = compute_stats(X, y, dtype=resolve_dtype(dtype), device=resolve_device(device))
    return st.to(torch.device("cpu")) if to_host else st


def table_stats(engine: Engine, path: Any, *, dtype: str, device: torch.device) -> Stats:
    """:class:`~linreg.models.stats.Stats` of a table's rows (features, then y), one pass over its blocks.

    Each block (row group) is read and summarised on a worker, on ``device`` there (a GPU on a
    ``dask-cuda`` worker), and the blocks merge in a fixed tree over block ids: the result does not
    depend on the number of workers. A table of one block gives exactly ``compute_stats`` of its rows.
    """
    from linreg.io import block_rows

    n_blocks = len(block_rows(path))
    remote = engine.client is not None
    parts = list(engine.map(_table_block_stats, range(n_blocks), path, dtype, str(device), remote))
    return tree_merge(parts, merge_stats).to(device)


def table_arrays(path: Any) -> tuple[Any, Any]:
    """A table as lazy Dask arrays X (n, p) and y (n,), one chunk per block (row group), read where computed.

    Nothing is read here but the footer; the estimators take these arrays as they take any Dask
    array (one blockwise pass for their statistics), on whichever scheduler is current.
    """
    import dask
    import dask.array as da

    from linreg.io import block_rows, read_xy, table_width

    rows, p = block_rows(path), table_width(path) - 1
    parts = [dask.delayed(read_xy, nout=2, pure=True)(path, b) for b in range(len(rows))]
    X = da.concatenate([da.from_delayed(xy[0], shape=(r, p), dtype=np.float64) for xy, r in zip(parts, rows)])
    y = da.concatenate([da.from_delayed(xy[1], shape=(r,), dtype=np.float64) for xy, r in zip(parts, rows)])
    return X, y


def dask_stats(X, y, *, center: bool = True, sample_weight=None) -> Stats:
    """:class:`~linreg.models.stats.Stats` of Dask arrays X (n, p) and y (n,), one pass, blockwise.

    X must be chunked along rows only (one chunk of columns); y (and ``sample_weight``) are
    rechunked to X's row blocks. Runs on the current Dask scheduler (a ``Client`` if one is
    active, else the threaded one).
    """
    import dask
    import dask.array as da

    if X.ndim != 2 or len(X.chunks[1]) != 1:
        raise ValueError(f"X must be a 2-D Dask array chunked along rows only (one column chunk), got chunks "
                         f"{X.chunks}: rechunk with X.rechunk({{1: -1}})")
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
