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
    "elastic_net": (
        lambda: ElasticNet(0.05, l1_ratio=0.3, tol=1e-12, device="cpu"),
        lambda: sk.ElasticNet(0.05, l1_ratio=0.3, tol=1e-14, max_iter=10**5),
    ),
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


@pytest.mark.parametrize(
    "bad, error, message",
    [
        (-np.ones(200), ValueError, "Negative values in data passed to `sample_weight`"),
        (np.ones(199), ValueError, r"sample_weight.shape == \(199,\), expected \(200,\)"),
        (np.zeros(200), ValueError, "at least one non-zero"),
        (np.full(200, np.nan), ValueError, "NaN"),
    ],
)
def test_bad_weights_are_named_errors(bad, error, message):
    X, y, _ = _data()
    with pytest.raises(error, match=message):
        Ridge(device="cpu").fit(X, y, sample_weight=bad)


def test_scalar_weight_is_accepted_like_scikit_learn():
    X, y, _ = _data()
    a = Ridge(device="cpu").fit(X, y, sample_weight=2.0)
    b = Ridge(device="cpu").fit(X, y, sample_weight=np.full(len(y), 2.0))
    np.testing.assert_array_equal(a.coef_, b.coef_)


# --- GradientDescentRegressor: (1/2Σw) Σ wᵢ rᵢ² + penalty, full batch on the weighted statistics,
# mini-batches with each row's error weighted by wᵢ·n/Σw.


def _two_regimes(n=400, seed=5):
    """Half the rows follow y = 2x, half y = −x: the weights decide which one the fit follows."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    first = np.arange(n) < n // 2
    y = np.where(first, X @ [2.0, 1.0], X @ [-1.0, 0.5]) + 0.1 * rng.standard_normal(n)
    return X, y, np.where(first, 5.0, 0.2)


@pytest.mark.parametrize("penalty", [None, "l2", "l1"])
def test_weighted_full_batch_gd_converges_to_the_weighted_optimum(penalty):
    from linreg.models import GradientDescentRegressor

    X, y, w = _data(offset=0.5)
    alpha = 0.05
    gd = GradientDescentRegressor(penalty=penalty, alpha=alpha, max_epochs=20_000, tol=0.0, device="cpu").fit(
        X, y, sample_weight=w
    )
    if penalty is None:
        ref = sk.LinearRegression().fit(X, y, sample_weight=w)
    elif penalty == "l2":  # ½α‖w‖² against (1/2Σw)Σwr²  ⇔  scikit-learn's Ridge α·Σw on Σwr²
        ref = sk.Ridge(alpha * w.sum()).fit(X, y, sample_weight=w)
    else:  # scikit-learn's Lasso rescales w to sum n: the same (1/2Σw)Σwr² + α‖w‖₁
        ref = sk.Lasso(alpha, tol=1e-14, max_iter=10**6).fit(X, y, sample_weight=w)
    # 20,000 exact steps of 1/L on a Hessian of condition ~10: converged to rounding.
    np.testing.assert_allclose(gd.coef_, ref.coef_, rtol=1e-8, atol=1e-10)
    assert gd.intercept_ == pytest.approx(ref.intercept_, rel=1e-8, abs=1e-10)


def test_weighted_full_batch_gd_on_integer_weights_is_gd_on_repeated_rows():
    from linreg.models import GradientDescentRegressor

    X, y, _ = _data(offset=0.5)
    k = np.random.default_rng(3).integers(0, 4, len(y))
    kw = dict(max_epochs=300, tol=0.0, device="cpu")
    weighted = GradientDescentRegressor(**kw).fit(X, y, sample_weight=k)
    repeated = GradientDescentRegressor(**kw).fit(np.repeat(X, k, axis=0), np.repeat(y, k))
    # The same statistics up to rounding, so the same 300 steps: equal to ~1e-14.
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-11)
    assert weighted.history_["train_loss"][-1] == pytest.approx(repeated.history_["train_loss"][-1], rel=1e-11)


@pytest.mark.parametrize("batch_size", [1, 16])
def test_weighted_minibatch_gd_follows_the_weights(batch_size):
    from linreg.models import GradientDescentRegressor

    X, y, w = _two_regimes()
    weighted_opt = sk.LinearRegression().fit(X, y, sample_weight=w).coef_
    plain_opt = sk.LinearRegression().fit(X, y).coef_
    assert np.abs(weighted_opt - plain_opt).max() > 1.0  # the two optima are far apart
    gd = GradientDescentRegressor(batch_size=batch_size, max_epochs=40, tol=0.0, random_state=0, device="cpu").fit(
        X, y, sample_weight=w
    )
    # A constant step leaves SGD noise around the weighted optimum, far smaller than the gap to the other.
    assert np.abs(gd.coef_ - weighted_opt).max() < 0.15
    floor = (
        np.average((y - X @ weighted_opt - sk.LinearRegression().fit(X, y, sample_weight=w).intercept_) ** 2, weights=w)
        / 2
    )
    assert floor <= gd.history_["train_loss"][-1] < 1.2 * floor  # the weighted loss, from the statistics


def test_minibatch_gd_with_unit_weights_is_minibatch_gd_without():
    from linreg.models import GradientDescentRegressor

    X, y, _ = _two_regimes()
    kw = dict(batch_size=16, max_epochs=5, tol=0.0, random_state=1, device="cpu")
    plain = GradientDescentRegressor(**kw).fit(X, y)
    ones = GradientDescentRegressor(**kw).fit(X, y, sample_weight=np.ones(len(y)))
    # The same batches and steps; only the statistics (for the step size) are summed another way.
    np.testing.assert_allclose(ones.coef_, plain.coef_, rtol=1e-12)


def test_weighted_minibatch_gd_streams_dask_blocks_like_memory():
    import dask.array as da

    from linreg.models import GradientDescentRegressor

    X, y, w = _two_regimes()
    kw = dict(batch_size=16, max_epochs=5, tol=0.0, random_state=2, device="cpu")
    mem = GradientDescentRegressor(**kw).fit(X, y, sample_weight=w)
    # One block: the streamed epoch is the in-memory epoch (BlockEpochs), weights included.
    one = GradientDescentRegressor(**kw).fit(
        da.from_array(X, chunks=(len(y), 2)), da.from_array(y, chunks=len(y)), sample_weight=w
    )
    np.testing.assert_allclose(one.coef_, mem.coef_, rtol=1e-12)
    four = GradientDescentRegressor(**kw).fit(
        da.from_array(X, chunks=(100, 2)), da.from_array(y, chunks=100), sample_weight=w
    )
    # Other batches (none straddles a block, and a block holds one regime): the same noise ball.
    assert np.abs(four.coef_ - sk.LinearRegression().fit(X, y, sample_weight=w).coef_).max() < 0.15


def test_minibatch_gd_depends_on_the_weights_only_through_their_proportions():
    """Weights scaled by c change nothing: the rows' pulls are w·n/Σw (and the step size follows the
    weighted curvature). Raw weights in the steps would take c-times larger steps here."""
    from linreg.models import GradientDescentRegressor

    X, y, w = _two_regimes()
    kw = dict(batch_size=16, max_epochs=3, tol=0.0, random_state=3, device="cpu")
    base = GradientDescentRegressor(**kw).fit(X, y, sample_weight=w)
    for c in (1e-3, 1e3):
        scaled = GradientDescentRegressor(**kw).fit(X, y, sample_weight=c * w)
        np.testing.assert_allclose(scaled.coef_, base.coef_, rtol=1e-11)
        assert scaled.learning_rate_ == pytest.approx(base.learning_rate_, rel=1e-12)
