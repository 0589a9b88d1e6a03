"""pytest plugin: run scikit-learn's own linear_model tests with linreg's estimators swapped in.

Exactly what a user does by changing one import line: the nine names linreg
offers (``LinearRegression``, ``Ridge``, ``Lasso``, ``ElasticNet``, ``RidgeCV``,
``LassoCV``, ``ElasticNetCV``, ``lasso_path``, ``enet_path``) are rebound in
``sklearn.linear_model`` to linreg's before the test modules import them;
everything else (MultiTask*, helpers, private solvers) stays scikit-learn's.
Each test's outcome is recorded, with which of linreg's names it used (those
are the tests that exercise them) and, for a failure, its one-line reason, in
the JSON file named by ``LINREG_SKLEARN_SUITE_REPORT``. A test that calls
``pytest.xfail`` itself is recorded as "xfailed", apart from "skipped".
"""

from __future__ import annotations

import functools
import json
import os

import sklearn.linear_model as linear_model

from linreg import models

SWAPPED = {
    "LinearRegression": models.LinearRegression,
    "Ridge": models.Ridge,
    "Lasso": models.Lasso,
    "ElasticNet": models.ElasticNet,
    "RidgeCV": models.RidgeCV,
    "LassoCV": models.LassoCV,
    "ElasticNetCV": models.ElasticNetCV,
}
FUNCTIONS = {"lasso_path": models.lasso_path, "enet_path": models.enet_path}
_current: list[str | None] = [None]
_used: dict[str, set[str]] = {}  # test → the linreg names it used
_outcomes: dict[str, str] = {}
_reasons: dict[str, str] = {}  # failed test → its crash message, first line


def _note(name: str) -> None:
    if _current[0] is not None:
        _used.setdefault(_current[0], set()).add(name)


def _record_construction(cls: type) -> None:
    original = cls.__dict__["__init__"]

    @functools.wraps(original)  # keeps the signature that get_params reads
    def __init__(self, *args, **kwargs):
        # The most derived of linreg's classes (a Lasso, not the ElasticNet its __init__ calls).
        _note(next(c.__name__ for c in type(self).__mro__ if SWAPPED.get(c.__name__) is c))
        original(self, *args, **kwargs)

    cls.__init__ = __init__


def _record_call(name: str, fn):
    @functools.wraps(fn)
    def call(*args, **kwargs):
        _note(name)
        return fn(*args, **kwargs)

    return call


def _perturbed(compute_stats, seed: int, ulps: float):
    """compute_stats with every statistic moved by up to ``ulps`` units of roundoff, as another BLAS would.

    Which tests change outcome then tells which depend on the last bits of the statistics pass
    (expected.BLAS_SENSITIVE). The noise is a function of the statistics themselves, so the same
    data gives the same statistics twice, as with any one BLAS.
    """
    import zlib

    import numpy as np
    import torch

    u = np.finfo(np.float64).eps / 2

    def wrapper(*args, **kwargs):
        st = compute_stats(*args, **kwargs)
        gram = st.gram.cpu().numpy()
        rng = np.random.default_rng([seed, zlib.crc32(gram.tobytes())])
        move = lambda a, r: torch.as_tensor(a * (1 + ulps * u * r), device=st.device)  # noqa: E731
        r = rng.uniform(-1, 1, gram.shape)
        return type(st)(
            n=st.n,
            x_mean=st.x_mean,
            y_mean=st.y_mean,
            gram=move(gram, (r + r.T) / 2),  # still exactly symmetric
            xty=move(st.xty.cpu().numpy(), rng.uniform(-1, 1, st.xty.shape)),
            yty=move(st.yty.cpu().numpy(), rng.uniform(-1, 1, st.yty.shape)),
            center=st.center,
            rows=st.rows,
            underflow=st.underflow,
        )

    return wrapper


if os.environ.get("LINREG_SKLEARN_SUITE_PERTURB"):  # "seed" or "seed,ulps": see _perturbed
    import importlib

    _seed, _, _ulps = os.environ["LINREG_SKLEARN_SUITE_PERTURB"].partition(",")
    _compute = _perturbed(importlib.import_module("linreg.models.stats").compute_stats, int(_seed), float(_ulps or 4))
    for _module in ("stats", "_folds", "_enet_path", "_base", "_dask_arrays"):
        _mod = importlib.import_module(f"linreg.models.{_module}")
        if hasattr(_mod, "compute_stats"):
            _mod.compute_stats = _compute

for _name, _cls in SWAPPED.items():
    _record_construction(_cls)
    setattr(linear_model, _name, _cls)
for _name, _fn in FUNCTIONS.items():
    setattr(linear_model, _name, _record_call(_name, _fn))


def pytest_runtest_setup(item):
    _current[0] = item.nodeid


def pytest_runtest_teardown(item):
    _current[0] = None


def pytest_runtest_logreport(report):
    if report.when == "call" or report.outcome != "passed":
        previous = _outcomes.get(report.nodeid)
        if previous in (None, "passed"):
            # pytest.xfail() inside a test reports "skipped" with wasxfail: keep the two apart.
            xfailed = report.outcome == "skipped" and hasattr(report, "wasxfail")
            _outcomes[report.nodeid] = "xfailed" if xfailed else report.outcome
        crash = getattr(report.longrepr, "reprcrash", None)
        if report.failed and crash is not None and report.nodeid not in _reasons:
            _reasons[report.nodeid] = crash.message.strip().splitlines()[0] if crash.message.strip() else ""


def pytest_collectreport(report):
    if report.failed:
        _outcomes[report.nodeid] = "collection-error"


def pytest_sessionfinish(session):
    path = os.environ.get("LINREG_SKLEARN_SUITE_REPORT")
    if path:
        with open(path, "w") as f:
            used = {test: sorted(names) for test, names in _used.items()}
            json.dump({"outcomes": _outcomes, "uses": used, "reasons": _reasons}, f, indent=0, sort_keys=True)
