"""The evaluate and lessons stages' real main() on tiny data: tables, metrics, experiments, figures."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from linreg.pipeline.paths import project_paths
from stages.lessons import SEARCH

from ..conftest import run_stages, write_params

pytestmark = pytest.mark.slow  # runs train and evaluate


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    from ..conftest import REPO

    root = tmp_path_factory.mktemp("evaluate")
    (root / "dvc.yaml").write_text((REPO / "dvc.yaml").read_text())
    write_params(root)
    run_stages(root, "generate", "split", "scale", "lessons", "train", "evaluate")
    return project_paths(root)


def test_metrics_cover_our_models_and_agree_with_tables(evaluated):
    metrics = json.loads(evaluated.metrics("evaluate").read_text())
    table = pd.read_csv(evaluated.evaluate_table("model_metrics"))
    for model in ("ols", "ridge", "lasso", "elastic_net", "gd_batch", "lasso_1se"):
        row = table[(table.model == model) & (table.split == "test") & (table.metric == "mse")]
        assert metrics[f"{model}_test_mse"] == pytest.approx(float(row.value.iloc[0]), rel=1e-12)
    assert metrics["agreement_ols_vs_sklearn_ols_max_abs_coef_diff"] < 1e-10


def test_ols_inference_table_matches_statsmodels(evaluated):
    import statsmodels.api as sm

    train = pd.read_parquet(evaluated.split_table("train"))
    X, y = train.drop(columns="y").to_numpy(), train["y"].to_numpy()
    ref = sm.OLS(y, sm.add_constant(X)).fit()
    table = pd.read_csv(evaluated.evaluate_table("ols_inference"))
    # The CSV keeps 10 significant digits.
    np.testing.assert_allclose(table.p_value, ref.pvalues, atol=1e-8)
    np.testing.assert_allclose(table.std_err, ref.bse, rtol=1e-8)
    assert table.ci_covers_truth.dtype == bool


def test_intervals_are_labelled(evaluated):
    intervals = pd.read_csv(evaluated.evaluate_table("intervals"))
    assert set(intervals.model) == {"ridge", "lasso", "elastic_net"}
    assert intervals[intervals.model == "ridge"].method.str.contains("not a CI").all()
    assert intervals[intervals.model == "lasso"].method.str.contains("bootstrap").all()


def test_experiments_show_overfitting(evaluated):
    sweep = pd.read_csv(evaluated.lesson_data("degree_sweep"))
    ols_train = sweep[(sweep.panel == "ols") & (sweep.series == "train")].sort_values("degree")
    assert np.all(np.diff(ols_train.mse) <= 1e-9)  # nested models: training error never rises
    assert set(ols_train.ols_solver.iloc[-1:]) == {"qr"}  # high degree: the orthogonal solver
    curve = pd.read_csv(evaluated.evaluate_plot("learning_curve"))
    assert set(curve.panel) == {"ols", "ridge"} and set(curve.series) == {"train", "validation"}


def test_residual_diagnostics(evaluated):
    res = pd.read_csv(evaluated.evaluate_plot("residuals"))
    np.testing.assert_allclose(res.actual - res.fitted, res.residual, atol=1e-8)
    assert len(res) == json.loads(evaluated.split_sizes.read_text())["n_test"]


def test_all_figures_are_pngs(evaluated):
    from linreg.pipeline.paths import LESSON_FIGURES

    names = {p.stem for p in evaluated.evaluate_figures_dir.glob("*.png")}
    assert {
        "gd_loss",
        "lr_sweep",
        "learning_curve",
        "reg_paths",
        "validation_curves",
        "coef_vs_truth",
        "comparison",
        "residuals",
    } <= names
    assert {p.stem for p in evaluated.lesson_figures_dir.glob("*.png")} == set(LESSON_FIGURES)
    for p in [*evaluated.evaluate_figures_dir.glob("*.png"), *evaluated.lesson_figures_dir.glob("*.png")]:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_truth_skips_recovery(tmp_path):
    from ..conftest import REPO

    (tmp_path / "dvc.yaml").write_text((REPO / "dvc.yaml").read_text())
    write_params(tmp_path, {"generate": {"source": "diabetes"}})
    run_stages(tmp_path, "generate", "split", "scale", "lessons", "train", "evaluate")
    paths = project_paths(tmp_path)
    metrics = json.loads(paths.metrics("evaluate").read_text())
    assert "ols_support_f1" not in metrics and "ols_test_r2" in metrics
    assert not (paths.evaluate_figures_dir / "coef_vs_truth.png").exists()


def test_the_lessons_need_no_trained_model(tmp_path):
    """What the lessons stage writes follows from the generated data and its params alone, so an edit
    to train (or to the evaluate stage's own params) re-runs none of it: it runs right after generate."""
    import yaml

    from ..conftest import REPO

    (tmp_path / "dvc.yaml").write_text((REPO / "dvc.yaml").read_text())
    write_params(tmp_path)
    run_stages(tmp_path, "generate", "lessons")
    paths = project_paths(tmp_path)
    assert json.loads(paths.metrics("lessons").read_text())["degree_sweep_best_ols_degree"] >= 1
    assert len(pd.read_csv(paths.lesson_data("regimes"))) > 0
    declared = yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]["lessons"]
    assert not any(d.startswith(("models", "data/scaled", "data/split", "reports/plots")) for d in declared["deps"])
    # Of train's params only the regime sweep's α search: a train.gd edit leaves the lessons as they are.
    assert [p for p in declared["params"] if p.startswith("train")] == [f"train.path.{k}" for k in SEARCH]


