"""Stage train: every model variant on the configured device, and CPU reference fits.

Inputs:  data/scaled/{train,validation}.parquet, data/scaled/scaler.json,
         data/split/train.parquet (unscaled, for the scaling experiment),
         data/raw/demo.parquet; params base, train
Outputs: models/<name>.json (one card per model, never a pickle),
         reports/plots/train/{gd_history,lr_sweep,reg_path,validation_curve}.csv,
         reports/metrics/train.json (fit times, chosen alphas, the design's condition
         number before and after scaling)
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from linreg import io, stage
from linreg.data.generate import features_and_target
from linreg.data.scale import Scaler
from linreg.device import resolve_device, resolve_dtype, software_versions
from linreg.models.closed_form import design_condition_number
from linreg.log import setup_logging
from linreg.params import stage_params
from linreg.paths import project_paths
from linreg.training import Split, TrainingData, train_all


def _split(table: pd.DataFrame) -> Split:
    X, y, _ = features_and_target(table)
    return Split(X, y)


def main(root: Path | None = None) -> None:
    log = setup_logging("train")
    paths = project_paths(root)
    params = stage_params(paths, "train")
    device = resolve_device(params.base.device)
    dtype = resolve_dtype(params.base.dtype)
    if params.base.device == "auto":
        log.info("device auto resolved to %s", device)

    train_table = io.read_parquet(paths.scaled_table("train"))
    data = TrainingData(
        train=_split(train_table),
        validation=_split(io.read_parquet(paths.scaled_table("validation"))),
        train_unscaled=_split(io.read_parquet(paths.split_table("train"))),
        demo=_split(io.read_parquet(paths.demo_table)),
        feature_names=features_and_target(train_table)[2],
        scaler=Scaler.from_dict(io.read_json(paths.scaler)),
    )
    trained = train_all(data, params.train, seed=params.base.seed, device=device, dtype=dtype)

    versions = software_versions()
    for name, card in trained.cards.items():
        io.write_json(paths.model_card(name), {**card, "versions": versions})
    io.write_csv(paths.gd_history, pd.concat(trained.gd_history, ignore_index=True))
    io.write_csv(paths.lr_sweep, trained.lr_sweep)
    io.write_csv(paths.reg_path, pd.concat(trained.reg_path, ignore_index=True) if trained.reg_path else
                 pd.DataFrame(columns=["model", "alpha", "feature", "coef", "nonzero"]))
    io.write_csv(paths.validation_curve, pd.concat(trained.validation_curve, ignore_index=True)
                 if trained.validation_curve else pd.DataFrame(columns=["model", "alpha", "val_mse", "one_se_threshold",
                                                                        "chosen_min", "chosen_1se"]))
    metrics = {"device": str(device), "dtype": params.base.dtype, "stats_seconds": trained.stats_seconds,
               # What scaling did to the training design (GD's iteration count goes with its square).
               "cond_train_before": design_condition_number(data.train_unscaled.X),
               "cond_train_after": design_condition_number(data.train.X)}
    for name, card in trained.cards.items():
        metrics[f"{name}_fit_seconds"] = card["fit_seconds"]
        if card["kind"] == "ours" and card["family"] != "ols":  # iterative or tuned models
            for key in ("alpha", "alpha_1se", "n_iter", "converged", "diverged"):
                if card.get(key) is not None:
                    metrics[f"{name}_{key}"] = card[key]
    io.write_json(paths.metrics("train"), metrics)
    ours = [n for n, c in trained.cards.items() if c["kind"] == "ours"]
    log.info("trained %s on %s (%s) and %d references; cards in %s", ", ".join(ours), device, params.base.dtype,
             len(trained.cards) - len(ours), paths.models_dir)


if __name__ == "__main__":
    stage.run(main, "train")
