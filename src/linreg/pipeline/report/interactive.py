"""Interactive twins of the report's teaching figures: Vega-Lite specs from tracked outputs, and the
JavaScript that draws them, inlined so the page needs no network.

The specs are built with altair and hold the pipeline's numbers as inline data; the browser only
filters and draws them (nothing is fitted there). Building one with altair costs up to a second (its
copies of each layered chart), so each builder's spec is kept in the user's cache under the key of its
arguments and code (``linreg.pipeline.reuse``): a render whose charts' data did not change (an edit to
``train.gd``) builds none of them and does not import altair. The bundle of Vega, Vega-Lite and
vega-embed comes from the ``vl-convert-python`` wheel, about 0.9 MB. Each twin sits below its static PNG, hidden until
the script has drawn it, and hidden in print, so a reader without JavaScript still has the figure.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from linreg.pipeline.evaluation.palette import GREY
from linreg.pipeline.evaluation.palette import PALETTE_HEX as PALETTE  # the static figures' colours
from linreg.pipeline.variants import BENCHMARK_LABELS, COLORS, LABELS

if TYPE_CHECKING:
    import altair as alt

WIDTH = 290  # px: fits a 390 px phone's text column (358 px) with the axis labels
# Log axes are labelled at the powers of ten only, in short form (1k, 1M; 0.001 below one): at WIDTH
# the default 1-2-5 labels touched ("200100") and a greedy thinning dropped the axis's last label.
LOG_LABEL = "datum.value >= 1000 ? format(datum.value, '~s') : format(datum.value, '~g')"


def log_axis(values: pd.Series) -> alt.Axis:
    """An axis for a log scale over ``values``: one labelled tick per power of ten it spans, ends included."""
    import altair as alt

    positive = values[values > 0]
    lo, hi = math.floor(math.log10(positive.min())), math.ceil(math.log10(positive.max()))
    return alt.Axis(values=[10.0**k for k in range(lo, hi + 1)], labelExpr=LOG_LABEL, labelSeparation=6)


def log_ticks(values: pd.Series) -> alt.Axis:
    """An axis for a log scale over a range narrower than a few decades: ticks at 1, 2 and 5 × 10ᵏ inside it."""
    import altair as alt

    lo, hi = float(values.min()), float(values.max())
    ticks = [m * 10.0**k for k in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1) for m in (1, 2, 5)]
    return alt.Axis(values=[t for t in ticks if lo <= t <= hi] or [lo, hi], labelExpr=LOG_LABEL, labelSeparation=6)


# Draws every spec on the page once the bundle has loaded, then shows its container.
INIT = """
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("script[type='application/json'][data-vis]").forEach(function (node) {
    var id = node.getAttribute("data-vis");
    var box = document.getElementById(id);
    vegaEmbed("#" + id + " .vis", JSON.parse(node.textContent), {actions: false, renderer: "svg"})
      .then(function () { box.style.display = "block"; })
      .catch(function (err) { console.error("linreg: figure " + id + " failed: " + err); });
  });
});
"""


@functools.cache
def bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script (globals ``vegaEmbed``, ``vega``, ``vegaLite``).

    vl-convert builds it in about 1.2 s, the same bytes for a given vl-convert version: it is kept
    in the user's cache folder under that version (docs/performance.md "The learner's loop").
    """
    import vl_convert

    version = vl_convert.__version__  # type: ignore[attr-defined]  # the extension module has no stub for it
    cached = bundle_cache_dir() / f"vega-bundle-vl-convert-{version}.js"
    try:
        js = cached.read_text(encoding="utf-8")
        if "vegaEmbed" in js:  # a file damaged from outside is rebuilt, not inlined
            return js
    except (OSError, UnicodeDecodeError):
        pass
    js = vl_convert.javascript_bundle(None)  # type: ignore[arg-type]  # None: the default globals snippet
    try:  # written whole or not at all, so a reader never sees half a bundle
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
        tmp.write_text(js, encoding="utf-8")
        os.replace(tmp, cached)
    except OSError:  # a read-only home: build it each time
        pass
    return js


