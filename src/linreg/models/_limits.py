"""Numeric limits the estimators rely on, importable without torch (the pipeline's checks read them)."""

from __future__ import annotations

UNDERFLOW_SCALE = 1e-140  # a column varying less than this has squares near float64's subnormal range
