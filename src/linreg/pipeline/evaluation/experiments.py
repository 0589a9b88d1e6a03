"""Overfitting evidence: learning curves, the polynomial-degree sweep, residual diagnostics."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from linreg.models import LinearRegression, Ridge
from linreg.models.numerics import RankDeficientWarning
from linreg.pipeline.data.scale import fit_scaler
from linreg.pipeline.evaluation.metrics import mse


def learning_curve(X_train, y_train, X_val, y_val, fractions, ridge_alpha: float) -> pd.DataFrame:
    """Train and validation MSE of OLS and ridge fitted on the first m training rows.

    The training rows are already shuffled by the split stage, so a prefix is a
    random subset. Fewer rows than features leave OLS rank deficient (minimum-norm
    solution, interpolating the training rows): that is part of the story.
    """
    rows = []
    n, p = X_train.shape
    for frac in fractions:
        m = max(2, int(round(frac * n)))
        X, y = X_train[:m], y_train[:m]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RankDeficientWarning)
            models = {
                "ols": LinearRegression(device="cpu").fit(X, y),
                "ridge": Ridge(ridge_alpha * m / n, device="cpu").fit(X, y),
            }
        for name, model in models.items():
            for split, (Xs, ys) in (("train", (X, y)), ("validation", (X_val, y_val))):
                rows.append({"panel": name, "series": split, "n_train": m, "mse": mse(ys, model.predict(Xs))})
    return pd.DataFrame(rows)


def polynomial_features(x: np.ndarray, degree: int) -> np.ndarray:
    """Raw powers x, x², …, x^degree: the textbook example of a badly conditioned design."""
    return np.vander(np.asarray(x, dtype=np.float64), degree + 1, increasing=True)[:, 1:]


def degree_sweep(x_train, y_train, x_val, y_val, max_degree: int, ridge_alpha: float) -> pd.DataFrame:
    """OLS on raw powers and ridge on standardized powers, for degrees 1 … max_degree.

    OLS shows overfitting (training error falls, validation error rises) and
    also stresses the solver: ``auto`` switches to QR as cond(X) explodes, and the
    condition number and solver are recorded per degree. Ridge (alpha in
    scikit-learn's scaling, on powers standardized on the training rows) tames it.
    """
    rows = []
    for degree in range(1, max_degree + 1):
        P_train, P_val = polynomial_features(x_train, degree), polynomial_features(x_val, degree)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RankDeficientWarning)
            ols = LinearRegression(device="cpu").fit(P_train, y_train)
        scaler = fit_scaler(P_train, [f"x^{k}" for k in range(1, degree + 1)], "standard")
        ridge = Ridge(ridge_alpha, device="cpu").fit(scaler.transform(P_train), y_train)
        fits = {
            "ols": (ols.predict(P_train), ols.predict(P_val)),
            "ridge": (ridge.predict(scaler.transform(P_train)), ridge.predict(scaler.transform(P_val))),
        }
        for name, (fit_train, fit_val) in fits.items():
            for split, y, fit in (("train", y_train, fit_train), ("validation", y_val, fit_val)):
                rows.append(
                    {
                        "panel": name,
                        "series": split,
                        "degree": degree,
                        "mse": mse(y, fit),
                        "ols_solver": ols.solver_,
                        "cond": ols.cond_,
                    }
                )
    return pd.DataFrame(rows)


def residual_diagnostics(y: np.ndarray, y_pred: np.ndarray) -> pd.DataFrame:
    """Per test row: fitted, actual, residual, and the normal Q–Q pair of its standardized residual."""
    resid = y - y_pred
    order = np.argsort(np.argsort(resid))  # rank of each residual
    n = len(y)
    theoretical = stats.norm.ppf((order + 0.5) / n)  # Blom-type plotting positions
    standardized = (resid - resid.mean()) / resid.std(ddof=1)
    return pd.DataFrame(
        {
            "fitted": y_pred,
            "actual": y,
            "residual": resid,
            "theoretical_quantile": theoretical,
            "standardized_residual": standardized,
        }
    )
