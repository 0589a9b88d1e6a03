"""Figures for the report: one function per figure, data in, matplotlib Figure out (no I/O).

Every figure is one column wide (``WIDTH`` inches at ``DPI``), its panels stacked, its
smallest text ``MIN_FONT_PT``: shown at its own size on a desktop and shrunk to a 390 px
phone, text stays at least 9 px tall (``tests/pipeline/test_report.py`` measures it in the rendered page).
Labels are the variants' display names (``linreg.pipeline.variants``), never code names.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")  # headless: figures are written to files, never shown
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from linreg.pipeline.card import ModelCard  # noqa: E402
from linreg.pipeline.evaluation.palette import GREY, PALETTE  # noqa: E402
from linreg.pipeline.variants import COLORS, LABELS  # noqa: E402

# 3.8 in = 456 px: shrunk to a 390 px phone (358 px) its 10 pt capitals are 9.5 px tall (5.4 in gave 6.7).
WIDTH, DPI, MIN_FONT_PT = 3.8, 120, 10.0
plt.rcParams.update(
    {
        "font.size": 11,
        "axes.titlesize": 11,
        "axes.labelsize": 10.5,
        "xtick.labelsize": 10,
        "ytick.labelsize": 10,
        "legend.fontsize": 10,
        "legend.title_fontsize": 10,
        "figure.titlesize": 12,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)
MAX_FEATURES_SHOWN = 40  # rows of the coefficients-against-truth figure


def _fig(nrows: int = 1, height: float = 3.4, width: float = WIDTH):
    """A figure of ``nrows`` stacked panels, each ``height`` inches tall."""
    fig, axes = plt.subplots(nrows, 1, figsize=(width, height * nrows), squeeze=False, layout="constrained")
    return fig, list(axes[:, 0])


def label(name: str) -> str:
    return LABELS.get(name, name)


def demo_fit(
    x: np.ndarray, y: np.ndarray, slope: float, intercept: float, true_slope: float, true_intercept: float
) -> plt.Figure:
    """The one-feature demo: points, the least-squares line, the truth and each point's residual."""
    fig, (ax,) = _fig(height=3.8)
    fitted = slope * x + intercept
    ax.vlines(x, fitted, y, color=COLORS["ols"], alpha=0.35, lw=1, label="residual e = y − ŷ")
    ax.scatter(x, y, s=16, color="#444444", zorder=3, label="data")
    grid = np.linspace(x.min(), x.max(), 100)
    ax.plot(
        grid,
        slope * grid + intercept,
        color=COLORS["ols"],
        lw=2.2,
        label=f"least squares ŷ = {slope:.3g}x + {intercept:.3g}",
    )
    ax.plot(
        grid, true_slope * grid + true_intercept, "k--", lw=1.2, label=f"truth y = {true_slope:g}x + {true_intercept:g}"
    )
    ax.set(xlabel="x", ylabel="y", title="One feature: the least-squares line")
    ax.legend(loc="upper left", frameon=False)
    return fig


def _drawn(ax) -> bool:
    """Whether any line on ``ax`` has a point a log axis can show (a run that diverged at its first step has none)."""
    return any(_positive(line.get_ydata()).any() for line in ax.lines)


def _positive(values) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return np.isfinite(values) & (values > 0)


def _log_or_note(ax, note: str, **labels) -> None:
    """Log axes when there is something to draw; otherwise plain axes and ``note`` where the lines would be
    (log axes with no positive data have no limits, and matplotlib refuses to draw them)."""
    if _drawn(ax):
        ax.set(xscale="log", yscale="log", **labels)
    else:
        ax.set(xticks=[], yticks=[], **labels)
        ax.text(0.5, 0.5, note, transform=ax.transAxes, ha="center", va="center", fontsize=MIN_FONT_PT, wrap=True)


