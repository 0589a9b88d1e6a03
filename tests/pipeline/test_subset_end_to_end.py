"""dvc repro with only some model variants (``train.models`` is a subset), as params.yaml invites.

The report must degrade chapter by chapter: say which variant this run did not train and how to add
it back, instead of failing on a figure or a fact that only exists with that variant.
"""

from __future__ import annotations

import sys

import pytest

from ..conftest import copy_project, git_commit_all, needs_dvc, needs_report_tools, sh, visible_text, write_params
from .test_end_to_end import COPIED

pytestmark = [pytest.mark.slow, needs_dvc, needs_report_tools]


def test_a_run_without_ols_and_without_penalties_renders_and_says_what_is_missing(tmp_path):
    root = copy_project(tmp_path, COPIED)
    write_params(root, {"train": {"models": ["gd_batch"]}})
    git_commit_all(root, "tiny, batch GD only")
    sh(root, sys.executable, "-m", "dvc", "repro")
    text = visible_text((root / "reports" / "report.html").read_text())
    # Chapter 3 (no OLS card) and chapter 13 (no regularization-path figure) used to stop the render.
    assert "This run did not train OLS (closed form)" in text
    assert "dvc exp run -S 'train.models=[ols,gd_batch]'" in text
    assert "This run did not train ridge, lasso and elastic net" in text
    assert "dvc exp run -S 'train.models=[gd_batch,ridge,lasso,elastic_net]'" in text
    assert "the differences below are from" not in text  # one model: no paired comparison to make
    assert "Traceback" not in text
