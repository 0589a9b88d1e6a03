"""RegressionResults against statsmodels: every statistic, tests of restrictions, predictions, hard designs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import statsmodels.api as sm

from linreg.models import LinearRegression
from linreg.models._closed_form import RankDeficientWarning
from linreg.models._results import RegressionResults

from ..oracles import regression_data


def _heteroskedastic(seed: int = 3, n: int = 300):
    # Heteroskedastic noise and feature offsets, so the HC covariances differ from the classical
    # one and the intercept's SE is not trivial.
    X, y, _ = regression_data(n=n, p=6, offset=5.0, seed=seed)
    return X, y + np.abs(X[:, 0] - 5.0) * np.random.default_rng(0).standard_normal(n)


# Rows for the Cholesky path: the estimator's rule sends n·k² > EXACT_MAX_WORK designs there.
CHOLESKY_N = 3000


def _cases(path: str):
    """(ours, statsmodels) on OLS with and without an intercept and WLS: the same numbers in both.

    ``exact``: RegressionResults on the refined QR; ``cholesky``: the estimator's results from its
    Cholesky factor and one pass over X (``RegressionResults.from_cholesky``)."""
    X, y = _heteroskedastic(n=300 if path == "exact" else CHOLESKY_N)
    w = np.random.default_rng(1).uniform(0.2, 5.0, len(y))
    refs = {
        "ols": sm.OLS(y, sm.add_constant(X)).fit(),
        "ols_no_intercept": sm.OLS(y, X).fit(),
        "wls": sm.WLS(y, sm.add_constant(X), weights=w).fit(),
    }
    if path == "exact":
        ours = {
            "ols": RegressionResults(X, y),
            "ols_no_intercept": RegressionResults(X, y, has_constant=False),
            "wls": RegressionResults(X, y, w),
        }
    else:

        def fit(**kw):
            weights = kw.pop("sample_weight", None)
            return LinearRegression(inference=True, device="cpu", **kw).fit(X, y, sample_weight=weights).results_

        ours = {"ols": fit(), "ols_no_intercept": fit(fit_intercept=False), "wls": fit(sample_weight=w)}
    assert {r.solver for r in ours.values()} == {"qr" if path == "exact" else "cholesky"}
    return {name: (ours[name], refs[name]) for name in refs}


@pytest.fixture(
    scope="module",
    params=[(path, case) for path in ("exact", "cholesky") for case in ("ols", "ols_no_intercept", "wls")],
    ids=lambda pc: f"{pc[1]}-{pc[0]}",
)
def pair(request):
    path, case = request.param
    return _cases(path)[case]


# Relative tolerance 1e-10 for every quantity: both compute the same closed forms in float64 on a
# healthy design (cond ~1e2), ours from an exact QR, statsmodels from pinv; measured agreement is
# ~1e-13, the tolerance leaves headroom for other BLAS builds.
RTOL = 1e-10


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


@pytest.mark.parametrize(
    "name", ["params", "bse", "tvalues", "resid", "wresid", "fittedvalues", "HC0_se", "HC1_se", "HC2_se", "HC3_se"]
)
def test_vector_quantities(pair, name):
    ours, ref = pair
    theirs = np.asarray(getattr(ref, name))
    # Entries near zero (a residual of 3e-4 among residuals of 3) are compared on the vector's scale.
    np.testing.assert_allclose(getattr(ours, name), theirs, rtol=RTOL, atol=RTOL * np.abs(theirs).max())


def test_pvalues(pair):
    ours, ref = pair
    np.testing.assert_allclose(ours.pvalues, ref.pvalues, rtol=0, atol=1e-12)  # absolute, as p-values are


def test_confidence_intervals(pair):
    ours, ref = pair
    np.testing.assert_allclose(ours.conf_int(0.05), ref.conf_int(0.05), rtol=RTOL)
    np.testing.assert_allclose(ours.conf_int(0.1), ref.conf_int(0.1), rtol=RTOL)


@pytest.mark.parametrize("kind", ["cov_params", "cov_HC0", "cov_HC1", "cov_HC2", "cov_HC3"])
def test_covariances(pair, kind):
    ours, ref = pair
    mine = ours.cov_params() if kind == "cov_params" else getattr(ours, kind)
    theirs = ref.cov_params() if kind == "cov_params" else getattr(ref, kind)
    # Off-diagonal covariances can be near zero: absolute tolerance relative to the diagonal's scale.
    np.testing.assert_allclose(mine, theirs, rtol=RTOL, atol=RTOL * np.abs(np.diag(theirs)).max())


@pytest.mark.parametrize(
    "name",
    [
        "fvalue",
        "ssr",
        "scale",
        "rsquared",
        "rsquared_adj",
        "llf",
        "aic",
        "bic",
        "condition_number",
        "df_resid",
        "df_model",
        "nobs",
        "centered_tss",
        "ess",
    ],
)
def test_scalar_quantities(pair, name):
    ours, ref = pair
    assert float(getattr(ours, name)) == pytest.approx(float(getattr(ref, name)), rel=RTOL)


def test_f_pvalue(pair):
    ours, ref = pair
    assert ours.f_pvalue == pytest.approx(ref.f_pvalue, rel=1e-8, abs=1e-300)


def test_predictions_with_intervals(pair):
    ours, ref = pair
    X, _ = _heteroskedastic(n=ours.nobs)
    Z = sm.add_constant(X) if ours.k_constant else X
    for mine, theirs in [
        (ours.get_prediction(), ref.get_prediction()),
        (ours.get_prediction(X[:7] + 0.5), ref.get_prediction(Z[:7] + (0.5 * (Z[:7] != 1)))),
    ]:
        mf, tf = mine.summary_frame(0.1), theirs.summary_frame(0.1)
        for col in ["mean", "mean_se", "mean_ci_lower", "mean_ci_upper", "obs_ci_lower", "obs_ci_upper"]:
            np.testing.assert_allclose(mf[col], tf[col], rtol=RTOL, err_msg=col)


def test_influence(pair):
    ours, ref = pair
    if ours.weights.std() > 0:
        pytest.skip("statsmodels' OLSInfluence is for OLS")
    mine, theirs = ours.get_influence(), ref.get_influence()
    h = theirs.hat_matrix_diag  # leverages of 4e-12 beside 3e-3: on the vector's scale, as the residuals
    np.testing.assert_allclose(mine.hat_matrix_diag, h, rtol=RTOL, atol=RTOL * h.max())
    for got, want in [
        (mine.resid_studentized_internal, theirs.resid_studentized_internal),
        (mine.cooks_distance[0], theirs.cooks_distance[0]),
    ]:
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=RTOL * np.abs(want).max())
    np.testing.assert_allclose(mine.cooks_distance[1], theirs.cooks_distance[1], rtol=1e-9)


def test_t_and_f_tests_of_linear_restrictions(pair):
    ours, ref = pair
    k = len(ours.params)
    R = np.zeros((2, k))
    R[0, -1], R[0, -2], R[1, -3] = 1.0, -1.0, 1.0  # θ_last = θ_{last−1}, θ_{last−2} = 0.5
    q = np.array([0.0, 0.5])
    t, tr = ours.t_test(R, q), ref.t_test((R, q))
    np.testing.assert_allclose(t.effect, np.ravel(tr.effect), rtol=RTOL)
    np.testing.assert_allclose(t.sd, np.ravel(tr.sd), rtol=RTOL)
    np.testing.assert_allclose(t.pvalue, np.ravel(tr.pvalue), rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(t.conf_int(), tr.conf_int(), rtol=RTOL)
    f, fr = ours.f_test((R, q)), ref.f_test((R, q))
    assert f.fvalue == pytest.approx(float(np.squeeze(fr.fvalue)), rel=RTOL)
    assert f.pvalue == pytest.approx(float(fr.pvalue), rel=1e-9, abs=1e-300)
    assert (f.df_num, f.df_denom) == (fr.df_num, fr.df_denom)
    with pytest.raises(ValueError, match="r_matrix needs"):
        ours.t_test(np.ones(k + 1))


def test_residual_diagnostics_match_statsmodels_summary():
    from statsmodels.stats.stattools import durbin_watson, jarque_bera, omni_normtest

    ours, ref = _cases("exact")["ols"]
    d = ours.diagnostics()
    jb, jb_p, skew, kurt = jarque_bera(ref.wresid)
    omni, omni_p = omni_normtest(ref.wresid)
    expected = {
        "durbin_watson": durbin_watson(ref.wresid),
        "jarque_bera": jb,
        "jarque_bera_pvalue": jb_p,
        "skew": skew,
        "kurtosis": kurt,
        "omnibus": omni,
        "omnibus_pvalue": omni_p,
    }
    for key, value in expected.items():
        assert d[key] == pytest.approx(float(value), rel=1e-9), key


def test_summary_reads_like_statsmodels():
    ours, ref = _cases("exact")["wls"]
    text = " ".join(ours.summary().split())  # compare normalised text, not layout
    for needle in [
        "WLS Regression Results",
        "R-squared:",
        "Durbin-Watson:",
        "Jarque-Bera (JB):",
        "Omnibus:",
        "Cond. No.",
        "const",
        "x6",
        f"{ref.rsquared:.3f}",
        f"{ref.fvalue:.4g}",
        f"{ref.llf:.5g}",
    ]:
        assert needle in text, needle


@pytest.mark.parametrize("dataset", ["longley", "stackloss", "cpunish", "engel", "ccard"])
def test_statsmodels_bundled_datasets(dataset):
    """On statsmodels' own datasets, OLS and WLS agree with statsmodels as far as its own accuracy allows."""
    data = getattr(sm.datasets, dataset).load_pandas()
    X, y = data.exog.to_numpy(float), data.endog.to_numpy(float)
    if X.ndim == 1:
        X = X[:, None]
    ref = sm.OLS(y, sm.add_constant(X, has_constant="add")).fit()
    model = LinearRegression(inference=True, device="cpu").fit(X, y)
    ours = model.results_
    # Longley's design has cond ~5e9: statsmodels' pinv keeps only ~11 digits of its parameters
    # (the exact oracle in test_exact_lstsq says ours keep all), so the tolerance is statsmodels'.
    rtol = 1e-8 if dataset == "longley" else 1e-10
    np.testing.assert_allclose(ours.params, ref.params, rtol=rtol)
    np.testing.assert_allclose(ours.bse, ref.bse, rtol=rtol)
    assert ours.rsquared_adj == pytest.approx(ref.rsquared_adj, rel=rtol)
    np.testing.assert_allclose(np.r_[model.intercept_, model.coef_], ours.params, rtol=0, atol=0)  # one solution
    w = 1.0 + np.arange(len(y)) % 3  # WLS on the same data
    refw = sm.WLS(y, sm.add_constant(X, has_constant="add"), weights=w).fit()
    oursw = LinearRegression(inference=True, device="cpu").fit(X, y, sample_weight=w).results_
    np.testing.assert_allclose(oursw.params, refw.params, rtol=rtol)
    np.testing.assert_allclose(oursw.bse, refw.bse, rtol=rtol)
    assert oursw.llf == pytest.approx(refw.llf, rel=1e-10)


