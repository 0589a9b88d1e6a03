"""Which BLAS multiplies on the CPU, on how many threads, and in what float32 precision.

Policy only: the passes (``numpy_pass``, ``torch_pass``) ask here and do the arithmetic.
"""

from __future__ import annotations

import functools
import os
import platform
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from linreg.models._device import torch_installed, torch_module

CPU_BLAS_ENV = "LINREG_CPU_BLAS"  # "numpy" or "torch": overrides default_cpu_blas()'s choice by CPU
# A NumPy pass runs on more than one thread only for a wide, large problem (numpy_threaded): small widths
# run faster on one thread anyway. Timings: docs/performance.md.
NUMPY_THREADED_MIN_P = 64
NUMPY_THREADED_MIN_WORK = 5e8  # n·p²
T = TypeVar("T")
R = TypeVar("R")


def _cpu_vendor() -> str:
    """The CPU's vendor string where the platform says it (``GenuineIntel``, ``AuthenticAMD``, …), else ''."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("vendor_id"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    if platform.system() == "Darwin" and platform.machine() == "x86_64":
        return "GenuineIntel"  # every x86 Mac
    return "GenuineIntel" if "GenuineIntel" in platform.processor() else ""  # Windows names it here


def default_cpu_blas() -> str:
    """Which library multiplies the statistics pass on the CPU: ``"numpy"``, ``"torch"`` or ``"by-size"``.

    torch's x86 wheels multiply with MKL, NumPy's with OpenBLAS. MKL's full XᵀX product is the
    faster on Intel CPUs for a large pass and OpenBLAS's symmetric one (SYRK, half the arithmetic)
    elsewhere (measured: docs/performance.md, "Design measurements"). So on an Intel CPU with torch
    installed the choice is ``"by-size"``: torch's pass (if its build has MKL) for a pass large enough
    to use every core (``numpy_threaded``), NumPy's below, where torch's import and thread pool cost more
    than the product saves (``cpu_pass``); NumPy everywhere else. The environment variable
    ``LINREG_CPU_BLAS`` (``numpy`` or ``torch``) fixes the library for every size. Either way the
    statistics are the same sums to rounding (the tests hold both passes to NumPy's moments). Nothing
    here imports torch: whether it has MKL is asked when a large pass first needs to know.
    """
    choice = os.environ.get(CPU_BLAS_ENV, "").strip().lower()
    if choice:
        if choice not in ("numpy", "torch"):
            raise ValueError(
                f"{CPU_BLAS_ENV}={os.environ[CPU_BLAS_ENV]!r} is not a choice: set it to 'numpy' "
                "(OpenBLAS's SYRK) or 'torch' (torch's CPU products), or unset it to choose by CPU"
            )
        return choice
    if _cpu_vendor() != "GenuineIntel" or not torch_installed():
        return "numpy"
    return "by-size"


CPU_BLAS = default_cpu_blas()  # read once, at import


@functools.cache
def _torch_has_mkl() -> bool:
    return bool(torch_module().backends.mkl.is_available())


def cpu_pass(n: int, p: int) -> str:
    """The library that multiplies an n × p statistics pass on the CPU under ``CPU_BLAS``: "numpy" or "torch"."""
    if CPU_BLAS != "by-size":
        return CPU_BLAS
    return "torch" if numpy_threaded(n, p) and _torch_has_mkl() else "numpy"


@functools.cache
def _blas_controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@functools.cache
def _blas_libraries() -> tuple:
    """threadpoolctl's controllers of the BLAS libraries loaded (OpenBLAS for NumPy), found once."""
    return tuple(_blas_controller().select(user_api="blas").lib_controllers)


_one_thread_lock = threading.Lock()


class _OneBlasThread:
    """NumPy's BLAS on one thread while inside (a class, not a generator: a 442 × 10 fit enters it twice).

    ``__enter__`` returns how many threads may multiply groups of rows: as many as the BLAS had when
    ``threaded``, else one. While another thread is inside it owns the limit, and this one goes on
    without waiting or touching it (one thread for its groups).
    """

    __slots__ = ("_changed", "_owner", "_threaded")

    def __init__(self, threaded: bool) -> None:
        self._threaded = threaded
        self._changed: list[tuple[Any, int]] = []
        self._owner = False

    def __enter__(self) -> int:
        if not _one_thread_lock.acquire(blocking=False):
            return 1
        self._owner = True
        # The libraries' own get/set calls, not threadpoolctl's limit(): that one gathers every
        # library's info on each entry, 15-25 µs, a tenth of a 442 × 10 fit. The same limit is set.
        had = 1
        try:
            for lib in _blas_libraries():
                threads = lib.get_num_threads()
                if threads is not None and threads != 1:
                    lib.set_num_threads(1)
                    self._changed.append((lib, threads))
                    had = max(had, threads)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return had if self._threaded else 1

    def __exit__(self, *exc: object) -> None:
        if not self._owner:
            return
        for lib, threads in self._changed:
            lib.set_num_threads(threads)
        self._changed.clear()
        self._owner = False
        _one_thread_lock.release()


def one_blas_thread() -> _OneBlasThread:
    """NumPy's BLAS on one thread while inside, set and restored by this thread (threadpoolctl).

    OpenBLAS's thread count is process-wide: while another thread is inside, this one goes on
    without waiting or touching the limit, so overlapping threads never leave the limit changed.
    """
    return _OneBlasThread(False)


def row_workers(threaded: bool) -> _OneBlasThread:
    """NumPy's BLAS on one thread while inside; ``with row_workers(…) as workers`` gives how many threads
    may multiply groups of rows.

    ``threaded``: as many as NumPy's BLAS had (its own setting: ``OMP_NUM_THREADS``,
    ``OPENBLAS_NUM_THREADS``, threadpoolctl's limits), else one. Each thread multiplies whole groups
    of rows on one BLAS thread (``map_in_order``) and the caller sums the groups' partial results in
    the groups' order, so a pass gives the same bits on any number of threads. OpenBLAS's own
    threads split each product, which changes its bits from p ≈ 100 on, and on the project's 2-core
    VM ran a pass of 4,096-row products 1.8× slower than one thread did (docs/performance.md).
    """
    return _OneBlasThread(threaded)


_pools: dict[int, ThreadPoolExecutor] = {}


def _forget_pools() -> None:
    _pools.clear()  # a forked child has none of its parent's threads


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pools)


