"""Inference for ridge from the statistics: the analytic covariance of its coefficients at a fixed α.

OLS inference is ``RegressionResults`` (``linreg.models.results``), from the fit's exact factorization;
ridge's needs only the ``Stats`` the estimators already computed. Both are declared in
``linreg.models.inference``.
"""

from __future__ import annotations

import numpy as np
import torch

from linreg.models.stats import Stats


def ridge_covariance(st: Stats, coef: np.ndarray, intercept: float, alpha: float) -> tuple[np.ndarray, float, float]:
    """Standard errors of ridge coefficients at a fixed α (scikit-learn's scaling), from the statistics.

    With G = X_cᵀX_c = VΛVᵀ (the statistics ``st`` of the training rows, float64) and
    A = (G + αI)⁻¹: Var(ŵ) = σ² A G A = σ² V diag(λ/(λ + α)²) Vᵀ, and σ̂² = RSS / (n − df − 1)
    with df = tr(G A) = Σ λ/(λ + α) the effective degrees of freedom, RSS from the statistics too
    (no pass over X beyond the one that formed them). This is the sampling variance *around a
    biased target*: ŵ ± 1.96·SE covers E[ŵ] (shrunk towards zero), not β, so it is not a
    confidence interval for β.

    Parameters
    ----------
    st : Stats
        Centred statistics of the training rows (``compute_stats(X, y, center=True)``).
    coef : ndarray of shape (p,)
        The ridge coefficients fitted at ``alpha``.
    intercept : float
        The fitted intercept.
    alpha : float
        The penalty, as ``Ridge(alpha=...)`` takes it: the objective is ‖y − Xw‖² + α‖w‖².

    Returns
    -------
    se : ndarray of shape (p,)
        Standard errors of the coefficients.
    df : float
        Effective degrees of freedom tr(G (G + αI)⁻¹).
    sigma2 : float
        The residual variance estimate σ̂².

    Examples
    --------
    At α = 0 these are OLS's standard errors:

    >>> import numpy as np
    >>> import torch
    >>> from linreg.models import LinearRegression
    >>> from linreg.models.inference import ridge_covariance
    >>> from linreg.models.stats import compute_stats
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 3))
    >>> y = X @ [1.0, 2.0, 0.0] + rng.standard_normal(50)
    >>> ols = LinearRegression(inference=True).fit(X, y)
    >>> st = compute_stats(X, y, dtype=torch.float64, device=torch.device("cpu"))
    >>> se, df, sigma2 = ridge_covariance(st, ols.coef_, ols.intercept_, alpha=0.0)
    >>> bool(np.allclose(se, ols.results_.bse[1:], rtol=1e-9)), round(df, 6)
    (True, 3.0)
    """
    st = st.to(torch.device("cpu"))
    lam, V = torch.linalg.eigh(st.gram)
    lam = lam.clamp(min=0.0)
    shrink = torch.where(lam + alpha > 0, lam / (lam + alpha), torch.zeros_like(lam))  # λ/(λ + α)
    df = float(shrink.sum())
    sigma2 = float(st.sse(torch.as_tensor(coef, dtype=torch.float64), float(intercept))) / (st.n - df - 1)
    var = (V**2) @ torch.where(lam > 0, shrink / (lam + alpha), torch.zeros_like(lam))  # diag(V diag(λ/(λ+α)²) Vᵀ)
    return np.sqrt(sigma2 * var.numpy()), df, sigma2
