"""dvc repro on a copy of the repository with tiny params, as a user would run it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml

from linreg.pipeline import warm

from ..conftest import (
    REPO,
    copy_project,
    git_commit_all,
    needs_dvc,
    needs_report_tools,
    sh,
    visible_text,
    write_params,
)

# One worker runs this module's tests in order (make test: --dist loadfile): each builds on the
# clone the tests before it left (built, then a split changed, then an experiment).
pytestmark = [pytest.mark.slow, needs_dvc, needs_report_tools]

COPIED = [
    "dvc.yaml",
    ".dvcignore",
    ".dvc/config",
    ".dvc/plots",
    ".dvc/offline_plots.html",
    "stages",
    "src",
    "reports/report.qmd",
    "reports/chapters",
    "reports/reference",
    "data/external",
]


def ran(output: str) -> set[str]:
    return {line.split("'")[1] for line in output.splitlines() if line.startswith("Running stage '")}


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("clone"), COPIED)
    write_params(root)
    git_commit_all(root, "tiny")
    return root


def test_repro_builds_everything_then_is_a_no_op(clone):
    stages = list(yaml.safe_load((clone / "dvc.yaml").read_text())["stages"])
    first = sh(clone, sys.executable, "-m", "dvc", "repro")
    assert ran(first) == set(stages)
    lock = yaml.safe_load((clone / "dvc.lock").read_text())
    for stage in stages:
        for out in lock["stages"][stage].get("outs", []):
            assert (clone / out["path"]).exists(), out["path"]
    second = sh(clone, sys.executable, "-m", "dvc", "repro")
    assert ran(second) == set(), second


def test_metrics_and_plots_show(clone, tmp_path):
    metrics = sh(clone, sys.executable, "-m", "dvc", "metrics", "show", "--json")
    assert "ols_test_mse" in metrics and "cond_train_after" in metrics
    sh(clone, sys.executable, "-m", "dvc", "plots", "show", "-o", str(tmp_path / "plots"))
    html = (tmp_path / "plots" / "index.html").read_text()
    plots = yaml.safe_load((clone / "dvc.yaml").read_text())["plots"]
    for entry in plots:
        assert next(iter(entry)) in html  # every declared plot is rendered by its title
    assert "cdn.jsdelivr" not in html and "<script src=" not in html  # the project's template: Vega inlined


def test_the_plots_page_draws_every_plot_offline_in_a_browser(clone, tmp_path):
    import time

    from ..conftest import chromium_driver, page_requests

    sh(clone, sys.executable, "-m", "dvc", "plots", "show", "-o", str(tmp_path / "plots"))
    n_plots = len(yaml.safe_load((clone / "dvc.yaml").read_text())["plots"])
    browser = chromium_driver()
    try:
        browser.get((tmp_path / "plots" / "index.html").as_uri())
        charts = "return document.querySelectorAll('.vega-embed svg, .vega-embed canvas').length"
        marks = (
            "return document.querySelectorAll('.vega-embed svg .mark-line path, "
            ".vega-embed svg .mark-symbol path, .vega-embed svg .mark-rect path').length"
        )
        # Until every chart is drawn: a generous deadline, since make test's other worker may hold the CPU.
        deadline = time.time() + 120
        while time.time() < deadline and (
            browser.execute_script(charts) < n_plots or browser.execute_script(marks) == 0
        ):
            time.sleep(0.2)
        assert browser.execute_script(marks) > 0
        assert browser.execute_script("return document.querySelectorAll('.vega-embed').length") == n_plots
        assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
        assert [u for u in page_requests(browser) if not u.startswith(("file:", "data:", "blob:", "about:"))] == []
    finally:
        browser.quit()


def _timeless(path: Path, data: bytes) -> object:
    """An output as compared between two runs: JSON without its fit times, a page's words without its digits."""
    if path.suffix == ".json":
        drop = lambda d: {k: drop(v) for k, v in d.items() if "seconds" not in k} if isinstance(d, dict) else d  # noqa: E731
        return drop(json.loads(data))
    if path.suffix == ".html":  # the page prints the timings it measured (chapters 6 and 19)
        return re.sub(r"\d[\d.,]*(?:e[-+]?\d+)?", "#", visible_text(data.decode()))  # 76 ms and 76.3 ms alike
    return data


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="warm starts fork: Linux only")
def test_stages_run_warm_write_what_they_wrote_cold(clone, tmp_path, monkeypatch):
    """linreg.pipeline.warm: train, evaluate and report, forked from a server that preloaded the libraries,
    write the bytes the cold run wrote (fit times and the page's measured timings aside)."""
    sh(clone, sys.executable, "-m", "dvc", "repro")  # built cold (a no-op after the first test)
    outputs = (
        "models",
        "reports/metrics",
        "reports/plots",
        "reports/figures",
        "reports/notebooks",
        "reports/report.html",
    )
    files = lambda: sorted(p for out in outputs for p in [*(clone / out).rglob("*"), clone / out] if p.is_file())
    cold = {p: p.read_bytes() for p in files()}
    folder = tmp_path / "sockets"
    monkeypatch.setenv("LINREG_WARM", "1")
    monkeypatch.setenv("LINREG_WARM_DIR", str(folder))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # figures drawn again, not reused from the cold run
    monkeypatch.setenv("DVC_STAGE", "validate")  # as DVC runs it: only then does a stage start a server
    try:
        sh(clone, sys.executable, "stages/validate.py")  # cold: starts the server
        deadline = time.monotonic() + 120
        while not list(folder.glob("*.sock")) and time.monotonic() < deadline:
            time.sleep(0.1)
        sh(clone, sys.executable, "-m", "dvc", "repro", "--force", "--single-item", "train", "evaluate", "report")
        served = "".join(log.read_text() for log in folder.glob("*.log"))
    finally:
        warm.stop_all(folder)
    for stage in ("train", "evaluate", "report"):
        assert f"stages/{stage}.py" in served, f"{stage} did not run in the warm server:\n{served}"
    again = {p: p.read_bytes() for p in cold}
    assert sorted(cold) == files()
    for path in cold:
        assert _timeless(path, again[path]) == _timeless(path, cold[path]), path.relative_to(clone)


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for folder in ("data", "models", "reports")
        for p in (root / folder).rglob("*")
        if p.is_file()
    }


