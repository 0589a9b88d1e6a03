"""The GPU check: run linreg's CUDA half for real and keep what it measured.

On a machine with an NVIDIA GPU and a CUDA build of torch (``make gpu-check``):

1. the tests that differ by device, with CUDA visible: every device-parametrized
   ``cuda`` case and the GPU and device modules (``DEVICE_TESTS``: 76 tests, where
   the whole suite, which CI runs on the CPU anyway, took 294 s of a 15-minute
   lease); ``--all-tests`` runs the whole suite instead; on pytest-xdist where
   installed; each failure's traceback is kept in ``tests.json``;
2. every model variant trained through the train stage on ``cuda`` in float32
   and float64, compared with the CPU float64 fit (float64: 1e-10 relative;
   float32: κ·√CHUNK_ROWS·u₃₂, see ``linreg.pipeline.benchmark.gpu_check``);
3. the benchmark stage's ``large`` preset (n up to 10^7, p = 100), CPU against GPU;
4. each fit against the hardware limits (copy of X, one XᵀX) at n = 10^7,
   p = 100 in float32, mini-batch GD's steps per second, and where the p×p
   algebra is faster.

``--steps`` runs some of the four (e.g. ``tests,train,limits``, then ``benchmark``
on the same machine: a GPU lease of 15 minutes fits the whole check only in two
calls); the summary reads the other steps' results back from the folder, and only
results of the same code on the same GPU (``system.json`` records a digest of the
code): anything else there is removed first, NOTES.md included.

Everything lands in one folder, by default ``reports/reference/<gpu-model>/``
(commit it: the report shows it to readers without a GPU). Exit status 0 only
if every test passed and every variant agreed. Without CUDA it stops with a
message: GPU results are never simulated. ``--rehearse`` runs steps 2–4 on the
CPU at toy sizes into ``--out`` (what the test suite does to keep this script
working); it never writes under ``reports/reference``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "src")]  # runnable without installing (the GPU machines have no venv)

import pandas as pd  # noqa: E402
import torch  # noqa: E402

from linreg.pipeline import io  # noqa: E402
from linreg.pipeline.benchmark import gpu_check, summary  # noqa: E402
from linreg.pipeline.benchmark.system import describe_system  # noqa: E402

REHEARSAL = {  # toy sizes: the same code paths in seconds, on the CPU
    "train": {
        "generate.n_samples": 600,
        "generate.n_features": 6,
        "generate.n_informative": 3,
        "train.gd.max_epochs": 200,
        "train.path.n_alphas": 6,
        "train.lr_sweep.epochs": 20,
    },
    "benchmark": {
        "benchmark.preset": "default",
        "benchmark.default.sizes": [[400, 4], [1600, 4]],
        "benchmark.default.repeats": 2,
        "benchmark.default.warmup": 1,
        "benchmark.gd_epochs": 2,
        "benchmark.batch_size": 64,
        "benchmark.n_alphas": 4,
    },
    "limits": {"n": 20_000, "p": 8, "repeats": 2, "gd_epochs": 2, "batch_size": 512, "n_alphas": 4},
    "algebra": [8, 16],
}
FULL = {
    "train": {},
    "benchmark": {"benchmark.preset": "large"},
    "limits": {"n": 10_000_000, "p": 100, "repeats": 5, "gd_epochs": 5, "batch_size": 4096, "n_alphas": 20},
    "algebra": [100, 512, 2048],
}


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def log(message: str) -> None:
    print(f"[gpu-check {time.strftime('%H:%M:%S')}] {message}", flush=True)


def _parallel() -> list[str]:
    """pytest-xdist's ``-n`` where it is installed (GPU machines have many cores; device time is scarce).

    The suite is process-safe (each test works in its own tmp folder; LocalClusters pick free ports).
    """
    try:
        import xdist  # noqa: F401
    except ImportError:
        return []
    return ["-n", str(min(8, os.cpu_count() or 1))]


def junit_summary(junit: Path, exit_code: int, seconds: float) -> dict:
    """tests.json: counts, the device-parametrized cuda cases, and each failure's traceback end."""
    cases = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        outcome = (
            "failed"
            if case.find("failure") is not None or case.find("error") is not None
            else "skipped"
            if case.find("skipped") is not None
            else "passed"
        )
        detail = next((c for c in case if c.tag in ("skipped", "failure", "error")), None)
        cases.append(
            {
                "test": f"{case.get('classname')}::{case.get('name')}",
                "outcome": outcome,
                "reason": "" if detail is None else detail.get("message", ""),
                # what failed, kept: the GPU machine is given back after the run
                "detail": "" if detail is None or outcome != "failed" else (detail.text or "")[-2000:],
            }
        )
    df = pd.DataFrame(cases, columns=["test", "outcome", "reason", "detail"])
    cuda, failed = df[df.test.str.contains("cuda")], df[df.outcome == "failed"]
    return {
        "exit_code": exit_code,
        "seconds": seconds,
        **{k: int((df.outcome == k).sum()) for k in ("passed", "failed", "skipped")},
        "cuda_cases_passed": int((cuda.outcome == "passed").sum()),
        "cuda_cases_failed": int((cuda.outcome == "failed").sum()),
        "cuda_cases_skipped": int((cuda.outcome == "skipped").sum()),
        "failures": failed.test.tolist(),
        "failure_details": dict(zip(failed.test, failed.detail)),
        "skips": sorted(set(df[df.outcome == "skipped"].reason)),
    }


