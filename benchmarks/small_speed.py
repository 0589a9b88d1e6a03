"""Is linreg as fast as scikit-learn on the data most people have?

Prints, on CPU NumPy input in float64, each estimator's ``fit`` + ``predict`` time as a multiple of
scikit-learn's for the same estimator with the same parameters, grids and folds, at 442 × 10
(scikit-learn's diabetes data) and at 20,000 × 20 (``make_regression``), and
``LinearRegression(inference=True)`` against statsmodels' ``OLS(y, [1, X]).fit()`` with the same
statistics read (standard errors, p-values, F). The two sides of a row are timed alternately in one
loop (linreg, the reference, linreg, …), so a shared machine's drift hits both alike; each row's
ratio is the median of the per-pair ratios, printed with its quartiles. Results are compared
before a time counts (``Δ``: max |ŷ − ŷ_ref| / max |ŷ_ref| for the fits, the largest difference of
the ten R² scores for ``cross_val_score``, of the standard errors relative for inference).

The last three rows are a new user's first minutes, each in fresh Python processes: ``import linreg.models``
against ``import sklearn.linear_model``; that import and the first ``LinearRegression().fit`` on the diabetes
data (``Δ`` of the coefficients); and the first search: the estimator's ``import`` and
the first ``GridSearchCV(Ridge(), grid, cv=KFold(5), n_jobs=2).fit`` on the diabetes data (joblib's
loky workers start and import what the estimator needs). Fresh processes alternate linreg, scikit-learn,
scikit-learn, linreg, …; the same grid and folds on both sides, the mean test scores compared (``Δ``),
and whether torch was imported in the process or its workers is printed.

Targets (issue 40): every estimator ≤ 1.2×, inference ≤ 3× statsmodels, the import and the first fit after
it ≤ 1.2×, the first search ≤ 1.3×.

Run: ``make bench-small`` (``python benchmarks/small_speed.py --repeats 7`` for a quicker look;
``--only Lasso`` for the rows whose label contains a word).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def pairs(ours, ref, repeats: int) -> tuple[float, float, float, float, float]:
    """Median seconds of each side and the quartiles of the per-pair ratio, after one warm-up of each."""
    ours(), ref()
    t_ours, t_ref = [], []
    for i in range(repeats):
        for fn, out in ((ours, t_ours), (ref, t_ref)) if i % 2 == 0 else ((ref, t_ref), (ours, t_ours)):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    ratios = np.array(t_ours) / np.array(t_ref)
    q1, q2, q3 = np.quantile(ratios, [0.25, 0.5, 0.75])
    return float(np.median(t_ours)), float(np.median(t_ref)), float(q1), float(q2), float(q3)


# One fresh process: the estimator's import and the first n_jobs=2 grid search, timed inside the
# process (the interpreter's own start is the same on both sides and left out). Then, untimed, the
# loky workers that ran the search say whether they imported torch.
FIRST_SEARCH = """
import json, sys, time
import numpy as np
X, y = np.load(sys.argv[1]), np.load(sys.argv[2])
start = time.perf_counter()
if sys.argv[3] == "linreg":
    from linreg.models import Ridge
else:
    from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, KFold
search = GridSearchCV(Ridge(), {"alpha": np.logspace(-3, 3, 13)}, cv=KFold(5), n_jobs=2).fit(X, y)
seconds = time.perf_counter() - start
from joblib import Parallel, delayed
def torch_loaded():
    return "torch" in sys.modules
workers = Parallel(n_jobs=2)(delayed(torch_loaded)() for _ in range(4))
print(json.dumps({"seconds": seconds, "scores": search.cv_results_["mean_test_score"].tolist(),
                  "torch": "torch" in sys.modules or any(workers)}))
"""


# One fresh process: the library's import, then its first LinearRegression fit, each timed from the start
# (NumPy, which both sides need, is imported before the clock starts).
FIRST_FIT = """
import json, sys, time
import numpy as np
X, y = np.load(sys.argv[1]), np.load(sys.argv[2])
start = time.perf_counter()
if sys.argv[3] == "linreg":
    import linreg.models as lib
else:
    import sklearn.linear_model as lib
imported = time.perf_counter() - start
coef = lib.LinearRegression().fit(X, y).coef_
print(json.dumps({"import": imported, "seconds": time.perf_counter() - start, "scores": coef.tolist(),
                  "torch": "torch" in sys.modules}))