def gd_loss(history: pd.DataFrame) -> plt.Figure:
    """Loss per epoch on log axes (epoch 0, the start, is the first point of the title's loss)."""
    fig, axes = _fig(2, height=3.0)
    for model, part in history.groupby("model", sort=False):
        part = part[part.epoch >= 1]
        name = label(model) + ("" if len(part) else ": diverged at its first step")
        axes[0].plot(part.epoch, part.train_loss, label=name, color=COLORS.get(model), lw=1.8)
        if part.val_loss.notna().any() or not len(part):
            axes[1].plot(part.epoch, part.val_loss, label=name, color=COLORS.get(model), lw=1.8)
    for ax, title in zip(axes, ("Training loss", "Validation loss")):
        _log_or_note(ax, "no epoch to draw: every run diverged", xlabel="epoch", ylabel="J = MSE / 2", title=title)
        ax.legend(frameon=False)
    return fig


def lr_sweep(sweep: pd.DataFrame) -> plt.Figure:
    """Batch GD at each step size η, one panel per dataset, with that data's stable limit 2/L."""
    datasets = list(dict.fromkeys(sweep.dataset))
    fig, axes = _fig(len(datasets), height=3.2)
    for ax, dataset in zip(axes, datasets):
        part = sweep[sweep.dataset == dataset]
        limit = 2.0 / float(part.lipschitz.iloc[0]) if "lipschitz" in part else float("nan")
        start = float(part[part.epoch == 0].loss.max())
        finite = part.loss[np.isfinite(part.loss) & (part.loss > 0)]
        for lr, run in part.groupby("learning_rate"):
            diverged = bool(run.diverged.iloc[0])
            side = "" if limit != limit else (" > 2/L" if lr > limit else " < 2/L")
            run = run[run.epoch >= 1]
            ax.plot(
                run.epoch,
                run.loss,
                ls="--" if diverged else "-",
                lw=1.6,
                label=f"η = {lr:g}: diverged" if diverged else f"η = {lr:g}{side}",  # diverged: > 2/L
            )
        title = f"{'One-feature demo' if dataset == 'demo' else 'Main data'}: 2/L = {limit:.3g}"
        _log_or_note(ax, "every η diverged at its first step", xlabel="epoch", ylabel="J", title=title)
        if _drawn(ax) and len(finite) and np.isfinite(start):  # diverging runs leave through the top
            ax.set_ylim(max(float(finite.min()) * 0.7, 1e-300), start * 30)
        # Below the panel: inside, at a phone's column width, it sat on the curves it names.
        ax.legend(
            frameon=False,
            ncol=2,
            fontsize=MIN_FONT_PT,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.22),
            handlelength=1.5,
            columnspacing=0.8,
        )
    return fig


def degree_sweep(sweep: pd.DataFrame) -> plt.Figure:
    """Training and validation MSE against polynomial degree, OLS and ridge in one panel."""
    fig, (ax,) = _fig(height=3.6)
    styles = {
        ("ols", "train"): ("#1f77b4", "-", "o"),
        ("ols", "validation"): ("#1f77b4", "--", "s"),
        ("ridge", "train"): ("#d62728", "-", "o"),
        ("ridge", "validation"): ("#d62728", "--", "s"),
    }
    names = {"ols": "OLS (raw powers)", "ridge": "ridge (standardized powers)"}
    for (panel, series), part in sweep.groupby(["panel", "series"], sort=False):
        color, ls, marker = styles.get((panel, series), ("k", "-", "."))
        ax.plot(part.degree, part.mse, color=color, ls=ls, marker=marker, ms=4, label=f"{names[panel]}: {series}")
    ax.set(yscale="log", xlabel="polynomial degree", ylabel="MSE", title="Error against model complexity")
    ax.legend(frameon=False)
    return fig