def map_in_order(fn: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """``fn`` over ``items`` on up to ``workers`` threads (inside ``row_workers``), results in order.

    The threads are started once per process and wait blocked between passes. ``fn`` must release
    the GIL for most of its time (BLAS products do) and write nothing another call writes.
    """
    items = list(items)
    if workers <= 1 or len(items) <= 1:
        return map(fn, items)
    pool = _pools.get(workers)
    if pool is None:
        pool = _pools[workers] = ThreadPoolExecutor(workers, thread_name_prefix="linreg-rows")
    return pool.map(fn, items)


def sum_in_order(fn: Callable[[int], Any], n: int, size: int, workers: int) -> Any:
    """Σ ``fn(lo)`` over the groups of rows lo = 0, size, 2·size, … < n (``map_in_order`` on ``workers``
    threads), added in the groups' order: each group summed from zero by ``fn``, so the total is the same
    bits on any number of threads. One group is its own sum. ``fn`` returns a new NumPy array."""
    if n <= size:
        return fn(0)
    parts = map_in_order(fn, range(0, n, size), workers)
    total = next(parts)
    for part in parts:
        total += part
    return total


def numpy_threaded(n: int, p: int) -> bool:
    """Whether a NumPy pass over an n × p design (statistics, inference rows) multiplies its groups of rows on
    more than one thread (``row_workers``); below, one thread is faster."""
    return p >= NUMPY_THREADED_MIN_P and n * p * p >= NUMPY_THREADED_MIN_WORK


@contextmanager
def full_float32_matmul() -> Iterator[None]:
    """Products in true float32 (no TF32 on NVIDIA matrix units) while inside, whatever the global setting.

    TF32 keeps 10 mantissa bits: a Gram matrix formed with it is good to ~1e-3,
    which no conditioning check could make up for.
    """
    torch = torch_module()
    previous = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision("highest")
    try:
        yield
    finally:
        torch.set_float32_matmul_precision(previous)
