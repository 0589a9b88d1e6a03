"""Everything the report reads, loaded from tracked outputs; and the tables and sentences it shows.

The report fits nothing: each number in its prose comes from a function here
that reads the pipeline's metrics, tables and cards, so a change in
params.yaml followed by ``dvc repro`` changes the report's numbers and conclusions.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from linreg.pipeline.card import ModelCard
from linreg.pipeline.params import read_yaml
from linreg.pipeline.paths import Paths, project_paths
from linreg.pipeline.variants import LABELS, OURS  # noqa: E402  (re-exported for the report's cells)


def find_root(start: Path | None = None) -> Path:
    """The project root: the nearest folder upwards holding dvc.yaml (cells run in reports/)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "dvc.yaml").is_file():
            return folder
    raise FileNotFoundError(f"no dvc.yaml above {here}")


def fmt(x: float | None, digits: int = 4) -> str:
    """A number with ``digits`` significant digits; NaN and None as an em dash."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x:.{digits}g}"


@dataclass
class ReferenceRun:
    """One committed ``make gpu-check`` run: reports/reference/<gpu-model>/."""

    name: str
    system: dict[str, Any]
    summary: dict[str, Any]
    benchmark: pd.DataFrame
    limits: pd.DataFrame  # (NOTES.md beside them is the developers' log: docs/gpu.md links it, the report does not)


def load_references(paths: Paths) -> list[ReferenceRun]:
    folders = sorted(paths.reference_dir.iterdir()) if paths.reference_dir.is_dir() else []

    def read(f: Path, name: str) -> Any:
        return json.loads((f / name).read_text())

    return [
        ReferenceRun(
            f.name,
            read(f, "system.json"),
            read(f, "summary.json"),
            pd.read_csv(f / "benchmark.csv"),
            pd.read_csv(f / "limits.csv"),
        )
        for f in folders
        if (f / "benchmark.csv").is_file() and (f / "system.json").is_file()
    ]


def reference_label(ref: ReferenceRun) -> str:
    """The hardware and date a reference ran on (driver and library versions are in its system.json)."""
    s = ref.system
    return f"measured on an {s['gpu']} hosted by {s['cpu_cores']} cores of an {s['cpu']}, on {s['date']}"


def reference_table(ref: ReferenceRun) -> pd.DataFrame:
    """Per solver and dtype at the reference's largest n: its GPU and its own host CPU's times on the
    same n × p, the speedup and the crossover. (This machine's CPU ran other sizes: it is not a column.)"""
    from linreg.pipeline.benchmark.summary import crossover

    ok = ref.benchmark[(ref.benchmark.status == "ok") & (ref.benchmark.library == "linreg")]
    top = ok[ok.n == ok.n.max()]
    cross = crossover(ref.benchmark).set_index(["solver", "dtype"])
    rows = []
    for (solver, dtype), part in top.groupby(["solver", "dtype"]):
        by = part.set_index("device").median_s
        if "cuda" not in by or "cpu" not in by:
            continue
        rows.append(
            {
                "solver": solver,
                "dtype": dtype,
                "n × p": f"{int(part.n.iloc[0]):,} × {int(part.p.iloc[0])}",
                "GPU s": by["cuda"],
                "host CPU s": by["cpu"],
                "speedup": by["cpu"] / by["cuda"],
                "GPU faster from n": _count(cross.crossover_n.get((solver, dtype), float("nan"))),
            }
        )
    return pd.DataFrame(rows)


def _count(x: float) -> str:
    return "—" if x is None or x != x else f"{int(x):,}"


def reference_limits_text(ref: ReferenceRun) -> str:
    """Where the reference GPU's time went, in a learner's words: the copy, one XᵀX, each fit as a multiple."""
    s = ref.summary
    fits = ref.limits[ref.limits.kind == "fit"]
    n, p = int(fits.n.iloc[0]), int(fits.p.iloc[0])
    xtx = s["one_xtx_on_device_median_s"]
    ols = s["ols_on_device_ratio_to_gram"] * xtx  # seconds
    copy = s["copy_x_to_device_median_s"]
    multiples = {
        "OLS": "ols_on_device_ratio_to_gram",
        "lasso": "lasso_on_device_ratio_to_gram",
        "elastic net": "elastic_net_on_device_ratio_to_gram",
        "batch GD (5 epochs)": "gd_batch_on_device_ratio_to_gram",
        "a 20-α lasso path": "lasso_path_20_alphas_on_device_ratio_to_gram",
    }
    return (
        f"At n = {n:,}, p = {p} in float32, copying X to the GPU took {fmt(copy, 3)} s, while OLS on data already "
        f"there took {fmt(ols * 1e3, 3)} ms: here the copy took about {fmt(copy / ols, 2)}× as long as the fit. "
        f"One XᵀX took {fmt(xtx * 1e3, 3)} ms there, and each fit a multiple of it: "
        + ", ".join(f"{name} {fmt(s[key], 3)}×" for name, key in multiples.items())
        + f". Mini-batch GD ran {_count(s['gd_minibatch_cuda_graphs_steps_per_s'])} steps a second when its steps "
        f"were recorded once and replayed (CUDA graphs), against {_count(s['gd_minibatch_eager_steps_per_s'])} when "
        "Python sent each operation: small steps wait on sending work to the GPU, not on arithmetic. Every model "
        "trained on the GPU matched the CPU's float64 fit: float64 to "
        f"{fmt(s['agreement_max_relative_error_float64'], 2)} (relative), float32 to "
        f"{fmt(s['agreement_max_relative_error_float32'], 2)}, within what float32's 7 digits and the data's "
        f"conditioning allow ({fmt(s['agreement_tolerance_float32'], 2)})."
    )


@dataclass
class ReportData:
    paths: Paths
    params: dict[str, Any]
    truth: dict[str, Any]
    sizes: dict[str, Any]
    scaler: dict[str, Any]
    cards: dict[str, ModelCard]
    metrics: dict[str, dict[str, Any]]
    tables: dict[str, pd.DataFrame]
    ols_summary: str
    plots: dict[str, pd.DataFrame]
    benchmark: pd.DataFrame
    system: dict[str, Any]
    reference_runs: list[ReferenceRun]
    cost_vs_p: pd.DataFrame  # the closed form against GD to convergence as p grows (benchmark stage)


def load(root: Path | None = None) -> ReportData:
    paths = project_paths(root or find_root())
    read = lambda p: json.loads(Path(p).read_text())  # noqa: E731
    table_files = {
        **{
            n: paths.evaluate_table(n)
            for n in ("model_metrics", "recovery", "ols_inference", "intervals", "agreement", "paired_test")
        },
        **{n: paths.lesson_data(n) for n in ("regimes", "gd_step")},
    }
    tables = {n: pd.read_csv(f) for n, f in table_files.items() if f.is_file() and f.stat().st_size > 1}
    plots = {
        "gd_history": pd.read_csv(paths.gd_history),
        "lr_sweep": pd.read_csv(paths.lr_sweep),
        "reg_path": pd.read_csv(paths.reg_path),
        "validation_curve": pd.read_csv(paths.validation_curve),
        **{n: pd.read_csv(paths.evaluate_plot(n)) for n in ("learning_curve",)},
        **{
            n: pd.read_csv(paths.lesson_data(n))
            for n in ("degree_sweep", "demo_points", "degree_curves", "gd_paths", "gd_surface")
        },
    }
    return ReportData(
        paths=paths,
        params=read_yaml(paths.params.read_text()),  # as DVC and the stages read it
        truth=read(paths.truth),
        sizes=read(paths.split_sizes),
        scaler=read(paths.scaler),
        cards={p.stem: ModelCard.from_json(read(p)) for p in sorted(paths.models_dir.glob("*.json"))},
        metrics={s: read(paths.metrics(s)) for s in ("scale", "train", "evaluate", "benchmark")},
        tables=tables,
        ols_summary=paths.ols_summary.read_text() if paths.ols_summary.is_file() else "",
        plots=plots,
        benchmark=pd.read_csv(paths.benchmark_results),
        system=read(paths.benchmark_system),
        reference_runs=load_references(paths),
        cost_vs_p=pd.read_csv(paths.benchmark_cost_vs_p),
    )


def comparison_table(d: ReportData) -> pd.DataFrame:
    """The core table: every model on the test split, with recovery, fit time and device."""
    mm = d.tables["model_metrics"]
    test = mm[mm.split == "test"].pivot(index="model", columns="metric", values="value")
    rows = []
    recovery = d.tables.get("recovery", pd.DataFrame()).set_index("model") if "recovery" in d.tables else None
    for name in [n for n in OURS if n in d.cards] + [n for n in d.cards if n not in OURS]:
        card, t = d.cards[name], test.loc[name]
        row = {
            "model": LABELS.get(name, name),
            "key": name,
            "kind": card.kind,
            "test MSE": float(t["mse"]),
            "RMSE": float(t["rmse"]),
            "MAE": float(t["mae"]),
            "R²": float(t["r2"]),
            "adj. R²": float(t["adj_r2"]),
        }  # NaN when undefined
        if recovery is not None and name in recovery.index:
            row["‖β̂ − β‖₂"] = float(recovery.loc[name, "coef_l2_error"])
            row["support F1"] = float(recovery.loc[name, "support_f1"])
        if "paired_test" in d.tables:
            pt = d.tables["paired_test"].set_index("model")
            if name in pt.index and pt.loc[name, "baseline"] != name:
                r = pt.loc[name]
                row["test MSE − OLS (95%)"] = (
                    f"{fmt(r['diff'], 2)} [{fmt(r.diff_lower, 2)}, {fmt(r.diff_upper, 2)}]"
                    + (" *" if r.resolved else "")
                )
            elif name in pt.index:
                row["test MSE − OLS (95%)"] = "baseline"
        row.update({"α": card.alpha, "device": card.device})
        rows.append(row)
    return pd.DataFrame(rows)


class RawHtml:
    """HTML that a cell shows as a raw block of markdown (``text/markdown``), never as ``text/html``.

    Under Quarto any ``text/html`` output makes the page load require.js and jQuery from a CDN, so it is no
    longer self-contained offline; a raw ````` ```{=html} ````` block in markdown output passes through both
    renderers as is. The fence is longer than any run of backticks inside (inlined JavaScript has some)."""

    def __init__(self, html: str) -> None:
        self.html = html

    def _repr_markdown_(self) -> str:
        longest = max((len(run) for run in re.findall(r"`+", self.html)), default=0)
        fence = "`" * max(3, longest + 1)
        return f"{fence}{{=html}}\n{self.html}\n{fence}\n"

    def __repr__(self) -> str:  # the text/plain twin stays short (the markdown carries the content)
        return f"<raw HTML, {len(self.html):,} characters>"


def raw_html(html: str) -> RawHtml:
    return RawHtml(html)


def figure_image(fig: Any) -> Any:
    """A matplotlib figure drawn in a report cell, as the stages write theirs (``io.write_figure``: the PNG
    records its dpi and smallest font, which the legibility test reads), shown as an image."""
    import tempfile

    from IPython.display import Image

    from linreg.pipeline.io import write_figure

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "figure.png"
        write_figure(path, fig)
        return Image(data=path.read_bytes())


def drawn_image(name: str, draw: Any, *args: Any) -> Any:
    """``draw(*args)``'s matplotlib figure shown as :func:`figure_image` shows it, drawn only when the user's
    cache holds none drawn from the same key (``linreg.pipeline.reuse``): the GPU reference's figure, from
    committed files, is the same on every render. ``name`` names its file in the cache."""
    from IPython.display import Image

    from linreg.pipeline import reuse

    cached = reuse.cache_dir() / "figures" / f"{name}.png"
    png, drawn = reuse.figure_png(draw, args, cached)
    if drawn:
        reuse.write_cache(cached, png)
    return Image(data=png)


def table_html(df: pd.DataFrame, table_id: str, digits: int = 4) -> str:
    """A plain HTML table (both renderers embed it as is), numbers to ``digits`` significant digits."""
    head = "".join(f"<th>{c}</th>" for c in df.columns)
    body = []
    for _, r in df.iterrows():
        cells = "".join(
            f'<td class="num">{fmt(v, digits)}</td>'
            if isinstance(v, (int, float)) and not isinstance(v, bool)
            else f"<td>{v}</td>"
            for v in r.values
        )
        body.append(f"<tr>{cells}</tr>")
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def best_by(table: pd.DataFrame, column: str, among: list[str] | None = None, lowest: bool = True) -> pd.Series | None:
    """Our model with the lowest (or highest) value in ``column``; None when no model has a value there."""
    part = table[table.kind == "ours"]
    if among is not None:
        part = part[part.key.isin(among)]
    part = part[part[column].notna()]
    if part.empty:
        return None
    return part.loc[part[column].idxmin() if lowest else part[column].idxmax()]


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def engine_text(train_metrics: dict[str, Any]) -> str:
    """Which engine produced the training statistics (metrics from before engines existed: in-process)."""
    kind, workers = train_metrics.get("engine", "in-process"), int(train_metrics.get("engine_workers", 1))
    if kind == "in-process":
        return "engine in-process (no Dask cluster)"
    return f"engine a Dask {kind} of {workers} worker{'s' if workers != 1 else ''}"


def _sampled_rows(train_metrics: dict[str, Any]) -> tuple[int, int] | None:
    """(training rows, rows held in memory) when the in-memory parts saw fewer rows than the models; else None."""
    rows, in_memory = train_metrics.get("train_rows"), train_metrics.get("train_rows_in_memory")
    if rows is None or in_memory is None or in_memory >= rows:
        return None
    return int(rows), int(in_memory)


def rows_text(train_metrics: dict[str, Any]) -> str:
    """Whether the parts that hold rows in one process saw all training rows, or the first ones."""
    if (sampled := _sampled_rows(train_metrics)) is None:
        return ""
    rows, in_memory = sampled
    return (
        f" Every model variant and every error metric used all {rows:,} training rows, block by block; the "
        f"GD experiments, the reference fits, OLS inference, learning curves and residual plots used the first "
        f"{in_memory:,} of each split (`base.max_rows_in_memory`)."
    )


def agreement_rows_note(train_metrics: dict[str, Any]) -> str:
    """Said at the agreement table when the references saw fewer rows than the models they check."""
    if (sampled := _sampled_rows(train_metrics)) is None:
        return ""
    rows, in_memory = sampled
    return (
        f"**These fits saw different rows.** The references (scikit-learn, statsmodels) were fitted on the first "
        f"{in_memory:,} of the {rows:,} training rows (`base.max_rows_in_memory`), the pipeline's models on all "
        f"{rows:,}: the differences in this table include that, not only the solvers. Raise "
        "`base.max_rows_in_memory` to at least the training rows to compare like with like."
    )


def git_revision(root: Path) -> str:
    """The commit, and which tracked files differ from it — except dvc.lock, which every run rewrites."""
    head = (_git(root, "rev-parse", "--short", "HEAD") or "").strip()
    if not head:
        return "unknown (not a git checkout)"
    status = _git(root, "status", "--porcelain", "--untracked-files=no") or ""
    edited = sorted(line[3:] for line in status.splitlines() if line[3:] != "dvc.lock")
    return head + (f", with uncommitted edits to {', '.join(edited)}" if edited else ", no tracked file edited")


# Why a stage's outputs may differ from the committed lock although its code and params did not.
EXPECTED_DIFFERENCE = {
    "train": "model numbers differ in their last bits (another CPU or BLAS; they agree to 1e-9)",
    "evaluate": "metrics follow the models' last bits (another CPU or BLAS; they agree to 1e-9)",
    "benchmark": "re-measured on this machine",
    "report": "rendered anew",
}


def _entries(lock: dict) -> dict[str, dict[str, dict[str, str]]]:
    """stage → {"deps": path → md5, "params": key → value, "outs": path → md5}."""
    out = {}
    for stage, entry in (lock.get("stages") or {}).items():
        params = {
            f"{k}": str(v)
            for file_params in (entry.get("params") or {}).values()
            for k, v in (file_params or {}).items()
        }
        out[stage] = {
            "deps": {d["path"]: d.get("md5", "") for d in entry.get("deps", [])},
            "params": params,
            "outs": {o["path"]: o.get("md5", "") for o in entry.get("outs", [])},
        }
    return out


def lock_comparison(paths: Paths) -> pd.DataFrame:
    """Each tracked output against the committed dvc.lock: same, or different and why.

    A stage whose code, data or params changed is an edited workspace or an
    experiment; one whose outputs changed with everything it reads unchanged is a
    re-run whose difference is expected (timings, last bits) — or, for the data
    stages, which are bit-reproducible, a bug worth reporting.
    """
    committed_text = _git(paths.root, "show", "HEAD:dvc.lock")
    if committed_text is None or not paths.dvc_lock.is_file():
        return pd.DataFrame(columns=["stage", "output", "compared with the committed lock"])
    # libyaml's parser where PyYAML has it: the two locks (47 KB each) took 0.5 s in pure Python.
    load = lambda text: yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: E731
    old, new = _entries(load(committed_text) or {}), _entries(load(paths.dvc_lock.read_text()))
    rows = []
    for stage, entry in new.items():
        before = old.get(stage)
        if before is None:
            rows += [
                {"stage": stage, "output": o, "compared with the committed lock": "new stage"} for o in entry["outs"]
            ]
            continue
        changed_in = sorted(d for d, h in entry["deps"].items() if before["deps"].get(d) != h)
        changed_in += sorted(f"param {k}" for k, v in entry["params"].items() if before["params"].get(k) != v)
        for out, md5 in entry["outs"].items():
            if before["outs"].get(out) == md5:
                why = "identical"
            elif changed_in:
                why = "differs: it reads changed " + ", ".join(changed_in)
            else:
                why = "differs, inputs unchanged: " + EXPECTED_DIFFERENCE.get(
                    stage, "NOT expected (the data stages are bit-reproducible; please report it)"
                )
            rows.append({"stage": stage, "output": out, "compared with the committed lock": why})
    return pd.DataFrame(rows)


def lock_summary(table: pd.DataFrame) -> str:
    """One sentence over ``lock_comparison()``'s rows."""
    if table.empty:
        return "There is no committed dvc.lock to compare this run with (not a git checkout, or nothing committed)."
    verdict = table["compared with the committed lock"]
    data = table[table.stage.isin(["generate", "split", "scale"])]
    same_data = bool((data["compared with the committed lock"] == "identical").all()) and len(data) > 0
    same = int((verdict == "identical").sum())
    text = (
        f"{same} of the {len(table)} tracked outputs {'is' if same == 1 else 'are'} byte-identical to the "
        "committed dvc.lock. "
    )
    if same_data:
        text += "The data (generate, split, scale) are bit-for-bit the committed ones."
    else:
        text += "The data differ from the committed ones; the table says why."
    return text


def grid_edge_models(d: ReportData) -> list[str]:
    """The penalized variants whose minimum-validation-error α is the smallest α on their grid."""
    curve = d.plots["validation_curve"]
    out = []
    for model, part in curve.groupby("model", sort=False):
        chosen = part[part.chosen_min]
        if len(chosen) and float(chosen.alpha.iloc[0]) == float(part.alpha.min()):
            out.append(model)
    return out


def pvalue_support(d: ReportData, level: float = 0.05) -> dict[str, Any] | None:
    """Support recovery by OLS keeping the coefficients with p < ``level``: kept, true, F1."""
    inf = d.tables.get("ols_inference")
    if inf is None or not d.truth.get("known") or "p_value" not in inf:
        return None
    terms = inf[inf.term != "const"]
    kept = set(terms[terms.p_value < level].term)
    true = set(d.truth["informative"])
    tp = len(kept & true)
    precision = tp / len(kept) if kept else float("nan")
    recall = tp / len(true) if true else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if kept and true and precision + recall > 0 else float("nan")
    null_p = terms[~terms.term.isin(true)].p_value
    return {
        "kept": len(kept),
        "true": len(true),
        "true_kept": tp,
        "f1": f1,
        "smallest_null_p": float(null_p.min()) if len(null_p) else float("nan"),
        "largest_true_p": float(terms[terms.term.isin(true)].p_value.max()) if true else float("nan"),
    }


def regime_sentences(d: ReportData) -> list[str]:
    """One sentence per regime of the sweep: where each penalty helped, hurt or tied OLS, with the interval."""
    summary = d.tables.get("regimes")
    if summary is None or summary.empty:
        return []
    out = []
    for regime, part in summary.groupby("regime", sort=False):
        first = part.iloc[0]
        pen = part[part.model != "ols"]

        def say(r) -> str:
            pct = 100 * (1 - r.ratio_to_ols)
            verdict = "helped" if r.helps else "hurt" if r.hurts else "tied OLS"
            return (
                f"{LABELS.get(r.model, r.model)} {verdict} ({fmt(abs(pct), 2)}% {'lower' if pct > 0 else 'higher'}"
                f" ± {fmt(196 * r.ratio_se, 2)}%)"
            )

        out.append(
            f"**{regime}** ({int(first.n_train)} training rows for {int(first.n_features)}"
            f" features, noise σ = {first.noise_std:g}, correlation ρ = {first.correlation:g}; "
            f"{int(first.repeats)} fresh datasets): " + "; ".join(say(r) for r in pen.itertuples()) + "."
        )
    return out
