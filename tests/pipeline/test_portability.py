"""Same answer on every machine: the data stages write the same bytes under another BLAS
kernel and thread count, and the models agree to 1e-9, also when the statistics pass is
multiplied by the other library (NumPy's OpenBLAS or torch's MKL: the CPU decides which).

Each stage runs as DVC runs it (``python stages/<name>.py`` in the project folder), in a
fresh process per configuration, so the BLAS picks its kernels and threads anew.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from linreg.models import stats

from ..conftest import REPO, write_params

pytestmark = pytest.mark.slow  # each test reruns stages under another BLAS

CONFIGS = {
    "default": {},
    # An old kernel, MKL limited to SSE4.2, one thread: other code paths and summation orders.
    "sandybridge-1-thread": {
        "OPENBLAS_CORETYPE": "Sandybridge",
        "MKL_ENABLE_INSTRUCTIONS": "SSE4_2",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    },
}
DATA_STAGES = ("generate", "split", "scale")
# The statistics pass this machine would not choose (linreg.models.stats.default_cpu_blas).
OTHER_PASS = {"LINREG_CPU_BLAS": "numpy" if stats.blas.CPU_BLAS == "torch" else "torch"}  # by-size: NumPy's here


def run(root: Path, stages: tuple[str, ...], env: dict[str, str]) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENBLAS_", "MKL_", "OMP_", "LINREG_"))}
    # The repo first; then whatever the suite itself runs with (e.g. packages carried onto a GPU machine).
    clean["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), str(REPO), os.environ.get("PYTHONPATH", "")])
    for stage in stages:
        done = subprocess.run(
            [sys.executable, str(REPO / "stages" / f"{stage}.py")],
            cwd=root,
            env={**clean, **env},
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, f"{stage} under {env}:\n{done.stderr[-3000:]}"


def project(root: Path, overrides: dict) -> Path:
    root.mkdir()
    shutil.copy(REPO / "dvc.yaml", root / "dvc.yaml")
    write_params(root, overrides)
    return root


def digests(root: Path) -> dict[str, str]:
    files = sorted(p for p in (root / "data").rglob("*") if p.is_file()) + [root / "reports/metrics/scale.json"]
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.mark.slow
def test_data_stages_write_identical_bytes_under_another_blas(tmp_path):
    # 50 features (the maximum): 83,886-row generation blocks, so 200,000 rows span three of them.
    overrides = {"generate": {"n_samples": 200_000, "n_features": 50, "n_informative": 20}}
    seen = {}
    for name, env in CONFIGS.items():
        root = project(tmp_path / name, overrides)
        run(root, DATA_STAGES, env)
        seen[name] = digests(root)
    assert seen["default"] == seen["sandybridge-1-thread"]
    assert len(seen["default"]) == 12  # raw (3), split (4), scaled (4) and scale.json: every file compared


def flat_numbers(value, prefix=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from flat_numbers(v, f"{prefix}{k}.")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from flat_numbers(v, f"{prefix}{i}.")
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield prefix.rstrip("."), float(value)


@pytest.mark.slow
def test_models_and_metrics_agree_to_1e_9_under_another_blas(tmp_path):
    results = {}
    for name, env in {**CONFIGS, "other-statistics-pass": OTHER_PASS}.items():
        root = project(tmp_path / name, {})
        run(root, (*DATA_STAGES, "train", "evaluate"), env)
        cards = {p.stem: json.loads(p.read_text()) for p in (root / "models").glob("*.json")}
        results[name] = dict(
            flat_numbers(
                {
                    "metrics": json.loads((root / "reports/metrics/evaluate.json").read_text()),
                    "coef": {k: c["coef"] for k, c in cards.items()},
                    "intercept": {k: c["intercept"] for k, c in cards.items()},
                }
            )
        )
    a = results.pop("default")
    for name, b in results.items():
        assert a.keys() == b.keys()
        timing = [k for k in a if "seconds" in k]
        for key in a.keys() - set(timing):
            # Relative to the value, or absolute where the value is at rounding level of its scale.
            assert math.isclose(a[key], b[key], rel_tol=1e-9, abs_tol=1e-12), (name, key, a[key], b[key])
