"""Cross-validated ridge, lasso and elastic net, and the public regularization paths, on mergeable statistics.

K-fold cross-validation needs, per fold, a fit on the other folds and the error
on this one. Both come from statistics: each fold's rows are summarised once
(one pass over X for all folds together), the training statistics of fold k are
the other folds' merged (``merge_stats()``, in a fixed
order), and the held-out error of every alpha is p×p work on fold k's own
statistics (``held_out_sse()``). Each path is
warm-started along decreasing alphas, as scikit-learn's ``LassoCV`` does; the
final model is refitted on all the rows (the merge of every fold) at the chosen
alpha. Selection minimises the mean squared error over folds (scikit-learn's
default for LassoCV and ElasticNetCV, and for RidgeCV's leave-one-out; RidgeCV
with K folds scores by R² unless ``scoring`` says otherwise, as scikit-learn's).
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.model_selection import check_cv
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)

from linreg.models._base import COMMON_CONSTRAINTS, LinearModel, check_alphas, nonfinite_message, out_dtype
from linreg.models._dask_arrays import dask_stats, is_dask_array
from linreg.models._device import to_numpy
from linreg.models._enet import (
    alpha_grid,
    alpha_max,
    cd_multitask_gram,
    multitask_alpha_max,
    resolve_enet_solver,
    solve_enet,
)
from linreg.models._paths import enet_path as _enet_path_on_stats
from linreg.models._paths import ridge_coefs, ridge_path
from linreg.models.stats import Stats, compute_stats, held_out_sse, merge_stats
from linreg.models.stats.moments import like


def _folds(X, y, cv, **split_params) -> list[tuple[np.ndarray, np.ndarray]]:
    return list(check_cv(cv).split(X, y, **split_params))


def _split_params(est, method: str, sample_weight, params: dict) -> dict:
    """What scikit-learn's metadata routing hands the CV splitter (``groups`` for GroupKFold…): extra
    fit parameters are an error unless routing is enabled, exactly as scikit-learn's …CV estimators."""
    _raise_for_params(params, est, method)
    if not _routing_enabled():
        return {}
    return dict(process_routing(est, method, sample_weight=sample_weight, **params).splitter.split)


def _splitter_routing(est) -> MetadataRouter:
    return (
        MetadataRouter(owner=est)
        .add_self_request(est)
        .add(splitter=check_cv(est.cv), method_mapping=MethodMapping().add(caller="fit", callee="split"))
    )


def _fold_statistics(
    X, y, sw, folds, fit_intercept: bool, device, dtype, owner: str
) -> tuple[list[Stats], list[Stats], Stats]:
    """(training statistics per fold, held-out statistics per fold, statistics of all rows).

    When the held-out sets partition the rows (K-fold), each row is read once and every training
    set is a merge of the other folds; otherwise (repeated or shuffled splits with overlaps) the
    training rows are summarised directly. ``owner`` (the estimator's name) is for the messages.
    """

    lazy = is_dask_array(X)

    def pass_over(Xr, yr, wr) -> Stats:
        if lazy:  # blockwise where the rows live, merged in a fixed order (float64 on the host, as Dask fits)
            return dask_stats(Xr, yr, center=fit_intercept, sample_weight=wr)
        return compute_stats(Xr, yr, dtype=dtype, device=device, center=fit_intercept, sample_weight=wr)

    def stats_of(rows: np.ndarray) -> Stats:
        part = slice(rows[0], rows[-1] + 1) if np.array_equal(rows, np.arange(rows[0], rows[-1] + 1)) else rows
        return pass_over(X[part], y[part], None if sw is None else sw[part])

    held = [stats_of(test) for _, test in folds]
    partition = np.array_equal(np.sort(np.concatenate([test for _, test in folds])), np.arange(len(y)))
    if partition:
        train = []
        for k in range(len(folds)):
            others = [h for j, h in enumerate(held) if j != k]
            merged = others[0]
            for h in others[1:]:
                merged = merge_stats(merged, h)
            train.append(merged)
        full = held[0]
        for h in held[1:]:
            full = merge_stats(full, h)
    else:
        train = [stats_of(tr) for tr, _ in folds]
        full = pass_over(X, y, sw)
    if not full.all_finite():
        raise ValueError(nonfinite_message(full, X, owner))
    return train, held, full


