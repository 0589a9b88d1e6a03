"""How one statistics pass will run, decided before it reads more than its first chunk.

``plan_pass()`` makes every decision ``compute_stats()`` acts on —
the shift that protects against cancellation, whether the rows are copied into
[X − s | 1 | y − t], how many rows go into each product and each group, which library
multiplies and on how many threads — and returns them as one ``Plan``, so the
passes themselves only do arithmetic, and a test can ask what was chosen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from linreg.models._limits import UNDERFLOW_SCALE
from linreg.models.stats import blas
from linreg.models.stats.numpy_pass import host_array

CPU_BLOCK_ROWS = 4096  # rows per block (and per partial product) on the CPU
GROUP_BLOCKS = 16  # CPU blocks per group (per conversion of X and y, a view for matching arrays; per batched product)
COPY_GROUP_BLOCKS = 8  # CPU blocks per group of the shifted copy [X − s | 1 | y − t]
GROUP_BYTES = 64 * 2**20  # at most this much of X (or of its copy) per group: small for any p
DEVICE_BLOCK_ROWS = 2**20  # rows per block on a GPU: one batched product of 128 chunks


@dataclass(frozen=True)
class Plan:
    """The decisions of one pass over an n × p design."""

    shift_x: np.ndarray  # (p,) subtracted from X's rows (zeros: no shift)
    shift_y: float  # subtracted from y
    copy: bool  # rows are copied into [X − s | 1 | y − t] (offset columns, weights, a GPU)
    chunk_rows: int  # rows per partial product (summed in float64)
    step: int  # rows per group: converted, copied and multiplied together
    backend: str  # "numpy" (OpenBLAS) or "torch"
    threaded: bool  # NumPy's pass may multiply groups on every BLAS thread's worth of threads (blas.row_workers)
    underflow: bool  # some column varies on a scale whose squares underflow float64


_EPS = float(np.finfo(np.float64).eps)  # u = eps / 2


def _plainly_clear(first: np.ndarray, center: bool) -> bool:
    """Whether no column of ``first`` (m, p) needs a shift (|mean| > std) or may underflow (rms < scale),
    decided from BLAS sums with a margin that no rounding of either computation crosses.

    a = mean and b = mean of squares come with errors below m·ε·b (ε = 2⁻⁵²), and so does var = b − a²;
    NumPy's mean and std in ``plan_pass`` are as accurate. Where a² < var − 64·m·ε·b, no column has
    |mean| > std by either computation, and var ≥ 4·scale² gives std ≥ scale. Anything closer, not
    finite, or offset takes the exact path (the same plan on 6,000 random designs, shifted,
    underflowing, with NaN, C and F order). At 442 × 10 the plan takes 28 µs instead of 40.
    """
    m = first.shape[0]
    a = (np.ones(m) @ first) / m  # (p,)
    b = np.einsum("ij,ij->j", first, first) / m  # (p,)
    floor = 4.0 * UNDERFLOW_SCALE**2
    if not center:  # no shift without centring; the raw rms decides the underflow search
        return bool((b >= floor).all())
    a2 = a * a
    var = b - a2
    return bool(((a2 < var - (64.0 * m * _EPS) * b) & (var >= floor)).all())


def plan_pass(
    X,
    y,
    *,
    dtype: np.dtype,
    device,
    center: bool,
    weighted: bool,
    chunk_rows: int,
    block_rows: int | None,
) -> Plan:
    """The ``Plan`` for X (n, p), y (n,), read from the first chunk only.

    * Columns whose |mean| exceeds their spread would cancel catastrophically in
      XᵀX − n x̄x̄ᵀ, so each block is shifted by the first chunk's means while it is
      copied into [X − s | 1 | y − t]. Otherwise (e.g. standardized data) the
      cancellation costs at most a factor 1 + mean²/var ≤ 2, under one bit, and the
      copy is skipped.
    * On a GPU the copy is always made (s = 0 when no column needs shifting): one
      batched product of the augmented block is faster there than two products.
    * Sample weights always take the copy path (each row times √wᵢ).
    * ``block_rows`` defaults to one chunk on the CPU and ``DEVICE_BLOCK_ROWS`` elsewhere.
    """
    n, p = X.shape
    if block_rows is None and device.type == "cpu":
        # Blocks of one chunk each, multiplied a group at a time in batched products.
        chunk_rows = block_rows = min(chunk_rows, CPU_BLOCK_ROWS)
    elif block_rows is None:
        block_rows = DEVICE_BLOCK_ROWS
    # The first chunk, in NumPy on the host (no torch threads started before a NumPy pass: see numpy_pass).
    first = host_array(X[: min(n, chunk_rows)], np.dtype(np.float64))
    first_y = host_array(y[: min(n, chunk_rows)], np.dtype(np.float64))
    m = first.shape[0]
    with np.errstate(all="ignore"):  # NaN and inf show in the statistics, which the estimators check
        mean_y = np.add.reduce(first_y) / m  # first_y.mean(), the same bits without the wrapper's cost
        spread_y = float(np.abs(first_y - mean_y if center else first_y).max())
        if _plainly_clear(first, center):
            offset, spread_x = np.zeros(p, dtype=bool), np.zeros(0)
        else:
            # first.mean(0) and first.std(0), the same bits (NumPy's _mean and _var: these sums, these
            # divisions) without their wrappers' cost, and the mean reused for the std
            mean = np.add.reduce(first, axis=0) / m
            dev = first - mean  # (m, p)
            std = np.sqrt(np.add.reduce(dev * dev, axis=0) / m)
            offset = np.abs(mean) > std  # columns whose mean dwarfs their spread
            # Columns (or y) that vary only on a scale below ~1e-140: their squares are subnormal or zero
            # in float64, so XᵀX cannot hold them (X of order 1e-300 gives XᵀX = 0). Flagged, not fixed
            # here: the exact OLS solver works on X itself; the other estimators refuse
            # (LinearModel._stats). A column's largest |value| is at least its root mean square, so only
            # columns whose rms is below the scale (or not finite) are searched for their largest.
            base = dev if center else first
            rms = std if center else np.sqrt(np.add.reduce(first * first, axis=0) / m)
            search = ~(rms >= UNDERFLOW_SCALE)
            spread_x = np.abs(base[:, search]).max(0) if search.any() else rms[:0]
    shift_x = mean if center and offset.any() else np.zeros(p)
    copy = bool(shift_x.any()) or device.type != "cpu" or weighted

    block_rows = max(chunk_rows, -(-block_rows // chunk_rows) * chunk_rows)  # whole chunks per block
    # Rows per group: converted (a view, for matching NumPy arrays in C or Fortran order: a DataFrame's
    # values are Fortran order, and copying them into C order cost as much as the products at p = 20),
    # shifted or weighted when copied, and multiplied together.
    width, blocks = (p + 2, COPY_GROUP_BLOCKS if device.type == "cpu" else 1) if copy else (p, GROUP_BLOCKS)
    step = block_rows * max(1, min(blocks, GROUP_BYTES // (block_rows * width * dtype.itemsize)))
    backend = "numpy" if device.type == "cpu" and blas.cpu_pass(n, p) == "numpy" else "torch"  # device: HOST or torch
    return Plan(
        shift_x=shift_x,
        shift_y=float(mean_y) if center else 0.0,
        copy=copy,
        chunk_rows=chunk_rows,
        step=step,
        backend=backend,
        threaded=blas.numpy_threaded(n, p),
        underflow=bool(((spread_x > 0) & (spread_x < UNDERFLOW_SCALE)).any()) or 0 < spread_y < UNDERFLOW_SCALE,
    )
