"""Least squares exact to the data given: equilibrated QR, then refinement in double-double.

min ‖y − Zθ‖₂ for Z exactly as given (no centering: subtracting means in
floating point would already change the problem). Steps:

1. Equilibrate: Ẑ = Z D with D = diag(2^-e_j) scaling each column to unit norm
   by a power of two, so the scaling itself is exact and only D's choice matters.
2. Householder QR, Ẑ = QR, and the first solution θ₀ = R⁻¹Qᵀy (error ~ u·κ + u·κ²·‖r‖).
3. Björck's iterative refinement of the augmented system
   [I Ẑ; Ẑᵀ 0][r; θ] = [y; 0]: its residuals f = y − r − Ẑθ and g = −Ẑᵀr are
   computed to double-double accuracy by BLAS products that are exact (Ozaki's
   splitting, ``Residuals``: no FMA or long double needed, the same bits on every
   CPU; on the host even for GPU data, see ``refined_lstsq()``), the
   correction solved with the same Q and R:
       h = R⁻ᵀg,  d = Qᵀf,  δθ = R⁻¹(d − h),  δr = f − Q(d − h).
   Each step gains about −log10(u·κ) digits, so for κ·u < 1 the result converges
   to the float64 solution closest to the exact one of the given numbers.
4. Stop as soon as that is shown: after a step, θ* − fl(θ + δθ) is the update's
   own rounding (known exactly, TwoSum) plus what the step left, at most
   η·(‖δθ‖ + ‖δr‖/σ_min) with η = 4nk·u·κ; when that sum stays inside half the gap
   to both float64 neighbours of every coefficient, θ is the correctly rounded
   answer. A well-conditioned design stops after one step; an ill-conditioned
   one, or a coefficient near a tie, goes on until the correction vanishes
   componentwise or stops shrinking.

Rank: singular values of R (those of Ẑ) below k·eps·σ_max mean Ẑ is singular
to working precision; those columns cannot be identified and the caller falls
back to the minimum-norm solution. Equilibration makes that test independent of
the columns' units, so a column at 1e-8 beside one at 1e8 is not "deficient".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import qr
from scipy.linalg.lapack import dtrtrs

from linreg.models._device import namespace, to_numpy

MAX_STEPS = 12


def two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """s + e = a + b exactly, s = fl(a + b) (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


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


def _scaled(a: np.ndarray) -> tuple[int, np.ndarray]:
    """(e, a·2^−e) with max |a·2^−e| in [½, 1): exact but for entries 2^1022 below the largest (far under
    any slice); e = 0 for an all-zero array."""
    big = float(np.abs(a).max()) if a.size else 0.0
    e = math.frexp(big)[1] if big else 0
    return e, np.ldexp(a, -e)


def _slices(rest: np.ndarray, beta: int, count: int, axis: int = 0) -> np.ndarray:
    """rest = s₀ + s₁ + … + s_{count−1} + (a rest left out), exactly, for |rest| < 1: s_i on the grid
    2^−β(i+1) with |s_i| ≤ 2^−βi, stacked along ``axis``.

    So every slice is an integer of at most β bits times one power of two, and a product of two slices
    has at most 2β bits: BLAS sums up to 2^(53 − 2β) of them exactly, in any order, with or without
    FMA. Each slice is extracted by adding and subtracting σ = 1.5·2^(52 − β(i+1)) (Rump, Ogita and
    Oishi's ExtractScalar); the rest left out is below 2^−β·count.
    """
    out = []
    for i in range(count):
        sigma = 1.5 * 2.0 ** (52 - beta * (i + 1))
        out.append((rest + sigma) - sigma)
        rest = rest - out[-1]
    return np.stack(out, axis=axis)


class Residuals:
    """f = y − r − Zθ (n,) and g = −Zᵀr (k,) for a fixed Z, each to about one rounding of the true value.

    Ozaki's scheme: Z, θ and r, each scaled by a power of two below 1, are cut into m slices of β bits
    (``_slices``), so that every product of two slices, and every sum of such products that BLAS forms,
    is exact. Side by side, [Z₀ … Z_{m−1}] (n, mk) times a (mk, m) matrix of θ's slices gives Zθ's m
    exact terms, one per grid c = a + b of the products Z_a θ_b; r's slices (m, n) times it give every
    Z_bᵀ r_a, summed per grid exactly. These terms (with y and −r for f) are then summed in
    double-double. Pairs with a + b ≥ m and the rests lie below 2^−βm ≤ 2^−108 of max|Z|·max|θ| per
    term: as accurate as a residual in double-double, with the same bits on every CPU, in two BLAS
    products and a few dozen NumPy calls in all (docs/performance.md). Z's slices are cut once per fit.
    """

    def __init__(self, Z: np.ndarray, block: int = 65536):
        n, k = Z.shape
        self.block = block
        rows = max(1, min(n, block))
        # 2β + ⌈log2 N⌉ ≤ 53 for N = m·max(rows, k) terms in one exact sum, with mβ ≥ 108 (u² = 2^−106).
        beta, count = 22, 5
        while 2 * beta + (count * max(rows, k) - 1).bit_length() > 53:
            beta -= 1
            count = -(-108 // beta)
        self.beta, self.count = beta, count
        pairs = [(a, c - a) for c in range(count) for a in range(c + 1)]  # grouped by c = a + b
        self._a = np.array([a for a, _ in pairs])
        self._b = np.array([b for _, b in pairs])
        self._starts = np.array([c * (c + 1) // 2 for c in range(count)])  # where each c's group begins
        self._Z = Z
        self._cut = self._cut_Z(Z) if n <= block else None  # once, when one block holds every row

    def _cut_Z(self, Zb: np.ndarray) -> tuple[int, np.ndarray]:
        """Zb's exponent and slices side by side, [Z₀ … Z_{m−1}] (rows, mk)."""
        e, rest = _scaled(Zb)
        return e, _slices(rest, self.beta, self.count, axis=1).reshape(Zb.shape[0], -1)

    def __call__(self, y: np.ndarray, r: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        (n, k), m = self._Z.shape, self.count
        e_t, theta_s = _scaled(theta)
        f = np.empty(n)
        g_hi = g_lo = np.zeros(k)
        for start in range(0, n, self.block):
            stop = min(start + self.block, n)
            e_z, side = self._cut if self._cut is not None else self._cut_Z(self._Z[start:stop])
            rb = r[start:stop]
            e_r, r_s = _scaled(rb)
            cut = _slices(np.concatenate([theta_s, r_s]), self.beta, m)  # θ's and r's slices at once
            Theta = np.zeros((m, k, m))  # block a, column c: θ's slice c − a
            Theta[self._a, :, self._a + self._b] = cut[self._b, :k]
            zt = np.ldexp(side @ Theta.reshape(m * k, m), e_z + e_t)  # (rows, m): Zθ's exact terms, per grid
            pairs = (cut[:, k:] @ side).reshape(m, m, k)[self._b, self._a]  # Z_aᵀ r_b, grouped by a + b
            zr = np.ldexp(np.add.reduceat(pairs, self._starts, axis=0), e_z + e_r)  # (m, k): Zᵀr's, per grid
            # Both sums in double-double at once: f's m + 2 terms beside g's m (and g so far), padded.
            terms = np.zeros((m + 2, stop - start + k))
            terms[:, : stop - start] = np.concatenate([y[None, start:stop], -rb[None], -zt.T])
            terms[:m, stop - start :] = zr
            terms[m, stop - start :], terms[m + 1, stop - start :] = g_hi, g_lo
            hi, lo = _dd_sum_rows(terms, np.zeros_like(terms))
            f[start:stop] = hi[: stop - start] + lo[: stop - start]
            g_hi, g_lo = two_sum(hi[stop - start :], lo[stop - start :])
        return f, -(g_hi + g_lo)


def power_of_two_scales(Z):
    """2^-e_j with 2^e_j ≈ ‖z_j‖: exact column scaling (1 for an all-zero column).

    Two exact steps, so columns of order 1e-300 (whose squares underflow) or 1e200 (whose squares
    overflow) are scaled as well as any: first by the power of two nearest max|z_j|, then by the
    one nearest the norm of the column so scaled. NumPy or torch alike (``namespace()``).
    """
    xp = np if isinstance(Z, np.ndarray) else namespace(Z)  # NumPy itself on the host: a third the time
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
    rounded: bool = False  # whether the stop rule showed θ to be the correctly rounded solution
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
    # bit-identical double-double residuals on both (docs/performance.md, "Design measurements");
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

    # LAPACK's TRTRS directly: SciPy's solve_triangular() spends 8 µs a call around 1 µs of work here.
    R_f = np.asfortranarray(R)

    def solve_R(b: np.ndarray) -> np.ndarray:
        return dtrtrs(R_f, b, lower=0)[0]

    def solve_RT(b: np.ndarray) -> np.ndarray:
        return dtrtrs(R_f, b, lower=0, trans=1)[0]

    theta = solve_R(Q.T @ y)
    r = y - Zs @ theta
    residuals = Residuals(Zs)
    cond = float(s[0] / s[-1])
    # A step leaves at most η of the error it corrects (Björck: refinement of the augmented system with a
    # backward-stable QR contracts by c·u·κ; c = 4nk is a worst-case multiple of Householder QR's backward
    # error), plus what the residuals' own error τ (below 2^−100 of their terms, see Residuals) moves θ.
    eta = 4 * n * k * (eps / 2) * cond
    previous = float("inf")
    steps, rounded = 0, False
    for steps in range(1, MAX_STEPS + 1):  # noqa: B007  (the count of steps taken is returned)
        f, g = residuals(y, r, theta)
        h, d = solve_RT(g), Q.T @ f
        dtheta = solve_R(d - h)
        dr = f - Q @ (d - h)
        r = r + dr
        theta, rounding = two_sum(theta, dtheta)  # θ + δθ = fl(θ + δθ) + rounding, exactly
        # θ* − θ = rounding + what the step left: correctly rounded when that stays inside half the gap to
        # both neighbours of every coefficient. The common case: one step, where a fixed "until the
        # correction vanishes" rule takes two more only to see it vanish.
        terms = float(np.abs(y).max() + np.abs(r).max() + np.abs(theta).max()) if n else 0.0
        tau = 2.0**-100 * n * k * terms * (1 / s[-1] + 1 / s[-1] ** 2)
        left = eta * (float(np.linalg.norm(dtheta)) + float(np.linalg.norm(dr)) / s[-1]) + tau
        size_of = np.abs(theta)
        gap = np.minimum(np.spacing(size_of), size_of - np.nextafter(size_of, 0))
        rounded = eta < 1 and bool(np.all(np.abs(rounding) + left < gap / 2))
        if rounded:
            break
        # Otherwise (ill-conditioned, or a coefficient near a tie): until the correction vanishes
        # componentwise (the smallest coefficient too), or stops shrinking.
        size = float((np.abs(dtheta) / np.maximum(np.abs(theta), 1e-300)).max())
        if size <= eps / 4 or size >= previous / 2:  # converged, or no longer shrinking
            break
        previous = size
    return ExactResult(theta * scale, k, cond, steps, rounded, Q, R, scale)
