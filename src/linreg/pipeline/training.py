"""Train every model variant named in params through its estimator, plus the CPU reference fits.

The estimators are the one fit path: ``build()`` maps a variant's name and the
``train`` params to an estimator, every fit goes through its ``fit``, and a card
is read off its fitted attributes. The validated paths (ridge, lasso, elastic
net) give two cards each: the minimum-validation-error alpha and the 1-SE one.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning

from linreg.models import (
    GradientDescentRegressor,
)
from linreg.models.numerics import design_condition_number
from linreg.models.runtime import resolve_dtype, synchronizer
from linreg.models.solvers import held_out_stats, hessian
from linreg.models.stats import Stats, compute_stats
from linreg.pipeline.card import ModelCard
from linreg.pipeline.data.scale import Scaler
from linreg.pipeline.params import Train
from linreg.pipeline.timing import timed
from linreg.pipeline.variants import CARDS, PATHS, REFERENCES, VARIANTS

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class Split:
    X: np.ndarray  # (n, p)
    y: np.ndarray  # (n,)


@dataclass(frozen=True)
class TrainingData:
    """The rows training reads. ``train`` and ``validation`` may be lazy Dask arrays over a table's
    blocks (the train stage): every variant fitted on statistics reads them blockwise, so they need
    not fit in memory. What needs rows in one process (the GD experiments, the reference fits,
    condition numbers) reads ``in_memory``: ``train_sample`` when given (the first
    ``base.max_rows_in_memory`` training rows), else ``train``. Every variant, mini-batch GD included,
    fits on all rows: held whole when they fit (``train_fit``), else streamed block by block."""

    train: Split  # scaled
    validation: Split  # scaled
    train_unscaled: Split  # original units, in memory, for the scaling experiment (rows as in_memory)
    demo: Split  # the one-feature demo, unscaled as in the seeds
    feature_names: list[str]
    scaler: Scaler
    train_sample: Split | None = None
    validation_sample: Split | None = None

    @property
    def in_memory(self) -> Split:
        return self.train_sample if self.train_sample is not None else self.train

    @staticmethod
    def _whole(full: Split, sample: Split | None) -> Split:
        """The rows in memory when they are all of them (then the exact in-memory solvers apply), else lazy."""
        return sample if sample is not None and sample.X.shape[0] == full.X.shape[0] else full

    @property
    def train_fit(self) -> Split:
        return self._whole(self.train, self.train_sample)

    @property
    def validation_fit(self) -> Split:
        return self._whole(self.validation, self.validation_sample)

    @property
    def sampled(self) -> bool:
        """Whether the in-memory parts see fewer rows than the training part has."""
        return self.in_memory.X.shape[0] < self.train.X.shape[0]


REG_PATH_COLUMNS = ["model", "alpha", "feature", "coef", "nonzero"]
VALIDATION_CURVE_COLUMNS = ["model", "alpha", "val_mse", "one_se_threshold", "chosen_min", "chosen_1se"]


@dataclass
class Trained:
    cards: dict[str, ModelCard] = field(default_factory=dict)
    gd_history: list[pd.DataFrame] = field(default_factory=list)
    reg_path: list[pd.DataFrame] = field(default_factory=list)
    validation_curve: list[pd.DataFrame] = field(default_factory=list)
    lr_sweep: pd.DataFrame | None = None
    stats_seconds: float = 0.0  # the one pass over the training rows every variant shares

    def tables(self) -> dict[str, pd.DataFrame]:
        """The plot data, one tidy frame each (with its columns even when no model produced rows)."""

        def stacked(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
            return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)

        return {
            "gd_history": stacked(self.gd_history, ["model", "epoch", "train_loss", "val_loss"]),
            "lr_sweep": self.lr_sweep if self.lr_sweep is not None else pd.DataFrame(),
            "reg_path": stacked(self.reg_path, REG_PATH_COLUMNS),
            "validation_curve": stacked(self.validation_curve, VALIDATION_CURVE_COLUMNS),
        }


def build(name: str, cfg: Train, *, seed: int, device: torch.device, dtype: str, precompute: Stats | None = None):
    """The estimator that fits variant ``name`` with the ``train`` params (and shared statistics, if given)."""
    if name not in VARIANTS:
        raise ValueError(f"unknown model variant {name!r}; train.models may list {list(VARIANTS)}")
    import linreg.models

    variant = VARIANTS[name]
    return getattr(linreg.models, variant.estimator)(
        **variant.hyperparameters(cfg, seed=seed), device=str(device), dtype=dtype, precompute=precompute
    )


def make_card(
    name: str,
    *,
    kind: str,
    library: str,
    coef,
    intercept: float,
    data: TrainingData,
    seconds: float,
    device: str,
    dtype: str,
    **info: Any,
) -> ModelCard:
    coef = np.asarray(coef, dtype=np.float64)
    coef_orig, intercept_orig = data.scaler.coef_to_original(coef, intercept)
    variant = CARDS[name]
    return ModelCard(
        name=name,
        kind=kind,
        family=variant.family,
        library=library,
        estimator=variant.estimator,
        feature_names=list(data.feature_names),
        coef=coef.tolist(),
        intercept=float(intercept),
        coef_original=np.asarray(coef_orig).tolist(),
        intercept_original=float(intercept_orig),
        fit_seconds=seconds,
        device=device,
        dtype=dtype,
        **info,
    )


def _fit(est, X, y, device: torch.device, **kw) -> float:
    return timed(lambda: est.fit(X, y, **kw), synchronizer(device))[1]


def train_variants(
    data: TrainingData,
    cfg: Train,
    *,
    seed: int,
    device: torch.device,
    dtype: str,
    stats: Callable[[], Stats] | None = None,
) -> Trained:
    """Every variant in ``cfg.models``, each fitted by its estimator on ``device``.

    The training rows' statistics are computed once and handed to every estimator
    (``precompute``), so the variants share one pass over X instead of one each.
    ``stats`` computes them (the train stage: blockwise on the engine); by default
    they come from ``data.train`` in memory.
    """
    out = Trained()
    X, y = data.train_fit.X, data.train_fit.y
    validation = (data.validation_fit.X, data.validation_fit.y)

    def in_memory() -> Stats:
        return compute_stats(X, y, dtype=resolve_dtype(dtype), device=device)

    shared, out.stats_seconds = timed(stats or in_memory, synchronizer(device))
    # The validation rows' statistics too, once for every variant that scores on them.
    val_shared = (
        held_out_stats(*validation, device=device, dtype=resolve_dtype(dtype))
        if any(VARIANTS[name].validated for name in cfg.models)
        else None
    )
    for name in cfg.models:  # rows in memory when they all fit; else blockwise (mini-batches: block by block)
        variant = VARIANTS[name]
        est = build(name, cfg, seed=seed, device=device, dtype=dtype, precompute=shared)
        sec = _fit(
            est,
            X,
            y,
            device,
            **({"validation": validation, "validation_stats": val_shared} if variant.validated else {}),
        )
        common = {
            "kind": "ours",
            "library": "linreg",
            "data": data,
            "seconds": sec,
            "device": est.device_,
            "dtype": dtype,
        }
        for card_name, fields in variant.cards(est):
            fields = {"coef": est.coef_, "intercept": est.intercept_, **fields}
            out.cards[card_name] = make_card(card_name, **common, **fields)
        if variant.family == "gd":
            out.gd_history.append(pd.DataFrame({"model": name, **est.history_}))
        elif variant in PATHS:
            long, curve = _path_frames(name, est, data.feature_names)
            out.reg_path.append(long)
            out.validation_curve.append(curve)
    return out


def _path_frames(name: str, est, names: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The coefficient path (long) and the validation curve of a fitted validated path."""
    coefs, alphas = est.coef_path_, est.alphas_  # (K, p), (K,)
    long = pd.DataFrame(
        {
            "model": name,
            "alpha": np.repeat(alphas, len(names)),
            "feature": np.tile(names, len(alphas)),
            "coef": coefs.ravel(),
            "nonzero": np.count_nonzero(coefs, axis=1).repeat(len(names)),
        }
    )
    k = np.arange(len(alphas))
    curve = pd.DataFrame(
        {
            "model": name,
            "alpha": alphas,
            "val_mse": est.mse_path_,
            "one_se_threshold": est.mse_path_[est.best_index_] + est.se_best_,
            "chosen_min": k == est.best_index_,
            "chosen_1se": k == est.one_se_index_,
        }
    )
    return long, curve


