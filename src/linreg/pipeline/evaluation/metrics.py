"""Error metrics and recovery of a known truth (pure NumPy, checked against sklearn.metrics)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def mse(y: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean squared error, (1/n) Σ (yᵢ − ŷᵢ)²."""
    return float(np.mean((np.asarray(y, dtype=np.float64) - np.asarray(y_pred, dtype=np.float64)) ** 2))


@dataclass(frozen=True)
class ErrorSums:
    """What the error metrics of K models on some rows need, as sums that merge across blocks of rows.

    ``n`` rows, the target's mean and centred sum of squares Σ(y − ȳ)², and per model
    Σ eᵢ² and Σ |eᵢ| of its residuals eᵢ = yᵢ − ŷᵢ.
    """

    n: int
    y_mean: float
    y_m2: float
    sse: np.ndarray  # (K,)
    sae: np.ndarray  # (K,)


def error_sums(y: np.ndarray, y_preds: np.ndarray) -> ErrorSums:
    """The sums of one block: ``y`` (n,) and the K models' predictions ``y_preds`` (K, n)."""
    y = np.asarray(y, dtype=np.float64)
    resid = y[None, :] - np.atleast_2d(np.asarray(y_preds, dtype=np.float64))
    y_mean = float(np.mean(y)) if len(y) else 0.0
    return ErrorSums(
        len(y), y_mean, float(np.sum((y - y_mean) ** 2)), np.sum(resid**2, axis=1), np.sum(np.abs(resid), axis=1)
    )


def merge_error_sums(a: ErrorSums, b: ErrorSums) -> ErrorSums:
    """Two disjoint blocks together; the target's moments by Chan, Golub & LeVeque's update."""
    n = a.n + b.n
    delta = b.y_mean - a.y_mean
    return ErrorSums(
        n, a.y_mean + delta * b.n / n, a.y_m2 + b.y_m2 + delta * delta * a.n * b.n / n, a.sse + b.sse, a.sae + b.sae
    )


def metrics_from_sums(s: ErrorSums, k: int, n_features: int) -> dict[str, float | str]:
    """MSE, RMSE, MAE, R² and adjusted R² of model ``k`` on the rows ``s`` sums up.

    Adjusted R² = 1 − (1 − R²)(n − 1)/(n − p − 1) is undefined when n − p − 1 ≤ 0;
    it is then NaN and ``adj_r2_note`` says why. R² is NaN for a constant target.
    """
    n, sse = s.n, float(s.sse[k])
    err = sse / n
    r2 = 1.0 - sse / s.y_m2 if s.y_m2 > 0 else math.nan
    dof = n - n_features - 1
    note = ""
    if dof <= 0:
        adj = math.nan
        note = f"undefined: n − p − 1 = {n} − {n_features} − 1 = {dof} ≤ 0"
    elif math.isnan(r2):
        adj, note = math.nan, "undefined: the target is constant"
    else:
        adj = 1.0 - (1.0 - r2) * (n - 1) / dof
    return {
        "mse": err,
        "rmse": math.sqrt(err),
        "mae": float(s.sae[k]) / n,
        "r2": r2,
        "adj_r2": adj,
        "adj_r2_note": note,
    }


def regression_metrics(y: np.ndarray, y_pred: np.ndarray, n_features: int) -> dict[str, float | str]:
    """The metrics of one model's predictions on one split held in memory (``metrics_from_sums()``)."""
    return metrics_from_sums(error_sums(y, np.asarray(y_pred)[None, :]), 0, n_features)


def coefficient_recovery(coef: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Distance to the true coefficients and recovery of their support (non-zero set).

    A coefficient counts as selected when it is exactly non-zero: lasso and
    elastic net produce exact zeros; OLS, ridge and GD select everything.
    Precision, recall or F1 with a zero denominator are NaN.
    """
    coef, truth = np.asarray(coef, dtype=np.float64), np.asarray(truth, dtype=np.float64)
    selected, relevant = coef != 0, truth != 0
    tp = int(np.sum(selected & relevant))
    precision = tp / int(selected.sum()) if selected.any() else math.nan
    recall = tp / int(relevant.sum()) if relevant.any() else math.nan
    f1 = (
        2 * precision * recall / (precision + recall)
        if not (math.isnan(precision) or math.isnan(recall)) and precision + recall > 0
        else math.nan
    )
    return {
        "coef_l2_error": float(np.linalg.norm(coef - truth)),
        "coef_max_error": float(np.max(np.abs(coef - truth))),
        "support_precision": precision,
        "support_recall": recall,
        "support_f1": f1,
        "n_selected": int(selected.sum()),
    }
