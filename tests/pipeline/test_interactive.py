"""The Vega bundle the report inlines: built by vl-convert once per version, then read from the user's cache."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import vl_convert

from linreg.pipeline.report import interactive as iv


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    iv.bundle.cache_clear()
    yield tmp_path / "cache" / "linreg"
    iv.bundle.cache_clear()


def test_the_bundle_is_built_once_then_read_from_the_cache(fresh, monkeypatch):
    monkeypatch.setattr(vl_convert, "javascript_bundle", lambda snippet: "vegaEmbed, built once")
    assert iv.bundle() == "vegaEmbed, built once"
    assert [p.name for p in fresh.iterdir()] == [f"vega-bundle-vl-convert-{vl_convert.__version__}.js"]

    def never(snippet):
        raise AssertionError("the cached bundle should have been read")

    monkeypatch.setattr(vl_convert, "javascript_bundle", never)
    iv.bundle.cache_clear()
    assert iv.bundle() == "vegaEmbed, built once"


def test_an_unwritable_cache_still_gives_the_bundle(monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # mkdir under a file fails
    monkeypatch.setattr(vl_convert, "javascript_bundle", lambda snippet: "built")
    iv.bundle.cache_clear()
    try:
        assert iv.bundle() == "built"
    finally:
        iv.bundle.cache_clear()


def test_the_cached_bundle_is_vl_converts_own(fresh):
    first = iv.bundle()  # built and cached
    iv.bundle.cache_clear()
    assert iv.bundle() == first == vl_convert.javascript_bundle(None)
    assert "vegaEmbed" in first


def test_a_damaged_cache_is_rebuilt(fresh, monkeypatch):
    fresh.mkdir(parents=True)
    (fresh / f"vega-bundle-vl-convert-{vl_convert.__version__}.js").write_text("")  # truncated from outside
    monkeypatch.setattr(vl_convert, "javascript_bundle", lambda snippet: "function vegaEmbed() {}")
    assert iv.bundle() == "function vegaEmbed() {}"


# --- The figures' specs: what a reader sees on the controls and inside the axes -------------------------------------


def _gd_frames():
    multiples = [0.1, 0.5, 1.1]
    paths = pd.DataFrame(
        [
            {"multiple": m, "eta": 0.89 * m, "epoch": e, "b": 0.1 * e * m, "w": 0.2 * e * m, "loss": 1.0 / (e + 1)}
            | {"diverged": m > 1}
            for m in multiples
            for e in range(3)
        ]
    )
    grid = [(b, w) for b in (0.0, 0.5, 1.0) for w in (0.0, 0.5, 1.0)]
    surface = pd.DataFrame([{"b": b, "w": w, "loss": 1.0 + b + w} for b, w in grid])
    return surface, paths


def _path_frames():
    grids = {"ridge": np.geomspace(1e5, 10.0, 6), "lasso": np.geomspace(1.0, 1e-4, 6)}
    paths, curves = [], []
    for model, alphas in grids.items():
        mse = 1.0 + 20.0 * (alphas / alphas[0]) ** 0.5  # falls from 21 to near 1 as α shrinks
        for k, (a, v) in enumerate(zip(alphas, mse)):
            for f in ("x0", "x1"):
                paths.append({"model": model, "alpha": a, "feature": f, "coef": k * 0.1, "nonzero": min(k, 2)})
            curves.append(
                {"model": model, "alpha": a, "val_mse": v, "one_se_threshold": mse.min() + 0.01}
                | {"chosen_min": k == 5, "chosen_1se": k == 4}
            )
    return pd.DataFrame(paths), pd.DataFrame(curves)


def _params(spec: dict) -> list[dict]:
    out = list(spec.get("params", []))
    for key in ("layer", "vconcat", "hconcat"):
        for sub in spec.get(key, []):
            out += _params(sub)
    return out


def _bound_text(param: dict) -> str:
    bind = param["bind"]
    return " ".join([bind.get("name", ""), *map(str, bind.get("labels", []))])


def test_the_step_size_control_is_labelled_with_the_learning_rate_it_sets():
    spec = iv.gradient_descent(*_gd_frames()).to_dict()
    (param,) = [p for p in _params(spec) if "bind" in p]
    assert "position" not in _bound_text(param)  # the review's "step size (slider position) 2"
    assert param["bind"]["labels"] == ["η = 0.089 (0.1 × 2/L)", "η = 0.445 (0.5 × 2/L)", "η = 0.979 (1.1 × 2/L)"]
    assert param["bind"]["options"] == [0, 1, 2]  # option i shows the path at the i-th η


def test_each_penalty_control_is_labelled_with_the_alpha_it_sets():
    paths, curves = _path_frames()
    spec = iv.regularization_paths(paths, curves, ["x0"]).to_dict()
    bound = [p for p in _params(spec) if "bind" in p]
    assert len(bound) == 2  # one per penalty: their α grids differ by 10⁵
    for param, alphas in zip(bound, (np.geomspace(1e5, 10.0, 6), np.geomspace(1.0, 1e-4, 6))):
        assert "position" not in _bound_text(param)  # the review's "path position 49"
        assert param["bind"]["labels"] == [f"α = {a:.3g}" for a in alphas]  # strong → weak, as the axes
        assert param["value"] == 5  # starts at the minimum-error α


def _layers(spec: dict, datasets: dict) -> list[tuple[str, dict, list[dict]]]:
    """(mark, encoding, rows) of every drawn layer, with its inline data."""
    out = []
    for key in ("layer", "vconcat", "hconcat"):
        for sub in spec.get(key, []):
            sub = {"data": spec.get("data"), **sub} if "data" not in sub and "data" in spec else sub
            out += _layers(sub, datasets)
    if "mark" in spec:
        mark = spec["mark"]["type"] if isinstance(spec["mark"], dict) else spec["mark"]
        out.append((mark, spec.get("encoding", {}), datasets[spec["data"]["name"]]))
    return out


def _outside_their_axes(chart) -> list[str]:
    """Every point (a mark_point row) outside the declared x or y domain, and every line that stops short of
    its x domain (a curve that ends before the axis does hides what happens there)."""
    spec = chart.to_dict()
    bad = []
    for mark, enc, rows in _layers(spec, spec["datasets"]):
        for ch in ("x", "y"):
            field, domain = enc.get(ch, {}).get("field"), enc.get(ch, {}).get("scale", {}).get("domain")
            if field is None or not isinstance(domain, list):
                continue
            values = [r[field] for r in rows if field in r]
            lo, hi = min(domain), max(domain)
            if mark == "point":
                bad += [f"{ch} {field}={v} outside {domain}" for v in values if not lo <= v <= hi]
            if mark == "line" and ch == "x" and (min(values) > lo or max(values) < hi):
                bad.append(f"line over {field} [{min(values)}, {max(values)}] short of {domain}")
    return bad


def test_every_point_of_the_degree_figure_lies_inside_its_axes():
    from linreg.pipeline.evaluation.lessons import polynomial_curves

    rng = np.random.default_rng(0)
    x_train, x_val = rng.uniform(0.0, 1.9, 30), np.array([0.1, 1.0, 2.0])  # one validation x past the training range
    y_train, y_val = 2.0 * x_train + rng.normal(0, 0.3, 30), 2.0 * x_val
    curves = polynomial_curves(x_train, y_train, 4, points=30, x_shown=x_val)
    points = pd.concat(
        [pd.DataFrame({"x": x_train, "y": y_train, "split": "train"}), pd.DataFrame({"x": x_val, "y": y_val})]
    ).fillna({"split": "validation"})
    sweep = pd.DataFrame(
        [{"panel": "ols", "series": s, "degree": d, "mse": 1.0} for s in ("train", "validation") for d in range(1, 5)]
    )
    assert _outside_their_axes(iv.polynomial_degree(curves, points, sweep)) == []


def test_the_moving_validation_point_of_the_paths_figure_stays_inside_its_axes():
    paths, curves = _path_frames()
    assert _outside_their_axes(iv.regularization_paths(paths, curves, ["x0"])) == []


def _font_sizes(node, where: str = "") -> list[tuple[str, float]]:
    """Every font size a spec sets (fontSize, labelFontSize, titleFontSize, …), with where it is set."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key.lower().endswith("fontsize") and isinstance(value, (int, float)):
                found.append((f"{where}.{key}", float(value)))
            else:
                found += _font_sizes(value, f"{where}.{key}")
    elif isinstance(node, list):
        for k, value in enumerate(node):
            found += _font_sizes(value, f"{where}[{k}]")
    return found


