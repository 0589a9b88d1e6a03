"""No failure deletes an output: dvc.yaml keeps outputs in place (persist), and a stage's new outputs
replace the old ones only when all of them are written (linreg.pipeline.outputs)."""

from __future__ import annotations

import errno
import os
import signal
from pathlib import Path

import pytest
import yaml

from linreg.pipeline import outputs
from linreg.pipeline.errors import ArtifactError, ParamsError, RenderError
from linreg.pipeline.outputs import declared_outputs, staged_outputs
from linreg.pipeline.paths import project_paths
from linreg.pipeline.stage import failure_line
from linreg.pipeline.stale import message, stale_stages

from ..conftest import REPO

DVC = yaml.safe_load((REPO / "dvc.yaml").read_text())

# A two-stage project: "make" writes a folder and a metrics file beside another stage's metrics.
TOY = """
stages:
  make:
    cmd: python make.py
    outs:
    - out/dir:
        persist: true
    metrics:
    - out/metrics/make.json:
        persist: true
  other:
    cmd: python other.py
    deps:
    - out/dir
    outs:
    - out/metrics/other.json:
        persist: true
"""


def everything(root: Path) -> dict[str, bytes]:
    """Every file under root, .dvc included (staging leftovers would show), by content."""
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    (tmp_path / "dvc.yaml").write_text(TOY)
    for rel, text in {
        "out/dir/a.txt": "old a",
        "out/dir/gone.txt": "a file the new run does not write",
        "out/metrics/make.json": '{"old": 1}',
        "out/metrics/other.json": '{"other": 1}',
    }.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def write_new(out) -> None:
    (out.root / "out" / "dir").mkdir(parents=True)
    (out.root / "out" / "dir" / "a.txt").write_text("new a")
    (out.root / "out" / "dir" / "b.txt").write_text("new b")
    (out.root / "out" / "metrics").mkdir(parents=True)
    (out.root / "out" / "metrics" / "make.json").write_text('{"new": 2}')


def test_every_output_in_dvc_yaml_persists():
    # Without persist DVC deletes a stage's outputs before running it: a failure would have lost them.
    for name, stage in DVC["stages"].items():
        for section in ("outs", "metrics", "plots"):
            for entry in stage.get(section, []):
                path, flags = (entry, {}) if isinstance(entry, str) else next(iter(entry.items()))
                assert (flags or {}).get("persist") is True, f"stages.{name}.{section}: {path} needs persist: true"


def test_success_replaces_each_declared_output_whole_and_nothing_else(toy):
    with staged_outputs(project_paths(toy), "make") as out:
        write_new(out)
    assert everything(toy) == {
        "dvc.yaml": TOY.encode(),
        "out/dir/a.txt": b"new a",
        "out/dir/b.txt": b"new b",  # gone.txt went with the old folder: no stale file survives
        "out/metrics/make.json": b'{"new": 2}',
        "out/metrics/other.json": b'{"other": 1}',  # another stage's output in the same folder
    }


@pytest.mark.parametrize(
    "failure",
    [RuntimeError("a bug"), KeyboardInterrupt(), OSError(errno.ENOSPC, "No space left on device", "out/dir/b.txt")],
    ids=["exception", "ctrl-c", "full disk"],
)
def test_a_failure_while_writing_leaves_every_output_byte_for_byte(toy, failure):
    before = everything(toy)
    with pytest.raises(type(failure)), staged_outputs(project_paths(toy), "make") as out:
        write_new(out)
        raise failure
    assert everything(toy) == before  # and nothing left behind: no staging folder, no temporary file


@pytest.mark.parametrize("extra", ["missing", "undeclared"])
def test_a_stage_that_writes_other_than_it_declares_replaces_nothing(toy, extra):
    before = everything(toy)
    with pytest.raises(ArtifactError, match="nothing was replaced"), staged_outputs(project_paths(toy), "make") as out:
        write_new(out)
        if extra == "missing":
            (out.root / "out" / "metrics" / "make.json").unlink()
        else:
            (out.root / "out" / "stray.txt").write_text("not declared")
    assert everything(toy) == before


def test_ctrl_c_during_the_swaps_waits_until_all_outputs_are_swapped(toy, monkeypatch):
    if not hasattr(signal, "pthread_sigmask"):
        pytest.skip("needs POSIX signal masks")
    swap, swapped = outputs._swap, []

    def interrupted_swap(new, dst):
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C as the first out is swapped
        swap(new, dst)
        swapped.append(dst.name)

    monkeypatch.setattr(outputs, "_swap", interrupted_swap)
    # Ctrl-C's default, KeyboardInterrupt, set here rather than assumed: tests that run a stage in this
    # process leave stage.run's own SIGINT handler behind, and the order tests run in is not fixed.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt), staged_outputs(project_paths(toy), "make") as out:
            write_new(out)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert swapped == ["dir", "make.json"]  # the interrupt arrived after both: the outputs changed together
    assert (toy / "out" / "metrics" / "make.json").read_text() == '{"new": 2}'


