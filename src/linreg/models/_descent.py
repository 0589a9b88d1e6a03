"""The descent itself: the step-size rule, the epochs over statistics or rows, and the stopping rules.

``GradientDescentRegressor`` validates and prepares; ``descend()``
runs. A full-batch epoch is an O(p²) step on the statistics (no pass over X); mini-batch epochs
run over the rows where they are (``MinibatchEpochs``: NumPy arrays on the host without torch,
tensors on their device, CUDA graphs on a GPU) or block by block from Dask arrays
(``BlockEpochs``). Every epoch's loss is the exact full-data loss from the statistics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from linreg.models._dask_arrays import is_dask_array
from linreg.models._device import HOST, is_torch, lazy_torch, to_numpy
from linreg.models._enet import soft_threshold
from linreg.models._shuffle import epoch_order
from linreg.models.stats import Stats, as_tensor
from linreg.models.stats.moments import like

if TYPE_CHECKING:
    import torch
else:
    torch = lazy_torch()  # imported on first use: descent on NumPy rows and statistics runs without it

EXPLOSION = 1e8  # a loss this many times the initial one counts as diverged


def hessian(stats: Stats, fit_intercept: bool):
    """∇²J for θ = (b, w): [[1, x̄ᵀ], [x̄, G/n + x̄x̄ᵀ]] (just G/n without an intercept), in the statistics' library."""
    xp, m = stats.xp, stats.x_mean
    H_ww = stats.gram / stats.n + m[:, None] * m[None, :]
    if not fit_intercept:
        return H_ww
    top = xp.concat([xp.ones_like(m[:1]), m])[None, :]
    return xp.concat([top, xp.concat([m[:, None], H_ww], axis=1)], axis=0)


def minibatch_smoothness(L: float, X, m: int, fit_intercept: bool, weights=None) -> float:
    """Expected smoothness of a size-m batch drawn without replacement (Gower et al., 2019).

    L(m) = n(m − 1)/(m(n − 1)) · L + (n − m)/(m(n − 1)) · L_max, with L_max = max_i ŵᵢ(1 + ‖xᵢ‖²)
    the largest single-row curvature (ŵᵢ = 1, or the row weights scaled to mean 1): full batch
    gives L, one row gives L_max. A step of 1/L(m) stays stable where 1/L would blow up on small
    batches. X (and ``weights``): the rows (tensors), or Dask arrays (one blockwise pass).
    """
    n = X.shape[0]
    extra = 1.0 if fit_intercept else 0.0
    if is_dask_array(X):
        curv = (X.astype("float64") ** 2).sum(axis=1) + extra
        L_max = float((curv if weights is None else curv * weights).max().compute())
    elif not is_torch(X):  # NumPy rows
        norms = np.linalg.norm(X, axis=1)  # (n,)
        if weights is None:
            L_max = float(norms.max()) ** 2 + extra
        else:
            L_max = float((weights.astype(np.float64) * (norms.astype(np.float64) ** 2 + extra)).max())
    elif weights is None:
        L_max = float(torch.linalg.vector_norm(X, dim=1).max()) ** 2 + extra
    else:
        L_max = float(
            (weights.to(torch.float64) * (torch.linalg.vector_norm(X, dim=1).to(torch.float64) ** 2 + extra)).max()
        )
    return n * (m - 1) / (m * (n - 1)) * L + (n - m) / (m * (n - 1)) * L_max


def penalty_weights(penalty: str | None, alpha: float, l1_ratio: float) -> tuple[float, float]:
    """(α ρ, α (1 − ρ)): the L1 and L2 weights of a GD penalty."""
    rho = {None: 0.0, "l2": 0.0, "l1": 1.0, "elasticnet": float(l1_ratio)}.get(penalty)
    if rho is None:
        raise ValueError(f"unknown penalty {penalty!r}; use None, 'l2', 'l1' or 'elasticnet'")
    a = float(alpha) if penalty is not None else 0.0
    return a * rho, a * (1 - rho)


@dataclass(frozen=True)
class Descent:
    coef: Any  # (p,) float64, NumPy or torch
    intercept: float
    learning_rate: float
    n_epochs: int
    converged: bool
    diverged: bool
    diverged_epoch: int | None
    stopped_by: str
    history: dict[str, list[float]]


# Rows gathered at once for a group of mini-batch steps: cache-sized on the CPU; on a GPU,
# one CUDA graph replay's worth (long enough that launch gaps vanish, ~100 MB at p = 100).
GROUP_ROWS = {"cpu": 8192, "cuda": 2**18}


