"""Every model the pipeline knows, named once: how params call it, which estimator fits it with which
``train`` params, what its cards record, and how the report labels and colours it.

``TRAINED`` are the variants ``train.models`` may list; each knows how to build its estimator
(``Variant.hyperparameters()``, for the class it names) and how to read its cards off the
fitted estimator (``Variant.cards()``),
so ``linreg.pipeline.training`` has no per-variant branches. ``CARDS`` adds the cards derived from
them (the 1-SE choices of the validated paths) and the reference fits from scikit-learn and
statsmodels, each of which knows how to build its estimator (``Variant.reference``); ``SERIES`` adds
what only appears in plots. The benchmark times the trained variants it names in ``BENCHMARKED``,
each with its overrides of the train params and its scikit-learn anchor (``Variant.benchmark``), so
one lasso is configured here once, for training, the references and the benchmark alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Hyper = Callable[[Any, int], dict[str, Any]]  # (train params, seed) → the estimator's keyword arguments
CardReader = Callable[[Any], list[tuple[str, dict[str, Any]]]]  # fitted estimator → [(card name, fields)]
BenchParams = Callable[[Any, int], dict[str, Any]]  # (benchmark settings, rows given) → the estimator's arguments


@dataclass(frozen=True)
class Anchor:
    """scikit-learn's closest estimator to a benchmarked variant, configured from the same arguments as ours."""

    fit: Callable[[Any, Any, dict[str, Any]], Any]  # (X, y, our estimator's arguments) → scikit-learn's fit
    note: str  # how it differs from ours; ``{name}`` fields are filled from our arguments


@dataclass(frozen=True)
class Timed:
    """How the benchmark times a trained variant. The benchmark reads no train params: these are its own."""

    solver: str  # the name in benchmark.solvers
    label: str | None  # None: the variant's own
    estimator: str  # a class of linreg.models (the benchmark's ridge is one α: Ridge, not the validated path)
    params: BenchParams
    anchor: Anchor | None = None  # None: scikit-learn has no counterpart
    path: bool = False  # fitted with the last fifth held out as validation rows; the whole path is compared


@dataclass(frozen=True)
class Reference:
    """How the train stage builds a reference fit from another library, at one of our variants' objectives."""

    library: str
    needs: tuple[str, ...]  # the trained variants it is compared with: built when any of them was trained
    # (train params, the first of those variants' cards, seed) → (an unfitted estimator with fit / coef_ /
    # intercept_, the fields its card records beyond them)
    build: Callable[[Any, Any, int], tuple[Any, dict[str, Any]]]


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
    benchmark: Timed | None = None  # trained variants the benchmark times
    reference: Reference | None = None  # reference variants: how to build their estimator

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


# --- how the benchmark times them: its own arguments and scikit-learn's anchor ----------------------

LASSO_GAP_TOL = 1e-8  # the benchmark's lasso path, ours and scikit-learn's: a duality gap this small


def _bench_gd(batched: bool) -> BenchParams:
    def params(s, n):
        # tol 0: a fixed number of epochs, so the time measures the epochs and not when the loss flattened.
        return {
            "max_epochs": s.gd_epochs,
            "batch_size": s.batch_size if batched else None,
            "tol": 0.0,
            "random_state": s.seed,
        }

    return params


def _anchor_ols(X, y, p):
    from sklearn import linear_model as sk

    return sk.LinearRegression().fit(X, y)


def _anchor_ridge(X, y, p):
    from sklearn import linear_model as sk

    return sk.Ridge(alpha=p["alpha"], solver="cholesky").fit(X, y)


def _anchor_lasso_path(X, y, p):
    """scikit-learn's lasso_path on the rows our path is fitted on, on the same grid and gap tolerance."""
    import warnings

    import numpy as np
    from sklearn import linear_model as sk

    Xc, yc = X - X.mean(0), y - y.mean()  # lasso_path has no intercept: centering is charged to it
    top = np.abs(Xc.T @ yc).max() / len(y)  # the same grid as ours: alpha_max down to alpha_min_ratio of it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sk.lasso_path(
            Xc,
            yc,
            alphas=np.geomspace(top, top * p["alpha_min_ratio"], p["n_alphas"]),
            tol=p["tol"],
            max_iter=p["max_iter"],
        )


def _anchor_sgd(X, y, p):
    import warnings

    from sklearn import linear_model as sk

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sk.SGDRegressor(penalty=None, max_iter=p["max_epochs"], tol=None, random_state=p["random_state"]).fit(
            X, y
        )


BENCH_OLS = Timed(
    "ols",
    None,
    "LinearRegression",
    lambda s, n: {},
    Anchor(_anchor_ols, "LinearRegression (lstsq on centered X)"),
)
BENCH_GD_BATCH = Timed("gd_batch", "batch GD (fixed epochs)", "GradientDescentRegressor", _bench_gd(False))
BENCH_GD_MINIBATCH = Timed(
    "gd_minibatch",
    None,
    "GradientDescentRegressor",
    _bench_gd(True),
    Anchor(_anchor_sgd, "SGDRegressor, {max_epochs} epochs of single-row steps (it has no mini-batch option)"),
)
BENCH_RIDGE = Timed(
    "ridge", "ridge (one α)", "Ridge", lambda s, n: {"alpha": 1e-3 * n}, Anchor(_anchor_ridge, "Ridge(cholesky)")
)
BENCH_LASSO = Timed(
    "lasso_path",
    "lasso path",
    "ValidatedLasso",
    lambda s, n: {"n_alphas": s.n_alphas, "alpha_min_ratio": 1e-3, "tol": LASSO_GAP_TOL, "max_iter": 100_000},
    Anchor(_anchor_lasso_path, "lasso_path, same grid and gap tolerance"),
    path=True,
)