def degree_fits(curves: pd.DataFrame, points: pd.DataFrame, degrees: list[int]) -> plt.Figure:
    """The demo's training and validation points and the fitted polynomials of a few degrees."""
    fig, (ax,) = _fig(height=3.8)
    train, val = points[points.split == "train"], points[points.split == "validation"]
    ax.scatter(train.x, train.y, s=18, color="#444444", label="training points", zorder=3)
    ax.scatter(val.x, val.y, s=26, facecolor="white", edgecolor="#d62728", label="validation points", zorder=3)
    for degree, color in zip(degrees, ("#1f77b4", "#2ca02c", "#ff7f0e")):
        part = curves[curves.degree == degree]
        ax.plot(part.x, part.fitted, color=color, lw=1.8, label=f"degree {degree}")
    lo, hi = float(points.y.min()), float(points.y.max())
    ax.set_ylim(lo - 0.3 * (hi - lo), hi + 0.3 * (hi - lo))
    ax.set(xlabel="x", ylabel="y", title="Fitted polynomials (OLS on raw powers)")
    ax.legend(frameon=False, ncol=2, loc="upper left")
    return fig


def learning_curves(curve: pd.DataFrame, noise_var: float | None = None) -> plt.Figure:
    """OLS training and validation MSE against training rows, with the noise floor σ² when known."""
    fig, (ax,) = _fig(height=3.4)
    ols = curve[curve.panel == "ols"]
    for series, part in ols.groupby("series"):
        ax.plot(part.n_train, part.mse, marker="o", ms=4, label=f"OLS {series} MSE")
    if noise_var is not None:
        ax.axhline(noise_var, color="k", ls=":", lw=1, label=f"noise variance σ² = {noise_var:g}")
    ax.set(xscale="log", xlabel="training rows", ylabel="MSE", title="Learning curve")
    ax.legend(frameon=False)
    return fig


def _spread(values: list[float], gap: float) -> list[float]:
    """Label positions near ``values`` (in order of value), at least ``gap`` apart."""
    order = np.argsort(values)
    out = np.asarray(values, dtype=float).copy()
    for i in range(1, len(order)):
        out[order[i]] = max(out[order[i]], out[order[i - 1]] + gap)
    return list(out)


def regularization_paths(
    paths: pd.DataFrame, cards: dict[str, ModelCard], informative: list[str] | None = None
) -> plt.Figure:
    """Coefficient paths, one panel per penalty: truly non-zero features in colour and named at the
    unpenalized end, the rest grey. α decreases to the right, so each line grows from zero."""
    models = list(dict.fromkeys(paths.model))
    fig, axes = _fig(len(models), height=3.3)
    for ax, model in zip(axes, models):
        part = paths[paths.model == model]
        # A grid narrower than float64 resolution repeats its smallest α: one end per feature.
        last = part[part.alpha == part.alpha.min()].drop_duplicates("feature", keep="last")
        named = (
            informative
            if informative is not None
            else list(last.reindex(last.coef.abs().sort_values(ascending=False).index).feature[:6])
        )
        colors = dict(zip(named, PALETTE))
        for feature, line in part.groupby("feature"):
            on = feature in colors
            ax.plot(
                line.alpha, line.coef, color=colors.get(feature, GREY), lw=1.7 if on else 0.9, zorder=2 if on else 1
            )
        ends = last.set_index("feature").coef
        shown = [f for f in named if f in ends.index]
        span = float(part.coef.max() - part.coef.min()) or 1.0
        for feature, y in zip(shown, _spread([float(ends[f]) for f in shown], 0.085 * span)):
            ax.annotate(
                feature,
                (float(last.alpha.iloc[0]), y),
                xytext=(5, 0),
                textcoords="offset points",
                ha="left",
                va="center",
                color=colors[feature],
                fontsize=MIN_FONT_PT,
                annotation_clip=False,
            )
        ax.axvline(cards[model].alpha, color="k", ls="--", lw=1, label="min validation MSE")
        ax.axvline(cards[model].alpha_1se, color="k", ls=":", lw=1.5, label="1-SE rule")
        ax.plot([], [], color=GREY, lw=0.9, label="true β = 0" if informative is not None else "other features")
        ax.set(
            xscale="log",
            xlabel="α (log scale, decreasing →)",
            ylabel="coefficient",
            title=f"{label(model)}: coefficients along the path",
        )
        ax.invert_xaxis()
        ax.legend(frameon=False, loc="upper left", fontsize=MIN_FONT_PT)
    return fig


