"""The variant registry: every trained variant builds its estimator from the train params and fills its cards."""

from __future__ import annotations

import types
from typing import get_args

import numpy as np
import pytest
import torch

import linreg.models
from linreg.pipeline.benchmark.grid import Settings, linreg_solver, sklearn_anchor
from linreg.pipeline.params import Benchmark, Train
from linreg.pipeline.training import build
from linreg.pipeline.variants import (
    BENCHMARK_LABELS,
    BENCHMARKED,
    CARDS,
    LABELS,
    ONE_SE,
    REFERENCES,
    TRAINED,
    VARIANTS,
)

from ..conftest import repo_params


@pytest.fixture(scope="module")
def cfg():
    return Train.model_validate(repo_params()["train"])


@pytest.mark.parametrize("variant", TRAINED, ids=lambda v: v.name)
def test_each_variant_builds_its_named_estimator_with_the_train_params(variant, cfg):
    est = build(variant.name, cfg, seed=7, device="cpu", dtype="float64")
    assert type(est) is getattr(linreg.models, variant.estimator)
    params = est.get_params()
    for key, value in variant.hyperparameters(cfg, seed=7).items():
        assert params[key] == value, key  # what params.yaml says reaches the estimator


@pytest.mark.parametrize("variant", TRAINED, ids=lambda v: v.name)
def test_each_variant_fills_cards_the_registry_knows(variant, cfg):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((120, 3)), rng.standard_normal(120)
    est = build(variant.name, cfg, seed=7, device="cpu", dtype="float64")
    est.fit(X[:90], y[:90], **({"validation": (X[90:], y[90:])} if variant.validated else {}))
    names = [name for name, _ in variant.cards(est)]
    assert names[0] == variant.name and all(name in CARDS for name in names)
    assert len(names) == (2 if variant.family in ("ridge", "lasso", "elastic_net") else 1)


def test_unknown_variants_are_refused_with_the_choices(cfg):
    with pytest.raises(ValueError, match="unknown model variant 'svm'.*ols"):
        build("svm", cfg, seed=0, device="cpu", dtype="float64")


def test_every_variant_names_a_public_estimator():
    # training.build() resolves ``getattr(linreg.models, variant.estimator)``: a name the layering test's AST
    # pass (tests/models/test_layering.py) cannot see.
    assert {v.estimator for v in (*TRAINED, *ONE_SE)} <= set(linreg.models.__all__)
    assert {v.benchmark.estimator for v in BENCHMARKED.values()} <= set(linreg.models.__all__)


def test_names_and_labels_share_one_vocabulary():
    assert set(VARIANTS) <= set(LABELS)
    assert set(BENCHMARK_LABELS) == set(BENCHMARKED) and all(BENCHMARK_LABELS.values())


def test_the_benchmark_solvers_are_the_registry_s():
    # benchmark.solvers accepts exactly the registry's names, and each resolves to a class of linreg.models.
    field = Benchmark.model_fields["solvers"].annotation
    assert set(get_args(get_args(field)[0])) == set(BENCHMARKED) == {v.benchmark.solver for v in TRAINED if v.benchmark}
    assert all(hasattr(linreg.models, v.benchmark.estimator) for v in BENCHMARKED.values())


def test_the_benchmark_arguments_reach_its_estimators(monkeypatch):
    built = {}

    class Spy:
        def __init__(self, cls):
            self.cls = cls

        def __call__(self, **kw):
            built[self.cls.__name__] = kw
            return self.cls(**kw)

    for name in ("Ridge", "ValidatedLasso", "GradientDescentRegressor"):
        monkeypatch.setattr(linreg.models, name, Spy(getattr(linreg.models, name)), raising=False)
    s = Settings(gd_epochs=3, batch_size=16, n_alphas=5, warmup=0, repeats=1, seed=11)
    X, y = torch.randn(100, 3, dtype=torch.float64), torch.randn(100, dtype=torch.float64)
    for solver in ("ridge", "lasso_path", "gd_minibatch"):
        linreg_solver(solver, s)(X, y)
    assert built["Ridge"]["alpha"] == pytest.approx(0.1)  # 1e-3 × the 100 rows
    lasso = built["ValidatedLasso"]
    assert (lasso["n_alphas"], lasso["alpha_min_ratio"], lasso["tol"], lasso["max_iter"]) == (5, 1e-3, 1e-8, 100_000)
    gd = built["GradientDescentRegressor"]
    assert (gd["max_epochs"], gd["batch_size"], gd["tol"], gd["random_state"]) == (3, 16, 0.0, 11)
    # scikit-learn's anchors are configured from the same arguments.
    assert sklearn_anchor("gd_minibatch", s)[1].startswith("SGDRegressor, 3 epochs")
    assert sklearn_anchor("gd_batch", s) is None


@pytest.mark.parametrize("variant", REFERENCES, ids=lambda v: v.name)
def test_each_reference_is_built_from_the_train_params(variant, cfg):
    card = types.SimpleNamespace(alpha=0.25)
    model, info = variant.reference.build(cfg, card, 7)
    params = model.get_params() if hasattr(model, "get_params") else {}
    expected = {  # what params.yaml says, read here from the params themselves
        "sklearn_ols": {},
        "statsmodels_ols": {},
        "sklearn_ridge": {"alpha": 0.25},
        "sklearn_lasso": {"alpha": 0.25, "tol": cfg.path.tol, "max_iter": cfg.path.max_iter},
        "sklearn_elastic_net": {
            "alpha": 0.25,
            "l1_ratio": cfg.path.l1_ratio,
            "tol": cfg.path.tol,
            "max_iter": cfg.path.max_iter,
        },
        "sklearn_sgd": {"penalty": None, "max_iter": cfg.gd.max_epochs, "tol": 1e-6, "random_state": 7},
    }[variant.name]
    assert {k: params[k] for k in expected} == expected
    assert (
        set(variant.reference.needs) <= set(VARIANTS) and variant.family == VARIANTS[variant.reference.needs[0]].family
    )
    if "alpha" in expected:
        assert info["alpha"] == 0.25
