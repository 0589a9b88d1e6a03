"""Gradient descent for linear regression, as the seeds teach it, on any device.

Model f(x) = wᵀx + b; loss J(w, b) = (1/2n) Σ (f(xᵢ) − yᵢ)², plus an optional
penalty α(ρ‖w‖₁ + ½(1 − ρ)‖w‖²) in scikit-learn's elastic-net scaling. Updates:

    w ← w − η ∂J/∂w,   b ← b − η ∂J/∂b,   then soft-thresholding of w for the L1 part.

Full-batch gradients need only the statistics (G = X_cᵀX_c, c = X_cᵀy_c, means):
with the mean residual e = b + x̄ᵀw − ȳ,

    ∂J/∂b = e,   ∂J/∂w = (G w − c)/n + x̄ e,

so each epoch costs O(p²), not a pass over X. Mini-batch and stochastic steps
(``batch_size``) use the rows themselves; every epoch's loss is still the exact
full-data loss from the statistics.

With ``sample_weight`` the loss is (1/2Σw) Σ wᵢ (f(xᵢ) − yᵢ)² (the convention of
the other penalised estimators): the same formulas on the weighted statistics,
and a mini-batch step weights each row's error by wᵢ·n/Σw, so that its gradient
is an unbiased estimate of the full one.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions

from linreg.models._base import COMMON_CONSTRAINTS, PRECOMPUTE, LinearModel, is_dask_array
from linreg.models._descent import descend, hessian, minibatch_smoothness, penalty_weights
from linreg.models._device import is_torch, to_numpy
from linreg.models.stats import as_tensor

__all__ = ["GradientDescentRegressor", "hessian", "minibatch_smoothness"]


class GradientDescentRegressor(LinearModel):
    """Linear regression by batch, mini-batch or stochastic gradient descent.

    Minimizes ``(1/2n) ‖y − Xw − b‖² + alpha (ρ ‖w‖₁ + ½ (1 − ρ) ‖w‖²)`` with ρ =
    ``l1_ratio`` and alpha = 0 unless ``penalty`` is set (b is never penalized);
    with ``sample_weight``, ``(1/2Σw) Σ wᵢ (yᵢ − xᵢᵀw − b)²`` for the first term.
    Each step is ``θ ← θ − η ∇J(θ)`` (then soft-thresholding for the L1 part); a
    full-batch epoch costs O(p²) on the statistics, not a pass over X.

    Parameters
    ----------
    learning_rate : float or "auto", default="auto"
        The step η. ``auto``: 1 / L with L the largest eigenvalue of the loss's Hessian
        (steps below 2 / L converge); for mini-batches, 1 / L(batch_size), the expected
        smoothness of a batch (``minibatch_smoothness()``).
    max_epochs : int, default=1000
        The most passes over the data.
    batch_size : int or None, default=None
        None: full batch (one exact step per epoch); 1: stochastic; else mini-batch.
    tol : float, default=1e-6
        Stop once an epoch improves the objective by less than ``tol`` relative
        (0: run exactly ``max_epochs`` epochs). Reaching ``max_epochs`` first, or
        diverging, raises a ``ConvergenceWarning``.
    patience : int, default=0
        With ``validation`` data, stop after this many epochs without a better
        validation loss and restore the best parameters (0: off).
    penalty : {None, "l2", "l1", "elasticnet"}, default=None
        The penalty added to the squared error.
    alpha : float, default=0.0
        Its weight.
    l1_ratio : float, default=0.5
        ρ for ``"elasticnet"`` (``"l1"`` means 1, ``"l2"`` means 0).
    shuffle : bool, default=True
        Visit the rows in a new random order each epoch (mini-batches).
    random_state : int or None, default=None
        Seeds the shuffling.
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
    cuda_graphs : bool or None, default=None
        Replay groups of mini-batch steps as CUDA graphs (None: on CUDA devices).
        The same arithmetic either way; False launches every kernel from Python.
    precompute : Stats or None, default=None
        Statistics of (X, y) computed beforehand (see ``LinearRegression``).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        The slopes w at the end (or at the best validation loss, with ``patience``).
    intercept_ : float
        The intercept b.
    learning_rate_ : float
        The step used.
    n_epochs_ : int
        Epochs run.
    converged_ : bool
        Whether ``tol`` was met.
    diverged_ : bool
        Whether the loss blew up (then ``coef_`` and ``intercept_`` are the iterate of lowest
        training loss seen, the start if no step improved on it).
    diverged_epoch_ : int or None
        The epoch it did.
    stopped_by_ : {"tol", "patience", "max_epochs", "divergence", "stalled"}
        Why it stopped (``stalled``: tol met with the gradient still above a tenth of its start).
    history_ : dict of lists
        Per epoch, from epoch 0 (the start): ``epoch``, ``train_loss``, ``val_loss``,
        ``theta_norm``, ``step_norm``.
    device_ : str
        The device used.
    n_features_in_ : int
        The number of features seen in ``fit``.

    See Also
    --------
    LinearRegression : the same minimum in closed form.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 3))
    >>> y = X @ [1.5, -2.0, 0.0] + 3.0 + 0.1 * rng.standard_normal(200)
    >>> from linreg.models import GradientDescentRegressor
    >>> gd = GradientDescentRegressor(tol=1e-12, max_epochs=5000).fit(X, y)
    >>> print(gd.coef_[:2].round(3), gd.stopped_by_)  # OLS's minimum, reached step by step
    [ 1.491 -2.01 ] tol
    >>> print(round(gd.history_["train_loss"][0], 2), round(gd.history_["train_loss"][-1], 3))
    7.17 0.005
    """

    _parameter_constraints = {
        **COMMON_CONSTRAINTS,
        "learning_rate": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [None, Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "patience": [Interval(Integral, 0, None, closed="left")],
        "penalty": [None, StrOptions({"l2", "l1", "elasticnet"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "cuda_graphs": [None, "boolean"],
        **PRECOMPUTE,
    }

    def __init__(
        self,
        *,
        learning_rate="auto",
        max_epochs=1000,
        batch_size=None,
        tol=1e-6,
        patience=0,
        penalty=None,
        alpha=0.0,
        l1_ratio=0.5,
        shuffle=True,
        random_state=None,
        fit_intercept=True,
        device="auto",
        dtype="float64",
        cuda_graphs=None,
        precompute=None,
    ):
        self.learning_rate = learning_rate
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.tol = tol
        self.patience = patience
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.shuffle = shuffle
        self.random_state = random_state
        self.fit_intercept = fit_intercept
        self.device = device
        self.dtype = dtype
        self.cuda_graphs = cuda_graphs
        self.precompute = precompute

    def _accepts_dask(self) -> bool:
        return True  # full batch: the statistics; mini-batches: streamed block by block (BlockEpochs)

    def fit(self, X, y, sample_weight=None, *, validation=None, validation_stats=None):
        """Fit on (X, y); ``validation=(X_val, y_val)`` records validation loss and enables ``patience``
        (``validation_stats``: those rows' statistics from ``compute_stats(X_val, y_val, center=True)``,
        shared by several fits, as ``precompute`` is for the training rows).

        ``sample_weight`` (n,): full batch fits the weighted statistics; mini-batches weight each
        row's error by wᵢ·n/Σw (an unbiased gradient; a zero weight is a row that never pulls).
        """
        X, y = self._validate_fit(X, y)
        sw = self._validate_weights(sample_weight, X)
        device, dtype = self._setup()
        l1, l2 = penalty_weights(self.penalty, self.alpha, self.l1_ratio)
        stats = self._stats(X, y, device, dtype, sw)
        val_stats = None
        if validation is not None:
            X_val, y_val = self._validate_validation(validation)
            val_stats = self._held_out_stats(X_val, y_val, device, dtype, validation_stats)
        rows: Any = None
        if self.batch_size is not None and self.batch_size < len(y):
            # Row weights scaled to mean 1: the loss is normalised by Σw, a batch's gradient by its m rows.
            s = None if sw is None else sw * (len(sw) / sw.sum())
            if is_dask_array(X):
                import dask.array as da

                rows = (X, y, None if s is None else da.from_array(s, chunks=(X.chunks[0],)))
            elif not (is_torch(X) or is_torch(stats.gram)):  # NumPy rows and statistics on the CPU: no torch
                rows = (
                    np.asarray(X, dtype=dtype),
                    np.asarray(y, dtype=dtype),
                    None if s is None else np.asarray(s, dtype=dtype),
                )
            else:
                rows = (
                    as_tensor(X, dtype, device),
                    as_tensor(y, dtype, device),
                    None if s is None else as_tensor(s, dtype, device),
                )
        res = descend(
            stats,
            val_stats,
            rows,
            learning_rate=self.learning_rate,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            tol=self.tol,
            patience=self.patience,
            l1=l1,
            l2=l2,
            fit_intercept=self.fit_intercept,
            shuffle=self.shuffle,
            random_state=self.random_state,
            cuda_graphs=self.cuda_graphs,
            rows_dtype=dtype,
            rows_device=device,
        )
        self.coef_ = to_numpy(res.coef)
        self.intercept_ = float(res.intercept)
        for name in ("learning_rate", "n_epochs", "converged", "diverged", "diverged_epoch", "stopped_by", "history"):
            setattr(self, f"{name}_", getattr(res, name))
        if res.diverged:
            warnings.warn(
                f"gradient descent diverged at epoch {res.diverged_epoch} (learning rate "
                f"{res.learning_rate:.3g}); the iterate of lowest training loss is kept. Lower learning_rate, or "
                "use 'auto' (1/L, L the loss's largest curvature).",
                ConvergenceWarning,
                stacklevel=2,
            )
        elif res.stopped_by == "stalled":
            warnings.warn(
                f"gradient descent stalled after {res.n_epochs} epochs: the loss no longer improves by "
                f"tol={self.tol:g} but the gradient is barely smaller than at the start; the learning rate "
                f"{res.learning_rate:.3g} is too small (try 'auto').",
                ConvergenceWarning,
                stacklevel=2,
            )
        elif not res.converged and self.tol > 0:  # tol=0 asks for exactly max_epochs epochs
            warnings.warn(
                f"gradient descent did not converge in {res.n_epochs} epochs (last relative improvement "
                f"above tol={self.tol:g}); raise max_epochs or tol, or use early stopping (patience).",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self
