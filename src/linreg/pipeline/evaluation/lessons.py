"""What the report teaches from, computed here so its sentences rest on measurements.

* ``gd_step_by_hand()``: one gradient-descent step on the one-feature demo, every number of it.
* ``paired_test_differences()``: each model's test MSE against a baseline's on the same rows,
  with the paired standard error, so a ranking is claimed only where it is resolved.
* ``regime_sweep()``: OLS, ridge, lasso and elastic net refitted on fresh data from the same
  generator at other (n, noise, correlation) settings, repeated over seeds: where a penalty helps.
* ``polynomial_curves()``: the fitted polynomial of every degree on a grid (the overfitting picture).
* ``gd_paths_on_demo()``, ``loss_surface()``: descent paths at several step sizes over J(b, w).
* ``all_lessons()``: all of these but the paired test, as the lessons stage writes them.
"""

from __future__ import annotations

import functools
import math
import multiprocessing
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from linreg.models import (
    GradientDescentRegressor,
    LinearRegression,
    ValidatedElasticNet,
    ValidatedLasso,
    ValidatedRidge,
)
from linreg.models.numerics import RankDeficientWarning
from linreg.pipeline import seeds
from linreg.pipeline.data.generate import features_and_target, make_synthetic
from linreg.pipeline.data.scale import fit_scaler
from linreg.pipeline.data.split import split_indices
from linreg.pipeline.evaluation.experiments import degree_sweep, polynomial_features
from linreg.pipeline.evaluation.metrics import mse

# A difference of test MSEs is "resolved" when its 95% interval (paired, normal) excludes zero.
Z95 = 1.959963984540054


