"""The report's reproducibility section tells a re-run from an edited workspace."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from linreg.pipeline.paths import project_paths
from linreg.pipeline.report.data import git_revision, lock_comparison, lock_summary

pytestmark = pytest.mark.slow  # runs the pipeline twice


def lock(deps=None, params=None, outs=None):
    stages = {}
    for stage in ("generate", "scale", "benchmark"):
        stages[stage] = {
            "cmd": f"python stages/{stage}.py",
            "deps": [{"path": f"stages/{stage}.py", "md5": (deps or {}).get(stage, "d0")}],
            "params": {"params.yaml": {f"{stage}.knob": (params or {}).get(stage, 1)}},
            "outs": [{"path": f"out/{stage}", "md5": (outs or {}).get(stage, "o0")}],
        }
    return yaml.safe_dump({"schema": "2.0", "stages": stages})


def git(root, *args):
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=root, check=True, capture_output=True
    )


def test_each_difference_is_explained(tmp_path):
    (tmp_path / "dvc.lock").write_text(lock())
    (tmp_path / "params.yaml").write_text("x: 1\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "c")
    assert git_revision(tmp_path).endswith("no tracked file edited")

    # A re-run: the benchmark re-measured, generate identical; scale's output changed with
    # nothing it reads changed (a reproducibility bug); and, separately, an edited param.
    (tmp_path / "dvc.lock").write_text(lock(outs={"benchmark": "o1", "scale": "o1"}))
    table = lock_comparison(project_paths(tmp_path)).set_index("stage")["compared with the committed lock"]
    assert table["generate"] == "identical"
    assert table["benchmark"] == "differs, inputs unchanged: re-measured on this machine"
    assert "NOT expected" in table["scale"]
    assert git_revision(tmp_path).endswith("no tracked file edited")  # dvc.lock alone is a re-run

    (tmp_path / "dvc.lock").write_text(lock(params={"generate": 2}, outs={"generate": "o1"}))
    (tmp_path / "params.yaml").write_text("x: 2\n")
    table = lock_comparison(project_paths(tmp_path)).set_index("stage")["compared with the committed lock"]
    assert table["generate"] == "differs: it reads changed param generate.knob"
    assert git_revision(tmp_path).endswith("with uncommitted edits to params.yaml")
    assert "The data differ from the committed ones" in lock_summary(lock_comparison(project_paths(tmp_path)))


def test_outside_git_there_is_nothing_to_compare(tmp_path):
    (tmp_path / "dvc.lock").write_text(lock())
    assert lock_comparison(project_paths(tmp_path)).empty
    assert git_revision(tmp_path).startswith("unknown")
    assert "no committed dvc.lock" in lock_summary(lock_comparison(project_paths(tmp_path)))
