"""The pipeline as DVC sees it: every stage runs its real main() on tiny params, reads
exactly the params it declares, writes exactly the outputs dvc.yaml declares, and when it
fails leaves every output of every stage as it was."""

from __future__ import annotations

import errno
import importlib
import shutil
import signal
from pathlib import Path

import pytest
import yaml

from ..conftest import REPO, needs_report_tools, write_params

pytestmark = pytest.mark.slow  # runs every stage's main() on tiny params

DVC = yaml.safe_load((REPO / "dvc.yaml").read_text())
STAGES = [pytest.param(s, marks=needs_report_tools) if s == "report" else s for s in DVC["stages"]]


def declared_outputs(stage: dict) -> list[str]:
    paths = []
    for section in ("outs", "metrics", "plots"):
        for entry in stage.get(section, []):
            paths.append(entry if isinstance(entry, str) else next(iter(entry)))
    return paths


@pytest.mark.parametrize("stage", STAGES)
def test_stage_reads_exactly_its_declared_params(pipeline_run, stage):
    _, reads, _ = pipeline_run
    assert reads[stage] == set(DVC["stages"][stage].get("params", []))


@pytest.mark.parametrize("stage", STAGES)
def test_stage_writes_exactly_its_declared_outputs(pipeline_run, stage):
    root, _, writes = pipeline_run
    declared = declared_outputs(DVC["stages"][stage])
    for out in declared:
        assert (root / out).exists(), f"{stage} declares {out} but did not write it"
    stray = [str(f) for f in writes[stage] if not any(f == Path(o) or Path(o) in f.parents for o in declared)]
    assert not stray, f"{stage} wrote files dvc.yaml does not declare: {stray}"


@pytest.mark.parametrize("stage", STAGES)
def test_declared_deps_exist(pipeline_run, stage):
    root, _, _ = pipeline_run
    for dep in DVC["stages"][stage].get("deps", []):
        assert (REPO / dep).exists() or (root / dep).exists(), f"{stage}: dep {dep} does not exist"


def test_top_level_metrics_and_plots_are_produced(pipeline_run):
    """Every file under metrics: and plots: exists, with the columns each plot names."""
    import pandas as pd

    root, _, _ = pipeline_run
    for path in DVC.get("metrics", []):
        assert (root / path).is_file(), path
    for entry in DVC.get("plots", []):
        name, spec = next(iter(entry.items())) if isinstance(entry, dict) else (entry, None)
        if spec is None:
            assert (root / name).exists(), name
            continue
        for path, fields in spec["y"].items():
            columns = pd.read_csv(root / path, nrows=1).columns
            for field in [fields] if isinstance(fields, str) else fields:
                assert field in columns, f"plot {name!r}: {path} has no column {field!r}"
            assert spec["x"] in columns, f"plot {name!r}: {path} has no column {spec['x']!r}"
        template = spec.get("template")
        if template and template not in ("linear", "scatter", "smooth", "simple", "bar_horizontal"):
            assert (REPO / ".dvc" / "plots" / f"{template}.json").is_file(), template


# --- no failure deletes an output --------------------------------------------------------------------

FAILURES = {
    "exception": lambda: RuntimeError("injected"),
    "ctrl-c": KeyboardInterrupt,
    "full disk": lambda: OSError(errno.ENOSPC, "No space left on device"),
}
# The failing run's params differ where each stage reads them, so any output it let through would differ
# from the previous run's; and they are smaller, so the stages reach their last write sooner.
CHANGED = {
    "base": {"seed": 7},
    "scale": {"method": "minmax"},
    "train": {"gd": {"max_epochs": 20}, "path": {"n_alphas": 3}, "lr_sweep": {"epochs": 5}},
    "evaluate": {
        "bootstrap_resamples": 10,
        "learning_curve_fractions": [0.5, 1.0],
        "poly_max_degree": 2,
        "regimes": [{"name": "few", "n_samples": 40, "noise_std": 1.0, "correlation": 0.5}],
        "regime_repeats": 2,
    },
    "benchmark": {"default": {"sizes": [[200, 3]], "repeats": 1, "warmup": 0}, "dtypes": ["float64"]},
}


