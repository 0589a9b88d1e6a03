"""Cross-validated estimators and public paths against scikit-learn; mergeable statistics against one pass."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sklearn.linear_model as sk
import torch
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import make_scorer, max_error
from sklearn.model_selection import KFold, ShuffleSplit

from linreg.models import ElasticNetCV, LassoCV, RidgeCV, enet_path, lasso_path
from linreg.models.stats import compute_stats, merge_stats


def _data(seed=0, n=200, p=8):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + 1.0
    y = X @ (rng.standard_normal(p) * (rng.random(p) < 0.5)) + rng.standard_normal(n)
    return X, y


CPU = torch.device("cpu")


@pytest.mark.parametrize("center", [True, False])
def test_merged_statistics_equal_one_pass(center):
    # Chan–Golub–LeVeque merges of any split of the rows give the one-pass statistics (rounding only).
    X, y = _data(n=300)
    X = X + 1e4  # means far from zero: merging centred moments loses nothing
    whole = compute_stats(X, y, dtype=torch.float64, device=CPU, center=center)
    for cuts in [(100,), (1, 299), (37, 150, 222)]:
        bounds = [0, *cuts, 300]
        parts = [
            compute_stats(X[a:b], y[a:b], dtype=torch.float64, device=CPU, center=center)
            for a, b in zip(bounds[:-1], bounds[1:])
        ]
        merged = parts[0]
        for part in parts[1:]:
            merged = merge_stats(merged, part)
        assert merged.n == whole.n and merged.rows == whole.rows
        for name in ("gram", "xty", "yty", "x_mean", "y_mean"):
            a, b = getattr(merged, name), getattr(whole, name)
            a, b = np.asarray(a), np.asarray(b)  # NumPy or torch statistics
            np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-9 * float(np.abs(b).max()))


@pytest.mark.parametrize("cv", [None, 3, KFold(4, shuffle=True, random_state=0), ShuffleSplit(4, random_state=0)])
def test_lasso_cv_matches_scikit_learn(cv):
    X, y = _data()
    ours = LassoCV(cv=cv, tol=1e-10, device="cpu").fit(X, y)
    ref = sk.LassoCV(cv=cv, tol=1e-12, max_iter=10**5).fit(X, y)
    np.testing.assert_allclose(ours.alphas_, ref.alphas_, rtol=1e-12)
    # Held-out MSE from statistics against scikit-learn's from residuals: rounding plus the gaps.
    np.testing.assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-9)
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)  # the same grid point (up to its rounding)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-9)
    assert ours.intercept_ == pytest.approx(ref.intercept_, abs=1e-9)


def test_elastic_net_cv_chooses_l1_ratio_like_scikit_learn():
    X, y = _data(seed=1)
    ratios = [0.1, 0.5, 0.9]
    ours = ElasticNetCV(l1_ratio=ratios, alphas=30, tol=1e-10, device="cpu").fit(X, y)
    ref = sk.ElasticNetCV(l1_ratio=ratios, alphas=30, tol=1e-12, max_iter=10**5).fit(X, y)
    assert ours.mse_path_.shape == ref.mse_path_.shape == (3, 30, 5)
    np.testing.assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-9)
    # The same l1_ratio and grid point; the grid's alphas come from Xᵀy, so they agree to its rounding.
    assert ours.l1_ratio_ == ref.l1_ratio_
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-9)


@pytest.mark.parametrize(
    "cv, scoring", [(None, None), (None, "neg_mean_squared_error"), (5, None), (5, "neg_mean_squared_error"), (5, "r2")]
)
def test_ridge_cv_matches_scikit_learn(cv, scoring):
    X, y = _data(seed=2)
    alphas = [1e-3, 0.1, 1.0, 10.0, 100.0]
    # scoring=None: leave-one-out by squared error, K-fold by R² (scikit-learn's defaults, both sides).
    ours = RidgeCV(alphas, cv=cv, scoring=scoring, store_cv_results=cv is None, device="cpu").fit(X, y)
    ref = sk.RidgeCV(alphas, cv=cv, scoring=scoring, store_cv_results=cv is None).fit(X, y)
    assert ours.alpha_ == ref.alpha_
    assert ours.best_score_ == pytest.approx(ref.best_score_, rel=1e-10)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-10)
    if cv is None:  # exact leave-one-out squared errors, from the hat-matrix formula
        np.testing.assert_allclose(ours.cv_results_, ref.cv_results_, rtol=1e-8)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.3])
def test_public_paths_match_scikit_learn(l1_ratio):
    X, y = _data(seed=3)
    if l1_ratio == 1.0:
        ours, ref = lasso_path(X, y, tol=1e-12), sk.lasso_path(X, y, tol=1e-14, max_iter=10**5)
    else:
        ours = enet_path(X, y, l1_ratio=l1_ratio, tol=1e-12)
        ref = sk.enet_path(X, y, l1_ratio=l1_ratio, tol=1e-14, max_iter=10**5)
    np.testing.assert_allclose(ours[0], ref[0], rtol=1e-12)  # the same alpha grid
    assert ours[1].shape == ref[1].shape
    np.testing.assert_allclose(ours[1], ref[1], atol=1e-9)
    alphas, coefs, gaps, n_iter = lasso_path(X, y, alphas=[1.0, 0.1], return_n_iter=True)
    assert coefs.shape == (8, 2) and len(n_iter) == 2


@pytest.mark.parametrize("scoring", [None, "neg_mean_squared_error"])  # stores squared errors / predictions
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_weighted_leave_one_out_matches_scikit_learn(fit_intercept, scoring):
    X, y = _data(seed=4, n=100, p=5)
    w = np.random.default_rng(5).uniform(0.2, 3.0, 100)
    alphas = [0.01, 0.1, 1.0, 10.0]
    kw = dict(fit_intercept=fit_intercept, scoring=scoring, store_cv_results=True)
    ours = RidgeCV(alphas, device="cpu", **kw).fit(X, y, sample_weight=w)
    ref = sk.RidgeCV(alphas, **kw).fit(X, y, sample_weight=w)
    assert ours.alpha_ == ref.alpha_
    # Whitened leave-one-out residuals, as scikit-learn's _RidgeGCV: measured 1e-13.
    np.testing.assert_allclose(ours.cv_results_, ref.cv_results_, rtol=1e-9)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-10)


@pytest.mark.parametrize("alpha_per_target", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ridge_cv_on_several_targets_matches_scikit_learn(alpha_per_target, fit_intercept):
    X, y = _data(seed=6, n=120, p=5)
    rng = np.random.default_rng(7)
    # Three targets that want different amounts of shrinkage: a clean one, a noisy one, pure noise.
    Y = np.column_stack([y, y + 5 * rng.standard_normal(len(y)), rng.standard_normal(len(y))])
    w = rng.uniform(0.5, 2.0, len(y))
    alphas = [1e-3, 0.1, 1.0, 10.0, 100.0, 1e4]
    kw = dict(fit_intercept=fit_intercept, store_cv_results=True, alpha_per_target=alpha_per_target)
    ours = RidgeCV(alphas, device="cpu", **kw).fit(X, Y, sample_weight=w)
    ref = sk.RidgeCV(alphas, **kw).fit(X, Y, sample_weight=w)
    np.testing.assert_array_equal(ours.alpha_, ref.alpha_)
    if alpha_per_target:
        assert len(set(np.atleast_1d(ours.alpha_))) > 1  # the targets did choose differently
    np.testing.assert_allclose(ours.best_score_, ref.best_score_, rtol=1e-9)
    assert ours.coef_.shape == ref.coef_.shape == (3, 5)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-10, atol=1e-12)
    assert ours.cv_results_.shape == ref.cv_results_.shape == (120, 3, 6)
    np.testing.assert_allclose(ours.cv_results_, ref.cv_results_, rtol=1e-8)  # exact leave-one-out, whitened
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-10, atol=1e-10)


def test_ridge_cv_k_fold_on_several_targets_matches_scikit_learn():
    X, y = _data(seed=8, n=150, p=4)
    Y = np.column_stack([y, 3 * y + np.random.default_rng(9).standard_normal(len(y))])
    alphas = [0.01, 1.0, 100.0]
    for scoring in (None, "neg_mean_squared_error"):  # R² and MSE, each averaged over the targets
        ours = RidgeCV(alphas, cv=5, scoring=scoring, device="cpu").fit(X, Y)
        ref = sk.RidgeCV(alphas, cv=5, scoring=scoring).fit(X, Y)
        assert ours.alpha_ == ref.alpha_
        assert ours.best_score_ == pytest.approx(ref.best_score_, rel=1e-10)
        np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-10)
    with pytest.raises(ValueError, match="alpha_per_target=True are incompatible"):
        RidgeCV(alphas, cv=5, alpha_per_target=True, device="cpu").fit(X, Y)


def _near_tie_ridge():
    """Noisy y and α ≈ 1e-9 beside eigenvalues ≈ 50: the leave-one-out (and K-fold) errors at the three
    alphas differ by ~1e-11 relative, far above their rounding (~1e-15) and below any 1e-9 'tie' window."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 3))
    return X, X @ [1.0, 2.0, 0.0] + rng.standard_normal(50), [1e-9, 2e-9, 3e-9]


