"""Lasso and elastic net against scikit-learn and statsmodels; paths and selection."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
import torch
from sklearn import linear_model as sk

from linreg.models import ElasticNet, Lasso
from linreg.models._enet import _polish, alpha_max, cd_gram, duality_gap
from linreg.models._paths import enet_alpha_grid, enet_path_from_stats, ridge_alpha_grid, ridge_path, select_alpha
from linreg.models.stats import compute_stats

from ..oracles import DEVICES, regression_data

TIGHT = dict(tol=1e-14, max_iter=100_000)


def stats_of(X, y, device="cpu"):
    return compute_stats(X, y, dtype=torch.float64, device=torch.device(device))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("solver", ["cd", "fista"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.1])
@pytest.mark.parametrize("alpha", [0.01, 0.1, 0.5])
def test_enet_matches_sklearn(device, solver, l1_ratio, alpha):
    X, y, _ = regression_data(sparse=True, offset=1.0)
    ours = ElasticNet(alpha, l1_ratio=l1_ratio, solver=solver, device=device, **TIGHT).fit(X, y)
    ref = sk.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, **TIGHT).fit(X, y)
    # Both converged to a duality gap ≤ 1e-14·‖y_c‖²: coefficients agree far below 1e-6.
    assert ours.converged_
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-6 * np.abs(ref.coef_).max())
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-6)
    np.testing.assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)  # the same support


def test_lasso_is_enet_with_l1_ratio_one():
    X, y, _ = regression_data(sparse=True)
    np.testing.assert_array_equal(
        Lasso(0.1, device="cpu").fit(X, y).coef_, ElasticNet(0.1, l1_ratio=1.0, device="cpu").fit(X, y).coef_
    )
    ref = sk.Lasso(0.1, **TIGHT).fit(X, y)
    np.testing.assert_allclose(Lasso(0.1, device="cpu", **TIGHT).fit(X, y).coef_, ref.coef_, atol=1e-9)


def test_enet_matches_statsmodels_fit_regularized():
    """statsmodels' elastic_net minimizes 0.5·RSS/n + α((1 − L1_wt)‖b‖²/2 + L1_wt‖b‖₁): exactly
    sklearn's scaling with l1_ratio = L1_wt, but it penalizes a constant column, so compare
    without an intercept on centered data. Its own tolerance (cnvrg_tol 1e-7) limits agreement."""
    X, y, _ = regression_data(sparse=True)
    Xc, yc = X - X.mean(0), y - y.mean()
    ref = sm.OLS(yc, Xc).fit_regularized(method="elastic_net", alpha=0.05, L1_wt=0.7, cnvrg_tol=1e-12, maxiter=1000)
    ours = ElasticNet(0.05, l1_ratio=0.7, fit_intercept=False, device="cpu", **TIGHT).fit(Xc, yc)
    np.testing.assert_allclose(ours.coef_, ref.params, atol=1e-6)


def test_alpha_max_zeroes_everything_and_just_below_does_not():
    X, y, _ = regression_data(sparse=True)
    st = stats_of(X, y)
    top = alpha_max(st.xty, st.n, 1.0)
    assert np.all(Lasso(top, device="cpu").fit(X, y).coef_ == 0)
    assert np.all(Lasso(1e6, device="cpu").fit(X, y).coef_ == 0)  # huge alpha: all zero
    assert np.count_nonzero(Lasso(top * 0.99, device="cpu", **TIGHT).fit(X, y).coef_) == 1


def test_duality_gap_is_zero_at_the_optimum_and_positive_elsewhere():
    X, y, _ = regression_data(sparse=True)
    st = stats_of(X, y)
    w = sk.Lasso(0.1, **TIGHT).fit(X, y).coef_
    G, c, yty = np.asarray(st.gram), np.asarray(st.xty), float(st.yty)  # NumPy or torch statistics
    l1 = st.n * 0.1
    assert abs(duality_gap(w, G, c, yty, l1, 0.0)) < 1e-8 * yty
    assert duality_gap(w * 0.9, G, c, yty, l1, 0.0) > 1e-3


@pytest.mark.parametrize("device", DEVICES)
def test_paths_cd_and_fista_agree_and_match_sklearn_enet_path(device):
    X, y, _ = regression_data(sparse=True)
    st = stats_of(X, y, device)
    alphas = enet_alpha_grid(st, 0.5, 10, 1e-3)
    cd = enet_path_from_stats(st, alphas, 0.5, solver="cd", tol=1e-14, max_iter=100_000)
    fista = enet_path_from_stats(st, alphas, 0.5, solver="fista", tol=1e-14, max_iter=100_000)
    Xc, yc = X - X.mean(0), y - y.mean()
    _, ref, _ = sk.enet_path(Xc, yc, l1_ratio=0.5, alphas=alphas, tol=1e-14, max_iter=100_000)
    np.testing.assert_allclose(np.asarray(cd.coefs), ref.T, atol=1e-8)
    np.testing.assert_allclose(np.asarray(fista.coefs), ref.T, atol=1e-8)
    assert cd.converged.all() and fista.converged.all()
    assert np.all(np.asarray(cd.coefs[0]) == 0)  # the grid starts at alpha_max


def test_ridge_path_matches_single_fits():
    X, y, _ = regression_data()
    st = stats_of(X, y)
    alphas = ridge_alpha_grid(st, 5, 1e-4)
    path = ridge_path(st, alphas)
    for alpha, coef in zip(alphas, path.coefs):
        np.testing.assert_allclose(np.asarray(coef), sk.Ridge(alpha).fit(X, y).coef_, rtol=1e-10, atol=1e-14)


def test_selection_minimum_and_one_standard_error_rule():
    X, y, _ = regression_data(n=600, sparse=True, noise=2.0)
    st = stats_of(X[:400], y[:400])
    path = enet_path_from_stats(st, enet_alpha_grid(st, 1.0, 30, 1e-3), 1.0, solver="cd", tol=1e-10, max_iter=10_000)
    sel = select_alpha(path, stats_of(X[400:], y[400:]), X[400:], y[400:])
    pred = X[400:] @ np.asarray(path.coefs).T + np.asarray(path.intercepts)
    sq = (y[400:, None] - pred) ** 2
    np.testing.assert_allclose(sel.mse, sq.mean(0), rtol=1e-10)  # statistics vs rows: rounding only
    assert sel.se_best == pytest.approx(sq[:, sel.best].std(ddof=1) / np.sqrt(200), rel=1e-12)
    assert sel.mse[sel.best] == sel.mse.min()
    assert sel.one_se <= sel.best  # a larger (or equal) alpha: alphas decrease along the path
    threshold = sel.mse[sel.best] + sel.se_best
    assert sel.mse[sel.one_se] <= threshold
    assert sel.one_se == 0 or sel.mse[: sel.one_se].min() > threshold


def test_cd_polish_reaches_the_same_optimum_in_fewer_sweeps():
    X, y, _ = regression_data(sparse=True)
    st = stats_of(X, y)
    g, c, yy = np.asarray(st.gram), np.asarray(st.xty), float(st.yty)
    res = cd_gram(g, c, yy, st.n * 0.05, 0.0, np.zeros(8), 1e-14, 100_000)
    ref = sk.Lasso(0.05, **TIGHT).fit(X, y)
    np.testing.assert_allclose(np.asarray(res.coef), ref.coef_, atol=1e-10)
    assert res.converged and res.n_iter < ref.n_iter_


def test_a_polish_with_other_signs_steps_to_the_first_zero_and_lowers_the_objective():
    # On the face sign(w_A) = s the lasso objective is a convex quadratic whose minimum is the KKT
    # solution u; where u's signs differ, coordinate descent moves from w toward u until the first
    # coefficient reaches zero. s: the diabetes lasso's (α = 0.1) first stable pattern, whose u has
    # other signs; w: a point on that face.
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    Xc, yc = X - X.mean(0), y - y.mean()
    G, c, l1 = Xc.T @ Xc, Xc.T @ yc, len(y) * 0.1
    s = np.array([0.0, -1, 1, 1, -1, -1, -1, 1, 1, 1])
    w = 10.0 * s
    polished, step, q_step, guess = _polish(G, c, l1, 0.0, s, w, c - G @ w)
    assert polished is None and step is not None
    A = s != 0
    u = np.zeros(10)
    u[A] = np.linalg.solve(G[np.ix_(A, A)], c[A] - l1 * s[A])
    assert not np.array_equal(np.sign(u), s)
    assert np.array_equal(guess == 0, (s == 0) | (np.sign(u) != s))  # every disagreeing coefficient dropped
    # One coefficient fewer; the others keep their signs (so none reached zero sooner).
    assert np.count_nonzero(step) == np.count_nonzero(w) - 1
    assert np.array_equal(np.sign(step[step != 0]), s[step != 0])
    # On the segment from w to u: step − w = t (u − w) with 0 < t < 1, to the rounding of a few
    # operations on numbers of w's size (1e-12 of max|w| + max|u| is many ulps).
    t = float(np.linalg.norm(step - w) / np.linalg.norm(u - w))
    assert 0 < t < 1
    assert np.abs(step - w - t * (u - w)).max() <= 1e-12 * (np.abs(w).max() + np.abs(u).max())
    # The objective, from X itself (not the statistics the step used), falls; q = c − G·step comes back.
    F = lambda v: 0.5 * np.sum((yc - Xc @ v) ** 2) + l1 * np.abs(v).sum()  # noqa: E731
    assert F(step) < F(w)
    assert np.abs(q_step - (c - G @ step)).max() <= 1e-12 * np.abs(c).max()
