"""How close is training to the cost of reading the data once?

Prints, at n = 1,000,000 and p = 100 in float64 on the CPU, the median time of
each fit divided by the median time of one XᵀX product, all measured side by
side in this run (warm-up discarded, median of repeats; a fit with a target
is timed between two XᵀX products, at least 11 times, and the line gives the
median of those ratios and their quartiles):

* the statistics pass alone ÷ one XᵀX (which pass: NumPy's or torch's, named in the header with
  the CPU, the threads and the load average; and its share of the OLS fit)      target ≤ 1.1
  (one XᵀX: the fastest of NumPy's, NumPy's on one BLAS thread and torch's, each timed here)
* OLS fit (ours, scikit-learn, statsmodels) ÷ one XᵀX          target ≤ 1.15 for ours
* OLS inference (standard errors, p-values, F, AIC, HC3) ÷ one XᵀX, ours
  against statsmodels' in the same run      target ≤ 4, and ≥ 5× faster than statsmodels
* every default variant (OLS, full-batch GD to tolerance, 50-alpha ridge,
  lasso and elastic-net paths with validation selection), each fitted by its
  estimator from one shared pass of statistics ÷ one XᵀX          target ≤ 2.5
* lasso path on 50 alphas, ours against sklearn.linear_model.lasso_path on the
  same alphas and tolerance (their duality gaps are printed): target faster

Run: ``make bench`` (or ``python benchmarks/train_speed.py --n 200000`` for a quick look).
"""

from __future__ import annotations

import argparse
import os

import numpy as np
import torch

from linreg.models import LinearRegression, ValidatedLasso
from linreg.models._closed_form import solve_cholesky
from linreg.models._enet import duality_gap
from linreg.models._results import RegressionResults
from linreg.models.stats import blas, compute_stats
from linreg.pipeline.benchmark.grid import make_data
from linreg.pipeline.benchmark.system import cpu_model, load_average
from linreg.pipeline.data.scale import Scaler
from linreg.pipeline.params import Train
from linreg.pipeline.timing import measure
from linreg.pipeline.training import Split, TrainingData, train_variants

