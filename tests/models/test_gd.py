"""Gradient descent: converges to the closed form, detects divergence, stops early as asked."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from linreg.models import ElasticNet, GradientDescentRegressor, LinearRegression, Ridge

from ..oracles import DEVICES, regression_data


@pytest.mark.parametrize("device", DEVICES)
def test_full_batch_gd_at_convergence_equals_the_closed_form(device):
    X, y, _ = regression_data()
    gd = GradientDescentRegressor(tol=0.0, max_epochs=3000, device=device).fit(X, y)
    ols = LinearRegression(device="cpu").fit(X, y)
    # cond(H) ≈ 10: the error contracts ~10% per epoch, far below 1e-10 after 3000.
    np.testing.assert_allclose(gd.coef_, ols.coef_, rtol=1e-10)
    assert gd.intercept_ == pytest.approx(ols.intercept_, rel=1e-10)
    assert gd.stopped_by_ == "max_epochs" and not gd.diverged_


def test_gd_matches_a_hand_computed_first_step():
    x = np.array([[1.0], [2.0], [3.0]])
    y = np.array([2.0, 4.0, 6.5])
    gd = GradientDescentRegressor(learning_rate=0.1, max_epochs=1, tol=0.0, device="cpu").fit(x, y)
    # From w = b = 0: dJ/dw = −mean(x·y) = −(2 + 8 + 19.5)/3, dJ/db = −mean(y) = −12.5/3.
    assert gd.coef_[0] == pytest.approx(0.1 * 29.5 / 3, rel=1e-14)
    assert gd.intercept_ == pytest.approx(0.1 * 12.5 / 3, rel=1e-14)
    assert gd.history_["train_loss"][0] == pytest.approx(np.mean(y**2) / 2, rel=1e-14)


@pytest.mark.parametrize("penalty, closed_form", [("l2", "ridge"), ("l1", "enet"), ("elasticnet", "enet")])
def test_penalized_gd_converges_to_the_penalized_optimum(penalty, closed_form):
    X, y, _ = regression_data(sparse=True)
    gd = GradientDescentRegressor(penalty=penalty, alpha=0.1, l1_ratio=0.5, tol=0.0, max_epochs=5000, device="cpu").fit(
        X, y
    )
    if closed_form == "ridge":  # (1/2n)RSS + ½α‖w‖² ⇔ sklearn Ridge with alpha·n
        ref = Ridge(0.1 * len(y), device="cpu").fit(X, y)
    else:
        rho = 1.0 if penalty == "l1" else 0.5
        ref = ElasticNet(0.1, l1_ratio=rho, tol=1e-14, max_iter=100_000, device="cpu").fit(X, y)
    np.testing.assert_allclose(gd.coef_, ref.coef_, atol=1e-9)


@pytest.mark.parametrize("batch_size", [1, 32])
def test_minibatch_and_stochastic_gd_approach_the_closed_form(batch_size):
    X, y, _ = regression_data()
    gd = GradientDescentRegressor(batch_size=batch_size, max_epochs=30, tol=0.0, random_state=0, device="cpu").fit(X, y)
    ols = LinearRegression(device="cpu").fit(X, y)
    # A constant step leaves SGD noise of order lr·σ²: close to, not at, the optimum
    # (measured: loss 8% above the floor for batch 1, 1% for batch 32).
    assert np.max(np.abs(gd.coef_ - ols.coef_)) < 0.15
    best_loss = np.mean((y - ols.predict(X)) ** 2) / 2  # the floor, ½σ² ≈ 0.125 here
    assert best_loss <= gd.history_["train_loss"][-1] < 1.15 * best_loss


def test_minibatch_is_reproducible_with_a_seed():
    X, y, _ = regression_data()
    a = GradientDescentRegressor(batch_size=16, max_epochs=3, random_state=3, device="cpu").fit(X, y)
    b = GradientDescentRegressor(batch_size=16, max_epochs=3, random_state=3, device="cpu").fit(X, y)
    c = GradientDescentRegressor(batch_size=16, max_epochs=3, random_state=4, device="cpu").fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert not np.array_equal(a.coef_, c.coef_)


def test_divergence_is_flagged_not_raised():
    X, y, _ = regression_data()
    auto = GradientDescentRegressor(max_epochs=1, device="cpu").fit(X, y)
    gd = GradientDescentRegressor(learning_rate=5 * auto.learning_rate_, max_epochs=500, device="cpu").fit(X, y)
    assert gd.diverged_ and gd.stopped_by_ == "divergence" and not gd.converged_
    assert 1 < gd.diverged_epoch_ < 500
    assert len(gd.history_["epoch"]) == gd.diverged_epoch_  # epochs 0 … diverged_epoch − 1
    # It keeps the iterate of lowest training loss seen, not the last (huge) finite one.
    kept = 0.5 * np.mean((y - X @ gd.coef_ - gd.intercept_) ** 2)
    assert kept == pytest.approx(min(gd.history_["train_loss"]), rel=1e-9)  # J from statistics vs rows
    assert kept <= gd.history_["train_loss"][0]


def test_a_fit_diverging_from_the_first_step_keeps_the_start():
    X, y, _ = regression_data()
    for batch_size in (None, 16):
        gd = GradientDescentRegressor(learning_rate=1e6, batch_size=batch_size, device="cpu")
        with pytest.warns(ConvergenceWarning, match="lowest training loss is kept"):
            gd.fit(X, y)
        assert gd.diverged_epoch_ == 1
        np.testing.assert_array_equal(gd.coef_, 0.0)  # GD starts from zero weights


def test_just_below_the_stability_bound_converges():
    X, y, _ = regression_data()
    auto = GradientDescentRegressor(max_epochs=1, device="cpu").fit(X, y)
    gd = GradientDescentRegressor(
        learning_rate=1.9 * auto.learning_rate_, max_epochs=5000, tol=1e-12, device="cpu"
    ).fit(X, y)
    assert gd.converged_ and not gd.diverged_


def test_tolerance_stops_early():
    X, y, _ = regression_data()
    gd = GradientDescentRegressor(tol=1e-4, max_epochs=10_000, device="cpu").fit(X, y)
    assert gd.stopped_by_ == "tol" and gd.n_epochs_ < 10_000
    losses = gd.history_["train_loss"]
    assert 0 <= (losses[-2] - losses[-1]) / losses[-2] < 1e-4


def test_patience_stops_on_validation_loss_and_restores_the_best():
    X, y, _ = regression_data(n=60, p=30, noise=3.0, seed=2)  # few rows: overfits
    Xv, yv, _ = regression_data(n=400, p=30, noise=3.0, seed=2)
    gd = GradientDescentRegressor(tol=0.0, max_epochs=20_000, patience=20, device="cpu").fit(X, y, validation=(Xv, yv))
    assert gd.stopped_by_ == "patience"
    val = np.array(gd.history_["val_loss"])
    best_val = np.mean((yv - gd.predict(Xv)) ** 2) / 2
    assert best_val == pytest.approx(val.min(), rel=1e-9)
    assert np.argmin(val) == len(val) - 1 - 20


def test_patience_without_validation_is_an_error():
    X, y, _ = regression_data()
    with pytest.raises(ValueError, match="patience > 0 needs validation"):
        GradientDescentRegressor(patience=5, device="cpu").fit(X, y)


@pytest.mark.parametrize("device", DEVICES)
def test_float32_and_float64_agree_to_float32_precision(device):
    X, y, _ = regression_data()
    kw = dict(batch_size=32, max_epochs=5, tol=0.0, random_state=0, device=device)
    f64 = GradientDescentRegressor(**kw).fit(X, y)
    f32 = GradientDescentRegressor(dtype="float32", **kw).fit(X, y)
    np.testing.assert_allclose(f32.coef_, f64.coef_, rtol=1e-4, atol=1e-5)