def first_minimum(errors: np.ndarray) -> int:
    """Flat index of the first smallest entry, NaN counting as the worst: scikit-learn's rule. Its
    LinearModelCV takes np.argmin over each l1_ratio's decreasing grid and keeps an l1_ratio only when
    strictly better; its RidgeCV keeps an alpha only when its score is strictly higher, in the order
    given. A difference however small is not a tie: the chosen entry is the best one computed."""
    flat = np.asarray(errors, dtype=np.float64).ravel()
    return int(np.argmin(np.where(np.isnan(flat), np.inf, flat)))


class ElasticNetCV(LinearModel):
    """Elastic net with alpha (and l1_ratio) chosen by K-fold cross-validation, scikit-learn's ``ElasticNetCV``.

    Each fit minimizes the objective of ``ElasticNet``. The folds' statistics are
    computed in one pass over X and merged (Chan–Golub–LeVeque), so each fold's path
    runs on p×p statistics, and each held-out error comes from the statistics of the
    held-out rows, without another pass.

    Parameters
    ----------
    l1_ratio : float or list of float, default=0.5
        ρ in [0, 1], or several to choose from (each with its own alpha grid). ρ = 0, a pure L2
        penalty, needs ``alphas`` given (no grid starts where every coefficient is zero) and is
        solved exactly, as ridge at n·α on each fold's statistics (``dual_gap_`` and ``n_iter_``
        are then 0), where scikit-learn runs coordinate descent.
    eps : float, default=1e-3
        The grid's end: ``alpha_min = eps · alpha_max``.
    alphas : int or array-like, default=100
        A list of alphas, or how many from alpha_max (all coefficients zero, on all the
        rows) down to ``eps · alpha_max``, geometric, as scikit-learn.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept.
    precompute : bool, "auto" or array-like, default="auto"
        Accepted for compatibility: the statistics are always precomputed.
    max_iter : int, default=1000
        The most sweeps per alpha.
    tol : float, default=1e-4
        The duality-gap tolerance per alpha.
    cv : int, cross-validation generator, iterable or None, default=None
        Anything ``sklearn.model_selection.check_cv`` takes (None: 5-fold).
    copy_X : bool, default=True
        Accepted for compatibility: X is never modified.
    verbose : int or bool, default=0
        Accepted for compatibility.
    n_jobs : int or None, default=None
        Accepted for compatibility (one pass serves every fold).
    positive : bool, default=False
        Non-negative coefficients.
    random_state : int, RandomState or None, default=None
        Accepted for compatibility (the paths visit coordinates in order).
    selection : {"cyclic", "random"}, default="cyclic"
        Accepted for compatibility (as ``random_state``).
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
    alpha_ : float
        The chosen alpha (the first minimum of the mean cross-validated error).
    l1_ratio_ : float
        The chosen ρ.
    coef_ : ndarray of shape (n_features,)
        The model at ``alpha_``, refitted on all rows.
    intercept_ : float
        Its intercept.
    alphas_ : ndarray of shape (n_alphas,) or (n_l1_ratio, n_alphas)
        The grid(s).
    mse_path_ : ndarray of shape (n_alphas, n_folds) or (n_l1_ratio, n_alphas, n_folds)
        The held-out mean squared error per alpha and fold.
    dual_gap_ : float
        The final fit's duality gap.
    n_iter_ : int
        The final fit's sweeps.
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
    >>> from linreg.models import ElasticNetCV
    >>> model = ElasticNetCV(l1_ratio=[0.5, 1.0], cv=5).fit(X, y)
    >>> print(model.l1_ratio_, model.coef_[:2].round(2))
    1.0 [ 1.49 -2.01]
    """

    _parameter_constraints = {
        **COMMON_CONSTRAINTS,
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), "array-like"],
        "eps": [Interval(Real, 0, None, closed="neither")],
        "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "precompute": ["boolean", StrOptions({"auto"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "cv": ["cv_object"],
        "copy_X": ["boolean"],
        "verbose": ["verbose"],
        "n_jobs": [None, Integral],
        "positive": ["boolean"],
        "random_state": ["random_state"],
        "selection": [StrOptions({"cyclic", "random"})],
    }

    _accepts_sparse = True  # folds' statistics from scipy.sparse rows, centring implicit (compute_stats)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = False  # one target, as scikit-learn's (MultiTask…CV for several)
        return tags

    def __init__(
        self,
        *,
        l1_ratio=0.5,
        eps=1e-3,
        alphas=100,
        fit_intercept=True,
        precompute="auto",
        max_iter=1000,
        tol=1e-4,
        cv=None,
        copy_X=True,
        verbose=0,
        n_jobs=None,
        positive=False,
        random_state=None,
        selection="cyclic",
        device="auto",
        dtype="float64",
    ):
        self.l1_ratio = l1_ratio
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.cv = cv
        self.copy_X = copy_X
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.device = device
        self.dtype = dtype

    def fit(self, X, y, sample_weight=None, **params):
        """Fit on (X, y). ``**params`` go to the CV splitter (e.g. ``groups`` for ``GroupKFold``) when
        scikit-learn's metadata routing is enabled (``sklearn.set_config(enable_metadata_routing=True)``),
        as scikit-learn's; otherwise they are an error."""
        split_params = _split_params(self, "fit", sample_weight, params)
        X, y = self._validate_fit(X, y)
        sw = self._validate_weights(sample_weight, X)
        device, dtype = self._setup()
        folds = _folds(X, y, self.cv, **split_params)
        train, held, full = _fold_statistics(X, y, sw, folds, self.fit_intercept, device, dtype, type(self).__name__)
        l1_ratios = np.atleast_1d(np.asarray(self.l1_ratio, dtype=np.float64))
        if l1_ratios.ndim != 1 or l1_ratios.size == 0:
            raise ValueError(f"l1_ratio must be a float in [0, 1] or a non-empty list of them, got {self.l1_ratio!r}")
        if not isinstance(self.alphas, Integral):
            check_alphas(self.alphas)
        if isinstance(self.alphas, Integral) and (l1_ratios == 0).any():  # scikit-learn's words for it
            raise ValueError(
                "Automatic alpha grid generation is not supported for l1_ratio=0. Please supply a grid by "
                "providing your estimator with the appropriate `alphas=` argument."
            )
        if not np.isfinite(l1_ratios).all() or (l1_ratios < 0).any() or (l1_ratios > 1).any():
            raise ValueError(f"l1_ratio must be in [0, 1], got {self.l1_ratio!r}")
        if self.positive and (l1_ratios == 0).any():
            raise ValueError(
                "l1_ratio=0 with positive=True is a non-negative ridge, which linreg's ElasticNetCV does not "
                "solve; use an l1_ratio > 0, or RidgeCV without the sign constraint"
            )
        solver = resolve_enet_solver("auto", full.device)
        grid = isinstance(self.alphas, Integral)
        alphas = np.empty((len(l1_ratios), self.alphas if grid else len(self.alphas)))
        mse = np.empty((*alphas.shape, len(folds)))
        for i, l1 in enumerate(l1_ratios):
            if grid:
                top = alpha_max(full.xty, full.n, float(l1), positive=self.positive)
                alphas[i] = alpha_grid(top, self.eps, alphas.shape[1])
            else:
                alphas[i] = np.sort(np.asarray(self.alphas, dtype=np.float64))[::-1]
            for k, (tr, ho) in enumerate(zip(train, held)):
                if l1 == 0:  # the pure L2 path, exactly: ridge at n·α on the fold's statistics
                    path = ridge_path(tr, alphas[i] * float(tr.n))
                else:
                    path = _enet_path_on_stats(
                        tr,
                        alphas[i],
                        float(l1),
                        solver=solver,
                        tol=self.tol,
                        max_iter=self.max_iter,
                        positive=self.positive,
                    )
                mse[i, :, k] = to_numpy(held_out_sse(path.coefs, path.intercepts, ho) / ho.n)
        mean = mse.mean(axis=2)
        best_l1, best_alpha = (int(v) for v in np.unravel_index(first_minimum(mean), mean.shape))
        self.l1_ratio_, self.alpha_ = float(l1_ratios[best_l1]), float(alphas[best_l1, best_alpha])
        if self.l1_ratio_ == 0:
            coef = ridge_coefs(full.gram, full.xty, np.array([self.alpha_ * float(full.n)]))
            self._set_coef(coef[0], full, out_dtype(X))
            self.dual_gap_, self.n_iter_ = 0.0, 0  # a closed form: no iterations, no gap
            return self._set_paths(alphas, mse, grid)
        res = solve_enet(
            full.gram,
            full.xty,
            full.yty,
            full.n,
            self.alpha_,
            self.l1_ratio_,
            solver=solver,
            tol=self.tol,
            max_iter=self.max_iter,
            positive=self.positive,
        )
        if not res.converged:
            warnings.warn(
                "Objective did not converge. You might want to increase the number of iterations "
                f"(final fit at alpha={self.alpha_:.3g}: duality gap {res.gap / full.n:.3g})",
                ConvergenceWarning,
                stacklevel=2,
            )
        self._set_coef(res.coef, full, out_dtype(X))
        self.dual_gap_, self.n_iter_ = res.gap / full.n, res.n_iter
        return self._set_paths(alphas, mse, grid)

    def _set_paths(self, alphas: np.ndarray, mse: np.ndarray, grid: bool):
        single = np.ndim(self.l1_ratio) == 0
        # scikit-learn's shapes: one grid (n_alphas,) when it is the same for every l1_ratio (alphas given)
        self.alphas_ = alphas[0] if single or not grid else alphas
        self.mse_path_ = mse[0] if single else mse
        return self

    def get_metadata_routing(self):
        """scikit-learn's metadata routing: ``fit``'s extra parameters go to the CV splitter's ``split``."""
        return _splitter_routing(self)


