"""The statistics of held-out rows, computed once and shared by every fit that scores on them."""

from __future__ import annotations

from typing import Any

from linreg.models._base import LinearModel
from linreg.models.stats import Stats


def held_out_stats(X_val: Any, y_val: Any, *, device: Any, dtype: Any) -> Stats:
    """Centred statistics of validation rows, as the validated estimators compute them.

    Pass the result to several ``fit(X, y, validation=(X_val, y_val), validation_stats=...)`` calls
    (``ValidatedRidge``, ``ValidatedLasso``, ``ValidatedElasticNet``, ``GradientDescentRegressor``) so
    that they share one pass over the validation rows instead of one each.

    Parameters
    ----------
    X_val : array-like of shape (n, p)
        Validation features: NumPy, a torch tensor or a Dask array (then computed blockwise).
    y_val : array-like of shape (n,)
        Validation targets.
    device : torch.device or the library's host device
        Where the statistics live (the fits' device); on the CPU, NumPy input stays NumPy.
    dtype : torch.dtype
        The precision of the pass (the statistics themselves are float64).

    Returns
    -------
    Stats
        What ``fit(..., validation_stats=)`` accepts for these rows.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from linreg.models import ValidatedRidge
    >>> from linreg.models.solvers import held_out_stats
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.standard_normal((80, 3)), rng.standard_normal(80)
    >>> val = held_out_stats(X[60:], y[60:], device=torch.device("cpu"), dtype=torch.float64)
    >>> val.rows, val.p
    (20, 3)
    >>> est = ValidatedRidge().fit(X[:60], y[:60], validation=(X[60:], y[60:]), validation_stats=val)
    """
    return LinearModel._held_out_stats(X_val, y_val, device, dtype)
