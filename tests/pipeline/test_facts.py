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


def test_qr_at_condition_number_1_is_not_blamed_on_conditioning():
    # The review's §3 sentence: "switch to qr at degree 1, where the condition number reaches 1".
    f = facts.least_squares(data(cards={"ols": card()}, plots=sweep(["qr"] * 3, [1.0, 8.4, float("inf")])))
    assert "where the condition number reaches" not in f.polynomial_solvers
    assert "use **qr** at every degree, from condition number 1 at degree 1" in f.polynomial_solvers
    assert "to too large for float64 to measure at degree 3" in f.polynomial_solvers
    assert "That is not about conditioning: on a design this small (60 rows)" in f.polynomial_solvers
    assert "well conditioned (condition number 2.95" in f.main


def test_a_switch_as_the_condition_number_grows_is_named_with_both_numbers():
    plots = sweep(["cholesky", "cholesky", "qr", "qr"], [1.0, 300.0, 2.0e4, 1e6])
    f = facts.least_squares(data(cards={"ols": card()}, plots=plots))
    assert (
        "switch from **cholesky** to **qr** at degree 3, where the condition number reaches 2e+04 "
        "(from 300 at degree 2)" in f.polynomial_solvers
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
    text = facts.reference_takeaway(ref)
    assert "nothing here says what happens below 1,000" in text and "Below about" not in text
    assert "the GPU was faster at every size measured for OLS (closed form) (float64)" in text
    assert "the CPU was as fast or faster up to 10,000 rows for mini-batch GD (float32)" in text
    assert "1,000 rows for lasso path (float32)" in text
    assert "at the largest size, 100,000 rows, for lasso path (float64)" in text
    assert "The lasso path was between 0.74× (slower on the GPU) and 1.3× (faster)" in text and "gained" not in text


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
    plots = sweep(["qr"] * 2, [1.0, 9.0])
    f = facts.least_squares(data(params={"train": {"models": ["ridge"]}}, cards={"ridge": 1}, plots=plots))
    assert f.solver is None and "did not train OLS (closed form)" in f.sentence
    assert "`dvc exp run -S 'train.models=[ols,ridge]'`" in f.sentence
    assert "use **qr** at every degree" in f.sentence  # what the sweep shows holds without the main OLS
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
