"""Feature scaling fitted on the training part only, stored as plain numbers.

``X_scaled = (X − center) / scale``. Constant training features (zero spread)
get ``scale = 1`` as in scikit-learn's scalers: they become a zero column that
every model gives a zero coefficient (with ``none`` they stay as they are), and they are listed in the scaler so the
user sees them. The target is not scaled, so errors stay in y's units.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from linreg.models.numerics import pairwise_sum, tree_merge


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


@dataclass(frozen=True)
class Moments:
    """Per-column count, mean, centred sum of squares, min, max and max |x| of some rows: mergeable."""

    n: int
    mean: np.ndarray
    m2: np.ndarray
    min: np.ndarray
    max: np.ndarray
    absmax: np.ndarray


def block_moments(X: np.ndarray) -> Moments:
    """One block's moments, two-pass (no cancellation) with fixed-order sums: the same bits on any machine."""
    X = np.asarray(X, dtype=np.float64)
    n = X.shape[0]
    mean = pairwise_sum(X) / n
    return Moments(n, mean, pairwise_sum((X - mean) ** 2), X.min(axis=0), X.max(axis=0), np.abs(X).max(axis=0))


def table_block_moments(block: int, path) -> Moments:
    """The feature moments of one block of a table, read where the task runs."""
    from linreg.pipeline.io import read_xy

    return block_moments(read_xy(path, block)[0])


def merge_moments(a: Moments, b: Moments) -> Moments:
    """Chan, Golub & LeVeque's pairwise update, element-wise: M₂ = M₂ᵃ + M₂ᵇ + δ² nₐ n_b / n."""
    n = a.n + b.n
    delta = b.mean - a.mean
    return Moments(
        n,
        a.mean + delta * (b.n / n),
        a.m2 + b.m2 + delta * delta * (a.n * b.n / n),
        np.minimum(a.min, b.min),
        np.maximum(a.max, b.max),
        np.maximum(a.absmax, b.absmax),
    )


def fit_scaler(X_train: np.ndarray, feature_names: list[str], method: str) -> Scaler:
    """Learn centre and scale per feature from the training rows alone (held in memory)."""
    return scaler_from_moments([block_moments(X_train)], feature_names, method)


def scaler_from_moments(blocks: list[Moments], feature_names: list[str], method: str) -> Scaler:
    """The scaler of the training rows whose blocks have these moments, merged in block order."""
    m = tree_merge(blocks, merge_moments)
    p = len(feature_names)
    if method == "standard":
        center, spread = m.mean, np.sqrt(m.m2 / m.n)
    elif method == "minmax":
        center = m.min
        spread = m.max - center
    elif method == "none":
        center, spread = np.zeros(p), np.ones(p)
    else:
        raise ValueError(f"unknown scaling method {method!r}; use standard, minmax or none.")
    # A spread at rounding level of the values is a constant column too (relative to their own
    # magnitude: features in units of 1e-20 are not constant).
    tiny = 10 * np.finfo(np.float64).eps * m.absmax
    constant = spread <= tiny
    scale = np.where(constant, 1.0, spread)
    return Scaler(
        method=method,
        feature_names=list(feature_names),
        center=center.tolist(),
        scale=scale.tolist(),
        constant_features=[name for name, c in zip(feature_names, constant) if c],
    )
