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


def index_counts(n_samples: int, *, validation: float, test: float) -> tuple[int, int, int]:
    """(train, validation, test) rows ``split_indices`` cuts ``n_samples`` into (validate checks them)."""
    n_val = max(1, round(validation * n_samples))
    n_test = max(1, round(test * n_samples))
    return n_samples - n_val - n_test, n_val, n_test


def split_indices(
    n_samples: int, *, train: float, validation: float, test: float, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Shuffle ``range(n_samples)`` and cut it by the fractions (which sum to 1).

    Validation and test get ``round(fraction · n)`` rows each (at least one), the
    training part gets the rest, so the parts are disjoint and cover every row.
    """
    n_train, n_val, n_test = index_counts(n_samples, validation=validation, test=test)
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


# The fewest rows each part may keep: a line needs 2 training rows, choosing alpha on validation rows
# needs the spread of 2 held-out errors (the one-standard-error rule), the test error needs 1.
MIN_ROWS = {"train": 2, "validation": 2, "test": 1}


def split_counts(n_samples: int, n_features: int, *, validation: float, test: float) -> tuple[int, int, int]:
    """(train, validation, test) rows the split stage will write, from the table's shape alone.

    Generate writes every source in blocks of ``rows_per_block(n_features)`` rows and the
    split cuts each block, so the validate stage can check the sizes before anything runs.
    """
    from linreg.pipeline.data.generate import rows_per_block

    per_block = rows_per_block(n_features)
    blocks = [min(per_block, n_samples - start) for start in range(0, n_samples, per_block)]
    counts = [block_counts(rows, validation=validation, test=test) for rows in blocks]
    return tuple(sum(c[k] for c in counts) for k in range(3))  # type: ignore[return-value]


def check_sizes(n_train: int, n_val: int, n_test: int) -> None:
    """Raise ``DataError`` when a part would keep fewer rows than what runs on it needs (``MIN_ROWS``)."""
    if n_train < MIN_ROWS["train"] or n_val < MIN_ROWS["validation"] or n_test < MIN_ROWS["test"]:
        need = ", ".join(f"{MIN_ROWS[part]} for {part}" for part in PARTS)
        raise DataError(
            f"the split fractions leave {n_train} of {n_train + n_val + n_test} rows for training, {n_val} for "
            f"validation and {n_test} for test; at least {need} are needed: raise the small split fractions "
            "(split.train, split.validation, split.test) or use more rows."
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