def validation_curves(curves: pd.DataFrame) -> plt.Figure:
    """Validation MSE along each path, zoomed on the region where the choice is made."""
    models = list(dict.fromkeys(curves.model))
    fig, axes = _fig(len(models), height=2.8)
    for ax, model in zip(axes, models):
        part = curves[curves.model == model]
        lo, threshold = float(part.val_mse.min()), float(part.one_se_threshold.iloc[0])
        ax.plot(part.alpha, part.val_mse, color=COLORS.get(model), marker=".", lw=1.6)
        ax.axhline(threshold, color="k", ls=":", lw=1, label="min + 1 SE")
        best, one_se = part[part.chosen_min], part[part.chosen_1se]
        edge = bool(best.alpha.iloc[0] == part.alpha.min())
        ax.scatter(best.alpha, best.val_mse, color="k", zorder=3, label="minimum")
        ax.scatter(
            one_se.alpha, one_se.val_mse, color="k", marker="s", facecolor="white", zorder=3, label="1-SE choice"
        )
        ax.set_ylim(lo - 0.5 * (threshold - lo) - 1e-12, lo + 4 * (threshold - lo) + 1e-12)
        ax.set(
            xscale="log",
            xlabel="α (log scale, decreasing →)",
            ylabel="validation MSE",
            title=f"{label(model)}: min α = {best.alpha.iloc[0]:.3g}"
            + "\n"
            + ("(grid's smallest), " if edge else "")
            + f"1-SE α = {one_se.alpha.iloc[0]:.3g}",
        )
        ax.invert_xaxis()  # as Figure 7 and the interactive paths: weak penalty (small α) on the right
        ax.legend(frameon=False, loc="upper left")  # large α, above the threshold: where the curve is off the top
    return fig


def coefficients_vs_truth(
    cards: dict[str, ModelCard], truth_scaled: np.ndarray, features: list[str], models: list[str]
) -> plt.Figure:
    """Each feature's estimate per model beside the truth (per training standard deviation).

    At most ``MAX_FEATURES_SHOWN`` rows, so the figure stays readable at any width: the truly
    non-zero features first, then those some model estimates largest, in their own order.
    """
    truth_scaled = np.asarray(truth_scaled, dtype=float)
    keep = np.arange(len(features))
    if len(features) > MAX_FEATURES_SHOWN:
        largest = np.max([np.abs(np.asarray(cards[m].coef, dtype=float)) for m in models], axis=0)
        rank = np.lexsort((-largest, truth_scaled == 0))  # non-zero truth first, then by |estimate|
        keep = np.sort(rank[:MAX_FEATURES_SHOWN])
    fig, (ax,) = _fig(height=max(3.0, 0.3 * len(keep) + 1.2))
    idx = np.arange(len(keep))
    ax.scatter(truth_scaled[keep], idx, marker="|", s=220, color="k", label="truth", zorder=3)
    offsets = np.linspace(-0.25, 0.25, len(models)) if len(models) > 1 else [0.0]
    for off, model in zip(offsets, models):
        ax.scatter(np.asarray(cards[model].coef)[keep], idx + off, s=14, color=COLORS.get(model), label=label(model))
    ax.set_yticks(idx, [features[k] for k in keep])
    ax.invert_yaxis()
    ax.axvline(0, color="k", lw=0.5)
    title = "Estimates against the truth"
    if len(keep) < len(features):
        title += f"\n({len(keep)} of {len(features)} features:\nthe truly non-zero, then the largest)"
    ax.set(xlabel="coefficient per training std of the feature", title=title)
    ax.legend(frameon=False, fontsize=MIN_FONT_PT, loc="lower right")
    return fig