def bundle_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/linreg`` (``~/.cache/linreg`` when unset)."""
    from linreg.pipeline.reuse import cache_dir

    return cache_dir()


def scripts() -> str:
    """The ``<script>`` elements that make every embedded spec on a page draw itself."""
    return f"<script>{_safe(bundle())}</script>\n<script>{INIT}</script>"


def _safe(js: str) -> str:
    return js.replace("</script", "<\\/script")  # never ends the element early


class Spec:
    """A chart's Vega-Lite spec, as a builder returns it: ``to_dict()`` as altair's charts have."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self._spec = spec

    def to_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(self._spec))  # a copy: a caller's edit never reaches the next caller


def reused(build: Callable[..., Any]) -> Callable[..., Spec]:
    """``build``'s chart as a :class:`Spec`, built only when the user's cache holds none built from the same
    key (``linreg.pipeline.reuse.key``: the arguments' exact values, the linreg package's source and the
    libraries' versions). One file per builder, checked by its SHA-256: a file damaged or written for
    other arguments is built again and replaced; a cache that cannot be written is skipped."""

    @functools.wraps(build)
    def cached(*args: Any) -> Spec:
        from linreg.pipeline import reuse

        key = reuse.key(build, args)
        path = reuse.cache_dir() / "charts" / f"{build.__name__}.json"
        try:
            stored_key, digest, text = path.read_text(encoding="utf-8").split("\n", 2)
            if stored_key == key and digest == hashlib.sha256(text.encode()).hexdigest():
                return Spec(json.loads(text))
        except (OSError, UnicodeDecodeError, ValueError):
            pass
        spec = build(*args).to_dict()
        text = json.dumps(spec, separators=(",", ":"), allow_nan=False)
        reuse.write_cache(path, f"{key}\n{hashlib.sha256(text.encode()).hexdigest()}\n{text}")
        return Spec(spec)

    return cached


def embed(name: str, chart: alt.TopLevelMixin | Spec, hint: str) -> str:
    """A hidden container for ``chart`` (shown once drawn), with its spec as inline JSON."""
    spec = json.dumps(chart.to_dict(), separators=(",", ":"), allow_nan=False)
    return (
        f'<div id="vis-{name}" class="interactive" style="display:none"><p class="hint">{html.escape(hint)}</p>'
        f'<div class="vis"></div></div>\n'
        f'<script type="application/json" data-vis="vis-{name}">{_safe(spec)}</script>'
    )


