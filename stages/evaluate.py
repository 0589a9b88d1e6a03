"""Stage evaluate: metrics on every split, inference, agreement, overfitting evidence, figures.

Blockwise on the engine, over every row: each model's error metrics on each split, the
training statistics (ridge's covariance) and the Poisson bootstrap's resamples. What needs
rows in one process (OLS inference, agreement, learning curves, residual plots) reads the
first ``base.max_rows_in_memory`` rows of each split, so memory does not grow with n.

What does not depend on the trained models (the demo's lessons, the regime sweep) is the lessons
stage's, so an edit to train re-runs none of it.

Inputs:  models/*.json, data/scaled/*.parquet, data/split/train.parquet,
         data/raw/truth.json, data/scaled/scaler.json,
         reports/plots/train/*.csv; params base.seed, base.max_rows_in_memory,
         evaluate.bootstrap_resamples, evaluate.learning_curve_fractions
Outputs: reports/metrics/evaluate.json, reports/tables/*.csv,
         reports/plots/evaluate/*.csv, reports/figures/evaluate/*.png (each drawn again only when what it
         shows changed: linreg.pipeline.reuse)
"""

from __future__ import annotations

# isort: off
from linreg.pipeline.warm import delegate

delegate()  # a warm server, where one is listening, runs this stage and this process exits with its status
import linreg.pipeline.interrupts  # noqa: F401  (Ctrl-C while the libraries load prints one line)
# isort: on

from pathlib import Path

import numpy as np
import pandas as pd

from linreg.pipeline import io, reuse, stage
from linreg.pipeline.card import ModelCard
from linreg.pipeline.data.generate import features_and_target
from linreg.pipeline.data.scale import Scaler
from linreg.pipeline.engine import session
from linreg.pipeline.engine.tables import table_stats
from linreg.pipeline.evaluation import figures
from linreg.pipeline.evaluation.assemble import SPLITS, Inputs, evaluate_all, table_bootstrap, table_error_sums
from linreg.pipeline.log import setup_logging
from linreg.pipeline.outputs import staged_outputs
from linreg.pipeline.params import engine_params, stage_params
from linreg.pipeline.paths import project_paths

TABLES = ("model_metrics", "recovery", "ols_inference", "intervals", "agreement", "paired_test")
PLOTS = ("learning_curve", "residuals")


def _xy(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    X, y, _ = features_and_target(table)
    return X, y


def main(root: Path | None = None) -> None:
    log = setup_logging("evaluate")
    paths = project_paths(root)
    params = stage_params(paths, "evaluate")
    cards = {p.stem: ModelCard.from_json(io.read_json(p)) for p in sorted(paths.models_dir.glob("*.json"))}
    if not cards:
        raise io.ArtifactError(f"no model cards in {paths.models_dir}: run the train stage (dvc repro).")
    with session(engine_params(paths)) as engine:
        # Every model's error on every split: one pass over each split's blocks, on the engine's workers.
        sums = {s: table_error_sums(engine, paths.scaled_table(s).resolve(), list(cards.values())) for s in SPLITS}
        # The training blocks' statistics (ridge's covariance) and all bootstrap resamples', one pass each.
        train = paths.scaled_table("train").resolve()
        train_stats = table_stats(engine, train, dtype="float64", device="cpu")
        boot = table_bootstrap(engine, train, resamples=params.evaluate.bootstrap_resamples, seed=params.base.seed)
        ran_on = engine.record()
    limit = params.base.max_rows_in_memory  # what needs rows in one process reads at most this many per split
    inputs = Inputs(
        cards=cards,
        splits={s: _xy(io.read_head(paths.scaled_table(s), limit)) for s in SPLITS},
        train_unscaled=_xy(io.read_head(paths.split_table("train"), limit)),
        truth=io.read_json(paths.truth),
        scaler=Scaler.from_dict(io.read_json(paths.scaler)),
        error_sums=sums,
        train_stats=train_stats,
        bootstrap=boot,
    )
    ev = evaluate_all(inputs, params.evaluate, seed=params.base.seed)

    rows = {f"{s}_rows": sums[s].n for s in SPLITS} | {f"{s}_rows_in_memory": len(inputs.splits[s][1]) for s in SPLITS}
    plots = {
        name: pd.read_csv(path)
        for name, path in (
            ("gd_history", paths.gd_history),
            ("lr_sweep", paths.lr_sweep),
            ("reg_path", paths.reg_path),
            ("validation_curve", paths.validation_curve),
        )
    }
    drawn: dict[str, bool] = {}
    with staged_outputs(paths, "evaluate") as out:
        io.write_json(out.metrics("evaluate"), {**ev.metrics, **ran_on, **rows})
        for name in TABLES:
            io.write_csv(out.evaluate_table(name), getattr(ev, name))
        io.write_text(out.ols_summary, ev.ols_summary)
        for name in PLOTS:
            io.write_csv(out.evaluate_plot(name), getattr(ev, name))
        # A figure whose inputs did not change (most of them after a train.gd edit) is the previous one.
        for name, (draw, args) in figures.evaluation_figures(ev, inputs, plots).items():
            drawn[name] = reuse.write_figure(out.evaluate_figure(name), paths.evaluate_figure(name), draw, args)
    log.info(
        "evaluated %d models on %s; metrics in %s, figures in %s (%d of %d drawn, the rest unchanged)",
        len(cards),
        "/".join(SPLITS),
        paths.metrics("evaluate"),
        paths.evaluate_figures_dir,
        sum(drawn.values()),
        len(drawn),
    )


if __name__ == "__main__":
    stage.run(main, "evaluate")
