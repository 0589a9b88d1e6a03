"""Reading and writing artifacts: atomic writes, clear errors on bad inputs.

Every write goes to a temporary file in the destination folder and is then
moved into place with ``os.replace``, so an interrupted stage never leaves a
half-written artifact and a failed one never clobbers the previous good one.
"""

from __future__ import annotations

import glob
import json
import math
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from linreg.pipeline.errors import ArtifactError


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it over ``path`` on success.

    A stage killed mid-write (SIGKILL) leaves its temporary file; the next write of the same
    path removes it (DVC's repository lock means one writer per output at a time).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        stale.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _jsonable(value: Any) -> Any:
    """Plain JSON types; NaN and infinities become null (JSON has no NaN)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    return value


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as sorted, indented JSON (byte-identical for equal data)."""
    text = json.dumps(_jsonable(data), indent=2, sort_keys=True, allow_nan=False) + "\n"
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError as exc:
        raise ArtifactError(f"{path} does not exist: run the stage that writes it (dvc repro).") from exc
    except json.JSONDecodeError as exc:
        raise ArtifactError(f"{path} is not valid JSON ({exc}); rerun the stage that writes it.") from exc


def write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text if text.endswith("\n") else text + "\n")


def write_parquet(path: Path, frame: pd.DataFrame) -> None:
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, engine="pyarrow", index=False)


def read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path, engine="pyarrow")
    except FileNotFoundError as exc:
        raise ArtifactError(f"{path} does not exist: run the stage that writes it (dvc repro).") from exc


# --- Tables in fixed blocks of rows -------------------------------------------------------------
# The pipeline's tables are Parquet files whose row groups are the data's logical blocks (generate's
# fixed blocks of rows, and the rows of each block that a split part keeps). A block is the unit
# every blockwise computation reads, on whichever worker, so results never depend on partitioning;
# the whole file is never needed in one process.


class BlockWriter:
    """Write a table one block (row group) at a time, atomically: the file appears whole or not at all.

    ``with BlockWriter(path) as w: w.write(frame)`` — each ``write`` is one row group (an empty frame
    adds none but fixes the columns); the file replaces ``path`` only when the block closes cleanly.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self._atomic = atomic_path(self.path)
        self._writer: Any = None
        self._schema: Any = None
        self.rows = 0

    def __enter__(self) -> BlockWriter:
        self._tmp = self._atomic.__enter__()
        return self

    def write(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self._writer is None:
            self._schema = table.schema
            # Plain encoding, uncompressed: random floats do not compress, and dictionary encoding and
            # snappy only slowed writes and reads (docs/performance.md, "Design measurements").
            self._writer = pq.ParquetWriter(self._tmp, self._schema, use_dictionary=False, compression="none")
        if len(frame):
            self._writer.write_table(table.cast(self._schema), row_group_size=len(frame))
            self.rows += len(frame)

    def __exit__(self, exc_type, exc, tb) -> bool | None:
        if self._writer is not None:
            self._writer.close()
        elif exc_type is None:
            raise ValueError(f"no block was written to {self.path}; write at least one (possibly empty) frame")
        return self._atomic.__exit__(exc_type, exc, tb)


def _parquet_file(path: Path) -> Any:
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except FileNotFoundError as exc:
        raise ArtifactError(f"{path} does not exist: run the stage that writes it (dvc repro).") from exc


def block_rows(path: Path) -> list[int]:
    """The number of rows in each block (row group) of a table, from its footer alone."""
    meta = _parquet_file(path).metadata
    return [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]


def table_width(path: Path) -> int:
    """The number of columns of a table, from its footer alone."""
    return len(_parquet_file(path).schema_arrow.names)


def read_block(path: Path, block: int) -> pd.DataFrame:
    """One block (row group) of a table."""
    return _parquet_file(path).read_row_group(block).to_pandas()


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, float_format="%.10g")


def write_figure(path: Path, fig: Any, dpi: int = 120, key: str | None = None) -> None:
    """Atomically write a matplotlib figure as PNG, then free it.

    The PNG carries its dpi and its smallest font size (points) as text chunks, so a test of the
    rendered report can compute how tall its text is at the size the page shows it, and ``key``
    when given: what it was drawn from (``linreg.pipeline.reuse``).
    """
    import matplotlib.image
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    # Drawn once, at the output's dpi: the font sizes are read off that drawing (tick labels exist only
    # once drawn) and its pixels are the PNG, where savefig would lay out and draw the figure again.
    fig.set_dpi(dpi)
    fig.canvas.draw()
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    meta = {"linreg-dpi": str(dpi), "linreg-min-font-pt": f"{min(sizes) if sizes else 0:g}"}
    if key is not None:
        meta["linreg-inputs"] = key
    with atomic_path(path) as tmp:
        matplotlib.image.imsave(tmp, np.asarray(fig.canvas.buffer_rgba()), format="png", dpi=dpi, metadata=meta)
    plt.close(fig)


def read_xy(path: Path, block: int) -> tuple[np.ndarray, np.ndarray]:
    """One block as X (rows, p) and y (rows,), float64: every table has its features, then the target last."""
    table = read_block(path, block)
    return table.iloc[:, :-1].to_numpy(dtype=np.float64), table.iloc[:, -1].to_numpy(dtype=np.float64)


def read_head(path: Path, max_rows: int) -> pd.DataFrame:
    """The table's first ``max_rows`` rows (all of it when shorter), reading only the blocks that hold them."""
    rows = block_rows(path)
    frames, total = [], 0
    for block, count in enumerate(rows):
        if total >= max_rows:
            break
        frames.append(read_block(path, block))
        total += count
    if not frames:
        return _parquet_file(path).schema_arrow.empty_table().to_pandas()
    head = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return head.iloc[:max_rows].reset_index(drop=True) if total > max_rows else head
