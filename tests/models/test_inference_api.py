"""What a statsmodels user meets: names, cov_type, tests written as text, helpful errors (statsmodels the oracle)."""

from __future__ import annotations

import re
import sys

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from sklearn.datasets import load_diabetes

from linreg.models import LinearRegression

from .test_results import CHOLESKY_N, _heteroskedastic

# The diabetes design has condition number 227 (statsmodels' Cond. No.): κ·u ≈ 5e-14 per number, so
# 1e-10 relative leaves three orders of headroom for another BLAS in the statistics pass; p-values are
# compared absolutely (1e-12), as probabilities near zero have no useful relative error.
RTOL = 1e-10


@pytest.fixture(scope="module")
def diabetes():
    d = load_diabetes(as_frame=True)
    return d.data, d.target


def _close(ours, theirs, rtol=RTOL):
    theirs = np.asarray(theirs, dtype=float)
    np.testing.assert_allclose(np.asarray(ours, dtype=float), theirs, rtol=rtol, atol=rtol * np.abs(theirs).max())


# --- helpful errors -------------------------------------------------------------------------------


def test_results_without_inference_says_how_to_get_them(diabetes):
    X, y = diabetes
    for model in (LinearRegression(), LinearRegression().fit(X, y)):
        with pytest.raises(AttributeError, match=r"LinearRegression\(inference=True\)"):
            model.results_  # noqa: B018
    with pytest.raises(AttributeError, match=r"LinearRegression\(inference=True\)"):
        LinearRegression().fit(X, y).summary()
    with pytest.raises(AttributeError, match="not fitted yet"):  # unfitted: scikit-learn's NotFittedError first
        LinearRegression().summary()
    assert not hasattr(LinearRegression().fit(X, y), "results_")  # still an AttributeError for hasattr
    with pytest.raises(AttributeError, match="no attribute 'coef_'"):
        LinearRegression().coef_  # noqa: B018
    with pytest.raises(ValueError, match=r"inference=True, cov_type='HC3'"):
        LinearRegression(cov_type="HC3").fit(X, y)


def test_optional_dependencies_name_the_extra(diabetes, monkeypatch):
    X, y = diabetes
    res = LinearRegression(inference=True).fit(X.to_numpy(), y.to_numpy()).results_
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    with pytest.raises(ImportError, match=re.escape("pip install 'linreg[frames]'")):
        res.get_prediction().summary_frame()
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=re.escape("pip install 'linreg[plots]'")):
        res.plot_diagnostics()


# --- names ----------------------------------------------------------------------------------------


def test_pandas_input_gives_results_named_as_statsmodels(diabetes):
    X, y = diabetes
    ours = LinearRegression(inference=True).fit(X, y).results_
    ref = sm.OLS(y, sm.add_constant(X)).fit()
    for name in ("params", "bse", "tvalues", "HC0_se", "HC3_se"):
        mine, theirs = getattr(ours, name), getattr(ref, name)
        assert isinstance(mine, pd.Series) and list(mine.index) == list(theirs.index), name
        _close(mine, theirs)
    assert list(ours.pvalues.index) == list(ref.pvalues.index)
    np.testing.assert_allclose(ours.pvalues, ref.pvalues, rtol=0, atol=1e-12)
    ci = ours.conf_int(0.1)
    assert isinstance(ci, pd.DataFrame) and list(ci.index) == list(ref.conf_int().index)
    _close(ci, ref.conf_int(0.1))
    assert list(ours.cov_params().columns) == list(ref.cov_params().columns)
    assert isinstance(ours.resid, pd.Series) and ours.resid.index.equals(ref.resid.index)
    # NumPy input: arrays, as statsmodels gives for arrays.
    plain = LinearRegression(inference=True).fit(X.to_numpy(), y.to_numpy()).results_
    assert type(plain.params) is np.ndarray and type(plain.conf_int()) is np.ndarray
    assert plain.exog_names[:2] == ["const", "x1"]


