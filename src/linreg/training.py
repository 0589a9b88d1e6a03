"""Train every model variant named in params, plus the CPU reference fits, from shared statistics.

The training split's statistics are computed once (one pass over X) and every
closed form, path and full-batch descent reuses them; only mini-batch GD and the
ill-conditioned OLS fallback touch the rows again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import torch

from linreg.data.scale import Scaler
from linreg.device import synchronize
from linreg.models.base import centered
from linreg.models.closed_form import solve_ols
from linreg.models.enet import resolve_enet_solver
from linreg.models.gd import descend
from linreg.models.path import (
    Path, enet_alpha_grid, enet_path, ridge_alpha_grid, ridge_path, select_alpha,
)
from linreg.models.stats import Stats, as_tensor, compute_stats

FAMILY = {"ols": "ols", "gd_batch": "gd", "gd_minibatch": "gd", "ridge": "ridge", "lasso": "lasso",
          "elastic_net": "elastic_net"}


@dataclass(frozen=True)
class Split:
    X: np.ndarray  # (n, p)
    y: np.ndarray  # (n,)


@dataclass(frozen=True)
class TrainingData:
    train: Split  # scaled
    validation: Split  # scaled
    train_unscaled: Split  # original units, for the scaling experiment
    demo: Split  # the one-feature demo, unscaled as in the seeds
    feature_names: list[str]
    scaler: Scaler


@dataclass
class Trained:
    cards: dict[str, dict[str, Any]] = field(default_factory=dict)
    gd_history: list[pd.DataFrame] = field(default_factory=list)
    reg_path: list[pd.DataFrame] = field(default_factory=list)
    validation_curve: list[pd.DataFrame] = field(default_factory=list)
    lr_sweep: pd.DataFrame | None = None
    stats_seconds: float = 0.0


def _timed(fn: Callable[[], Any], device: torch.device) -> tuple[Any, float]:
    """fn's result and its wall time, with queued device work finished on both sides."""
    synchronize(device)
    start = time.perf_counter()
    out = fn()
    synchronize(device)
    return out, time.perf_counter() - start


def _card(name: str, kind: str, library: str, estimator: str, coef: np.ndarray, intercept: float,
          data: TrainingData, seconds: float, device: str, dtype: str, **info: Any) -> dict[str, Any]:
    coef = np.asarray(coef, dtype=np.float64)
    coef_orig, intercept_orig = data.scaler.coef_to_original(coef, intercept)
    family = info.pop("family", None) or FAMILY[name]
    return {"name": name, "kind": kind, "family": family,
            "library": library, "estimator": estimator, "feature_names": data.feature_names,
            "coef": coef, "intercept": float(intercept), "coef_original": coef_orig,
            "intercept_original": intercept_orig, "fit_seconds": seconds, "device": device, "dtype": dtype,
            "alpha": None, "alpha_1se": None, "l1_ratio": None, "solver": None, "n_iter": None,
            "converged": True, "diverged": False, "diverged_epoch": None, **info}


