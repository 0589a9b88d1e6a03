"""params.yaml validation: every bad value names its key, its value and the rule."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from linreg.pipeline.errors import ParamsError
from linreg.pipeline.params import declared_params, load_params, stage_params, validate_params
from linreg.pipeline.paths import project_paths

from ..conftest import REPO, deep_update, repo_params


def test_repository_params_are_valid():
    params = load_params(project_paths(REPO))
    assert params.split.train + params.split.validation + params.split.test == pytest.approx(1.0)


BAD = [
    # (override, text that must appear in the message)
    ({"base": {"seed": -1}}, "base.seed = -1"),
    ({"base": {"dtype": "float16"}}, "base.dtype = 'float16'"),
    ({"base": {"device": "gpu"}}, "base.device = 'gpu'"),
    ({"base": {"sed": 1}}, "base.sed: unknown key"),
    ({"generate": {"n_samples": 3}}, "generate.n_samples = 3"),
    ({"generate": {"n_samples": "many"}}, "generate.n_samples = 'many'"),
    ({"generate": {"n_informative": 50}}, "n_informative (50) cannot exceed n_features (20)"),
    ({"generate": {"correlation": 1.0}}, "generate.correlation = 1.0"),
    ({"generate": {"noise_std": -0.5}}, "generate.noise_std = -0.5"),
    ({"generate": {"source": "kaggle"}}, "generate.source = 'kaggle'"),
    ({"generate": {"source": "csv"}}, "source 'csv' needs both csv_path and csv_target"),
    ({"generate": {"demo": {"x_min": 2.0, "x_max": 1.0}}}, "x_max (1.0) must exceed x_min (2.0) by at least 0.001"),
    ({"split": {"train": 0.7}}, "must sum to 1, got 1.1"),
    ({"split": {"train": 0.0, "validation": 0.5, "test": 0.5}}, "split.train = 0.0"),
    ({"scale": {"method": "robust"}}, "scale.method = 'robust'"),
    ({"train": {"models": ["ols", "svm"]}}, "train.models.1 = 'svm'"),
    ({"train": {"models": ["ols", "ols"]}}, "must not repeat"),
    ({"train": {"gd": {"learning_rate": -0.1}}}, "learning_rate must be 'auto' or a number > 0"),
    ({"train": {"path": {"l1_ratio": 0.0}}}, "train.path.l1_ratio = 0.0"),
    ({"train": {"lr_sweep": {"learning_rates": [0.1, 0.0]}}}, "every learning rate must be > 0"),
    ({"evaluate": {"learning_curve_fractions": [0.5, 0.2]}}, "fractions must be increasing"),
    (
        {"evaluate": {"regimes": [{"name": "a", "n_samples": 50, "noise_std": 1, "correlation": 0.5}] * 2}},
        "regime names must be distinct",
    ),
    (
        {"evaluate": {"regimes": [{"name": "a", "n_samples": 5, "noise_std": 1, "correlation": 0.5}]}},
        "evaluate.regimes.0.n_samples = 5",
    ),
    (
        {"evaluate": {"regimes": [{"name": "a", "n_samples": 50, "noise": 1, "correlation": 0.5}]}},
        "evaluate.regimes.0.noise: unknown key",
    ),
    ({"evaluate": {"gd_path_multiples": [0.5, 4.0]}}, "step multiples of 2/L must be in (0, 3]"),
    ({"benchmark": {"preset": "huge"}}, "benchmark.preset = 'huge'"),
    ({"benchmark": {"p_sweep": {"ps": [40, 10]}}}, "benchmark.p_sweep.ps must increase"),
    ({"benchmark": {"p_sweep": {"ps": [10, 5000]}}}, "stay below n / 4 = 2500"),
    ({"benchmark": {"p_sweep": {"tol": 0.0}}}, "benchmark.p_sweep.tol = 0.0"),
    ({"benchmark": {"p_sweep": {"n": 1_000_000, "ps": [10, 45]}}}, "1,000,000 × 55 values is more than"),
    ({"benchmark": {"p_sweep": {"n": 2**62}}}, "benchmark.p_sweep.n"),
    ({"report": {"engine": "latex"}}, "report.engine = 'latex'"),
]


@pytest.mark.parametrize("override, expected", BAD, ids=[b[1][:40] for b in BAD])
def test_bad_params_name_the_key_and_value(override, expected):
    with pytest.raises(ParamsError) as info:
        validate_params(deep_update(repo_params(), override))
    assert expected in str(info.value)


def test_missing_group_and_non_mapping():
    raw = repo_params()
    del raw["split"]
    with pytest.raises(ParamsError, match="split: required key is missing"):
        validate_params(raw)
    with pytest.raises(ParamsError, match="must be a mapping"):
        validate_params(["a", "list"])


def test_broken_yaml_is_reported(tmp_path):
    (tmp_path / "params.yaml").write_text("base: [unclosed\n")
    with pytest.raises(ParamsError, match="not valid YAML"):
        load_params(project_paths(tmp_path))


def test_stage_view_refuses_undeclared_keys(project):
    view = stage_params(project_paths(project), "split")
    assert view.split.train == pytest.approx(0.6)
    assert view.base.seed == 42
    with pytest.raises(ParamsError, match="'base.dtype'.*does not declare it"):
        _ = view.base.dtype
    with pytest.raises(ParamsError, match="'generate'"):
        _ = view.generate
    assert view.read == {"split", "base.seed"}


def test_declared_params_accepts_both_dvc_forms(tmp_path):
    (tmp_path / "dvc.yaml").write_text(
        yaml.safe_dump({"stages": {"s": {"cmd": "x", "params": ["base.seed", {"params.yaml": ["split"]}]}}})
    )
    assert declared_params(project_paths(tmp_path), "s") == ["base.seed", "split"]
    with pytest.raises(ParamsError, match="no stage named 'nope'"):
        declared_params(project_paths(tmp_path), "nope")


# Spellings YAML 1.1 (PyYAML) and YAML 1.2 (DVC's ruamel.yaml) read differently, and some they agree on.
SPELLINGS = ["2e4", "2.0e4", "2E+4", "0o47040", "047040", "0x4E20", "20_000", "on", "yes", "1:20", "1e-9", "~"]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_params_are_read_as_dvc_reads_them(spelling):
    from dvc.utils.serialize import parse_yaml

    from linreg.pipeline.params import read_yaml

    text = f"generate:\n  n_samples: {spelling}\n"
    assert read_yaml(text) == parse_yaml(text, "params.yaml")  # what DVC compares is what the stages validate


def test_ruameles_c_parser_reads_what_its_pure_python_parser_reads():
    # ruamel.yaml.clib (a pipeline dependency: DVC and the stages parse 5x faster with it) must not change
    # a value: every spelling above, and the project's own params.yaml, dvc.yaml and dvc.lock.
    pytest.importorskip("_ruamel_yaml", reason="ruamel.yaml.clib is not installed")
    from ruamel.yaml import YAML

    root = Path(__file__).resolve().parents[2]
    texts = [f"generate:\n  n_samples: {spelling}\n" for spelling in SPELLINGS]
    texts += [(root / name).read_text() for name in ("params.yaml", "dvc.yaml", "dvc.lock")]
    c, pure = YAML(typ="safe"), YAML(typ="safe", pure=True)
    assert c.Parser is not pure.Parser  # the C parser is in use
    for text in texts:
        assert c.load(text) == pure.load(text)


@pytest.mark.parametrize("spelling, value", [("2e4", 20000), ("2.0e4", 20000), ("0o47040", 20000)])
def test_a_number_dvc_reads_as_unchanged_validates_to_the_same_value(project, spelling, value):
    """DVC sees n_samples: 2e4 as 20000 (nothing to rerun); the stages read the same 20000 and run."""
    text = (project / "params.yaml").read_text()
    params = yaml.safe_load(text)
    old = params["generate"]["n_samples"]
    (project / "params.yaml").write_text(text.replace(f"n_samples: {old}", f"n_samples: {spelling}", 1))
    assert stage_params(project_paths(project), "generate").generate.n_samples == value
