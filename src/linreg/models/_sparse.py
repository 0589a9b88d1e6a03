"""Elastic net and lasso estimators (scikit-learn's objective and parameters)."""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from linreg.models._base import COMMON_CONSTRAINTS, LinearModel, out_dtype
from linreg.models._device import to_numpy
from linreg.models._enet import resolve_enet_solver, solve_enet
from linreg.models.stats import Stats
from linreg.models.stats.moments import like


class ElasticNet(LinearModel):
    """Linear regression with combined L1 and L2 penalties.

    Minimizes, with ρ = ``l1_ratio`` (b not penalized)::

        (1 / 2n) ‖y − Xw − b‖² + alpha ρ ‖w‖₁ + ½ alpha (1 − ρ) ‖w‖²

    (with ``sample_weight``, (1 / 2Σw) Σ wᵢ (yᵢ − xᵢᵀw − b)² for the first term),
    the objective of ``sklearn.linear_model.ElasticNet``. Solved on X_cᵀX_c by
    coordinate descent or FISTA until the duality gap is below ``tol · ‖y − ȳ‖²``.

    Parameters
    ----------
    alpha : float, default=1.0
        The overall penalty, ≥ 0.
    l1_ratio : float, default=0.5
        ρ in [0, 1]: 1 is the lasso, 0 ridge (in this 1/2n scaling).
    fit_intercept : bool, default=True
        Fit an unpenalized intercept.
    precompute : bool, array-like or Stats, default=False
        scikit-learn's Gram options are accepted (the statistics are always computed);
        a ``Stats`` is used as given.
    max_iter : int, default=1000
        The most sweeps (coordinate descent) or iterations (FISTA).
    copy_X : bool, default=True
        Accepted for scikit-learn compatibility: X is never modified.
    tol : float, default=1e-4
        Stop when the duality gap is below ``tol · ‖y − ȳ‖²``.
    warm_start : bool, default=False
        Start from the previous ``coef_``.
    positive : bool, default=False
        Non-negative coefficients.
    random_state : int, RandomState or None, default=None
        Seeds the coordinate order with ``selection="random"``.
    selection : {"cyclic", "random"}, default="cyclic"
        The order coordinate descent visits the features.
    solver : {"auto", "cd", "fista"}, default="auto"
        ``auto`` picks ``cd`` where the p×p work runs on the host (p ≤ 512, on any device)
        and ``fista`` on a GPU beyond that.
    device : {"auto", "cpu", "cuda", "cuda:N", "mps"}, default="auto"
        Where the statistics pass and the solver run. ``auto`` picks CUDA, then MPS, then the CPU;
        asking for a device this machine lacks raises
        ``DeviceError``. X may be a NumPy array, a torch tensor
        (on any device), a scipy.sparse matrix or a Dask array.
    dtype : {"float64", "float32"}, default="float64"
        The dtype of the statistics pass (float32 for speed on a GPU; sums are accumulated in
        float64 and TF32 is never used).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        The slopes w.
    intercept_ : float or ndarray of shape (n_targets,)
        The intercept b.
    n_iter_ : int
        Sweeps (or iterations) run.
    dual_gap_ : float
        The final duality gap, in the 1/2n scaling.
    converged_ : bool
        Whether the gap met ``tol`` within ``max_iter``.
    solver_ : str
        The solver that ran.
    device_ : str
        The device used.
    n_features_in_ : int
        The number of features seen in ``fit``.

    See Also
    --------
    ElasticNetCV : alpha and l1_ratio chosen by cross-validation.
    enet_path : the coefficients along a grid of alphas.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 3))
    >>> y = X @ [1.5, -2.0, 0.0] + 3.0 + 0.1 * rng.standard_normal(200)
    >>> from linreg.models import ElasticNet
    >>> model = ElasticNet(alpha=0.1, l1_ratio=0.5).fit(X, y)
    >>> print(model.coef_.round(3), model.converged_)
    [ 1.376 -1.867  0.   ] True
    """

    _parameter_constraints = {
        **COMMON_CONSTRAINTS,
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "solver": [StrOptions({"auto", "cd", "fista"})],
        "tol": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "precompute": ["boolean", StrOptions({"auto"}), "array-like", Stats],
        "copy_X": ["boolean"],
        "warm_start": ["boolean"],
        "positive": ["boolean"],
        "random_state": ["random_state"],
        "selection": [StrOptions({"cyclic", "random"})],
    }
    _accepts_sparse = True

    def __init__(
        self,
        alpha=1.0,
        *,
        l1_ratio=0.5,
        fit_intercept=True,
        precompute=False,
        max_iter=1000,
        copy_X=True,
        tol=1e-4,
        warm_start=False,
        positive=False,
        random_state=None,
        selection="cyclic",
        solver="auto",
        device="auto",
        dtype="float64",
    ):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.copy_X = copy_X
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.solver = solver
        self.device = device
        self.dtype = dtype

    def fit(self, X, y, sample_weight=None, check_input=True):
        """With ``sample_weight`` the loss is (1 / 2Σw) Σ wᵢ (yᵢ − xᵢᵀw − b)²: scikit-learn's convention of
        weights rescaled to sum to n, so that multiplying every weight by a constant changes nothing.

        ``precompute``: the statistics are always precomputed (one pass over X); True, False and
        "auto" are accepted for compatibility, a (p, p) Gram matrix is checked against the data
        (scikit-learn's rule), and a ``Stats`` is used as given.
        ``check_input`` is accepted; the input is always checked.
        """
        if self.alpha == 0:
            warnings.warn(
                "With alpha=0, this algorithm does not converge well. You are advised to use the "
                "LinearRegression estimator",
                stacklevel=2,
            )
        X, y = self._validate_fit(X, y, multi_output=True)
        if y.ndim == 2:
            if y.shape[1] == 1:  # scikit-learn's ElasticNet: coef_ (p,) and intercept_ (1,) for one target
                self.fit(X, y[:, 0], sample_weight=sample_weight)
                if self.fit_intercept:
                    self.intercept_ = np.atleast_1d(self.intercept_)
                return self
            return self._fit_targets(X, y, sample_weight)
        sw = self._validate_weights(sample_weight, X)
        device, dtype = self._setup()
        stats = self._stats(X, y, device, dtype, sw)
        _check_user_gram(self.precompute, stats)
        self.solver_ = resolve_enet_solver(self.solver, stats.device)
        w0 = None
        if self.warm_start and getattr(self, "coef_", None) is not None and np.shape(self.coef_) == (X.shape[1],):
            w0 = like(np.asarray(self.coef_, dtype=np.float64), stats.gram)
        rng = check_random_state(self.random_state) if self.selection == "random" else None
        res = solve_enet(
            stats.gram,
            stats.xty,
            stats.yty,
            stats.n,
            float(self.alpha),
            float(self.l1_ratio),
            solver=self.solver_,
            tol=self.tol,
            max_iter=self.max_iter,
            w0=w0,
            positive=self.positive,
            rng=rng,
        )
        self._set_coef(res.coef, stats, out_dtype(X))
        self.n_iter_, self.dual_gap_, self.converged_ = res.n_iter, res.gap / stats.n, res.converged
        if not res.converged:
            warnings.warn(
                f"Objective did not converge. You might want to increase the number of iterations. "
                f"{type(self).__name__}: duality gap {self.dual_gap_:.3g} after {self.max_iter} iterations, "
                f"tolerance {self.tol * float(stats.yty) / stats.n:.3g}; raise max_iter or tol",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    @property
    def sparse_coef_(self):
        """coef_ as a scipy.sparse CSR matrix (scikit-learn's attribute)."""
        return sparse.csr_matrix(np.atleast_2d(self.coef_))


def _check_user_gram(precompute, stats) -> None:
    """scikit-learn's rules for a user Gram matrix (weights normalised to sum to n).

    If fitting the intercept centres X (its means are not zero), the given Gram is not that of the
    centred data: a UserWarning, and the statistics computed here are used. Otherwise it must equal
    XᵀX of the data, or a ValueError says it did not pass validation.
    """
    if isinstance(precompute, (bool, str, Stats)) or precompute is None:
        return
    gram = np.asarray(precompute, dtype=np.float64)
    x_mean = to_numpy(stats.x_mean)
    if stats.center and not np.allclose(x_mean, 0.0, atol=1e-7 * max(1.0, float(np.abs(x_mean).max()))):
        warnings.warn(
            "Gram matrix was provided but X was centered to fit intercept: recomputing Gram matrix.",
            UserWarning,
            stacklevel=3,
        )
        return
    ours = to_numpy(stats.gram) * (stats.rows / stats.n)
    if gram.shape != ours.shape or not np.allclose(gram, ours, rtol=1e-4, atol=1e-6 * np.abs(ours).max()):
        raise ValueError(
            "Gram matrix passed in via 'precompute' parameter did not pass validation when a single "
            "element was checked - please check that it was computed properly. For element "
            "(i, j) it must be X[:, i] @ X[:, j] of the (centred, weighted) data being fitted."
        )


class Lasso(ElasticNet):
    """L1-penalized least squares: ``ElasticNet`` with ``l1_ratio = 1``.

    Minimizes ``(1 / 2n) ‖y − Xw − b‖² + alpha ‖w‖₁`` (scikit-learn's ``Lasso``), by
    coordinate descent or FISTA on the statistics, to ``tol`` on the duality gap.

    Parameters
    ----------
    alpha : float, default=1.0
        The L1 penalty, ≥ 0.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept.
    precompute : bool, array-like or Stats, default=False
        As ``ElasticNet``.
    copy_X : bool, default=True
        Accepted for scikit-learn compatibility: X is never modified.
    max_iter : int, default=1000
        The most sweeps (or iterations).
    tol : float, default=1e-4
        Stop when the duality gap is below ``tol · ‖y − ȳ‖²``.
    warm_start : bool, default=False
        Start from the previous ``coef_``.
    positive : bool, default=False
        Non-negative coefficients.
    random_state : int, RandomState or None, default=None
        Seeds the coordinate order with ``selection="random"``.
    selection : {"cyclic", "random"}, default="cyclic"
        The order coordinate descent visits the features.
    solver : {"auto", "cd", "fista"}, default="auto"
        As ``ElasticNet``.
    device : {"auto", "cpu", "cuda", "cuda:N", "mps"}, default="auto"
        Where the statistics pass and the solver run. ``auto`` picks CUDA, then MPS, then the CPU;
        asking for a device this machine lacks raises
        ``DeviceError``. X may be a NumPy array, a torch tensor
        (on any device), a scipy.sparse matrix or a Dask array.
    dtype : {"float64", "float32"}, default="float64"
        The dtype of the statistics pass (float32 for speed on a GPU; sums are accumulated in
        float64 and TF32 is never used).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        The slopes w: exact zeros where the penalty removes a feature.
    intercept_ : float or ndarray of shape (n_targets,)
        The intercept b.
    n_iter_ : int
        Sweeps (or iterations) run.
    dual_gap_ : float
        The final duality gap.
    converged_ : bool
        Whether the gap met ``tol`` within ``max_iter``.
    solver_ : str
        The solver that ran.
    device_ : str
        The device used.
    n_features_in_ : int
        The number of features seen in ``fit``.

    See Also
    --------
    LassoCV : alpha chosen by cross-validation.
    lasso_path : the coefficients along a grid of alphas.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 3))
    >>> y = X @ [1.5, -2.0, 0.0] + 3.0 + 0.1 * rng.standard_normal(200)
    >>> from linreg.models import Lasso
    >>> model = Lasso(alpha=0.1).fit(X, y)
    >>> print(model.coef_.round(3), np.count_nonzero(model.coef_))
    [ 1.394 -1.911  0.   ] 2
    """

    def __init__(
        self,
        alpha=1.0,
        *,
        fit_intercept=True,
        precompute=False,
        copy_X=True,
        max_iter=1000,
        tol=1e-4,
        warm_start=False,
        positive=False,
        random_state=None,
        selection="cyclic",
        solver="auto",
        device="auto",
        dtype="float64",
    ):
        super().__init__(
            alpha=alpha,
            l1_ratio=1.0,
            fit_intercept=fit_intercept,
            precompute=precompute,
            max_iter=max_iter,
            copy_X=copy_X,
            tol=tol,
            warm_start=warm_start,
            positive=positive,
            random_state=random_state,
            selection=selection,
            solver=solver,
            device=device,
            dtype=dtype,
        )