def outputs_of_every_stage(root: Path) -> dict[str, bytes]:
    """Every file under the project: each stage's outputs, and anything a failed stage left (a temporary file)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def built(pipeline_run, tmp_path_factory):
    """A copy of the pipeline's outputs, with params.yaml changed as a user would before the failing run."""
    root = tmp_path_factory.mktemp("built") / "project"
    shutil.copytree(pipeline_run[0], root)
    write_params(root, CHANGED)
    return root, pipeline_run[2]


FAILING = [
    pytest.param(s, f, id=f"{s}-{f}", marks=[needs_report_tools] if s == "report" else [])
    for s, f in zip(DVC["stages"], list(FAILURES) * len(DVC["stages"]))
]


@pytest.mark.parametrize("stage, failure", FAILING)
def test_a_stage_that_fails_after_writing_changes_no_output(built, stage, failure, monkeypatch, caplog):
    """Each stage fails at its last write, or at its first figure (drawing them all only costs time), with
    params changed where it reads them: any output it let through would differ from the previous run's."""
    from linreg.pipeline import io

    root, writes = built
    before = outputs_of_every_stage(root)
    last, calls = len(writes[stage]), []  # every file a stage writes goes through io.atomic_path
    atomic_path = io.atomic_path

    def failing_at_the_last(path):
        calls.append(path)
        if len(calls) == last:
            raise FAILURES[failure]()
        return atomic_path(path)

    def failing_figure(path, fig, **kwargs):
        calls.append(path)
        raise FAILURES[failure]()

    monkeypatch.setattr(io, "atomic_path", failing_at_the_last)
    monkeypatch.setattr(io, "write_figure", failing_figure)
    monkeypatch.setattr("linreg.pipeline.report.render.atomic_path", failing_at_the_last)
    monkeypatch.setattr(signal, "signal", lambda *a: None)  # pytest keeps its own Ctrl-C handler
    monkeypatch.chdir(root)
    from linreg.pipeline import stage as stage_module
    from linreg.pipeline.paths import project_paths

    with pytest.raises(SystemExit) as stop:
        stage_module.run(importlib.import_module(f"stages.{stage}").main, stage)
    assert calls and (len(calls) == last or calls[-1].suffix == ".png"), f"{stage} stopped before writing"
    assert stop.value.code == (130 if failure == "ctrl-c" else 1)
    after = outputs_of_every_stage(root)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert changed in ([], [str(project_paths(root).failure_traceback(stage).relative_to(root))]), changed
    lines = [r.getMessage() for r in caplog.records if r.name == f"linreg.{stage}" and r.levelname == "ERROR"]
    assert len(lines) == 1 and "\n" not in lines[0] and "Nothing was replaced" in lines[0], lines


# --- dvc.yaml declares every module a stage runs --------------------------------------------------


def linreg_imports(source: str) -> set[str]:
    """Every ``linreg`` module a source text imports, anywhere in it (lazy imports included), except under
    ``if TYPE_CHECKING:`` (names shown to mypy, never run)."""
    import ast

    tree = ast.parse(source)
    for node in ast.walk(tree):  # drop TYPE_CHECKING blocks before collecting
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            node.body = [ast.Pass()]
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return {n for n in names if n.split(".")[0] == "linreg"}


def lazy_exports(module: Path) -> dict[str, str]:
    """A module's lazily loaded names (``_EXPORTS``, as linreg.models and its second tier have): name → module."""
    import ast

    for node in ast.parse(module.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "_EXPORTS" for t in node.targets):
            return ast.literal_eval(node.value)
    return {}


def module_file(name: str) -> Path | None:
    base = REPO / "src" / Path(*name.split("."))
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    package, _, attr = name.rpartition(".")
    parent = module_file(package) if package.startswith("linreg") else None
    if parent is not None and attr in lazy_exports(parent):  # `from linreg.models.numerics import tree_merge`
        return module_file(lazy_exports(parent)[attr])
    return None  # an attribute (function, class), not a module


