"""The two layers, both ways: the library (linreg.models) imports nothing of the pipeline, nor the pipeline's
packages; the pipeline (src/linreg/pipeline, stages/, the report's cells) uses only the library's declared
surface — ``linreg.models.__all__`` and the ``__all__`` of each module in ``linreg.models.SECOND_TIER`` — and
reaches for none of its private attributes."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

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
    files["src/linreg/models/_linear.py"] += f"\n{line}\n"
    assert upward_imports(files) == [f"src/linreg/models/_linear.py: {message}"]


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


def library_modules() -> list[str]:
    return sorted(
        ".".join(p.relative_to(REPO / "src").with_suffix("").parts).removesuffix(".__init__")
        for p in LIBRARY.rglob("*.py")
    )


def public_undeclared(modules: list[str], second_tier: tuple[str, ...]) -> list[str]:
    """Modules whose names look public (no part starts with ``_``) but that are neither ``linreg.models``, a
    second-tier module nor inside a second-tier package: internal code must say so in its name."""
    declared = ("linreg.models", *second_tier)
    return [
        m
        for m in modules
        if not any(part.startswith("_") for part in m.split(".")[2:])
        and not any(m == d or m.startswith(d + ".") for d in declared[1:])
        and m != declared[0]
    ]


def test_every_module_outside_the_declared_surface_is_private():
    # A merge that brings back an old public name (linear.py beside _linear.py) or a new module without an
    # underscore fails here, rather than widening the surface unnoticed.
    import linreg.models

    assert public_undeclared(library_modules(), linreg.models.SECOND_TIER) == []
    assert public_undeclared([*library_modules(), "linreg.models.linear"], linreg.models.SECOND_TIER) == [
        "linreg.models.linear"
    ]


# --- the other direction: the pipeline uses only the library's declared names ------------------------

PIPELINE = (REPO / "src" / "linreg" / "pipeline", REPO / "stages")
REPORT = REPO / "reports"
CELL = re.compile(r"^```\{python\}[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)  # as linreg.pipeline.report.qmd
INLINE = re.compile(r"`\{python\}[ \t]+([^`]+?)[ \t]*`")


def pipeline_sources() -> dict[str, str]:
    """The pipeline's Python, and the code of the report's cells and inline expressions, by file."""
    files = {str(p.relative_to(REPO)): p.read_text() for root in PIPELINE for p in sorted(root.rglob("*.py"))}
    for p in sorted(REPORT.rglob("*.py")):
        files[str(p.relative_to(REPO))] = p.read_text()
    for p in sorted(REPORT.rglob("*.qmd")):
        text = p.read_text()
        code = [m.group(1) for m in CELL.finditer(text)] + [f"({m.group(1)})" for m in INLINE.finditer(text)]
        files[str(p.relative_to(REPO))] = "\n".join(code)
    return files


def declared_surface() -> dict[str, set[str]]:
    """Declared module → its declared names: linreg.models and its second tier."""
    import linreg.models

    modules = ("linreg.models", *linreg.models.SECOND_TIER)
    return {m: set(importlib.import_module(m).__all__) for m in modules}


def is_private(name: str) -> bool:
    """``_x``, but not a dunder (``__x__``) nor a protocol hook such as IPython's ``_repr_markdown_``."""
    return name.startswith("_") and not name.endswith("_")


def private_definitions(files: dict[str, str]) -> set[str]:
    """Private names a body of code defines: functions, classes, module names and ``self._x`` attributes."""
    names = set()
    for source in files.values():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
    return {n for n in names if is_private(n)}


def dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of attributes on a name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join([node.id, *reversed(parts)]) if isinstance(node, ast.Name) else None


