"""Everything that can be checked before a stage runs: params, the device, the user's CSV."""

from __future__ import annotations

import os

from linreg.data.generate import load_csv
from linreg.device import available_memory_bytes, resolve_device
from linreg.errors import DataError
from linreg.paths import Paths

# The pipeline holds a few copies of the table at once (raw, split, scaled, a stage's arrays).
COPIES = 6

GROUPS = ("base", "generate", "split", "scale", "train", "evaluate", "benchmark", "report", "engine")


def preflight(paths: Paths, base, generate, *groups) -> str:
    """Raise the first user error (ParamsError, DeviceError, DataError) the params would cause; say what was checked.

    The params groups arrive already validated by the schema (reading them did
    that); what remains is what the schema cannot know: whether the device
    exists on this machine and whether the CSV is usable.
    """
    device = resolve_device(base.device)
    checked = f"device {base.device} → {device}"
    if generate.source == "synthetic":
        need = COPIES * 8 * generate.n_samples * (generate.n_features + 1)
        have = available_memory_bytes()
        if have is not None and need > have:
            raise DataError(
                f"generate.n_samples × generate.n_features = {generate.n_samples:,} × {generate.n_features:,} needs "
                f"about {need / 2**30:.1f} GiB while this machine has {have / 2**30:.1f} GiB available; lower one "
                "of them.")
    if generate.source == "csv":
        frame, _ = load_csv(paths.root / generate.csv_path, generate.csv_target)
        checked += f"; {generate.csv_path}: {len(frame)} rows × {frame.shape[1] - 1} features"
    engine = groups[-1]
    if engine.address is not None or os.environ.get("DASK_SCHEDULER_ADDRESS"):
        from linreg.cluster import session

        with session(engine) as eng:  # an unreachable scheduler fails here, before any output is removed
            checked += f"; engine: {eng.description}"
    return checked
