"""The report's computed sentences on small hand-made tables: every branch of every conditional sentence.

Each fixture is the least the fact reads; the numbers are chosen so each branch is decided by a clear
margin (no tolerance questions: the sentences print 2-3 significant digits of exact inputs).
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from linreg.pipeline.report import facts
from linreg.pipeline.report.data import ReferenceRun, ReportData


def data(**fields) -> ReportData:
    base = dict(
        paths=Path("."),
        params={},
        truth={"known": False},
        sizes={},
        scaler={},
        cards={},
        metrics={},
        tables={},
        ols_summary="",
        plots={},
        benchmark=pd.DataFrame(columns=["status", "device"]),
        system={},
        reference_runs=[],
        cost_vs_p=pd.DataFrame(columns=["n", "p", "method", "status", "median_s", "q1_s", "q3_s", "epochs"]),
    )
    return ReportData(**{**base, **fields})


def card(**kw) -> SimpleNamespace:
    return SimpleNamespace(**{"solver": "cholesky", "cond": 2.95, **kw})


# --- 3. least squares: the solver sentence -----------------------------------------------------------------


def sweep(solvers, conds):
    rows = [
        {"panel": "ols", "series": "train", "degree": k + 1, "ols_solver": s, "cond": c, "mse": 1.0}
        for k, (s, c) in enumerate(zip(solvers, conds))
    ]
    demo = pd.DataFrame({"x": range(80), "y": 0.0, "split": ["train"] * 60 + ["validation"] * 20})
    return {"degree_sweep": pd.DataFrame(rows), "demo_points": demo}


def test_a_small_well_conditioned_sweep_is_not_blamed_on_conditioning():
    # The review's §3 sentence: "switch to qr at degree 1, where the condition number reaches 1".
    f = facts.least_squares(data(cards={"ols": card()}, plots=sweep(["centred_qr"] * 3, [1.0, 8.4, 20.0])))
    assert "where the condition number reaches" not in f.polynomial_solvers
    assert "use **centred_qr** at every degree, from condition number 1 at degree 1" in f.polynomial_solvers
    assert "to 20 at degree 3" in f.polynomial_solvers
    assert "On a design this small (60 rows) and this well conditioned" in f.polynomial_solvers
    assert "well conditioned (condition number 2.95" in f.main
    # The same solver at every degree without a rule that explains it: named, no reason given.
    other = facts.least_squares(data(cards={"ols": card()}, plots=sweep(["qr"] * 2, [1.0, 9.0])))
    assert "use **qr** at every degree" in other.polynomial_solvers and "small" not in other.polynomial_solvers


def test_a_switch_as_the_condition_number_grows_is_named_with_both_numbers():
    plots = sweep(["cholesky", "cholesky", "qr", "qr"], [1.0, 300.0, 2.0e4, 1e6])
    f = facts.least_squares(data(cards={"ols": card()}, plots=plots))
    assert (
        "switch from **cholesky** to **qr** at degree 3, where the condition number reaches 2e+04 "
        "(from 300 at degree 2)" in f.polynomial_solvers
    )
    assert "forming $X^\\top X$ would lose too many digits" in f.polynomial_solvers


def test_each_switch_gets_the_reason_the_rule_makes_certain():
    # A small demo: the centred QR, then the exact QR once the conditioning rule fails.
    small = facts.least_squares(data(cards={"ols": card()}, plots=sweep(["centred_qr", "qr"], [1.0, 40.0])))
    assert small.polynomial_solvers == (
        "The polynomial fits of the overfitting chapter switch from **centred_qr** (one QR factorization of the "
        "centred $X$) to **qr** at degree 2, where the condition number reaches 40 (from 1 at degree 1): once the "
        "design is badly conditioned, linreg refines its QR answer to the float64 numbers nearest the exact solution."
    )
    # A large demo: the powers make the design large before they make it ill-conditioned; size is the reason.
    plots = sweep(["centred_qr", "cholesky", "qr"], [1.0, 12.0, 4e4])
    large = facts.least_squares(data(cards={"ols": card()}, plots=plots)).polynomial_solvers
    assert "switch from **centred_qr** to **cholesky** at degree 2: the design has grown large enough" in large
    assert "where the condition number reaches 12" not in large  # not blamed on conditioning
    assert "switch from **cholesky** to **qr** at degree 3, where the condition number reaches 4e+04" in large
    # A switch no rule explains (qr back to centred_qr): named with its numbers, no reason.
    back = facts.least_squares(data(cards={"ols": card()}, plots=sweep(["qr", "centred_qr"], [50.0, 3.0])))
    assert back.polynomial_solvers == (
        "The polynomial fits of the overfitting chapter switch from **qr** to **centred_qr** at degree 2, where the "
        "condition number reaches 3 (from 50 at degree 1)."
    )


def test_no_polynomial_sentence_when_the_sweep_uses_the_main_solver_and_no_reason_for_qr():
    f = facts.least_squares(data(cards={"ols": card()}, plots=sweep(["cholesky"] * 2, [1.0, 9.0])))
    assert f.polynomial_solvers == ""
    qr = facts.least_squares(data(cards={"ols": card(solver="qr", cond=1.5)}, plots=sweep(["qr"] * 2, [1.0, 9.0])))
    assert "well conditioned" not in qr.main and "**qr** solver here, which works on $X$ itself" in qr.main
    assert facts.least_squares(data(plots=sweep(["qr"], [1.0]))).solver is None  # no OLS trained


# --- 5. the noise floor ----------------------------------------------------------------------------------


def floor_data(mse, se=0.0225, known=True, paired=True):
    pt = pd.DataFrame([{"model": "ols", "baseline": "ols", "n_test": 4000, "mse": mse, "mse_se": se}])
    return data(
        truth={"known": known, "noise_std": 1.0},
        metrics={"evaluate": {"ols_test_mse": mse}},
        tables={"paired_test": pt} if paired else {},
        sizes={"n_test": 4000},
    )


def test_a_negative_difference_reads_as_below_and_within_chance():
    # The review's §5 sentence: "OLS's 0.9907 is -0.93% above it".
    f = facts.noise_floor(floor_data(0.9907))
    assert "OLS's 0.9907 is 0.93% below it, well inside the ±4.4% by which one test MSE on 4,000 rows" in f.sentence
    assert "above" not in f.sentence and "-" not in f.sentence and "a little easier than average" in f.sentence
    assert f.relative == pytest.approx(-0.0093) and f.half_width == pytest.approx(1.96 * 0.0225, rel=1e-3)


def test_the_noise_floor_sentence_follows_the_evidence():
    above_in = facts.noise_floor(floor_data(1.02)).sentence
    assert "2% above it, well inside" in above_in and "easier" not in above_in
    above_out = facts.noise_floor(floor_data(1.2, se=0.02)).sentence
    assert "20% above it, more than the ±3.9% that chance explains" in above_out and "misses some" in above_out
    below_out = facts.noise_floor(floor_data(0.9, se=0.02)).sentence
    assert "10% below it, further than the ±3.9%" in below_out and "unusually easy" in below_out
    assert "OLS's 1 equals it" in facts.noise_floor(floor_data(1.0)).sentence  # a tie
    assert "how much of that is chance is not measured" in facts.noise_floor(floor_data(0.99, paired=False)).sentence
    assert facts.noise_floor(floor_data(0.99, known=False)).sentence == ""  # real data: σ² unknown


# --- 8. one step by hand -----------------------------------------------------------------------------------


def step(loss0, loss1, loss_min):
    return data(tables={"gd_step": pd.DataFrame([{"loss0": loss0, "loss1": loss1, "loss_min": loss_min}])})


def test_one_step_counts_the_removable_loss_not_the_way_to_zero():
    # The review's §8: 15.29 → 0.5729 is "96.3% of the way down" only if J could reach 0; its minimum is 0.5724.
    f = facts.one_step(step(15.29, 0.57288, 0.57244))
    assert f.share == pytest.approx((15.29 - 0.57288) / (15.29 - 0.57244))
    assert "over 99.9% of the removable loss" in f.verdict and "96" not in f.verdict
    assert "the lowest J can reach is 0.5724" in f.verdict


def test_one_step_other_branches():
    half = facts.one_step(step(10.0, 5.5, 1.0))
    assert "removed 50% of the removable loss" in half.verdict
    assert "nothing to remove" in facts.one_step(step(1.0, 1.0, 1.0)).verdict
    worse = facts.one_step(step(1.0, 3.0, 0.5)).verdict
    assert worse.startswith("J goes from 1 to 3") and "made J worse" in worse


# --- 18. model evaluation --------------------------------------------------------------------------------


def paired(*rows):
    base = {"model": "ols", "baseline": "ols", "n_test": 4000, "mse": 1.0, "mse_se": 0.02, "diff": 0.0,
            "diff_lower": 0.0, "diff_upper": 0.0, "resolved": False}  # fmt: skip
    return pd.DataFrame([base, *({**base, **r} for r in rows)])


def test_an_interval_containing_0_says_the_data_cannot_tell_not_equal():
    pt = paired({"model": "gd_minibatch", "diff": 0.0047, "diff_lower": -0.0023, "diff_upper": 0.012})
    text = facts.paired_verdict(data(tables={"paired_test": pt}, cards={"ols": 1, "gd_minibatch": 1}))
    assert "mini-batch GD (−0.23% to 1.2%)" in text and "cannot tell them apart" in text
    assert "predict equally well." not in text and "Resolved" not in text


def test_resolved_differences_carry_their_size_and_interval():
    pt = paired(
        {"model": "ridge", "diff": -0.05, "diff_lower": -0.07, "diff_upper": -0.03, "resolved": True},
        {"model": "lasso_1se", "diff": 0.018, "diff_lower": 0.012, "diff_upper": 0.024, "resolved": True},
    )
    text = facts.paired_verdict(data(tables={"paired_test": pt}, cards={"ols": 1, "ridge": 1, "lasso_1se": 1}))
    assert "Resolved better than OLS: ridge (by 0.05, 5%; 95% −7% to −3%)" in text
    assert "Resolved worse than OLS: lasso (1-SE α) (+0.018, 1.8%; 95% 1.2% to 2.4%)" in text
    assert "Not resolved" not in text


def recovery(**f1):
    return pd.DataFrame([{"model": m, "support_f1": v} for m, v in f1.items()])


def test_support_f1_is_one_draw_not_a_ranking():
    d = data(tables={"recovery": recovery(ols=0.571, lasso_1se=0.941)}, cards={"ols": 1, "lasso_1se": 1})
    text = facts.support_sentence(d)
    assert "the highest is 0.941, for **lasso (1-SE α)**, against 0.571 for OLS" in text
    assert "one random draw with no interval" in text and "best support F1" not in text
    assert "harmonic mean of precision" in text  # defined where it is first used
    tie = facts.support_sentence(data(tables={"recovery": recovery(ols=0.8, lasso=0.8)}, cards={"ols": 1, "lasso": 1}))
    assert "shared by **OLS (closed form)**, **lasso**" in tie and "against" not in tie
    assert facts.support_sentence(data(cards={"ols": 1})) == ""  # no recovery table (real data)


def pvalues(p_true, p_null):
    terms = [f"t{k}" for k in range(len(p_true))] + [f"n{k}" for k in range(len(p_null))]
    inf = pd.DataFrame({"term": ["const", *terms], "p_value": [0.5, *p_true, *p_null]})
    return data(truth={"known": True, "informative": terms[: len(p_true)]}, tables={"ols_inference": inf})


def test_a_clean_p_value_split_is_called_partly_luck_with_its_chance():
    d = pvalues([0.0] * 8, [0.09] + [0.5] * 11)
    text, recap = facts.pvalue_sentence(d), facts.recap_pvalues(d)
    assert "keeps 8 features, 8 of the 8 that truly matter and 0 of the 12 that do not" in text
    assert "probability 54% (0.95^12): this clean split is partly luck" in text
    assert "kept 8 of 8 true features and 0 of 12 null ones" in recap and "only about 54% of the time" in recap
    assert "find the features that matter" not in recap


def test_false_positives_and_misses_are_explained():
    d = pvalues([0.0, 0.3], [0.01, 0.5, 0.5, 0.5])
    text, recap = facts.pvalue_sentence(d), facts.recap_pvalues(d)
    assert "1 of the 4 that do not" in text and "About 0.2 false positives are expected" in text
    assert "It missed 1 true feature(s)" in text and "partly luck" not in text
    assert "kept 1 of 2 true features and 1 of 4 null ones; at 5% about 0.2 null features pass" in recap
    assert facts.pvalue_sentence(data()) == "" and facts.recap_pvalues(data()) == ""  # truth unknown


# --- 19. the GPU reference -----------------------------------------------------------------------------------


def reference(speedups: dict[tuple[str, str], list[float]], sizes=(1_000, 10_000, 100_000)) -> ReferenceRun:
    rows = []
    for (solver, dtype), per_n in speedups.items():
        for n, s in zip(sizes, per_n):
            common = {"library": "linreg", "status": "ok", "solver": solver, "dtype": dtype, "n": n, "p": 20}
            rows.append({**common, "device": "cpu", "median_s": 1.0, "speedup_vs_cpu": float("nan")})
            rows.append({**common, "device": "cuda", "median_s": 1.0 / s, "speedup_vs_cpu": s})
    system = {"cpu_cores": 16}
    return ReferenceRun("gpu", system, {}, pd.DataFrame(rows), pd.DataFrame())


def test_speedups_below_one_are_slowdowns():
    assert facts.speedup_text(35.5, 60.6) == "36–61× faster on the GPU"
    assert facts.speedup_text(0.5, 0.8) == "slower on the GPU (0.5–0.8× the CPU's speed)"
    # The review's "the lasso path gained 0.74–1.3×":
    assert (
        facts.speedup_text(0.744, 1.3)
        == "between 0.74× (slower on the GPU) and 1.3× (faster), depending on the precision"
    )


def test_the_crossover_claims_only_the_sizes_measured():
    ref = reference(
        {
            ("ols", "float64"): [2.0, 10.0, 50.0],  # the GPU wins from the smallest size measured
            ("gd_minibatch", "float32"): [0.5, 0.9, 3.0],  # the CPU wins up to 10,000
            ("lasso_path", "float64"): [0.5, 0.6, 0.744],  # the CPU wins everywhere
            ("lasso_path", "float32"): [0.9, 1.1, 1.3],
        }
    )
    text = facts.crossover_text(ref)
    assert "nothing here says what happens below 1,000" in text and "Below about" not in text
    assert "the GPU was faster at every size measured for OLS (closed form) (float64)" in text
    assert "the CPU was as fast or faster up to 10,000 rows for mini-batch GD (float32)" in text
    assert "1,000 rows for lasso path (float32)" in text
    assert "at the largest size, 100,000 rows, for lasso path (float64)" in text
    takeaway = facts.reference_takeaway(ref)
    assert "The lasso path was between 0.74× (slower on the GPU) and 1.3× (faster)" in takeaway
    assert "gained" not in takeaway and takeaway.endswith("size by size, is in @fig-gpu-reference.")


def test_no_gpu_reference_and_no_gpu_rows():
    f = facts.gpu(data())
    assert f.takeaways == () and f.has_gpu is False
    bench = pd.DataFrame({"status": ["ok"], "device": ["cuda"]})
    assert facts.gpu(data(benchmark=bench, reference_runs=[reference({("ols", "float64"): [2.0, 3.0, 4.0]})])).has_gpu


# --- a subset of models (train.models lists only some variants) ---------------------------------------------


def test_text_fields_are_markdown_for_quarto_inline_expressions():
    # Quarto inserts an inline expression's text/markdown output as prose; a bare str would come as its repr.
    f = facts.noise_floor(floor_data(0.9907))
    assert isinstance(f.sentence, facts.Md) and f.sentence._repr_markdown_() == str(f.sentence)


def test_a_missing_variant_is_named_with_the_command_that_adds_it_back():
    d = data(params={"train": {"models": ["lasso", "gd_batch"]}}, cards={"gd_batch": 1, "lasso": 1})
    assert facts.listed_models(d) == ["gd_batch", "lasso"]  # params.yaml's order, not the list's
    note = facts.not_trained(d, ["ols", "ridge", "lasso"], "something is missing")
    assert note.startswith("*This run did not train OLS (closed form) and ridge (`train.models` in params.yaml lists")
    assert (
        "so something is missing. To add them back: `dvc exp run -S 'train.models=[ols,gd_batch,ridge,lasso]'`" in note
    )
    assert facts.not_trained(d, ["lasso"], "x") == ""  # trained: nothing to say
    one = facts.not_trained(data(params={"train": {"models": []}}), ["ols"], "x")
    assert "lists none" in one and "To add it back: `dvc exp run -S 'train.models=[ols]'`" in one


def test_least_squares_without_ols_keeps_the_polynomial_sentence_and_says_how_to_add_ols():
    plots = sweep(["centred_qr"] * 2, [1.0, 9.0])
    f = facts.least_squares(data(params={"train": {"models": ["ridge"]}}, cards={"ridge": 1}, plots=plots))
    assert f.solver is None and "did not train OLS (closed form)" in f.sentence
    assert "`dvc exp run -S 'train.models=[ols,ridge]'`" in f.sentence
    assert "use **centred_qr** at every degree" in f.sentence  # what the sweep shows holds without the main OLS
    ols = card(intercept=1.0, coef=[2.0, 3.0])
    with_theta = facts.least_squares(data(cards={"ols": ols}, plots=plots), np.array([1.0, 2.0, 3.25]))
    assert "agrees with these few lines to 0.25 in every coefficient" in with_theta.sentence  # exact in binary


def test_the_noise_floor_without_ols_says_so():
    d = data(truth={"known": True, "noise_std": 1.0}, metrics={"evaluate": {}}, params={"train": {"models": ["lasso"]}})
    f = facts.noise_floor(d)
    assert "no model can reach a test MSE below about that on average." in f.sentence
    assert "did not train OLS (closed form)" in f.sentence and "[ols,lasso]" in f.sentence


def gd_card(**kw):
    return SimpleNamespace(**{"n_iter": 85, "learning_rate": 0.35, "stopped_by": "tol", **kw})


def lr_sweep_table(rates, diverged, lipschitz=1.0):
    return pd.DataFrame(
        [
            {"dataset": "main", "learning_rate": r, "diverged": v, "lipschitz": lipschitz}
            for r, v in zip(rates, diverged)
        ]
    )


def test_gradient_descent_runs_and_the_learning_rate_split():
    history = pd.DataFrame({"model": ["gd_batch"], "epoch": [1], "train_loss": [1.0]})
    agree = pd.DataFrame([{"model": "gd_batch", "reference": "ols", "max_abs_coef_diff": 1.13e-5}])
    d = data(
        cards={"gd_batch": gd_card(), "gd_minibatch": gd_card(n_iter=13, stopped_by="patience")},
        tables={"agreement": agree},
        plots={"lr_sweep": lr_sweep_table([0.5, 1.0, 3.0], [False, False, True]), "gd_history": history},
    )
    f = facts.gradient_descent(d)
    assert "**batch GD** ran 85 epochs at η = 0.35 and stopped when a step improved the loss by less than" in f.runs
    assert "**mini-batch GD** ran 13 epochs" in f.runs and "early: its validation loss had not improved" in f.runs
    assert "batch GD ends within 1.1e-05 of the closed form" in f.runs and "did not train" not in f.runs
    assert "η ∈ {0.5, 1} converged, η ∈ {3} diverged — exactly the split the 2/L rule predicts" in f.sweeps
    assert f.main_limit == 2.0 and f.has_history
    assert "`dvc exp run -S train.gd.learning_rate=1.8`" in f.try_this  # 0.9 × 2/L, no models option needed
    odd = facts.gradient_descent(data(plots={"lr_sweep": lr_sweep_table([0.5, 3.0], [True, False])}))
    assert "does not follow the 2/L rule exactly" in odd.sweeps
    none = facts.gradient_descent(data(plots={"lr_sweep": lr_sweep_table([0.5], [False])}))
    assert "none diverged" in none.sweeps


def test_gradient_descent_without_gd_variants_says_which_and_how_to_add_them():
    d = data(
        params={"train": {"models": ["ols"]}},
        cards={"ols": 1},
        plots={"lr_sweep": lr_sweep_table([0.5], [False]), "gd_history": pd.DataFrame({"model": []})},
    )
    f = facts.gradient_descent(d)
    assert f.runs.startswith("*This run did not train batch GD and mini-batch GD") and not f.has_history
    assert "there is no loss curve to draw below" in f.runs
    assert "`dvc exp run -S 'train.models=[ols,gd_batch]' -S train.gd.learning_rate=1.8`" in f.try_this
    one = facts.gradient_descent(data(params={"train": {"models": ["gd_batch"]}}, cards={"gd_batch": gd_card()}))
    assert "did not train mini-batch GD" in one.runs and "only the other one is shown" in one.runs
    assert one.try_this == ""  # no sweep: no 2/L to aim at


def test_scaling_evidence_needs_batch_gd():
    h = pd.DataFrame(
        {
            "model": ["gd_batch_unscaled"] * 2 + ["gd_batch"] * 2,
            "epoch": [1, 2000, 1, 85],
            "train_loss": [9.0, 4.739, 3.0, 0.5016],
        }
    )
    text = facts.scaling_evidence(data(cards={"gd_batch": 1}, plots={"gd_history": h}))
    assert "after 2000 epochs, is still at loss 4.739, against 0.5016 reached in 85 epochs" in text
    missing = facts.scaling_evidence(data(params={"train": {"models": ["ols"]}}, cards={"ols": 1}, plots={}))
    assert "did not train batch GD" in missing and "[ols,gd_batch]" in missing


def path_card(alpha, alpha_1se, coef):
    return SimpleNamespace(alpha=alpha, alpha_1se=alpha_1se, coef=coef)


def test_penalties_list_what_was_trained_and_name_the_rest():
    cards = {"ridge": path_card(34.3, 327.0, [1.0, 2.0]), "lasso": path_card(0.01, 0.1, [1.0, 0.0])}
    cards["lasso_1se"] = path_card(0.1, 0.1, [0.0, 0.0])
    cards["ridge_1se"] = path_card(327.0, 327.0, [0.5, 1.0])  # ridge keeps every weight: no count is said
    d = data(params={"train": {"models": ["ridge", "lasso"]}}, cards=cards, sizes={"n_train": 12000})
    f = facts.penalties(d, ["ridge", "lasso"], 20)
    assert f.trained == ("ridge", "lasso")
    assert "* **ridge**: minimum-error α = 34.3; 1-SE α = 327\n" in f.choices
    assert "* **lasso**: minimum-error α = 0.01, 1 non-zero weights; 1-SE α = 0.1 (0 non-zero)" in f.choices
    assert f.edge.startswith("For ridge and lasso the minimum validation error sits at the **smallest α")
    assert "12,000 training rows for 20 features" in f.edge
    assert "did not train elastic net" in f.missing and "the paths below show ridge and lasso only" in f.missing
    none = facts.penalties(data(params={"train": {"models": ["ols"]}}, cards={"ols": 1}), [], 20)
    assert none.trained == () and none.choices == "" and none.edge == ""
    assert "did not train ridge, lasso and elastic net" in none.missing and "no path, figure" in none.missing
    every = {k: path_card(1.0, 2.0, [1.0]) for k in ("ridge", "lasso", "elastic_net")}
    assert facts.penalties(data(cards=every), [], 20).missing == ""


def test_paired_differences_without_ols_are_from_the_first_model_trained():
    base = {"n_test": 80, "mse": 1.0, "mse_se": 0.1, "diff_lower": -0.01, "diff_upper": 0.01, "resolved": False}
    pt = pd.DataFrame(
        [
            {**base, "model": "lasso", "baseline": "lasso", "diff": 0.0},
            {**base, "model": "lasso_1se", "baseline": "lasso", "diff": 0.001},
        ]
    )
    d = data(params={"train": {"models": ["lasso"]}}, cards={"lasso": 1, "lasso_1se": 1}, tables={"paired_test": pt})
    text = facts.paired_verdict(d)
    assert "Not resolved from lasso (the 95% interval" in text and "from OLS" not in text
    assert "the differences below are from lasso, the first model trained" in text and "[ols,lasso]" in text


def test_agreement_sentence_parts():
    rows = [
        {"model": "ols", "reference": "sklearn_ols", "max_abs_coef_diff": 9.4e-11},
        {"model": "gd_minibatch", "reference": "ols", "max_abs_coef_diff": 0.07},
    ]
    text = facts.agreement_sentence(data(tables={"agreement": pd.DataFrame(rows)}))
    assert (
        "largest coefficient difference is 9.4e-11: rounding." in text
        and "mini-batch GD vs OLS (closed form): 0.07." in text
    )
    only_same = facts.agreement_sentence(data(tables={"agreement": pd.DataFrame(rows[:1])}))
    assert "rounding." in only_same and "iterative" not in only_same  # no dangling "differ by more: ."
    assert facts.agreement_sentence(data()) == ""


# --- the chapters' prose facts (step by step through the book) --------------------------------------------------


DEMO = {"n_samples": 100, "slope": 3.0, "intercept": 2.0, "noise_std": 1.0}


def test_intro_says_what_is_known_about_the_data():
    truth = {"known": True, "n_samples": 20000, "n_features": 4, "coef": [1.0, 0.0, 2.0, 0.0], "noise_std": 1.0,
             "r2_ceiling": 0.959, "demo": DEMO}  # fmt: skip
    text = facts.intro(data(truth=truth, params={"generate": {"correlation": 0.5, "scale_spread": 1000.0}}))
    assert "20,000 rows, 4 features, of which only 2 truly affect $y$ (the other 2 have coefficient exactly 0)" in text
    assert "a factor 1000 apart" in text and "more than 95.9% of the variance" in text and "100 points" in text
    real = facts.intro(data(truth={"known": False, "source": "diabetes", "n_samples": 442, "n_features": 10,
                                   "demo": DEMO}))  # fmt: skip
    assert real.startswith("The data come from **diabetes**: 442 rows") and "unknown" in real


def test_line_writes_the_true_line_with_its_sign():
    f = facts.line(data(truth={"demo": DEMO}), 2.83379, 2.25489, np.array([1.0, -1.0, 2.0, -2.0]))
    assert (f.slope, f.intercept, f.true_line, f.n) == ("2.834", "2.255", "$y = 3x + 2$", "100")
    assert f.residual_sd == "2.24"  # sqrt(10 / 2): n − 2 degrees of freedom
    negative = facts.line(data(truth={"demo": {**DEMO, "intercept": -2.5}}), 1.0, 1.0)
    assert negative.true_line == "$y = 3x - 2.5$" and negative.residual_sd == "—"


def test_durations_read_without_e_notation():
    assert [facts.duration(x) for x in (0.092, 1.6525, 1.23e-5, 4567.0)] == ["92 ms", "1.65 s", "0.01 ms", "4,567 s"]


def test_why_gd_names_the_lasso_sweeps_and_nothing_else():
    # The review's §6 timing (linreg's batch GD for 5 epochs, scaled to 85) is gone: that GD forms XᵀX once,
    # so its epochs cost p², not a pass over X; cost_against_p times the textbook algorithm instead.
    lasso = SimpleNamespace(n_iter=83, n_alphas=50)
    assert facts.why_gd(data(cards={"lasso": lasso})) == (
        "The lasso has no closed form: its path took 83 coordinate-descent sweeps over 50 values of its penalty."
    )
    assert facts.why_gd(data()) == ""  # nothing measured, nothing said


def test_scaling_numbers_and_real_data():
    d = data(params={"generate": {"scale_spread": 1000.0}}, metrics={"train": {"cond_train_before": 5100.0,
             "cond_train_after": 2.95}}, scaler={"method": "standard"}, cards={"gd_batch": 1})  # fmt: skip
    f = facts.scaling(d)
    assert (f.spread, f.cond_before, f.cond_after, f.method) == ("1000", "5.1e+03", "2.95", "standard")
    assert facts.scaling(data()).spread == "—"


def degree_data(val, train=None, ridge=None, lc_train=(0.9, 0.95, 1.0), lc_val=(1.1, 1.05, 1.0)):
    rows = []
    for series, values in (("validation", val), ("train", train or [1.0 - 0.01 * k for k in range(len(val))])):
        rows += [{"panel": "ols", "series": series, "degree": k + 1, "mse": v} for k, v in enumerate(values)]
    rows += [{"panel": "ridge", "series": "validation", "degree": k + 1, "mse": v} for k, v in enumerate(ridge or [])]
    lc = [{"panel": "ols", "series": s, "n_train": n, "mse": v} for s, vals in (("train", lc_train), ("validation",
          lc_val)) for n, v in zip((100, 1000, 10000), vals)]  # fmt: skip
    points = pd.DataFrame({"split": ["train"] * 60 + ["validation"] * 20})
    plots = {"degree_sweep": pd.DataFrame(rows), "learning_curve": pd.DataFrame(lc), "demo_points": points}
    return data(plots=plots, params={"evaluate": {"poly_ridge_alpha": 1.0}})


def test_overfitting_names_the_spike_and_the_noisy_choice():
    # The review's §11: the degree-14 spike (8.96) was never mentioned.
    f = facts.overfitting(degree_data([1.56, 1.54, 1.6, 8.96, 2.32], ridge=[1.5] * 5))
    assert f.best_degree == 2 and "Validation MSE is lowest at degree 2 (1.54) and is 2.32 at degree 5" in f.degrees
    assert "Its worst is at degree 4 (8.96)" in f.degrees and "validation picked 2 because, with only 20" in f.degrees
    assert "lower than OLS's there: the penalty tames" in f.degrees
    plain = facts.overfitting(degree_data([1.0, 1.2, 1.5], ridge=[1.0, 1.3, 1.6]))
    assert "Its worst" not in plain.degrees and "The truth is degree 1, and validation picked it." in plain.degrees
    assert "no lower than OLS's there." in plain.degrees


def test_the_learning_curve_is_said_as_it_is_not_as_the_textbook_says():
    # The review's §11: training MSE dips and rises above validation twice, the prose told a monotone story.
    smooth = facts.overfitting(degree_data([1.0, 1.2])).learning
    assert "the two curves close in, and once they meet" in smooth and "not step by step" not in smooth
    crossing = facts.overfitting(degree_data([1.0, 1.2], lc_train=(0.92, 1.08, 1.003), lc_val=(1.07, 1.0, 1.003)))
    assert "but not step by step: training MSE is above validation MSE at 1 of the 3 sizes" in crossing.learning
    wiggle = facts.overfitting(degree_data([1.0, 1.2], lc_train=(0.9, 0.85, 1.0), lc_val=(1.2, 1.1, 1.05)))
    assert "but not step by step: each point is one random subset" in wiggle.learning


def test_split_shares():
    d = data(sizes={"n_train": 12000, "n_validation": 4000, "n_test": 4000},
             params={"base": {"seed": 42}, "split": {"train": 0.6}})  # fmt: skip
    f = facts.split(d)
    assert (f.seed, f.n_train, f.train_share, f.n_test) == ("42", "12,000", "60%", "4,000")


def regime_table(helps):
    return pd.DataFrame([{"regime": "few rows, noisy", "model": "ridge", "n_samples": 100, "noise_std": 3.0,
                          "correlation": 0.5, "ratio_to_ols": 0.84, "helps": helps}])  # fmt: skip


def test_where_a_penalty_helps_is_decided_by_the_paired_test_not_assumed():
    # The chapter used to say "Not on this run's main data" whatever the data said.
    better = paired({"model": "ridge", "diff": -0.05, "diff_lower": -0.07, "diff_upper": -0.03, "resolved": True})
    d = data(cards={"ols": 1, "ridge": 1}, tables={"paired_test": better, "regimes": regime_table(True)})
    f = facts.regimes(d, ["**few rows, noisy** …"])
    assert f.here.startswith("On this run's main data ridge predicted measurably better than OLS")
    assert f.sentences == "* **few rows, noisy** …"
    assert f.penalty_cmd == "dvc exp run -S generate.n_samples=100 -S generate.noise_std=3 -S generate.correlation=0.5"
    assert f"`{f.penalty_cmd}` makes the main data look like the sweep's **few rows, noisy** setting" in f.try_this
    tie = paired({"model": "ridge", "diff": 0.001, "diff_lower": -0.01, "diff_upper": 0.012})
    none = facts.regimes(
        data(cards={"ols": 1, "ridge": 1}, tables={"paired_test": tie, "regimes": regime_table(False)}), []
    )
    assert none.here.startswith("Not measurably on this run's main data") and none.penalty_cmd == ""
    assert "regime sweep is off" in none.sentences and "Add a setting to `evaluate.regimes`" in none.try_this
    assert facts.regimes(data(cards={"ols": 1}), []).here.startswith("This run trained no penalty")


def test_vector_form_sum_equals_product():
    Xb = np.array([[1.0, 2.0, 3.0], [1.0, 0.5, -1.0]])
    f = facts.vector_form(Xb, np.array([0.5, 1.0, 2.0]))
    assert (f.n, f.p1, f.by_sum, f.by_product) == ("2", "3", "8.5", "8.5")
    assert f.terms == "0.5 + (1)(2) + (2)(3) + …"


def machine_bench(gpu=False, ratio=0.3):
    rows = [{"status": "ok", "library": "linreg", "device": "cpu", "dtype": "float64", "solver": "ols", "n": 1000,
             "p": 20, "median_s": 0.003, "ratio_to_gram": ratio, "speedup_vs_cpu": np.nan, "reason": ""},
            {"status": "ok", "library": "numpy", "device": "cpu", "dtype": "float64", "solver": "gram", "n": 1000,
             "p": 20, "median_s": 0.01, "ratio_to_gram": 1.0, "speedup_vs_cpu": np.nan, "reason": ""}]  # fmt: skip
    if gpu:
        rows.append({**rows[0], "device": "cuda", "speedup_vs_cpu": 3.0})
    else:
        rows.append({**rows[0], "status": "unavailable", "device": "cuda", "reason": "CPU-only torch build"})
    return pd.DataFrame(rows)


def test_this_machine_says_what_was_measured_and_why_no_gpu():
    d = data(benchmark=machine_bench(), system={"cpu": "EPYC", "cpu_cores": 2})
    text = facts.this_machine(d)
    assert "on this machine (EPYC, 2 cores) up to n = 1,000, p = 20" in text and "10 ms here" in text
    assert "linreg's own pass beats it at this small p (OLS (closed form) 0.3×)" in text
    assert "No GPU was available to this run (CPU-only torch build), so it has CPU rows only." in text
    slow = facts.this_machine(data(benchmark=machine_bench(ratio=2.0), system={}))
    assert "not a hard limit." in slow and "beats it" not in slow
    gpu = facts.this_machine(data(benchmark=machine_bench(gpu=True), system={"gpu": "H100"}))
    assert "On this machine's GPU (H100) the fits at the largest size were 3× faster on the GPU." in gpu
    empty = facts.this_machine(data(benchmark=pd.DataFrame(columns=["status", "device"])))
    assert "measured nothing" in empty


def test_no_gpu_reference_is_said():
    assert "No GPU reference run is committed" in facts.gpu(data()).no_reference
    ref = reference({("ols", "float64"): [2.0, 3.0, 4.0]})
    assert facts.gpu(data(reference_runs=[ref])).no_reference == ""


def recap_data(resolved_better):
    pt = paired({"model": "ridge", "diff": -0.05 if resolved_better else 0.01, "diff_lower": -0.07,
                 "diff_upper": -0.03, "resolved": resolved_better})  # fmt: skip
    return data(truth={"demo": DEMO, "known": False}, tables={"paired_test": pt})


def test_recap_bullets_follow_the_run():
    text = facts.recap(recap_data(False), 2.834, 2, 0.7, ["ridge"])
    assert text.startswith("* A line $\\hat y = mx + b$ fitted by least squares: slope 2.834 from 100 demo points")
    assert "(2/L = 0.7 on the main data)." in text and "validation error chose degree 2" in text
    assert "* Penalties (ridge, lasso, elastic net) did not measurably improve prediction" in text
    assert "did not measurably" not in facts.recap(recap_data(True), 2.834, 2, 0.7, ["ridge"])
    assert "did not measurably" not in facts.recap(recap_data(False), 2.834, 2, 0.7, [])  # α chosen off the edge
    assert "diverges above." in facts.recap(recap_data(False), 2.834, 2, float("nan"), [])


def test_inference_says_what_rank_deficiency_does():
    e = {"ols_residual_std_error": 1.003, "ols_fvalue": 13870.0, "ols_f_pvalue": 0.0, "ols_aic": 34135.5,
         "ols_bic": 34290.7, "ols_condition_number": 5100.0, "ols_rank": 21, "ols_n_params": 21,
         "ols_df_resid": 100}  # fmt: skip
    inf = pd.DataFrame({"term": ["const", "x0"], "ci_covers_truth": [True, False]})
    iv = pd.DataFrame({"model": ["ridge"], "method": ["analytic"]})
    f = facts.inference(data(metrics={"evaluate": e}, tables={"ols_inference": inf, "intervals": iv}))
    assert "F statistic 1.387e+04 (p below the smallest double" in f.summary and "as statsmodels computes" in f.summary
    assert f.coverage.startswith("The 95% confidence intervals cover the true value for 1 of 2 parameters")
    assert f.methods == "How each was made: ridge: analytic"
    deficient = facts.inference(data(metrics={"evaluate": {**e, "ols_rank": 20, "ols_f_pvalue": 0.01}}))
    assert "(p = 0.01)" in deficient.summary and "rank deficient (rank 20 of 21 columns)" in deficient.summary
    assert "no residual degrees of freedom" not in deficient.summary and deficient.coverage == ""
    none_left = facts.inference(data(metrics={"evaluate": {**e, "ols_rank": 20, "ols_df_resid": 0}}))
    assert "With no residual degrees of freedom" in none_left.summary
    assert facts.inference(data(metrics={"evaluate": {}})).summary == ""  # no OLS inference in this run


# --- 6. why gradient descent: cost against p --------------------------------------------------------------------


def p_sweep(closed, gd, epochs=(100, 120, 150), ps=(10, 100, 1000), spread=0.05, status=None):
    """Rows as the benchmark stage writes them; each time's quartiles ± ``spread`` (relative) around its median."""
    rows = []
    for k, p in enumerate(ps):
        for method, t in (("closed_form", closed[k]), ("gd", gd[k])):
            rows.append(
                {
                    "n": 10_000,
                    "p": p,
                    "method": method,
                    "status": (status or {}).get((method, p), "ok"),
                    "median_s": t,
                    "q1_s": t * (1 - spread),
                    "q3_s": t * (1 + spread),
                    "epochs": epochs[k] if method == "gd" else np.nan,
                }
            )
    return pd.DataFrame(rows)


