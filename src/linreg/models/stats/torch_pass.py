"""The statistics pass by torch: on a GPU, or on the CPU where torch multiplies with MKL.

Products are formed per chunk of ``CHUNK_ROWS`` rows in the working dtype and summed in
float64, so in float32 the rounding of each partial product grows like √CHUNK_ROWS·u, not √n·u.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from linreg.models._device import as_device, as_torch_dtype, torch_module
from linreg.models.stats.blas import full_float32_matmul
from linreg.models.stats.moments import as_tensor

if TYPE_CHECKING:
    import torch

CHUNK_ROWS = 8192  # rows per partial product: cache-sized for p ≈ 100, near-peak GEMM speed
# From this width torch on the CPU forms a Gram matrix from its lower triangle's products only (3/4 of
# the arithmetic); below it the panels gain nothing (docs/performance.md).
PANEL_GRAM_MIN_P = 96


def strided_view(a: Any, dtype: torch.dtype, device: torch.device) -> torch.Tensor | None:
    """``a`` as a tensor without a copy, in any row or column order (BLAS takes either), or None if that
    needs a conversion (another dtype or device, negative or unaligned strides)."""
    torch = torch_module()
    if isinstance(a, torch.Tensor):
        return a if a.dtype == dtype and a.device.type == device.type else None
    if (
        device.type != "cpu"
        or a.dtype != torch.empty(0, dtype=dtype).numpy().dtype
        or any(st <= 0 or st % a.itemsize for st in a.strides)
    ):
        return None
    with warnings.catch_warnings():  # read-only arrays (memmaps) are only ever read here
        warnings.simplefilter("ignore", UserWarning)
        return torch.from_numpy(a)


def chunked_product(A: torch.Tensor, B: torch.Tensor, chunk_rows: int = CHUNK_ROWS) -> torch.Tensor:
    """Σ over row chunks c of A_cᵀB_c, each product in A's dtype, summed in float64.

    Full chunks go through one batched product (one kernel on a GPU); the
    remainder is one more product.
    """
    torch = torch_module()
    m = A.shape[0]
    k = m // chunk_rows
    out = torch.zeros(A.shape[1], B.shape[1], dtype=torch.float64, device=A.device)
    if k == 1:
        out += (A[:chunk_rows].T @ B[:chunk_rows]).double()
    elif k > 1:
        Ak = A[: k * chunk_rows].reshape(k, chunk_rows, A.shape[1])
        Bk = B[: k * chunk_rows].reshape(k, chunk_rows, B.shape[1])
        out += torch.bmm(Ak.transpose(1, 2), Bk).sum(0, dtype=torch.float64)
    if m > k * chunk_rows:
        out += (A[k * chunk_rows :].T @ B[k * chunk_rows :]).double()
    return out


def gram_product(A: torch.Tensor, chunk_rows: int = CHUNK_ROWS) -> torch.Tensor:
    """``chunked_product(A, A)``, forming only the lower triangle's products when A is wide.

    With A = [A₁ A₂] split at h = p // 2: G[:, :h] = AᵀA₁ and G[h:, h:] = A₂ᵀA₂ are
    computed (3/4 of the products of AᵀA), and G[:h, h:] = G[h:, :h]ᵀ is copied.
    The column panels are strided views of A: no copy is made here.
    """
    torch = torch_module()
    p = A.shape[1]
    if p < PANEL_GRAM_MIN_P:
        return chunked_product(A, A, chunk_rows)
    h = p // 2
    out = torch.empty(p, p, dtype=torch.float64, device=A.device)
    out[:, :h] = chunked_product(A, A[:, :h], chunk_rows)
    out[h:, h:] = chunked_product(A[:, h:], A[:, h:], chunk_rows)
    out[:h, h:] = out[h:, :h].T
    return out


def torch_pass(
    X,
    y,
    sample_weight,
    shift_x: np.ndarray,
    shift_y: float,
    *,
    copy: bool,
    dtype: torch.dtype,
    device: torch.device,
    chunk_rows: int,
    step: int,
) -> torch.Tensor:
    """The pass by torch, on a GPU or on the CPU (``CPU_BLAS == "torch"``): M as ``numpy_pass()``.

    [X − s | 1 | y − t] (m, p + 2) is the copy; without it just [1 | y − t] is stored transposed,
    (2, m): the thin product [1 | y − t]ᵀX then reads X row-major, the faster order. Each group of
    rows is one or two batched products (``chunked_product``; on the CPU ``gram_product``'s
    panels): one batched product gives each thread whole blocks to multiply instead of splitting
    every block across the threads and synchronising them after each. With the copy, the CPU fills
    a group of blocks of [X − s | 1 | y − t] and multiplies them in one batched product; a GPU's
    block is large already. The measurements behind each choice: docs/performance.md.
    """
    torch = torch_module()
    dtype, device = as_torch_dtype(dtype), as_device(device)
    n, p = X.shape
    sx, sy = torch.from_numpy(shift_x).to(dtype=dtype, device=device), torch.tensor(shift_y, dtype=dtype, device=device)
    M = torch.zeros(p + 2, p + 2, dtype=torch.float64, device=device)
    view = None if copy else strided_view(X, dtype, device)
    buf = (
        torch.empty(min(n, step), p + 2, dtype=dtype, device=device)
        if copy
        else torch.ones(2, min(n, step), dtype=dtype, device=device)
    )
    G = torch.zeros(p, p, dtype=torch.float64, device=device)  # contiguous accumulators without the copy
    C = torch.zeros(2, p, dtype=torch.float64, device=device)
    with full_float32_matmul():
        for start in range(0, n, step):
            xb = view[start : start + step] if view is not None else as_tensor(X[start : start + step], dtype, device)
            yb = as_tensor(y[start : start + step], dtype, device)
            m = xb.shape[0]
            if copy:
                b = buf[:m]
                torch.sub(yb, sy, out=b[:, -1])
                b[:, -2] = 1
                torch.sub(xb, sx, out=b[:, :p])
                if sample_weight is not None:
                    b.mul_(torch.sqrt(as_tensor(sample_weight[start : start + step], dtype, device))[:, None])
                # moments of [X − s | 1 | y − t]; a GPU keeps one batched product of the whole block, as
                # measured there (benchmarks/stats_kernels.py): the panels were timed on the CPU only
                M += gram_product(b, chunk_rows) if device.type == "cpu" else chunked_product(b, b, chunk_rows)
            else:
                torch.sub(yb, sy, out=buf[1, :m])  # buf = [1 | y − t]ᵀ (2, m); its first row stays 1
                G += gram_product(xb, chunk_rows)
                C += chunked_product(buf[:, :m].T, xb, chunk_rows)
    if not copy:
        # The moments of [1 | y − t] need no pass over X: one float64 sweep over y (pairwise sums).
        yc = as_tensor(y, torch.float64, device) - shift_y
        M[:p, :p], M[p:, :p], M[:p, p:] = G, C, C.T
        M[p, p], M[p, p + 1], M[p + 1, p + 1] = n, yc.sum(), yc @ yc
        M[p + 1, p] = M[p, p + 1]
    return M
