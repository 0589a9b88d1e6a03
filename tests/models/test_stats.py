"""The statistics pass (linreg.models.stats): NumPy's moments as the oracle, both CPU passes, the BLAS policy."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from linreg.models.stats import PANEL_GRAM_MIN_P, chunked_product, compute_stats, gram_product
from linreg.models.stats import blas as stats_module

from ..oracles import regression_data


@pytest.fixture(params=["numpy", "torch"])
def cpu_blas(request, monkeypatch):
    """Each CPU statistics test runs through both passes, whichever this machine would choose."""
    monkeypatch.setattr(stats_module, "CPU_BLAS", request.param)
    return request.param


@pytest.mark.parametrize("offset", [0.0, 100.0], ids=["centered: no copy", "offset: shifted copy"])
@pytest.mark.parametrize("p", [8, PANEL_GRAM_MIN_P + 5], ids=["narrow", "wide: Gram from panels"])
def test_statistics_match_numpy(offset, p, cpu_blas):
    X, y, _ = regression_data(n=50_000, p=p, offset=offset)
    st = compute_stats(X, y, dtype=torch.float64, device=torch.device("cpu"), chunk_rows=4096)
    Xc, yc = X - X.mean(0), y - y.mean()
    np.testing.assert_allclose(np.asarray(st.gram), Xc.T @ Xc, rtol=1e-11, atol=1e-9 * len(X))
    np.testing.assert_allclose(np.asarray(st.xty), Xc.T @ yc, rtol=1e-11)
    assert float(st.yty) == pytest.approx(yc @ yc, rel=1e-11)
    # Both sum 50k terms, in different orders (GEMM blocks vs pairwise): ~100 eps apart.
    np.testing.assert_allclose(np.asarray(st.x_mean), X.mean(0), rtol=1e-13, atol=1e-15)
    w, b = np.arange(float(p)), 0.3
    assert float(st.sse(torch.from_numpy(w), b)) == pytest.approx(np.sum((y - X @ w - b) ** 2), rel=1e-10)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("p", [PANEL_GRAM_MIN_P - 1, PANEL_GRAM_MIN_P, 2 * PANEL_GRAM_MIN_P + 1])
def test_gram_from_panels_equals_the_full_product(p, order):
    # The lower triangle's panels hold the same partial products as AᵀA chunk by chunk: only the
    # GEMM kernels' summation order may differ, so agreement is to rounding on the equilibrated scale
    # |ΔG_ij| / √(G_ii G_jj) (measured 0 to 6e-16, ~3 ulps; allowed 1e-14); the upper triangle is the
    # exact mirror of the lower wherever it was copied.
    A = torch.from_numpy(np.asarray(np.random.default_rng(p).standard_normal((3000, p)), order=order))
    G, full = gram_product(A, 1000), chunked_product(A, A, 1000)
    d = torch.sqrt(torch.diagonal(full))
    assert float(((G - full) / torch.outer(d, d)).abs().max()) <= 1e-14
    h = p // 2
    if p >= PANEL_GRAM_MIN_P:
        assert torch.equal(G[:h, h:], G[h:, :h].T)


@pytest.mark.parametrize("case", ["view", "shifted copy", "weighted copy"])
def test_statistics_over_many_groups_match_numpy(case, cpu_blas):
    # n spans several groups of blocks and ends in a partial group and a partial chunk, so a row,
    # weight or y value paired with the wrong block would show; the oracle is NumPy's weighted
    # moments of the centred data, compared on the equilibrated scale (rounding of 70k-term sums).
    p, n = PANEL_GRAM_MIN_P + 3, 70_001
    X, y, _ = regression_data(n=n, p=p, offset=0.0 if case == "view" else 40.0, seed=3)
    w = np.random.default_rng(4).uniform(0.0, 3.0, n) if case == "weighted copy" else np.ones(n)
    st = compute_stats(
        X, y, dtype=torch.float64, device=torch.device("cpu"), sample_weight=w if case == "weighted copy" else None
    )
    xm, ym = w @ X / w.sum(), w @ y / w.sum()
    Xc, yc = X - xm, y - ym
    G = (Xc * w[:, None]).T @ Xc
    d = np.sqrt(np.diag(G))
    assert st.n == pytest.approx(w.sum(), rel=1e-14)
    assert np.abs((np.asarray(st.gram) - G) / np.outer(d, d)).max() <= 1e-13
    assert np.abs((np.asarray(st.xty) - (Xc * w[:, None]).T @ yc) / (d * np.sqrt(w @ yc**2))).max() <= 1e-13
    assert float(st.yty) == pytest.approx(w @ yc**2, rel=1e-12)
    np.testing.assert_allclose(np.asarray(st.x_mean), xm, rtol=1e-13)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("case", ["view", "shifted copy", "weighted copy", "no intercept", "tensor"])
def test_both_cpu_passes_give_the_same_statistics(case, order, dtype):
    # NumPy's pass (OpenBLAS SYRK) and torch's (MKL products) sum the same chunk products in
    # float64; only the BLAS kernels' summation order differs, so on the equilibrated scale they
    # agree to float64 rounding of 30k-term sums (allowed 1e-13), and in float32 to the chunk
    # products' float32 rounding (√4096 · 2⁻²⁴ ≈ 4e-6; allowed 1e-5).
    X, y, _ = regression_data(n=30_001, p=12, offset=0.0 if case in ("view", "tensor") else 30.0, seed=5)
    X = np.asarray(X, order=order)
    w = np.random.default_rng(6).uniform(0.5, 2.0, len(y)) if case == "weighted copy" else None
    if case == "tensor":
        X, y = torch.from_numpy(X), torch.from_numpy(y)
    out = {}
    for blas in ("numpy", "torch"):
        stats_module.CPU_BLAS, previous = blas, stats_module.CPU_BLAS
        try:
            out[blas] = compute_stats(
                X, y, dtype=dtype, device=torch.device("cpu"), sample_weight=w, center=case != "no intercept"
            )
        finally:
            stats_module.CPU_BLAS = previous
    a, b = out["numpy"].as_torch(), out["torch"]  # NumPy statistics from NumPy's pass on NumPy input
    tol = 1e-13 if dtype == torch.float64 else 1e-5
    d = torch.sqrt(torch.diagonal(b.gram))
    assert float(((a.gram - b.gram) / torch.outer(d, d)).abs().max()) <= tol
    assert float(((a.xty - b.xty) / (d * torch.sqrt(b.yty))).abs().max()) <= tol
    assert float(a.yty) == pytest.approx(float(b.yty), rel=tol)
    sd = d / np.sqrt(b.n)  # the columns' spreads
    assert bool(((a.x_mean - b.x_mean).abs() <= tol * (sd + b.x_mean.abs())).all())
    assert a.n == pytest.approx(b.n, rel=tol)  # Σ wᵢ: the same sum (of float32 products in float32)
    assert (a.rows, a.center, a.underflow) == (b.rows, b.center, b.underflow)


@pytest.mark.parametrize(
    "vendor, mkl, default, small, large",
    [
        ("GenuineIntel", True, "by-size", "numpy", "torch"),
        ("AuthenticAMD", True, "numpy", "numpy", "numpy"),
        ("GenuineIntel", False, "by-size", "numpy", "numpy"),
        ("", False, "numpy", "numpy", "numpy"),
    ],
)
def test_cpu_pass_is_torch_only_for_a_large_pass_on_intel_with_mkl(vendor, mkl, default, small, large, monkeypatch):
    monkeypatch.delenv(stats_module.CPU_BLAS_ENV, raising=False)
    monkeypatch.setattr(stats_module, "_cpu_vendor", lambda: vendor)
    monkeypatch.setattr(torch.backends.mkl, "is_available", lambda: mkl)
    stats_module._torch_has_mkl.cache_clear()
    try:
        assert stats_module.default_cpu_blas() == default
        monkeypatch.setattr(stats_module, "CPU_BLAS", default)
        assert stats_module.cpu_pass(442, 10) == small  # diabetes: torch's pool would cost more than the product
        assert stats_module.cpu_pass(20_000, 20) == small  # the pipeline's default: one thread's work
        assert stats_module.cpu_pass(1_000_000, 100) == large  # make bench's size: MKL's full product pays
    finally:
        stats_module._torch_has_mkl.cache_clear()


def test_cpu_pass_can_be_chosen_and_a_wrong_choice_says_what_to_set(monkeypatch):
    monkeypatch.setattr(stats_module, "_cpu_vendor", lambda: "AuthenticAMD")
    monkeypatch.setenv(stats_module.CPU_BLAS_ENV, " Torch ")
    assert stats_module.default_cpu_blas() == "torch"
    monkeypatch.setattr(stats_module, "CPU_BLAS", "torch")
    assert stats_module.cpu_pass(442, 10) == "torch"  # chosen: every size, however small
    monkeypatch.setenv(stats_module.CPU_BLAS_ENV, "mkl")
    with pytest.raises(ValueError, match=r"LINREG_CPU_BLAS='mkl'.*'numpy'.*'torch'"):
        stats_module.default_cpu_blas()


def test_one_blas_thread_limits_and_restores_even_when_threads_overlap():
    # The small NumPy pass runs OpenBLAS on one thread. Threads overlapping in any order (a Dask
    # threaded scheduler) must neither wait for each other nor leave NumPy's BLAS changed.
    import threading

    from threadpoolctl import threadpool_info

    blas = lambda: [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]  # noqa: E731
    before = blas()
    if not before:
        pytest.skip("threadpoolctl sees no BLAS library behind NumPy here")
    with stats_module.one_blas_thread():
        assert blas() == [1] * len(before)
    assert blas() == before
    for first_leaves_first in (True, False):
        first_in, second_done, first_done = threading.Event(), threading.Event(), threading.Event()

        def first():
            with stats_module.one_blas_thread():
                first_in.set()
                if not first_leaves_first:
                    assert second_done.wait(10)  # the second thread came and went without waiting
            first_done.set()

        def second():
            assert first_in.wait(10)
            if first_leaves_first:
                assert first_done.wait(10)
            with stats_module.one_blas_thread():
                pass
            second_done.set()

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        assert first_done.is_set() and second_done.is_set()
        assert blas() == before


@pytest.mark.parametrize("n, p", [(20_000, 20), (40_000, 70)], ids=["one BLAS thread", "BLAS threads"])
def test_small_and_large_numpy_passes_match_numpy(n, p, cpu_blas, monkeypatch):
    # Under NUMPY_THREADED_MIN_WORK the pass holds OpenBLAS to one thread; lowered, the same data go
    # through the threaded branch. Either way the moments are NumPy's, to the rounding of n-term sums.
    monkeypatch.setattr(stats_module, "NUMPY_THREADED_MIN_WORK", 1e5 if p >= 64 else 5e8)
    X, y, _ = regression_data(n=n, p=p, seed=8)
    st = compute_stats(X, y, dtype=torch.float64, device=torch.device("cpu"))
    Xc, yc = X - X.mean(0), y - y.mean()
    G = Xc.T @ Xc
    d = np.sqrt(np.diag(G))
    assert np.abs((np.asarray(st.gram) - G) / np.outer(d, d)).max() <= 1e-13
    assert np.abs((np.asarray(st.xty) - Xc.T @ yc) / (d * np.sqrt(yc @ yc))).max() <= 1e-13


def test_this_machines_cpu_vendor_is_read():
    # Whatever the CPU, the answer is a string; on Linux it is /proc/cpuinfo's vendor_id.
    vendor = stats_module._cpu_vendor()
    assert isinstance(vendor, str)
    try:
        with open("/proc/cpuinfo") as f:
            ids = [line.split(":", 1)[1].strip() for line in f if line.startswith("vendor_id")]
    except OSError:
        pytest.skip("no /proc/cpuinfo on this platform")
    if not ids:
        pytest.skip("/proc/cpuinfo names no vendor (not x86)")
    assert vendor == ids[0]


def _on_threads(threads: int, fn):
    """``fn()`` with NumPy's BLAS set to ``threads`` (threadpoolctl), and the worker counts it asked for."""
    from threadpoolctl import threadpool_info, threadpool_limits

    if not [lib for lib in threadpool_info() if lib["user_api"] == "blas"]:
        pytest.skip("threadpoolctl sees no BLAS library behind NumPy here")

    asked: list[int] = []
    real = stats_module.map_in_order

    def spy(fn_, items, workers):
        asked.append(workers)
        return real(fn_, items, workers)

    with pytest.MonkeyPatch.context() as mp, threadpool_limits(threads, user_api="blas"):
        mp.setattr(stats_module, "map_in_order", spy)
        return fn(), asked