def _coefficient_rows(text: str) -> dict[str, list[str]]:
    """The coefficient table of a summary: name → the six cells as printed."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("---")) + 1
    rows = {}
    for line in lines[start:]:
        if line.startswith("==="):
            break
        *name, cells = line.rsplit(None, 6)[0], line.rsplit(None, 6)[1:]
        rows[name[0].strip()] = cells
    return rows


def _same_printed_numbers(ours: list[str], theirs: list[str]) -> None:
    """Same format (digits after the point, exponent or not) and the same value to one unit in the last
    printed digit: the values agree to 1e-10, so only a tie at the rounding boundary may flip a digit."""
    for a, b in zip(ours, theirs, strict=True):
        shape = re.compile(r"\.(\d*)")
        assert (shape.search(a) or [""])[0] == (shape.search(b) or [""])[0] and ("e" in a) == ("e" in b), (a, b)
        decimals = len(shape.search(b).group(1)) if shape.search(b) and "e" not in b else 0
        unit = 10.0**-decimals if "e" not in b else abs(float(b)) * 10.0 ** -(len(b.split("e")[0]) - 2)
        assert abs(float(a) - float(b)) <= unit * 1.0001, (a, b)


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC3"])
def test_summary_matches_statsmodels_table_names_and_numbers(diabetes, cov_type):
    X, y = diabetes
    model = LinearRegression(inference=True, cov_type=cov_type).fit(X, y)
    text, ref = str(model.summary()), sm.OLS(y, sm.add_constant(X)).fit(cov_type=cov_type).summary().as_text()
    ours_rows, ref_rows = _coefficient_rows(text), _coefficient_rows(ref)
    assert list(ours_rows) == list(ref_rows) == ["const", *X.columns]
    for name in ref_rows:
        _same_printed_numbers(ours_rows[name], ref_rows[name])
    for label in ("Dep. Variable:", "Covariance Type:", "R-squared:", "F-statistic:", "Log-Likelihood:", "AIC:"):
        mine = re.search(re.escape(label) + r"\s+(\S+)", text).group(1)
        theirs = re.search(re.escape(label) + r"\s+(\S+)", ref).group(1)
        if label in ("Dep. Variable:", "Covariance Type:"):
            assert mine == theirs == ("target" if label[0] == "D" else cov_type)
        else:
            _same_printed_numbers([mine], [theirs])
    header = "z" if cov_type != "nonrobust" else "t"
    assert f"P>|{header}|" in text
    assert ("heteroscedasticity robust (HC3)" in text) == (cov_type == "HC3")


def test_long_names_are_printed_whole_and_html_renders_the_same_table(diabetes):
    X, y = diabetes
    long = X.rename(columns={"bmi": "body_mass_index_kg_per_m2", "bp": "average blood pressure"})
    model = LinearRegression(inference=True).fit(long, y.rename("disease progression after one year"))
    text = model.summary()
    assert "body_mass_index_kg_per_m2" in text and "average blood pressure" in text
    assert "disease progression after one year" in text
    widths = {len(line) for line in text.splitlines() if line.startswith("=")}
    assert len(widths) == 1 and widths.pop() >= len("average blood pressure") + 6 * 11
    cells = re.findall(r"<t[hd]>([^<]*)</t[hd]>", text._repr_html_())
    rows = _coefficient_rows(str(text))
    assert (
        cells[cells.index("average blood pressure") + 1 : cells.index("average blood pressure") + 7]
        == rows["average blood pressure"]
    )


def test_summary_names_do_not_rename_the_results(diabetes):
    X, y = diabetes
    model = LinearRegression(inference=True).fit(X, y)
    before = list(model.results_.exog_names)
    text = model.summary(names=[f"feature {j}" for j in range(10)])
    assert "feature 9" in text and "bmi" not in _coefficient_rows(str(text))
    # The names are the summary's alone: the results, their Series and later summaries keep the fitted ones.
    assert list(model.results_.exog_names) == before == ["const", *X.columns]
    assert list(model.results_.params.index) == before and "bmi" in _coefficient_rows(str(model.summary()))
    model.results_.t_test("bmi = bp")  # names still parse


def test_hypotheses_written_with_names_match_statsmodels(diabetes):
    X, y = diabetes
    ours = LinearRegression(inference=True).fit(X, y).results_
    ref = sm.OLS(y, sm.add_constant(X)).fit()
    for text in ["bmi = bp", "bmi, bp", "2*bmi - bp = 100, s1 = s2", "s5 + 0.5 * s6 = -3"]:
        t, tr = ours.t_test(text), ref.t_test(text)
        _close(t.effect, np.ravel(tr.effect))
        _close(t.sd, np.ravel(tr.sd))
        np.testing.assert_allclose(t.pvalue, np.ravel(tr.pvalue), rtol=0, atol=1e-12)
        f, fr = ours.f_test(text), ref.f_test(text)
        assert f.fvalue == pytest.approx(float(np.squeeze(fr.fvalue)), rel=RTOL) and f.df_num == fr.df_num
    with pytest.raises(
        ValueError, match="'bmii' in 'bmii = bp' is not a parameter name; the parameters are const, age"
    ):
        ours.t_test("bmii = bp")
    assert "Test for Constraints" in ours.t_test("bmi = bp").summary()


# --- cov_type -------------------------------------------------------------------------------------


def _cov_cases():
    groups = np.arange(442) % 17  # 17 clusters of 26 rows
    return [
        ("HC0", {}),
        ("HC1", {}),
        ("HC2", {}),
        ("HC3", {}),
        ("HAC", {"maxlags": 3}),  # statsmodels' default: no small-sample factor (use_correction=False)
        ("HAC", {"maxlags": 2, "kernel": "uniform", "use_correction": True}),
        ("cluster", {"groups": groups}),  # statsmodels' defaults: G/(G−1)·(n−1)/(n−k), t and F on G − 1 d.o.f.
        ("cluster", {"groups": groups, "use_correction": False, "df_correction": False}),
    ]


def _compare(ours, ref):
    _close(ours.params, ref.params)
    _close(ours.bse, ref.bse)
    _close(ours.cov_params(), ref.cov_params())
    np.testing.assert_allclose(ours.pvalues, ref.pvalues, rtol=0, atol=1e-12)
    _close(ours.conf_int(), ref.conf_int())
    assert ours.fvalue == pytest.approx(ref.fvalue, rel=RTOL)
    assert ours.f_pvalue == pytest.approx(ref.f_pvalue, rel=1e-8, abs=1e-300)
    assert ours.use_t == ref.use_t and ours.df_resid_inference == getattr(ref, "df_resid_inference", ref.df_resid)
    t, tr = ours.t_test("bmi = bp"), ref.t_test("bmi = bp")
    np.testing.assert_allclose(t.pvalue, np.ravel(tr.pvalue), rtol=0, atol=1e-12)
    _close(t.conf_int(), tr.conf_int())
    w, wr = ours.wald_test("bmi, bp, s5", scalar=True), ref.wald_test("bmi, bp, s5", scalar=True)
    assert float(w.statistic) == pytest.approx(float(np.squeeze(wr.statistic)), rel=RTOL)
    assert float(w.pvalue) == pytest.approx(float(wr.pvalue), rel=1e-8, abs=1e-300)


@pytest.mark.parametrize("cov_type, kwds", _cov_cases(), ids=lambda v: v if isinstance(v, str) else "")
def test_cov_type_at_fit_matches_statsmodels(diabetes, cov_type, kwds):
    X, y = diabetes
    model = LinearRegression(inference=True, cov_type=cov_type, cov_kwds=kwds).fit(X, y)
    ref = sm.OLS(y, sm.add_constant(X)).fit(cov_type=cov_type, cov_kwds=kwds)
    _compare(model.results_, ref)
    assert model.results_.cov_type == cov_type and f"Covariance Type:{'':>10}" in model.summary()


@pytest.mark.parametrize("cov_type, kwds", _cov_cases(), ids=lambda v: v if isinstance(v, str) else "")
def test_get_robustcov_results_matches_statsmodels(diabetes, cov_type, kwds):
    X, y = diabetes
    base = LinearRegression(inference=True).fit(X, y).results_
    ref = sm.OLS(y, sm.add_constant(X)).fit().get_robustcov_results(cov_type=cov_type, **kwds)
    needs_rows = cov_type in ("HAC", "cluster")
    if needs_rows:
        with pytest.raises(ValueError, match="needs the rows of X"):
            base.get_robustcov_results(cov_type, **kwds)
        with pytest.raises(ValueError, match="not the design this model was fitted on"):
            base.get_robustcov_results(cov_type, X=X[::-1], **kwds)
    ours = base.get_robustcov_results(cov_type, X=X if needs_rows else None, **kwds)
    _compare(ours, ref)  # use_t inherited (t), as statsmodels does from a nonrobust fit
    assert base.cov_type == "nonrobust"  # a new object; the original keeps its covariance


@pytest.mark.parametrize("cov_type, kwds", [("HC2", {}), ("HAC", {"maxlags": 4}), ("cluster", {})])
def test_cov_types_on_the_cholesky_path_and_weights(cov_type, kwds):
    X, y = _heteroskedastic(n=CHOLESKY_N)
    w = np.random.default_rng(1).uniform(0.2, 5.0, len(y))
    if cov_type == "cluster":
        kwds = {"groups": np.random.default_rng(2).integers(0, 40, len(y))}
    for weights, ref_model in [(None, sm.OLS(y, sm.add_constant(X))), (w, sm.WLS(y, sm.add_constant(X), weights=w))]:
        model = LinearRegression(inference=True, device="cpu", cov_type=cov_type, cov_kwds=kwds)
        ours = model.fit(X, y, sample_weight=weights).results_
        assert ours.solver == "cholesky"
        ref = ref_model.fit(cov_type=cov_type, cov_kwds=kwds)
        _close(ours.bse, ref.bse)  # cond ~1e2 as in test_results: the same 1e-10
        np.testing.assert_allclose(ours.pvalues, ref.pvalues, rtol=0, atol=1e-12)


def test_cov_type_errors_name_the_fix(diabetes):
    X, y = diabetes
    res = LinearRegression(inference=True).fit(X, y).results_
    with pytest.raises(ValueError, match="needs 'maxlags' in cov_kwds"):
        res.get_robustcov_results("HAC", X=X)
    with pytest.raises(ValueError, match=r"cov_kwds \['maxlags'\] are not used by cov_type='HC3'"):
        res.get_robustcov_results("HC3", maxlags=2)
    with pytest.raises(ValueError, match="one group label per row"):
        res.get_robustcov_results("cluster", X=X, groups=np.zeros(5))
    with pytest.raises(ValueError, match="cov_type"):
        LinearRegression(inference=True, cov_type="HC4").fit(X, y)


# --- nested models, influence, predictions, plots -------------------------------------------------


def test_nested_model_comparisons_match_statsmodels(diabetes):
    X, y = diabetes
    small = ["bmi", "bp", "s5"]
    full = LinearRegression(inference=True).fit(X, y).results_
    restricted = LinearRegression(inference=True).fit(X[small], y).results_
    ref_full, ref_small = sm.OLS(y, sm.add_constant(X)).fit(), sm.OLS(y, sm.add_constant(X[small])).fit()
    for ours, theirs in [
        (full.compare_f_test(restricted), ref_full.compare_f_test(ref_small)),
        (full.compare_lr_test(restricted), ref_full.compare_lr_test(ref_small)),
    ]:
        assert ours[0] == pytest.approx(theirs[0], rel=1e-9)  # differences of RSS (llf): κ·u over 1 − R²ratio
        assert ours[1] == pytest.approx(theirs[1], rel=1e-8, abs=1e-300)
        assert ours[2] == theirs[2]
    with pytest.raises(ValueError, match="call full.compare_f_test"):
        restricted.compare_f_test(full)


def test_influence_measures_match_statsmodels(diabetes):
    X, y = diabetes
    ours = LinearRegression(inference=True).fit(X, y).results_
    ref = sm.OLS(y, sm.add_constant(X)).fit()
    mine, theirs = ours.get_influence(X), ref.get_influence()
    _close(mine.resid_studentized_external, theirs.resid_studentized_external)
    _close(mine.dffits[0], theirs.dffits[0])
    assert mine.dffits[1] == pytest.approx(theirs.dffits[1], rel=1e-15)
    _close(mine.dfbetas, theirs.dfbetas)
    outliers, ref_out = ours.outlier_test(), ref.outlier_test()
    assert list(outliers.columns) == list(ref_out.columns) and outliers.index.equals(ref_out.index)
    _close(outliers["student_resid"], ref_out["student_resid"])
    np.testing.assert_allclose(outliers[["unadj_p", "bonf(p)"]], ref_out[["unadj_p", "bonf(p)"]], rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match=r"get_influence\(X\)"):
        ours.get_influence().dfbetas  # noqa: B018


@pytest.mark.parametrize("frames", [True, False], ids=["pandas", "numpy"])
def test_influence_types_follow_statsmodels(diabetes, frames):
    # statsmodels' OLSInfluence returns NumPy arrays in the rows' order even for pandas input (its labelled
    # form is summary_frame()); outlier_test() is a DataFrame for pandas input, an array otherwise.
    X, y = diabetes if frames else (diabetes[0].to_numpy(), diabetes[1].to_numpy())
    ours = LinearRegression(inference=True).fit(X, y).results_
    ref = sm.OLS(y, sm.add_constant(X)).fit()
    mine, theirs = ours.get_influence(X), ref.get_influence()
    for name in ("hat_matrix_diag", "resid_studentized_internal", "resid_studentized_external", "dfbetas"):
        assert type(getattr(mine, name)) is type(getattr(theirs, name)) is np.ndarray, name
    for name in ("cooks_distance", "dffits", "dffits_internal"):
        assert type(getattr(mine, name)[0]) is type(getattr(theirs, name)[0]) is np.ndarray, name
    assert type(ours.outlier_test()) is type(ref.outlier_test())


@pytest.mark.parametrize("frames", [True, False], ids=["pandas", "numpy"])
def test_influence_summary_frame_matches_statsmodels(diabetes, frames):
    X, y = diabetes if frames else (diabetes[0].to_numpy(), diabetes[1].to_numpy())
    ours = LinearRegression(inference=True).fit(X, y).results_
    mine, theirs = (
        ours.get_influence(X).summary_frame(),
        sm.OLS(y, sm.add_constant(X)).fit().get_influence().summary_frame(),
    )
    assert list(mine.columns) == list(theirs.columns)  # dfb_const, dfb_age … cooks_d, …, dffits
    assert mine.index.equals(theirs.index)
    for column in theirs:  # each a leave-one-out closed form on κ = 227: the module's 1e-10, on the column's scale
        _close(mine[column], theirs[column])
    _close(ours.get_influence().dffits_internal[0], theirs["dffits_internal"])
    with pytest.raises(ValueError, match=r"get_influence\(X\)"):
        ours.get_influence().summary_frame()


def test_prediction_frames_keep_the_row_labels(diabetes):
    X, y = diabetes
    ours = LinearRegression(inference=True).fit(X, y).results_
    ref = sm.OLS(y, sm.add_constant(X)).fit()
    new = X.iloc[[3, 70, 200]] * 1.5
    mine, theirs = (
        ours.get_prediction(new).summary_frame(0.1),
        ref.get_prediction(sm.add_constant(new, has_constant="add")).summary_frame(0.1),
    )
    assert mine.index.equals(theirs.index) and list(mine.columns) == list(theirs.columns)
    _close(mine, theirs)


def _same_prediction(ours, theirs):
    """statsmodels' six columns at 90% and 95%, and its distribution (t on df_resid, or the normal)."""
    assert ours.distribution == theirs.dist.name and ours.df == theirs.df
    for alpha in (0.1, 0.05):
        mine, ref = ours.summary_frame(alpha), theirs.summary_frame(alpha)
        assert list(mine.columns) == list(ref.columns) and mine.index.equals(ref.index)
        _close(mine, ref)


