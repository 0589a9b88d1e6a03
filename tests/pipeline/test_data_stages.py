"""Smoke tests of the data stages' real main(): outputs, determinism, failures that touch nothing."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from linreg.pipeline.errors import DataError, ParamsError
from linreg.pipeline.paths import project_paths

from ..conftest import run_stages, write_params


def test_data_stages_write_consistent_outputs(project):
    run_stages(project, "generate", "split", "scale")
    paths = project_paths(project)
    truth = json.loads(paths.truth.read_text())
    sizes = json.loads(paths.split_sizes.read_text())
    parts = {p: pd.read_parquet(paths.scaled_table(p)) for p in ("train", "validation", "test")}
    assert sum(sizes[f"n_{p}"] for p in parts) == truth["n_samples"] == 400
    assert {p: len(t) for p, t in parts.items()} == {"train": 240, "validation": 80, "test": 80}
    features = truth["feature_names"]
    train = parts["train"][features].to_numpy()
    np.testing.assert_allclose(train.mean(axis=0), 0, atol=1e-12)  # standardized on train
    assert not np.allclose(parts["test"][features].to_numpy().mean(axis=0), 0, atol=1e-6)
    scaler = json.loads(paths.scaler.read_text())
    metrics = json.loads(paths.metrics("scale").read_text())
    assert metrics == {"method": scaler["method"], "n_constant_features": 0}
    raw = pd.read_parquet(paths.raw_table)
    together = pd.concat([pd.read_parquet(paths.split_table(p)) for p in parts]).sort_values("y")
    np.testing.assert_array_equal(together["y"].to_numpy(), raw.sort_values("y")["y"].to_numpy())


def test_same_params_give_byte_identical_files(project, tmp_path_factory):
    other = tmp_path_factory.mktemp("again")
    (other / "dvc.yaml").write_text((project / "dvc.yaml").read_text())
    write_params(other)
    for root in (project, other):
        run_stages(root, "generate", "split", "scale")
    for rel in (
        "data/raw/dataset.parquet",
        "data/raw/truth.json",
        "data/raw/demo.parquet",
        "data/split/train.parquet",
        "data/scaled/test.parquet",
        "data/scaled/scaler.json",
    ):
        assert (project / rel).read_bytes() == (other / rel).read_bytes(), rel


def test_bad_params_leave_earlier_outputs_untouched(project):
    run_stages(project, "generate")
    before = (project / "data/raw/dataset.parquet").read_bytes()
    write_params(project, {"generate": {"n_samples": -1}})
    with pytest.raises(ParamsError, match="generate.n_samples = -1"):
        run_stages(project, "generate")
    assert (project / "data/raw/dataset.parquet").read_bytes() == before


def test_bad_csv_is_named_and_leaves_outputs_untouched(project):
    run_stages(project, "generate")
    before = (project / "data/raw/dataset.parquet").read_bytes()
    (project / "data" / "external").mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"a": [1.0, None] * 10, "target": range(20)}).to_csv(project / "data/external/mine.csv", index=False)
    write_params(project, {"generate": {"source": "csv", "csv_path": "data/external/mine.csv", "csv_target": "target"}})
    with pytest.raises(DataError, match=r"missing values in column\(s\) \{'a': 10\}"):
        run_stages(project, "generate")
    assert (project / "data/raw/dataset.parquet").read_bytes() == before


def test_csv_and_diabetes_sources_run_through(project):
    rng = np.random.default_rng(0)
    (project / "data" / "external").mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"a": rng.standard_normal(50), "b": rng.standard_normal(50), "t": rng.standard_normal(50)}).to_csv(
        project / "data/external/mine.csv", index=False
    )
    write_params(project, {"generate": {"source": "csv", "csv_path": "data/external/mine.csv", "csv_target": "t"}})
    run_stages(project, "generate", "split", "scale")
    assert list(pd.read_parquet(project / "data/scaled/train.parquet").columns) == ["a", "b", "y"]
    write_params(project, {"generate": {"source": "diabetes"}})
    run_stages(project, "generate", "split")
    assert json.loads((project / "data/split/sizes.json").read_text())["n_test"] == 88


def test_stage_command_exits_cleanly_on_user_error(project, monkeypatch, caplog):
    import stages.generate
    from linreg.pipeline import stage

    write_params(project, {"split": {"train": 0.9}})
    monkeypatch.chdir(project)
    with pytest.raises(SystemExit) as info:
        stage.run(stages.generate.main, "generate")
    assert info.value.code == 1
    assert "must sum to 1" in caplog.text


def test_atomic_writes_get_normal_permissions(tmp_path):
    import os

    from linreg.pipeline.io import write_json

    write_json(tmp_path / "x.json", {"a": 1})
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "x.json").stat().st_mode & 0o777 == 0o666 & ~mask
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


def test_a_killed_writers_temporary_file_is_removed_by_the_next_write(tmp_path):
    from linreg.pipeline.io import write_json

    (tmp_path / ".report.html.k1ll3d.tmp").write_text("")  # what a SIGKILL mid-write leaves
    (tmp_path / ".x.json.abc123.tmp").write_text("")
    write_json(tmp_path / "x.json", {"a": 1})
    # the stale file of the path written goes; another output's stays for its own next write
    assert sorted(p.name for p in tmp_path.iterdir()) == [".report.html.k1ll3d.tmp", "x.json"]