# The tests whose outcome depends on the device: pytest -k over test ids and module names.
DEVICE_TESTS = "(cuda or test_gpu or test_device) and not gpu_check"


def device_test_args(all_tests: bool) -> list[str]:
    """pytest arguments for step 1: the device tests (default) or the whole suite."""
    return [] if all_tests else ["-k", DEVICE_TESTS, "tests", "src/linreg/models"]


def run_tests(all_tests: bool = False) -> dict:
    """pytest with CUDA visible (in parallel where pytest-xdist is installed)."""
    junit = Path(tempfile.mkdtemp()) / "junit.xml"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    start = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-rfEs",
            f"--junitxml={junit}",
            *_parallel(),
            *device_test_args(all_tests),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    print(proc.stdout[-6000:], proc.stderr[-2000:], sep="\n", flush=True)
    return junit_summary(junit, proc.returncode, time.perf_counter() - start)


def run_benchmark(work: Path, overrides: dict) -> pd.DataFrame:
    import importlib

    root = gpu_check._project(work / "benchmark", REPO, overrides)
    importlib.import_module("stages.benchmark").main(root)
    return pd.read_csv(root / "reports" / "benchmark" / "results.csv")


STEPS = ("tests", "train", "limits", "benchmark")
RESULTS = ("tests.json", "train_agreement.csv", "limits.csv", "benchmark.csv", "summary.json", "NOTES.md")


