"""Inference for (weighted) least squares, with statsmodels' ``RegressionResults`` names and semantics.

Built from the estimator's own solver and factorization (one least-squares
implementation): ``linreg.models.exact.refined_lstsq()`` on the whitened
design Z_w = √W·Z (Z = [1, X], or X without an intercept; W = 1 for OLS)
returns θ together with Z_w·D = QR̂ (D powers of two). Every covariance is then
F·(middle)·Fᵀ with F = D·R̂⁻¹ (k, k), so (ZᵀWZ)⁻¹ = FFᵀ is never formed by
inverting ZᵀWZ, and the robust "meat" QᵀΩQ lives in the orthonormal basis,
where nothing cancels. A rank-deficient Z_w (collinear, duplicated or constant
columns, p ≥ n) gets statsmodels' answer instead: the pseudo-inverse solution
from the SVD Z_w = U S Vᵀ (F = V_r S_r⁻¹, basis U_r), a
``RankDeficientWarning``, and degrees of
freedom from the rank.

A well-conditioned design need not pay for that factorization:
``RegressionResults.from_cholesky()`` builds the same results from what the
Cholesky fit already has, the centred Gram G = X_cᵀWX_c and its factor L, with
F = T⁻¹·diag(1/√n, L⁻ᵀ) (T the centring) and one more pass over X, in blocks,
for the residuals and the leverages hᵢ = wᵢ(1/n + ‖L⁻¹x_cᵢ‖²), fused with the
HC3 meat while each block is in cache; HC0–HC2 take one more pass each when
first asked for. ``solver`` says which path ran. The estimator chooses it with
the rule that chooses its own solver (equilibrated κ(G) ≤ 1e3 in float64), so
rounding stays at κ·u ≈ 1e-13 of each number.

The object keeps O(n) vectors (residuals, leverages, fitted values and their
variances); on the Cholesky path also the float64 X it was given (the caller's
array itself, or a copy when X was float32, read-only or a tensor) until HC0–HC2
have been computed. Whatever cannot be estimated (σ² with no residual
degrees of freedom, R² of a constant target) is NaN, never an exception.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
from scipy import stats

from linreg.models.closed_form import RankDeficientWarning, whitened_design
from linreg.models.exact import refined_lstsq

if TYPE_CHECKING:
    import pandas as pd

HC_TYPES = ("HC0", "HC1", "HC2", "HC3")
# Rows per block of the Cholesky path's pass: 1,024–2,048-row blocks ran fastest, 8,192–16,384 up to
# 1.4× slower (docs/performance.md, "Design measurements").
ROW_BLOCK = 2048


def _nan_if(cond: bool, value: float) -> float:
    return math.nan if cond else float(value)


@dataclass(frozen=True)
class ContrastResults:
    """A test of linear restrictions Rθ = q: t per row (``t_test``) or one joint F (``f_test``)."""

    effect: np.ndarray | None = None  # Rθ (t test; its t value is (Rθ − q)/sd, as statsmodels')
    sd: np.ndarray | None = None  # its standard errors
    tvalue: np.ndarray | None = None
    fvalue: float | None = None  # (Rθ−q)ᵀ (R Σ Rᵀ)⁻¹ (Rθ−q) / J   (F test)
    pvalue: np.ndarray | float = math.nan
    df_num: int | None = None
    df_denom: float = math.nan

    def conf_int(self, alpha: float = 0.05) -> np.ndarray:
        """(J, 2) intervals for Rθ (t tests only)."""
        if self.effect is None or self.sd is None:
            raise ValueError("confidence intervals exist for t tests only")
        q = stats.t.ppf(1 - alpha / 2, self.df_denom) if self.df_denom > 0 else math.nan
        return np.column_stack([self.effect - q * self.sd, self.effect + q * self.sd])


@dataclass(frozen=True)
class PredictionResults:
    """Predicted means with their standard errors and intervals (statsmodels' ``get_prediction``)."""

    predicted_mean: np.ndarray  # (m,)
    se_mean: np.ndarray  # standard error of the fitted mean zᵀθ
    se_obs: np.ndarray  # of a new observation: √(se_mean² + σ̂²/w)
    df: float

    def conf_int(self, obs: bool = False, alpha: float = 0.05) -> np.ndarray:
        """(m, 2): the confidence interval of the mean, or with ``obs`` the prediction interval."""
        q = stats.t.ppf(1 - alpha / 2, self.df) if self.df > 0 else math.nan
        se = self.se_obs if obs else self.se_mean
        return np.column_stack([self.predicted_mean - q * se, self.predicted_mean + q * se])

    def summary_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        """The predictions and both intervals as a DataFrame, statsmodels' columns (needs pandas: linreg[frames])."""
        import pandas as pd

        mean, obs = self.conf_int(False, alpha), self.conf_int(True, alpha)
        return pd.DataFrame(
            {
                "mean": self.predicted_mean,
                "mean_se": self.se_mean,
                "mean_ci_lower": mean[:, 0],
                "mean_ci_upper": mean[:, 1],
                "obs_ci_lower": obs[:, 0],
                "obs_ci_upper": obs[:, 1],
            }
        )


@dataclass(frozen=True)
class Influence:
    """Leverage and Cook's distance per row (statsmodels' ``OLSInfluence`` names)."""

    hat_matrix_diag: np.ndarray  # hᵢ = diag of Z_w (Z_wᵀZ_w)⁺ Z_wᵀ
    resid_studentized_internal: np.ndarray  # e_wᵢ / (σ̂ √(1 − hᵢ))
    cooks_distance: tuple[np.ndarray, np.ndarray]  # (Dᵢ, p-value of Dᵢ under F(k, df_resid))


def _block_meat(A: np.ndarray, c: np.ndarray, has_constant: bool, n_w: float) -> np.ndarray:
    """Σ cᵢ bᵢbᵢᵀ over one block, bᵢ = [1/√n, aᵢ] (aᵢ alone without a constant), cᵢ = ωᵢwᵢ ≥ 0 (a NaN
    where hᵢ = 1 spreads, as meant). Scales A's rows by √cᵢ in place: one symmetric product, one GEMV."""
    root = np.sqrt(c)
    A *= root[:, None]
    block = A.T @ A
    if not has_constant:
        return block
    k = A.shape[1] + 1
    out = np.empty((k, k))
    out[0, 0] = float(np.sum(c)) / n_w
    out[0, 1:] = out[1:, 0] = (root @ A) / math.sqrt(n_w)
    out[1:, 1:] = block
    return out


class RegressionResults:
    """Least-squares inference on Z = [1, X] (``has_constant``) or Z = X, optionally weighted (WLS).

    Model: y = Zθ + ε with ε ~ N(0, σ²W⁻¹) independent of Z (W = diag(weights),
    identity for OLS). The HC0–HC3 covariances drop the equal-variance
    assumption (White; MacKinnon–White); the rest rely on it.

    Parameters
    ----------
    X : (n, p) float64 array, the features without the constant
    y : (n,) float64 array
    weights : (n,) array or None, WLS weights (statsmodels' ``WLS(weights=...)``)
    has_constant : bool, add the column of ones (the estimator's ``fit_intercept``)
    names : feature names for the summary (default x1 … xp; the constant is "const")
    """

    _cov_HC: dict[str, np.ndarray]  # the robust covariances formed so far
    _meat: Callable[[np.ndarray], np.ndarray]  # ω ↦ basisᵀ diag(ω) basis, while some are not formed
    # The Cholesky path's means to one more pass: X (float64, the caller's array where it was), x̄, U = L⁻ᵀ, Σw.
    _X: np.ndarray
    _x_mean: np.ndarray
    _U: np.ndarray
    _n_w: float

    def __init__(
        self,
        X: np.ndarray,
        y: np.ndarray,
        weights: np.ndarray | None = None,
        *,
        has_constant: bool = True,
        names: list[str] | None = None,
    ):
        X, y = self._setup(X, y, weights, has_constant, names)
        n = X.shape[0]
        self.solver = "qr"
        sw = torch.from_numpy(np.sqrt(self.weights)) if weights is not None else None
        Z = whitened_design(torch.from_numpy(X), sw, has_constant)  # Z_w (n, k)
        yw = torch.from_numpy(y) if sw is None else torch.from_numpy(y) * sw
        exact = refined_lstsq(Z, yw)
        k = Z.shape[1]
        if exact.rank == k and exact.Q is not None and exact.R is not None and exact.scale is not None:
            self.params = exact.theta.numpy()
            basis = exact.Q.numpy()  # (n, k) orthonormal basis of Z_w's columns
            R_inv = torch.linalg.solve_triangular(exact.R, torch.eye(k, dtype=torch.float64), upper=True)
            F = (exact.scale[:, None] * R_inv).numpy()  # D R̂⁻¹: θ = F Qᵀ y_w
            self.rank = k
        else:
            self.rank, self.solver = exact.rank, "svd"
            warnings.warn(
                f"the design has rank {self.rank} < {k} columns: minimum-norm coefficients and "
                "pseudo-inverse covariance, as statsmodels",
                RankDeficientWarning,
                stacklevel=2,
            )
            U, s, Vt = np.linalg.svd(Z.numpy(), full_matrices=False)
            r = self.rank
            basis, F = U[:, :r], Vt[:r].T / s[:r]  # Z_w⁺ = F basisᵀ
            self.params = F @ (basis.T @ yw.numpy())
        self._F = F  # (k, r): (Z_wᵀZ_w)⁺ = F Fᵀ
        self._leverage = np.einsum("ij,ij->i", basis, basis)  # hᵢ
        self.fittedvalues = X @ self.params[self.k_constant :] + (self.params[0] if has_constant else 0.0)
        self._finish(y)
        # The robust meats in the orthonormal basis, all four now: the basis is not kept.
        self._meat = lambda omega: basis.T @ (basis * omega[:, None])
        self._cov_HC = {}
        for kind in HC_TYPES:
            self._robust(kind)
        del self._meat
        # zᵢᵀ(Z_wᵀZ_w)⁺zᵢ for the training rows, so get_prediction() needs no X later.
        row_factor = (np.column_stack([np.ones(n), X]) if has_constant else X) @ F
        self._train_mean_var = np.einsum("ij,ij->i", row_factor, row_factor)
        self.condition_number = self._condition_number(Z.numpy())

    def _setup(self, X, y, weights, has_constant: bool, names) -> tuple[np.ndarray, np.ndarray]:
        # Read-only inputs (a DataFrame's or Parquet's values) are copied: torch.from_numpy warns on them.
        X, y = (
            a if a.flags.writeable else a.copy()
            for a in (np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64))
        )
        n, p = X.shape
        self.nobs, self.k_constant = n, int(has_constant)
        self.weights = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
        self.exog_names = (["const"] if has_constant else []) + list(names or [f"x{j + 1}" for j in range(p)])
        return X, y

    def _finish(self, y: np.ndarray) -> None:
        """Everything that follows from the fitted values, the rank and y."""
        n = self.nobs
        self.resid = y - self.fittedvalues
        self.wresid = self.resid * np.sqrt(self.weights)
        self.df_model = self.rank - self.k_constant
        self.df_resid = n - self.rank
        self.ssr = float(self.wresid @ self.wresid)
        self.scale = _nan_if(self.df_resid <= 0, self.ssr / max(self.df_resid, 1))  # σ̂² = RSS_w / (n − rank)
        ybar = float(np.sum(self.weights * y) / np.sum(self.weights))
        self.centered_tss = float(np.sum(self.weights * (y - ybar) ** 2))
        self.uncentered_tss = float(np.sum(self.weights * y**2))

    @classmethod
    def from_cholesky(
        cls,
        X: np.ndarray,
        y: np.ndarray,
        weights: np.ndarray | None,
        *,
        gram: np.ndarray,
        x_mean: np.ndarray,
        coef: np.ndarray,
        intercept: float,
        has_constant: bool = True,
        names: list[str] | None = None,
    ) -> RegressionResults:
        """The same results from a Cholesky fit's statistics, for a well-conditioned, full-rank design.

        Parameters
        ----------
        X, y, weights, has_constant, names
            As for the constructor: the data the fit saw.
        gram : (p, p) float64 array
            G = X_cᵀWX_c, centred on the weighted means (raw XᵀWX without a constant), positive definite.
        x_mean : (p,) float64 array
            The weighted column means (zeros without a constant).
        coef, intercept
            The fit's solution of G w = X_cᵀWy_c (intercept 0 without a constant).

        Notes
        -----
        With L Lᵀ = G and U = L⁻ᵀ, (ZᵀWZ)⁻¹ = F Fᵀ for F = [[1/√n, −x̄ᵀU], [0, U]] (F = U without a
        constant; n = Σwᵢ), and the whitened basis Z_w F has rows √wᵢ[1/√n, aᵢᵀ], aᵢ = Uᵀ(xᵢ − x̄). One
        pass over X in blocks of ``ROW_BLOCK`` rows gives the residuals, hᵢ = wᵢ(1/n + ‖aᵢ‖²) and the
        HC3 meat Σ ωᵢ bᵢbᵢᵀ; no n × k basis is formed. Raises ``numpy.linalg.LinAlgError`` when G is
        not positive definite (the caller's rule should have sent such a design to the constructor).
        """
        self = cls.__new__(cls)
        X, y = self._setup(X, y, weights, has_constant, names)
        n, p = X.shape
        k = p + int(has_constant)
        w = self.weights
        n_w = float(np.sum(w))
        L = np.linalg.cholesky(np.asarray(gram, dtype=np.float64))
        # L⁻ᵀ by NumPy's LAPACK, not SciPy's: SciPy's separate BLAS threads, left spinning, slowed the
        # NumPy products of the row pass after it (docs/performance.md, "Inference").
        U = np.ascontiguousarray(np.triu(np.linalg.solve(L, np.eye(p)).T))
        x_mean = np.asarray(x_mean, dtype=np.float64)
        coef = np.asarray(coef, dtype=np.float64)
        if has_constant:
            F = np.zeros((k, k))
            F[0, 0] = 1 / math.sqrt(n_w)
            F[0, 1:] = -(x_mean @ U)
            F[1:, 1:] = U
            self.params = np.concatenate([[float(intercept)], coef])
        else:
            F, self.params = U, coef.copy()
        self._F, self.rank, self.solver = F, k, "cholesky"
        self._X, self._x_mean, self._U, self._n_w = X, x_mean, U, n_w
        fitted, m = np.empty(n), np.empty(n)
        meat3 = np.zeros((k, k))
        level = float(intercept) + (float(x_mean @ coef) if has_constant else 0.0)  # ŷ = level + x_cᵀw
        c0 = 1 / n_w if has_constant else 0.0
        centred, basis = np.empty((ROW_BLOCK, p)), np.empty((ROW_BLOCK, p))
        for start in range(0, n, ROW_BLOCK):
            stop = min(start + ROW_BLOCK, n)
            Xc = np.subtract(X[start:stop], x_mean, out=centred[: stop - start])  # x̄ = 0 without a constant
            fitted[start:stop] = Xc @ coef + level
            # aᵢ = Uᵀx_cᵢ by NumPy's own BLAS: SciPy's triangular product would halve the work, but its
            # separate thread pool made NumPy's products after it 10–30× slower (docs/performance.md).
            A = np.matmul(Xc, U, out=basis[: stop - start])
            m[start:stop] = c0 + np.einsum("ij,ij->i", A, A)  # zᵢᵀ(ZᵀWZ)⁻¹zᵢ
            wb = w[start:stop]
            h = wb * m[start:stop]
            e2 = wb * (y[start:stop] - fitted[start:stop]) ** 2
            with np.errstate(divide="ignore", invalid="ignore"):
                omega = np.where(h < 1 - 1e-12, e2 / (1 - h) ** 2, math.nan)
            meat3 += _block_meat(A, omega * wb, has_constant, n_w)
        self.fittedvalues, self._train_mean_var, self._leverage = fitted, m, w * m
        self._finish(y)
        self._cov_HC = {"HC3": F @ meat3 @ F.T}
        self._meat = self._meat_from_rows
        # Singular values of Z_w from its R factor [[√n, √n x̄ᵀ], [0, Lᵀ]] (k × k): no pass over X.
        R = np.zeros((k, k))
        if has_constant:
            R[0, 0], R[0, 1:], R[1:, 1:] = math.sqrt(n_w), math.sqrt(n_w) * x_mean, L.T
        else:
            R = L.T
        sv = np.linalg.svd(R, compute_uv=False)
        self.condition_number = float(sv[0] / sv[-1]) if sv[-1] > 0 else math.inf
        return self

    def _meat_from_rows(self, omega: np.ndarray) -> np.ndarray:
        """One more pass over X for a robust meat Σ ωᵢ bᵢbᵢᵀ (the Cholesky path keeps no basis)."""
        X, has_constant = self._X, bool(self.k_constant)
        k = len(self.params)
        meat = np.zeros((k, k))
        centred, basis = np.empty((ROW_BLOCK, X.shape[1])), np.empty((ROW_BLOCK, X.shape[1]))
        for start in range(0, self.nobs, ROW_BLOCK):
            stop = min(start + ROW_BLOCK, self.nobs)
            Xc = np.subtract(X[start:stop], self._x_mean, out=centred[: stop - start])
            A = np.matmul(Xc, self._U, out=basis[: stop - start])
            meat += _block_meat(A, omega[start:stop] * self.weights[start:stop], has_constant, self._n_w)
        return meat

    # --- classical inference ------------------------------------------------------------------

    def normalized_cov_params(self) -> np.ndarray:
        """(ZᵀWZ)⁻¹, or its pseudo-inverse when rank deficient: F Fᵀ."""
        return self._F @ self._F.T

    def cov_params(self) -> np.ndarray:
        """σ̂² (ZᵀWZ)⁻¹ (NaN with no residual degrees of freedom)."""
        return self.scale * self.normalized_cov_params()

    @property
    def bse(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov_params()))

    @property
    def tvalues(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.params / self.bse

    @property
    def pvalues(self) -> np.ndarray:
        """Two-sided, from Student's t with n − rank degrees of freedom (NaN without any)."""
        if self.df_resid <= 0:
            return np.full_like(self.params, math.nan)
        return 2 * stats.t.sf(np.abs(self.tvalues), self.df_resid)

    def conf_int(self, alpha: float = 0.05) -> np.ndarray:
        q = stats.t.ppf(1 - alpha / 2, self.df_resid) if self.df_resid > 0 else math.nan
        return np.column_stack([self.params - q * self.bse, self.params + q * self.bse])

    @property
    def ess(self) -> float:
        """Explained sum of squares (about the weighted mean with a constant, about zero without)."""
        return (self.centered_tss if self.k_constant else self.uncentered_tss) - self.ssr

    @property
    def rsquared(self) -> float:
        tss = self.centered_tss if self.k_constant else self.uncentered_tss
        return _nan_if(tss == 0, 1 - self.ssr / (tss or 1.0))

    @property
    def rsquared_adj(self) -> float:
        return _nan_if(
            self.df_resid <= 0, 1 - (self.nobs - self.k_constant) / max(self.df_resid, 1) * (1 - self.rsquared)
        )

    @property
    def mse_resid(self) -> float:
        return self.scale

    @property
    def fvalue(self) -> float:
        """F = (ESS / df_model) / σ̂²: all slopes zero against not (NaN where undefined)."""
        if self.df_model <= 0 or not self.scale > 0:
            return math.nan
        return (self.ess / self.df_model) / self.scale

    @property
    def f_pvalue(self) -> float:
        f = self.fvalue
        return math.nan if math.isnan(f) else float(stats.f.sf(f, self.df_model, self.df_resid))

    @property
    def llf(self) -> float:
        """Gaussian log-likelihood at the MLE σ² = RSS_w/n, plus ½Σ log wᵢ (NaN for an exact fit)."""
        n = self.nobs
        with np.errstate(divide="ignore"):
            log_w = float(np.sum(np.log(self.weights)))
        return _nan_if(
            self.ssr <= 0, -n / 2 * (math.log(2 * math.pi) + math.log(max(self.ssr, 1e-300) / n) + 1) + 0.5 * log_w
        )

    @property
    def aic(self) -> float:
        return -2 * self.llf + 2 * (self.df_model + self.k_constant)

    @property
    def bic(self) -> float:
        return -2 * self.llf + math.log(self.nobs) * (self.df_model + self.k_constant)

    @staticmethod
    def _condition_number(Zw: np.ndarray) -> float:
        """√(λ_max/λ_min) of Z_wᵀZ_w, as statsmodels reports it (here from the SVD of Z_w: same value)."""
        s = np.linalg.svd(Zw, compute_uv=False)
        return float(s[0] / s[-1]) if s.size and s[-1] > 0 else math.inf

    # --- heteroskedasticity-robust covariances ------------------------------------------------

    def _robust(self, kind: str) -> np.ndarray:
        """F (basisᵀ Ω basis) Fᵀ = (ZᵀWZ)⁺ Z_wᵀ Ω Z_w (ZᵀWZ)⁺ with Ω = diag(ωᵢ) per HC type (NaN where hᵢ = 1),
        computed once. ``_meat(ω)`` is basisᵀ diag(ω) basis, for the ω of the whitened residuals."""
        if kind in self._cov_HC:
            return self._cov_HC[kind]
        if kind == "HC1":  # HC0 scaled by n / (n − rank)
            scale = self.nobs / self.df_resid if self.df_resid > 0 else math.nan
            self._cov_HC[kind] = self._robust("HC0") * scale
            return self._cov_HC[kind]
        e2, h = self.wresid**2, self._leverage
        with np.errstate(divide="ignore", invalid="ignore"):
            omega = {
                "HC0": e2,
                "HC2": np.where(h < 1 - 1e-12, e2 / (1 - h), math.nan),
                "HC3": np.where(h < 1 - 1e-12, e2 / (1 - h) ** 2, math.nan),
            }[kind]
        self._cov_HC[kind] = self._F @ self._meat(omega) @ self._F.T
        if self.solver == "cholesky" and {"HC0", "HC2", "HC3"} <= set(self._cov_HC):
            del self._X, self._meat  # every robust covariance is formed: X is no longer needed
        return self._cov_HC[kind]

    @property
    def cov_HC0(self) -> np.ndarray:
        return self._robust("HC0")

    @property
    def cov_HC1(self) -> np.ndarray:
        return self._robust("HC1")

    @property
    def cov_HC2(self) -> np.ndarray:
        return self._robust("HC2")

    @property
    def cov_HC3(self) -> np.ndarray:
        return self._robust("HC3")

    @property
    def HC0_se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov_HC0))

    @property
    def HC1_se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov_HC1))

    @property
    def HC2_se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov_HC2))

    @property
    def HC3_se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov_HC3))

    # --- tests of linear restrictions -----------------------------------------------------------

    def _restriction(self, r_matrix, q_matrix) -> tuple[np.ndarray, np.ndarray]:
        if isinstance(r_matrix, tuple) and len(r_matrix) == 2 and q_matrix is None:  # statsmodels' (R, q) form
            r_matrix, q_matrix = r_matrix
        if isinstance(r_matrix, str):
            raise ValueError(
                f"r_matrix={r_matrix!r}: string restrictions (statsmodels' formula form) are not supported; pass "
                f"an array with one column per parameter ({', '.join(self.exog_names)}), e.g. a row with 1 and -1 in "
                "two parameters' columns to test that they are equal, and q_matrix for the right-hand side"
            )
        R = np.atleast_2d(np.asarray(r_matrix, dtype=np.float64))
        if R.ndim != 2 or R.shape[0] == 0:
            raise ValueError(f"r_matrix has no restrictions (shape {R.shape}): pass at least one row")
        if R.shape[1] != len(self.params):
            raise ValueError(
                f"r_matrix needs {len(self.params)} columns (one per parameter, "
                f"{', '.join(self.exog_names)}), got {R.shape[1]}"
            )
        q = np.zeros(R.shape[0]) if q_matrix is None else np.asarray(q_matrix, dtype=np.float64).ravel()
        if q.shape != (R.shape[0],):
            raise ValueError(f"q_matrix needs {R.shape[0]} values, one per row of r_matrix, got {q.size}")
        return R, q

    def t_test(self, r_matrix, q_matrix=None) -> ContrastResults:
        """A t test per row of Rθ = q (R: (J, k) or (k,); or statsmodels' ``(R, q)``), e.g. ``t_test([0, 1, -1])``
        for θ₁ = θ₂."""
        R, q = self._restriction(r_matrix, q_matrix)
        effect = R @ self.params
        sd = np.sqrt(np.einsum("ij,jk,ik->i", R, self.cov_params(), R))
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (effect - q) / sd
        p = 2 * stats.t.sf(np.abs(t), self.df_resid) if self.df_resid > 0 else np.full_like(t, math.nan)
        return ContrastResults(effect=effect, sd=sd, tvalue=t, pvalue=p, df_denom=self.df_resid)

    def f_test(self, r_matrix, q_matrix=None) -> ContrastResults:
        """The joint F test of Rθ = q: F = (Rθ − q)ᵀ (R Σ̂ Rᵀ)⁻¹ (Rθ − q) / J, with J and n − rank d.o.f."""
        R, q = self._restriction(r_matrix, q_matrix)
        diff = R @ self.params - q
        J = R.shape[0]
        if self.df_resid <= 0:
            return ContrastResults(fvalue=math.nan, pvalue=math.nan, df_num=J, df_denom=self.df_resid)
        F = float(diff @ np.linalg.pinv(R @ self.cov_params() @ R.T) @ diff) / J
        return ContrastResults(
            fvalue=F, pvalue=float(stats.f.sf(F, J, self.df_resid)), df_num=J, df_denom=self.df_resid
        )

    # --- predictions and influence -----------------------------------------------------------

    def get_prediction(self, X=None, weights=None) -> PredictionResults:
        """Predictions with standard errors: for the training rows (X None) or new rows X (features only,
        the constant is added as in fitting). ``weights`` scale the new observation's variance σ̂²/w
        (default: the fit's weights for the training rows, 1 for new rows)."""
        if X is None:
            mean, mean_var = self.fittedvalues, self._train_mean_var * self.scale
            w = self.weights if weights is None else np.asarray(weights, dtype=np.float64)
        else:
            X = np.atleast_2d(np.asarray(X, dtype=np.float64))
            if X.ndim != 2:
                raise ValueError(
                    f"X must be 2-D (n, {len(self.params) - self.k_constant}) or one row, got shape {X.shape}"
                )
            if X.shape[1] != len(self.params) - self.k_constant:
                raise ValueError(f"X has {X.shape[1]} features, the fit had {len(self.params) - self.k_constant}")
            Z = np.column_stack([np.ones(len(X)), X]) if self.k_constant else X
            mean = Z @ self.params
            ZF = Z @ self._F
            mean_var = np.einsum("ij,ij->i", ZF, ZF) * self.scale
            w = np.ones(len(X)) if weights is None else np.asarray(weights, dtype=np.float64)
        if np.ndim(w) > 1 or (np.ndim(w) == 1 and len(w) != len(mean)):
            raise ValueError(f"weights has shape {np.shape(w)}: pass one weight per row of X ({len(mean)}) or a scalar")
        with np.errstate(divide="ignore"):
            obs_var = mean_var + self.scale / w
        return PredictionResults(mean, np.sqrt(mean_var), np.sqrt(obs_var), float(self.df_resid))

    def get_influence(self) -> Influence:
        h = self._leverage
        with np.errstate(divide="ignore", invalid="ignore"):
            student = self.wresid / np.sqrt(self.scale * (1 - h))
            k = len(self.params)
            d = student**2 / k * h / (1 - h)
        p = stats.f.sf(d, k, self.df_resid) if self.df_resid > 0 else np.full_like(d, math.nan)
        return Influence(h.copy(), student, (d, p))

    # --- residual diagnostics and the summary --------------------------------------------------

    def diagnostics(self) -> dict[str, float]:
        """Omnibus (D'Agostino K²), skew, kurtosis, Jarque–Bera and Durbin–Watson of the whitened residuals."""
        e = self.wresid
        n = len(e)
        out = {
            "omnibus": math.nan,
            "omnibus_pvalue": math.nan,
            "skew": math.nan,
            "kurtosis": math.nan,
            "jarque_bera": math.nan,
            "jarque_bera_pvalue": math.nan,
            "durbin_watson": math.nan,
        }
        if self.ssr > 0:
            out["durbin_watson"] = float(np.sum(np.diff(e) ** 2) / self.ssr)
        if n >= 3 and np.ptp(e) > 0:
            skew, kurt = float(stats.skew(e)), float(stats.kurtosis(e, fisher=False))
            jb = n / 6 * (skew**2 + (kurt - 3) ** 2 / 4)
            out.update(skew=skew, kurtosis=kurt, jarque_bera=jb, jarque_bera_pvalue=float(stats.chi2.sf(jb, 2)))
        if n >= 8 and np.ptp(e) > 0:  # the kurtosis test inside K² needs n ≥ 8 (scipy: ≥ 20 to be accurate)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                k2, pk = stats.normaltest(e)
            out.update(omnibus=float(k2), omnibus_pvalue=float(pk))
        return out

    def summary(self, yname: str = "y", alpha: float = 0.05) -> str:
        """A plain-text report in statsmodels' layout: fit, coefficients, residual diagnostics."""
        d = self.diagnostics()
        kind = "OLS" if np.all(self.weights == 1) else "WLS"
        lo, hi = f"[{alpha / 2:g}", f"{1 - alpha / 2:g}]"

        def pair(a: str, av: str, b: str, bv: str) -> str:
            return f"{a:<20}{av:>18}   {b:<20}{bv:>16}"

        def g(v: float, spec: str = ".4g") -> str:
            return "nan" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, spec)

        width = 78
        lines = [
            f"{kind} Regression Results".center(width),
            "=" * width,
            pair("Dep. Variable:", yname, "R-squared:", g(self.rsquared, ".3f")),
            pair("Model:", kind, "Adj. R-squared:", g(self.rsquared_adj, ".3f")),
            pair("No. Observations:", str(self.nobs), "F-statistic:", g(self.fvalue)),
            pair("Df Residuals:", str(self.df_resid), "Prob (F-statistic):", g(self.f_pvalue, ".3g")),
            pair("Df Model:", str(self.df_model), "Log-Likelihood:", g(self.llf, ".5g")),
            pair("Covariance Type:", "nonrobust", "AIC:", g(self.aic, ".4g")),
            pair("", "", "BIC:", g(self.bic, ".4g")),
            "=" * width,
            f"{'':>12}{'coef':>12}{'std err':>11}{'t':>9}{'P>|t|':>9}{lo:>12}{hi:>12}",
            "-" * width,
        ]
        for name, b, se, t, pv, (lo_i, hi_i) in zip(
            self.exog_names, self.params, self.bse, self.tvalues, self.pvalues, self.conf_int(alpha)
        ):
            lines.append(
                f"{name[:12]:>12}{g(b, '12.4g')}{g(se, '11.3g')}{g(t, '9.3f')}{g(pv, '9.3f')}"
                f"{g(lo_i, '12.4g')}{g(hi_i, '12.4g')}"
            )
        lines += [
            "=" * width,
            pair("Omnibus:", g(d["omnibus"], ".3f"), "Durbin-Watson:", g(d["durbin_watson"], ".3f")),
            pair("Prob(Omnibus):", g(d["omnibus_pvalue"], ".3f"), "Jarque-Bera (JB):", g(d["jarque_bera"], ".3f")),
            pair("Skew:", g(d["skew"], ".3f"), "Prob(JB):", g(d["jarque_bera_pvalue"], ".3g")),
            pair("Kurtosis:", g(d["kurtosis"], ".3f"), "Cond. No.", g(self.condition_number, ".3g")),
            "=" * width,
        ]
        if self.condition_number > 1e3:
            lines.append(
                f"Note: the condition number is large, {self.condition_number:.3g}: strong multicollinearity "
                "or badly scaled columns (the coefficients are still exact to the data; see solver_)."
            )
        if self.rank < len(self.params):
            lines.append(
                f"Note: the design has rank {self.rank} < {len(self.params)}: minimum-norm "
                "coefficients, pseudo-inverse covariance."
            )
        return "\n".join(lines)
