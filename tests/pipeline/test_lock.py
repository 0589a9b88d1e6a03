"""The committed dvc.lock is current, and the data it records are what any machine rebuilds.

A fresh copy of the project (code, params, dvc.yaml, dvc.lock; no outputs) must show
no changed dependency in ``dvc status``; rebuilding the data stages there must leave
dvc.lock byte-identical: the generate, split and scale hashes are the same everywhere.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ..conftest import REPO, copy_project, git_commit_all, needs_dvc, sh

pytestmark = [pytest.mark.slow, needs_dvc]

COPIED = [
    "dvc.yaml",
    "dvc.lock",
    "params.yaml",
    ".dvcignore",
    ".dvc/config",
    ".dvc/plots",
    "stages",
    "src",
    "reports/report.qmd",
    "reports/chapters",
    "reports/reference",
    "data/external",
]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("fresh"), COPIED)
    git_commit_all(root, "fresh")
    return root


def test_no_dependency_changed_since_the_lock_was_written(fresh):
    done = subprocess.run([sys.executable, "-m", "dvc", "status", "--json"], cwd=fresh, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    # Outputs of earlier stages are absent in a fresh copy ("deleted"); anything else is a change.
    changed = {
        stage: {dep: what for dep, what in change["changed deps"].items() if what != "deleted"}
        for stage, changes in status.items()
        for change in changes
        if isinstance(change, dict) and "changed deps" in change
    }
    changed = {stage: deps for stage, deps in changed.items() if deps}
    assert not changed, "dvc.lock is stale (run `make run` and commit dvc.lock): " + json.dumps(changed)


def test_rebuilt_data_match_the_committed_hashes(fresh):
    sh(fresh, sys.executable, "-m", "dvc", "repro", "scale")  # generate, split, scale
    assert (fresh / "dvc.lock").read_text() == (REPO / "dvc.lock").read_text()
