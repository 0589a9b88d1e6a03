"""Seeded row orders for mini-batch descent, the same on every device.

A pseudo-random permutation of [0, n) from a four-round Feistel network on
2h-bit integers (h = ⌈bits(n − 1)/2⌉), with keyed multiply-shift round functions
(Dietzfelbinger's hash: (x·a mod 2³²) ≫ (32 − h), a odd), restricted to [0, n)
by keeping the images below n in order (a bijection of the 2^2h ≤ 4n domain
maps exactly n of them there). Everything is exact int64 arithmetic, so the
order depends only on (seed, epoch, n) — not on the device, the torch build or
the thread count — and it is computed where the rows are: about a millisecond
for n = 10⁷ on a GPU, instead of a CPU ``randperm`` plus a copy every epoch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from linreg.models._device import lazy_torch

if TYPE_CHECKING:
    import torch
else:
    torch = lazy_torch()  # imported on first use: only the mini-batch epochs need an order

ROUNDS = 4


def round_keys(seed: int, epoch: int) -> list[tuple[int, int]]:
    """(odd multiplier, xor key) per Feistel round, drawn from (seed, epoch)."""
    draws = np.random.default_rng([seed, epoch]).integers(0, 2**32, size=(ROUNDS, 2), dtype=np.uint64)
    return [(int(a) | 1, int(k)) for a, k in draws]


def _feistel(i: torch.Tensor, h: int, keys: list[tuple[int, int]]) -> torch.Tensor:
    mask = (1 << h) - 1
    left, right = i >> h, i.bitwise_and_(mask)
    for a, k in keys:
        t = right ^ (k & mask)
        t.mul_(a).bitwise_and_(0xFFFFFFFF).bitwise_right_shift_(32 - h)  # multiply-shift hash of the right half
        left, right = right, t.bitwise_xor_(left)
    return left.bitwise_left_shift_(h).bitwise_or_(right)


def epoch_order(n: int, seed: int, epoch: int, device: Any) -> torch.Tensor:
    """A permutation of range(n) (int64 on ``device``: ``HOST`` or a torch.device) for this seed and epoch."""
    device = torch.device(str(device))
    if n <= 1:
        return torch.zeros(n, dtype=torch.int64, device=device)
    h = max(1, ((n - 1).bit_length() + 1) // 2)
    domain = 1 << (2 * h)
    keys = round_keys(seed, epoch)
    # Cache-sized pieces on the CPU; one piece on a GPU (a handful of kernels in all).
    block = 2**18 if device.type == "cpu" else domain
    parts = []
    for start in range(0, domain, block):
        v = _feistel(torch.arange(start, min(domain, start + block), dtype=torch.int64, device=device), h, keys)
        parts.append(v[v < n])
    return torch.cat(parts)
