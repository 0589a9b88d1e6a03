"""The pipeline past memory: rows/s and peak memory per process as n grows 10x, on a capped LocalCluster.

Runs the real stage scripts (validate, generate, split, scale, train, evaluate) in a
scratch project with ``engine.local_workers`` worker processes capped at
``--memory-limit`` each and ``base.max_rows_in_memory`` at ``--in-memory`` rows, then,
in this process on the same engine, the statistics pass and evaluate's error sums over
the scaled training table, against one plain read of that table. Prints, for each n:
each stage's seconds and rows/s, the peak RSS of the largest process among the stage and
its workers, and the statistics pass as a multiple of one read.

    python benchmarks/pipeline_blocks.py --sizes 2000000 20000000 --features 20

Not a test: it writes about 3 × n × (p + 1) × 8 bytes of Parquet (10 GB at n = 2·10⁷,
p = 20) under --workdir and takes minutes.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))


def run_stage(root: Path, name: str) -> tuple[float, float]:
    """(seconds, peak RSS in MiB of the largest process among the stage and its workers).

    A wrapper process runs the stage and reads its own RUSAGE_CHILDREN, which covers the stage
    and every worker process it started (each reaped before the stage exits), and nothing else.
    """
    code = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        f"r = subprocess.run([sys.executable, {str(REPO / 'stages' / (name + '.py'))!r}], cwd={str(root)!r}); "
        "dt = time.perf_counter() - t; print(dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
        "sys.exit(r.returncode)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"stage {name} failed:\n{out.stderr[-3000:]}")
    seconds, kib = out.stdout.split()[-2:]
    return float(seconds), float(kib) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2_000_000, 20_000_000])
    ap.add_argument("--features", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--memory-limit", default="1GiB")
    ap.add_argument("--in-memory", type=int, default=200_000, help="base.max_rows_in_memory")
    ap.add_argument("--resamples", type=int, default=20, help="evaluate.bootstrap_resamples")
    ap.add_argument(
        "--gd-epochs", type=int, default=5, help="train.gd.max_epochs (mini-batch GD streams every row per epoch)"
    )
    ap.add_argument("--workdir", default=None)
    args = ap.parse_args()

    import torch

    from linreg.pipeline import io
    from linreg.pipeline.card import ModelCard
    from linreg.pipeline.engine import session
    from linreg.pipeline.engine.tables import table_stats
    from linreg.pipeline.evaluation.assemble import table_error_sums
    from linreg.pipeline.params import Engine

    base = Path(args.workdir or tempfile.mkdtemp(prefix="linreg-blocks-"))
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["engine"].update(local_workers=args.workers, memory_limit=args.memory_limit)
    params["base"]["max_rows_in_memory"] = args.in_memory
    params["evaluate"]["bootstrap_resamples"] = args.resamples
    params["train"]["gd"]["max_epochs"] = args.gd_epochs
    print(
        f"workers: {args.workers} × {args.memory_limit}; p = {args.features}; at most {args.in_memory:,} rows "
        f"per split in one process; {args.resamples} bootstrap resamples; GD at most {args.gd_epochs} epochs; "
        f"scratch {base}"
    )
    for n in args.sizes:
        root = base / f"n{n}"
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        shutil.copy(REPO / "dvc.yaml", root / "dvc.yaml")
        params["generate"].update(n_samples=n, n_features=args.features, n_informative=min(8, args.features))
        (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
        size = n * (args.features + 1) * 8 / 2**30
        print(f"\nn = {n:,} ({size:.2f} GiB of float64 per copy of the table)")
        for stage in ("validate", "generate", "split", "scale", "lessons", "train", "evaluate"):
            sec, peak = run_stage(root, stage)
            print(
                f"  {stage:9s} {sec:7.1f} s  {n / sec / 1e6:6.2f} M rows/s  peak RSS (largest process) {peak:7.0f} MiB"
            )
        train = root / "data" / "scaled" / "train.parquet"
        rows = sum(io.block_rows(train))
        with session(Engine(local_workers=args.workers, memory_limit=args.memory_limit)) as eng:

            def read_all() -> None:
                list(eng.map(_read_block, range(len(io.block_rows(train))), train))

            read_all()  # warm the page cache and the workers' imports alike for every pass timed
            table_stats(eng, train, dtype="float64", device=torch.device("cpu"))
            t = time.perf_counter()
            read_all()
            read_s = time.perf_counter() - t
            t = time.perf_counter()
            table_stats(eng, train, dtype="float64", device=torch.device("cpu"))
            stats_s = time.perf_counter() - t
            names = [c for c in io.read_block(train, 0).columns if c != "y"]
            card = ModelCard(
                name="ols",
                kind="ours",
                family="ols",
                library="linreg",
                estimator="LinearRegression",
                feature_names=names,
                coef=list(np.ones(len(names))),
                intercept=0.0,
                coef_original=[0.0] * len(names),
                intercept_original=0.0,
                fit_seconds=0.0,
                device="cpu",
                dtype="float64",
            )
            t = time.perf_counter()
            table_error_sums(eng, train, [card])
            sums_s = time.perf_counter() - t
        print(f"  training part: {rows:,} rows in {len(io.block_rows(train))} blocks")
        print(
            f"  read once {read_s:6.1f} s | statistics pass {stats_s:6.1f} s = {stats_s / read_s:4.2f}× the read "
            f"({rows / stats_s / 1e6:.2f} M rows/s) | error sums {sums_s:6.1f} s = {sums_s / read_s:4.2f}×"
        )
        shutil.rmtree(root, ignore_errors=True)


def _read_block(block: int, path: Path) -> int:
    from linreg.pipeline import io

    return len(io.read_block(path, block))


if __name__ == "__main__":
    main()