def test_cost_against_p_says_the_lead_shrinks_only_when_the_runs_resolve_it():
    # Closed form 1 ms → 1 s, GD 50 ms → 2 s: cheaper everywhere; from p = 100 to 1,000 it grew like p^1.5
    # and GD like p^0.8, its lead 9.5× → 2×, with the quartiles (±5%) far apart.
    f = facts.cost_against_p(p_sweep([1e-3, 3.16e-2, 1.0], [5e-2, 3e-1, 2.0]))
    assert f.has_sweep
    assert "on n = 10,000 rows at p = 10, 100, 1,000 (@fig-cost-p)" in f.sentence
    assert "the closed form took 1 ms to 1 s" in f.sentence and "(100–150 epochs), 50 ms to 2 s" in f.sentence
    assert "The closed form was cheaper at every p measured. But from p = 100 to 1,000 the closed form's time " in (
        f.sentence
    )
    assert (
        "grew about like $p^{1.5}$ and gradient descent's like $p^{0.8}$, so the closed form's lead shrank from "
        in (f.sentence)
    )
    assert "9.5× to 2×: if that trend held, gradient descent would overtake beyond p = 1,000, which this run " in (
        f.sentence
    )
    # The lead grows (4× → 10×): no hint of a turn.
    steady = facts.cost_against_p(p_sweep([1e-3, 1e-2, 1e-1], [2e-3, 4e-2, 1.0])).sentence
    assert "its lead grew from 4× to 10×, so at these sizes this run shows no sign of the balance turning" in steady
    assert "overtake" not in steady
    # 4× → 3.8×, inside the quartiles' spread: the shrink is not claimed.
    flat = facts.cost_against_p(p_sweep([1e-3, 1e-2, 1e-1], [2e-3, 4e-2, 0.38])).sentence
    assert "its lead went from 4× to 3.8×, a change within the spread of the timed runs: whether the balance is " in (
        flat
    )
    assert "shrank" not in flat and "overtake" not in flat
    # 4× → 4.0× (3.96, the same at two digits): the sentence does not say "from 4× to 4×".
    level = facts.cost_against_p(p_sweep([1e-3, 1e-2, 1e-1], [2e-3, 4e-2, 0.396])).sentence
    assert "From p = 100 to 1,000 its lead stayed about 4× within the spread of the timed runs: whether" in level
    assert "4× to 4×" not in level
    assert [facts.times_text(x) for x in (0.372, 2.46, 136.2, 1250.0)] == ["0.37×", "2.5×", "136×", "1,250×"]


