"""Inference for (weighted) least squares, with statsmodels' ``RegressionResults`` names and semantics.

Built from the estimator's own solver and factorization (one least-squares
implementation): ``linreg.models._exact.refined_lstsq()`` on the whitened
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

import copy
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.linalg
from scipy import special, stats

from linreg.models._closed_form import RankDeficientWarning, whitened_design
from linreg.models._exact import refined_lstsq
from linreg.models._hypotheses import parse_constraints
from linreg.models._summary import Summary, Table, coefficient_cells, coefficient_header, fmt
from linreg.models.stats import blas

if TYPE_CHECKING:
    import pandas as pd

HC_TYPES = ("HC0", "HC1", "HC2", "HC3")
# statsmodels' spellings (``cov_type``), and its notes under the summary (statsmodels.base.covtype).
COV_TYPES = ("nonrobust", *HC_TYPES, "HAC", "cluster")
COV_DESCRIPTIONS = {
    "nonrobust": "Standard Errors assume that the covariance matrix of the errors is correctly specified.",
    **{kind: f"Standard Errors are heteroscedasticity robust ({kind})" for kind in HC_TYPES},
    "HAC": "Standard Errors are heteroscedasticity and autocorrelation robust (HAC) using {maxlags} lags and "
    "{correction} small sample correction",
    "cluster": "Standard Errors are robust to cluster correlation (CRV1)",
}
KERNELS = {
    "bartlett": lambda lags: 1 - np.arange(lags + 1) / (lags + 1.0),  # Newey–West
    "uniform": lambda lags: np.ones(lags + 1),
}
# Rows per block of the Cholesky path's pass: 1,024–2,048-row blocks ran fastest, 8,192–16,384 up to
# 1.4× slower (docs/performance.md, "Design measurements").
ROW_BLOCK = 2048
ROW_GROUP = 16 * ROW_BLOCK  # rows per partial meat: groups run on every BLAS thread's worth of threads


def _nan_if(cond: bool, value: float) -> float:
    return math.nan if cond else float(value)


def optional_import(module: str, extra: str, what: str) -> Any:
    """``import module``, or an ImportError that names the extra to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{what} needs {module}, an optional dependency: pip install 'linreg[{extra}]' (or pip install {module})"
        ) from exc


def _pandas() -> Any:
    return optional_import("pandas", "frames", "results with names (pandas input)")


@dataclass(frozen=True)
class ContrastResults:
    """A test of linear restrictions Rθ = q: t (or z) per row (``t_test``), or one joint F or χ² test
    (``f_test``, ``wald_test``), as statsmodels' ``ContrastResults``."""

    effect: np.ndarray | None = None  # Rθ (t test; its t value is (Rθ − q)/sd, as statsmodels')
    sd: np.ndarray | None = None  # its standard errors
    tvalue: np.ndarray | None = None
    fvalue: float | None = None  # (Rθ−q)ᵀ (R Σ Rᵀ)⁻¹ (Rθ−q) / J   (F test)
    pvalue: np.ndarray | float = math.nan
    df_num: int | None = None
    df_denom: float = math.nan
    distribution: str = "t"  # "t" or "norm" (t_test), "F" or "chi2" (f_test, wald_test)
    statistic: float | np.ndarray | None = None  # tvalue, fvalue, or the χ² statistic
    q: np.ndarray | None = None  # the right-hand side, for the summary's effect − q

    def conf_int(self, alpha: float = 0.05) -> np.ndarray:
        """(J, 2) intervals for Rθ (t and z tests only)."""
        if self.effect is None or self.sd is None:
            raise ValueError("confidence intervals exist for t tests only")
        if self.distribution == "norm":
            crit = stats.norm.ppf(1 - alpha / 2)
        else:
            crit = stats.t.ppf(1 - alpha / 2, self.df_denom) if self.df_denom > 0 else math.nan
        return np.column_stack([self.effect - crit * self.sd, self.effect + crit * self.sd])

    def summary(self, alpha: float = 0.05, xname: list[str] | None = None) -> Summary | str:
        """statsmodels' "Test for Constraints" table for t (z) tests (rows c0, c1, …); one line for F and χ²."""
        if self.effect is None or self.sd is None or self.tvalue is None:
            return str(self)
        names = xname or [f"c{i}" for i in range(len(self.effect))]
        ci = self.conf_int(alpha)
        rows = [
            (name, coefficient_cells(b, se, t, p, lo, hi))
            for name, b, se, t, p, (lo, hi) in zip(names, self.effect, self.sd, self.tvalue, np.ravel(self.pvalue), ci)
        ]
        return Summary(Table("Test for Constraints", [], coefficient_header(self.distribution == "t", alpha), rows))

    def __str__(self) -> str:
        if self.distribution == "F":
            return f"<F test: F={self.fvalue!r}, p={self.pvalue!r}, df_denom={self.df_denom:.3g}, df_num={self.df_num}>"
        if self.distribution == "chi2":
            return f"<Wald test (chi2): statistic={self.statistic!r}, p-value={self.pvalue!r}, df_denom={self.df_num}>"
        return str(self.summary())


@dataclass(frozen=True)
class PredictionResults:
    """Predicted means with their standard errors and intervals (statsmodels' ``get_prediction``).

    ``se_mean`` is √(zᵀ Σ̂ z) under the results' ``cov_type`` (Σ̂ their ``cov_params()``); ``se_obs`` adds
    the nonrobust σ̂²/w; the intervals use Student's t on ``df`` (the results' ``df_resid``) when the
    results have ``use_t``, else the normal (``distribution``), as statsmodels' do."""

    predicted_mean: np.ndarray  # (m,)
    se_mean: np.ndarray  # standard error of the fitted mean zᵀθ
    se_obs: np.ndarray  # of a new observation: √(se_mean² + σ̂²/w)
    df: float
    row_labels: Any = None  # the DataFrame's index when the rows came as one
    distribution: str = "t"  # "t" (on df) or "norm", statsmodels' ``dist``

    def conf_int(self, obs: bool = False, alpha: float = 0.05) -> np.ndarray:
        """(m, 2): the confidence interval of the mean, or with ``obs`` the prediction interval."""
        if self.distribution == "norm":
            q = stats.norm.ppf(1 - alpha / 2)
        else:
            q = stats.t.ppf(1 - alpha / 2, self.df) if self.df > 0 else math.nan
        se = self.se_obs if obs else self.se_mean
        return np.column_stack([self.predicted_mean - q * se, self.predicted_mean + q * se])

    def summary_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        """The predictions and both intervals as a DataFrame, statsmodels' columns (needs pandas: linreg[frames])."""
        pd = optional_import("pandas", "frames", "summary_frame()")
        mean, obs = self.conf_int(False, alpha), self.conf_int(True, alpha)
        return pd.DataFrame(
            {
                "mean": self.predicted_mean,
                "mean_se": self.se_mean,
                "mean_ci_lower": mean[:, 0],
                "mean_ci_upper": mean[:, 1],
                "obs_ci_lower": obs[:, 0],
                "obs_ci_upper": obs[:, 1],
            },
            index=self.row_labels,
        )


