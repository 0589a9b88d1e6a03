"""Ordinary least squares and ridge: closed forms over the sufficient statistics; ridge's alpha by CV.

``RidgeCV`` sits beside ``Ridge`` (as in scikit-learn's ``_ridge.py``): efficient leave-one-out from one
eigendecomposition, or K folds on merged statistics (``_folds.py``).
"""

from __future__ import annotations

import math
import warnings
from contextlib import nullcontext
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metadata_routing import _routing_enabled
from sklearn.utils.validation import check_is_fitted

from linreg.models._base import COMMON_CONSTRAINTS, PRECOMPUTE, LinearModel, check_alphas, is_dask_array, out_dtype
from linreg.models._closed_form import (
    MAX_GRAM_COND_FLOAT64,
    RankDeficientWarning,
    equilibrated_gram_cond,
    exact_is_cheap,
    solve_cholesky,
    solve_ols,
)
from linreg.models._device import is_host, is_torch, namespace, to_numpy
from linreg.models._enet import solve_enet
from linreg.models._folds import _fold_statistics, _folds, _split_params, _splitter_routing, first_minimum
from linreg.models._paths import ridge_coefs
from linreg.models._results import COV_TYPES, RegressionResults
from linreg.models.stats import Stats, as_tensor, blas, held_out_sse
from linreg.models.stats.moments import like


def _in_memory(X, y, stats, device):
    """(X, y) in float64 where the statistics' algebra runs: NumPy views on the host for NumPy statistics
    (no torch), tensors on ``device`` otherwise."""
    if not is_torch(stats.gram) and is_host(device):
        return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return as_tensor(X, "float64", device), as_tensor(y, "float64", device)


def _root_weights(sw, stats, device):
    """√w in the statistics' library (None without weights)."""
    if sw is None:
        return None
    root = np.sqrt(sw)
    return root if not is_torch(stats.gram) and is_host(device) else as_tensor(root, "float64", device)


