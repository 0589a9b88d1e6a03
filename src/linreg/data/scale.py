"""Feature scaling fitted on the training part only, stored as plain numbers.

``X_scaled = (X − center) / scale``. Constant training features (zero spread)
get ``scale = 1`` as in scikit-learn's scalers: they become a zero column that
every model gives a zero coefficient (with ``none`` they stay as they are), and they are listed in the scaler so the
user sees them. The target is not scaled, so errors stay in y's units.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from linreg.data.reduce import mean_std


@dataclass(frozen=True)
class Scaler:
    method: str
    feature_names: list[str]
    center: list[float]
    scale: list[float]
    constant_features: list[str]

    def transform(self, X: np.ndarray) -> np.ndarray:
        return (X - np.asarray(self.center)) / np.asarray(self.scale)

    def coef_to_original(self, coef: np.ndarray, intercept: float) -> tuple[np.ndarray, float]:
        """Map a model fitted on scaled features back to the original units.

        y = b + Σ w_j (x_j − c_j)/s_j  ⇒  β_j = w_j / s_j,  β₀ = b − Σ w_j c_j / s_j.
        """
        beta = np.asarray(coef) / np.asarray(self.scale)
        return beta, float(intercept - beta @ np.asarray(self.center))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Scaler:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


def fit_scaler(X_train: np.ndarray, feature_names: list[str], method: str) -> Scaler:
    """Learn centre and scale per feature from the training rows alone."""
    p = X_train.shape[1]
    if method == "standard":
        center, spread = mean_std(X_train)  # fixed-order sums: the same bits on any machine
    elif method == "minmax":
        center = X_train.min(axis=0)
        spread = X_train.max(axis=0) - center
    elif method == "none":
        center, spread = np.zeros(p), np.ones(p)
    else:
        raise ValueError(f"unknown scaling method {method!r}; use standard, minmax or none.")
    # A spread at rounding level of the values is a constant column too.
    tiny = 10 * np.finfo(np.float64).eps * np.maximum(np.abs(X_train).max(axis=0), 1.0)
    constant = spread <= tiny
    scale = np.where(constant, 1.0, spread)
    return Scaler(
        method=method,
        feature_names=list(feature_names),
        center=center.tolist(),
        scale=scale.tolist(),
        constant_features=[name for name, c in zip(feature_names, constant) if c],
    )
