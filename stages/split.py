"""Stage split: each fixed block of rows shuffled by its own seed and cut into train / validation / test.

Inputs:  data/raw/dataset.parquet; params base.seed, split
Outputs: data/split/{train,validation,test}.parquet (one row group per block of the raw table that
         the part keeps rows of), data/split/sizes.json

Block by block: the stage holds one block at a time, whatever the data's size.
"""

from __future__ import annotations

# isort: off
from linreg.pipeline.warm import delegate

delegate()  # a warm server, where one is listening, runs this stage and this process exits with its status
import linreg.pipeline.interrupts  # noqa: F401  (Ctrl-C while the libraries load prints one line)
# isort: on

from contextlib import ExitStack
from pathlib import Path

from linreg.pipeline import io, seeds, stage
from linreg.pipeline.data.split import PARTS, block_counts, block_split, check_sizes
from linreg.pipeline.log import setup_logging
from linreg.pipeline.outputs import staged_outputs
from linreg.pipeline.params import stage_params
from linreg.pipeline.paths import project_paths


def main(root: Path | None = None) -> None:
    log = setup_logging("split")
    paths = project_paths(root)
    params = stage_params(paths, "split")
    cfg = params.split
    blocks = io.block_rows(paths.raw_table)
    counts = [block_counts(rows, validation=cfg.validation, test=cfg.test) for rows in blocks]
    check_sizes(*(sum(c[k] for c in counts) for k in range(3)))  # before any part is written
    with staged_outputs(paths, "split") as out:
        with ExitStack() as stack:
            writers = {part: stack.enter_context(io.BlockWriter(out.split_table(part))) for part in PARTS}
            for block, rows in enumerate(blocks):
                frame = io.read_block(paths.raw_table, block)
                # A stream per block, of its own, so changing the generator's draws never changes the split's.
                parts = block_split(
                    rows, validation=cfg.validation, test=cfg.test, rng=seeds.rng(params.base.seed, "split", block)
                )
                for part in PARTS:
                    writers[part].write(frame.iloc[parts[part]])
        sizes = {f"n_{part}": writers[part].rows for part in PARTS}
        io.write_json(out.split_sizes, {**sizes, "fractions": cfg.model_dump()})
    log.info("wrote %s: %s", paths.split_dir, ", ".join(f"{k}={v}" for k, v in sizes.items()))


if __name__ == "__main__":
    stage.run(main, "split")