"""


def fresh_runs(script: str, X: np.ndarray, y: np.ndarray, repeats: int) -> dict[str, list[dict]]:
    """Each side's JSON lines from ``repeats`` fresh processes running ``script``, alternating linreg,
    scikit-learn, scikit-learn, linreg, …"""
    with tempfile.TemporaryDirectory() as tmp:
        paths = [os.path.join(tmp, "X.npy"), os.path.join(tmp, "y.npy")]
        np.save(paths[0], X)
        np.save(paths[1], y)

        def run(side: str) -> dict:
            out = subprocess.run(
                [sys.executable, "-c", script, *paths, side], capture_output=True, text=True, check=True
            )
            return json.loads(out.stdout.strip().splitlines()[-1])

        runs: dict[str, list[dict]] = {"linreg": [], "sklearn": []}
        for i in range(repeats):
            for side in ("linreg", "sklearn") if i % 2 == 0 else ("sklearn", "linreg"):
                runs[side].append(run(side))
    return runs


def fresh_pairs(runs: dict[str, list[dict]], key: str = "seconds") -> tuple[float, float, float, float, float]:
    """``pairs()``'s numbers from ``fresh_runs()``: the medians and the quartiles of the per-pair ratio."""
    t_ours = np.array([r[key] for r in runs["linreg"]])
    t_ref = np.array([r[key] for r in runs["sklearn"]])
    q1, q2, q3 = np.quantile(t_ours / t_ref, [0.25, 0.5, 0.75])
    return float(np.median(t_ours)), float(np.median(t_ref)), float(q1), float(q2), float(q3)


def scores_delta(runs: dict[str, list[dict]]) -> float:
    """Δ of the first pair's ``scores`` (the search's mean test scores, the fit's coefficients)."""
    ours, ref = np.array(runs["linreg"][0]["scores"]), np.array(runs["sklearn"][0]["scores"])
    return float(np.abs(ours - ref).max() / max(float(np.abs(ref).max()), 1e-300))