def gd_step_by_hand(x: np.ndarray, y: np.ndarray, theta0: tuple[float, float] = (0.0, 0.0)) -> dict[str, float]:
    """One batch gradient-descent step for ŷ = b + w·x from ``theta0`` = (b, w), with η = 1/L.

    J(θ) = (1/2n) Σ (b + w xᵢ − yᵢ)²; ∂J/∂b = mean(e), ∂J/∂w = mean(e·x) with e = ŷ − y;
    L is the largest eigenvalue of the Hessian [[1, x̄], [x̄, mean(x²)]] and any η < 2/L converges.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    b0, w0 = float(theta0[0]), float(theta0[1])
    e0 = b0 + w0 * x - y
    grad_b, grad_w = float(np.mean(e0)), float(np.mean(e0 * x))
    hess = np.array([[1.0, x.mean()], [x.mean(), np.mean(x * x)]])
    # The 2×2 symmetric eigenvalue in closed form (no LAPACK: the same bits everywhere).
    tr, det = hess[0, 0] + hess[1, 1], hess[0, 0] * hess[1, 1] - hess[0, 1] ** 2
    L = tr / 2 + math.sqrt(max(tr * tr / 4 - det, 0.0))
    eta = 1.0 / L
    b1, w1 = b0 - eta * grad_b, w0 - eta * grad_w
    e1 = b1 + w1 * x - y
    # The bottom of the bowl, the least-squares line (cov/var from centred moments): J cannot go below it.
    xc, yc = x - x.mean(), y - y.mean()
    w_ls = float(np.mean(xc * yc) / np.mean(xc * xc))
    e_ls = y.mean() - w_ls * x.mean() + w_ls * x - y
    return {
        "n": len(y),
        "b0": b0,
        "w0": w0,
        "loss0": float(np.mean(e0 * e0)) / 2,
        "grad_b": grad_b,
        "grad_w": grad_w,
        "lipschitz": L,
        "eta": eta,
        "eta_max": 2.0 / L,
        "b1": b1,
        "w1": w1,
        "loss1": float(np.mean(e1 * e1)) / 2,
        "loss_min": float(np.mean(e_ls * e_ls)) / 2,
        "x_mean": float(x.mean()),
        "x2_mean": float(np.mean(x * x)),
    }


def paired_test_differences(y: np.ndarray, predictions: dict[str, np.ndarray], baseline: str) -> pd.DataFrame:
    """Each model's test MSE minus the baseline's, on the same rows, with its paired standard error.

    dᵢ = (yᵢ − ŷᵢ)² − (yᵢ − ŷ_baseline,ᵢ)²; the difference of MSEs is mean(d), its standard error
    sd(d)/√n. Pairing removes the rows' shared noise, which dominates either MSE's own error.
    """
    y = np.asarray(y, dtype=np.float64)
    base_sq = (y - np.asarray(predictions[baseline], dtype=np.float64)) ** 2
    n = len(y)
    rows = []
    for name, pred in predictions.items():
        sq = (y - np.asarray(pred, dtype=np.float64)) ** 2
        d = sq - base_sq
        diff = float(d.mean())
        se = float(d.std(ddof=1) / math.sqrt(n)) if n > 1 else float("nan")
        own_se = float(sq.std(ddof=1) / math.sqrt(n)) if n > 1 else float("nan")
        rows.append(
            {
                "model": name,
                "baseline": baseline,
                "n_test": n,
                "mse": float(sq.mean()),
                "mse_se": own_se,
                "diff": diff,
                "diff_se": se,
                "diff_lower": diff - Z95 * se,
                "diff_upper": diff + Z95 * se,
                # a difference below rounding (the same model twice) is no finding, however small its SE
                "resolved": bool(
                    name != baseline and se == se and abs(diff) > Z95 * se and abs(diff) > 1e-9 * float(base_sq.mean())
                ),
            }
        )
    return pd.DataFrame(rows)


def polynomial_curves(
    x_train: np.ndarray, y_train: np.ndarray, max_degree: int, points: int = 120, x_shown: np.ndarray | None = None
) -> pd.DataFrame:
    """OLS on raw powers, every degree 1 … max_degree, evaluated on a grid over the training range and
    any other points drawn beside the curve (``x_shown``, e.g. validation points): a high degree's wild
    extrapolation at the edges is the overfitting lesson, so the curve must reach every point shown."""
    span = np.concatenate([np.ravel(x_train), np.ravel(x_shown) if x_shown is not None else []])
    grid = np.linspace(float(np.min(span)), float(np.max(span)), points)
    frames = []
    for degree in range(1, max_degree + 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RankDeficientWarning)
            fit = LinearRegression(device="cpu").fit(polynomial_features(x_train, degree), y_train)
        frames.append(
            pd.DataFrame({"degree": degree, "x": grid, "fitted": fit.predict(polynomial_features(grid, degree))})
        )
    return pd.concat(frames, ignore_index=True)


REGIME_MODELS = ("ols", "ridge", "lasso", "elastic_net")


def regime_sweep(
    regimes: list[dict[str, Any]],
    *,
    repeats: int,
    design: dict[str, Any],
    path: dict[str, Any],
    split: dict[str, float],
    seed: int,
    workers: int | None = None,
) -> pd.DataFrame:
    """Test MSE of OLS, ridge, lasso and elastic net on fresh data at each regime, ``repeats`` times.

    Each regime overrides ``n_samples``, ``noise_std`` and ``correlation`` of the main data's
    ``design`` (the generate params); repeat r draws its data from seed (seed, regime, r). The rows
    are split by ``split``, standardized on the training rows, and α is chosen on validation as in
    the train stage (``path``: n_alphas, alpha_min_ratio, l1_ratio, tol, max_iter). One row per
    (regime, repeat, model), with the test MSE, its ratio to OLS's and whether α sat at the grid's edge.

    The (regime, repeat) datasets are independent, so ``workers`` processes (default: the CPUs this
    process may use; forked, on Linux) fit them side by side (``sweep_started``); the rows come back in
    the same order with the same numbers as from one process.
    """
    with sweep_started(
        regimes, repeats=repeats, design=design, path=path, split=split, seed=seed, workers=workers
    ) as rows:
        return rows()


@contextmanager
def sweep_started(
    regimes: list[dict[str, Any]], *, repeats: int, workers: int | None = None, **data: Any
) -> Iterator[Callable[[], pd.DataFrame]]:
    """``regime_sweep`` (the same arguments; ``data``: design, path, split, seed) started in forked worker
    processes; yields the function that waits for its rows.

    The caller goes on with other work meanwhile (the lessons stage computes the demo's lessons);
    leaving the block stops the workers, whether or not the rows were asked for.
    """
    items = [(k, regime, r) for k, regime in enumerate(regimes) for r in range(repeats)]
    fit: Callable[[tuple[int, dict[str, Any], int]], list[dict[str, Any]]] = functools.partial(_regime_rows, **data)
    workers = _cpus() if workers is None else workers
    # Forked only on Linux: macOS offers fork, but its system libraries (NumPy's Accelerate) are not safe
    # across it, which is why Python starts processes there by spawning them.
    if workers <= 1 or len(items) <= 1 or not sys.platform.startswith("linux"):
        yield lambda: pd.DataFrame([row for item in items for row in fit(item)])
        return
    pool = ProcessPoolExecutor(min(workers, len(items)), mp_context=multiprocessing.get_context("fork"))
    try:
        futures = [pool.submit(fit, item) for item in items]
        yield lambda: pd.DataFrame([row for future in futures for row in future.result()])
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _cpus() -> int:
    """The CPUs this process may run on (its affinity where the platform says it)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _regime_rows(
    item: tuple[int, dict[str, Any], int], *, design: dict[str, Any], path: dict[str, Any], split, seed: int
) -> list[dict[str, Any]]:
    """The rows of ``regime_sweep`` for one (regime index k, regime, repeat r): a dataset of its own."""
    k, regime, r = item
    frame, truth = make_synthetic(
        **{
            **design,
            "n_samples": regime["n_samples"],
            "noise_std": regime["noise_std"],
            "correlation": regime["correlation"],
        },
        seed=int(seeds.rng(seed, "regime", k, r).integers(2**32)),
    )
    X, y, _ = features_and_target(frame)
    parts = split_indices(len(y), **split, rng=seeds.rng(seed, "regime_split", k, r))
    scaler = fit_scaler(X[parts["train"]], truth["feature_names"], "standard")
    Xs = {s: scaler.transform(X[idx]) for s, idx in parts.items()}
    ys = {s: y[idx] for s, idx in parts.items()}
    fits = _regime_fits(Xs["train"], ys["train"], (Xs["validation"], ys["validation"]), path)
    ols_mse = mse(ys["test"], fits["ols"].predict(Xs["test"]))
    rows = []
    for name in REGIME_MODELS:
        est = fits[name]
        test_mse = mse(ys["test"], est.predict(Xs["test"]))
        # alphas_ decrease: the last index is the smallest penalty on the grid
        at_edge = name != "ols" and bool(est.best_index_ == len(est.alphas_) - 1)
        rows.append(
            {
                "regime": regime["name"],
                "n_samples": regime["n_samples"],
                "n_train": len(parts["train"]),
                "n_features": X.shape[1],
                "noise_std": regime["noise_std"],
                "correlation": regime["correlation"],
                "repeat": r,
                "model": name,
                "test_mse": test_mse,
                "ratio_to_ols": _ratio(test_mse, ols_mse),
                "alpha": float(getattr(est, "alpha_", float("nan"))),
                "alpha_at_grid_edge": at_edge,
                "nonzero": int(np.count_nonzero(est.coef_)),
            }
        )
    return rows


def _ratio(test_mse: float, ols_mse: float) -> float:
    # Both exact (a noiseless target fitted perfectly) is a tie; a penalty missing a perfect OLS fit is
    # undefined as a ratio (NaN: left out of the mean and the figure).
    if ols_mse > 0:
        return test_mse / ols_mse
    return 1.0 if test_mse == 0 else float("nan")


def _regime_fits(X, y, validation, path: dict[str, Any]) -> dict[str, Any]:
    common = {"n_alphas": path["n_alphas"], "alpha_min_ratio": path["alpha_min_ratio"], "device": "cpu"}
    sparse = {"tol": path["tol"], "max_iter": path["max_iter"], **common}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RankDeficientWarning)  # n_train < p: OLS's minimum-norm fit, as it is
        return {
            "ols": LinearRegression(device="cpu").fit(X, y),
            "ridge": ValidatedRidge(**common).fit(X, y, validation=validation),
            "lasso": ValidatedLasso(**sparse).fit(X, y, validation=validation),
            "elastic_net": ValidatedElasticNet(l1_ratio=path["l1_ratio"], **sparse).fit(X, y, validation=validation),
        }


