"""Shared fixtures: a tiny copy of the project in a temporary folder.

Nothing here writes into the repository tree or touches the network.
"""

from __future__ import annotations

import copy
import importlib.util
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
# Every stage a test runs starts cold, in its own interpreter, and no test leaves a warm server behind
# (linreg.pipeline.warm); tests/pipeline/test_warm.py turns it on for the processes it starts.
os.environ["LINREG_WARM"] = "0"
# --doctest-modules (pyproject.toml) imports every module it collects; the sklearn-suite plugin rebinds
# scikit-learn's estimators to linreg's when imported, so only its own subprocess may load it.
collect_ignore_glob = ["models/sklearn_suite/*.py"]

# What some tests need beyond the models: they skip (not fail) where it is missing,
# e.g. on a GPU machine that has torch but not the report's or DVC's toolchain.
HAS_REPORT_TOOLS = all(importlib.util.find_spec(m) for m in ("nbformat", "nbclient", "ipykernel", "pypandoc"))
needs_report_tools = pytest.mark.skipif(
    not HAS_REPORT_TOOLS, reason="the report's Jupyter fallback (nbclient, ipykernel, pypandoc) is not installed"
)
needs_dvc = pytest.mark.skipif(importlib.util.find_spec("dvc") is None, reason="dvc is not installed")

# Small enough that every stage runs in well under a second or two.
TINY = {
    "generate": {"n_samples": 400, "n_features": 6, "n_informative": 3, "demo": {"n_samples": 30}},
    "train": {
        "gd": {"max_epochs": 300, "batch_size": 32},
        "path": {"n_alphas": 8},
        "lr_sweep": {"learning_rates": [0.01, 0.5, 5.0], "epochs": 40},
    },
    "evaluate": {
        "bootstrap_resamples": 20,
        "learning_curve_fractions": [0.25, 0.5, 1.0],
        "poly_max_degree": 6,
        "regimes": [
            {"name": "few rows", "n_samples": 40, "noise_std": 2.0, "correlation": 0.5},
            {"name": "more rows", "n_samples": 200, "noise_std": 1.0, "correlation": 0.5},
        ],
        "regime_repeats": 3,
    },
    "benchmark": {
        "default": {"sizes": [[500, 4]], "repeats": 2, "warmup": 1},
        "gd_epochs": 2,
        "batch_size": 64,
        "n_alphas": 4,
        "p_sweep": {"n": 400, "ps": [2, 8], "tol": 1e-8, "max_epochs": 5000},
    },
    "report": {"engine": "jupyter"},
}


def deep_update(base: dict, overrides: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_update(out[key], value)
        else:
            out[key] = value
    return out


def repo_params() -> dict:
    return yaml.safe_load((REPO / "params.yaml").read_text())


def write_params(root: Path, overrides: dict | None = None) -> dict:
    params = deep_update(deep_update(repo_params(), TINY), overrides or {})
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    return params


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder with dvc.yaml and tiny params.yaml: stages' main(root) run here."""
    shutil.copy(REPO / "dvc.yaml", tmp_path / "dvc.yaml")
    write_params(tmp_path)
    return tmp_path


def run_stages(root: Path, *names: str) -> None:
    """Run stage scripts' main() in order, as DVC would, inside ``root``."""
    import importlib

    for name in names:
        importlib.import_module(f"stages.{name}").main(root)


def files_under(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory):
    """Every stage of dvc.yaml, in order, on tiny params: (root, params read, files written) per stage."""
    import importlib

    from linreg.pipeline import params as params_module

    root = tmp_path_factory.mktemp("pipeline")
    (root / "dvc.yaml").write_text((REPO / "dvc.yaml").read_text())
    copy_report_source(root)
    shutil.copytree(REPO / "reports" / "reference", root / "reports" / "reference")
    shutil.copytree(REPO / "data" / "external", root / "data" / "external")
    write_params(root)
    reads, writes = {}, {}
    for name in yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]:
        if name == "report" and not HAS_REPORT_TOOLS:
            continue
        module = importlib.import_module(f"stages.{name}")
        views = []

        def recording(paths, stage, _views=views):
            view = params_module.stage_params(paths, stage)
            _views.append(view)
            return view

        before = files_under(root)
        original = module.stage_params
        module.stage_params = recording
        try:
            module.main(root)
        finally:
            module.stage_params = original
        writes[name] = files_under(root) - before
        reads[name] = set().union(*(v.read for v in views))
    return root, reads, writes


class TextReader(HTMLParser):
    """The text a reader sees (no tags, no scripts or styles)."""

    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """Rendered text with whitespace collapsed: what assertions compare, never the line layout."""
    reader = TextReader()
    reader.feed(html)
    return " ".join(" ".join(reader.parts).split())


def sh(cwd: Path, *cmd: str) -> str:
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def copy_report_source(root: Path) -> None:
    """The report's source under ``root``: reports/report.qmd and the chapters it includes."""
    (root / "reports").mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "reports" / "report.qmd", root / "reports" / "report.qmd")
    shutil.copytree(REPO / "reports" / "chapters", root / "reports" / "chapters")


def copy_project(root: Path, paths: list[str]) -> Path:
    """A copy of these repository paths under ``root`` (caches left out) committed to a fresh git repo."""
    for rel in paths:
        src, dst = REPO / rel, root / rel
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        elif src.exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, dst)
    return root


def git_commit_all(root: Path, message: str) -> None:
    sh(root, "git", "init", "-q")
    sh(root, "git", "add", "-A")
    sh(root, "git", "commit", "-qm", message)


def chromium_driver(width: int = 1280, height: int = 1600):
    """Headless Debian chromium through selenium, with the network unreachable (every host name fails to
    resolve) and the console and network logs kept; skips, naming what to install, where it is missing."""
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver and importlib.util.find_spec("selenium")):
        pytest.skip(
            "browser tests need Debian's chromium and chromium-driver (`make browser`) and selenium "
            "(`pip install -e '.[dev]'`)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = chromium
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    browser = webdriver.Chrome(service=Service(driver), options=options)
    browser.set_window_size(width, height)
    return browser


def page_requests(browser) -> list[str]:
    """Every URL the page asked for since the last call (from the DevTools network log)."""
    import json

    return [
        json.loads(e["message"])["message"]["params"]["request"]["url"]
        for e in browser.get_log("performance")
        if '"Network.requestWillBeSent"' in e["message"]
    ]
