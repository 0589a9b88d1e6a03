"""From the grid's rows to the tidy CSV, the flat metrics and the figures."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from linreg.pipeline.variants import BENCHMARK_LABELS

KEY = ["solver", "n", "p", "dtype"]


def tidy(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per measurement, with the GPU ÷ CPU speedup and the columns DVC plots group by."""
    df = pd.DataFrame(rows)
    for col in ("rate", "rate_unit", "ratio_to_read", "ratio_to_gram", "peak_gpu_memory_gib"):
        if col not in df:
            df[col] = np.nan
    cpu = df[(df.library == "linreg") & (df.device == "cpu") & (df.status == "ok")][KEY + ["median_s"]]
    df = df.merge(cpu.rename(columns={"median_s": "cpu_median_s"}), on=KEY, how="left")
    ours = (df.library == "linreg") & (df.status == "ok")
    # speedup = linreg on the CPU ÷ this; > 1 means faster than the CPU.
    df["speedup_vs_cpu"] = np.where(ours, df.cpu_median_s / df.median_s, np.nan)
    df = df.drop(columns="cpu_median_s")
    df["series"] = df.library + " " + df.device + " " + df.dtype
    df["panel"] = df.solver
    return df


def flat_metrics(df: pd.DataFrame) -> dict[str, Any]:
    """Headline numbers at the largest size measured for each device and dtype."""
    out: dict[str, Any] = {
        "gpu_available": bool(
            (df.device == "cuda").any() & (df.status == "ok").any()
            and ((df.device == "cuda") & (df.status == "ok")).any()
        )
    }
    ok = df[df.status == "ok"]
    for (library, device, dtype), part in ok.groupby(["library", "device", "dtype"]):
        top = part[part.n == part.n.max()]
        prefix = f"{device}_{dtype}" if library != "scikit-learn" else f"sklearn_{dtype}"
        for r in top.itertuples():
            if library == "limit":
                unit = "read_gbps" if r.solver == "read_pass" else "gram_gflops"
                out[f"{prefix}_{unit}"] = r.rate
            else:
                out[f"{prefix}_{r.solver}_median_s"] = r.median_s
                out[f"{prefix}_{r.solver}_ratio_to_gram"] = r.ratio_to_gram
                if device != "cpu" and library == "linreg":
                    out[f"{prefix}_{r.solver}_speedup_vs_cpu"] = r.speedup_vs_cpu
    out["n_disagreements"] = int((df.status == "disagrees").sum())
    return {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in out.items()}


def time_vs_n(df: pd.DataFrame):
    """Median time against rows, one stacked panel per solver, with one XᵀX for scale."""
    from linreg.pipeline.evaluation.figures import MIN_FONT_PT, _fig  # pyplot: only where a figure is drawn

    ok = df[(df.status == "ok") & (df.library != "limit")]
    solvers = list(dict.fromkeys(ok.solver))
    fig, axes = _fig(len(solvers), height=2.8)
    for ax, solver in zip(axes, solvers):
        for series, part in ok[ok.solver == solver].groupby("series"):
            part = part.sort_values("n")
            ax.plot(part.n, part.median_s, marker="o", ms=4, ls="--" if "float32" in series else "-", label=series)
        gram = df[(df.solver == "gram") & (df.device == "cpu") & (df.dtype == "float64")].sort_values("n")
        ax.plot(gram.n, gram.median_s, color="k", lw=0.8, ls=":", label="one XᵀX (cpu float64)")
        ax.set(
            xscale="log",
            yscale="log",
            xlabel="rows n",
            ylabel="seconds (median)",
            title=SOLVER_LABELS.get(solver, solver),
        )
        ax.legend(frameon=False, fontsize=MIN_FONT_PT, loc="upper left")
    return fig


SOLVER_LABELS = BENCHMARK_LABELS  # one registry of names (linreg.pipeline.variants)


