"""Put the evaluation together: every model on every split, inference, agreement, experiments."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from linreg.models import LinearRegression
from linreg.models.inference import RegressionResults, ridge_covariance
from linreg.models.numerics import tree_merge
from linreg.models.runtime import resolve_device, resolve_dtype
from linreg.models.stats import Stats, compute_stats
from linreg.pipeline.card import ModelCard
from linreg.pipeline.data.scale import Scaler
from linreg.pipeline.engine import Engine
from linreg.pipeline.evaluation.experiments import learning_curve, residual_diagnostics
from linreg.pipeline.evaluation.inference import (
    BootstrapMoments,
    bootstrap_block,
    bootstrap_enet,
    bootstrap_shift,
    bootstrap_stats,
    poisson_bootstrap_stats,
)
from linreg.pipeline.evaluation.lessons import paired_test_differences
from linreg.pipeline.evaluation.metrics import (
    ErrorSums,
    coefficient_recovery,
    error_sums,
    merge_error_sums,
    metrics_from_sums,
    mse,
)
from linreg.pipeline.params import Evaluate as EvaluateParams

SPLITS = ("train", "validation", "test")
# Which reference each of our models is compared with, on the same objective.
AGREEMENT = [
    ("ols", "sklearn_ols"),
    ("ols", "statsmodels_ols"),
    ("ridge", "sklearn_ridge"),
    ("lasso", "sklearn_lasso"),
    ("elastic_net", "sklearn_elastic_net"),
    ("gd_batch", "ols"),
    ("gd_minibatch", "ols"),
    ("gd_batch", "sklearn_sgd"),
]


@dataclass(frozen=True)
class Inputs:
    cards: dict[str, ModelCard]
    splits: dict[str, tuple[np.ndarray, np.ndarray]]  # scaled X, y per split
    train_unscaled: tuple[np.ndarray, np.ndarray]
    truth: dict[str, Any]
    scaler: Scaler
    # Computed blockwise on the engine by the evaluate stage; None: from ``splits`` in memory.
    error_sums: dict[str, ErrorSums] | None = None  # each split's error sums for the cards in order
    train_stats: Stats | None = None  # the training rows' statistics (ridge's covariance)
    bootstrap: list[Stats | None] | None = None  # the Poisson bootstrap resamples' statistics


def split_error_sums(cards: list[ModelCard], X: np.ndarray, y: np.ndarray) -> ErrorSums:
    """Every card's residual sums on these rows, in the cards' order."""
    return error_sums(y, np.stack([card.predict(X) for card in cards]))


def _block_error_sums(block: int, path: Any, cards: list[ModelCard]) -> ErrorSums:
    from linreg.pipeline.io import read_xy

    return split_error_sums(cards, *read_xy(path, block))


def table_error_sums(engine: Engine, path: Any, cards: list[ModelCard]) -> ErrorSums:
    """Every card's error sums on a table, one pass over its blocks on the engine, merged in block order."""
    from linreg.pipeline.io import block_rows

    return tree_merge(list(engine.map(_block_error_sums, range(len(block_rows(path))), path, cards)), merge_error_sums)


@dataclass
class Evaluation:
    metrics: dict[str, Any]  # flat, for reports/metrics/evaluate.json
    model_metrics: pd.DataFrame  # model × split × metric
    recovery: pd.DataFrame
    ols_inference: pd.DataFrame
    ols_summary: str  # statsmodels-style summary of the OLS fit on the raw training rows
    intervals: pd.DataFrame  # ridge analytic and lasso / elastic-net bootstrap
    agreement: pd.DataFrame
    learning_curve: pd.DataFrame
    residuals: pd.DataFrame
    paired_test: pd.DataFrame  # every model's test MSE against OLS's on the same rows, paired SE


def _block_bootstrap(block: int, path: Any, resamples: int, seed: int, shift: tuple) -> BootstrapMoments:
    from linreg.pipeline.io import read_xy

    return bootstrap_block(*read_xy(path, block), block, resamples=resamples, seed=seed, shift=shift)