class LassoCV(ElasticNetCV):
    """Lasso with alpha chosen by K-fold cross-validation: ``ElasticNetCV`` with ``l1_ratio = 1``.

    Each fit minimizes ``(1 / 2n) ‖y − Xw − b‖² + alpha ‖w‖₁``, on the folds' merged
    statistics (one pass over X for every fold and alpha).

    Parameters
    ----------
    eps : float, default=1e-3
        The grid's end: ``alpha_min = eps · alpha_max``.
    alphas : int or array-like, default=100
        A list of alphas, or how many from alpha_max down to ``eps · alpha_max``.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept.
    precompute : bool, "auto" or array-like, default="auto"
        Accepted for compatibility: the statistics are always precomputed.
    max_iter : int, default=1000
        The most sweeps per alpha.
    tol : float, default=1e-4
        The duality-gap tolerance per alpha.
    copy_X : bool, default=True
        Accepted for compatibility: X is never modified.
    cv : int, cross-validation generator, iterable or None, default=None
        Anything ``sklearn.model_selection.check_cv`` takes (None: 5-fold).
    verbose : int or bool, default=False
        Accepted for compatibility.
    n_jobs : int or None, default=None
        Accepted for compatibility.
    positive : bool, default=False
        Non-negative coefficients.
    random_state : int, RandomState or None, default=None
        Accepted for compatibility.
    selection : {"cyclic", "random"}, default="cyclic"
        Accepted for compatibility.
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
    alpha_ : float
        The chosen alpha.
    coef_ : ndarray of shape (n_features,)
        The model at ``alpha_``, refitted on all rows.
    intercept_ : float
        Its intercept.
    alphas_ : ndarray of shape (n_alphas,)
        The grid.
    mse_path_ : ndarray of shape (n_alphas, n_folds)
        The held-out mean squared error per alpha and fold.
    dual_gap_ : float
        The final fit's duality gap.
    n_iter_ : int
        The final fit's sweeps.
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
    >>> from linreg.models import LassoCV
    >>> model = LassoCV(cv=5).fit(X, y)
    >>> print(model.coef_[:2].round(2), abs(model.coef_[2]) < 0.01)
    [ 1.49 -2.01] True
    """

    _parameter_constraints = {k: v for k, v in ElasticNetCV._parameter_constraints.items() if k != "l1_ratio"}

    def __init__(
        self,
        *,
        eps=1e-3,
        alphas=100,
        fit_intercept=True,
        precompute="auto",
        max_iter=1000,
        tol=1e-4,
        copy_X=True,
        cv=None,
        verbose=False,
        n_jobs=None,
        positive=False,
        random_state=None,
        selection="cyclic",
        device="auto",
        dtype="float64",
    ):
        super().__init__(
            l1_ratio=1.0,
            eps=eps,
            alphas=alphas,
            fit_intercept=fit_intercept,
            precompute=precompute,
            max_iter=max_iter,
            tol=tol,
            cv=cv,
            copy_X=copy_X,
            verbose=verbose,
            n_jobs=n_jobs,
            positive=positive,
            random_state=random_state,
            selection=selection,
            device=device,
            dtype=dtype,
        )

    def get_params(self, deep=True):
        params = super().get_params(deep)
        params.pop("l1_ratio", None)
        return params


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