# --- the reference fits: scikit-learn and statsmodels at our objectives ----------------------------


class StatsmodelsOLS:
    """statsmodels' ``OLS(y, [1, X]).fit()`` behind scikit-learn's ``fit`` / ``coef_`` / ``intercept_``."""

    def __init__(self) -> None:
        # Imported when built, outside the timed fit; not statsmodels.api: that loads all of statsmodels.
        from statsmodels.regression.linear_model import OLS
        from statsmodels.tools import add_constant

        self._ols, self._add_constant = OLS, add_constant

    def fit(self, X, y) -> StatsmodelsOLS:
        res = self._ols(y, self._add_constant(X, has_constant="add")).fit()
        self.coef_, self.intercept_ = res.params[1:], float(res.params[0])
        return self


def _ref_ols(cfg, card, seed):
    from sklearn.linear_model import LinearRegression

    return LinearRegression(), {}


def _ref_ridge(cfg, card, seed):
    from sklearn.linear_model import Ridge

    return Ridge(alpha=card.alpha), {"alpha": card.alpha}


def _ref_enet(name: str):
    """scikit-learn's Lasso / ElasticNet at the α our validated path chose, with its tolerance and budget."""

    def build(cfg, card, seed):
        from sklearn import linear_model as sk

        ours = VARIANTS[name].hyperparameters(cfg, seed=seed)
        l1_ratio = ours.get("l1_ratio", 1.0)
        common = {"alpha": card.alpha, "tol": ours["tol"], "max_iter": ours["max_iter"]}
        model = sk.Lasso(**common) if name == "lasso" else sk.ElasticNet(l1_ratio=l1_ratio, **common)
        return model, {"alpha": card.alpha, "l1_ratio": l1_ratio}

    return build


def _ref_sgd(cfg, card, seed):
    from sklearn.linear_model import SGDRegressor

    ours = VARIANTS["gd_batch"].hyperparameters(cfg, seed=seed)
    return SGDRegressor(penalty=None, max_iter=ours["max_epochs"], tol=1e-6, random_state=ours["random_state"]), {}


TRAINED = (
    Variant("ols", "OLS (closed form)", "#1f77b4", "ols", "LinearRegression", _ols, _ols_cards, benchmark=BENCH_OLS),
    Variant(
        "gd_batch",
        "batch GD",
        "#ff7f0e",
        "gd",
        "GradientDescentRegressor",
        _gd(False),
        _gd_cards("gd_batch"),
        validated=True,
        benchmark=BENCH_GD_BATCH,
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
        benchmark=BENCH_GD_MINIBATCH,
    ),
    Variant(
        "ridge",
        "ridge",
        "#d62728",
        "ridge",
        "ValidatedRidge",
        _path("ridge"),
        _path_cards("ridge"),
        validated=True,
        benchmark=BENCH_RIDGE,
    ),
    Variant(
        "lasso",
        "lasso",
        "#9467bd",
        "lasso",
        "ValidatedLasso",
        _path("lasso"),
        _path_cards("lasso"),
        validated=True,
        benchmark=BENCH_LASSO,
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
SK = "scikit-learn"
REFERENCES = (
    Variant(
        "sklearn_ols",
        "scikit-learn LinearRegression",
        "#aec7e8",
        "ols",
        "LinearRegression",
        reference=Reference(SK, ("ols",), _ref_ols),
    ),
    Variant(
        "statsmodels_ols",
        "statsmodels OLS",
        "#9edae5",
        "ols",
        "OLS",
        reference=Reference("statsmodels", ("ols",), lambda cfg, card, seed: (StatsmodelsOLS(), {})),
    ),
    Variant(
        "sklearn_ridge",
        "scikit-learn Ridge",
        "#ffbb78",
        "ridge",
        "Ridge",
        reference=Reference(SK, ("ridge",), _ref_ridge),
    ),
    Variant(
        "sklearn_lasso",
        "scikit-learn Lasso",
        "#dbdb8d",
        "lasso",
        "Lasso",
        reference=Reference(SK, ("lasso",), _ref_enet("lasso")),
    ),
    Variant(
        "sklearn_elastic_net",
        "scikit-learn ElasticNet",
        "#f7b6d2",
        "elastic_net",
        "ElasticNet",
        reference=Reference(SK, ("elastic_net",), _ref_enet("elastic_net")),
    ),
    Variant(
        "sklearn_sgd",
        "scikit-learn SGDRegressor",
        "#98df8a",
        "gd",
        "SGDRegressor",
        reference=Reference(SK, ("gd_batch", "gd_minibatch"), _ref_sgd),
    ),
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
# What the benchmark times, by its solver names (benchmark.solvers): ridge at one fixed α (the closed form,
# not the validated path) and the validated lasso path, as the committed GPU reference has them.
BENCHMARKED = {v.benchmark.solver: v for v in TRAINED if v.benchmark is not None}
BENCHMARK_SOLVERS = tuple(BENCHMARKED)
BENCHMARK_LABELS = {name: (v.benchmark and v.benchmark.label) or v.label for name, v in BENCHMARKED.items()}