def test_cost_against_p_names_where_gd_wins_and_what_is_unresolved():
    turned = facts.cost_against_p(p_sweep([1e-3, 1e-1, 10.0], [1e-2, 1e-2, 1.0])).sentence
    assert "From p = 100 on, gradient descent to convergence was the cheaper way (at p = 1,000 it took 0.1×" in turned
    assert "the balance turned inside the range measured" in turned and "lead" not in turned
    # p = 100: the medians differ by 4% but the quartile ranges (±5%) overlap; the closed form wins on either side.
    mixed = facts.cost_against_p(p_sweep([1e-3, 1.0, 1e-3], [1e-1, 1.04, 1.0])).sentence
    assert "The closed form was cheaper at p = 10, 1,000; at p = 100 the two times' quartile ranges overlap" in mixed
    assert "every p measured" not in mixed and "From p" not in mixed
    # A single GD win that is not the tail (cheaper at p = 10 only): said as such, no "from p on".
    odd = facts.cost_against_p(p_sweep([1.0, 1e-3, 1e-3], [1e-2, 1.0, 1.0])).sentence
    assert "The closed form was cheaper at p = 100, 1,000; gradient descent at p = 10." in odd


def test_cost_against_p_with_one_p_without_a_sweep_and_with_gd_short_of_the_answer():
    one = facts.cost_against_p(p_sweep([1e-3], [5e-2], epochs=(90,), ps=(20,))).sentence
    assert "at p = 20 (@fig-cost-p): the closed form took 1 ms, and gradient descent, run until it converged " in one
    assert "(90 epochs), 50 ms. The closed form was cheaper at every p measured. With one p, how the balance " in one
    assert "grew about like" not in one
    none = facts.cost_against_p(data().cost_vs_p)
    assert not none.has_sweep and "did not time the closed form against gradient descent across p" in none.sentence
    short = facts.cost_against_p(p_sweep([1e-3, 1e-2], [5e-2, 1.0], ps=(10, 100), status={("gd", 100): "disagrees"}))
    assert "At p = 100 gradient descent stopped short of the closed form's answer" in short.sentence
    assert "at p = 10 (@fig-cost-p)" in short.sentence  # only the p with both times is compared