def test_a_figure_is_drawn_again_only_when_what_it_shows_changed(evaluated, tmp_path, monkeypatch):
    """After a run of train every card's fit time differs, which no figure shows; an edit to train.gd changes
    GD's loss history. Only the loss figure is drawn again, and each figure kept is what drawing gives."""
    import shutil

    from linreg.pipeline import reuse

    from ..conftest import run_stages

    paths = project_paths(shutil.copytree(evaluated.root, tmp_path / "project"))
    drawn: dict[str, bool] = {}
    write = reuse.write_figure

    def recording(path, previous, draw, args):
        drawn[path.stem] = write(path, previous, draw, args)
        return drawn[path.stem]

    monkeypatch.setattr(reuse, "write_figure", recording)
    before = {p.name: p.read_bytes() for p in paths.evaluate_figures_dir.glob("*.png")}
    for card in paths.models_dir.glob("*.json"):
        fields = json.loads(card.read_text())
        card.write_text(json.dumps({**fields, "fit_seconds": 2 * fields["fit_seconds"] + 1}))
    history = pd.read_csv(paths.gd_history)
    history.loc[0, "train_loss"] *= 1.5
    history.to_csv(paths.gd_history, index=False)

    run_stages(paths.root, "evaluate")
    assert {name for name, d in drawn.items() if d} == {"gd_loss"} and len(drawn) == len(before)
    after = {p.name: p.read_bytes() for p in paths.evaluate_figures_dir.glob("*.png")}
    assert [n for n in before if after[n] != before[n]] == ["gd_loss.png"]

    shutil.rmtree(paths.evaluate_figures_dir)  # nothing to reuse: every figure drawn, the same bytes
    drawn.clear()
    run_stages(paths.root, "evaluate")
    assert all(drawn.values()) and {p.name: p.read_bytes() for p in paths.evaluate_figures_dir.glob("*.png")} == after

    # Drawn from the cards as they are, fit times included, every figure has the same pixels: none reads them.
    import matplotlib.image

    from linreg.pipeline.evaluation import figures

    shutil.rmtree(paths.evaluate_figures_dir)
    monkeypatch.setattr(figures, "as_drawn", lambda cards: cards)
    run_stages(paths.root, "evaluate")
    for name, png in after.items():
        with_times = matplotlib.image.imread(paths.evaluate_figures_dir / name)
        assert np.array_equal(with_times, matplotlib.image.imread(io.BytesIO(png))), name
