"""The report stage's Ctrl-C and full disk: one line each, the previous report kept, no temporary file left."""

from __future__ import annotations

import importlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from linreg.pipeline.paths import project_paths

from ..conftest import REPO, needs_report_tools, write_params

SLOW_REPORT = "---\ntitle: x\n---\n\nHello.\n\n```{python}\nimport time\ntime.sleep(60)\n```\n"


def report_project(root: Path, source: str) -> bytes:
    """A project whose report.qmd is ``source``, with a previous report.html; returns that report's bytes."""
    shutil.copy(REPO / "dvc.yaml", root / "dvc.yaml")
    write_params(root)
    (root / "reports").mkdir()
    (root / "reports" / "report.qmd").write_text(source)
    previous = b"<html>the previous report</html>\n"
    (root / "reports" / "report.html").write_bytes(previous)
    return previous


@needs_report_tools
@pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX process groups")
def test_ctrl_c_while_the_report_renders_is_one_line_and_keeps_the_previous_report(tmp_path):
    previous = report_project(tmp_path, SLOW_REPORT)
    # As a terminal delivers Ctrl-C: to the whole process group (the stage, and pandoc if it runs).
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "stages" / "report.py")],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    staging = project_paths(tmp_path).staging("report")
    deadline = time.time() + 60
    while not list(staging.rglob("*.tmp")) and time.time() < deadline:  # rendering has begun: the cell sleeps
        time.sleep(0.1)
    assert list(staging.rglob("*.tmp")), "the report stage never began rendering"
    time.sleep(1.0)  # the kernel is running the cell
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().count("\n") == 0 and "report interrupted" in err and "Nothing was replaced" in err, err
    assert (tmp_path / "reports" / "report.html").read_bytes() == previous
    leftovers = [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".render-")]
    assert leftovers == [] and not staging.exists()


@needs_report_tools
def test_a_full_disk_while_pandoc_writes_the_report_is_one_line(tmp_path, monkeypatch, caplog):
    from linreg.pipeline import stage
    from linreg.pipeline.report import render

    previous = report_project(tmp_path, "---\ntitle: x\n---\n\nHello.\n")
    run = subprocess.run

    def onto_a_full_disk(args, **kwargs):  # pandoc writes the HTML to /dev/full: every write fails ENOSPC
        if "-o" in args:
            args = [*args[: args.index("-o") + 1], "/dev/full", *args[args.index("-o") + 2 :]]
        return run(args, **kwargs)

    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    monkeypatch.setattr(render.subprocess, "run", onto_a_full_disk)
    monkeypatch.setattr(signal, "signal", lambda *a: None)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        stage.run(importlib.import_module("stages.report").main, "report")
    assert stop.value.code == 1
    lines = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(lines) == 1 and "\n" not in lines[0], lines
    assert "no space left on the device" in lines[0] and "Free space" in lines[0], lines[0]
    assert "HasCallStack" not in caplog.text and "Traceback" not in caplog.text
    assert (tmp_path / "reports" / "report.html").read_bytes() == previous
    assert [p for p in tmp_path.rglob("*.tmp")] == [] and not project_paths(tmp_path).staging("report").exists()
