"""The sufficient statistics of a least-squares problem and their algebra: merging, held-out error.

A ``Stats`` holds the centred second moments of (X, y). Two of them, of
disjoint rows, merge exactly (``merge_stats()``); the squared error of any
fit on the rows they summarise follows from them alone (``Stats.sse()``,
``held_out_sse()``). Computing them is ``linreg.models.stats.compute_stats()``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from linreg.models._device import HOST, as_device, is_torch, namespace, torch_module


@dataclass(frozen=True)
class Stats:
    """Centered second moments of (X, y); all arrays float64, of one library on one device.

    NumPy arrays on the host (CPU input, NumPy's pass: no torch involved), or torch tensors (a GPU,
    torch input, or torch's CPU pass); every algebra on them goes through ``namespace()``.

    ``gram = X_cᵀX_c`` (p, p), ``xty = X_cᵀy_c`` (p,), ``yty = y_cᵀy_c``, where
    ``X_c = X − x_mean`` and ``y_c = y − y_mean`` (no centering when the
    statistics were computed with ``center=False``: then the means are zero).
    With sample weights wᵢ every sum is weighted (``gram = Σ wᵢ x_cᵢ x_cᵢᵀ``,
    the means are weighted means) and ``n = Σ wᵢ``; ``rows`` is the row count.
    """

    n: float  # Σ wᵢ: the row count when unweighted
    x_mean: Any  # (p,)
    y_mean: Any  # ()
    gram: Any  # (p, p)
    xty: Any  # (p,)
    yty: Any  # ()
    center: bool = True  # centred on the means (an intercept is fitted), or raw moments
    rows: int = -1  # rows the statistics summarise (-1: same as n)
    underflow: bool = False  # some column varies on a scale whose squares underflow float64 (see compute_stats)

    def __post_init__(self) -> None:
        if self.rows < 0:
            object.__setattr__(self, "rows", int(self.n))

    @property
    def p(self) -> int:
        return self.gram.shape[0]

    @property
    def device(self):
        """``HOST`` for NumPy statistics, else the tensors' ``torch.device``."""
        return self.gram.device if is_torch(self.gram) else HOST

    @property
    def xp(self):
        """The array API namespace of the statistics (array-api-compat's NumPy or torch)."""
        return namespace(self.gram)

    def _map(self, f) -> Stats:
        return replace(
            self, x_mean=f(self.x_mean), y_mean=f(self.y_mean), gram=f(self.gram), xty=f(self.xty), yty=f(self.yty)
        )

    def to(self, device) -> Stats:
        """On ``device``: NumPy statistics stay NumPy on the host; they become tensors only for another device."""
        if not is_torch(self.gram) and device.type == "cpu":
            return self
        torch_device = as_device(device)
        return self._map(lambda a: torch_module().as_tensor(a).to(torch_device))

    def as_torch(self) -> Stats:
        """The same statistics as torch tensors (on the CPU when they were NumPy): for torch-only code."""
        return self if is_torch(self.gram) else self._map(lambda a: torch_module().as_tensor(np.asarray(a)))

    def all_finite(self) -> bool:
        if not is_torch(self.gram):  # NumPy directly: the namespace lookups cost more than the checks
            return bool(
                np.isfinite(self.gram).all()
                and np.isfinite(self.xty).all()
                and np.isfinite(self.yty)
                and np.isfinite(self.y_mean)
            )
        xp = self.xp
        return bool(
            xp.all(xp.isfinite(self.gram))
            and xp.all(xp.isfinite(self.xty))
            and xp.isfinite(xp.asarray(self.yty))
            and xp.isfinite(xp.asarray(self.y_mean))
        )

    def sse(self, coef, intercept):
        """Σ (y − b − Xw)² for these rows, from the statistics alone (no pass over X).

        With residual mean e = ȳ − b − x̄ᵀw:  SSE = y_cᵀy_c − 2wᵀX_cᵀy_c + wᵀX_cᵀX_c w + n e².
        """
        coef = like(coef, self.gram)
        if not isinstance(intercept, (int, float)):
            intercept = like(intercept, self.gram)
        e = self.y_mean - intercept - self.x_mean @ coef
        return self.yty - 2 * coef @ self.xty + coef @ self.gram @ coef + self.n * e**2


def merge_stats(a: Stats, b: Stats) -> Stats:
    """The statistics of two disjoint sets of rows together (Chan, Golub & LeVeque's pairwise update).

    With δ = x̄_b − x̄_a (and likewise for y) and f = n_a n_b / (n_a + n_b):
    G = G_a + G_b + f δδᵀ, c = c_a + c_b + f δ_x δ_y, yᵀy = … + f δ_y²; the means
    move by δ n_b / n. Centred moments are merged, never raw XᵀX, so means far
    from zero cost no digits. Raw (``center=False``) statistics simply add.
    """
    if a.center != b.center or a.p != b.p:
        raise ValueError("can only merge statistics of the same kind (centring) and width")
    b = b.to(a.device) if is_torch(a.gram) else b
    n = a.n + b.n
    if not a.center:
        return replace(
            a,
            n=n,
            gram=a.gram + b.gram,
            xty=a.xty + b.xty,
            yty=a.yty + b.yty,
            rows=a.rows + b.rows,
            underflow=a.underflow or b.underflow,
        )
    dx, dy = b.x_mean - a.x_mean, b.y_mean - a.y_mean
    f = a.n * b.n / n
    return Stats(
        n=n,
        x_mean=a.x_mean + dx * (b.n / n),
        y_mean=a.y_mean + dy * (b.n / n),
        gram=a.gram + b.gram + f * (dx[:, None] * dx[None, :]),
        xty=a.xty + b.xty + f * dx * dy,
        yty=a.yty + b.yty + f * dy * dy,
        center=True,
        rows=a.rows + b.rows,
        underflow=a.underflow or b.underflow,
    )


def held_out_sse(coefs, intercepts, st: Stats):
    """Σ wᵢ (yᵢ − b_k − xᵢᵀw_k)² over the rows ``st`` summarises, for K fits at once, with no pass over them.

    With e_k = ȳ − b_k − x̄ᵀw_k: SSE_k = y_cᵀy_c − 2w_kᵀX_cᵀy_c + w_kᵀX_cᵀX_c w_k + n e_k².
    """
    W = like(coefs, st.gram)  # (K, p)
    e = st.y_mean - like(intercepts, W) - W @ st.x_mean  # (K,) mean residuals
    return st.yty - 2 * W @ st.xty + st.xp.sum((W @ st.gram) * W, axis=1) + st.n * e**2


def like(a, ref):
    """``a`` as an array of ``ref``'s library, dtype and device (NumPy ↔ torch as needed)."""
    if is_torch(ref):
        return torch_module().as_tensor(np.asarray(a) if not is_torch(a) else a).to(ref)
    if is_torch(a):
        a = a.detach().cpu().numpy()
    return np.asarray(a, dtype=ref.dtype)


def as_tensor(a, dtype, device=None):
    """A tensor view of ``a`` when possible (no copy for matching NumPy arrays on the CPU)."""
    torch = torch_module()
    dtype = dtype if isinstance(dtype, torch.dtype) else getattr(torch, np.dtype(dtype).name)
    device = None if device is None else as_device(device)
    if isinstance(a, np.ndarray):
        with warnings.catch_warnings():  # read-only arrays (memmaps) are only ever read here
            warnings.simplefilter("ignore", UserWarning)
            t = torch.from_numpy(np.ascontiguousarray(a))
    else:
        t = a
    return t.to(dtype=dtype, device=device if device is not None else t.device)
