"""Past one machine: fit from Parquet blocks larger than the memory the workers are allowed.

Writes a synthetic dataset as one Parquet file per fixed block of rows, each
block generated on a worker from its own seed stream by the pipeline's
BLAS-free generator (so no process ever holds the dataset), then, for each
worker count and dataset size, prints side by side in one run:

* the time to read every block once (the floor: a sum over all values),
* the time of the statistics pass (per-block statistics, merged in a fixed order),
  and its ratio to the read (goal ≤ 1.5),
* an OLS fit from those statistics, rows/s,
* peak resident memory of each worker process and of this process (flat as n grows),

and checks that the coefficients are bit-identical across worker counts.

Run: ``python benchmarks/dask_scale.py`` (defaults: p = 20, 2^18-row blocks of
42 MB, 8 and 80 blocks = 0.34 and 3.4 GB of float64, workers capped at 1 GiB
each), or ``--blocks 4 40 --rows 65536`` for a quick look.
"""

from __future__ import annotations

import argparse
import importlib
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

P_DEFAULT = 20


def write_block(directory: str, block: int, rows: int, p: int, seed: int) -> str:
    """Generate block ``block`` (the pipeline's generator, its own seed stream) and write it as Parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from linreg.pipeline.data.generate import synthetic_block

    X, y = synthetic_block(
        block,
        rows,
        seed=seed,
        rho=0.5,
        scales=np.ones(p),
        offset=3.0,
        beta=np.linspace(-1.0, 1.0, p),
        intercept=2.0,
        noise_std=0.5,
    )
    table = pa.table({**{f"x{j:02d}": X[:, j] for j in range(p)}, "y": y})
    path = str(Path(directory) / f"part-{block:05d}.parquet")
    pq.write_table(table, path)
    return path


def read_block(path: str, p: int) -> np.ndarray:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    return np.column_stack([table.column(i).to_numpy() for i in range(p + 1)])  # (rows, p + 1)


def lazy_table(paths: list[str], rows: int, p: int):
    import dask
    import dask.array as da

    parts = [
        da.from_delayed(dask.delayed(read_block)(path, p), shape=(rows, p + 1), dtype=np.float64) for path in paths
    ]
    table = da.concatenate(parts, axis=0)
    return table[:, :p], table[:, p]


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=2**18, help="rows per block")
    ap.add_argument("--p", type=int, default=P_DEFAULT)
    ap.add_argument("--blocks", type=int, nargs="+", default=[8, 80])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--memory-limit", default="1GiB", help="per worker (torch and linreg alone take ~450 MiB)")
    ap.add_argument("--dir", default=None, help="where to write the Parquet blocks (default: a temp folder)")
    args = ap.parse_args()

    import dask

    from linreg.models import LinearRegression
    from linreg.models._dask_arrays import dask_stats
    from linreg.pipeline.engine import connect

    root = Path(args.dir or tempfile.mkdtemp(prefix="linreg-dask-"))
    gb = lambda b: b * args.rows * (args.p + 1) * 8 / 1e9  # noqa: E731
    print(f"p = {args.p}, {args.rows:,} rows per block, workers capped at {args.memory_limit} each; data in {root}\n")
    coefs: dict[tuple[int, int], np.ndarray] = {}
    try:
        for blocks in args.blocks:
            directory = root / f"blocks-{blocks}"
            directory.mkdir(parents=True, exist_ok=True)
            with connect(local_workers=max(args.workers), memory_limit=args.memory_limit):
                t = time.perf_counter()
                paths = dask.compute(
                    *[dask.delayed(write_block)(str(directory), b, args.rows, args.p, 0) for b in range(blocks)]
                )
                print(
                    f"{blocks} blocks, n = {blocks * args.rows:,} ({gb(blocks):.2f} GB float64): written in "
                    f"{time.perf_counter() - t:.1f} s"
                )
            for workers in args.workers:
                with connect(local_workers=workers, memory_limit=args.memory_limit) as client:
                    client.run(importlib.import_module, "linreg.models._dask_arrays")  # warm-up: load torch and linreg
                    X, y = lazy_table(list(paths), args.rows, args.p)
                    t = time.perf_counter()
                    float((X.sum() + y.sum()).compute())
                    read = time.perf_counter() - t
                    t = time.perf_counter()
                    dask_stats(X, y)
                    stats = time.perf_counter() - t
                    t = time.perf_counter()
                    model = LinearRegression(device="cpu").fit(X, y)
                    fit = time.perf_counter() - t
                    rss = client.run(peak_rss_mib)
                coefs[(blocks, workers)] = model.coef_
                n = blocks * args.rows
                print(
                    f"  {workers} worker(s): read once {read:6.2f} s | statistics pass {stats:6.2f} s "
                    f"({stats / read:4.2f}× the read) | OLS fit {fit:6.2f} s, {n / fit:,.0f} rows/s | peak RSS "
                    f"per worker {', '.join(f'{v:.0f}' for v in rss.values())} MiB, this process "
                    f"{peak_rss_mib():.0f} MiB"
                )
            first = coefs[(blocks, args.workers[0])]
            same = all(np.array_equal(coefs[(blocks, w)], first) for w in args.workers)
            print(f"  coefficients bit-identical across {args.workers} workers: {same}\n")
            shutil.rmtree(directory)
    finally:
        if args.dir is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
