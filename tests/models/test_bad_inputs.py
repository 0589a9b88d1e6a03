"""The library's errors name the input and the parameter (scikit-learn's style), never NumPy's or torch's words."""

from __future__ import annotations

import numpy as np
import pytest

from linreg.models import (
    ElasticNetCV,
    Lasso,
    LassoCV,
    LinearRegression,
    RidgeCV,
    ValidatedLasso,
    enet_path,
    lasso_path,
)

RNG = np.random.default_rng(0)
X = RNG.standard_normal((60, 3))
Y = X @ [1.0, 2.0, 0.0] + RNG.standard_normal(60)
RESULTS = LinearRegression(inference=True).fit(X, Y).results_

CASES = {
    # input, what was wrong → the message must say it
    "y overflowing (OLS)": (lambda: LinearRegression().fit(X, Y * 1e200), r"Input y .* rescale y"),
    "y overflowing (lasso)": (lambda: Lasso(alpha=0.1).fit(X, Y * 1e200), r"Input y"),
    "y overflowing (LassoCV)": (lambda: LassoCV().fit(X, Y * 1e200), r"Input y"),
    "X overflowing": (lambda: LinearRegression().fit(X * 1e200, Y), r"Input X"),
    "RidgeCV(alphas=[])": (lambda: RidgeCV(alphas=[]).fit(X, Y), r"alphas must be a non-empty list"),
    "RidgeCV(alphas=[nan])": (lambda: RidgeCV(alphas=[np.nan]).fit(X, Y), r"alphas == nan, must be a finite"),
    "RidgeCV negative alpha": (lambda: RidgeCV(alphas=[1.0, -2.0]).fit(X, Y), r"alphas\[1\] == -2.0"),
    "LassoCV negative alpha": (lambda: LassoCV(alphas=[1.0, -1.0]).fit(X, Y), r"alphas\[1\] == -1.0, must be"),
    "LassoCV(alphas=[inf])": (lambda: LassoCV(alphas=[np.inf]).fit(X, Y), r"alphas == inf, must be a finite"),
    "LassoCV(alphas=[])": (lambda: LassoCV(alphas=[]).fit(X, Y), r"alphas must be a non-empty list"),
    "ElasticNetCV(l1_ratio=[])": (lambda: ElasticNetCV(l1_ratio=[]).fit(X, Y), r"l1_ratio must be .* non-empty"),
    "ElasticNetCV(l1_ratio=nan)": (lambda: ElasticNetCV(l1_ratio=[np.nan]).fit(X, Y), r"l1_ratio must be in"),
    "lasso_path(n_alphas=0)": (lambda: lasso_path(X, Y, n_alphas=0), r"n_alphas == 0, must be an int >= 1"),
    "enet_path negative alpha": (lambda: enet_path(X, Y, alphas=[0.5, -1.0]), r"alphas\[1\] == -1.0"),
    "enet_path(alphas=[nan])": (lambda: enet_path(X, Y, alphas=[np.nan]), r"alphas == nan, must be a finite"),
    "enet_path(alphas=[])": (lambda: enet_path(X, Y, alphas=[]), r"alphas must be a non-empty list"),
    "f_test of no restriction": (lambda: RESULTS.f_test(np.zeros((0, 4))), r"r_matrix has no restrictions"),
    "t_test of no restriction": (lambda: RESULTS.t_test(np.zeros((0, 4))), r"r_matrix has no restrictions"),
    "t_test of an unknown name": (
        lambda: RESULTS.t_test("x9 = 0"),
        r"'x9' in 'x9 = 0' is not a parameter name; the parameters are const, x1, x2, x3",
    ),
    "f_test of text that is no equation": (lambda: RESULTS.f_test("x1 x2"), r"'x1 x2' is not a linear equation"),
    "training-row prediction under HC1 without X": (
        lambda: RESULTS.get_robustcov_results("HC1").get_prediction(),
        r"needs their X.*get_robustcov_results\('HC1', X=X\)",
    ),
    "prediction of 3-D X": (lambda: RESULTS.get_prediction(np.zeros((2, 2, 3))), r"X must be 2-D \(n, 3\)"),
    "prediction weights of the wrong length": (
        lambda: RESULTS.get_prediction(X[:5], weights=np.ones(3)),
        r"weights has shape \(3,\): pass one weight per row of X \(5\)",
    ),
    "one validation row": (
        lambda: ValidatedLasso().fit(X[:50], Y[:50], validation=(X[50:51], Y[50:51])),
        r"validation holds 1 row; choosing alpha needs at least 2",
    ),
    "l1_ratio too small for a grid": (
        lambda: enet_path(X, Y, l1_ratio=5e-324),
        r"l1_ratio=5e-324 is too small for an α grid",
    ),
    "prediction of the wrong width": (lambda: RESULTS.get_prediction(X[:5, :2]), r"X has 2 features, the fit had 3"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_a_value_error_that_names_it(case):
    call, message = CASES[case]
    with pytest.raises(ValueError, match=message):
        call()


def test_good_neighbours_of_the_bad_inputs_still_work():
    assert RESULTS.get_prediction(X[:5], weights=2.0).predicted_mean.shape == (5,)
    assert RESULTS.t_test([0, 1, -1, 0]).tvalue.shape == (1,)
    assert lasso_path(X, Y, n_alphas=1)[0].shape == (1,)
    assert RidgeCV(alphas=[0.1, 1.0]).fit(X, Y).alpha_ in (0.1, 1.0)
    assert ValidatedLasso().fit(X[:50], Y[:50], validation=(X[50:52], Y[50:52])).alpha_ > 0


@pytest.mark.parametrize(
    "fit, level",
    # lasso_path does not centre (scikit-learn's neither): its degenerate target is y = 0.
    [(lambda y: lasso_path(X, y, n_alphas=4), 0.0), (lambda y: LassoCV(alphas=4).fit(X, y), 3.0)],
)
def test_a_constant_target_gets_scikit_learns_degenerate_grid_not_an_error(fit, level):
    # y constant: α_max = 0 has no geometric grid. scikit-learn's _alpha_grid puts every α at float64's
    # resolution, where all coefficients are zero; the same here (it raised "Geometric sequence cannot
    # include zero").
    out = fit(np.full(60, level))
    alphas = out[0] if isinstance(out, tuple) else out.alphas_
    np.testing.assert_array_equal(alphas, np.finfo(np.float64).resolution)
    coefs = out[1] if isinstance(out, tuple) else out.coef_
    np.testing.assert_array_equal(coefs, 0.0)


PAIRS = ["LinearRegression", "Ridge", "Lasso", "ElasticNet", "LassoCV", "ElasticNetCV", "RidgeCV"]


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("name", PAIRS)
def test_nonfinite_x_gets_scikit_learns_message_with_the_estimator_and_the_imputer(name, bad):
    """The oracle is scikit-learn's estimator of the same name on the same X: its whole message (the
    estimator's name; for NaN the imputer hint), whether our fit found the value in X or its XᵀX."""
    import sklearn.linear_model as sk

    import linreg.models as ours

    Xb = X.copy()
    Xb[7, 1] = bad
    with pytest.raises(ValueError) as theirs:
        getattr(sk, name)().fit(Xb, Y)
    expected = str(theirs.value).replace("_RidgeGCV", "RidgeCV")  # scikit-learn's RidgeCV names its helper
    with pytest.raises(ValueError) as got:
        getattr(ours, name)(device="cpu").fit(Xb, Y)
    assert str(got.value) == expected
    assert (name in expected and "imputer" in expected) if bad != np.inf else "infinity" in expected


def test_nonfinite_sparse_x_gets_scikit_learns_message():
    import sklearn.linear_model as sk
    from scipy import sparse

    Xb = sparse.csr_matrix(np.where(X > 1, X, 0.0))
    Xb.data[0] = np.nan
    with pytest.raises(ValueError) as theirs:
        sk.Ridge().fit(Xb, Y)
    with pytest.raises(ValueError) as got:
        __import__("linreg.models", fromlist=["Ridge"]).Ridge(device="cpu").fit(Xb, Y)
    assert str(got.value) == str(theirs.value) and "imputer" in str(got.value)


def test_summary_without_inference_says_how_to_get_it():
    """Fitted without inference: the message names the parameter that gives it, not 'not fitted'."""
    with pytest.raises(AttributeError, match=r"inference=True") as err:
        LinearRegression(device="cpu").fit(X, Y).summary()
    assert "not fitted" not in str(err.value)
    with pytest.raises(Exception, match="not fitted"):  # unfitted is still scikit-learn's NotFittedError
        LinearRegression(device="cpu").summary()
    assert "coef" in LinearRegression(inference=True, device="cpu").fit(X, Y).summary()


@pytest.mark.parametrize("spec", ["CPU", "Cpu", "AUTO"])
def test_device_names_are_case_insensitive(spec):
    model = LinearRegression(device=spec).fit(X, Y)
    assert model.device_ == str(LinearRegression(device=spec.lower()).fit(X, Y).device_)
    np.testing.assert_array_equal(model.coef_, LinearRegression(device=spec.lower()).fit(X, Y).coef_)  # same path
