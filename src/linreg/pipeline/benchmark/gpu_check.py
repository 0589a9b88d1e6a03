"""The GPU check: the CUDA half of linreg run for real, measured, and kept as reference data.

Four parts, each returning tidy rows (``benchmarks/gpu_check.py`` runs them and
writes the files):

* ``train_agreement()`` trains every model variant through the train stage
  on ``cuda`` in float32 and float64 and compares each card's coefficients with
  the CPU float64 fit of the same data;
* ``speed_limits()`` times OLS at the largest size against the two limits a
  fit cannot beat — the host→device copy of X (data on the host) and one XᵀX
  on the device (data already there) — and every other variant against XᵀX,
  plus mini-batch GD's steps per second with and without CUDA graphs;
* ``algebra_placement()`` times the p×p work (Cholesky, eigenvalues, FISTA
  iterations) on the host and on the device, the evidence behind
  ``HOST_ALGEBRA_MAX_P``;
* the benchmark stage's own grid (run by the script with the ``large`` preset).

Float32 tolerance. The statistics pass forms XᵀX from float32 products of
``CHUNK_ROWS`` rows summed in float64; each entry's rounding error is at most
about √CHUNK_ROWS·u₃₂ relative (u₃₂ = 2⁻²⁴; the probabilistic bound of Higham
and Mary), so by first-order perturbation theory the coefficients move by at
most κ_eq·√CHUNK_ROWS·u₃₂ times a column-spread factor, κ_eq the condition
number of the equilibrated XᵀX (the one column scaling cannot change): see
``linreg.models.numerics.float32_error_bound()``, the same bound OLS's
``auto`` solver uses to decide whether float32 statistics are good enough.
That bound, evaluated at the CPU float64 fit, is each variant's tolerance;
float64 must agree to 1e-10.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml

from linreg.models import ElasticNet, GradientDescentRegressor, Lasso, LinearRegression
from linreg.models.numerics import equilibrated_gram_cond, float32_error_bound
from linreg.models.runtime import synchronize
from linreg.models.solvers import fista_gram
from linreg.models.stats import compute_stats
from linreg.pipeline.timing import Timing, measure

FLOAT64_TOL = 1e-10


def relative_error(coef: np.ndarray, reference: np.ndarray) -> float:
    """‖coef − reference‖₂ / ‖reference‖₂, the norm the float32 bound is stated in."""
    return float(np.linalg.norm(coef - reference) / max(float(np.linalg.norm(reference)), 1e-300))


# --- training every variant through the train stage ---------------------------------------------


def _project(root: Path, repo: Path, overrides: dict[str, Any]) -> Path:
    """A copy of the project's dvc.yaml and params.yaml under ``root``, with params overridden."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(repo / "dvc.yaml", root / "dvc.yaml")
    params = yaml.safe_load((repo / "params.yaml").read_text())
    for dotted, value in overrides.items():
        node = params
        *parents, last = dotted.split(".")
        for key in parents:
            node = node[key]
        node[last] = value
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    return root


def _cards(root: Path) -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text()) for p in sorted((root / "models").glob("*.json"))}