def test_a_run_killed_between_the_two_renames_gets_its_outputs_back(toy, monkeypatch):
    before = everything(toy)

    def killed(new, dst):  # the old folder stepped aside, then the process died
        os.rename(dst, outputs._aside(dst, outputs.PREVIOUS))
        raise SystemExit("killed")

    monkeypatch.setattr(outputs, "_swap", killed)
    with pytest.raises(SystemExit), staged_outputs(project_paths(toy), "make") as out:
        write_new(out)
    assert not (toy / "out" / "dir").exists()
    monkeypatch.undo()
    outputs.recover(toy, declared_outputs(project_paths(toy), "make"))  # what the next run does first
    assert everything(toy) == before


def test_outputs_on_another_file_system_are_copied_then_swapped(toy, monkeypatch):
    rename = os.rename

    def cross_device(src, dst):  # the staging folder and data/ on different disks: rename refuses
        if ".dvc" in str(src):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        rename(src, dst)

    monkeypatch.setattr(outputs.os, "rename", cross_device)
    with staged_outputs(project_paths(toy), "make") as out:
        write_new(out)
    assert (toy / "out" / "dir" / "b.txt").read_text() == "new b"
    assert not (toy / "out" / "dir" / "gone.txt").exists()
    assert not project_paths(toy).staging("make").exists()


# --- the one line a stopped stage prints --------------------------------------------------------------


@pytest.mark.parametrize(
    "exc, cause, fix",
    [
        (KeyboardInterrupt(), "train interrupted", "Run dvc repro to finish"),
        (OSError(errno.ENOSPC, "No space left on device", "models/ols.json"), "no space left", "Free space"),
        (PermissionError(13, "Permission denied", "models"), "cannot write models: Permission denied", "permissions"),
        (ParamsError("train.gd.batch_size: must be >= 1"), "train.gd.batch_size", "last successful run"),
        (RenderError("quarto is not on PATH; install Quarto (README) or use 'auto'"), "install Quarto", "'auto'"),
        (ZeroDivisionError("division by zero"), "unexpected ZeroDivisionError: division by zero", "report it"),
    ],
    ids=["ctrl-c", "full disk", "read-only", "user error", "no quarto", "bug"],
)
def test_a_stopped_stage_says_in_one_line_why_and_that_nothing_was_replaced(exc, cause, fix):
    line = failure_line("train", exc, traceback_file=Path("t.txt"))
    assert "\n" not in line and cause in line and fix in line
    assert "Nothing was replaced" in line and "`dvc metrics show`" in line


def test_stage_run_exits_130_on_ctrl_c_and_1_otherwise(caplog, monkeypatch, tmp_path):
    from linreg.pipeline import stage

    monkeypatch.chdir(tmp_path)  # a bug's traceback is kept under the project root: here
    monkeypatch.setattr(signal, "signal", lambda *a: None)  # pytest keeps its own Ctrl-C handler

    def interrupted(_root):
        raise KeyboardInterrupt

    def buggy(_root):
        raise ZeroDivisionError("division by zero")

    with pytest.raises(SystemExit) as stop:
        stage.run(interrupted, "train")
    assert stop.value.code == 130
    with pytest.raises(SystemExit) as stop:
        stage.run(buggy, "train")
    assert stop.value.code == 1
    kept = project_paths(tmp_path).failure_traceback("train")
    assert "ZeroDivisionError" in kept.read_text() and str(kept) in caplog.text


# --- make run after a failure: which outputs are stale ------------------------------------------------


@pytest.mark.parametrize(
    "changed, stale",
    [
        ({"train"}, ["train", "evaluate", "report"]),
        ({"benchmark"}, ["benchmark", "report"]),
        ({"validate"}, list(DVC["stages"])),  # every stage reads validate's stamp
        (set(), []),
    ],
)
def test_a_changed_stage_makes_every_stage_after_it_stale(changed, stale):
    assert stale_stages(project_paths(REPO), changed) == stale


def test_the_stale_note_names_the_stages_and_dvc_metrics_show():
    note = message(["evaluate", "report"])
    assert "evaluate, report" in note and "`dvc metrics show`" in note and "last successful" in note
    assert "up to date" in message([])
