"""Every model the pipeline knows, named once: what params call it, how the report labels and colours it.

``TRAINED`` are the variants ``train.models`` may list; fitting them is
``linreg.training``'s job. ``CARDS`` adds the cards derived from them (the 1-SE
choices of the validated paths) and the reference fits from scikit-learn and
statsmodels; ``SERIES`` adds what only appears in plots.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Variant:
    name: str
    label: str
    color: str
    family: str  # ols | gd | ridge | lasso | elastic_net
    estimator: str  # the class that fits it


TRAINED = (
    Variant("ols", "OLS (closed form)", "#1f77b4", "ols", "LinearRegression"),
    Variant("gd_batch", "batch GD", "#ff7f0e", "gd", "GradientDescentRegressor"),
    Variant("gd_minibatch", "mini-batch GD", "#2ca02c", "gd", "GradientDescentRegressor"),
    Variant("ridge", "ridge", "#d62728", "ridge", "ValidatedRidge"),
    Variant("lasso", "lasso", "#9467bd", "lasso", "ValidatedLasso"),
    Variant("elastic_net", "elastic net", "#8c564b", "elastic_net", "ValidatedElasticNet"),
)
PATH_FAMILIES = ("ridge", "lasso", "elastic_net")  # validated paths: a second card at the 1-SE alpha
ONE_SE = tuple(
    Variant(f"{v.name}_1se", f"{v.label} (1-SE α)", color, v.family, v.estimator)
    for v, color in zip(TRAINED[3:], ("#ff9896", "#c5b0d5", "#c49c94"))
)
REFERENCES = (
    Variant("sklearn_ols", "scikit-learn LinearRegression", "#aec7e8", "ols", "LinearRegression"),
    Variant("statsmodels_ols", "statsmodels OLS", "#9edae5", "ols", "OLS"),
    Variant("sklearn_ridge", "scikit-learn Ridge", "#ffbb78", "ridge", "Ridge"),
    Variant("sklearn_lasso", "scikit-learn Lasso", "#dbdb8d", "lasso", "Lasso"),
    Variant("sklearn_elastic_net", "scikit-learn ElasticNet", "#f7b6d2", "elastic_net", "ElasticNet"),
    Variant("sklearn_sgd", "scikit-learn SGDRegressor", "#98df8a", "gd", "SGDRegressor"),
)
CARDS = {v.name: v for v in (*TRAINED, *ONE_SE, *REFERENCES)}
SERIES = {**CARDS, "gd_batch_unscaled": Variant("gd_batch_unscaled", "batch GD on unscaled features", "#7f7f7f",
                                                 "gd", "GradientDescentRegressor"),
          "truth": Variant("truth", "truth", "#000000", "", "")}

MODEL_NAMES = tuple(v.name for v in TRAINED)
OURS = tuple(v.name for v in (*TRAINED, *ONE_SE))
LABELS = {name: v.label for name, v in SERIES.items()}
COLORS = {name: v.color for name, v in SERIES.items()}