def _round(frame: pd.DataFrame, digits: int = 5) -> pd.DataFrame:
    """Floats to ``digits`` significant digits: the page's weight, not the pipeline's precision."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].map(lambda v: float(f"{v:.{digits}g}"))
    return out


@reused
def regularization_paths(paths: pd.DataFrame, curves: pd.DataFrame, informative: list[str] | None) -> alt.VConcatChart:
    """One α menu per penalty over its coefficients and validation curve, each option labelled with its α."""
    import altair as alt

    models = list(dict.fromkeys(paths.model))
    k_of = {m: {a: i for i, a in enumerate(sorted(set(curves[curves.model == m].alpha), reverse=True))} for m in models}
    paths = paths.assign(
        k=[k_of[m][a] for m, a in zip(paths.model, paths.alpha)],
        group=[f if informative is None or f in informative else "true β = 0" for f in paths.feature],
        name=[LABELS.get(m, m) for m in paths.model],
    )
    curves = curves.assign(
        k=[k_of[m][a] for m, a in zip(curves.model, curves.alpha)], name=[LABELS.get(m, m) for m in curves.model]
    )
    # One menu per penalty, labelled with the α it sets: the grids differ (ridge's α is ~10⁵× lasso's), so
    # a shared "path position" would move three models to three unrelated α (the review's "position 49").
    params = {}
    for i, model in enumerate(models):
        alphas = sorted(k_of[model], reverse=True)
        best = int(curves[curves.chosen_min & (curves.model == model)].k.iloc[0])
        params[model] = alt.param(
            name=f"k{i}",
            value=best,
            bind=alt.binding_select(
                options=list(range(len(alphas))),
                labels=[f"α = {a:.3g}" for a in alphas],
                name=f"{LABELS.get(model, model)}, α (strong → weak): ",
            ),
        )
    groups = sorted(set(paths.group) - {"true β = 0"}) + (["true β = 0"] if "true β = 0" in set(paths.group) else [])
    color = alt.Color(
        "group:N",
        title="feature",
        legend=alt.Legend(orient="bottom", columns=5),
        scale=alt.Scale(
            domain=groups,
            range=[*PALETTE[: len(groups) - ("true β = 0" in groups)], *([GREY] if "true β = 0" in groups else [])],
        ),
    )
    rows = []
    for model in models:
        at_k = alt.datum.k == params[model]
        p = _round(paths[paths.model == model][["alpha", "coef", "feature", "group", "k", "nonzero", "name"]])
        c = _round(
            curves[curves.model == model][
                ["alpha", "val_mse", "one_se_threshold", "chosen_min", "chosen_1se", "k", "name"]
            ]
        )
        x = alt.X(
            "alpha:Q",
            scale=alt.Scale(type="log", reverse=True),
            axis=log_axis(c.alpha),
            title="α (decreasing →)",
        )
        base = alt.Chart(p).properties(width=WIDTH, height=170, title=f"{LABELS.get(model, model)}: coefficients")
        lines = base.mark_line(strokeWidth=1.5).encode(
            x=x, y=alt.Y("coef:Q", title="coefficient"), color=color, detail="feature:N"
        )
        dots = (
            base.mark_point(filled=True, size=40)
            .encode(x=x, y="coef:Q", color=color, tooltip=["feature", "coef", "alpha"])
            .transform_filter(at_k)
        )
        first = alt.datum.feature == p.feature.iloc[0]  # one row per α: where the rule and the label are drawn
        rule = base.mark_rule(color="black").encode(x=x).transform_filter(at_k & first)
        label = (
            base.mark_text(align="left", dx=4, dy=-60, fontSize=12)
            .encode(x=x, text=alt.Text("label:N"))
            .transform_filter(at_k & first)
            .transform_calculate(label="'α = ' + format(datum.alpha, '.3~g') + ', ' + datum.nonzero + ' non-zero'")
        )
        cbase = alt.Chart(c).properties(width=WIDTH, height=110, title=f"{LABELS.get(model, model)}: validation MSE")
        # The whole curve, on a log axis: a zoom on the minimum (as the static figure) left the moving point
        # off the chart for most α, and the point is what the reader follows.
        span = alt.Scale(type="log", domain=[float(c.val_mse.min()), float(c.val_mse.max())], nice=False)
        y = alt.Y("val_mse:Q", title="validation MSE (log)", scale=span, axis=log_ticks(c.val_mse))
        curve = cbase.mark_line(color=COLORS.get(model, "black"), clip=True).encode(x=x, y=y)
        moving = (
            cbase.mark_point(filled=True, size=80, color="black", clip=True)
            .encode(x=x, y=y, tooltip=["alpha", "val_mse"])
            .transform_filter(at_k)
        )
        chosen = (
            cbase.mark_rule(strokeDash=[4, 3])
            .encode(
                x=x,
                color=alt.Color(
                    "choice:N",
                    title="choice",
                    legend=alt.Legend(orient="bottom"),
                    scale=alt.Scale(domain=["minimum", "1-SE"], range=["#000000", "#777777"]),
                ),
            )
            .transform_filter(alt.datum.chosen_min | alt.datum.chosen_1se)
            .transform_calculate(choice="datum.chosen_min ? 'minimum' : '1-SE'")
        )
        threshold = cbase.mark_rule(strokeDash=[1, 2], color="black").encode(y="mean(one_se_threshold):Q")
        rows += [lines + dots + rule + label, curve + moving + chosen + threshold]
    return alt.vconcat(*rows).add_params(*params.values()).resolve_scale(color="independent")


@reused
def gradient_descent(surface: pd.DataFrame, paths: pd.DataFrame) -> alt.LayerChart:
    """A step-size slider over the demo's loss surface J(b, w), drawing the pipeline's descent path."""
    import altair as alt

    steps = sorted(set(paths.multiple))
    paths = paths.assign(s=paths.multiple.map({m: i for i, m in enumerate(steps)}))
    start = min(range(len(steps)), key=lambda i: abs(steps[i] - 0.5))
    eta = paths.groupby("multiple").eta.first()
    s = alt.param(  # a menu labelled with the η each option sets (a range input can only show its index)
        name="s",
        value=start,
        bind=alt.binding_select(
            options=list(range(len(steps))),
            labels=[f"η = {eta[m]:.3g} ({m:g} × 2/L)" for m in steps],
            name="learning rate: ",
        ),
    )
    b_dom = [float(surface.b.min()), float(surface.b.max())]
    w_dom = [float(surface.w.min()), float(surface.w.max())]
    x = alt.X("b:Q", title="intercept b", scale=alt.Scale(domain=b_dom))
    y = alt.Y("w:Q", title="slope w", scale=alt.Scale(domain=w_dom))
    n = int(round(len(surface) ** 0.5))
    db, dw = (b_dom[1] - b_dom[0]) / (n - 1), (w_dom[1] - w_dom[0]) / (n - 1)
    heat = (
        alt.Chart(_round(surface.assign(b2=surface.b + db, w2=surface.w + dw), 4))
        .mark_rect()
        .encode(
            x=x,
            x2="b2:Q",
            y=y,
            y2="w2:Q",
            color=alt.Color(
                "loss:Q",
                title="J(b, w)",
                legend=alt.Legend(orient="bottom"),
                scale=alt.Scale(type="log", scheme="blues", reverse=True),
            ),
        )
    )
    p = _round(paths)
    at_s = alt.datum.s == s
    path = alt.Chart(p).transform_filter(at_s)
    line = path.mark_line(color="#d62728", clip=True, point=alt.OverlayMarkDef(color="#d62728", size=25)).encode(
        x=x, y=y, order="epoch:Q", tooltip=["epoch", "b", "w", "loss"]
    )
    text = (
        path.mark_text(align="left", baseline="top", x=4, y=4, fontSize=12)
        .encode(text="label:N")
        .transform_filter(alt.datum.epoch == 0)
        .transform_calculate(
            label="'η = ' + format(datum.multiple, '.2~f') + ' × 2/L = ' + format(datum.eta, '.3~g') + "
            "(datum.diverged ? ': diverges' : ': converges')"
        )
    )
    return (
        (heat + line + text)
        .add_params(s)
        .properties(width=WIDTH, height=WIDTH, title="Gradient descent on J(b, w), the demo's loss")
    )


@reused
def polynomial_degree(curves: pd.DataFrame, points: pd.DataFrame, sweep: pd.DataFrame) -> alt.LayerChart:
    """A degree slider redrawing the fitted polynomial over the demo's points, with both errors."""
    import altair as alt

    top = int(curves.degree.max())
    errors = sweep[sweep.panel == "ols"].pivot_table(index="degree", columns="series", values="mse").reset_index()
    curves = curves.merge(errors, on="degree")
    d = alt.param(name="d", value=1, bind=alt.binding_range(min=1, max=top, step=1, name="polynomial degree "))
    points = _round(points)  # the domain from the very numbers drawn: rounding must not push one outside
    lo, hi = float(points.y.min()), float(points.y.max())
    y_scale = alt.Scale(domain=[lo - 0.3 * (hi - lo), hi + 0.3 * (hi - lo)])
    y = alt.Y("fitted:Q", title="y", scale=y_scale)
    # x spans every point drawn; the curves are evaluated over the same span (lessons.polynomial_curves),
    # so a high degree's swing beyond the last training point is drawn, not left off the chart.
    x = alt.X("x:Q", title="x", scale=alt.Scale(domain=[float(points.x.min()), float(points.x.max())], nice=False))
    dots = (
        alt.Chart(points)
        .mark_point(filled=True, size=30)
        .encode(
            x=x,
            y=alt.Y("y:Q", title="y", scale=y_scale),
            color=alt.Color(
                "split:N",
                title="points",
                scale=alt.Scale(domain=["train", "validation"], range=["#444444", "#d62728"]),
                legend=alt.Legend(orient="bottom"),
            ),
        )
    )
    fit = alt.Chart(_round(curves)).transform_filter(alt.datum.degree == d)
    line = fit.mark_line(color="#1f77b4", strokeWidth=2, clip=True).encode(x=x, y=y)
    text = (
        fit.mark_text(align="left", baseline="top", x=4, y=4, fontSize=12)
        .encode(text="label:N")
        .transform_filter(alt.datum.x == float(_round(curves).x.min()))
        .transform_calculate(
            label="'degree ' + datum.degree + ': training MSE ' + format(datum.train, '.3~g') + ', validation MSE '"
            " + format(datum.validation, '.3~g')"
        )
    )
    return (dots + line + text).add_params(d).properties(width=WIDTH, height=230, title="Overfitting, degree by degree")


