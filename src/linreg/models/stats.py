"""Sufficient statistics of a linear least-squares problem, in one pass over the data.

When n ≫ p every closed form, regularization path and full-batch gradient step
needs only XᵀX, Xᵀy, the column sums and yᵀy. They are accumulated here block
by block, so memory never holds a second copy of X (and X may live on the host
while the arithmetic runs on a GPU).

Accuracy: ``XᵀX − n x̄x̄ᵀ`` cancels catastrophically when means dwarf spreads.
Each block is therefore shifted by the first chunk's means while it is copied
into the work buffer (the copy is needed anyway to append the ones and y
columns), and the exact remaining correction ``n d dᵀ`` uses the small
difference ``d`` between the true means and that shift.

Products are formed per chunk of ``CHUNK_ROWS`` rows in the working dtype and
summed in float64, so in float32 the rounding of each partial product grows
like √CHUNK_ROWS·u, not √n·u. Two implementations of the same pass, one per
library that multiplies (``CPU_BLAS``, chosen by :func:`default_cpu_blas`):

* NumPy (:func:`_numpy_pass`, the CPU except Intel with MKL): each chunk's XᵀX
  is OpenBLAS's symmetric rank-k update (SYRK, half the arithmetic of a general
  product), followed by the chunk's thin product while it is in cache;
* torch (:func:`_torch_pass`, GPUs, and Intel CPUs where torch multiplies with
  MKL): chunks are multiplied in batched products, on the CPU a group of
  cache-sized blocks at a time (each thread takes whole blocks; a wide XᵀX from
  its lower triangle's products only, ``gram_product``), on a GPU a block of
  many chunks, so the whole pass is a handful of kernel launches.

The p×p statistics come back on the host when p ≤ ``HOST_ALGEBRA_MAX_P``: the
solves, paths and descents that follow are O(p³) or O(p²) per iteration, and at
that size a GPU spends longer launching and synchronizing kernels than the
arithmetic takes. The O(np²) pass is the part that runs on the device.
"""

from __future__ import annotations

import functools
import os
import platform
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace

import numpy as np
import torch
from scipy import sparse

CHUNK_ROWS = 8192  # rows per partial product: cache-sized for p ≈ 100, near-peak GEMM speed (measured)
CPU_BLOCK_ROWS = 4096  # rows per block (and per partial product) on the CPU
GROUP_BLOCKS = 16  # CPU blocks per group (per conversion of X and y, a view for matching arrays; per batched product)
COPY_GROUP_BLOCKS = 8  # CPU blocks per group of the shifted copy [X − s | 1 | y − t]
GROUP_BYTES = 64 * 2**20  # at most this much of X (or of its copy) per group: small for any p
# From this width torch on the CPU forms a Gram matrix from its lower triangle's products only, in two column
# panels (3/4 of the arithmetic): 0.87–0.92× the time of the full product at p = 100–400, no gain at
# p = 32–64 (median ratios over 10–40 paired runs, 2-core Xeon). A true SYRK does half, but OpenBLAS's (behind
# NumPy) took 1.35–1.9× torch's full MKL product on that Intel CPU; elsewhere it is the faster (default_cpu_blas).
PANEL_GRAM_MIN_P = 96
CPU_BLAS_ENV = "LINREG_CPU_BLAS"  # "numpy" or "torch": overrides default_cpu_blas()'s choice by CPU
# The NumPy pass lets OpenBLAS use its threads only for a wide, large problem. OpenBLAS's threads spin for
# a while after each product, and the next threaded torch operation (a Cholesky of the p×p statistics)
# waited for them: 6–7 ms each time, on 2 cores. On one thread the pass has no such wait and small widths
# run faster anyway (fit with its Cholesky, one thread against OpenBLAS's two: n = 2·10⁴, p = 20: 0.61
# against 7.2 ms; 10⁵ × 20: 5.8 / 8.0; 2·10⁵ × 50: 23 / 27; 10⁶ × 20: 32 / 49; but 10⁵ × 100: 44 / 30 and
# 10⁶ × 100: 334 / 201 ms). The products are the same bits on one thread or two (OpenBLAS splits the output,
# not the sums: checked at each of those sizes).
NUMPY_THREADED_MIN_P = 64
NUMPY_THREADED_MIN_WORK = 5e8  # n·p²
DEVICE_BLOCK_ROWS = 2**20  # rows per block on a GPU: one batched product of 128 chunks
UNDERFLOW_SCALE = 1e-140  # a column varying less than this has squares near float64's subnormal range
HOST_ALGEBRA_MAX_P = 512  # p×p work for p up to this runs on the host (see the module docstring)


