"""Inference for the penalized models: ridge's analytic covariance, the elastic-net bootstrap.

OLS inference lives with the estimator (``LinearRegression(inference=True).results_``,
:mod:`linreg.models.results`).
"""

from __future__ import annotations

import sys

import numpy as np
import torch
from tqdm import tqdm

from linreg import seeds
from linreg.models.enet import solve_enet
from linreg.models.stats import Stats, compute_stats


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


BOOTSTRAP_BLOCK_ROWS = 2**16  # fixed logical blocks of rows, each with its own stream of weights


def poisson_bootstrap_stats(X: np.ndarray, y: np.ndarray, *, resamples: int, seed: int,
                            block_rows: int = BOOTSTRAP_BLOCK_ROWS, chunk_rows: int = 4096) -> list[Stats | None]:
    """Statistics of ``resamples`` Poisson bootstrap resamples, all in one pass over the rows.

    Each row enters resample b with weight w_bi ~ Poisson(1) (the Poisson bootstrap: the
    multinomial counts of the classical bootstrap, made independent across rows so that each
    block of rows draws its own, from the ``bootstrap`` stream of that block id). Every chunk of
    rows is copied once into A = [X − s | 1 | y − t] (s, t: the first chunk's means, so offsets
    cost no digits) and all B weighted moment matrices Aᵀ diag(w_b) A are accumulated from it in
    one batched product, in float64; each is then un-shifted exactly as
    :func:`~linreg.models.stats.compute_stats` does. X is read once and never copied per
    resample. None for a resample in which no row drew any weight.
    """
    n, p = X.shape
    first = torch.from_numpy(np.ascontiguousarray(X[:chunk_rows], dtype=np.float64))
    s = first.mean(0)
    t = float(np.mean(y[:chunk_rows]))
    M = torch.zeros(resamples, p + 2, p + 2, dtype=torch.float64)
    for block, start in enumerate(range(0, n, block_rows)):
        stop = min(start + block_rows, n)
        W = torch.from_numpy(seeds.rng(seed, "bootstrap", block).poisson(1.0, size=(resamples, stop - start))
                             .astype(np.float64))
        for c in range(start, stop, chunk_rows):
            e = min(c + chunk_rows, stop)
            A = torch.empty(e - c, p + 2, dtype=torch.float64)
            torch.sub(torch.from_numpy(np.ascontiguousarray(X[c:e], dtype=np.float64)), s, out=A[:, :p])
            A[:, p] = 1.0
            A[:, p + 1] = torch.from_numpy(np.asarray(y[c:e], dtype=np.float64)) - t
            w = W[:, c - start : e - start]  # (B, m)
            M += torch.matmul((w[:, :, None] * A[None]).transpose(1, 2), A)  # (B, k, k)
    out: list[Stats | None] = []
    for Mb in M:
        total = float(Mb[p, p])
        if total <= 0:
            out.append(None)
            continue
        d, e_ = Mb[:p, p] / total, Mb[p + 1, p] / total
        gram = Mb[:p, :p] - total * torch.outer(d, d)
        out.append(Stats(n=total, x_mean=s + d, y_mean=torch.tensor(t) + e_, gram=(gram + gram.T) / 2,
                         xty=Mb[:p, p + 1] - total * d * e_, yty=Mb[p + 1, p + 1] - total * e_ * e_, rows=n))
    return out


def bootstrap_enet(X: np.ndarray, y: np.ndarray, alpha: float, l1_ratio: float, *, resamples: int, seed: int,
                   tol: float = 1e-10, level: float = 0.95, max_iter: int = 10_000,
                   warm_start: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Percentile Poisson bootstrap of elastic-net coefficients at a fixed alpha.

    Describes how the estimate varies over resamples at this α. It is not a valid
    confidence interval for β: the lasso is biased towards zero, the α was chosen
    on validation data (no post-selection correction), and the percentile
    interval of a coefficient that is often exactly zero collapses to [0, 0].

    The resamples' statistics come from one pass (:func:`poisson_bootstrap_stats`);
    each resample is then a p×p coordinate descent, started from ``warm_start``
    (the full-data fit, which a resample is close to), so it needs a handful of
    sweeps; ``max_iter`` bounds the rest. The objective's 1/2n uses each
    resample's total weight, as scikit-learn's ``sample_weight`` convention does.
    """
    w0 = None if warm_start is None else torch.as_tensor(np.asarray(warm_start, dtype=np.float64))
    draws = []
    for st in tqdm(poisson_bootstrap_stats(X, y, resamples=resamples, seed=seed), desc="bootstrap",
                   file=sys.stderr, disable=None, leave=False):
        if st is None:
            continue
        res = solve_enet(st.gram, st.xty, st.yty, st.n, alpha, l1_ratio, solver="cd", tol=tol, max_iter=max_iter,
                         w0=w0)
        draws.append(res.coef.numpy())
    sample = np.array(draws)  # (resamples kept, p)
    tail = (1 - level) / 2 * 100
    return {"lower": np.percentile(sample, tail, axis=0), "upper": np.percentile(sample, 100 - tail, axis=0),
            "std": sample.std(axis=0, ddof=1), "selected_fraction": (sample != 0).mean(axis=0)}
