"""Shared data and device parametrization for the model tests."""

import numpy as np
import pytest
import torch

# CUDA cases run where CUDA exists and are skipped (not failed) elsewhere.
DEVICES = [
    "cpu",
    pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")),
]


def regression_data(n=400, p=8, *, noise=0.5, offset=0.0, seed=0, sparse=False):
    """Well-conditioned correlated features, a known β and intercept 1.5."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) @ np.linalg.cholesky(0.3 ** np.abs(np.subtract.outer(range(p), range(p)))).T
    X += offset
    beta = rng.uniform(-2, 2, p)
    if sparse:
        beta[p // 2 :] = 0.0
    y = 1.5 + X @ beta + noise * rng.standard_normal(n)
    return X, y, beta
