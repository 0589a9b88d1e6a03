"""The validated paths: every alpha's fit is the plain estimator's, the choice is the stated rule."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import linear_model as sk

from linreg.models import (
    ElasticNet,
    GradientDescentRegressor,
    Lasso,
    LinearRegression,
    Ridge,
    ValidatedElasticNet,
    ValidatedLasso,
    ValidatedRidge,
)

from ..oracles import regression_data


@pytest.fixture(scope="module")
def data():
    X, y, _ = regression_data(n=600, p=8, sparse=True, noise=1.0)
    return X[:400], y[:400], X[400:], y[400:]


def validation_mse(coef, intercept, X, y):
    return float(np.mean((y - X @ coef - intercept) ** 2))


def test_ridge_path_is_ridge_at_every_alpha_and_picks_the_minimum(data):
    X, y, Xv, yv = data
    est = ValidatedRidge(n_alphas=12, device="cpu").fit(X, y, validation=(Xv, yv))
    for k, alpha in enumerate(est.alphas_):
        ref = sk.Ridge(alpha=alpha).fit(X, y)
        # Closed forms on both sides: rounding only (1e-10 relative).
        np.testing.assert_allclose(est.coef_path_[k], ref.coef_, rtol=1e-10, atol=1e-12)
        assert est.mse_path_[k] == pytest.approx(validation_mse(ref.coef_, ref.intercept_, Xv, yv), rel=1e-10)
    assert est.alpha_ == est.alphas_[np.argmin(est.mse_path_)]
    np.testing.assert_array_equal(est.coef_, est.coef_path_[est.best_index_])


@pytest.mark.parametrize("cls, l1_ratio", [(ValidatedLasso, 1.0), (ValidatedElasticNet, 0.5)])
def test_sparse_paths_match_scikit_learn_and_the_one_se_rule_holds(data, cls, l1_ratio):
    X, y, Xv, yv = data
    kw = {} if cls is ValidatedLasso else {"l1_ratio": l1_ratio}
    est = cls(n_alphas=10, tol=1e-12, max_iter=100_000, device="cpu", **kw).fit(X, y, validation=(Xv, yv))
    for k, alpha in enumerate(est.alphas_):
        ref = sk.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=100_000).fit(X, y)
        np.testing.assert_allclose(est.coef_path_[k], ref.coef_, atol=1e-7)  # both at a 1e-12 gap tolerance
    assert est.alphas_[0] > est.alphas_[-1] and np.all(est.coef_path_[0] == 0)  # starts at alpha_max
    best = est.mse_path_[est.best_index_]
    within = np.flatnonzero(est.mse_path_ <= best + est.se_best_)
    assert est.one_se_index_ == within.min() and est.alpha_1se_ >= est.alpha_
    np.testing.assert_array_equal(est.coef_1se_, est.coef_path_[est.one_se_index_])


def test_without_validation_rows_the_last_fifth_is_held_out(data):
    X, y, _, _ = data
    held = ValidatedRidge(n_alphas=5, device="cpu").fit(X, y)
    explicit = ValidatedRidge(n_alphas=5, device="cpu").fit(X[:320], y[:320], validation=(X[320:], y[320:]))
    np.testing.assert_array_equal(held.mse_path_, explicit.mse_path_)


@pytest.mark.parametrize(
    "est, message",
    [
        (GradientDescentRegressor(batch_size=0, device="cpu"), "batch_size"),
        (GradientDescentRegressor(learning_rate=-1.0, device="cpu"), "learning_rate"),
        (GradientDescentRegressor(max_epochs=0, device="cpu"), "max_epochs"),
        (Lasso(alpha="a", device="cpu"), "alpha"),
        (ElasticNet(l1_ratio=2.0, device="cpu"), "l1_ratio"),
        (Ridge(alpha=-1.0, device="cpu"), "alpha"),
        (LinearRegression(solver="magic", device="cpu"), "solver"),
        (LinearRegression(dtype="float16", device="cpu"), "dtype"),
        (ValidatedLasso(n_alphas=1, device="cpu"), "n_alphas"),
    ],
    ids=lambda v: v if isinstance(v, str) else type(v).__name__,
)
def test_bad_constructor_params_are_named_errors(est, message):
    X, y, _ = regression_data(n=50, p=3)
    with pytest.raises((ValueError, TypeError), match=f"'{message}' parameter"):
        est.fit(X, y)


def test_shared_statistics_give_the_same_fits_without_another_pass(data):
    import torch

    from linreg.models.stats import compute_stats

    X, y, Xv, yv = data
    stats = compute_stats(X, y, dtype=torch.float64, device=torch.device("cpu"))
    for make in (
        lambda **kw: LinearRegression(device="cpu", **kw),
        lambda **kw: ValidatedLasso(n_alphas=6, device="cpu", **kw),
        lambda **kw: GradientDescentRegressor(max_epochs=50, device="cpu", **kw),
    ):
        kw = {} if "Linear" in type(make()).__name__ else {"validation": (Xv, yv)}
        alone, shared = make().fit(X, y, **kw), make(precompute=stats).fit(X, y, **kw)
        np.testing.assert_array_equal(shared.coef_, alone.coef_)  # the same numbers, bit for bit
    with pytest.raises(ValueError, match="precompute holds statistics of 400 rows"):
        LinearRegression(device="cpu", precompute=stats).fit(X[:100], y[:100])


@pytest.mark.parametrize("make", [ValidatedRidge, ValidatedLasso, ValidatedElasticNet])
def test_shared_validation_statistics_give_the_same_fit(make):
    import torch

    from linreg.models import GradientDescentRegressor
    from linreg.models.stats import compute_stats

    rng = np.random.default_rng(4)
    X, X_val = rng.standard_normal((300, 5)), rng.standard_normal((80, 5))
    w = np.array([1.0, 0.0, -2.0, 0.5, 0.0])
    y, y_val = X @ w + rng.standard_normal(300), X_val @ w + rng.standard_normal(80)
    shared = compute_stats(X_val, y_val, dtype=torch.float64, device=torch.device("cpu"), center=True)
    alone = make(device="cpu").fit(X, y, validation=(X_val, y_val))
    given = make(device="cpu").fit(X, y, validation=(X_val, y_val), validation_stats=shared)
    np.testing.assert_array_equal(given.mse_path_, alone.mse_path_)  # the same pass, so the same bits
    assert given.alpha_ == alone.alpha_
    gd = GradientDescentRegressor(device="cpu", patience=5).fit(
        X, y, validation=(X_val, y_val), validation_stats=shared
    )
    assert gd.history_["val_loss"][-1] == pytest.approx(
        GradientDescentRegressor(device="cpu", patience=5)
        .fit(X, y, validation=(X_val, y_val))
        .history_["val_loss"][-1],
        rel=0,
    )
    wrong = compute_stats(X_val[:40], y_val[:40], dtype=torch.float64, device=torch.device("cpu"), center=True)
    with pytest.raises(
        ValueError, match=r"validation_stats hold 40 rows × 5 features .* but the validation rows are 80"
    ):
        make(device="cpu").fit(X, y, validation=(X_val, y_val), validation_stats=wrong)