def test_a_rejected_input_removes_nothing(clone):
    sh(clone, sys.executable, "-m", "dvc", "repro")  # built (a no-op after the first test)
    before, good = snapshot(clone), (clone / "params.yaml").read_text()
    bad = [
        ("generate", "noise_sd", 1.0, "generate.noise_sd: unknown key"),
        ("generate", "noise_std", float("inf"), "generate.noise_std"),
        ("train", "gd", {"batch_size": 0}, "train.gd.batch_size"),
    ]
    if not torch.cuda.is_available():
        bad.append(("base", "device", "cuda", "CUDA is unavailable here"))
    for group, key, value, message in bad:
        params = yaml.safe_load(good)
        params[group][key] = {**params[group][key], **value} if isinstance(value, dict) else value
        (clone / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
        done = subprocess.run(
            [sys.executable, "-m", "dvc", "repro"], cwd=clone, env=env, capture_output=True, text=True
        )
        assert done.returncode != 0 and message in done.stdout + done.stderr, done.stdout + done.stderr
        assert ran(done.stdout) == {"validate"}  # nothing after it ran
        assert snapshot(clone) == before  # validate's own output persists too
    (clone / "params.yaml").write_text(good)
    # validate re-runs (a persisted output is never restored from DVC's run cache); nothing else runs.
    assert ran(sh(clone, sys.executable, "-m", "dvc", "repro")) <= {"validate"}
    assert snapshot(clone) == before


def test_a_stage_that_fails_under_make_run_keeps_every_output_and_says_they_are_stale(clone):
    """persist: true keeps DVC from deleting the outputs before the stage runs; the stage replaces nothing;
    make run names the stages whose outputs (and `dvc metrics show`) are the last successful run's."""
    before, lock = snapshot(clone), (clone / "dvc.lock").read_text()  # built by the tests before
    script = clone / "stages" / "evaluate.py"
    good = script.read_text()
    start = '    log = setup_logging("evaluate")\n'
    assert start in good
    script.write_text(good.replace(start, start + '    raise RuntimeError("injected")\n'))  # a changed dep: it runs
    venv = Path(sys.executable).parents[1]
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    try:  # make run as a user types it, the virtual environment taken as installed
        done = subprocess.run(
            ["make", "-f", str(REPO / "Makefile"), "-o", str(venv / ".installed"), f"VENV={venv}", "run"],
            cwd=clone,
            env=env,
            capture_output=True,
            text=True,
        )
    finally:
        script.write_text(good)
    said = done.stdout + done.stderr
    assert done.returncode != 0 and ran(done.stdout) == {"evaluate"}, said
    assert "evaluate stopped by an unexpected RuntimeError: injected" in said and "Nothing was replaced" in said
    assert "the outputs of evaluate, report on disk are still their last successful run's" in said, said
    assert snapshot(clone) == before and (clone / "dvc.lock").read_text() == lock
    assert ran(sh(clone, sys.executable, "-m", "dvc", "repro")) == set()  # dvc.lock still describes every output


def test_changed_split_param_reruns_split_and_downstream_only(clone):
    params = yaml.safe_load((clone / "params.yaml").read_text())
    params["split"].update(train=0.5, validation=0.25, test=0.25)
    (clone / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    out = sh(clone, sys.executable, "-m", "dvc", "repro")
    assert "split" in ran(out) and "scale" in ran(out)
    assert "generate" not in ran(out)
    sh(clone, "git", "add", "-A")
    sh(clone, "git", "commit", "-qm", "half split")


def test_experiment_run_and_show(clone):
    out = sh(
        clone,
        sys.executable,
        "-m",
        "dvc",
        "exp",
        "run",
        "-n",
        "bigtrain",
        "-S",
        "split.train=0.7",
        "-S",
        "split.validation=0.15",
        "-S",
        "split.test=0.15",
    )
    assert "generate" not in ran(out) and "split" in ran(out)
    shown = sh(clone, sys.executable, "-m", "dvc", "exp", "show", "--csv")
    assert "bigtrain" in shown and "split.train" in shown
