"""Stage generate: the main dataset and the one-feature demo.

Inputs:  params base.seed, generate (and the user CSV when generate.source is csv)
Outputs: data/raw/dataset.parquet, data/raw/truth.json, data/raw/demo.parquet
"""

from __future__ import annotations

from pathlib import Path

from linreg import io, stage
from linreg.data.generate import load_csv, load_diabetes_frame, make_demo, make_synthetic
from linreg.log import setup_logging
from linreg.params import stage_params
from linreg.paths import project_paths


def main(root: Path | None = None) -> None:
    log = setup_logging("generate")
    paths = project_paths(root)
    params = stage_params(paths, "generate")
    cfg = params.generate
    seed = params.base.seed

    if cfg.source == "synthetic":
        frame, truth = make_synthetic(
            n_samples=cfg.n_samples, n_features=cfg.n_features, n_informative=cfg.n_informative,
            intercept=cfg.intercept, noise_std=cfg.noise_std, correlation=cfg.correlation,
            scale_spread=cfg.scale_spread, feature_offset=cfg.feature_offset, seed=seed,
        )
    elif cfg.source == "diabetes":
        frame, truth = load_diabetes_frame()
    else:
        csv_path = Path(cfg.csv_path)
        frame, truth = load_csv(csv_path if csv_path.is_absolute() else paths.root / csv_path, cfg.csv_target)
    demo = make_demo(**cfg.demo.model_dump(), seed=seed)

    io.write_parquet(paths.raw_table, frame)
    io.write_json(paths.truth, {**truth, "demo": cfg.demo.model_dump()})
    io.write_parquet(paths.demo_table, demo)
    log.info(
        "wrote %s (%d rows × %d features, source %s) and %s (%d rows)",
        paths.raw_table, len(frame), frame.shape[1] - 1, truth["source"], paths.demo_table, len(demo),
    )


if __name__ == "__main__":
    stage.run(main, "generate")
