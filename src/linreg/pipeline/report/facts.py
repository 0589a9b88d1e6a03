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
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from linreg.pipeline.report.data import LABELS, OURS, ReferenceRun, ReportData, fmt, pvalue_support, reference_table
from linreg.pipeline.variants import BENCHMARK_LABELS, MODEL_NAMES

Z95 = 1.959963984540054  # the two-sided 95% normal quantile (as the evaluate stage's intervals)


class Md(str):
    """Markdown text: a str that Jupyter displays as markdown (``text/markdown``), not as its quoted repr, so
    Quarto's inline expressions insert it as prose, as the fallback does."""

    def _repr_markdown_(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Facts:
    """A chapter's frozen result: every text field becomes ``Md``, ready for an inline expression."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str) and not isinstance(value, Md):
                object.__setattr__(self, f.name, Md(value))


def pct(x: float, digits: int = 2) -> str:
    """A share as a percentage with ``digits`` significant digits: 0.0093 → "0.93%"."""
    return f"{fmt(100 * x, digits)}%"


def cond_text(c: float) -> str:
    """A condition number in words: 3 significant digits, or "too large for float64 to measure"."""
    return fmt(c, 3) if math.isfinite(c) else "too large for float64 to measure"


# --- Which variants this run trained ---------------------------------------------------------------------


def listed_models(d: ReportData) -> list[str]:
    """The variants ``train.models`` lists (in params.yaml's canonical order); the cards' where params lack it."""
    listed = (d.params.get("train") or {}).get("models")
    if listed is None:
        listed = [n for n in MODEL_NAMES if n in d.cards]
    return [n for n in MODEL_NAMES if n in listed]


def models_option(d: ReportData, *add: str) -> str:
    """The ``-S`` option that trains this run's variants plus ``add``: ``-S 'train.models=[ols,ridge]'``."""
    want = [n for n in MODEL_NAMES if n in listed_models(d) or n in add]
    return f"-S 'train.models=[{','.join(want)}]'"


def _names(names: list[str]) -> str:
    labels = [LABELS.get(n, n) for n in names]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def not_trained(d: ReportData, names: tuple[str, ...] | list[str], consequence: str) -> str:
    """A note naming which of ``names`` this run did not train, what the chapter lacks for it, and the command
    that adds them back; "" when every one was trained."""
    missing = [n for n in names if n not in d.cards]
    if not missing:
        return ""
    listed = listed_models(d)
    lists = f"lists {', '.join(f'`{n}`' for n in listed)}" if listed else "lists none"
    return (
        f"*This run did not train {_names(missing)} (`train.models` in params.yaml {lists}), so {consequence}. "
        f"To add {'it' if len(missing) == 1 else 'them'} back: `dvc exp run {models_option(d, *missing)}`.*"
    )


# --- 3. The method of least squares --------------------------------------------------------------------


@dataclass(frozen=True)
class LeastSquares(Facts):
    solver: str | None  # the main OLS's solver (None: OLS not trained)
    cond: float  # its condition number (of the centred design)
    main: str  # which solver the main OLS chose, and why where the rule makes the reason certain
    polynomial_solvers: str  # what the overfitting chapter's polynomial fits used, and why ("" without them)
    sentence: str  # the chapter's paragraph: linreg's OLS against the NumPy lines, then the two above


def least_squares(d: ReportData, theta: np.ndarray | None = None) -> LeastSquares:
    """linreg's OLS against the chapter's NumPy ``theta`` (intercept first); its solver, and the solver of the
    polynomial fits with the reason the evidence supports.

    linreg's ``auto`` takes Cholesky on XᵀX when the design is large and well conditioned, and QR on X
    when the design is small (the exact answer is cheap) or badly conditioned. Conditioning is named as
    the reason only where the sweep itself switches solver as the condition number grows.
    """
    ols = d.cards.get("ols")
    sweep = d.plots.get("degree_sweep")
    rows = (
        sweep[(sweep.panel == "ols") & (sweep.series == "train")].sort_values("degree")
        if sweep is not None
        else pd.DataFrame()
    )
    text = ""
    if len(rows):
        solvers = rows.ols_solver.tolist()
        change = next((i for i in range(1, len(rows)) if solvers[i] != solvers[i - 1]), None)
        first, last = rows.iloc[0], rows.iloc[-1]
        if change is not None:
            before, at = rows.iloc[change - 1], rows.iloc[change]
            text = (
                f"When the design is badly conditioned, forming $X^\\top X$ would lose too many digits and linreg "
                f"factorizes $X$ itself: the polynomial fits of the overfitting chapter switch from "
                f"**{before.ols_solver}** to **{at.ols_solver}** at degree {int(at.degree)}, where the condition "
                f"number reaches {cond_text(at.cond)} (from {cond_text(before.cond)} at degree {int(before.degree)})."
            )
        elif ols is None or solvers[0] != ols.solver:
            n_demo = int((d.plots["demo_points"].split == "train").sum()) if "demo_points" in d.plots else 0
            rows_text = f" ({n_demo} rows)" if n_demo else ""
            text = (
                f"The polynomial fits of the overfitting chapter use **{solvers[0]}** at every degree, from condition "
                f"number {cond_text(first.cond)} at degree {int(first.degree)} to {cond_text(last.cond)} at degree "
                f"{int(last.degree)}. That is not about conditioning: on a design this small{rows_text} linreg "
                "takes the exact QR answer whatever the condition number, because it costs a millisecond."
            )
    if ols is None:
        note = not_trained(d, ["ols"], "linreg's `LinearRegression` is not compared with these lines here")
        return LeastSquares(None, float("nan"), "", text, note + (" " + text if text else ""))
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
    head = "linreg's `LinearRegression` (OLS) "
    if theta is not None:
        theta = np.asarray(theta, dtype=float)
        diff = max(abs(theta[0] - ols.intercept), float(np.max(np.abs(theta[1:] - np.asarray(ols.coef)))))
        head += f"agrees with these few lines to {fmt(diff, 2)} in every coefficient. It "
    sentence = head + f"solves the same equations more carefully: {main}" + (" " + text if text else "")
    return LeastSquares(solver, cond, main, text, sentence)


# --- 5. Mean squared error -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NoiseFloor(Facts):
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
    nan = float("nan")
    if not t.get("known"):
        return NoiseFloor(nan, nan if mse is None else float(mse), nan, nan, 0, "")
    sigma2 = float(t["noise_std"]) ** 2
    if mse is None:  # no OLS in train.models
        note = not_trained(d, ["ols"], "its test MSE is not set against that floor here")
        head = (
            f"The noise alone has variance σ² = {sigma2:g}, so no model can reach a test MSE below about that on "
            "average."
        )
        return NoiseFloor(sigma2, nan, nan, nan, 0, head + (" " + note if note else ""))
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


# --- 7. Gradient descent --------------------------------------------------------------------------------

STOPPED_BY = {
    "tol": "when a step improved the loss by less than `train.gd.tol` (relative)",
    "patience": "early: its validation loss had not improved for `train.gd.patience` epochs",
    "max_epochs": "at the epoch limit `train.gd.max_epochs`, before it converged",
    "divergence": "because the loss blew up: it diverged",
    "stalled": "when rounding stopped the loss from falling further",
}
GD = ("gd_batch", "gd_minibatch")


@dataclass(frozen=True)
class GradientDescent(Facts):
    runs: str  # how linreg's GD variants ran, and how close batch GD came to the closed form; or the note
    sweeps: str  # per dataset, which learning rates converged and whether 2/L predicts the split
    main_limit: float  # 2/L on the main data (NaN without the sweep)
    has_history: bool  # some GD variant drew a loss curve (the figure has something to show)
    try_this: str


def lr_sweep_sentence(dataset: str, part) -> str:
    """Which learning rates converged on one dataset, and whether the 2/L rule predicts the split."""
    limit = 2 / float(part.lipschitz.iloc[0])
    first = part.groupby("learning_rate").diverged.first()
    bad, good = first[first].index.tolist(), first[~first].index.tolist()
    consistent = all(lr > limit for lr in bad) and all(lr < limit for lr in good)
    name = "demo" if dataset == "demo" else "main"
    listed = lambda v: "{" + ", ".join(f"{x:g}" for x in v) + "}"  # noqa: E731
    text = f"On the **{name}** data $2/L$ = {fmt(limit, 3)}: "
    text += f"η ∈ {listed(good)} converged" if good else "no η converged"
    text += f", η ∈ {listed(bad)} diverged" if bad else ", none diverged"
    return text + (
        " — exactly the split the 2/L rule predicts (@fig-lr)."
        if consistent
        else " (@fig-lr); the split does not follow the 2/L rule exactly here."
    )


def gradient_descent(d: ReportData) -> GradientDescent:
    parts = []
    for key in GD:
        if key in d.cards:
            c = d.cards[key]
            parts.append(
                f"linreg's **{LABELS[key]}** ran {c.n_iter} epochs at η = {fmt(c.learning_rate, 3)} and stopped "
                + STOPPED_BY.get(str(c.stopped_by), f"({c.stopped_by})")
            )
    agree = d.tables.get("agreement")
    gd_vs = agree[(agree.model == "gd_batch") & (agree.reference == "ols")] if agree is not None else pd.DataFrame()
    if len(gd_vs):
        parts.append(
            f"batch GD ends within {fmt(gd_vs.max_abs_coef_diff.iloc[0], 2)} of the closed form in every coefficient"
        )
    runs = "; ".join(parts) + " (@fig-gd)." if parts else ""
    if any(k not in d.cards for k in GD):
        missing_all = not parts
        note = not_trained(
            d, GD, "there is no loss curve to draw below" if missing_all else "only the other one is shown"
        )
        runs = (runs + " " + note).strip()
    sweep = d.plots.get("lr_sweep")
    sweeps, limit = [], float("nan")
    if sweep is not None and len(sweep):
        sweeps = [lr_sweep_sentence(ds, part) for ds, part in sweep.groupby("dataset", sort=False)]
        main = sweep[sweep.dataset == "main"]
        limit = 2 / float(main.lipschitz.iloc[0]) if len(main) else float("nan")
    history = d.plots.get("gd_history")
    has_history = history is not None and bool(history.model.isin(GD).any())
    option = "" if "gd_batch" in d.cards else models_option(d, "gd_batch") + " "
    try_this = (
        f"**Try this.** `dvc exp run {option}-S train.gd.learning_rate={fmt(0.9 * limit, 2)}` and then "
        f"`-S train.gd.learning_rate={fmt(1.1 * limit, 2)}`, just below and just above the main data's "
        f"2/L = {fmt(limit, 3)}: does the batch GD sentence above report divergence only for the second?"
        if math.isfinite(limit)
        else ""
    )
    return GradientDescent(runs, " ".join(sweeps), limit, has_history, try_this)


# --- 10. Feature scaling ---------------------------------------------------------------------------------


def scaling_evidence(d: ReportData) -> str:
    """Batch GD on unscaled against scaled features, from the loss histories; or why it is missing."""
    h = d.plots.get("gd_history")
    if h is None or "gd_batch" not in d.cards or not (h.model == "gd_batch_unscaled").any():
        return not_trained(d, ["gd_batch"], "the unscaled-against-scaled comparison of gradient descent is missing")
    raw, scaled = h[h.model == "gd_batch_unscaled"], h[h.model == "gd_batch"]
    return (
        f"The evidence, in @fig-gd: the same batch GD on the **unscaled** features, after {int(raw.epoch.max())} "
        f"epochs, is still at loss {fmt(float(raw.train_loss.iloc[-1]), 4)}, against "
        f"{fmt(float(scaled.train_loss.min()), 4)} reached in {int(scaled.epoch.max())} epochs with scaling. The "
        "closed form does not care: scaling changes the coefficients' units, not the predictions."
    )


# --- 13. Ridge, lasso and elastic net ---------------------------------------------------------------------

PENALIZED = ("ridge", "lasso", "elastic_net")


@dataclass(frozen=True)
class Penalties(Facts):
    trained: tuple[str, ...]  # the penalized variants this run trained
    choices: str  # one bullet per trained penalty: its two α and non-zero counts
    edge: str  # the models whose chosen α is the grid's smallest, and what that means ("" when none)
    missing: str  # the note naming the penalties not trained ("" when all were)


def penalties(d: ReportData, grid_edge: list[str], n_features: int) -> Penalties:
    """The penalties' chosen α; ``grid_edge`` from ``data.grid_edge_models``."""
    trained = tuple(k for k in PENALIZED if k in d.cards)
    lines = []
    for key in trained:
        c = d.cards[key]
        nz = lambda card: int(np.count_nonzero(card.coef))  # noqa: E731
        extra = f", {nz(c)} non-zero weights" if key != "ridge" else ""
        one_se = d.cards.get(key + "_1se")
        extra_1se = f" ({nz(one_se)} non-zero)" if key != "ridge" and one_se is not None else ""
        lines.append(
            f"* **{LABELS[key]}**: minimum-error α = {fmt(c.alpha, 3)}{extra}; "
            f"1-SE α = {fmt(c.alpha_1se, 3)}{extra_1se}"
        )
    edge = ""
    if grid_edge:
        n_train = int(d.sizes.get("n_train", 0))
        edge = (
            f"For {_names(grid_edge)} the minimum validation error sits at the **smallest α on the grid** "
            "(@fig-valcurves): the validation rows prefer as little penalty as the grid allows. With "
            f"{n_train:,} training rows for {n_features} features the unpenalized weights are already precise, so a "
            "penalty has little variance to remove and its bias is what is left; the paired test comparison in the "
            "evaluation chapter shows whether any penalized fit predicts better."
        )
    consequence = (
        "this chapter has no path, figure or chosen α of its own; the regime sweep below still refits every penalty"
        if not trained
        else "the paths below show " + _names(list(trained)) + " only"
    )
    return Penalties(trained, "\n".join(lines), edge, not_trained(d, PENALIZED, consequence))


# --- 8. One gradient-descent step by hand --------------------------------------------------------------


@dataclass(frozen=True)
class OneStep(Facts):
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


# --- 17. scikit-learn and statsmodels ---------------------------------------------------------------------

SAME_OBJECTIVE = ("sklearn_ols", "statsmodels_ols", "sklearn_ridge", "sklearn_lasso", "sklearn_elastic_net")


def agreement_sentence(d: ReportData) -> str:
    """How far the pipeline's models are from the libraries': rounding on the same objective, more for the
    iterative approximations."""
    agree = d.tables.get("agreement")
    if agree is None or agree.empty:
        return ""
    same, other = agree[agree.reference.isin(SAME_OBJECTIVE)], agree[~agree.reference.isin(SAME_OBJECTIVE)]
    parts = []
    if len(same):
        parts.append(
            f"On the same objectives the largest coefficient difference is {fmt(same.max_abs_coef_diff.max(), 2)}: "
            "rounding."
        )
    if len(other):
        parts.append(
            "Gradient descent and scikit-learn's SGD are iterative approximations of OLS and differ by more: "
            + "; ".join(
                f"{LABELS.get(r.model, r.model)} vs {LABELS.get(r.reference, r.reference)}: "
                f"{fmt(r.max_abs_coef_diff, 2)}"
                for r in other.itertuples()
            )
            + "."
        )
    return " ".join(parts)


# --- 18. Model evaluation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evaluation(Facts):
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
    ref = "OLS" if base.model == "ols" else LABELS.get(base.model, base.model)
    worse, better = ours[ours.resolved & (ours["diff"] > 0)], ours[ours.resolved & (ours["diff"] < 0)]
    tied = ours[~ours.resolved]
    text = (
        f"One test MSE on {int(base.n_test):,} rows has a standard error of about "
        f"{pct(base.mse_se / base.mse)} ({fmt(base.mse, 4)} ± {fmt(base.mse_se, 2)}), far more than "
        "most gaps between these models, so they are compared **paired**: on the same test rows, the "
        "difference of squared errors row by row, whose standard error is much smaller."
    )
    if base.model != "ols":
        text += " " + not_trained(d, ["ols"], f"the differences below are from {ref}, the first model trained")
    if len(tied):
        text += (
            f" Not resolved from {ref} (the 95% interval of the difference includes 0): "
            + ", ".join(f"{LABELS.get(r.model, r.model)} ({_interval(r, base.mse)})" for r in tied.itertuples())
            + f". These test rows cannot tell them apart from {ref}: each may be better or worse by up to its "
            "interval's ends, which is not the same as predicting equally well."
        )
    if len(better):
        text += (
            f" Resolved better than {ref}: "
            + ", ".join(
                f"{LABELS.get(r.model, r.model)} (by {fmt(-r.diff, 2)}, {pct(-r.diff / base.mse)}; 95% "
                f"{_interval(r, base.mse)})"
                for r in better.itertuples()
            )
            + "."
        )
    if len(worse):
        text += (
            f" Resolved worse than {ref}: "
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
class Gpu(Facts):
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
