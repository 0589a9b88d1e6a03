"""Elastic net and lasso estimators (scikit-learn's objective and parameters)."""

from __future__ import annotations

import warnings
from numbers import Integral, Real

from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions

from linreg.models.base import COMMON_CONSTRAINTS, LinearModel
from linreg.models.enet import resolve_enet_solver, solve_enet


class ElasticNet(LinearModel):
    """Linear regression with combined L1 and L2 penalties.

    Minimizes, with ρ = ``l1_ratio`` (b not penalized)::

        (1 / 2n) ‖y − Xw − b‖² + alpha ρ ‖w‖₁ + ½ alpha (1 − ρ) ‖w‖²

    (with ``sample_weight``, (1 / 2Σw) Σ wᵢ (yᵢ − xᵢᵀw − b)² for the first term)

    the objective of ``sklearn.linear_model.ElasticNet``. Solved on X_cᵀX_c by
    coordinate descent (``cd``) or FISTA (``fista``; ``auto`` picks ``cd`` where
    the p×p work runs on the host, which it does for p ≤ 512 on any device, and
    ``fista`` on a GPU beyond that), until the duality gap is below
    ``tol · ‖y − ȳ‖²``.

    Attributes
    ----------
    coef_, intercept_ ; n_iter_ : int ; dual_gap_ : float (in the 1/2n scaling) ;
    converged_ : bool ; solver_ : str ; device_ : str
    """

    _parameter_constraints = {**COMMON_CONSTRAINTS, "alpha": [Interval(Real, 0, None, closed="left")],
                              "l1_ratio": [Interval(Real, 0, 1, closed="both")],
                              "solver": [StrOptions({"auto", "cd", "fista"})],
                              "tol": [Interval(Real, 0, None, closed="left")],
                              "max_iter": [Interval(Integral, 1, None, closed="left")]}

    def __init__(self, alpha=1.0, *, l1_ratio=0.5, fit_intercept=True, solver="auto", tol=1e-4, max_iter=1000,
                 device="auto", dtype="float64"):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.device = device
        self.dtype = dtype

    def fit(self, X, y, sample_weight=None):
        """With ``sample_weight`` the loss is (1 / 2Σw) Σ wᵢ (yᵢ − xᵢᵀw − b)²: scikit-learn's convention of
        weights rescaled to sum to n, so that multiplying every weight by a constant changes nothing."""
        X, y = self._validate_fit(X, y)
        sw = self._validate_weights(sample_weight, X)
        device, dtype = self._setup()
        stats = self._stats(X, y, device, dtype, sw)
        self.solver_ = resolve_enet_solver(self.solver, stats.device)
        res = solve_enet(stats.gram, stats.xty, stats.yty, stats.n, float(self.alpha), float(self.l1_ratio),
                         solver=self.solver_, tol=self.tol, max_iter=self.max_iter)
        self._set_coef(res.coef, stats)
        self.n_iter_, self.dual_gap_, self.converged_ = res.n_iter, res.gap / stats.n, res.converged
        if not res.converged:
            warnings.warn(f"{type(self).__name__} did not converge in {self.max_iter} iterations "
                          f"(duality gap {self.dual_gap_:.3g}); raise max_iter or tol", ConvergenceWarning,
                          stacklevel=2)
        return self


class Lasso(ElasticNet):
    """L1-penalized least squares: :class:`ElasticNet` with ``l1_ratio = 1``.

    Minimizes ``(1 / 2n) ‖y − Xw − b‖² + alpha ‖w‖₁`` (scikit-learn's ``Lasso``).
    """

    def __init__(self, alpha=1.0, *, fit_intercept=True, solver="auto", tol=1e-4, max_iter=1000, device="auto",
                 dtype="float64"):
        super().__init__(alpha=alpha, l1_ratio=1.0, fit_intercept=fit_intercept, solver=solver, tol=tol,
                         max_iter=max_iter, device=device, dtype=dtype)
