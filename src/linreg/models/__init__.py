"""linreg's estimators: written from first principles, scikit-learn's contract, any device.

``from linreg.models import Lasso`` loads the estimators (and torch) on first use: the
package's small modules (``reduce``, ``device``) can be imported without them.
"""

from __future__ import annotations

import importlib
from typing import Any

# Public name → the module that defines it (read by tests/pipeline/test_contract.py as well).
_EXPORTS = {
    "ElasticNet": "linreg.models.sparse",
    "ElasticNetCV": "linreg.models.cv",
    "GradientDescentRegressor": "linreg.models.gd",
    "Lasso": "linreg.models.sparse",
    "LassoCV": "linreg.models.cv",
    "LinearRegression": "linreg.models.linear",
    "Ridge": "linreg.models.linear",
    "RidgeCV": "linreg.models.cv",
    "ValidatedElasticNet": "linreg.models.validated",
    "ValidatedLasso": "linreg.models.validated",
    "ValidatedRidge": "linreg.models.validated",
    "enet_path": "linreg.models.cv",
    "lasso_path": "linreg.models.cv",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value  # once loaded, an ordinary attribute
        return value
    raise AttributeError(f"module 'linreg.models' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