def test_zero_weights_drop_rows():
    X, y = _heteroskedastic(n=80)
    w = np.where(np.arange(80) % 4 == 0, 0.0, 1.0)
    kept = w > 0
    a = LinearRegression(inference=True, device="cpu").fit(X, y, sample_weight=w)
    b = LinearRegression(inference=True, device="cpu").fit(X[kept], y[kept])
    # Whitening by √0 removes the rows exactly; the same exact solver then sees the same system.
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-13)
    np.testing.assert_allclose(
        a.results_.bse,
        b.results_.bse
        * np.sqrt((80 - 7) / (60 - 7))
        * np.sqrt(a.results_.scale / b.results_.scale / ((80 - 7) / (60 - 7))),
        rtol=1e-12,
    )


@pytest.mark.parametrize("case", list(_rank_deficient_cases()))
def test_rank_deficient_designs_get_statsmodels_pinv_inference(case):
    X, y = _rank_deficient_cases()[case]
    ref = sm.OLS(y, sm.add_constant(X, has_constant="add")).fit()
    with pytest.warns(RankDeficientWarning, match="minimum-norm"):
        ours = RegressionResults(X, y)
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
    flat = RegressionResults(X, np.full(20, 4.0))
    assert np.isnan(flat.rsquared) and np.isnan(flat.fvalue) and flat.params[0] == pytest.approx(4.0)
    exact = RegressionResults(X[:3], X[:3] @ [1.0, 2.0] + 1)  # n = k: no residual degrees of freedom
    assert exact.df_resid == 0 and np.isnan(exact.scale) and np.isnan(exact.bse).all()
    assert np.isnan(exact.f_test(np.eye(3)[1:]).fvalue) and np.isnan(exact.get_prediction().se_obs).all()
    assert "nan" in exact.summary()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RankDeficientWarning)
        one = RegressionResults(X[:1], np.array([2.0]))  # n = 1: rank 1, nothing else estimable
    assert (
        one.rank == 1 and one.df_resid == 0 and np.isnan(one.bse).all() and "The design has rank 1 < 3" in one.summary()
    )


