"""Second tier: how accurate a solve can be, and sums whose bits do not depend on the machine.

* ``design_condition_number`` — cond([1, X]), the matrix gradient descent works on
* ``equilibrated_gram_cond`` — cond(D⁻½ G D⁻½): the conditioning column scaling cannot fix
* ``float32_error_bound`` — bound on the relative error of w when XᵀX carries float32 rounding
* ``RankDeficientWarning`` — X is rank deficient: the minimum-norm solution was returned
* ``pairwise_sum`` — Σ over rows in a binary tree fixed by the row count alone
* ``tree_merge`` — per-block results merged in a tree fixed by the block count
* ``UNDERFLOW_SCALE`` — a column varying less than this has squares near float64's subnormals

``pairwise_sum``, ``tree_merge`` and ``UNDERFLOW_SCALE`` load without torch (the data stages use them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from linreg.models._lazy import lazy_attributes

if TYPE_CHECKING:  # the names' types for mypy; at run time each loads on first use
    from linreg.models._closed_form import RankDeficientWarning as RankDeficientWarning
    from linreg.models._closed_form import design_condition_number as design_condition_number
    from linreg.models._closed_form import equilibrated_gram_cond as equilibrated_gram_cond
    from linreg.models._closed_form import float32_error_bound as float32_error_bound
    from linreg.models._limits import UNDERFLOW_SCALE as UNDERFLOW_SCALE
    from linreg.models._reduce import pairwise_sum as pairwise_sum
    from linreg.models._reduce import tree_merge as tree_merge

_EXPORTS = {
    "RankDeficientWarning": "linreg.models._closed_form",
    "UNDERFLOW_SCALE": "linreg.models._limits",
    "design_condition_number": "linreg.models._closed_form",
    "equilibrated_gram_cond": "linreg.models._closed_form",
    "float32_error_bound": "linreg.models._closed_form",
    "pairwise_sum": "linreg.models._reduce",
    "tree_merge": "linreg.models._reduce",
}
__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_attributes(__name__, globals(), _EXPORTS)
