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
        whole = compute_stats(X, y, dtype="float64", device="cpu", sample_weight=w)
        assert stats[b].n == whole.n == w.sum()
        # Two summation orders of 700 weighted products of offset-50 columns, shifted before multiplying:
        # a few hundred ulps of the centred sums at most (rtol 1e-11, as before on torch).
        np.testing.assert_allclose(stats[b].gram, whole.gram, rtol=1e-11, atol=0)
        np.testing.assert_allclose(stats[b].xty, whole.xty, rtol=1e-11, atol=1e-9)
        np.testing.assert_allclose(stats[b].x_mean, whole.x_mean, rtol=1e-14)


def test_the_bootstrap_imports_no_torch():
    """The evaluate stage's bootstrap is NumPy's: a train edit's evaluate run pays no torch import for it."""
    import subprocess
    import sys

    code = (
        "import sys, numpy as np\n"
        "from linreg.pipeline.evaluation.inference import bootstrap_enet, poisson_bootstrap_stats\n"
        "X = np.random.default_rng(0).standard_normal((300, 4)); y = X @ [1.0, 0.0, -2.0, 0.5]\n"
        "bootstrap_enet(poisson_bootstrap_stats(X, y, resamples=5, seed=1), 0.05, 1.0)\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr[-2000:]


def test_the_bootstrap_reads_read_only_tables_without_a_warning():
    """The evaluate stage's arrays are read-only views of Parquet columns: only read, so no torch warning."""
    import warnings

    X, y, _ = regression_data(n=300, p=3)
    X.setflags(write=False)
    y.setflags(write=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        poisson_bootstrap_stats(X, y, resamples=2, seed=1, block_rows=128)
