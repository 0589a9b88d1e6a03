"""Stage report: render reports/report.qmd into one self-contained reports/report.html, and write each
teaching chapter's code as a notebook a learner runs alone.

Inputs:  reports/report.qmd, the chapters it includes and every tracked output it reads; params report
Outputs: reports/report.html, reports/notebooks/NN-<topic>.ipynb (no outputs in them), written beside the
         previous ones and swapped in only when both are written (linreg.pipeline.outputs)
"""

from __future__ import annotations

# isort: off
from linreg.pipeline.warm import delegate

delegate()  # a warm server, where one is listening, runs this stage and this process exits with its status
import linreg.pipeline.interrupts  # noqa: F401  (Ctrl-C while the libraries load prints one line)
# isort: on

from pathlib import Path

from linreg.pipeline import stage
from linreg.pipeline.log import setup_logging
from linreg.pipeline.outputs import staged_outputs
from linreg.pipeline.params import stage_params
from linreg.pipeline.paths import project_paths
from linreg.pipeline.report import notebooks
from linreg.pipeline.report.qmd import parse_file
from linreg.pipeline.report.render import render


def main(root: Path | None = None) -> None:
    log = setup_logging("report")
    paths = project_paths(root)
    params = stage_params(paths, "report")
    # The notebooks first: a chapter whose code cannot run alone stops the stage before the long render.
    books = notebooks.build(parse_file(paths.report_source))
    with staged_outputs(paths, "report") as out:
        written = notebooks.write(books, out.report_notebooks)
        engine = render(paths.report_source, out.report_html, params.report.engine)
    log.info("rendered %s with %s (%d KiB)", paths.report_html, engine, paths.report_html.stat().st_size // 1024)
    log.info("wrote %d chapter notebooks to %s", len(written), paths.report_notebooks)


if __name__ == "__main__":
    stage.run(main, "report")
