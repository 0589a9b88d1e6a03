"""linreg's estimators: written from first principles, scikit-learn's contract, any device.

The public surface has two tiers (docs/api/index.md is the module map):

* ``linreg.models`` itself — ``__all__``: the estimators and the path functions, what a user of
  scikit-learn's ``linear_model`` reaches for;
* the second tier, for the pipeline and power users — ``SECOND_TIER``, each module with its own
  ``__all__``: ``stats`` (the one pass over the data and its algebra), ``solvers`` (fits on the
  statistics), ``inference`` (results and ridge's covariance), ``numerics`` (conditioning, error
  bounds, order-fixed sums) and ``runtime`` (devices and dtypes).

Everything else in the package is internal and may change without notice. ``from linreg.models import
Lasso`` loads the estimators (and torch) on first use: the package's small modules (``_reduce``,
``_limits``) can be imported without them.
"""

from __future__ import annotations

from linreg.models._lazy import lazy_attributes

# Public name → the module that defines it (read by tests/pipeline/test_contract.py as well).
_EXPORTS = {
    "ElasticNet": "linreg.models._sparse",
    "ElasticNetCV": "linreg.models._enet_path",
    "GradientDescentRegressor": "linreg.models._gd",
    "Lasso": "linreg.models._sparse",
    "LassoCV": "linreg.models._enet_path",
    "LinearRegression": "linreg.models._linear",
    "Ridge": "linreg.models._linear",
    "RidgeCV": "linreg.models._linear",
    "ValidatedElasticNet": "linreg.models._validated",
    "ValidatedLasso": "linreg.models._validated",
    "ValidatedRidge": "linreg.models._validated",
    "enet_path": "linreg.models._enet_path",
    "lasso_path": "linreg.models._enet_path",
}
__all__ = sorted(_EXPORTS)

# The declared second tier: modules whose ``__all__`` the pipeline (and anyone) may import from.
SECOND_TIER = (
    "linreg.models.stats",
    "linreg.models.solvers",
    "linreg.models.inference",
    "linreg.models.numerics",
    "linreg.models.runtime",
)

__getattr__, __dir__ = lazy_attributes(__name__, globals(), _EXPORTS)