@pytest.mark.parametrize("order", [1, -1])
@pytest.mark.parametrize("cv", [None, 5])
def test_ridgecv_chooses_alpha_as_scikit_learn_on_a_near_tie(cv, order):
    """scikit-learn's rule: the first alpha (in the order given) of the strictly best score, and
    best_score_ is that score. A real difference of 1e-11 relative is not a tie."""
    X, y, alphas = _near_tie_ridge()
    alphas = alphas[::order]
    ours = RidgeCV(alphas, cv=cv, device="cpu").fit(X, y)
    ref = sk.RidgeCV(alphas, cv=cv).fit(X, y)
    assert ours.alpha_ == ref.alpha_
    # the scores: LOO by the same algebra up to κ·u ≈ 1e-15 relative; R² fold means likewise, with margin
    assert ours.best_score_ == pytest.approx(ref.best_score_, rel=1e-13)


def test_ridgecv_exact_tie_goes_to_the_first_alpha_given():
    """A constant y: every alpha's leave-one-out errors are exactly 0; scikit-learn keeps the first."""
    X = np.random.default_rng(1).standard_normal((30, 2))
    y = np.ones(30)
    for alphas in ([1.0, 0.1, 10.0], [10.0, 1.0, 0.1]):
        ours, ref = RidgeCV(alphas, device="cpu").fit(X, y), sk.RidgeCV(alphas).fit(X, y)
        assert ours.alpha_ == ref.alpha_ == alphas[0] and ours.best_score_ == ref.best_score_ == 0


