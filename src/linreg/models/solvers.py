"""Second tier: the fits beneath the estimators, on the sufficient statistics.

The estimators of ``linreg.models`` compose these; the pipeline and power users call them
directly when they hold a ``Stats`` (``linreg.models.stats``) and want many fits from one pass
(a bootstrap, a GPU check). Declared and stable, unlike the modules that define them.

* ``solve_enet`` — one elastic-net fit on (XᵀX, Xᵀy, yᵀy): coordinate descent or FISTA
* ``fista_gram`` — accelerated proximal gradient on the statistics, restarts, a duality-gap stop
* ``hessian`` — ∇² of the least-squares loss for θ = (b, w), from the statistics
* ``linear_predict`` — ŷ = X coef + intercept, for NumPy or torch alike
* ``held_out_stats`` — validation rows' statistics, shared by several validated fits
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from linreg.models._lazy import lazy_attributes

if TYPE_CHECKING:  # the names' types for mypy; at run time each loads on first use
    from linreg.models._base import linear_predict as linear_predict
    from linreg.models._descent import hessian as hessian
    from linreg.models._enet import fista_gram as fista_gram
    from linreg.models._enet import solve_enet as solve_enet
    from linreg.models._held_out import held_out_stats as held_out_stats

_EXPORTS = {
    "fista_gram": "linreg.models._enet",
    "held_out_stats": "linreg.models._held_out",
    "hessian": "linreg.models._descent",
    "linear_predict": "linreg.models._base",
    "solve_enet": "linreg.models._enet",
}
__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_attributes(__name__, globals(), _EXPORTS)
