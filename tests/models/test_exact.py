"""Least squares exact to the data given: against the rational solution of the same float64 numbers.

The oracle (``tests/oracles.exact_lstsq``) solves the normal equations in
``fractions.Fraction``: no rounding at all. LRE = −log10(max relative error over
coefficients); float64 cannot beat ~15.9. Cases are the classic hard ones:
NIST-Wampler-like degree-5 polynomials with residuals of very different sizes,
a Filip-like degree-10 polynomial on 82 points, Longley's macro-economic
regression, columns on scales 1e-8 … 1e8, near-collinear columns (cond ~1e12)
and offset polynomials.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from linreg.models import LinearRegression
from linreg.models._closed_form import RankDeficientWarning

from ..oracles import DEVICES, exact_lstsq, lre


def hard_designs() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(0)
    cases = {}
    x = np.arange(21.0)
    base = 1 + x + x**2 + x**3 + x**4 + x**5
    alternating = np.array([(-1.0) ** j for j in range(21)])
    for size in (1.0, 1e3, 1e6, 1e9, 1e12):
        cases[f"wampler-like, residuals {size:g}"] = (
            np.column_stack([x**k for k in range(1, 6)]),
            base + 0.1 * size * alternating,
        )
    xf = np.linspace(-8.78, -3.13, 82)
    cases["filip-like, degree 10, 82 points"] = (
        np.column_stack([xf**k for k in range(1, 11)]),
        0.8 + 0.01 * np.sin(3 * xf) + 0.001 * xf**3,
    )
    import statsmodels.api as sm

    longley = sm.datasets.longley.load_pandas()
    cases["longley"] = (longley.exog.to_numpy(float), longley.endog.to_numpy(float))
    cases["columns at 1e-8, 1e8 and 1"] = (
        np.column_stack([rng.standard_normal(50) * 1e-8, rng.standard_normal(50) * 1e8, rng.standard_normal(50)]),
        rng.standard_normal(50),
    )
    b = rng.standard_normal(50)
    cases["near-collinear, cond ~1e12"] = (
        np.column_stack([b, b + 1e-12 * rng.standard_normal(50), rng.standard_normal(50)]),
        b + rng.standard_normal(50),
    )
    xo = np.linspace(0, 1, 40) + 3.0
    cases["degree-6 polynomial, offset 3"] = (np.column_stack([xo**k for k in range(1, 7)]), rng.standard_normal(40))
    return cases


CASES = hard_designs()


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", list(CASES))
def test_auto_is_exact_to_the_data_given(name, device):
    # On a GPU the statistics run there and the refinement on the host (see exact.refined_lstsq).
    X, y = CASES[name]
    exact = exact_lstsq(np.column_stack([np.ones(len(y)), X]), y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RankDeficientWarning)  # these designs have full rank: no false alarm
        model = LinearRegression(device=device).fit(X, y)
    assert lre(np.r_[model.intercept_, model.coef_], exact) >= 13, model.solver_


@pytest.mark.parametrize("name", ["wampler-like, residuals 1e+06", "longley", "near-collinear, cond ~1e12"])
def test_exact_without_intercept_and_from_float32_input(name):
    X, y = CASES[name]
    model = LinearRegression(fit_intercept=False, device="cpu").fit(X, y)
    assert lre(model.coef_, exact_lstsq(X, y)) >= 13
    X32, y32 = X.astype(np.float32), y.astype(np.float32)  # the float32 numbers are the data now
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RankDeficientWarning)  # float32 rounding may make a design singular
        model = LinearRegression(solver="qr", device="cpu", dtype="float32").fit(X32, y32)
    if model.rank_ == X.shape[1]:
        exact = exact_lstsq(np.column_stack([np.ones(len(y)), X32.astype(np.float64)]), y32.astype(np.float64))
        # Solved in float64, returned in X's dtype as scikit-learn does: the exact answer rounded to
        # float32, within one float32 ulp (the float64 answer is rounded once more on the way).
        got = np.r_[model.intercept_, model.coef_]
        assert got.dtype == np.float32
        exact32 = np.array([float(v) for v in exact], dtype=np.float32)
        assert np.all(np.abs(got - exact32) <= np.spacing(np.abs(exact32)))


def small_easy_designs() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Small designs the conditioning rule calls easy (κ_eq(G) ≤ 1e3) where Cholesky on the Gram kept only
    11–12 of 16 digits when measured (its rounding, through the centring, grows with the offsets)."""
    rng = np.random.default_rng(1)
    cases = {}
    for lo, hi in [(0, 3), (2, 5)]:
        x = rng.uniform(lo, hi, 60)
        cases[f"quadratic, x in [{lo}, {hi}]"] = (np.c_[x, x**2], 1 + 2 * x + 0.5 * x**2 + rng.standard_normal(60))
    x = rng.uniform(0, 1, 40) + 1e7
    cases["one predictor at an offset of 1e7"] = (x[:, None], 3 * x + 2 + 0.1 * rng.standard_normal(40))
    return cases


