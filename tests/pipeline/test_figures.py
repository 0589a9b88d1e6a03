"""Figures at the edges of what a run can produce: every run diverged, hundreds of features."""

from __future__ import annotations

import io
from types import SimpleNamespace

import numpy as np
import pandas as pd

from linreg.pipeline.evaluation import figures


def _renders(fig) -> None:
    # savefig lays the figure out and draws it: matplotlib raises here on NaN or infinite axis limits.
    fig.savefig(io.BytesIO(), format="png")
    # Every title, label, note and legend entry inside the image: at the phone-legible width a long
    # title ("…(grid's smallest), 1-SE α = …") ran off the right edge, cut mid-word.
    renderer, width = fig.canvas.get_renderer(), fig.bbox.width
    texts = [t for ax in fig.axes for t in (ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts)]
    texts += [t for legend in [*fig.legends, *(ax.get_legend() for ax in fig.axes)] if legend for t in legend.texts]
    cut = [t.get_text() for t in texts if t.get_text() and not 0 <= t.get_window_extent(renderer).x0]
    cut += [t.get_text() for t in texts if t.get_text() and t.get_window_extent(renderer).x1 > width + 0.5]
    assert cut == [], cut  # 0.5 px: a glyph's anti-aliased edge
    figures.plt.close(fig)


def _texts(fig) -> str:
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts)


def test_a_loss_figure_where_every_run_diverged_at_its_first_step_draws_a_note():
    # A fit diverging at epoch 1 records only its start (epoch 0), which a log-epoch axis leaves out.
    history = pd.DataFrame(
        {"model": ["gd_batch", "gd_minibatch"], "epoch": [0, 0], "train_loss": [3.2, 3.2], "val_loss": [3.1, 3.1]}
    )
    fig = figures.gd_loss(history)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert all(entry.endswith(": diverged at its first step") for entry in legend), legend
    assert "every run diverged" in _texts(fig)
    _renders(fig)


def test_a_loss_figure_with_one_diverged_run_keeps_log_axes_for_the_others():
    history = pd.DataFrame(
        {
            "model": ["gd_batch"] * 4 + ["gd_minibatch"],
            "epoch": [0, 1, 2, 3, 0],
            "train_loss": [3.0, 2.0, 1.5, 1.2, 3.0],
            "val_loss": [3.0, 2.1, 1.6, 1.3, 3.0],
        }
    )
    fig = figures.gd_loss(history)
    assert fig.axes[0].get_yscale() == "log" and _texts(fig) == ""
    _renders(fig)


def test_a_learning_rate_sweep_where_every_rate_diverged_draws_a_note():
    rows = [
        {"dataset": d, "learning_rate": lr, "epoch": e, "loss": loss, "diverged": True, "lipschitz": 2.0}
        for d in ("demo", "main")
        for lr in (10.0, 100.0)
        for e, loss in ((0, 5.0), (1, np.inf))
    ]
    fig = figures.lr_sweep(pd.DataFrame(rows))
    assert _texts(fig).count("every η diverged at its first step") == 2
    _renders(fig)


def test_the_coefficient_figure_shows_at_most_forty_features_true_ones_first():
    p = 300
    rng = np.random.default_rng(0)
    truth = np.zeros(p)
    truth[[7, 150, 299]] = [1.0, -2.0, 0.5]
    estimates = truth + 0.01 * rng.standard_normal(p)
    estimates[[20, 21]] = [5.0, -5.0]  # large estimates of features whose truth is zero
    cards = {"ols": SimpleNamespace(coef=list(estimates))}
    names = [f"x{k}" for k in range(p)]
    fig = figures.coefficients_vs_truth(cards, truth, names, ["ols"])
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(ticks) == figures.MAX_FEATURES_SHOWN
    assert {"x7", "x150", "x299", "x20", "x21"} <= set(ticks)  # the true support, then the largest
    assert ticks == sorted(ticks, key=lambda t: int(t[1:]))  # in the data's own order
    assert f"{figures.MAX_FEATURES_SHOWN} of {p} features" in fig.axes[0].get_title()
    _renders(fig)


def _path_tables():
    alphas = np.geomspace(10.0, 0.01, 5)
    paths = pd.DataFrame(
        [
            {"model": "lasso", "alpha": a, "feature": f, "coef": c * k}
            for k, a in enumerate(alphas)
            for f, c in [("x0", 1.0)]
        ]
    )
    curves = pd.DataFrame(
        {"model": "lasso", "alpha": alphas, "val_mse": [3.0, 2.0, 1.2, 1.0, 1.05], "one_se_threshold": 1.1}
        | {"chosen_min": [False, False, False, False, True], "chosen_1se": [False, False, True, False, False]}
    )
    return paths, curves


def test_alpha_runs_the_same_way_in_the_path_and_validation_figures():
    # The review read Figure 8 (α increasing →) against Figure 7 (α decreasing →): one direction everywhere.
    paths, curves = _path_tables()
    cards = {"lasso": SimpleNamespace(alpha=0.1, alpha_1se=1.0)}
    path_fig, val_fig = figures.regularization_paths(paths, cards), figures.validation_curves(curves)
    for fig in (path_fig, val_fig):
        ax = fig.axes[0]
        assert ax.get_xscale() == "log" and ax.xaxis_inverted(), fig.axes[0].get_title()
        assert "decreasing →" in ax.get_xlabel()
        _renders(fig)


def test_the_benchmark_ratio_figure_draws_no_bars_on_its_log_axis():
    # A bar on a log axis starts where the axis happens to start, so its length means nothing: points instead.
    from matplotlib.patches import Rectangle

    from linreg.pipeline.benchmark import summary

    rows = [
        {"solver": s, "series": series, "ratio_to_gram": r, "n": 1000, "p": 20}
        | {"status": "ok", "library": "linreg", "dtype": "float64"}
        for s, series, r in [("ols", "linreg cpu", 1.8), ("ols", "sklearn cpu", 20.0), ("ridge", "linreg cpu", 2.5)]
    ]
    fig = summary.ratio_to_limit(pd.DataFrame(rows))
    (ax,) = fig.axes
    assert ax.get_xscale() == "log"
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert bars == []
    drawn = sorted(float(x) for line in ax.get_lines() if line.get_marker() == "o" for x in line.get_xdata() if x == x)
    assert drawn == [1.8, 2.5, 20.0]  # every ratio is a point, nothing lost
    assert sorted(t.get_text() for t in ax.texts) == ["1.8×", "2.5×", "20×"]
    _renders(fig)


def test_the_regime_figures_legend_sits_off_its_data():
    # Inside the axes (lower right) the legend's error-bar markers sat on the last regime's rows, where a
    # learner read them as three more results; below the axes they cannot touch a marker.
    regimes = ["many rows", "few rows", "few rows, noisy", "few rows, correlated"]
    summary = pd.DataFrame(
        [
            {"regime": r, "model": m, "ratio_to_ols": 0.97, "ratio_se": 0.005}
            for r in regimes
            for m in ("ridge", "lasso", "elastic_net")
        ]
    )
    fig = figures.regimes(summary)
    fig.savefig(io.BytesIO(), format="png")
    renderer = fig.canvas.get_renderer()
    (ax,) = fig.axes
    legends = [lg for lg in [*fig.legends, ax.get_legend()] if lg is not None]
    assert [t.get_text() for lg in legends for t in lg.texts] == ["ridge", "lasso", "elastic net"]
    plot = ax.get_window_extent(renderer)
    assert all(not lg.get_window_extent(renderer).overlaps(plot) for lg in legends)
    _renders(fig)
