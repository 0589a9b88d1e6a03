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
from typing import Any

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


def duration(seconds: float) -> str:
    """A time in words a reader parses at once: "92 ms", "1.65 s" (3 significant digits, never e-notation)."""
    if seconds < 1:
        ms = seconds * 1e3
        return f"{ms:.3g} ms" if ms >= 0.1 else f"{ms:.2f} ms"
    return f"{seconds:.3g} s" if seconds < 1000 else f"{seconds:,.0f} s"


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


def _solver_switch(before, at) -> str:
    """One switch of the polynomial fits' solver between two degrees, with the reason the rule makes certain.

    ``auto`` factorizes X itself when the equilibrated XᵀX is badly conditioned (``qr``, refined to the
    correctly rounded answer), and otherwise works on XᵀX by Cholesky once the design is large or factorizes
    its centred rows (``centred_qr``) while it is small. A switch into ``qr`` is therefore conditioning, one
    from ``centred_qr`` to ``cholesky`` is size; any other is named without a reason.
    """
    where = (
        f"at degree {int(at.degree)}, where the condition number reaches {cond_text(at.cond)} (from "
        f"{cond_text(before.cond)} at degree {int(before.degree)})"
    )
    fits = "the polynomial fits of the overfitting chapter"
    switch = f"{fits} switch from **{before.ols_solver}** to **{at.ols_solver}**"
    if at.ols_solver == "qr" and before.ols_solver == "cholesky":
        return (
            f"When the design is badly conditioned, forming $X^\\top X$ would lose too many digits and linreg "
            f"factorizes $X$ itself: {switch} {where}."
        )
    if at.ols_solver == "qr" and before.ols_solver == "centred_qr":
        centred = switch.replace("**centred_qr**", "**centred_qr** (one QR factorization of the centred $X$)")
        return (
            f"{centred[0].upper()}{centred[1:]} {where}: once the design is badly conditioned, linreg refines its "
            "QR answer to the float64 numbers nearest the exact solution."
        )
    if at.ols_solver == "cholesky" and before.ols_solver == "centred_qr":
        return (
            f"As the powers add columns, {switch} at degree {int(at.degree)}: the design has grown large enough "
            "that linreg solves $X^\\top X$ rather than factorizing $X$, which it does only while the problem is "
            f"well conditioned (condition number {cond_text(at.cond)})."
        )
    return f"{switch[0].upper()}{switch[1:]} {where}."


