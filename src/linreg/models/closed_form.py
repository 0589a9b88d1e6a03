"""Closed-form least squares: Cholesky on the Gram matrix, or orthogonal factorizations of X.

Notation: X_c, y_c are the centered data (or raw, without an intercept); the
statistics give G = X_cᵀX_c and c = X_cᵀy_c.

* Cholesky solves G w = c. It needs only the statistics (one pass over X) but
  its error grows like eps·cond(X)², so it is used only when that is small.
* QR factors X_c = QR and solves R w = Qᵀy_c, refined once with the residual:
  error like eps·cond(X). The singular values of R (those of X_c) give the
  rank; a rank-deficient X_c gets the minimum-norm solution from the SVD of R.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import torch

from linreg.models.stats import CHUNK_ROWS, Stats

# Cholesky on a float64 G loses about log10(cond(G)) digits; allow it while that
# keeps the solution within ~1e-10 relative of the exact one.
MAX_GRAM_COND_FLOAT64 = 1e6
# A float32 G is formed from float32 products of CHUNK_ROWS rows summed in float64:
# each entry is rounded by up to about √CHUNK_ROWS·u₃₂ relative (Higham & Mary's
# probabilistic bound). Cholesky on it is accepted while the resulting first-order
# error bound (float32_error_bound) stays within FLOAT32_TARGET.
FLOAT32_GRAM_EPS = math.sqrt(CHUNK_ROWS) * 2.0**-24
FLOAT32_TARGET = 1e-3


class RankDeficientWarning(UserWarning):
    """X is rank deficient: the minimum-norm least-squares solution is returned."""


@dataclass(frozen=True)
class LstsqResult:
    coef: torch.Tensor  # (p,) float64
    solver: str
    cond: float  # 2-norm condition number of X_c (inf when rank deficient)
    rank: int


def equilibrated_gram_cond(gram: torch.Tensor) -> float:
    """cond(D⁻½ G D⁻½) with D = diag(G): the conditioning that column scaling cannot fix."""
    d = torch.sqrt(torch.diagonal(gram))
    if bool((d == 0).any()):
        return float("inf")
    eig = torch.linalg.eigvalsh(gram / torch.outer(d, d))
    return float(eig[-1] / eig[0]) if eig[0] > 0 else float("inf")


def float32_error_bound(gram: torch.Tensor, coef: torch.Tensor, cond_eq: float | None = None) -> float:
    """Bound on ‖δw‖₂ / ‖w‖₂ when G carries float32 rounding (relative FLOAT32_GRAM_EPS per entry).

    With D = diag(G)^½ and v = D w the equilibrated solution, ‖δv‖ ≤ κ_eq·ε·‖v‖
    to first order (κ_eq = cond(D⁻¹GD⁻¹)); mapping back, |δw_j| = |δv_j| / d_j, so
    ‖δw‖₂ / ‖w‖₂ ≤ κ_eq · ε · ‖Dw‖₂ / (min_j d_j · ‖w‖₂). Standardized data have
    d_j all alike and the bound is κ_eq·ε; columns on very different scales pay
    for their spread.
    """
    d = torch.sqrt(torch.diagonal(gram))
    coef = coef.to(d)
    w_norm = float(torch.linalg.vector_norm(coef))
    if w_norm == 0.0:
        return 0.0
    if cond_eq is None:
        cond_eq = equilibrated_gram_cond(gram)
    return cond_eq * FLOAT32_GRAM_EPS * float(torch.linalg.vector_norm(d * coef)) / (float(d.min()) * w_norm)


def design_condition_number(X) -> float:
    """cond([1, X]): the 2-norm condition number of the design with its intercept column.

    This is the matrix gradient descent works on, so it is what feature scaling
    changes (its square bounds the iterations GD needs). Computed by an SVD: for
    reports and metrics, never on the data path (its last bits depend on LAPACK).
    """
    import numpy as np

    design = np.column_stack([np.ones(len(X)), X])
    return float(np.linalg.cond(design))


def solve_cholesky(gram: torch.Tensor, xty: torch.Tensor, ridge: float = 0.0) -> torch.Tensor | None:
    """Solve (G + ridge·I) w = c; ``None`` when the matrix is not numerically positive definite."""
    A = gram + ridge * torch.eye(gram.shape[0], dtype=gram.dtype, device=gram.device)
    L, info = torch.linalg.cholesky_ex(A)
    if int(info) != 0:
        return None
    return torch.cholesky_solve(xty.unsqueeze(1), L).squeeze(1)


def solve_orthogonal(Xc: torch.Tensor, yc: torch.Tensor, *, prefer_svd: bool) -> LstsqResult:
    """Least squares by QR (then the SVD of R when rank deficient or asked): X_c w ≈ y_c."""
    n, p = Xc.shape
    eps = torch.finfo(Xc.dtype).eps
    if n >= p:
        Q, R = torch.linalg.qr(Xc)  # (n, p), (p, p)
        z = Q.T @ yc  # (p,)
        U, s, Vh = torch.linalg.svd(R)  # singular values of R are those of X_c
    else:  # wide: factor X_c directly
        U, s, Vh = torch.linalg.svd(Xc, full_matrices=False)
        Q, R, z = None, None, U.T @ yc
    # numpy.linalg.lstsq's default cut-off: singular values below eps·max(n, p)·σ_max are zero.
    rank = int((s > eps * max(n, p) * s[0]).sum()) if s.numel() and s[0] > 0 else 0
    cond = float(s[0] / s[-1]) if rank == p else float("inf")
    if rank < p or prefer_svd or R is None:
        if rank < p:
            warnings.warn(
                f"X has rank {rank} < {p} features: returning the minimum-norm least-squares solution",
                RankDeficientWarning, stacklevel=4,
            )
        inv = torch.zeros_like(s)
        inv[:rank] = 1 / s[:rank]
        w = Vh.T @ (inv * (U.T @ z)) if R is not None else Vh.T @ (inv * z)
        return LstsqResult(w.double(), "svd", cond, rank)
    w = torch.linalg.solve_triangular(R, z.unsqueeze(1), upper=True).squeeze(1)
    # One step of refinement with the residual: recovers digits lost to rounding in Qᵀy.
    r = yc - Xc @ w
    w = w + torch.linalg.solve_triangular(R, (Q.T @ r).unsqueeze(1), upper=True).squeeze(1)
    return LstsqResult(w.double(), "qr", cond, rank)


def gram_cond(gram: torch.Tensor) -> float:
    """cond(X_c) = sqrt(cond(G)) from the Gram matrix's eigenvalues."""
    eig = torch.linalg.eigvalsh(gram)
    return float(torch.sqrt(eig[-1] / eig[0])) if eig[0] > 0 else float("inf")


