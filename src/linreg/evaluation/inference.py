"""Inference for the penalized models: ridge's analytic covariance, the elastic-net bootstrap.

OLS inference lives with the estimator (``LinearRegression(inference=True).results_``,
:mod:`linreg.models.results`).
"""

from __future__ import annotations

import sys

import numpy as np
import torch
from tqdm import tqdm

from linreg.models.enet import solve_enet
from linreg.models.stats import compute_stats


def ridge_covariance(X: np.ndarray, y: np.ndarray, coef: np.ndarray, intercept: float, alpha: float):
    """Analytic covariance of the ridge coefficients at a fixed alpha (sklearn's scaling).

    With G = X_cᵀX_c = VΛVᵀ (the estimators' own statistics) and A = (G + αI)⁻¹:
    Var(ŵ) = σ² A G A = σ² V diag(λ/(λ + α)²) Vᵀ, and σ̂² = RSS / (n − df − 1) with
    df = tr(G A) = Σ λ/(λ + α) the effective degrees of freedom, RSS from the
    statistics too (no pass over X beyond the one that forms them).
    This is the sampling variance *around a biased target*: ŵ ± 1.96·SE covers
    E[ŵ] (shrunk towards zero), not β, so it is not a confidence interval for β.
    Returns (standard errors (p,), df, σ̂²).
    """
    st = compute_stats(X, y, dtype=torch.float64, device=torch.device("cpu"))
    lam, V = torch.linalg.eigh(st.gram)
    lam = lam.clamp(min=0.0)
    shrink = torch.where(lam + alpha > 0, lam / (lam + alpha), torch.zeros_like(lam))  # λ/(λ + α)
    df = float(shrink.sum())
    sigma2 = float(st.sse(torch.as_tensor(coef, dtype=torch.float64), float(intercept))) / (len(y) - df - 1)
    var = (V**2) @ torch.where(lam > 0, shrink / (lam + alpha), torch.zeros_like(lam))  # diag(V diag(λ/(λ+α)²) Vᵀ)
    return np.sqrt(sigma2 * var.numpy()), df, sigma2


def bootstrap_enet(X: np.ndarray, y: np.ndarray, alpha: float, l1_ratio: float, *, resamples: int,
                   rng: np.random.Generator, tol: float = 1e-10, level: float = 0.95, max_iter: int = 10_000,
                   warm_start: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Percentile bootstrap of elastic-net coefficients at a fixed alpha (rows resampled).

    Describes how the estimate varies over resamples at this α. It is not a valid
    confidence interval for β: the lasso is biased towards zero, the α was chosen
    on validation data (no post-selection correction), and the percentile
    interval of a coefficient that is often exactly zero collapses to [0, 0].

    Each resample starts from ``warm_start`` (the full-data fit, which a resample
    is close to), so coordinate descent needs a handful of sweeps, not thousands;
    ``max_iter`` bounds the rest.
    """
    n = len(y)
    cpu = torch.device("cpu")
    draws = np.empty((resamples, X.shape[1]))
    w0 = None if warm_start is None else torch.as_tensor(np.asarray(warm_start, dtype=np.float64))
    for b in tqdm(range(resamples), desc="bootstrap", file=sys.stderr, disable=None, leave=False):
        rows = rng.integers(0, n, n)
        st = compute_stats(X[rows], y[rows], dtype=torch.float64, device=cpu)
        res = solve_enet(st.gram, st.xty, st.yty, st.n, alpha, l1_ratio, solver="cd", tol=tol, max_iter=max_iter,
                         w0=w0)
        draws[b] = res.coef.numpy()
    tail = (1 - level) / 2 * 100
    return {"lower": np.percentile(draws, tail, axis=0), "upper": np.percentile(draws, 100 - tail, axis=0),
            "std": draws.std(axis=0, ddof=1), "selected_fraction": (draws != 0).mean(axis=0)}