@pytest.mark.parametrize("cov_type, kwds", _cov_cases(), ids=lambda v: v if isinstance(v, str) else "")
def test_predictions_follow_cov_type_as_statsmodels(diabetes, cov_type, kwds):
    # statsmodels' get_prediction: Var(zᵀθ̂) = zᵀ cov_params() z under the results' covariance, the observation
    # adds the nonrobust σ̂², and the quantile is t(df_resid) with use_t, else the normal.
    X, y = diabetes
    new = X.iloc[[3, 70, 200]] * 1.5
    new_c = sm.add_constant(new, has_constant="add")
    at_fit = LinearRegression(inference=True, cov_type=cov_type, cov_kwds=kwds).fit(X, y).results_
    ref_fit = sm.OLS(y, sm.add_constant(X)).fit(cov_type=cov_type, cov_kwds=kwds)
    assert not at_fit.use_t  # a robust type chosen at fit: the normal, as statsmodels
    _same_prediction(at_fit.get_prediction(), ref_fit.get_prediction())
    _same_prediction(at_fit.get_prediction(new), ref_fit.get_prediction(new_c))
    # After the fit (use_t kept: t), the training rows' variances need X again, as HAC and cluster do.
    base = LinearRegression(inference=True).fit(X, y).results_
    ref = sm.OLS(y, sm.add_constant(X)).fit().get_robustcov_results(cov_type=cov_type, **kwds)
    later = base.get_robustcov_results(cov_type, X=X, **kwds)
    _same_prediction(later.get_prediction(), ref.get_prediction())
    _same_prediction(later.get_prediction(new), ref.get_prediction(new_c))
    if cov_type.startswith("HC"):
        without_rows = base.get_robustcov_results(cov_type, **kwds)
        _same_prediction(without_rows.get_prediction(new), ref.get_prediction(new_c))
        with pytest.raises(ValueError, match=rf"get_robustcov_results\('{cov_type}', X=X"):
            without_rows.get_prediction()


