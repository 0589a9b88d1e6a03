"""The report's numbers and verdicts, one function per chapter, each returning a frozen result.

A chapter's prose is markdown in ``reports/chapters/``; where a sentence depends on the run,
the chapter places a field of these results with an inline expression
(`` `{python} f05.verdict` ``). Every branch of every conditional sentence is decided here,
from the loaded tables (``data.load()``), so a wrong takeaway is a failing unit test
(tests/pipeline/test_facts.py), not a reader's discovery. A sentence that states an effect is
emitted only when the evidence resolves it, with its uncertainty; otherwise it says what the
data cannot tell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from linreg.pipeline.report.data import LABELS, OURS, ReferenceRun, ReportData, fmt, pvalue_support, reference_table
from linreg.pipeline.variants import BENCHMARK_LABELS

Z95 = 1.959963984540054  # the two-sided 95% normal quantile (as the evaluate stage's intervals)


def pct(x: float, digits: int = 2) -> str:
    """A share as a percentage with ``digits`` significant digits: 0.0093 → "0.93%"."""
    return f"{fmt(100 * x, digits)}%"


def cond_text(c: float) -> str:
    """A condition number in words: 3 significant digits, or "too large for float64 to measure"."""
    return fmt(c, 3) if math.isfinite(c) else "too large for float64 to measure"


# --- 3. The method of least squares --------------------------------------------------------------------


@dataclass(frozen=True)
class LeastSquares:
    solver: str  # the main OLS's solver
    cond: float  # its condition number (of the centred design)
    main: str  # which solver the main OLS chose, and why where the rule makes the reason certain
    polynomial_solvers: str  # what the overfitting chapter's polynomial fits used, and why ("" without them)


def least_squares(d: ReportData) -> LeastSquares | None:
    """The main OLS's solver, and the solver of the polynomial fits with the reason the evidence supports.

    linreg's ``auto`` takes Cholesky on XᵀX when the design is large and well conditioned, and QR on X
    when the design is small (the exact answer is cheap) or badly conditioned. Conditioning is named as
    the reason only where the sweep itself switches solver as the condition number grows.
    """
    ols = d.cards.get("ols")
    if ols is None:
        return None
    sweep = d.plots["degree_sweep"]
    rows = sweep[(sweep.panel == "ols") & (sweep.series == "train")].sort_values("degree")
    text = ""
    if len(rows):
        solvers = rows.ols_solver.tolist()
        change = next((i for i in range(1, len(rows)) if solvers[i] != solvers[i - 1]), None)
        first, last = rows.iloc[0], rows.iloc[-1]
        if change is not None:
            before, at = rows.iloc[change - 1], rows.iloc[change]
            text = (
                f"When it is not, forming $X^\\top X$ would lose too many digits and linreg factorizes $X$ itself: "
                f"the polynomial fits of the overfitting chapter switch from **{before.ols_solver}** to "
                f"**{at.ols_solver}** at degree {int(at.degree)}, where the condition number reaches "
                f"{cond_text(at.cond)} (from {cond_text(before.cond)} at degree {int(before.degree)})."
            )
        elif solvers[0] != ols.solver:
            n_demo = int((d.plots["demo_points"].split == "train").sum()) if "demo_points" in d.plots else 0
            rows_text = f" ({n_demo} rows)" if n_demo else ""
            text = (
                f"The polynomial fits of the overfitting chapter use **{solvers[0]}** at every degree, from condition "
                f"number {cond_text(first.cond)} at degree {int(first.degree)} to {cond_text(last.cond)} at degree "
                f"{int(last.degree)}. That is not about conditioning: on a design this small{rows_text} linreg "
                "takes the exact QR answer whatever the condition number, because it costs a millisecond."
            )
    solver, cond = str(ols.solver), float("nan") if ols.cond is None else float(ols.cond)
    if solver == "cholesky":  # auto takes Cholesky only when the design is well conditioned
        main = (
            f"it chose the **cholesky** solver here because the problem is well conditioned (condition number "
            f"{cond_text(cond)}: squaring it in $X^\\top X$ costs few digits)."
        )
    else:
        main = (
            f"it chose the **{solver}** solver here, which works on $X$ itself rather than on $X^\\top X$ "
            f"(condition number {cond_text(cond)})."
        )
    return LeastSquares(solver, cond, main, text)


# --- 5. Mean squared error -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NoiseFloor:
    sigma2: float  # the noise variance (known: synthetic data)
    mse: float  # OLS's test MSE
    relative: float  # mse / σ² − 1
    half_width: float  # the 95% half-width of one test MSE, relative to σ² (NaN when not measured)
    n_test: int
    sentence: str  # the noise floor and OLS against it ("" when the truth is unknown)


def noise_floor(d: ReportData) -> NoiseFloor:
    """OLS's test MSE against the noise variance, with the test MSE's own sampling error."""
    t = d.truth
    mse = d.metrics.get("evaluate", {}).get("ols_test_mse")
    if not t.get("known") or mse is None:
        nan = float("nan")
        return NoiseFloor(nan, nan if mse is None else float(mse), nan, nan, 0, "")
    sigma2 = float(t["noise_std"]) ** 2
    rel = mse / sigma2 - 1
    pt = d.tables.get("paired_test")
    base = pt[pt.model == pt.baseline] if pt is not None else None
    if base is not None and len(base):
        half, n_test = Z95 * float(base.mse_se.iloc[0]) / sigma2, int(base.n_test.iloc[0])
    else:
        half, n_test = float("nan"), int(d.sizes.get("n_test", 0))
    where = "above" if rel > 0 else "below"
    size = f"OLS's {fmt(mse, 4)} is {pct(abs(rel))} {where} it" if rel != 0 else f"OLS's {fmt(mse, 4)} equals it"
    if math.isnan(half):
        verdict = f"{size}; this run has no paired test, so how much of that is chance is not measured."
    elif abs(rel) <= half:
        verdict = (
            f"{size}, well inside the ±{pct(half)} by which one test MSE on {n_test:,} rows varies by chance (95%): "
            "OLS is at the noise floor, and what it misses is the noise."
            + (" These test rows just happen to be a little easier than average." if rel < 0 else "")
        )
    elif rel > 0:
        verdict = (
            f"{size}, more than the ±{pct(half)} that chance explains on {n_test:,} test rows (95%): the model misses "
            "some of the signal, or the test rows differ from the training rows."
        )
    else:
        verdict = (
            f"{size}, further than the ±{pct(half)} that chance usually allows on {n_test:,} test rows (95%): these "
            "test rows are unusually easy, which a 95% interval lets happen about once in 40 runs."
        )
    head = (
        f"The noise alone has variance σ² = {sigma2:g}, so no model can reach a test MSE below about that on average; "
    )
    return NoiseFloor(sigma2, float(mse), rel, half, n_test, head + verdict)


# --- 8. One gradient-descent step by hand --------------------------------------------------------------


@dataclass(frozen=True)
class OneStep:
    loss0: float  # J at the start
    loss1: float  # J after one step
    loss_min: float  # J at the least-squares line: the lowest J can go (the noise stays)
    share: float  # (J0 − J1) / (J0 − Jmin): the share of the removable loss the step removed
    verdict: str


def one_step(d: ReportData) -> OneStep:
    s = d.tables["gd_step"].iloc[0]
    j0, j1, jmin = float(s.loss0), float(s.loss1), float(s.loss_min)
    removable = j0 - jmin
    head = (
        f"J falls from {fmt(j0, 4)} to {fmt(j1, 4)}" if j1 < j0 else f"J goes from {fmt(j0, 4)} to {fmt(j1, 4)}"
    ) + f"; the lowest J can reach is {fmt(jmin, 4)} (the least-squares line: the noise stays)"
    if removable <= 1e-12 * max(abs(j0), 1.0):  # the start is the minimum (to rounding)
        share = float("nan")
        verdict = head + ", and the start is already there: there is nothing to remove."
    else:
        share = (j0 - j1) / removable
        if share >= 0.999:
            verdict = head + ", so this one step removed over 99.9% of the removable loss: at η = 1/L it lands "
            verdict += "almost on the minimum."
        elif share > 0:
            verdict = head + f", so this one step removed {pct(share, 3)} of the removable loss."
        else:
            verdict = head + ": the step made J worse, so η is past the stable limit 2/L."
    return OneStep(j0, j1, jmin, share, verdict)


# --- 18. Model evaluation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evaluation:
    paired: str  # which differences from OLS the paired intervals resolve, and what the rest cannot tell
    support: str  # support F1 on this one dataset, without a ranking it cannot support
    pvalues: str  # the p < 0.05 rule against the known truth, with the chance of a clean split


def _interval(r, base_mse: float) -> str:
    return f"{pct(r.diff_lower / base_mse, 2)} to {pct(r.diff_upper / base_mse, 2)}".replace("-", "−")


def paired_verdict(d: ReportData) -> str:
    """Resolved differences from OLS with their size; the unresolved ones with how large a difference they allow."""
    if "paired_test" not in d.tables:
        return ""
    pt = d.tables["paired_test"]
    ours = pt[pt.model.isin([n for n in OURS if n in d.cards]) & (pt.model != pt.baseline)]
    if ours.empty:
        return ""
    base = pt[pt.model == pt.baseline].iloc[0]
    worse, better = ours[ours.resolved & (ours["diff"] > 0)], ours[ours.resolved & (ours["diff"] < 0)]
    tied = ours[~ours.resolved]
    text = (
        f"One test MSE on {int(base.n_test):,} rows has a standard error of about "
        f"{pct(base.mse_se / base.mse)} ({fmt(base.mse, 4)} ± {fmt(base.mse_se, 2)}), far more than "
        "most gaps between these models, so they are compared **paired**: on the same test rows, the "
        "difference of squared errors row by row, whose standard error is much smaller."
    )
    if len(tied):
        text += (
            " Not resolved from OLS (the 95% interval of the difference includes 0): "
            + ", ".join(f"{LABELS.get(r.model, r.model)} ({_interval(r, base.mse)})" for r in tied.itertuples())
            + ". These test rows cannot tell them apart from OLS: each may be better or worse by up to its "
            "interval's ends, which is not the same as predicting equally well."
        )
    if len(better):
        text += (
            " Resolved better than OLS: "
            + ", ".join(
                f"{LABELS.get(r.model, r.model)} (by {fmt(-r.diff, 2)}, {pct(-r.diff / base.mse)}; 95% "
                f"{_interval(r, base.mse)})"
                for r in better.itertuples()
            )
            + "."
        )
    if len(worse):
        text += (
            " Resolved worse than OLS: "
            + ", ".join(
                f"{LABELS.get(r.model, r.model)} (+{fmt(r.diff, 2)}, {pct(r.diff / base.mse)}; 95% "
                f"{_interval(r, base.mse)})"
                for r in worse.itertuples()
            )
            + "."
        )
    return text


def support_sentence(d: ReportData) -> str:
    """Support F1 of our models on this one dataset: the highest and OLS's, named as one draw, not a ranking."""
    rec = d.tables.get("recovery")
    if rec is None or "support_f1" not in rec:
        return ""
    ours = rec[rec.model.isin([n for n in OURS if n in d.cards])].dropna(subset=["support_f1"])
    if ours.empty:
        return ""
    top = ours.support_f1.max()
    best = ours[ours.support_f1 == top]
    names = ", ".join(f"**{LABELS.get(m, m)}**" for m in best.model)
    ols = ours[ours.model == "ols"]
    text = (
        "Support F1 measures how well a model finds *which* features matter (1 = exactly the true non-zero set; "
        "it is the harmonic mean of precision, the share of kept features that are true, and recall, the share "
        "of true features kept). On this one dataset the highest is "
        + (f"{fmt(top, 3)}, shared by {names}" if len(best) > 1 else f"{fmt(top, 3)}, for {names}")
    )
    if len(ols) and not (best.model == "ols").any():
        text += f", against {fmt(float(ols.support_f1.iloc[0]), 3)} for OLS, which keeps every feature"
    text += (
        ". That is one random draw with no interval, so it says what happened here, not which model finds "
        "features best in general; another seed can reorder them."
    )
    return text