def _symmetric_near_tie():
    """Training rows with orthogonal, zero-mean ±1 columns (a Hadamard matrix's): there the lasso is an
    exact soft threshold, w(α) = c − α·sign(c), found to rounding by coordinate descent here and in
    scikit-learn, and the held-out error is exactly quadratic in α about its minimum α* (test rows whose
    slopes are 0.8× the training ones, so shrinking helps). At α* + d(1 + ε) and α* − d it differs by
    2ε·C·d² ≈ 3e-10 relative: a real difference, 1e5× the rounding, inside a 1e-9 'tie' window."""
    from scipy.linalg import hadamard

    rng = np.random.default_rng(2)
    w = np.array([3.0, -2.0, 1.0, 0.5])
    Xtr, Xte = hadamard(16)[:, 1:5].astype(float), rng.standard_normal((10, 4))
    y = np.concatenate([Xtr @ w, Xte @ (0.8 * w)]) + 0.1 * rng.standard_normal(26)
    c = Xtr.T @ (y[:16] - y[:16].mean()) / 16  # the least-squares slopes on the training rows
    s, r0 = Xte @ np.sign(c), y[16:] - y[:16].mean() - Xte @ c
    best = -(r0 @ s) / (s @ s)  # α* > 0 for this seed; every slope stays active near it
    d, eps = 1e-3, 5e-6
    return np.vstack([Xtr, Xte]), y, [(np.arange(16), np.arange(16, 26))], [best + d * (1 + eps), best - d]


