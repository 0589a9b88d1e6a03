"""Stage scale: fit the scaler on the training part, apply it to all three.

Inputs:  data/split/*.parquet; params scale
Outputs: data/scaled/{train,validation,test}.parquet (the split's blocks, scaled),
         data/scaled/scaler.json, reports/metrics/scale.json

Two passes, block by block: the training blocks' moments (on the engine's workers,
merged in block order with element-wise Chan updates, so the same bits on any
machine and any number of workers), then each block scaled and written. The scaled
copy is written rather than folded into the estimators' statistics: disk is cheap,
and every later stage, plot and test reads plain scaled rows.
"""

from __future__ import annotations

# isort: off
from linreg.pipeline.warm import delegate

delegate()  # a warm server, where one is listening, runs this stage and this process exits with its status
import linreg.pipeline.interrupts  # noqa: F401  (Ctrl-C while the libraries load prints one line)
# isort: on

from pathlib import Path

from linreg.pipeline import io, stage
from linreg.pipeline.data.generate import TARGET
from linreg.pipeline.data.scale import scaler_from_moments, table_block_moments
from linreg.pipeline.data.split import PARTS
from linreg.pipeline.engine import session
from linreg.pipeline.log import setup_logging
from linreg.pipeline.outputs import staged_outputs
from linreg.pipeline.params import engine_params, stage_params
from linreg.pipeline.paths import project_paths


def main(root: Path | None = None) -> None:
    log = setup_logging("scale")
    paths = project_paths(root)
    params = stage_params(paths, "scale")
    train = paths.split_table("train")
    names = [c for c in io.read_block(train, 0).columns if c != TARGET]
    with session(engine_params(paths)) as engine:
        moments = list(engine.map(table_block_moments, range(len(io.block_rows(train))), train.resolve()))
    scaler = scaler_from_moments(moments, names, params.scale.method)
    for name in scaler.constant_features:
        log.warning("feature %s is constant on the training part: scaled to a zero column", name)

    with staged_outputs(paths, "scale") as out:
        for part in PARTS:
            source = paths.split_table(part)
            with io.BlockWriter(out.scaled_table(part)) as table:
                for block in range(len(io.block_rows(source))):
                    frame = io.read_block(source, block)
                    frame[names] = scaler.transform(frame[names].to_numpy(dtype="float64"))
                    table.write(frame)
        io.write_json(out.scaler, scaler.to_dict())
        io.write_json(
            out.metrics("scale"), {"method": scaler.method, "n_constant_features": len(scaler.constant_features)}
        )
    log.info("wrote %s (%s scaling)", paths.scaled_dir, scaler.method)


if __name__ == "__main__":
    stage.run(main, "scale")