class Influence:
    """Leave-one-out measures per row, statsmodels' ``OLSInfluence`` names (from the whitened residuals,
    so for WLS they are those of the whitened regression).

    ``dfbetas`` (and ``summary_frame()``) need the rows of X again (the results do not keep them): pass X to
    ``get_influence(X)``. As statsmodels', the measures are NumPy arrays in the rows' order whatever the input;
    ``summary_frame()`` is their labelled form (the DataFrame's index with pandas input).
    """

    def __init__(self, results: RegressionResults, rows: np.ndarray | None):
        r = results
        self._results, self._rows = r, rows
        h = r._leverage
        self.hat_matrix_diag = h.copy()  # hᵢ = diag of Z_w (Z_wᵀZ_w)⁺ Z_wᵀ
        k = len(r._theta)
        with np.errstate(divide="ignore", invalid="ignore"):
            # e_wᵢ / (σ̂ √(1 − hᵢ))
            self.resid_studentized_internal = r._wresid / np.sqrt(r.scale * (1 - h))
            d = self.resid_studentized_internal**2 / k * h / (1 - h)
            # σ̂²₍ᵢ₎ without row i: (RSS − eᵢ²/(1 − hᵢ)) / (n − rank − 1)
            self.sigma2_not_obsi = (r.ssr - r._wresid**2 / (1 - h)) / (r.df_resid - 1)
            self.resid_studentized_external = r._wresid / np.sqrt(self.sigma2_not_obsi * (1 - h))
        p = stats.f.sf(d, k, r.df_resid) if r.df_resid > 0 else np.full_like(d, math.nan)
        self.cooks_distance = (d, p)  # (Dᵢ, p-value of Dᵢ under F(k, df_resid))

    def _dffits(self, student: np.ndarray) -> tuple[np.ndarray, float]:
        h = self.hat_matrix_diag
        with np.errstate(divide="ignore", invalid="ignore"):
            values = student * np.sqrt(h / (1 - h))
        return values, 2 * math.sqrt(len(self._results._theta) / self._results.nobs)

    @property
    def dffits(self) -> tuple[np.ndarray, float]:
        """(DFFITSᵢ = tᵢ √(hᵢ/(1 − hᵢ)) with the external tᵢ, statsmodels' threshold 2√(k/n))."""
        return self._dffits(self.resid_studentized_external)

    @property
    def dffits_internal(self) -> tuple[np.ndarray, float]:
        """DFFITS with the internally studentized residual rᵢ (σ̂ from all rows), the same threshold."""
        return self._dffits(self.resid_studentized_internal)

    @property
    def dfbetas(self) -> np.ndarray:
        """(n, k): (θ − θ₍ᵢ₎)ⱼ / (σ̂₍ᵢ₎ √((ZᵀZ)⁻¹)ⱼⱼ), with θ − θ₍ᵢ₎ = (ZᵀZ)⁺zᵢeᵢ/(1 − hᵢ)."""
        if self._rows is None:
            raise ValueError(
                "dfbetas needs the rows of X, which the results do not keep: call results_.get_influence(X) "
                "with the X the model was fitted on"
            )
        r = self._results
        with np.errstate(divide="ignore", invalid="ignore"):
            delta = (self._rows * (r._wresid / (1 - self.hat_matrix_diag))[:, None]) @ r._F.T  # (n, k)
            return delta / np.sqrt(self.sigma2_not_obsi)[:, None] / np.sqrt(np.diag(r._F @ r._F.T))

    def summary_frame(self) -> pd.DataFrame:
        """statsmodels' ``OLSInfluence.summary_frame()``: one row per training row (the DataFrame's index with
        pandas input), columns dfb_<parameter> (DFBETAS), cooks_d, standard_resid (internal), hat_diag,
        dffits_internal, student_resid (external) and dffits. Needs pandas (linreg[frames]) and the rows of X,
        as ``dfbetas`` does."""
        pd = optional_import("pandas", "frames", "summary_frame()")
        dfbetas = self.dfbetas
        columns = {f"dfb_{name}": dfbetas[:, j] for j, name in enumerate(self._results.exog_names)}
        columns.update(
            cooks_d=self.cooks_distance[0],
            standard_resid=self.resid_studentized_internal,
            hat_diag=self.hat_matrix_diag,
            dffits_internal=self.dffits_internal[0],
            student_resid=self.resid_studentized_external,
            dffits=self.dffits[0],
        )
        return pd.DataFrame(columns, index=self._results._row_index)

    def outlier_test(self, alpha: float = 0.05) -> Any:
        """statsmodels' ``outlier_test(method="bonf")``: the external studentized residual, its two-sided
        p-value from t(n − rank − 1), and the Bonferroni-adjusted one (a DataFrame with pandas input)."""
        t = self.resid_studentized_external
        unadj = 2 * stats.t.sf(np.abs(t), self._results.df_resid - 1)
        bonf = np.minimum(unadj * len(t), 1.0)
        table = np.column_stack([t, unadj, bonf])
        if self._results._row_index is None:
            return table
        return _pandas().DataFrame(
            table, index=self._results._row_index, columns=["student_resid", "unadj_p", "bonf(p)"]
        )


