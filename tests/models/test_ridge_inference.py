"""Ridge's analytic covariance from the statistics (``linreg.models.inference.ridge_covariance``)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from linreg.models.inference import RegressionResults, ridge_covariance
from linreg.models.stats import compute_stats

from ..oracles import regression_data


def _heteroskedastic(seed: int = 3, n: int = 300):
    # Heteroskedastic noise and feature offsets, so the intercept's SE is not trivial.
    X, y, _ = regression_data(n=n, p=6, offset=5.0, seed=seed)
    return X, y + np.abs(X[:, 0] - 5.0) * np.random.default_rng(0).standard_normal(n)


def _stats(X, y):
    return compute_stats(X, y, dtype=torch.float64, device=torch.device("cpu"))


def test_ridge_covariance_reduces_to_ols_at_alpha_zero():
    X, y = _heteroskedastic()
    ours = RegressionResults(X, y)  # OLS's standard errors, from its own QR factorization
    se, df, sigma2 = ridge_covariance(_stats(X, y), ours.params[1:], ours.params[0], 0.0)
    # Eigendecomposition of X_cᵀX_c (κ ≈ 3.5) against OLS's factorization of [1, X] (κ ≈ 125 with the offsets):
    # forward errors ≲ κ²·u ≈ 4e-12 relative, so 1e-9 is a stated 250× margin that still catches a wrong formula.
    np.testing.assert_allclose(se, ours.bse[1:], rtol=1e-9)
    assert df == pytest.approx(X.shape[1], rel=1e-12)  # Σ λ/λ over p positive eigenvalues: p up to rounding
    assert sigma2 == pytest.approx(ours.scale, rel=1e-12)  # RSS/(n − p − 1) from the same statistics


def test_ridge_covariance_shrinks_with_alpha():
    X, y = _heteroskedastic()
    ours = RegressionResults(X, y)
    se_small, df_small, _ = ridge_covariance(_stats(X, y), ours.params[1:], ours.params[0], 1.0)
    se_big, df_big, _ = ridge_covariance(_stats(X, y), ours.params[1:], ours.params[0], 1e4)
    assert df_big < df_small < X.shape[1]
    assert np.all(se_big < se_small)


def test_ridge_covariance_matches_the_sandwich_formula():
    # Var(ŵ) = σ² A G A with A = (G + αI)⁻¹, written directly in NumPy (no eigendecomposition).
    X, y = _heteroskedastic()
    alpha = 50.0
    Xc, yc = X - X.mean(0), y - y.mean()
    G = Xc.T @ Xc
    A = np.linalg.inv(G + alpha * np.eye(G.shape[0]))
    w = A @ Xc.T @ yc
    b = y.mean() - X.mean(0) @ w
    df_direct = np.trace(G @ A)
    sigma2_direct = np.sum((y - b - X @ w) ** 2) / (len(y) - df_direct - 1)
    se_direct = np.sqrt(sigma2_direct * np.diag(A @ G @ A))
    se, df, sigma2 = ridge_covariance(_stats(X, y), w, b, alpha)
    # κ(G + αI) ≤ κ(G) ≈ 3.5 here, so both routes agree to ≈ κ·u ≈ 1e-15; 1e-10 leaves room for the RSS formed
    # from the statistics (yᵀy − 2wᵀXᵀy + wᵀGw, cancelling to ≈ 1e-3 of yᵀy) against the residuals summed directly.
    np.testing.assert_allclose(se, se_direct, rtol=1e-10)
    assert df == pytest.approx(df_direct, rel=1e-12)
    assert sigma2 == pytest.approx(sigma2_direct, rel=1e-10)
