"""OLS and ridge against scikit-learn, statsmodels, known solutions and invariances."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.linalg
import statsmodels.api as sm
import torch
from sklearn import linear_model as sk

from linreg.models import LinearRegression, Ridge
from linreg.models import stats as stats_module
from linreg.models.closed_form import RankDeficientWarning
from linreg.models.stats import PANEL_GRAM_MIN_P, chunked_product, compute_stats, gram_product

from .oracles import DEVICES, regression_data


def rel_err(a, b):
    return np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(b))


@pytest.fixture(params=["numpy", "torch"])
def cpu_blas(request, monkeypatch):
    """Each CPU statistics test runs through both passes, whichever this machine would choose."""
    monkeypatch.setattr(stats_module, "CPU_BLAS", request.param)
    return request.param


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("solver", ["auto", "cholesky", "qr", "svd"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ols_matches_sklearn(device, solver, fit_intercept):
    X, y, _ = regression_data(offset=3.0)
    ours = LinearRegression(solver=solver, fit_intercept=fit_intercept, device=device).fit(X, y)
    ref = sk.LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    # float64, cond(X) ≈ 3: both are within a few eps of the exact solution.
    assert rel_err(ours.coef_, ref.coef_) <= 1e-10
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-10, abs=1e-12)
    assert ours.solver_ == {"auto": "cholesky"}.get(solver, solver)


def test_ols_matches_statsmodels():
    X, y, _ = regression_data()
    ours = LinearRegression(device="cpu").fit(X, y)
    ref = sm.OLS(y, sm.add_constant(X)).fit()
    np.testing.assert_allclose(ours.coef_, ref.params[1:], rtol=1e-10)
    assert ours.intercept_ == pytest.approx(ref.params[0], rel=1e-10)


@pytest.mark.parametrize("solver", ["auto", "qr", "svd"])
def test_noise_free_data_give_the_exact_coefficients(solver):
    X, y, beta = regression_data(noise=0.0)
    model = LinearRegression(solver=solver, device="cpu").fit(X, y)
    np.testing.assert_allclose(model.coef_, beta, rtol=1e-12)  # a few eps at cond ≈ 3
    assert model.intercept_ == pytest.approx(1.5, rel=1e-12)


def test_large_offsets_do_not_cost_accuracy():
    # Means 1e6 times the spread: the naive XᵀX − n x̄x̄ᵀ would lose ~12 digits.
    X, y, beta = regression_data(noise=0.0, offset=1e6)
    model = LinearRegression(solver="cholesky", device="cpu").fit(X, y)
    np.testing.assert_allclose(model.coef_, beta, rtol=1e-8)


@pytest.mark.parametrize("offset", [0.0, 100.0], ids=["centered: no copy", "offset: shifted copy"])
@pytest.mark.parametrize("p", [8, PANEL_GRAM_MIN_P + 5], ids=["narrow", "wide: Gram from panels"])
def test_statistics_match_numpy(offset, p, cpu_blas):
    X, y, _ = regression_data(n=50_000, p=p, offset=offset)
    st = compute_stats(X, y, dtype=torch.float64, device=torch.device("cpu"), chunk_rows=4096)
    Xc, yc = X - X.mean(0), y - y.mean()
    np.testing.assert_allclose(st.gram.numpy(), Xc.T @ Xc, rtol=1e-11, atol=1e-9 * len(X))
    np.testing.assert_allclose(st.xty.numpy(), Xc.T @ yc, rtol=1e-11)
    assert float(st.yty) == pytest.approx(yc @ yc, rel=1e-11)
    # Both sum 50k terms, in different orders (GEMM blocks vs pairwise): ~100 eps apart.
    np.testing.assert_allclose(st.x_mean.numpy(), X.mean(0), rtol=1e-13, atol=1e-15)
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
    st = compute_stats(X, y, dtype=torch.float64, device=torch.device("cpu"),
                       sample_weight=w if case == "weighted copy" else None)
    xm, ym = w @ X / w.sum(), w @ y / w.sum()
    Xc, yc = X - xm, y - ym
    G = (Xc * w[:, None]).T @ Xc
    d = np.sqrt(np.diag(G))
    assert st.n == pytest.approx(w.sum(), rel=1e-14)
    assert np.abs((st.gram.numpy() - G) / np.outer(d, d)).max() <= 1e-13
    assert np.abs((st.xty.numpy() - (Xc * w[:, None]).T @ yc) / (d * np.sqrt(w @ yc**2))).max() <= 1e-13
    assert float(st.yty) == pytest.approx(w @ yc**2, rel=1e-12)
    np.testing.assert_allclose(st.x_mean.numpy(), xm, rtol=1e-13)


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
            out[blas] = compute_stats(X, y, dtype=dtype, device=torch.device("cpu"), sample_weight=w,
                                      center=case != "no intercept")
        finally:
            stats_module.CPU_BLAS = previous
    a, b = out["numpy"], out["torch"]
    tol = 1e-13 if dtype == torch.float64 else 1e-5
    d = torch.sqrt(torch.diagonal(b.gram))
    assert float(((a.gram - b.gram) / torch.outer(d, d)).abs().max()) <= tol
    assert float(((a.xty - b.xty) / (d * torch.sqrt(b.yty))).abs().max()) <= tol
    assert float(a.yty) == pytest.approx(float(b.yty), rel=tol)
    sd = d / np.sqrt(b.n)  # the columns' spreads
    assert bool(((a.x_mean - b.x_mean).abs() <= tol * (sd + b.x_mean.abs())).all())
    assert a.n == pytest.approx(b.n, rel=tol)  # Σ wᵢ: the same sum (of float32 products in float32)
    assert (a.rows, a.center, a.underflow) == (b.rows, b.center, b.underflow)


@pytest.mark.parametrize("vendor, mkl, expected", [("GenuineIntel", True, "torch"), ("AuthenticAMD", True, "numpy"),
                                                   ("GenuineIntel", False, "numpy"), ("", False, "numpy")])
def test_cpu_pass_is_torch_only_on_intel_with_mkl(vendor, mkl, expected, monkeypatch):
    monkeypatch.delenv(stats_module.CPU_BLAS_ENV, raising=False)
    monkeypatch.setattr(stats_module, "_cpu_vendor", lambda: vendor)
    monkeypatch.setattr(torch.backends.mkl, "is_available", lambda: mkl)
    assert stats_module.default_cpu_blas() == expected


def test_cpu_pass_can_be_chosen_and_a_wrong_choice_says_what_to_set(monkeypatch):
    monkeypatch.setattr(stats_module, "_cpu_vendor", lambda: "AuthenticAMD")
    monkeypatch.setenv(stats_module.CPU_BLAS_ENV, " Torch ")
    assert stats_module.default_cpu_blas() == "torch"
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
    assert np.abs((st.gram.numpy() - G) / np.outer(d, d)).max() <= 1e-13
    assert np.abs((st.xty.numpy() - Xc.T @ yc) / (d * np.sqrt(yc @ yc))).max() <= 1e-13


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


def vandermonde(degree, n=200, seed=0):
    x = np.sort(np.random.default_rng(seed).uniform(0, 2, n))
    return np.vander(x, degree + 1, increasing=True)[:, 1:]  # raw powers x … x^degree


@pytest.mark.parametrize("degree", [8, 12, 15])
def test_ill_conditioned_design_keeps_the_best_orthogonal_accuracy(degree):
    """Raw polynomial features (cond up to ~1e13): auto must pick an orthogonal solver
    and be as accurate as LAPACK's SVD (gelsd) and pivoted QR (gelsy), within 3×."""
    X = vandermonde(degree)
    beta = np.random.default_rng(1).uniform(-1, 1, degree)
    y = 0.5 + X @ beta  # noise-free: beta is the exact answer up to rounding in y
    design = np.column_stack([np.ones(len(X)), X])
    errors = {}
    for driver in ("gelsd", "gelsy"):
        sol = scipy.linalg.lstsq(design, y, lapack_driver=driver)[0]
        errors[driver] = np.linalg.norm(sol[1:] - beta) / np.linalg.norm(beta)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RankDeficientWarning)
        model = LinearRegression(device="cpu").fit(X, y)
    ours = np.linalg.norm(model.coef_ - beta) / np.linalg.norm(beta)
    assert model.solver_ == "qr"
    assert ours <= 3 * min(errors.values()), (ours, errors)


