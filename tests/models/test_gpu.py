"""The device half: one fit path on any device, float32 kept honest, no TF32, and the GPU check itself.

The ``cuda`` cases run where CUDA exists (``make gpu-check`` runs them on a
GPU) and skip elsewhere; the CPU cases test the same code paths on the host."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from linreg.models import GradientDescentRegressor, Lasso, LinearRegression, Ridge
from linreg.models._closed_form import equilibrated_gram_cond, float32_error_bound
from linreg.models._descent import descend
from linreg.models.stats import compute_stats

from ..oracles import DEVICES, regression_data

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


def ar1_design(n, p, rho, *, spread=1.0, offset=0.0, seed=0):
    """Columns with correlation ρ^|i−j| (an AR(1) recursion), scales log-spaced over ``spread``, shifted."""
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, p))
    X = Z.copy()
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * Z[:, j]
    X = X * np.logspace(0, np.log10(spread), p) + offset
    y = X @ rng.uniform(-1, 1, p) + 0.1 * rng.standard_normal(n)
    return X.astype(np.float32), y.astype(np.float32)


def rel_err(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


@pytest.mark.parametrize("device", DEVICES)
def test_chunked_batched_statistics_equal_the_chunk_loop(device):
    # One batched product over many chunks (the GPU's way) against one chunk at a time
    # (the CPU's way): the same partial products summed in float64. Compared on the
    # equilibrated scale |ΔG_ij| / √(G_ii G_jj), where rounding bounds live: float64 agrees
    # to the rounding of the final sums, float32 to twice the float32 chunk error √1024·u₃₂.
    X, y, _ = regression_data(n=50_000, p=7, offset=3.0)
    dev = torch.device(device)
    for dtype, tol in ((torch.float64, 1e-13), (torch.float32, 2 * 32 * 2.0**-24)):
        loop = compute_stats(X, y, dtype=dtype, device=dev, chunk_rows=1024, block_rows=1024).as_torch()
        batched = compute_stats(X, y, dtype=dtype, device=dev, chunk_rows=1024, block_rows=2**20).as_torch()
        d = torch.sqrt(torch.diagonal(loop.gram))
        assert float(((batched.gram - loop.gram) / torch.outer(d, d)).abs().max()) <= tol
        assert float(((batched.xty - loop.xty) / (d * torch.sqrt(loop.yty))).abs().max()) <= tol


def test_statistics_of_any_layout_of_x_without_a_copy():
    """The CPU pass walks X where it lies, in C or Fortran order (a DataFrame's values), without
    converting it: the same statistics to rounding (other BLAS kernels), the same bits for the same
    layout as NumPy array or tensor, and X converted block by block when it must be (float32 in)."""
    X, y, _ = regression_data(n=70_001, p=7)  # centred columns (no shifted copy); more than one group
    cpu = torch.device("cpu")
    c_order = compute_stats(X, y, dtype=torch.float64, device=cpu).as_torch()
    tensor = compute_stats(torch.from_numpy(X.copy()), y, dtype=torch.float64, device=cpu)
    for field in ("gram", "xty", "yty", "x_mean", "y_mean"):
        assert torch.equal(torch.as_tensor(getattr(c_order, field)), torch.as_tensor(getattr(tensor, field)))
    fortran = compute_stats(np.asfortranarray(X), y, dtype=torch.float64, device=cpu).as_torch()
    d = torch.sqrt(torch.diagonal(c_order.gram))  # rounding of the sums only, on the equilibrated scale
    assert float(((fortran.gram - c_order.gram) / torch.outer(d, d)).abs().max()) <= 1e-14
    X32 = X.astype(np.float32)  # converted to float64 block by block: the products of the C-order walk
    converted = compute_stats(X32, y, dtype=torch.float64, device=cpu)
    viewed = compute_stats(X32.astype(np.float64), y, dtype=torch.float64, device=cpu)
    for field in ("gram", "xty", "yty", "x_mean", "y_mean"):
        assert torch.equal(torch.as_tensor(getattr(converted, field)), torch.as_tensor(getattr(viewed, field)))


@pytest.mark.parametrize("device", DEVICES)
def test_tensors_on_the_device_fit_like_numpy(device):
    X, y, _ = regression_data(n=3000, p=6)
    Xt, yt = torch.from_numpy(X).to(device), torch.from_numpy(y).to(device)
    for est in (LinearRegression(device=device), Ridge(5.0, device=device), Lasso(0.05, device=device, tol=1e-12)):
        a = est.fit(X, y).coef_.copy()
        b = est.fit(Xt, yt).coef_
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-14)
    assert est.predict(Xt).device == Xt.device


def test_tensor_input_errors_name_the_problem():
    X = torch.zeros(5, 2)
    with pytest.raises(TypeError, match="both as NumPy arrays or both as torch tensors"):
        LinearRegression(device="cpu").fit(X, np.zeros(5))
    with pytest.raises(ValueError, match="shape"):
        LinearRegression(device="cpu").fit(X, torch.zeros(4))


@pytest.mark.parametrize("device", DEVICES)
def test_float32_ols_auto_detects_an_ill_conditioned_gram_and_solves_in_float64(device):
    # Columns on scales 1 … 10³ with ρ = 0.99: the float32 Gram's rounding bound is far
    # above FLOAT32_TARGET, so auto must not trust Cholesky; forced Cholesky shows why.
    X, y = ar1_design(5000, 6, 0.99, spread=1e3, offset=5.0)
    ref = LinearRegression(device="cpu", solver="qr").fit(X.astype(np.float64), y.astype(np.float64)).coef_
    auto = LinearRegression(device=device, dtype="float32").fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        forced = LinearRegression(device=device, dtype="float32", solver="cholesky").fit(X, y)
    assert auto.solver_ == "qr"
    # float64 QR of the float32 data (κ(X)·u₆₄-grade), returned in X's dtype as scikit-learn does:
    # only the final rounding to float32 remains, ≤ 2⁻²⁴ ≈ 6e-8 relative per coefficient.
    assert auto.coef_.dtype == np.float32 and rel_err(auto.coef_, ref) < 1e-7
    assert rel_err(forced.coef_, ref) > 1e-4  # what trusting the float32 Gram would have cost


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("rho, spread", [(0.0, 1.0), (0.5, 1.0), (0.9, 1.0), (0.5, 100.0)])
def test_float32_statistics_stay_within_their_error_bound(device, rho, spread):
    # The tolerance the GPU check uses: float32_error_bound at the float64 solution.
    X, y = ar1_design(40_000, 8, rho, spread=spread, seed=3)
    X64, y64 = X.astype(np.float64), y.astype(np.float64)
    ref = LinearRegression(device="cpu").fit(X64, y64).coef_
    f32 = LinearRegression(device=device, dtype="float32", solver="cholesky").fit(X, y).coef_
    st = compute_stats(X64, y64, dtype=torch.float64, device=torch.device("cpu"))
    bound = float32_error_bound(st.gram, torch.from_numpy(ref), equilibrated_gram_cond(st.gram))
    assert rel_err(f32, ref) <= bound


@pytest.mark.parametrize("device", DEVICES)
def test_no_tf32_even_when_the_process_allows_it(device):
    X, y = ar1_design(20_000, 16, 0.5, seed=4)
    Xt, yt = torch.from_numpy(X).to(device), torch.from_numpy(y).to(device)
    exact = compute_stats(Xt, yt, dtype=torch.float32, device=torch.device(device))
    previous = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision("high")  # what a user or another library may have set (TF32 on)
    try:
        loose = compute_stats(Xt, yt, dtype=torch.float32, device=torch.device(device))
        assert torch.get_float32_matmul_precision() == "high"  # restored afterwards
    finally:
        torch.set_float32_matmul_precision(previous)
    torch.testing.assert_close(loose.gram, exact.gram, rtol=0, atol=0)


@pytest.mark.parametrize("device", DEVICES)
def test_minibatch_gd_walks_the_same_batches_on_every_device(device):
    # The shuffles are drawn on the CPU from the seed, so a float64 run on any device
    # follows the CPU's trajectory; only the rounding of the batch products differs.
    X, y, _ = regression_data(n=5000, p=6)
    kw = dict(batch_size=64, max_epochs=4, tol=0.0, random_state=7)
    cpu = GradientDescentRegressor(device="cpu", **kw).fit(X, y)
    dev = GradientDescentRegressor(device=device, **kw).fit(X, y)
    np.testing.assert_allclose(dev.coef_, cpu.coef_, rtol=1e-10, atol=1e-12)
    assert dev.intercept_ == pytest.approx(cpu.intercept_, rel=1e-10)


@CUDA
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_cuda_graph_replay_equals_eager_launches(dtype):
    X, y, _ = regression_data(n=300_000, p=10)  # > one graph group (2^18 rows) per epoch
    Xt, yt = torch.from_numpy(X).to("cuda", dtype), torch.from_numpy(y).to("cuda", dtype)
    st = compute_stats(Xt, yt, dtype=dtype, device=torch.device("cuda"))
    runs = [
        descend(
            st,
            None,
            (Xt, yt),
            learning_rate="auto",
            max_epochs=3,
            batch_size=256,
            tol=0.0,
            patience=0,
            l1=1e-3,
            random_state=0,
            cuda_graphs=graphs,
        )
        for graphs in (False, True)
    ]
    # The same kernels in the same order: identical up to the last bit in practice;
    # 1e-12 leaves room for a library choosing another GEMV algorithm under capture.
    torch.testing.assert_close(runs[1].coef, runs[0].coef, rtol=1e-12, atol=1e-14)


@CUDA
def test_weighted_minibatch_gd_on_cuda_graphs_equals_the_cpu():
    """sample_weight through the CUDA-graph path (a static buffer of row weights per group of steps)."""
    from linreg.models import GradientDescentRegressor

    X, y, _ = regression_data(n=300_000, p=10)  # > one graph group (2^18 rows) per epoch
    w = np.random.default_rng(4).uniform(0.0, 3.0, len(y))
    kw = dict(batch_size=256, max_epochs=2, tol=0.0, random_state=0)
    cpu = GradientDescentRegressor(device="cpu", **kw).fit(X, y, sample_weight=w)
    gpu = GradientDescentRegressor(device="cuda", **kw).fit(X, y, sample_weight=w)  # CUDA graphs by default
    # The same batches on both (the row order is computed identically on every device), float64 both:
    # rounding differences only, damped by the contraction of each step.
    np.testing.assert_allclose(gpu.coef_, cpu.coef_, rtol=1e-10, atol=1e-12)
    assert gpu.intercept_ == pytest.approx(cpu.intercept_, rel=1e-10, abs=1e-12)