def test_predictions_under_hc3_on_the_cholesky_path_and_weights():
    X, y = _heteroskedastic(n=CHOLESKY_N)
    w = np.random.default_rng(1).uniform(0.2, 5.0, len(y))
    new = X[:7] + 0.5
    for weights, ref_model in [(None, sm.OLS(y, sm.add_constant(X))), (w, sm.WLS(y, sm.add_constant(X), weights=w))]:
        ours = LinearRegression(inference=True, device="cpu", cov_type="HC3").fit(X, y, sample_weight=weights)
        assert ours.results_.solver == "cholesky"
        ref = ref_model.fit(cov_type="HC3")
        # cond ~1e2 as in test_results: the same 1e-10
        _same_prediction(ours.results_.get_prediction(), ref.get_prediction())
        new_c = sm.add_constant(new, has_constant="add")
        _same_prediction(ours.results_.get_prediction(new), ref.get_prediction(new_c))


def test_plot_diagnostics_draws_the_four_panels_of_the_computed_quantities(diabetes):
    pytest.importorskip("matplotlib")
    from scipy import stats

    X, y = diabetes
    res = LinearRegression(inference=True).fit(X, y).results_
    fig = res.plot_diagnostics()
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == [
        "Residuals vs fitted",
        "Normal Q-Q",
        "Scale-location",
        "Residuals vs leverage",
    ]
    infl = res.get_influence()
    student = infl.resid_studentized_internal
    n = len(student)  # Filliben's plotting positions, the Q–Q convention of scipy and R's qqnorm family
    m = (np.arange(1, n + 1) - 0.3175) / (n + 0.365)
    m[0], m[-1] = 1 - 0.5 ** (1 / n), 0.5 ** (1 / n)
    expected = [
        (res.fittedvalues, res.resid),
        (stats.norm.ppf(m), np.sort(student)),
        (res.fittedvalues, np.sqrt(np.abs(student))),
        (infl.hat_matrix_diag, student),
    ]
    for ax, (x, y_) in zip(axes, expected):
        points = ax.collections[0].get_offsets()
        assert len(points) == len(y)
        # The same float64 arrays or one ppf of the same positions: agreement to rounding (1e-12 relative).
        np.testing.assert_allclose(points[:, 0], np.asarray(x), rtol=1e-12)
        np.testing.assert_allclose(points[:, 1], np.asarray(y_), rtol=1e-12)
