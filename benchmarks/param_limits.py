"""What one param at an extreme costs: each stage's seconds, on the tests' tiny params plus overrides.

The stages run in-process (their ``main(root)``, as ``dvc repro`` runs them) in a temporary copy of
the project, from validate through evaluate (or the benchmark stage), and the script prints each
stage's wall time. docs/performance.md, "Limits of the params", holds what it measured and why the
schema's maxima are where they are.

Run: ``python benchmarks/param_limits.py train.gd.max_epochs=1000000 evaluate.bootstrap_resamples=100000``
(each ``key=value`` is one run; values are read as YAML, so ``1e-9`` is a float).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.conftest import TINY, deep_update, repo_params  # noqa: E402  (the tests' tiny params)

STAGES = ["validate", "generate", "split", "scale", "lessons", "train", "evaluate"]


def nested(key: str, value: object) -> dict:
    out: dict = {}
    node = out
    parts = key.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return out


def run(key: str, value: object) -> dict[str, float]:
    import importlib

    stages = ["validate", "benchmark"] if key.startswith("benchmark.") else STAGES
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copy(REPO / "dvc.yaml", root / "dvc.yaml")
        shutil.copytree(REPO / "data" / "external", root / "data" / "external")
        params = deep_update(deep_update(repo_params(), TINY), nested(key, value))
        (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
        seconds = {}
        for name in stages:
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                importlib.import_module(f"stages.{name}").main(root)
            seconds[name] = time.perf_counter() - start
        return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("overrides", nargs="+", help="key=value, e.g. train.gd.max_epochs=1000000")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))  # stages/ as a package, as the tests import it
    for item in args.overrides:
        key, _, text = item.partition("=")
        seconds = run(key, yaml.safe_load(text))
        cells = "  ".join(f"{name} {s:.1f} s" for name, s in seconds.items())
        print(f"{key} = {text}: {cells}  (total {sum(seconds.values()):.1f} s)", flush=True)


if __name__ == "__main__":
    main()