def pvalue_sentence(d: ReportData, level: float = 0.05) -> str:
    """The p < level rule against the true support, with the chance that the null features all stay out."""
    ps = pvalue_support(d, level)
    if ps is None:
        return ""
    n_null = len(d.tables["ols_inference"].query("term != 'const'")) - ps["true"]
    false_pos = ps["kept"] - ps["true_kept"]
    clean = (1 - level) ** n_null
    text = (
        f"Here the truth is known, so the rule can be checked: OLS keeping the coefficients with p < {level:g} keeps "
        f"{ps['kept']} features, {ps['true_kept']} of the {ps['true']} that truly matter and {false_pos} of the "
        f"{n_null} that do not. The largest p-value of a true feature is "
        f"{fmt(ps['largest_true_p'], 2)}; the smallest of a feature that does not matter is "
        f"{fmt(ps['smallest_null_p'], 2)}."
    )
    if false_pos == 0 and n_null:
        text += (
            f" With {n_null} null features each passing by chance {pct(level)} of the time, a run with no false "
            f"positive happens with probability {pct(clean)} ({1 - level:g}^{n_null}): this clean split is partly luck."
        )
    elif false_pos:
        text += (
            f" About {fmt(level * n_null, 2)} false positives are expected by chance among {n_null} null features at "
            f"{pct(level)}, so {false_pos} is what the rule does, not a flaw of this fit."
        )
    if ps["true_kept"] < ps["true"]:
        text += (
            f" It missed {ps['true'] - ps['true_kept']} true feature(s): an effect small against the noise gives a "
            "large p-value, and 'not significant' is not 'zero'."
        )
    return text


