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

import torch

SPLITTER = 2.0**27 + 1  # Dekker: splits a double into two 26-bit halves
MAX_STEPS = 12


def _split(a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    c = a * SPLITTER
    hi = c - (c - a)
    return hi, a - hi


def two_sum(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """s + e = a + b exactly, s = fl(a + b) (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def two_product(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """p + e = a · b exactly, p = fl(a · b) (Dekker; valid while |a·b| stays far from overflow)."""
    p = a * b
    a_hi, a_lo = _split(a)
    b_hi, b_lo = _split(b)
    return p, ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo


def _dd_sum_rows(hi: torch.Tensor, lo: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Σ over axis 0 of double-double values (hi + lo), pairwise, keeping the error terms."""
    while hi.shape[0] > 1:
        half = hi.shape[0] // 2
        s, e = two_sum(hi[:half], hi[half : 2 * half])
        c = lo[:half] + lo[half : 2 * half] + e
        if hi.shape[0] % 2:
            s, c = torch.cat([s, hi[-1:]]), torch.cat([c, lo[-1:]])
        hi, lo = s, c
    return hi[0], lo[0]


def residuals(
    Z: torch.Tensor, y: torch.Tensor, r: torch.Tensor, theta: torch.Tensor, block: int = 65536
) -> tuple[torch.Tensor, torch.Tensor]:
    """f = y − r − Zθ (n,) and g = −Zᵀr (k,), each accurate to about one rounding of the true value."""
    n, k = Z.shape
    # f row by row: Dot2 over the k columns, then the two subtractions, all carried in double-double.
    s, c = two_sum(y, -r)
    for j in range(k):
        p, e = two_product(Z[:, j], theta[j].expand(n))
        s, e2 = two_sum(s, -p)
        c = c - e + e2
    f = s + c
    # g column by column: products of every row at once, summed pairwise in double-double, block by block.
    g_hi = torch.zeros(k, dtype=Z.dtype, device=Z.device)
    g_lo = torch.zeros_like(g_hi)
    for start in range(0, n, block):
        p, e = two_product(Z[start : start + block], r[start : start + block, None])  # (m, k)
        bh, bl = _dd_sum_rows(p, e)
        g_hi, e3 = two_sum(g_hi, bh)
        g_lo = g_lo + bl + e3
    return f, -(g_hi + g_lo)


def power_of_two_scales(Z: torch.Tensor) -> torch.Tensor:
    """2^-e_j with 2^e_j ≈ ‖z_j‖: exact column scaling (1 for an all-zero column).

    Two exact steps, so columns of order 1e-300 (whose squares underflow) or 1e200 (whose squares
    overflow) are scaled as well as any: first by the power of two nearest max|z_j|, then by the
    one nearest the norm of the column so scaled.
    """
    big = Z.abs().amax(0) if Z.shape[0] else torch.zeros(Z.shape[1], dtype=Z.dtype, device=Z.device)
    first = torch.where(big > 0, torch.pow(2.0, -torch.round(torch.log2(big))), torch.ones_like(big))
    norms = torch.linalg.vector_norm(Z * first, dim=0)
    second = torch.where(norms > 0, torch.pow(2.0, -torch.round(torch.log2(norms))), torch.ones_like(norms))
    return first * second


@dataclass(frozen=True)
class ExactResult:
    theta: torch.Tensor  # (k,) solution for Z's own columns
    rank: int
    cond: float  # 2-norm condition number of the equilibrated Z (inf when rank deficient)
    steps: int  # refinement steps taken
    # The factorization Z·diag(scale) = Q R (host, float64), kept for inference; None when rank deficient.
    Q: torch.Tensor | None = None  # (n, k)
    R: torch.Tensor | None = None  # (k, k) upper triangular
    scale: torch.Tensor | None = None  # (k,) powers of two


def refined_lstsq(Z: torch.Tensor, y: torch.Tensor) -> ExactResult:
    """min ‖y − Zθ‖ to the float64 solution nearest the exact one, when Z has full column rank.

    Returns ``rank < k`` (and θ from the first QR solve) when the equilibrated Z
    is singular to working precision; the caller then wants the minimum-norm
    solution instead.
    """
    # On the host, whatever the device: on a GPU the correction solves lost digits the host keeps, with
    # bit-identical TwoSum, TwoProduct and residuals on both (docs/performance.md, "Design measurements");
    # until that is understood, the host does this part.
    device = Z.device
    Z, y = Z.to("cpu", torch.float64), y.to("cpu", torch.float64)
    n, k = Z.shape
    scale = power_of_two_scales(Z)
    Zs = Z * scale  # exact: multiplying by powers of two
    Q, R = torch.linalg.qr(Zs)  # (n, k), (k, k)
    s = torch.linalg.svdvals(R)
    eps = torch.finfo(torch.float64).eps
    rank = int((s > k * eps * s[0]).sum()) if s.numel() and s[0] > 0 else 0
    if rank < k or n < k:
        return ExactResult(torch.zeros(k, dtype=torch.float64, device=device), min(rank, n), float("inf"), 0)

    def solve_R(b: torch.Tensor) -> torch.Tensor:
        return torch.linalg.solve_triangular(R, b.unsqueeze(1), upper=True).squeeze(1)

    def solve_RT(b: torch.Tensor) -> torch.Tensor:
        return torch.linalg.solve_triangular(R.T, b.unsqueeze(1), upper=False).squeeze(1)

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
        size = float((dtheta.abs() / theta.abs().clamp(min=1e-300)).max())
        if size <= eps / 4 or size >= previous / 2:  # converged, or no longer shrinking
            break
        previous = size
    return ExactResult((theta * scale).to(device), k, float(s[0] / s[-1]), steps, Q, R, scale)
