"""Ordinary least squares and ridge: closed forms over the sufficient statistics."""

from __future__ import annotations

import math

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from numbers import Real

from sklearn.utils._param_validation import Interval, StrOptions

from linreg.models.base import COMMON_CONSTRAINTS, PRECOMPUTE, LinearModel
from linreg.models.closed_form import equilibrated_gram_cond, solve_ols
from linreg.models.results import RegressionResults
from linreg.models.stats import as_tensor
from linreg.models.path import ridge_coefs


class LinearRegression(LinearModel):
    """Ordinary (or weighted) least squares.

    Minimizes ``Σ wᵢ (yᵢ − xᵢᵀw − b)²`` (wᵢ = 1 without ``sample_weight``; the
    intercept b is not penalized; with ``fit_intercept`` the data are centered on
    their (weighted) means and b = ȳ − x̄ᵀw).

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
        Also build ``results_``, statsmodels' inference for ``OLS`` (or ``WLS``
        with ``sample_weight``) on [1, X], on the host in float64, from the same
        exact factorization that gives ``coef_`` (which then are its parameters).
        Off by default: it keeps an orthonormal basis of X (n × k) while it runs.

    Attributes
    ----------
    coef_, intercept_ : learned parameters (float64)
    solver_ : str, the solver that ran; cond_ : float, √κ of the equilibrated centred XᵀX; rank_ : int
    device_ : str, the device used
    results_ : :class:`~linreg.models.results.RegressionResults` (with ``inference=True``):
        ``params``, ``bse``, ``tvalues``, ``pvalues``, ``conf_int()``, ``rsquared(_adj)``,
        ``fvalue``, ``f_pvalue``, ``llf``, ``aic``, ``bic``, ``cov_params()``, ``HC0_se`` … ``HC3_se``,
        ``get_prediction()``, ``get_influence()``, ``t_test()``, ``f_test()``, ``summary()``.
        When X is rank deficient its ``params`` are statsmodels' minimum-norm θ over
        [1, X], while ``coef_`` is scikit-learn's minimum-norm slopes of the centred X.
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

    def fit(self, X, y, sample_weight=None):
        X, y = self._validate_fit(X, y)
        sw = self._validate_weights(sample_weight, X)
        device, dtype = self._setup()
        stats = self._stats(X, y, device, dtype, sw, allow_underflow=self.solver in ("auto", "qr", "svd"))
        if self.inference:
            self.results_ = RegressionResults(_host(X), _host(y), sw, has_constant=self.fit_intercept)
            if self.results_.rank == len(self.results_.params) and self.solver in ("auto", "qr"):
                # The exact solution is already at hand: one factorization serves the fit and the inference.
                theta = torch.from_numpy(self.results_.params)
                coef = theta[1:] if self.fit_intercept else theta
                self._set_coef(coef, stats)
                if self.fit_intercept:
                    self.intercept_ = np.float64(theta[0])
                cond_eq = equilibrated_gram_cond(stats.gram)
                self.solver_, self.cond_, self.rank_ = "qr", math.sqrt(cond_eq), stats.p
                return self
        sqrt_w = None if sw is None else torch.from_numpy(np.sqrt(sw))
        result = solve_ols(stats, self.solver, dtype, self.fit_intercept,
                           lambda: (as_tensor(X, torch.float64, device), as_tensor(y, torch.float64, device)),
                           sqrt_weight=None if sqrt_w is None else sqrt_w.to(device))
        self._set_coef(result.coef, stats)
        if result.intercept is not None:  # found directly by the exact solver: more accurate than ȳ − x̄ᵀw
            self.intercept_ = np.float64(result.intercept)
        self.solver_, self.cond_, self.rank_ = result.solver, result.cond, result.rank
        return self

    def summary(self, names: list[str] | None = None, yname: str = "y") -> str:
        """statsmodels' summary table of ``results_`` (needs ``inference=True``)."""
        check_is_fitted(self, "results_")
        if names is not None:
            if len(names) != self.n_features_in_:
                raise ValueError(f"names has {len(names)} entries for {self.n_features_in_} features")
            self.results_.exog_names = (["const"] if self.fit_intercept else []) + list(names)
        return self.results_.summary(yname=yname)


def _host(a) -> np.ndarray:
    """float64 NumPy on the host (inference runs there whatever the fit's device)."""
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().double().numpy()
    return np.asarray(a, dtype=np.float64)


class Ridge(LinearModel):
    """Ridge regression (L2), in scikit-learn's scaling.

    Minimizes ``Σ wᵢ (yᵢ − xᵢᵀw − b)² + alpha ‖w‖²`` (wᵢ = 1 without ``sample_weight``,
    unnormalised as in scikit-learn; b not penalized), solved as
    ``(X_cᵀX_c + alpha I) w = X_cᵀy_c`` by Cholesky, or through the
    eigendecomposition of X_cᵀX_c when that matrix is singular.
    """

    _parameter_constraints = {**COMMON_CONSTRAINTS, "alpha": [Interval(Real, 0, None, closed="left")]}

    def __init__(self, alpha=1.0, *, fit_intercept=True, device="auto", dtype="float64"):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.device = device
        self.dtype = dtype

    def fit(self, X, y, sample_weight=None):
        X, y = self._validate_fit(X, y)
        sw = self._validate_weights(sample_weight, X)
        device, dtype = self._setup()
        stats = self._stats(X, y, device, dtype, sw)
        coef = ridge_coefs(stats.gram, stats.xty, torch.tensor([float(self.alpha)], dtype=torch.float64))[0]
        self._set_coef(coef, stats)
        return self