def test_the_estimator_summary_names_features():
    X, y = _heteroskedastic(n=60)
    model = LinearRegression(inference=True, device="cpu").fit(X, y)
    text = " ".join(model.summary(names=[f"f{j}" for j in range(6)]).split())
    assert "OLS Regression Results" in text and " f5 " in text and model.results_.exog_names[0] == "const"
    assert model.solver_ == "qr" and model.results_.params[0] == model.intercept_
    with pytest.raises(ValueError, match="names has 2 entries for 6 features"):
        model.summary(names=["a", "b"])


def test_longley_standard_errors_match_a_50_digit_computation():
    # The reference: the same formulas in 50-digit arithmetic (mpmath) on Longley's float64
    # numbers. statsmodels keeps ~9 digits of HC3 here; the QR-basis sandwich keeps ~12.
    mpmath = pytest.importorskip("mpmath")
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
    ours = LinearRegression(inference=True, device="cpu").fit(X, y).results_
    assert np.max(np.abs(ours.HC3_se - hc3) / hc3) < 1e-11
    assert np.max(np.abs(ours.bse - bse) / bse) < 1e-11


def test_the_inference_path_follows_the_solver_rule_and_says_which_ran():
    import pickle

    rng = np.random.default_rng(0)
    X = rng.standard_normal((CHOLESKY_N, 6))
    y = X @ np.ones(6) + rng.standard_normal(CHOLESKY_N)
    model = LinearRegression(inference=True, device="cpu").fit(X, y)
    assert model.solver_ == model.results_.solver == "cholesky"
    # coef_ is the fit's own Cholesky solution, the same with or without inference.
    np.testing.assert_array_equal(model.coef_, LinearRegression(device="cpu").fit(X, y).coef_)
    # HC0–HC2 come from one more pass each when first asked for; then X is let go. Pickling works throughout.
    again = pickle.loads(pickle.dumps(model)).results_
    np.testing.assert_array_equal(again.cov_HC2, model.results_.cov_HC2)
    assert model.results_.cov_HC0.shape == (7, 7)
    assert not hasattr(model.results_, "_X")
    # Ill-conditioned (κ_eq > 1e3): the exact refined QR, as the solver rule decides for the fit.
    x = np.sort(rng.uniform(0, 1, CHOLESKY_N))
    V = np.column_stack([x**k for k in range(1, 5)])
    hard = LinearRegression(inference=True, device="cpu").fit(V, V @ [1.0, 2, 3, 4] + rng.standard_normal(len(x)))
    assert hard.solver_ == hard.results_.solver == "qr"


