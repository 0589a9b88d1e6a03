"""OLS inference from scratch, statsmodels' semantics: standard errors, t, p, intervals, F, AIC/BIC, HC3.

Everything is computed on the design Z = [1, X] (or X without an intercept),
in the features' own units. The coefficients come from the estimator's exact
solver (:func:`linreg.models.exact.refined_lstsq`); (ZᵀZ)⁻¹ = R⁻¹R⁻ᵀ from a QR
factorization, never by forming ZᵀZ.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import torch
from scipy import stats

from linreg.models.closed_form import RankDeficientWarning
from linreg.models.exact import power_of_two_scales, refined_lstsq


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
    add_constant: bool = True  # Z = [1, X]; False: Z = X (no intercept)

    @cached_property
    def _z(self) -> np.ndarray:
        if not self.add_constant:
            return np.asarray(self.X, dtype=np.float64)
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
        """QR of the equilibrated design Ẑ = Z D (D = powers of two: exact), and D."""
        d = power_of_two_scales(torch.from_numpy(np.ascontiguousarray(self._z))).numpy()
        Q, R = np.linalg.qr(self._z * d)
        return self._z, Q, R, d

    @cached_property
    def _r_inv(self) -> np.ndarray:
        """D R̂⁻¹: maps the orthonormal basis Q back to Z's coefficients (Z = Q R̂ D⁻¹)."""
        _, _, R, d = self._qr
        return d[:, None] * np.linalg.solve(R, np.eye(R.shape[0]))

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
        """(intercept, β₁ … β_p): exact to the data (the estimator's own solver); minimum-norm when rank deficient."""
        if self.full_rank:
            exact = refined_lstsq(torch.from_numpy(np.array(self._z, dtype=np.float64)),
                                  torch.from_numpy(np.array(self.y, dtype=np.float64)))
            if exact.rank == self._z.shape[1]:
                return exact.theta.numpy()
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
            return self._r_inv @ self._r_inv.T
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
        return float(np.linalg.cond(self._z))

    @cached_property
    def bse_hc3(self) -> np.ndarray:
        """Heteroskedasticity-robust SEs: (ZᵀZ)⁻¹ Zᵀ diag(eᵢ²/(1 − hᵢ)²) Z (ZᵀZ)⁻¹ (NaN where hᵢ = 1)."""
        Z = self._z
        basis = self._qr[1] if self.full_rank else self._pinv_svd[0][:, : self.rank]
        leverage = np.sum(basis**2, axis=1)  # hᵢ = diag(Z(ZᵀZ)⁺Zᵀ)
        with np.errstate(divide="ignore", invalid="ignore"):
            omega = np.where(leverage < 1 - 1e-12, (self.resid / (1 - leverage)) ** 2, math.nan)
        if self.full_rank:  # (ZᵀZ)⁻¹ZᵀΩZ(ZᵀZ)⁻¹ = (DR̂⁻¹)(QᵀΩQ)(DR̂⁻¹)ᵀ: no (ZᵀZ)⁻¹ formed, no cancellation
            Q = self._qr[1]
            return np.sqrt(np.diag(self._r_inv @ (Q.T @ (Q * omega[:, None])) @ self._r_inv.T))
        bread = self._zz_inv
        meat = Z.T @ (Z * omega[:, None])
        return np.sqrt(np.diag(bread @ meat @ bread))