class MinibatchEpochs:
    """One epoch of mini-batch steps over rows where they are (NumPy on the host, or tensors on their
    device), as few launches as possible.

    Each step: e = X_B w + b − y_B (m,), w ← w − η (X_Bᵀe/m + l2 w), prox for l1,
    b ← b − η mean(e); with row ``weights`` (mean 1) e is weighted by them
    first. The rows of a group of steps are gathered once into a
    static buffer (one ``index_select`` instead of one per step); on CUDA the
    group's steps are captured once as a CUDA graph and replayed, so a step costs
    a few microseconds of GPU time instead of a dozen Python-launched kernels.
    Parameters stay in float64; products run in the rows' dtype (w is copied to
    it once per step). The row order of each epoch comes from
    ``linreg.models._shuffle.epoch_order()``, computed on the rows' device and the
    same on every device, so a GPU walks exactly the CPU's batches.

    NumPy rows (and w, b NumPy arrays) take ``_host_step``, the same step in NumPy: the same
    batches in the same order, the same arithmetic to rounding (the two libraries' products may
    sum in different orders), and no torch import.
    """

    def __init__(
        self,
        X: Any,  # (n, p) NumPy array or tensor; y, w, b and weights of the same library
        y: Any,
        w: Any,
        b: Any,
        *,
        batch_size: int,
        lr: float,
        l1: float,
        l2: float,
        fit_intercept: bool,
        shuffle: bool,
        seed: int,
        cuda_graphs: bool | None = None,
        weights: Any = None,
    ):
        self.X, self.y, self.w, self.b, self.s = X, y, w, b, weights
        self.m, self.lr, self.l1, self.l2, self.fit_intercept = batch_size, lr, l1, l2, fit_intercept
        self.shuffle, self.seed, self.epoch = shuffle, seed, 0
        self.host = not is_torch(X)  # NumPy rows: NumPy steps, no torch
        n, p = X.shape
        self.steps_per_group = max(1, GROUP_ROWS.get("cpu" if self.host else X.device.type, 8192) // batch_size)
        self.group_rows = self.steps_per_group * batch_size
        self.n_groups = n // self.group_rows
        rows = min(n, self.group_rows)
        if self.host:
            empty: Any = lambda *shape: np.empty(shape, dtype=X.dtype)
            float64 = X.dtype == np.float64
        else:
            empty = lambda *shape: torch.empty(shape, dtype=X.dtype, device=X.device)
            float64 = X.dtype == torch.float64
        self.Xg, self.yg = empty(rows, p), empty(rows)
        self.sg = None if weights is None else empty(rows)
        # Low-precision views of the parameters, refreshed every step (the same arrays in float64).
        self.wx = w if float64 else empty(p)
        self.bx = b if float64 else empty()
        use_graphs = not self.host and (X.device.type == "cuda" if cuda_graphs is None else cuda_graphs)
        self.graph = self._capture() if use_graphs and self.n_groups > 0 else None

    def _step(self, Xb: torch.Tensor, yb: torch.Tensor, sb: torch.Tensor | None = None) -> None:
        m = Xb.shape[0]
        if self.wx is not self.w:
            self.wx.copy_(self.w)
            self.bx.copy_(self.b)
        err = torch.addmv(yb, Xb, self.wx, beta=-1)  # X_B w − y_B   (m,)
        err += self.bx
        if sb is not None:
            err *= sb  # each row's pull, by its weight
        grad = (Xb.T @ err).to(torch.float64)  # (p,)
        if self.l2:
            self.w.mul_(1 - self.lr * self.l2)
        self.w.add_(grad, alpha=-self.lr / m)
        if self.l1:
            self.w.copy_(soft_threshold(self.w, self.lr * self.l1))  # proximal step for the L1 term
        if self.fit_intercept:
            self.b.sub_(err.to(torch.float64).mean() * self.lr)

    def _host_step(self, Xb: np.ndarray, yb: np.ndarray, sb: np.ndarray | None = None) -> None:
        """``_step`` in NumPy, operation for operation (w and b are NumPy arrays, updated in place)."""
        m = Xb.shape[0]
        if self.wx is not self.w:
            self.wx[...] = self.w
            self.bx[...] = self.b
        err = Xb @ self.wx - yb  # X_B w − y_B   (m,)
        err += self.bx
        if sb is not None:
            err *= sb  # each row's pull, by its weight
        grad = (Xb.T @ err).astype(np.float64, copy=False)  # (p,)
        if self.l2:
            self.w *= 1 - self.lr * self.l2
        self.w += (-self.lr / m) * grad
        if self.l1:
            self.w[...] = soft_threshold(self.w, self.lr * self.l1)  # proximal step for the L1 term
        if self.fit_intercept:
            self.b -= err.astype(np.float64, copy=False).mean() * self.lr

    def _group(self) -> None:
        for k in range(self.steps_per_group):
            rows = slice(k * self.m, (k + 1) * self.m)
            self._step(self.Xg[rows], self.yg[rows], None if self.sg is None else self.sg[rows])

    def _capture(self) -> torch.cuda.CUDAGraph:
        """Record one group of steps on the static buffers; warm-up runs leave w and b as they were."""
        saved = self.w.clone(), self.b.clone()
        self.Xg.normal_()
        self.yg.normal_()
        if self.sg is not None:
            self.sg.fill_(1)
        side = torch.cuda.Stream(self.X.device)
        side.wait_stream(torch.cuda.current_stream(self.X.device))
        with torch.cuda.stream(side):
            for _ in range(2):
                self._group()
        torch.cuda.current_stream(self.X.device).wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            self._group()
        self.w.copy_(saved[0])
        self.b.copy_(saved[1])
        return graph

    def run(self) -> None:
        """One pass over the rows in this epoch's order."""
        n = self.X.shape[0]
        self.epoch += 1
        if self.host:
            order = epoch_order(n, self.seed, self.epoch, HOST) if self.shuffle else np.arange(n)
            for start in range(0, n, self.group_rows):
                idx = order[start : start + self.group_rows]
                Xg, yg = self.Xg[: len(idx)], self.yg[: len(idx)]
                np.take(self.X, idx, axis=0, out=Xg)
                np.take(self.y, idx, axis=0, out=yg)
                sg = None if self.sg is None else np.take(self.s, idx, axis=0, out=self.sg[: len(idx)])
                for s in range(0, len(idx), self.m):
                    self._host_step(Xg[s : s + self.m], yg[s : s + self.m], None if sg is None else sg[s : s + self.m])
            return
        order = (
            epoch_order(n, self.seed, self.epoch, self.X.device)
            if self.shuffle
            else torch.arange(n, device=self.X.device)
        )
        for start in range(0, n, self.group_rows):
            idx = order[start : start + self.group_rows]
            Xg, yg = self.Xg[: len(idx)], self.yg[: len(idx)]
            torch.index_select(self.X, 0, idx, out=Xg)
            torch.index_select(self.y, 0, idx, out=yg)
            sg = None
            if self.sg is not None and self.s is not None:
                sg = self.sg[: len(idx)]
                torch.index_select(self.s, 0, idx, out=sg)
            if self.graph is not None and len(idx) == self.group_rows:
                self.graph.replay()
                continue
            for s in range(0, len(idx), self.m):
                self._step(Xg[s : s + self.m], yg[s : s + self.m], None if sg is None else sg[s : s + self.m])


class BlockEpochs:
    """Mini-batch epochs over rows held in blocks (a Dask array's chunks), one block in memory at a time.

    Each epoch visits the blocks in the order ``epoch_order(n_blocks, seed, epoch)`` and walks each
    block's rows as ``MinibatchEpochs`` walks rows in memory, with that block's own seed (block 0
    keeps ``seed``). With one block this is exactly the in-memory epoch; with several, batches do not
    straddle blocks (a block's last batch may be short, as an epoch's last is in memory). The
    parameters w and b are updated in place, on the device they live on.
    """

    def __init__(
        self,
        X,
        y,
        w: torch.Tensor,
        b: torch.Tensor,
        *,
        dtype: torch.dtype,
        batch_size: int,
        lr: float,
        l1: float,
        l2: float,
        fit_intercept: bool,
        shuffle: bool,
        seed: int,
        weights=None,
    ):
        import dask.array as da

        self.X, self.y = X.rechunk({1: -1}), da.asarray(y).rechunk((X.chunks[0],))
        self.s = None if weights is None else da.asarray(weights).rechunk((X.chunks[0],))
        self.w, self.b, self.dtype, self.seed, self.shuffle, self.epoch = w, b, dtype, seed, shuffle, 0
        self.kw: dict[str, Any] = {
            "batch_size": batch_size,
            "lr": lr,
            "l1": l1,
            "l2": l2,
            "fit_intercept": fit_intercept,
            "shuffle": shuffle,
            "cuda_graphs": False,
        }

    def run(self) -> None:
        self.epoch += 1
        n_blocks = len(self.X.chunks[0])
        order = epoch_order(n_blocks, self.seed, self.epoch, HOST).tolist() if self.shuffle else range(n_blocks)
        for k in order:
            Xb = as_tensor(np.asarray(self.X.blocks[k].compute(), dtype=np.float64), self.dtype, self.w.device)
            yb = as_tensor(np.asarray(self.y.blocks[k].compute(), dtype=np.float64), self.dtype, self.w.device)
            sb = (
                None
                if self.s is None
                else as_tensor(np.asarray(self.s.blocks[k].compute(), dtype=np.float64), self.dtype, self.w.device)
            )
            part = MinibatchEpochs(
                Xb, yb, self.w, self.b, seed=(self.seed + k * 0x9E3779B97F4A7C15) % 2**63, weights=sb, **self.kw
            )
            part.epoch = self.epoch - 1  # its run() draws this epoch's row order
            part.run()


def descend(
    stats: Stats,
    val_stats: Stats | None,
    rows: tuple[Any, ...] | None,
    *,
    learning_rate: float | str,
    max_epochs: int,
    batch_size: int | None,
    tol: float,
    patience: int,
    l1: float = 0.0,
    l2: float = 0.0,
    fit_intercept: bool = True,
    shuffle: bool = True,
    random_state: int | None = None,
    cuda_graphs: bool | None = None,
    rows_dtype: Any = np.float64,
    rows_device: Any = None,
) -> Descent:
    """The gradient-descent loop: full batch on ``stats`` when ``rows`` is None, else mini-batches of rows
    (X, y) or (X, y, row weights scaled to mean 1, or None).

    Full-batch steps are p×p work on the statistics' device (the host for small
    p); mini-batch steps run where the rows are (tensors), or on ``rows_device``
    one block at a time (``rows`` as Dask arrays: ``BlockEpochs``).
    Every epoch's loss is the exact full-data loss from the statistics. Full batch works in the
    statistics' library (NumPy on the CPU: no torch); mini-batches in the rows' library: NumPy rows
    with NumPy statistics (no torch), or tensors, and then the statistics are tensors too.
    """
    if patience and val_stats is None:
        raise ValueError("patience > 0 needs validation=(X_val, y_val)")
    streamed = rows is not None and is_dask_array(rows[0])
    host_rows = rows is not None and not streamed and not is_torch(rows[0])
    if host_rows and is_torch(stats.gram):
        raise ValueError(
            "NumPy rows need NumPy statistics: pass the rows as tensors, or compute the statistics on HOST"
        )
    if rows is not None and not host_rows:
        stats = stats.as_torch()
        val_stats = None if val_stats is None else val_stats.as_torch()
    xp = stats.xp
    L = float(xp.linalg.eigvalsh(hessian(stats, fit_intercept))[-1])
    if rows is not None:
        if batch_size is None:
            raise ValueError("mini-batch rows need a batch_size")
        seed = int(np.random.default_rng(random_state).integers(2**63 - 1))
        L = minibatch_smoothness(L, rows[0], batch_size, fit_intercept, rows[2] if len(rows) > 2 else None)
    lr = 1.0 / (L + l2) if learning_rate == "auto" else float(learning_rate)
    if not lr > 0:
        raise ValueError(f"learning_rate must be 'auto' or > 0, got {learning_rate}")

    def objective(st: Stats, w, b) -> float:
        w, b = like(w, st.gram), like(b, st.gram)
        return float(st.sse(w, b)) / (2 * st.n) + l1 * float(st.xp.sum(st.xp.abs(w))) + 0.5 * l2 * float(w @ w)

    def gradient_norm(w, b) -> float:
        """‖∇J‖ of the smooth part (squared loss + L2) over all rows, from the statistics."""
        w, b = like(w, stats.gram), like(b, stats.gram)
        e = b + stats.x_mean @ w - stats.y_mean
        g_w = (stats.gram @ w - stats.xty) / stats.n + stats.x_mean * e + l2 * w
        return math.sqrt(float(g_w @ g_w + (e * e if fit_intercept else 0.0)))

    def host_copy(a):
        """A copy of ``a`` where the bookkeeping runs (the statistics' library and device)."""
        return a.to(stats.device, copy=True) if is_torch(stats.gram) else np.array(to_numpy(a))

    def step(w, b, grad_w, grad_b):
        w = w - lr * (grad_w + l2 * w)
        if l1:
            w = soft_threshold(w, lr * l1)  # proximal step for the L1 term
        if fit_intercept:
            b = b - lr * grad_b
        return w, b

    if rows is None or host_rows:  # full batch, or NumPy rows: the statistics' library and device
        w, b = xp.zeros_like(stats.xty), xp.zeros_like(xp.asarray(stats.yty))
    else:
        device = (rows_device or stats.device) if streamed else rows[0].device
        device = torch.device(str(device))
        w = torch.zeros(stats.p, dtype=torch.float64, device=device)
        b = torch.zeros((), dtype=torch.float64, device=device)
    epochs: MinibatchEpochs | BlockEpochs | None = None
    if rows is not None and batch_size is not None:
        kw: dict[str, Any] = {
            "batch_size": batch_size,
            "lr": lr,
            "l1": l1,
            "l2": l2,
            "fit_intercept": fit_intercept,
            "shuffle": shuffle,
            "seed": seed,
        }
        kw["weights"] = rows[2] if len(rows) > 2 else None
        epochs = (
            BlockEpochs(rows[0], rows[1], w, b, dtype=rows_dtype, **kw)
            if streamed
            else MinibatchEpochs(rows[0], rows[1], w, b, cuda_graphs=cuda_graphs, **kw)
        )
    loss0 = objective(stats, w, b)
    history: dict[str, list[float]] = {
        "epoch": [0],
        "train_loss": [loss0],
        "val_loss": [objective(val_stats, w, b) if val_stats else math.nan],
        "theta_norm": [0.0],
        "step_norm": [0.0],
    }
    best, since_best = (history["val_loss"][0], host_copy(w), host_copy(b)), 0
    lowest = (loss0, best[1], best[2])  # the iterate of lowest training loss: what a diverged fit keeps
    diverged_epoch, stopped_by = None, "max_epochs"
    prev, epoch = loss0, 0
    # The bookkeeping (loss, norms, best parameters) runs on the statistics' device:
    # one copy of (w, b) per epoch, not a device synchronization per number.
    w_h, b_h = like(w, stats.gram), like(b, stats.gram)
    for epoch in range(1, max_epochs + 1):
        w_old, b_old = w_h, b_h
        if epochs is None:
            e = b + stats.x_mean @ w - stats.y_mean  # mean residual
            w, b = step(w, b, (stats.gram @ w - stats.xty) / stats.n + stats.x_mean * e, e)
            w_h, b_h = w, b
        else:
            epochs.run()  # updates w and b in place
            w_h, b_h = host_copy(w), host_copy(b)
        loss = objective(stats, w_h, b_h)
        if not math.isfinite(loss) or loss > EXPLOSION * max(loss0, 1e-300):
            diverged_epoch, stopped_by = epoch, "divergence"
            # Not the last finite iterate (huge, and useless to predict with) but the best one seen:
            # the start when no step improved on it.
            w_h, b_h = lowest[1], lowest[2]
            break
        if loss < lowest[0]:
            lowest = (loss, w_h, b_h)
        val = objective(val_stats, w_h, b_h) if val_stats else math.nan
        step_norm = math.sqrt(float(xp.sum((w_h - w_old) ** 2) + (b_h - b_old) ** 2))
        for key, value in zip(history, (epoch, loss, val, math.sqrt(float(w_h @ w_h + b_h * b_h)), step_norm)):
            history[key].append(value)
        if patience:
            if val < best[0]:
                best, since_best = (val, w_h, b_h), 0
            else:
                since_best += 1
                if since_best >= patience:
                    w_h, b_h = best[1], best[2]
                    stopped_by = "patience"
                    break
        improvement = (prev - loss) / max(abs(prev), 1e-300)
        if 0 <= improvement < tol:
            # A tiny improvement with the gradient hardly smaller than at the start is a step too
            # small to make progress, not convergence (checked without L1, whose optimum has ∇ ≠ 0).
            stalled = not l1 and gradient_norm(w_h, b_h) > 0.1 * gradient_norm(
                xp.zeros_like(w_h), xp.zeros_like(xp.asarray(b_h))
            )
            stopped_by = "stalled" if stalled else "tol"
            break
        prev = loss
    return Descent(
        coef=w_h,
        intercept=float(b_h),
        learning_rate=lr,
        n_epochs=epoch,
        converged=stopped_by in ("tol", "patience"),
        diverged=diverged_epoch is not None,
        diverged_epoch=diverged_epoch,
        stopped_by=stopped_by,
        history=history,
    )
