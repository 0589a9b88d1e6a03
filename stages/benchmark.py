"""Stage benchmark: CPU against GPU (when present), each time beside the hardware limit.

Inputs:  params base.seed, benchmark (preset default | large, grid, repeats)
Outputs: reports/benchmark/results.csv (tidy), reports/benchmark/cost_vs_p.csv (closed form against
         GD to convergence as p grows), reports/benchmark/system.json,
         reports/metrics/benchmark.json, reports/figures/benchmark/*.png
"""

from __future__ import annotations

# isort: off
import linreg.pipeline.interrupts  # noqa: F401  (first: Ctrl-C while the libraries load prints one line)
# isort: on

import os

# Before torch (and its OpenMP runtime) loads: idle worker threads sleep instead of spinning. On a
# machine another process keeps busy, spinning threads wait on a descheduled sibling and the
# benchmark slowed 4.8× with one of two cores busy; passive waiting slows it 2.3×, in proportion to
# the CPU it actually gets (compute_stats at n = 3·10⁵, p = 100, 2-core Xeon). Idle, it costs ~10%,
# the same for every timing and its XᵀX limit, so the ratios stay fair. Recorded in system.json.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from pathlib import Path  # noqa: E402

from linreg.models.runtime import as_device, available_devices  # noqa: E402
from linreg.pipeline import io, stage  # noqa: E402
from linreg.pipeline.benchmark import summary  # noqa: E402
from linreg.pipeline.benchmark.grid import Settings, run_grid  # noqa: E402
from linreg.pipeline.benchmark.p_sweep import cost_against_p  # noqa: E402
from linreg.pipeline.benchmark.system import describe_system, load_average, peak_host_memory_gib  # noqa: E402
from linreg.pipeline.log import setup_logging  # noqa: E402
from linreg.pipeline.machine import available_memory_bytes  # noqa: E402
from linreg.pipeline.outputs import staged_outputs  # noqa: E402
from linreg.pipeline.params import stage_params  # noqa: E402
from linreg.pipeline.paths import project_paths  # noqa: E402


def main(root: Path | None = None) -> None:
    log = setup_logging("benchmark")
    paths = project_paths(root)
    params = stage_params(paths, "benchmark")
    cfg = params.benchmark
    grid = cfg.large if cfg.preset == "large" else cfg.default
    settings = Settings(
        gd_epochs=cfg.gd_epochs,
        batch_size=cfg.batch_size,
        n_alphas=cfg.n_alphas,
        warmup=grid.warmup,
        repeats=grid.repeats,
        seed=params.base.seed,
    )
    load_before = load_average()  # a busy machine slows every time: the reader should know
    devices, missing = available_devices()
    for m in missing:
        log.info("%s unavailable (%s): recorded as such", m["device"], m["reason"])
    rows = run_grid(
        [tuple(s) for s in grid.sizes],
        list(cfg.dtypes),
        list(cfg.solvers),
        settings,
        devices=[as_device(d) for d in devices],  # torch devices: the grid feeds tensors to each
        missing=missing,
        memory_bytes=available_memory_bytes(),
        sklearn_max_n=grid.sklearn_max_n,
    )
    results = summary.tidy(rows)
    sweep = cfg.p_sweep
    by_p = cost_against_p(
        sweep.n,
        list(sweep.ps),
        seed=params.base.seed,
        tol=sweep.tol,
        max_epochs=sweep.max_epochs,
        warmup=grid.warmup,
        repeats=grid.repeats,
    )

    system = {
        **describe_system(),
        "preset": cfg.preset,
        "peak_host_memory_gib": peak_host_memory_gib(),
        "load_average_1min_before": load_before,
        "load_average_1min_after": load_average(),
    }
    figs = {
        "time_vs_n": summary.time_vs_n(results),
        "ratio_to_limit": summary.ratio_to_limit(results),
        "cost_vs_p": summary.cost_vs_p(by_p),
    }
    if (results.device == "cuda").any() and (results[results.device == "cuda"].status == "ok").any():
        figs["speedup"] = summary.speedup(results)
    with staged_outputs(paths, "benchmark") as out:
        io.write_csv(out.benchmark_results, results)
        io.write_csv(out.benchmark_cost_vs_p, by_p)
        io.write_json(out.benchmark_system, system)
        io.write_json(out.metrics("benchmark"), summary.flat_metrics(results))
        for name, fig in figs.items():
            io.write_figure(out.benchmark_figure(name), fig)
    bad = int((results.status == "disagrees").sum())
    log.info(
        "benchmarked %s on %s (%s preset); %d disagreeing fits; results in %s",
        ", ".join(cfg.solvers),
        ", ".join(d.type for d in devices),
        cfg.preset,
        bad,
        paths.benchmark_dir,
    )


if __name__ == "__main__":
    stage.run(main, "benchmark")
