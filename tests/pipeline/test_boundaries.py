"""Every number the schema accepts runs end to end or is refused up front.

The cases are generated from the schema itself (``linreg.pipeline.params.Params``): for each numeric
field, its minimum, its maximum, a value just inside each bound, a tiny positive fraction where zero
is excluded, and a huge value where the schema sets no maximum. Each case writes tiny params, runs
the validate stage, and then, unless validate refused it naming the key, every stage from the first
one that reads the param through evaluate (the benchmark stage for ``benchmark.*``). "Validate
passes, a later stage crashes" is the bug class this test exists for: such a case fails here with
the later stage's traceback.

Maxima whose cost grows with the value are listed in COSTLY with the measurement that keeps them
out of a test run; their minima and just-inside values still run.
"""

from __future__ import annotations

import math
import shutil
import sys
import types
import warnings
from pathlib import Path
from typing import Any, get_args, get_origin

import annotated_types as at
import pytest
import yaml
from pydantic import BaseModel

from linreg.pipeline.errors import DataError, EngineError, ParamsError
from linreg.pipeline.params import Params

from ..conftest import REPO, TINY, deep_update, repo_params, run_stages

STAGES = ["validate", "generate", "split", "scale", "lessons", "train", "evaluate"]

# Smaller than TINY where a param is not the one under test: one regime, few resamples.
SMALL = deep_update(
    TINY,
    {
        "train": {"lr_sweep": {"learning_rates": [0.5], "epochs": 20}, "gd": {"max_epochs": 100}},
        "evaluate": {
            "bootstrap_resamples": 10,
            "poly_max_degree": 3,
            "regimes": [{"name": "few rows", "n_samples": 40, "noise_std": 1.0, "correlation": 0.5}],
            "regime_repeats": 2,
            "gd_path_epochs": 5,
        },
    },
)

# Maxima whose cost is proportional to the value (2-core VM, these tiny params; docs/performance.md,
# "Limits of the params", has the command and the full table). Their other boundary values run.
COSTLY = {
    "generate.n_samples": "1e8 rows: about 5 GB of data to generate, split and scale",
    "generate.n_features": "50 columns: the regime sweep's coordinate descent at n < p (the whole default run 279 s)",
    "generate.demo.n_samples": "1e6 points: evaluate 76 s (the degree sweep and the loss surface)",
    "train.gd.max_epochs": "1e6 epochs: train 59 s",
    "train.lr_sweep.epochs": "1e5 epochs per learning rate: train 32 s",
    "train.path.max_iter": "1e6 sweeps per α wherever the tolerance is not met: cost ∝ max_iter (not timed)",
    "evaluate.bootstrap_resamples": "1e5 resamples: evaluate 26 s",
    "evaluate.regime_repeats": "200 repeats of every regime: evaluate 6 s per regime on tiny data",
    "evaluate.regimes.n_samples": "1e5 rows per regime and repeat: evaluate 5 s per repeat",
    "evaluate.gd_path_epochs": "500 epochs per step size on the loss surface: evaluate grows linearly",
    "benchmark.gd_epochs": "1e4 epochs per timed repeat",
    "benchmark.p_sweep.n": "1e6 rows: the sweep's designs and their timing repeats",
    "benchmark.default.repeats": "1000 timed repeats of every solver",
    "benchmark.large.repeats": "the large preset is not run here",
    "benchmark.large.warmup": "the large preset is not run here",
    "benchmark.default.warmup": "100 untimed repeats of every solver",
    "engine.timeout": "waits up to an hour for a scheduler only when engine.address is set",
}
# Values the schema accepts that need a cluster or a device this test does not start.
NOT_HERE = {
    "engine.local_workers": "starts a LocalCluster (tests/pipeline/test_engine_session.py runs one); "
    "its maximum is refused by the memory check, tested in test_bad_inputs.py",
}


def _bounds(info) -> dict[str, float]:
    out = {}
    for meta in info.metadata:
        for name in ("ge", "gt", "le", "lt"):
            if isinstance(meta, getattr(at, name.capitalize())):
                out[name] = getattr(meta, name)
    return out


def _numeric(annotation) -> type | None:
    if annotation in (int, float):
        return annotation
    if get_origin(annotation) in (types.UnionType,) or str(get_origin(annotation)) == "typing.Union":
        kinds = [a for a in get_args(annotation) if a in (int, float)]
        return kinds[0] if kinds else None
    return None


