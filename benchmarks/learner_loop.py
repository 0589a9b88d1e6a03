"""How long does a learner wait between editing params.yaml and a new reports/report.html?

For one param of each group a learner edits (train, evaluate, report), this script
changes it in params.yaml, runs ``dvc repro`` and times it end to end and per stage
(from the moment DVC announces each stage to the next announcement), then puts
params.yaml and dvc.lock back and restores their outputs with ``dvc checkout --force`` (every out
is persisted, so DVC's run cache does not restore them): after each edit, after the fresh run and
when a run fails, so ``dvc status`` is clean again when the script ends. It then times
each stage's imports alone (the script loaded without running ``main``), which is
what every stage pays before it does any work, and, with ``--fresh``, a forced
``dvc repro`` of every stage.

Each edit is timed twice: with warm stage starts (``linreg.pipeline.warm``; a server started and listening
first, as it is from a learner's second ``dvc repro`` on) and with ``LINREG_WARM=0`` (every stage a new
interpreter). The fresh run is timed from no server at all, as after a clone, and cold.

Targets (issues #27, #41): an edit to a new report in <= 12 s; a fresh ``dvc repro`` in <= 45 s.

Run: ``make bench-loop`` (about four minutes; six with ``--fresh``). It edits and
restores params.yaml in place: run it on a clean tree, and nothing else meanwhile.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# (what a learner edits, the line as it is, the line as edited): one param per group.
EDITS = [
    ("train.gd.patience 10 -> 11", "    patience: 10 ", "    patience: 11 "),
    # train.path also steers the lessons stage's regime sweep: the train edit that re-runs the most.
    ("train.path.l1_ratio 0.5 -> 0.6", "    l1_ratio: 0.5 ", "    l1_ratio: 0.6 "),
    ("evaluate.bootstrap_resamples 200 -> 201", "  bootstrap_resamples: 200 ", "  bootstrap_resamples: 201 "),
    ("report.engine auto -> jupyter", "  engine: auto ", "  engine: jupyter "),
]
STAGES = ["validate", "generate", "split", "scale", "lessons", "train", "evaluate", "benchmark", "report"]
RUNNING = re.compile(r"Running stage '([a-z_]+)'")


def repro(*args: str, env: dict[str, str] | None = None) -> tuple[float, dict[str, float]]:
    """``dvc repro`` wall time and each stage's share, timed from DVC's own announcements."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        ["dvc", "repro", *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    marks: list[tuple[str, float]] = []
    out = []
    assert proc.stdout is not None
    for line in proc.stdout:
        out.append(line)
        if m := RUNNING.search(line):
            marks.append((m.group(1), time.perf_counter()))
    if proc.wait() != 0:
        sys.exit("dvc repro failed:\n" + "".join(out[-40:]))
    end = time.perf_counter()
    stages = {name: (marks[i + 1][1] if i + 1 < len(marks) else end) - t for i, (name, t) in enumerate(marks)}
    return end - start, stages


def import_seconds(stage: str, repeats: int = 3) -> float:
    """Median wall time of a fresh interpreter that imports ``stages/<stage>.py`` without running it."""
    code = (
        f"import importlib.util as u; s = u.spec_from_file_location('s', 'stages/{stage}.py'); "
        "m = u.module_from_spec(s); s.loader.exec_module(m)"
    )
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        env = {**os.environ, "LINREG_WARM": "0"}  # the script's own imports, not a warm server's
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, env=env)
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2]


def restore(root: Path, params_text: str, lock_text: str) -> None:
    """params.yaml and dvc.lock as they were, and every stage's outputs as that dvc.lock records them.

    A run leaves its own outputs in the workspace (and in DVC's cache); they differ from the recorded
    ones at least in the fit times, and ``persist: true`` outs are never removed by DVC, so only a
    forced checkout puts the recorded ones back (without it ``dvc status`` calls them modified).
    """
    (root / "params.yaml").write_text(params_text)
    (root / "dvc.lock").write_text(lock_text)
    subprocess.run(["dvc", "checkout", "--force", "--quiet"], cwd=root, check=True)


