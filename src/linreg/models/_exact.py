"""Least squares exact to the data given: equilibrated QR, then refinement in double-double.

min ‖y − Zθ‖₂ for Z exactly as given (no centering: subtracting means in
floating point would already change the problem). Steps:

1. Equilibrate: Ẑ = Z D with D = diag(2^-e_j) scaling each column to unit norm
   by a power of two, so the scaling itself is exact and only D's choice matters.
2. Householder QR, Ẑ = QR, and the first solution θ₀ = R⁻¹Qᵀy (error ~ u·κ + u·κ²·‖r‖).
3. Björck's iterative refinement of the augmented system
   [I Ẑ; Ẑᵀ 0][r; θ] = [y; 0]: its residuals f = y − r − Ẑθ and g = −Ẑᵀr are
   computed in double-double arithmetic (error-free TwoSum and Dekker's
   TwoProduct, no FMA or long double needed: the same bits on every CPU; on
   the host even for GPU data, see ``refined_lstsq()``), the
   correction solved with the same Q and R:
       h = R⁻ᵀg,  d = Qᵀf,  δθ = R⁻¹(d − h),  δr = f − Q(d − h);
   repeated while the correction keeps shrinking. Each step gains about
   −log10(u·κ) digits, so for κ·u < 1 the result converges to the float64
   solution closest to the exact one of the given numbers.

Rank: singular values of R (those of Ẑ) below k·eps·σ_max mean Ẑ is singular
to working precision; those columns cannot be identified and the caller falls
back to the minimum-norm solution. Equilibration makes that test independent of
the columns' units, so a column at 1e-8 beside one at 1e8 is not "deficient".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import qr, solve_triangular

from linreg.models._device import namespace, to_numpy

SPLITTER = 2.0**27 + 1  # Dekker: splits a double into two 26-bit halves
MAX_STEPS = 12


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c = a * SPLITTER
    hi = c - (c - a)
    return hi, a - hi


def two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """s + e = a + b exactly, s = fl(a + b) (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def two_product(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """p + e = a · b exactly, p = fl(a · b) (Dekker; valid while |a·b| stays far from overflow)."""
    p = a * b
    a_hi, a_lo = _split(a)
    b_hi, b_lo = _split(b)
    return p, ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo


def _dd_sum_rows(hi: np.ndarray, lo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Σ over axis 0 of double-double values (hi + lo), pairwise, keeping the error terms."""
    while hi.shape[0] > 1:
        half = hi.shape[0] // 2
        s, e = two_sum(hi[:half], hi[half : 2 * half])
        c = lo[:half] + lo[half : 2 * half] + e
        if hi.shape[0] % 2:
            s, c = np.concatenate([s, hi[-1:]]), np.concatenate([c, lo[-1:]])
        hi, lo = s, c
    return hi[0], lo[0]


def residuals(
    Z: np.ndarray, y: np.ndarray, r: np.ndarray, theta: np.ndarray, block: int = 65536
) -> tuple[np.ndarray, np.ndarray]:
    """f = y − r − Zθ (n,) and g = −Zᵀr (k,), each accurate to about one rounding of the true value."""
    n, k = Z.shape
    f = np.empty(n, dtype=Z.dtype)
    g_hi = np.zeros(k, dtype=Z.dtype)
    g_lo = np.zeros_like(g_hi)
    for start in range(0, n, block):  # each block's products once, for f and for g
        Zb, yb, rb = Z[start : start + block], y[start : start + block], r[start : start + block]
        # f: every product z_ij θ_j exactly (TwoProduct), summed over j pairwise in double-double (Dot2),
        # then the two subtractions, carried in double-double too: whole arrays, no loop over columns.
        p, e = two_product(Zb, theta[None, :])  # (m, k)
        zt_hi, zt_lo = _dd_sum_rows(p.T, e.T)  # (m,) Zθ as hi + lo
        s, c = two_sum(yb, -rb)
        s, e2 = two_sum(s, -zt_hi)
        f[start : start + block] = s + (c + e2 - zt_lo)
        # g: products of every row at once, summed pairwise in double-double.
        p, e = two_product(Zb, rb[:, None])  # (m, k)
        bh, bl = _dd_sum_rows(p, e)
        g_hi, e3 = two_sum(g_hi, bh)
        g_lo = g_lo + bl + e3
    return f, -(g_hi + g_lo)


def power_of_two_scales(Z):
    """2^-e_j with 2^e_j ≈ ‖z_j‖: exact column scaling (1 for an all-zero column).

    Two exact steps, so columns of order 1e-300 (whose squares underflow) or 1e200 (whose squares
    overflow) are scaled as well as any: first by the power of two nearest max|z_j|, then by the
    one nearest the norm of the column so scaled. NumPy or torch alike (``namespace()``).
    """
    xp = namespace(Z)
    big = xp.max(xp.abs(Z), axis=0) if Z.shape[0] else xp.zeros_like(Z[0])
    one = xp.ones_like(big)
    first = xp.where(big > 0, 2.0 ** -xp.round(xp.log2(xp.where(big > 0, big, one))), one)
    norms = xp.linalg.vector_norm(Z * first, axis=0)
    second = xp.where(norms > 0, 2.0 ** -xp.round(xp.log2(xp.where(norms > 0, norms, one))), one)
    return first * second


@dataclass(frozen=True)
class ExactResult:
    theta: np.ndarray  # (k,) solution for Z's own columns
    rank: int
    cond: float  # 2-norm condition number of the equilibrated Z (inf when rank deficient)
    steps: int  # refinement steps taken
    # The factorization Z·diag(scale) = Q R (host, float64), kept for inference; None when rank deficient.
    Q: np.ndarray | None = None  # (n, k)
    R: np.ndarray | None = None  # (k, k) upper triangular
    scale: np.ndarray | None = None  # (k,) powers of two


def refined_lstsq(Z, y) -> ExactResult:
    """min ‖y − Zθ‖ to the float64 solution nearest the exact one, when Z has full column rank.

    Returns ``rank < k`` (and θ from the first QR solve) when the equilibrated Z
    is singular to working precision; the caller then wants the minimum-norm
    solution instead. NumPy (LAPACK through SciPy) on the host in float64, whatever the input's
    library or device: θ and the factors come back as NumPy arrays.
    """
    # On the host, whatever the device: on a GPU the correction solves lost digits the host keeps, with
    # bit-identical TwoSum, TwoProduct and residuals on both (docs/performance.md, "Design measurements");
    # until that is understood, the host does this part.
    Z, y = to_numpy(Z), to_numpy(y)
    n, k = Z.shape
    scale = power_of_two_scales(Z)
    Zs = Z * scale  # exact: multiplying by powers of two
    Q, R = qr(Zs, mode="economic", check_finite=False)  # (n, k), (k, k)
    s = np.linalg.svd(R, compute_uv=False) if k else np.zeros(0)
    eps = np.finfo(np.float64).eps
    rank = int((s > k * eps * s[0]).sum()) if s.size and s[0] > 0 else 0
    if rank < k or n < k:
        return ExactResult(np.zeros(k), min(rank, n), float("inf"), 0)

    def solve_R(b: np.ndarray) -> np.ndarray:
        return solve_triangular(R, b, lower=False, check_finite=False)

    def solve_RT(b: np.ndarray) -> np.ndarray:
        return solve_triangular(R, b, trans="T", lower=False, check_finite=False)

    theta = solve_R(Q.T @ y)
    r = y - Zs @ theta
    previous = float("inf")
    steps = 0
    for steps in range(1, MAX_STEPS + 1):  # noqa: B007  (the count of steps taken is returned)
        f, g = residuals(Zs, y, r, theta)
        h, d = solve_RT(g), Q.T @ f
        dtheta = solve_R(d - h)
        r = r + (f - Q @ (d - h))
        theta = theta + dtheta
        # Componentwise: the smallest coefficient must converge too, not just the norm of all of them.
        size = float((np.abs(dtheta) / np.maximum(np.abs(theta), 1e-300)).max())
        if size <= eps / 4 or size >= previous / 2:  # converged, or no longer shrinking
            break
        previous = size
    return ExactResult(theta * scale, k, float(s[0] / s[-1]), steps, Q, R, scale)
