"""Closed-form least squares: Cholesky on the Gram matrix, exact QR of the design, or the minimum-norm SVD.

Notation: X_c, y_c are the centered data (or raw, without an intercept); the
statistics give G = X_cᵀX_c and c = X_cᵀy_c.

* Cholesky solves G w = c. It needs only the statistics (one pass over X) but
  its error grows like u·κ_eq(G) (u the unit roundoff), so it is used only
  when that is provably small.
* A small well-conditioned design (n·k² ≤ ``EXACT_MAX_WORK``) is solved by
  Householder QR of its centred rows: backward stable, error ~ u·κ(X_c), as
  scikit-learn's ``lstsq`` on centred data.
* Otherwise the design as given is solved by equilibrated QR refined in
  double-double (``linreg.models._exact``): the float64 solution nearest the
  exact least-squares solution of the given numbers, whatever the conditioning
  short of singular.
* A design singular to working precision gets the minimum-norm solution from
  the SVD, with a ``RankDeficientWarning``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg

from linreg.models._device import as_numpy_dtype, is_torch, namespace
from linreg.models._exact import power_of_two_scales, refined_lstsq
from linreg.models.stats import CHUNK_ROWS, Stats
from linreg.models.stats.moments import like

# Cholesky on a float64 G loses about log10(κ_eq(G)) digits (and the centring and the Gram's own
# rounding a little more); allow it while ~13 digits remain: κ_eq ≤ 1e3 (the Longley measurement behind
# it: docs/performance.md, "Design measurements").
MAX_GRAM_COND_FLOAT64 = 1e3
# Below this n·k² (k = p + 1) the rows are cheap to factor: `auto` solves a well-conditioned design by
# Householder QR of the centred rows (``solve_centred_qr``: scikit-learn's accuracy at its speed, where
# Cholesky on the Gram lost 1–3 digits more) and an ill-conditioned one by the exact refined QR, which costs
# about 1–3 ms more there; `inference=True` takes the exact QR (docs/performance.md, "Design measurements").
EXACT_MAX_WORK = 100_000
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
    coef: Any  # (p,) float64, of the statistics' library (NumPy or torch)
    solver: str
    cond: float  # √κ_eq of the centred design (inf when rank deficient)
    rank: int
    intercept: float | None = None  # when the solver found it directly, not from the means


def equilibrated_gram_cond(gram) -> float:
    """cond(D⁻½ G D⁻½) with D = diag(G): the conditioning that column scaling cannot fix."""
    xp = namespace(gram)
    d = xp.sqrt(xp.linalg.diagonal(gram))
    if bool(xp.any(d == 0)):
        return float("inf")
    eig = xp.linalg.eigvalsh(gram / (d[:, None] * d[None, :]))
    return float(eig[-1] / eig[0]) if eig[0] > 0 else float("inf")


def float32_error_bound(gram, coef, cond_eq: float | None = None) -> float:
    """Bound on ‖δw‖₂ / ‖w‖₂ when G carries float32 rounding (relative FLOAT32_GRAM_EPS per entry).

    With D = diag(G)^½ and v = D w the equilibrated solution, ‖δv‖ ≤ κ_eq·ε·‖v‖
    to first order (κ_eq = cond(D⁻¹GD⁻¹)); mapping back, |δw_j| = |δv_j| / d_j, so
    ‖δw‖₂ / ‖w‖₂ ≤ κ_eq · ε · ‖Dw‖₂ / (min_j d_j · ‖w‖₂). Standardized data have
    d_j all alike and the bound is κ_eq·ε; columns on very different scales pay
    for their spread.
    """
    xp = namespace(gram)
    d = xp.sqrt(xp.linalg.diagonal(gram))
    coef = like(coef, d)
    w_norm = float(xp.linalg.vector_norm(coef))
    if w_norm == 0.0:
        return 0.0
    if cond_eq is None:
        cond_eq = equilibrated_gram_cond(gram)
    return cond_eq * FLOAT32_GRAM_EPS * float(xp.linalg.vector_norm(d * coef)) / (float(xp.min(d)) * w_norm)


def design_condition_number(X) -> float:
    """cond([1, X]): the 2-norm condition number of the design with its intercept column.

    This is the matrix gradient descent works on, so it is what feature scaling
    changes (its square bounds the iterations GD needs). Computed by an SVD: for
    reports and metrics, never on the data path (its last bits depend on LAPACK).
    """
    import numpy as np

    design = np.column_stack([np.ones(len(X)), X])
    return float(np.linalg.cond(design))


def whitened_design(X, sqrt_weight, fit_intercept: bool):
    """Z = [1, X] (or X without an intercept), rows multiplied by √wᵢ when weighted: (n, k). NumPy or torch."""
    xp = namespace(X)
    if sqrt_weight is not None:
        X = X * sqrt_weight[:, None]
    if not fit_intercept:
        return X
    ones = xp.ones_like(X[:, :1]) if sqrt_weight is None else xp.astype(sqrt_weight[:, None], X.dtype)
    return xp.concat([ones, X], axis=1)


def solve_cholesky(gram, xty, ridge: float = 0.0):
    """Solve (G + ridge·I) w = c; ``None`` when the matrix is not numerically positive definite.

    NumPy statistics: LAPACK's POTRF/POTRS through SciPy; torch tensors: torch's, on their device.
    """
    if not is_torch(gram):
        A = gram + ridge * np.eye(gram.shape[0])
        try:
            factor = scipy.linalg.cho_factor(A, lower=True, check_finite=False)
        except np.linalg.LinAlgError:
            return None
        return scipy.linalg.cho_solve(factor, xty, check_finite=False)
    import torch

    A = gram + ridge * torch.eye(gram.shape[0], dtype=gram.dtype, device=gram.device)
    L, info = torch.linalg.cholesky_ex(A)
    if int(info) != 0:
        return None
    return torch.cholesky_solve(xty.unsqueeze(1), L).squeeze(1)


def solve_centred_qr(X, y, x_mean, y_mean, sqrt_weight=None):
    """Slopes w of min ‖(y − ȳ) − (X − x̄) w‖ (rows times √wᵢ when weighted) by Householder QR; ``None`` if singular.

    One QR of the augmented [X − x̄ | y − ȳ]: its last column's top p entries are Qᵀ(y − ȳ), so
    R w = that (Golub's classic form). Backward stable, so the slopes' error is about u·κ(X_c) (not
    κ² as for Cholesky on the Gram), the accuracy of scikit-learn's ``lstsq`` on centred data. With
    weighted means x̄, ȳ these are weighted least squares' slopes. The intercept follows from the means.
    NumPy (LAPACK's GEQRF and TRTRS through SciPy) or torch on the tensors' device.
    """
    n, p = X.shape
    if not is_torch(X):
        A = np.empty((n, p + 1), order="F")
        np.subtract(X, x_mean, out=A[:, :p])
        np.subtract(y, y_mean, out=A[:, p])
        if sqrt_weight is not None:
            A *= sqrt_weight[:, None]
        qr, _, _, info = scipy.linalg.lapack.dgeqrf(A, overwrite_a=1)
        if info != 0 or n < p:
            return None
        w, info = scipy.linalg.lapack.dtrtrs(qr[:p, :p], qr[:p, p], lower=0)
        return w if info == 0 and bool(np.isfinite(w).all()) else None
    import torch

    T = torch.cat([X - x_mean, (y - y_mean)[:, None]], dim=1)
    if sqrt_weight is not None:
        T = T * sqrt_weight[:, None]
    if n < p:
        return None
    R = torch.linalg.qr(T, mode="r").R
    if bool((torch.diagonal(R[:p, :p]) == 0).any()):
        return None
    w = torch.linalg.solve_triangular(R[:p, :p], R[:p, p:], upper=True)[:, 0]
    return w if bool(torch.isfinite(w).all()) else None


def solve_min_norm(Xc, yc) -> LstsqResult:
    """Minimum-norm least squares by the SVD (``lstsq``'s answer), for rank-deficient or forced-SVD problems.

    The rank test runs on the equilibrated columns (each scaled to unit norm), so
    a column on a scale of 1e-8 beside one of 1e8 is not mistaken for a zero
    column; the solution itself is the minimum-norm one in X's own units.
    """
    xp = namespace(Xc)
    n, p = Xc.shape
    Xs = Xc * power_of_two_scales(Xc)  # exact, and safe where squares underflow (X of order 1e-300)
    norms = xp.linalg.vector_norm(Xs, axis=0)
    live = norms > 0
    eq = xp.linalg.svdvals(Xs[:, live] / norms[live]) if bool(xp.any(live)) else xp.zeros_like(norms[:0])
    eps = xp.finfo(Xc.dtype).eps
    rank = int(xp.sum(eq > max(n, p) * eps * eq[0])) if eq.shape[0] and eq[0] > 0 else 0
    if rank < p:
        warnings.warn(
            f"X has rank {rank} < {p} features (to working precision, whatever the columns' units): "
            "returning the minimum-norm least-squares solution",
            RankDeficientWarning,
            stacklevel=4,
        )
    U, s, Vh = xp.linalg.svd(Xc, full_matrices=False)
    keep = xp.arange(s.shape[0], device=getattr(s, "device", None)) < rank  # the rank largest singular values of X
    inv = xp.where(keep, 1 / xp.where(keep, s, xp.ones_like(s)), xp.zeros_like(s))
    w = Vh.T @ (inv * (U.T @ yc))
    return LstsqResult(xp.astype(w, xp.float64), "svd", float("inf") if rank < p else float(eq[0] / eq[-1]), rank)


def exact_is_cheap(stats: Stats, fit_intercept: bool) -> bool:
    """Whether the exact solver's cost is negligible here: n·k² ≤ ``EXACT_MAX_WORK``."""
    return stats.rows * (stats.p + int(fit_intercept)) ** 2 <= EXACT_MAX_WORK


def solve_ols(
    stats: Stats,
    solver: str,
    dtype,
    fit_intercept: bool,
    design: Callable[[], tuple[Any, Any]],
    sqrt_weight=None,
) -> LstsqResult:
    """Dispatch on ``solver``; ``auto`` takes Cholesky when the problem is provably well conditioned.

    * ``cholesky``: G w = c on the statistics (one pass over X, error ~ κ_eq·u).
    * ``qr``: ``linreg.models._exact.refined_lstsq()`` on the design exactly as
      given ([1, X] with an intercept), refined in double-double: the float64
      solution nearest the exact one of the given numbers.
    * ``svd``: the minimum-norm solution (the answer for rank-deficient X).
    * ``auto``: when κ_eq(G) ≤ ``MAX_GRAM_COND_FLOAT64`` (the design is provably well
      conditioned), ``centred_qr`` on a small design (n·k² ≤ ``EXACT_MAX_WORK``:
      ``solve_centred_qr()``, scikit-learn's accuracy) and Cholesky on a larger one
      (for float32 statistics, while ``float32_error_bound()`` ≤ ``FLOAT32_TARGET``);
      otherwise ``qr``; and ``svd`` when the design is singular to working precision.

    ``design()`` returns (X, y) on the device as given; only the orthogonal
    solvers call it, in float64 whatever ``dtype`` the statistics used, so the
    well-conditioned path never makes a second copy of X. ``intercept`` is set
    when the solver computed it directly (``qr``); otherwise it follows from the
    means. Coefficients come back on the statistics' device. ``cond`` is always
    √κ_eq(G): the condition number of the centred design that column scaling
    cannot improve.

    With sample weights (``sqrt_weight`` = √w, and ``stats`` weighted) the
    orthogonal solvers work on the whitened design [√w, √w·X] and √w·y:
    weighted least squares, as statsmodels' ``WLS``.
    """
    if solver not in ("auto", "cholesky", "qr", "svd"):
        raise ValueError(f"unknown OLS solver {solver!r}; use auto, cholesky, qr or svd")
    cond_eq = equilibrated_gram_cond(stats.gram)
    cond = math.sqrt(cond_eq) if math.isfinite(cond_eq) else math.inf
    easy = solver == "auto" and cond_eq <= MAX_GRAM_COND_FLOAT64 and not stats.underflow
    if easy and exact_is_cheap(stats, fit_intercept):
        X, y = design()
        xp = namespace(X)
        X, y = xp.astype(X, xp.float64), xp.astype(y, xp.float64)
        sw = None if sqrt_weight is None else like(sqrt_weight, X)
        w = solve_centred_qr(X, y, like(stats.x_mean, X), like(stats.y_mean, y), sw)
        if w is not None:
            return LstsqResult(like(w, stats.gram), "centred_qr", cond, stats.p)
    if solver == "cholesky" or (easy and not exact_is_cheap(stats, fit_intercept)):
        w = solve_cholesky(stats.gram, stats.xty)
        if w is not None and (
            solver == "cholesky"
            or as_numpy_dtype(dtype) == np.float64
            or float32_error_bound(stats.gram, w, cond_eq) <= FLOAT32_TARGET
        ):
            return LstsqResult(w, "cholesky", cond, stats.p)
        if w is None:
            warnings.warn(
                "XᵀX is not numerically positive definite: using the SVD instead", RankDeficientWarning, stacklevel=3
            )
    X, y = design()
    xp = namespace(X)
    X, y = xp.astype(X, xp.float64), xp.astype(y, xp.float64)
    sw = None if sqrt_weight is None else like(sqrt_weight, X)
    if solver != "svd":
        Z = whitened_design(X, sw, fit_intercept)
        exact = refined_lstsq(Z, y if sw is None else y * sw)
        if exact.rank == Z.shape[1]:
            theta = like(exact.theta, stats.gram)
            coef, b = (theta[1:], float(theta[0])) if fit_intercept else (theta, None)
            return LstsqResult(coef, "qr", cond, stats.p, intercept=b)
    if fit_intercept:  # rank deficient: lstsq's minimum-norm slopes on centred data, the intercept from the means
        X, y = X - like(stats.x_mean, X), y - like(stats.y_mean, y)
    if sw is not None:
        X, y = X * sw[:, None], y * sw
    res = solve_min_norm(X, y)
    return LstsqResult(like(res.coef, stats.gram), res.solver, cond if res.rank == stats.p else math.inf, res.rank)
