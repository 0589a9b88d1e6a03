"""OLS inference from scratch against statsmodels, one statistic per test, each with its tolerance."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from linreg.evaluation.inference import OLSInference, bootstrap_enet, ridge_covariance

from .oracles import regression_data


@pytest.fixture(scope="module")
def pair():
    # Heteroskedastic noise and feature offsets, so HC3 differs from classical SEs
    # and the intercept's SE is not trivial.
    X, y, _ = regression_data(n=300, p=6, offset=5.0, seed=3)
    y = y + np.abs(X[:, 0] - 5.0) * np.random.default_rng(0).standard_normal(300)
    ref = sm.OLS(y, sm.add_constant(X)).fit()
    return OLSInference(X, y), ref


# Relative tolerance 1e-8 for every quantity: both compute the same closed forms in
# float64 (QR here, pinv there), so they agree to ~1e-12; 1e-8 leaves headroom.
@pytest.mark.parametrize("name", ["params", "bse", "tvalues", "resid"])
def test_vector_quantities(pair, name):
    ours, ref = pair
    np.testing.assert_allclose(getattr(ours, name), getattr(ref, name), rtol=1e-8)


def test_pvalues(pair):
    ours, ref = pair
    np.testing.assert_allclose(ours.pvalues, ref.pvalues, rtol=0, atol=1e-8)  # absolute, as p-values are


def test_confidence_intervals(pair):
    ours, ref = pair
    np.testing.assert_allclose(ours.conf_int(0.05), ref.conf_int(0.05), rtol=1e-8)


def test_covariance(pair):
    ours, ref = pair
    np.testing.assert_allclose(ours.cov_params, ref.cov_params(), rtol=1e-8)


@pytest.mark.parametrize("name", ["fvalue", "ssr", "scale", "rsquared", "llf", "aic", "bic", "condition_number",
                                  "df_resid", "df_model", "nobs"])
def test_scalar_quantities(pair, name):
    ours, ref = pair
    assert float(getattr(ours, name)) == pytest.approx(float(getattr(ref, name)), rel=1e-8)


def test_f_pvalue(pair):
    ours, ref = pair
    assert ours.f_pvalue == pytest.approx(ref.f_pvalue, abs=1e-8)


def test_residual_std_error(pair):
    ours, ref = pair
    assert ours.residual_std_error == pytest.approx(np.sqrt(ref.mse_resid), rel=1e-8)


def test_hc3_standard_errors(pair):
    ours, ref = pair
    np.testing.assert_allclose(ours.bse_hc3, ref.HC3_se, rtol=1e-8)
    assert not np.allclose(ours.bse_hc3, ours.bse, rtol=0.05)  # heteroskedastic data: they differ


def test_ridge_covariance_reduces_to_ols_at_alpha_zero(pair):
    ours, _ = pair
    X, y = ours.X, ours.y
    se, df, sigma2 = ridge_covariance(X, y, ours.params[1:], ours.params[0], 0.0)
    np.testing.assert_allclose(se, ours.bse[1:], rtol=1e-9)
    assert df == pytest.approx(X.shape[1], rel=1e-12) and sigma2 == pytest.approx(ours.scale, rel=1e-12)


def test_ridge_covariance_shrinks_with_alpha(pair):
    ours, _ = pair
    se_small, df_small, _ = ridge_covariance(ours.X, ours.y, ours.params[1:], ours.params[0], 1.0)
    se_big, df_big, _ = ridge_covariance(ours.X, ours.y, ours.params[1:], ours.params[0], 1e4)
    assert df_big < df_small < ours.X.shape[1]
    assert np.all(se_big < se_small)


def test_bootstrap_is_seeded_and_brackets_the_estimate():
    X, y, beta = regression_data(n=300, sparse=True)
    Xc = (X - X.mean(0)) / X.std(0)
    a = bootstrap_enet(Xc, y, 0.05, 1.0, resamples=40, rng=np.random.default_rng(1))
    b = bootstrap_enet(Xc, y, 0.05, 1.0, resamples=40, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(a["lower"], b["lower"])
    assert np.all(a["lower"] <= a["upper"])
    assert np.all((0 <= a["selected_fraction"]) & (a["selected_fraction"] <= 1))
    # Strong true signals are selected in every resample.
    assert np.all(a["selected_fraction"][np.abs(beta * X.std(0)) > 1.0] == 1.0)


# --- off the happy path: statsmodels' answers, never an exception ---------------------------------

def _rank_deficient_cases():
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal(40), rng.standard_normal(40)
    y = 1 + 2 * a - b + 0.3 * rng.standard_normal(40)
    return {
        "collinear": (np.column_stack([a, b, a + 2 * b]), y),
        "duplicated": (np.column_stack([a, b, a]), y),
        "constant column": (np.column_stack([a, np.full(40, 3.0), b]), y),
        "wide": (rng.standard_normal((8, 12)), rng.standard_normal(8)),
    }


@pytest.mark.parametrize("case", list(_rank_deficient_cases()))
def test_rank_deficient_designs_get_statsmodels_pinv_inference(case):
    import statsmodels.api as sm

    from linreg.models.closed_form import RankDeficientWarning

    X, y = _rank_deficient_cases()[case]
    ref = sm.OLS(y, sm.add_constant(X, has_constant="add")).fit()
    ours = OLSInference(X, y)
    with pytest.warns(RankDeficientWarning, match="minimum-norm"):
        params = ours.params
    assert ours.rank == ref.df_model + 1 and ours.df_resid == ref.df_resid
    # Minimum-norm solutions of the same system: rounding only (1e-8 absolute on O(1) coefficients).
    np.testing.assert_allclose(params, ref.params, atol=1e-8)
    if ours.df_resid > 0:
        np.testing.assert_allclose(ours.bse, ref.bse, rtol=1e-7)
    else:  # no residual degrees of freedom: nothing to estimate σ² from
        assert np.isnan(ours.bse).all() and np.isnan(ours.pvalues).all() and np.isnan(ours.fvalue)


def test_constant_target_and_exact_fits_are_nan_not_errors():
    X = np.random.default_rng(0).standard_normal((20, 2))
    flat = OLSInference(X, np.full(20, 4.0))
    assert np.isnan(flat.rsquared) and np.isnan(flat.fvalue) and flat.params[0] == pytest.approx(4.0)
    exact = OLSInference(X[:3], X[:3] @ [1.0, 2.0] + 1)  # n = k: no residual degrees of freedom
    assert exact.df_resid == 0 and np.isnan(exact.scale) and np.isnan(exact.bse).all()


def test_the_estimator_reports_statsmodels_inference():
    import statsmodels.api as sm

    from linreg.models import LinearRegression

    X = sm.datasets.longley.load_pandas().exog.to_numpy(float)
    y = sm.datasets.longley.load_pandas().endog.to_numpy(float)
    ref = sm.OLS(y, sm.add_constant(X)).fit()
    model = LinearRegression(inference=True, device="cpu").fit(X, y)
    # Longley's design is ill-conditioned (cond ~5e9): statsmodels keeps ~10 digits of the
    # parameters, we keep all, so the comparison is at statsmodels' accuracy.
    np.testing.assert_allclose(model.params_, ref.params, rtol=1e-8)
    np.testing.assert_allclose(model.bse_, ref.bse, rtol=1e-8)
    np.testing.assert_allclose(model.pvalues_, ref.pvalues, rtol=1e-6)
    np.testing.assert_allclose(model.conf_int_, ref.conf_int(), rtol=1e-8)
    assert model.rsquared_adj_ == pytest.approx(ref.rsquared_adj, rel=1e-10)
    assert model.params_[0] == model.intercept_ and "const" in model.summary()


def test_longley_standard_errors_match_a_50_digit_computation():
    # The reference: the same formulas in 50-digit arithmetic (mpmath) on Longley's float64
    # numbers. statsmodels keeps ~9 digits of HC3 here; the QR-basis sandwich keeps ~12.
    mpmath = pytest.importorskip("mpmath")
    import statsmodels.api as sm

    data = sm.datasets.longley.load_pandas()
    X, y = data.exog.to_numpy(float), data.endog.to_numpy(float)
    Z = np.column_stack([np.ones(len(y)), X])
    mpmath.mp.dps = 50
    Zm = mpmath.matrix([[mpmath.mpf(float(v)) for v in row] for row in Z])
    ym = mpmath.matrix([mpmath.mpf(float(v)) for v in y])
    inv = (Zm.T * Zm) ** -1
    r = ym - Zm * (inv * (Zm.T * ym))
    meat, rss = mpmath.zeros(Z.shape[1]), mpmath.mpf(0)
    for i in range(len(y)):
        h = (Zm[i, :] * inv * Zm[i, :].T)[0]
        meat += ((r[i] / (1 - h)) ** 2) * (Zm[i, :].T * Zm[i, :])
        rss += r[i] ** 2
    sandwich, s2 = inv * meat * inv, rss / (len(y) - Z.shape[1])
    hc3 = np.array([float(mpmath.sqrt(sandwich[j, j])) for j in range(Z.shape[1])])
    bse = np.array([float(mpmath.sqrt(s2 * inv[j, j])) for j in range(Z.shape[1])])
    ours = OLSInference(X, y)
    assert np.max(np.abs(ours.bse_hc3 - hc3) / hc3) < 1e-11
    assert np.max(np.abs(ours.bse - bse) / bse) < 1e-11
