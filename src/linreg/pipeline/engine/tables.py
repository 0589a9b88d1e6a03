"""A Parquet table's statistics, one pass over its blocks on the engine, and the table as lazy Dask arrays."""

from __future__ import annotations

from typing import Any

from linreg.models.numerics import tree_merge
from linreg.models.runtime import resolve_device, resolve_dtype
from linreg.models.stats import Stats, compute_stats, merge_stats
from linreg.pipeline.engine.session import Engine

__all__ = ["table_arrays", "table_stats"]


def _table_block_stats(block: int, path: Any, dtype: str, device: str, to_host: bool) -> Stats:
    """The statistics of one block of a table, read and summarised where the task runs."""
    from linreg.pipeline.io import read_xy

    X, y = read_xy(path, block)
    st = compute_stats(X, y, dtype=resolve_dtype(dtype), device=resolve_device(device))
    return st.to(resolve_device("cpu")) if to_host else st


def table_stats(engine: Engine, path: Any, *, dtype: str, device: Any) -> Stats:
    """``Stats`` of a table's rows (features, then y), one pass over its blocks.

    Each block (row group) is read and summarised on a worker, on ``device`` there (a GPU on a
    ``dask-cuda`` worker), and the blocks merge in a fixed tree over block ids: the result does not
    depend on the number of workers. A table of one block gives exactly ``compute_stats`` of its rows.
    """
    from linreg.pipeline.io import block_rows

    n_blocks = len(block_rows(path))
    remote = engine.client is not None
    parts = list(engine.map(_table_block_stats, range(n_blocks), path, dtype, str(device), remote))
    return tree_merge(parts, merge_stats).to(resolve_device(str(device)))


def table_arrays(path: Any) -> tuple[Any, Any]:
    """A table as lazy Dask arrays X (n, p) and y (n,), one chunk per block (row group), read where computed.

    Nothing is read here but the footer; the estimators take these arrays as they take any Dask
    array (one blockwise pass for their statistics), on whichever scheduler is current.
    """
    import dask
    import dask.array as da
    import numpy as np

    from linreg.pipeline.io import block_rows, read_xy, table_width

    rows, p = block_rows(path), table_width(path) - 1
    parts = [dask.delayed(read_xy, nout=2, pure=True)(path, b) for b in range(len(rows))]
    X = da.concatenate([da.from_delayed(xy[0], shape=(r, p), dtype=np.float64) for xy, r in zip(parts, rows)])
    y = da.concatenate([da.from_delayed(xy[1], shape=(r,), dtype=np.float64) for xy, r in zip(parts, rows)])
    return X, y
