"""pytest plugin: run scikit-learn's own linear_model tests with linreg's estimators swapped in.

Exactly what a user does by changing one import line: the names
``LinearRegression``, ``Ridge``, ``Lasso`` and ``ElasticNet`` in
``sklearn.linear_model`` are rebound to linreg's classes before the test
modules import them; everything else (RidgeCV, helpers, private solvers) stays
scikit-learn's. Each test's outcome is recorded, with whether it constructed
one of linreg's estimators (those are the tests that exercise them), in the
JSON file named by ``LINREG_SKLEARN_SUITE_REPORT``.
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
}
# LINREG_SKLEARN_SUITE_SWAP=nine also rebinds the CV estimators and the path functions: issue #26's
# measurement (the committed ratchet runs the four above; see docs/models.md for the nine-name counts).
NINE = os.environ.get("LINREG_SKLEARN_SUITE_SWAP") == "nine"
if NINE:
    SWAPPED.update(RidgeCV=models.RidgeCV, LassoCV=models.LassoCV, ElasticNetCV=models.ElasticNetCV)
FUNCTIONS = {"lasso_path": models.lasso_path, "enet_path": models.enet_path} if NINE else {}
_current: list[str | None] = [None]
_used: set[str] = set()
_outcomes: dict[str, str] = {}


def _record_construction(cls: type) -> None:
    original = cls.__dict__["__init__"]

    @functools.wraps(original)  # keeps the signature that get_params reads
    def __init__(self, *args, **kwargs):
        if _current[0] is not None:
            _used.add(_current[0])
        original(self, *args, **kwargs)

    cls.__init__ = __init__


def _record_call(fn):
    @functools.wraps(fn)
    def call(*args, **kwargs):
        if _current[0] is not None:
            _used.add(_current[0])
        return fn(*args, **kwargs)

    return call


for _name, _cls in SWAPPED.items():
    _record_construction(_cls)
    setattr(linear_model, _name, _cls)
for _name, _fn in FUNCTIONS.items():
    setattr(linear_model, _name, _record_call(_fn))


def pytest_runtest_setup(item):
    _current[0] = item.nodeid


def pytest_runtest_teardown(item):
    _current[0] = None


def pytest_runtest_logreport(report):
    if report.when == "call" or report.outcome != "passed":
        previous = _outcomes.get(report.nodeid)
        if previous in (None, "passed"):
            _outcomes[report.nodeid] = report.outcome


def pytest_collectreport(report):
    if report.failed:
        _outcomes[report.nodeid] = "collection-error"


def pytest_sessionfinish(session):
    path = os.environ.get("LINREG_SKLEARN_SUITE_REPORT")
    if path:
        with open(path, "w") as f:
            json.dump({"outcomes": _outcomes, "exercises_linreg": sorted(_used)}, f, indent=0, sort_keys=True)
