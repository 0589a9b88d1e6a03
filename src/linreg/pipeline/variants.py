"""Every model the pipeline knows, named once: how params call it, which estimator fits it with which
``train`` params, what its cards record, and how the report labels and colours it.

``TRAINED`` are the variants ``train.models`` may list; each knows how to build its estimator
(``Variant.hyperparameters()``, for the class it names) and how to read its cards off the
fitted estimator (``Variant.cards()``),
so ``linreg.pipeline.training`` has no per-variant branches. ``CARDS`` adds the cards derived from
them (the 1-SE choices of the validated paths) and the reference fits from scikit-learn and
statsmodels; ``SERIES`` adds what only appears in plots. The benchmark's display names come from
here too (``BENCHMARK_LABELS``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Hyper = Callable[[Any, int], dict[str, Any]]  # (train params, seed) → the estimator's keyword arguments
CardReader = Callable[[Any], list[tuple[str, dict[str, Any]]]]  # fitted estimator → [(card name, fields)]


@dataclass(frozen=True)
class Variant:
    name: str
    label: str
    color: str
    family: str  # ols | gd | ridge | lasso | elastic_net
    estimator: str  # the class that fits it
    hyper: Hyper | None = None  # trained variants only: the estimator's arguments from the train params
    reader: CardReader | None = None
    validated: bool = False  # fit(X, y, validation=...): the validation rows choose alpha or stop early

    def hyperparameters(self, cfg: Any, *, seed: int) -> dict[str, Any]:
        """The keyword arguments of ``estimator`` (a class of ``linreg.models``) for the ``train`` params."""
        if self.hyper is None:
            raise ValueError(f"{self.name!r} is not a trained variant; train.models may list {MODEL_NAMES}")
        return self.hyper(cfg, seed)

    def cards(self, est: Any) -> list[tuple[str, dict[str, Any]]]:
        """The cards a fitted estimator gives: (card name, its fields beyond coefficients and timing)."""
        assert self.reader is not None, self.name
        return self.reader(est)


# --- each trained variant's hyperparameters, from the train params --------------------------------


def _ols(cfg, seed):
    return {"solver": cfg.ols_solver}


def _gd(batched: bool) -> Hyper:
    def hyper(cfg, seed):
        # Early stopping is for the noisy mini-batch loss; batch GD runs to tolerance.
        return {
            "learning_rate": cfg.gd.learning_rate,
            "max_epochs": cfg.gd.max_epochs,
            "batch_size": cfg.gd.batch_size if batched else None,
            "tol": cfg.gd.tol,
            "patience": cfg.gd.patience if batched else 0,
            "random_state": seed,
        }

    return hyper


def _path(penalty: str) -> Hyper:
    def hyper(cfg, seed):
        kw = {"n_alphas": cfg.path.n_alphas, "alpha_min_ratio": cfg.path.alpha_min_ratio}
        if penalty != "ridge":
            kw |= {"solver": cfg.path.solver, "tol": cfg.path.tol, "max_iter": cfg.path.max_iter}
        if penalty == "elastic_net":
            kw["l1_ratio"] = cfg.path.l1_ratio
        return kw

    return hyper


# --- what each fitted estimator records on its cards ------------------------------------------------


def _ols_cards(est) -> list[tuple[str, dict[str, Any]]]:
    return [("ols", {"solver": est.solver_, "cond": est.cond_, "rank": est.rank_})]


def _gd_cards(name: str) -> CardReader:
    def read(est):
        return [
            (
                name,
                {
                    "solver": "gradient_descent",
                    "learning_rate": est.learning_rate_,
                    "batch_size": est.batch_size,
                    "n_iter": est.n_epochs_,
                    "converged": est.converged_,
                    "diverged": est.diverged_,
                    "diverged_epoch": est.diverged_epoch_,
                    "stopped_by": est.stopped_by_,
                },
            )
        ]

    return read


def _path_cards(name: str) -> CardReader:
    """Two cards per validated path: the minimum-validation-error alpha and the 1-SE one."""

    def read(est):
        out = []
        for card_name, coef, intercept, alpha, rule in (
            (name, est.coef_, est.intercept_, est.alpha_, "min validation MSE"),
            (f"{name}_1se", est.coef_1se_, est.intercept_1se_, est.alpha_1se_, "one standard error"),
        ):
            gap = est.dual_gap_path_[list(est.alphas_).index(alpha)]
            out.append(
                (
                    card_name,
                    {
                        "coef": coef,
                        "intercept": intercept,
                        "alpha": alpha,
                        "alpha_1se": est.alpha_1se_,
                        "alpha_min": est.alpha_,
                        "selection": rule,
                        "l1_ratio": None if name == "ridge" else float(est.l1_ratio),
                        "solver": est.solver_,
                        "n_iter": None if name == "ridge" else est.n_iter_,
                        "converged": est.converged_,
                        "dual_gap": float(gap),
                        "n_alphas": len(est.alphas_),
                    },
                )
            )
        return out

    return read


TRAINED = (
    Variant("ols", "OLS (closed form)", "#1f77b4", "ols", "LinearRegression", _ols, _ols_cards),
    Variant(
        "gd_batch",
        "batch GD",
        "#ff7f0e",
        "gd",
        "GradientDescentRegressor",
        _gd(False),
        _gd_cards("gd_batch"),
        validated=True,
    ),
    Variant(
        "gd_minibatch",
        "mini-batch GD",
        "#2ca02c",
        "gd",
        "GradientDescentRegressor",
        _gd(True),
        _gd_cards("gd_minibatch"),
        validated=True,
    ),
    Variant(
        "ridge", "ridge", "#d62728", "ridge", "ValidatedRidge", _path("ridge"), _path_cards("ridge"), validated=True
    ),
    Variant(
        "lasso", "lasso", "#9467bd", "lasso", "ValidatedLasso", _path("lasso"), _path_cards("lasso"), validated=True
    ),
    Variant(
        "elastic_net",
        "elastic net",
        "#8c564b",
        "elastic_net",
        "ValidatedElasticNet",
        _path("elastic_net"),
        _path_cards("elastic_net"),
        validated=True,
    ),
)
PATHS = tuple(v for v in TRAINED if v.family in ("ridge", "lasso", "elastic_net"))  # a second card at the 1-SE α
ONE_SE = tuple(
    Variant(f"{v.name}_1se", f"{v.label} (1-SE α)", color, v.family, v.estimator)
    for v, color in zip(PATHS, ("#ff9896", "#c5b0d5", "#c49c94"))
)
REFERENCES = (
    Variant("sklearn_ols", "scikit-learn LinearRegression", "#aec7e8", "ols", "LinearRegression"),
    Variant("statsmodels_ols", "statsmodels OLS", "#9edae5", "ols", "OLS"),
    Variant("sklearn_ridge", "scikit-learn Ridge", "#ffbb78", "ridge", "Ridge"),
    Variant("sklearn_lasso", "scikit-learn Lasso", "#dbdb8d", "lasso", "Lasso"),
    Variant("sklearn_elastic_net", "scikit-learn ElasticNet", "#f7b6d2", "elastic_net", "ElasticNet"),
    Variant("sklearn_sgd", "scikit-learn SGDRegressor", "#98df8a", "gd", "SGDRegressor"),
)
VARIANTS = {v.name: v for v in TRAINED}
CARDS = {v.name: v for v in (*TRAINED, *ONE_SE, *REFERENCES)}
SERIES = {
    **CARDS,
    "gd_batch_unscaled": Variant(
        "gd_batch_unscaled", "batch GD on unscaled features", "#7f7f7f", "gd", "GradientDescentRegressor"
    ),
    "truth": Variant("truth", "truth", "#000000", "", ""),
}

MODEL_NAMES = tuple(v.name for v in TRAINED)
OURS = tuple(v.name for v in (*TRAINED, *ONE_SE))
LABELS = {name: v.label for name, v in SERIES.items()}
COLORS = {name: v.color for name, v in SERIES.items()}
# The benchmark times the trained variants by these names, plus two of its own: ridge at one fixed α
# (the closed form, not the validated path) and the validated lasso path, as the committed GPU reference has them.
BENCHMARK_LABELS = {
    "ols": LABELS["ols"],
    "gd_batch": "batch GD (fixed epochs)",
    "gd_minibatch": LABELS["gd_minibatch"],
    "ridge": "ridge (one α)",
    "lasso_path": "lasso path",
}
