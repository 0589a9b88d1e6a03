"""sample_weight on every closed-form and coordinate-descent estimator, against scikit-learn and invariances.

One implementation serves all of them: the statistics pass weights each row by
√wᵢ (:func:`linreg.models.stats.compute_stats`), and the exact OLS path whitens
the design the same way (statsmodels' WLS; see test_inference.py).
"""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.linear_model as sk

from linreg.models import ElasticNet, Lasso, LinearRegression, Ridge


def _data(seed=0, n=200, p=5, offset=3.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + offset  # offsets: the weighted means matter
    y = X @ np.linspace(-1, 2, p) + rng.standard_normal(n)
    return X, y, rng.uniform(0.0, 3.0, n)


# (ours, scikit-learn's): the same objective in the same scaling.
PAIRS = {
    "ols": (lambda: LinearRegression(device="cpu"), lambda: sk.LinearRegression()),
    "ols_qr": (lambda: LinearRegression(solver="qr", device="cpu"), lambda: sk.LinearRegression()),
    "ridge": (lambda: Ridge(3.0, device="cpu"), lambda: sk.Ridge(3.0)),
    "lasso": (lambda: Lasso(0.05, tol=1e-12, device="cpu"), lambda: sk.Lasso(0.05, tol=1e-14, max_iter=10**5)),
    "elastic_net": (lambda: ElasticNet(0.05, l1_ratio=0.3, tol=1e-12, device="cpu"),
                    lambda: sk.ElasticNet(0.05, l1_ratio=0.3, tol=1e-14, max_iter=10**5)),
}


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("name", list(PAIRS))
def test_weighted_fit_matches_scikit_learn(name, fit_intercept):
    X, y, w = _data()
    ours = PAIRS[name][0]().set_params(fit_intercept=fit_intercept).fit(X, y, sample_weight=w)
    ref = PAIRS[name][1]().set_params(fit_intercept=fit_intercept).fit(X, y, sample_weight=w)
    # Both solve the same weighted problem to convergence in float64; measured ~3e-15 (the
    # coordinate-descent pair stops on duality gaps of 1e-12 and 1e-14: ~1e-10 left).
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-9, atol=1e-10)
    assert float(ours.intercept_) == pytest.approx(float(ref.intercept_), rel=1e-9, abs=1e-10)


@pytest.mark.parametrize("name", list(PAIRS))
def test_zero_weight_is_dropping_the_row(name):
    X, y, w = _data(seed=1)
    w[::3] = 0.0
    kept = w > 0
    a = PAIRS[name][0]().fit(X, y, sample_weight=w)
    b = PAIRS[name][0]().fit(X[kept], y[kept], sample_weight=w[kept])
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", list(PAIRS))
def test_integer_weights_are_repeated_rows(name):
    X, y, _ = _data(seed=2, n=60)
    counts = np.random.default_rng(3).integers(1, 4, 60)
    a = PAIRS[name][0]().fit(X, y, sample_weight=counts.astype(float))
    b = PAIRS[name][0]().fit(np.repeat(X, counts, 0), np.repeat(y, counts))
    if name in ("lasso", "elastic_net"):  # (1/2Σw) scaling: Σw = the repeated rows' count, same objective
        np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-9, atol=1e-10)
    else:
        np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-11, atol=1e-12)


def test_unit_weights_change_nothing():
    X, y, _ = _data(seed=4)
    for name in PAIRS:
        a = PAIRS[name][0]().fit(X, y, sample_weight=np.ones(len(y)))
        b = PAIRS[name][0]().fit(X, y)
        np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-12, atol=1e-13, err_msg=name)


@pytest.mark.parametrize("bad, error, message", [
    (-np.ones(200), ValueError, "Negative values in data passed to `sample_weight`"),
    (np.ones(199), ValueError, r"sample_weight.shape == \(199,\), expected \(200,\)"),
    (np.zeros(200), ValueError, "at least one non-zero"),
    (np.full(200, np.nan), ValueError, "NaN"),
])
def test_bad_weights_are_named_errors(bad, error, message):
    X, y, _ = _data()
    with pytest.raises(error, match=message):
        Ridge(device="cpu").fit(X, y, sample_weight=bad)


def test_scalar_weight_is_accepted_like_scikit_learn():
    X, y, _ = _data()
    a = Ridge(device="cpu").fit(X, y, sample_weight=2.0)
    b = Ridge(device="cpu").fit(X, y, sample_weight=np.full(len(y), 2.0))
    np.testing.assert_array_equal(a.coef_, b.coef_)