def _path_frames(name: str, path: Path, sel, names: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    coefs = path.coefs.cpu().numpy()  # (K, p)
    long = pd.DataFrame({"model": name, "alpha": np.repeat(path.alphas, len(names)),
                         "feature": np.tile(names, len(path.alphas)), "coef": coefs.ravel(),
                         "nonzero": np.count_nonzero(coefs, axis=1).repeat(len(names))})
    curve = pd.DataFrame({"model": name, "alpha": path.alphas, "val_mse": sel.mse,
                          "one_se_threshold": sel.mse[sel.best] + sel.se_best,
                          "chosen_min": np.arange(len(path.alphas)) == sel.best,
                          "chosen_1se": np.arange(len(path.alphas)) == sel.one_se})
    return long, curve


def train_all(data: TrainingData, cfg: Any, *, seed: int, device: torch.device, dtype: torch.dtype) -> Trained:
    """Fit ``cfg.models`` on ``device``, run the GD experiments, fit the CPU references."""
    out, stats = train_variants(data, cfg, seed=seed, device=device, dtype=dtype)
    gd = cfg.gd
    # What feature scaling does: the same batch GD on the unscaled training rows.
    if "gd_batch" in cfg.models:
        raw_stats = compute_stats(data.train_unscaled.X, data.train_unscaled.y, dtype=dtype, device=device)
        res = descend(raw_stats, None, None, learning_rate="auto", max_epochs=gd.max_epochs, batch_size=None,
                      tol=gd.tol, patience=0)
        out.gd_history.append(pd.DataFrame({"model": "gd_batch_unscaled", **res.history}))

    out.lr_sweep = _learning_rate_sweep(data, cfg.lr_sweep, stats, device, dtype)
    out.cards.update(_references(data, out.cards, cfg, seed))
    return out


def train_variants(data: TrainingData, cfg: Any, *, seed: int, device: torch.device,
                   dtype: torch.dtype) -> tuple[Trained, Stats]:
    """The variants in ``cfg.models``, all from one pass of statistics per split."""
    dev, dt = str(device), str(dtype).removeprefix("torch.")
    out = Trained()
    stats, out.stats_seconds = _timed(
        lambda: compute_stats(data.train.X, data.train.y, dtype=dtype, device=device), device)
    val_stats = compute_stats(data.validation.X, data.validation.y, dtype=dtype, device=device)
    gd = cfg.gd

    for name in cfg.models:
        if name == "ols":
            res, sec = _timed(lambda: solve_ols(stats, cfg.ols_solver, dtype,
                                                lambda: centered(data.train.X, data.train.y, stats, device)),
                              device)
            coef = res.coef
            out.cards[name] = _card(name, "ours", "linreg", "LinearRegression", coef.cpu().numpy(),
                                    float(stats.y_mean - stats.x_mean @ coef), data, sec, dev, dt,
                                    solver=res.solver, cond=res.cond, rank=res.rank)
        elif name in ("gd_batch", "gd_minibatch"):
            batch = gd.batch_size if name == "gd_minibatch" else None
            rows = (as_tensor(data.train.X, dtype, device), as_tensor(data.train.y, dtype, device)) if batch else None
            # Early stopping is for the noisy mini-batch loss; batch GD runs to tolerance.
            res, sec = _timed(lambda: descend(stats, val_stats, rows, learning_rate=gd.learning_rate,
                                              max_epochs=gd.max_epochs, batch_size=batch, tol=gd.tol,
                                              patience=gd.patience if batch else 0, random_state=seed), device)
            out.cards[name] = _card(name, "ours", "linreg", "GradientDescentRegressor", res.coef.cpu().numpy(),
                                    res.intercept, data, sec, dev, dt, solver="gradient_descent",
                                    learning_rate=res.learning_rate, batch_size=batch, n_iter=res.n_epochs,
                                    converged=res.converged, diverged=res.diverged,
                                    diverged_epoch=res.diverged_epoch, stopped_by=res.stopped_by)
            out.gd_history.append(pd.DataFrame({"model": name, **res.history}))
        else:
            out.cards[name], out.cards[f"{name}_1se"] = _fit_path_model(name, stats, val_stats, data, cfg.path,
                                                                        device, out)
    return out, stats


def _fit_path_model(name: str, stats: Stats, val_stats: Stats, data: TrainingData, cfg: Any,
                    device: torch.device, out: Trained) -> dict[str, Any]:
    def run():
        if name == "ridge":
            path = ridge_path(stats, ridge_alpha_grid(stats, cfg.n_alphas, cfg.alpha_min_ratio))
        else:
            rho = 1.0 if name == "lasso" else cfg.l1_ratio
            alphas = enet_alpha_grid(stats, rho, cfg.n_alphas, cfg.alpha_min_ratio)
            path = enet_path(stats, alphas, rho, solver=resolve_enet_solver(cfg.solver, stats.device), tol=cfg.tol,
                             max_iter=cfg.max_iter)
        return path, select_alpha(path, val_stats, data.validation.X, data.validation.y)

    (path, sel), sec = _timed(run, device)
    long, curve = _path_frames(name, path, sel, data.feature_names)
    out.reg_path.append(long)
    out.validation_curve.append(curve)
    solver = "cholesky_eigh" if name == "ridge" else resolve_enet_solver(cfg.solver, stats.device)
    estimator = {"ridge": "Ridge", "lasso": "Lasso", "elastic_net": "ElasticNet"}[name]

    def card_at(i: int, card_name: str, rule: str) -> dict[str, Any]:
        return _card(card_name, "ours", "linreg", estimator, path.coefs[i].cpu().numpy(), float(path.intercepts[i]),
                     data, sec, str(device), str(stats.gram.dtype).removeprefix("torch."), family=name,
                     alpha=float(path.alphas[i]), alpha_1se=float(path.alphas[sel.one_se]),
                     alpha_min=float(path.alphas[sel.best]), selection=rule,
                     l1_ratio=None if name == "ridge" else (1.0 if name == "lasso" else cfg.l1_ratio),
                     solver=solver, n_iter=None if name == "ridge" else int(path.n_iter.sum()),
                     converged=bool(path.converged.all()), dual_gap=float(path.gaps[i]), n_alphas=len(path.alphas))

    # The path is fitted once; both selections are read off it.
    return card_at(sel.best, name, "min validation MSE"), card_at(sel.one_se, f"{name}_1se", "one standard error")


def _learning_rate_sweep(data: TrainingData, cfg: Any, main_stats: Stats, device: torch.device,
                         dtype: torch.dtype) -> pd.DataFrame:
    """The seeds' experiment: batch GD at each learning rate on the demo and on the main data."""
    demo_stats = compute_stats(data.demo.X, data.demo.y, dtype=dtype, device=device)
    frames = []
    for dataset, st in (("demo", demo_stats), ("main", main_stats)):
        for lr in cfg.learning_rates:
            res = descend(st, None, None, learning_rate=lr, max_epochs=cfg.epochs, batch_size=None, tol=0.0,
                          patience=0)
            frames.append(pd.DataFrame({"dataset": dataset, "learning_rate": lr, "epoch": res.history["epoch"],
                                        "loss": res.history["train_loss"], "diverged": res.diverged}))
    return pd.concat(frames, ignore_index=True)


def _references(data: TrainingData, ours: dict[str, dict], cfg: Any, seed: int) -> dict[str, dict]:
    """scikit-learn and statsmodels fits on the CPU at the same objectives and alphas."""
    import statsmodels.api as sm
    from sklearn import linear_model as sk

    X, y = data.train.X, data.train.y
    refs: dict[str, dict] = {}

    def add(name, family, library, estimator, fit):
        (coef, intercept, info), sec = _timed(fit, torch.device("cpu"))
        refs[name] = _card(name, "reference", library, estimator, coef, intercept, data, sec, "cpu", "float64",
                           family=family, reference_for=family, **info)

    def sk_fit(model):
        def fit():
            model.fit(X, y)
            return model.coef_, float(np.ravel(model.intercept_)[0]), {"n_iter": getattr(model, "n_iter_", None)}
        return fit

    if "ols" in ours:
        add("sklearn_ols", "ols", "scikit-learn", "LinearRegression", sk_fit(sk.LinearRegression()))

        def sm_fit():
            res = sm.OLS(y, sm.add_constant(X, has_constant="add")).fit()
            return res.params[1:], float(res.params[0]), {}
        add("statsmodels_ols", "ols", "statsmodels", "OLS", sm_fit)
    if "ridge" in ours:
        a = ours["ridge"]["alpha"]
        add("sklearn_ridge", "ridge", "scikit-learn", "Ridge", sk_fit(sk.Ridge(alpha=a)))
        refs["sklearn_ridge"]["alpha"] = a
    for name, l1_ratio in (("lasso", 1.0), ("elastic_net", cfg.path.l1_ratio)):
        if name in ours:
            a = ours[name]["alpha"]
            model = (sk.Lasso(alpha=a, tol=cfg.path.tol, max_iter=cfg.path.max_iter) if name == "lasso" else
                     sk.ElasticNet(alpha=a, l1_ratio=l1_ratio, tol=cfg.path.tol, max_iter=cfg.path.max_iter))
            add(f"sklearn_{name}", name, "scikit-learn", type(model).__name__, sk_fit(model))
            refs[f"sklearn_{name}"].update(alpha=a, l1_ratio=l1_ratio)
    if "gd_batch" in ours or "gd_minibatch" in ours:
        add("sklearn_sgd", "gd", "scikit-learn", "SGDRegressor",
            sk_fit(sk.SGDRegressor(penalty=None, max_iter=cfg.gd.max_epochs, tol=1e-6, random_state=seed)))
    return refs