def test_cost_against_p_says_when_the_machine_was_busy():
    sweep = p_sweep([1e-3, 3.16e-2, 1.0], [5e-2, 3e-1, 2.0])
    quiet = facts.cost_against_p(sweep, {"load_average_1min_before": 1.9, "cpu_cores": 2}).sentence
    assert quiet == facts.cost_against_p(sweep).sentence and "busy" not in quiet
    busy = facts.cost_against_p(sweep, {"load_average_1min_before": 5.26, "cpu_cores": 2}).sentence
    assert busy.startswith(quiet)  # the caveat is added, the run's own findings stay
    assert busy.endswith(
        " The machine was already busy when these timings began (load average 5.3 on 2 cores: other programs were "
        "running), so they include waits that need not slow both methods alike; run `dvc repro --force benchmark` "
        "on a quiet machine before trusting the trend."
    )
    # A system.json without the load (an OS with no load average: None) says nothing of it.
    assert facts.cost_against_p(sweep, {"load_average_1min_before": None, "cpu_cores": 2}).sentence == quiet


# --- 19. the PyTorch training loop ------------------------------------------------------------------------------


def loop(**runs):
    return facts.torch_loop(runs, epochs=200, n=12_000, p=20, gpu_name="NVIDIA H100", has_reference=True)


