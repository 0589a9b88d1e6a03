"""Names a module re-exports, loaded on first use: ``linreg.models`` and its second tier.

A module that re-exports from heavier ones (torch, the estimators) keeps a literal
``_EXPORTS`` map, name → defining module, and hands it to ``lazy_attributes()``. Importing the
module then costs nothing, and ``from linreg.models.numerics import tree_merge`` loads
``linreg.models._reduce`` alone (tests/pipeline/test_contract.py reads the same map to know
which files a stage runs).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_attributes(
    module: str, namespace: dict[str, Any], exports: dict[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``module`` (its ``globals()`` is ``namespace``): each name in ``exports``
    is imported from its defining module on first access."""

    def __getattr__(name: str) -> Any:
        if name in exports:
            value = getattr(importlib.import_module(exports[name]), name)
            namespace[name] = value  # once loaded, an ordinary attribute
            return value
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted({*namespace, *exports})

    return __getattr__, __dir__