DEFAULT_VARIANTS = {
    "models": ["ols", "gd_batch", "ridge", "lasso", "elastic_net"],
    "ols_solver": "auto",
    "gd": {"learning_rate": "auto", "max_epochs": 2000, "tol": 1e-10, "patience": 10, "batch_size": 256},
    "path": {
        "n_alphas": 50,
        "alpha_min_ratio": 1e-4,
        "l1_ratio": 0.5,
        "solver": "cd",
        "tol": 1e-10,
        "max_iter": 10_000,
    },
    "lr_sweep": {"learning_rates": [0.1], "epochs": 1},
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--p", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    X, y = make_data(args.n + args.n // 4, args.p, seed=0)
    X, y, Xv, yv = X[: args.n], y[: args.n], X[args.n :], y[args.n :]
    Xt = torch.from_numpy(X)
    r = args.repeats

    def timeit(fn, repeats=r):
        return measure(fn, warmup=1 if repeats > 1 else 0, repeats=repeats).median

    from threadpoolctl import threadpool_info, threadpool_limits

    pools = ", ".join(
        f"{os.path.basename(os.path.dirname(d['filepath']))} {d['num_threads']}"
        for d in threadpool_info()
        if d["user_api"] == "blas"
    )
    pass_ = blas.cpu_pass(args.n, args.p)
    with blas.row_workers(blas.numpy_threaded(args.n, args.p)) as workers:
        pass_desc = (
            f"OpenBLAS SYRK, groups of rows on {workers} thread{'s' if workers > 1 else ''} of one BLAS thread each"
            if pass_ == "numpy"
            else "torch products"
        )
    print(
        f"n={args.n:,} p={args.p} float64, median of {r} after 1 warm-up\n"
        f"CPU: {cpu_model()} ({os.cpu_count()} cores); statistics pass at this size: {pass_}'s "
        f"({pass_desc}; choice {blas.CPU_BLAS!r}, "
        f"{blas.CPU_BLAS_ENV} overrides); "
        f"threads: torch {torch.get_num_threads()}, BLAS pools {pools}; torch {torch.__version__}; "
        f"load average (1 min) {load_average():.2f}\n"
    )

    def np_one_thread():
        with threadpool_limits(1, user_api="blas"):
            return X.T @ X

    products = {"numpy": lambda: X.T @ X, "numpy on one BLAS thread": np_one_thread, "torch": lambda: Xt.T @ Xt}
    times = {name: timeit(fn) for name, fn in products.items()}
    fastest = min(times, key=times.__getitem__)
    unit = times[fastest]  # the fastest XᵀX at hand is the honest yardstick
    print(
        "one XᵀX: "
        + ", ".join(f"{name} {t:.3f} s" for name, t in times.items())
        + f"  → unit = {fastest}'s {unit:.3f} s\n"
    )

    gram = products[fastest]

    def report(label, seconds, target=None, ratio=None):
        ratio = seconds / unit if ratio is None else ratio
        verdict = "" if target is None else f"  {'meets' if ratio <= target else 'MISSES'} ≤ {target:g}"
        print(f"{label:<48} {seconds:8.3f} s  {ratio:7.2f} × XᵀX{verdict}")

    def paired(label, fn, target):
        """A target line: each fit timed between two XᵀX products, so drift on a shared machine hits both
        alike; the ratio is the median over at least 11 such triples of fit ÷ the mean of its two XᵀX,
        printed with its interquartile range (the spread this machine's neighbours cause)."""
        fn(), gram()
        ratios, fits = [], []
        for _ in range(max(2 * r + 1, 11)):
            before, fit, after = timeit(gram, 1), timeit(fn, 1), timeit(gram, 1)
            ratios.append(2 * fit / (before + after))
            fits.append(fit)
        q1, q2, q3 = np.quantile(ratios, [0.25, 0.5, 0.75])
        report(label, float(np.median(fits)), target, float(q2))
        print(f"{'':<48} {'':10} ratios over {len(ratios)} triples: quartiles {q1:.2f} – {q3:.2f}")
        return float(np.median(fits))

    cpu = torch.device("cpu")
    # NumPy input, as the pipeline's train stage passes it: the pass the plan picks for this CPU runs.
    t_pass = paired(
        f"statistics pass ({blas.cpu_pass(args.n, args.p)}), [X|1|y]ᵀ[X|1|y]",
        lambda: compute_stats(X, y, dtype="float64", device="cpu"),
        1.1,
    )
    t_ols = paired("OLS fit, linreg", lambda: LinearRegression(device="cpu").fit(X, y), 1.15)
    print(f"{'':<48} {'':10} the statistics pass is {100 * t_pass / t_ols:.0f}% of the OLS fit's median time")

    import statsmodels.api as sm
    from sklearn.linear_model import LinearRegression as SkOLS
    from sklearn.linear_model import lasso_path

    report("OLS fit, scikit-learn", timeit(lambda: SkOLS().fit(X, y)))
    Xc1 = sm.add_constant(X)
    report("OLS fit, statsmodels (constant pre-added)", timeit(lambda: sm.OLS(y, Xc1).fit(), max(1, r - 1)))

    # Inference as the README uses it: standard errors, t, p, F, AIC and HC3, statsmodels' names on both.
    def inference(results):
        return results.bse, results.pvalues, results.fvalue, results.aic, results.HC3_se

    t_inf = paired(
        "OLS inference (SE, p, F, AIC, HC3), linreg",
        lambda: inference(LinearRegression(inference=True, device="cpu").fit(X, y).results_),
        4.0,
    )
    # Where the time goes: the fit's statistics pass and solve, then the one pass over rows that gives the
    # residuals, the leverages (one product per block with U = L⁻ᵀ) and the HC3 meat (one symmetric product).
    st = compute_stats(X, y, dtype=torch.float64, device=cpu)
    w_chol = solve_cholesky(st.gram, st.xty)
    b_chol = float(st.y_mean - st.x_mean @ w_chol)
    report(
        "  of which the row pass (leverages, HC3 meat)",
        timeit(
            lambda: RegressionResults.from_cholesky(
                X,
                y,
                None,
                gram=np.asarray(st.gram),
                x_mean=np.asarray(st.x_mean),
                coef=np.asarray(w_chol),
                intercept=b_chol,
            )
        ),
    )
    t_sm = timeit(lambda: inference(sm.OLS(y, Xc1).fit()), max(1, r - 1))
    report("OLS inference (the same), statsmodels", t_sm)
    print(
        f"{'':<48} {'':10} linreg is {t_sm / t_inf:.1f}× faster than statsmodels "
        f"({'meets' if t_sm / t_inf >= 5 else 'MISSES'} ≥ 5)"
    )
    Xc1 = None  # free the copy

    names = [f"x{j}" for j in range(args.p)]
    data = TrainingData(
        train=Split(X, y),
        validation=Split(Xv, yv),
        train_unscaled=Split(X, y),
        demo=Split(X[:10, :1], y[:10]),
        feature_names=names,
        scaler=Scaler("none", names, [0.0] * args.p, [1.0] * args.p, []),
    )
    cfg = Train.model_validate(DEFAULT_VARIANTS)
    paired(
        "all default variants (OLS, GD, 3 × 50-alpha paths)",
        lambda: train_variants(data, cfg, seed=0, device=cpu, dtype="float64"),
        2.5,
    )

    # Lasso path at equal tolerance: ours from raw X through the estimator (statistics and the
    # validation choice included), sklearn's on pre-centered X (centering not charged to it),
    # same alphas, same gap rule (tol · ‖y_c‖²).
    tol = 1e-10
    est = ValidatedLasso(n_alphas=50, alpha_min_ratio=1e-4, tol=tol, max_iter=10_000, solver="cd", device="cpu")
    t_ours = timeit(lambda: est.fit(X, y, validation=(Xv, yv)))
    alphas = est.alphas_
    Xc, yc = X - X.mean(0), y - y.mean()
    t_sk = timeit(lambda: lasso_path(Xc, yc, alphas=alphas, tol=tol, max_iter=10_000))
    _, sk_coefs, _ = lasso_path(Xc, yc, alphas=alphas, tol=tol, max_iter=10_000)
    st = compute_stats(X, y, dtype=torch.float64, device=cpu)
    G, c, yty = np.asarray(st.gram), np.asarray(st.xty), float(st.yty)
    our_gap = max(duality_gap(w, G, c, yty, args.n * a, 0.0) for w, a in zip(est.coef_path_, alphas))
    sk_gap = max(duality_gap(w, G, c, yty, args.n * a, 0.0) for w, a in zip(sk_coefs.T, alphas))
    report("lasso path, 50 alphas, linreg (from raw X)", t_ours)
    report("lasso path, 50 alphas, sklearn lasso_path", t_sk)
    print(
        f"\nlasso path: linreg is {t_sk / t_ours:.1f}× faster than scikit-learn "
        f"({'meets' if t_ours < t_sk else 'MISSES'} 'faster'); largest duality gaps "
        f"(unnormalized, same formula): linreg {our_gap:.3g}, sklearn {sk_gap:.3g}, "
        f"target {tol * yty:.3g}; max |Δcoef| {np.abs(est.coef_path_ - sk_coefs.T).max():.2g}"
    )


if __name__ == "__main__":
    main()
