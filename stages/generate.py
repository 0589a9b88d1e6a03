"""Stage generate: the main dataset and the one-feature demo.

Inputs:  params base.seed, generate (and the user CSV when generate.source is csv)
Outputs: data/raw/dataset.parquet (one row group per fixed block of rows), data/raw/truth.json,
         data/raw/demo.parquet

Synthetic blocks are drawn on the engine's workers (params ``engine``) and written in
block order as they arrive, so the stage holds a few blocks, never the whole table.
Outputs are written beside the previous ones and replace them only when all are written
(linreg.pipeline.outputs), as in every stage.
"""

from __future__ import annotations

# isort: off
from linreg.pipeline.warm import delegate

delegate()  # a warm server, where one is listening, runs this stage and this process exits with its status
import linreg.pipeline.interrupts  # noqa: F401  (Ctrl-C while the libraries load prints one line)
# isort: on

from pathlib import Path

from linreg.pipeline import io, seeds, stage
from linreg.pipeline.data.generate import load_csv, load_diabetes_frame, make_demo, rows_per_block, synthetic_design
from linreg.pipeline.engine import session
from linreg.pipeline.log import setup_logging
from linreg.pipeline.outputs import staged_outputs
from linreg.pipeline.params import engine_params, stage_params
from linreg.pipeline.paths import project_paths


def main(root: Path | None = None) -> None:
    log = setup_logging("generate")
    paths = project_paths(root)
    params = stage_params(paths, "generate")
    cfg = params.generate
    seed = params.base.seed

    demo = make_demo(**cfg.demo.model_dump(), seed=seed)
    with staged_outputs(paths, "generate") as out, session(engine_params(paths)) as engine:
        with io.BlockWriter(out.raw_table) as table:
            if cfg.source == "synthetic":
                spec = synthetic_design(
                    n_samples=cfg.n_samples,
                    n_features=cfg.n_features,
                    n_informative=cfg.n_informative,
                    intercept=cfg.intercept,
                    noise_std=cfg.noise_std,
                    correlation=cfg.correlation,
                    scale_spread=cfg.scale_spread,
                    feature_offset=cfg.feature_offset,
                    seed=seed,
                )
                truth = spec.truth
                for frame in engine.map(spec.frame, spec.blocks(cfg.n_samples)):
                    table.write(frame)
            else:
                if cfg.source == "diabetes":
                    frame, truth = load_diabetes_frame()
                else:
                    csv_path = Path(cfg.csv_path)
                    csv_path = csv_path if csv_path.is_absolute() else paths.root / csv_path
                    frame, truth = load_csv(csv_path, cfg.csv_target)
                per_block = rows_per_block(frame.shape[1] - 1)
                for start in range(0, len(frame), per_block):
                    table.write(frame.iloc[start : start + per_block])
        # The demo's recipe in full, its seed and random stream included: the chapters' notebooks redraw it in NumPy.
        demo_recipe = {**cfg.demo.model_dump(), "seed": seed, "spawn_key": [seeds.STREAMS["demo"]]}
        io.write_json(out.truth, {**truth, "demo": demo_recipe})
        io.write_parquet(out.demo_table, demo)
        where = engine.description
    log.info(
        "wrote %s (%d rows × %d features, source %s, %s) and %s (%d rows)",
        paths.raw_table,
        table.rows,
        len(truth["feature_names"]),
        truth["source"],
        where,
        paths.demo_table,
        len(demo),
    )


if __name__ == "__main__":
    stage.run(main, "generate")
