"""The train / validation / test split: a seeded shuffle into three disjoint parts.

The pipeline splits block by block (``block_split()``): each fixed block of rows is
shuffled by a stream of its own (``SeedSequence(seed, spawn_key=(split, block))``) and cut at
the requested fractions. No row moves between blocks, so the split needs no global shuffle
and its result depends on the data's blocks only, never on workers or partitions; every
part keeps the fractions in every block.
"""

from __future__ import annotations

import numpy as np

from linreg.pipeline.errors import DataError

PARTS = ("train", "validation", "test")


def split_indices(
    n_samples: int, *, train: float, validation: float, test: float, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Shuffle ``range(n_samples)`` and cut it by the fractions (which sum to 1).

    Validation and test get ``round(fraction · n)`` rows each (at least one), the
    training part gets the rest, so the parts are disjoint and cover every row.
    """
    n_val = max(1, round(validation * n_samples))
    n_test = max(1, round(test * n_samples))
    n_train = n_samples - n_val - n_test
    if n_train < 2:
        raise DataError(
            f"{n_samples} rows leave {n_train} for training after validation ({n_val}) and "
            f"test ({n_test}); use more rows or a larger split.train fraction."
        )
    order = rng.permutation(n_samples)
    return {
        "train": np.sort(order[:n_train]),
        "validation": np.sort(order[n_train : n_train + n_val]),
        "test": np.sort(order[n_train + n_val :]),
    }


def block_counts(rows: int, *, validation: float, test: float) -> tuple[int, int, int]:
    """(train, validation, test) rows of a block of ``rows``: each part at least one row once a block has 3."""
    n_val, n_test = round(validation * rows), round(test * rows)
    if rows >= 3:
        n_val, n_test = max(1, n_val), max(1, n_test)
    n_test = min(n_test, rows - n_val)
    return rows - n_val - n_test, n_val, n_test


def check_sizes(n_train: int, n_val: int, n_test: int) -> None:
    if n_train < 2 or n_val < 1 or n_test < 1:
        raise DataError(
            f"{n_train + n_val + n_test} rows leave {n_train} for training, {n_val} for validation and {n_test} "
            "for test; at least 2, 1 and 1 are needed: use more rows or change the split fractions."
        )


def block_split(rows: int, *, validation: float, test: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Row positions (sorted) of each part within one block, from that block's own shuffle."""
    n_train, n_val, _ = block_counts(rows, validation=validation, test=test)
    order = rng.permutation(rows)
    return {
        "train": np.sort(order[:n_train]),
        "validation": np.sort(order[n_train : n_train + n_val]),
        "test": np.sort(order[n_train + n_val :]),
    }
