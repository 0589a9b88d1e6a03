"""Column sums and moments in a fixed order: the same bits on any CPU, BLAS and thread count.

Library reductions (``np.sum``, ``X.mean()``, BLAS products) may group their
additions by SIMD width or thread, so their last bits depend on the machine.
Here a sum over rows is a binary tree of element-wise additions fixed by the
number of rows alone (pairwise summation: error O(log n · u)), and element-wise
IEEE operations round the same way everywhere. The data path (generate, split,
scale) uses nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np

T = TypeVar("T")


def pairwise_sum(a: np.ndarray) -> np.ndarray:
    """Σ over axis 0, adding halves element-wise until one row is left (odd rows carried up)."""
    a = np.asarray(a, dtype=np.float64)
    if a.shape[0] == 0:
        return np.zeros(a.shape[1:])
    while a.shape[0] > 1:
        half = a.shape[0] // 2
        s = a[:half] + a[half : 2 * half]
        a = np.concatenate([s, a[2 * half :]]) if a.shape[0] % 2 else s
    return a[0]


def tree_merge(parts: Sequence[T], merge: Callable[[T, T], T]) -> T:
    """Merge per-block results pairwise in a tree fixed by their number: ((0 1)(2 3))(4 …).

    The grouping depends on the count of blocks alone, never on which worker finished first.
    """
    if not parts:
        raise ValueError("nothing to merge: no blocks")
    level = list(parts)
    while len(level) > 1:
        nxt = [merge(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]