def test_torch_loop_without_a_gpu_says_so_and_claims_no_comparison():
    f = loop(cpu={"times": [0.04, 0.05, 0.06], "max_diff": 3e-15})
    assert "This machine has no GPU that PyTorch can use" in f.devices and "ran on the CPU only" in f.devices
    assert "200 epochs on 12,000 rows × 20 features took 50 ms (median of 3 runs)" in f.devices
    assert "What a GPU did, measured on one, is the reference run below." in f.devices
    assert "faster" not in f.devices and "slower" not in f.devices
    assert f.agreement.startswith("On the CPU, θ ended within 3.0e-15 (relative) of the normal equations'")
    bare = facts.torch_loop({"cpu": {"times": [1.0], "max_diff": 0.0}}, epochs=1, n=10, p=1)
    assert "reference run" not in bare.devices  # none committed: none promised
    with pytest.raises(ValueError, match="needs a CPU run"):
        facts.torch_loop({"cuda": {"times": [1.0], "max_diff": 0.0}}, epochs=1, n=10, p=1)


def test_torch_loop_compares_devices_only_when_every_run_agrees_on_the_order():
    cpu = {"times": [0.10, 0.11, 0.12], "max_diff": 1e-14}
    fast = loop(cpu=cpu, cuda={"times": [0.02, 0.025, 0.03], "max_diff": 2e-14})
    assert "took 25 ms on this machine's GPU (NVIDIA H100) and 110 ms on its CPU (medians of 3 runs)" in fast.devices
    assert "4.4× faster on the GPU, and every GPU run beat every CPU run" in fast.devices
    assert fast.agreement.startswith("On both devices, θ ended within 2.0e-14")
    slow = loop(cpu=cpu, cuda={"times": [0.2, 0.3, 0.4], "max_diff": 1e-14})
    assert "the GPU was slower, 0.37× the CPU's speed, and every CPU run beat every GPU run" in slow.devices
    tie = loop(cpu=cpu, cuda={"times": [0.09, 0.10, 0.2], "max_diff": 1e-14})  # a lower median, not resolved
    assert "the two devices' runs overlap, so this run does not resolve which is faster" in tie.devices
    assert "faster on the GPU" not in tie.devices and "slower" not in tie.devices