# enet_path keywords of scikit-learn's that change nothing here (X is never modified in place).
_PATH_NOOPS = {"precompute", "Xy", "copy_X", "verbose", "check_input", "random_state", "selection", "do_screening"}


def _path_params(params: dict):
    """scikit-learn's path keywords: the sample_weight, after refusing what scikit-learn refuses."""
    if set(params) - _PATH_NOOPS - {"sample_weight", "X_offset", "X_scale"}:
        raise ValueError("Unexpected parameters in params", params.keys())
    for name in ("X_offset", "X_scale"):
        if params.get(name) is not None:
            raise ValueError(
                f"{name} (scikit-learn's internal centring of sparse X) is not supported: pass the centred "
                "data, or fit ElasticNet(fit_intercept=True), which centres implicitly"
            )
    if params.get("sample_weight") is not None:
        raise ValueError(
            "sample_weight is not supported by linreg's lasso_path/enet_path (their weighted grid and "
            "scaling are scikit-learn internals): fit ElasticNet(...).fit(X, y, sample_weight=w) per alpha, "
            "or ElasticNetCV/LassoCV, which take sample_weight"
        )


def enet_path(
    X,
    y,
    *,
    l1_ratio=0.5,
    eps=1e-3,
    n_alphas=100,
    alphas=None,
    tol=1e-4,
    max_iter=1000,
    positive=False,
    coef_init=None,
    return_n_iter=False,
    device="cpu",
    **params,
):
    """scikit-learn's ``enet_path``: coefficients along decreasing alphas, warm-started, no intercept.

    Minimises ``(1/2n)‖y − Xw‖² + αρ‖w‖₁ + ½α(1 − ρ)‖w‖²`` at each alpha (X and y as
    given, not centred, as scikit-learn's path functions), by coordinate descent on XᵀX.
    A 2-D y (several targets) gets scikit-learn's multi-task objective
    ``(1/2n)‖Y − XW‖²_F + αρ Σⱼ ‖Wⱼ‖₂ + ½α(1 − ρ)‖W‖²_F`` (each feature in or out for every
    target at once), by block coordinate descent on XᵀX and XᵀY.

    Parameters
    ----------
    X : array-like or scipy.sparse matrix of shape (n_samples, n_features)
        The design.
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        The target(s).
    l1_ratio : float, default=0.5
        ρ in (0, 1].
    eps : float, default=1e-3
        The grid's end, ``alpha_min = eps · alpha_max`` (when ``alphas`` is None).
    n_alphas : int, default=100
        The grid's length (when ``alphas`` is None).
    alphas : array-like or None, default=None
        The alphas to use, in any order (returned decreasing).
    tol : float, default=1e-4
        The duality-gap tolerance per alpha.
    max_iter : int, default=1000
        The most sweeps per alpha.
    positive : bool, default=False
        Non-negative coefficients (one target only, as scikit-learn).
    coef_init : array-like of shape (n_features,) or (n_targets, n_features), or None, default=None
        Where the first alpha starts.
    return_n_iter : bool, default=False
        Also return the sweeps per alpha.
    device : str, default="cpu"
        As the estimators' ``device``.
    **params
        scikit-learn's other keywords: ``precompute``, ``Xy``, ``copy_X``, ``verbose``,
        ``check_input``, ``random_state``, ``selection`` and ``do_screening`` are accepted with
        nothing to do (X is never modified; the statistics are always computed);
        ``sample_weight``, ``X_offset`` and ``X_scale`` are refused by name; anything else is
        scikit-learn's ``ValueError("Unexpected parameters in params", …)``.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
        Decreasing.
    coefs : ndarray of shape (n_features, n_alphas) or (n_targets, n_features, n_alphas)
        The coefficients at each alpha.
    dual_gaps : ndarray of shape (n_alphas,)
        The duality gap at each alpha.
    n_iters : ndarray of shape (n_alphas,)
        With ``return_n_iter``: the sweeps at each alpha.

    Warns
    -----
    ConvergenceWarning
        When an alpha's duality gap is still above ``tol`` after ``max_iter`` sweeps: one
        warning naming how many alphas missed and the largest gap (scikit-learn's warns once per alpha).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 3))
    >>> y = X @ [1.5, -2.0, 0.0] + 3.0 + 0.1 * rng.standard_normal(200)
    >>> from linreg.models import enet_path
    >>> alphas, coefs, gaps = enet_path(X - X.mean(0), y - y.mean(), n_alphas=5)
    >>> print(np.round(alphas, 3).tolist())  # from alpha_max, where every coefficient is zero
    [4.041, 0.719, 0.128, 0.023, 0.004]
    >>> print(coefs[:2, -1].round(1))
    [ 1.5 -2. ]
    """
    _path_params(params)
    # scipy.sparse X stays sparse: the statistics read it as it is (no densified copy).
    X = X.astype(np.float64) if sparse.issparse(X) else np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if y.ndim == 2:
        if positive:
            raise ValueError("positive=True is not allowed for multi-output y (several targets), as in scikit-learn")
        return _multitask_path(
            X, y, float(l1_ratio), eps, n_alphas, alphas, tol, max_iter, coef_init, return_n_iter, device
        )
    stats = compute_stats(X, y, dtype=np.float64, device=device, center=False)
    if alphas is None:
        _check_grid(n_alphas, l1_ratio)
        alphas = alpha_grid(alpha_max(stats.xty, stats.n, l1_ratio, positive=positive), eps, int(n_alphas))
    alphas = np.sort(check_alphas(alphas))[::-1]
    w0 = None if coef_init is None else np.asarray(coef_init, dtype=np.float64)
    path = _enet_path_on_stats(
        stats,
        alphas,
        float(l1_ratio),
        solver=resolve_enet_solver("auto", stats.device),
        tol=tol,
        max_iter=max_iter,
        positive=positive,
        w0=w0,
    )
    _warn_unconverged(alphas, path.gaps, path.converged, tol * float(stats.yty) / stats.n)
    out = (alphas, to_numpy(path.coefs).T, path.gaps)
    return (*out, path.n_iter) if return_n_iter else out