def import_closure(sources: list[str]) -> set[str]:
    """The files of src/linreg a stage executes: its imports, theirs, and every package __init__ on the way."""
    seen: set[Path] = set()
    todo = list(sources)
    while todo:
        for name in linreg_imports(todo.pop()):
            parts = name.split(".")
            for k in range(1, len(parts) + 1):
                found = module_file(".".join(parts[:k]))
                if found is not None and found not in seen:
                    seen.add(found)
                    todo.append(found.read_text())
    return {str(p.relative_to(REPO)) for p in seen}


def stage_sources(stage: str) -> list[str]:
    sources = [(REPO / "stages" / f"{stage}.py").read_text()]
    if stage == "report":  # the report's cells (its chapters' included) import the library too
        from linreg.pipeline.report.qmd import Code, parse_file

        doc = parse_file(REPO / "reports" / "report.qmd")
        sources.append("\n".join(b.source for b in doc.blocks if isinstance(b, Code)))
    return sources


def undeclared(stage: str, dvc: dict) -> list[str]:
    deps = [d if isinstance(d, str) else next(iter(d)) for d in dvc["stages"][stage].get("deps", [])]
    return sorted(
        f
        for f in import_closure(stage_sources(stage))
        if not any(f == d or f.startswith(d.rstrip("/") + "/") for d in deps)
    )


@pytest.mark.parametrize("stage", list(DVC["stages"]))
def test_dvc_yaml_declares_the_stage_import_closure(stage):
    # Otherwise a changed solver leaves this stage's outputs stale while `dvc status` says up to date.
    assert undeclared(stage, DVC) == [], f"add these to stages.{stage}.deps in dvc.yaml"


def report_source_undeclared(dvc: dict) -> list[str]:
    """The report's source files (report.qmd and every chapter it includes) that its stage does not declare."""
    from linreg.pipeline.report.qmd import parse_file

    deps = [d if isinstance(d, str) else next(iter(d)) for d in dvc["stages"]["report"].get("deps", [])]
    files = ["reports/report.qmd"] + [f"reports/{rel}" for rel in parse_file(REPO / "reports" / "report.qmd").includes]
    return [f for f in files if not any(f == d or f.startswith(d.rstrip("/") + "/") for d in deps)]


def test_the_report_stage_declares_every_chapter_it_includes():
    # An undeclared chapter: editing it would leave report.html stale while `dvc status` says up to date.
    assert report_source_undeclared(DVC) == [], "add these to stages.report.deps in dvc.yaml"
    import copy

    dvc = copy.deepcopy(DVC)
    dvc["stages"]["report"]["deps"].remove("reports/chapters")
    assert "reports/chapters/01-intro.qmd" in report_source_undeclared(dvc)  # the check can fail


def test_the_closure_check_catches_a_removed_dependency():
    import copy

    dvc = copy.deepcopy(DVC)
    deps = dvc["stages"]["train"]["deps"]
    removed = next(d for d in deps if d.startswith("src/linreg/models"))
    deps.remove(removed)
    assert undeclared("train", dvc)  # something the train stage runs is no longer declared


def test_validate_checks_the_default_params_without_loading_torch():
    # validate runs on every params.yaml edit; torch alone took 1.1-1.4 s of its 2.5 s
    # (docs/performance.md "The learner's loop"). Read-only: the repo's params, nothing written.
    import subprocess
    import sys

    code = (
        "import sys, importlib.util as u\n"
        "s = u.spec_from_file_location('v', 'stages/validate.py'); m = u.module_from_spec(s); s.loader.exec_module(m)\n"
        "from linreg.pipeline.params import stage_params\n"
        "from linreg.pipeline.paths import project_paths\n"
        "paths = project_paths(None)\n"
        "view = stage_params(paths, 'validate')\n"
        "groups = [getattr(view, g) for g in m.GROUPS]\n"
        "groups[0] = groups[0].model_copy(update={'device': 'auto'})\n"
        "print(m.preflight(paths, *groups))\n"
        "print('torch' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    checked, loaded = done.stdout.strip().splitlines()
    assert checked.startswith("device auto;") and loaded == "False", done.stdout
