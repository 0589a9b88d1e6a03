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

from typing import Any

import numpy as np

from linreg.models._device import Host, torch_module

ROUNDS = 4


def round_keys(seed: int, epoch: int) -> list[tuple[int, int]]:
    """(odd multiplier, xor key) per Feistel round, drawn from (seed, epoch)."""
    draws = np.random.default_rng([seed, epoch]).integers(0, 2**32, size=(ROUNDS, 2), dtype=np.uint64)
    return [(int(a) | 1, int(k)) for a, k in draws]


def _feistel(i, h: int, keys: list[tuple[int, int]]):
    """The Feistel network on int64 ``i`` (NumPy or torch: the same operators, the same integers).

    The product t·a may pass 2⁶³ and wrap in int64 (both libraries wrap silently); its low 32 bits,
    all that is kept, are those of the exact product either way.
    """
    mask = (1 << h) - 1
    left, right = i >> h, i & mask
    for a, k in keys:
        t = right ^ (k & mask)
        t *= a
        t &= 0xFFFFFFFF
        t >>= 32 - h  # multiply-shift hash of the right half
        t ^= left
        left, right = right, t
    left <<= h
    left |= right
    return left


def epoch_order(n: int, seed: int, epoch: int, device: Any) -> Any:
    """A permutation of range(n) for this seed and epoch: int64 NumPy on ``HOST`` (torch is not imported),
    an int64 tensor on a torch.device (the CPU's included); the same integers either way."""
    if isinstance(device, Host):
        xp, arange, extra = np, np.arange, {}
    else:
        torch = torch_module()
        device = torch.device(str(device))
        xp, arange, extra = torch, torch.arange, {"device": device}
    if n <= 1:
        return xp.zeros(n, dtype=xp.int64, **extra)
    h = max(1, ((n - 1).bit_length() + 1) // 2)
    domain = 1 << (2 * h)
    keys = round_keys(seed, epoch)
    # Cache-sized pieces on the CPU; one piece on a GPU (a handful of kernels in all).
    block = 2**18 if device.type == "cpu" else domain
    parts = []
    for start in range(0, domain, block):
        v = _feistel(arange(start, min(domain, start + block), dtype=xp.int64, **extra), h, keys)
        parts.append(v[v < n])
    return np.concatenate(parts) if xp is np else torch.cat(parts)
