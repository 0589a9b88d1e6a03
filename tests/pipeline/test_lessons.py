"""What the report teaches from: each number checked against an oracle or an invariance."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from linreg.models import GradientDescentRegressor, LinearRegression
from linreg.pipeline.evaluation.lessons import (
    REGIME_MODELS,
    gd_step_by_hand,
    paired_test_differences,
    polynomial_curves,
    regime_summary,
    regime_sweep,
)


@pytest.fixture
def demo():
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 2, 80)
    return x, 3 * x + 2 + rng.standard_normal(80)


def test_gd_step_by_hand_is_the_estimators_first_step(demo):
    x, y = demo
    s = gd_step_by_hand(x, y)
    # Oracle 1: L is the Hessian's largest eigenvalue (LAPACK here, closed form there): 1e-14 relative.
    H = np.array([[1, x.mean()], [x.mean(), np.mean(x * x)]])
    assert s["lipschitz"] == pytest.approx(np.linalg.eigvalsh(H).max(), rel=1e-14)
    assert s["eta"] == pytest.approx(1 / s["lipschitz"], rel=1e-15) and s["eta_max"] == pytest.approx(2 * s["eta"])
    # Oracle 2: the estimator's first full-batch epoch from zero at the same η is the same step
    # (it works on the statistics, this on the rows: rounding apart, 1e-12).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one epoch does not converge: that is the point
        gd = GradientDescentRegressor(learning_rate=s["eta"], max_epochs=1, tol=0, device="cpu").fit(x[:, None], y)
    assert gd.intercept_ == pytest.approx(s["b1"], rel=1e-12)
    assert gd.coef_[0] == pytest.approx(s["w1"], rel=1e-12)
    assert gd.history_["train_loss"][0] == pytest.approx(s["loss0"], rel=1e-12)
    assert gd.history_["train_loss"][1] == pytest.approx(s["loss1"], rel=1e-12)
    assert s["loss1"] < s["loss0"]


def test_gd_step_from_the_optimum_stays_there(demo):
    x, y = demo
    line = LinearRegression(device="cpu").fit(x[:, None], y)
    s = gd_step_by_hand(x, y, theta0=(line.intercept_, line.coef_[0]))
    assert abs(s["grad_b"]) < 1e-12 and abs(s["grad_w"]) < 1e-12  # the gradient vanishes at least squares
    assert s["b1"] == pytest.approx(line.intercept_, abs=1e-12) and s["w1"] == pytest.approx(line.coef_[0], abs=1e-12)
    # The minimum the step aims at is the least-squares line's J (numpy.polyfit as oracle; the residual
    # sum is well conditioned here: 1e-12 relative), and from there the step removes nothing.
    slope, intercept = np.polyfit(x, y, 1)
    assert s["loss_min"] == pytest.approx(np.mean((intercept + slope * x - y) ** 2) / 2, rel=1e-12)
    assert s["loss1"] == pytest.approx(s["loss_min"], rel=1e-12) and s["loss0"] == pytest.approx(
        s["loss_min"], rel=1e-12
    )


def test_paired_differences_are_the_difference_of_mses_with_the_paired_se():
    rng = np.random.default_rng(3)
    y = rng.standard_normal(500)
    preds = {"a": y + rng.normal(0, 1.0, 500), "b": y + rng.normal(0, 1.2, 500), "same": None}
    preds["same"] = preds["a"].copy()
    out = paired_test_differences(y, preds, "a").set_index("model")
    sq = {k: (y - v) ** 2 for k, v in preds.items()}
    d = sq["b"] - sq["a"]
    assert out.loc["b", "diff"] == pytest.approx(sq["b"].mean() - sq["a"].mean(), rel=1e-12)
    assert out.loc["b", "diff_se"] == pytest.approx(d.std(ddof=1) / np.sqrt(500), rel=1e-12)
    assert out.loc["b", "diff_lower"] < out.loc["b", "diff"] < out.loc["b", "diff_upper"]
    assert out.loc["b", "resolved"] == (abs(out.loc["b", "diff"]) > 1.96 * out.loc["b", "diff_se"])
    # The baseline against itself and an identical copy: difference 0, never "resolved".
    assert out.loc["a", "diff"] == 0 and not out.loc["a", "resolved"] and not out.loc["same", "resolved"]


def test_a_clearly_worse_model_is_resolved_and_a_tie_is_not():
    rng = np.random.default_rng(4)
    y = rng.standard_normal(4000)
    good = y + rng.normal(0, 1, 4000)
    preds = {"good": good, "worse": good + 0.5, "tie": good + 1e-4 * rng.standard_normal(4000)}
    out = paired_test_differences(y, preds, "good").set_index("model")
    assert out.loc["worse", "resolved"] and out.loc["worse", "diff"] > 0
    assert not out.loc["tie", "resolved"]


def test_polynomial_curve_of_degree_one_is_the_least_squares_line(demo):
    x, y = demo
    curves = polynomial_curves(x, y, 3, points=25)
    assert sorted(set(curves.degree)) == [1, 2, 3] and len(curves) == 75
    line = LinearRegression(device="cpu").fit(x[:, None], y)
    one = curves[curves.degree == 1]
    np.testing.assert_allclose(one.fitted, line.predict(one.x.to_numpy()[:, None]), rtol=1e-12, atol=1e-12)


DESIGN = {"n_features": 6, "n_informative": 3, "intercept": 1.0, "scale_spread": 10.0, "feature_offset": 0.5}
PATH = {"n_alphas": 8, "alpha_min_ratio": 1e-3, "l1_ratio": 0.5, "tol": 1e-8, "max_iter": 5000}
SPLIT = {"train": 0.6, "validation": 0.2, "test": 0.2}
REGIMES = [
    {"name": "small", "n_samples": 40, "noise_std": 2.0, "correlation": 0.5},
    {"name": "large", "n_samples": 400, "noise_std": 1.0, "correlation": 0.2},
]


def test_regime_sweep_rows_reproducibility_and_summary():
    sweep = regime_sweep(REGIMES, repeats=3, design=DESIGN, path=PATH, split=SPLIT, seed=11)
    assert len(sweep) == len(REGIMES) * 3 * len(REGIME_MODELS)
    assert (sweep[sweep.model == "ols"].ratio_to_ols == 1).all()  # OLS against itself, exactly
    assert not sweep[sweep.model == "ols"].alpha_at_grid_edge.any()
    assert set(sweep.n_train) == {24, 240}  # 60% of 40 and 400 rows
    # Seeded: the same bits twice, and whether one process or several (forked) fitted the datasets.
    for workers in (1, 2, 3):
        again = regime_sweep(REGIMES, repeats=3, design=DESIGN, path=PATH, split=SPLIT, seed=11, workers=workers)
        pd.testing.assert_frame_equal(sweep, again, check_exact=True)
    other = regime_sweep(REGIMES, repeats=3, design=DESIGN, path=PATH, split=SPLIT, seed=12)
    assert not np.allclose(sweep.test_mse, other.test_mse)

    summary = regime_summary(sweep)
    assert len(summary) == len(REGIMES) * len(REGIME_MODELS)
    for row in summary.itertuples():
        part = sweep[(sweep.regime == row.regime) & (sweep.model == row.model)]
        assert row.ratio_to_ols == pytest.approx(part.ratio_to_ols.mean(), rel=1e-12)
        se = part.ratio_to_ols.std(ddof=1) / np.sqrt(3)
        assert row.helps == (row.model != "ols" and row.ratio_to_ols + 1.959963984540054 * se < 1)
        assert not (row.helps and row.hurts)


def test_gd_paths_are_the_estimators_iterates_and_diverge_past_two_over_l(demo):
    from linreg.pipeline.evaluation.lessons import gd_paths_on_demo, loss_surface

    x, y = demo
    paths = gd_paths_on_demo(x, y, [0.5, 0.97, 1.1], epochs=12)
    step = gd_step_by_hand(x, y)
    for multiple, part in paths.groupby("multiple"):
        # Oracle: the textbook loop on [1, x] at the same η, in NumPy (rounding apart: 1e-10).
        eta, theta = multiple * step["eta_max"], np.zeros(2)
        Xb = np.column_stack([np.ones_like(x), x])
        for k in range(1, 13):
            theta = theta - eta * Xb.T @ (Xb @ theta - y) / len(y)
            row = part[part.epoch == k].iloc[0]
            assert row.b == pytest.approx(theta[0], rel=1e-10, abs=1e-12)
            assert row.w == pytest.approx(theta[1], rel=1e-10, abs=1e-12)
        assert part.diverged.iloc[0] == (multiple > 1)  # the 2/L rule, on this demo
    surface = loss_surface(x, y, paths, points=5)
    assert len(surface) == 25
    r = surface.iloc[7]
    assert r.loss == pytest.approx(np.mean((r.b + r.w * x - y) ** 2) / 2, rel=1e-12)


def test_the_regime_sweep_forks_only_on_linux(monkeypatch):
    # macOS offers fork, but its system libraries are not safe across it: the sweep runs in one process there.
    from linreg.pipeline.evaluation import lessons

    def no_pool(*args, **kwargs):
        raise AssertionError("a worker process was started off Linux")

    monkeypatch.setattr(lessons.sys, "platform", "darwin")
    monkeypatch.setattr(lessons, "ProcessPoolExecutor", no_pool)
    one = regime_sweep(REGIMES[:1], repeats=2, design=DESIGN, path=PATH, split=SPLIT, seed=11, workers=2)
    monkeypatch.undo()
    pd.testing.assert_frame_equal(
        one, regime_sweep(REGIMES[:1], repeats=2, design=DESIGN, path=PATH, split=SPLIT, seed=11, workers=2)
    )
