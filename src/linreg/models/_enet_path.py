"""The elastic-net family's regularization paths, and the estimators that cross-validate along them.

``enet_path`` and ``lasso_path`` are scikit-learn's path functions (X and y as given, no
intercept). ``ElasticNetCV`` and ``LassoCV`` choose alpha (and l1_ratio) by K-fold
cross-validation on the folds' merged statistics (``_folds.py``): each path is
warm-started along decreasing alphas, as scikit-learn's ``LassoCV`` does; the final model
is refitted on all the rows (the merge of every fold) at the chosen alpha. The paths on
the statistics that all four run are in ``_paths.py``.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions

from linreg.models._base import COMMON_CONSTRAINTS, LinearModel, check_alphas, out_dtype
from linreg.models._device import to_numpy
from linreg.models._enet import (
    alpha_grid,
    alpha_max,
    cd_multitask_gram,
    multitask_alpha_max,
    resolve_enet_solver,
    solve_enet,
)
from linreg.models._folds import _fold_statistics, _folds, _split_params, _splitter_routing, first_minimum
from linreg.models._paths import enet_path_from_stats, ridge_coefs, ridge_path
from linreg.models.stats import compute_stats, held_out_sse


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
                    path = enet_path_from_stats(
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
    path = enet_path_from_stats(
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