@dataclass(frozen=True)
class Stats:
    """Centered second moments of (X, y); all tensors float64 on one device.

    ``gram = X_cᵀX_c`` (p, p), ``xty = X_cᵀy_c`` (p,), ``yty = y_cᵀy_c``, where
    ``X_c = X − x_mean`` and ``y_c = y − y_mean`` (no centering when the
    statistics were computed with ``center=False``: then the means are zero).
    With sample weights wᵢ every sum is weighted (``gram = Σ wᵢ x_cᵢ x_cᵢᵀ``,
    the means are weighted means) and ``n = Σ wᵢ``; ``rows`` is the row count.
    """

    n: float  # Σ wᵢ: the row count when unweighted
    x_mean: torch.Tensor  # (p,)
    y_mean: torch.Tensor  # ()
    gram: torch.Tensor  # (p, p)
    xty: torch.Tensor  # (p,)
    yty: torch.Tensor  # ()
    center: bool = True  # centred on the means (an intercept is fitted), or raw moments
    rows: int = -1  # rows the statistics summarise (-1: same as n)
    underflow: bool = False  # some column varies on a scale whose squares underflow float64 (see compute_stats)

    def __post_init__(self) -> None:
        if self.rows < 0:
            object.__setattr__(self, "rows", int(self.n))

    @property
    def p(self) -> int:
        return self.gram.shape[0]

    @property
    def device(self) -> torch.device:
        return self.gram.device

    def to(self, device: torch.device) -> Stats:
        return replace(self, x_mean=self.x_mean.to(device), y_mean=self.y_mean.to(device),
                       gram=self.gram.to(device), xty=self.xty.to(device), yty=self.yty.to(device))

    def all_finite(self) -> bool:
        return bool(torch.isfinite(self.gram).all() and torch.isfinite(self.xty).all()
                    and torch.isfinite(self.yty) and torch.isfinite(self.y_mean))

    def sse(self, coef: torch.Tensor, intercept: torch.Tensor | float) -> torch.Tensor:
        """Σ (y − b − Xw)² for these rows, from the statistics alone (no pass over X).

        With residual mean e = ȳ − b − x̄ᵀw:  SSE = y_cᵀy_c − 2wᵀX_cᵀy_c + wᵀX_cᵀX_c w + n e².
        """
        coef = coef.to(self.gram)
        if isinstance(intercept, torch.Tensor):
            intercept = intercept.to(self.gram)
        e = self.y_mean - intercept - self.x_mean @ coef
        return self.yty - 2 * coef @ self.xty + coef @ self.gram @ coef + self.n * e**2


def merge_stats(a: Stats, b: Stats) -> Stats:
    """The statistics of two disjoint sets of rows together (Chan, Golub & LeVeque's pairwise update).

    With δ = x̄_b − x̄_a (and likewise for y) and f = n_a n_b / (n_a + n_b):
    G = G_a + G_b + f δδᵀ, c = c_a + c_b + f δ_x δ_y, yᵀy = … + f δ_y²; the means
    move by δ n_b / n. Centred moments are merged, never raw XᵀX, so means far
    from zero cost no digits. Raw (``center=False``) statistics simply add.
    """
    if a.center != b.center or a.p != b.p:
        raise ValueError("can only merge statistics of the same kind (centring) and width")
    b = b.to(a.device)
    n = a.n + b.n
    if not a.center:
        return replace(a, n=n, gram=a.gram + b.gram, xty=a.xty + b.xty, yty=a.yty + b.yty, rows=a.rows + b.rows,
                       underflow=a.underflow or b.underflow)
    dx, dy = b.x_mean - a.x_mean, b.y_mean - a.y_mean
    f = a.n * b.n / n
    return Stats(n=n, x_mean=a.x_mean + dx * (b.n / n), y_mean=a.y_mean + dy * (b.n / n),
                 gram=a.gram + b.gram + f * torch.outer(dx, dx), xty=a.xty + b.xty + f * dx * dy,
                 yty=a.yty + b.yty + f * dy * dy, center=True, rows=a.rows + b.rows,
                 underflow=a.underflow or b.underflow)