def ratio_to_limit(df: pd.DataFrame):
    """Each solver's time at the largest n as a multiple of one XᵀX on the same device (horizontal, log),
    each point labelled with its value (a log axis over a narrow range cannot be read precisely).

    Points, not bars: a bar's length on a log axis depends on where the axis happens to start, so it
    would not be proportional to anything."""
    from matplotlib.ticker import NullFormatter

    from linreg.pipeline.evaluation.figures import MIN_FONT_PT, _fig  # pyplot: only where a figure is drawn

    ok = df[(df.status == "ok") & (df.library != "limit") & (df.dtype == "float64")]
    top = ok[ok.n == ok.n.max()]
    table = top.pivot_table(index="solver", columns="series", values="ratio_to_gram")
    table = table.loc[table.min(axis=1).sort_values().index]
    fig, (ax,) = _fig(height=0.5 * len(table) * max(1, len(table.columns)) + 1.6)
    width = 0.8 / max(len(table.columns), 1)
    y = np.arange(len(table))
    for k, series in enumerate(table.columns):
        ax.plot(table[series], y + k * width, ls="none", marker="o", ms=7, label=series)
        for v, yy in zip(table[series], y + k * width):
            if v == v:  # NaN: this series did not run this solver
                ax.annotate(
                    f"{v:.2g}×", (v, yy), xytext=(6, 0), textcoords="offset points", va="center", fontsize=MIN_FONT_PT
                )
    ax.set_yticks(y + width * (len(table.columns) - 1) / 2, [SOLVER_LABELS.get(s, s) for s in table.index])
    ax.invert_yaxis()
    ax.axvline(1, color="k", lw=0.8)
    n, p = int(top.n.iloc[0]), int(top.p.iloc[0])
    ax.set(
        xscale="log",
        xlabel="time ÷ one XᵀX (log)",  # "on the same device": the caption says it (Figure 13)
        title=f"Time in units of one XᵀX\n(n = {n:,}, p = {p})",
    )
    values = table.to_numpy()
    ax.set_xlim(min(float(np.nanmin(values)), 1.0) / 2, max(float(np.nanmax(values)), 1.0) * 4)  # room for labels
    ax.xaxis.set_minor_formatter(NullFormatter())  # only the decades are labelled: no overlapping ticks
    fig.legend(loc="outside lower center", ncol=1, frameon=False, fontsize=MIN_FONT_PT)
    return fig


def speedup(df: pd.DataFrame):
    from linreg.pipeline.evaluation.figures import MIN_FONT_PT, _fig  # pyplot: only where a figure is drawn

    gpu = df[(df.device == "cuda") & (df.status == "ok") & (df.library == "linreg")]
    fig, (ax,) = _fig()
    for (solver, dtype), part in gpu.groupby(["solver", "dtype"]):
        part = part.sort_values("n")
        ax.plot(
            part.n,
            part.speedup_vs_cpu,
            marker="o",
            ls="--" if dtype == "float32" else "-",
            label=f"{SOLVER_LABELS.get(solver, solver)} {dtype}",
        )
    ax.axhline(1, color="k", lw=0.8)
    ax.set(xscale="log", yscale="log", xlabel="rows n", ylabel="CPU time ÷ GPU time", title="GPU speedup")
    ax.legend(frameon=False, fontsize=MIN_FONT_PT)
    return fig


def cost_vs_p(sweep: pd.DataFrame):
    """The closed form's time and gradient descent's time to convergence against p (log-log), each point
    the median with its quartiles as a bar; the legend gives the epochs GD needed."""
    from linreg.pipeline.evaluation.figures import MIN_FONT_PT, _fig  # pyplot: only where a figure is drawn

    fig, (ax,) = _fig(height=2.4)
    ok = sweep[sweep.status == "ok"]
    gd = ok[ok.method == "gd"]
    epochs = f"\n({int(gd.epochs.min())}–{int(gd.epochs.max())} epochs)" if len(gd) else ""
    for method, label, color in (
        ("closed_form", "normal equations", "C0"),
        ("gd", f"GD to convergence{epochs}", "C1"),
    ):
        part = ok[ok.method == method].sort_values("p")
        err = [part.median_s - part.q1_s, part.q3_s - part.median_s]
        ax.errorbar(part.p, part.median_s, yerr=err, marker="o", ms=4, capsize=3, color=color, label=label)
    n = int(sweep.n.iloc[0]) if len(sweep) else 0
    ax.set(
        xscale="log", yscale="log", xlabel="features p", ylabel="seconds (median)", title=f"Cost against p (n = {n:,})"
    )
    ax.legend(frameon=False, fontsize=MIN_FONT_PT, loc="upper left")
    if len(ok):  # headroom above the highest point for the legend
        ax.set_ylim(ok.q1_s.min() / 2, ok.q3_s.max() * 30)
    return fig