def test_every_font_size_an_interactive_figure_sets_is_legible_on_a_phone():
    # The charts draw at their own pixel size (WIDTH fits a 390 px phone's 358 px column), so a size set in
    # the spec is the size read there: at least 9 px, the report's floor for figure text. Unset sizes are
    # Vega's defaults (10-11 px).
    from linreg.pipeline.evaluation.lessons import polynomial_curves

    x = np.linspace(0.0, 1.9, 20)
    curves = polynomial_curves(x, 2.0 * x, 3, points=20)
    points = pd.DataFrame({"x": x, "y": 2.0 * x, "split": ["train"] * 15 + ["validation"] * 5})
    sweep = pd.DataFrame(
        [{"panel": "ols", "series": s, "degree": d, "mse": 1.0} for s in ("train", "validation") for d in (1, 2, 3)]
    )
    bench = pd.DataFrame(
        [
            {"status": "ok", "library": "linreg", "solver": "ols", "series": "linreg cpu float64", "n": n, "p": 20}
            | {"dtype": "float64", "median_s": 1e-6 * n, "ratio_to_gram": 1.5}
            for n in (1_000, 10_000)
        ]
    )
    charts = {
        "gd": iv.gradient_descent(*_gd_frames()),
        "paths": iv.regularization_paths(*_path_frames(), ["x0"]),
        "degree": iv.polynomial_degree(curves, points, sweep),
        "bench": iv.benchmark(bench),
    }
    sizes = {name: _font_sizes(chart.to_dict()) for name, chart in charts.items()}
    assert any(sizes.values())  # the specs do set sizes (the in-chart labels): the check has something to read
    small = {name: [s for s in found if s[1] < 9] for name, found in sizes.items()}
    assert not any(small.values()), small
