"""Stage evaluate: metrics on every split, inference, agreement, overfitting evidence, figures.

Inputs:  models/*.json, data/scaled/*.parquet, data/split/train.parquet,
         data/raw/{truth.json,demo.parquet}, data/scaled/scaler.json,
         reports/plots/train/*.csv; params base.seed, split, evaluate
Outputs: reports/metrics/evaluate.json, reports/tables/*.csv,
         reports/plots/evaluate/*.csv, reports/figures/evaluate/*.png
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from linreg import io, stage
from linreg.data.generate import features_and_target
from linreg.data.scale import Scaler
from linreg.data.split import split_indices
from linreg.evaluation import figures
from linreg.evaluation.assemble import SPLITS, Inputs, evaluate_all
from linreg.log import setup_logging
from linreg.params import stage_params
from linreg.paths import Paths, project_paths


def _xy(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    X, y, _ = features_and_target(table)
    return X, y


def _save(path: Path, fig) -> None:
    io.write_with(path, lambda tmp: fig.savefig(tmp, dpi=150, format="png"))
    figures.close(fig)


def main(root: Path | None = None) -> None:
    log = setup_logging("evaluate")
    paths = project_paths(root)
    params = stage_params(paths, "evaluate")
    seed = params.base.seed
    cards = {p.stem: io.read_json(p) for p in sorted(paths.models_dir.glob("*.json"))}
    if not cards:
        raise io.ArtifactError(f"no model cards in {paths.models_dir}: run the train stage (dvc repro).")
    truth = io.read_json(paths.truth)
    scaler = Scaler.from_dict(io.read_json(paths.scaler))
    demo = io.read_parquet(paths.demo_table)
    cut = params.split
    demo_parts = split_indices(len(demo), train=cut.train, validation=cut.validation, test=cut.test,
                               rng=np.random.default_rng(np.random.SeedSequence([seed, 2])))
    inputs = Inputs(
        cards=cards,
        splits={s: _xy(io.read_parquet(paths.scaled_table(s))) for s in SPLITS},
        train_unscaled=_xy(io.read_parquet(paths.split_table("train"))),
        demo_train=_xy(demo.iloc[demo_parts["train"]]),
        demo_validation=_xy(demo.iloc[demo_parts["validation"]]),
        truth=truth, scaler=scaler,
    )
    ev = evaluate_all(inputs, params.evaluate, seed=seed)

    io.write_json(paths.metrics("evaluate"), ev.metrics)
    for name in ("model_metrics", "recovery", "ols_inference", "intervals", "agreement"):
        io.write_csv(paths.evaluate_table(name), getattr(ev, name))
    for name in ("learning_curve", "degree_sweep", "residuals"):
        io.write_csv(paths.evaluate_plot(name), getattr(ev, name))
    _figures(paths, ev, inputs, demo)
    log.info("evaluated %d models on %s; metrics in %s, figures in %s", len(cards), "/".join(SPLITS),
             paths.metrics("evaluate"), paths.evaluate_figures_dir)


def _figures(paths: Paths, ev, inp: Inputs, demo: pd.DataFrame) -> None:
    from linreg.models import LinearRegression

    x, y = demo["x"].to_numpy(), demo["y"].to_numpy()
    line = LinearRegression(device="cpu").fit(x[:, None], y)
    d = inp.truth["demo"]
    _save(paths.evaluate_figure("demo_fit"),
          figures.demo_fit(x, y, line.coef_[0], line.intercept_, d["slope"], d["intercept"]))
    _save(paths.evaluate_figure("gd_loss"), figures.gd_loss(pd.read_csv(paths.gd_history)))
    _save(paths.evaluate_figure("lr_sweep"), figures.lr_sweep(pd.read_csv(paths.lr_sweep)))
    _save(paths.evaluate_figure("learning_curve"), figures.learning_curves(ev.learning_curve))
    _save(paths.evaluate_figure("degree_sweep"), figures.degree_sweep(ev.degree_sweep))
    reg_path = pd.read_csv(paths.reg_path)
    penalized = [m for m in ("ridge", "lasso", "elastic_net") if m in inp.cards]
    if penalized:
        _save(paths.evaluate_figure("reg_paths"), figures.regularization_paths(reg_path, inp.cards))
        _save(paths.evaluate_figure("validation_curves"),
              figures.validation_curves(pd.read_csv(paths.validation_curve)))
    ours = [m for m, c in inp.cards.items() if c["kind"] == "ours"]
    if inp.truth.get("known"):
        truth_scaled = np.asarray(inp.truth["coef"]) * np.asarray(inp.scaler.scale)
        shown = [m for m in ("ols", "ridge", "lasso", "lasso_1se", "elastic_net", "elastic_net_1se")
                 if m in inp.cards]
        _save(paths.evaluate_figure("coef_vs_truth"),
              figures.coefficients_vs_truth(inp.cards, truth_scaled, inp.scaler.feature_names, shown))
    test = ev.model_metrics[(ev.model_metrics.split == "test") & (ev.model_metrics.metric == "mse")]
    table = pd.DataFrame({"model": test.model, "test_mse": test.value.astype(float)})
    table = table[table.model.isin(ours)]
    if len(ev.recovery):
        table = table.merge(ev.recovery[["model", "support_f1"]], on="model", how="left")
    _save(paths.evaluate_figure("comparison"), figures.comparison(table.reset_index(drop=True)))
    _save(paths.evaluate_figure("residuals"), figures.residual_panels(ev.residuals))


if __name__ == "__main__":
    stage.run(main, "evaluate")