def reference_speedup(bench: pd.DataFrame, gpu: str):
    """A committed GPU run: each solver's GPU speedup over the same machine's CPU against n (log-log),
    colour by solver, solid float64 and dashed float32, with the line where both are as fast."""
    gpu_rows = bench[(bench.device == "cuda") & (bench.status == "ok") & (bench.library == "linreg")]
    from linreg.pipeline.evaluation.figures import MIN_FONT_PT, _fig  # pyplot: only where a figure is drawn

    fig, (ax,) = _fig(height=2.5)
    solvers = list(dict.fromkeys(gpu_rows.solver))
    for k, solver in enumerate(solvers):
        for dtype, style in (("float64", "-"), ("float32", "--")):
            part = gpu_rows[(gpu_rows.solver == solver) & (gpu_rows.dtype == dtype)].sort_values("n")
            ax.plot(
                part.n,
                part.speedup_vs_cpu,
                marker="o",
                ms=3.5,
                ls=style,
                color=f"C{k}",
                label=SOLVER_LABELS.get(solver, solver) if dtype == "float64" else None,
            )
    ax.axhline(1, color="k", lw=0.8)
    ax.plot([], [], color="grey", ls="-", label="float64")
    ax.plot([], [], color="grey", ls="--", label="float32")  # 7 entries: 2 columns, 4 rows
    ax.set(xscale="log", yscale="log", xlabel="rows n", ylabel="speedup", title=f"{gpu}: GPU speedup")
    fig.legend(loc="outside lower center", ncol=2, frameon=False, fontsize=MIN_FONT_PT)
    return fig


def crossover(df: pd.DataFrame, device: str = "cuda") -> pd.DataFrame:
    """Per solver and dtype, the smallest measured n from which ``device`` beats the CPU at every larger n.

    ``crossover_n`` is NaN when the CPU wins at the largest size measured; ``cpu_wins_below``
    is the largest measured n at which the CPU was still faster (NaN if never).
    """
    ours = df[(df.library == "linreg") & (df.device == device) & (df.status == "ok")]
    rows = []
    for (solver, dtype), part in ours.groupby(["solver", "dtype"]):
        part = part.sort_values("n")
        faster = (part.speedup_vs_cpu > 1).to_numpy()
        ns = part.n.to_numpy()
        idx = next((i for i in range(len(ns)) if faster[i:].all()), None)
        slower = ns[~faster]
        rows.append(
            {
                "solver": solver,
                "dtype": dtype,
                "crossover_n": ns[idx] if idx is not None else np.nan,
                "cpu_wins_below": slower.max() if len(slower) else np.nan,
                "speedup_at_largest": part.speedup_vs_cpu.iloc[-1],
                "largest_n": ns[-1],
            }
        )
    return pd.DataFrame(rows)


def gpu_summary(bench: pd.DataFrame, limits: pd.DataFrame, agreement: pd.DataFrame, *, device: str) -> dict[str, Any]:
    """The GPU check's headline numbers, flat: ratios to the limits, speedups, crossovers, agreement."""
    out: dict[str, Any] = {"device": device}
    fits = limits[limits.kind == "fit"].set_index("name")
    for name, r in fits.iterrows():
        out[f"{name}_median_s"] = r.median_s
        for col in ("ratio_to_copy", "ratio_to_gram", "steps_per_s", "gflops"):
            if col in r and pd.notna(r[col]):
                out[f"{name}_{col}"] = r[col]
    alg = limits[limits.kind == "algebra"]
    for r in alg.itertuples():
        out[f"algebra_{r.name}_p{int(r.p)}_{r.device.split(':')[0]}_s"] = r.median_s
    for r in crossover(bench, device).itertuples():
        key = f"{r.solver}_{r.dtype}"
        out[f"crossover_n_{key}"] = r.crossover_n
        out[f"speedup_at_largest_{key}"] = r.speedup_at_largest
    for dtype, part in agreement.groupby("dtype"):
        out[f"agreement_max_relative_error_{dtype}"] = part.relative_error.max()
        out[f"agreement_tolerance_{dtype}"] = part.tolerance.max()
    out["agreement_all_ok"] = bool(agreement.ok.all())
    out["n_disagreements_in_benchmark"] = int((bench.status == "disagrees").sum())
    return {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in out.items()}


def speedup_markdown(bench: pd.DataFrame, device: str = "cuda") -> str:
    """The README's table: per solver, GPU time and speedup over the CPU at each measured n (float32 | float64)."""
    ours = bench[(bench.library == "linreg") & (bench.status == "ok")]
    gpu = ours[ours.device == device]
    sizes = sorted(gpu.n.unique())
    head = "| solver | dtype | " + " | ".join(f"n = {int(n):,}" for n in sizes) + " |"
    lines = [head, "|" + "---|" * (2 + len(sizes))]
    for (solver, dtype), part in gpu.groupby(["solver", "dtype"]):
        by_n = part.set_index("n")
        cells = [
            f"{by_n.median_s[n] * 1e3:.3g} ms ({by_n.speedup_vs_cpu[n]:.2g}×)" if n in by_n.index else "—"
            for n in sizes
        ]
        lines.append(f"| {solver} | {dtype} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