def train_agreement(
    repo: Path, work: Path, *, device: str, overrides: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Train through the stage scripts on ``device`` (float32, float64) and on the CPU (float64); compare.

    The data stages run once; each training run gets its own copy of their outputs.
    """
    import importlib

    overrides = overrides or {}
    data_root = _project(work / "data_stages", repo, overrides)
    for stage in ("generate", "split", "scale"):
        importlib.import_module(f"stages.{stage}").main(data_root)

    def trained(name: str, dev: str, dtype: str) -> dict[str, dict[str, Any]]:
        root = _project(work / name, repo, {**overrides, "base.device": dev, "base.dtype": dtype})
        shutil.copytree(data_root / "data", root / "data", dirs_exist_ok=True)
        importlib.import_module("stages.train").main(root)
        return _cards(root)

    reference = trained("cpu_float64", "cpu", "float64")
    train = _train_split(data_root)
    stats = compute_stats(train[0], train[1], dtype=torch.float64, device=torch.device("cpu"))
    cond_eq = equilibrated_gram_cond(stats.gram)
    rows = []
    for dtype in ("float64", "float32"):
        cards = trained(f"{device.replace(':', '_')}_{dtype}", device, dtype)
        for name, card in cards.items():
            if card["kind"] != "ours":
                continue
            ref = np.asarray(reference[name]["coef"])
            tol = FLOAT64_TOL if dtype == "float64" else float32_error_bound(stats.gram, torch.from_numpy(ref), cond_eq)
            err = relative_error(np.asarray(card["coef"]), ref)
            rows.append(
                {
                    "model": name,
                    "device": card["device"],
                    "dtype": dtype,
                    "relative_error": err,
                    "tolerance": tol,
                    "cond_eq": cond_eq,
                    "fit_seconds": card["fit_seconds"],
                    "cpu_fit_seconds": reference[name]["fit_seconds"],
                    "ok": bool(err <= tol),
                }
            )
    return rows


def _train_split(root: Path) -> tuple[np.ndarray, np.ndarray]:
    from linreg.pipeline import io
    from linreg.pipeline.data.generate import features_and_target
    from linreg.pipeline.paths import project_paths

    X, y, _ = features_and_target(io.read_parquet(project_paths(root).scaled_table("train")))
    return X, y


# --- the fit against its hardware limits --------------------------------------------------------


def _timed(fn, device: torch.device, warmup: int, repeats: int) -> Timing:
    return measure(fn, warmup=warmup, repeats=repeats, sync=lambda: synchronize(device))


def speed_limits(
    n: int,
    p: int,
    *,
    device: torch.device,
    seed: int,
    warmup: int = 1,
    repeats: int = 5,
    n_alphas: int = 20,
    gd_epochs: int = 5,
    batch_size: int = 4096,
) -> list[dict[str, Any]]:
    """Each variant's fit time on ``device`` in float32 beside the copy of X and one XᵀX.

    OLS is timed twice: from host arrays (the copy is part of the fit; goal ≤ 2× the
    copy) and from tensors already on the device (goal ≤ 1.3× one XᵀX).
    """
    from linreg.pipeline.benchmark.grid import make_data

    X64, y64 = make_data(n, p, seed)
    X_host, y_host = X64.astype(np.float32), y64.astype(np.float32)
    del X64, y64
    X = torch.from_numpy(X_host).to(device)
    y = torch.from_numpy(y_host).to(device)
    dev = str(device)
    rows: list[dict[str, Any]] = []

    def add(name: str, t: Timing, **extra: Any) -> None:
        rows.append(
            {
                "kind": "fit",
                "name": name,
                "n": n,
                "p": p,
                "dtype": "float32",
                "device": dev,
                "median_s": t.median,
                "q1_s": t.q1,
                "q3_s": t.q3,
                **extra,
            }
        )

    copy = _timed(lambda: torch.from_numpy(X_host).to(device), device, warmup, repeats)
    add("copy_x_to_device", copy)
    gram = _timed(lambda: X.T @ X, device, warmup, repeats)
    add("one_xtx_on_device", gram, gflops=2 * n * p * p / gram.median / 1e9)

    stats_pass = _timed(lambda: compute_stats(X, y, dtype=torch.float32, device=device), device, warmup, repeats)
    add("stats_pass_on_device", stats_pass, ratio_to_gram=stats_pass.median / gram.median)

    def fitter(estimator):
        return lambda data: lambda: estimator.fit(*data)

    ols = LinearRegression(device=dev, dtype="float32")
    t = _timed(fitter(ols)((X_host, y_host)), device, warmup, repeats)
    add("ols_from_host", t, ratio_to_copy=t.median / copy.median, solver=ols.solver_)
    t = _timed(fitter(ols)((X, y)), device, warmup, repeats)
    add("ols_on_device", t, ratio_to_gram=t.median / gram.median, solver=ols.solver_)

    for name, est in (
        ("lasso", Lasso(alpha=0.01, device=dev, dtype="float32", tol=1e-8, max_iter=100_000)),
        ("elastic_net", ElasticNet(alpha=0.01, l1_ratio=0.5, device=dev, dtype="float32", tol=1e-8, max_iter=100_000)),
        ("gd_batch", GradientDescentRegressor(max_epochs=gd_epochs, tol=0.0, device=dev, dtype="float32")),
    ):
        t = _timed(fitter(est)((X, y)), device, warmup, repeats)
        add(name + "_on_device", t, ratio_to_gram=t.median / gram.median, solver=getattr(est, "solver_", ""))

    from linreg.pipeline.benchmark.grid import Settings, linreg_solver

    settings = Settings(
        gd_epochs=gd_epochs, batch_size=batch_size, n_alphas=n_alphas, warmup=warmup, repeats=repeats, seed=seed
    )
    fit = linreg_solver("lasso_path", settings)  # the benchmark's path: ValidatedLasso, last fifth held out
    t = _timed(lambda: fit(X, y), device, warmup, repeats)
    add(f"lasso_path_{n_alphas}_alphas_on_device", t, ratio_to_gram=t.median / gram.median)

    # Mini-batch GD: steps per second, eager launches against CUDA graphs (the default on CUDA).
    steps = gd_epochs * math.ceil(n / batch_size)
    for graphs in [False, True] if device.type == "cuda" else [False]:
        est = GradientDescentRegressor(
            batch_size=batch_size,
            max_epochs=gd_epochs,
            tol=0.0,
            random_state=seed,
            device=dev,
            dtype="float32",
            cuda_graphs=graphs,
        )
        t = _timed(fitter(est)((X, y)), device, warmup, repeats)
        add(
            "gd_minibatch_" + ("cuda_graphs" if graphs else "eager"),
            t,
            ratio_to_gram=t.median / gram.median,
            steps_per_s=steps / t.median,
            batch_size=batch_size,
        )
    return rows


def algebra_placement(sizes: list[int], *, device: torch.device, repeats: int = 5) -> list[dict[str, Any]]:
    """p×p work on the host against on ``device``: where should it run after the statistics pass?"""
    rows = []
    g = torch.Generator().manual_seed(0)
    for p in sizes:
        A = torch.randn(4 * p, p, dtype=torch.float64, generator=g)
        G_host = A.T @ A
        c_host = A.T @ torch.randn(4 * p, dtype=torch.float64, generator=g)
        for where in (torch.device("cpu"), device):
            G, c = G_host.to(where), c_host.to(where)
            L = float(torch.linalg.eigvalsh(G_host)[-1])
            w0 = torch.zeros(p, dtype=torch.float64, device=where)
            ops = {
                "cholesky_solve": lambda: torch.cholesky_solve(c.unsqueeze(1), torch.linalg.cholesky(G)),
                "eigvalsh": lambda: torch.linalg.eigvalsh(G),
                "fista_100_iterations": lambda: fista_gram(
                    G, c, torch.tensor(1.0, dtype=torch.float64), 1e-3 * L, 0.0, w0, 0.0, 100, L
                ),
            }
            for op, fn in ops.items():
                t = _timed(fn, where, 1, repeats)
                rows.append(
                    {
                        "kind": "algebra",
                        "name": op,
                        "p": p,
                        "device": str(where),
                        "median_s": t.median,
                        "q1_s": t.q1,
                        "q3_s": t.q3,
                    }
                )
            if where == device:
                break  # device is the CPU itself
    return rows
