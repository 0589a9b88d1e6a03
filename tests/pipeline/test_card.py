"""Model cards and the variant registry: one definition each, round-tripping through JSON."""

from __future__ import annotations

import json

import numpy as np
import pytest

from linreg.pipeline.card import ModelCard
from linreg.pipeline.params import Train
from linreg.pipeline.variants import CARDS, LABELS, MODEL_NAMES, ONE_SE, TRAINED


def card(**kw):
    base = dict(
        name="ols",
        kind="ours",
        family="ols",
        library="linreg",
        estimator="LinearRegression",
        feature_names=["a", "b"],
        coef=[1.5, -2.0],
        intercept=0.25,
        coef_original=[3.0, -1.0],
        intercept_original=1.0,
        fit_seconds=0.01,
        device="cpu",
        dtype="float64",
    )
    return ModelCard(**{**base, **kw})


def test_card_round_trips_through_json_and_predicts_the_vector_form():
    c = card(solver="cholesky", cond=3.2, rank=2, versions={"torch": "x"})
    again = ModelCard.from_json(json.loads(json.dumps(c.to_json())))
    assert again == c
    X = np.array([[1.0, 2.0], [0.0, -1.0]])
    np.testing.assert_array_equal(again.predict(X), X @ np.array([1.5, -2.0]) + 0.25)


def test_a_card_from_another_version_says_so():
    with pytest.raises(ValueError, match=r"unknown keys \['stats_seconds'\].*rerun the train stage"):
        ModelCard.from_json({**card().to_json(), "stats_seconds": 1.0})


def test_params_accept_exactly_the_registered_variants():
    assert MODEL_NAMES == tuple(v.name for v in TRAINED)
    with pytest.raises(ValueError, match="models"):
        Train.model_validate(
            {
                "models": ["ols", "svm"],
                "ols_solver": "auto",
                "gd": {"learning_rate": "auto", "max_epochs": 1, "tol": 0, "patience": 0, "batch_size": 1},
                "path": {
                    "n_alphas": 2,
                    "alpha_min_ratio": 0.1,
                    "l1_ratio": 1,
                    "solver": "cd",
                    "tol": 0.1,
                    "max_iter": 1,
                },
                "lr_sweep": {"learning_rates": [0.1], "epochs": 1},
            }
        )
    assert {v.name for v in ONE_SE} == {"ridge_1se", "lasso_1se", "elastic_net_1se"}
    assert all(name in LABELS for name in CARDS)