def least_squares(d: ReportData, theta: np.ndarray | None = None) -> LeastSquares:
    """linreg's OLS against the chapter's NumPy ``theta`` (intercept first); its solver, and the solver of the
    polynomial fits with the reason the evidence supports.

    linreg's ``auto`` takes the exact QR (``qr``) when the design is badly conditioned; otherwise Cholesky
    on XᵀX when the design is large and a QR of the centred rows (``centred_qr``) when it is small.
    Conditioning is named as the reason only where the sweep itself switches to ``qr`` as the condition
    number grows, size only where it switches from ``centred_qr`` to ``cholesky``.
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
        changes = [i for i in range(1, len(rows)) if solvers[i] != solvers[i - 1]]
        first, last = rows.iloc[0], rows.iloc[-1]
        if changes:
            text = " ".join(_solver_switch(rows.iloc[i - 1], rows.iloc[i]) for i in changes)
        elif ols is None or solvers[0] != ols.solver:
            n_demo = int((d.plots["demo_points"].split == "train").sum()) if "demo_points" in d.plots else 0
            rows_text = f" ({n_demo} rows)" if n_demo else ""
            text = (
                f"The polynomial fits of the overfitting chapter use **{solvers[0]}** at every degree, from condition "
                f"number {cond_text(first.cond)} at degree {int(first.degree)} to {cond_text(last.cond)} at degree "
                f"{int(last.degree)}."
            )
            if solvers[0] == "centred_qr":
                text += (
                    f" On a design this small{rows_text} and this well conditioned, linreg factorizes the centred "
                    "$X$ as scikit-learn's `lstsq` does, rather than forming $X^\\top X$."
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
        "**Support F1** measures how well a model finds *which* features matter (1 = exactly the true non-zero set; "
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


def _pvalue_counts(d: ReportData, level: float) -> tuple[dict, int, int] | None:
    """(the p < level rule's support, how many null features there are, how many of them it kept)."""
    ps = pvalue_support(d, level)
    if ps is None:
        return None
    n_null = len(d.tables["ols_inference"].query("term != 'const'")) - ps["true"]
    return ps, n_null, ps["kept"] - ps["true_kept"]


def pvalue_sentence(d: ReportData, level: float = 0.05) -> str:
    """The p < level rule against the true support, with the chance that the null features all stay out."""
    counts = _pvalue_counts(d, level)
    if counts is None:
        return ""
    ps, n_null, false_pos = counts
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
    return text + " Where the GPU starts to win, size by size, is in @fig-gpu-reference."


@dataclass(frozen=True)
class Gpu(Facts):
    has_gpu: bool  # this run measured a GPU
    takeaways: tuple[str, ...]  # one per committed reference run
    no_reference: str  # said when no reference run is committed ("" otherwise)


def gpu(d: ReportData) -> Gpu:
    rows = d.benchmark[(d.benchmark.status == "ok") & (d.benchmark.device == "cuda")]
    none = (
        ""
        if d.reference_runs
        else "No GPU reference run is committed: `reports/reference/` is empty. `make gpu-check` on a machine with "
        "an NVIDIA GPU writes one there."
    )
    return Gpu(bool(len(rows)), tuple(reference_takeaway(r) for r in d.reference_runs), none)


# --- 20. Recap --------------------------------------------------------------------------------------------


def recap_pvalues(d: ReportData, level: float = 0.05) -> str:
    """The recap's line on p-values: what the rule did here, and how much of that is luck."""
    counts = _pvalue_counts(d, level)
    if counts is None:
        return ""
    ps, n_null, false_pos = counts
    text = (
        f"p-values flag the features whose effect stands out from the noise: here p < {level:g} kept "
        f"{ps['true_kept']} of {ps['true']} true features and {false_pos} of {n_null} null ones"
    )
    if false_pos == 0 and n_null:
        return text + f", a clean split that happens by chance only about {pct((1 - level) ** n_null)} of the time."
    return text + f"; at {pct(level)} about {fmt(level * n_null, 2)} null features pass by chance."


# --- 1. Introduction -----------------------------------------------------------------------------------------


def intro(d: ReportData) -> Md:
    """The data this run uses: the known truth of the synthetic set, or the source's name."""
    t = d.truth
    demo = f" A second, one-feature dataset of {t['demo']['n_samples']} points (the *demo*) carries the ideas that "
    demo += "are easiest to see in one dimension."
    if not t.get("known"):
        return Md(
            f"The data come from **{t['source']}**: {t['n_samples']:,} rows, {t['n_features']} features. The true "
            "coefficients are unknown, so the coefficient-recovery results are not available." + demo
        )
    gen = d.params.get("generate", {})
    nz = int(np.count_nonzero(t["coef"]))
    return Md(
        f"The main dataset is synthetic, so the truth is known: {t['n_samples']:,} rows, {t['n_features']} "
        f"features, of which only {nz} truly affect $y$ (the other {t['n_features'] - nz} have coefficient "
        f"exactly 0), noise of standard deviation σ = {t['noise_std']:g}, and features that are correlated with "
        f"their neighbours (correlation {gen.get('correlation')} between adjacent features) and measured on scales "
        f"a factor {gen.get('scale_spread', 1):g} apart. No model can explain more than "
        f"{fmt(100 * t['r2_ceiling'], 3)}% of the variance of new data: the rest is noise." + demo
    )


# --- 2. The line, 4. predictions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Line(Facts):
    slope: str  # the fitted slope and intercept, 4 significant digits
    intercept: str
    true_slope: str  # the generator's
    true_intercept: str
    true_line: str  # the generator's line as math: "$y = 3x + 2$"
    noise_std: str
    n: str
    residual_sd: str  # the residuals' standard deviation (n − 2 degrees of freedom), 3 digits


def line(d: ReportData, m: float, b: float, residuals: np.ndarray | None = None) -> Line:
    """The demo's fitted line (from the chapter's own NumPy lines) against the generator's."""
    t = d.truth["demo"]
    sd = fmt(float(np.std(residuals, ddof=2)), 3) if residuals is not None else "—"
    slope, intercept = f"{t['slope']:g}", f"{t['intercept']:g}"
    sign = "-" if intercept.startswith("-") else "+"
    true_line = f"$y = {slope}x {sign} {intercept.lstrip('-')}$"
    return Line(fmt(m, 4), fmt(b, 4), slope, intercept, true_line, f"{t['noise_std']:g}", str(t["n_samples"]), sd)


# --- 6. Why gradient descent ----------------------------------------------------------------------------------


def why_gd(d: ReportData) -> Md:
    """The method with no closed form that this run fitted: the lasso's coordinate-descent sweeps.

    (The benchmark's batch-GD timing is not used here: linreg's batch GD forms XᵀX once and then steps on
    it, so its fixed-epoch time is mostly the closed form's and says nothing about an epoch's cost over X;
    ``cost_against_p`` times the textbook algorithm instead.)"""
    lasso = d.cards.get("lasso")
    if lasso is None or not lasso.n_iter:
        return Md("")
    return Md(
        f"The lasso has no closed form: its path took {lasso.n_iter} coordinate-descent sweeps over "
        f"{lasso.n_alphas} values of its penalty."
    )


@dataclass(frozen=True)
class CostAgainstP(Facts):
    has_sweep: bool  # the run timed both methods at one p at least
    sentence: str


def times_text(x: float) -> str:
    """A ratio as a reader says it: "0.37×", "2.5×", "136×", "1,250×" (2 significant digits, no e-notation)."""
    return f"{x:,.0f}×" if x >= 10 else f"{x:.2g}×"


def _growth(p0: float, p1: float, t0: float, t1: float) -> float:
    """The exponent a in time ∝ p^a through two points (p0, t0) and (p1, t1), on log-log axes."""
    return float(np.log(t1 / t0) / np.log(p1 / p0))


def busy_machine(system: dict[str, Any]) -> str:
    """A caveat when other programs already kept every core busy as the benchmark began, else "".

    The 1-minute load average counts the runnable threads; above the core count, the timings include
    waits for other programs, which need not slow the two methods alike (docs/performance.md measured the
    trend sentence flip between load 2 and load 8 on a 2-core VM).
    """
    load, cores = system.get("load_average_1min_before"), system.get("cpu_cores")
    if not isinstance(load, (int, float)) or not isinstance(cores, int) or not load > cores:
        return ""
    return (
        f" The machine was already busy when these timings began (load average {load:.1f} on {cores} cores: "
        "other programs were running), so they include waits that need not slow both methods alike; run "
        "`dvc repro --force benchmark` on a quiet machine before trusting the trend."
    )


def cost_against_p(sweep: pd.DataFrame, system: dict[str, Any] | None = None) -> CostAgainstP:
    """The closed form against gradient descent run to convergence as p grows: which was cheaper at each p,
    decided only where the two times' quartile ranges do not overlap, and how each time grew with p; with
    the benchmark's ``system.json`` (``system``), a caveat when the machine was busy (``busy_machine``)."""
    ok = sweep[sweep.status == "ok"] if "status" in sweep else sweep.iloc[0:0]
    closed = ok[ok.method == "closed_form"].set_index("p")
    gd = ok[ok.method == "gd"].set_index("p")
    ps = sorted(set(closed.index) & set(gd.index))
    short = sweep[(sweep.status == "disagrees") & (sweep.method == "gd")] if "status" in sweep else sweep.iloc[0:0]
    note = (
        f" At p = {', '.join(str(int(p)) for p in short.p)} gradient descent stopped short of the closed form's "
        "answer, so its time there does not count."
        if len(short)
        else ""
    )
    if not ps:
        return CostAgainstP(
            False,
            "This run did not time the closed form against gradient descent across p (`benchmark.p_sweep` in "
            "params.yaml)." + note,
        )
    c, g = closed.loc[ps], gd.loc[ps]
    n = int(c.n.iloc[0])
    text = (
        f"This run measured both, written the textbook way, on n = {n:,} rows at p = "
        f"{', '.join(f'{p:,}' for p in ps)} (@fig-cost-p): the closed form took "
        + (
            f"{duration(c.median_s.iloc[0])} to {duration(c.median_s.iloc[-1])}, and gradient descent, run until it "
            f"converged ({int(g.epochs.min())}–{int(g.epochs.max())} epochs), {duration(g.median_s.iloc[0])} to "
            f"{duration(g.median_s.iloc[-1])}."
            if len(ps) > 1
            else f"{duration(c.median_s.iloc[0])}, and gradient descent, run until it converged "
            f"({int(g.epochs.iloc[0])} epochs), {duration(g.median_s.iloc[0])}."
        )
    )
    closed_wins = [p for p in ps if c.q3_s[p] < g.q1_s[p]]
    gd_wins = [p for p in ps if g.q3_s[p] < c.q1_s[p]]
    unresolved = [p for p in ps if p not in closed_wins and p not in gd_wins]
    ratio = g.median_s / c.median_s  # GD's time in units of the closed form's
    listed = lambda part: ", ".join(f"{p:,}" for p in part)  # noqa: E731
    if len(closed_wins) == len(ps):
        text += " The closed form was cheaper at every p measured."
    elif gd_wins and all(p in gd_wins for p in ps if p >= gd_wins[0]):
        text += (
            f" From p = {gd_wins[0]:,} on, gradient descent to convergence was the cheaper way (at p = {ps[-1]:,} it "
            f"took {times_text(ratio.iloc[-1])} the closed form's time): the balance turned inside the range measured."
        )
    else:
        parts = [f"the closed form was cheaper at p = {listed(closed_wins)}"] if closed_wins else []
        if gd_wins:
            parts.append(f"gradient descent at p = {listed(gd_wins)}")
        if unresolved:
            parts.append(
                f"at p = {listed(unresolved)} the two times' quartile ranges overlap, so this run cannot say which "
                "was cheaper there"
            )
        joined = "; ".join(parts)
        text += " " + joined[0].upper() + joined[1:] + "."
    if len(ps) < 2:
        text += " With one p, how the balance moves as p grows is not measured."
    elif ps[-1] in closed_wins:
        # The trend from the two largest p, where arithmetic rather than fixed overhead sets the times.
        p0, p1 = ps[-2], ps[-1]
        a = _growth(p0, p1, c.median_s[p0], c.median_s[p1])
        b = _growth(p0, p1, g.median_s[p0], g.median_s[p1])
        grew = (
            f"from p = {p0:,} to {p1:,} the closed form's time grew about like $p^{{{a:.1f}}}$ and gradient "
            f"descent's like $p^{{{b:.1f}}}$"
        )
        lead = f"{times_text(ratio[p0])} to {times_text(ratio[p1])}"
        # Resolved only if even the least favourable quartiles keep the order: GD's slowest run against the
        # closed form's fastest at p1, below GD's fastest against the closed form's slowest at p0.
        shrank = g.q3_s[p1] / c.q1_s[p1] < g.q1_s[p0] / c.q3_s[p0]
        grew_back = g.q1_s[p1] / c.q3_s[p1] > g.q3_s[p0] / c.q1_s[p0]
        if shrank:
            text += (
                f" But {grew}, so the closed form's lead shrank from {lead}: if that trend held, gradient descent "
                f"would overtake beyond p = {p1:,}, which this run did not measure."
            )
        elif grew_back:
            text += (
                f" And {grew}: its lead grew from {lead}, so at these sizes this run shows no sign of the balance "
                "turning."
            )
        else:
            a0, a1 = times_text(ratio[p0]), times_text(ratio[p1])
            # "from 10× to 10×" says nothing: equal at two digits, it stayed
            moved = f"stayed about {a0}" if a0 == a1 else f"went from {a0} to {a1}, a change"
            text += (
                f" From p = {p0:,} to {p1:,} its lead {moved} within the spread of the timed runs: "
                "whether the balance is moving is not resolved here."
            )
    return CostAgainstP(True, text + note + busy_machine(system or {}))


# --- 10. Feature scaling ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scaling(Facts):
    spread: str  # the generator's scale spread ("—" for real data)
    cond_before: str
    cond_after: str
    method: str
    evidence: str  # scaling_evidence


def scaling(d: ReportData) -> Scaling:
    tm = d.metrics.get("train", {})
    spread = d.params.get("generate", {}).get("scale_spread")
    return Scaling(
        "—" if spread is None else f"{spread:g}",
        fmt(tm.get("cond_train_before"), 3),
        fmt(tm.get("cond_train_after"), 3),
        str(d.scaler.get("method", "—")),
        scaling_evidence(d),
    )


# --- 11. Overfitting -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overfitting(Facts):
    best_degree: int
    degrees: str  # training and validation error against degree, with the worst degree and why
    learning: str  # the learning curve, said as it is (not assumed monotone)


def overfitting(d: ReportData) -> Overfitting:
    ds = d.plots["degree_sweep"]
    val = ds[(ds.panel == "ols") & (ds.series == "validation")].sort_values("degree")
    tr = ds[(ds.panel == "ols") & (ds.series == "train")].sort_values("degree")
    ridge_val = ds[(ds.panel == "ridge") & (ds.series == "validation")].sort_values("degree")
    best = int(val.loc[val.mse.idxmin(), "degree"])
    top = int(ds.degree.max())
    worst = val.loc[val.mse.idxmax()]
    n_val = int((d.plots["demo_points"].split == "validation").sum()) if "demo_points" in d.plots else 0
    text = (
        f"Training MSE falls from {fmt(tr.mse.iloc[0])} at degree 1 to {fmt(tr.mse.iloc[-1])} at degree {top}: "
        f"more freedom fits the training rows better. Validation MSE is lowest at degree {best} "
        f"({fmt(val.mse.min())}) and is {fmt(val.mse.iloc[-1])} at degree {top} (@fig-degree, @fig-fits)."
    )
    if int(worst.degree) != top and float(worst.mse) > float(val.mse.iloc[-1]):
        text += (
            f" Its worst is at degree {int(worst.degree)} ({fmt(float(worst.mse))}): a high-degree polynomial swings "
            "wildly near the edges of the training points, and a validation point just outside them pays for it."
        )
    text += (
        " The truth is degree 1, and validation picked it."
        if best == 1
        else f" The truth is degree 1; validation picked {best} because, with only {n_val} validation points, the "
        "validation error is itself noisy."
    )
    if len(ridge_val):
        alpha = d.params.get("evaluate", {}).get("poly_ridge_alpha")
        r_top = float(ridge_val.mse.iloc[-1])
        text += (
            f" Ridge on standardized powers (α = {alpha:g}, a penalty two chapters on) has validation MSE "
            f"{fmt(r_top)} at degree {top}, "
            + (
                "lower than OLS's there: the penalty tames the extra freedom."
                if r_top < float(val.mse.iloc[-1])
                else "no lower than OLS's there."
            )
        )
    lc = d.plots["learning_curve"]
    v = lc[(lc.series == "validation") & (lc.panel == "ols")].sort_values("n_train")
    t = lc[(lc.series == "train") & (lc.panel == "ols")].sort_values("n_train")
    learning = (
        f"The other side of overfitting is too little data. The learning curve (@fig-learning) fits OLS on the first "
        f"{int(lc.n_train.min()):,} to {int(lc.n_train.max()):,} training rows: training MSE goes from "
        f"{fmt(t.mse.iloc[0])} to {fmt(t.mse.iloc[-1])} and validation MSE from {fmt(v.mse.iloc[0])} to "
        f"{fmt(v.mse.iloc[-1])}; at the full training set the gap between them is "
        f"{fmt(abs(v.mse.iloc[-1] - t.mse.iloc[-1]), 2)}."
    )
    above = (t.mse.to_numpy() > v.mse.to_numpy()).sum() if len(t) == len(v) else 0
    monotone = bool((np.diff(t.mse.to_numpy()) >= 0).all() and (np.diff(v.mse.to_numpy()) <= 0).all())
    if monotone and not above:
        learning += (
            " Few rows are easy to fit and generalize badly; as rows are added the two curves close in, and once "
            "they meet, more rows no longer help: what remains is the noise."
        )
    else:
        learning += (
            " The trend is that of the textbook — few rows are easy to fit and generalize badly, and the curves "
            "close in as rows are added — but not step by step: "
            + (f"training MSE is above validation MSE at {above} of the {len(t)} sizes, " if above else "")
            + "each point is one random subset and one validation set, so near the noise floor the two curves "
            "cross and wiggle by chance."
        )
    return Overfitting(best, text, learning)


# --- 12. The split ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Split(Facts):
    seed: str
    n_train: str
    train_share: str
    n_validation: str
    n_test: str


def split(d: ReportData) -> Split:
    s, p = d.sizes, d.params
    return Split(
        str(p["base"]["seed"]),
        f"{s['n_train']:,}",
        f"{fmt(100 * p['split']['train'], 3)}%",
        f"{s['n_validation']:,}",
        f"{s['n_test']:,}",
    )


# --- 13. where a penalty helps -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Regimes(Facts):
    here: str  # whether a penalty predicted measurably better on this run's main data
    sentences: str  # one bullet per regime of the sweep ("" when it is off)
    penalty_cmd: str  # the command that makes the main data look like the regime where a penalty helped most
    try_this: str


def regimes(d: ReportData, bullets: list[str]) -> Regimes:
    """``bullets`` from ``data.regime_sentences``."""
    pt = d.tables.get("paired_test")
    better = (
        pt[pt.model.isin([k for k in PENALIZED if k in d.cards]) & pt.resolved & (pt["diff"] < 0)]
        if pt is not None and "resolved" in pt
        else pd.DataFrame()
    )
    trained = [k for k in PENALIZED if k in d.cards]
    if not trained:
        here = "This run trained no penalty on its main data; the regime sweep refits them anyway."
    elif len(better):
        here = (
            f"On this run's main data {_names(list(better.model))} predicted measurably better than OLS (the "
            "evaluation chapter gives the paired intervals). That is one setting."
        )
    else:
        here = (
            "Not measurably on this run's main data (the evaluation chapter compares every model with OLS on the same "
            "test rows), but that is one setting."
        )
    sentences = "\n".join(f"* {x}" for x in bullets) if bullets else "*The regime sweep is off (`evaluate.regimes` "
    sentences += "" if bullets else "is empty).*"
    reg = d.tables.get("regimes")
    helped = reg[reg.helps] if reg is not None and len(reg) else None
    if helped is not None and len(helped):
        best = helped.loc[helped.ratio_to_ols.idxmin()]
        cmd = (
            f"dvc exp run -S generate.n_samples={int(best.n_samples)} -S generate.noise_std={best.noise_std:g} "
            f"-S generate.correlation={best.correlation:g}"
        )
        try_this = (
            f"**Try this.** `{cmd}` makes the main data look like the sweep's **{best.regime}** setting, where "
            f"{LABELS.get(best.model, best.model)} helped most: does its minimum-error α move off the grid's edge in "
            "@fig-valcurves, and does the paired comparison now resolve it better than OLS? Or add your own "
            "setting to `evaluate.regimes` in params.yaml."
        )
    else:
        cmd = ""
        try_this = (
            "**Try this.** Add a setting to `evaluate.regimes` in params.yaml (fewer rows, more noise, more "
            "correlation) and `dvc repro`: where does a penalty start to help?"
        )
    return Regimes(here, sentences, cmd, try_this)


# --- 14. The vector form -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VectorForm(Facts):
    n: str
    p1: str
    terms: str  # b + Σ w_j x_j written out for one row, its first two terms
    by_sum: str
    by_product: str


def vector_form(Xb: np.ndarray, theta: np.ndarray, row: int = 0) -> VectorForm:
    """One row of Xθ computed as a sum and as a product (the chapter's own arrays)."""
    x = Xb[row]
    terms = f"{fmt(theta[0], 4)} + ({fmt(theta[1], 4)})({fmt(x[1], 4)})"
    if len(theta) > 2:
        terms += f" + ({fmt(theta[2], 4)})({fmt(x[2], 4)}) + …"
    by_sum = float(theta[0] + np.sum(theta[1:] * x[1:]))
    return VectorForm(f"{Xb.shape[0]:,}", str(Xb.shape[1]), terms, fmt(by_sum, 6), fmt(float((Xb @ theta)[row]), 6))


# --- 17. libraries ----------------------------------------------------------------------------------------------


def agreement_rows_note(d: ReportData) -> Md:
    from linreg.pipeline.report.data import agreement_rows_note as note

    return Md(note(d.metrics.get("train", {})))


# --- 19. this machine's benchmark -----------------------------------------------------------------------------------


def this_machine(d: ReportData) -> Md:
    """What this run's benchmark measured, against its XᵀX yardstick; the GPU if it had one, else why not."""
    b, s = d.benchmark, d.system
    ok = b[b.status == "ok"]
    if ok.empty:
        return Md("This run's benchmark measured nothing (`benchmark` in params.yaml).")
    largest = int(ok.n.max())
    at = ok[(ok.n == largest) & (ok.dtype == "float64")]
    gram = at[(at.solver == "gram") & (at.device == "cpu")]
    mine = at[(at.library == "linreg") & (at.device == "cpu")]
    text = (
        f"This run timed every solver on this machine ({s.get('cpu')}, {s.get('cpu_cores')} cores) up to "
        f"n = {largest:,}, p = {int(at.p.iloc[0]) if len(at) else '—'} (@fig-bench). "
    )
    if len(gram):
        text += (
            f"Its yardstick is one product $X^\\top X$ computed the plain way in the same run, "
            f"{fmt(float(gram.median_s.iloc[0]) * 1e3, 3)} ms here (@fig-limit): a fit that forms the normal "
            "equations does at least that arithmetic. It is a yardstick, not a hard limit"
        )
        below = mine[mine.ratio_to_gram < 1] if "ratio_to_gram" in mine else mine.iloc[0:0]
        text += (
            ": linreg's own pass beats it at this small p ("
            + ", ".join(
                f"{BENCHMARK_LABELS.get(r.solver, r.solver)} {fmt(r.ratio_to_gram, 2)}×" for r in below.itertuples()
            )
            + ")."
            if len(below)
            else "."
        )
    gpu_rows = ok[ok.device == "cuda"]
    if len(gpu_rows):
        sp = gpu_rows[gpu_rows.n == gpu_rows.n.max()]
        text += (
            f" On this machine's GPU ({s.get('gpu')}) the fits at the largest size were "
            f"{speedup_text(float(sp.speedup_vs_cpu.min()), float(sp.speedup_vs_cpu.max()))}."
        )
    else:
        reasons = b[b.status == "unavailable"].reason.unique() if "reason" in b else []
        text += (
            " No GPU was available to this run"
            + (f" ({'; '.join(reasons)})" if len(reasons) else "")
            + ", so it has CPU rows only"
            + ("; the committed GPU reference below shows what a GPU does." if d.reference_runs else ".")
        )
    return Md(text)


def reference_details(ref: ReferenceRun, table_html: str) -> Md:
    """The reference's table at its largest n and where its GPU's time goes, folded under one summary."""
    from linreg.pipeline.report.data import reference_limits_text

    return Md(
        "<details><summary>Show the reference's times at its largest n, and where the GPU's time goes</summary>"
        f"\n\n{crossover_text(ref)}\n\n{table_html}\n\n{reference_limits_text(ref)}\n\n</details>"
    )


def reference_intro(ref: ReferenceRun, takeaway: str) -> Md:
    from linreg.pipeline.report.data import reference_label

    return Md(
        f"**A GPU reference run**, {reference_label(ref)}, not on this machine, compares the GPU with the CPU "
        "of the same machine on the same data size. " + takeaway
    )


# --- 19. the PyTorch loop ---------------------------------------------------------------------------------------

# The loop trains in float64 at η = 1/L from θ = 0: the error shrinks at least by (1 − 1/κ) per epoch, so a
# few hundred epochs on a design with κ of a few reach rounding (κ·ε ≈ 1e-15). 1e-8 (relative to the largest
# coefficient) leaves seven orders of margin for that and is still far below any coefficient's standard error.
LOOP_TOL = 1e-8


@dataclass(frozen=True)
class TorchLoop(Facts):
    devices: str  # where the loop ran and how long it took; a comparison only where the runs resolve one
    agreement: str  # the trained θ against the normal equations


def torch_loop(
    runs: dict[str, dict], *, epochs: int, n: int, p: int, gpu_name: str = "", has_reference: bool = False
) -> TorchLoop:
    """The PyTorch training loop's timings and result.

    ``runs`` maps a device ("cpu", "cuda") to {"times": seconds of each timed run, "max_diff": the largest
    |θ − θ_normal| relative to the largest |θ_normal|}. A device comparison is stated only when every run
    on one device was faster than every run on the other; otherwise the sentence says it is not resolved.
    """
    if "cpu" not in runs:
        raise ValueError(f"torch_loop needs a CPU run to compare with, got devices {sorted(runs)}")
    cpu = np.asarray(runs["cpu"]["times"], dtype=float)
    k = len(cpu)
    size = f"{epochs} epochs on {n:,} rows × {p} features"
    if "cuda" not in runs:
        devices = (
            "This machine has no GPU that PyTorch can use (`torch.cuda.is_available()` is False), so the loop ran "
            f"on the CPU only: {size} took {duration(float(np.median(cpu)))} (median of {k} runs)."
            + (" What a GPU did, measured on one, is the reference run below." if has_reference else "")
        )
    else:
        gpu = np.asarray(runs["cuda"]["times"], dtype=float)
        g, c = float(np.median(gpu)), float(np.median(cpu))
        name = f" ({gpu_name})" if gpu_name else ""
        timed = (
            f"{size} took {duration(g)} on this machine's GPU{name} and {duration(c)} on its CPU (medians of {k} runs)"
        )
        if gpu.max() < cpu.min():
            devices = f"{timed}: {fmt(c / g, 2)}× faster on the GPU, and every GPU run beat every CPU run."
        elif cpu.max() < gpu.min():
            devices = (
                f"{timed}: the GPU was slower, {fmt(c / g, 2)}× the CPU's speed, and every CPU run beat every GPU run. "
                "At this size the GPU does not pay; the reference run below shows where it starts to."
            )
        else:
            devices = (
                f"{timed}; the two devices' runs overlap, so this run does not resolve which is faster at this size."
            )
    worst = max(float(r["max_diff"]) for r in runs.values())
    where = "on both devices" if len(runs) > 1 else "on the CPU"
    agreement = (
        f"{where[0].upper() + where[1:]}, θ ended within {worst:.1e} (relative) of the normal equations' solution: "
        "autograd computed the gradient derived by hand earlier, and the optimizer took the same steps."
        if np.isfinite(worst) and worst <= LOOP_TOL
        else f"After {epochs} epochs θ was still {worst:.1e} (relative) from the normal equations' solution {where}, "
        f"more than {LOOP_TOL:g}: it had not converged yet. More epochs, or a step closer to 1/L, close the gap."
    )
    return TorchLoop(devices, agreement)


# --- What's next: logistic regression -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Logistic(Facts):
    agrees: bool
    takeaway: str


def logistic(*, max_diff: float, bound: float, epochs: int, converged: bool) -> Logistic:
    """Gradient descent on the log-loss against scikit-learn's LogisticRegression(penalty=None).

    ``max_diff``: the largest coefficient difference; ``bound``: how far apart the two may be given how much
    gradient each left, (‖∇J(θ_gd)‖ + ‖∇J(θ_sk)‖) / μ with μ the smallest eigenvalue of the log-loss's
    Hessian at the solution (a strongly convex loss: distance to the minimum ≤ gradient / μ, near it).
    """
    if not (np.isfinite(max_diff) and np.isfinite(bound)):
        raise ValueError(f"logistic needs finite max_diff and bound, got {max_diff} and {bound}")
    agrees = converged and max_diff <= bound
    if agrees:
        text = (
            f"Gradient descent converged in {epochs:,} epochs to coefficients within {max_diff:.1e} of "
            f"scikit-learn's, inside the {bound:.1e} that the gradients both left allow: the same Xθ, a different "
            "loss, no closed form, and gradient descent still finds the minimum."
        )
    elif not converged:
        text = (
            f"Gradient descent had not converged after {epochs:,} epochs, and its coefficients are still "
            f"{max_diff:.1e} from scikit-learn's: without a closed form, how many steps a fit needs is part of "
            "the method. Raise the epochs or the step."
        )
    else:
        text = (
            f"Gradient descent stopped {max_diff:.1e} from scikit-learn's coefficients, more than the {bound:.1e} "
            "their remaining gradients explain: one of the two fits is not at the minimum (check the step size and "
            "scikit-learn's tolerance)."
        )
    return Logistic(agrees, text)


# --- 20. Recap ---------------------------------------------------------------------------------------------------


def recap(d: ReportData, slope: float, best_degree: int, main_limit: float, grid_edge: list[str]) -> Md:
    """The recap's bullets, each from this run."""
    dt = d.truth["demo"]
    items = [
        f"A line $\\hat y = mx + b$ fitted by least squares: slope {fmt(slope, 4)} from {dt['n_samples']} demo "
        f"points (true {dt['slope']:g}).",
        "The normal equations $X^\\top X\\theta = X^\\top\\mathbf y$ give the least-squares weights in one solve; "
        "five lines of NumPy reproduce linreg's OLS.",
        "Gradient descent reaches the same weights step by step; it converges for η < 2/L and diverges above"
        + (f" (2/L = {fmt(main_limit, 3)} on the main data)." if math.isfinite(main_limit) else "."),
        "Feature scaling rounds the loss's valley, so GD converges in far fewer epochs; the closed form does not care.",
        f"Overfitting: training error always falls with freedom; validation error chose degree {best_degree} on the "
        "demo.",
        "Train fits, validation chooses, test judges once.",
    ]
    pt = d.tables.get("paired_test")
    pen_better = (
        pt is not None and "resolved" in pt and bool((pt.model.isin(PENALIZED) & pt.resolved & (pt["diff"] < 0)).any())
    )
    if grid_edge and not pen_better:
        items.append(
            "Penalties (ridge, lasso, elastic net) did not measurably improve prediction on this run's main data "
            "(minimum-error α at the grid's edge); the regime sweep shows where they do."
        )
    if p_line := recap_pvalues(d):
        items.append(p_line)
    return Md("\n".join(f"* {x}" for x in items))


# --- 21. Going further -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inference(Facts):
    summary: str  # the OLS fit's statistics, and what rank deficiency does to them
    coverage: str  # how many 95% intervals cover the truth ("" when the truth is unknown)
    methods: str  # how each penalized model's intervals were made ("" without them)


def inference(d: ReportData) -> Inference:
    e = d.metrics.get("evaluate", {})
    if "ols_fvalue" not in e:
        return Inference("", "", "")
    p = f"p = {fmt(e['ols_f_pvalue'], 3)}" if e["ols_f_pvalue"] else "p below the smallest double, about 1e-308"
    text = (
        "**OLS inference** assumes independent Gaussian noise of constant variance. On the training rows, in the "
        f"features' original units: residual standard error {fmt(e['ols_residual_std_error'])}, F statistic "
        f"{fmt(e['ols_fvalue'])} ({p}), AIC {fmt(e['ols_aic'], 6)}, BIC {fmt(e['ols_bic'], 6)}, condition number "
        f"{fmt(e['ols_condition_number'], 3)}. "
    )
    if e["ols_rank"] == e["ols_n_params"]:
        text += "These are computed as statsmodels computes them (the test suite checks every quantity against it)."
    else:
        text += (
            f"The design [1, X] is rank deficient (rank {e['ols_rank']} of {e['ols_n_params']} columns), so, as "
            "statsmodels does, the coefficients are the minimum-norm solution and their covariance the "
            "pseudo-inverse one: individual coefficients are not identified, and their standard errors and p-values "
            "describe that particular solution only."
        )
        if e["ols_df_resid"] <= 0:
            text += (
                " With no residual degrees of freedom, σ², the standard errors and p-values cannot be estimated at all."
            )
    inf = d.tables.get("ols_inference")
    coverage = ""
    if inf is not None and "ci_covers_truth" in inf:
        coverage = (
            f"The 95% confidence intervals cover the true value for {int(inf.ci_covers_truth.sum())} of {len(inf)} "
            "parameters (about 95% are expected to)."
        )
    iv = d.tables.get("intervals")
    methods = ""
    if iv is not None and "method" in iv:
        methods = "How each was made: " + "; ".join(
            f"{LABELS.get(m, m)}: {meth}" for m, meth in iv.groupby("model").method.first().items()
        )
    return Inference(text, coverage, methods)


# --- 22. Reproducibility -------------------------------------------------------------------------------------------


def reproducibility(d: ReportData, python_version: str) -> Md:
    from linreg.pipeline.report.data import engine_text, git_revision, rows_text

    tm = d.metrics.get("train", {})
    versions = next(iter(d.cards.values())).versions if d.cards else {}
    return Md(
        f"Git revision {git_revision(d.paths.root)}; device {tm.get('device')}, dtype {tm.get('dtype')}; "
        f"{engine_text(tm)}; Python {python_version}; "
        + ", ".join(f"{k} {v}" for k, v in versions.items() if k != "python")
        + "."
        + rows_text(tm)
    )


def lock_summary(lock: pd.DataFrame) -> Md:
    from linreg.pipeline.report.data import lock_summary as summary

    return Md(summary(lock))


def engine() -> Md:
    """The engine that rendered this page (the report stage sets it before rendering)."""
    import os

    return Md(os.environ.get("LINREG_REPORT_ENGINE", "an unknown engine"))