@pytest.mark.parametrize("case", ["view", "shifted copy", "weighted copy"])
def test_a_threaded_numpy_pass_is_the_same_bits_on_any_number_of_threads(case, monkeypatch):
    # A pass large enough to be threaded splits its groups of rows between as many threads as NumPy's
    # BLAS has, each multiplying on one BLAS thread, and sums the groups' partial products in the
    # groups' order: so the statistics are the same bits whether NumPy's BLAS has 1, 2 or 3 threads.
    # At p = 100 OpenBLAS's own threads split a SYRK and change its bits, so products run on them, or
    # partials summed as they finish, would show here.
    monkeypatch.setattr(stats_module, "CPU_BLAS", "numpy")  # the NumPy pass, whatever this CPU
    monkeypatch.setattr(stats_module, "NUMPY_THREADED_MIN_WORK", 1e5)
    n, p = 140_001, 100  # 3 groups of 16 blocks without the copy, 5 of 8 with it; a partial last chunk
    X, y, _ = regression_data(n=n, p=p, offset=0.0 if case == "view" else 40.0, seed=11)
    w = np.random.default_rng(5).uniform(0.0, 3.0, n) if case == "weighted copy" else None
    runs = {
        t: _on_threads(t, lambda: compute_stats(X, y, dtype="float64", device="cpu", sample_weight=w))
        for t in (1, 2, 3)
    }
    assert [asked for _, asked in runs.values()] == [[1], [2], [3]]
    first = runs[1][0]
    assert isinstance(first.gram, np.ndarray)
    for st, _ in runs.values():
        for name in ("gram", "xty", "x_mean"):
            np.testing.assert_array_equal(getattr(st, name), getattr(first, name), err_msg=name)
        assert st.yty == first.yty and st.y_mean == first.y_mean


def test_a_small_pass_stays_on_one_thread(monkeypatch):
    # Below NUMPY_THREADED_MIN_WORK no thread is asked for, however many NumPy's BLAS has.
    monkeypatch.setattr(stats_module, "CPU_BLAS", "numpy")
    X, y, _ = regression_data(n=70_001, p=8, seed=2)
    _, asked = _on_threads(3, lambda: compute_stats(X, y, dtype="float64", device="cpu"))
    assert asked == [1]
