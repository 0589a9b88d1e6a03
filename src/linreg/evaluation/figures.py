"""Figures for the report: one function per figure, data in, matplotlib Figure out (no I/O)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # headless: figures are written to files, never shown
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from linreg.card import ModelCard  # noqa: E402
from linreg.variants import COLORS  # noqa: E402


def _fig(ncols: int = 1, width: float = 6.0, height: float = 4.0):
    fig, axes = plt.subplots(1, ncols, figsize=(width * ncols, height), squeeze=False, layout="constrained")
    return fig, axes[0]


def demo_fit(x: np.ndarray, y: np.ndarray, slope: float, intercept: float, true_slope: float,
             true_intercept: float) -> plt.Figure:
    fig, (ax,) = _fig()
    ax.scatter(x, y, s=14, alpha=0.7, label="data")
    grid = np.linspace(x.min(), x.max(), 100)
    ax.plot(grid, slope * grid + intercept, color=COLORS["ols"], lw=2,
            label=f"least squares: y = {slope:.3f}x + {intercept:.3f}")
    ax.plot(grid, true_slope * grid + true_intercept, "k--", lw=1.2,
            label=f"truth: y = {true_slope:g}x + {true_intercept:g}")
    ax.set(xlabel="x", ylabel="y", title="The one-feature demo and its least-squares line")
    ax.legend()
    return fig


def gd_loss(history: pd.DataFrame) -> plt.Figure:
    fig, axes = _fig(2)
    for model, part in history.groupby("model", sort=False):
        axes[0].plot(part.epoch, part.train_loss, label=model, color=COLORS.get(model))
        if part.val_loss.notna().any():
            axes[1].plot(part.epoch, part.val_loss, label=model, color=COLORS.get(model))
    axes[0].set(yscale="log", xscale="symlog", xlabel="epoch", ylabel="training loss J = MSE/2",
                title="Gradient descent: training loss")
    axes[1].set(yscale="log", xscale="symlog", xlabel="epoch", ylabel="validation loss (MSE/2)",
                title="Gradient descent: validation loss")
    for ax in axes:
        ax.legend()
    return fig


def lr_sweep(sweep: pd.DataFrame) -> plt.Figure:
    datasets = list(dict.fromkeys(sweep.dataset))
    fig, axes = _fig(len(datasets))
    for ax, dataset in zip(axes, datasets):
        part = sweep[sweep.dataset == dataset]
        for lr, run in part.groupby("learning_rate"):
            diverged = bool(run.diverged.iloc[0])
            ax.plot(run.epoch, run.loss, ls="--" if diverged else "-",
                    label=f"η = {lr:g}" + (" (diverged)" if diverged else ""))
        ax.set(yscale="log", xlabel="epoch", ylabel="training loss J",
               title=f"Learning-rate sweep: {dataset} data")
        ax.legend(fontsize=8)
    return fig


def _train_vs_validation(frame: pd.DataFrame, x: str, xlabel: str, titles: dict[str, str],
                         logx: bool) -> plt.Figure:
    """One panel per model: training and validation MSE against ``x`` (the overfitting picture)."""
    panels = list(dict.fromkeys(frame.panel))
    fig, axes = _fig(len(panels))
    for ax, panel in zip(axes, panels):
        for split, part in frame[frame.panel == panel].groupby("series"):
            ax.plot(part[x], part.mse, marker="o", label=split)
        ax.set(xscale="log" if logx else "linear", yscale="log", xlabel=xlabel, ylabel="MSE",
               title=titles.get(panel, panel))
        ax.legend()
    return fig


def learning_curves(curve: pd.DataFrame) -> plt.Figure:
    return _train_vs_validation(curve, "n_train", "training rows",
                                {"ols": "Learning curve: OLS", "ridge": "Learning curve: ridge"}, logx=True)


def degree_sweep(sweep: pd.DataFrame) -> plt.Figure:
    return _train_vs_validation(sweep, "degree", "polynomial degree",
                                {"ols": "OLS on raw powers", "ridge": "Ridge on standardized powers"}, logx=False)


def regularization_paths(paths: pd.DataFrame, cards: dict[str, ModelCard]) -> plt.Figure:
    models = list(dict.fromkeys(paths.model))
    fig, axes = _fig(len(models), width=5.0)
    for ax, model in zip(axes, models):
        for _, part in paths[paths.model == model].groupby("feature"):
            ax.plot(part.alpha, part.coef, lw=1)
        ax.axvline(cards[model].alpha, color="k", ls="--", lw=1, label="min validation MSE")
        ax.axvline(cards[model].alpha_1se, color="grey", ls=":", lw=1.5, label="1-SE rule")
        ax.set(xscale="log", xlabel="alpha (scikit-learn scaling)", ylabel="coefficient (scaled units)",
               title=f"{model} path")
        ax.legend(fontsize=8)
    return fig


def validation_curves(curves: pd.DataFrame) -> plt.Figure:
    models = list(dict.fromkeys(curves.model))
    fig, axes = _fig(len(models), width=5.0)
    for ax, model in zip(axes, models):
        part = curves[curves.model == model]
        ax.plot(part.alpha, part.val_mse, color=COLORS.get(model), marker=".")
        ax.axhline(part.one_se_threshold.iloc[0], color="grey", ls=":", label="min + 1 SE")
        best, one_se = part[part.chosen_min], part[part.chosen_1se]
        ax.scatter(best.alpha, best.val_mse, color="k", zorder=3, label=f"min: α = {best.alpha.iloc[0]:.3g}")
        ax.scatter(one_se.alpha, one_se.val_mse, color="grey", marker="s", zorder=3,
                   label=f"1-SE: α = {one_se.alpha.iloc[0]:.3g}")
        ax.set(xscale="log", xlabel="alpha", ylabel="validation MSE", title=f"{model}: validation curve")
        ax.legend(fontsize=8)
    return fig


def coefficients_vs_truth(cards: dict[str, ModelCard], truth_scaled: np.ndarray, features: list[str],
                          models: list[str]) -> plt.Figure:
    fig, (ax,) = _fig(width=max(6.0, 0.45 * len(features) + 2))
    width = 0.8 / (len(models) + 1)
    idx = np.arange(len(features))
    ax.bar(idx, truth_scaled, width, color=COLORS["truth"], label="truth")
    for k, model in enumerate(models, start=1):
        ax.bar(idx + k * width, cards[model].coef, width, color=COLORS.get(model), label=model)
    ax.set_xticks(idx + 0.4 - width / 2, features, rotation=90)
    ax.axhline(0, color="k", lw=0.5)
    ax.set(ylabel="coefficient per training std of the feature", title="Estimated coefficients against the truth")
    ax.legend(fontsize=8, ncol=2)
    return fig


def comparison(table: pd.DataFrame) -> plt.Figure:
    """Bars of test MSE and (when the truth is known) support F1, per model."""
    cols = [c for c in ("test_mse", "support_f1") if c in table and table[c].notna().any()]
    fig, axes = _fig(len(cols), width=5.5)
    labels = {"test_mse": "test MSE", "support_f1": "support F1 (1 = exact non-zero set)"}
    for ax, col in zip(axes, cols):
        ax.barh(table.model, table[col], color=[COLORS.get(m, "#bbbbbb") for m in table.model])
        ax.set(xlabel=labels[col], title=labels[col])
        if col == "test_mse":
            lo, hi = table[col].min(), table[col].max()
            ax.set_xlim(lo - 0.2 * (hi - lo) - 1e-12, hi + 0.1 * (hi - lo) + 1e-12)
        ax.invert_yaxis()
    return fig


def residual_panels(res: pd.DataFrame) -> plt.Figure:
    fig, axes = _fig(3, width=4.5)
    axes[0].scatter(res.fitted, res.residual, s=6, alpha=0.5)
    axes[0].axhline(0, color="k", lw=0.8)
    axes[0].set(xlabel="fitted value", ylabel="residual", title="Residuals against fitted")
    axes[1].scatter(res.theoretical_quantile, res.standardized_residual, s=6, alpha=0.5)
    lim = float(np.nanmax(np.abs(res.theoretical_quantile)))
    axes[1].plot([-lim, lim], [-lim, lim], "k--", lw=0.8)
    axes[1].set(xlabel="normal quantile", ylabel="standardized residual", title="Normal Q–Q")
    axes[2].scatter(res.actual, res.fitted, s=6, alpha=0.5)
    lo, hi = float(res.actual.min()), float(res.actual.max())
    axes[2].plot([lo, hi], [lo, hi], "k--", lw=0.8)
    axes[2].set(xlabel="actual y", ylabel="predicted y", title="Predicted against actual (test)")
    return fig


def evaluation_figures(ev, inp, demo: pd.DataFrame, plots: dict[str, pd.DataFrame]) -> dict[str, plt.Figure]:
    """Every figure of the evaluate stage, by file name, from its results and the train stage's plot data.

    ``ev`` is the :class:`~linreg.evaluation.assemble.Evaluation`, ``inp`` its inputs,
    ``plots`` the train stage's ``gd_history``, ``lr_sweep``, ``reg_path`` and ``validation_curve``.
    """
    from linreg.models import LinearRegression

    x, y = demo["x"].to_numpy(), demo["y"].to_numpy()
    line = LinearRegression(device="cpu").fit(x[:, None], y)
    truth_demo = inp.truth["demo"]
    figs = {"demo_fit": demo_fit(x, y, line.coef_[0], line.intercept_, truth_demo["slope"], truth_demo["intercept"]),
            "gd_loss": gd_loss(plots["gd_history"]), "lr_sweep": lr_sweep(plots["lr_sweep"]),
            "learning_curve": learning_curves(ev.learning_curve), "degree_sweep": degree_sweep(ev.degree_sweep)}
    if any(m in inp.cards for m in ("ridge", "lasso", "elastic_net")):
        figs["reg_paths"] = regularization_paths(plots["reg_path"], inp.cards)
        figs["validation_curves"] = validation_curves(plots["validation_curve"])
    if inp.truth.get("known"):
        truth_scaled = np.asarray(inp.truth["coef"]) * np.asarray(inp.scaler.scale)
        shown = [m for m in ("ols", "ridge", "lasso", "lasso_1se", "elastic_net", "elastic_net_1se") if m in inp.cards]
        figs["coef_vs_truth"] = coefficients_vs_truth(inp.cards, truth_scaled, inp.scaler.feature_names, shown)
    mm = ev.model_metrics
    test = mm[(mm.split == "test") & (mm.metric == "mse")]
    table = pd.DataFrame({"model": test.model, "test_mse": test.value.astype(float)})
    table = table[table.model.isin([m for m, c in inp.cards.items() if c.kind == "ours"])]
    if len(ev.recovery):
        table = table.merge(ev.recovery[["model", "support_f1"]], on="model", how="left")
    figs["comparison"] = comparison(table.reset_index(drop=True))
    figs["residuals"] = residual_panels(ev.residuals)
    return figs
