"""Sufficient statistics of a linear least-squares problem, in one pass over the data.

When n ≫ p every closed form, regularization path and full-batch gradient step
needs only XᵀX, Xᵀy, the column sums and yᵀy. ``compute_stats()`` accumulates
them block by block, so memory never holds a second copy of X (and X may live on
the host while the arithmetic runs on a GPU). The work is split by concern:

* ``moments`` — the ``Stats`` object, merging, held-out error;
* ``plan`` — the decisions of one pass (shift, copy, group sizes, library, threads);
* ``numpy_pass`` and ``torch_pass`` — the two implementations of the same pass
  (NumPy/OpenBLAS on most CPUs and for small passes, torch on GPUs and for large passes on Intel CPUs with MKL);
* ``sparse_pass`` — scipy.sparse X, centring implicit;
* ``blas`` — which BLAS, how many threads, no TF32.

Accuracy: ``XᵀX − n x̄x̄ᵀ`` cancels catastrophically when means dwarf spreads.
Each block is therefore shifted by the first chunk's means while it is copied
into the work buffer, and the exact remaining correction ``n d dᵀ`` uses the small
difference ``d`` between the true means and that shift.

The p×p statistics come back on the host when p ≤ ``HOST_ALGEBRA_MAX_P``: the
solves, paths and descents that follow are O(p³) or O(p²) per iteration, and at
that size a GPU spends longer launching and synchronizing kernels than the
arithmetic takes. The O(np²) pass is the part that runs on the device.
"""

from __future__ import annotations

from typing import Any

from scipy import sparse

from linreg.models._device import HOST, as_device, as_numpy_dtype, is_host, is_torch, namespace, torch_module
from linreg.models.stats import blas
from linreg.models.stats.blas import CPU_BLAS_ENV, cpu_pass, default_cpu_blas, full_float32_matmul, one_blas_thread
from linreg.models.stats.moments import Stats, as_tensor, held_out_sse, merge_stats
from linreg.models.stats.numpy_pass import numpy_pass
from linreg.models.stats.plan import Plan, plan_pass
from linreg.models.stats.sparse_pass import sparse_stats
from linreg.models.stats.torch_pass import CHUNK_ROWS, PANEL_GRAM_MIN_P, chunked_product, gram_product, torch_pass

__all__ = [
    "CHUNK_ROWS",
    "CPU_BLAS_ENV",
    "HOST_ALGEBRA_MAX_P",
    "PANEL_GRAM_MIN_P",
    "Plan",
    "Stats",
    "algebra_device",
    "as_tensor",
    "blas",
    "chunked_product",
    "compute_stats",
    "cpu_pass",
    "default_cpu_blas",
    "full_float32_matmul",
    "gram_product",
    "held_out_sse",
    "merge_stats",
    "one_blas_thread",
    "plan_pass",
    "sparse_stats",
]

HOST_ALGEBRA_MAX_P = 512  # p×p work for p up to this runs on the host (see the module docstring)


def algebra_device(p: int, device):
    """Where the p×p work after the statistics pass runs: the host for small p, else ``device``."""
    return HOST if p <= HOST_ALGEBRA_MAX_P else device


