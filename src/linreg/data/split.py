"""The train / validation / test split: a seeded shuffle into three disjoint parts."""

from __future__ import annotations

import numpy as np

from linreg.errors import DataError

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
