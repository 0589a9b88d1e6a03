"""The benchmark: timing protocol on a fake clock, unavailable devices, schema, agreement gate."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from linreg.pipeline.benchmark import summary
from linreg.pipeline.benchmark.grid import Settings, linreg_solver, run_grid
from linreg.pipeline.paths import project_paths
from linreg.pipeline.timing import measure

from ..conftest import run_stages

SETTINGS = Settings(gd_epochs=2, batch_size=64, n_alphas=4, warmup=1, repeats=3, seed=0)
CPU = [torch.device("cpu")]
NO_CUDA = [{"device": "cuda", "reason": "CPU-only torch build"}]


class FakeClock:
    """Each fn call advances time by the next duration; sync calls are logged around clock reads."""

    def __init__(self, durations):
        self.now, self.durations, self.log = 0.0, list(durations), []

    def clock(self):
        self.log.append("clock")
        return self.now

    def sync(self):
        self.log.append("sync")

    def fn(self):
        self.log.append("fn")
        self.now += self.durations.pop(0)


def test_protocol_discards_warmup_and_reports_median_and_iqr():
    fake = FakeClock([100.0, 100.0, 3.0, 1.0, 2.0, 10.0])  # two warm-ups, then 4 timed runs
    t = measure(fake.fn, warmup=2, repeats=4, sync=fake.sync, clock=fake.clock)
    assert t.median == 2.5 and t.repeats == 4  # the warm-ups' 100 s never count
    assert (t.q1, t.q3) == (1.75, 4.75)  # numpy's linear-interpolated quartiles of [1, 2, 3, 10]


def test_protocol_synchronizes_before_every_clock_read():
    fake = FakeClock([1.0, 1.0, 1.0])
    measure(fake.fn, warmup=1, repeats=2, sync=fake.sync, clock=fake.clock)
    for i, event in enumerate(fake.log):
        if event == "clock":
            assert fake.log[i - 1] == "sync", fake.log
    assert fake.log == ["fn", "sync", "sync", "clock", "fn", "sync", "clock", "sync", "clock", "fn", "sync", "clock"]


def test_protocol_needs_a_timed_run():
    with pytest.raises(ValueError, match="repeats"):
        measure(lambda: None, warmup=0, repeats=0)


@pytest.fixture(scope="module")
def tiny_grid():
    rows = run_grid(
        [(400, 5), (800, 5)],
        ["float64", "float32"],
        ["ols", "gd_batch", "gd_minibatch", "ridge", "lasso_path"],
        SETTINGS,
        devices=CPU,
        missing=NO_CUDA,
    )
    return summary.tidy(rows)


def test_schema_and_limits(tiny_grid):
    df = tiny_grid
    for col in (
        "solver",
        "n",
        "p",
        "dtype",
        "device",
        "library",
        "status",
        "median_s",
        "q1_s",
        "q3_s",
        "h2d_s",
        "agreement_error",
        "ratio_to_read",
        "ratio_to_gram",
        "speedup_vs_cpu",
        "series",
        "panel",
        "reason",
    ):
        assert col in df.columns, col
    ok = df[df.status == "ok"]
    assert (ok.median_s > 0).all() and (ok.q1_s <= ok.median_s).all() and (ok.median_s <= ok.q3_s).all()
    limits = ok[ok.library == "limit"]
    assert set(limits.rate_unit) == {"GB/s", "GFLOP/s"} and (limits.rate > 0).all()
    ours = ok[ok.library == "linreg"]
    np.testing.assert_allclose(ours.speedup_vs_cpu, 1.0)  # CPU against itself
    assert set(ok[ok.library == "scikit-learn"].solver) == {"ols", "gd_minibatch", "ridge", "lasso_path"}
    assert (ours.agreement_error <= 1e-3).all()


def test_unavailable_devices_are_recorded_not_failed(tiny_grid):
    gone = tiny_grid[tiny_grid.status == "unavailable"]
    assert set(gone.solver) == {"ols", "gd_batch", "gd_minibatch", "ridge", "lasso_path"}
    assert (gone.device == "cuda").all() and (gone.reason == "CPU-only torch build").all()
    assert gone.median_s.isna().all()


def test_a_disagreeing_fit_is_reported_and_not_timed():
    calls = {"n": 0}

    def factory(name, s):
        good = linreg_solver(name, s)

        def fit(X, y):  # right for the CPU float64 reference (first call), wrong afterwards
            calls["n"] += 1
            return good(X, y) + (0.0 if calls["n"] == 1 else 1.0)

        return fit

    rows = run_grid(
        [(300, 4)], ["float32", "float64"], ["ridge"], SETTINGS, devices=CPU, missing=[], solver_factory=factory
    )
    df = summary.tidy(rows)
    ours = df[(df.library == "linreg")].set_index("dtype")
    # The CPU float64 fit is the reference, fitted once (first, whatever the order asked) and timed.
    assert ours.status["float64"] == "ok" and ours.agreement_error["float64"] == 0.0
    assert ours.status["float32"] == "disagrees" and np.isnan(ours.median_s["float32"])
    assert "not timed" in ours.reason["float32"]


def test_the_reference_fit_is_the_timed_cpu_float64_fit_not_a_second_one():
    calls = []

    def factory(name, s):
        good = linreg_solver(name, s)

        def fit(X, y):
            calls.append(str(X.dtype))
            return good(X, y)

        return fit

    run_grid([(300, 4)], ["float32", "float64"], ["ols"], SETTINGS, devices=CPU, missing=[], solver_factory=factory)
    # float64: one agreement run (the reference) + 3 timed runs; float32: one agreement run + 3 timed runs.
    assert calls == ["torch.float64"] * 4 + ["torch.float32"] * 4
    calls.clear()
    run_grid([(300, 4)], ["float32"], ["ols"], SETTINGS, devices=CPU, missing=[], solver_factory=factory)
    assert calls == ["torch.float64"] + ["torch.float32"] * 4  # no float64 timing: the reference is fitted apart


def test_memory_guard_skips_sizes_that_do_not_fit():
    rows = run_grid([(1000, 10)], ["float64"], ["ols"], SETTINGS, devices=CPU, missing=[], memory_bytes=1000)
    assert {r["status"] for r in rows} == {"skipped"} and "GiB available" in rows[0]["reason"]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_rows_agree_and_report_transfer_time():
    rows = run_grid(
        [(2000, 8)],
        ["float32"],
        ["ols", "lasso_path"],
        SETTINGS,
        devices=[torch.device("cpu"), torch.device("cuda")],
        missing=[],
    )
    df = summary.tidy(rows)
    gpu = df[(df.device == "cuda") & (df.library == "linreg")]
    assert (gpu.status == "ok").all() and (gpu.h2d_s > 0).all() and gpu.speedup_vs_cpu.notna().all()


def test_stage_writes_results_metrics_and_figures(project):
    run_stages(project, "benchmark")
    paths = project_paths(project)
    results = pd.read_csv(paths.benchmark_results)
    metrics = json.loads(paths.metrics("benchmark").read_text())
    system = json.loads(paths.benchmark_system.read_text())
    assert metrics["gpu_available"] is torch.cuda.is_available()
    assert metrics["n_disagreements"] == 0
    assert "cpu_float64_ols_median_s" in metrics and "cpu_float64_gram_gflops" in metrics
    assert system["cpu"] and system["torch"] == torch.__version__
    assert (results.status.isin(["ok", "unavailable"])).all()
    assert (paths.benchmark_figure("time_vs_n")).is_file() and (paths.benchmark_figure("ratio_to_limit")).is_file()


# --- why gradient descent: the closed form against GD to convergence as p grows ------------------------------------


def test_textbook_gd_reaches_the_closed_form():
    from linreg.models import LinearRegression
    from linreg.pipeline.benchmark.grid import make_data
    from linreg.pipeline.benchmark.p_sweep import normal_equations, textbook_gd

    X, y = make_data(400, 5, seed=0)
    oracle = LinearRegression(device="cpu").fit(X, y)
    w, b, epochs = textbook_gd(torch.from_numpy(X), torch.from_numpy(y), tol=1e-10, max_epochs=5000)
    # The stop rule ‖g‖ ≤ tol·‖g₀‖ bounds the error by about κ·tol relative; κ < 10 for these designs.
    scale = np.abs(oracle.coef_).max()
    np.testing.assert_allclose(w, oracle.coef_, rtol=0, atol=1e-8 * scale)
    assert b == pytest.approx(oracle.intercept_, abs=1e-8 * scale) and 1 < epochs < 5000
    # The textbook normal equations: the same well-conditioned system, rounding apart (κ·ε ≈ 1e-15).
    w_ne, b_ne = normal_equations(torch.from_numpy(X), torch.from_numpy(y))
    np.testing.assert_allclose(w_ne, oracle.coef_, rtol=0, atol=1e-12 * scale)


def test_the_p_sweep_times_both_methods_and_never_times_a_gd_that_stopped_short():
    from linreg.pipeline.benchmark.p_sweep import cost_against_p

    ticks = iter(range(10**6))
    clock = lambda: float(next(ticks))  # noqa: E731  (each timed run takes "1 s")
    sweep = cost_against_p(400, [2, 5], seed=0, tol=1e-8, max_epochs=5000, warmup=1, repeats=3, clock=clock)
    assert list(zip(sweep.p, sweep.method)) == [(2, "closed_form"), (2, "gd"), (5, "closed_form"), (5, "gd")]
    assert (sweep.status == "ok").all() and (sweep.median_s == 1.0).all()
    assert sweep[sweep.method == "gd"].epochs.gt(1).all() and sweep[sweep.method == "closed_form"].epochs.isna().all()
    short = cost_against_p(400, [5], seed=0, tol=1e-8, max_epochs=2, warmup=1, repeats=3, clock=clock)
    gd = short[short.method == "gd"].iloc[0]
    assert gd.status == "disagrees" and np.isnan(gd.median_s) and gd.agreement_error > 1e-5


def test_the_p_sweep_times_round_robin_so_a_load_change_reaches_every_cell_alike():
    from linreg.pipeline.benchmark.p_sweep import cost_against_p

    # A machine that gets twice as slow after the first 4 timed runs (8 clock readings): timed one cell after
    # another, the first cell would see only the quiet spell and the others the busy one, and the sweep would
    # report a trend that is the load's. Round-robin, every cell sees one quiet run and two busy ones.
    reading = iter(range(10**6))

    def clock():
        r = next(reading)
        return float(r if r <= 8 else 8 + 2 * (r - 8))

    sweep = cost_against_p(400, [2, 5], seed=0, tol=1e-8, max_epochs=5000, warmup=1, repeats=3, clock=clock)
    assert (sweep.status == "ok").all()
    assert (sweep.median_s == 2.0).all() and (sweep.q1_s == 1.5).all() and (sweep.q3_s == 2.0).all()
