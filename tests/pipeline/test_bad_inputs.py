"""Bad input gets a clear outcome: rejected up front by the validate stage, naming the key and the fix.

The validate stage runs before every other stage (all of them depend on its
output), so under ``dvc repro`` a rejected input stops the pipeline before DVC
removes any earlier result; ``test_end_to_end`` checks that part with DVC itself.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning

from linreg.models import GradientDescentRegressor
from linreg.pipeline.data.split import PARTS
from linreg.pipeline.errors import DataError, DeviceError, ParamsError

from ..conftest import REPO, run_stages, write_params
from ..oracles import regression_data

BAD_PARAMS = [
    ({"generate": {"noise_sd": 1.0}}, ParamsError, "generate.noise_sd: unknown key"),
    ({"generate": {"noise_std": float("inf")}}, ParamsError, "generate.noise_std"),
    ({"generate": {"intercept": float("nan")}}, ParamsError, "generate.intercept"),
    ({"generate": {"feature_offset": 1e300}}, ParamsError, "generate.feature_offset"),
    ({"generate": {"scale_spread": 1e300}}, ParamsError, "generate.scale_spread"),
    (
        {"generate": {"source": "csv", "csv_path": "mine.csv", "csv_target": "t"}},
        ParamsError,
        "must be a file under data/external/",
    ),
    (
        {"base": {"max_rows_in_memory": 100_000_000}, "generate": {"n_samples": 100_000_000, "n_features": 50}},
        DataError,
        "lower base.max_rows_in_memory",
    ),
    ({"generate": {"n_features": 51}}, ParamsError, "generate.n_features = 51: at most 50: the regime sweep"),
    # Values a later stage could not handle, refused by the stage that would fail (issue #28):
    (
        {"split": {"train": 0.8, "validation": 1e-9, "test": 0.2 - 1e-9}},
        DataError,
        "leave .* 1 for validation .* at least 2 for train, 2 for validation, 1 for test",
    ),
    ({"generate": {"intercept": 1e50}}, ParamsError, "the intercept .1e.50. swamps y's variation"),
    ({"generate": {"n_informative": 0, "noise_std": 0.0}}, ParamsError, "generate: y would be constant"),
    ({"generate": {"demo": {"x_min": -1e50}}}, ParamsError, "generate.demo.x_min"),
    ({"generate": {"demo": {"x_min": 0.0, "x_max": 1e-300}}}, ParamsError, "must exceed x_min .0.0. by at least"),
    ({"train": {"path": {"l1_ratio": 1e-9}}}, ParamsError, "train.path.l1_ratio"),
    ({"train": {"path": {"alpha_min_ratio": 1e-300}}}, ParamsError, "train.path.alpha_min_ratio"),
    ({"train": {"path": {"tol": 1e-300}}}, ParamsError, "train.path.tol"),
    ({"engine": {"local_workers": 1, "memory_limit": "1MiB"}}, ParamsError, "below the 1GiB a worker needs"),
    ({"split": {"train": 0.9}}, ParamsError, "must sum to 1"),
    ({"train": {"gd": {"batch_size": 0}}}, ParamsError, "train.gd.batch_size"),
    ({"base": {"device": "tpu"}}, ParamsError, "base.device"),
    ({"benchmark": {"default": {"sizes": [[0, 20]]}}}, ParamsError, "benchmark.default.sizes"),
    # Issue #42: what validate accepts, every stage runs.
    # A quoted number is text in YAML: a stage reading the file raw would get "0.6", not 0.6.
    ({"split": {"train": "0.6"}}, ParamsError, "split.train = '0.6': a number in quotes"),
    ({"generate": {"n_samples": "400"}}, ParamsError, "generate.n_samples = '400': a number in quotes"),
    ({"train": {"lr_sweep": {"learning_rates": [0.01, " 0.5"]}}}, ParamsError, "train.lr_sweep.learning_rates"),
    ({"benchmark": {"default": {"sizes": [[500, "4"]]}}}, ParamsError, "benchmark.default.sizes = .*in quotes"),
    # A group no stage declares: the report reads params.yaml whole and would refuse it after DVC removed
    # report.html; validate depends on the whole file (test_validate_reruns_on_any_change_to_params_yaml).
    ({"notes": {"author": "me"}}, ParamsError, "notes: unknown key"),
    # The regime sweep splits each regime's fresh rows by the same fractions: 40 rows × 0.01 is 1 row.
    (
        {"split": {"train": 0.98, "validation": 0.01, "test": 0.01}, "generate": {"source": "diabetes"}},
        DataError,
        r"evaluate.regimes\[0\] .'few rows'.: n_samples 40 with split.validation 0.01 leaves 1 validation "
        r"row; choosing alpha needs at least 2: .*n_samples to at least 150",
    ),
]


@pytest.mark.parametrize("overrides, error, message", BAD_PARAMS, ids=[m for _, _, m in BAD_PARAMS])
def test_bad_params_stop_at_validate_naming_the_key(project, overrides, error, message):
    write_params(project, overrides)
    with pytest.raises(error, match=message.replace("(", r"\(").replace("×", "×")):
        run_stages(project, "validate")
    assert not (project / "data" / "validated.json").exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_a_missing_device_stops_at_validate(project):
    write_params(project, {"base": {"device": "cuda"}})
    with pytest.raises(DeviceError, match="device 'cuda' was requested but CUDA is unavailable here"):
        run_stages(project, "validate")


@pytest.mark.skipif(__import__("shutil").which("quarto") is not None, reason="Quarto is installed here")
def test_report_engine_quarto_without_quarto_stops_at_validate_with_the_fix(project):
    write_params(project, {"report": {"engine": "quarto"}})
    with pytest.raises(ParamsError, match=r"report.engine = 'quarto'.*not on PATH.*install Quarto.*engine: auto"):
        run_stages(project, "validate")
    assert not (project / "data" / "validated.json").exists()


def test_validate_reruns_on_any_change_to_params_yaml():
    """validate depends on params.yaml as a file (as the report, which reads it whole, does): a change
    to any key, even a group no stage declares, re-runs validate before DVC removes any output."""
    from linreg.pipeline.params import read_yaml

    stages = read_yaml((REPO / "dvc.yaml").read_text())["stages"]
    whole_file_readers = [name for name, st in stages.items() if "params.yaml" in st.get("deps", [])]
    assert "validate" in whole_file_readers and len(whole_file_readers) >= 2  # validate and the report


CSVS = {
    "infinite": (
        pd.DataFrame({"a": [1.0, np.inf] * 10, "b": np.arange(20.0), "t": np.arange(20.0)}),
        r"column\(s\) \['a'\] hold infinite values",
    ),
    "overflowing": (
        pd.DataFrame({"a": [1e300, 1.0] * 10, "b": np.arange(20.0), "t": np.arange(20.0)}),
        r"column\(s\) \['a'\] hold values beyond",
    ),
    "constant target": (pd.DataFrame({"a": np.arange(20.0), "t": np.ones(20)}), "target column 't' is constant"),
    "missing": (pd.DataFrame({"a": [1.0, None] * 10, "t": np.arange(20.0)}), "missing values"),
    "squares underflow": (  # the statistics would hold zeros: the scaler would call "a" constant
        pd.DataFrame({"a": np.arange(20.0) * 1e-200, "b": np.arange(20.0) ** 2, "t": np.arange(20.0)}),
        r"column\(s\) \['a'\] vary only on a scale below 1e-140",
    ),
    "duplicate column names": (  # pandas would read the second "a" as "a.1", a feature nobody wrote
        pd.DataFrame(np.c_[np.arange(20.0), np.arange(20.0) ** 2, np.arange(20.0)], columns=["a", "a", "t"]),
        r"column name\(s\) \['a'\] appear more than once",
    ),
}


@pytest.mark.parametrize("kind", list(CSVS))
def test_bad_csvs_stop_at_validate_naming_the_column(project, kind):
    frame, message = CSVS[kind]
    (project / "data" / "external").mkdir(parents=True)
    frame.to_csv(project / "data" / "external" / "mine.csv", index=False)
    write_params(project, {"generate": {"source": "csv", "csv_path": "data/external/mine.csv", "csv_target": "t"}})
    with pytest.raises(DataError, match=message):
        run_stages(project, "validate")


def test_a_cluster_larger_than_the_machine_is_refused_before_it_starts():
    from linreg.pipeline.preflight import check_worker_memory

    with pytest.raises(ParamsError, match=r"engine.local_workers = 9 workers × the 1.00 GiB a worker needs"):
        check_worker_memory(9, None, have=8 * 2**30)
    with pytest.raises(ParamsError, match="or a smaller memory_limit"):
        check_worker_memory(2, "5GiB", have=8 * 2**30)
    check_worker_memory(2, "4GiB", have=8 * 2**30)  # fits exactly
    check_worker_memory(64, None, have=None)  # memory unknown (no /proc): not refused


def test_the_split_sizes_validate_checks_are_the_ones_the_split_writes(project):
    # validate predicts each part's rows from the shape alone (split_counts); the split stage must agree.
    from linreg.pipeline.data.split import split_counts

    write_params(project, {"generate": {"n_samples": 137}, "split": {"train": 0.7, "validation": 0.2, "test": 0.1}})
    run_stages(project, "validate", "generate", "split")
    rows = [len(pd.read_parquet(project / "data" / "split" / f"{part}.parquet")) for part in PARTS]
    assert tuple(rows) == split_counts(137, 6, validation=0.2, test=0.1)


def test_the_diabetes_shape_validate_assumes_is_the_bundled_data():
    from linreg.pipeline.data.generate import load_diabetes_frame
    from linreg.pipeline.preflight import DIABETES_SHAPE

    frame, _ = load_diabetes_frame()
    assert (len(frame), frame.shape[1] - 1) == DIABETES_SHAPE


def test_good_params_pass_and_write_the_same_stamp_every_time(project):
    run_stages(project, "validate")
    first = (project / "data" / "validated.json").read_bytes()
    write_params(project, {"split": {"train": 0.5, "validation": 0.25, "test": 0.25}})
    run_stages(project, "validate")
    assert (project / "data" / "validated.json").read_bytes() == first  # so nothing downstream re-runs for it


def test_gradient_descent_warns_when_it_diverges_or_runs_out_of_epochs():
    X, y, _ = regression_data(n=200, p=4)
    with pytest.warns(ConvergenceWarning, match="diverged at epoch"):
        gd = GradientDescentRegressor(learning_rate=1e6, max_epochs=50, device="cpu").fit(X, y)
    assert gd.diverged_ and np.all(np.isfinite(gd.coef_))
    with pytest.warns(ConvergenceWarning, match="stalled after 1 epochs"):
        gd = GradientDescentRegressor(learning_rate=1e-12, max_epochs=100, tol=1e-6, device="cpu").fit(X, y)
    assert gd.stopped_by_ == "stalled" and not gd.converged_
    with pytest.warns(ConvergenceWarning, match="did not converge in 2 epochs"):
        GradientDescentRegressor(max_epochs=2, tol=1e-12, device="cpu").fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # tol=0 asks for fixed epochs: no warning
        GradientDescentRegressor(max_epochs=2, tol=0.0, device="cpu").fit(X, y)


EDGES = {
    "n = 10 rows, p = 20 features": {"generate": {"n_samples": 10, "n_features": 20, "n_informative": 3}},
    "no informative feature": {"generate": {"n_informative": 0}},
}


@pytest.mark.slow  # one pipeline run per edge
@pytest.mark.parametrize("edge", list(EDGES))
def test_the_documented_edges_of_valid_params_run_end_to_end(tmp_path, edge):
    # Valid by params.yaml's comments, so every stage must finish (inference reports what it cannot estimate).
    import shutil

    from ..conftest import HAS_REPORT_TOOLS, REPO, copy_report_source

    shutil.copy(REPO / "dvc.yaml", tmp_path / "dvc.yaml")
    copy_report_source(tmp_path)
    write_params(tmp_path, EDGES[edge])
    stages = ["validate", "generate", "split", "scale", "lessons", "train", "evaluate"] + (
        ["report"] if HAS_REPORT_TOOLS else []
    )
    if HAS_REPORT_TOOLS:
        stages.insert(-1, "benchmark")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rank-deficiency and convergence warnings are expected here
        run_stages(tmp_path, *stages)
    assert (tmp_path / "reports" / "metrics" / "evaluate.json").is_file()


def test_an_unwritable_folder_is_one_line_naming_the_path(caplog):
    from linreg.pipeline import stage

    def main(_root):
        raise PermissionError(13, "Permission denied", "reports/metrics/train.json")

    with pytest.raises(SystemExit) as stop:
        stage.run(main, "train")
    assert stop.value.code == 1
    assert "cannot write reports/metrics/train.json: Permission denied" in caplog.text


def test_a_failing_stage_says_its_previous_outputs_are_kept_and_stale(caplog):
    from linreg.pipeline import stage

    def main(_root):
        raise DeviceError("device 'cuda' was requested but CUDA is unavailable here")

    with pytest.raises(SystemExit):
        stage.run(main, "train")
    assert "CUDA is unavailable here" in caplog.text and "train's previous outputs are untouched" in caplog.text
    assert "`dvc metrics show`) are still the last successful run's" in caplog.text


def test_data_whose_squares_underflow_is_fitted_exactly_or_refused():
    """X of order 1e-300: XᵀX underflows to zero. OLS solves X itself; the XᵀX-based estimators refuse."""
    from linreg.models import ElasticNet, GradientDescentRegressor, Lasso, LinearRegression, Ridge

    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 3))
    y = X @ [1.0, 2.0, -1.0] + 0.01 * rng.standard_normal(200)
    tiny = 2.0**-1000  # ≈ 9e-302; a power of two, so X·tiny is exact and the answer scales exactly
    ref = LinearRegression(solver="qr", device="cpu").fit(X, y)
    ols = LinearRegression(device="cpu").fit(X * tiny, y)
    # The exact solver equilibrates by powers of two: the same numbers, scaled by exactly 2^1000.
    np.testing.assert_allclose(ols.coef_ * tiny, ref.coef_, rtol=1e-15)
    assert ols.intercept_ == pytest.approx(ref.intercept_, rel=1e-14)
    for est in (Ridge(), Lasso(0.01), ElasticNet(0.01), GradientDescentRegressor()):
        with pytest.raises(ValueError, match="underflow float64.*rescale the data"):
            est.set_params(device="cpu").fit(X * tiny, y)


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or sys.platform == "win32", reason="needs POSIX signals")
def test_ctrl_c_while_a_stage_loads_its_libraries_prints_one_line(project):
    """Ctrl-C while train still loads torch: exit 130 and one line, never a traceback (once it runs,
    stage.run reports the KeyboardInterrupt in one line, as before)."""
    delay = 0.3
    run_stages(project, "generate", "split", "scale")
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "stages" / "train.py")], cwd=project, text=True, stderr=subprocess.PIPE
    )
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the stage finished before the interrupt")
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert "interrupted" in err


@pytest.mark.slow  # train and evaluate
def test_a_diverged_gradient_descent_is_a_result_every_later_stage_reports(project):
    import json

    from linreg.pipeline.paths import project_paths

    write_params(project, {"train": {"gd": {"learning_rate": 1e6}}})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        run_stages(project, "validate", "generate", "split", "scale", "lessons", "train", "evaluate")
    paths = project_paths(project)
    for name in ("gd_batch", "gd_minibatch"):
        card = json.loads(paths.model_card(name).read_text())
        # Diverged at its first step: the iterate of lowest training loss is the start, w = 0.
        assert card["diverged"] and card["diverged_epoch"] == 1 and card["stopped_by"] == "divergence"
        assert card["coef"] == [0.0] * len(card["coef"])
    metrics = json.loads(paths.metrics("evaluate").read_text())
    assert np.isfinite(metrics["gd_batch_test_mse"])  # a finite, stated result, not a crash


@pytest.mark.parametrize(
    "overrides, said",
    [
        ({}, None),
        (
            {"generate": {"n_features": 40, "n_samples": 300_000}},
            "300,000 rows × 40 features = 12 million values (92 MiB per copy)",
        ),
        (
            {
                "generate": {"n_features": 50},
                "evaluate": {"regimes": [{"name": "tiny", "n_samples": 60, "noise_std": 1.0, "correlation": 0.5}]},
            },
            "paths of 8 alphas on 3 datasets with more features (50) than training rows (regimes 'tiny')",
        ),
    ],
    ids=["defaults", "many values", "wide regime"],
)
def test_validate_states_the_size_of_a_large_run(project, caplog, overrides, said):
    import logging

    write_params(project, {**overrides, "evaluate": {"regimes": [], **overrides.get("evaluate", {})}})
    with caplog.at_level(logging.INFO):
        run_stages(project, "validate")
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("params.yaml is valid"))
    assert "\n" not in line
    if said is None:
        assert "a large run" not in line
    else:
        assert "a large run: " in line and said in line, line