def held_out_sse(coefs: torch.Tensor, intercepts: torch.Tensor, st: Stats) -> torch.Tensor:
    """Σ wᵢ (yᵢ − b_k − xᵢᵀw_k)² over the rows ``st`` summarises, for K fits at once, with no pass over them.

    With e_k = ȳ − b_k − x̄ᵀw_k: SSE_k = y_cᵀy_c − 2w_kᵀX_cᵀy_c + w_kᵀX_cᵀX_c w_k + n e_k².
    """
    W = coefs.to(st.gram)  # (K, p)
    e = st.y_mean - intercepts.to(W) - W @ st.x_mean  # (K,) mean residuals
    return st.yty - 2 * W @ st.xty + ((W @ st.gram) * W).sum(1) + st.n * e**2


def as_tensor(a: np.ndarray | torch.Tensor, dtype: torch.dtype, device: torch.device | None = None) -> torch.Tensor:
    """A tensor view of ``a`` when possible (no copy for matching NumPy arrays on the CPU)."""
    if isinstance(a, np.ndarray):
        with warnings.catch_warnings():  # read-only arrays (memmaps) are only ever read here
            warnings.simplefilter("ignore", UserWarning)
            t = torch.from_numpy(np.ascontiguousarray(a))
    else:
        t = a
    return t.to(dtype=dtype, device=device if device is not None else t.device)


@contextmanager
def full_float32_matmul() -> Iterator[None]:
    """Products in true float32 (no TF32 on NVIDIA matrix units) while inside, whatever the global setting.

    TF32 keeps 10 mantissa bits: a Gram matrix formed with it is good to ~1e-3,
    which no conditioning check could make up for.
    """
    previous = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision("highest")
    try:
        yield
    finally:
        torch.set_float32_matmul_precision(previous)


def _strided_view(a: np.ndarray | torch.Tensor, dtype: torch.dtype, device: torch.device) -> torch.Tensor | None:
    """``a`` as a tensor without a copy, in any row or column order (BLAS takes either), or None if that
    needs a conversion (another dtype or device, negative or unaligned strides)."""
    if isinstance(a, torch.Tensor):
        return a if a.dtype == dtype and a.device.type == device.type else None
    if (device.type != "cpu" or a.dtype != torch.empty(0, dtype=dtype).numpy().dtype
            or any(st <= 0 or st % a.itemsize for st in a.strides)):
        return None
    with warnings.catch_warnings():  # read-only arrays (memmaps) are only ever read here
        warnings.simplefilter("ignore", UserWarning)
        return torch.from_numpy(a)


