"""linreg's estimators: written from first principles, scikit-learn's contract, any device.

The public surface has two tiers (docs/api/index.md is the module map):

* ``linreg.models`` itself — ``__all__``: the estimators and the path functions, what a user of
  scikit-learn's ``linear_model`` reaches for;
* the second tier, for the pipeline and power users — ``SECOND_TIER``, each module with its own
  ``__all__``: ``stats`` (the one pass over the data and its algebra), ``solvers`` (fits on the
  statistics), ``inference`` (results and ridge's covariance), ``numerics`` (conditioning, error
  bounds, order-fixed sums) and ``runtime`` (devices and dtypes).

Everything else in the package is internal and may change without notice. ``from linreg.models import
Lasso`` loads the estimators (and torch) on first use: the package's small modules (``reduce``,
``limits``) can be imported without them.
"""

from __future__ import annotations

from linreg.models._lazy import lazy_attributes

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

# The declared second tier: modules whose ``__all__`` the pipeline (and anyone) may import from.
SECOND_TIER = (
    "linreg.models.stats",
    "linreg.models.solvers",
    "linreg.models.inference",
    "linreg.models.numerics",
    "linreg.models.runtime",
)

__getattr__, __dir__ = lazy_attributes(__name__, globals(), _EXPORTS)
