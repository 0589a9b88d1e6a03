"""Datasets with a known truth, a bundled real one, or the user's own CSV.

Every table has feature columns followed by the target column ``y``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from linreg.errors import DataError

TARGET = "y"


def design_condition_number(X: np.ndarray) -> float:
    """cond([1, X]): the 2-norm condition number of the design with its intercept column.

    This is the matrix gradient descent works on, so it is what feature scaling
    changes (its square bounds the iterations GD needs).
    """
    design = np.column_stack([np.ones(len(X)), X])
    return float(np.linalg.cond(design))


def toeplitz_correlation(n_features: int, rho: float) -> np.ndarray:
    """Σ_ij = ρ^|i−j|: neighbouring features correlate, distant ones barely."""
    idx = np.arange(n_features)
    return rho ** np.abs(idx[:, None] - idx[None, :])


def make_synthetic(
    *,
    n_samples: int,
    n_features: int,
    n_informative: int,
    intercept: float,
    noise_std: float,
    correlation: float,
    scale_spread: float,
    feature_offset: float,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Correlated Gaussian features on very different scales and a sparse linear truth.

    Feature j is ``s_j (z_j + feature_offset)`` with z ~ N(0, Σ), Σ Toeplitz(ρ), and
    scales ``s_j`` log-spaced from 1 to ``scale_spread``. The truth has
    ``n_informative`` non-zero coefficients, drawn as ±U(0.5, 2) per unit of
    standard deviation (so each matters comparably), and exactly zero elsewhere:
    ``y = intercept + X β + noise_std · ε``.
    """
    p = n_features
    cov = toeplitz_correlation(p, correlation)
    z = rng.standard_normal((n_samples, p)) @ np.linalg.cholesky(cov).T  # (n, p)
    scales = scale_spread ** (np.arange(p) / max(p - 1, 1))  # (p,)
    X = scales * (z + feature_offset)  # (n, p)

    beta_std = np.zeros(p)
    informative = np.sort(rng.permutation(p)[:n_informative])
    signs = rng.choice([-1.0, 1.0], size=n_informative)
    beta_std[informative] = signs * rng.uniform(0.5, 2.0, size=n_informative)
    beta = beta_std / scales  # coefficients in the features' own units

    signal = X @ beta  # (n,)
    y = intercept + signal + noise_std * rng.standard_normal(n_samples)

    names = [f"x{j:0{len(str(p - 1))}d}" for j in range(p)]
    frame = pd.DataFrame(X, columns=names)
    frame[TARGET] = y
    signal_var = float(np.var(signal))
    truth = {
        "known": True,
        "source": "synthetic",
        "feature_names": names,
        "coef": beta.tolist(),
        "intercept": intercept,
        "noise_std": noise_std,
        "informative": [names[j] for j in informative],
        "snr": signal_var / noise_std**2 if noise_std > 0 else float("inf"),
        "r2_ceiling": signal_var / (signal_var + noise_std**2) if signal_var + noise_std**2 > 0 else 1.0,
        "cond_design": design_condition_number(X),
        "n_samples": n_samples,
        "n_features": p,
    }
    return frame, truth


def make_demo(
    *, n_samples: int, slope: float, intercept: float, noise_std: float, x_min: float, x_max: float,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """The seeds' one-feature dataset: y = slope · x + intercept + noise, x ~ U(x_min, x_max)."""
    x = rng.uniform(x_min, x_max, size=n_samples)
    y = slope * x + intercept + noise_std * rng.standard_normal(n_samples)
    return pd.DataFrame({"x": x, TARGET: y})


def load_diabetes_frame() -> tuple[pd.DataFrame, dict[str, Any]]:
    """scikit-learn's bundled diabetes data (442 × 10); the truth is unknown."""
    from sklearn.datasets import load_diabetes

    bunch = load_diabetes(as_frame=True, scaled=False)
    frame = bunch.data.astype("float64").copy()
    frame[TARGET] = bunch.target.astype("float64").to_numpy()
    return frame, _unknown_truth("diabetes", frame)


def _unknown_truth(source: str, frame: pd.DataFrame) -> dict[str, Any]:
    X = frame.drop(columns=TARGET).to_numpy()
    return {
        "known": False,
        "source": source,
        "feature_names": [c for c in frame.columns if c != TARGET],
        "cond_design": design_condition_number(X),
        "n_samples": int(len(frame)),
        "n_features": int(X.shape[1]),
    }


def load_csv(path: str | Path, target: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A user CSV, checked column by column; problems raise :class:`DataError` naming the column."""
    path = Path(path)
    where = f"CSV {path} (generate.csv_path)"
    if not path.is_file():
        raise DataError(f"{where} does not exist; set generate.csv_path to an existing file.")
    try:
        raw = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{where} cannot be parsed as CSV: {exc}") from None
    if target not in raw.columns:
        raise DataError(
            f"{where} has no target column {target!r} (generate.csv_target); "
            f"its columns are {list(raw.columns)}."
        )
    non_numeric = [c for c in raw.columns if not pd.api.types.is_numeric_dtype(raw[c])]
    if non_numeric:
        raise DataError(
            f"{where}: column(s) {non_numeric} are not numeric; encode or drop them before use."
        )
    missing = {c: int(n) for c, n in raw.isna().sum().items() if n}
    if missing:
        raise DataError(
            f"{where}: missing values in column(s) {missing} (column: count); "
            "impute or drop those rows first."
        )
    if len(raw) < 10:
        raise DataError(f"{where} has {len(raw)} rows; at least 10 are needed to split it.")
    features = [c for c in raw.columns if c != target]
    if not features:
        raise DataError(f"{where} has no feature columns besides the target {target!r}.")
    constant = [c for c in features if raw[c].nunique() <= 1]
    if constant:
        raise DataError(
            f"{where}: feature column(s) {constant} are constant and carry no information; drop them."
        )
    frame = raw[features].astype("float64")
    frame.columns = [str(c) for c in features]
    if TARGET in frame.columns:
        raise DataError(f"{where}: a feature column is named {TARGET!r}, which linreg reserves for the target; rename it.")
    frame[TARGET] = raw[target].astype("float64").to_numpy()
    return frame, _unknown_truth("csv", frame)


def features_and_target(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Split a table into X (n, p), y (n,) and the feature names."""
    names = [c for c in frame.columns if c != TARGET]
    return frame[names].to_numpy(dtype=np.float64), frame[TARGET].to_numpy(dtype=np.float64), names
