"""Error metrics against sklearn.metrics; adjusted R² and support recovery edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn import metrics as skm

from linreg.models._reduce import tree_merge
from linreg.pipeline.evaluation.metrics import (
    coefficient_recovery,
    error_sums,
    merge_error_sums,
    metrics_from_sums,
    regression_metrics,
)


def test_metrics_match_sklearn():
    rng = np.random.default_rng(0)
    y = rng.standard_normal(50)
    pred = y + 0.3 * rng.standard_normal(50)
    m = regression_metrics(y, pred, n_features=4)
    assert m["mse"] == pytest.approx(skm.mean_squared_error(y, pred), rel=1e-14)
    assert m["rmse"] == pytest.approx(skm.root_mean_squared_error(y, pred), rel=1e-14)
    assert m["mae"] == pytest.approx(skm.mean_absolute_error(y, pred), rel=1e-14)
    assert m["r2"] == pytest.approx(skm.r2_score(y, pred), rel=1e-14)
    assert m["adj_r2"] == pytest.approx(1 - (1 - m["r2"]) * 49 / 45, rel=1e-14)
    assert m["adj_r2_note"] == ""


@pytest.mark.parametrize("cuts", [[1000], [1, 999], [300, 300, 300, 100], [7] * 142 + [6]])
def test_metrics_merged_over_blocks_match_sklearn_on_all_rows(cuts):
    """The evaluate stage's blockwise sums: any blocking gives scikit-learn's metrics on the whole split."""
    rng = np.random.default_rng(1)
    y = 1e4 + rng.standard_normal(1000)  # a mean far from zero: the centred merge must not cancel
    preds = np.stack([y + 0.3 * rng.standard_normal(1000), y + 2.0])  # two models at once
    bounds = np.cumsum([0, *cuts])
    merged = tree_merge([error_sums(y[a:b], preds[:, a:b]) for a, b in zip(bounds[:-1], bounds[1:])], merge_error_sums)
    assert merged.n == 1000
    for k in range(2):
        m = metrics_from_sums(merged, k, n_features=3)
        # rel 1e-12: sums regrouped by the blocks round differently than scikit-learn's, in the last bits only.
        assert m["mse"] == pytest.approx(skm.mean_squared_error(y, preds[k]), rel=1e-12)
        assert m["mae"] == pytest.approx(skm.mean_absolute_error(y, preds[k]), rel=1e-12)
        assert m["r2"] == pytest.approx(skm.r2_score(y, preds[k]), rel=1e-10)


@pytest.mark.parametrize("n, p", [(5, 4), (5, 10)])
def test_adjusted_r2_is_nan_with_a_reason_when_undefined(n, p):
    y = np.arange(n, dtype=float)
    m = regression_metrics(y, y + 0.1, n_features=p)
    assert math.isnan(m["adj_r2"]) and f"= {n - p - 1} ≤ 0" in m["adj_r2_note"]
    assert not math.isnan(m["r2"])


def test_constant_target_has_undefined_r2():
    m = regression_metrics(np.ones(10), np.ones(10) + 0.1, n_features=1)
    assert math.isnan(m["r2"]) and math.isnan(m["adj_r2"]) and "constant" in m["adj_r2_note"]


def test_support_recovery_on_a_hand_made_case():
    truth = np.array([1.0, 0.0, -2.0, 0.0, 0.5])
    coef = np.array([0.9, 0.1, -1.8, 0.0, 0.0])  # selects {0, 1, 2}; relevant {0, 2, 4}
    r = coefficient_recovery(coef, truth)
    assert r["support_precision"] == pytest.approx(2 / 3)
    assert r["support_recall"] == pytest.approx(2 / 3)
    assert r["support_f1"] == pytest.approx(2 / 3)
    assert r["n_selected"] == 3
    assert r["coef_l2_error"] == pytest.approx(np.sqrt(0.01 + 0.01 + 0.04 + 0.25))
    assert r["coef_max_error"] == pytest.approx(0.5)


def test_support_recovery_degenerate_cases():
    empty = coefficient_recovery(np.zeros(3), np.array([1.0, 0.0, 0.0]))
    assert math.isnan(empty["support_precision"]) and empty["support_recall"] == 0 and math.isnan(empty["support_f1"])
    perfect = coefficient_recovery(np.array([2.0, 0.0]), np.array([1.0, 0.0]))
    assert perfect["support_f1"] == 1.0
