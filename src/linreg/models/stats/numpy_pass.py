"""The statistics pass on the CPU by NumPy (OpenBLAS): M = [X − s | 1 | y − t]ᵀ[X − s | 1 | y − t]."""

from __future__ import annotations

import threading

import numpy as np

from linreg.models._device import is_torch
from linreg.models.stats import blas


def host_array(a, dtype: np.dtype) -> np.ndarray:
    """``a`` (NumPy or a torch tensor) as a NumPy array of ``dtype`` on the host: a view when it already is one."""
    if is_torch(a):
        a = a.detach().cpu().numpy()
    return np.asarray(a, dtype=dtype)


@np.errstate(all="ignore")
def numpy_pass(
    X,
    y,
    sample_weight,
    shift_x: np.ndarray,
    shift_y: float,
    *,
    copy: bool,
    dtype: np.dtype,
    chunk_rows: int,
    step: int,
    workers: int = 1,
) -> np.ndarray:
    """The CPU pass by NumPy (``CPU_BLAS == "numpy"``): M = [X − s | 1 | y − t]ᵀ[X − s | 1 | y − t] (p + 2)².

    Each group of ``step`` rows gives its own partial M, its ``chunk_rows`` chunks multiplied in
    ``dtype`` and summed in float64 from zero; the partials are summed in the groups' order, so M is
    the same bits whether ``workers`` threads (``blas.map_in_order``, BLAS on one thread each) or one
    computed them. ``chunk.T @ chunk`` of one buffer is OpenBLAS's SYRK (half the arithmetic of a
    general product). Without the copy, [1 | y − t]ᵀX follows on each chunk of X while it is in
    cache, and the moments of [1 | y − t] come from one float64 sweep over y; with it (offset
    columns, weights), each group of rows is copied into [X − s | 1 | y − t] (rows times √wᵢ) and
    that is multiplied. Non-finite values raise no warning here: they show in the statistics, which
    the estimators check.

    No torch operation runs inside the loop: torch's worker threads and OpenBLAS's share the cores,
    and one small torch operation between two NumPy products doubled the time of the whole pass
    (docs/performance.md), each pool waiting on the other's.
    """
    n, p = X.shape
    shift = shift_x.astype(dtype)
    rows = min(n, step)
    scratch = threading.local() if workers > 1 else None  # a work buffer per thread, reused across its groups
    own: dict[str, np.ndarray] = {}  # the one buffer of a pass on this thread alone

    def group(start: int) -> np.ndarray:
        Mg = np.zeros((p + 2, p + 2))
        G, C = Mg[:p, :p], Mg[p:, :p]  # views: the blocks accumulate in place
        held = own if scratch is None else scratch.__dict__
        buf = held.get("buf")
        if buf is None:
            buf = held["buf"] = np.empty((rows, p + 2), dtype=dtype) if copy else np.ones((2, rows), dtype=dtype)
        xb = host_array(X[start : start + step], dtype)  # a view for a matching array, in any order
        yb = host_array(y[start : start + step], dtype)
        m = xb.shape[0]
        if copy:
            b = buf[:m]
            np.subtract(xb, shift, out=b[:, :p])
            b[:, p] = 1
            np.subtract(yb, dtype.type(shift_y), out=b[:, p + 1])
            if sample_weight is not None:
                b *= np.sqrt(host_array(sample_weight[start : start + step], dtype))[:, None]
            for c in range(0, m, chunk_rows):
                chunk = b[c : c + chunk_rows]
                Mg += chunk.T @ chunk
        else:
            t = buf[:, :m]
            np.subtract(yb, dtype.type(shift_y), out=t[1])  # t = [1 | y − t]ᵀ (2, m); its first row stays 1
            for c in range(0, m, chunk_rows):
                chunk = xb[c : c + chunk_rows]
                G += chunk.T @ chunk
                C += t[:, c : c + chunk_rows] @ chunk
        return Mg

    # NumPy's error state is per thread: the workers take this call's (nothing raised; see above).
    M = blas.sum_in_order(group if workers <= 1 else np.errstate(all="ignore")(group), n, step, workers)
    if not copy:
        # The moments of [1 | y − t] need no pass over X: one float64 sweep over y (pairwise sums).
        yc = host_array(y, np.dtype(np.float64)) - shift_y
        M[p, p], M[p, p + 1], M[p + 1, p + 1] = n, yc.sum(), yc @ yc
        M[p + 1, p] = M[p, p + 1]
        M[:p, p:] = M[p:, :p].T
    return M