def test_torch_loop_says_when_it_has_not_converged():
    f = loop(cpu={"times": [0.1], "max_diff": 3e-4})
    assert "After 200 epochs θ was still 3.0e-04 (relative) from the normal equations' solution on the CPU" in (
        f.agreement
    )
    assert "more than 1e-08: it had not converged yet" in f.agreement
    assert "had not converged" in loop(cpu={"times": [0.1], "max_diff": float("nan")}).agreement


# --- what's next: logistic regression ---------------------------------------------------------------------------


def test_logistic_agrees_only_within_the_bound_the_gradients_allow():
    f = facts.logistic(max_diff=2e-9, bound=5e-8, epochs=1234, converged=True)
    assert f.agrees and "converged in 1,234 epochs to coefficients within 2.0e-09 of scikit-learn's" in f.takeaway
    assert "inside the 5.0e-08 that the gradients both left allow" in f.takeaway
    off = facts.logistic(max_diff=1e-3, bound=5e-8, epochs=1234, converged=True)
    assert not off.agrees and "more than the 5.0e-08 their remaining gradients explain" in off.takeaway
    stuck = facts.logistic(max_diff=1e-9, bound=5e-8, epochs=50, converged=False)
    assert not stuck.agrees and "had not converged after 50 epochs" in stuck.takeaway
    with pytest.raises(ValueError, match="finite"):
        facts.logistic(max_diff=float("nan"), bound=1.0, epochs=1, converged=True)
