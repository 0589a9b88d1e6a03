"""Datasets with a known truth, a bundled real one, or the user's own CSV.

Every table has feature columns followed by the target column ``y``.
"""

from __future__ import annotations

import csv
import logging
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from linreg.pipeline import seeds
from linreg.pipeline.errors import DataError

TARGET = "y"
MAX_ABS_VALUE = 1e150  # squares and sums of squares must stay finite in float64


def rows_per_block(n_features: int) -> int:
    """Rows in one generation block: about 2²² values (32 MB), fixed by the width alone."""
    return max(1, 2**22 // n_features)


def toeplitz_correlation(n_features: int, rho: float) -> np.ndarray:
    """Σ_ij = ρ^|i−j|: neighbouring features correlate, distant ones barely (used by tests)."""
    idx = np.arange(n_features)
    return rho ** np.abs(idx[:, None] - idx[None, :])


def ar1_columns(z: np.ndarray, rho: float) -> np.ndarray:
    """x₀ = z₀, x_j = ρ x_{j−1} + √(1 − ρ²) z_j: unit variances and Corr(x_i, x_j) = ρ^|i−j|.

    Element-wise, column after column: no matrix product, so no BLAS and the same bits everywhere.
    """
    x = np.empty_like(z)
    x[:, 0] = z[:, 0]
    c = np.sqrt(1.0 - rho * rho)
    for j in range(1, z.shape[1]):
        x[:, j] = rho * x[:, j - 1] + c * z[:, j]
    return x


def ordered_dot(X: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """X β summed column by column in index order (zero coefficients skipped): BLAS-free."""
    out = np.zeros(X.shape[0])
    for j in np.flatnonzero(beta):
        out = out + X[:, j] * beta[j]
    return out


def signal_variance(beta_std: np.ndarray, rho: float) -> float:
    """β_stdᵀ Σ β_std for Σ = Toeplitz(ρ^|i−j|), in O(p) by two AR recursions, summed exactly (fsum).

    (Σβ)_i = a_i + b_i − β_i with a_i = β_i + ρ a_{i−1} (forward) and b_i = β_i + ρ b_{i+1} (backward).
    """
    p = len(beta_std)
    a, b = [0.0] * p, [0.0] * p
    for i in range(p):
        a[i] = beta_std[i] + (rho * a[i - 1] if i else 0.0)
    for i in reversed(range(p)):
        b[i] = beta_std[i] + (rho * b[i + 1] if i < p - 1 else 0.0)
    return math.fsum(float(beta_std[i]) * (a[i] + b[i] - float(beta_std[i])) for i in range(p))


def synthetic_block(
    block: int,
    rows: int,
    *,
    seed: int,
    rho: float,
    scales: np.ndarray,
    offset: float,
    beta: np.ndarray,
    intercept: float,
    noise_std: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``block · rows_per_block(p)`` onwards: each block draws from streams of its own."""
    z = seeds.rng(seed, "synthetic_features", block).standard_normal((rows, len(scales)))
    X = scales * (ar1_columns(z, rho) + offset)  # (rows, p)
    noise = seeds.rng(seed, "synthetic_noise", block).standard_normal(rows)
    return X, intercept + ordered_dot(X, beta) + noise_std * noise


def synthetic_arrays(
    n_samples: int,
    *,
    seed: int,
    rho: float,
    scales: np.ndarray,
    offset: float,
    beta: np.ndarray,
    intercept: float,
    noise_std: float,
) -> tuple[np.ndarray, np.ndarray]:
    """X (n, p) and y (n,) from consecutive blocks of ``synthetic_block()``."""
    per_block = rows_per_block(len(scales))
    starts = range(0, n_samples, per_block)
    # A progress bar over blocks on a terminal (wide or long data take a while); silent in CI logs.
    bar = tqdm(
        starts,
        desc="generate (rows)",
        unit="block",
        file=sys.stderr,
        disable=None if len(starts) > 1 else True,
        leave=False,
    )
    blocks = [
        synthetic_block(
            b,
            min(per_block, n_samples - start),
            seed=seed,
            rho=rho,
            scales=scales,
            offset=offset,
            beta=beta,
            intercept=intercept,
            noise_std=noise_std,
        )
        for b, start in enumerate(bar)
    ]
    return np.concatenate([X for X, _ in blocks]), np.concatenate([y for _, y in blocks])


@dataclass(frozen=True)
class Synthetic:
    """The synthetic dataset's design (everything but the rows), from which any block of rows is drawn.

    Picklable and small: a worker given it and a block id draws that block's rows.
    """

    seed: int
    correlation: float
    scales: np.ndarray  # (p,)
    offset: float
    beta: np.ndarray  # (p,) in the features' own units
    intercept: float
    noise_std: float
    names: list[str]
    truth: dict[str, Any]

    def blocks(self, n_samples: int) -> list[tuple[int, int]]:
        """(block id, rows) of the fixed blocks that make ``n_samples`` rows."""
        per_block = rows_per_block(len(self.scales))
        return [(b, min(per_block, n_samples - start)) for b, start in enumerate(range(0, n_samples, per_block))]

    def frame(self, block: tuple[int, int]) -> pd.DataFrame:
        """One block of the table (features, then y)."""
        b, rows = block
        X, y = synthetic_block(
            b,
            rows,
            seed=self.seed,
            rho=self.correlation,
            scales=self.scales,
            offset=self.offset,
            beta=self.beta,
            intercept=self.intercept,
            noise_std=self.noise_std,
        )
        frame = pd.DataFrame(X, columns=self.names)
        frame[TARGET] = y
        return frame


def synthetic_design(
    *,
    n_samples: int,
    n_features: int,
    n_informative: int,
    intercept: float,
    noise_std: float,
    correlation: float,
    scale_spread: float,
    feature_offset: float,
    seed: int,
) -> Synthetic:
    """Correlated Gaussian features on very different scales and a sparse linear truth.

    Feature j is ``s_j (x_j + feature_offset)`` with x an AR(1) recursion across
    columns (so Corr(x_i, x_j) = ρ^|i−j|, unit variances), and scales ``s_j``
    log-spaced from 1 to ``scale_spread``. The truth has ``n_informative``
    non-zero coefficients, drawn as ±U(0.5, 2) per unit of standard deviation
    (so each matters comparably), and exactly zero elsewhere:
    ``y = intercept + X β + noise_std · ε``.

    Reproducible bit for bit: rows come in fixed blocks, each drawn from its own
    seeded streams with element-wise arithmetic only (no BLAS), so the bytes do
    not depend on the CPU, the BLAS, the thread count, how many rows are made or
    which worker makes a block.
    """
    p = n_features
    truth_rng = seeds.rng(seed, "truth")
    informative = np.sort(truth_rng.permutation(p)[:n_informative])
    signs = truth_rng.choice([-1.0, 1.0], size=n_informative)
    beta_std = np.zeros(p)
    beta_std[informative] = signs * truth_rng.uniform(0.5, 2.0, size=n_informative)
    scales = scale_spread ** (np.arange(p) / max(p - 1, 1))  # (p,)
    beta = beta_std / scales  # coefficients in the features' own units

    names = [f"x{j:0{len(str(p - 1))}d}" for j in range(p)]
    signal_var = signal_variance(beta_std, correlation)
    truth = {
        "known": True,
        "source": "synthetic",
        "feature_names": names,
        "coef": beta.tolist(),
        "intercept": intercept,
        "noise_std": noise_std,
        "informative": [names[j] for j in informative],
        # Population values (the sample's differ by sampling noise): Var(Xβ) = β_stdᵀ Σ β_std.
        "snr": signal_var / noise_std**2 if noise_std > 0 else float("inf"),
        "r2_ceiling": signal_var / (signal_var + noise_std**2) if signal_var + noise_std**2 > 0 else 1.0,
        "n_samples": n_samples,
        "n_features": p,
    }
    return Synthetic(
        seed=seed,
        correlation=correlation,
        scales=scales,
        offset=feature_offset,
        beta=beta,
        intercept=intercept,
        noise_std=noise_std,
        names=names,
        truth=truth,
    )


def make_synthetic(*, n_samples: int, **design: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The whole synthetic table in memory (see ``synthetic_design()``) and its truth."""
    spec = synthetic_design(n_samples=n_samples, **design)
    blocks = spec.blocks(n_samples)
    # A progress bar over blocks on a terminal (wide or long data take a while); silent in CI logs.
    bar = tqdm(
        blocks,
        desc="generate (rows)",
        unit="block",
        file=sys.stderr,
        disable=None if len(blocks) > 1 else True,
        leave=False,
    )
    return pd.concat([spec.frame(b) for b in bar], ignore_index=True), spec.truth


def make_demo(
    *,
    n_samples: int,
    slope: float,
    intercept: float,
    noise_std: float,
    x_min: float,
    x_max: float,
    seed: int,
) -> pd.DataFrame:
    """The seeds' one-feature dataset: y = slope · x + intercept + noise, x ~ U(x_min, x_max)."""
    rng = seeds.rng(seed, "demo")
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
    return {
        "known": False,
        "source": source,
        "feature_names": [c for c in frame.columns if c != TARGET],
        "n_samples": int(len(frame)),
        "n_features": int(frame.shape[1] - 1),
    }


def _drop_saved_index(raw: pd.DataFrame, header: list[str], where: str) -> pd.DataFrame:
    """The row numbers pandas' ``to_csv()`` writes by default (an unnamed first column 0, 1, …, n − 1)
    dropped with a warning; any other column without a name refused: it is never read as a feature."""
    unnamed = [i for i, name in enumerate(header) if not name.strip()]
    if not unnamed:
        return raw
    first = raw.iloc[:, 0]
    if unnamed == [0] and pd.api.types.is_integer_dtype(first) and np.array_equal(first, np.arange(len(raw))):
        logging.getLogger("linreg.generate").warning(
            "%s: the first column has no name and holds the row numbers 0 … %d, the index pandas' to_csv() "
            "writes by default; dropped it (not a feature). Save with to_csv(index=False) to leave it out.",
            where,
            len(raw) - 1,
        )
        return raw.iloc[:, 1:]
    i = unnamed[0]
    raise DataError(
        f"{where}: column {i + 1} has no name in the header, so it is not known whether it is a feature"
        + (" or a saved index (pandas' to_csv() writes one there)" if i == 0 else "")
        + ": name it in the header if it is a feature, or drop it (to_csv(index=False) leaves the index out)."
    )


def load_csv(path: str | Path, target: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A user CSV, checked column by column; problems raise ``DataError`` naming the column."""
    path = Path(path)
    where = f"CSV {path} (generate.csv_path)"
    if not path.is_file():
        raise DataError(f"{where} does not exist; set generate.csv_path to an existing file.")
    try:
        raw = pd.read_csv(path)  # pandas >= 3 parses floats correctly rounded: the same bits everywhere
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{where} cannot be parsed as CSV: {exc}") from None
    with open(path, newline="", encoding="utf-8", errors="replace") as f:  # the names as written, before pandas
        header = next(csv.reader(f), [])
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:  # pandas would rename the second "a" to "a.1", a feature the user never wrote
        raise DataError(f"{where}: column name(s) {repeated} appear more than once; give every column its own name.")
    raw = _drop_saved_index(raw, header, where)
    if target not in raw.columns:
        raise DataError(
            f"{where} has no target column {target!r} (generate.csv_target); its columns are {list(raw.columns)}."
        )
    non_numeric = [c for c in raw.columns if not pd.api.types.is_numeric_dtype(raw[c])]
    if non_numeric:
        raise DataError(f"{where}: column(s) {non_numeric} are not numeric; encode or drop them before use.")
    missing = {c: int(n) for c, n in raw.isna().sum().items() if n}
    if missing:
        raise DataError(
            f"{where}: missing values in column(s) {missing} (column: count); impute or drop those rows first."
        )
    values = raw.to_numpy(dtype=np.float64)
    infinite = [c for c, bad in zip(raw.columns, ~np.isfinite(values).all(axis=0)) if bad]
    if infinite:
        raise DataError(f"{where}: column(s) {infinite} hold infinite values; fix or drop those rows first.")
    huge = [c for c, m in zip(raw.columns, np.abs(values).max(axis=0, initial=0.0)) if m > MAX_ABS_VALUE]
    if huge:
        raise DataError(
            f"{where}: column(s) {huge} hold values beyond ±{MAX_ABS_VALUE:g}, whose squares overflow "
            "float64; rescale them (e.g. change units) first."
        )
    if len(raw) < 10:
        raise DataError(f"{where} has {len(raw)} rows; at least 10 are needed to split it.")
    features = [c for c in raw.columns if c != target]
    if not features:
        raise DataError(f"{where} has no feature columns besides the target {target!r}.")
    if raw[target].nunique() <= 1:
        raise DataError(f"{where}: the target column {target!r} is constant; there is nothing to regress.")
    constant = [c for c in features if raw[c].nunique() <= 1]
    if constant:
        raise DataError(f"{where}: feature column(s) {constant} are constant and carry no information; drop them.")
    frame = raw[features].astype("float64")
    frame.columns = [str(c) for c in features]
    if TARGET in frame.columns:
        raise DataError(
            f"{where}: a feature column is named {TARGET!r}, which linreg reserves for the target; rename it."
        )
    frame[TARGET] = raw[target].astype("float64").to_numpy()
    return frame, _unknown_truth("csv", frame)


def features_and_target(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Split a table into X (n, p), y (n,) and the feature names."""
    names = [c for c in frame.columns if c != TARGET]
    return frame[names].to_numpy(dtype=np.float64), frame[TARGET].to_numpy(dtype=np.float64), names
