"""``linreg.models.solvers.held_out_stats``: validation rows summarised once, shared by several validated fits."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from linreg.models import GradientDescentRegressor, ValidatedLasso
from linreg.models.solvers import held_out_stats

from ..oracles import regression_data

CPU = torch.device("cpu")


def test_held_out_stats_give_the_validation_error_directly():
    X, y, _ = regression_data(n=200, p=5, offset=3.0)
    val = held_out_stats(X[150:], y[150:], device=CPU, dtype=torch.float64)
    w, b = np.linspace(-1, 1, 5), 0.7
    direct = np.sum((y[150:] - b - X[150:] @ w) ** 2)
    # SSE from centred moments vs summed residuals: both float64 on well-scaled 50×5 data (κ ≈ 2),
    # cancellation between yᵀy and 2wᵀXᵀy costs at most a few digits of 16: 1e-10 relative.
    assert float(val.sse(torch.as_tensor(w), b)) == pytest.approx(direct, rel=1e-10)
    assert (val.rows, val.p) == (50, 5)


@pytest.mark.parametrize("make", [lambda: ValidatedLasso(n_alphas=8), lambda: GradientDescentRegressor(max_epochs=50)])
def test_sharing_them_changes_no_fit(make):
    X, y, _ = regression_data(n=200, p=5)
    validation = (X[150:], y[150:])
    shared = held_out_stats(*validation, device=CPU, dtype=torch.float64)
    alone = make().fit(X[:150], y[:150], validation=validation)
    given = make().fit(X[:150], y[:150], validation=validation, validation_stats=shared)
    # The same statistics reach the same deterministic solver: identical up to the last bit is expected, but
    # compare at 1e-12 (a stated multiple of u) so a change in how they are summed is not a failure.
    np.testing.assert_allclose(given.coef_, alone.coef_, rtol=1e-12, atol=1e-14)


def test_statistics_of_other_rows_are_refused():
    X, y, _ = regression_data(n=200, p=5)
    other = held_out_stats(X[:40], y[:40], device=CPU, dtype=torch.float64)
    with pytest.raises(ValueError, match="validation_stats hold 40 rows"):
        ValidatedLasso(n_alphas=8).fit(X[:150], y[:150], validation=(X[150:], y[150:]), validation_stats=other)
