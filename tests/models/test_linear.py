"""LinearRegression and Ridge in closed form: scikit-learn and statsmodels as oracles, hard designs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.linalg
import statsmodels.api as sm
from sklearn import linear_model as sk

from linreg.models import LinearRegression, Ridge
from linreg.models._closed_form import EXACT_MAX_WORK, RankDeficientWarning

from ..oracles import DEVICES, regression_data


def rel_err(a, b):
    return np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(b))


def vandermonde(degree, n=200, seed=0):
    x = np.sort(np.random.default_rng(seed).uniform(0, 2, n))
    return np.vander(x, degree + 1, increasing=True)[:, 1:]  # raw powers x … x^degree


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("solver", ["auto", "cholesky", "qr", "svd"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ols_matches_sklearn(device, solver, fit_intercept):
    X, y, _ = regression_data(offset=3.0)
    ours = LinearRegression(solver=solver, fit_intercept=fit_intercept, device=device).fit(X, y)
    ref = sk.LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    # float64, cond(X) ≈ 3: both are within a few eps of the exact solution.
    assert rel_err(ours.coef_, ref.coef_) <= 1e-10
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-10, abs=1e-12)
    # auto, this well-conditioned design: small ones (n·k² ≤ EXACT_MAX_WORK) by QR of the centred rows, larger
    # ones by Cholesky on the statistics.
    small = X.shape[0] * (X.shape[1] + fit_intercept) ** 2 <= EXACT_MAX_WORK
    assert ours.solver_ == {"auto": "centred_qr" if small else "cholesky"}.get(solver, solver)


@pytest.mark.parametrize("n", [40, 60_000])
def test_auto_factors_small_easy_designs_and_uses_cholesky_beyond(n):
    X, y, _ = regression_data(n=n, p=4, offset=3.0)
    small = n * 25 <= EXACT_MAX_WORK
    assert LinearRegression(device="cpu").fit(X, y).solver_ == ("centred_qr" if small else "cholesky")
    # An ill-conditioned design of the same size takes the exact QR, small or not.
    X[:, 1] = X[:, 0] + 1e-6 * X[:, 1]
    assert LinearRegression(device="cpu").fit(X, y).solver_ == "qr"


def test_ols_matches_statsmodels():
    X, y, _ = regression_data()
    ours = LinearRegression(device="cpu").fit(X, y)
    ref = sm.OLS(y, sm.add_constant(X)).fit()
    np.testing.assert_allclose(ours.coef_, ref.params[1:], rtol=1e-10)
    assert ours.intercept_ == pytest.approx(ref.params[0], rel=1e-10)


@pytest.mark.parametrize("solver", ["auto", "qr", "svd"])
def test_noise_free_data_give_the_exact_coefficients(solver):
    X, y, beta = regression_data(noise=0.0)
    model = LinearRegression(solver=solver, device="cpu").fit(X, y)
    np.testing.assert_allclose(model.coef_, beta, rtol=1e-12)  # a few eps at cond ≈ 3
    assert model.intercept_ == pytest.approx(1.5, rel=1e-12)


def test_large_offsets_do_not_cost_accuracy():
    # Means 1e6 times the spread: the naive XᵀX − n x̄x̄ᵀ would lose ~12 digits.
    X, y, beta = regression_data(noise=0.0, offset=1e6)
    model = LinearRegression(solver="cholesky", device="cpu").fit(X, y)
    np.testing.assert_allclose(model.coef_, beta, rtol=1e-8)


@pytest.mark.parametrize("degree", [8, 12, 15])
def test_ill_conditioned_design_keeps_the_best_orthogonal_accuracy(degree):
    """Raw polynomial features (cond up to ~1e13): auto must pick an orthogonal solver
    and be as accurate as LAPACK's SVD (gelsd) and pivoted QR (gelsy), within 3×."""
    X = vandermonde(degree)
    beta = np.random.default_rng(1).uniform(-1, 1, degree)
    y = 0.5 + X @ beta  # noise-free: beta is the exact answer up to rounding in y
    design = np.column_stack([np.ones(len(X)), X])
    errors = {}
    for driver in ("gelsd", "gelsy"):
        sol = scipy.linalg.lstsq(design, y, lapack_driver=driver)[0]
        errors[driver] = np.linalg.norm(sol[1:] - beta) / np.linalg.norm(beta)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RankDeficientWarning)
        model = LinearRegression(device="cpu").fit(X, y)
    ours = np.linalg.norm(model.coef_ - beta) / np.linalg.norm(beta)
    assert model.solver_ == "qr"
    assert ours <= 3 * min(errors.values()), (ours, errors)


