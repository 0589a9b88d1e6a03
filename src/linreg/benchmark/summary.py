"""From the grid's rows to the tidy CSV, the flat metrics and the figures."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from linreg.evaluation.figures import _fig

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
    out: dict[str, Any] = {"gpu_available": bool((df.device == "cuda").any() & (df.status == "ok").any()
                                                  and ((df.device == "cuda") & (df.status == "ok")).any())}
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
    ok = df[(df.status == "ok") & (df.library != "limit")]
    solvers = list(dict.fromkeys(ok.solver))
    fig, axes = _fig(len(solvers), width=4.2)
    for ax, solver in zip(axes, solvers):
        for series, part in ok[ok.solver == solver].groupby("series"):
            part = part.sort_values("n")
            ax.plot(part.n, part.median_s, marker="o", ls="--" if "float32" in series else "-", label=series)
        gram = df[(df.solver == "gram") & (df.device == "cpu") & (df.dtype == "float64")].sort_values("n")
        ax.plot(gram.n, gram.median_s, color="k", lw=0.8, ls=":", label="one XᵀX (cpu float64)")
        ax.set(xscale="log", yscale="log", xlabel="rows n", ylabel="seconds (median)", title=solver)
        ax.legend(fontsize=6)
    return fig


def ratio_to_limit(df: pd.DataFrame):
    ok = df[(df.status == "ok") & (df.library != "limit") & (df.dtype == "float64")]
    top = ok[ok.n == ok.n.max()]
    table = top.pivot_table(index="solver", columns="series", values="ratio_to_gram")
    fig, (ax,) = _fig(width=7.0)
    table.plot.bar(ax=ax, logy=True, rot=0)
    ax.axhline(1, color="k", lw=0.8)
    n, p = int(top.n.iloc[0]), int(top.p.iloc[0])
    ax.set(ylabel="time ÷ one XᵀX on the same device", xlabel="",
           title=f"Time as a multiple of the hardware limit (n = {n:,}, p = {p}, float64)")
    ax.legend(fontsize=7)
    return fig


def speedup(df: pd.DataFrame):
    gpu = df[(df.device == "cuda") & (df.status == "ok") & (df.library == "linreg")]
    fig, (ax,) = _fig()
    for (solver, dtype), part in gpu.groupby(["solver", "dtype"]):
        part = part.sort_values("n")
        ax.plot(part.n, part.speedup_vs_cpu, marker="o", ls="--" if dtype == "float32" else "-",
                label=f"{solver} {dtype}")
    ax.axhline(1, color="k", lw=0.8)
    ax.set(xscale="log", yscale="log", xlabel="rows n", ylabel="CPU time ÷ GPU time", title="GPU speedup")
    ax.legend(fontsize=7)
    return fig
