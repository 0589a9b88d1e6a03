"""`make gpu-check` rehearsed on the CPU: what it writes, what it refuses, and the committed reference it documents."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

from ..conftest import REPO

pytestmark = pytest.mark.slow  # rehearses make gpu-check end to end

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


def test_gpu_check_rehearsal_writes_every_result(tmp_path):
    """Two calls, as on a short lease: the steps not run are read back from the folder for the summary."""
    out = tmp_path / "ref"
    check = [sys.executable, str(REPO / "benchmarks" / "gpu_check.py"), "--rehearse", "--out", str(out)]
    first = subprocess.run([*check, "--steps", "train,limits"], capture_output=True, text=True, timeout=600)
    assert first.returncode == 1 and "no summary yet: run the step(s) benchmark" in first.stdout, first.stderr[-3000:]
    assert not (out / "summary.json").exists()
    proc = subprocess.run([*check, "--steps", "benchmark"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert {p.name for p in out.iterdir()} == {
        "system.json",
        "train_agreement.csv",
        "limits.csv",
        "benchmark.csv",
        "summary.json",
    }
    summary = json.loads((out / "summary.json").read_text())
    assert summary["agreement_all_ok"] is True and summary["device"] == "cpu"
    assert summary["ols_on_device_ratio_to_gram"] > 0 and summary["gd_minibatch_eager_steps_per_s"] > 0
    assert json.loads((out / "system.json").read_text())["rehearsal"] is True


def test_gpu_check_never_mixes_in_results_of_other_code(tmp_path):
    """Results left in the folder by other code (or another GPU) are removed, not summarised."""
    out = tmp_path / "ref"
    out.mkdir()
    (out / "system.json").write_text(json.dumps({"gpu": None, "code": "0123456789abcdef"}))
    (out / "benchmark.csv").write_text("solver,n\nols,10\n")
    (out / "NOTES.md").write_text("what an older run found")
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "gpu_check.py"),
            "--rehearse",
            "--out",
            str(out),
            "--steps",
            "train",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "removed benchmark.csv, NOTES.md: measured by other code or on another GPU" in proc.stdout
    assert "no summary yet: run the step(s) benchmark, limits" in proc.stdout
    assert not (out / "benchmark.csv").exists() and not (out / "NOTES.md").exists()
    assert json.loads((out / "system.json").read_text())["code"] != "0123456789abcdef"


def test_gpu_check_keeps_each_failing_tests_traceback(tmp_path):
    """tests.json keeps why a test failed: the GPU machine is gone after the run."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from gpu_check import junit_summary
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    (tmp_path / "test_tiny.py").write_text(
        "import pytest\n"
        "@pytest.mark.parametrize('device', ['cpu', 'cuda'])\n"
        "def test_dev(device):\n    assert device == 'cpu', 'only the CPU here'\n"
        "def test_skipped():\n    pytest.skip('no reason to run')\n"
    )
    junit = tmp_path / "junit.xml"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={junit}",
            # The rootdir names the tests: without it a setup.py in a folder above tmp_path would.
            f"--rootdir={tmp_path}",
            str(tmp_path / "test_tiny.py"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    got = junit_summary(junit, proc.returncode, 1.0)
    assert (got["passed"], got["failed"], got["skipped"], got["exit_code"]) == (1, 1, 1, 1)
    assert (got["cuda_cases_passed"], got["cuda_cases_failed"]) == (0, 1)
    assert got["failures"] == ["test_tiny::test_dev[cuda]"]
    assert "only the CPU here" in got["failure_details"]["test_tiny::test_dev[cuda]"]
    assert got["skips"] == ["no reason to run"]


def test_gpu_check_never_writes_rehearsals_as_reference():
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "gpu_check.py"),
            "--rehearse",
            "--out",
            str(REPO / "reports" / "reference" / "fake"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "outside reports/reference" in proc.stderr
    assert not (REPO / "reports" / "reference" / "fake").exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_gpu_check_without_cuda_says_so_and_writes_nothing(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "gpu_check.py"), "--out", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "needs an NVIDIA GPU" in proc.stderr
    assert not (tmp_path / "x").exists()


def test_the_gpu_docs_speedup_table_is_the_committed_measurement():
    import pandas as pd

    from linreg.pipeline.benchmark.summary import speedup_markdown

    page = (REPO / "docs" / "gpu.md").read_text()
    for folder in sorted((REPO / "reports" / "reference").iterdir()):
        assert speedup_markdown(pd.read_csv(folder / "benchmark.csv")) in page, folder.name


def test_the_gpu_check_runs_the_tests_that_differ_by_device():
    """Step 1 selects every cuda case and the GPU and device modules, not the whole CPU suite again
    (which took 294 s of a 15-minute lease on the H100)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from gpu_check import device_test_args
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:randomly", *device_test_args(False)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    ids = [line for line in proc.stdout.splitlines() if "::" in line]
    assert any("[cuda" in i or "-cuda" in i for i in ids)  # the device-parametrized cuda cases
    assert any(i.startswith("tests/models/test_gpu.py::") for i in ids)
    assert not any("test_gpu_check.py" in i for i in ids)  # rehearsals run on the CPU in CI
    assert 30 <= len(ids) <= 200, len(ids)  # a short list, not the suite (1,600+ tests)
    assert device_test_args(True) == []  # --all-tests: the whole suite