def evaluation(d: ReportData) -> Evaluation:
    return Evaluation(paired_verdict(d), support_sentence(d), pvalue_sentence(d))


# --- 19. CPU against GPU ---------------------------------------------------------------------------------


def speedup_text(lo: float, hi: float) -> str:
    """A range of GPU-over-CPU speedups in words: faster, slower, or which way depends."""
    if lo > 1:
        return f"{fmt(lo, 2)}–{fmt(hi, 2)}× faster on the GPU" if hi != lo else f"{fmt(lo, 2)}× faster on the GPU"
    if hi < 1:
        return (
            f"slower on the GPU ({fmt(lo, 2)}–{fmt(hi, 2)}× the CPU's speed)"
            if hi != lo
            else (f"slower on the GPU ({fmt(lo, 2)}× the CPU's speed)")
        )
    return f"between {fmt(lo, 2)}× (slower on the GPU) and {fmt(hi, 2)}× (faster), depending on the precision"


def _solver_label(solver: str, dtype: str) -> str:
    return f"{BENCHMARK_LABELS.get(solver, LABELS.get(solver, solver))} ({dtype})"


def crossover_text(ref: ReferenceRun) -> str:
    """Where the CPU or the GPU was faster, claiming only the sizes the reference measured."""
    from linreg.pipeline.benchmark.summary import crossover

    bench = ref.benchmark
    gpu = bench[(bench.library == "linreg") & (bench.device == "cuda") & (bench.status == "ok")]
    if gpu.empty:
        return ""
    smallest, largest = int(gpu.n.min()), int(gpu.n.max())
    cross = crossover(bench)
    always = cross[cross.crossover_n == smallest]
    never = cross[cross.crossover_n.isna()]
    later = cross[cross.crossover_n.notna() & (cross.crossover_n != smallest)]
    names = lambda part: ", ".join(_solver_label(r.solver, r.dtype) for r in part.itertuples())  # noqa: E731
    parts = []
    if len(always):
        parts.append(f"the GPU was faster at every size measured for {names(always)}")
    if len(later):
        parts.append(
            "the CPU was as fast or faster up to "
            + ", ".join(
                f"{int(r.cpu_wins_below):,} rows for {_solver_label(r.solver, r.dtype)}" for r in later.itertuples()
            )
        )
    if len(never):
        parts.append(f"the CPU was as fast or faster at the largest size, {largest:,} rows, for {names(never)}")
    return (
        f"The sizes measured run from {smallest:,} to {largest:,} rows, so nothing here says what happens below "
        f"{smallest:,}. Within them, " + "; ".join(parts) + "."
    )


