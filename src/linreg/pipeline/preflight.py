"""Everything that can be checked before a stage runs: params, the device, the user's CSV."""

from __future__ import annotations

import os
import shutil

from linreg.models.numerics import UNDERFLOW_SCALE
from linreg.pipeline.data.generate import TARGET, load_csv
from linreg.pipeline.data.split import MIN_ROWS, PARTS, check_sizes, index_counts, split_counts
from linreg.pipeline.errors import DataError, ParamsError
from linreg.pipeline.machine import available_memory_bytes, params_device
from linreg.pipeline.params import DEMO_MAX_ROWS, MIN_WORKER_MEMORY, REGIME_MAX_ROWS
from linreg.pipeline.paths import Paths

# Train and evaluate hold a few copies of at most base.max_rows_in_memory rows at once (samples of
# each split, scaled and not, and a stage's arrays); generate, split and scale hold a few blocks.
COPIES = 6

DIABETES_SHAPE = (442, 10)  # scikit-learn's bundled diabetes data (tests/pipeline/test_bad_inputs.py checks it)

GROUPS = ("base", "generate", "split", "scale", "train", "evaluate", "benchmark", "report", "engine")


def check_representable(frame, target: str, *, where: str) -> None:
    """Refuse columns whose squares underflow float64 (they vary on a scale below ~1e-140).

    The statistics (moments for the scaler, XᵀX for every variant but OLS) would hold zeros
    for them: the scale stage would call such a feature constant and zero it.
    """
    spread = frame.max() - frame.min()
    tiny = [target if c == TARGET else c for c in frame.columns if 0 < spread[c] < UNDERFLOW_SCALE]
    if tiny:
        raise DataError(
            f"CSV {where}: column(s) {tiny} vary only on a scale below {UNDERFLOW_SCALE:g}, so their squares "
            "underflow float64 and the statistics every fit works on would hold zeros; multiply them by a "
            "power of ten (a change of units) first."
        )


def check_report_engine(engine: str, which=shutil.which) -> None:
    """``report.engine: quarto`` needs the ``quarto`` command; without it the report stage would fail
    after DVC removed report.html."""
    if engine == "quarto" and which("quarto") is None:
        raise ParamsError(
            "report.engine = 'quarto' but quarto is not on PATH: install Quarto (https://quarto.org/docs/"
            "get-started/), or set report.engine: auto (Quarto when installed, else Jupyter and pandoc) "
            "or report.engine: jupyter."
        )


def check_worker_memory(workers: int, memory_limit: str | None, have: int | None) -> None:
    """Refuse a LocalCluster this machine cannot hold: each worker needs ``MIN_WORKER_MEMORY``
    (or its ``memory_limit``), or the operating system kills workers mid-stage."""
    from dask.utils import format_bytes, parse_bytes

    each = parse_bytes(memory_limit) if memory_limit is not None else MIN_WORKER_MEMORY
    if have is not None and workers * each > have:
        per = f"engine.memory_limit {memory_limit}" if memory_limit else f"the {format_bytes(each)} a worker needs"
        raise ParamsError(
            f"engine.local_workers = {workers} workers × {per} = {format_bytes(workers * each)}, but this machine "
            f"has {format_bytes(have)} available: the operating system would kill workers mid-stage; use fewer "
            "local_workers" + (" or a smaller memory_limit" if memory_limit else "") + "."
        )


# What each part of a fresh split (a regime's rows, the demo's) is for, in the words of the fit it feeds.
USES = {"train": "fitting a line", "validation": "choosing alpha", "test": "the test error"}