def compute_stats(
    X,
    y,
    *,
    dtype,
    device,
    center: bool = True,
    sample_weight=None,
    chunk_rows: int = CHUNK_ROWS,
    block_rows: int | None = None,
) -> Stats:
    """The ``Stats`` of (X, y): XᵀX, Xᵀ[1 | y − t] and the y moments block by block, then un-shifted.

    Parameters
    ----------
    X : ndarray, torch.Tensor or scipy.sparse matrix of shape (n_samples, n_features)
        The design, on the host or on ``device``; read block by block, never copied whole.
    y : ndarray or torch.Tensor of shape (n_samples,)
        The target.
    dtype : NumPy dtype, its name or torch.dtype
        The dtype the products run in (float32 for speed, if so asked; never TF32). Their sum is
        accumulated in float64, so rounding does not grow with n.
    device : ``linreg.models._device.HOST``, "cpu" or a torch.device
        Where the products run.
    center : bool, default=True
        Centre on the means (an intercept will be fitted); else raw moments.
    sample_weight : array of shape (n_samples,), default=None
        Non-negative row weights: every sum is weighted and ``n = Σ wᵢ``. A zero weight is the
        same as leaving the row out.
    chunk_rows, block_rows : int
        Rows per partial product, and per block (default: one chunk on the CPU, 2²⁰ rows on a GPU).

    Returns
    -------
    Stats
        float64, on the host for p ≤ ``HOST_ALGEBRA_MAX_P``, else on ``device``: NumPy arrays for
        NumPy or sparse X on the CPU with NumPy's pass (torch is not imported), else torch tensors.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0], [2.0], [3.0]]); y = np.array([2.0, 4.0, 6.0])
    >>> st = compute_stats(X, y, dtype="float64", device="cpu")
    >>> st.n, float(st.x_mean[0]), float(st.gram[0, 0]), float(st.xty[0])
    (3, 2.0, 2.0, 4.0)
    """
    n, p = X.shape
    if n == 0:
        raise ValueError("cannot compute statistics of zero rows")
    if isinstance(device, str):
        device = HOST if device == "cpu" else torch_module().device(device)
    if sparse.issparse(X):
        return sparse_stats(X, y, center=center, sample_weight=sample_weight).to(algebra_device(p, device))
    np_dtype = as_numpy_dtype(dtype)
    plan = plan_pass(
        X,
        y,
        dtype=np_dtype,
        device=device,
        center=center,
        weighted=sample_weight is not None,
        chunk_rows=chunk_rows,
        block_rows=block_rows,
    )
    args = (X, y, sample_weight, plan.shift_x, plan.shift_y)
    # The statistics are torch tensors when torch is in play already (torch input, a GPU, torch's CPU pass).
    as_torch = is_torch(X) or is_torch(y) or is_torch(sample_weight) or not is_host(device)
    M: Any  # (p + 2, p + 2): NumPy from NumPy's pass, else a tensor
    if plan.backend == "numpy":
        with blas.row_workers(plan.threaded) as workers:
            M = numpy_pass(
                *args, copy=plan.copy, dtype=np_dtype, chunk_rows=plan.chunk_rows, step=plan.step, workers=workers
            )
        shift_x = plan.shift_x
        if as_torch:
            torch, dev = torch_module(), as_device(device)
            M, shift_x = torch.from_numpy(M).to(dev), torch.from_numpy(shift_x).to(dev)
    else:
        M = torch_pass(*args, copy=plan.copy, dtype=dtype, device=device, chunk_rows=plan.chunk_rows, step=plan.step)
        shift_x = torch_module().from_numpy(plan.shift_x).to(M.device)

    total = float(M[p, p]) if sample_weight is not None else n  # Σ wᵢ
    if total <= 0:
        raise ValueError("sample_weight sums to zero: no row carries any weight")
    d = M[:p, p] / total  # x̄ − shift   (p,)
    e = M[p + 1, p] / total  # ȳ − shift
    if not center:
        xp = namespace(M)
        d, e = xp.zeros_like(d), xp.zeros_like(xp.asarray(e))
    gram = M[:p, :p] - total * (d[:, None] * d[None, :])
    xty = M[:p, p + 1] - total * d * e
    yty = M[p + 1, p + 1] - total * e * e
    gram = (gram + gram.T) / 2  # exactly symmetric for the eigen-solvers
    stats = Stats(
        n=total,
        x_mean=shift_x + d,
        y_mean=plan.shift_y + e,
        gram=gram,
        xty=xty,
        yty=yty,
        center=center,
        rows=n,
        underflow=plan.underflow,
    )
    return stats.to(algebra_device(p, device))
