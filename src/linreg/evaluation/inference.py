"""Statistical inference written from scratch: OLS (classical and HC3), ridge, bootstrap.

Everything is computed on the design with an intercept column, Z = [1, X], in
the features' original units, from a QR factorization Z = QR so that
(ZᵀZ)⁻¹ = R⁻¹R⁻ᵀ is formed without squaring the condition number.
"""

from __future__ import annotations

import math
import sys
import warnings
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import torch
from scipy import stats
from tqdm import tqdm

from linreg.models.closed_form import RankDeficientWarning, design_condition_number
from linreg.models.enet import solve_enet
from linreg.models.stats import compute_stats


def _nan_if(cond: bool, value: float) -> float:
    return math.nan if cond else value


@dataclass
class OLSInference:
    """Classical OLS inference on Z = [1, X], statsmodels' ``OLS(y, add_constant(X)).fit()`` semantics.

    Assumes y = Zβ + ε with ε ~ N(0, σ²I) independent of Z. ``bse_hc3`` drops
    the equal-variance assumption (MacKinnon–White HC3); the rest rely on it.

    A rank-deficient Z (collinear, duplicated or constant columns, or more
    columns than rows) gets what statsmodels gives: the minimum-norm solution
    pinv(Z) y, covariance from pinv(ZᵀZ), ``df_model = rank − 1`` and
    ``df_resid = n − rank``, with a :class:`RankDeficientWarning`. Whatever
    cannot be estimated (σ² with no residual degrees of freedom, R² of a
    constant target) is NaN, never an exception.
    """

    X: np.ndarray  # (n, p) without the constant
    y: np.ndarray  # (n,)

    @cached_property
    def _z(self) -> np.ndarray:
        return np.column_stack([np.ones(len(self.y)), self.X])  # (n, k), k = p + 1

    @cached_property
    def _svd(self):
        """SVD of Z with columns scaled to unit norm (so the rank test ignores units): Z D⁻¹ = U S Vᵀ."""
        Z = self._z
        d = np.linalg.norm(Z, axis=0)
        d[d == 0] = 1.0
        U, s, Vt = np.linalg.svd(Z / d, full_matrices=False)
        return U, s, Vt, d

    @cached_property
    def _pinv_svd(self):
        """SVD of Z itself, for the pseudo-inverse (minimum-norm in Z's own units, as statsmodels)."""
        return np.linalg.svd(self._z, full_matrices=False)

    @cached_property
    def rank(self) -> int:
        U, s, _, _ = self._svd
        return int(np.sum(s > s[0] * max(self._z.shape) * np.finfo(float).eps)) if s.size and s[0] > 0 else 0

    @property
    def full_rank(self) -> bool:
        return self.rank == self._z.shape[1]

    @cached_property
    def _qr(self):
        Q, R = np.linalg.qr(self._z)
        return self._z, Q, R

    @property
    def nobs(self) -> int:
        return len(self.y)

    @property
    def df_model(self) -> int:
        return self.rank - 1

    @property
    def df_resid(self) -> int:
        return self.nobs - self.rank

    @cached_property
    def params(self) -> np.ndarray:
        """(intercept, β₁ … β_p): by QR refined once with the residual; minimum-norm when rank deficient."""
        if self.full_rank:
            Z, Q, R = self._qr
            beta = np.linalg.solve(R, Q.T @ self.y)
            return beta + np.linalg.solve(R, Q.T @ (self.y - Z @ beta))
        warnings.warn(f"the design [1, X] has rank {self.rank} < {self._z.shape[1]} columns: minimum-norm "
                      "coefficients and pseudo-inverse covariance, as statsmodels", RankDeficientWarning,
                      stacklevel=2)
        U, s, Vt = self._pinv_svd
        r = self.rank
        return Vt[:r].T @ ((U[:, :r].T @ self.y) / s[:r])  # pinv(Z) y: the minimum-norm β

    @cached_property
    def resid(self) -> np.ndarray:
        return self.y - self._z @ self.params

    @cached_property
    def ssr(self) -> float:
        return float(self.resid @ self.resid)

    @property
    def scale(self) -> float:
        """σ̂² = RSS / (n − rank); NaN with no residual degrees of freedom."""
        return _nan_if(self.df_resid <= 0, self.ssr / max(self.df_resid, 1))

    @cached_property
    def _zz_inv(self) -> np.ndarray:
        """(ZᵀZ)⁻¹ = R⁻¹R⁻ᵀ when Z has full rank, else the pseudo-inverse of ZᵀZ."""
        if self.full_rank:
            R_inv = np.linalg.inv(self._qr[2])
            return R_inv @ R_inv.T
        _, s, Vt = self._pinv_svd
        V = Vt[: self.rank].T
        return (V / s[: self.rank] ** 2) @ V.T

    @cached_property
    def cov_params(self) -> np.ndarray:
        return self.scale * self._zz_inv

    @cached_property
    def bse(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov_params))

    @property
    def tvalues(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.params / self.bse

    @property
    def pvalues(self) -> np.ndarray:
        """Two-sided p-values from Student's t with n − rank degrees of freedom (NaN without any)."""
        if self.df_resid <= 0:
            return np.full_like(self.params, math.nan)
        return 2 * stats.t.sf(np.abs(self.tvalues), self.df_resid)

    def conf_int(self, alpha: float = 0.05) -> np.ndarray:
        q = stats.t.ppf(1 - alpha / 2, self.df_resid) if self.df_resid > 0 else math.nan
        return np.column_stack([self.params - q * self.bse, self.params + q * self.bse])

    @property
    def centered_tss(self) -> float:
        return float(np.sum((self.y - self.y.mean()) ** 2))

    @property
    def rsquared(self) -> float:
        return _nan_if(self.centered_tss == 0, 1 - self.ssr / max(self.centered_tss, 1e-300))

    @property
    def fvalue(self) -> float:
        """F = (explained SS / df_model) / σ̂²: all slopes zero vs not (NaN where undefined)."""
        if self.df_model <= 0 or not self.scale > 0:
            return math.nan
        return ((self.centered_tss - self.ssr) / self.df_model) / self.scale

    @property
    def f_pvalue(self) -> float:
        f = self.fvalue
        return math.nan if math.isnan(f) else float(stats.f.sf(f, self.df_model, self.df_resid))

    @property
    def residual_std_error(self) -> float:
        return math.sqrt(self.scale) if self.scale >= 0 else math.nan

    @property
    def llf(self) -> float:
        """Gaussian log-likelihood at the MLE σ² = RSS/n (−∞ for an exact fit is reported as NaN)."""
        n = self.nobs
        return _nan_if(self.ssr <= 0, -n / 2 * (math.log(2 * math.pi) + math.log(max(self.ssr, 1e-300) / n) + 1))

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
        """Heteroskedasticity-robust SEs: (ZᵀZ)⁻¹ Zᵀ diag(eᵢ²/(1 − hᵢ)²) Z (ZᵀZ)⁻¹ (NaN where hᵢ = 1)."""
        Z = self._z
        basis = self._qr[1] if self.full_rank else self._pinv_svd[0][:, : self.rank]
        leverage = np.sum(basis**2, axis=1)  # hᵢ = diag(Z(ZᵀZ)⁺Zᵀ)
        with np.errstate(divide="ignore", invalid="ignore"):
            omega = np.where(leverage < 1 - 1e-12, (self.resid / (1 - leverage)) ** 2, math.nan)
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
                   rng: np.random.Generator, tol: float = 1e-10, level: float = 0.95, max_iter: int = 10_000,
                   warm_start: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Percentile bootstrap of elastic-net coefficients at a fixed alpha (rows resampled).

    Describes how the estimate varies over resamples at this α. It is not a valid
    confidence interval for β: the lasso is biased towards zero, the α was chosen
    on validation data (no post-selection correction), and the percentile
    interval of a coefficient that is often exactly zero collapses to [0, 0].

    Each resample starts from ``warm_start`` (the full-data fit, which a resample
    is close to), so coordinate descent needs a handful of sweeps, not thousands;
    ``max_iter`` bounds the rest.
    """
    n = len(y)
    cpu = torch.device("cpu")
    draws = np.empty((resamples, X.shape[1]))
    w0 = None if warm_start is None else torch.as_tensor(np.asarray(warm_start, dtype=np.float64))
    for b in tqdm(range(resamples), desc="bootstrap", file=sys.stderr, disable=None, leave=False):
        rows = rng.integers(0, n, n)
        st = compute_stats(X[rows], y[rows], dtype=torch.float64, device=cpu)
        res = solve_enet(st.gram, st.xty, st.yty, st.n, alpha, l1_ratio, solver="cd", tol=tol, max_iter=max_iter,
                         w0=w0)
        draws[b] = res.coef.numpy()
    tail = (1 - level) / 2 * 100
    return {"lower": np.percentile(draws, tail, axis=0), "upper": np.percentile(draws, 100 - tail, axis=0),
            "std": draws.std(axis=0, ddof=1), "selected_fraction": (draws != 0).mean(axis=0)}
