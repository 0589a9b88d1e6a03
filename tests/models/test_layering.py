"""The library (linreg.models) stands alone: it imports nothing of the pipeline, nor the pipeline's packages."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from ..conftest import REPO

LIBRARY = REPO / "src" / "linreg" / "models"
# What the pipeline needs and the library must not: installing the library does not install these.
PIPELINE_ONLY = (
    "dvc",
    "distributed",
    "dask",
    "pandas",
    "statsmodels",
    "matplotlib",
    "pyarrow",
    "yaml",
    "pydantic",
    "nbclient",
    "nbformat",
    "ipykernel",
    "pypandoc",
    "altair",
    "vl_convert",
    "tqdm",
)
# Imported inside functions, only when the user hands over that kind of input or asks for that output.
OPTIONAL = {
    "dask": "Dask arrays (linreg[dask])",
    "pandas": "summary_frame(), pandas results (linreg[frames])",
    "matplotlib": "plot_diagnostics() (linreg[plots])",
}


def imports(source: str) -> list[tuple[str, bool]]:
    """(module, at module level?) for every import in a source text, lazy imports included."""
    tree = ast.parse(source)
    top = {id(n) for n in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, id(node) in top))
    return found


def upward_imports(files: dict[str, str]) -> list[str]:
    """Imports of linreg outside linreg.models, and module-level imports of the pipeline's packages."""
    bad = []
    for name, source in files.items():
        for module, top in imports(source):
            root = module.split(".")[0]
            if root == "linreg" and module != "linreg" and not module.startswith("linreg.models"):
                bad.append(f"{name}: imports {module}")
            elif root in PIPELINE_ONLY and (top or root not in OPTIONAL):
                bad.append(f"{name}: imports {module}" + (" at module level" if top else ""))
    return bad


def library_sources() -> dict[str, str]:
    return {str(p.relative_to(REPO)): p.read_text() for p in sorted(LIBRARY.rglob("*.py"))}


def test_the_library_imports_nothing_of_the_pipeline():
    assert upward_imports(library_sources()) == []


@pytest.mark.parametrize(
    "line, message",
    [
        ("from linreg.pipeline.io import read_xy", "imports linreg.pipeline.io"),
        ("import linreg.pipeline.params", "imports linreg.pipeline.params"),
        ("import pandas as pd", "imports pandas at module level"),
        ("from dvc.api import params_show", "imports dvc.api at module level"),
    ],
)
def test_the_check_catches_an_upward_import(line, message):
    files = library_sources()
    files["src/linreg/models/linear.py"] += f"\n{line}\n"
    assert upward_imports(files) == [f"src/linreg/models/linear.py: {message}"]


def test_importing_every_library_module_loads_no_pipeline_package():
    """The same, at run time: what importing each module of the library loads beyond what its own dependencies
    load (scikit-learn, for one, imports pandas when it is installed; test_library_alone.py runs without it)."""
    modules = sorted(
        ".".join(p.relative_to(REPO / "src").with_suffix("").parts).removesuffix(".__init__")
        for p in LIBRARY.rglob("*.py")
    )
    deps = [
        "numpy",
        "scipy.linalg",
        "scipy.sparse",
        "scipy.stats",
        "torch",
        "threadpoolctl",
        "sklearn.base",
        "sklearn.exceptions",
        "sklearn.metrics",
        "sklearn.model_selection",
        "sklearn.utils.validation",
        "sklearn.utils._param_validation",
    ]
    code = (
        "import importlib, sys\n"
        f"for m in {deps!r}: importlib.import_module(m)\n"
        "before = set(sys.modules)\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "import linreg.models as lm\n"
        "for name in lm.__all__: getattr(lm, name)\n"
        f"print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] in {PIPELINE_ONLY!r} "
        "or m.startswith('linreg.pipeline')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "[]", out.stdout
