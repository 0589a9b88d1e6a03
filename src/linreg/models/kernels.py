"""The statistics pass as one fused CUDA kernel (Triton): every moment in a single read of X.

For each chunk of rows c the kernel computes the float32 moment matrix of the
augmented block A_c = [X_c − s | 1 | y_c − t]:

    M_c = A_cᵀ A_c    ((p + 2) × (p + 2): XᵀX, the column sums, Xᵀy, n, Σy, yᵀy at once)

loading each tile of X once, subtracting the shift s in registers and making
the ones and y columns on the fly. The partial matrices are summed in float64
on the host side, exactly like the batched products of the plain torch path
(same chunks, same float32 rounding per chunk, so the same error bound), but
with one read of X instead of two products and a shifted copy. The padding of
a p = 100 output to the 128-wide tile, wasted in a plain XᵀX, is where the
ones and y columns go: the fused pass costs what one XᵀX costs.

Products are true float32 (``input_precision="ieee"``: never TF32). Used for
float32 statistics on CUDA when Triton is importable; everything else takes
the torch path in ``stats.py``.
"""

from __future__ import annotations

import functools
import importlib.util

import torch


def available(device: torch.device, dtype: torch.dtype) -> bool:
    return device.type == "cuda" and dtype == torch.float32 and importlib.util.find_spec("triton") is not None


@functools.cache
def _compiled():
    import triton
    import triton.language as tl

    @triton.jit
    def augmented(X, rows, live, cols, s, yv, p, stride_x, SHIFT: tl.constexpr):
        """The (BLOCK_K, BLOCK_P) tile of [X − s | 1 | y − t] at these rows and columns (zeros outside)."""
        inside = live[:, None] & (cols[None, :] < p)
        x = tl.load(X + rows[:, None] * stride_x + cols[None, :], mask=inside, other=0.0)
        if SHIFT:
            x = tl.where(inside, x - s[None, :], 0.0)
        one = tl.where(live, 1.0, 0.0)
        x = tl.where(cols[None, :] == p, one[:, None], x)
        return tl.where(cols[None, :] == p + 1, yv[:, None], x)

    @triton.jit
    def moments(X, Y, S, out, n, p, stride_x, t, chunk_rows, width,
                BLOCK_P: tl.constexpr, BLOCK_K: tl.constexpr, SHIFT: tl.constexpr):
        c = tl.program_id(0)
        cols_i = tl.program_id(1) * BLOCK_P + tl.arange(0, BLOCK_P)
        cols_j = tl.program_id(2) * BLOCK_P + tl.arange(0, BLOCK_P)
        s_i = tl.load(S + cols_i, mask=cols_i < p, other=0.0)
        s_j = tl.load(S + cols_j, mask=cols_j < p, other=0.0)
        acc = tl.zeros((BLOCK_P, BLOCK_P), dtype=tl.float32)
        first = c.to(tl.int64) * chunk_rows
        for k in range(0, chunk_rows, BLOCK_K):
            rows = first + k + tl.arange(0, BLOCK_K)
            live = rows < n
            yv = tl.where(live, tl.load(Y + rows, mask=live, other=0.0) - t, 0.0)
            a = augmented(X, rows, live, cols_i, s_i, yv, p, stride_x, SHIFT)
            b = augmented(X, rows, live, cols_j, s_j, yv, p, stride_x, SHIFT)
            acc += tl.dot(tl.trans(a), b, input_precision="ieee")
        dest = out + c.to(tl.int64) * width * width + cols_i[:, None] * width + cols_j[None, :]
        tl.store(dest, acc)

    return moments


def fused_moments(X: torch.Tensor, y: torch.Tensor, shift_x: torch.Tensor, shift_y: float,
                  chunk_rows: int) -> torch.Tensor:
    """Σ_c A_cᵀA_c for A = [X − shift_x | 1 | y − shift_y], float32 per chunk, summed in float64: (p+2, p+2)."""
    n, p = X.shape
    X, y = X.contiguous(), y.contiguous()
    block_p = 128 if p + 2 > 64 else max(16, 1 << (p + 1).bit_length())
    tiles = -(-(p + 2) // block_p)
    width = tiles * block_p
    chunks = -(-n // chunk_rows)
    out = torch.empty(chunks, width, width, dtype=torch.float32, device=X.device)
    shift = shift_x.to(device=X.device, dtype=torch.float32).contiguous()
    _compiled()[(chunks, tiles, tiles)](
        X, y, shift, out, n, p, X.stride(0), float(shift_y), chunk_rows, width,
        BLOCK_P=block_p, BLOCK_K=32, SHIFT=bool((shift != 0).any()), num_warps=8, num_stages=3)
    return out.sum(0, dtype=torch.float64)[: p + 2, : p + 2]
