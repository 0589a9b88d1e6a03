"""How close is training to the cost of reading the data once?

Prints, at n = 1,000,000 and p = 100 in float64 on the CPU, the median time of
each fit divided by the median time of one XᵀX product, all measured side by
side in this run (warm-up discarded, median of repeats):

* OLS fit (ours, scikit-learn, statsmodels) ÷ one XᵀX          target ≤ 1.3 for ours
* every default variant (OLS, full-batch GD to tolerance, 50-alpha ridge,
  lasso and elastic-net paths with validation selection) ÷ one XᵀX   target ≤ 4
* lasso path on 50 alphas, ours against sklearn.linear_model.lasso_path on the
  same alphas and tolerance (their duality gaps are printed): target faster

Run: ``make bench`` (or ``python benchmarks/train_speed.py --n 200000`` for a quick look).
"""

from __future__ import annotations

import argparse
import statistics
import time
from types import SimpleNamespace

import numpy as np
import torch

from linreg.data.scale import Scaler
from linreg.models import LinearRegression
from linreg.models.enet import duality_gap
from linreg.models.path import enet_alpha_grid, enet_path
from linreg.models.stats import compute_stats
from linreg.training import Split, TrainingData, train_variants


def timeit(fn, repeats: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def make_data(n: int, p: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    chol = np.linalg.cholesky(0.5 ** np.abs(np.subtract.outer(range(p), range(p))))
    beta = np.where(np.arange(p) < p // 5, rng.uniform(-2, 2, p), 0.0)

    def draw(m):
        X = rng.standard_normal((m, p)) @ chol.T
        return X, 3.0 + X @ beta + rng.standard_normal(m)

    return draw(n), draw(n // 4)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--p", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(torch.get_num_threads())
    (X, y), (Xv, yv) = make_data(args.n, args.p)
    Xt = torch.from_numpy(X)
    cpu = torch.device("cpu")
    r = args.repeats
    print(f"n={args.n:,} p={args.p} float64, {torch.get_num_threads()} threads, torch {torch.__version__}, "
          f"median of {r} after 1 warm-up\n")

    t_np = timeit(lambda: X.T @ X, r)
    t_torch = timeit(lambda: Xt.T @ Xt, r)
    unit = min(t_np, t_torch)  # the faster library's XᵀX is the honest yardstick
    print(f"one XᵀX: numpy {t_np:.3f} s, torch {t_torch:.3f} s  → unit = {unit:.3f} s\n")
    rows = []

    def report(label, seconds, target=None):
        ratio = seconds / unit
        verdict = "" if target is None else ("  meets ≤ %.1f" % target if ratio <= target else "  MISSES ≤ %.1f" % target)
        rows.append((label, seconds, ratio))
        print(f"{label:<48} {seconds:8.3f} s  {ratio:7.2f} × XᵀX{verdict}")

    report("stats: [X|1|y]ᵀ[X|1|y], one chunked pass",
           timeit(lambda: compute_stats(X, y, dtype=torch.float64, device=cpu), r))
    report("OLS fit, linreg", timeit(lambda: LinearRegression(device="cpu").fit(X, y), r), 1.3)

    from sklearn.linear_model import LinearRegression as SkOLS, lasso_path
    import statsmodels.api as sm

    report("OLS fit, scikit-learn", timeit(lambda: SkOLS().fit(X, y), r))
    Xc1 = sm.add_constant(X)
    report("OLS fit, statsmodels (constant pre-added)", timeit(lambda: sm.OLS(y, Xc1).fit(), max(1, r - 1)))
    del Xc1

    cfg = SimpleNamespace(
        models=["ols", "gd_batch", "ridge", "lasso", "elastic_net"], ols_solver="auto",
        gd=SimpleNamespace(learning_rate="auto", max_epochs=2000, tol=1e-10, patience=10, batch_size=256),
        path=SimpleNamespace(n_alphas=50, alpha_min_ratio=1e-4, l1_ratio=0.5, solver="cd", tol=1e-10,
                             max_iter=10_000))
    names = [f"x{j}" for j in range(args.p)]
    data = TrainingData(train=Split(X, y), validation=Split(Xv, yv), train_unscaled=Split(X, y),
                        demo=Split(X[:10, :1], y[:10]), feature_names=names,
                        scaler=Scaler("none", names, [0.0] * args.p, [1.0] * args.p, []))
    report("all default variants (OLS, GD, 3 × 50-alpha paths)",
           timeit(lambda: train_variants(data, cfg, seed=0, device=cpu, dtype=torch.float64), r), 4.0)

    # Lasso path at equal tolerance: ours from raw X (statistics included), sklearn's on
    # pre-centered X (centering not charged to it), same alphas, same gap rule (tol · ‖y_c‖²).
    st = compute_stats(X, y, dtype=torch.float64, device=cpu)
    alphas = enet_alpha_grid(st, 1.0, 50, 1e-4)
    tol = 1e-10
    Xc, yc = X - X.mean(0), y - y.mean()

    def ours_path():
        s = compute_stats(X, y, dtype=torch.float64, device=cpu)
        return enet_path(s, alphas, 1.0, solver="cd", tol=tol, max_iter=10_000)

    t_ours = timeit(ours_path, r)
    t_sk = timeit(lambda: lasso_path(Xc, yc, alphas=alphas, tol=tol, max_iter=10_000), r)
    path = ours_path()
    _, sk_coefs, sk_gaps = lasso_path(Xc, yc, alphas=alphas, tol=tol, max_iter=10_000)
    n = len(y)
    our_gap = max(duality_gap(c.numpy(), st.gram.numpy(), st.xty.numpy(), float(st.yty), n * a, 0.0)
                  for c, a in zip(path.coefs, alphas))
    sk_gap = max(duality_gap(c, st.gram.numpy(), st.xty.numpy(), float(st.yty), n * a, 0.0)
                 for c, a in zip(sk_coefs.T, alphas))
    report("lasso path, 50 alphas, linreg (from raw X)", t_ours)
    report("lasso path, 50 alphas, sklearn lasso_path", t_sk)
    print(f"\nlasso path: linreg is {t_sk / t_ours:.1f}× faster than scikit-learn "
          f"({'meets' if t_ours < t_sk else 'MISSES'} 'faster'); largest duality gaps "
          f"(unnormalized, same formula): linreg {our_gap:.3g}, sklearn {sk_gap:.3g}, "
          f"target {tol * float(st.yty):.3g}; max |Δcoef| {np.abs(path.coefs.numpy() - sk_coefs.T).max():.2g}")


if __name__ == "__main__":
    main()
