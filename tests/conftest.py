"""Shared fixtures: a tiny copy of the project in a temporary folder.

Nothing here writes into the repository tree or touches the network.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]

# Small enough that every stage runs in well under a second or two.
TINY = {
    "generate": {"n_samples": 400, "n_features": 6, "n_informative": 3, "demo": {"n_samples": 30}},
    "train": {
        "gd": {"max_epochs": 300, "batch_size": 32},
        "path": {"n_alphas": 8},
        "lr_sweep": {"learning_rates": [0.01, 0.5, 5.0], "epochs": 40},
    },
    "evaluate": {"bootstrap_resamples": 20, "learning_curve_fractions": [0.25, 0.5, 1.0], "poly_max_degree": 6},
    "benchmark": {"default": {"sizes": [[500, 4]], "repeats": 2, "warmup": 1}, "gd_epochs": 2,
                  "batch_size": 64, "n_alphas": 4},
    "report": {"engine": "jupyter"},
}


def deep_update(base: dict, overrides: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_update(out[key], value)
        else:
            out[key] = value
    return out


def repo_params() -> dict:
    return yaml.safe_load((REPO / "params.yaml").read_text())


def write_params(root: Path, overrides: dict | None = None) -> dict:
    params = deep_update(deep_update(repo_params(), TINY), overrides or {})
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    return params


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder with dvc.yaml and tiny params.yaml: stages' main(root) run here."""
    shutil.copy(REPO / "dvc.yaml", tmp_path / "dvc.yaml")
    write_params(tmp_path)
    return tmp_path


def run_stages(root: Path, *names: str) -> None:
    """Run stage scripts' main() in order, as DVC would, inside ``root``."""
    import importlib

    for name in names:
        importlib.import_module(f"stages.{name}").main(root)
