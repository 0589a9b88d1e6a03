"""Everything that can be checked before a stage runs: params, the device, the user's CSV."""

from __future__ import annotations

import os

from linreg.pipeline.data.generate import load_csv
from linreg.pipeline.errors import DataError
from linreg.pipeline.machine import available_memory_bytes, params_device
from linreg.pipeline.paths import Paths

# Train and evaluate hold a few copies of at most base.max_rows_in_memory rows at once (samples of
# each split, scaled and not, and a stage's arrays); generate, split and scale hold a few blocks.
COPIES = 6

GROUPS = ("base", "generate", "split", "scale", "train", "evaluate", "benchmark", "report", "engine")


def preflight(paths: Paths, base, generate, *groups) -> str:
    """Raise the first user error (ParamsError, DeviceError, DataError) the params would cause; say what was checked.

    The params groups arrive already validated by the schema (reading them did
    that); what remains is what the schema cannot know: whether the device
    exists on this machine and whether the CSV is usable.
    """
    device = params_device(base.device)
    checked = f"device {base.device} → {device}"
    if generate.source == "synthetic":
        rows = min(generate.n_samples, base.max_rows_in_memory)
        need = COPIES * 8 * rows * (generate.n_features + 1)
        have = available_memory_bytes()
        if have is not None and need > have:
            raise DataError(
                f"min(generate.n_samples, base.max_rows_in_memory) × generate.n_features = {rows:,} × "
                f"{generate.n_features:,} needs about {need / 2**30:.1f} GiB in one process while this machine has "
                f"{have / 2**30:.1f} GiB available; lower base.max_rows_in_memory (the rows held in memory; every "
                "fit on statistics still uses all rows) or n_features."
            )
    if generate.source == "csv":
        frame, _ = load_csv(paths.root / generate.csv_path, generate.csv_target)
        checked += f"; {generate.csv_path}: {len(frame)} rows × {frame.shape[1] - 1} features"
    engine = groups[-1]
    if engine.address is not None or os.environ.get("DASK_SCHEDULER_ADDRESS"):
        from linreg.pipeline.engine import session

        with session(engine) as eng:  # an unreachable scheduler fails here, before any output is removed
            checked += f"; engine: {eng.description}"
    return checked