def _warn_unconverged(alphas: np.ndarray, gaps: np.ndarray, converged: np.ndarray, target: float) -> None:
    """scikit-learn's path functions warn for each alpha that ran out of sweeps; one warning names them all."""
    missed = np.flatnonzero(~np.asarray(converged, dtype=bool))
    if missed.size:
        worst = missed[np.argmax(np.asarray(gaps)[missed])]
        warnings.warn(
            f"Objective did not converge at {missed.size} of {len(alphas)} alphas. You might want to increase "
            f"the number of iterations (max_iter), check the scale of the features or increase the "
            f"regularisation. Largest duality gap: {gaps[worst]:.3e} at alpha={alphas[worst]:.3g}, "
            f"tolerance: {target:.3e}",
            ConvergenceWarning,
            stacklevel=3,
        )


def _check_grid(n_alphas, l1_ratio: float) -> None:
    if not isinstance(n_alphas, Integral) or n_alphas < 1:
        raise ValueError(f"n_alphas == {n_alphas!r}, must be an int >= 1 (or pass alphas).")
    if l1_ratio == 0:  # scikit-learn's words: the grid starts where every coefficient is zero, α = ∞ here
        raise ValueError(
            "Automatic alpha grid generation is not supported for l1_ratio=0. Please supply a grid by "
            "providing your estimator with the appropriate `alphas=` argument."
        )