def test_rank_deficient_design_gives_minimum_norm_with_a_warning():
    X, y, _ = regression_data()
    X = np.column_stack([X, X[:, 0]])  # an exact duplicate column
    with pytest.warns(RankDeficientWarning, match="rank 8 < 9"):
        model = LinearRegression(device="cpu").fit(X, y)
    Xc = X - X.mean(0)
    np.testing.assert_allclose(model.coef_, np.linalg.pinv(Xc) @ (y - y.mean()), rtol=1e-9)
    assert model.coef_[0] == pytest.approx(model.coef_[-1], rel=1e-9)  # the norm is split evenly
    assert model.rank_ == 8 and model.solver_ == "svd"


def test_more_features_than_samples():
    X, y, _ = regression_data(n=10, p=30)
    with pytest.warns(RankDeficientWarning):
        model = LinearRegression(device="cpu").fit(X, y)
    np.testing.assert_allclose(model.predict(X), y, atol=1e-9)  # interpolates
    Xc = X - X.mean(0)
    np.testing.assert_allclose(model.coef_, np.linalg.pinv(Xc) @ (y - y.mean()), rtol=1e-8)


def test_one_feature_and_constant_target():
    x = np.linspace(0, 2, 50)[:, None]
    model = LinearRegression(device="cpu").fit(x, 3 * x[:, 0] + 2)
    assert model.coef_[0] == pytest.approx(3.0, rel=1e-13) and model.intercept_ == pytest.approx(2.0, rel=1e-13)
    X, _, _ = regression_data()
    flat = LinearRegression(device="cpu").fit(X, np.full(len(X), 4.0))
    np.testing.assert_allclose(flat.coef_, 0.0, atol=1e-14)
    assert flat.intercept_ == pytest.approx(4.0, rel=1e-14)


