"""The scikit-learn drop-in features, each against scikit-learn itself (the oracle) on the same numbers.

Multi-target y, per-target alpha, positive constraints, scipy.sparse X, float32
preserved, every Ridge solver name, warm starts, random selection, a user Gram
matrix, the warnings and attributes scikit-learn users rely on. The whole of
scikit-learn's own test files runs in test_sklearn_suite.py.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.optimize
import scipy.sparse as sp
import sklearn.linear_model as sk
from sklearn.exceptions import ConvergenceWarning

from linreg.models import ElasticNet, Lasso, LinearRegression, Ridge
from linreg.models._closed_form import RankDeficientWarning


def _data(n=120, p=6, targets=None, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + 2.0
    beta = rng.standard_normal((p, targets or 1))
    Y = X @ beta + 0.3 * rng.standard_normal((n, targets or 1))
    return X, (Y[:, 0] if targets is None else Y)


# (ours, scikit-learn's, tolerance): closed forms agree to rounding; coordinate descent to its gap.
PAIRS = {
    "ols": (lambda **k: LinearRegression(device="cpu", **k), lambda **k: sk.LinearRegression(**k), 1e-10),
    "ridge": (lambda **k: Ridge(2.0, device="cpu", **k), lambda **k: sk.Ridge(2.0, **k), 1e-10),
    "lasso": (
        lambda **k: Lasso(0.05, tol=1e-12, device="cpu", **k),
        lambda **k: sk.Lasso(0.05, tol=1e-14, max_iter=10**5, **k),
        1e-8,
    ),
    "elastic_net": (
        lambda **k: ElasticNet(0.05, l1_ratio=0.4, tol=1e-12, device="cpu", **k),
        lambda **k: sk.ElasticNet(0.05, l1_ratio=0.4, tol=1e-14, max_iter=10**5, **k),
        1e-8,
    ),
}


@pytest.mark.parametrize("name", list(PAIRS))
def test_multi_target_y(name):
    ours, ref, tol = PAIRS[name]
    X, Y = _data(targets=3)
    a, b = ours().fit(X, Y), ref().fit(X, Y)
    assert a.coef_.shape == b.coef_.shape == (3, 6) and np.shape(a.intercept_) == np.shape(b.intercept_) == (3,)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=tol, atol=tol)
    np.testing.assert_allclose(a.intercept_, b.intercept_, rtol=tol, atol=tol)
    np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=tol, atol=tol)


@pytest.mark.parametrize("name", list(PAIRS))
def test_one_column_y_keeps_scikit_learns_shapes(name):
    ours, ref, _ = PAIRS[name]
    X, Y = _data(targets=1)
    a, b = ours().fit(X, Y), ref().fit(X, Y)
    assert np.shape(a.coef_) == np.shape(b.coef_) and np.shape(a.intercept_) == np.shape(b.intercept_)


def test_ridge_alpha_per_target():
    X, Y = _data(targets=3)
    alphas = np.array([0.1, 5.0, 50.0])
    np.testing.assert_allclose(
        Ridge(alphas, device="cpu").fit(X, Y).coef_, sk.Ridge(alphas).fit(X, Y).coef_, rtol=1e-10
    )
    with pytest.raises(ValueError, match="Number of targets and number of penalties do not correspond"):
        Ridge(np.array([1.0, 2.0]), device="cpu").fit(X, Y)


@pytest.mark.parametrize("solver", ["auto", "svd", "cholesky", "lsqr", "sparse_cg", "sag", "saga", "lbfgs"])
def test_every_ridge_solver_name_gives_the_exact_answer(solver):
    X, y = _data()
    positive = solver == "lbfgs"  # scikit-learn's lbfgs is for positive=True only
    ref = sk.Ridge(2.0, solver=solver, positive=positive, tol=1e-12, max_iter=10**5, random_state=0).fit(X, y)
    ours = Ridge(2.0, solver=solver, positive=positive, tol=1e-12, device="cpu").fit(X, y)
    # scikit-learn's iterative solvers stop at their own tol (lbfgs at ~1e-7 relative here); ours
    # are exact (positive: coordinate descent to a 1e-12 gap).
    rtol = 1e-6 if solver == "lbfgs" else 1e-7
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=rtol, atol=1e-9)


def test_positive_least_squares_is_nnls():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((80, 5))
    y = X @ np.array([1.0, -2.0, 0.5, 0.0, 3.0]) + 0.1 * rng.standard_normal(80)
    ours = LinearRegression(positive=True, fit_intercept=False, tol=1e-14, device="cpu").fit(X, y)
    exact, _ = scipy.optimize.nnls(X, y)  # Lawson–Hanson active set: exact up to rounding
    np.testing.assert_allclose(ours.coef_, exact, atol=1e-10)
    assert ours.coef_[1] == 0.0 and np.all(ours.coef_ >= 0)
    ref = sk.LinearRegression(positive=True).fit(X, y)
    np.testing.assert_allclose(
        LinearRegression(positive=True, tol=1e-14, device="cpu").fit(X, y).coef_, ref.coef_, atol=1e-8
    )


@pytest.mark.parametrize("name", ["ridge", "lasso", "elastic_net"])
def test_positive_penalised_models(name):
    ours, ref, tol = PAIRS[name]
    X, y = _data(seed=4)
    y = y - 3 * X[:, 0]  # a coefficient the constraint must clip
    kw = {"solver": "lbfgs", "tol": 1e-12} if name == "ridge" else {}
    a = ours(positive=True, **({"tol": 1e-14} if name == "ridge" else {})).fit(X, y)
    b = ref(positive=True, **kw).fit(X, y)
    assert np.all(a.coef_ >= 0) and (a.coef_ == 0).any()
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-6, atol=1e-7)  # lbfgs stops at its own tolerance


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("name", list(PAIRS))
def test_sparse_X_matches_the_dense_fit(name, fmt):
    ours, ref, tol = PAIRS[name]
    rng = np.random.default_rng(5)
    X = sp.random(200, 8, density=0.3, random_state=5, format=fmt) * 3.0
    y = np.asarray(X @ rng.standard_normal(8)).ravel() + 0.1 * rng.standard_normal(200)
    w = rng.uniform(0.5, 2.0, 200)
    a = ours().fit(X, y, sample_weight=w)
    b = ref().fit(X.toarray(), y, sample_weight=w)
    # Implicit centring of sparse statistics loses a little to cancellation: 1e-9 on O(1) data.
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=max(tol, 1e-9), atol=max(tol, 1e-9))
    np.testing.assert_allclose(a.predict(X), b.predict(X.toarray()), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", list(PAIRS))
def test_float32_in_float32_out(name):
    ours, ref, _ = PAIRS[name]
    X, y = _data()
    a = ours().fit(X.astype(np.float32), y.astype(np.float32))
    b = ref().fit(X.astype(np.float32), y.astype(np.float32))
    assert a.coef_.dtype == b.coef_.dtype == np.float32
    assert np.asarray(a.intercept_).dtype == np.asarray(b.intercept_).dtype == np.float32
    # Ours is solved in float64 and rounded; theirs computed in float32: agree to float32 accuracy.
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=2e-4, atol=2e-4)


def test_intercept_is_a_numpy_scalar():
    X, y = _data()
    for name in PAIRS:
        assert isinstance(PAIRS[name][0]().fit(X, y).intercept_, np.float64), name


def test_warm_start_and_random_selection():
    X, y = _data(n=60, p=30, seed=6)
    model = ElasticNet(alpha=1e-3, tol=1e-3, device="cpu").fit(X, y)
    assert model.n_iter_ > 1
    model.set_params(warm_start=True).fit(X, y)
    assert model.n_iter_ == 0  # already optimal: the gap is checked before the first sweep (as scikit-learn)
    a = Lasso(0.01, selection="random", random_state=0, tol=1e-12, device="cpu").fit(X, y)
    b = Lasso(0.01, selection="random", random_state=0, tol=1e-12, device="cpu").fit(X, y)
    c = Lasso(0.01, tol=1e-12, device="cpu").fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)  # seeded
    np.testing.assert_allclose(a.coef_, c.coef_, atol=1e-8)  # the same optimum, visited in another order
    ref = sk.Lasso(0.01, selection="random", random_state=0, tol=1e-14, max_iter=10**5).fit(X, y)
    np.testing.assert_allclose(a.coef_, ref.coef_, atol=1e-7)


def test_user_gram_matrix():
    X, y = _data()
    Xc = X - X.mean(0)
    ref = sk.ElasticNet(0.05, precompute=Xc.T @ Xc, tol=1e-14, max_iter=10**5).fit(Xc, y)
    ours = ElasticNet(0.05, precompute=Xc.T @ Xc, tol=1e-12, device="cpu").fit(Xc, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-8)
    with pytest.warns(UserWarning, match="Gram matrix was provided but X was centered"):
        ElasticNet(0.05, precompute=X.T @ X, device="cpu").fit(X, y)
    with pytest.raises(ValueError, match="did not pass validation"):
        ElasticNet(0.05, precompute=2 * Xc.T @ Xc, device="cpu").fit(Xc, y)


def test_scikit_learn_warnings_and_attributes():
    X, y = _data()
    with pytest.warns(UserWarning, match="You are advised to use the LinearRegression estimator"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            Lasso(alpha=0, device="cpu").fit(X, y)
    model = Lasso(0.1, device="cpu").fit(X, y)
    assert sp.issparse(model.sparse_coef_) and model.sparse_coef_.shape == (1, 6)
    LinearRegression(copy_X=False, n_jobs=2, tol=1e-8, device="cpu").fit(X, y)  # accepted as scikit-learn's


def test_ridge_alpha_zero_is_least_squares_minimum_norm():
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal(50), rng.standard_normal(50)
    X = np.column_stack([a, b, a])  # duplicated column: XᵀX singular, Cholesky could "succeed" on round-off
    y = a + 2 * b + 0.1 * rng.standard_normal(50)
    expected = np.linalg.lstsq(X - X.mean(0), y - y.mean(), rcond=None)[0]
    for solver in ["auto", "cholesky", "svd", "lsqr"]:
        with pytest.warns(RankDeficientWarning):
            coef = Ridge(0.0, solver=solver, device="cpu").fit(X, y).coef_
        np.testing.assert_allclose(coef, expected, rtol=1e-10)


def test_rank_detection_ignores_units_for_every_solver():
    rng = np.random.default_rng(8)
    X = rng.standard_normal((60, 2)) * [1e8, 1e-8]  # full rank; only the units differ
    y = X @ [1e-8, 1e8] + 0.01 * rng.standard_normal(60)
    ref = LinearRegression(solver="qr", device="cpu").fit(X, y).coef_
    with warnings.catch_warnings():
        warnings.simplefilter("error", RankDeficientWarning)  # no false rank deficiency
        for est in [
            LinearRegression(solver="svd", device="cpu"),
            Ridge(0.0, solver="svd", device="cpu"),
            Ridge(0.0, device="cpu"),
        ]:
            np.testing.assert_allclose(est.fit(X, y).coef_, ref, rtol=1e-9)


def test_sparse_singular_design_gets_the_minimum_norm_solution():
    a = sp.random(100, 3, density=0.5, random_state=1, format="csr")
    X = sp.hstack([a, a[:, 0]]).tocsr()  # a duplicated column
    y = np.random.default_rng(9).standard_normal(100)
    with pytest.warns(RankDeficientWarning, match="minimum-norm"):
        model = LinearRegression(device="cpu").fit(X, y)
    dense = X.toarray()
    expected = np.linalg.lstsq(dense - dense.mean(0), y - y.mean(), rcond=None)[0]
    np.testing.assert_allclose(model.coef_, expected, rtol=1e-9, atol=1e-12)
