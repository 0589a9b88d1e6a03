"""The model card: one fitted model as plain JSON (coefficients and how they were obtained), never a pickle."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

from linreg.models.solvers import linear_predict


@dataclass
class ModelCard:
    name: str  # a key of linreg.pipeline.variants.CARDS
    kind: str  # ours | reference
    family: str  # ols | gd | ridge | lasso | elastic_net
    library: str  # linreg | scikit-learn | statsmodels
    estimator: str  # the class that fitted it
    feature_names: list[str]
    coef: list[float]  # on the scaled features the model was fitted on
    intercept: float
    coef_original: list[float]  # mapped back to the features' own units
    intercept_original: float
    fit_seconds: float
    device: str
    dtype: str
    alpha: float | None = None  # the chosen penalty (scikit-learn's scaling)
    alpha_1se: float | None = None
    alpha_min: float | None = None
    selection: str | None = None  # which rule chose alpha
    l1_ratio: float | None = None
    n_alphas: int | None = None
    dual_gap: float | None = None
    solver: str | None = None
    n_iter: int | None = None
    converged: bool = True
    diverged: bool = False
    diverged_epoch: int | None = None
    stopped_by: str | None = None
    learning_rate: float | None = None
    batch_size: int | None = None
    cond: float | None = None
    rank: int | None = None
    reference_for: str | None = None
    versions: dict[str, str] = field(default_factory=dict)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """ŷ = X coef + intercept on the scaled features."""
        return linear_predict(X, np.asarray(self.coef), self.intercept)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelCard:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"model card {data.get('name')!r} has unknown keys {unknown}: rerun the train stage")
        return cls(**data)