def torch_seen(runs: dict[str, list[dict]]) -> bool:
    return any(r["torch"] for r in runs["linreg"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=25, help="pairs per single-fit row (default 25)")
    ap.add_argument("--cv-repeats", type=int, default=7, help="pairs per CV row (default 7)")
    ap.add_argument("--search-repeats", type=int, default=5, help="pairs of fresh processes (default 5)")
    ap.add_argument("--only", default="", help="run only the rows whose label contains this (case ignored)")
    args = ap.parse_args()
    wanted = lambda label: args.only.lower() in label.lower()

    import statsmodels.api as sm
    from sklearn import linear_model as sk
    from sklearn.datasets import load_diabetes, make_regression
    from sklearn.model_selection import KFold, cross_val_score

    import linreg.models as lr
    from linreg.models.stats.blas import CPU_BLAS, cpu_pass

    datasets = {"442×10": load_diabetes(return_X_y=True)}
    X, y = make_regression(n_samples=20_000, n_features=20, n_informative=15, noise=10.0, random_state=0)
    datasets["20000×20"] = (X, y)
    # Same folds on both sides: scikit-learn's default cv=5 is KFold(5) without shuffling.
    folds5, folds10 = KFold(5), KFold(10)
    rows = [  # (label, linreg factory, scikit-learn factory, target, repeats kind)
        ("OLS", lambda: lr.LinearRegression(), lambda: sk.LinearRegression(), 1.2, "single"),
        ("Ridge(alpha=1)", lambda: lr.Ridge(alpha=1.0), lambda: sk.Ridge(alpha=1.0), 1.2, "single"),
        ("Lasso(alpha=0.1)", lambda: lr.Lasso(alpha=0.1), lambda: sk.Lasso(alpha=0.1), 1.2, "single"),
        (
            "ElasticNet(alpha=0.1)",
            lambda: lr.ElasticNet(alpha=0.1, l1_ratio=0.5),
            lambda: sk.ElasticNet(alpha=0.1, l1_ratio=0.5),
            1.2,
            "single",
        ),
        ("RidgeCV (leave-one-out)", lambda: lr.RidgeCV(), lambda: sk.RidgeCV(), 1.2, "single"),
        ("LassoCV(cv=5)", lambda: lr.LassoCV(cv=folds5), lambda: sk.LassoCV(cv=folds5), 1.2, "cv"),
        ("ElasticNetCV(cv=5)", lambda: lr.ElasticNetCV(cv=folds5), lambda: sk.ElasticNetCV(cv=folds5), 1.2, "cv"),
    ]

    print(
        f"CPU: {cpu_name()} ({os.cpu_count()} logical cores; a shared machine: other work runs beside this)\n"
        f"statistics pass: {cpu_pass(442, 10)} at 442×10, {cpu_pass(20_000, 20)} at 20000×20 (choice {CPU_BLAS!r}; "
        f"LINREG_CPU_BLAS={os.environ.get('LINREG_CPU_BLAS', '<unset>')}); "
        f"Python {platform.python_version()}, NumPy {np.__version__}\n"
        f"fit + predict, float64 NumPy input; median of {args.repeats} interleaved pairs "
        f"({args.cv_repeats} for the CV rows) after one warm-up each; the import, first-fit and first-search rows: "
        f"{args.search_repeats} pairs of fresh processes\n"
    )
    header = (
        f"{'estimator':<34} {'data':<9} {'linreg':>9} {'reference':>9} {'ratio':>6} {'(quartiles)':>13} {'target':>7}"
    )
    print(header + "   Δ")
    print("-" * (len(header) + 10))
    missed = 0

    def line(label, data, t_ours, t_ref, q1, q2, q3, target, err):
        nonlocal missed
        ok = q2 <= target
        missed += not ok
        print(
            f"{label:<34} {data:<9} {t_ours * 1e3:7.2f}ms {t_ref * 1e3:7.2f}ms {q2:5.2f}× "
            f"({q1:4.2f}–{q3:4.2f}) {'≤' if ok else '>'}{target:4.1f}×   {'' if err is None else f'{err:.1e}'}"
        )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarnings of either side at the default tolerances
        for data, (X, y) in datasets.items():
            for label, ours, ref, target, kind in rows:
                if not wanted(label):
                    continue
                fit_ours = lambda ours=ours: ours().fit(X, y).predict(X)
                fit_ref = lambda ref=ref: ref().fit(X, y).predict(X)
                a, b = fit_ours(), fit_ref()
                err = float(np.abs(a - b).max() / np.abs(b).max())
                reps = args.repeats if kind == "single" else args.cv_repeats
                line(label, data, *pairs(fit_ours, fit_ref, reps), target, err)
            if wanted("cross_val_score(OLS, cv=10)"):
                cvs = lambda est: cross_val_score(est, X, y, cv=folds10)
                err = float(np.abs(cvs(lr.LinearRegression()) - cvs(sk.LinearRegression())).max())
                timed = pairs(lambda: cvs(lr.LinearRegression()), lambda: cvs(sk.LinearRegression()), args.cv_repeats)
                line("cross_val_score(OLS, cv=10)", data, *timed, 1.2, err)

        X, y = datasets["442×10"]
        X1 = sm.add_constant(X)

        def ours():
            r = lr.LinearRegression(inference=True).fit(X, y).results_
            return r.bse, r.pvalues, r.fvalue

        def ref():
            r = sm.OLS(y, X1).fit()
            return r.bse, r.pvalues, r.fvalue

        if wanted("inference=True vs statsmodels OLS"):
            err = float(np.abs(ours()[0] - ref()[0]).max() / np.abs(ref()[0]).max())
            line("inference=True vs statsmodels OLS", "442×10", *pairs(ours, ref, args.repeats), 3.0, err)

    fresh_torch = []
    if wanted("import linreg.models") or wanted("import + first fit"):
        runs = fresh_runs(FIRST_FIT, X, y, args.search_repeats)
        if wanted("import linreg.models"):
            line("import linreg.models", "", *fresh_pairs(runs, "import"), 1.2, None)
        if wanted("import + first fit"):
            line("import + first fit (OLS)", "442×10", *fresh_pairs(runs), 1.2, scores_delta(runs))
        fresh_torch.append(("the first fit's process", torch_seen(runs)))
    if wanted("first GridSearchCV(n_jobs=2)"):
        runs = fresh_runs(FIRST_SEARCH, X, y, args.search_repeats)
        line("first GridSearchCV(n_jobs=2)", "442×10", *fresh_pairs(runs), 1.3, scores_delta(runs))
        fresh_torch.append(("the first search's process or workers", torch_seen(runs)))

    yes_no = lambda flag: "yes" if flag else "no"
    fresh = "".join(f"; by {where}: {yes_no(seen)}" for where, seen in fresh_torch)
    fits = yes_no("torch" in sys.modules)
    print(f"\n{missed} row(s) miss their target. torch imported by this run's linreg fits: {fits}{fresh}.")


if __name__ == "__main__":
    main()