@pytest.mark.parametrize("name", ["LassoCV", "ElasticNetCV"])
def test_lasso_and_enet_cv_choose_alpha_as_scikit_learn_on_a_near_tie(name):
    """scikit-learn's LinearModelCV: alphas sorted decreasing, np.argmin of the mean error (the first on an
    exact tie), the first l1_ratio on a tie between l1 ratios (here a repeated one: exactly equal errors)."""
    import linreg.models as ours_models

    X, y, cv, alphas = _symmetric_near_tie()
    kw = {"l1_ratio": [1.0, 1.0]} if name == "ElasticNetCV" else {}
    ours = getattr(ours_models, name)(alphas=alphas, cv=cv, tol=1e-12, device="cpu", **kw).fit(X, y)
    ref = getattr(sk, name)(alphas=alphas, cv=cv, tol=1e-12, **kw).fit(X, y)
    assert ours.alpha_ == ref.alpha_ == min(alphas)  # the real minimum, not the first α of a window
    # per-fold errors: exact soft thresholds, ~1e-14 relative apart, against differences of 3e-10
    # (one split: scikit-learn squeezes the fold axis away, linreg keeps it)
    np.testing.assert_allclose(ours.mse_path_.ravel(), ref.mse_path_.ravel(), rtol=1e-12)
    spread = np.ptp(ref.mse_path_) / np.min(ref.mse_path_)
    assert 1e-11 < spread < 1e-9  # the construction holds: a near tie, inside the old window


def _median_abs(est, X, y):  # a plain callable scorer, as scikit-learn accepts
    return -float(np.median(np.abs(est.predict(X) - y)))


SCORERS = {
    "r2": "r2",
    "neg_mean_absolute_error": "neg_mean_absolute_error",
    "explained_variance": "explained_variance",
    "make_scorer(max_error)": make_scorer(max_error, greater_is_better=False),
    "callable": _median_abs,
}


@pytest.mark.parametrize("cv", [None, 5], ids=["leave-one-out", "5-fold"])
@pytest.mark.parametrize("scoring", list(SCORERS))
def test_ridge_cv_takes_every_scikit_learn_scorer(cv, scoring):
    # Leave-one-out: the scorer sees the exact leave-one-out predictions of all rows at once; K-fold:
    # each fold's held-out predictions, averaged over the folds (GridSearchCV's mean_test_score).
    X, y = _data(seed=11, n=120, p=6)
    alphas = [1e-3, 0.1, 1.0, 10.0, 100.0]
    ours = RidgeCV(alphas, cv=cv, scoring=SCORERS[scoring], device="cpu").fit(X, y)
    ref = sk.RidgeCV(alphas, cv=cv, scoring=SCORERS[scoring]).fit(X, y)
    assert ours.alpha_ == ref.alpha_
    assert ours.best_score_ == pytest.approx(ref.best_score_, rel=1e-10)  # measured 1e-15: rounding only
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-10)


@pytest.mark.parametrize("alpha_per_target", [False, True])
def test_ridge_cv_scores_several_targets_with_a_scorer(alpha_per_target):
    X, y = _data(seed=12, n=120, p=5)
    rng = np.random.default_rng(13)
    Y = np.column_stack([y, y + 5 * rng.standard_normal(len(y)), rng.standard_normal(len(y))])
    alphas = [1e-3, 0.1, 1.0, 10.0, 100.0, 1e4]
    kw = dict(scoring="r2", alpha_per_target=alpha_per_target, store_cv_results=True)
    ours = RidgeCV(alphas, device="cpu", **kw).fit(X, Y)
    ref = sk.RidgeCV(alphas, **kw).fit(X, Y)
    np.testing.assert_array_equal(ours.alpha_, ref.alpha_)
    np.testing.assert_allclose(ours.best_score_, ref.best_score_, rtol=1e-10)
    np.testing.assert_allclose(ours.cv_results_, ref.cv_results_, rtol=1e-9)  # the predictions, stored


def test_ridge_cv_refuses_an_unknown_scorer_name_as_scikit_learn_does():
    X, y = _data(seed=14, n=60, p=3)
    with pytest.raises(ValueError, match="scoring"):
        RidgeCV(scoring="no_such_scorer", device="cpu").fit(X, y)


