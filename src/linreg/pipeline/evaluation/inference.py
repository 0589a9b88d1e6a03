"""Inference for the penalized models that needs the pipeline: the elastic-net's Poisson bootstrap.

OLS inference lives with the estimator (``LinearRegression(inference=True).results_``) and
ridge's analytic covariance beside it (``linreg.models.inference.ridge_covariance``): both are
the library's, computed from its fit or its statistics alone.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from linreg.models.numerics import tree_merge
from linreg.models.solvers import solve_enet
from linreg.models.stats import Stats
from linreg.pipeline import seeds

BOOTSTRAP_BLOCK_ROWS = 2**16  # in memory: fixed logical blocks of rows, each with its own stream of weights


@dataclass(frozen=True)
class BootstrapMoments:
    """Σ over some rows of w_bi aᵢaᵢᵀ for every resample b, aᵢ = [xᵢ − s | 1 | yᵢ − t]: they add across blocks."""

    M: np.ndarray  # (B, p + 2, p + 2) float64
    rows: int


def bootstrap_shift(X: np.ndarray, y: np.ndarray, chunk_rows: int = 4096) -> tuple[np.ndarray, float]:
    """(s, t): the means of the first rows, subtracted before products so that offsets cost no digits."""
    return np.asarray(X[:chunk_rows], dtype=np.float64).mean(0), float(np.mean(y[:chunk_rows]))


def bootstrap_block(
    X: np.ndarray, y: np.ndarray, block: int, *, resamples: int, seed: int, shift: tuple, chunk_rows: int = 4096
) -> BootstrapMoments:
    """One block's weighted moments for all resamples; its Poisson(1) weights come from the block's own stream.

    Every chunk of rows is copied once into A = [X − s | 1 | y − t] and all B weighted moment
    matrices Aᵀ diag(w_b) A are accumulated from it in one batched product, in float64.
    """
    s, t = shift
    n, p = X.shape
    W = seeds.rng(seed, "bootstrap", block).poisson(1.0, size=(resamples, n)).astype(np.float64)
    M = np.zeros((resamples, p + 2, p + 2))
    A = np.empty((min(chunk_rows, n), p + 2))
    for c in range(0, n, chunk_rows):
        e = min(c + chunk_rows, n)
        a = A[: e - c]
        np.subtract(X[c:e], s, out=a[:, :p])  # the table's arrays are read-only views: only read here
        a[:, p] = 1.0
        a[:, p + 1] = y[c:e] - t
        w = W[:, c:e]  # (B, m)
        M += np.matmul((w[:, :, None] * a[None]).transpose(0, 2, 1), a)  # (B, k, k): one product per resample
    return BootstrapMoments(M, n)


def merge_bootstrap(a: BootstrapMoments, b: BootstrapMoments) -> BootstrapMoments:
    return BootstrapMoments(a.M + b.M, a.rows + b.rows)


def bootstrap_stats(blocks: list[BootstrapMoments], shift: tuple) -> list[Stats | None]:
    """Each resample's ``Stats`` from its blocks' moments (merged in block order), un-shifted
    exactly as ``compute_stats()`` does. None where no row drew any weight."""
    s, t = shift
    total_moments = tree_merge(blocks, merge_bootstrap)
    p = total_moments.M.shape[1] - 2
    out: list[Stats | None] = []
    for Mb in total_moments.M:
        total = float(Mb[p, p])
        if total <= 0:
            out.append(None)
            continue
        d, e_ = Mb[:p, p] / total, Mb[p + 1, p] / total
        gram = Mb[:p, :p] - total * np.outer(d, d)
        out.append(
            Stats(
                n=total,
                x_mean=s + d,
                y_mean=np.asarray(t + e_),
                gram=(gram + gram.T) / 2,
                xty=Mb[:p, p + 1] - total * d * e_,
                yty=Mb[p + 1, p + 1] - total * e_ * e_,
                rows=total_moments.rows,
            )
        )
    return out


def poisson_bootstrap_stats(
    X: np.ndarray, y: np.ndarray, *, resamples: int, seed: int, block_rows: int = BOOTSTRAP_BLOCK_ROWS
) -> list[Stats | None]:
    """Statistics of ``resamples`` Poisson bootstrap resamples of rows in memory, all in one pass.

    Each row enters resample b with weight w_bi ~ Poisson(1) (the Poisson bootstrap: the
    multinomial counts of the classical bootstrap, made independent across rows so that each
    block of rows draws its own, from the ``bootstrap`` stream of that block id), so a table's
    blocks can be summarised anywhere (the evaluate stage: on the engine's workers, one block
    per row group) and merged. X is read once and never copied per resample.
    """
    shift = bootstrap_shift(X, y)
    blocks = [
        bootstrap_block(X[a : a + block_rows], y[a : a + block_rows], b, resamples=resamples, seed=seed, shift=shift)
        for b, a in enumerate(range(0, X.shape[0], block_rows))
    ]
    return bootstrap_stats(blocks, shift)


def bootstrap_enet(
    resamples: list[Stats | None],
    alpha: float,
    l1_ratio: float,
    *,
    tol: float = 1e-10,
    level: float = 0.95,
    max_iter: int = 10_000,
    warm_start: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Percentile Poisson bootstrap of elastic-net coefficients at a fixed alpha.

    Describes how the estimate varies over resamples at this α. It is not a valid
    confidence interval for β: the lasso is biased towards zero, the α was chosen
    on validation data (no post-selection correction), and the percentile
    interval of a coefficient that is often exactly zero collapses to [0, 0].

    ``resamples`` are the resamples' statistics, from one pass (``poisson_bootstrap_stats()``
    in memory, or blockwise); each resample is then a p×p coordinate descent, started from ``warm_start``
    (the full-data fit, which a resample is close to), so it needs a handful of
    sweeps; ``max_iter`` bounds the rest. The objective's 1/2n uses each
    resample's total weight, as scikit-learn's ``sample_weight`` convention does.
    """
    w0 = None if warm_start is None else np.asarray(warm_start, dtype=np.float64)
    draws = []
    for st in tqdm(resamples, desc="bootstrap", file=sys.stderr, disable=None, leave=False):
        if st is None:
            continue
        res = solve_enet(st.gram, st.xty, st.yty, st.n, alpha, l1_ratio, solver="cd", tol=tol, max_iter=max_iter, w0=w0)
        draws.append(np.asarray(res.coef))
    sample = np.array(draws)  # (resamples kept, p)
    tail = (1 - level) / 2 * 100
    return {
        "lower": np.percentile(sample, tail, axis=0),
        "upper": np.percentile(sample, 100 - tail, axis=0),
        "std": sample.std(axis=0, ddof=1),
        "selected_fraction": (sample != 0).mean(axis=0),
    }
