"""What every linreg estimator shares: scikit-learn's contract around a torch core.

NumPy (or anything array-like) in, NumPy out; the device and dtype are
parameters, resolved at ``fit``. Learned state ends in ``_``; X and y are never
kept on the estimator.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from linreg.device import resolve_device, resolve_dtype
from linreg.models.stats import Stats, as_tensor, compute_stats


class LinearModel(RegressorMixin, BaseEstimator):
    """Base class: input validation, statistics, predict. Subclasses implement ``fit``."""

    def _validate_fit(self, X, y) -> tuple[np.ndarray, np.ndarray]:
        # Finiteness of X is checked on the statistics (NaN/inf in X ⇔ non-finite
        # XᵀX), which saves a full extra pass over X; y is checked here.
        return validate_data(self, X, y, dtype=[np.float64, np.float32], y_numeric=True,
                             ensure_all_finite=False, order="C")

    def _setup(self) -> tuple[torch.device, torch.dtype]:
        device = resolve_device(self.device)
        dtype = resolve_dtype(self.dtype)
        if device.type == "mps" and dtype == torch.float64:
            raise ValueError("the MPS backend has no float64: use dtype='float32' or device='cpu'")
        self.device_ = str(device)
        return device, dtype

    def _stats(self, X: np.ndarray, y: np.ndarray, device: torch.device, dtype: torch.dtype) -> Stats:
        stats = compute_stats(X, y, dtype=dtype, device=device, center=self.fit_intercept)
        if not stats.all_finite():
            raise ValueError("Input X contains NaN or infinity (or values so large that XᵀX overflows).")
        return stats

    def _set_coef(self, coef: torch.Tensor, stats: Stats) -> None:
        coef = coef.to(torch.float64)
        self.coef_ = coef.cpu().numpy()
        self.intercept_ = float(stats.y_mean - stats.x_mean @ coef) if self.fit_intercept else 0.0

    def predict(self, X) -> np.ndarray:
        """ŷ = X coef_ + intercept_ (the vector form Xθ with θ = (intercept_, coef_))."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return X.astype(np.float64, copy=False) @ self.coef_ + self.intercept_


def centered(X: np.ndarray, y: np.ndarray, stats: Stats, device: torch.device, dtype: torch.dtype):
    """(X − x̄, y − ȳ) on the device: the one place a second copy of X is made."""
    return (as_tensor(X, dtype, device) - stats.x_mean.to(dtype),
            as_tensor(y, dtype, device) - stats.y_mean.to(dtype))
