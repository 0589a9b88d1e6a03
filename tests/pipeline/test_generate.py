"""Data generation: the truth is what it claims, files are deterministic, bad CSVs are named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from linreg.models._closed_form import design_condition_number
from linreg.pipeline.data.generate import (
    TARGET,
    load_csv,
    load_diabetes_frame,
    make_demo,
    make_synthetic,
    rows_per_block,
    signal_variance,
    synthetic_block,
    toeplitz_correlation,
)
from linreg.pipeline.errors import DataError

GOLDEN_SYNTHETIC = "b08f326a681fa2f9d8014fa5b81fa133124ae7888cd33304d7b5e5f867d4e7bc"


def synthetic(**overrides):
    kwargs = dict(
        n_samples=2000,
        n_features=8,
        n_informative=3,
        intercept=3.0,
        noise_std=0.0,
        correlation=0.5,
        scale_spread=100.0,
        feature_offset=1.0,
        seed=0,
    )
    kwargs.update(overrides)
    return make_synthetic(**kwargs)


def test_noise_free_target_is_exactly_the_stated_truth():
    frame, truth = synthetic()
    X, y = frame.drop(columns=TARGET).to_numpy(), frame[TARGET].to_numpy()
    coef = np.asarray(truth["coef"])
    # Same arithmetic as the generator, so equality holds to rounding (1e-12 relative).
    np.testing.assert_allclose(y, truth["intercept"] + X @ coef, rtol=1e-12)
    assert np.count_nonzero(coef) == 3
    assert sorted(truth["informative"]) == [n for n, c in zip(truth["feature_names"], coef) if c != 0]


def test_features_have_the_requested_scales_and_correlation():
    frame, _ = synthetic(n_samples=200_000, noise_std=1.0)
    X = frame.drop(columns=TARGET).to_numpy()
    std = X.std(axis=0)
    # Scales log-spaced from 1 to 100; 200k draws estimate a std to about 0.2%.
    np.testing.assert_allclose(std, 100.0 ** (np.arange(8) / 7), rtol=0.01)
    np.testing.assert_allclose(X.mean(axis=0) / std, 1.0, atol=0.01)
    np.testing.assert_allclose(np.corrcoef(X, rowvar=False), toeplitz_correlation(8, 0.5), atol=0.01)


def test_truth_records_the_population_snr():
    _, truth = synthetic(noise_std=2.0, n_features=6, n_informative=6)
    beta_std = np.asarray(truth["coef"]) * 100.0 ** (np.arange(6) / 5)
    # The O(p) recursion against the quadratic form with the explicit Toeplitz matrix.
    exact = beta_std @ toeplitz_correlation(6, 0.5) @ beta_std
    assert signal_variance(beta_std, 0.5) == pytest.approx(exact, rel=1e-14)
    assert truth["snr"] == pytest.approx(exact / 4.0, rel=1e-14)
    assert truth["r2_ceiling"] == pytest.approx(exact / (exact + 4.0), rel=1e-14)


def test_rows_do_not_depend_on_how_many_are_generated():
    # Fixed blocks with streams of their own: a longer dataset starts with the shorter one,
    # and a block made on its own is the same rows, bit for bit.
    per_block = rows_per_block(8)
    short, _ = synthetic(n_samples=per_block + 10, noise_std=1.0)
    long, _ = synthetic(n_samples=2 * per_block + 5, noise_std=1.0)
    pd.testing.assert_frame_equal(short, long.iloc[: len(short)], check_exact=True)
    _, truth = synthetic(n_samples=10)
    X1, y1 = synthetic_block(
        1,
        10,
        seed=0,
        rho=0.5,
        scales=100.0 ** (np.arange(8) / 7),
        offset=1.0,
        beta=np.asarray(truth["coef"]),
        intercept=3.0,
        noise_std=1.0,
    )
    np.testing.assert_array_equal(X1, long.drop(columns=TARGET).to_numpy()[per_block : per_block + 10])
    np.testing.assert_array_equal(y1, long[TARGET].to_numpy()[per_block : per_block + 10])


def test_generated_bytes_are_the_golden_ones():
    # The arrays' bytes, hashed: a different CPU, BLAS, thread count or block grouping must
    # give these same hashes (the generator uses element-wise arithmetic only).
    import hashlib

    frame, _ = synthetic(n_samples=3000, noise_std=1.0)
    digest = hashlib.sha256(np.ascontiguousarray(frame.to_numpy(), dtype="<f8").tobytes()).hexdigest()
    assert digest == GOLDEN_SYNTHETIC


def test_same_seed_same_data_other_seed_other_data():
    a, _ = synthetic(seed=7)
    b, _ = synthetic(seed=7)
    c, _ = synthetic(seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_demo_is_the_seeds_line():
    demo = make_demo(n_samples=50, slope=3.0, intercept=2.0, noise_std=0.0, x_min=0.0, x_max=2.0, seed=0)
    np.testing.assert_allclose(demo[TARGET], 3.0 * demo["x"] + 2.0, rtol=1e-15)
    assert demo["x"].between(0.0, 2.0).all()


def test_diabetes_is_the_bundled_table():
    frame, truth = load_diabetes_frame()
    assert frame.shape == (442, 11) and not truth["known"]
    assert truth["feature_names"][:3] == ["age", "sex", "bmi"]


def test_design_condition_number_scaling_invariance():
    X = np.random.default_rng(0).standard_normal((100, 3))
    assert design_condition_number(X) < design_condition_number(X * [1, 1e3, 1e6])


@pytest.fixture
def good_csv(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.standard_normal(30), "b": rng.standard_normal(30), "price": rng.standard_normal(30)})
    path = tmp_path / "houses.csv"
    frame.to_csv(path, index=False)
    return path, frame


def test_good_csv_loads_with_target_last(good_csv):
    path, raw = good_csv
    frame, truth = load_csv(path, "price")
    assert list(frame.columns) == ["a", "b", TARGET]
    np.testing.assert_array_equal(frame[TARGET], raw["price"])
    assert truth["feature_names"] == ["a", "b"] and not truth["known"]


@pytest.mark.parametrize(
    "mutate, target, message",
    [
        (
            lambda f: f.assign(b=f["b"].astype(object).where(f.index != 3, None)),
            "price",
            r"missing values in column\(s\) \{'b': 1\}",
        ),
        (lambda f: f.assign(city="paris"), "price", r"\['city'\] are not numeric"),
        (lambda f: f.assign(const=1.0), "price", r"\['const'\] are constant"),
        (lambda f: f, "cost", r"no target column 'cost'.*\['a', 'b', 'price'\]"),
        (lambda f: f.head(5), "price", "has 5 rows"),
        (lambda f: f[["price"]], "price", "no feature columns"),
    ],
    ids=["missing", "non-numeric", "constant", "no-target", "too-short", "no-features"],
)
def test_bad_csv_errors_name_the_column(good_csv, mutate, target, message):
    path, raw = good_csv
    mutate(raw).to_csv(path, index=False)
    with pytest.raises(DataError, match=message):
        load_csv(path, target)


def test_missing_and_unparsable_csv(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_csv(tmp_path / "nope.csv", "y")
    broken = tmp_path / "broken.csv"
    broken.write_text('a,b,y\n1,2,3\n4,"5,6\n')
    with pytest.raises(DataError, match="cannot be parsed"):
        load_csv(broken, "y")


def test_csv_saved_with_pandas_default_index_drops_the_row_numbers_and_says_so(good_csv, caplog):
    """``DataFrame.to_csv(path)`` writes the index as an unnamed first column (0, 1, …, n − 1): that is
    not a feature. It is dropped, with one line saying so and how to save without it."""
    path, raw = good_csv
    raw.to_csv(path)  # pandas' default: index=True
    assert path.read_text().startswith(",a,b,price")  # the file as people save it
    with caplog.at_level("WARNING"):
        frame, truth = load_csv(path, "price")
    assert truth["feature_names"] == ["a", "b"]
    np.testing.assert_array_equal(frame[["a", "b"]].to_numpy(), raw[["a", "b"]].to_numpy())
    assert "row numbers" in caplog.text and "index=False" in caplog.text


@pytest.mark.parametrize(
    "save",
    [
        lambda f, p: f.iloc[::2].to_csv(p),  # a filtered frame: its index 0, 2, 4, … is not a feature either
        lambda f, p: f.rename(columns={"b": ""}).to_csv(p, index=False),  # an unnamed column elsewhere
    ],
    ids=["index-with-gaps", "unnamed-middle-column"],
)
def test_csv_with_an_unnamed_column_that_is_not_row_numbers_is_refused(good_csv, save):
    path, raw = good_csv
    save(raw, path)
    with pytest.raises(DataError, match=r"column [0-9]+ has no name.*name it.*index=False"):
        load_csv(path, "price")
