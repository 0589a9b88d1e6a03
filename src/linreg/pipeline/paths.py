"""Every file the pipeline reads or writes, named once.

Paths are relative to the project root (the folder holding ``dvc.yaml``), which
is where DVC runs each stage. ``tests/pipeline/test_contract.py`` checks that the deps
and outs declared in ``dvc.yaml`` are exactly the ones named here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# The lessons stage's figures; every other figure the report shows is the evaluate stage's.
LESSON_FIGURES = ("demo_fit", "degree_sweep", "degree_fits", "regimes")


@dataclass(frozen=True)
class Paths:
    """The project's file layout under one root folder."""

    root: Path

    # configuration
    @property
    def params(self) -> Path:
        return self.root / "params.yaml"

    @property
    def dvc_yaml(self) -> Path:
        return self.root / "dvc.yaml"

    @property
    def dvc_lock(self) -> Path:
        return self.root / "dvc.lock"

    def staging(self, stage: str) -> Path:
        """Where a stage writes its outputs before they replace the previous ones (linreg.pipeline.outputs)."""
        return self.root / ".dvc" / "tmp" / "linreg-staging" / stage

    def failure_traceback(self, stage: str) -> Path:
        """Where a stage stopped by a bug (an unexpected exception) keeps the traceback its one line points to."""
        return self.root / ".dvc" / "tmp" / "linreg-staging" / f"{stage}.traceback.txt"

    # validate
    @property
    def validated(self) -> Path:
        return self.root / "data" / "validated.json"

    @property
    def external_dir(self) -> Path:
        """Where a user's CSV lives (generate.csv_path): a tracked input of the generate stage."""
        return self.root / "data" / "external"

    # generate
    @property
    def raw_dir(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def raw_table(self) -> Path:
        return self.raw_dir / "dataset.parquet"

    @property
    def truth(self) -> Path:
        return self.raw_dir / "truth.json"

    @property
    def demo_table(self) -> Path:
        return self.raw_dir / "demo.parquet"

    # split
    @property
    def split_dir(self) -> Path:
        return self.root / "data" / "split"

    def split_table(self, part: str) -> Path:
        return self.split_dir / f"{part}.parquet"

    @property
    def split_sizes(self) -> Path:
        return self.split_dir / "sizes.json"

    # scale
    @property
    def scaled_dir(self) -> Path:
        return self.root / "data" / "scaled"

    def scaled_table(self, part: str) -> Path:
        return self.scaled_dir / f"{part}.parquet"

    @property
    def scaler(self) -> Path:
        return self.scaled_dir / "scaler.json"

    # train
    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    def model_card(self, name: str) -> Path:
        return self.models_dir / f"{name}.json"

    @property
    def train_plots_dir(self) -> Path:
        return self.root / "reports" / "plots" / "train"

    @property
    def gd_history(self) -> Path:
        return self.train_plots_dir / "gd_history.csv"

    @property
    def lr_sweep(self) -> Path:
        return self.train_plots_dir / "lr_sweep.csv"

    @property
    def reg_path(self) -> Path:
        return self.train_plots_dir / "reg_path.csv"

    @property
    def validation_curve(self) -> Path:
        return self.train_plots_dir / "validation_curve.csv"

    # metrics (one flat JSON per stage)
    @property
    def metrics_dir(self) -> Path:
        return self.root / "reports" / "metrics"

    def metrics(self, stage: str) -> Path:
        return self.metrics_dir / f"{stage}.json"

    # evaluate
    @property
    def evaluate_plots_dir(self) -> Path:
        return self.root / "reports" / "plots" / "evaluate"

    def evaluate_plot(self, name: str) -> Path:
        return self.evaluate_plots_dir / f"{name}.csv"

    @property
    def evaluate_tables_dir(self) -> Path:
        return self.root / "reports" / "tables"

    def evaluate_table(self, name: str) -> Path:
        return self.evaluate_tables_dir / f"{name}.csv"

    @property
    def ols_summary(self) -> Path:
        return self.evaluate_tables_dir / "ols_summary.txt"

    @property
    def evaluate_figures_dir(self) -> Path:
        return self.root / "reports" / "figures" / "evaluate"

    def evaluate_figure(self, name: str) -> Path:
        return self.evaluate_figures_dir / f"{name}.png"

    # lessons (what the report teaches from, independent of the trained models)
    @property
    def lessons_dir(self) -> Path:
        return self.root / "reports" / "lessons"

    def lesson_data(self, name: str) -> Path:
        return self.lessons_dir / f"{name}.csv"

    @property
    def lesson_figures_dir(self) -> Path:
        return self.root / "reports" / "figures" / "lessons"

    def lesson_figure(self, name: str) -> Path:
        return self.lesson_figures_dir / f"{name}.png"

    def figure(self, name: str) -> Path:
        """A figure the report shows, from whichever stage draws it."""
        return self.lesson_figure(name) if name in LESSON_FIGURES else self.evaluate_figure(name)

    # benchmark
    @property
    def benchmark_dir(self) -> Path:
        return self.root / "reports" / "benchmark"

    @property
    def benchmark_results(self) -> Path:
        return self.benchmark_dir / "results.csv"

    @property
    def benchmark_cost_vs_p(self) -> Path:
        return self.benchmark_dir / "cost_vs_p.csv"

    @property
    def benchmark_system(self) -> Path:
        return self.benchmark_dir / "system.json"

    @property
    def benchmark_figures_dir(self) -> Path:
        return self.root / "reports" / "figures" / "benchmark"

    def benchmark_figure(self, name: str) -> Path:
        return self.benchmark_figures_dir / f"{name}.png"

    @property
    def reference_dir(self) -> Path:
        return self.root / "reports" / "reference"

    # report
    @property
    def report_source(self) -> Path:
        return self.root / "reports" / "report.qmd"

    @property
    def report_html(self) -> Path:
        return self.root / "reports" / "report.html"

    @property
    def report_notebooks(self) -> Path:
        """One notebook per teaching chapter; the chapters link to them relative to report_html's folder."""
        return self.report_html.parent / "notebooks"


def project_paths(root: str | Path | None = None) -> Paths:
    """The layout under ``root``, defaulting to the working directory (DVC's)."""
    return Paths(Path(root) if root is not None else Path.cwd())
