"""Regularization paths chosen on a validation split, as estimators (scikit-learn's ``ElasticNetCV``,
but one held-out split instead of K folds, and the one-standard-error choice beside the minimum).

``fit(X, y, validation=(X_val, y_val))`` fits the whole path on the training
rows (one pass for the statistics, then p×p work per alpha, warm-started),
scores every alpha on the validation rows from their statistics, and keeps the
alpha of least validation MSE (``alpha_``, ``coef_``) and the largest alpha
within one standard error of it (``alpha_1se_``, ``coef_1se_``). Without
``validation`` the last ``validation_fraction`` of the rows is held out.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from linreg.models.base import COMMON_CONSTRAINTS, PRECOMPUTE, LinearModel
from linreg.models.enet import resolve_enet_solver
from linreg.models.path import Path, enet_alpha_grid, enet_path, ridge_alpha_grid, ridge_path, select_alpha
from linreg.models.stats import Stats


class _ValidatedPath(LinearModel):
    """Shared fit: statistics, path, selection. Subclasses define ``_path(stats)``.

    Attributes
    ----------
    alphas_ : (K,) decreasing ; coef_path_ : (K, p) ; intercept_path_ : (K,)
    mse_path_ : (K,) validation MSE ; se_best_ : standard error of the MSE at ``alpha_``
    alpha_, coef_, intercept_ : at the minimum validation MSE
    alpha_1se_, coef_1se_, intercept_1se_ : at the one-standard-error alpha
    n_iter_ : iterations over the whole path ; dual_gap_path_ : (K,) ; converged_ ; solver_ ; device_

    ``precompute`` (statistics of the training rows, as :class:`LinearRegression`
    takes them) saves the pass over X when ``validation`` is given.
    """

    _parameter_constraints = {**COMMON_CONSTRAINTS, "n_alphas": [Interval(Integral, 2, None, closed="left")],
                              "alpha_min_ratio": [Interval(Real, 0, 1, closed="neither")],
                              "validation_fraction": [Interval(Real, 0, 1, closed="neither")], **PRECOMPUTE}

    def fit(self, X, y, validation=None):
        X, y = self._validate_fit(X, y)
        if validation is None:
            cut = len(y) - max(1, int(round(self.validation_fraction * len(y))))
            X, y, validation = X[:cut], y[:cut], (X[cut:], y[cut:])
        X_val, y_val = self._validate_validation(validation)
        device, dtype = self._setup()
        stats = self._stats(X, y, device, dtype)
        val_stats = self._held_out_stats(X_val, y_val, device, dtype)
        path = self._path(stats)
        sel = select_alpha(path, val_stats, X_val, y_val)
        self.alphas_ = np.asarray(path.alphas)
        self.coef_path_ = path.coefs.cpu().numpy()
        self.intercept_path_ = path.intercepts.cpu().numpy()
        self.mse_path_, self.se_best_ = sel.mse, sel.se_best
        self.n_iter_ = int(path.n_iter.sum())
        self.dual_gap_path_, self.converged_ = path.gaps, bool(path.converged.all())
        self.alpha_, self.alpha_1se_ = float(self.alphas_[sel.best]), float(self.alphas_[sel.one_se])
        self.coef_, self.intercept_ = self.coef_path_[sel.best], float(self.intercept_path_[sel.best])
        self.coef_1se_, self.intercept_1se_ = self.coef_path_[sel.one_se], float(self.intercept_path_[sel.one_se])
        self.best_index_, self.one_se_index_ = sel.best, sel.one_se
        return self

    def _accepts_dask(self) -> bool:
        return True  # the path runs on the statistics; the validation rows are scored blockwise

    def _path(self, stats: Stats) -> Path:
        raise NotImplementedError


class ValidatedRidge(_ValidatedPath):
    """Ridge, ``‖y − Xw − b‖² + α‖w‖²``, on a geometric α grid from 10 λ_max(X_cᵀX_c) down, chosen on validation."""

    def __init__(self, *, n_alphas=50, alpha_min_ratio=1e-4, validation_fraction=0.2, fit_intercept=True,
                 device="auto", dtype="float64", precompute=None):
        self.precompute = precompute
        self.n_alphas = n_alphas
        self.alpha_min_ratio = alpha_min_ratio
        self.validation_fraction = validation_fraction
        self.fit_intercept = fit_intercept
        self.device = device
        self.dtype = dtype

    def _path(self, stats: Stats) -> Path:
        self.solver_ = "cholesky_eigh"
        return ridge_path(stats, ridge_alpha_grid(stats, int(self.n_alphas), float(self.alpha_min_ratio)))


class ValidatedElasticNet(_ValidatedPath):
    """Elastic net, ``(1/2n)‖y − Xw − b‖² + αρ‖w‖₁ + ½α(1 − ρ)‖w‖²``, on scikit-learn's α grid, chosen on
    validation; each α warm-starts from the previous one and stops on the duality gap (``tol · ‖y − ȳ‖²``)."""

    _parameter_constraints = {**_ValidatedPath._parameter_constraints,
                              "l1_ratio": [Interval(Real, 0, 1, closed="right")],
                              "solver": [StrOptions({"auto", "cd", "fista"})],
                              "tol": [Interval(Real, 0, None, closed="left")],
                              "max_iter": [Interval(Integral, 1, None, closed="left")]}

    def __init__(self, *, l1_ratio=0.5, n_alphas=50, alpha_min_ratio=1e-4, solver="auto", tol=1e-4,
                 max_iter=1000, validation_fraction=0.2, fit_intercept=True, device="auto", dtype="float64",
                 precompute=None):
        self.precompute = precompute
        self.l1_ratio = l1_ratio
        self.n_alphas = n_alphas
        self.alpha_min_ratio = alpha_min_ratio
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.validation_fraction = validation_fraction
        self.fit_intercept = fit_intercept
        self.device = device
        self.dtype = dtype

    def _path(self, stats: Stats) -> Path:
        self.solver_ = resolve_enet_solver(self.solver, stats.device)
        alphas = enet_alpha_grid(stats, float(self.l1_ratio), int(self.n_alphas), float(self.alpha_min_ratio))
        return enet_path(stats, alphas, float(self.l1_ratio), solver=self.solver_, tol=float(self.tol),
                         max_iter=int(self.max_iter))


class ValidatedLasso(ValidatedElasticNet):
    """Lasso, ``(1/2n)‖y − Xw − b‖² + α‖w‖₁``: :class:`ValidatedElasticNet` with ``l1_ratio = 1``."""

    def __init__(self, *, n_alphas=50, alpha_min_ratio=1e-4, solver="auto", tol=1e-4, max_iter=1000,
                 validation_fraction=0.2, fit_intercept=True, device="auto", dtype="float64", precompute=None):
        super().__init__(l1_ratio=1.0, n_alphas=n_alphas, alpha_min_ratio=alpha_min_ratio, solver=solver, tol=tol,
                         max_iter=max_iter, validation_fraction=validation_fraction, fit_intercept=fit_intercept,
                         device=device, dtype=dtype, precompute=precompute)