def check_fresh_splits(split, evaluate, demo) -> None:
    """The evaluate stage splits fresh rows by the same fractions as the data: each regime of the sweep
    (ridge, lasso and elastic net choose alpha on its validation rows) and the demo (fitted on its
    training rows). Refuse fractions that would leave a part too small, naming the rows that would do."""
    cases = [
        (f"evaluate.regimes[{k}]", f" ({r.name!r})", r.n_samples, REGIME_MAX_ROWS, MIN_ROWS)
        for k, r in enumerate(evaluate.regimes)
    ]
    cases.append(("generate.demo", "", demo.n_samples, DEMO_MAX_ROWS, {"train": 2, "validation": 1, "test": 1}))
    for key, name, n, most, need in cases:

        def short(rows: int) -> list[str]:
            counts = index_counts(rows, validation=split.validation, test=split.test)
            return [part for part, c in zip(PARTS, counts) if c < need[part]]

        missing = short(n)
        if missing:
            part = missing[0]
            have = index_counts(n, validation=split.validation, test=split.test)[PARTS.index(part)]
            enough = next((m for m in range(n + 1, most + 1) if not short(m)), None)
            raise DataError(
                f"{key}{name}: n_samples {n} with split.{part} {getattr(split, part)} leaves {have} {part} "
                f"row{'s' if have != 1 else ''}; {USES[part]} needs at least {need[part]}: "
                + (f"raise {key}.n_samples to at least {enough}, or " if enough else "")
                + f"raise split.{part}."
            )


# Past this many values (rows × features) of the main data, validate says how big the run is: 10^7 float64
# values are 76 MiB for each copy the stages write (raw, split, scaled) and hold.
LARGE_VALUES = 10**7


def size_notice(shape: tuple[int, int], swept: int, split, evaluate, n_alphas: int) -> str | None:
    """One sentence on the run's size when it is large (not a timing promise), else None.

    Large: the main data (``shape``) past ``LARGE_VALUES`` values, or regimes of the evaluate stage's
    sweep (synthetic data of ``swept`` = generate.n_features features, whatever the source) with more
    features than training rows, where every lasso and elastic-net path is slow to converge.
    """
    n, p = shape
    parts = []
    if n * p >= LARGE_VALUES:
        parts.append(
            f"{n:,} rows × {p:,} features = {n * p / 1e6:,.0f} million values ({8 * n * p / 2**20:,.0f} MiB per copy)"
        )
    wide = [
        r for r in evaluate.regimes if index_counts(r.n_samples, validation=split.validation, test=split.test)[0] <= p
    ]
    if wide:
        datasets, names = len(wide) * evaluate.regime_repeats, ", ".join(repr(r.name) for r in wide)
        parts.append(
            f"the regime sweep fits lasso and elastic-net paths of {n_alphas} alphas on {datasets} datasets with more "
            f"features ({swept:,}) than training rows (regimes {names}), slow to converge"
        )
    return ("a large run: " + "; ".join(parts) + ".") if parts else None


def preflight(paths: Paths, base, generate, *groups) -> str:
    """Raise the first user error (ParamsError, DeviceError, DataError) the params would cause; say what was checked.

    The params groups arrive already validated by the schema (reading them did
    that); what remains is what the schema cannot know: whether the device
    exists on this machine and whether the CSV is usable.
    """
    if base.device in ("auto", "cpu"):  # always available: no need to load torch to say so
        checked = f"device {base.device}"
    else:
        checked = f"device {base.device} → {params_device(base.device)}"
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
    split = groups[0]
    if generate.source == "csv":
        frame, _ = load_csv(paths.root / generate.csv_path, generate.csv_target)
        checked += f"; {generate.csv_path}: {len(frame)} rows × {frame.shape[1] - 1} features"
        shape = (len(frame), frame.shape[1] - 1)
        check_representable(frame, generate.csv_target, where=generate.csv_path)
    elif generate.source == "diabetes":
        shape = DIABETES_SHAPE
    else:
        shape = (generate.n_samples, generate.n_features)
    counts = split_counts(*shape, validation=split.validation, test=split.test)
    check_sizes(*counts)  # the split stage checks the same again, on the table it reads
    named = dict(zip(GROUPS[2:], groups))
    check_fresh_splits(split, named["evaluate"], generate.demo)
    check_report_engine(named["report"].engine)
    checked += "; split " + "/".join(str(c) for c in counts) + " rows"
    notice = size_notice(shape, generate.n_features, split, named["evaluate"], named["train"].path.n_alphas)
    if notice:
        checked += f"; {notice}"
    engine = groups[-1]
    if engine.local_workers:
        check_worker_memory(engine.local_workers, engine.memory_limit, available_memory_bytes())
    if engine.address is not None or os.environ.get("DASK_SCHEDULER_ADDRESS"):
        from linreg.pipeline.engine import session

        with session(engine) as eng:  # an unreachable scheduler fails here, before any output is removed
            checked += f"; engine: {eng.description}"
    return checked