def comparison(paired: pd.DataFrame, recovery: pd.DataFrame | None) -> plt.Figure:
    """Test MSE minus OLS's on the same rows, with its 95% paired interval; support F1 when the truth is known."""
    has_f1 = recovery is not None and len(recovery) > 0 and bool(recovery.support_f1.notna().any())
    fig, axes = _fig(2 if has_f1 else 1, height=3.0)
    part = paired.sort_values("diff")
    y = np.arange(len(part))
    axes[0].errorbar(
        part["diff"],
        y,
        xerr=[part["diff"] - part.diff_lower, part.diff_upper - part["diff"]],
        fmt="o",
        color="k",
        ecolor="#555555",
        capsize=3,
    )
    axes[0].axvline(0, color="k", lw=0.8)
    axes[0].set_yticks(y, [label(m) for m in part.model])
    axes[0].invert_yaxis()
    axes[0].set(xlabel="test MSE − OLS's\n(95% paired interval)", title="Prediction error against OLS")
    if has_f1 and recovery is not None:
        rec = recovery.dropna(subset=["support_f1"]).sort_values("support_f1", ascending=False)
        y = np.arange(len(rec))
        axes[1].barh(y, rec.support_f1, color=[COLORS.get(m, GREY) for m in rec.model])
        axes[1].set_yticks(y, [label(m) for m in rec.model])
        axes[1].invert_yaxis()
        axes[1].set(
            xlim=(0, 1), xlabel="support F1 (1 = exactly\nthe true non-zero set)", title="Finding which features matter"
        )
    return fig


def regimes(summary: pd.DataFrame) -> plt.Figure:
    """Each penalty's test MSE as a ratio to OLS's, per regime, with the 95% interval over the repeats."""
    names = list(dict.fromkeys(summary.regime))
    fig, (ax,) = _fig(height=0.75 * len(names) + 1.4)
    models = [m for m in ("ridge", "lasso", "elastic_net") if m in set(summary.model)]
    for k, model in enumerate(models):
        part = summary[summary.model == model].set_index("regime").reindex(names)
        y = np.arange(len(names)) + (k - 1) * 0.22
        ax.errorbar(
            part.ratio_to_ols,
            y,
            xerr=1.96 * part.ratio_se,
            fmt="o",
            color=COLORS.get(model),
            capsize=3,
            label=label(model),
        )
    ax.axvline(1, color="k", lw=0.8)
    ax.set_yticks(np.arange(len(names)), names)
    ax.invert_yaxis()
    ax.set(xlabel="test MSE ÷ OLS's\n(left of 1: the penalty helps)", title="Where a penalty helps")
    # Below the axes: inside, its markers sat on the last regime's rows and read as data.
    fig.legend(loc="outside lower center", ncol=len(models), frameon=False)
    return fig


def residual_panels(res: pd.DataFrame) -> plt.Figure:
    fig, axes = _fig(3, height=2.9)
    dots = {"s": 5, "alpha": 0.35, "color": COLORS["ols"], "rasterized": True}
    axes[0].scatter(res.fitted, res.residual, **dots)
    axes[0].axhline(0, color="k", lw=0.8)
    axes[0].set(xlabel="fitted value ŷ", ylabel="residual y − ŷ", title="Residuals against fitted (test)")
    axes[1].scatter(res.theoretical_quantile, res.standardized_residual, **dots)
    lim = float(np.nanmax(np.abs(res.theoretical_quantile)))
    axes[1].plot([-lim, lim], [-lim, lim], "k--", lw=0.8)
    axes[1].set(xlabel="normal quantile", ylabel="standardized residual", title="Normal Q–Q")
    axes[2].scatter(res.actual, res.fitted, **dots)
    lo, hi = float(res.actual.min()), float(res.actual.max())
    axes[2].plot([lo, hi], [lo, hi], "k--", lw=0.8)
    axes[2].set(xlabel="actual y", ylabel="predicted ŷ", title="Predicted against actual (test)")
    return fig