def _multitask_path(X, y, l1_ratio, eps, n_alphas, alphas, tol, max_iter, coef_init, return_n_iter, device):
    """``enet_path`` for a 2-D y: scikit-learn's multi-task objective, by block coordinate descent on
    G = XᵀX and C = XᵀY (one statistics pass per target, each the same reproducible pass)."""
    parts = [compute_stats(X, y[:, t], dtype=np.float64, device=device, center=False) for t in range(y.shape[1])]
    gram = to_numpy(parts[0].gram)
    xty = np.column_stack([to_numpy(st.xty) for st in parts])  # (p, T)
    yty, n = float(sum(float(st.yty) for st in parts)), float(parts[0].n)
    if alphas is None:
        _check_grid(n_alphas, l1_ratio)
        alphas = alpha_grid(multitask_alpha_max(xty, n, l1_ratio), eps, int(n_alphas))
    alphas = np.sort(check_alphas(alphas))[::-1]
    W = None if coef_init is None else np.asarray(coef_init, dtype=np.float64).T  # scikit-learn's (T, p)
    coefs, gaps, n_iter, converged = [], [], [], []
    for alpha in alphas:
        W, gap, sweeps, done = cd_multitask_gram(
            gram, xty, yty, n * alpha * l1_ratio, n * alpha * (1 - l1_ratio), tol=tol, max_iter=max_iter, w0=W
        )
        coefs.append(W.T.copy())
        gaps.append(gap / n)
        n_iter.append(sweeps)
        converged.append(done)
    _warn_unconverged(alphas, np.array(gaps), np.array(converged), tol * yty / n)
    out = (alphas, np.stack(coefs, axis=-1), np.array(gaps))  # coefs (n_targets, n_features, n_alphas)
    return (*out, np.array(n_iter)) if return_n_iter else out