class LinearRegression(LinearModel):
    """Ordinary (or weighted) least squares, exact to the data given where the conditioning needs it.

    Minimizes ``Σ wᵢ (yᵢ − xᵢᵀw − b)²`` (wᵢ = 1 without ``sample_weight``; the
    intercept b is not penalized; with ``fit_intercept`` the data are centered on
    their (weighted) means and b = ȳ − x̄ᵀw). A drop-in for
    ``sklearn.linear_model.LinearRegression``; with ``inference=True`` it also gives
    statsmodels' ``OLS`` results.

    Parameters
    ----------
    fit_intercept : bool, default=True
        Fit an unpenalized intercept (centre X and y on their means first).
    copy_X : bool, default=True
        Accepted for scikit-learn compatibility: X is never modified.
    tol : float, default=1e-6
        Duality-gap tolerance of the coordinate descent used when ``positive=True``.
    n_jobs : int or None, default=None
        Accepted for scikit-learn compatibility (the BLAS decides the threads).
    positive : bool, default=False
        Constrain the coefficients to be non-negative (non-negative least squares).
    solver : {"auto", "cholesky", "qr", "svd"}, default="auto"
        ``cholesky``: on XᵀX (one pass over X). ``qr``: equilibrated QR of the
        design as given, refined in double-double: the float64 solution nearest
        the exact least-squares solution of these numbers. ``svd``: the
        minimum-norm solution. ``auto``: when the equilibrated XᵀX is well enough
        conditioned to keep ~13 digits, a small design (n·(p + 1)² ≤ 10⁵) by Householder
        QR of its centred rows (``solver_ == "centred_qr"``: error about u·κ, as
        scikit-learn's ``lstsq``) and a larger one by Cholesky; otherwise ``qr``; and
        ``svd`` with a ``RankDeficientWarning`` when X is rank deficient to working
        precision. The orthogonal solvers work in float64 whatever ``dtype``.
    device : {"auto", "cpu", "cuda", "cuda:N", "mps"}, default="auto"
        Where the statistics pass and the solver run. ``auto`` picks CUDA, then MPS, then the CPU;
        asking for a device this machine lacks raises
        ``DeviceError``. X may be a NumPy array, a torch tensor
        (on any device), a scipy.sparse matrix or a Dask array.
    dtype : {"float64", "float32"}, default="float64"
        The dtype of the statistics pass (float32 for speed on a GPU; sums are accumulated in
        float64 and TF32 is never used).
    inference : bool, default=False
        Also build ``results_``, statsmodels' inference for ``OLS`` (or ``WLS``
        with ``sample_weight``) on [1, X], on the host in float64, from the fit's own
        factorization. A well-conditioned design (the rule that picks Cholesky for
        ``solver="auto"``, float64 statistics) gets it from the Cholesky factor of
        the statistics plus one pass over X (``results_.solver == "cholesky"``);
        otherwise, a small design included, from the exact refined QR that then
        also gives ``coef_`` (``"qr"``: on a small well-conditioned design these
        differ from ``centred_qr``'s in the last digits), which keeps an n × k
        orthonormal basis while it runs.
        Fitted on a DataFrame (and a named Series y), the results carry the names:
        ``params``, ``bse``, ``pvalues``… are pandas objects indexed by them.
    cov_type : {"nonrobust", "HC0", "HC1", "HC2", "HC3", "HAC", "cluster"}, default="nonrobust"
        The covariance ``results_`` uses for standard errors, tests, intervals, the
        predictions' standard errors (``get_prediction``) and the summary, as statsmodels'
        ``OLS.fit(cov_type=...)``: robust types then use the normal distribution
        (statsmodels' ``use_t=False``) and cost one more pass over X, for the training
        rows' prediction variances. Needs ``inference=True``.
    cov_kwds : dict or None, default=None
        statsmodels' ``cov_kwds``: ``{"maxlags": L}`` for HAC (also ``kernel``,
        ``use_correction``), ``{"groups": labels}`` for cluster, one label per row of
        the X given to ``fit`` (also ``use_correction``, ``df_correction``).
    precompute : Stats or None, default=None
        Sufficient statistics of (X, y) from ``linreg.models.stats.compute_stats()``
        (with ``center=fit_intercept``), so several fits on the same rows share
        one pass over X; None computes them.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        The slopes w, in X's floating dtype (float32 stays float32, as in scikit-learn).
    intercept_ : float or ndarray of shape (n_targets,)
        The intercept b (0.0 without ``fit_intercept``).
    solver_ : str
        The solver that ran: ``"cholesky"``, ``"qr"``, ``"svd"``, ``"centred_qr"`` (``auto`` on a
        small well-conditioned design) or ``"tsqr"`` (``auto`` on a large Dask array).
    cond_ : float
        √κ of the equilibrated centred XᵀX: the condition number of the design.
    rank_ : int
        The rank of the centred design to working precision.
    device_ : str
        The device used.
    results_ : RegressionResults
        With ``inference=True``: statsmodels' names (``params``, ``bse``, ``pvalues``,
        ``conf_int()``, ``rsquared_adj``, ``f_pvalue``, ``HC3_se``, ``summary()``…). When X is
        rank deficient its ``params`` are statsmodels' minimum-norm θ over [1, X], while
        ``coef_`` is scikit-learn's minimum-norm slopes of the centred X.
    n_features_in_ : int
        The number of features seen in ``fit``.

    See Also
    --------
    Ridge : the same with an L2 penalty.
    GradientDescentRegressor : the same objective by gradient descent.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 3))
    >>> y = X @ [1.5, -2.0, 0.0] + 3.0 + 0.1 * rng.standard_normal(200)
    >>> from linreg.models import LinearRegression
    >>> model = LinearRegression(inference=True).fit(X, y)
    >>> print(model.coef_[:2].round(2), round(model.intercept_, 2))
    [ 1.49 -2.01] 3.0
    >>> print(model.results_.pvalues.round(3))  # intercept first, then each feature: x3 plays no part
    [0.    0.    0.    0.472]
    >>> print(model.results_.conf_int()[1].round(3))  # the 95% interval of the first slope
    [1.477 1.505]
    """

    _parameter_constraints = {
        **COMMON_CONSTRAINTS,
        "solver": [StrOptions({"auto", "cholesky", "qr", "svd"})],
        "inference": ["boolean"],
        "cov_type": [StrOptions(set(COV_TYPES))],
        "cov_kwds": [dict, None],
        **PRECOMPUTE,
        "copy_X": ["boolean"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_jobs": [None, Integral],
        "positive": ["boolean"],
    }
    _accepts_sparse = True

    def __init__(
        self,
        *,
        fit_intercept=True,
        copy_X=True,
        tol=1e-6,
        n_jobs=None,
        positive=False,
        solver="auto",
        device="auto",
        dtype="float64",
        inference=False,
        cov_type="nonrobust",
        cov_kwds=None,
        precompute=None,
    ):
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.tol = tol
        self.n_jobs = n_jobs
        self.positive = positive
        self.solver = solver
        self.device = device
        self.dtype = dtype
        self.inference = inference
        self.cov_type = cov_type
        self.cov_kwds = cov_kwds
        self.precompute = precompute

    def fit(self, X, y, sample_weight=None):
        labels = _labels(X, y)  # before validation turns a DataFrame into an array
        X, y = self._validate_fit(X, y, multi_output=True)
        if self.cov_type != "nonrobust" and not self.inference:
            raise ValueError(
                f"cov_type={self.cov_type!r} sets the covariance of results_: fit with "
                f"LinearRegression(inference=True, cov_type={self.cov_type!r})"
            )
        if y.ndim == 2:
            if self.inference:
                raise ValueError("inference=True needs a 1-D y: fit one model per target")
            return self._fit_targets(X, y, sample_weight)
        sw = self._validate_weights(sample_weight, X)
        device, dtype = self._setup()
        # A small fit on the host holds NumPy's BLAS to one thread throughout, as its statistics pass does:
        # OpenBLAS's idle threads spin after each product, and the QR, triangular solves and inference
        # products that follow are too small to gain from them (measured: docs/performance.md).
        small = isinstance(X, np.ndarray) and device.type == "cpu" and not blas.numpy_threaded(*X.shape)
        with blas.one_blas_thread() if small else nullcontext():
            return self._fit_1d(X, y, sw, device, dtype, labels)

    def _fit_1d(self, X, y, sw, device, dtype, labels) -> LinearRegression:
        stats = self._stats(
            X, y, device, dtype, sw, allow_underflow=self.solver in ("auto", "qr", "svd") and not sparse.issparse(X)
        )
        if self.positive or sparse.issparse(X):
            return self._fit_on_statistics(X, stats)
        if is_dask_array(X):
            return self._fit_dask(X, y, sw, stats)
        if self.inference and self._cholesky_inference(X, y, sw, stats, dtype, labels):
            return self
        if self.inference:
            self.results_ = RegressionResults(_host(X), _host(y), sw, **self._results_options(labels))
            if self.results_.rank == len(self.results_._theta) and self.solver in ("auto", "qr"):
                # The exact solution is already at hand: one factorization serves the fit and the inference.
                theta = self.results_._theta
                coef = theta[1:] if self.fit_intercept else theta
                self._set_coef(coef, stats, out_dtype(X))
                if self.fit_intercept:
                    self.intercept_ = out_dtype(X)(theta[0])  # type: ignore[assignment]
                cond_eq = equilibrated_gram_cond(stats.gram)
                self.solver_, self.cond_, self.rank_ = "qr", math.sqrt(cond_eq), stats.p
                return self
        return self._solve(X, y, sw, stats, device, dtype)

    def _solve(self, X, y, sw, stats, device, dtype) -> LinearRegression:
        """``solve_ols`` on rows in memory (the orthogonal solvers read them; Cholesky only the statistics)."""
        result = solve_ols(
            stats,
            self.solver,
            dtype,
            self.fit_intercept,
            lambda: _in_memory(X, y, stats, device),
            sqrt_weight=_root_weights(sw, stats, device),
        )
        self._set_coef(result.coef, stats, out_dtype(X))
        if result.intercept is not None:  # found directly by the exact solver: more accurate than ȳ − x̄ᵀw
            self.intercept_ = out_dtype(X)(result.intercept)  # type: ignore[assignment]
        self.solver_, self.cond_, self.rank_ = result.solver, result.cond, result.rank
        return self

    def _cholesky_inference(self, X, y, sw, stats, dtype, labels) -> bool:
        """Fit by Cholesky and build ``results_`` from its factor, when the solver rule allows it.

        The same bound that chooses the solver decides (κ_eq(G) ≤ ``MAX_GRAM_COND_FLOAT64``, no
        underflow, float64 statistics, more rows than parameters): there the Cholesky solution and the
        exact one agree to about κ·u, and the exact QR's n × k basis would cost 40–120 fits
        (docs/performance.md, "Inference").
        """
        if self.solver not in ("auto", "cholesky") or dtype != np.float64 or stats.underflow:
            return False
        if self.solver == "auto" and exact_is_cheap(stats, self.fit_intercept):
            return False  # small: the exact path costs a millisecond or two
        if X.shape[0] <= X.shape[1] + int(self.fit_intercept):
            return False
        cond_eq = equilibrated_gram_cond(stats.gram)
        if self.solver == "auto" and not cond_eq <= MAX_GRAM_COND_FLOAT64:
            return False
        coef = solve_cholesky(stats.gram, stats.xty)
        if coef is None:
            return False
        b = float(stats.y_mean - stats.x_mean @ coef) if self.fit_intercept else 0.0
        try:
            self.results_ = RegressionResults.from_cholesky(
                _host(X),
                _host(y),
                sw,
                gram=to_numpy(stats.gram),
                x_mean=to_numpy(stats.x_mean),
                coef=to_numpy(coef),
                intercept=b,
                **self._results_options(labels),
            )
        except np.linalg.LinAlgError:  # G positive definite for torch but not for LAPACK's test: the exact path
            return False
        self._set_coef(coef, stats, out_dtype(X))  # the intercept as without inference: ȳ − x̄ᵀw
        self.solver_, self.cond_, self.rank_ = "cholesky", math.sqrt(cond_eq), stats.p
        return True

    def _fit_dask(self, X, y, sw, stats) -> LinearRegression:
        """Dask X: Cholesky on the merged statistics where provably accurate (as in memory), otherwise
        an R-only TSQR of [1 | X | y] (one more pass; backward stable, without the in-memory solver's
        double-double refinement). See ``linreg.models._dask_arrays``."""
        from linreg.models._dask_arrays import dask_tsqr_lstsq

        if self.inference:
            raise ValueError(
                "inference=True needs X in memory (the exact factorization keeps an n × k basis): "
                "pass X.compute(), or fit without inference"
            )
        if self.solver == "auto" and exact_is_cheap(stats, self.fit_intercept):
            # Small (n·k² ≤ EXACT_MAX_WORK: under a megabyte of rows): in memory, by the in-memory rule.
            return self._solve(X.compute(), y.compute(), sw, stats, stats.device, np.dtype(np.float64))
        cond_eq = equilibrated_gram_cond(stats.gram)
        self.cond_ = math.sqrt(cond_eq) if math.isfinite(cond_eq) else math.inf
        self.rank_ = stats.p
        if self.solver == "cholesky" or (
            self.solver == "auto" and cond_eq <= MAX_GRAM_COND_FLOAT64 and not stats.underflow
        ):
            w = solve_cholesky(stats.gram, stats.xty)
            if w is not None:
                self._set_coef(w, stats, out_dtype(X))
                self.solver_ = "cholesky"
                return self
        theta_np, self.rank_ = dask_tsqr_lstsq(X, y, fit_intercept=self.fit_intercept, sample_weight=sw)
        if self.rank_ < stats.p:
            warnings.warn(
                f"X has rank {self.rank_} < {stats.p} features (to working precision, whatever the columns' "
                "units): returning the minimum-norm least-squares solution",
                RankDeficientWarning,
                stacklevel=3,
            )
        theta = theta_np
        self._set_coef(theta[1:] if self.fit_intercept else theta, stats, out_dtype(X))
        if self.fit_intercept:
            self.intercept_ = out_dtype(X)(theta[0])  # type: ignore[assignment]
        self.solver_ = "tsqr"
        return self

    def _fit_on_statistics(self, X, stats) -> LinearRegression:
        """Sparse X or ``positive=True``: solved on the statistics alone.

        ``positive``: non-negative least squares by coordinate descent on XᵀX (to ``tol`` on the
        duality gap). Sparse X: the normal equations (Cholesky, or the minimum-norm eigen-solution
        when XᵀX is singular), as accurate as κ(XᵀX)·u allows: the exact QR path needs a dense X.
        """
        if self.inference:
            raise ValueError(
                "inference=True needs a dense X (the exact factorization works on X itself); pass X.toarray()"
            )
        cond_eq = equilibrated_gram_cond(stats.gram)
        if self.positive:
            res = solve_enet(
                stats.gram,
                stats.xty,
                stats.yty,
                1.0,
                0.0,
                0.0,
                solver="cd",
                tol=self.tol,
                max_iter=100_000,
                positive=True,
            )
            coef, self.solver_ = res.coef, "nnls-cd"
        else:  # Cholesky while XᵀX is safely positive definite; else the minimum-norm eigen-solution
            singular = not cond_eq <= 1e12
            if singular:
                warnings.warn(
                    "XᵀX of the sparse X is singular to working precision: returning the minimum-norm "
                    "least-squares solution",
                    RankDeficientWarning,
                    stacklevel=3,
                )
            coef = ridge_coefs(stats.gram, stats.xty, np.zeros(1), eigen=singular)[0]
            self.solver_ = "eigh" if singular else "cholesky"
        self._set_coef(coef, stats, out_dtype(X))
        self.cond_ = math.sqrt(cond_eq) if math.isfinite(cond_eq) else math.inf
        self.rank_ = int(stats.xp.linalg.matrix_rank(stats.gram)) if not math.isfinite(cond_eq) else stats.p
        return self

    def _results_options(self, labels) -> dict:
        """How ``results_`` reports: names, pandas wrapping (the input's labels) and the covariance."""
        names, yname, index = labels
        return dict(
            has_constant=self.fit_intercept,
            names=names,
            yname=yname,
            row_index=index,
            cov_type=self.cov_type,
            cov_kwds=self.cov_kwds,
        )

    def __getattr__(self, name: str):
        # Only reached when the attribute is missing: say how to get results_ rather than a bare AttributeError.
        if name == "results_":
            raise NotFittedError(_NO_RESULTS.format(name=type(self).__name__))
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def summary(self, names: list[str] | None = None, yname: str | None = None):
        """statsmodels' summary table of ``results_`` (needs ``inference=True``); ``names`` (the features')
        and ``yname`` override the fitted names in this table only (``results_`` keeps its names)."""
        check_is_fitted(self)  # unfitted: scikit-learn's words; fitted without inference: how to get it
        results = self.results_
        xname = None
        if names is not None:
            if len(names) != self.n_features_in_:
                raise ValueError(f"names has {len(names)} entries for {self.n_features_in_} features")
            xname = (["const"] if self.fit_intercept else []) + [str(n) for n in names]
        return results.summary(yname=yname, xname=xname)


_NO_RESULTS = (
    "results_ (statsmodels' inference: summary(), pvalues, conf_int()…) exists after fitting with "
    "{name}(inference=True).fit(X, y); this model was fitted without it"
)


def _labels(X, y) -> tuple[list[str] | None, str | None, object]:
    """(column names, y's name, row index) of pandas input, without importing pandas; Nones otherwise."""
    if type(X).__module__.split(".")[0] != "pandas" or not hasattr(X, "columns"):
        return None, None, None
    name = getattr(y, "name", None) if type(y).__module__.split(".")[0] == "pandas" else None
    return [str(c) for c in X.columns], None if name is None else str(name), X.index


def _host(a) -> np.ndarray:
    """float64 NumPy on the host (inference runs there whatever the fit's device)."""
    return to_numpy(a)


class Ridge(LinearModel):
    """Ridge regression (L2), in scikit-learn's scaling.

    Minimizes ``Σ wᵢ (yᵢ − xᵢᵀw − b)² + alpha ‖w‖²`` (wᵢ = 1 without ``sample_weight``,
    unnormalised as in scikit-learn; b not penalized), solved as
    ``(X_cᵀX_c + alpha I) w = X_cᵀy_c`` by Cholesky, or through the
    eigendecomposition of X_cᵀX_c when that matrix is singular (the minimum-norm
    solution at alpha = 0). A drop-in for ``sklearn.linear_model.Ridge``.

    Parameters
    ----------
    alpha : float or ndarray of shape (n_targets,), default=1.0
        The penalty, ≥ 0; one value per target for a 2-D y.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept.
    copy_X : bool, default=True
        Accepted for scikit-learn compatibility: X is never modified.
    max_iter : int or None, default=None
        Coordinate-descent sweeps for ``positive=True`` (None: 1000).
    tol : float, default=1e-4
        Duality-gap tolerance for ``positive=True``.
    solver : {"auto", "svd", "cholesky", "lsqr", "sparse_cg", "sag", "saga", "lbfgs"}, default="auto"
        scikit-learn's names, so its code runs unchanged; every one returns the exact
        minimizer (scikit-learn's iterative solvers converge to it): ``svd`` by the SVD of
        the centred X, the others by the closed form on the statistics.
    positive : bool, default=False
        Non-negative coefficients, by coordinate descent on the same statistics.
    random_state : int, RandomState or None, default=None
        Accepted for scikit-learn compatibility: no solver here is random.
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
    n_iter_ : int or None
        Coordinate-descent sweeps with ``positive=True``, else None (a closed form).
    solver_ : str
        The solver that ran.
    device_ : str
        The device used.
    n_features_in_ : int
        The number of features seen in ``fit``.

    See Also
    --------
    RidgeCV : alpha chosen by (leave-one-out) cross-validation.
    ValidatedRidge : the whole path, alpha chosen on validation rows.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 3))
    >>> y = X @ [1.5, -2.0, 0.0] + 3.0 + 0.1 * rng.standard_normal(200)
    >>> from linreg.models import Ridge
    >>> model = Ridge(alpha=10.0).fit(X, y)
    >>> print(model.coef_[:2].round(3))  # shrunk towards zero from OLS's [ 1.491 -2.01 ]
    [ 1.422 -1.914]
    """

    _parameter_constraints = {
        **COMMON_CONSTRAINTS,
        "alpha": [Interval(Real, 0, None, closed="left"), np.ndarray],
        "solver": [StrOptions({"auto", "svd", "cholesky", "lsqr", "sparse_cg", "sag", "saga", "lbfgs"})],
        "max_iter": [Interval(Integral, 1, None, closed="left"), None],
        "tol": [Interval(Real, 0, None, closed="left")],
        "positive": ["boolean"],
        "copy_X": ["boolean"],
        "random_state": ["random_state"],
    }
    _accepts_sparse = True

    def __init__(
        self,
        alpha=1.0,
        *,
        fit_intercept=True,
        copy_X=True,
        max_iter=None,
        tol=1e-4,
        solver="auto",
        positive=False,
        random_state=None,
        device="auto",
        dtype="float64",
    ):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol
        self.solver = solver
        self.positive = positive
        self.random_state = random_state
        self.device = device
        self.dtype = dtype

    def fit(self, X, y, sample_weight=None):
        X, y = self._validate_fit(X, y, multi_output=True)
        alpha = np.asarray(self.alpha, dtype=np.float64)
        if self.positive and self.solver not in ("auto", "lbfgs"):
            raise ValueError(
                f"solver='{self.solver}' does not support positive fitting. Please set the solver to "
                "'auto' or 'lbfgs', or set `positive=False`"
            )
        if (alpha < 0).any():
            raise ValueError("alpha must be non-negative")
        if y.ndim == 2 and y.shape[1] == 1 and alpha.size == 1:  # scikit-learn: coef_ (p,), intercept_ (1,)
            self.fit(X, y[:, 0], sample_weight=sample_weight)
            if self.fit_intercept:
                self.intercept_ = np.atleast_1d(self.intercept_)
            return self
        if y.ndim == 2:
            if alpha.ndim == 1 and alpha.size not in (1, y.shape[1]):
                raise ValueError(
                    f"Number of targets and number of penalties do not correspond: {alpha.size} != {y.shape[1]}"
                )
            return self._fit_targets(X, y, sample_weight, {"alpha": np.broadcast_to(alpha.ravel(), (y.shape[1],))})
        if alpha.size != 1:
            raise ValueError(f"Number of targets and number of penalties do not correspond: {alpha.size} != 1")
        a = float(alpha.ravel()[0])
        sw = self._validate_weights(sample_weight, X)
        device, dtype = self._setup()
        stats = self._stats(X, y, device, dtype, sw)
        self.n_iter_ = None
        if self.positive:
            res = solve_enet(
                stats.gram,
                stats.xty,
                stats.yty,
                1.0,
                a,
                0.0,
                solver="cd",
                tol=self.tol,
                max_iter=self.max_iter or 10_000,
                positive=True,
            )
            coef, self.n_iter_ = res.coef, res.n_iter
            if not res.converged:
                warnings.warn(
                    f"{self.solver} solver did not converge (linreg solves positive ridge by coordinate "
                    f"descent on XᵀX; duality gap {res.gap:.3g} after {res.n_iter} sweeps): raise max_iter "
                    "or tol",
                    ConvergenceWarning,
                    stacklevel=2,
                )
        elif a == 0.0 and not sparse.issparse(X) and not is_dask_array(X):
            # Unpenalised: least squares itself, through the OLS solver (Cholesky only where provably
            # accurate, else the exact QR, else the minimum-norm solution with a RankDeficientWarning,
            # with a rank test that ignores the columns' units), for every solver name. A Cholesky of a
            # singular XᵀX can "succeed" on a round-off pivot and return a non-minimum-norm answer.
            result = solve_ols(
                stats,
                "svd" if self.solver == "svd" else "auto",
                dtype,
                self.fit_intercept,
                lambda: _in_memory(X, y, stats, device),
                sqrt_weight=_root_weights(sw, stats, device),
            )
            coef = result.coef
        elif self.solver == "svd":
            if is_dask_array(X):
                raise TypeError("solver='svd' needs X in memory; with a Dask X use solver='auto'")
            if sparse.issparse(X):  # the SVD needs the dense matrix; every other solver here works on XᵀX
                if self.fit_intercept:
                    raise ValueError(
                        "solver='svd' does not support fitting the intercept on sparse data. Please "
                        "set the solver to 'auto' or 'lsqr', 'sparse_cg', 'sag', 'lbfgs' or set "
                        "`fit_intercept=False`"
                    )
                raise TypeError("SVD solver does not support sparse inputs currently")
            coef = _ridge_svd(X, y, sw, stats, a, device)
        else:
            coef = ridge_coefs(stats.gram, stats.xty, np.array([a]))[0]
        self.solver_ = "coordinate descent" if self.positive else self.solver
        self._set_coef(coef, stats, out_dtype(X))
        return self


def _ridge_svd(X, y, sw, stats, alpha: float, device):
    """w = V diag(s / (s² + α)) Uᵀ y_c from the SVD of the centred (and √w-weighted) X; α = 0: minimum norm."""
    Xc, yc = _in_memory(X, y, stats, device)
    xp = namespace(Xc)
    Xc, yc = Xc - like(stats.x_mean, Xc), yc - like(stats.y_mean, yc)
    if sw is not None:
        root = _root_weights(sw, stats, device)
        Xc, yc = Xc * root[:, None], yc * root
    U, s, Vh = xp.linalg.svd(Xc, full_matrices=False)
    cutoff = xp.finfo(xp.float64).eps * max(Xc.shape) * (float(s[0]) if s.shape[0] else 0.0)
    d = xp.where(s > cutoff, s / (s**2 + alpha), xp.zeros_like(s))
    return Vh.T @ (d * (U.T @ yc))


class RidgeCV(LinearModel):
    """Ridge with alpha chosen by cross-validation, scikit-learn's ``RidgeCV``.

    Each candidate is ``Ridge`` at that alpha. ``cv=None``: efficient leave-one-out.
    With G = X_cᵀX_c = VΛVᵀ and Z = X_c V, the hat matrix of ridge with an unpenalised
    intercept has hᵢ = 1/n + Σⱼ Zᵢⱼ² / (λⱼ + α), and the leave-one-out residual is
    eᵢ / (1 − hᵢ): one pass over X for Z and one eigendecomposition, then O(np) per
    alpha (exact, where scikit-learn's GCV works through an SVD per call). Rows that
    interpolate (n − 1 ≤ p with an intercept) use the SVD of the rows instead (see ``gcv_mode``). Otherwise
    K-fold on the folds' statistics, merged: one pass over X for all folds and alphas.

    Parameters
    ----------
    alphas : array-like of shape (n_alphas,), default=(0.1, 1.0, 10.0)
        The candidate penalties, > 0.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept.
    scoring : str, callable or None, default=None
        None: leave-one-out squared error, or R² for K-fold (scikit-learn's defaults). Otherwise
        any scikit-learn scorer: a name ``sklearn.metrics.get_scorer`` knows, a ``make_scorer``
        object or a callable ``scorer(estimator, X, y)``. With leave-one-out it scores the exact
        leave-one-out predictions (all rows at once, as scikit-learn's RidgeCV); with K folds each
        fold's held-out predictions, averaged over the folds ("r2" and "neg_mean_squared_error"
        come straight from the folds' statistics there, weighted by ``sample_weight``).
    cv : int, cross-validation generator, iterable or None, default=None
        None: leave-one-out; anything ``sklearn.model_selection.check_cv`` takes otherwise.
    gcv_mode : {None, "auto", "svd", "eigen"}, default=None
        Accepted for compatibility: linreg picks the formulation by shape for every mode: the
        eigendecomposition of G (p × p) when the rows outnumber the features, the SVD of the centred
        rows (n × p) when they interpolate (n − 1 ≤ p with an intercept, n ≤ p without; rows of zero
        weight do not count). There 1 − hᵢ comes without cancellation: 13–14 digits where G's
        leverages kept 6 near interpolation.
    store_cv_results : bool, default=False
        Keep the leave-one-out errors in ``cv_results_`` (leave-one-out only).
    alpha_per_target : bool, default=False
        For a 2-D y, one alpha per target.
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
    alpha_ : float or ndarray of shape (n_targets,)
        The chosen penalty.
    best_score_ : float or ndarray of shape (n_targets,)
        Its score, in scikit-learn's sign (higher is better).
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        The model at ``alpha_``, on all rows.
    intercept_ : float or ndarray of shape (n_targets,)
        Its intercept.
    cv_results_ : ndarray
        With ``store_cv_results``: the leave-one-out squared errors, (n_samples, n_alphas).
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
    >>> from linreg.models import RidgeCV
    >>> model = RidgeCV(alphas=[0.01, 0.1, 1.0, 10.0, 100.0]).fit(X, y)
    >>> print(model.alpha_, model.coef_[:2].round(3))
    0.01 [ 1.491 -2.01 ]
    """

    _parameter_constraints = {
        **COMMON_CONSTRAINTS,
        "alphas": ["array-like", Interval(Real, 0, None, closed="left")],
        "cv": ["cv_object"],
        "scoring": [None, StrOptions(set(get_scorer_names())), callable],
        "gcv_mode": [None, StrOptions({"auto", "svd", "eigen"})],
        "store_cv_results": ["boolean"],
        "alpha_per_target": ["boolean"],
    }

    # K folds from sparse statistics; leave-one-out from X V, centred after the product (interpolating
    # rows, at most 2p + 2 of them, are densified for their SVD)
    _accepts_sparse = True

    def __init__(
        self,
        alphas=(0.1, 1.0, 10.0),
        *,
        fit_intercept=True,
        scoring=None,
        cv=None,
        gcv_mode=None,
        store_cv_results=False,
        alpha_per_target=False,
        device="auto",
        dtype="float64",
    ):
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.scoring = scoring
        self.cv = cv
        self.gcv_mode = gcv_mode
        self.store_cv_results = store_cv_results
        self.alpha_per_target = alpha_per_target
        self.device = device
        self.dtype = dtype

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # a 2-D y, as scikit-learn's RidgeCV
        return tags

    def get_metadata_routing(self):
        """scikit-learn's metadata routing for K folds: ``fit``'s extra parameters go to the splitter."""
        return _splitter_routing(self)

    def fit(self, X, y, sample_weight=None, **params):
        """y (n,) or (n, T). With T targets each has its own statistics pass and leave-one-out (or
        K-fold) errors; one alpha minimises their mean over targets (scikit-learn's default), or with
        ``alpha_per_target`` (leave-one-out only, as scikit-learn) each target gets its own."""
        if params and self.cv is None and _routing_enabled():
            raise ValueError(
                f"RidgeCV.fit got {sorted(params)}: with cv=None (leave-one-out) there is no splitter to route "
                "them to, and linreg does not route metadata to scorers; pass cv= a splitter that takes them"
            )
        split_params = _split_params(self, "fit", sample_weight, params)
        X, y = self._validate_fit(X, y, multi_output=True)
        sw = self._validate_weights(sample_weight, X)
        device, dtype = self._setup()
        # Leave-one-out divides by λ + α: α > 0 there, α ≥ 0 with K folds (scikit-learn's rule and words).
        alphas = check_alphas(self.alphas, positive=self.cv is None)
        if self.store_cv_results and self.cv is not None:
            raise ValueError("cv!=None and store_cv_results=True are incompatible")
        if self.alpha_per_target and self.cv is not None:
            raise ValueError(
                "cv!=None and alpha_per_target=True are incompatible (as in scikit-learn): use cv=None "
                "(leave-one-out) to choose an alpha per target"
            )
        # scikit-learn's defaults: leave-one-out by squared error, K-fold by the estimator's score (R²).
        r2 = self.scoring == "r2" or (self.scoring is None and self.cv is not None)
        scorer = self._scorer()
        a_t = np.asarray(alphas, dtype=np.float64)
        Y = y[:, None] if y.ndim == 1 else y
        # The folds once for every target: a cv given as a generator of splits can be read only once.
        folds = None if self.cv is None else _folds(X, y, self.cv, **split_params)
        scores, sq_errors, fulls = zip(
            *(self._scores(X, Y[:, t], sw, a_t, device, dtype, r2, scorer, folds) for t in range(Y.shape[1]))
        )
        if scorer is not None:  # scores (higher is better) from the predictions, per alpha
            best = self._choose_by_scorer(scorer, scores, y, alphas, sw)
            best = np.full(Y.shape[1], best[0]) if len(best) == 1 else best
        else:
            per_alpha = np.stack(scores)  # (T, K) loss per target and alpha: MSE, or 1 − R² (mean over folds)
            to_score = (lambda loss: 1 - loss) if r2 else (lambda loss: -loss)  # noqa: E731
            if self.alpha_per_target and y.ndim == 2:
                best = per_alpha.argmin(1)
                self.alpha_, self.best_score_ = alphas[best], to_score(per_alpha[np.arange(len(best)), best])
            else:
                score = to_score(per_alpha.mean(0))  # the mean over targets (scikit-learn's uniform average)
                best = np.full(Y.shape[1], first_minimum(-score))  # the first highest score
                self.alpha_, self.best_score_ = float(alphas[best[0]]), float(score[best[0]])
        coefs = [ridge_coefs(full.gram, full.xty, a_t[k : k + 1])[0] for full, k in zip(fulls, best)]
        if y.ndim == 1:
            self._set_coef(coefs[0], fulls[0], out_dtype(X))
        else:
            self.coef_ = np.stack([to_numpy(c) for c in coefs]).astype(out_dtype(X), copy=False)  # (T, p)
            self.intercept_ = (
                np.array(
                    [float(f.y_mean - f.x_mean @ like(c, f.x_mean)) for f, c in zip(fulls, coefs)], dtype=out_dtype(X)
                )
                if self.fit_intercept
                else 0.0
            )
        if self.store_cv_results and self.cv is None:
            # (n, K) for one target, (n, T, K) for several, as scikit-learn stores squared errors.
            self.cv_results_ = sq_errors[0] if y.ndim == 1 else np.stack(sq_errors, axis=1)
        return self

    def _scorer(self):
        """The scorer the predictions go through, or None where the statistics give the score exactly
        (scoring None; "r2" and "neg_mean_squared_error" on K folds)."""
        if self.scoring is None or (self.cv is not None and self.scoring in ("r2", "neg_mean_squared_error")):
            return None
        return check_scoring(self, scoring=self.scoring)

    def _choose_by_scorer(self, scorer, predictions, y, alphas, sw) -> np.ndarray:
        """``predictions`` per target: leave-one-out (n, K), or K-fold a list of (test rows, (m, K)).
        The first alpha of the highest score wins (scikit-learn's strict '>' over the alphas). As in
        scikit-learn, leave-one-out hands ``sample_weight`` to the scorer; K-fold scores unweighted.
        Sets ``alpha_`` and ``best_score_``; returns the chosen index per target (one entry when shared)."""
        ident = _Predictions()
        K = len(alphas)
        Y = y[:, None] if y.ndim == 1 else y
        per_target = self.alpha_per_target and y.ndim == 2

        def score(pred, truth, **kw):
            return float(scorer(ident, pred, truth, **kw))

        if self.cv is None:
            weights = {} if sw is None else {"sample_weight": sw}
            P = np.stack(predictions, axis=1)  # (n, T, K)
            if per_target:
                table = np.array([[score(P[:, t, k], Y[:, t], **weights) for k in range(K)] for t in range(Y.shape[1])])
            else:
                table = np.array([[score(P[:, 0, k] if y.ndim == 1 else P[:, :, k], y, **weights) for k in range(K)]])
        else:  # the mean over folds of each fold's score (GridSearchCV's mean_test_score)
            folds = predictions[0]
            table = np.zeros((1, K))
            for f, (test, _) in enumerate(folds):
                P = np.stack([predictions[t][f][1] for t in range(Y.shape[1])], axis=1)  # (m, T, K)
                truth = y[test]
                table[0] += [score(P[:, 0, k] if y.ndim == 1 else P[:, :, k], truth) for k in range(K)]
            table /= len(folds)
        best = table.argmax(1)
        if per_target:
            self.alpha_, self.best_score_ = alphas[best], table[np.arange(len(best)), best]
        else:
            self.alpha_, self.best_score_ = float(alphas[best[0]]), float(table[0, best[0]])
        return best

    def _scores(
        self, X, y, sw, a_t, device, dtype, r2: bool, scorer=None, folds=None
    ) -> tuple[np.ndarray | list, np.ndarray | None, Stats]:
        """One target: the loss at every alpha (mean squared error, or with ``r2`` the fold mean of
        SSE/SST = 1 − R²), what ``cv_results_`` stores (n, K) when cv is None, and the statistics
        of all rows. Held-out rows count with their sample_weight (as scikit-learn's LassoCV; its
        RidgeCV's K-fold search scores them unweighted). With a ``scorer`` the first item is the
        predictions instead: leave-one-out (n, K), or per fold (test rows, (m, K))."""
        if self.cv is None:
            full = self._stats(X, y, device, dtype, sw)
            root_w = np.ones(len(y)) if sw is None else np.sqrt(sw)
            # Interpolating (the rows that count, less the intercept's direction, fit in p dimensions):
            # the n × n form, where 1 − h has no cancellation; bounded so the n × n work stays small.
            n, p = X.shape
            rows = n if sw is None else int(np.count_nonzero(sw))
            if rows - int(self.fit_intercept) <= p and n <= 2 * p + 2:
                loo = self._wide_loo(X, y, full, root_w, a_t)
            else:
                loo = self._tall_loo(X, y, full, root_w, a_t)
            # cv_results_ as scikit-learn's: squared (whitened) errors, or with a scoring the
            # leave-one-out predictions y − e/√w.
            stored = (loo**2).T if self.scoring is None else np.asarray(y, dtype=np.float64)[:, None] - (loo / root_w).T
            if scorer is not None:
                return stored, stored, full
            return (loo**2).mean(1), stored, full
        assert folds is not None  # K folds: computed once by fit
        train, held, full = _fold_statistics(X, y, sw, folds, self.fit_intercept, device, dtype, type(self).__name__)
        if scorer is not None:  # each fold's held-out predictions at every alpha
            out = []
            for (_, test), tr in zip(folds, train):
                Wf = ridge_coefs(tr.gram, tr.xty, a_t)  # (K, p)
                bf = to_numpy(tr.y_mean - Wf @ tr.x_mean)
                rows = X[test].astype(np.float64) if sparse.issparse(X) else np.asarray(X[test], dtype=np.float64)
                out.append((test, np.asarray(rows @ to_numpy(Wf).T) + bf))
            return out, None, full
        per_fold = []
        for (_, test), tr, ho in zip(folds, train, held):
            W = ridge_coefs(tr.gram, tr.xty, a_t)  # (K, p)
            b = tr.y_mean - W @ tr.x_mean
            sse = to_numpy(held_out_sse(W, b, ho))
            if r2:  # R² on the fold: 1 − SSE / Σ w (y − ȳ_fold)², the spread about the fold's own mean
                yf, wf = y[test], (np.ones(len(test)) if sw is None else sw[test])
                per_fold.append(sse / float(np.sum(wf * (yf - np.average(yf, weights=wf)) ** 2)))
            else:
                per_fold.append(sse / float(ho.n))
        return np.mean(per_fold, axis=0), None, full

    @staticmethod
    def _centred_rows(X, full: Stats, root_w: np.ndarray) -> np.ndarray:
        """√W (X − x̄) as a dense array (W = 1 without weights; x̄ = 0 without an intercept)."""
        if sparse.issparse(X):
            X = X.toarray()
        return (np.asarray(X, dtype=np.float64) - to_numpy(full.x_mean)) * root_w[:, None]

    def _tall_loo(self, X, y, full: Stats, root_w: np.ndarray, a_t: np.ndarray) -> np.ndarray:
        """(K, n) whitened leave-one-out residuals from G = VΛVᵀ (p × p): one product X V, O(np) per alpha.

        On the host in NumPy, whatever the statistics' library (the rows are NumPy here)."""
        lam, V = np.linalg.eigh(to_numpy(full.gram))
        # Whitened, centred rows: Z = √W (X − x̄) V, ỹ = √W (y − ȳ) (W = 1 without weights).
        if sparse.issparse(X):  # X V first (sparse × dense), then the centring: x̄ᵀV per row
            XV = np.asarray(X.astype(np.float64) @ V)
            Z = (XV - to_numpy(full.x_mean) @ V) * root_w[:, None]
        else:
            Z = self._centred_rows(X, full, root_w) @ V
        yc = (np.asarray(y, dtype=np.float64) - to_numpy(full.y_mean)) * root_w
        inv = 1 / (lam[None, :] + a_t[:, None])  # (K, p)
        fitted = (inv * (V.T @ to_numpy(full.xty))) @ Z.T  # (K, n)
        h = (Z**2) @ inv.T  # (n, K) leverages of the centred part
        if self.fit_intercept:
            h = h + (root_w**2 / full.n)[:, None]  # and of the (unpenalised) intercept
        return (yc[None, :] - fitted) / (1 - h.T)

    def _wide_loo(self, X, y, full: Stats, root_w: np.ndarray, a_t: np.ndarray) -> np.ndarray:
        """(K, n) whitened leave-one-out residuals from the SVD of the rows Z (n × p), when they interpolate.

        With Z = √W (X − x̄) = U Σ Vᵀ and s = σ², I − H = U diag(α / (s + α)) Uᵀ: the residual and
        1 − hᵢ = Σⱼ Uᵢⱼ² α / (sⱼ + α) come without the cancellation of 1 − hᵢ computed from the
        leverages, which near interpolation (h → 1, a wide design at small α) loses digits. The
        intercept's direction √w/‖√w‖ (where Z Zᵀ vanishes) is taken out first by a Householder
        reflection, so it is fitted unpenalised whatever the other null directions are.
        """
        Z = self._centred_rows(X, full, root_w)
        yc = (np.asarray(y, dtype=np.float64) - to_numpy(full.y_mean)) * root_w
        if self.fit_intercept:  # Q: an orthonormal basis of the rows orthogonal to √w (columns 2… of P)
            u = root_w / np.linalg.norm(root_w)
            v = u.copy()
            v[0] += 1.0 if u[0] >= 0 else -1.0  # P = I − 2vvᵀ/vᵀv maps u to ∓e₁
            P = np.eye(len(u)) - 2 * np.outer(v, v) / (v @ v)
            Q = P[:, 1:]
            U, sigma, _ = np.linalg.svd(Q.T @ Z, full_matrices=True)
            M = Q @ U
        else:
            M, sigma, _ = np.linalg.svd(Z, full_matrices=True)
        # The SVD of the rows, not eigh of the kernel Z Zᵀ: its small directions carry the most
        # weight in α / (s + α), and the kernel would square their condition (1.5e-8 against 3e-14).
        # Every left singular vector: directions beyond the rank (zero-weight rows) have s = 0.
        s = np.zeros(M.shape[1])
        s[: len(sigma)] = sigma**2
        shrink = a_t[:, None] / (s[None, :] + a_t[:, None])  # (K, m): α / (s + α)
        resid = (shrink * (M.T @ yc)) @ M.T  # (K, n): (I − H) ỹ
        one_minus_h = shrink @ (M**2).T  # (K, n)
        return resid / one_minus_h


class _Predictions:
    """What a scorer scores: an estimator whose predict returns its input, the predictions already made
    (scikit-learn's ``_IdentityRegressor``)."""

    _estimator_type = "regressor"

    def predict(self, X):
        return X

    def __sklearn_tags__(self):
        from sklearn.utils import Tags

        tags = Tags(estimator_type="regressor", target_tags=None, transformer_tags=None)
        return tags