def _cpu_vendor() -> str:
    """The CPU's vendor string where the platform says it (``GenuineIntel``, ``AuthenticAMD``, …), else ''."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("vendor_id"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    if platform.system() == "Darwin" and platform.machine() == "x86_64":
        return "GenuineIntel"  # every x86 Mac
    return "GenuineIntel" if "GenuineIntel" in platform.processor() else ""  # Windows names it here


def default_cpu_blas() -> str:
    """Which library multiplies the statistics pass on the CPU: ``"torch"`` or ``"numpy"``.

    torch's x86 wheels multiply with MKL, NumPy's with OpenBLAS. MKL's kernels are Intel's own: on an
    Intel CPU its full XᵀX product beat OpenBLAS's symmetric one (SYRK, half the arithmetic), which took
    1.35–1.9× as long (2-core Xeon VM). Elsewhere MKL falls behind: on a 2-core AMD EPYC (Zen 5) VM, torch's
    XᵀX took 0.27–0.33 s where NumPy's SYRK took 0.16–0.25 s (n = 10⁶, p = 100, float64). So torch on Intel
    with MKL, NumPy everywhere else; the environment variable ``LINREG_CPU_BLAS`` overrides the choice.
    Either way the statistics are the same sums to rounding (the tests hold both to NumPy's moments).
    """
    choice = os.environ.get(CPU_BLAS_ENV, "").strip().lower()
    if choice:
        if choice not in ("numpy", "torch"):
            raise ValueError(f"{CPU_BLAS_ENV}={os.environ[CPU_BLAS_ENV]!r} is not a choice: set it to 'numpy' "
                             "(OpenBLAS's SYRK) or 'torch' (torch's CPU products), or unset it to choose by CPU")
        return choice
    return "torch" if torch.backends.mkl.is_available() and _cpu_vendor() == "GenuineIntel" else "numpy"


CPU_BLAS = default_cpu_blas()  # read once, at import


@functools.cache
def _blas_controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


_one_thread_lock = threading.Lock()


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """NumPy's BLAS on one thread while inside, set and restored by this thread (threadpoolctl).

    OpenBLAS's thread count is process-wide: while another thread is inside, this one goes on
    without waiting or touching the limit (the products are the same bits on one thread or two;
    only the speed differs), so overlapping threads never leave the limit changed.
    """
    if not _one_thread_lock.acquire(blocking=False):
        yield
        return
    try:
        with _blas_controller().limit(limits=1, user_api="blas"):
            yield
    finally:
        _one_thread_lock.release()


def _host_array(a: np.ndarray | torch.Tensor, dtype: np.dtype) -> np.ndarray:
    """``a`` as a NumPy array of ``dtype`` on the host: a view when it already is one."""
    if isinstance(a, torch.Tensor):
        a = a.detach().cpu().numpy()
    return np.asarray(a, dtype=dtype)


@np.errstate(all="ignore")
def _numpy_pass(X, y, sample_weight, shift_x: np.ndarray, shift_y: float, *, copy: bool, dtype: np.dtype,
                chunk_rows: int, step: int) -> np.ndarray:
    """The CPU pass by NumPy (``CPU_BLAS == "numpy"``): M = [X − s | 1 | y − t]ᵀ[X − s | 1 | y − t] (p + 2)².

    Row chunks of ``chunk_rows`` are multiplied in ``dtype`` and summed in float64. ``chunk.T @ chunk``
    of one buffer is OpenBLAS's SYRK (half the arithmetic of a general product). Without the copy,
    [1 | y − t]ᵀX follows on each chunk of X while it is in cache, and the moments of [1 | y − t]
    come from one float64 sweep over y; with it (offset columns, weights), each group of rows is
    copied into [X − s | 1 | y − t] (rows times √wᵢ) and that is multiplied. Non-finite values
    raise no warning here: they show in the statistics, which the estimators check.

    No torch operation runs inside the loop: torch's worker threads and OpenBLAS's share the cores,
    and a small torch operation between two NumPy products doubled the time of the whole pass
    (2.2× against 1.2× one XᵀX, n = 10⁶, p = 100, 2-core VM), each pool waiting on the other's.
    """
    n, p = X.shape
    M = np.zeros((p + 2, p + 2))
    G, C = M[:p, :p], M[p:, :p]  # views: M's blocks accumulate in place
    buf = np.empty((min(n, step), p + 2), dtype=dtype) if copy else np.ones((2, min(n, step)), dtype=dtype)
    for start in range(0, n, step):
        xb = _host_array(X[start : start + step], dtype)  # a view for a matching array, in any order
        yb = _host_array(y[start : start + step], dtype)
        m = xb.shape[0]
        if copy:
            b = buf[:m]
            np.subtract(xb, shift_x.astype(dtype), out=b[:, :p])
            b[:, p] = 1
            np.subtract(yb, dtype.type(shift_y), out=b[:, p + 1])
            if sample_weight is not None:
                b *= np.sqrt(_host_array(sample_weight[start : start + step], dtype))[:, None]
            for c in range(0, m, chunk_rows):
                chunk = b[c : c + chunk_rows]
                M += chunk.T @ chunk
        else:
            t = buf[:, :m]
            np.subtract(yb, dtype.type(shift_y), out=t[1])  # t = [1 | y − t]ᵀ (2, m); its first row stays 1
            for c in range(0, m, chunk_rows):
                chunk = xb[c : c + chunk_rows]
                G += chunk.T @ chunk
                C += t[:, c : c + chunk_rows] @ chunk
    if not copy:
        # The moments of [1 | y − t] need no pass over X: one float64 sweep over y (pairwise sums).
        yc = _host_array(y, np.dtype(np.float64)) - shift_y
        M[p, p], M[p, p + 1], M[p + 1, p + 1] = n, yc.sum(), yc @ yc
        M[p + 1, p] = M[p, p + 1]
        M[:p, p:] = M[p:, :p].T
    return M


def algebra_device(p: int, device: torch.device) -> torch.device:
    """Where the p×p work after the statistics pass runs: the host for small p, else ``device``."""
    return torch.device("cpu") if p <= HOST_ALGEBRA_MAX_P else device


def chunked_product(A: torch.Tensor, B: torch.Tensor, chunk_rows: int = CHUNK_ROWS) -> torch.Tensor:
    """Σ over row chunks c of A_cᵀB_c, each product in A's dtype, summed in float64.

    Full chunks go through one batched product (one kernel on a GPU); the
    remainder is one more product.
    """
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
    p = A.shape[1]
    if p < PANEL_GRAM_MIN_P:
        return chunked_product(A, A, chunk_rows)
    h = p // 2
    out = torch.empty(p, p, dtype=torch.float64, device=A.device)
    out[:, :h] = chunked_product(A, A[:, :h], chunk_rows)
    out[h:, h:] = chunked_product(A[:, h:], A[:, h:], chunk_rows)
    out[:h, h:] = out[h:, :h].T
    return out


def _torch_pass(X, y, sample_weight, shift_x: np.ndarray, shift_y: float, *, copy: bool, dtype: torch.dtype,
                device: torch.device, chunk_rows: int, step: int) -> torch.Tensor:
    """The pass by torch, on a GPU or on the CPU (``CPU_BLAS == "torch"``): M as :func:`_numpy_pass`.

    [X − s | 1 | y − t] (m, p + 2) is the copy; without it just [1 | y − t] is stored transposed,
    (2, m): the thin product [1 | y − t]ᵀX reads X row-major, measured 0.05× one XᵀX faster than
    Xᵀ[1 | y − t]. Each group of rows is one or two batched products (``chunked_product``; on the CPU
    ``gram_product``'s panels). One batched product gives each thread whole blocks to multiply, where
    one product per block split every block across the threads and synchronised them 2 × n / 4096
    times. At n = 10⁶, p = 100 on a 2-core Xeon VM, timed between two XᵀX: batching alone was a median
    0.90× and 1.03× the per-block products' time in two runs of 30 and 60 (the neighbours' noise is
    larger than the difference); with the Gram's lower-triangle panels, 0.95×. The thin product costs
    about 0.17× one XᵀX either way: a second read of X, memory-bound (interleaving it block by block,
    while the block is in cache, cost as much in synchronisation). With the copy, the CPU fills
    COPY_GROUP_BLOCKS blocks of [X − s | 1 | y − t] and multiplies them in one batched product:
    0.79–0.85× the time of one product per block at n = 10⁶, p = 100 with offset columns (median
    ratios over 15–20 paired runs, 2-core Xeon). A GPU's block is large already.
    """
    n, p = X.shape
    sx, sy = torch.from_numpy(shift_x).to(dtype=dtype, device=device), torch.tensor(shift_y, dtype=dtype, device=device)
    M = torch.zeros(p + 2, p + 2, dtype=torch.float64, device=device)
    view = None if copy else _strided_view(X, dtype, device)
    buf = (torch.empty(min(n, step), p + 2, dtype=dtype, device=device) if copy
           else torch.ones(2, min(n, step), dtype=dtype, device=device))
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


def sparse_stats(X, y, *, center: bool = True, sample_weight=None) -> Stats:
    """The same statistics for a scipy.sparse X, without densifying it (float64, on the host).

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
    t = lambda a: torch.as_tensor(np.asarray(a, dtype=np.float64))  # noqa: E731
    return Stats(n=total, x_mean=t(x_mean), y_mean=t(y_mean), gram=t((gram + gram.T) / 2), xty=t(xty), yty=t(yty),
                 center=center, rows=X.shape[0])


def compute_stats(
    X: np.ndarray | torch.Tensor,
    y: np.ndarray | torch.Tensor,
    *,
    dtype: torch.dtype,
    device: torch.device,
    center: bool = True,
    sample_weight: np.ndarray | torch.Tensor | None = None,
    chunk_rows: int = CHUNK_ROWS,
    block_rows: int | None = None,
) -> Stats:
    """Accumulate XᵀX, Xᵀ[1 | y − t] and the y moments block by block, then un-shift.

    Two ways through the blocks, chosen from the first chunk:

    * columns whose |mean| exceeds their spread would cancel catastrophically in
      XᵀX − n x̄x̄ᵀ, so each block is shifted by the first chunk's means while it is
      copied into [X − s | 1 | y − t] and multiplied once;
    * otherwise (e.g. standardized data) the cancellation costs at most a factor
      1 + mean²/var ≤ 2, under one bit, and the copy is skipped: XᵀX of the block
      itself, and the thin product [1 | y − t]ᵀX.

    The products run in ``dtype`` on ``device`` (float32 for speed, if so asked;
    never TF32); their sum is accumulated in float64 so rounding does not grow with n.
    ``block_rows`` defaults to one chunk on the CPU and ``DEVICE_BLOCK_ROWS`` elsewhere.

    On a GPU the copy into [X − s | 1 | y − t] is always made (with s = 0 when no
    column needs shifting): one batched product of the augmented block measured
    faster there than XᵀX and Xᵀ[1 | y − t] as two products without the copy
    (13.6 against 14.7 ms at n = 10⁷, p = 100 in float32 on an H100; see
    ``benchmarks/stats_kernels.py``).

    ``sample_weight`` (n,), non-negative, weights every row: each row of the
    augmented block is multiplied by √wᵢ (so the column of ones becomes √w and
    its products give Σ wᵢ and the weighted sums), which always takes the copy
    path. A zero weight is the same as leaving the row out.
    """
    n, p = X.shape
    if n == 0:
        raise ValueError("cannot compute statistics of zero rows")
    if sparse.issparse(X):
        return sparse_stats(X, y, center=center, sample_weight=sample_weight).to(algebra_device(p, device))
    if block_rows is None and device.type == "cpu":
        # Blocks of one chunk each, multiplied a group at a time in batched products (below).
        chunk_rows = block_rows = min(chunk_rows, CPU_BLOCK_ROWS)
    elif block_rows is None:
        block_rows = DEVICE_BLOCK_ROWS
    # The first chunk, in NumPy on the host (no torch threads started before a NumPy pass: see _numpy_pass).
    first = _host_array(X[: min(n, chunk_rows)], np.dtype(np.float64))
    first_y = _host_array(y[: min(n, chunk_rows)], np.dtype(np.float64))
    with np.errstate(all="ignore"):  # NaN and inf show in the statistics, which the estimators check
        mean, mean_y = first.mean(0), first_y.mean()
        offset = np.abs(mean) > first.std(0)  # columns whose mean dwarfs their spread
        # Columns (or y) that vary only on a scale below ~1e-140: their squares are subnormal or zero in
        # float64, so XᵀX cannot hold them (X of order 1e-300 gives XᵀX = 0). Flagged, not fixed here:
        # the exact OLS solver works on X itself; the other estimators refuse (LinearModel._stats).
        spread = np.abs(np.column_stack([first - mean, first_y - mean_y]) if center
                        else np.column_stack([first, first_y])).max(0)
    shift_x = mean if center and offset.any() else np.zeros(p)
    shift_y = float(mean_y) if center else 0.0
    underflow = bool(((spread > 0) & (spread < UNDERFLOW_SCALE)).any())
    copy = bool(shift_x.any()) or device.type != "cpu" or sample_weight is not None

    block_rows = max(chunk_rows, -(-block_rows // chunk_rows) * chunk_rows)  # whole chunks per block
    # Rows per group: converted (a view, for matching NumPy arrays in C or Fortran order: a DataFrame's
    # values are Fortran order, and copying them into C order cost as much as the products at p = 20),
    # shifted or weighted when copied, and multiplied together.
    width, blocks = (p + 2, COPY_GROUP_BLOCKS if device.type == "cpu" else 1) if copy else (p, GROUP_BLOCKS)
    step = block_rows * max(1, min(blocks, GROUP_BYTES // (block_rows * width * dtype.itemsize)))
    if device.type == "cpu" and CPU_BLAS == "numpy":
        np_dtype = torch.empty(0, dtype=dtype).numpy().dtype
        threaded = p >= NUMPY_THREADED_MIN_P and n * p * p >= NUMPY_THREADED_MIN_WORK
        with nullcontext() if threaded else one_blas_thread():
            M = torch.from_numpy(_numpy_pass(X, y, sample_weight, shift_x, shift_y, copy=copy, dtype=np_dtype,
                                             chunk_rows=chunk_rows, step=step))
    else:
        M = _torch_pass(X, y, sample_weight, shift_x, shift_y, copy=copy, dtype=dtype, device=device,
                        chunk_rows=chunk_rows, step=step)
    M = M.to(device)
    shift_x = torch.from_numpy(shift_x).to(device)

    total = float(M[p, p]) if sample_weight is not None else n  # Σ wᵢ
    if total <= 0:
        raise ValueError("sample_weight sums to zero: no row carries any weight")
    d = M[:p, p] / total  # x̄ − shift   (p,)
    e = M[p + 1, p] / total  # ȳ − shift
    if not center:
        d, e = torch.zeros_like(d), torch.zeros_like(e)
    gram = M[:p, :p] - total * torch.outer(d, d)
    xty = M[:p, p + 1] - total * d * e
    yty = M[p + 1, p + 1] - total * e * e
    gram = (gram + gram.T) / 2  # exactly symmetric for the eigen-solvers
    stats = Stats(n=total, x_mean=shift_x + d, y_mean=shift_y + e, gram=gram, xty=xty, yty=yty, center=center,
                  rows=n, underflow=underflow)
    return stats.to(algebra_device(p, device))
