"""pyproject.toml tells the truth: the oldest Python it declares installs every pin, and each extra has a job."""

from __future__ import annotations

import importlib.metadata
import re
import sys
import tomllib

import pytest

from ..conftest import REPO

PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
OLDEST = tuple(int(x) for x in re.fullmatch(r">=\s*(\d+)\.(\d+)", PROJECT["requires-python"]).groups())


def pins() -> dict[str, str]:
    lines = (REPO / "constraints.txt").read_text().splitlines()
    return dict(line.split("==") for line in lines if line and not line.startswith("#"))


@pytest.mark.skipif(sys.version_info[:2] != OLDEST, reason=f"checks the oldest declared Python, {OLDEST}")
def test_the_oldest_declared_python_installed_every_pin():
    """This environment is `make setup` on the oldest Python requires-python allows: every pin resolved here."""
    installed = {}
    for name in pins():
        try:
            installed[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed[name] = None
    assert {n: v for n, v in installed.items() if v != pins()[n]} == {}


def test_the_library_needs_only_its_own_dependencies():
    core = {re.split(r"[<>=\[ ]", d)[0].lower() for d in PROJECT["dependencies"]}
    assert core == {"numpy", "scipy", "array-api-compat", "scikit-learn", "threadpoolctl"}  # torch: an extra
    assert {"torch", "dask", "frames", "pipeline", "docs", "dev"} <= set(PROJECT["optional-dependencies"])


def test_the_readme_says_what_each_extra_is_for():
    readme = (REPO / "README.md").read_text()
    for extra in ("dask", "frames", "pipeline", "docs", "dev"):
        assert f"`[{extra}]`" in readme, extra
