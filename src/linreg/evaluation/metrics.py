"""Error metrics and recovery of a known truth (pure NumPy, checked against sklearn.metrics)."""

from __future__ import annotations

import math

import numpy as np


def mse(y: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean squared error, (1/n) Σ (yᵢ − ŷᵢ)²."""
    return float(np.mean((np.asarray(y, dtype=np.float64) - np.asarray(y_pred, dtype=np.float64)) ** 2))


def regression_metrics(y: np.ndarray, y_pred: np.ndarray, n_features: int) -> dict[str, float | str]:
    """MSE, RMSE, MAE, R² and adjusted R² of predictions on one split.

    Adjusted R² = 1 − (1 − R²)(n − 1)/(n − p − 1) is undefined when n − p − 1 ≤ 0;
    it is then NaN and ``adj_r2_note`` says why. R² is NaN for a constant target.
    """
    y = np.asarray(y, dtype=np.float64)
    resid = y - np.asarray(y_pred, dtype=np.float64)
    n = len(y)
    err = mse(y, y_pred)
    sst = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(np.sum(resid**2)) / sst if sst > 0 else math.nan
    dof = n - n_features - 1
    note = ""
    if dof <= 0:
        adj = math.nan
        note = f"undefined: n − p − 1 = {n} − {n_features} − 1 = {dof} ≤ 0"
    elif math.isnan(r2):
        adj, note = math.nan, "undefined: the target is constant"
    else:
        adj = 1.0 - (1.0 - r2) * (n - 1) / dof
    return {"mse": err, "rmse": math.sqrt(err), "mae": float(np.mean(np.abs(resid))), "r2": r2,
            "adj_r2": adj, "adj_r2_note": note}


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
    f1 = (2 * precision * recall / (precision + recall)
          if not (math.isnan(precision) or math.isnan(recall)) and precision + recall > 0 else math.nan)
    return {"coef_l2_error": float(np.linalg.norm(coef - truth)), "coef_max_error": float(np.max(np.abs(coef - truth))),
            "support_precision": precision, "support_recall": recall, "support_f1": f1,
            "n_selected": int(selected.sum())}
