"""The train stage's real main() on tiny data: cards, plot data, references, device handling."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from linreg.pipeline.errors import DeviceError
from linreg.pipeline.paths import project_paths

from ..conftest import run_stages, write_params


@pytest.fixture
def trained(project):
    run_stages(project, "generate", "split", "scale", "train")
    return project_paths(project)


def card(paths, name):
    return json.loads(paths.model_card(name).read_text())


def test_every_variant_and_reference_has_a_card(trained):
    names = {p.stem for p in trained.models_dir.iterdir()}
    assert names == {
        "ols",
        "gd_batch",
        "gd_minibatch",
        "ridge",
        "lasso",
        "elastic_net",
        "ridge_1se",
        "lasso_1se",
        "elastic_net_1se",
        "sklearn_ols",
        "statsmodels_ols",
        "sklearn_ridge",
        "sklearn_lasso",
        "sklearn_elastic_net",
        "sklearn_sgd",
    }
    assert not list(trained.root.rglob("*.pkl")) and not list(trained.root.rglob("*.pickle"))
    for name in names:
        c = card(trained, name)
        assert len(c["coef"]) == len(c["coef_original"]) == len(c["feature_names"]) == 6
        assert c["device"] and c["dtype"] and c["fit_seconds"] >= 0 and "torch" in c["versions"]


def test_ours_agree_with_references_on_the_same_objective(trained):
    for ours, ref, tol in [
        ("ols", "sklearn_ols", 1e-10),
        ("ols", "statsmodels_ols", 1e-10),
        ("ridge", "sklearn_ridge", 1e-10),
        ("lasso", "sklearn_lasso", 1e-6),
        ("elastic_net", "sklearn_elastic_net", 1e-6),
    ]:
        a, b = card(trained, ours), card(trained, ref)
        assert a["alpha"] == b["alpha"]
        scale = np.abs(b["coef"]).max()
        assert np.max(np.abs(np.subtract(a["coef"], b["coef"]))) <= tol * scale, (ours, ref)


def test_original_units_recover_the_truth(trained):
    truth = json.loads(trained.truth.read_text())
    ols = card(trained, "ols")
    # 240 rows, noise 1: the estimates are within a few standard errors of the truth.
    assert ols["intercept_original"] == pytest.approx(truth["intercept"], abs=1.0)
    pred_true = np.asarray(truth["coef"])
    std = np.asarray(json.loads(trained.scaler.read_text())["scale"])
    assert np.max(np.abs(np.asarray(ols["coef_original"]) - pred_true) * std) < 0.5


def test_plot_data_are_tidy(trained):
    hist = pd.read_csv(trained.gd_history)
    assert set(hist["model"]) == {"gd_batch", "gd_minibatch", "gd_batch_unscaled"}
    batch = hist[hist.model == "gd_batch"]
    assert (np.diff(batch["train_loss"]) <= 1e-12).all()  # full-batch GD at 1/L never goes up
    sweep = pd.read_csv(trained.lr_sweep)
    assert set(sweep["dataset"]) == {"demo", "main"}
    assert sweep[sweep.learning_rate == 5.0]["diverged"].all()  # the tiny params' 5.0 is far past 2/L
    assert not sweep[sweep.learning_rate == 0.01]["diverged"].any()
    path = pd.read_csv(trained.reg_path)
    lasso = path[path.model == "lasso"]
    assert (lasso[lasso.alpha == lasso.alpha.max()]["coef"] == 0).all()  # grid starts at alpha_max
    curve = pd.read_csv(trained.validation_curve)
    assert curve.groupby("model")["chosen_min"].sum().eq(1).all()
    assert (curve[curve.chosen_1se].val_mse <= curve[curve.chosen_1se].one_se_threshold).all()


def test_cuda_request_without_cuda_is_a_clear_error(project):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    run_stages(project, "generate", "split", "scale")
    write_params(project, {"base": {"device": "cuda"}})
    with pytest.raises(DeviceError, match="set base.device to 'auto' or 'cpu'"):
        run_stages(project, "train")
    assert not (project / "models").exists()


def test_auto_device_is_recorded(trained):
    expected = f"cuda:{torch.cuda.current_device()}" if torch.cuda.is_available() else "cpu"
    assert card(trained, "lasso")["device"] == expected
    assert json.loads(trained.metrics("train").read_text())["device"] == expected


@pytest.mark.parametrize("max_rows, lazy", [(2_000_000, False), (100, True)])
def test_dask_loads_only_for_tables_larger_than_memory_may_hold(project, max_rows, lazy):
    # Building the lazy Dask arrays imported dask.array (about 0.5 s of every train run) even when the
    # table was already whole in memory (docs/performance.md "The learner's loop").
    import subprocess
    import sys

    from ..conftest import REPO

    write_params(project, {"base": {"max_rows_in_memory": max_rows}})
    code = (
        "import sys\n"
        "from tests.conftest import run_stages\n"
        f"run_stages({str(project)!r}, 'generate', 'split', 'scale')\n"
        "before = 'dask.array' in sys.modules\n"
        f"run_stages({str(project)!r}, 'train')\n"
        "print(before, 'dask.array' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-2:] == ["False", str(lazy)], done.stdout
    assert json.loads((project / "reports" / "metrics" / "train.json").read_text())["train_rows"] > 100
