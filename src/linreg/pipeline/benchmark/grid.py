"""The benchmark grid: every (solver, size, dtype) on every available device, beside its anchors.

For each size and dtype, on each device, the same run measures:

* the hardware limits: one read pass over X (``X.sum()``: achieved GB/s) and one
  XᵀX product (achieved GFLOP/s) — every time is also given as a ratio to both;
* the host-to-device transfer of X, timed apart from compute;
* each linreg solver, after checking that its result agrees with the CPU
  float64 result to the dtype's precision (a disagreeing fit is reported, not timed);
* on the CPU, scikit-learn's equivalent estimator as the anchor.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

import linreg.models
from linreg.models.runtime import synchronizer
from linreg.pipeline.data.generate import synthetic_arrays
from linreg.pipeline.timing import Timing, measure, no_sync
from linreg.pipeline.variants import BENCHMARKED, Timed

# How closely a fit must match the CPU float64 fit before its time counts:
# float32 keeps ~7 digits; the lasso path is limited by its duality-gap tolerance.
AGREEMENT_TOL = {"float64": 1e-8, "float32": 1e-3}
PATH_TOL = 1e-4


@dataclass(frozen=True)
class Settings:
    gd_epochs: int
    batch_size: int
    n_alphas: int
    warmup: int
    repeats: int
    seed: int


def make_data(n: int, p: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Standardized features with correlation 0.5^|i−j| and a sparse linear truth (the pipeline's generator)."""
    beta = np.where(np.arange(p) < max(1, p // 5), 1.5, 0.0)
    return synthetic_arrays(
        n, seed=seed, rho=0.5, scales=np.ones(p), offset=0.0, beta=beta, intercept=3.0, noise_std=1.0
    )


def validation_rows(n: int) -> int:
    """Where the lasso path's validation rows start: the last fifth is held out to choose alpha."""
    return n - max(1, n // 5)


def linreg_solver(name: str, s: Settings) -> Callable[[torch.Tensor, torch.Tensor], np.ndarray]:
    """The fit as the pipeline runs it (through the estimator the registry names, with the benchmark's
    arguments), on tensors already on the device."""
    timed = benchmarked(name)
    estimator = getattr(linreg.models, timed.estimator)

    def fit(X: torch.Tensor, y: torch.Tensor) -> np.ndarray:
        common = {"device": str(X.device), "dtype": str(X.dtype).removeprefix("torch.")}
        est = estimator(**timed.params(s, len(y)), **common)
        if timed.path:
            cut = validation_rows(len(y))
            return est.fit(X[:cut], y[:cut], validation=(X[cut:], y[cut:])).coef_path_
        return est.fit(X, y).coef_

    return fit


def sklearn_anchor(name: str, s: Settings) -> tuple[Callable[[np.ndarray, np.ndarray], Any], str] | None:
    """scikit-learn's closest estimator, from the registry, and how it differs from ours (None: it has none)."""
    timed = benchmarked(name)
    if timed.anchor is None:
        return None
    fit_anchor = timed.anchor.fit

    def fit(X, y):
        if timed.path:  # the rows our path is fitted on
            X, y = X[: validation_rows(len(y))], y[: validation_rows(len(y))]
        return fit_anchor(X, y, timed.params(s, len(y)))

    return fit, timed.anchor.note.format(**timed.params(s, 0))


def benchmarked(name: str) -> Timed:
    timed = BENCHMARKED[name].benchmark
    assert timed is not None  # BENCHMARKED holds only variants the benchmark times
    return timed


def agreement_error(coef: np.ndarray, reference: np.ndarray) -> float:
    return float(np.max(np.abs(coef - reference)) / max(np.max(np.abs(reference)), 1e-300))


def run_grid(
    sizes: list[tuple[int, int]],
    dtypes: list[str],
    solvers: list[str],
    s: Settings,
    *,
    devices: list[torch.device],
    missing: list[dict[str, str]],
    solver_factory: Callable[[str, Settings], Callable] = linreg_solver,
    memory_bytes: int | None = None,
    sklearn_max_n: int | None = None,
    clock=None,
) -> list[dict[str, Any]]:
    """Every measurement as one tidy row (status ``ok``, ``disagrees``, ``unavailable`` or ``skipped``)."""
    timing = {"clock": clock} if clock is not None else {}
    rows: list[dict[str, Any]] = []
    total = len(sizes) * (len(dtypes) * len(devices) * (2 + len(solvers)) + len(solvers))
    bar = tqdm(total=total, file=sys.stderr, desc="benchmark", disable=None)

    def row(**kw) -> None:
        rows.append(
            {
                "median_s": np.nan,
                "q1_s": np.nan,
                "q3_s": np.nan,
                "h2d_s": np.nan,
                "agreement_error": np.nan,
                "reason": "",
                **kw,
            }
        )

    for n, p in sizes:
        need = 3 * n * p * 8  # X in float64 and float32, plus a centered copy
        if memory_bytes is not None and need > memory_bytes:
            for dt in dtypes:
                for solver in solvers:
                    row(
                        solver=solver,
                        n=n,
                        p=p,
                        dtype=dt,
                        device="any",
                        library="linreg",
                        status="skipped",
                        reason=f"needs about {need / 2**30:.1f} GiB, {memory_bytes / 2**30:.1f} GiB available",
                    )
            bar.update(len(dtypes) * len(devices) * (2 + len(solvers)) + len(solvers))
            continue
        X_host, y_host = make_data(n, p, s.seed)
        # Every fit is checked against the CPU float64 fit. When the grid times that one, it runs first and
        # its agreement run is the reference (fitting it twice cost one more fit per solver and size:
        # 0.5 s of gd_minibatch alone at n = 10⁶); otherwise it is fitted here.
        references = (
            {}
            if "float64" in dtypes and any(d.type == "cpu" for d in devices)
            else {name: solver_factory(name, s)(torch.from_numpy(X_host), torch.from_numpy(y_host)) for name in solvers}
        )
        for dt in sorted(dtypes, key=lambda d: d != "float64"):
            X_np, y_np = X_host.astype(dt, copy=False), y_host.astype(dt, copy=False)  # float64: X_host itself
            for device in sorted(devices, key=lambda d: d.type != "cpu"):
                sync = no_sync if device.type == "cpu" else synchronizer(device)
                base = dict(n=n, p=p, dtype=dt, device=device.type)
                X = torch.from_numpy(X_np).to(device)
                y = torch.from_numpy(y_np).to(device)
                h2d = (
                    measure(
                        lambda: (torch.from_numpy(X_np).to(device), torch.from_numpy(y_np).to(device)),
                        warmup=s.warmup,
                        repeats=s.repeats,
                        sync=sync,
                        **timing,
                    )
                    if device.type != "cpu"
                    else None
                )
                limits: dict[str, Timing] = {}
                for limit, fn in (("read_pass", lambda: X.sum()), ("gram", lambda: X.T @ X)):
                    t = measure(fn, warmup=s.warmup, repeats=s.repeats, sync=sync, **timing)
                    limits[limit] = t
                    rate = (
                        n * p * X.element_size() / t.median / 1e9
                        if limit == "read_pass"
                        else 2 * n * p * p / t.median / 1e9
                    )
                    row(
                        solver=limit,
                        library="limit",
                        status="ok",
                        median_s=t.median,
                        q1_s=t.q1,
                        q3_s=t.q3,
                        rate=rate,
                        rate_unit="GB/s" if limit == "read_pass" else "GFLOP/s",
                        **base,
                    )
                    bar.update()
                for solver in solvers:
                    fit = solver_factory(solver, s)
                    coef = fit(X, y)
                    references.setdefault(solver, coef)  # the first fit here is the CPU float64 one
                    err = agreement_error(coef, references[solver])
                    tol = PATH_TOL if benchmarked(solver).path else AGREEMENT_TOL[dt]
                    common = dict(
                        solver=solver, library="linreg", agreement_error=err, h2d_s=h2d.median if h2d else 0.0, **base
                    )
                    if not np.isfinite(err) or err > tol:
                        row(status="disagrees", reason=f"relative error {err:.2g} > {tol:g}: not timed", **common)
                    else:  # the agreement run above was the first warm-up
                        t = measure(
                            lambda: fit(X, y), warmup=max(0, s.warmup - 1), repeats=s.repeats, sync=sync, **timing
                        )
                        row(
                            status="ok",
                            median_s=t.median,
                            q1_s=t.q1,
                            q3_s=t.q3,
                            ratio_to_read=t.median / limits["read_pass"].median,
                            ratio_to_gram=t.median / limits["gram"].median,
                            **common,
                        )
                    bar.update()
                if device.type == "cuda":
                    rows[-1]["peak_gpu_memory_gib"] = torch.cuda.max_memory_allocated(device) / 2**30
            # The anchors: scikit-learn on the CPU, in float64 (its SGD and coordinate descent
            # compute in float64 internally, and cannot reach a 1e-8 duality gap in float32).
            for solver in solvers if dt == "float64" else []:
                found = sklearn_anchor(solver, s)
                if found is None:
                    bar.update()
                    continue
                if sklearn_max_n is not None and n > sklearn_max_n:
                    row(
                        solver=solver,
                        n=n,
                        p=p,
                        dtype=dt,
                        device="cpu",
                        library="scikit-learn",
                        status="skipped",
                        reason=f"scikit-learn anchors run up to n = {sklearn_max_n:,} "
                        "(benchmark.<preset>.sklearn_max_n)",
                    )
                    bar.update()
                    continue
                anchor, note = found
                t = measure(lambda: anchor(X_np, y_np), warmup=s.warmup, repeats=s.repeats, **timing)
                gram = next(
                    r
                    for r in rows
                    if r["solver"] == "gram"
                    and r["device"] == "cpu"
                    and r["n"] == n
                    and r["p"] == p
                    and r["dtype"] == dt
                )
                read = next(
                    r
                    for r in rows
                    if r["solver"] == "read_pass"
                    and r["device"] == "cpu"
                    and r["n"] == n
                    and r["p"] == p
                    and r["dtype"] == dt
                )
                row(
                    solver=solver,
                    n=n,
                    p=p,
                    dtype=dt,
                    device="cpu",
                    library="scikit-learn",
                    status="ok",
                    median_s=t.median,
                    q1_s=t.q1,
                    q3_s=t.q3,
                    ratio_to_read=t.median / read["median_s"],
                    ratio_to_gram=t.median / gram["median_s"],
                    reason=note,
                )
                bar.update()
    bar.close()
    for m in missing:
        for solver in solvers:
            row(
                solver=solver,
                n=np.nan,
                p=np.nan,
                dtype="",
                device=m["device"],
                library="linreg",
                status="unavailable",
                reason=m["reason"],
            )
    return rows
