"""What every linreg estimator shares: scikit-learn's contract around one array-API core (NumPy or torch).

NumPy (or anything array-like) in, NumPy out; the device and dtype are
parameters, resolved at ``fit``. Learned state ends in ``_``; X and y are never
kept on the estimator.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils import assert_all_finite
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from linreg.models._dask_arrays import is_dask_array
from linreg.models._device import is_torch, resolve_device, resolve_dtype, to_numpy, torch_module
from linreg.models.stats import Stats, algebra_device, compute_stats
from linreg.models.stats.moments import like


def out_dtype(X) -> type[np.floating]:
    """The dtype of coef_ and intercept_: X's for NumPy and sparse input (float32 stays float32, as in
    scikit-learn), float64 for torch tensors (the pipeline's cards)."""
    return np.float32 if not is_torch(X) and X.dtype == np.float32 else np.float64


def linear_predict(X, coef, intercept):
    """ŷ = X coef + intercept: the vector form Xθ with θ = (intercept, coef). NumPy or torch alike."""
    return X @ coef + intercept


# Constructor parameters every linreg estimator shares, in scikit-learn's declarative form:
# ``fit`` checks them first (``_validate_params``), so a bad value is a ValueError or TypeError
# naming the parameter, never a crash further in.
DEVICE = [StrOptions({"auto", "cpu", "cuda", "mps"}), str]  # also "cuda:N"; resolve_device says what exists
DTYPE = [StrOptions({"float32", "float64"})]


def nonfinite_message(stats: Stats, X=None, estimator: str | None = None) -> str:
    """Which input made the statistics non-finite: y (its moments) or X (its Gram or Xᵀy).

    When X itself holds NaN or infinity (looked for only now, on the error path: the fit saved
    that pass), scikit-learn's own words: the estimator's name and, for NaN, the imputer hint.
    """
    if isinstance(X, np.ndarray) or sparse.issparse(X):
        try:
            assert_all_finite(X, estimator_name=estimator, input_name="X")
        except ValueError as err:
            return str(err)
    yty, y_mean, gram, x_mean = (to_numpy(a) for a in (stats.yty, stats.y_mean, stats.gram, stats.x_mean))
    y_bad = not (bool(np.isfinite(yty)) and bool(np.isfinite(y_mean)))
    x_bad = not (bool(np.isfinite(gram).all()) and bool(np.isfinite(x_mean).all()))
    if y_bad and not x_bad:
        return (
            "Input y contains NaN or infinity (or values so large that yᵀy overflows float64, "
            "beyond about 1e154 in magnitude): rescale y."
        )
    return "Input X contains NaN or infinity (or values so large that XᵀX overflows)."


def check_alphas(alphas, *, name: str = "alphas", positive: bool = False) -> np.ndarray:
    """``alphas`` as a 1-D float64 array, or a ValueError that names the parameter and the bad entry.

    Non-empty, finite, and ≥ 0 (> 0 with ``positive``, as scikit-learn's RidgeCV requires).
    """
    entries = np.atleast_1d(np.asarray(alphas, dtype=object))
    if entries.ndim != 1 or entries.size == 0:
        raise ValueError(
            f"{name} must be a non-empty list of penalties (or an int, where a grid is offered); got {alphas!r}"
        )
    bound = "> 0.0" if positive else ">= 0.0"
    for i, v in enumerate(entries):
        # scikit-learn's check_scalar words: "alphas[2] must be an instance of float, not str",
        # "alphas[1] == -1, must be > 0.0." (the value as given; "alphas" alone for one entry).
        where = name if entries.size == 1 else f"{name}[{i}]"
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, Real):
            raise TypeError(f"{where} must be an instance of float, not {type(v).__name__}.")
        if not np.isfinite(float(v)):
            raise ValueError(f"{where} == {v}, must be a finite number {bound}.")
        if (float(v) <= 0) if positive else (float(v) < 0):
            raise ValueError(f"{where} == {v}, must be {bound}.")
    return entries.astype(np.float64)


COMMON_CONSTRAINTS = {"fit_intercept": ["boolean"], "device": DEVICE, "dtype": DTYPE}
# scikit-learn's name for statistics computed beforehand (its ElasticNet takes a Gram matrix there):
# here the whole Stats of (X, y), so several estimators fitted on the same rows share one pass.
PRECOMPUTE = {"precompute": [None, Stats]}