def regime_summary(sweep: pd.DataFrame) -> pd.DataFrame:
    """Per regime and model: mean test MSE ratio to OLS over the repeats, its standard error and
    how often α sat at the smallest value on its grid; ``helps`` when the ratio's 95% interval is below 1."""
    rows = []
    for (regime, model), part in sweep.groupby(["regime", "model"], sort=False):
        k = len(part)
        ratio = float(part.ratio_to_ols.mean())
        se = float(part.ratio_to_ols.std(ddof=1) / math.sqrt(k)) if k > 1 else float("nan")
        rows.append(
            {
                "regime": regime,
                "model": model,
                "n_samples": int(part.n_samples.iloc[0]),
                "n_train": int(part.n_train.iloc[0]),
                "n_features": int(part.n_features.iloc[0]),
                "noise_std": float(part.noise_std.iloc[0]),
                "correlation": float(part.correlation.iloc[0]),
                "repeats": k,
                "test_mse": float(part.test_mse.mean()),
                "ratio_to_ols": ratio,
                "ratio_se": se,
                "alpha_at_grid_edge": float(part.alpha_at_grid_edge.mean()),
                "helps": bool(model != "ols" and se == se and ratio + Z95 * se < 1.0),
                "hurts": bool(model != "ols" and se == se and ratio - Z95 * se > 1.0),
            }
        )
    return pd.DataFrame(rows)


