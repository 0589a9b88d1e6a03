"""The sufficient statistics of a least-squares problem and their algebra: merging, held-out error.

A ``Stats`` holds the centred second moments of (X, y). Two of them, of
disjoint rows, merge exactly (``merge_stats()``); the squared error of any
fit on the rows they summarise follows from them alone (``Stats.sse()``,
``held_out_sse()``). Computing them is ``linreg.models.stats.compute_stats()``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np
import torch


@dataclass(frozen=True)
class Stats:
    """Centered second moments of (X, y); all tensors float64 on one device.

    ``gram = X_cᵀX_c`` (p, p), ``xty = X_cᵀy_c`` (p,), ``yty = y_cᵀy_c``, where
    ``X_c = X − x_mean`` and ``y_c = y − y_mean`` (no centering when the
    statistics were computed with ``center=False``: then the means are zero).
    With sample weights wᵢ every sum is weighted (``gram = Σ wᵢ x_cᵢ x_cᵢᵀ``,
    the means are weighted means) and ``n = Σ wᵢ``; ``rows`` is the row count.
    """

    n: float  # Σ wᵢ: the row count when unweighted
    x_mean: torch.Tensor  # (p,)
    y_mean: torch.Tensor  # ()
    gram: torch.Tensor  # (p, p)
    xty: torch.Tensor  # (p,)
    yty: torch.Tensor  # ()
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
    def device(self) -> torch.device:
        return self.gram.device

    def to(self, device: torch.device) -> Stats:
        return replace(
            self,
            x_mean=self.x_mean.to(device),
            y_mean=self.y_mean.to(device),
            gram=self.gram.to(device),
            xty=self.xty.to(device),
            yty=self.yty.to(device),
        )

    def all_finite(self) -> bool:
        return bool(
            torch.isfinite(self.gram).all()
            and torch.isfinite(self.xty).all()
            and torch.isfinite(self.yty)
            and torch.isfinite(self.y_mean)
        )

    def sse(self, coef: torch.Tensor, intercept: torch.Tensor | float) -> torch.Tensor:
        """Σ (y − b − Xw)² for these rows, from the statistics alone (no pass over X).

        With residual mean e = ȳ − b − x̄ᵀw:  SSE = y_cᵀy_c − 2wᵀX_cᵀy_c + wᵀX_cᵀX_c w + n e².
        """
        coef = coef.to(self.gram)
        if isinstance(intercept, torch.Tensor):
            intercept = intercept.to(self.gram)
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
    b = b.to(a.device)
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
        gram=a.gram + b.gram + f * torch.outer(dx, dx),
        xty=a.xty + b.xty + f * dx * dy,
        yty=a.yty + b.yty + f * dy * dy,
        center=True,
        rows=a.rows + b.rows,
        underflow=a.underflow or b.underflow,
    )


def held_out_sse(coefs: torch.Tensor, intercepts: torch.Tensor, st: Stats) -> torch.Tensor:
    """Σ wᵢ (yᵢ − b_k − xᵢᵀw_k)² over the rows ``st`` summarises, for K fits at once, with no pass over them.

    With e_k = ȳ − b_k − x̄ᵀw_k: SSE_k = y_cᵀy_c − 2w_kᵀX_cᵀy_c + w_kᵀX_cᵀX_c w_k + n e_k².
    """
    W = coefs.to(st.gram)  # (K, p)
    e = st.y_mean - intercepts.to(W) - W @ st.x_mean  # (K,) mean residuals
    return st.yty - 2 * W @ st.xty + ((W @ st.gram) * W).sum(1) + st.n * e**2


def as_tensor(a: np.ndarray | torch.Tensor, dtype: torch.dtype, device: torch.device | None = None) -> torch.Tensor:
    """A tensor view of ``a`` when possible (no copy for matching NumPy arrays on the CPU)."""
    if isinstance(a, np.ndarray):
        with warnings.catch_warnings():  # read-only arrays (memmaps) are only ever read here
            warnings.simplefilter("ignore", UserWarning)
            t = torch.from_numpy(np.ascontiguousarray(a))
    else:
        t = a
    return t.to(dtype=dtype, device=device if device is not None else t.device)