SMALL = small_easy_designs()


@pytest.mark.parametrize("name", list(SMALL))
def test_small_designs_get_the_exact_answer_by_default(name):
    import torch

    from linreg.models._closed_form import MAX_GRAM_COND_FLOAT64, equilibrated_gram_cond
    from linreg.models.stats import compute_stats

    X, y = SMALL[name]
    stats = compute_stats(X, y, dtype=torch.float64, device=torch.device("cpu"))
    assert equilibrated_gram_cond(stats.gram) <= MAX_GRAM_COND_FLOAT64  # the conditioning rule alone says Cholesky
    model = LinearRegression(device="cpu").fit(X, y)
    exact = exact_lstsq(np.column_stack([np.ones(len(y)), X]), y)
    assert model.solver_ == "qr" and lre(np.r_[model.intercept_, model.coef_], exact) >= 15


def test_the_old_ways_fall_short_on_the_same_cases():
    # Why this exists: scikit-learn's lstsq on the filip-like design loses every digit.
    from sklearn.linear_model import LinearRegression as SkLinearRegression

    X, y = CASES["filip-like, degree 10, 82 points"]
    exact = exact_lstsq(np.column_stack([np.ones(len(y)), X]), y)
    sk = SkLinearRegression().fit(X, y)
    assert lre(np.r_[sk.intercept_, sk.coef_], exact) < 5


@pytest.mark.parametrize(
    "make",
    [
        lambda a, b, c: np.column_stack([a, b, a]),  # duplicated column
        lambda a, b, c: np.column_stack([a, np.full_like(a, 3.0), b]),  # constant column (with the intercept)
        lambda a, b, c: np.column_stack([a, b, a + 2 * b]),  # exact linear combination (to rounding)
    ],
    ids=["duplicate", "constant", "combination"],
)
@pytest.mark.parametrize("solver", ["auto", "qr", "svd"])
def test_rank_deficient_designs_get_lstsq_minimum_norm_answer_with_a_warning(make, solver):
    rng = np.random.default_rng(1)
    a, b, c = rng.standard_normal((3, 60))
    X, y = make(a, b, c), 1 + a - b + 0.1 * c
    with pytest.warns(RankDeficientWarning, match="minimum-norm"):
        model = LinearRegression(solver=solver, device="cpu").fit(X, y)
    Xc, yc = X - X.mean(0), y - y.mean()
    ref, *_ = np.linalg.lstsq(Xc, yc, rcond=None)
    np.testing.assert_allclose(model.coef_, ref, atol=1e-10)  # the same minimum-norm solution
    assert model.rank_ == 2


@pytest.mark.parametrize("solver", ["qr", "svd"])
def test_rank_detection_ignores_the_columns_units(solver):
    X, y = CASES["columns at 1e-8, 1e8 and 1"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RankDeficientWarning)
        model = LinearRegression(solver=solver, device="cpu").fit(X, y)
    assert model.rank_ == 3
    ref = LinearRegression(device="cpu").fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-9)