@pytest.mark.parametrize(
    "ours, theirs, kw",
    [
        (LassoCV, sk.LassoCV, {"tol": 1e-12, "max_iter": 100_000}),
        (ElasticNetCV, sk.ElasticNetCV, {"l1_ratio": [0.3, 0.8], "tol": 1e-12, "max_iter": 100_000}),
        (RidgeCV, sk.RidgeCV, {"alphas": [0.01, 0.1, 1.0, 10.0]}),
    ],
    ids=["LassoCV", "ElasticNetCV", "RidgeCV"],
)
def test_groups_reach_the_splitter_as_scikit_learns_metadata_routing_sends_them(ours, theirs, kw):
    import sklearn
    from sklearn.model_selection import GroupKFold

    X, y = _data(seed=15, n=120, p=5)
    groups = np.repeat(np.arange(6), 20)
    # Without routing enabled, an extra fit parameter is scikit-learn's own error, word for word.
    with pytest.raises(ValueError, match="only supported if enable_metadata_routing=True"):
        ours(cv=GroupKFold(3), device="cpu", **kw).fit(X, y, groups=groups)
    with sklearn.config_context(enable_metadata_routing=True):
        mine = ours(cv=GroupKFold(3), device="cpu", **kw).fit(X, y, groups=groups)
        ref = theirs(cv=GroupKFold(3), **kw).fit(X, y, groups=groups)
    assert mine.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)  # the same folds, so the same grid choice
    # Both solved to tol 1e-12 (duality gap, scikit-learn's scaling): the same optimum to ~1e-9.
    np.testing.assert_allclose(mine.coef_, ref.coef_, atol=1e-8)


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"alphas": [0.0]}, r"^alphas == 0.0, must be > 0.0.$"),
        ({"alphas": [0.1, 0.0]}, r"^alphas\[1\] == 0.0, must be > 0.0.$"),
        ({"store_cv_results": True, "cv": 3}, r"^cv!=None and store_cv_results=True are incompatible$"),
    ],
)
def test_ridge_cv_refuses_what_scikit_learn_refuses_in_its_words(kw, message):
    X, y = _data(seed=16, n=30, p=3)
    for make in (lambda: RidgeCV(device="cpu", **kw), lambda: sk.RidgeCV(**kw)):
        with pytest.raises(ValueError, match=message):
            make().fit(X, y)
    assert RidgeCV(alphas=[0.0, 1.0], cv=3, device="cpu").fit(X, y).alpha_ in (0.0, 1.0)  # K folds allow 0


def _sparse_data(seed=17, n=200, p=8):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    X[rng.random(X.shape) < 0.6] = 0.0
    return X, X @ rng.standard_normal(p) + rng.standard_normal(n) + 3.0, rng.uniform(0.5, 2.0, n)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize(
    "ours, theirs, kw",
    [
        (LassoCV, sk.LassoCV, {"cv": 5, "tol": 1e-12, "max_iter": 100_000}),
        (ElasticNetCV, sk.ElasticNetCV, {"cv": 5, "l1_ratio": [0.3, 0.9], "tol": 1e-12, "max_iter": 100_000}),
        (RidgeCV, sk.RidgeCV, {"alphas": [0.01, 0.1, 1.0, 10.0]}),
        (RidgeCV, sk.RidgeCV, {"alphas": [0.01, 0.1, 1.0, 10.0], "cv": 5}),
        (RidgeCV, sk.RidgeCV, {"alphas": [0.01, 0.1, 1.0, 10.0], "cv": 5, "scoring": "neg_mean_absolute_error"}),
    ],
    ids=["LassoCV", "ElasticNetCV", "RidgeCV-loo", "RidgeCV-5fold", "RidgeCV-5fold-scorer"],
)
def test_cv_estimators_take_sparse_x_and_match_the_dense_fit(ours, theirs, kw, fmt):
    import scipy.sparse as sp

    X, y, w = _sparse_data()
    Xs = sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X)
    for weights in (None, w):
        got = ours(device="cpu", **kw).fit(Xs, y, sample_weight=weights)
        dense = ours(device="cpu", **kw).fit(X, y, sample_weight=weights)
        # scikit-learn on the dense rows: its sparse RidgeCV K-fold solves by sparse_cg to 1e-4 only.
        ref = theirs(**kw).fit(X, y, sample_weight=weights)
        assert got.alpha_ == pytest.approx(dense.alpha_, rel=1e-12)  # the grid from sparse statistics: rounding
        assert got.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
        np.testing.assert_allclose(got.coef_, dense.coef_, atol=1e-12)  # the same statistics to rounding
        np.testing.assert_allclose(got.coef_, ref.coef_, atol=1e-9)
        assert got.intercept_ == pytest.approx(ref.intercept_, abs=1e-9)