def solve_ols(
    stats: Stats, solver: str, dtype: torch.dtype, centered_data: Callable[[], tuple[torch.Tensor, torch.Tensor]]
) -> LstsqResult:
    """Dispatch on ``solver``; ``auto`` takes Cholesky when the problem is well conditioned.

    ``centered_data()`` returns (X_c, y_c) on the device; only the orthogonal
    solvers call it, so the well-conditioned path never makes a second copy of X.
    They factor it in float64 whatever ``dtype`` the statistics were formed in:
    float32 statistics are trusted only while :func:`float32_error_bound` stays
    within ``FLOAT32_TARGET``; beyond it the design is solved in float64.
    The coefficients come back on the statistics' device.
    """
    if solver not in ("auto", "cholesky", "qr", "svd"):
        raise ValueError(f"unknown OLS solver {solver!r}; use auto, cholesky, qr or svd")
    if solver in ("auto", "cholesky"):
        cond_eq = equilibrated_gram_cond(stats.gram) if solver == "auto" else 0.0
        if cond_eq <= MAX_GRAM_COND_FLOAT64:
            w = solve_cholesky(stats.gram, stats.xty)
            if w is not None and (solver == "cholesky" or dtype == torch.float64
                                  or float32_error_bound(stats.gram, w, cond_eq) <= FLOAT32_TARGET):
                return LstsqResult(w, "cholesky", gram_cond(stats.gram), stats.p)
            if w is None:
                warnings.warn("XᵀX is not numerically positive definite: using the SVD instead",
                              RankDeficientWarning, stacklevel=3)
    Xc, yc = centered_data()
    res = solve_orthogonal(Xc.to(torch.float64), yc.to(torch.float64), prefer_svd=solver == "svd")
    return LstsqResult(res.coef.to(stats.device), res.solver, res.cond, res.rank)