def table_bootstrap(engine: Engine, path: Any, *, resamples: int, seed: int) -> list[Stats | None]:
    """The Poisson bootstrap resamples' statistics of a table: one pass over its blocks on the engine.

    Block b (a row group) draws its rows' weights from the ``bootstrap`` stream of block b, so a
    table of one block gives exactly ``poisson_bootstrap_stats()`` of its rows.
    """
    from linreg.pipeline.io import block_rows, read_xy

    shift = bootstrap_shift(*read_xy(path, 0))
    blocks = list(engine.map(_block_bootstrap, range(len(block_rows(path))), path, resamples, seed, shift))
    return bootstrap_stats(blocks, shift)


def evaluate_all(inp: Inputs, cfg: EvaluateParams, *, seed: int) -> Evaluation:
    """Everything the evaluate stage writes: what depends on the trained models (the lessons that do
    not are ``lessons.all_lessons()``, the lessons stage's)."""
    p = inp.splits["train"][0].shape[1]
    names = list(inp.cards)
    ours = [n for n in names if inp.cards[n].kind == "ours"]

    sums = inp.error_sums or {
        split: split_error_sums([inp.cards[n] for n in names], *inp.splits[split]) for split in SPLITS
    }
    rows = []
    for k, name in enumerate(names):
        for split in SPLITS:
            for metric, value in metrics_from_sums(sums[split], k, p).items():
                rows.append({"model": name, "split": split, "metric": metric, "value": value})
    model_metrics = pd.DataFrame(rows)

    recovery_rows = []
    if inp.truth.get("known"):
        beta = np.asarray(inp.truth["coef"])
        for name in names:
            rec = coefficient_recovery(np.asarray(inp.cards[name].coef_original), beta)
            recovery_rows.append({"model": name, **rec})
    recovery = pd.DataFrame(recovery_rows)

    X_raw, y_raw = inp.train_unscaled
    # The estimator's own fit and factorization, in the features' original units.
    fit = LinearRegression(inference=True, device="cpu").fit(X_raw, y_raw)
    ols = fit.results_
    summary = fit.summary(names=list(inp.scaler.feature_names))
    ci = ols.conf_int()
    ols_table = pd.DataFrame(
        {
            "term": ols.exog_names,
            "coef": ols.params,
            "std_err": ols.bse,
            "t": ols.tvalues,
            "p_value": ols.pvalues,
            "ci_lower": ci[:, 0],
            "ci_upper": ci[:, 1],
            "std_err_hc3": ols.HC3_se,
        }
    )
    if inp.truth.get("known"):
        ols_table["true_coef"] = [inp.truth["intercept"], *inp.truth["coef"]]
        ols_table["ci_covers_truth"] = (ols_table.ci_lower <= ols_table.true_coef) & (
            ols_table.true_coef <= ols_table.ci_upper
        )

    intervals = _intervals(inp, cfg, seed)
    agreement = _agreement(inp)
    X_tr, y_tr = inp.splits["train"]
    X_va, y_va = inp.splits["validation"]
    ridge_alpha = float(inp.cards["ridge"].alpha or 1.0) if "ridge" in inp.cards else 1.0
    curve = learning_curve(X_tr, y_tr, X_va, y_va, cfg.learning_curve_fractions, ridge_alpha)
    baseline = "ols" if "ols" in inp.cards else ours[0]
    X_te, y_te = inp.splits["test"]
    residuals = residual_diagnostics(y_te, inp.cards[baseline].predict(X_te))
    residuals.insert(0, "model", baseline)

    paired = paired_test_differences(y_te, {n: inp.cards[n].predict(X_te) for n in names}, baseline)

    metrics = _flat_metrics(model_metrics, recovery, ours, ols, agreement)
    return Evaluation(
        metrics, model_metrics, recovery, ols_table, summary, intervals, agreement, curve, residuals, paired
    )


