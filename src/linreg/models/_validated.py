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

from linreg.models._base import COMMON_CONSTRAINTS, PRECOMPUTE, LinearModel
from linreg.models._device import to_numpy
from linreg.models._enet import resolve_enet_solver
from linreg.models._paths import Path, enet_alpha_grid, enet_path_from_stats, ridge_alpha_grid, ridge_path, select_alpha
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

    ``precompute`` (statistics of the training rows, as ``LinearRegression``
    takes them) saves the pass over X when ``validation`` is given.
    """

    _parameter_constraints = {
        **COMMON_CONSTRAINTS,
        "n_alphas": [Interval(Integral, 2, None, closed="left")],
        "alpha_min_ratio": [Interval(Real, 0, 1, closed="neither")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        **PRECOMPUTE,
    }

    def fit(self, X, y, validation=None, validation_stats=None):
        """Fit the path on (X, y) and choose α on ``validation=(X_val, y_val)`` (default: the last
        ``validation_fraction`` of the rows). ``validation_stats``, the validation rows' statistics from
        ``compute_stats(X_val, y_val, center=True)``, lets several fits on the same validation rows share
        that pass (as ``precompute`` does for the training rows)."""
        X, y = self._validate_fit(X, y)
        if validation is None:
            cut = len(y) - max(2, int(round(self.validation_fraction * len(y))))
            X, y, validation = X[:cut], y[:cut], (X[cut:], y[cut:])
        X_val, y_val = self._validate_validation(validation)
        if len(y_val) < 2:  # the 1-SE rule needs the spread of the held-out errors
            raise ValueError(
                f"validation holds {len(y_val)} row; choosing alpha needs at least 2 (the one-standard-error "
                "rule uses their spread): pass more validation rows or a larger validation_fraction."
            )
        device, dtype = self._setup()
        stats = self._stats(X, y, device, dtype)
        val_stats = self._held_out_stats(X_val, y_val, device, dtype, validation_stats)
        path = self._path(stats)
        sel = select_alpha(path, val_stats, X_val, y_val)
        self.alphas_ = np.asarray(path.alphas)
        self.coef_path_ = to_numpy(path.coefs)
        self.intercept_path_ = to_numpy(path.intercepts)
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
    """Ridge along a grid of alphas, chosen on validation rows (minimum error and 1-SE).

    At each α minimizes ``‖y − Xw − b‖² + α‖w‖²`` (scikit-learn's ``Ridge`` scaling), in
    closed form from one eigendecomposition of X_cᵀX_c, on a geometric grid from
    10 λ_max(X_cᵀX_c) down; the validation error of every α comes from the validation
    rows' statistics, without another pass over them. What the pipeline's "ridge" is.

    Parameters
    ----------
    n_alphas : int, default=50
        The grid's length.
    alpha_min_ratio : float, default=1e-4
        The grid's end relative to its start.
    validation_fraction : float, default=0.2
        Without ``validation=`` in ``fit``, the last fraction of the rows (at least 2) is held out.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept.
    device : {"auto", "cpu", "cuda", "cuda:N", "mps"}, default="auto"
        Where the statistics pass and the solver run. ``auto`` picks CUDA, then MPS, then the CPU;
        asking for a device this machine lacks raises
        ``DeviceError``. X may be a NumPy array, a torch tensor
        (on any device), a scipy.sparse matrix or a Dask array.
    dtype : {"float64", "float32"}, default="float64"
        The dtype of the statistics pass (float32 for speed on a GPU; sums are accumulated in
        float64 and TF32 is never used).
    precompute : Stats or None, default=None
        Statistics of the training rows computed beforehand (see ``LinearRegression``).

    Attributes
    ----------
    alphas_ : ndarray of shape (n_alphas,)
        The grid, decreasing.
    coef_path_ : ndarray of shape (n_alphas, n_features)
        The coefficients at each alpha (``intercept_path_`` the intercepts).
    mse_path_ : ndarray of shape (n_alphas,)
        The validation mean squared error at each alpha.
    alpha_, coef_, intercept_ : float, ndarray, float
        The model at the minimum validation error (``best_index_``).
    alpha_1se_, coef_1se_, intercept_1se_ : float, ndarray, float
        The largest alpha within one standard error of that minimum (``one_se_index_``):
        a simpler model the validation data cannot tell apart from the best.
    se_best_ : float
        The standard error of the validation MSE at the minimum.
    dual_gap_path_ : ndarray of shape (n_alphas,)
        The duality gap at each alpha (zeros for ridge, solved exactly).
    n_iter_ : int
        Total sweeps along the path (0 for ridge).
    converged_ : bool
        Whether every alpha met its tolerance.
    solver_ : str
        The solver that ran.
    device_ : str
        The device used.
    n_features_in_ : int
        The number of features seen in ``fit``.


    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 3))
    >>> y = X @ [1.5, -2.0, 0.0] + 3.0 + 0.1 * rng.standard_normal(200)
    >>> from linreg.models import ValidatedRidge
    >>> model = ValidatedRidge(n_alphas=20).fit(X[:150], y[:150], validation=(X[150:], y[150:]))
    >>> print(model.coef_[:2].round(1), model.alpha_ <= model.alpha_1se_)
    [ 1.5 -2. ] True
    """

    def __init__(
        self,
        *,
        n_alphas=50,
        alpha_min_ratio=1e-4,
        validation_fraction=0.2,
        fit_intercept=True,
        device="auto",
        dtype="float64",
        precompute=None,
    ):
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
    """Elastic net along scikit-learn's alpha grid, chosen on validation rows (minimum error and 1-SE).

    At each α minimizes ``(1/2n)‖y − Xw − b‖² + αρ‖w‖₁ + ½α(1 − ρ)‖w‖²``; each α
    warm-starts from the previous one and stops on the duality gap (``tol · ‖y − ȳ‖²``).
    What the pipeline's "elastic_net" is.

    Parameters
    ----------
    l1_ratio : float, default=0.5
        ρ in (0, 1].
    n_alphas : int, default=50
        The grid's length, from alpha_max (all coefficients zero) down.
    alpha_min_ratio : float, default=1e-4
        The grid's end relative to alpha_max.
    solver : {"auto", "cd", "fista"}, default="auto"
        As ``ElasticNet``.
    tol : float, default=1e-4
        The duality-gap tolerance per alpha.
    max_iter : int, default=1000
        The most sweeps per alpha.
    validation_fraction : float, default=0.2
        Without ``validation=`` in ``fit``, the last fraction of the rows (at least 2) is held out.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept.
    device : {"auto", "cpu", "cuda", "cuda:N", "mps"}, default="auto"
        Where the statistics pass and the solver run. ``auto`` picks CUDA, then MPS, then the CPU;
        asking for a device this machine lacks raises
        ``DeviceError``. X may be a NumPy array, a torch tensor
        (on any device), a scipy.sparse matrix or a Dask array.
    dtype : {"float64", "float32"}, default="float64"
        The dtype of the statistics pass (float32 for speed on a GPU; sums are accumulated in
        float64 and TF32 is never used).
    precompute : Stats or None, default=None
        Statistics of the training rows computed beforehand (see ``LinearRegression``).

    Attributes
    ----------
    alphas_ : ndarray of shape (n_alphas,)
        The grid, decreasing.
    coef_path_ : ndarray of shape (n_alphas, n_features)
        The coefficients at each alpha (``intercept_path_`` the intercepts).
    mse_path_ : ndarray of shape (n_alphas,)
        The validation mean squared error at each alpha.
    alpha_, coef_, intercept_ : float, ndarray, float
        The model at the minimum validation error (``best_index_``).
    alpha_1se_, coef_1se_, intercept_1se_ : float, ndarray, float
        The largest alpha within one standard error of that minimum (``one_se_index_``):
        a simpler model the validation data cannot tell apart from the best.
    se_best_ : float
        The standard error of the validation MSE at the minimum.
    dual_gap_path_ : ndarray of shape (n_alphas,)
        The duality gap at each alpha (zeros for ridge, solved exactly).
    n_iter_ : int
        Total sweeps along the path (0 for ridge).
    converged_ : bool
        Whether every alpha met its tolerance.
    solver_ : str
        The solver that ran.
    device_ : str
        The device used.
    n_features_in_ : int
        The number of features seen in ``fit``.


    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 3))
    >>> y = X @ [1.5, -2.0, 0.0] + 3.0 + 0.1 * rng.standard_normal(200)
    >>> from linreg.models import ValidatedElasticNet
    >>> model = ValidatedElasticNet(n_alphas=20).fit(X[:150], y[:150], validation=(X[150:], y[150:]))
    >>> print(model.coef_[:2].round(1), model.converged_)
    [ 1.5 -2. ] True
    """

    _parameter_constraints = {
        **_ValidatedPath._parameter_constraints,
        "l1_ratio": [Interval(Real, 0, 1, closed="right")],
        "solver": [StrOptions({"auto", "cd", "fista"})],
        "tol": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        *,
        l1_ratio=0.5,
        n_alphas=50,
        alpha_min_ratio=1e-4,
        solver="auto",
        tol=1e-4,
        max_iter=1000,
        validation_fraction=0.2,
        fit_intercept=True,
        device="auto",
        dtype="float64",
        precompute=None,
    ):
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
        return enet_path_from_stats(
            stats, alphas, float(self.l1_ratio), solver=self.solver_, tol=float(self.tol), max_iter=int(self.max_iter)
        )


class ValidatedLasso(ValidatedElasticNet):
    """Lasso along scikit-learn's alpha grid, chosen on validation rows: ``ValidatedElasticNet`` with ρ = 1.

    At each α minimizes ``(1/2n)‖y − Xw − b‖² + α‖w‖₁``. What the pipeline's "lasso" is.

    Parameters
    ----------
    n_alphas : int, default=50
        The grid's length, from alpha_max (all coefficients zero) down.
    alpha_min_ratio : float, default=1e-4
        The grid's end relative to alpha_max.
    solver : {"auto", "cd", "fista"}, default="auto"
        As ``ElasticNet``.
    tol : float, default=1e-4
        The duality-gap tolerance per alpha.
    max_iter : int, default=1000
        The most sweeps per alpha.
    validation_fraction : float, default=0.2
        Without ``validation=`` in ``fit``, the last fraction of the rows (at least 2) is held out.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept.
    device : {"auto", "cpu", "cuda", "cuda:N", "mps"}, default="auto"
        Where the statistics pass and the solver run. ``auto`` picks CUDA, then MPS, then the CPU;
        asking for a device this machine lacks raises
        ``DeviceError``. X may be a NumPy array, a torch tensor
        (on any device), a scipy.sparse matrix or a Dask array.
    dtype : {"float64", "float32"}, default="float64"
        The dtype of the statistics pass (float32 for speed on a GPU; sums are accumulated in
        float64 and TF32 is never used).
    precompute : Stats or None, default=None
        Statistics of the training rows computed beforehand (see ``LinearRegression``).

    Attributes
    ----------
    alphas_ : ndarray of shape (n_alphas,)
        The grid, decreasing.
    coef_path_ : ndarray of shape (n_alphas, n_features)
        The coefficients at each alpha (``intercept_path_`` the intercepts).
    mse_path_ : ndarray of shape (n_alphas,)
        The validation mean squared error at each alpha.
    alpha_, coef_, intercept_ : float, ndarray, float
        The model at the minimum validation error (``best_index_``).
    alpha_1se_, coef_1se_, intercept_1se_ : float, ndarray, float
        The largest alpha within one standard error of that minimum (``one_se_index_``):
        a simpler model the validation data cannot tell apart from the best.
    se_best_ : float
        The standard error of the validation MSE at the minimum.
    dual_gap_path_ : ndarray of shape (n_alphas,)
        The duality gap at each alpha (zeros for ridge, solved exactly).
    n_iter_ : int
        Total sweeps along the path (0 for ridge).
    converged_ : bool
        Whether every alpha met its tolerance.
    solver_ : str
        The solver that ran.
    device_ : str
        The device used.
    n_features_in_ : int
        The number of features seen in ``fit``.


    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 3))
    >>> y = X @ [1.5, -2.0, 0.0] + 3.0 + 0.1 * rng.standard_normal(200)
    >>> from linreg.models import ValidatedLasso
    >>> model = ValidatedLasso(n_alphas=20).fit(X[:150], y[:150], validation=(X[150:], y[150:]))
    >>> print(np.count_nonzero(model.coef_1se_), model.coef_1se_[:2].round(1))
    2 [ 1.5 -2. ]
    """

    def __init__(
        self,
        *,
        n_alphas=50,
        alpha_min_ratio=1e-4,
        solver="auto",
        tol=1e-4,
        max_iter=1000,
        validation_fraction=0.2,
        fit_intercept=True,
        device="auto",
        dtype="float64",
        precompute=None,
    ):
        super().__init__(
            l1_ratio=1.0,
            n_alphas=n_alphas,
            alpha_min_ratio=alpha_min_ratio,
            solver=solver,
            tol=tol,
            max_iter=max_iter,
            validation_fraction=validation_fraction,
            fit_intercept=fit_intercept,
            device=device,
            dtype=dtype,
            precompute=precompute,
        )