_PARAM_NAMES: dict[type, tuple[str, ...]] = {}  # per estimator class: its __init__'s parameter names


class LinearModel(RegressorMixin, BaseEstimator):
    """Base class: parameter and input validation, statistics, predict. Subclasses implement ``fit``."""

    _parameter_constraints: dict = dict(COMMON_CONSTRAINTS)
    # scipy.sparse X (fitted from its statistics without densifying), a 2-D y and Dask arrays:
    # LinearRegression, Ridge, Lasso and ElasticNet (sparse and 2-D y as scikit-learn's)
    _accepts_sparse = False

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = self._accepts_sparse
        tags.target_tags.multi_output = self._accepts_sparse  # the same three estimators take a 2-D y
        return tags

    @classmethod
    def _get_param_names(cls) -> list[str]:
        """scikit-learn's list of ``__init__``'s parameter names, read from its signature once per class.

        ``get_params`` (every ``fit``'s parameter check, every ``clone``) asked ``inspect.signature``
        each time: about 20 µs of a 442 × 10 fit's 0.5 ms (docs/performance.md).
        """
        names = _PARAM_NAMES.get(cls)
        if names is None:
            names = _PARAM_NAMES[cls] = tuple(super()._get_param_names())
        return list(names)

    def _validate_fit(self, X, y, multi_output: bool = False):
        self._validate_params()
        # Finiteness of X is checked on the statistics (NaN/inf in X ⇔ non-finite
        # XᵀX), which saves a full extra pass over X; y is checked here.
        if is_torch(X) or is_torch(y):
            return self._validate_tensors(X, y)
        if is_dask_array(X):
            if not self._accepts_dask():  # the fits that need only blockwise statistics
                raise TypeError(
                    f"{type(self).__name__}{self._dask_hint()} takes NumPy arrays or torch tensors; Dask "
                    "arrays are for LinearRegression, Ridge, Lasso, ElasticNet, the Validated paths and "
                    "full-batch GradientDescentRegressor (pass X.compute() here)"
                )
            return self._validate_dask(X, y)
        X, y = validate_data(
            self,
            X,
            y,
            dtype=[np.float64, np.float32],
            y_numeric=True,
            ensure_all_finite=False,
            order="C",
            multi_output=multi_output,
            accept_sparse=["csr", "csc"] if self._accepts_sparse else False,
        )
        if sparse.issparse(X):  # its stored values, in scikit-learn's words (estimator name, imputer hint)
            assert_all_finite(X, estimator_name=type(self).__name__, input_name="X")
        return X, y

    def _fit_targets(self, X, Y, sample_weight, per_target: dict | None = None):
        """A 2-D y (n, T): one fit per target column, as scikit-learn's coef_ (T, p) and intercept_ (T,).

        ``per_target`` maps a parameter to T values (Ridge's alpha per target). Each target is the
        same single-target fit (its own pass over X: simple, and the rows are read T times).
        """
        from sklearn.base import clone

        fits = []
        for t in range(Y.shape[1]):
            est = clone(self)
            if per_target:
                est.set_params(**{k: v[t] for k, v in per_target.items()})
            fits.append(est.fit(X, Y[:, t], sample_weight=sample_weight))
        self.coef_ = np.stack([f.coef_ for f in fits])  # (T, p)
        self.intercept_ = np.array([f.intercept_ for f in fits]) if self.fit_intercept else 0.0
        for name, value in vars(fits[-1]).items():  # solver_, device_, n_iter_, …: the last target's
            if name.endswith("_") and not name.startswith("_") and name not in ("coef_", "intercept_"):
                setattr(self, name, value)
        for name in ("n_iter_", "dual_gap_"):  # one per target, as scikit-learn's
            if getattr(fits[0], name, None) is not None:
                setattr(self, name, np.array([getattr(f, name) for f in fits]))
        return self

    def _accepts_dask(self) -> bool:
        """Whether this fit needs only the blockwise statistics of X (so X may be a Dask array)."""
        return self._accepts_sparse

    def _dask_hint(self) -> str:
        return ""

    def _validate_dask(self, X, y):
        """Dask arrays stay lazy (checking them here would compute them): shapes and dtypes only.

        Values are checked on the statistics, as for NumPy X (NaN or inf in a block ⇔ non-finite
        statistics)."""
        import dask.array as da

        y = da.asarray(y)
        if X.ndim != 2 or y.ndim != 1:
            raise ValueError(
                f"need a 2-D Dask X and a 1-D y, got {X.ndim}-D and {y.ndim}-D (several targets: "
                "fit one model per column)"
            )
        if np.isnan(X.shape[0]) or X.shape[0] != y.shape[0]:
            raise ValueError(
                f"X has {X.shape[0]} rows and y {y.shape[0]}: they must match and be known "
                "(compute_chunk_sizes() on arrays from dataframes)"
            )
        if not (np.issubdtype(X.dtype, np.floating) and np.issubdtype(y.dtype, np.number)):
            raise TypeError(f"X must be floating point and y numeric, got {X.dtype} and {y.dtype}")
        self.n_features_in_ = X.shape[1]
        return X, y

    def _validate_tensors(self, X, y, reset: bool = True):
        """Torch tensors are used where they are (e.g. already on the GPU): no copy to NumPy."""
        torch = torch_module()
        if not (isinstance(X, torch.Tensor) and isinstance(y, torch.Tensor)):
            raise TypeError("pass X and y both as NumPy arrays or both as torch tensors")
        if X.ndim != 2 or y.ndim != 1 or X.shape[0] != y.shape[0] or X.shape[0] < 1:
            raise ValueError(
                f"need X of shape (n, p) and y of shape (n,) with n >= 1, got {tuple(X.shape)} and {tuple(y.shape)}"
            )
        if not (X.is_floating_point() and y.is_floating_point()):
            raise TypeError(f"X and y must be floating point tensors, got {X.dtype} and {y.dtype}")
        if X.device != y.device:
            raise ValueError(f"X is on {X.device} but y is on {y.device}")
        if not bool(torch.isfinite(y).all()):
            raise ValueError("Input y contains NaN or infinity.")
        if reset:
            self.n_features_in_ = X.shape[1]
        return X, y

    def _validate_validation(self, validation):
        """Validation rows passed to ``fit`` (``validation=(X_val, y_val)``), checked like X and y."""
        try:
            X_val, y_val = validation
        except (TypeError, ValueError):
            raise ValueError("validation must be a pair (X_val, y_val)") from None
        if is_torch(X_val):
            X_val, y_val = self._validate_tensors(X_val, y_val, reset=False)
        elif is_dask_array(X_val):  # stays lazy, as X does: its statistics are one blockwise pass
            n_features = self.n_features_in_
            X_val, y_val = self._validate_dask(X_val, y_val)
            self.n_features_in_ = n_features
        else:
            from sklearn.utils.validation import check_X_y

            X_val, y_val = check_X_y(X_val, y_val, dtype=[np.float64, np.float32], y_numeric=True)
        if X_val.shape[1] != self.n_features_in_:
            raise ValueError(f"validation X has {X_val.shape[1]} features, training X has {self.n_features_in_}")
        return X_val, y_val

    def _setup(self) -> tuple:
        """(device, dtype): ``HOST`` or a torch.device, and a NumPy dtype."""
        device = resolve_device(self.device)
        dtype = resolve_dtype(self.dtype)
        if device.type == "mps" and dtype == np.float64:
            raise ValueError("the MPS backend has no float64: use dtype='float32' or device='cpu'")
        self.device_ = str(device)
        return device, dtype

    def _validate_weights(self, sample_weight, X):
        """scikit-learn's sample_weight rules: None, a scalar or (n,), finite and non-negative; float64 NumPy."""
        if sample_weight is None:
            return None
        if is_torch(sample_weight):
            sample_weight = sample_weight.detach().cpu().numpy()
        n = X.shape[0]
        w = _check_sample_weight(sample_weight, np.empty((n, 0)), dtype=np.float64, ensure_non_negative=True)
        if not np.isfinite(w).all():
            raise ValueError("sample_weight contains NaN or infinity.")
        return w

    @staticmethod
    def _held_out_stats(X_val, y_val, device, dtype, given: Stats | None = None) -> Stats:
        """The validation rows' statistics: ``given`` (``fit(..., validation_stats=)``, shared by several fits
        on the same rows) after a check that they describe these rows, else one pass, blockwise for Dask."""
        if given is not None:
            if not isinstance(given, Stats):
                raise ValueError(
                    f"validation_stats must be a Stats from compute_stats(X_val, y_val), got {type(given).__name__}"
                )
            if (given.rows, given.p, given.center) != (X_val.shape[0], X_val.shape[1], True):
                raise ValueError(
                    f"validation_stats hold {given.rows} rows × {given.p} features "
                    f"({'centred' if given.center else 'raw'}), but the validation rows are {X_val.shape[0]} × "
                    f"{X_val.shape[1]}: compute them with compute_stats(X_val, y_val, center=True)"
                )
            return given.to(device)
        if is_dask_array(X_val):
            from linreg.models._dask_arrays import dask_stats

            return dask_stats(X_val, y_val).to(device)
        return compute_stats(X_val, y_val, dtype=dtype, device=device, center=True)

    def _stats(
        self,
        X: np.ndarray,
        y: np.ndarray,
        device,
        dtype,
        sample_weight: np.ndarray | None = None,
        allow_underflow: bool = False,
    ) -> Stats:
        """The sufficient statistics of (X, y): ``precompute`` when given (no pass over X), else one pass.

        Data varying on a scale whose squares underflow (X of order 1e-300) cannot be fitted from
        XᵀX; unless the caller can work on X itself (``allow_underflow``), that is a ValueError
        saying what to do, never a silently wrong fit.
        """
        pre = getattr(self, "precompute", None)
        if isinstance(pre, Stats):
            if sample_weight is not None:
                raise ValueError(
                    "precompute and sample_weight together: compute the statistics with "
                    "compute_stats(..., sample_weight=...) and pass them alone"
                )
            if (pre.rows, pre.p, pre.center) != (X.shape[0], X.shape[1], bool(self.fit_intercept)):
                raise ValueError(
                    f"precompute holds statistics of {pre.rows} rows × {pre.p} features "
                    f"({'centred' if pre.center else 'raw'}), but X is {X.shape[0]} × {X.shape[1]} "
                    f"with fit_intercept={self.fit_intercept}: compute them from this X and y"
                )
            return pre.to(algebra_device(pre.p, device))
        if is_dask_array(X):  # one pass over the blocks, where they live, merged in a fixed order
            from linreg.models._dask_arrays import dask_stats

            stats = dask_stats(X, y, center=self.fit_intercept, sample_weight=sample_weight)
        else:
            stats = compute_stats(
                X, y, dtype=dtype, device=device, center=self.fit_intercept, sample_weight=sample_weight
            )
        if not stats.all_finite():
            raise ValueError(nonfinite_message(stats, X, type(self).__name__))
        if stats.underflow and not allow_underflow:
            raise ValueError(
                f"X or y varies only on a scale below 1e-140, so its squares underflow float64 and "
                f"{type(self).__name__} (which works on XᵀX) cannot fit it: rescale the data first "
                "(e.g. StandardScaler; the pipeline's scale stage does), or use LinearRegression, whose "
                "exact solver works on X itself."
            )
        return stats

    def _set_coef(self, coef, stats: Stats, dtype=np.float64) -> None:
        """coef_ and intercept_ in ``dtype`` (X's floating dtype: float32 in, float32 out, as scikit-learn)."""
        self.coef_ = to_numpy(coef).astype(dtype, copy=False)
        # A NumPy scalar, as scikit-learn's (0.0 without an intercept, as scikit-learn's too).
        self.intercept_ = (
            np.dtype(dtype).type(float(stats.y_mean - stats.x_mean @ like(coef, stats.x_mean)))
            if self.fit_intercept
            else 0.0
        )

    def predict(self, X) -> np.ndarray:
        """ŷ = X coef_ + intercept_ (the vector form Xθ with θ = (intercept_, coef_))."""
        check_is_fitted(self)
        if is_torch(X):  # stays on its device
            torch = torch_module()
            return linear_predict(X.to(torch.float64), torch.as_tensor(self.coef_, device=X.device), self.intercept_)
        if is_dask_array(X):  # stays lazy: a Dask array of predictions
            coef = self.coef_.T if np.ndim(self.coef_) == 2 else self.coef_
            return X @ coef + self.intercept_
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32], accept_sparse=["csr", "csc"])
        coef = self.coef_.T if np.ndim(self.coef_) == 2 else self.coef_  # (p, T) for several targets
        if sparse.issparse(X):
            return np.asarray(X @ coef) + self.intercept_
        return linear_predict(X, coef, self.intercept_)
