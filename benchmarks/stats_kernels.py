"""Which way of forming the statistics is fastest on a GPU, at what accuracy?

At n = 10^7, p = 100 (override with --n, --p), for each variant of the
statistics pass: median time, its ratio to one ``X.T @ X`` on the same device
measured in the same run, and the largest Gram error on the equilibrated scale
(|ΔG_ij| / √(G_ii G_jj)) against the Gram formed in float64 from the same data.
Variants: batched chunk products (chunks of 8192, the default, and 65536) and
one GEMM per 2^20-row block (float64), each on centred and on offset data. This
is the evidence behind the defaults in ``linreg.models.stats``; run it on a GPU.
(A fused Triton kernel reading X once was tried here too: correct, but 32 ms
against 14.7 ms for the batched products at n = 10⁷, p = 100 on an H100, so it
was removed; see the git history.)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "src")]

import torch  # noqa: E402

from linreg.models._device import synchronize  # noqa: E402
from linreg.models.stats import compute_stats  # noqa: E402
from linreg.pipeline.timing import measure  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--p", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    sync = lambda: synchronize(device)  # noqa: E731
    g = torch.Generator(device=device).manual_seed(0)
    print(f"n={args.n:,} p={args.p} on {device} ({torch.cuda.get_device_name() if device.type == 'cuda' else 'cpu'})")
    print(f"{'variant':<34} {'data':<8} {'dtype':<8} {'median ms':>10} {'÷ XᵀX':>7} {'gram err':>9}")
    for dtype in (torch.float32, torch.float64):
        X = torch.randn(args.n, args.p, device=device, dtype=dtype, generator=g)
        X[:, 1:] = 0.8 * X[:, 1:] + 0.6 * X[:, :-1]
        y = X[:, : max(1, args.p // 5)].sum(1) + torch.randn(args.n, device=device, dtype=dtype, generator=g)
        unit = measure(lambda: X.T @ X, warmup=1, repeats=args.repeats, sync=sync).median
        for data in ("centred", "offset"):
            Xd = X if data == "centred" else X + 10.0
            Xe = Xd.double()
            exact = compute_stats(Xe, y.double(), dtype=torch.float64, device=device, chunk_rows=args.n)
            del Xe
            d = torch.sqrt(torch.diagonal(exact.gram))
            variants = {
                "chunks of 8192": {},
                "chunks of 8192, from host": dict(host=True),
                "chunks of 65536": dict(chunk_rows=65536),
            }
            if dtype == torch.float64:
                variants["one GEMM per 2^20 rows"] = dict(chunk_rows=2**20)
            host = (Xd.cpu(), y.cpu()) if any(v.get("host") for v in variants.values()) else None
            for name, kw in variants.items():
                src = host if kw.pop("host", False) else (Xd, y)
                try:
                    run = lambda: compute_stats(*src, dtype=dtype, device=device, **kw)  # noqa: E731
                    st = run()
                    t = measure(run, warmup=1, repeats=args.repeats, sync=sync).median
                    err = float(((st.gram.to(d) - exact.gram) / torch.outer(d, d)).abs().max())
                    print(f"{name:<34} {data:<8} {str(dtype)[6:]:<8} {t * 1e3:10.2f} {t / unit:7.2f} {err:9.2e}")
                except Exception as exc:  # an experiment: report and go on
                    print(f"{name:<34} {data:<8} {str(dtype)[6:]:<8} failed: {type(exc).__name__}: {exc}"[:400])
        print(f"{'one X.T @ X':<34} {'':<8} {str(dtype)[6:]:<8} {unit * 1e3:10.2f} {1:7.2f}")
        X = y = None  # free the GPU for the next dtype


if __name__ == "__main__":
    main()
