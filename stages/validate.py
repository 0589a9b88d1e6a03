"""Stage validate: check every param, the device and the user's CSV before any stage touches an output.

DVC deletes a stage's outputs just before running it, so a stage that rejected a
bad param would already have lost its previous results. Every stage therefore
depends on this one: it runs first whenever params.yaml (or the CSV) changes, and
when it fails DVC stops before anything else is removed.

Inputs:  params.yaml (all of it), data/external/ (a user CSV)
Outputs: data/validated.json (always the same bytes, so passing never re-runs anything)
"""

from __future__ import annotations

# isort: off
import linreg.pipeline.interrupts  # noqa: F401  (first: Ctrl-C while the libraries load prints one line)
# isort: on

from pathlib import Path

from linreg.pipeline import io, stage
from linreg.pipeline.log import setup_logging
from linreg.pipeline.params import stage_params
from linreg.pipeline.paths import project_paths
from linreg.pipeline.preflight import GROUPS, preflight


def main(root: Path | None = None) -> None:
    log = setup_logging("validate")
    paths = project_paths(root)
    view = stage_params(paths, "validate")
    checked = preflight(paths, *(getattr(view, group) for group in GROUPS))
    io.write_json(paths.validated, {"valid": True})
    log.info("params.yaml is valid; %s", checked)


if __name__ == "__main__":
    stage.run(main, "validate", deletes_outputs=False)
