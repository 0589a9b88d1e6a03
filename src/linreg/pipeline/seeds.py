"""Every random stream, named once and derived from ``base.seed``.

A stream is ``SeedSequence(seed, spawn_key=(stream id, *block))``: independent
streams that do not shift when another one draws more, and per-block streams for
data generated in fixed blocks of rows (so the data do not depend on how many
rows are generated at once, or by how many workers).
"""

from __future__ import annotations

import numpy as np

STREAMS = {
    "synthetic_features": 0,  # per block of rows
    "synthetic_noise": 1,  # per block of rows
    "truth": 2,  # which coefficients are informative, their signs and sizes
    "demo": 3,
    "split": 4,
    "demo_split": 5,  # the evaluate stage's split of the demo (for the polynomial-degree sweep)
    "bootstrap": 6,  # lasso / elastic-net bootstrap resamples
    "regime": 7,  # the evaluate stage's regime sweep: the seed of each (regime, repeat)'s data
    "regime_split": 8,  # and its split
}


def rng(seed: int, stream: str, *block: int) -> np.random.Generator:
    """The generator of ``stream`` (and of one block of it) for this seed."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(STREAMS[stream], *block)))