@pytest.mark.parametrize("path", ["exact", "cholesky"])
def test_robust_covariances_are_formed_when_first_read(path):
    # statsmodels computes HC0_se… on first access (cache_readonly); so do we, and a fit that reads only
    # bse, p-values and F pays for none of them. Each is formed once, from the basis (QR path) or one
    # pass over X (Cholesky), which is let go once HC0, HC2 and HC3 exist; a pickled copy taken before
    # any was read forms the same numbers.
    import pickle

    X, y = _heteroskedastic(n=300 if path == "exact" else CHOLESKY_N)
    ours = LinearRegression(inference=True, device="cpu").fit(X, y).results_
    ref = sm.OLS(y, sm.add_constant(X)).fit()
    before = pickle.loads(pickle.dumps(ours))
    formed = set(ours._core_HC)
    assert formed == ({"HC3"} if path == "cholesky" else set())  # the Cholesky pass yields HC3 on its way
    ours.bse, ours.pvalues, ours.fvalue, ours.summary()
    assert set(ours._core_HC) == formed  # the classical statistics and the summary need no robust meat
    for kind in ("HC1", "HC0", "HC2", "HC3"):
        cov = getattr(ours, f"cov_{kind}")
        assert cov is getattr(ours, f"cov_{kind}")  # formed once, then read
        np.testing.assert_allclose(cov, getattr(ref, f"cov_{kind}"), rtol=RTOL, atol=RTOL * np.abs(np.diag(cov)).max())
    assert not any(hasattr(ours, name) for name in ("_meat", "_X", "_basis"))  # the rows are let go
    np.testing.assert_array_equal(before.cov_HC3, ours.cov_HC3)  # the same arithmetic, whenever it runs
    assert ours.condition_number == pytest.approx(ref.condition_number, rel=RTOL)


