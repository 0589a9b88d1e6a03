"""Inference for ridge from the statistics: the analytic covariance of its coefficients at a fixed α.

OLS inference is ``RegressionResults`` (``linreg.models._results``), from the fit's exact factorization;
ridge's needs only the ``Stats`` the estimators already computed. Both are declared in
``linreg.models.inference``.
"""

from __future__ import annotations

import numpy as np

from linreg.models.stats import Stats


def _host(a) -> np.ndarray:
    """A statistic as a float64 NumPy array, wherever it was computed (NumPy, or a torch tensor on any device)."""
    return np.asarray(a.detach().cpu().numpy() if hasattr(a, "detach") else a, dtype=np.float64)


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
    lam, V = np.linalg.eigh(_host(st.gram))
    lam = np.clip(lam, 0.0, None)
    total = lam + alpha
    safe = np.where(total > 0, total, 1.0)
    shrink = np.where(total > 0, lam / safe, 0.0)  # λ/(λ + α)
    df = float(shrink.sum())
    sigma2 = float(_host(st.sse(np.asarray(coef, dtype=np.float64), float(intercept)))) / (st.n - df - 1)
    var = (V**2) @ np.where(lam > 0, shrink / safe, 0.0)  # diag(V diag(λ/(λ+α)²) Vᵀ)
    return np.sqrt(sigma2 * var), df, sigma2