@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("fmt", [None, "csr", "csc"])
def test_path_functions_take_sparse_x_and_positive_as_scikit_learn(fmt, positive):
    import scipy.sparse as sp

    X, y, _ = _sparse_data(seed=18, n=60, p=5)
    Xin = X if fmt is None else (sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X))
    for ours, theirs, kw in [(lasso_path, sk.lasso_path, {}), (enet_path, sk.enet_path, {"l1_ratio": 0.5})]:
        a, c, _ = ours(Xin, y, positive=positive, tol=1e-12, **kw)
        ra, rc, _ = theirs(Xin, y, positive=positive, tol=1e-14, max_iter=100_000, **kw)
        # The same grid (alpha_max is max(0, max Xᵀy) / (n ρ) with positive), the same optimum to ~1e-12.
        np.testing.assert_allclose(a, ra, rtol=1e-12)
        np.testing.assert_allclose(c, rc, atol=1e-9)


def test_path_functions_refuse_what_they_cannot_honour():
    X, y = _data(seed=19, n=50, p=4)
    with pytest.raises(ValueError, match="Unexpected parameters in params"):  # scikit-learn's own error
        lasso_path(X, y, normalize=True)
    with pytest.raises(ValueError, match="sample_weight is not supported by linreg's lasso_path"):
        enet_path(X, y, sample_weight=np.ones(50))
    lasso_path(X, y, precompute=True, copy_X=False, check_input=True, selection="cyclic")  # no-ops, accepted


@pytest.mark.parametrize(
    "alphas, error",
    [((1, -1, -100), ValueError), ((-0.1, -1.0, -10.0), ValueError), ((1, 1.0, "1"), TypeError)],
    ids=["negative int", "negative float", "a string"],
)
@pytest.mark.parametrize("ours, theirs", [(RidgeCV, sk.RidgeCV), (LassoCV, sk.LassoCV)], ids=["RidgeCV", "LassoCV"])
def test_bad_alphas_get_scikit_learns_exception_and_words(ours, theirs, alphas, error):
    X, y = _data(seed=20, n=40, p=3)
    with pytest.raises(error) as want:
        theirs(alphas=alphas).fit(X, y)
    with pytest.raises(error) as got:
        ours(alphas=alphas, device="cpu").fit(X, y)
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize("alphas", [None, [0.01, 0.1]], ids=["grid", "given"])
@pytest.mark.parametrize("l1_ratio", [0.5, [0.5, 0.7]], ids=["one ratio", "two ratios"])
def test_elastic_net_cv_attribute_shapes_are_scikit_learns(alphas, l1_ratio):
    X, y = _data(seed=21, n=60, p=4)
    kw = {"l1_ratio": l1_ratio, "cv": 3, **({} if alphas is None else {"alphas": alphas})}
    ours, ref = ElasticNetCV(device="cpu", **kw).fit(X, y), sk.ElasticNetCV(**kw).fit(X, y)
    assert np.shape(ours.alphas_) == np.shape(ref.alphas_)  # one grid when it is shared: (n_alphas,)
    assert np.shape(ours.mse_path_) == np.shape(ref.mse_path_)


def _loo_by_refitting(X, y, alphas, fit_intercept, sw=None):
    """The leave-one-out predictions by n refits of scikit-learn's Ridge(svd): the definition itself."""
    out = np.empty((len(y), len(alphas)))
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        for k, a in enumerate(alphas):
            fit = sk.Ridge(alpha=a, solver="svd", fit_intercept=fit_intercept)
            fit.fit(X[keep], y[keep], sample_weight=None if sw is None else sw[keep])
            out[i, k] = fit.predict(X[i : i + 1])[0]
    return out


