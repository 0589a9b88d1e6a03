"""Ordinary least squares and ridge: closed forms over the sufficient statistics."""

from __future__ import annotations

import torch

from numbers import Real

from sklearn.utils._param_validation import Interval, StrOptions

from linreg.models.base import COMMON_CONSTRAINTS, LinearModel, centered
from linreg.models.closed_form import solve_ols
from linreg.models.path import ridge_coefs


class LinearRegression(LinearModel):
    """Ordinary least squares.

    Minimizes ``‖y − Xw − b‖²`` (the intercept b is not penalized; with
    ``fit_intercept`` the data are centered and b = ȳ − x̄ᵀw).

    Parameters
    ----------
    fit_intercept : bool, default=True
    solver : {"auto", "cholesky", "qr", "svd"}, default="auto"
        ``auto`` uses Cholesky on XᵀX (one pass over X) when the equilibrated
        XᵀX is well conditioned, and QR of X (refined once) otherwise. The
        orthogonal solvers always work in float64 (on ``device``): with
        ``dtype="float32"`` only the statistics pass runs in float32, so a design
        float32 statistics cannot resolve is still solved accurately.
        Rank-deficient X gets the minimum-norm solution via the SVD, with a
        :class:`~linreg.models.closed_form.RankDeficientWarning`.
    device : {"auto", "cpu", "cuda", "cuda:N", "mps"}, default="auto"
    dtype : {"float64", "float32"}, default="float64"

    Attributes
    ----------
    coef_, intercept_ : learned parameters (float64 NumPy)
    solver_ : str, the solver that ran; cond_ : float, cond(X_c); rank_ : int
    device_ : str, the device used
    """

    _parameter_constraints = {**COMMON_CONSTRAINTS, "solver": [StrOptions({"auto", "cholesky", "qr", "svd"})]}

    def __init__(self, *, fit_intercept=True, solver="auto", device="auto", dtype="float64"):
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.device = device
        self.dtype = dtype

    def fit(self, X, y):
        X, y = self._validate_fit(X, y)
        device, dtype = self._setup()
        stats = self._stats(X, y, device, dtype)
        result = solve_ols(stats, self.solver, dtype, lambda: centered(X, y, stats, device))
        self._set_coef(result.coef, stats)
        self.solver_, self.cond_, self.rank_ = result.solver, result.cond, result.rank
        return self


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