def _meats_in_order(rows: Callable[[int], np.ndarray], n: int, p: int) -> np.ndarray:
    """Σ of ``rows(lo)`` over the groups lo = 0, ROW_GROUP, …: each group's meat summed from zero, the groups
    summed in their order, on as many threads as a large pass may use (``blas.row_workers``): the same bits
    on any number of threads. One group is its own sum."""
    if n <= ROW_GROUP:
        return rows(0)  # BLAS's threads as the caller left them
    with blas.row_workers(blas.numpy_threaded(n, p)) as workers:
        return blas.sum_in_order(rows, n, ROW_GROUP, workers)


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
    X : (n, p) float64 array
        The features without the constant.
    y : (n,) float64 array
        The target.
    weights : (n,) array or None
        WLS weights (statsmodels' ``WLS(weights=...)``).
    has_constant : bool
        Add the column of ones (the estimator's ``fit_intercept``).
    names : list of str or None
        Feature names (default x1 … xp; the constant is "const").
    yname : str or None
        The target's name for the summary (default "y").
    row_index : pandas Index or None
        Given when the fit saw pandas: ``params``, ``bse``, ``conf_int()``… are then Series and
        DataFrames indexed by name, residuals and fitted values Series on these rows (statsmodels'
        wrapping); None gives arrays.
    cov_type, cov_kwds, use_t
        The covariance the inference uses, as statsmodels' ``OLS.fit`` takes them (see
        ``get_robustcov_results``); ``use_t`` None means t for ``nonrobust``, the normal otherwise.
    """

    cov_type: str  # which covariance bse, tests, intervals and the summary use
    cov_kwds: dict
    use_t: bool  # t and F distributions (True) or the normal and χ² (False)
    _df_inference: int | None  # G − 1 under cluster (statsmodels' df_resid_inference), else None
    _cov_rows: np.ndarray  # the HAC or cluster covariance, formed from the rows when chosen
    _core_rows: np.ndarray  # its core C (r, r): _cov_rows = F C Fᵀ
    _train_var: np.ndarray | None  # zᵢᵀΣ̂zᵢ per training row under a robust cov_type (None: not formed)

    _cov_HC: dict[str, np.ndarray]  # the robust covariances formed so far
    _core_HC: dict[str, np.ndarray]  # their cores C (r, r) in the basis: cov = F C Fᵀ
    _meat: Callable[[np.ndarray], np.ndarray]  # ω ↦ basisᵀ diag(ω) basis, while some are not formed
    _basis: np.ndarray  # the QR path's orthonormal basis (n, r) of Z_w, while some are not formed
    _R_w: np.ndarray  # (k, k) with the singular values of Z_w, for condition_number
    _condition: float | None  # condition_number once read
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
        yname: str | None = None,
        row_index: Any = None,
        cov_type: str = "nonrobust",
        cov_kwds: dict | None = None,
        use_t: bool | None = None,
    ):
        X, y = self._setup(X, y, weights, has_constant, names, yname, row_index)
        n = X.shape[0]
        self.solver = "qr"
        # Rows zᵢᵀF are formed centred on the (weighted) means: [1, x]F = [1, x − x̄](TF), no cancellation.
        has_weight = weights is not None and self.weights.sum() > 0  # unweighted: the plain mean, the same sum
        self._centre = (
            (np.average(X, axis=0, weights=self.weights) if has_weight else X.mean(axis=0))
            if has_constant
            else np.zeros(X.shape[1])
        )
        sw = np.sqrt(self.weights) if weights is not None else None
        Z = whitened_design(X, sw, has_constant)  # Z_w (n, k)
        yw = y if sw is None else y * sw
        exact = refined_lstsq(Z, yw)
        k = Z.shape[1]
        if exact.rank == k and exact.Q is not None and exact.R is not None and exact.scale is not None:
            self._theta = exact.theta
            basis = exact.Q  # (n, k) orthonormal basis of Z_w's columns
            R_inv = scipy.linalg.solve_triangular(exact.R, np.eye(k), lower=False, check_finite=False)
            F = exact.scale[:, None] * R_inv  # D R̂⁻¹: θ = F Qᵀ y_w
            self._R_w = exact.R / exact.scale  # Z_w = Q R̂ D⁻¹: the singular values of Z_w, k × k
            self.rank = k
        else:
            self.rank, self.solver = exact.rank, "svd"
            warnings.warn(
                f"the design has rank {self.rank} < {k} columns: minimum-norm coefficients and "
                "pseudo-inverse covariance, as statsmodels",
                RankDeficientWarning,
                stacklevel=2,
            )
            U, s, Vt = np.linalg.svd(Z, full_matrices=False)
            r = self.rank
            basis, F = U[:, :r], Vt[:r].T / s[:r]  # Z_w⁺ = F basisᵀ
            self._R_w = np.diag(s)  # Z_w's singular values, all k
            self._theta = F @ (basis.T @ yw)
        self._F = F  # (k, r): (Z_wᵀZ_w)⁺ = F Fᵀ
        self._leverage = np.einsum("ij,ij->i", basis, basis)  # hᵢ
        self._fitted = X @ self._theta[self.k_constant :] + (self._theta[0] if has_constant else 0.0)
        self._finish(y)
        # The robust meats in the orthonormal basis, each when first asked for (statsmodels' HC0_se… are
        # lazy too): the basis (n, r) is kept until HC0, HC2 and HC3 are formed, then let go.
        self._basis = basis
        self._meat = self._meat_from_basis
        self._cov_HC, self._core_HC = {}, {}
        use_t = cov_type == "nonrobust" if use_t is None else use_t
        self._set_cov_type(cov_type, cov_kwds, use_t, lambda: basis, design=X)
        # zᵢᵀ(Z_wᵀZ_w)⁺zᵢ for the training rows, so get_prediction() needs no X later.
        row_factor = (np.column_stack([np.ones(n), X]) if has_constant else X) @ F
        self._train_mean_var = np.einsum("ij,ij->i", row_factor, row_factor)
        self._condition = None  # condition_number, from _R_w when first read

    def _setup(self, X, y, weights, has_constant: bool, names, yname, row_index) -> tuple[np.ndarray, np.ndarray]:
        # Read-only inputs (a DataFrame's or Parquet's values) are copied: results keep views of them.
        X, y = (
            a if a.flags.writeable else a.copy()
            for a in (np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64))
        )
        n, p = X.shape
        self.nobs, self.k_constant = n, int(has_constant)
        self.weights = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
        self.exog_names = (["const"] if has_constant else []) + [
            str(name) for name in (names if names is not None else [f"x{j + 1}" for j in range(p)])
        ]
        if len(self.exog_names) != p + int(has_constant):
            raise ValueError(f"names has {len(self.exog_names) - int(has_constant)} entries for {p} features")
        self.endog_name = "y" if yname is None else str(yname)
        self._row_index = row_index
        return X, y

    def _finish(self, y: np.ndarray) -> None:
        """Everything that follows from the fitted values, the rank and y."""
        n = self.nobs
        self._resid = y - self._fitted
        self._wresid = self._resid * np.sqrt(self.weights)
        self.df_model = self.rank - self.k_constant
        self.df_resid = n - self.rank
        self.ssr = float(self._wresid @ self._wresid)
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
        yname: str | None = None,
        row_index: Any = None,
        cov_type: str = "nonrobust",
        cov_kwds: dict | None = None,
        use_t: bool | None = None,
    ) -> RegressionResults:
        """The same results from a Cholesky fit's statistics, for a well-conditioned, full-rank design.

        Parameters
        ----------
        X, y, weights, has_constant, names, yname, row_index, cov_type, cov_kwds, use_t
            As for the constructor: the data the fit saw, and how to report it.
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
        X, y = self._setup(X, y, weights, has_constant, names, yname, row_index)
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
            self._theta = np.concatenate([[float(intercept)], coef])
        else:
            F, self._theta = U, coef.copy()
        self._F, self.rank, self.solver = F, k, "cholesky"
        self._X, self._x_mean, self._U, self._n_w = X, x_mean, U, n_w
        self._centre = x_mean  # the weighted means (zeros without a constant), for rows zᵢᵀF as in __init__
        fitted, m = np.empty(n), np.empty(n)
        level = float(intercept) + (float(x_mean @ coef) if has_constant else 0.0)  # ŷ = level + x_cᵀw
        c0 = 1 / n_w if has_constant else 0.0

        def rows(lo: int) -> np.ndarray:
            """Rows lo … lo + ROW_GROUP: their fitted values and mᵢ written in place, their meat returned."""
            meat = np.zeros((k, k))
            centred, basis = np.empty((ROW_BLOCK, p)), np.empty((ROW_BLOCK, p))
            for start in range(lo, min(lo + ROW_GROUP, n), ROW_BLOCK):
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
                meat += _block_meat(A, omega * wb, has_constant, n_w)
            return meat

        meat3 = _meats_in_order(rows, n, p)
        self._fitted, self._train_mean_var, self._leverage = fitted, m, w * m
        self._finish(y)
        self._cov_HC, self._core_HC = {"HC3": F @ meat3 @ F.T}, {"HC3": meat3}
        self._meat = self._meat_from_rows
        # Singular values of Z_w from its R factor [[√n, √n x̄ᵀ], [0, Lᵀ]] (k × k): no pass over X.
        R = np.zeros((k, k))
        if has_constant:
            R[0, 0], R[0, 1:], R[1:, 1:] = math.sqrt(n_w), math.sqrt(n_w) * x_mean, L.T
        else:
            R = L.T
        self._R_w, self._condition = R, None  # condition_number, when first read
        use_t = cov_type == "nonrobust" if use_t is None else use_t
        self._set_cov_type(cov_type, cov_kwds, use_t, lambda: self._whitened_rows(X), design=X)
        return self

    def _meat_from_basis(self, omega: np.ndarray) -> np.ndarray:
        """basisᵀ diag(ω) basis, from the orthonormal basis the QR path keeps until every HC core is formed."""
        return self._basis.T @ (self._basis * omega[:, None])

    def _meat_from_rows(self, omega: np.ndarray) -> np.ndarray:
        """One more pass over X for a robust meat Σ ωᵢ bᵢbᵢᵀ (the Cholesky path keeps no basis)."""
        X, has_constant = self._X, bool(self.k_constant)
        k = len(self._theta)
        n, p = X.shape

        def rows(lo: int) -> np.ndarray:
            meat = np.zeros((k, k))
            centred, basis = np.empty((ROW_BLOCK, p)), np.empty((ROW_BLOCK, p))
            for start in range(lo, min(lo + ROW_GROUP, n), ROW_BLOCK):
                stop = min(start + ROW_BLOCK, n)
                Xc = np.subtract(X[start:stop], self._x_mean, out=centred[: stop - start])
                A = np.matmul(Xc, self._U, out=basis[: stop - start])
                meat += _block_meat(A, omega[start:stop] * self.weights[start:stop], has_constant, self._n_w)
            return meat

        return _meats_in_order(rows, n, p)

    # --- names: pandas objects when the fit saw pandas ----------------------------------------

    def _series(self, values: np.ndarray) -> Any:
        """Indexed by parameter name when the fit saw a DataFrame (statsmodels' wrapping), else the array."""
        if self._row_index is None:
            return values
        return _pandas().Series(values, index=list(self.exog_names))

    def _rows_series(self, values: np.ndarray) -> Any:
        return values if self._row_index is None else _pandas().Series(values, index=self._row_index)

    @property
    def params(self) -> Any:
        """θ = (intercept, slopes…): a Series by name with pandas input, else an array."""
        return self._series(self._theta)

    @property
    def fittedvalues(self) -> Any:
        return self._rows_series(self._fitted)

    @property
    def resid(self) -> Any:
        """y − ŷ."""
        return self._rows_series(self._resid)

    @property
    def wresid(self) -> Any:
        """√wᵢ (yᵢ − ŷᵢ): the residuals of the whitened regression (= resid for OLS)."""
        return self._rows_series(self._wresid)

    # --- classical inference ------------------------------------------------------------------

    @property
    def normalized_cov_params(self) -> np.ndarray:
        """(ZᵀWZ)⁻¹, or its pseudo-inverse when rank deficient: F Fᵀ."""
        return self._F @ self._F.T

    def _cov(self) -> np.ndarray:
        """The covariance the inference uses: σ̂²(ZᵀWZ)⁻¹ for ``nonrobust``, else the ``cov_type`` sandwich."""
        if self.cov_type == "nonrobust":
            return self.scale * self.normalized_cov_params
        if self.cov_type in HC_TYPES:
            return self._robust(self.cov_type)
        return self._cov_rows

    def cov_params(self) -> Any:
        """The parameters' covariance under ``cov_type`` (σ̂²(ZᵀWZ)⁻¹ for ``nonrobust``; NaN with no residual
        degrees of freedom): a DataFrame by name with pandas input."""
        cov = self._cov()
        if self._row_index is None:
            return cov
        names = list(self.exog_names)
        return _pandas().DataFrame(cov, index=names, columns=names)

    @property
    def df_resid_inference(self) -> float:
        """The degrees of freedom of t and F under ``cov_type``: G − 1 for ``cluster`` (G groups), else n − rank."""
        return self._df_inference if self._df_inference is not None else self.df_resid

    def _bse(self) -> np.ndarray:
        return np.sqrt(np.diag(self._cov()))

    def _tvalues(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return self._theta / self._bse()

    def _sf2(self, t: np.ndarray) -> np.ndarray:
        """Two-sided p-values of t (or z) statistics, by ``use_t``."""
        if not self.use_t:
            return 2 * stats.norm.sf(np.abs(t))
        if self.df_resid_inference <= 0:
            return np.full_like(t, math.nan)
        # scipy.stats.t.sf's own kernel (sc.stdtr(df, -x)) without its argument machinery: ~50 µs a call
        return 2 * special.stdtr(self.df_resid_inference, -np.abs(t))

    def _crit(self, alpha: float) -> float:
        if not self.use_t:
            return float(stats.norm.ppf(1 - alpha / 2))
        return float(stats.t.ppf(1 - alpha / 2, self.df_resid_inference)) if self.df_resid_inference > 0 else math.nan

    def _conf_int(self, alpha: float) -> np.ndarray:
        q, se = self._crit(alpha), self._bse()
        return np.column_stack([self._theta - q * se, self._theta + q * se])

    @property
    def bse(self) -> Any:
        """Standard errors under ``cov_type``."""
        return self._series(self._bse())

    @property
    def tvalues(self) -> Any:
        """θ / bse: t statistics (z with ``use_t=False``)."""
        return self._series(self._tvalues())

    @property
    def pvalues(self) -> Any:
        """Two-sided: Student's t with ``df_resid_inference`` degrees of freedom (NaN without any), or the
        normal with ``use_t=False`` (statsmodels' default for robust ``cov_type`` chosen at fit)."""
        return self._series(self._sf2(self._tvalues()))

    def conf_int(self, alpha: float = 0.05) -> Any:
        """(k, 2) intervals θ ± c·bse (c from t or the normal, as ``pvalues``): a DataFrame with pandas input."""
        ci = self._conf_int(alpha)
        if self._row_index is None:
            return ci
        return _pandas().DataFrame(ci, index=list(self.exog_names))

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
    def mse_model(self) -> float:
        return _nan_if(self.df_model <= 0, self.ess / max(self.df_model, 1))

    @property
    def mse_total(self) -> float:
        tss = self.centered_tss if self.k_constant else self.uncentered_tss
        return tss / (self.df_resid + self.df_model)

    def _model_test(self) -> tuple[float, float]:
        """(F, p) of "all slopes are zero": (ESS/df_model)/σ̂² for ``nonrobust``, else, as statsmodels, the
        Wald F of those restrictions under the robust covariance."""
        if self.cov_type == "nonrobust":
            if self.df_model <= 0 or not self.scale > 0:
                return math.nan, math.nan
            f = (self.ess / self.df_model) / self.scale
            return f, float(special.fdtrc(self.df_model, self.df_resid, f))  # stats.f.sf's kernel, as _sf2
        R = np.eye(len(self._theta))[self.k_constant :]
        if R.shape[0] == 0:
            return math.nan, math.nan
        test = self.f_test(R)
        return float(test.fvalue), float(test.pvalue)  # type: ignore[arg-type]

    @property
    def fvalue(self) -> float:
        """The model F statistic (NaN where undefined); under a robust ``cov_type``, the robust Wald F."""
        return self._model_test()[0]

    @property
    def f_pvalue(self) -> float:
        return self._model_test()[1]

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

    @property
    def condition_number(self) -> float:
        """√(λ_max/λ_min) of Z_wᵀZ_w, as statsmodels reports it: the ratio of Z_w's extreme singular values,
        those of its k × k R factor (computed on first read)."""
        if self._condition is None:
            s = np.linalg.svd(self._R_w, compute_uv=False)
            self._condition = float(s[0] / s[-1]) if s.size and s[-1] > 0 else math.inf
        return self._condition

    # --- robust covariances --------------------------------------------------------------------

    def _robust(self, kind: str) -> np.ndarray:
        """F (basisᵀ Ω basis) Fᵀ = (ZᵀWZ)⁺ Z_wᵀ Ω Z_w (ZᵀWZ)⁺ with Ω = diag(ωᵢ) per HC type (NaN where hᵢ = 1),
        computed once."""
        if kind not in self._cov_HC:
            self._cov_HC[kind] = self._F @ self._robust_core(kind) @ self._F.T
        return self._cov_HC[kind]

    def _robust_core(self, kind: str) -> np.ndarray:
        """The HC core basisᵀ Ω basis (r, r), computed once. ``_meat(ω)`` is basisᵀ diag(ω) basis, for the ω
        of the whitened residuals."""
        if kind in self._core_HC:
            return self._core_HC[kind]
        if kind == "HC1":  # HC0 scaled by n / (n − rank)
            scale = self.nobs / self.df_resid if self.df_resid > 0 else math.nan
            self._core_HC[kind] = self._robust_core("HC0") * scale
            return self._core_HC[kind]
        e2, h = self._wresid**2, self._leverage
        with np.errstate(divide="ignore", invalid="ignore"):
            omega = {
                "HC0": e2,
                "HC2": np.where(h < 1 - 1e-12, e2 / (1 - h), math.nan),
                "HC3": np.where(h < 1 - 1e-12, e2 / (1 - h) ** 2, math.nan),
            }[kind]
        self._core_HC[kind] = self._meat(omega)
        if {"HC0", "HC2", "HC3"} <= set(self._core_HC) and "_meat" in vars(self):
            # Every robust covariance is formed: X (Cholesky path) or the basis (QR) is no longer needed.
            for name in ("_meat", "_X", "_basis"):
                vars(self).pop(name, None)
        return self._core_HC[kind]

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
    def HC0_se(self) -> Any:
        return self._series(np.sqrt(np.diag(self.cov_HC0)))

    @property
    def HC1_se(self) -> Any:
        return self._series(np.sqrt(np.diag(self.cov_HC1)))

    @property
    def HC2_se(self) -> Any:
        return self._series(np.sqrt(np.diag(self.cov_HC2)))

    @property
    def HC3_se(self) -> Any:
        return self._series(np.sqrt(np.diag(self.cov_HC3)))

    def _basis_rows(self, X) -> np.ndarray:
        """(n, r) rows bᵢ = √wᵢ zᵢᵀF of the whitened design in the basis where (ZᵀWZ)⁺ = FFᵀ, from X.
        Checks X is the fitted design."""
        return self._whitened_rows(self._check_design(X))

    def _whitened_rows(self, X: np.ndarray) -> np.ndarray:
        return self._factor_rows(X) * np.sqrt(self.weights)[:, None]

    def _factor_rows(self, X: np.ndarray, F: np.ndarray | None = None) -> np.ndarray:
        """(m, r) rows zᵢᵀF of the unwhitened design [1, x] (x alone without a constant), for any rows x and
        (default) the results' F, centred first on the fit's means: [1, x]F = [1, x − x̄](TF), so no large
        column mean cancels."""
        F = self._F if F is None else F
        if not self.k_constant:
            return X @ F
        return (X - self._centre) @ F[1:] + (F[0] + self._centre @ F[1:])

    def _row_variances(self, X: np.ndarray, core: np.ndarray) -> np.ndarray:
        """zᵢᵀΣzᵢ per row of X for Σ = F C Fᵀ, as ‖zᵢᵀG‖² with Σ = GGᵀ, G = F V Λ^½ from C = VΛVᵀ (one product
        per row, not two), in blocks of ``ROW_BLOCK`` rows: no (n, r) copy. NaN where C is (an HC type with
        some hᵢ = 1)."""
        if not np.all(np.isfinite(core)):
            return np.full(len(X), math.nan)
        lam, V = np.linalg.eigh(core)
        G = self._F @ (V * np.sqrt(np.clip(lam, 0.0, None)))  # (k, r); λ < 0 only by rounding of a PSD C
        out = np.empty(len(X))
        if not self.k_constant:
            for start in range(0, len(X), ROW_BLOCK):
                r = X[start : start + ROW_BLOCK] @ G
                out[start : start + ROW_BLOCK] = np.einsum("ij,ij->i", r, r)
            return out
        # As _factor_rows, with the from_cholesky pass's reused buffers: [1, x]G = (x − x̄)G[1:] + (G[0] + x̄G[1:]).
        head, body = G[0] + self._centre @ G[1:], np.ascontiguousarray(G[1:])
        centred, rows = np.empty((ROW_BLOCK, X.shape[1])), np.empty((ROW_BLOCK, G.shape[1]))
        for start in range(0, len(X), ROW_BLOCK):
            stop = min(start + ROW_BLOCK, len(X))
            Xc = np.subtract(X[start:stop], self._centre, out=centred[: stop - start])
            r = np.matmul(Xc, body, out=rows[: stop - start])
            r += head
            out[start:stop] = np.einsum("ij,ij->i", r, r)
        return out

    def _check_design(self, X) -> np.ndarray:
        """X as float64 when it is the (n, p) design this model was fitted on (Xθ = the fitted values)."""
        X = np.asarray(X, dtype=np.float64)
        p = len(self._theta) - self.k_constant
        if X.ndim != 2 or X.shape != (self.nobs, p):
            raise ValueError(
                f"X has shape {X.shape}: pass the ({self.nobs}, {p}) X this model was fitted on, rows in order"
            )
        fitted = X @ self._theta[self.k_constant :] + (self._theta[0] if self.k_constant else 0.0)
        if not np.allclose(fitted, self._fitted, rtol=1e-8, atol=1e-8 * (np.abs(self._fitted).max() + 1e-300)):
            raise ValueError("X is not the design this model was fitted on (Xθ differs from the fitted values)")
        return X

    def _rows_cov(self, cov_type: str, kwds: dict, rows: np.ndarray) -> tuple[np.ndarray, int | None]:
        """HAC or cluster: the core c·M (the covariance is F c·M Fᵀ), M from the scores sᵢ = bᵢeᵢ (statsmodels'
        ``wexog · wresid`` in the basis), c statsmodels' small-sample factor. Returns the core and G for cluster."""
        S = rows * self._wresid[:, None]  # (n, k')
        n, k = self.nobs, len(self._theta)
        if cov_type == "HAC":
            lags = int(kwds["maxlags"])
            weights = KERNELS[kwds.get("kernel", "bartlett")](lags)
            M = S.T @ S
            for lag in range(1, lags + 1):
                s = S[lag:].T @ S[:-lag]
                M += weights[lag] * (s + s.T)
            factor = n / (n - k) if kwds.get("use_correction", False) else 1.0
            return factor * M, None
        groups = np.asarray(kwds["groups"])
        if groups.ndim != 1 or len(groups) != n:
            raise ValueError(
                f"groups has shape {groups.shape}: pass one group label per row ({n},) (two-way clustering is "
                "not supported)"
            )
        _, codes = np.unique(groups, return_inverse=True)
        G = int(codes.max()) + 1
        sums = np.zeros((G, S.shape[1]))
        np.add.at(sums, codes, S)
        M = sums.T @ sums
        factor = G / (G - 1.0) * (n - 1.0) / (n - k) if kwds.get("use_correction", True) and G > 1 else 1.0
        return factor * M, G

    def _set_cov_type(
        self,
        cov_type: str,
        kwds: dict | None,
        use_t: bool | None,
        rows: Callable[[], np.ndarray] | None,
        design: np.ndarray | None = None,
    ) -> None:
        """Make ``cov_type`` drive bse, tests, intervals, predictions and the summary (validates its keywords).
        ``rows`` gives the whitened basis rows (HAC, cluster); ``design``, the fitted X, gives the training
        rows' prediction variances under a robust type (one more pass over X)."""
        cov_type = {"hac": "HAC", "nw": "HAC", "cluster": "cluster", "nonrobust": "nonrobust"}.get(
            str(cov_type).lower(), str(cov_type).upper()
        )
        if cov_type not in COV_TYPES:
            raise ValueError(f"cov_type={cov_type!r} is not one of {', '.join(COV_TYPES)} (statsmodels' spellings)")
        kwds = dict(kwds or {})
        allowed = {
            "HAC": {"maxlags", "kernel", "use_correction"},
            "cluster": {"groups", "use_correction", "df_correction"},
        }
        unknown = set(kwds) - allowed.get(cov_type, set())
        if unknown:
            raise ValueError(
                f"cov_kwds {sorted(unknown)} are not used by cov_type={cov_type!r}"
                + (f" (it takes {sorted(allowed[cov_type])})" if cov_type in allowed else " (it takes none)")
            )
        needed = {"HAC": "maxlags", "cluster": "groups"}.get(cov_type)
        if needed and needed not in kwds:
            example = "{'maxlags': 4}" if cov_type == "HAC" else "{'groups': firm_id}"
            raise ValueError(f"cov_type={cov_type!r} needs {needed!r} in cov_kwds, e.g. cov_kwds={example}")
        if cov_type == "HAC" and kwds.get("kernel", "bartlett") not in KERNELS:
            raise ValueError(f"kernel={kwds['kernel']!r}: use one of {', '.join(KERNELS)}")
        self._df_inference = None
        if needed:
            if rows is None:
                raise ValueError(
                    f"cov_type={cov_type!r} needs the rows of X, which the results do not keep: pass them, "
                    f"get_robustcov_results({cov_type!r}, X=X, ...), or fit with "
                    f"LinearRegression(inference=True, cov_type={cov_type!r}, cov_kwds=...)"
                )
            self._core_rows, groups = self._rows_cov(cov_type, kwds, rows())
            self._cov_rows = self._F @ self._core_rows @ self._F.T
            if groups is not None and kwds.get("df_correction", True):
                self._df_inference = groups - 1
        self.cov_type, self.cov_kwds = cov_type, kwds
        self.use_t = bool(use_t)
        robust = cov_type != "nonrobust"
        self._train_var = self._row_variances(design, self._core()) if robust and design is not None else None

    def _core(self) -> np.ndarray:
        """C (r, r) with ``cov_params()`` = F C Fᵀ under ``cov_type`` (σ̂²·I for ``nonrobust``)."""
        if self.cov_type == "nonrobust":
            return self.scale * np.eye(self._F.shape[1])
        if self.cov_type in HC_TYPES:
            return self._robust_core(self.cov_type)
        return self._core_rows

    def get_robustcov_results(
        self, cov_type: str = "HC1", use_t: bool | None = None, X=None, **kwds
    ) -> RegressionResults:
        """These results with another covariance (statsmodels' method): bse, p-values, intervals, tests and
        the summary all follow it.

        Parameters
        ----------
        cov_type : {"nonrobust", "HC0", "HC1", "HC2", "HC3", "HAC", "cluster"}
            As statsmodels spells them. HAC: Newey–West with ``maxlags`` (required), ``kernel``
            ("bartlett" or "uniform") and ``use_correction`` (default False, as statsmodels: no n/(n − k)
            factor). cluster: CRV1 with ``groups`` (one label per row), ``use_correction`` (default True:
            G/(G − 1)·(n − 1)/(n − k)) and ``df_correction`` (default True: t and F use G − 1 degrees of
            freedom).
        use_t : bool or None
            t and F distributions (True) or the normal and χ² (False); None keeps these results' choice,
            as statsmodels does here.
        X : array-like or None
            The X the model was fitted on, which the results do not keep: HAC and cluster need it; the HC
            types need it only for ``get_prediction()`` on the training rows (new rows need nothing).
        """
        res = copy.copy(self)
        design = None if X is None else self._check_design(X)
        rows = None if design is None else (lambda: self._whitened_rows(design))
        res._set_cov_type(cov_type, kwds, self.use_t if use_t is None else use_t, rows, design=design)
        return res

    # --- tests of linear restrictions -----------------------------------------------------------

    def _restriction(self, r_matrix, q_matrix) -> tuple[np.ndarray, np.ndarray]:
        if isinstance(r_matrix, tuple) and len(r_matrix) == 2 and q_matrix is None:  # statsmodels' (R, q) form
            r_matrix, q_matrix = r_matrix
        if isinstance(r_matrix, str):
            R, q = parse_constraints(r_matrix, list(self.exog_names))
            if q_matrix is not None:
                raise ValueError("a hypothesis written as text carries its right-hand side: drop q_matrix")
            return R, q
        R = np.atleast_2d(np.asarray(r_matrix, dtype=np.float64))
        if R.ndim != 2 or R.shape[0] == 0:
            raise ValueError(f"r_matrix has no restrictions (shape {R.shape}): pass at least one row")
        if R.shape[1] != len(self._theta):
            raise ValueError(
                f"r_matrix needs {len(self._theta)} columns (one per parameter, "
                f"{', '.join(self.exog_names)}), got {R.shape[1]}"
            )
        q = np.zeros(R.shape[0]) if q_matrix is None else np.asarray(q_matrix, dtype=np.float64).ravel()
        if q.shape != (R.shape[0],):
            raise ValueError(f"q_matrix needs {R.shape[0]} values, one per row of r_matrix, got {q.size}")
        return R, q

    def t_test(self, r_matrix, q_matrix=None) -> ContrastResults:
        """A t test per row of Rθ = q under ``cov_type`` (a z test with ``use_t=False``): R (J, k) or (k,), or
        statsmodels' ``(R, q)``, or text with parameter names, e.g. ``t_test("bmi = bp")``."""
        R, q = self._restriction(r_matrix, q_matrix)
        effect = R @ self._theta
        sd = np.sqrt(np.einsum("ij,jk,ik->i", R, self._cov(), R))
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (effect - q) / sd
        return ContrastResults(
            effect=effect,
            sd=sd,
            tvalue=t,
            pvalue=self._sf2(t),
            df_denom=self.df_resid_inference,
            distribution="t" if self.use_t else "norm",
            statistic=t,
            q=q,
        )

    def wald_test(self, r_matrix, q_matrix=None, use_f: bool | None = None, scalar: bool = True) -> ContrastResults:
        """The joint Wald test of Rθ = q under ``cov_type``: W = (Rθ − q)ᵀ (R Σ̂ Rᵀ)⁺ (Rθ − q); F = W/J against
        F(J, ``df_resid_inference``) with ``use_f`` (default: ``use_t``), else W against χ²(J)."""
        R, q = self._restriction(r_matrix, q_matrix)
        use_f = self.use_t if use_f is None else use_f
        diff = R @ self._theta - q
        J = R.shape[0]
        if use_f and self.df_resid_inference <= 0:
            return ContrastResults(
                fvalue=math.nan, pvalue=math.nan, df_num=J, df_denom=self.df_resid_inference, distribution="F"
            )
        W = float(diff @ np.linalg.pinv(R @ self._cov() @ R.T) @ diff)
        if use_f:
            F = W / J
            p = float(stats.f.sf(F, J, self.df_resid_inference))
            return ContrastResults(
                fvalue=F, pvalue=p, df_num=J, df_denom=self.df_resid_inference, distribution="F", statistic=F
            )
        return ContrastResults(
            pvalue=float(stats.chi2.sf(W, J)), df_num=J, df_denom=J, distribution="chi2", statistic=W
        )

    def f_test(self, r_matrix, q_matrix=None) -> ContrastResults:
        """The joint F test of Rθ = q: F = (Rθ − q)ᵀ (R Σ̂ Rᵀ)⁻¹ (Rθ − q) / J, with J and ``df_resid_inference``
        d.o.f. (``wald_test(use_f=True)``); r_matrix as for ``t_test`` ("bmi, bp": both zero)."""
        return self.wald_test(r_matrix, q_matrix, use_f=True)

    def compare_f_test(self, restricted: RegressionResults) -> tuple[float, float, float]:
        """(F, p-value, df_diff) of the nested ``restricted`` model against this one, from the residual sums
        of squares (statsmodels' method; both fitted on the same rows, nonrobust)."""
        df_diff = restricted.df_resid - self.df_resid
        if df_diff <= 0:
            raise ValueError(
                f"the restricted model has df_resid {restricted.df_resid} ≥ this model's {self.df_resid} is "
                "required: call full.compare_f_test(restricted)"
            )
        F = (restricted.ssr - self.ssr) / df_diff / (self.ssr / self.df_resid)
        return float(F), float(stats.f.sf(F, df_diff, self.df_resid)), float(df_diff)

    def compare_lr_test(self, restricted: RegressionResults) -> tuple[float, float, float]:
        """(LR = 2(llf − llf_restricted), p-value from χ²(df_diff), df_diff), statsmodels' method."""
        df_diff = restricted.df_resid - self.df_resid
        if df_diff <= 0:
            raise ValueError(
                f"the restricted model has df_resid {restricted.df_resid} ≥ this model's {self.df_resid} is "
                "required: call full.compare_lr_test(restricted)"
            )
        lr = -2 * (restricted.llf - self.llf)
        return float(lr), float(stats.chi2.sf(lr, df_diff)), float(df_diff)

    # --- predictions and influence -----------------------------------------------------------

    def get_prediction(self, X=None, weights=None) -> PredictionResults:
        """Predictions with standard errors: for the training rows (X None) or new rows X (features only,
        the constant is added as in fitting), as statsmodels' ``get_prediction``.

        The mean's variance zᵀΣ̂z uses the covariance of ``cov_type`` (robust under HC0–HC3, HAC and
        cluster); a new observation adds the nonrobust σ̂²/w, ``weights`` w (default: the fit's weights
        for the training rows, 1 for new rows). Intervals use t on ``df_resid`` with ``use_t``, else the
        normal. Under a robust type set by ``get_robustcov_results`` without X, the training rows need
        that X again (the results do not keep it)."""
        labels = getattr(X, "index", None) if X is not None and hasattr(X, "columns") else None
        if X is None:
            if self.cov_type == "nonrobust":
                mean_var = self._train_mean_var * self.scale
            elif self._train_var is not None:
                mean_var = self._train_var
            else:
                raise ValueError(
                    f"get_prediction() for the training rows under cov_type={self.cov_type!r} needs their X, which "
                    f"the results do not keep: use get_robustcov_results({self.cov_type!r}, X=X), or fit with "
                    f"LinearRegression(inference=True, cov_type={self.cov_type!r}), or pass the rows: get_prediction(X)"
                )
            mean = self._fitted
            w = self.weights if weights is None else np.asarray(weights, dtype=np.float64)
            labels = self._row_index
        else:
            X = np.atleast_2d(np.asarray(X, dtype=np.float64))
            p = len(self._theta) - self.k_constant
            if X.ndim != 2:
                raise ValueError(f"X must be 2-D (n, {p}) or one row, got shape {X.shape}")
            if X.shape[1] != p:
                raise ValueError(f"X has {X.shape[1]} features, the fit had {p}")
            mean = X @ self._theta[self.k_constant :] + (self._theta[0] if self.k_constant else 0.0)
            mean_var = self._row_variances(X, self._core())
            w = np.ones(len(X)) if weights is None else np.asarray(weights, dtype=np.float64)
        if np.ndim(w) > 1 or (np.ndim(w) == 1 and len(w) != len(mean)):
            raise ValueError(f"weights has shape {np.shape(w)}: pass one weight per row of X ({len(mean)}) or a scalar")
        with np.errstate(divide="ignore"):
            obs_var = mean_var + self.scale / w
        distribution = "t" if self.use_t else "norm"
        return PredictionResults(mean, np.sqrt(mean_var), np.sqrt(obs_var), float(self.df_resid), labels, distribution)

    def get_influence(self, X=None) -> Influence:
        """Leverage, studentized residuals, Cook's distance, DFFITS, ``outlier_test``; also DFBETAS when
        given the X the model was fitted on (the results do not keep it)."""
        return Influence(self, None if X is None else self._basis_rows(X))

    def outlier_test(self, alpha: float = 0.05) -> Any:
        """statsmodels' ``outlier_test()`` (Bonferroni): see ``Influence.outlier_test``."""
        return self.get_influence().outlier_test(alpha)

    def plot_diagnostics(self, fig=None) -> Any:
        """Residuals vs fitted, normal Q–Q, scale–location and residuals vs leverage (needs matplotlib:
        linreg[plots]); returns the figure. See ``linreg.models._plots.plot_diagnostics``."""
        from linreg.models._plots import plot_diagnostics

        return plot_diagnostics(self, fig=fig)

    # --- residual diagnostics and the summary --------------------------------------------------

    def diagnostics(self) -> dict[str, float]:
        """Omnibus (D'Agostino K²), skew, kurtosis, Jarque–Bera and Durbin–Watson of the whitened residuals."""
        e = self._wresid
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

    def summary(self, yname: str | None = None, xname: list[str] | None = None, alpha: float = 0.05) -> Summary:
        """statsmodels' summary: fit, coefficients under ``cov_type``, residual diagnostics, notes.

        A ``Summary`` is the text (a ``str``) and renders as HTML in notebooks (``as_html()``). Names are
        printed whole; ``yname`` and ``xname`` override the fitted names (default: the DataFrame's
        columns and the Series' name, else y and x1 … xp)."""
        names = list(self.exog_names) if xname is None else list(xname)
        if len(names) != len(self._theta):
            raise ValueError(
                f"xname has {len(names)} names for {len(self._theta)} parameters ({', '.join(self.exog_names)})"
            )
        d = self.diagnostics()
        kind = "OLS" if np.all(self.weights == 1) else "WLS"
        uncentered = "" if self.k_constant else " (uncentered)"
        f, f_p = self._model_test()
        top = [
            (
                ("Dep. Variable:", yname or self.endog_name),
                ("R-squared" + uncentered + ":", fmt(self.rsquared, "#8.3f")),
            ),
            (("Model:", kind), ("Adj. R-squared" + uncentered + ":", fmt(self.rsquared_adj, "#8.3f"))),
            (("Method:", "Least Squares"), ("F-statistic:", fmt(f, "#8.4g"))),
            (("No. Observations:", str(self.nobs)), ("Prob (F-statistic):", fmt(f_p, "#6.3g"))),
            (("Df Residuals:", str(self.df_resid)), ("Log-Likelihood:", fmt(self.llf, "#8.5g"))),
            (("Df Model:", str(self.df_model)), ("AIC:", fmt(self.aic, "#8.4g"))),
            (("Covariance Type:", self.cov_type), ("BIC:", fmt(self.bic, "#8.4g"))),
        ]
        rows = [
            (name, coefficient_cells(b, se, t, p, lo, hi))
            for name, b, se, t, p, (lo, hi) in zip(
                names, self._theta, self._bse(), self._tvalues(), self._sf2(self._tvalues()), self._conf_int(alpha)
            )
        ]
        bottom = [
            (("Omnibus:", fmt(d["omnibus"], "#6.3f")), ("Durbin-Watson:", fmt(d["durbin_watson"], "#8.3f"))),
            (
                ("Prob(Omnibus):", fmt(d["omnibus_pvalue"], "#6.3f")),
                ("Jarque-Bera (JB):", fmt(d["jarque_bera"], "#8.3f")),
            ),
            (("Skew:", fmt(d["skew"], "#6.3f")), ("Prob(JB):", fmt(d["jarque_bera_pvalue"], "#8.3g"))),
            (("Kurtosis:", fmt(d["kurtosis"], "#6.3f")), ("Cond. No.", fmt(self.condition_number, "#8.3g"))),
        ]
        notes = [self._cov_description()]
        if self.condition_number > 1e3:
            notes.append(
                f"The condition number is large, {self.condition_number:.3g}: strong multicollinearity or badly "
                "scaled columns (the coefficients are still exact to the data; see solver_)."
            )
        if self.rank < len(self._theta):
            notes.append(
                f"The design has rank {self.rank} < {len(self._theta)}: minimum-norm coefficients, pseudo-inverse "
                "covariance."
            )
        return Summary(
            Table(f"{kind} Regression Results", top, coefficient_header(self.use_t, alpha), rows, bottom, notes)
        )

    def _cov_description(self) -> str:
        text = COV_DESCRIPTIONS[self.cov_type]
        if self.cov_type == "HAC":
            use = self.cov_kwds.get("use_correction", False)
            text = text.format(maxlags=self.cov_kwds["maxlags"], correction="with" if use else "without")
        return text