def row(label: str, total: float, stages: dict[str, float], imports: dict[str, float], target: float) -> str:
    parts = [f"{s} {t:.1f}" + (f" (imports {imports[s]:.1f})" if s in imports else "") for s, t in stages.items()]
    rest = total - sum(stages.values())
    verdict = "met" if total <= target else "MISSED"
    return (
        f"{label:<42} {total:5.1f} s  [target {target:g} s: {verdict}]\n    "
        + "; ".join(parts)
        + (f"; dvc before the first stage {rest:.1f}")
    )


def warm_server(env: dict[str, str]) -> None:
    """A warm stage server for ``env``, listening (a learner's second edit on finds one: linreg.pipeline.warm)."""
    started = {**env, "DVC_STAGE": "validate"}  # as dvc repro runs it: a stage run by hand never delegates
    subprocess.run([sys.executable, "stages/validate.py"], cwd=ROOT, env=started, check=True, capture_output=True)
    folder = Path(env["LINREG_WARM_DIR"])
    deadline = time.monotonic() + 120
    while not list(folder.glob("*.sock")):
        if time.monotonic() > deadline:
            sys.exit(f"no warm server started in two minutes: see {folder}/*.log")
        time.sleep(0.1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fresh", action="store_true", help="also time a forced dvc repro of every stage")
    args = ap.parse_args()
    from linreg.pipeline.warm import stop_all

    sockets = Path(tempfile.mkdtemp(prefix="linreg-bench-loop-"))
    modes = {
        "warm": {**os.environ, "LINREG_WARM": "1", "LINREG_WARM_DIR": str(sockets / "edits")},
        "cold": {**os.environ, "LINREG_WARM": "0"},
    }
    if subprocess.run(["git", "diff", "--quiet", "--", "params.yaml"], cwd=ROOT).returncode != 0:
        sys.exit("params.yaml has uncommitted edits: commit or stash them first (this script edits it in place).")
    params = ROOT / "params.yaml"
    original = params.read_text()
    _, before = repro(env=modes["cold"])  # up to date first, so each edit times only what it re-runs
    committed = (ROOT / "dvc.lock").read_text()
    imports = {s: import_seconds(s) for s in STAGES}
    lines = []
    try:
        warm_server(modes["warm"])
        for mode, env in modes.items():
            lines.append(f"{mode}: " + ("stages forked from a warm server" if mode == "warm" else "LINREG_WARM=0"))
            for label, old, new in EDITS:
                if original.count(old) != 1:
                    sys.exit(f"params.yaml no longer has exactly one line starting {old!r}: update EDITS")
                params.write_text(original.replace(old, new))
                total, stages = repro("--no-run-cache", env=env)  # an edit DVC has seen before would be restored
                lines.append(row(label, total, stages, imports, 12))
                restore(ROOT, original, committed)  # the next edit starts from the committed outputs
        if args.fresh:
            # A first run after a clone: no server yet; the first stage starts one, later stages find it.
            first = {**modes["warm"], "LINREG_WARM_DIR": str(sockets / "fresh")}
            for label, env in (("fresh, warm starts on", first), ("fresh, LINREG_WARM=0", modes["cold"])):
                total, stages = repro("--force", env=env)
                lines.append(row(f"{label}: dvc repro --force", total, stages, imports, 45))
    finally:
        restore(ROOT, original, committed)  # also after the fresh run, and after a failed one
        for folder in sockets.iterdir():
            stop_all(folder)
        shutil.rmtree(sockets, ignore_errors=True)  # the servers' logs: each exits within 5 s of its socket going
    alone = ", ".join(f"{s} {t:.2f} s" for s, t in imports.items())
    print(f"stage imports alone (median of 3 fresh interpreters): {alone}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
