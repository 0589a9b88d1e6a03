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