def gd_paths_on_demo(x: np.ndarray, y: np.ndarray, multiples: list[float], epochs: int) -> pd.DataFrame:
    """The iterates (b, w) of batch gradient descent on the demo from (0, 0), for each step size
    η = multiple × 2/L, epoch 0 … ``epochs``: the estimator's own descent, stopped after k epochs.

    Full-batch GD is deterministic, so the fit stopped at k epochs is the k-th iterate of the one run.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    limit = gd_step_by_hand(x, y)["eta_max"]  # 2/L of J(b, w)
    rows = []
    for multiple in multiples:
        eta = multiple * limit
        rows.append(
            {"multiple": multiple, "eta": eta, "epoch": 0, "b": 0.0, "w": 0.0, "loss": float(np.mean(y * y)) / 2}
        )
        for k in range(1, epochs + 1):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # stopped early, or diverging: both are the lesson
                est = GradientDescentRegressor(
                    learning_rate=eta, max_epochs=k, tol=0.0, device="cpu", dtype="float64"
                ).fit(x[:, None], y)
            e = est.intercept_ + est.coef_[0] * x - y
            rows.append(
                {
                    "multiple": multiple,
                    "eta": eta,
                    "epoch": k,
                    "b": float(est.intercept_),
                    "w": float(est.coef_[0]),
                    "loss": float(np.mean(e * e)) / 2,
                }
            )
    out = pd.DataFrame(rows)
    final = out[out.epoch == epochs].set_index("multiple").loss
    out["diverged"] = out.multiple.map(lambda m: bool(final[m] > out.loss.iloc[0]))  # ended above the start
    return out


def loss_surface(x: np.ndarray, y: np.ndarray, paths: pd.DataFrame, points: int = 36) -> pd.DataFrame:
    """J(b, w) on a grid spanning the start (0, 0) and the least-squares point, with a margin."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    conv = paths[~paths.diverged]
    b_hi, w_hi = float(conv.b.max()), float(conv.w.max())
    b_lo, w_lo = float(conv.b.min()), float(conv.w.min())
    pad_b, pad_w = 0.35 * (b_hi - b_lo) + 1e-9, 0.35 * (w_hi - w_lo) + 1e-9
    bs = np.linspace(b_lo - pad_b, b_hi + pad_b, points)
    ws = np.linspace(w_lo - pad_w, w_hi + pad_w, points)
    B, W = np.meshgrid(bs, ws, indexing="ij")  # (points, points)
    E = B[..., None] + W[..., None] * x - y  # (points, points, n): element-wise, no BLAS
    return pd.DataFrame({"b": B.ravel(), "w": W.ravel(), "loss": (np.mean(E * E, axis=2) / 2).ravel()})


