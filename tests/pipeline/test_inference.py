"""The evaluate stage's inference: the seeded bootstraps (ridge's covariance is the library's: tests/models)."""

from __future__ import annotations

import numpy as np

from linreg.pipeline.evaluation.inference import bootstrap_enet, poisson_bootstrap_stats

from ..oracles import regression_data


def test_bootstrap_is_seeded_and_brackets_the_estimate():
    X, y, beta = regression_data(n=300, sparse=True)
    Xc = (X - X.mean(0)) / X.std(0)
    a = bootstrap_enet(poisson_bootstrap_stats(Xc, y, resamples=40, seed=1), 0.05, 1.0)
    b = bootstrap_enet(poisson_bootstrap_stats(Xc, y, resamples=40, seed=1), 0.05, 1.0)
    np.testing.assert_array_equal(a["lower"], b["lower"])
    assert np.all(a["lower"] <= a["upper"])
    assert np.all((0 <= a["selected_fraction"]) & (a["selected_fraction"] <= 1))
    # Strong true signals are selected in every resample.
    assert np.all(a["selected_fraction"][np.abs(beta * X.std(0)) > 1.0] == 1.0)


def test_poisson_bootstrap_statistics_are_the_weighted_statistics_in_one_pass():
    # Each resample's merged block statistics equal one weighted pass with that resample's
    # weights, drawn per fixed block from the block's own stream (so blocks can be anywhere).
    import torch

    from linreg.models.stats import compute_stats
    from linreg.pipeline import seeds

    X, y, _ = regression_data(n=700, p=4, offset=50.0)
    stats = poisson_bootstrap_stats(X, y, resamples=3, seed=7, block_rows=256)
    blocks = [
        seeds.rng(7, "bootstrap", k).poisson(1.0, size=(3, len(y[s : s + 256])))
        for k, s in enumerate(range(0, 700, 256))
    ]
    for b in range(3):
        w = np.concatenate([blk[b] for blk in blocks]).astype(float)
        whole = compute_stats(X, y, dtype=torch.float64, device=torch.device("cpu"), sample_weight=w).as_torch()
        assert stats[b].n == whole.n == w.sum()
        torch.testing.assert_close(stats[b].gram, whole.gram, rtol=1e-11, atol=0)
        torch.testing.assert_close(stats[b].xty, whole.xty, rtol=1e-11, atol=1e-9)


def test_the_bootstrap_reads_read_only_tables_without_a_warning():
    """The evaluate stage's arrays are read-only views of Parquet columns: only read, so no torch warning."""
    import warnings

    X, y, _ = regression_data(n=300, p=3)
    X.setflags(write=False)
    y.setflags(write=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        poisson_bootstrap_stats(X, y, resamples=2, seed=1, block_rows=128)
