"""Stage split: a seeded shuffle into disjoint train / validation / test parts.

Inputs:  data/raw/dataset.parquet; params base.seed, split
Outputs: data/split/{train,validation,test}.parquet, data/split/sizes.json
"""

from __future__ import annotations

from pathlib import Path

from linreg import io, seeds, stage
from linreg.data.split import PARTS, split_indices
from linreg.log import setup_logging
from linreg.params import stage_params
from linreg.paths import project_paths


def main(root: Path | None = None) -> None:
    log = setup_logging("split")
    paths = project_paths(root)
    params = stage_params(paths, "split")
    cfg = params.split
    frame = io.read_parquet(paths.raw_table)
    # A stream of its own, so changing the generator's draws never changes the split's.
    parts = split_indices(len(frame), train=cfg.train, validation=cfg.validation, test=cfg.test,
                          rng=seeds.rng(params.base.seed, "split"))

    for part in PARTS:
        io.write_parquet(paths.split_table(part), frame.iloc[parts[part]].reset_index(drop=True))
    sizes = {f"n_{part}": len(parts[part]) for part in PARTS}
    io.write_json(paths.split_sizes, {**sizes, "fractions": cfg.model_dump()})
    log.info("wrote %s: %s", paths.split_dir, ", ".join(f"{k}={v}" for k, v in sizes.items()))


if __name__ == "__main__":
    stage.run(main, "split")