@reused
def benchmark(results: pd.DataFrame) -> alt.FacetChart:
    """Median time against n per solver and series, log axes, exact values on hover."""
    import altair as alt

    ok = results[(results.status == "ok") & (results.library != "limit")][
        ["solver", "series", "n", "p", "dtype", "median_s", "ratio_to_gram"]
    ]
    ok = ok.assign(solver=ok.solver.map(lambda s: BENCHMARK_LABELS.get(s, s)))  # display names, as the PNG
    chart = (
        alt.Chart(_round(ok, 4))
        .mark_line(point=alt.OverlayMarkDef(size=50))
        .encode(
            x=alt.X("n:Q", scale=alt.Scale(type="log"), axis=log_axis(ok.n), title="rows n"),
            y=alt.Y("median_s:Q", scale=alt.Scale(type="log"), axis=log_axis(ok.median_s), title="seconds (median)"),
            color=alt.Color("series:N", title="library, device, dtype", legend=alt.Legend(orient="bottom", columns=2)),
            tooltip=[
                "solver",
                "series",
                alt.Tooltip("n:Q", format=","),
                "p",
                alt.Tooltip("median_s:Q", title="median s", format=".3~g"),
                alt.Tooltip("ratio_to_gram:Q", title="÷ one XᵀX", format=".3~g"),
            ],
        )
    )
    return (
        chart.properties(width=WIDTH, height=150)
        .facet(row=alt.Row("solver:N", title=None))
        .resolve_scale(y="independent")
    )