def code_hash() -> str:
    """A digest of the code a check measures (sources, stages, benchmarks, tests, pipeline files): results
    of different code are never combined, with or without git on the GPU machine."""
    import hashlib

    digest = hashlib.sha256()
    files = [
        *REPO.glob("src/**/*.py"),
        *REPO.glob("stages/*.py"),
        *REPO.glob("benchmarks/*.py"),
        *REPO.glob("tests/**/*.py"),
        REPO / "dvc.yaml",
        REPO / "params.yaml",
    ]
    for f in sorted(f for f in files if f.is_file()):
        digest.update(str(f.relative_to(REPO)).encode() + b"\0" + f.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, help="results folder (default reports/reference/<gpu-model>)")
    ap.add_argument("--rehearse", action="store_true", help="CPU, toy sizes, no test run: checks this script")
    ap.add_argument("--skip-tests", action="store_true", help="do not run the test suite")
    ap.add_argument("--all-tests", action="store_true", help="step 1 runs the whole suite, not only the device tests")
    ap.add_argument(
        "--steps",
        default=",".join(STEPS),
        help="which of tests,train,limits,benchmark to run (default all); the results of the others are "
        "read back from --out, so a short lease can run them in two calls",
    )
    ap.add_argument("--table", type=Path, metavar="DIR", help="print the README's speed-up table of a results folder")
    args = ap.parse_args()
    if args.table:
        print(summary.speedup_markdown(pd.read_csv(args.table / "benchmark.csv")))
        return 0
    steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    if unknown := sorted(set(steps) - set(STEPS)):
        ap.error(f"unknown step(s) {', '.join(unknown)}: choose from {', '.join(STEPS)}")
    if args.rehearse or args.skip_tests:
        steps = [s for s in steps if s != "tests"]

    if args.rehearse:
        if args.out is None or (REPO / "reports" / "reference") in [args.out.resolve(), *args.out.resolve().parents]:
            ap.error("--rehearse needs --out outside reports/reference (rehearsals are not reference data)")
        device, plan = torch.device("cpu"), REHEARSAL
    else:
        if not torch.cuda.is_available():
            why = "this torch build has no CUDA" if torch.version.cuda is None else "no CUDA GPU is visible"
            print(
                f"gpu-check needs an NVIDIA GPU and a CUDA build of torch, but {why} (torch {torch.__version__}). "
                "Nothing was written. See the README's GPU section.",
                file=sys.stderr,
            )
            return 2
        device, plan = torch.device("cuda"), FULL
    system = {**describe_system(), "date": dt.date.today().isoformat(), "rehearsal": args.rehearse, "code": code_hash()}
    out = args.out or REPO / "reports" / "reference" / slug(system["gpu"])
    out.mkdir(parents=True, exist_ok=True)
    before = io.read_json(out / "system.json") if (out / "system.json").is_file() else {}
    if (before.get("code"), before.get("gpu")) != (system["code"], system["gpu"]):
        stale = [n for n in RESULTS if (out / n).is_file()]
        for name in stale:  # another code or GPU measured these: never mixed into this run's summary
            (out / name).unlink()
        if stale:
            log(f"removed {', '.join(stale)}: measured by other code or on another GPU")
    io.write_json(out / "system.json", system)
    log(f"results → {out}; device {device} ({system.get('gpu')}); steps {', '.join(steps)}")

    def kept(name: str) -> pd.DataFrame | None:  # a step not run this time: its last results, if any
        return pd.read_csv(out / name) if (out / name).is_file() else None

    kept_tests = (out / "tests.json").is_file() and not args.skip_tests
    tests = io.read_json(out / "tests.json") if kept_tests else None
    if "tests" in steps:
        log("1/4 " + ("the whole test suite" if args.all_tests else "the device tests") + " with CUDA visible")
        tests = run_tests(args.all_tests)
        io.write_json(out / "tests.json", tests)
        log(
            f"tests: {tests['passed']} passed, {tests['failed']} failed, {tests['skipped']} skipped; "
            f"cuda cases: {tests['cuda_cases_passed']} passed, {tests['cuda_cases_failed']} failed"
        )
        for test, detail in tests["failure_details"].items():
            print(f"--- {test}\n{detail}", flush=True)

    work = Path(tempfile.mkdtemp(prefix="gpu-check-"))
    agreement, limits, bench = kept("train_agreement.csv"), kept("limits.csv"), kept("benchmark.csv")
    try:
        if "train" in steps:
            log("2/4 every variant through the train stage, float32 and float64, against CPU float64")
            agreement = pd.DataFrame(
                gpu_check.train_agreement(REPO, work / "train", device=str(device), overrides=plan["train"])
            )
            io.write_csv(out / "train_agreement.csv", agreement)
            print(agreement.to_string(index=False), flush=True)
        if "limits" in steps:
            log("3/4 limits: copy of X, one XᵀX, each fit; p×p algebra placement")
            limits = pd.DataFrame(
                gpu_check.speed_limits(device=device, seed=0, **plan["limits"])
                + gpu_check.algebra_placement(plan["algebra"], device=device)
            )
            io.write_csv(out / "limits.csv", limits)
            print(limits.to_string(index=False), flush=True)
        if "benchmark" in steps:
            log("4/4 benchmark stage, preset " + plan["benchmark"].get("benchmark.preset", ""))
            bench = run_benchmark(work, plan["benchmark"])
            io.write_csv(out / "benchmark.csv", bench)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    if bench is None or limits is None or agreement is None:
        missing = [n for n, d in (("benchmark", bench), ("limits", limits), ("train", agreement)) if d is None]
        log(f"no summary yet: run the step(s) {', '.join(missing)} into {out}")
        return 1
    headline = summary.gpu_summary(bench, limits, agreement, device=device.type)
    headline.update(
        {
            "tests_failed": None if tests is None else tests["failed"],
            "tests_cuda_cases_passed": None if tests is None else tests["cuda_cases_passed"],
        }
    )
    io.write_json(out / "summary.json", headline)
    print(json.dumps(headline, indent=1), flush=True)
    passed = bool(agreement.ok.all()) and (tests is None or (tests["failed"] == 0 and tests["exit_code"] == 0))
    log("PASSED" if passed else "FAILED")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