def test_rank_deficient_design_gives_minimum_norm_with_a_warning():
    X, y, _ = regression_data()
    X = np.column_stack([X, X[:, 0]])  # an exact duplicate column
    with pytest.warns(RankDeficientWarning, match="rank 8 < 9"):
        model = LinearRegression(device="cpu").fit(X, y)
    Xc = X - X.mean(0)
    np.testing.assert_allclose(model.coef_, np.linalg.pinv(Xc) @ (y - y.mean()), rtol=1e-9)
    assert model.coef_[0] == pytest.approx(model.coef_[-1], rel=1e-9)  # the norm is split evenly
    assert model.rank_ == 8 and model.solver_ == "svd"


def test_more_features_than_samples():
    X, y, _ = regression_data(n=10, p=30)
    with pytest.warns(RankDeficientWarning):
        model = LinearRegression(device="cpu").fit(X, y)
    np.testing.assert_allclose(model.predict(X), y, atol=1e-9)  # interpolates
    Xc = X - X.mean(0)
    np.testing.assert_allclose(model.coef_, np.linalg.pinv(Xc) @ (y - y.mean()), rtol=1e-8)


def test_one_feature_and_constant_target():
    x = np.linspace(0, 2, 50)[:, None]
    model = LinearRegression(device="cpu").fit(x, 3 * x[:, 0] + 2)
    assert model.coef_[0] == pytest.approx(3.0, rel=1e-13) and model.intercept_ == pytest.approx(2.0, rel=1e-13)
    X, _, _ = regression_data()
    flat = LinearRegression(device="cpu").fit(X, np.full(len(X), 4.0))
    np.testing.assert_allclose(flat.coef_, 0.0, atol=1e-14)
    assert flat.intercept_ == pytest.approx(4.0, rel=1e-14)


def test_nan_in_x_is_refused():
    X, y, _ = regression_data()
    X[3, 2] = np.nan
    with pytest.raises(ValueError, match=r"Input X contains NaN.\nLinearRegression does not accept missing values"):
        LinearRegression(device="cpu").fit(X, y)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("alpha", [1e-3, 1.0, 1e3])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ridge_matches_sklearn(device, alpha, fit_intercept):
    X, y, _ = regression_data(offset=2.0)
    ours = Ridge(alpha, fit_intercept=fit_intercept, device=device).fit(X, y)
    ref = sk.Ridge(alpha, fit_intercept=fit_intercept, solver="cholesky").fit(X, y)
    assert rel_err(ours.coef_, ref.coef_) <= 1e-10  # same normal equations, both Cholesky
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-10, abs=1e-12)


def test_ridge_at_zero_is_ols_and_large_alpha_shrinks_to_zero():
    X, y, _ = regression_data()
    np.testing.assert_array_equal(
        Ridge(0.0, device="cpu").fit(X, y).coef_, LinearRegression(device="cpu").fit(X, y).coef_
    )
    big = Ridge(1e12, device="cpu").fit(X, y)
    assert np.abs(big.coef_).max() < 1e-6
    assert big.intercept_ == pytest.approx(y.mean(), rel=1e-6)


def test_ridge_equals_statsmodels_ridge_with_rescaled_alpha():
    """statsmodels' fit_regularized(L1_wt=0) minimizes 0.5·RSS/n + α‖b‖²/2 (no intercept here,
    since statsmodels would penalize a constant column): that is sklearn Ridge(alpha = n·α)."""
    X, y, _ = regression_data()
    Xc, yc = X - X.mean(0), y - y.mean()
    a = 0.05
    ref = sm.OLS(yc, Xc).fit_regularized(alpha=a, L1_wt=0.0)
    ours = Ridge(len(y) * a, fit_intercept=False, device="cpu").fit(Xc, yc)
    np.testing.assert_allclose(ours.coef_, ref.params, rtol=1e-10)


@pytest.mark.parametrize("device", DEVICES)
def test_float32_agrees_with_float64_to_float32_precision(device):
    X, y, _ = regression_data()
    f64 = LinearRegression(device=device).fit(X, y)
    f32 = LinearRegression(device=device, dtype="float32").fit(X, y)
    # float32 inputs carry ~6e-8 relative error; cond ≈ 3 amplifies it little.
    np.testing.assert_allclose(f32.coef_, f64.coef_, rtol=1e-5, atol=1e-5)


def test_get_params_reads_each_classs_own_signature_once():
    # get_params() (every fit's parameter check, every clone) reads __init__'s signature once per class:
    # a subclass still sees its own parameters, and a caller's edit of the list changes nothing.
    import inspect

    class Shifted(Ridge):
        def __init__(self, alpha=1.0, shift=0.0):
            super().__init__(alpha=alpha)
            self.shift = shift

    assert set(Ridge().get_params()) == set(inspect.signature(Ridge.__init__).parameters) - {"self"}
    assert Shifted(shift=2.0).get_params() == {"alpha": 1.0, "shift": 2.0}
    assert "shift" not in Ridge().get_params()
    names = Ridge._get_param_names()
    names.append("not a parameter")
    assert "not a parameter" not in Ridge._get_param_names()