def numeric_fields(model: type[BaseModel], prefix: tuple = ()) -> list[tuple[tuple, type, dict]]:
    """(key path, int or float, bounds) of every numeric field, nested models and lists of models included."""
    out = []
    for name, info in model.model_fields.items():
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out += numeric_fields(ann, (*prefix, name))
        elif get_origin(ann) is list and isinstance(get_args(ann)[0], type) and issubclass(get_args(ann)[0], BaseModel):
            out += numeric_fields(get_args(ann)[0], (*prefix, name, 0))
        elif (kind := _numeric(ann)) is not None:
            out.append(((*prefix, name), kind, _bounds(info)))
    return out


def boundary_values(kind: type, bounds: dict[str, float]) -> list[tuple[str, Any]]:
    """min, max, just inside each, a tiny positive fraction above an excluded 0, huge when unbounded."""
    step = 1 if kind is int else None
    out = []
    if "ge" in bounds:
        lo = bounds["ge"]
        out += [("min", lo), ("just above min", lo + step if step else lo + max(abs(lo), 1) * 1e-9)]
    if "gt" in bounds:
        lo = bounds["gt"]
        if step:
            out.append(("min", lo + 1))
        else:
            out += [("smallest above", math.nextafter(lo, math.inf))]
            if lo == 0:
                out.append(("tiny fraction", 1e-9))
    if "le" in bounds:
        hi = bounds["le"]
        out += [("max", hi), ("just below max", hi - step if step else hi - max(abs(hi), 1) * 1e-9)]
    if "lt" in bounds:
        hi = bounds["lt"]
        out.append(("largest below", hi - 1 if step else math.nextafter(hi, -math.inf)))
    if "le" not in bounds and "lt" not in bounds:
        out.append(("huge", 2**62 if step else 1e300))
    return out


def _label(path: tuple) -> str:
    return ".".join(str(p) for p in path if not isinstance(p, int))


def _override(params: dict, path: tuple, value: Any) -> dict:
    out = yaml.safe_load(yaml.safe_dump(params))
    node = out
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return out


CASES = []
for path, kind, bounds in numeric_fields(Params):
    label = _label(path)
    for what, value in boundary_values(kind, bounds):
        if label in NOT_HERE or (label in COSTLY and what in ("max", "just below max", "huge")):
            continue
        CASES.append(pytest.param(path, value, id=f"{label}={what}"))


def _first_stage(label: str) -> str:
    if label.startswith("engine."):
        return "generate"  # read by every blockwise stage (engine_params), generate first
    if label.startswith("benchmark."):
        return "benchmark"
    stages = yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]
    for name in STAGES[1:]:
        if any(label == key or label.startswith(key + ".") for key in stages[name].get("params", [])):
            return name
    raise AssertionError(f"no stage of {STAGES} declares {label}")


@pytest.fixture(scope="module")
def upstream(tmp_path_factory) -> Path:
    """Every stage through train once on SMALL params; each case starts from a copy."""
    root = tmp_path_factory.mktemp("upstream")
    shutil.copy(REPO / "dvc.yaml", root / "dvc.yaml")
    shutil.copytree(REPO / "data" / "external", root / "data" / "external")
    (root / "params.yaml").write_text(yaml.safe_dump(deep_update(repo_params(), SMALL), sort_keys=False))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_stages(root, *STAGES[:-1])
    return root


def test_the_cases_cover_the_schema():
    labels = {_label(p) for p, _, _ in numeric_fields(Params)}
    assert {"generate.n_samples", "split.validation", "train.gd.learning_rate", "evaluate.regimes.noise_std"} <= labels
    assert set(COSTLY) | set(NOT_HERE) <= labels  # no stale entries
    assert len(CASES) > 60


@pytest.mark.slow  # about a hundred partial pipeline runs on tiny data
@pytest.mark.parametrize("path, value", CASES)
def test_every_number_the_schema_accepts_runs_or_is_refused_up_front(upstream, tmp_path, path, value):
    label = _label(path)
    root = tmp_path / "p"
    shutil.copytree(upstream, root)
    params = _override(deep_update(repo_params(), SMALL), path, value)
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    try:
        run_stages(root, "validate")
    except (ParamsError, DataError, EngineError) as refused:
        assert path[-1] in str(refused) or label in str(refused), f"the refusal does not name {label}: {refused}"
        return
    first = _first_stage(label)
    chain = ["benchmark"] if first == "benchmark" else STAGES[STAGES.index(first) :]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence and rank warnings are expected at the edges
        run_stages(root, *chain)
    last = "benchmark" if first == "benchmark" else "evaluate"
    assert (root / "reports" / "metrics" / f"{last}.json").is_file(), sys.exc_info()