def _intervals(inp: Inputs, cfg: EvaluateParams, seed: int) -> pd.DataFrame:
    """Ridge's analytic and the bootstrap's percentile intervals, in scaled units, labelled for what they are."""
    X, y = inp.splits["train"]
    frames = []
    features = inp.scaler.feature_names
    if "ridge" in inp.cards:
        card = inp.cards["ridge"]
        coef = np.asarray(card.coef)
        st = inp.train_stats or compute_stats(X, y, dtype=resolve_dtype("float64"), device=resolve_device("cpu"))
        se, df, _ = ridge_covariance(st, coef, card.intercept, float(card.alpha or 0.0))
        frames.append(
            pd.DataFrame(
                {
                    "model": "ridge",
                    "feature": features,
                    "coef": coef,
                    "lower": coef - 1.96 * se,
                    "upper": coef + 1.96 * se,
                    "std_err": se,
                    "selected_fraction": 1.0,
                    "method": f"analytic, fixed alpha, df={df:.2f}: variance around a "
                    "shrunken target, not a CI for the true coefficient",
                }
            )
        )
    resamples = inp.bootstrap
    for name in ("lasso", "elastic_net"):
        if name in inp.cards:
            card = inp.cards[name]
            if resamples is None:  # one pass for both models
                resamples = poisson_bootstrap_stats(X, y, resamples=cfg.bootstrap_resamples, seed=seed)
            boot = bootstrap_enet(
                resamples, float(card.alpha or 0.0), float(card.l1_ratio or 1.0), warm_start=np.asarray(card.coef)
            )
            frames.append(
                pd.DataFrame(
                    {
                        "model": name,
                        "feature": features,
                        "coef": card.coef,
                        "lower": boot["lower"],
                        "upper": boot["upper"],
                        "std_err": boot["std"],
                        "selected_fraction": boot["selected_fraction"],
                        "method": f"percentile Poisson bootstrap, {cfg.bootstrap_resamples} "
                        "resamples, "
                        "fixed alpha: no post-selection guarantee",
                    }
                )
            )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _agreement(inp: Inputs) -> pd.DataFrame:
    X_te, y_te = inp.splits["test"]
    rows = []
    for ours, ref in AGREEMENT:
        if ours in inp.cards and ref in inp.cards:
            mine, theirs = inp.cards[ours], inp.cards[ref]
            a, b = np.asarray(mine.coef), np.asarray(theirs.coef)
            mse_a, mse_b = mse(y_te, mine.predict(X_te)), mse(y_te, theirs.predict(X_te))
            rows.append(
                {
                    "model": ours,
                    "reference": ref,
                    "library": theirs.library,
                    "max_abs_coef_diff": float(np.max(np.abs(a - b))),
                    "max_rel_coef_diff": float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)),
                    "abs_intercept_diff": abs(mine.intercept - theirs.intercept),
                    "abs_test_mse_diff": abs(mse_a - mse_b),
                }
            )
    return pd.DataFrame(rows)


def _flat_metrics(model_metrics, recovery, ours, ols: RegressionResults, agreement) -> dict[str, Any]:
    out: dict[str, Any] = {}
    test = model_metrics[(model_metrics.split == "test") & model_metrics.model.isin(ours)]
    for row in test.itertuples():
        if row.metric != "adj_r2_note":
            out[f"{row.model}_test_{row.metric}"] = row.value
    for row in recovery[recovery.model.isin(ours)].itertuples() if len(recovery) else []:
        out[f"{row.model}_coef_l2_error"] = row.coef_l2_error
        out[f"{row.model}_support_f1"] = row.support_f1
    out.update(
        ols_fvalue=ols.fvalue,
        ols_f_pvalue=ols.f_pvalue,
        ols_aic=ols.aic,
        ols_bic=ols.bic,
        ols_residual_std_error=math.sqrt(ols.scale),
        ols_condition_number=ols.condition_number,
        ols_rank=ols.rank,
        ols_n_params=len(ols.params),
        ols_df_resid=ols.df_resid,
        ols_rsquared_adj=ols.rsquared_adj,
        **{f"ols_{k}": v for k, v in ols.diagnostics().items()},
    )
    for row in agreement.itertuples():
        out[f"agreement_{row.model}_vs_{row.reference}_max_abs_coef_diff"] = row.max_abs_coef_diff
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in out.items()}
