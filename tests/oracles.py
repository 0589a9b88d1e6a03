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


def exact_lstsq(Z, y):
    """The exact least-squares solution of the float64 numbers in Z, y (full column rank), as Fractions.

    Solves the normal equations ZᵀZ θ = Zᵀy in rational arithmetic (every float is
    a rational), by Gaussian elimination: no rounding anywhere.
    """
    from fractions import Fraction

    Zf = [[Fraction(float(v)) for v in row] for row in np.asarray(Z, dtype=np.float64)]
    yf = [Fraction(float(v)) for v in np.asarray(y, dtype=np.float64)]
    k = len(Zf[0])
    A = [
        [sum(row[i] * row[j] for row in Zf) for j in range(k)] + [sum(row[i] * t for row, t in zip(Zf, yf))]
        for i in range(k)
    ]
    for c in range(k):
        pivot = next(r for r in range(c, k) if A[r][c] != 0)
        A[c], A[pivot] = A[pivot], A[c]
        for r in range(k):
            if r != c and A[r][c] != 0:
                factor = A[r][c] / A[c][c]
                A[r] = [a - factor * b for a, b in zip(A[r], A[c])]
    return [A[i][k] / A[i][i] for i in range(k)]


def lre(estimate, exact) -> float:
    """Log relative error, −log10(max_j |θ̂_j − θ_j| / |θ_j|): 15–16 is float64's best."""
    from fractions import Fraction

    worst = max(abs(Fraction(float(e)) - x) / abs(x) for e, x in zip(estimate, exact) if x != 0)
    return 16.0 if worst == 0 else min(16.0, -np.log10(float(worst)))
