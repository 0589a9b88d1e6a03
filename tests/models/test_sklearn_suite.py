"""scikit-learn's own linear_model tests, with linreg's estimators swapped in as a user would swap imports.

Runs the three test files of the installed scikit-learn in a subprocess
(``tests/models/sklearn_suite/swap_plugin.py`` rebinds the nine names linreg offers), then
holds the result to the ratchet and the lists of deliberate differences in
``tests/models/sklearn_suite/expected.py``. About two minutes on 2 cores.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
import sklearn

from .sklearn_suite.expected import (
    BLAS_SENSITIVE,
    DIFFERENCES,
    FUTURE_WARNING_ONLY,
    PASSED_AT_LEAST,
    PASSED_SHARE_AT_LEAST,
)

pytestmark = pytest.mark.slow  # about two minutes: scikit-learn's own test files (make test-fast skips it)

SUITE = ["test_base.py", "test_ridge.py", "test_coordinate_descent.py"]
HERE = Path(__file__).parent / "sklearn_suite"


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    tests = Path(sklearn.__file__).parent / "linear_model" / "tests"
    work = tmp_path_factory.mktemp("sklearn_suite")
    report = work / "report.json"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
        "LINREG_SKLEARN_SUITE_REPORT": str(report),
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "swap_plugin",
            "-p",
            "no:cacheprovider",
            "-q",
            "--tb=no",
            "--continue-on-collection-errors",
            *(str(tests / f) for f in SUITE),
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert report.is_file(), f"the suite did not finish:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    data = json.loads(report.read_text())
    name = lambda nodeid: nodeid.split("::", 1)[1]  # noqa: E731  (no machine-specific path)
    outcomes = {name(k): v for k, v in data["outcomes"].items() if "::" in k}
    collection_errors = [k for k, v in data["outcomes"].items() if v == "collection-error"]
    counted = {name(k) for k in data["uses"]}
    reasons = {name(k): v for k, v in data["reasons"].items() if "::" in k}
    return outcomes, counted, collection_errors, reasons


NO_VERDICT = ("skipped", "xfailed")  # the test stopped itself (pytest.skip/pytest.xfail) before any verdict


def _share(outcomes, counted):
    """Passing share of the tests that reach a verdict on linreg (see expected.py for the three exclusions).

    The tests in BLAS_SENSITIVE count for neither side: their outcome is decided by the last bits of
    the statistics pass, so it differs between machines while linreg does not.
    """
    counted = counted - set(BLAS_SENSITIVE)
    passed = sum(outcomes.get(t) == "passed" for t in counted)
    warning_only = sum(outcomes.get(t) == "failed" and base(t) in FUTURE_WARNING_ONLY for t in counted)
    no_verdict = sum(outcomes.get(t) in NO_VERDICT for t in counted)
    return passed, warning_only, no_verdict, passed / (len(counted) - warning_only - no_verdict)


def base(test: str) -> str:
    return re.sub(r"\[.*\]$", "", test)


def test_every_test_module_imports_with_linreg_swapped_in(suite):
    _, _, collection_errors, _ = suite
    assert collection_errors == []  # test_ridge.py used to fail at import: Ridge(solver="svd")


def test_passing_count_only_goes_up(suite):
    outcomes, counted, _, _ = suite
    passed, warning_only, no_verdict, share = _share(outcomes, counted)
    sensitive = sum(outcomes.get(t) == "passed" for t in BLAS_SENSITIVE)
    print(
        f"\nscikit-learn's linear_model tests with linreg's nine names swapped in: {passed} of "
        f"{len(counted) - len(BLAS_SENSITIVE)} counted pass; {warning_only} fail only on scikit-learn's "
        f"FutureWarning; {no_verdict} skip or xfail themselves; {share:.1%} of the rest pass; and "
        f"{sensitive} of the {len(BLAS_SENSITIVE)} decided by the last bits of the statistics pass"
    )
    assert len(counted) >= 1000  # the swap took effect: the suite uses linreg's names
    assert passed >= PASSED_AT_LEAST, f"{passed} pass, the ratchet says {PASSED_AT_LEAST}"
    assert share >= PASSED_SHARE_AT_LEAST


def test_tests_without_a_verdict_have_none_with_scikit_learns_estimators_either(suite, tmp_path):
    # The share leaves out tests that skip or xfail themselves; that is fair only if they do so
    # whatever the estimator (scikit-learn's unconditional xfail for sag/saga, its skip for cholesky
    # on singular X...). Run exactly those tests again, nothing swapped, and expect the same outcomes.
    outcomes, counted, _, _ = suite
    ours = {t: outcomes[t] for t in counted if outcomes.get(t) in NO_VERDICT}
    assert ours, "no test stopped itself: drop NO_VERDICT from the share"
    tests = Path(sklearn.__file__).parent / "linear_model" / "tests"
    sources = {f: (tests / f).read_text() for f in SUITE}  # each file read once
    where = {
        t: f for f, text in sources.items() for t in ours if re.search(rf"^def {re.escape(base(t))}\(", text, re.M)
    }
    assert set(where) == set(ours), sorted(set(ours) - set(where))
    junit = tmp_path / "junit.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", f"--junitxml={junit}"]
        + [f"{tests / where[t]}::{t}" for t in sorted(ours)],
        cwd=tmp_path,
        capture_output=True,
        timeout=600,
    )
    theirs = {}
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        skipped = case.find("skipped")
        kind = None if skipped is None else ("xfailed" if skipped.get("type") == "pytest.xfail" else "skipped")
        theirs[case.get("name")] = kind or ("failed" if len(case) else "passed")
    assert theirs == ours


def test_every_failure_is_a_listed_deliberate_difference(suite):
    outcomes, counted, _, _ = suite
    failing = sorted(t for t in counted if outcomes.get(t) == "failed")
    unexplained = [
        t
        for t in failing
        if base(t) not in DIFFERENCES and base(t) not in FUTURE_WARNING_ONLY and t not in BLAS_SENSITIVE
    ]
    assert unexplained == [], "new failures (fix them, or list them with a reason in sklearn_suite/expected.py)"


def test_the_future_warning_failures_miss_only_the_warning(suite):
    # pytest.warns' own failure is the whole reason: nothing else in those tests failed first.
    outcomes, counted, _, reasons = suite
    for t in counted - set(BLAS_SENSITIVE):
        if outcomes.get(t) == "failed" and base(t) in FUTURE_WARNING_ONLY:
            assert re.match(r"Failed: DID NOT WARN. No warnings of type \(<class 'FutureWarning'>,\)", reasons[t]), (
                t,
                reasons[t],
            )


def test_listed_differences_still_differ(suite):
    # A listed difference that now passes should leave the list (and raise the ratchet).
    outcomes, counted, _, _ = suite
    for listed in {**DIFFERENCES, **FUTURE_WARNING_ONLY}:
        runs = [t for t in counted if base(t) == listed]
        assert runs and any(outcomes.get(t) == "failed" for t in runs), f"{listed} no longer fails: drop it"


def test_the_tests_decided_by_the_last_bits_are_counted_tests(suite):
    # The set that may go either way names real counted tests, and no more of them than measured:
    # a name that left the suite, or a listed difference, does not belong there.
    outcomes, counted, _, _ = suite
    assert set(BLAS_SENSITIVE) <= counted, sorted(set(BLAS_SENSITIVE) - counted)
    assert not {base(t) for t in BLAS_SENSITIVE} & set(DIFFERENCES)