@pytest.mark.parametrize("has_constant", [True, False])
def test_the_cholesky_row_pass_is_the_same_bits_on_any_number_of_threads(has_constant, monkeypatch):
    # A large row pass splits its groups of rows between as many threads as NumPy's BLAS has, each on
    # one BLAS thread, and sums the groups' HC meats in the groups' order: the leverages, fitted values
    # and the meats Σ ωᵢbᵢbᵢᵀ are the same bits whether NumPy's BLAS has 1, 2 or 3 threads (the k × k
    # sandwich after them is BLAS's own). At p = 100 OpenBLAS's own threads change the bits of each
    # block's symmetric product, so products on them would show here.
    from threadpoolctl import threadpool_info, threadpool_limits

    from linreg.models.stats import blas

    if not [lib for lib in threadpool_info() if lib["user_api"] == "blas"]:
        pytest.skip("threadpoolctl sees no BLAS library behind NumPy here")
    monkeypatch.setattr(blas, "NUMPY_THREADED_MIN_WORK", 1e5)
    n, p = 70_001, 100  # 3 groups of 16 blocks of 2,048 rows, the last partial
    X, y, _ = regression_data(n=n, p=p, seed=12)
    y = y + np.random.default_rng(2).standard_normal(n) * (1 + np.abs(X[:, 0]))  # heteroskedastic
    x_mean = X.mean(0) if has_constant else np.zeros(p)
    Xc = X - x_mean
    gram = Xc.T @ Xc
    coef = np.linalg.solve(gram, Xc.T @ (y - y.mean() if has_constant else y))
    intercept = float(y.mean() - x_mean @ coef) if has_constant else 0.0
    asked: list[int] = []
    real = blas.map_in_order

    def spy(fn, items, workers):
        asked.append(workers)
        return real(fn, items, workers)

    monkeypatch.setattr(blas, "map_in_order", spy)
    runs = []
    for threads in (1, 2, 3):
        with threadpool_limits(threads, user_api="blas"):
            r = RegressionResults.from_cholesky(
                X, y, None, has_constant=has_constant, gram=gram, x_mean=x_mean, coef=coef, intercept=intercept
            )
            r.cov_HC0  # noqa: B018 - its meat takes one more pass over X
            runs.append({"HC3 meat": r._core_HC["HC3"], "HC0 meat": r._core_HC["HC0"], "leverage": r._leverage})
            runs[-1]["fitted"] = np.asarray(r.fittedvalues)
    assert asked == [1, 1, 2, 2, 3, 3]  # HC3 on the way, HC0 by one more pass: each on as many threads as BLAS has
    for run in runs[1:]:
        for name, value in run.items():
            np.testing.assert_array_equal(value, runs[0][name], err_msg=name)
