"""The split covers the data with disjoint parts; scaling learns from training rows only."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from linreg.pipeline.data.scale import Scaler, fit_scaler
from linreg.pipeline.data.split import split_indices
from linreg.pipeline.errors import DataError


@pytest.mark.parametrize("n", [10, 101, 1000])
def test_split_is_a_disjoint_cover_with_requested_sizes(n):
    parts = split_indices(n, train=0.6, validation=0.25, test=0.15, rng=np.random.default_rng(0))
    together = np.concatenate(list(parts.values()))
    assert sorted(together) == list(range(n))  # disjoint and covering
    assert len(parts["validation"]) == max(1, round(0.25 * n))
    assert len(parts["test"]) == max(1, round(0.15 * n))


def test_split_is_seeded():
    a = split_indices(100, train=0.5, validation=0.25, test=0.25, rng=np.random.default_rng(1))
    b = split_indices(100, train=0.5, validation=0.25, test=0.25, rng=np.random.default_rng(1))
    c = split_indices(100, train=0.5, validation=0.25, test=0.25, rng=np.random.default_rng(2))
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["train"], c["train"])


def test_split_refuses_an_empty_training_part():
    with pytest.raises(DataError, match="leave 1 for training"):
        split_indices(5, train=0.1, validation=0.45, test=0.45, rng=np.random.default_rng(0))


@pytest.fixture
def X():
    rng = np.random.default_rng(0)
    return rng.standard_normal((200, 4)) * [1, 10, 1e3, 1e-2] + [0, 5, -3, 100]


@pytest.mark.parametrize("method, oracle", [("standard", StandardScaler()), ("minmax", MinMaxScaler())])
def test_scaling_matches_scikit_learn(X, method, oracle):
    train, test = X[:150], X[150:]
    scaler = fit_scaler(train, list("abcd"), method)
    oracle.fit(train)
    # Same formula as scikit-learn; differences are rounding only: a mean off by a few ulps
    # of |μ| moves (x − μ)/σ by that over σ, so the bound scales with |μ|/σ (a column at
    # 100 with spread 1e-3 here) and with |z| for the spread.
    got, want = scaler.transform(test), oracle.transform(test)
    center, spread = np.asarray(scaler.center), np.asarray(scaler.scale)
    bound = 8 * np.finfo(float).eps * (np.abs(center) / spread + np.abs(want) + 1)
    assert np.all(np.abs(got - want) <= bound)


def test_scaler_is_fitted_on_training_rows_only(X):
    train = X[:150]
    altered = X.copy()
    altered[150:] *= 1000  # changing validation/test rows must not move the scaler
    assert fit_scaler(train, list("abcd"), "standard") == fit_scaler(altered[:150], list("abcd"), "standard")


def test_none_is_the_identity(X):
    np.testing.assert_array_equal(fit_scaler(X, list("abcd"), "none").transform(X), X)


def test_constant_feature_becomes_zero_and_is_listed(X):
    X = X.copy()
    X[:, 2] = 7.0
    scaler = fit_scaler(X, list("abcd"), "standard")
    assert scaler.constant_features == ["c"]
    np.testing.assert_array_equal(scaler.transform(X)[:, 2], 0.0)
    assert np.isfinite(scaler.transform(X)).all()


def test_features_in_tiny_units_are_scaled_not_zeroed(X):
    # A spread of 1e-22 is not a constant when the values themselves are of order 1e-20: the
    # threshold is relative to each column's magnitude (it was max(|x|, 1), which zeroed them).
    small = X * 1e-20
    scaler = fit_scaler(small, list("abcd"), "standard")
    assert scaler.constant_features == []
    # The same z-scores up to rounding: 1e-20 is not a power of two, so each value moves by an ulp,
    # amplified by |μ|/σ (1e4 for the last column): 1e-10 absolute is ample.
    want = fit_scaler(X, list("abcd"), "standard").transform(X)
    np.testing.assert_allclose(scaler.transform(small), want, rtol=0, atol=1e-10)


def test_coefficients_map_back_to_original_units(X):
    scaler = fit_scaler(X, list("abcd"), "standard")
    w, b = np.array([1.0, -2.0, 0.5, 3.0]), 4.0
    beta, beta0 = scaler.coef_to_original(w, b)
    # The same predictions from either parametrization (1e-10 relative: one rounding chain each).
    np.testing.assert_allclose(X @ beta + beta0, scaler.transform(X) @ w + b, rtol=1e-10)


def test_scaler_round_trips_through_json_dict(X):
    scaler = fit_scaler(X, list("abcd"), "minmax")
    assert Scaler.from_dict(scaler.to_dict()) == scaler
