"""Stage train: every model variant on the configured device, and CPU reference fits.

The training statistics every variant shares come from one pass over the training
blocks on the engine (params ``engine``: in-process, a LocalCluster or a cluster by
address), merged in block order, so they are the same bits on any engine.

The training and validation parts are read lazily, block by block, by every variant
(fitted on statistics, or mini-batch GD streaming the blocks) when they hold more rows
than ``base.max_rows_in_memory``, else held whole; what needs rows in
one process (the GD experiments, the reference fits) reads the first
``base.max_rows_in_memory`` training rows, so the stage's memory does not grow with n.

Inputs:  data/scaled/{train,validation}.parquet, data/scaled/scaler.json,
         data/split/train.parquet (unscaled, for the scaling experiment),
         data/raw/demo.parquet; params base, train
Outputs: models/<name>.json (one card per model, never a pickle),
         reports/plots/train/{gd_history,lr_sweep,reg_path,validation_curve}.csv,
         reports/metrics/train.json (fit times, chosen alphas, the design's condition
         number before and after scaling)
"""

from __future__ import annotations

# isort: off
from linreg.pipeline.warm import delegate

delegate()  # a warm server, where one is listening, runs this stage and this process exits with its status
import linreg.pipeline.interrupts  # noqa: F401  (Ctrl-C while the libraries load prints one line)
# isort: on

from pathlib import Path

import pandas as pd

from linreg.pipeline import io, stage
from linreg.pipeline.data.generate import features_and_target
from linreg.pipeline.data.scale import Scaler
from linreg.pipeline.engine import session
from linreg.pipeline.engine.tables import table_arrays, table_stats
from linreg.pipeline.log import setup_logging
from linreg.pipeline.machine import params_device, software_versions
from linreg.pipeline.outputs import staged_outputs
from linreg.pipeline.params import engine_params, stage_params
from linreg.pipeline.paths import project_paths
from linreg.pipeline.training import Split, TrainingData, train_all, train_metrics


def _split(table: pd.DataFrame) -> Split:
    X, y, _ = features_and_target(table)
    return Split(X, y)


def _whole_or_lazy(path: Path, head: Split, limit: int) -> Split:
    """The table in memory when its first ``limit`` rows are all of it (no Dask to load), else lazy over its blocks."""
    if sum(io.block_rows(path)) <= limit:
        return head
    X, y = table_arrays(path.resolve())
    return Split(X, y)


def main(root: Path | None = None) -> None:
    log = setup_logging("train")
    paths = project_paths(root)
    params = stage_params(paths, "train")
    device, dtype = params_device(params.base.device), params.base.dtype
    limit = params.base.max_rows_in_memory
    sample = io.read_head(paths.scaled_table("train"), limit)
    train_head = _split(sample)
    validation_head = _split(io.read_head(paths.scaled_table("validation"), limit))
    data = TrainingData(
        # Lazy over the tables' blocks when they hold more rows than memory may: the variants fitted on
        # statistics read them blockwise.
        train=_whole_or_lazy(paths.scaled_table("train"), train_head, limit),
        validation=_whole_or_lazy(paths.scaled_table("validation"), validation_head, limit),
        train_sample=train_head,
        validation_sample=validation_head,
        train_unscaled=_split(io.read_head(paths.split_table("train"), limit)),
        demo=_split(io.read_parquet(paths.demo_table)),
        feature_names=features_and_target(sample)[2],
        scaler=Scaler.from_dict(io.read_json(paths.scaler)),
    )
    if data.sampled:
        log.info(
            "the training part has %d rows: every variant reads them block by block; the GD experiments and the "
            "reference fits use its "
            "first %d (base.max_rows_in_memory)",
            data.train.X.shape[0],
            limit,
        )
    with session(engine_params(paths)) as engine:
        # The one pass every variant shares: the training blocks' statistics, on the engine's workers.
        trained = train_all(
            data,
            params.train,
            seed=params.base.seed,
            device=device,
            dtype=dtype,
            stats=lambda: table_stats(engine, paths.scaled_table("train").resolve(), dtype=dtype, device=device),
        )
        ran_on = engine.record()

    versions = software_versions()
    tables = trained.tables()
    with staged_outputs(paths, "train") as out:
        for name, card in trained.cards.items():
            card.versions = versions
            io.write_json(out.model_card(name), card.to_json())
        for name in ("gd_history", "lr_sweep", "reg_path", "validation_curve"):
            io.write_csv(getattr(out, name), tables[name])
        io.write_json(out.metrics("train"), {**train_metrics(trained, data, device=device, dtype=dtype), **ran_on})
    ours = [n for n, c in trained.cards.items() if c.kind == "ours"]
    log.info(
        "trained %s on %s (%s) and %d references (statistics pass: %s, %d worker(s)); cards in %s",
        ", ".join(ours),
        device,
        dtype,
        len(trained.cards) - len(ours),
        ran_on["engine"],
        ran_on["engine_workers"],
        paths.models_dir,
    )


if __name__ == "__main__":
    stage.run(main, "train")