def undeclared_uses(files: dict[str, str], surface: dict[str, set[str]], library_private: set[str]) -> list[str]:
    """Every import of an internal library module or undeclared name, every use of one through a module
    attribute (``lm.LinearModel``), and every access to a private attribute the library defines."""

    def check(where: str, module: str, name: str | None) -> str | None:
        if module not in surface:
            return f"{where}: imports {module}, an internal module (declared: {', '.join(sorted(surface))})"
        if name is not None and name not in surface[module] and f"{module}.{name}" not in surface:
            return f"{where}: uses {module}.{name}, which is not in {module}.__all__"
        return None

    own_private = private_definitions(files)
    bad: list[str | None] = []
    for where, source in files.items():
        tree = ast.parse(source)
        aliases: dict[str, str] = {}  # a local name → the library module it is bound to
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module == "linreg.models" or node.module.startswith("linreg.models."):
                    bad += [check(where, node.module, a.name) for a in node.names]
                elif node.module == "linreg" and any(a.name == "models" for a in node.names):
                    aliases[next(a.asname or "models" for a in node.names if a.name == "models")] = "linreg.models"
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name == "linreg.models" or a.name.startswith("linreg.models."):
                        bad.append(check(where, a.name, None))
                        aliases[a.asname] = a.name if a.asname else None  # type: ignore[assignment]
                    if a.name.split(".")[0] == "linreg" and a.asname is None:
                        aliases["linreg"] = "linreg"
        aliases.pop(None, None)  # type: ignore[call-overload]
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute):
                continue
            if node.attr in library_private and node.attr not in own_private:
                bad.append(f"{where}:{node.lineno}: uses the library's private attribute {node.attr}")
            path = dotted(node)
            head = path.split(".")[0] if path else None
            if head not in aliases or aliases[head] is None:
                continue
            full = aliases[head] + path[len(head) :]  # type: ignore[index]
            module = max((m for m in surface if full.startswith(m + ".")), key=len, default=None)
            if module is not None:
                bad.append(check(f"{where}:{node.lineno}", module, full[len(module) + 1 :].split(".")[0]))
    return sorted({b for b in bad if b})


def test_the_pipeline_uses_only_the_declared_surface():
    library_private = private_definitions(library_sources())
    assert undeclared_uses(pipeline_sources(), declared_surface(), library_private) == []


@pytest.mark.parametrize(
    "line, message",
    [
        ("from linreg.models._enet import solve_enet", "imports linreg.models._enet, an internal module"),
        ("import linreg.models._base", "imports linreg.models._base, an internal module"),
        ("from linreg.models.solvers import cd_gram", "uses linreg.models.solvers.cd_gram, which is not in"),
        ("from linreg.models import LinearModel", "uses linreg.models.LinearModel, which is not in"),
        ("import linreg.models as lm\nlm.LinearModel", "uses linreg.models.LinearModel, which is not in"),
        ("import linreg.models\nlinreg.models.numerics.cd_gram", "uses linreg.models.numerics.cd_gram, which is"),
        ("est._held_out_stats(X, y)", "uses the library's private attribute _held_out_stats"),
    ],
)
def test_the_check_catches_an_undeclared_use(line, message):
    files = pipeline_sources()
    files["src/linreg/pipeline/training.py"] += f"\n{line}\n"
    found = undeclared_uses(files, declared_surface(), private_definitions(library_sources()))
    assert len(found) == 1 and found[0].startswith("src/linreg/pipeline/training.py") and message in found[0], found


def test_the_second_tier_declares_what_it_loads():
    """Each new second-tier module: ``__all__`` is its lazy map, every name loads and is described in the
    module's docstring, and the names mypy is shown (``if TYPE_CHECKING:``) come from the modules the map
    loads them from."""
    import linreg.models

    for module in linreg.models.SECOND_TIER:
        mod = importlib.import_module(module)
        for name in mod.__all__:
            assert getattr(mod, name) is not None
        exports = getattr(mod, "_EXPORTS", None)
        if exports is None:  # linreg.models.stats: an ordinary package, documented in docs/api/internals.md
            continue
        undescribed = [name for name in mod.__all__ if f"* ``{name}`` — " not in (mod.__doc__ or "")]
        assert not undescribed, f"{module}'s docstring does not describe {undescribed}"
        assert sorted(exports) == mod.__all__
        source = ast.parse((REPO / "src" / Path(*module.split("."))).with_suffix(".py").read_text())
        typed = {
            a.asname or a.name: n.module
            for top in source.body
            if isinstance(top, ast.If) and getattr(top.test, "id", None) == "TYPE_CHECKING"
            for n in top.body
            if isinstance(n, ast.ImportFrom)
            for a in n.names
        }
        assert typed == exports, module


def test_the_second_tier_loads_only_what_is_asked_for():
    # The data stages take tree_merge and pairwise_sum from linreg.models.numerics: that must not load torch
    # (a second or more per stage on a 2-core machine) nor the estimators.
    code = (
        "import sys\n"
        "from linreg.models.numerics import UNDERFLOW_SCALE, pairwise_sum, tree_merge\n"
        "import linreg.models.solvers, linreg.models.inference, linreg.models.runtime\n"
        "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('linreg.models.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    loaded = ast.literal_eval(out.stdout.strip())
    assert loaded == [
        "linreg.models._lazy",
        "linreg.models._limits",
        "linreg.models._reduce",
        "linreg.models.inference",
        "linreg.models.numerics",
        "linreg.models.runtime",
        "linreg.models.solvers",
    ]