@dataclass
class Lessons:
    """Everything the lessons stage writes: nothing in it depends on the trained models."""

    metrics: dict[str, Any]  # flat, for reports/metrics/lessons.json
    degree_sweep: pd.DataFrame  # train / validation MSE of polynomials of each degree on the demo
    degree_curves: pd.DataFrame  # the fitted polynomial of each degree on a grid
    demo_points: pd.DataFrame  # the demo's training and validation points (x, y, split)
    gd_step: pd.DataFrame  # one gradient-descent step on the demo, by hand (one row)
    gd_paths: pd.DataFrame  # batch GD's iterates on the demo at several step sizes
    gd_surface: pd.DataFrame  # J(b, w) on a grid around them
    regime_sweep: pd.DataFrame  # (regime, repeat, model) test MSE on fresh data
    regimes: pd.DataFrame  # its summary: where a penalty helps


def all_lessons(
    demo: tuple[np.ndarray, np.ndarray],
    demo_parts: dict[str, np.ndarray],
    cfg: Any,
    *,
    seed: int,
    design: dict[str, Any],
    path: dict[str, Any],
    fractions: dict[str, float],
) -> Lessons:
    """The demo's lessons (``demo`` = its x (n, 1) and y, split into ``demo_parts``) and the regime sweep
    on fresh data from ``design`` (the generate params), α chosen as ``path`` (train.path) chooses it,
    split by ``fractions``. ``cfg`` holds the evaluate params they read (poly_*, regime*, gd_path_*)."""
    x_all, y_all = demo[0][:, 0], demo[1]
    (x_tr, y_tr), (x_va, y_va) = ((x_all[demo_parts[s]], y_all[demo_parts[s]]) for s in ("train", "validation"))
    # The regime sweep (most of the work) runs in worker processes while this one computes the demo's lessons.
    with sweep_started(
        [r.model_dump() for r in cfg.regimes],
        repeats=cfg.regime_repeats,
        design=design,
        path=path,
        split=fractions,
        seed=seed,
    ) as regime_rows:
        sweep = degree_sweep(x_tr, y_tr, x_va, y_va, cfg.poly_max_degree, cfg.poly_ridge_alpha)
        paths = gd_paths_on_demo(x_all, y_all, cfg.gd_path_multiples, cfg.gd_path_epochs)
        curves = polynomial_curves(x_tr, y_tr, cfg.poly_max_degree, x_shown=x_va)
        surface = loss_surface(x_all, y_all, paths)
        regimes = regime_rows()
    summary = regime_summary(regimes) if cfg.regimes else pd.DataFrame()
    val = sweep[(sweep.panel == "ols") & (sweep.series == "validation")]
    return Lessons(
        metrics={"degree_sweep_best_ols_degree": int(val.loc[val.mse.idxmin(), "degree"])},
        degree_sweep=sweep,
        degree_curves=curves,
        demo_points=pd.concat(
            [
                pd.DataFrame({"x": x_tr, "y": y_tr, "split": "train"}),
                pd.DataFrame({"x": x_va, "y": y_va, "split": "validation"}),
            ],
            ignore_index=True,
        ),
        gd_step=pd.DataFrame([gd_step_by_hand(x_all, y_all)]),
        gd_paths=paths,
        gd_surface=surface,
        regime_sweep=regimes,
        regimes=summary,
    )
