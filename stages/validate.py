"""Stage validate: check every param, the device and the user's CSV before any stage touches an output.

A bad param found here stops ``dvc repro`` before any other stage starts: every stage depends
on this one, which runs first whenever params.yaml (or the CSV) changes. (A stage that fails
later keeps its previous outputs too: linreg.pipeline.outputs.)

Inputs:  params.yaml (all of it), data/external/ (a user CSV)
Outputs: data/validated.json (always the same bytes, so passing never re-runs anything)
"""

from __future__ import annotations

# isort: off
from linreg.pipeline.warm import delegate

delegate()  # a warm server, where one is listening, runs this stage and this process exits with its status
import linreg.pipeline.interrupts  # noqa: F401  (Ctrl-C while the libraries load prints one line)
# isort: on

from pathlib import Path

from linreg.pipeline import io, stage
from linreg.pipeline.log import setup_logging
from linreg.pipeline.outputs import staged_outputs
from linreg.pipeline.params import stage_params
from linreg.pipeline.paths import project_paths
from linreg.pipeline.preflight import GROUPS, preflight


def main(root: Path | None = None) -> None:
    log = setup_logging("validate")
    paths = project_paths(root)
    view = stage_params(paths, "validate")
    checked = preflight(paths, *(getattr(view, group) for group in GROUPS))
    with staged_outputs(paths, "validate") as out:
        io.write_json(out.validated, {"valid": True})
    log.info("params.yaml is valid; %s", checked)


if __name__ == "__main__":
    stage.run(main, "validate")
