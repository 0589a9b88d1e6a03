"""torch is optional: CPU fits on NumPy and SciPy input neither need it nor import it.

Each case runs a fresh interpreter (a test process has torch loaded already) that fits every
public name of ``linreg.models`` on the CPU, then reports whether torch was imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

import linreg.models as lm

FIT_EVERYTHING = textwrap.dedent(
    """
    import json, sys, warnings
    if BLOCK_TORCH:  # as if torch were not installed: finding or importing it raises ModuleNotFoundError
        class NoTorch:
            def find_spec(self, name, path=None, target=None):
                if name == "torch" or name.startswith("torch."):
                    raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        sys.meta_path.insert(0, NoTorch())
    import numpy as np
    from scipy import sparse
    import linreg.models as lm
    from linreg.models.stats import blas
    if AS_INTEL:  # as on an Intel CPU: the default choice there, decided by the pass's size
        blas._cpu_vendor = lambda: "GenuineIntel"
        blas.CPU_BLAS = blas.default_cpu_blas()

    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 4))
    y = X @ [1.0, -2.0, 0.5, 0.0] + 3.0 + 0.1 * rng.standard_normal(120)
    fitted = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarnings at the defaults are not the point here
        for name in lm.__all__:
            obj = getattr(lm, name)
            if name.endswith("_path"):
                obj(X - X.mean(0), y - y.mean(), n_alphas=5)
            else:
                kw = {"validation": (X[:30], y[:30])} if name.startswith("Validated") else {}
                obj().fit(X, y, **kw).predict(X)
            fitted.append(name)
        lm.LinearRegression(inference=True).fit(X, y).results_.summary()
        lm.Ridge().fit(sparse.csr_matrix(X), y).predict(sparse.csr_matrix(X))
        lm.Lasso(alpha=0.1).fit(sparse.csr_matrix(X), y)
        # Mini-batch and stochastic descent walk the rows themselves (the default is full batch).
        for kw in ({"batch_size": 16}, {"batch_size": 1, "penalty": "l1", "alpha": 0.01}):
            lm.GradientDescentRegressor(max_epochs=3, **kw).fit(X, y, sample_weight=np.ones(120)).predict(X)
        lm.GradientDescentRegressor(batch_size=16, max_epochs=3, dtype="float32").fit(X, y)
        fitted += ["inference", "sparse Ridge", "sparse Lasso", "mini-batch GD"]
    torch_loaded = sys.modules.get("torch") is not None
    try:  # a GPU asked for: torch is imported now (when installed) to look for one
        lm.LinearRegression(device="cuda").fit(X, y)
        cuda_error = None
    except Exception as err:
        cuda_error = f"{type(err).__name__}: {err}"
    print(json.dumps({"fitted": fitted, "torch": torch_loaded, "cuda_error": cuda_error, "cpu_blas": blas.CPU_BLAS}))
    """
)


def run(block_torch: bool, cpu_blas: str | None, as_intel: bool = False) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "LINREG_CPU_BLAS"}
    if cpu_blas is not None:
        env["LINREG_CPU_BLAS"] = cpu_blas
    code = f"BLOCK_TORCH = {block_torch}\nAS_INTEL = {as_intel}\n" + FIT_EVERYTHING
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_every_cpu_fit_on_numpy_input_runs_without_importing_torch():
    # NumPy's statistics pass, named explicitly: unset, an Intel CPU with MKL would choose torch's.
    result = run(block_torch=False, cpu_blas="numpy")
    assert set(lm.__all__) <= set(result["fitted"])
    assert result["torch"] is False


def test_every_cpu_fit_works_when_torch_is_not_installed():
    result = run(block_torch=True, cpu_blas=None)
    assert set(lm.__all__) <= set(result["fitted"])
    # Asking for a GPU without torch is a DeviceError that says what to install.
    assert result["cuda_error"].startswith("DeviceError") and "[torch] extra" in result["cuda_error"]


def test_an_intel_cpu_with_torch_installed_fits_small_designs_without_importing_torch():
    # Unset, an Intel CPU with torch chooses by size: torch's MKL pass only where it pays (a pass that
    # threads), NumPy's for these 120 × 4 fits, so no fit imports torch to ask whether it has MKL.
    result = run(block_torch=False, cpu_blas=None, as_intel=True)
    assert result["cpu_blas"] == "by-size"
    assert set(lm.__all__) <= set(result["fitted"])
    assert result["torch"] is False


def test_the_torch_cpu_pass_still_means_torch():
    # LINREG_CPU_BLAS keeps its meaning: torch's pass on the CPU (so torch is imported for it).
    assert run(block_torch=False, cpu_blas="torch")["torch"] is True


ESTIMATORS = {
    "LinearRegression": lambda: lm.LinearRegression(),
    "LinearRegression(qr)": lambda: lm.LinearRegression(solver="qr"),
    "Ridge": lambda: lm.Ridge(alpha=3.0),
    "Lasso": lambda: lm.Lasso(alpha=0.05, tol=1e-12, max_iter=100_000),
    "ElasticNet": lambda: lm.ElasticNet(alpha=0.05, tol=1e-12, max_iter=100_000),
    "RidgeCV": lambda: lm.RidgeCV(),
    "LassoCV": lambda: lm.LassoCV(cv=3, tol=1e-12, max_iter=100_000),
    "GradientDescentRegressor": lambda: lm.GradientDescentRegressor(max_epochs=200, tol=0.0),
    # The same seeded row order on both (shuffle.epoch_order's integers): 40 epochs × 13 steps.
    "GradientDescentRegressor(batch_size=16)": lambda: lm.GradientDescentRegressor(
        batch_size=16, max_epochs=40, tol=0.0, random_state=0
    ),
    "GradientDescentRegressor(batch_size=1, l1)": lambda: lm.GradientDescentRegressor(
        batch_size=1, max_epochs=3, tol=0.0, random_state=1, penalty="l1", alpha=0.01
    ),
}


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_numpy_and_torch_inputs_run_the_same_solver_to_rounding(name):
    # One code path over two array libraries: NumPy input gives NumPy statistics (NumPy's pass), torch
    # tensors give torch statistics, and every solver after them is the same code. The statistics agree
    # to float64 rounding of 200-term sums, and on this design (κ_eq(XᵀX) < 10) the fits to within
    # 1e-12 relative (κ·u ≈ 1e-15, with 1000× for the iterative solvers' many steps).
    rng = np.random.default_rng(3)
    X = rng.standard_normal((200, 5))
    y = X @ [1.0, -2.0, 0.5, 0.0, 0.3] + 1.0 + 0.1 * rng.standard_normal(200)
    a = ESTIMATORS[name]().fit(X, y)
    b = ESTIMATORS[name]().fit(torch.from_numpy(X), torch.from_numpy(y))
    scale = np.abs(a.coef_).max()
    assert np.abs(a.coef_ - b.coef_).max() <= 1e-12 * scale
    assert abs(a.intercept_ - b.intercept_) <= 1e-12 * max(1.0, abs(a.intercept_))
