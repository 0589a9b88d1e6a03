"""Why gradient descent, measured: the closed form against gradient descent run to convergence, as p grows.

Both methods are timed as the report derives them, written the textbook way in PyTorch on the CPU
(float64): the normal equations form XᵀX (about np² operations) and solve a p × p system (about p³);
gradient descent makes one pass over X per epoch, two matrix-vector products (about 4np operations),
for as many epochs as it needs to converge. Not linreg's estimators: ``GradientDescentRegressor`` forms
XᵀX once and steps on it (cheap epochs after the closed form's np²), the right engineering at small p
and exactly what this measurement must not do; ``LinearRegression`` adds checks and a statistics pass
that are not the algorithm. linreg's ``LinearRegression`` is the oracle both must agree with before a
time counts.

Its step is 1/L̂, with L̂ the largest eigenvalue of XᵀX/n estimated by power iteration (passes over X,
charged to GD's time); the Rayleigh quotient never exceeds the true L, and a step 1/L̂ stays below the
stable limit 2/L while L̂ > L/2, which a handful of iterations reaches. It stops when the gradient's
norm falls below ``tol`` times its starting norm; before a time counts its coefficients must agree
with the closed form's (``agrees``).

The timed runs go round-robin over every (p, method), one run of each per round, so a change in the
machine's load while the sweep runs reaches every time alike (timed one cell after another, a busy
spell during the largest p alone would shift that p's ratio, and with it the trend the report states).
A load that lasts the whole sweep still slows the closed form's threaded products more than GD's
memory-bound ones (docs/performance.md, 7 December 2026, #41): ``system.json`` records the load.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch

from linreg.models import LinearRegression
from linreg.pipeline.benchmark.grid import make_data
from linreg.pipeline.timing import summarize, timed

POWER_ITERATIONS = 20  # passes over X to estimate L (its Rayleigh quotient is within a few % of L by then)


def textbook_gd(X: torch.Tensor, y: torch.Tensor, *, tol: float, max_epochs: int) -> tuple[np.ndarray, float, int]:
    """Batch gradient descent on J = ‖y − Xw − b‖² / 2n, one pass over X per epoch.

    Returns (w, b, epochs). The intercept is handled by centering (one pass), so the epochs move w only.
    """
    n = X.shape[0]
    mean_x, mean_y = X.mean(0), y.mean()  # (p,), ()
    Xc, yc = X - mean_x, y - mean_y  # (n, p), (n,)
    v = torch.ones(X.shape[1], dtype=X.dtype) / X.shape[1] ** 0.5  # unit vector: power iteration for L
    L = torch.tensor(0.0, dtype=X.dtype)
    for _ in range(POWER_ITERATIONS):
        Av = Xc.T @ (Xc @ v) / n
        L = v @ Av  # Rayleigh quotient of the unit vector v: <= L, and -> L
        v = Av / torch.linalg.vector_norm(Av)
    eta = 1.0 / float(L)
    w = torch.zeros(X.shape[1], dtype=X.dtype)  # (p,)
    g0 = None
    epochs = 0
    while epochs < max_epochs:
        g = Xc.T @ (Xc @ w - yc) / n  # ∇J: one pass over X (two matrix-vector products)
        norm = float(torch.linalg.vector_norm(g))
        g0 = norm if g0 is None else g0
        if norm <= tol * g0:
            break
        w = w - eta * g
        epochs += 1
    return w.numpy(), float(mean_y - mean_x @ w), epochs


def normal_equations(X: torch.Tensor, y: torch.Tensor) -> tuple[np.ndarray, float]:
    """(w, b) from XcᵀXc w = Xcᵀyc on centered data: the closed form with its intercept, one Gram and one solve."""
    mean_x, mean_y = X.mean(0), y.mean()
    Xc = X - mean_x  # (n, p)
    w = torch.linalg.solve(Xc.T @ Xc, Xc.T @ (y - mean_y))  # (p,)
    return w.numpy(), float(mean_y - mean_x @ w)


def agreement(coef: np.ndarray, reference: np.ndarray) -> float:
    """Largest coefficient difference relative to the largest reference coefficient."""
    return float(np.max(np.abs(coef - reference)) / max(float(np.max(np.abs(reference))), 1e-300))


def cost_against_p(
    n: int,
    ps: list[int],
    *,
    seed: int,
    tol: float,
    max_epochs: int,
    warmup: int,
    repeats: int,
    clock=None,
) -> pd.DataFrame:
    """One row per (p, method): median and quartiles of the time, GD's epochs, and the agreement.

    ``status`` is ``ok``, or ``disagrees`` when GD stopped short of the closed form (not timed then).
    The agreement threshold: the stop rule bounds GD's relative error by about κ·tol, and κ of these
    designs (features correlated 0.5^|i−j|) stays below 10 while p < n/4, so 1e3·tol leaves a margin.
    """
    timing: dict[str, Any] = {"clock": clock} if clock is not None else {}
    rows: list[dict[str, Any]] = []
    cells: list[tuple[dict[str, Any], Any]] = []  # (its row, the fit to time) for each fit that agreed
    for p in ps:
        X_np, y_np = make_data(n, p, seed)  # every p's design is held until the end: n × Σp values
        X, y = torch.from_numpy(X_np), torch.from_numpy(y_np)
        oracle = LinearRegression(device="cpu").fit(X, y).coef_
        w_closed, _ = normal_equations(X, y)
        w_gd, _, epochs = textbook_gd(X, y, tol=tol, max_epochs=max_epochs)
        for method, err, fit, limit, extra in (
            # Both closed forms solve the same well-conditioned system (κ < 10): 1e-10 is κ·ε with room.
            ("closed_form", agreement(w_closed, oracle), lambda X=X, y=y: normal_equations(X, y), 1e-10, np.nan),
            (
                "gd",
                agreement(w_gd, oracle),
                lambda X=X, y=y: textbook_gd(X, y, tol=tol, max_epochs=max_epochs),
                1e3 * tol,
                epochs,
            ),
        ):
            row = {"n": n, "p": p, "method": method, "epochs": extra, "agreement_error": err}
            ok = np.isfinite(err) and err <= limit
            rows.append(
                {**row, "status": "ok" if ok else "disagrees", "median_s": np.nan, "q1_s": np.nan, "q3_s": np.nan}
            )
            if ok:
                cells.append((rows[-1], fit))
    # The fits above were the first warm-up round (as in the grid); then the rounds, each cell once a round.
    for _ in range(max(0, warmup - 1)):
        for _, fit in cells:
            fit()
    times: list[list[float]] = [[] for _ in cells]
    for _ in range(repeats):
        for k, (_, fit) in enumerate(cells):
            times[k].append(timed(fit, **timing)[1])
    for (row, _), runs in zip(cells, times):
        t = summarize(runs)
        row.update(median_s=t.median, q1_s=t.q1, q3_s=t.q3)
    return pd.DataFrame(rows)
