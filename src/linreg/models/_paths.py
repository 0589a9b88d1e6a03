"""Regularization paths on the statistics, warm-started, and selection on the validation split."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from linreg.models._base import is_dask_array
from linreg.models._closed_form import solve_cholesky
from linreg.models._device import is_torch, namespace, to_numpy, torch_module
from linreg.models._enet import alpha_grid, alpha_max, solve_enet
from linreg.models.stats import Stats, as_tensor, held_out_sse
from linreg.models.stats.moments import like


@dataclass(frozen=True)
class Path:
    alphas: np.ndarray  # (K,) decreasing
    coefs: Any  # (K, p) float64, of the statistics' library (NumPy or torch)
    intercepts: Any  # (K,)
    n_iter: np.ndarray  # (K,)
    gaps: np.ndarray  # (K,) duality gaps in the (1/2n) scaling; 0 for ridge (exact)
    converged: np.ndarray  # (K,) bool


def ridge_coefs(gram, xty, alphas, eigen: bool = False):
    """(G + αI)⁻¹c for each α: Cholesky for one α, one eigendecomposition for many (or with ``eigen``).

    With G = V Λ Vᵀ, w(α) = V diag(1/(λ + α)) Vᵀc; eigen-directions with
    λ + α ≈ 0 (a singular G at α = 0) are dropped, giving the minimum-norm solution. NumPy or torch
    (the statistics' library; ``alphas`` may be a NumPy array either way).
    """
    xp = namespace(gram)
    alphas = like(alphas, gram)
    if alphas.shape[0] == 1 and not eigen:
        w = solve_cholesky(gram, xty, float(alphas[0]))
        if w is not None:
            return w[None, :]
    lam, V = xp.linalg.eigh(gram)
    z = V.T @ xty  # (p,)
    denom = lam[None, :] + alphas[:, None]  # (K, p)
    cutoff = xp.finfo(xp.float64).eps * gram.shape[0] * max(float(lam[-1]), 0.0)
    inv = xp.where(denom > cutoff, 1 / denom, xp.zeros_like(denom))
    return (inv * z) @ V.T  # (K, p)


def ridge_alpha_grid(stats: Stats, n_alphas: int, alpha_min_ratio: float) -> np.ndarray:
    """Geometric grid from 10 λ_max(X_cᵀX_c) (every coefficient shrunk ~10×) downwards.

    Ridge never zeroes a coefficient, so it has no alpha_max; this top end plays its
    role: the effective degrees of freedom Σλᵢ/(λᵢ + α) run from near 0 up to near p.
    """
    top = 10 * float(stats.xp.linalg.eigvalsh(stats.gram)[-1])
    return alpha_grid(top, alpha_min_ratio, n_alphas)


def enet_alpha_grid(stats: Stats, l1_ratio: float, n_alphas: int, alpha_min_ratio: float) -> np.ndarray:
    """scikit-learn's grid: geometric from alpha_max (all coefficients zero) down to alpha_max · ratio."""
    return alpha_grid(alpha_max(stats.xty, stats.n, l1_ratio), alpha_min_ratio, n_alphas)


def _intercepts(stats: Stats, coefs):
    return stats.y_mean - coefs @ stats.x_mean


def ridge_path(stats: Stats, alphas: np.ndarray) -> Path:
    coefs = ridge_coefs(stats.gram, stats.xty, np.asarray(alphas, dtype=np.float64))
    K = len(alphas)
    return Path(alphas, coefs, _intercepts(stats, coefs), np.zeros(K, int), np.zeros(K), np.ones(K, bool))


def enet_path_from_stats(
    stats: Stats,
    alphas: np.ndarray,
    l1_ratio: float,
    *,
    solver: str,
    tol: float,
    max_iter: int,
    positive: bool = False,
    w0=None,
) -> Path:
    """Elastic-net fits on ``stats`` along decreasing alphas, each warm-started from the previous (the first
    from ``w0``): what ``linreg.models.enet_path`` (X and y in, scikit-learn's signature) and the CV and
    validated estimators run."""
    xp = stats.xp
    w = xp.zeros_like(stats.xty) if w0 is None else like(w0, stats.gram)
    lipschitz = float(xp.linalg.eigvalsh(stats.gram)[-1]) if solver == "fista" else None
    coefs, n_iter, gaps, converged = [], [], [], []
    for alpha in alphas:
        res = solve_enet(
            stats.gram,
            stats.xty,
            stats.yty,
            stats.n,
            float(alpha),
            l1_ratio,
            solver=solver,
            tol=tol,
            max_iter=max_iter,
            w0=w,
            lipschitz=lipschitz,
            positive=positive,
        )
        w = res.coef
        coefs.append(w)
        n_iter.append(res.n_iter)
        gaps.append(res.gap / stats.n)
        converged.append(res.converged)
    coefs_t = xp.stack(coefs)
    return Path(
        np.asarray(alphas), coefs_t, _intercepts(stats, coefs_t), np.array(n_iter), np.array(gaps), np.array(converged)
    )


@dataclass(frozen=True)
class Selection:
    mse: np.ndarray  # (K,) validation MSE per alpha
    best: int  # index of the minimum validation MSE
    se_best: float  # standard error of the MSE at that alpha
    one_se: int  # largest alpha whose MSE is within one SE of the minimum


def select_alpha(path: Path, val_stats: Stats, X_val: Any, y_val: Any) -> Selection:
    """Validation error along the path; pick the minimum and the one-standard-error alpha.

    The MSE at every alpha comes from the validation statistics (p×p work per
    alpha, no pass over X_val). The 1-SE rule needs the standard error at the
    minimum only — std((y − ŷ)²)/√n_val, one product X_val w — and then takes the
    simplest model (largest α: alphas decrease along the path) within it.
    """
    W = like(path.coefs, val_stats.gram)  # (K, p)
    mse = to_numpy(held_out_sse(W, path.intercepts, val_stats) / val_stats.n)
    best = int(np.argmin(mse))
    if is_dask_array(X_val):  # blockwise, where the rows are
        w, b = to_numpy(W[best]), float(path.intercepts[best])
        se_best = float(((y_val - X_val @ w - b) ** 2).std(ddof=1).compute()) / np.sqrt(len(y_val))
    elif isinstance(X_val, np.ndarray):  # NumPy rows: NumPy's product (a torch one here made the next
        # NumPy products wait for torch's spinning threads: docs/performance.md, "Design measurements")
        w = to_numpy(W[best]).astype(X_val.dtype, copy=False)
        fitted = (X_val @ w).astype(np.float64) + float(path.intercepts[best])
        resid = np.asarray(y_val, dtype=np.float64) - fitted
        se_best = float((resid**2).std(ddof=1)) / np.sqrt(len(y_val))
    else:
        # Where the rows are, in their own precision: the path's coefficients live on the host (p×p
        # algebra), and moving X_val there instead (as float64) cost a copy of it, the whole fit's time
        # on a GPU (docs/performance.md, "Design measurements"). Only the product is in their precision;
        # the intercept and y enter in float64 (a large offset stays exact).
        torch = torch_module()
        rows = X_val if is_torch(X_val) else torch.from_numpy(np.ascontiguousarray(X_val))
        w_best = like(W[best], rows)
        b_best = torch.tensor(float(path.intercepts[best]), dtype=torch.float64, device=rows.device)
        fitted = (rows @ w_best).to(torch.float64) + b_best
        resid = as_tensor(y_val, torch.float64, rows.device) - fitted  # (n_val,), offsets in float64
        se_best = float((resid**2).std() / np.sqrt(len(y_val)))
    within = np.flatnonzero(mse <= mse[best] + se_best)
    return Selection(mse, best, se_best, int(within.min()))
