"""Estimators on Dask arrays equal the in-memory fits; bad Dask input is a named error."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest
import torch

from linreg.models import ElasticNet, ElasticNetCV, Lasso, LassoCV, LinearRegression, Ridge, RidgeCV
from linreg.models._dask_arrays import dask_stats
from linreg.models.stats import compute_stats


def _data(n=24_000, p=6, offset=1e3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + offset  # means far from zero: merges of centred moments keep the digits
    y = X @ np.linspace(-1, 2, p) + rng.standard_normal(n)
    return X, y


def _lazy(X, y, rows=5000):
    return da.from_array(X, chunks=(rows, X.shape[1])), da.from_array(y, chunks=rows)


ESTIMATORS = [
    lambda: LinearRegression(device="cpu"),
    lambda: Ridge(3.0, device="cpu"),
    lambda: Lasso(0.01, tol=1e-12, device="cpu"),
    lambda: ElasticNet(0.01, tol=1e-12, device="cpu"),
]


@pytest.fixture(scope="module")
def blocks():
    X, y = _data(n=40_000)
    return X, y, _lazy(X, y, rows=2500)  # 16 blocks


@pytest.mark.parametrize("make", ESTIMATORS)
def test_dask_fit_equals_the_in_memory_fit(make):
    X, y = _data()
    w = np.random.default_rng(1).uniform(0.5, 2.0, len(y))
    mem = make().fit(X, y, sample_weight=w)
    lazy = make().fit(*_lazy(X, y), sample_weight=w)
    np.testing.assert_allclose(lazy.coef_, mem.coef_, rtol=1e-10)
    assert float(lazy.intercept_) == pytest.approx(float(mem.intercept_), rel=1e-10)
    np.testing.assert_allclose(lazy.predict(_lazy(X, y)[0]).compute(), mem.predict(X), rtol=1e-10)


def test_ill_conditioned_ols_falls_back_to_tsqr():
    x = np.linspace(0.0, 1.0, 20_000)
    X = np.column_stack([x**k for k in range(1, 8)])  # κ_eq far above the Cholesky limit
    y = X @ np.ones(7) + 0.01 * np.random.default_rng(2).standard_normal(len(x))
    mem = LinearRegression(device="cpu").fit(X, y)
    lazy = LinearRegression(device="cpu").fit(*_lazy(X, y, rows=3000))
    assert (mem.solver_, lazy.solver_) == ("qr", "tsqr")
    # TSQR is backward stable (error ~ κ·u) but not refined like the in-memory exact solver.
    np.testing.assert_allclose(lazy.coef_, mem.coef_, rtol=1e-8)


def test_statistics_depend_on_the_blocks_not_their_scheduling():
    X, y = _data(n=9000)
    a = dask_stats(*_lazy(X, y, rows=1000)).as_torch()
    b = dask_stats(*_lazy(X, y, rows=1000)).as_torch()
    assert torch.equal(a.gram, b.gram) and torch.equal(a.xty, b.xty)  # threaded, run twice: same bits
    whole = compute_stats(X, y, dtype=torch.float64, device=torch.device("cpu")).as_torch()
    torch.testing.assert_close(a.gram, whole.gram, rtol=1e-11, atol=0)


def test_bad_dask_input_is_a_named_error():
    X, y = _data(n=1000)
    with pytest.raises(ValueError, match="chunked along rows only"):
        dask_stats(da.from_array(X, chunks=(500, 3)), da.from_array(y, chunks=500))
    with pytest.raises(ValueError, match="rows"):
        LinearRegression(device="cpu").fit(_lazy(X, y)[0], da.from_array(y[:-1], chunks=500))

    with pytest.raises(TypeError, match="needs X in memory"):
        Ridge(solver="svd", device="cpu").fit(*_lazy(X, y))
    # Unpenalised ridge on a Dask X stays on the statistics (the eigen-solution), not a copy of X.
    np.testing.assert_allclose(
        Ridge(0.0, device="cpu").fit(*_lazy(X, y)).coef_, LinearRegression(device="cpu").fit(X, y).coef_, rtol=1e-9
    )


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("case", ["p > n", "duplicated columns"])
def test_rank_deficient_dask_fit_is_the_minimum_norm_solution_as_in_memory(case, fit_intercept):
    """The TSQR path ranks the design as the in-memory solver does and returns scikit-learn's
    minimum-norm solution (of the centred problem when an intercept is fitted), with the warning."""
    from sklearn.linear_model import LinearRegression as SkLinearRegression

    from linreg.models._closed_form import RankDeficientWarning

    rng = np.random.default_rng(5)
    X = rng.standard_normal((6, 20)) if case == "p > n" else np.column_stack([rng.standard_normal((60, 3))] * 2)
    y = rng.standard_normal(len(X))
    Xd, yd = da.from_array(X, chunks=(len(X) // 2, X.shape[1])), da.from_array(y, chunks=len(X) // 2)
    with pytest.warns(RankDeficientWarning, match="minimum-norm"):
        lazy = LinearRegression(solver="qr", fit_intercept=fit_intercept, device="cpu").fit(Xd, yd)
    oracle = SkLinearRegression(fit_intercept=fit_intercept).fit(X, y)
    assert lazy.solver_ == "tsqr" and lazy.rank_ == (
        5 if case == "p > n" and fit_intercept else 6 if case == "p > n" else 3
    )
    # 1e-12 of the largest coefficient: both are exact SVD solutions of the same small system.
    np.testing.assert_allclose(lazy.coef_, oracle.coef_, rtol=0, atol=1e-12 * np.abs(oracle.coef_).max())
    assert lazy.intercept_ == pytest.approx(oracle.intercept_, abs=1e-12)


def test_gradient_descent_on_dask_blocks():
    """Full batch runs on the blockwise statistics (the same descent as in memory); mini-batches
    stream the blocks: one block is the in-memory epoch (to rounding), several are seeded and repeatable."""
    from linreg.models import GradientDescentRegressor

    X, y = _data(n=3000, offset=0.0)  # centred, unit-variance columns: GD's easy case
    full = {
        k: GradientDescentRegressor(device="cpu", max_epochs=50, tol=0).fit(*data)
        for k, data in (("dask", _lazy(X, y, rows=1000)), ("numpy", (X, y)))
    }
    np.testing.assert_allclose(full["dask"].coef_, full["numpy"].coef_, rtol=1e-10)
    kw = {"batch_size": 64, "max_epochs": 10, "tol": 0, "device": "cpu", "random_state": 2}
    one = GradientDescentRegressor(**kw).fit(*_lazy(X, y, rows=3000))
    # The same steps in the same order; a block read back from Dask can sit at another address and
    # alignment, where a matrix-vector product may round its last bit differently (seen: 4e-16).
    np.testing.assert_allclose(one.coef_, GradientDescentRegressor(**kw).fit(X, y).coef_, rtol=1e-13)
    three = [GradientDescentRegressor(**kw).fit(*_lazy(X, y, rows=1000)) for _ in range(2)]
    np.testing.assert_array_equal(three[0].coef_, three[1].coef_)
    # Unshuffled, with blocks a multiple of the batch: the very same steps as in memory (to the last
    # bits a matrix-vector product may round differently at another address).
    kw.update(shuffle=False, batch_size=100)
    np.testing.assert_allclose(
        GradientDescentRegressor(**kw).fit(*_lazy(X, y, rows=1000)).coef_,
        GradientDescentRegressor(**kw).fit(X, y).coef_,
        rtol=1e-12,
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda: LassoCV(cv=3, tol=1e-12, device="cpu"),
        lambda: ElasticNetCV(l1_ratio=[0.3, 0.8], cv=3, tol=1e-12, device="cpu"),
        lambda: RidgeCV(alphas=[0.1, 10.0, 1e3], cv=3, device="cpu"),
        lambda: RidgeCV(alphas=[0.1, 10.0, 1e3], cv=3, scoring="neg_mean_absolute_error", device="cpu"),
    ],
)
def test_k_fold_cv_on_dask_equals_the_in_memory_fit(make):
    """The folds' statistics are blockwise passes over the Dask rows (under either CPU statistics pass),
    and the choice and the fit are those of the same rows in memory."""
    X, y = _data(n=3000, p=4)
    lazy = make().fit(*_lazy(X, y, rows=700))
    eager = make().fit(X, y)
    # The same grid point: a generated grid's top, Xᵀy merged over blocks against one pass, agrees to
    # a few ulps; the fold errors agree to ~1e-12 relative, far from any tie on these grids.
    assert lazy.alpha_ == pytest.approx(eager.alpha_, rel=1e-12)
    # merged block moments against one pass, as test_dask_fit_equals_the_in_memory_fit
    np.testing.assert_allclose(lazy.coef_, eager.coef_, rtol=1e-10)
    assert float(lazy.intercept_) == pytest.approx(float(eager.intercept_), rel=1e-10)
