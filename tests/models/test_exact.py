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


@pytest.mark.parametrize("tensors", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("name", list(SMALL))
def test_small_easy_designs_get_scikit_learns_accuracy_by_default_and_the_exact_answer_on_request(
    name, weighted, tensors
):
    """auto factors the centred rows (Householder QR, backward stable: error ~ u·κ(X_c)), as scikit-learn's
    lstsq does on centred data; its error may not exceed 3× scikit-learn's, as for the ill-conditioned
    designs above. Cholesky on the Gram, which the conditioning rule alone would allow, squares κ and lost
    1–2 more digits on these; ``solver="qr"`` still returns the correctly rounded answer."""
    from sklearn.linear_model import LinearRegression as SkLinearRegression

    from linreg.models._closed_form import MAX_GRAM_COND_FLOAT64, equilibrated_gram_cond
    from linreg.models.stats import compute_stats

    X, y = SMALL[name]
    w = np.random.default_rng(2).uniform(0.5, 2.0, len(y)) if weighted else None
    stats = compute_stats(X, y, dtype="float64", device="cpu", sample_weight=w)
    assert equilibrated_gram_cond(stats.gram) <= MAX_GRAM_COND_FLOAT64  # the conditioning rule alone says Cholesky
    Z = np.column_stack([np.ones(len(y)), X])
    exact = exact_lstsq(Z, y) if w is None else exact_lstsq(Z * np.sqrt(w)[:, None], y * np.sqrt(w))

    def error(model) -> float:
        return 10.0 ** -lre(np.r_[model.intercept_, model.coef_], exact)

    if tensors:  # torch's QR on the tensors' device (the CPU here)
        import torch

        model = LinearRegression(device="cpu").fit(torch.from_numpy(X), torch.from_numpy(y), sample_weight=w)
    else:
        model = LinearRegression(device="cpu").fit(X, y, sample_weight=w)
    reference = SkLinearRegression().fit(X, y, sample_weight=w)
    assert model.solver_ == "centred_qr" and error(model) <= 3 * max(error(reference), 1e-16)
    exact_fit = LinearRegression(solver="qr", device="cpu").fit(X, y, sample_weight=w)
    assert exact_fit.solver_ == "qr" and lre(np.r_[exact_fit.intercept_, exact_fit.coef_], exact) >= 15


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


def _exact_residuals(Z, y, r, theta):
    """f = y − r − Zθ and g = −Zᵀr in Fractions: no rounding."""
    from fractions import Fraction

    Zf = [[Fraction(float(v)) for v in row] for row in Z]
    tf = [Fraction(float(v)) for v in theta]
    rf = [Fraction(float(v)) for v in r]
    f = [Fraction(float(yi)) - ri - sum(z * t for z, t in zip(row, tf)) for row, yi, ri in zip(Zf, y, rf)]
    g = [-sum(row[j] * ri for row, ri in zip(Zf, rf)) for j in range(len(tf))]
    return f, g


@pytest.mark.parametrize("block", [65536, 7], ids=["one block", "blocks of 7 rows"])
def test_residuals_are_the_exact_ones_rounded_once(block):
    from fractions import Fraction

    from linreg.models._exact import Residuals, power_of_two_scales

    rng = np.random.default_rng(4)
    X = rng.standard_normal((40, 4)) * [1.0, 1e-6, 1e6, 3.0] + [0.0, 0.0, 0.0, 1e4]
    Z = np.column_stack([np.ones(40), X])
    Z = Z * power_of_two_scales(Z)
    y = Z @ rng.standard_normal(5) + 1e-3 * rng.standard_normal(40)
    theta = np.linalg.lstsq(Z, y, rcond=None)[0]
    r = y - Z @ theta  # f is then mostly this subtraction's rounding: heavy cancellation, f ≪ its terms
    f, g = Residuals(Z, block=block)(y, r, theta)
    f_exact, g_exact = _exact_residuals(Z, y, r, theta)
    u = Fraction(2) ** -53
    # About one rounding of the true value: u relative, plus the kernel's cut-off (2^-108 of each
    # term's size) and the double-double sums' own (~2u² of the terms); 2^-100 of the terms covers both.
    for got, want, size in zip(f, f_exact, np.abs(y) + np.abs(r) + np.abs(Z) @ np.abs(theta)):
        assert abs(Fraction(float(got)) - want) <= 2 * u * abs(want) + Fraction(2) ** -100 * Fraction(float(size))
    for got, want, size in zip(g, g_exact, np.abs(Z).T @ np.abs(r)):
        assert abs(Fraction(float(got)) - want) <= 2 * u * abs(want) + Fraction(2) ** -100 * Fraction(float(size))


def _correctly_rounded(exact) -> np.ndarray:
    return np.array([float(v) for v in exact])  # float(Fraction) rounds correctly (to nearest, ties to even)


@pytest.mark.parametrize("name", list(CASES) + list(SMALL))
def test_refinement_stops_when_the_answer_is_shown_correctly_rounded(name):
    from linreg.models._exact import refined_lstsq

    X, y = {**CASES, **SMALL}[name]
    Z = np.column_stack([np.ones(len(y)), X])
    res = refined_lstsq(Z, y)
    want = _correctly_rounded(exact_lstsq(Z, y))
    if res.rounded:  # the stop rule's claim: the float64 nearest the exact solution, every coefficient
        np.testing.assert_array_equal(res.theta, want)
    else:  # stopped when the correction vanished or stalled: within one unit in the last place
        assert np.all(np.abs(res.theta - want) <= np.spacing(np.abs(want)))


def test_a_well_conditioned_design_takes_one_refinement_step():
    # The common case the stop rule is for (scikit-learn's diabetes data is 442 × 10 of this kind): one
    # step corrects the QR solution and shows the correction's result correctly rounded; a rule that
    # waits for a vanishing correction takes two more.
    from linreg.models._exact import refined_lstsq

    rng = np.random.default_rng(2)
    X = rng.standard_normal((200, 6))
    y = X @ rng.standard_normal(6) + 5.0 + rng.standard_normal(200)
    Z = np.column_stack([np.ones(200), X])
    res = refined_lstsq(Z, y)
    assert res.rounded and res.steps == 1
    np.testing.assert_array_equal(res.theta, _correctly_rounded(exact_lstsq(Z, y)))
