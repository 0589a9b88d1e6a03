"""What validate accepts, the stages run: params drawn from the schema's edges, at small sizes.

Each draw changes a few keys of the tiny test params: types (a number in quotes), boundaries (rows,
features, fractions near 0 and 1), subsets of ``train.models``, every ``generate.source`` (a CSV saved
with and without pandas' index), the report engine. Then either validate refuses the params with a
message that names a key it was given, or the stages after it run without an error.

The budget is small by default (``make test``); ``LINREG_PROPERTY_EXAMPLES=200`` draws more, and
``LINREG_PROPERTY_THROUGH=evaluate`` runs the evaluate stage too (seconds per draw).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linreg.pipeline.errors import DataError, DeviceError, ParamsError
from linreg.pipeline.variants import MODEL_NAMES

from ..conftest import REPO, run_stages, write_params

EXAMPLES = int(os.environ.get("LINREG_PROPERTY_EXAMPLES", "30"))
THROUGH = os.environ.get("LINREG_PROPERTY_THROUGH", "train")
STAGES = ["generate", "split", "scale", "train"] + (["lessons", "evaluate"] if THROUGH == "evaluate" else [])
FRACTIONS = [0.001, 0.999, 0.005, 0.01, 0.98, 0.02, 0.1, 0.2, 0.5, 0.6, 0.0, 1.0]  # the edges first: drawn most


# Values at and just past the schema's edges, the valid ones repeated so that most draws pass validate
# and reach the stages (a value past an edge must be refused by name; one at an edge must run).
VALUES = {
    "generate.source": st.sampled_from(["synthetic", "diabetes", "csv"]),
    "generate.n_samples": st.sampled_from([5, 10, 11, 20, 50, 120, 300]),
    "generate.n_features": st.sampled_from([0, 1, 1, 2, 3, 8]),
    "generate.n_informative": st.sampled_from([-1, 0, 1, 2, 3, 9]),
    "generate.noise_std": st.sampled_from([0.0, 1.0, 1.0, -1.0]),
    "split.train": st.sampled_from(FRACTIONS),
    "split.validation": st.sampled_from(FRACTIONS),
    "train.models": st.lists(st.sampled_from(MODEL_NAMES), unique=True, max_size=len(MODEL_NAMES)),
    "train.path.n_alphas": st.sampled_from([1, 2, 2, 3, 6]),
    "evaluate.regime_n_samples": st.sampled_from([5, 10, 12, 20, 40, 80]),
    "report.engine": st.sampled_from(["auto", "jupyter", "auto", "jupyter", "quarto", "Quarto"]),
}


@st.composite
def drawn_params(draw):
    """(overrides for write_params, the dotted keys drawn, whether the CSV keeps pandas' index)."""
    picked = draw(st.lists(st.sampled_from(sorted(VALUES)), unique=True, min_size=1, max_size=3))
    chosen = {key: draw(VALUES[key]) for key in picked}
    overrides: dict = {}
    for key, value in chosen.items():
        if key == "evaluate.regime_n_samples":  # the first of the tiny regimes
            overrides.setdefault("evaluate", {})["regimes"] = [
                {"name": "drawn", "n_samples": value, "noise_std": 1.0, "correlation": 0.5}
            ]
            continue
        node = overrides
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    if "split" in overrides:  # the test fraction makes the sum 1 when it can
        split = {"train": 0.6, "validation": 0.2, **overrides["split"]}
        split["test"] = round(1 - split["train"] - split["validation"], 12)
        overrides["split"] = split
    numeric = [k for k, v in chosen.items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if numeric and draw(st.integers(0, 3)) == 0:  # a number in quotes, as a hand-written params.yaml may hold
        key = draw(st.sampled_from(numeric))
        if key == "evaluate.regime_n_samples":
            overrides["evaluate"]["regimes"][0]["n_samples"] = str(chosen[key])
        else:
            node = overrides
            *parents, last = key.split(".")
            for part in parents:
                node = node[part]
            node[last] = str(node[last])
    if overrides.get("generate", {}).get("source") == "csv":
        overrides["generate"].update(csv_path="data/external/drawn.csv", csv_target="t")
    return overrides, sorted(chosen), draw(st.booleans())


def _names_a_drawn_key(message: str, keys: list[str]) -> bool:
    """The message names a key that was drawn, or the group or sub-group holding it."""
    aliases = {"evaluate.regime_n_samples": "evaluate.regimes"}
    for key in keys:
        parts = aliases.get(key, key).split(".")
        for depth in range(len(parts), 0, -1):
            if re.search(rf"(^|[\s(]){re.escape('.'.join(parts[:depth]))}([\s.=:\[]|$)", message, re.M):
                return True
    return False


def _write_csv(root: Path, with_index: bool) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.standard_normal((60, 3)), columns=["a", "b", "c"])
    frame["t"] = frame @ [1.0, -2.0, 0.5] + rng.standard_normal(60)
    (root / "data" / "external").mkdir(parents=True, exist_ok=True)
    frame.to_csv(root / "data" / "external" / "drawn.csv", index=with_index)


@pytest.mark.slow  # runs the stages after validate on every accepted draw
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # nothing written into the repository
    derandomize=True,  # the same draws every run: a failure here is reproducible, not a flake
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=drawn_params())
def test_validate_refuses_naming_a_key_or_the_stages_run(tmp_path_factory, drawn):
    overrides, keys, csv_with_index = drawn
    root = tmp_path_factory.mktemp("drawn")
    shutil.copy(REPO / "dvc.yaml", root / "dvc.yaml")
    _write_csv(root, csv_with_index)
    write_params(root, overrides)
    try:
        run_stages(root, "validate")
    except (ParamsError, DataError, DeviceError) as refused:
        assert _names_a_drawn_key(str(refused), keys), f"refused without naming a drawn key {keys}:\n{refused}"
        return
    run_stages(root, *STAGES)  # accepted: every stage must then run
