"""The timing protocol: warm-up discarded, synchronize before each clock read, median and IQR; and one timed call.

The clock and the synchronization are parameters, so the protocol is tested
with a fake clock; on CUDA ``sync`` is ``torch.cuda.synchronize`` (kernels are
queued asynchronously, so an unsynchronized clock would time the queueing),
and on the CPU it is a no-op.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Timing:
    median: float
    q1: float
    q3: float
    repeats: int


def no_sync() -> None:
    """Work on the CPU is synchronous: nothing to wait for."""


def timed(
    fn: Callable[[], Any], sync: Callable[[], None] = no_sync, clock: Callable[[], float] = time.perf_counter
) -> tuple[Any, float]:
    """``fn()``'s result and its wall time, with queued device work finished on both sides."""
    sync()
    start = clock()
    out = fn()
    sync()
    return out, clock() - start


def measure(
    fn: Callable[[], Any],
    *,
    warmup: int,
    repeats: int,
    sync: Callable[[], None] = no_sync,
    clock: Callable[[], float] = time.perf_counter,
) -> Timing:
    """Run ``fn`` ``warmup`` times untimed, then ``repeats`` times timed; summarize the timed runs."""
    if repeats < 1:
        raise ValueError("repeats must be >= 1")
    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(repeats):
        sync()
        start = clock()
        fn()
        sync()
        times.append(clock() - start)
    return summarize(times)


def summarize(times: list[float]) -> Timing:
    """The median and quartiles (NumPy's linear interpolation) of timed runs."""
    q1, q3 = np.percentile(times, [25, 75])
    return Timing(statistics.median(times), float(q1), float(q3), len(times))
