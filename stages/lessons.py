"""Stage lessons: what the report teaches from that no trained model changes.

The demo's lessons (the polynomial-degree sweep and its curves, one gradient-descent step by hand,
the descent paths over J(b, w)) and the regime sweep (OLS and the penalties refitted on fresh data
from the generator). None reads a model card, so an edit to train (but train.path, which the sweep's
α search follows) or to the evaluate stage's own params re-runs none of it.

Inputs:  data/raw/{demo.parquet,truth.json}; params base.seed, generate (the regime sweep's design:
         DESIGN), split, train.path (its α search: SEARCH), evaluate.{poly_*, regimes, regime_repeats,
         gd_path_*}
Outputs: reports/lessons/*.csv, reports/figures/lessons/*.png, reports/metrics/lessons.json
"""

from __future__ import annotations

# isort: off
from linreg.pipeline.warm import delegate

delegate()  # a warm server, where one is listening, runs this stage and this process exits with its status
import linreg.pipeline.interrupts  # noqa: F401  (Ctrl-C while the libraries load prints one line)
# isort: on

from pathlib import Path

from linreg.pipeline import io, seeds, stage
from linreg.pipeline.data.generate import features_and_target
from linreg.pipeline.data.split import split_indices
from linreg.pipeline.evaluation import figures
from linreg.pipeline.evaluation.lessons import all_lessons
from linreg.pipeline.log import setup_logging
from linreg.pipeline.outputs import staged_outputs
from linreg.pipeline.params import stage_params
from linreg.pipeline.paths import project_paths

DESIGN = ("n_features", "n_informative", "intercept", "scale_spread", "feature_offset")
# What the regime sweep's α search reads of train.path (as the train stage searches; solver: always cd here).
SEARCH = ("n_alphas", "alpha_min_ratio", "l1_ratio", "tol", "max_iter")


def main(root: Path | None = None) -> None:
    log = setup_logging("lessons")
    paths = project_paths(root)
    params = stage_params(paths, "lessons")
    demo = io.read_parquet(paths.demo_table)
    cut = params.split
    demo_parts = split_indices(
        len(demo),
        train=cut.train,
        validation=cut.validation,
        test=cut.test,
        rng=seeds.rng(params.base.seed, "demo_split"),
    )
    X, y, _ = features_and_target(demo)
    design = {k: getattr(params.generate, k) for k in DESIGN}
    design["n_informative"] = min(design["n_informative"], design["n_features"])
    lessons = all_lessons(
        (X, y),
        demo_parts,
        params.evaluate,
        seed=params.base.seed,
        design=design,
        path={k: getattr(params.train.path, k) for k in SEARCH},
        fractions=cut.model_dump(),
    )
    figs = figures.lesson_figures(lessons, demo, io.read_json(paths.truth)["demo"])
    with staged_outputs(paths, "lessons") as out:
        io.write_json(out.metrics("lessons"), lessons.metrics)
        for name in (
            "degree_sweep",
            "degree_curves",
            "demo_points",
            "gd_step",
            "gd_paths",
            "gd_surface",
            "regime_sweep",
            "regimes",
        ):
            io.write_csv(out.lesson_data(name), getattr(lessons, name))
        for name, fig in figs.items():
            io.write_figure(out.lesson_figure(name), fig)
    log.info("wrote the lessons to %s, their figures to %s", paths.lessons_dir, paths.lesson_figures_dir)


if __name__ == "__main__":
    stage.run(main, "lessons")
