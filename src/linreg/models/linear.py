"""Ordinary least squares and ridge: closed forms over the sufficient statistics."""

from __future__ import annotations

import warnings

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from numbers import Real

from sklearn.utils._param_validation import Interval, StrOptions

from linreg.models.base import COMMON_CONSTRAINTS, PRECOMPUTE, LinearModel
from linreg.models.ols_inference import OLSInference
from linreg.models.closed_form import RankDeficientWarning, solve_ols
from linreg.models.stats import as_tensor
from linreg.models.path import ridge_coefs


class LinearRegression(LinearModel):
    """Ordinary least squares.

    Minimizes ``‖y − Xw − b‖²`` (the intercept b is not penalized; with
    ``fit_intercept`` the data are centered and b = ȳ − x̄ᵀw).

    Parameters
    ----------
    fit_intercept : bool, default=True
    solver : {"auto", "cholesky", "qr", "svd"}, default="auto"
        ``cholesky``: on XᵀX (one pass over X). ``qr``: equilibrated QR of the
        design as given, refined in double-double: the float64 solution nearest
        the exact least-squares solution of these numbers. ``svd``: the
        minimum-norm solution. ``auto``: Cholesky when the equilibrated XᵀX is
        well enough conditioned to keep ~13 digits, else ``qr``, and ``svd`` with
        a :class:`~linreg.models.closed_form.RankDeficientWarning` when X is
        rank deficient to working precision. The orthogonal solvers work in
        float64 whatever ``dtype``: with ``dtype="float32"`` only the statistics
        pass runs in float32.
    device : {"auto", "cpu", "cuda", "cuda:N", "mps"}, default="auto"
    dtype : {"float64", "float32"}, default="float64"
    precompute : Stats or None, default=None
        Sufficient statistics of (X, y) from :func:`linreg.models.stats.compute_stats`
        (with ``center=fit_intercept``), so several fits on the same rows share
        one pass over X; None computes them.
    inference : bool, default=False
        Also compute statsmodels' OLS inference on [1, X] (on the host, in
        float64): the ``*_`` attributes below and :meth:`summary`.

    Attributes
    ----------
    coef_, intercept_ : learned parameters (float64 NumPy)
    solver_ : str, the solver that ran; cond_ : float, √κ of the equilibrated centred XᵀX; rank_ : int
    device_ : str, the device used
    With ``inference=True``, in statsmodels' names and order (the intercept first
    when fitted): params_, bse_, tvalues_, pvalues_, conf_int_ (k, 2) at 95%,
    bse_hc3_, rsquared_, rsquared_adj_, fvalue_, f_pvalue_, df_resid_, aic_, bic_.
    Quantities that cannot be estimated (no residual degrees of freedom, a
    constant target) are NaN.
    """

    _parameter_constraints = {**COMMON_CONSTRAINTS, "solver": [StrOptions({"auto", "cholesky", "qr", "svd"})],
                              "inference": ["boolean"], **PRECOMPUTE}

    def __init__(self, *, fit_intercept=True, solver="auto", device="auto", dtype="float64", inference=False,
                 precompute=None):
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.device = device
        self.dtype = dtype
        self.inference = inference
        self.precompute = precompute

    def fit(self, X, y):
        X, y = self._validate_fit(X, y)
        device, dtype = self._setup()
        stats = self._stats(X, y, device, dtype)
        result = solve_ols(stats, self.solver, dtype, self.fit_intercept,
                           lambda: (as_tensor(X, torch.float64, device), as_tensor(y, torch.float64, device)))
        self._set_coef(result.coef, stats)
        if result.intercept is not None:  # found directly by the exact solver: more accurate than ȳ − x̄ᵀw
            self.intercept_ = result.intercept
        self.solver_, self.cond_, self.rank_ = result.solver, result.cond, result.rank
        if self.inference:
            self._infer(X, y)
        return self

    def _infer(self, X, y) -> None:
        to_numpy = (lambda a: a.detach().cpu().double().numpy()) if isinstance(X, torch.Tensor) else np.asarray
        res = OLSInference(to_numpy(X).astype(np.float64), to_numpy(y).astype(np.float64),
                           add_constant=self.fit_intercept)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RankDeficientWarning)  # fit already warned
            self.params_ = res.params
        self.bse_, self.tvalues_, self.pvalues_ = res.bse, res.tvalues, res.pvalues
        self.conf_int_, self.bse_hc3_ = res.conf_int(), res.bse_hc3
        self.rsquared_, self.fvalue_, self.f_pvalue_ = res.rsquared, res.fvalue, res.f_pvalue
        self.rsquared_adj_ = (1 - (1 - res.rsquared) * (res.nobs - 1) / res.df_resid if res.df_resid > 0
                              else float("nan"))
        self.df_resid_, self.aic_, self.bic_ = res.df_resid, res.aic, res.bic

    def summary(self, names: list[str] | None = None) -> str:
        """A plain-text coefficient table, statsmodels-style (needs ``inference=True``)."""
        check_is_fitted(self, "bse_")
        k = len(self.params_)
        names = names or ([f"x{j}" for j in range(k - 1)] if self.fit_intercept else [f"x{j}" for j in range(k)])
        rows = (["const"] if self.fit_intercept else []) + list(names)
        head = f"{'':>12} {'coef':>12} {'std err':>11} {'t':>9} {'P>|t|':>9} {'[0.025':>11} {'0.975]':>11}"
        lines = [f"OLS: R² = {self.rsquared_:.4g}, adj. R² = {self.rsquared_adj_:.4g}, F = {self.fvalue_:.4g} "
                 f"(p = {self.f_pvalue_:.3g}), df_resid = {self.df_resid_}, AIC = {self.aic_:.6g}", head]
        for name, b, se, t, pv, (lo, hi) in zip(rows, self.params_, self.bse_, self.tvalues_, self.pvalues_,
                                              self.conf_int_):
            lines.append(f"{name:>12} {b:12.5g} {se:11.4g} {t:9.3f} {pv:9.3g} {lo:11.5g} {hi:11.5g}")
        return "\n".join(lines)


class Ridge(LinearModel):
    """Ridge regression (L2), in scikit-learn's scaling.

    Minimizes ``‖y − Xw − b‖² + alpha ‖w‖²`` (b not penalized), solved as
    ``(X_cᵀX_c + alpha I) w = X_cᵀy_c`` by Cholesky, or through the
    eigendecomposition of X_cᵀX_c when that matrix is singular.
    """

    _parameter_constraints = {**COMMON_CONSTRAINTS, "alpha": [Interval(Real, 0, None, closed="left")]}

    def __init__(self, alpha=1.0, *, fit_intercept=True, device="auto", dtype="float64"):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.device = device
        self.dtype = dtype

    def fit(self, X, y):
        X, y = self._validate_fit(X, y)
        device, dtype = self._setup()
        stats = self._stats(X, y, device, dtype)
        coef = ridge_coefs(stats.gram, stats.xty, torch.tensor([float(self.alpha)], dtype=torch.float64))[0]
        self._set_coef(coef, stats)
        return self
