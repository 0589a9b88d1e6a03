"""The library installs and runs with only its own dependencies (numpy, scipy, torch, scikit-learn, threadpoolctl)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from ..conftest import REPO

# Every public estimator and function, fitted and used as a library user would.
USE_EVERY_ESTIMATOR = textwrap.dedent("""
    import numpy as np
    from linreg.models import (ElasticNet, ElasticNetCV, GradientDescentRegressor, Lasso, LassoCV,
                               LinearRegression, Ridge, RidgeCV, ValidatedElasticNet, ValidatedLasso,
                               ValidatedRidge, enet_path, lasso_path)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 4)); y = X @ [1.0, -2.0, 0.0, 0.5] + 3 + 0.1 * rng.standard_normal(300)
    Xv, yv = X[:100], y[:100]
    for est in (LinearRegression(), Ridge(1.0), Lasso(0.01), ElasticNet(0.01), GradientDescentRegressor(),
                RidgeCV(), LassoCV(), ElasticNetCV()):
        assert est.fit(X, y).score(X, y) > 0.99, est
    for est in (ValidatedRidge(), ValidatedLasso(), ValidatedElasticNet()):
        assert est.fit(X, y, validation=(Xv, yv)).score(X, y) > 0.99, est
    assert lasso_path(X, y)[1].shape[0] == 4 and enet_path(X, y)[1].shape[0] == 4
    res = LinearRegression(inference=True).fit(X, y).results_
    assert "coef" in str(res.summary()) and (res.pvalues[1:3] < 1e-10).all()
    import sys
    print(sorted(m.split(".")[0] for m in sys.modules if m.split(".")[0] in {blocked!r}))
""")
PIPELINE_ONLY = ("dvc", "distributed", "dask", "pandas", "statsmodels", "matplotlib", "pyarrow", "yaml", "pydantic")
BLOCKER = textwrap.dedent("""
    import importlib.abc, sys
    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.split(".")[0] in {blocked!r}:
                raise ImportError(f"{{name}} is not installed (blocked by the test)")
    sys.meta_path.insert(0, Block())
""")


def test_every_estimator_runs_with_the_pipeline_packages_absent():
    """In this environment, with dvc, dask, pandas, statsmodels, matplotlib… made unimportable."""
    code = BLOCKER.format(blocked=PIPELINE_ONLY) + USE_EVERY_ESTIMATOR.format(blocked=PIPELINE_ONLY)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
def test_pip_install_of_the_library_alone_in_a_fresh_venv(tmp_path):
    """``pip install .`` into a new venv (the pinned CPU torch first, as `make setup` does), then every estimator.

    Needs the package index (or pip's cache): CI machines have PyPI."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = str(venv / "bin" / "python")
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PYTHONPATH", None)
    torch = subprocess.run(
        [sys.executable, "-c", "import torch; print(torch.__version__.split('+')[0])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    source = tmp_path / "linreg"  # a copy: building in the checkout would leave build/ there
    shutil.copytree(REPO / "src", source / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    for args in (["torch==" + torch], ["-c", str(REPO / "constraints.txt"), str(source)]):
        done = subprocess.run([py, "-m", "pip", "install", "--quiet", *args], capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr[-3000:]
    listed = subprocess.run(
        [py, "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True, check=True
    ).stdout.lower()
    present = [
        m
        for m in ("dvc", "dask", "distributed", "pandas", "statsmodels", "matplotlib", "pyarrow")
        if f"\n{m}==" in "\n" + listed
    ]
    assert present == [], f"installing the library pulled pipeline packages: {present}"
    out = subprocess.run(
        [py, "-c", USE_EVERY_ESTIMATOR.format(blocked=PIPELINE_ONLY)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert out.returncode == 0, out.stderr[-3000:]