def reference_takeaway(ref: ReferenceRun) -> str:
    """What a learner should take from a reference run, computed from its rows."""
    table = reference_table(ref)
    if table.empty:
        return ""
    closed = table[table.solver.isin(["ols", "ridge"])]
    mini = table[table.solver == "gd_minibatch"]
    path = table[table.solver == "lasso_path"]
    n_p = table["n × p"].iloc[0]
    cores = ref.system.get("cpu_cores")
    text = f"On {n_p} data, the closed-form fits (OLS, ridge) took " + (
        f"{fmt(closed['GPU s'].min() * 1e3, 2)}–{fmt(closed['GPU s'].max() * 1e3, 2)} ms on the GPU against "
        f"{fmt(closed['host CPU s'].min(), 2)}–{fmt(closed['host CPU s'].max(), 2)} s on {cores} CPU cores of the "
        f"same machine: {speedup_text(closed.speedup.min(), closed.speedup.max())}."
        if len(closed)
        else "no time (not measured)."
    )
    if len(mini):
        text += (
            f" Mini-batch GD was {speedup_text(mini.speedup.min(), mini.speedup.max())}: each step is a small "
            "product, so the GPU waits on launches rather than arithmetic."
        )
    if len(path):
        text += f" The lasso path was {speedup_text(path.speedup.min(), path.speedup.max())}."
    cross = crossover_text(ref)
    return text + (" " + cross if cross else "")


