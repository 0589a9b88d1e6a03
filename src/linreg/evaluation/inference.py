"""Statistical inference written from scratch: OLS (classical and HC3), ridge, bootstrap.

Everything is computed on the design with an intercept column, Z = [1, X], in
the features' original units, from a QR factorization Z = QR so that
(ZᵀZ)⁻¹ = R⁻¹R⁻ᵀ is formed without squaring the condition number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import torch
from scipy import stats

from linreg.models.closed_form import design_condition_number
from linreg.models.enet import solve_enet
from linreg.models.stats import compute_stats


@dataclass
class OLSInference:
    """Classical OLS inference, quantity by quantity as statsmodels' ``OLSResults`` names them.

    Assumes y = Zβ + ε with ε ~ N(0, σ²I) independent of Z. ``bse_hc3`` drops
    the equal-variance assumption (MacKinnon–White HC3); the rest rely on it.
    """

    X: np.ndarray  # (n, p) without the constant
    y: np.ndarray  # (n,)

    @cached_property
    def _qr(self):
        Z = np.column_stack([np.ones(len(self.y)), self.X])  # (n, k), k = p + 1
        Q, R = np.linalg.qr(Z)
        return Z, Q, R

    @property
    def nobs(self) -> int:
        return len(self.y)

    @property
    def df_model(self) -> int:
        return self.X.shape[1]

    @property
    def df_resid(self) -> int:
        return self.nobs - self.df_model - 1

    @cached_property
    def params(self) -> np.ndarray:
        """(intercept, β₁ … β_p) by QR, refined once with the residual."""
        Z, Q, R = self._qr
        beta = np.linalg.solve(R, Q.T @ self.y)
        return beta + np.linalg.solve(R, Q.T @ (self.y - Z @ beta))

    @cached_property
    def resid(self) -> np.ndarray:
        return self.y - self._qr[0] @ self.params

    @cached_property
    def ssr(self) -> float:
        return float(self.resid @ self.resid)

    @property
    def scale(self) -> float:
        """σ̂² = RSS / (n − p − 1)."""
        return self.ssr / self.df_resid

    @cached_property
    def _zz_inv(self) -> np.ndarray:
        R_inv = np.linalg.inv(self._qr[2])
        return R_inv @ R_inv.T  # (ZᵀZ)⁻¹

    @cached_property
    def cov_params(self) -> np.ndarray:
        return self.scale * self._zz_inv

    @cached_property
    def bse(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov_params))

    @property
    def tvalues(self) -> np.ndarray:
        return self.params / self.bse

    @property
    def pvalues(self) -> np.ndarray:
        """Two-sided p-values from Student's t with n − p − 1 degrees of freedom."""
        return 2 * stats.t.sf(np.abs(self.tvalues), self.df_resid)

    def conf_int(self, alpha: float = 0.05) -> np.ndarray:
        q = stats.t.ppf(1 - alpha / 2, self.df_resid)
        return np.column_stack([self.params - q * self.bse, self.params + q * self.bse])

    @property
    def centered_tss(self) -> float:
        return float(np.sum((self.y - self.y.mean()) ** 2))

    @property
    def rsquared(self) -> float:
        return 1 - self.ssr / self.centered_tss

    @property
    def fvalue(self) -> float:
        """F = (explained SS / p) / (RSS / (n − p − 1)): all slopes zero vs not."""
        return ((self.centered_tss - self.ssr) / self.df_model) / self.scale

    @property
    def f_pvalue(self) -> float:
        return float(stats.f.sf(self.fvalue, self.df_model, self.df_resid))

    @property
    def residual_std_error(self) -> float:
        return math.sqrt(self.scale)

    @property
    def llf(self) -> float:
        """Gaussian log-likelihood at the MLE σ² = RSS/n."""
        n = self.nobs
        return -n / 2 * (math.log(2 * math.pi) + math.log(self.ssr / n) + 1)

    @property
    def aic(self) -> float:
        return -2 * self.llf + 2 * (self.df_model + 1)

    @property
    def bic(self) -> float:
        return -2 * self.llf + math.log(self.nobs) * (self.df_model + 1)

    @property
    def condition_number(self) -> float:
        """cond(Z) for Z = [1, X], as statsmodels reports it."""
        return design_condition_number(self.X)

    @cached_property
    def bse_hc3(self) -> np.ndarray:
        """Heteroskedasticity-robust SEs: (ZᵀZ)⁻¹ Zᵀ diag(eᵢ²/(1 − hᵢ)²) Z (ZᵀZ)⁻¹."""
        Z, Q, _ = self._qr
        leverage = np.sum(Q**2, axis=1)  # hᵢ = diag(Z(ZᵀZ)⁻¹Zᵀ) = ‖Qᵢ‖²
        omega = (self.resid / (1 - leverage)) ** 2
        bread = self._zz_inv
        meat = Z.T @ (Z * omega[:, None])
        return np.sqrt(np.diag(bread @ meat @ bread))


def ridge_covariance(X: np.ndarray, y: np.ndarray, coef: np.ndarray, intercept: float, alpha: float):
    """Analytic covariance of the ridge coefficients at a fixed alpha (sklearn's scaling).

    With G = X_cᵀX_c and A = (G + αI)⁻¹: Var(ŵ) = σ² A G A, and
    σ̂² = RSS / (n − df − 1), df = tr(G A) the effective degrees of freedom.
    This is the sampling variance *around a biased target*: ŵ ± 1.96·SE covers
    E[ŵ] (shrunk towards zero), not β, so it is not a confidence interval for β.
    Returns (standard errors (p,), df, σ̂²).
    """
    Xc = X - X.mean(axis=0)
    G = Xc.T @ Xc
    A = np.linalg.inv(G + alpha * np.eye(G.shape[0]))
    df = float(np.trace(G @ A))
    resid = y - X @ coef - intercept
    sigma2 = float(resid @ resid) / (len(y) - df - 1)
    return np.sqrt(np.diag(sigma2 * A @ G @ A)), df, sigma2


def bootstrap_enet(X: np.ndarray, y: np.ndarray, alpha: float, l1_ratio: float, *, resamples: int,
                   rng: np.random.Generator, tol: float = 1e-10, level: float = 0.95) -> dict[str, np.ndarray]:
    """Percentile bootstrap of elastic-net coefficients at a fixed alpha (rows resampled).

    Describes how the estimate varies over resamples at this α. It is not a valid
    confidence interval for β: the lasso is biased towards zero, the α was chosen
    on validation data (no post-selection correction), and the percentile
    interval of a coefficient that is often exactly zero collapses to [0, 0].
    """
    n = len(y)
    cpu = torch.device("cpu")
    draws = np.empty((resamples, X.shape[1]))
    for b in range(resamples):
        rows = rng.integers(0, n, n)
        st = compute_stats(X[rows], y[rows], dtype=torch.float64, device=cpu)
        res = solve_enet(st.gram, st.xty, st.yty, st.n, alpha, l1_ratio, solver="cd", tol=tol, max_iter=100_000)
        draws[b] = res.coef.numpy()
    tail = (1 - level) / 2 * 100
    return {"lower": np.percentile(draws, tail, axis=0), "upper": np.percentile(draws, 100 - tail, axis=0),
            "std": draws.std(axis=0, ddof=1), "selected_fraction": (draws != 0).mean(axis=0)}