def train_all(
    data: TrainingData,
    cfg: Train,
    *,
    seed: int,
    device: torch.device,
    dtype: str,
    stats: Callable[[], Stats] | None = None,
) -> Trained:
    """Fit ``cfg.models`` on ``device``, run the GD experiments, fit the CPU references."""
    out = train_variants(data, cfg, seed=seed, device=device, dtype=dtype, stats=stats)
    if "gd_batch" in cfg.models:  # what feature scaling does: the same batch GD on the unscaled rows
        est = GradientDescentRegressor(max_epochs=cfg.gd.max_epochs, tol=cfg.gd.tol, device=str(device), dtype=dtype)
        with warnings.catch_warnings():  # that it converges slowly, if at all, is what this run shows
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(data.train_unscaled.X, data.train_unscaled.y)
        out.gd_history.append(pd.DataFrame({"model": "gd_batch_unscaled", **est.history_}))
    out.lr_sweep = _learning_rate_sweep(data, cfg, device, dtype)
    out.cards.update(_references(data, out.cards, cfg, seed))
    return out


def _learning_rate_sweep(data: TrainingData, cfg: Train, device: torch.device, dtype: str) -> pd.DataFrame:
    """The seeds' experiment: batch GD at each learning rate on the demo and on the main data."""
    frames = []
    for dataset, split in (("demo", data.demo), ("main", data.in_memory)):
        # L, the largest curvature of J: steps below 2/L converge, above it they diverge (the figure marks it).
        import torch  # the Hessian's eigenvalues in torch: only this needs it here

        st = compute_stats(split.X, split.y, dtype=torch.float64, device=torch.device("cpu"))
        L = float(torch.linalg.eigvalsh(hessian(st.as_torch(), True))[-1])  # NumPy statistics on the CPU
        for lr in cfg.lr_sweep.learning_rates:
            est = GradientDescentRegressor(
                learning_rate=lr, max_epochs=cfg.lr_sweep.epochs, tol=0.0, device=str(device), dtype=dtype
            )
            with warnings.catch_warnings():  # running to max_epochs, and diverging, is this experiment's point
                warnings.simplefilter("ignore", ConvergenceWarning)
                est.fit(split.X, split.y)
            frames.append(
                pd.DataFrame(
                    {
                        "dataset": dataset,
                        "learning_rate": lr,
                        "epoch": est.history_["epoch"],
                        "loss": est.history_["train_loss"],
                        "diverged": est.diverged_,
                        "lipschitz": L,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def _references(data: TrainingData, ours: dict[str, ModelCard], cfg: Train, seed: int) -> dict[str, ModelCard]:
    """scikit-learn and statsmodels fits on the CPU at the same objectives and alphas, as the registry builds them
    (``Variant.reference``): one for each reference whose trained variant was fitted."""
    X, y = data.in_memory.X, data.in_memory.y
    refs: dict[str, ModelCard] = {}
    for variant in REFERENCES:
        ref = variant.reference
        assert ref is not None  # every reference variant knows how to build its estimator
        trained = next((name for name in ref.needs if name in ours), None)
        if trained is None:
            continue
        model, info = ref.build(cfg, ours[trained], seed)

        def fit(model=model):
            model.fit(X, y)
            return model.coef_, float(np.ravel(model.intercept_)[0]), getattr(model, "n_iter_", None)

        (coef, intercept, n_iter), sec = timed(fit)
        refs[variant.name] = make_card(
            variant.name,
            kind="reference",
            library=ref.library,
            coef=coef,
            intercept=intercept,
            data=data,
            seconds=sec,
            device="cpu",
            dtype="float64",
            n_iter=n_iter,
            reference_for=variant.family,
            **info,
        )
    return refs


def train_metrics(trained: Trained, data: TrainingData, *, device: torch.device, dtype: str) -> dict[str, Any]:
    """reports/metrics/train.json: fit times, what the tuned and iterative models chose, conditioning."""
    metrics: dict[str, Any] = {
        "device": str(device),
        "dtype": dtype,
        "stats_seconds": trained.stats_seconds,
        # What scaling did to the training design (GD's iteration count goes with its square).
        "cond_train_before": design_condition_number(data.train_unscaled.X),
        "cond_train_after": design_condition_number(data.in_memory.X),
        "train_rows": int(data.train.X.shape[0]),
        "train_rows_in_memory": int(data.in_memory.X.shape[0]),
    }
    for name, card in trained.cards.items():
        metrics[f"{name}_fit_seconds"] = card.fit_seconds
        if card.kind == "ours" and card.family != "ols":  # iterative or tuned models
            for key in ("alpha", "alpha_1se", "n_iter", "converged", "diverged"):
                if getattr(card, key) is not None:
                    metrics[f"{name}_{key}"] = getattr(card, key)
    return metrics