@dataclass(frozen=True)
class Gpu:
    has_gpu: bool  # this run measured a GPU
    takeaways: tuple[str, ...]  # one per committed reference run


def gpu(d: ReportData) -> Gpu:
    rows = d.benchmark[(d.benchmark.status == "ok") & (d.benchmark.device == "cuda")]
    return Gpu(bool(len(rows)), tuple(reference_takeaway(r) for r in d.reference_runs))


# --- 20. Recap --------------------------------------------------------------------------------------------


def recap_pvalues(d: ReportData, level: float = 0.05) -> str:
    """The recap's line on p-values: what the rule did here, and how much of that is luck."""
    ps = pvalue_support(d, level)
    if ps is None:
        return ""
    n_null = len(d.tables["ols_inference"].query("term != 'const'")) - ps["true"]
    false_pos = ps["kept"] - ps["true_kept"]
    text = (
        f"p-values flag the features whose effect stands out from the noise: here p < {level:g} kept "
        f"{ps['true_kept']} of {ps['true']} true features and {false_pos} of {n_null} null ones"
    )
    if false_pos == 0 and n_null:
        return text + f", a clean split that happens by chance only about {pct((1 - level) ** n_null)} of the time."
    return text + f"; at {pct(level)} about {fmt(level * n_null, 2)} null features pass by chance."
