"""Stage report: render reports/report.qmd into one self-contained reports/report.html.

Inputs:  reports/report.qmd and every tracked output it reads; params report
Outputs: reports/report.html
"""

from __future__ import annotations

# isort: off
import linreg.pipeline.interrupts  # noqa: F401  (first: Ctrl-C while the libraries load prints one line)
# isort: on

from pathlib import Path

from linreg.pipeline import stage
from linreg.pipeline.log import setup_logging
from linreg.pipeline.outputs import staged_outputs
from linreg.pipeline.params import stage_params
from linreg.pipeline.paths import project_paths
from linreg.pipeline.report.render import render


def main(root: Path | None = None) -> None:
    log = setup_logging("report")
    paths = project_paths(root)
    params = stage_params(paths, "report")
    with staged_outputs(paths, "report") as out:
        engine = render(paths.report_source, out.report_html, params.report.engine)
    log.info("rendered %s with %s (%d KiB)", paths.report_html, engine, paths.report_html.stat().st_size // 1024)


if __name__ == "__main__":
    stage.run(main, "report")
