"""The variant registry: every trained variant builds its estimator from the train params and fills its cards."""

from __future__ import annotations

import numpy as np
import pytest

import linreg.models
from linreg.pipeline.params import Train
from linreg.pipeline.training import build
from linreg.pipeline.variants import BENCHMARK_LABELS, CARDS, LABELS, TRAINED, VARIANTS

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


def test_names_labels_and_the_benchmark_share_one_vocabulary():
    assert set(VARIANTS) <= set(LABELS)
    shared = set(BENCHMARK_LABELS) & set(VARIANTS)
    assert shared == {"ols", "gd_batch", "gd_minibatch", "ridge"}
    assert all(BENCHMARK_LABELS[name].startswith(LABELS[name].split(" (")[0]) for name in shared)