@pytest.mark.parametrize("shape", [(10, 50), (11, 10)], ids=["wide", "n = p + 1"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_wide_leave_one_out_is_exact_near_interpolation(fit_intercept, weighted, shape):
    # n < p at α down to 1e-5: h → 1, where 1 − h from G's leverages kept 6 digits (scikit-learn's
    # test_ridge_cv_results_predictions failed at 1.07e-6). The SVD of the rows: measured 1e-13 with an
    # intercept, 6e-9 without (there the 9-row refits are that ill-conditioned: scikit-learn's own
    # leave-one-out is 3e-9 off the mpmath answer).
    # n = p + 1 with an intercept interpolates too (the centred rows have rank n − 1): 1.5e-8 on
    # the leverage route, 7e-14 on the SVD's. Without an intercept it is a tall design, checked as one.
    n, p = shape
    rng = np.random.default_rng(11)
    X = rng.standard_normal((n, p)) * 3 + 1
    y = X[:, :5] @ rng.standard_normal(5) * 40 + rng.standard_normal(n)
    sw = np.where(np.arange(n) % 2 == 0, 0.5, 1.0) if weighted else None
    alphas = np.logspace(-5, 7, 5)
    kw = dict(fit_intercept=fit_intercept, store_cv_results=True)
    ours = RidgeCV(alphas, scoring="neg_mean_squared_error", device="cpu", **kw).fit(X, y, sample_weight=sw)
    truth = _loo_by_refitting(X, y, alphas, fit_intercept, sw)
    np.testing.assert_allclose(ours.cv_results_, truth, rtol=1e-11 if fit_intercept else 1e-7)
    # The squared-error form (whitened, as scikit-learn stores it) is the refits' too, and the
    # chosen alpha is scikit-learn's (whose own errors are 2.5e-7 off at 10 × 50, 1.5e-5 at 11 × 10).
    mse = RidgeCV(alphas, device="cpu", **kw).fit(X, y, sample_weight=sw)
    weight = np.ones(n) if sw is None else sw
    squared = weight[:, None] * (y[:, None] - truth) ** 2
    np.testing.assert_allclose(mse.cv_results_, squared, rtol=1e-10 if fit_intercept else 1e-6)
    assert mse.alpha_ == sk.RidgeCV(alphas, **kw).fit(X, y, sample_weight=sw).alpha_


@pytest.mark.parametrize("cv", [3, None])
def test_elastic_net_cv_at_l1_ratio_zero_is_exact_ridge(cv):
    # ρ = 0 is ridge at n·α: solved in closed form, where scikit-learn runs coordinate descent.
    X, y = _data(seed=12, n=90, p=6)
    alphas = [0.01, 0.3, 10.0]
    folds = KFold(3) if cv is None else cv
    ours = ElasticNetCV(l1_ratio=0, alphas=alphas, cv=folds, device="cpu").fit(X, y)
    ref = sk.ElasticNetCV(l1_ratio=0, alphas=alphas, cv=folds, tol=1e-14, max_iter=10**6).fit(X, y)
    assert ours.alpha_ == ref.alpha_ and ours.l1_ratio_ == 0.0
    np.testing.assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-9)
    exact = sk.Ridge(alpha=ours.alpha_ * len(y)).fit(X, y)  # the objective's own closed form
    np.testing.assert_allclose(ours.coef_, exact.coef_, rtol=1e-12)
    np.testing.assert_allclose(ours.intercept_, exact.intercept_, rtol=1e-12)
    assert (ours.dual_gap_, ours.n_iter_) == (0.0, 0)
    # Chosen among ratios, and refused where it has no closed form.
    mixed = ElasticNetCV(l1_ratio=[0, 0.5], alphas=alphas, cv=folds, device="cpu").fit(X, y)
    assert mixed.mse_path_.shape == (2, 3, 3)
    with pytest.raises(ValueError, match="positive=True"):
        ElasticNetCV(l1_ratio=0, alphas=alphas, positive=True, device="cpu").fit(X, y)


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize(
    "ours, theirs, kw", [(enet_path, sk.enet_path, {"l1_ratio": 0.5}), (lasso_path, sk.lasso_path, {})]
)
def test_path_functions_on_several_targets_solve_scikit_learns_multi_task_problem(ours, theirs, kw, fmt):
    rng = np.random.default_rng(13)
    X = rng.standard_normal((50, 20)) + 0.5
    W = rng.standard_normal((20, 2)) * (rng.random((20, 1)) < 0.4)  # rows in or out for both targets
    Y = X @ W + 0.1 * rng.standard_normal((50, 2))
    a, coefs, gaps = ours(sparse.csr_matrix(X) if fmt == "csr" else X, Y, tol=1e-12, **kw)
    ra, rcoefs, _ = theirs(X, Y, tol=1e-12, max_iter=100_000, **kw)
    # The same grid, max_j ‖(XᵀY)_j‖ / (nρ) down to 1e-3 of it, with XᵀY from another BLAS (another
    # summation order): a dot product of n terms agrees to n·u·Σ|x·y| / |Σ x·y| (Higham, §3.1); the
    # norm and the geometric grid add a few roundings each, so 4 more u.
    u, n = np.finfo(float).eps / 2, len(Y)
    spread = (np.abs(X).T @ np.abs(Y)) / np.abs(X.T @ Y)  # 1 for a dot product without cancellation
    np.testing.assert_allclose(a, ra, rtol=(n * spread.max() + 4) * u, atol=0)
    assert coefs.shape == rcoefs.shape == (2, 20, 100)
    # Both converged to a gap of 1e-12 ‖Y‖²: measured 4e-11 apart.
    np.testing.assert_allclose(coefs, rcoefs, atol=1e-9 * np.abs(rcoefs).max())
    # Some features are out at the smallest alpha (the group penalty at work), as in scikit-learn's.
    assert ((coefs[:, :, -1] == 0).all(axis=0) == (rcoefs[:, :, -1] == 0).all(axis=0)).all()
    # A warm start from the last coefficients has nothing left to do.
    _, _, _, n_iter = ours(X, Y, alphas=a[-1:], coef_init=coefs[:, :, -1], tol=1e-12, return_n_iter=True, **kw)
    assert n_iter.tolist() == [0]
    with pytest.raises(ValueError, match="positive=True is not allowed for multi-output"):
        ours(X, Y, positive=True, **kw)


def test_multi_task_path_meets_a_tight_tolerance_and_refuses_what_scikit_learn_refuses():
    # A zero column and a duplicated one, tol 1e-14: the running GW used to drift from the gap's
    # own and stall for all max_iter sweeps; scikit-learn needs 3,680 sweeps here.
    rng = np.random.default_rng(14)
    X = rng.standard_normal((30, 8))
    X[:, 3], X[:, 5] = 0.0, X[:, 4]
    Y = X @ rng.standard_normal((8, 2)) + 0.1 * rng.standard_normal((30, 2))
    _, coefs, gaps, n_iter = enet_path(X, Y, alphas=[0.01], tol=1e-14, max_iter=100_000, return_n_iter=True)
    assert n_iter[0] < 100_000 and gaps[0] * len(Y) <= 1e-14 * (Y**2).sum()
    ref = sk.MultiTaskElasticNet(alpha=0.01, fit_intercept=False, tol=1e-14, max_iter=100_000).fit(X, Y)
    np.testing.assert_allclose(coefs[:, :, 0], ref.coef_, atol=1e-10)
    with pytest.raises(ValueError, match="Automatic alpha grid generation is not supported for l1_ratio=0"):
        enet_path(X, Y, l1_ratio=0)
    with pytest.raises(ValueError, match=r"need \(n_targets, n_features\) = \(2, 8\)"):
        enet_path(X, Y, alphas=[0.1], coef_init=np.zeros((8, 2)))


@pytest.mark.parametrize("targets", [1, 2])
def test_path_functions_warn_when_an_alpha_runs_out_of_sweeps_as_scikit_learns_do(targets):
    # Correlated columns: one sweep cannot meet tol, for scikit-learn's solver or ours.
    rng = np.random.default_rng(15)
    Z = rng.standard_normal((60, 1))
    X = Z + 0.3 * rng.standard_normal((60, 6))
    y = X @ rng.standard_normal((6, targets)) + 0.1 * rng.standard_normal((60, targets))
    y = y[:, 0] if targets == 1 else y
    alphas = [1e-1, 1e-4]
    for ours, theirs in [(enet_path, sk.enet_path), (lasso_path, sk.lasso_path)]:
        with pytest.warns(ConvergenceWarning) as theirs_warned:
            theirs(X, y, alphas=alphas, max_iter=1, tol=1e-10)
        with pytest.warns(ConvergenceWarning, match=r"did not converge at [12] of 2 alphas.*max_iter") as warned:
            *_, n_iter = ours(X, y, alphas=alphas, max_iter=1, tol=1e-10, return_n_iter=True)
        assert len(theirs_warned) >= 1 and len(warned) == 1  # one warning, naming every alpha that missed
        assert n_iter.max() == 1
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)  # enough sweeps: silent, as scikit-learn
            ours(X, y, alphas=alphas, max_iter=10_000, tol=1e-10)
            theirs(X, y, alphas=alphas, max_iter=10_000, tol=1e-10)