def lasso_path(X, y, *, eps=1e-3, n_alphas=100, alphas=None, **params):
    """scikit-learn's ``lasso_path``: ``enet_path()`` with ``l1_ratio = 1``.

    Parameters
    ----------
    X : array-like or scipy.sparse matrix of shape (n_samples, n_features)
        The design (not centred: no intercept).
    y : array-like of shape (n_samples,)
        The target.
    eps : float, default=1e-3
        The grid's end, ``alpha_min = eps · alpha_max``.
    n_alphas : int, default=100
        The grid's length.
    alphas : array-like or None, default=None
        The alphas to use instead.
    **params
        The other keywords of ``enet_path()``.

    Returns
    -------
    tuple
        As ``enet_path()``: ``(alphas, coefs, dual_gaps[, n_iters])``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 3))
    >>> y = X @ [1.5, -2.0, 0.0] + 3.0 + 0.1 * rng.standard_normal(200)
    >>> from linreg.models import lasso_path
    >>> alphas, coefs, _ = lasso_path(X - X.mean(0), y - y.mean(), n_alphas=4)
    >>> print(np.count_nonzero(coefs, axis=0))
    [0 2 2 3]
    """
    return enet_path(X, y, l1_ratio=1.0, eps=eps, n_alphas=n_alphas, alphas=alphas, **params)
