"""Second tier: inference after a fit — OLS's results object and ridge's covariance.

* ``RegressionResults`` — statsmodels' OLS/WLS results (``LinearRegression(inference=True).results_``)
* ``ridge_covariance`` — standard errors and effective df of ridge at a fixed α, from the statistics
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from linreg.models._lazy import lazy_attributes

if TYPE_CHECKING:  # the names' types for mypy; at run time each loads on first use
    from linreg.models._results import RegressionResults as RegressionResults
    from linreg.models._ridge_inference import ridge_covariance as ridge_covariance

_EXPORTS = {
    "RegressionResults": "linreg.models._results",
    "ridge_covariance": "linreg.models._ridge_inference",
}
__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_attributes(__name__, globals(), _EXPORTS)