def test_nan_in_x_is_refused():
    X, y, _ = regression_data()
    X[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        LinearRegression(device="cpu").fit(X, y)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("alpha", [1e-3, 1.0, 1e3])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ridge_matches_sklearn(device, alpha, fit_intercept):
    X, y, _ = regression_data(offset=2.0)
    ours = Ridge(alpha, fit_intercept=fit_intercept, device=device).fit(X, y)
    ref = sk.Ridge(alpha, fit_intercept=fit_intercept, solver="cholesky").fit(X, y)
    assert rel_err(ours.coef_, ref.coef_) <= 1e-10  # same normal equations, both Cholesky
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-10, abs=1e-12)


def test_ridge_at_zero_is_ols_and_large_alpha_shrinks_to_zero():
    X, y, _ = regression_data()
    np.testing.assert_array_equal(Ridge(0.0, device="cpu").fit(X, y).coef_,
                                  LinearRegression(device="cpu").fit(X, y).coef_)
    big = Ridge(1e12, device="cpu").fit(X, y)
    assert np.abs(big.coef_).max() < 1e-6
    assert big.intercept_ == pytest.approx(y.mean(), rel=1e-6)


def test_ridge_equals_statsmodels_ridge_with_rescaled_alpha():
    """statsmodels' fit_regularized(L1_wt=0) minimizes 0.5·RSS/n + α‖b‖²/2 (no intercept here,
    since statsmodels would penalize a constant column): that is sklearn Ridge(alpha = n·α)."""
    X, y, _ = regression_data()
    Xc, yc = X - X.mean(0), y - y.mean()
    a = 0.05
    ref = sm.OLS(yc, Xc).fit_regularized(alpha=a, L1_wt=0.0)
    ours = Ridge(len(y) * a, fit_intercept=False, device="cpu").fit(Xc, yc)
    np.testing.assert_allclose(ours.coef_, ref.params, rtol=1e-10)


@pytest.mark.parametrize("device", DEVICES)
def test_float32_agrees_with_float64_to_float32_precision(device):
    X, y, _ = regression_data()
    f64 = LinearRegression(device=device).fit(X, y)
    f32 = LinearRegression(device=device, dtype="float32").fit(X, y)
    # float32 inputs carry ~6e-8 relative error; cond ≈ 3 amplifies it little.
    np.testing.assert_allclose(f32.coef_, f64.coef_, rtol=1e-5, atol=1e-5)