# DVC's plot templates (.dvc/plots/*.json) declare Vega-Lite v5; the page draws them with that major version.
DVC_VEGA_LITE = "5.21"
DVC_PLOTS_TEMPLATE = ".dvc/offline_plots.html"  # `plots.html_template` in .dvc/config (relative to .dvc/)


def dvc_plots_template() -> str:
    """The page `dvc plots show` fills (its ``{plot_divs}``), with Vega inlined instead of DVC's CDN tags.

    DVC adds its ``<script src="https://cdn…">`` tags through the ``{scripts}`` placeholder; this
    template has none, so the page it writes opens with no network.
    """
    import vl_convert

    js = _safe(vl_convert.javascript_bundle(None, vl_version=DVC_VEGA_LITE))  # type: ignore[arg-type]
    return (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n{refresh_tag}\n'
        "<title>linreg: DVC plots</title>\n"
        "<!-- Generated by `make plots-template` (linreg.pipeline.report.interactive.dvc_plots_template): "
        f"Vega, Vega-Lite {DVC_VEGA_LITE} and vega-embed from vl-convert-python, inlined. -->\n"
        f"<script>{js}</script>\n"
        "<style>body { font-family: system-ui, sans-serif; margin: 1rem; } table { border-spacing: 15px; }"
        "</style>\n</head>\n<body>\n{plot_divs}\n</body>\n</html>\n"
    )


if __name__ == "__main__":  # make plots-template
    import sys
    from pathlib import Path

    Path(sys.argv[1] if len(sys.argv) > 1 else DVC_PLOTS_TEMPLATE).write_text(dvc_plots_template())
