"""The pipeline as DVC sees it: every stage runs its real main() on tiny params, reads
exactly the params it declares, and writes exactly the outputs dvc.yaml declares."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .conftest import REPO, needs_report_tools

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
