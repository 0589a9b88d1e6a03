"""benchmarks/learner_loop.py puts the workspace back as it found it (``dvc status`` clean).

Not the loop itself (minutes of ``dvc repro``): its restore, on a one-stage DVC project whose out is
``persist: true`` as every out of this project's is.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ..conftest import REPO, needs_dvc

# The out holds the param and the clock: a forced run of the same params writes other bytes, as the fit times do.
WRITE = """import time, yaml
x = yaml.safe_load(open("params.yaml"))["x"]
open("out.txt", "w").write(f"{x} {time.time_ns()}")
"""
STAGE = """stages:
  write:
    cmd: python write.py
    deps: [write.py]
    params: [x]
    outs:
    - out.txt:
        persist: true
"""


def _dvc(root, *args: str) -> str:
    done = subprocess.run(["dvc", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout


@needs_dvc
@pytest.mark.slow
def test_restore_after_a_forced_run_leaves_dvc_status_clean(tmp_path, monkeypatch):
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from learner_loop import restore
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    monkeypatch.setenv("PATH", f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}")
    _dvc(tmp_path, "init", "--no-scm", "--quiet")
    (tmp_path / "write.py").write_text(WRITE)
    (tmp_path / "dvc.yaml").write_text(STAGE)
    (tmp_path / "params.yaml").write_text("x: 1\n")
    _dvc(tmp_path, "repro", "--quiet")
    params, lock, out = (tmp_path / n for n in ("params.yaml", "dvc.lock", "out.txt"))
    committed_params, committed_lock, recorded = params.read_text(), lock.read_text(), out.read_text()

    # What the benchmark does: an edit, then a forced run of the unedited params.
    params.write_text("x: 2\n")
    _dvc(tmp_path, "repro", "--no-run-cache", "--quiet")
    restore(tmp_path, committed_params, committed_lock)
    assert out.read_text() == recorded
    _dvc(tmp_path, "repro", "--force", "--quiet")
    assert out.read_text() != recorded  # the forced run left its own outputs, as the pipeline's fit times do
    restore(tmp_path, committed_params, committed_lock)

    assert (params.read_text(), lock.read_text(), out.read_text()) == (committed_params, committed_lock, recorded)
    assert "up to date" in _dvc(tmp_path, "status"), _dvc(tmp_path, "status")
