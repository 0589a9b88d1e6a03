"""The package as PyPI sees it: a distribution name of its own, extras that hold what each subpackage imports,
and a wheel and an sdist that build and pass ``twine check``."""

from __future__ import annotations

import ast
import email.parser
import importlib.metadata
import importlib.util
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]
NOT_FOR_THE_LIBRARY = {"pipeline", "docs", "dev", "quarto"}  # extras the library's own code may not rely on


def requirements(project: dict, extras: set[str]) -> set[str]:
    """The distributions installing the project with ``extras`` pulls directly, self-references followed."""
    names: set[str] = set()
    todo, seen = [None, *extras], set()
    while todo:
        extra = todo.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for line in project["dependencies"] if extra is None else project["optional-dependencies"][extra]:
            req = Requirement(line)
            if canonicalize_name(req.name) == canonicalize_name(project["name"]):
                todo += sorted(req.extras)
            else:
                names.add(canonicalize_name(req.name))
    return names


def third_party_imports(folder: Path, *, lazy: bool) -> dict[str, str]:
    """Top-level module imported → the first file importing it: module-level imports, or also those inside
    functions (``lazy``)."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text())
        nodes = ast.walk(tree) if lazy else iter(tree.body)
        for node in nodes:
            if isinstance(node, ast.If) and not lazy:  # `if TYPE_CHECKING:` blocks do not run
                continue
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                root = name.split(".")[0]
                if root not in sys.stdlib_module_names and root != "linreg":
                    found.setdefault(root, str(path.relative_to(REPO)))
    return found


def uncovered(imports: dict[str, str], allowed: set[str]) -> list[str]:
    """Imports whose distribution (as installed here) the allowed requirements do not name."""
    providers = importlib.metadata.packages_distributions()
    bad = []
    for module, where in sorted(imports.items()):
        dists = {canonicalize_name(d) for d in providers.get(module, [])}
        if not dists & allowed:
            bad.append(f"{module} (imported by {where}; installed from {sorted(dists) or 'nothing'})")
    return bad


def test_the_distribution_has_a_name_of_its_own():
    # "linreg" on PyPI is an unrelated package: a self-reference by that name would install it.
    assert canonicalize_name(PROJECT["name"]) != "linreg"
    for lines in PROJECT["optional-dependencies"].values():
        for line in lines:
            assert canonicalize_name(Requirement(line).name) != "linreg", line


def test_the_pipeline_extra_holds_what_the_pipeline_imports():
    imports = third_party_imports(REPO / "src" / "linreg" / "pipeline", lazy=True)
    assert uncovered(imports, requirements(PROJECT, {"pipeline"})) == []


def test_the_library_imports_its_dependencies_and_its_own_extras_only():
    library = REPO / "src" / "linreg" / "models"
    assert uncovered(third_party_imports(library, lazy=False), requirements(PROJECT, set())) == []
    own_extras = set(PROJECT["optional-dependencies"]) - NOT_FOR_THE_LIBRARY
    assert uncovered(third_party_imports(library, lazy=True), requirements(PROJECT, own_extras)) == []


def test_the_check_catches_a_missing_requirement():
    project = {**PROJECT, "optional-dependencies": dict(PROJECT["optional-dependencies"])}
    project["optional-dependencies"]["pipeline"] = [
        r for r in project["optional-dependencies"]["pipeline"] if Requirement(r).name != "pydantic"
    ]
    imports = third_party_imports(REPO / "src" / "linreg" / "pipeline", lazy=True)
    found = uncovered(imports, requirements(project, {"pipeline"}))
    assert len(found) == 1 and found[0].startswith("pydantic (imported by src/linreg/pipeline/")


def test_the_pipeline_without_its_extra_names_the_extra():
    code = (
        "import importlib.util, sys\n"
        "find = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda name, *a: None if name == 'pydantic' else find(name, *a)\n"
        "import linreg.pipeline.training\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert out.returncode != 0
    assert "linreg.pipeline needs pydantic" in out.stderr and "linreg-models[pipeline]" in out.stderr, out.stderr


def setuptools_builds_wheels() -> bool:
    # bdist_wheel is part of setuptools from 70.1 (pyproject.toml's build-system), so --no-isolation needs no index.
    if importlib.util.find_spec("setuptools") is None:
        return False
    major, minor = (int(x) for x in importlib.metadata.version("setuptools").split(".")[:2])
    return (major, minor) >= (70, 1)


@pytest.mark.slow
def test_the_wheel_and_sdist_build_pass_twine_and_carry_the_extras(tmp_path):
    """``python -m build`` (offline: --no-isolation, this environment's setuptools), ``twine check --strict``."""
    for tool in ("build", "twine"):
        if importlib.util.find_spec(tool) is None:
            pytest.skip(f"{tool} is not installed (it comes with the [dev] extra)")
    if not setuptools_builds_wheels():
        pytest.skip("setuptools >= 70.1 is not installed, and an isolated build needs the package index")
    source = tmp_path / "src-copy"  # building in the checkout would leave build/ and *.egg-info there
    shutil.copytree(REPO / "src", source / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    dist = tmp_path / "dist"
    done = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(source)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    checked = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", str(wheel), str(sdist)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr

    with zipfile.ZipFile(wheel) as whl:
        files = set(whl.namelist())
        metadata = email.parser.Parser().parsestr(
            whl.read(next(f for f in files if f.endswith(".dist-info/METADATA"))).decode()
        )
    assert canonicalize_name(metadata["Name"]) == canonicalize_name(PROJECT["name"])
    assert {"linreg/models/__init__.py", "linreg/models/solvers.py", "linreg/pipeline/__init__.py"} <= files
    assert not any(f.startswith(("tests/", "stages/")) for f in files)
    assert set(metadata.get_all("Provides-Extra")) == set(PROJECT["optional-dependencies"])
    by_extra: dict[str | None, set[str]] = {}
    for line in metadata.get_all("Requires-Dist"):
        req = Requirement(line)
        extra = next(
            (e for e in PROJECT["optional-dependencies"] if req.marker and req.marker.evaluate({"extra": e})), None
        )
        by_extra.setdefault(extra, set()).add(canonicalize_name(req.name))
    assert by_extra[None] == requirements(PROJECT, set())  # the library's own, nothing of the pipeline's
    for extra, lines in PROJECT["optional-dependencies"].items():
        assert by_extra[extra] == {canonicalize_name(Requirement(r).name) for r in lines}, extra
    assert {"pydantic", "dvc", "pandas", "matplotlib", "nbclient"} <= requirements(PROJECT, {"pipeline"})

    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert {"pyproject.toml", "README.md", "src/linreg/models/__init__.py"} <= names