def as_drawn(cards: dict[str, ModelCard]) -> dict[str, ModelCard]:
    """The cards as this module's figures read them: without the fit times, which differ on every run and
    which no figure here draws, so that a figure of unchanged models is not drawn again."""
    return {m: dataclasses.replace(c, fit_seconds=math.nan) for m, c in cards.items()}


def evaluation_figures(ev, inp, plots: dict[str, pd.DataFrame]) -> dict[str, tuple[Callable[..., plt.Figure], tuple]]:
    """Every figure of the evaluate stage, by file name: the function that draws it and its arguments, so
    that a figure whose arguments did not change need not be drawn again (``linreg.pipeline.reuse``).

    ``ev`` is the ``Evaluation``, ``inp`` its inputs,
    ``plots`` the train stage's ``gd_history``, ``lr_sweep``, ``reg_path`` and ``validation_curve``.
    """
    known = bool(inp.truth.get("known"))
    figs: dict[str, tuple[Callable[..., plt.Figure], tuple]] = {
        "gd_loss": (gd_loss, (plots["gd_history"],)),
        "lr_sweep": (lr_sweep, (plots["lr_sweep"],)),
        "learning_curve": (learning_curves, (ev.learning_curve, inp.truth["noise_std"] ** 2 if known else None)),
    }
    if any(m in inp.cards for m in ("ridge", "lasso", "elastic_net")):
        figs["reg_paths"] = (
            regularization_paths,
            (plots["reg_path"], as_drawn(inp.cards), inp.truth.get("informative") if known else None),
        )
        figs["validation_curves"] = (validation_curves, (plots["validation_curve"],))
    if known:
        truth_scaled = np.asarray(inp.truth["coef"]) * np.asarray(inp.scaler.scale)
        names = [m for m in ("ols", "lasso", "lasso_1se", "elastic_net_1se") if m in inp.cards]
        figs["coef_vs_truth"] = (
            coefficients_vs_truth,
            (as_drawn(inp.cards), truth_scaled, inp.scaler.feature_names, names),
        )
    ours = [m for m, c in inp.cards.items() if c.kind == "ours"]
    recovery = ev.recovery[ev.recovery.model.isin(ours)] if len(ev.recovery) else None
    figs["comparison"] = (comparison, (ev.paired_test[ev.paired_test.model.isin(ours)], recovery))
    figs["residuals"] = (residual_panels, (ev.residuals,))
    return figs


def lesson_figures(lessons, demo: pd.DataFrame, truth_demo: dict[str, float]) -> dict[str, plt.Figure]:
    """Every figure of the lessons stage, by file name (``paths.LESSON_FIGURES``): ``lessons`` is the
    ``Lessons``, ``demo`` the demo table (x, y), ``truth_demo`` its true line (slope, intercept)."""
    from linreg.models import LinearRegression

    x, y = demo["x"].to_numpy(), demo["y"].to_numpy()
    line = LinearRegression(device="cpu").fit(x[:, None], y)
    sweep = lessons.degree_sweep
    val = sweep[(sweep.panel == "ols") & (sweep.series == "validation")]
    best, top = int(val.loc[val.mse.idxmin(), "degree"]), int(sweep.degree.max())
    figs = {
        "demo_fit": demo_fit(x, y, line.coef_[0], line.intercept_, truth_demo["slope"], truth_demo["intercept"]),
        "degree_sweep": degree_sweep(sweep),
        "degree_fits": degree_fits(lessons.degree_curves, lessons.demo_points, sorted({1, best, top})),
    }
    if len(lessons.regimes):
        figs["regimes"] = regimes(lessons.regimes)
    return figs
