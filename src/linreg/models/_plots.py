"""The four residual plots a regression is checked with (matplotlib, an optional dependency: linreg[plots]).

Residuals vs fitted (shape left in the mean), normal Q–Q of the studentized residuals (tails), scale–location
(√|studentized| vs fitted: spread that grows with the mean), and studentized residuals vs leverage (rows
that move the fit; contours of Cook's distance 0.5 and 1). Drawn on a ``matplotlib.figure.Figure`` without
pyplot, so no backend or display is needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

from linreg.models._results import optional_import

if TYPE_CHECKING:
    from linreg.models._results import RegressionResults

TITLES = ("Residuals vs fitted", "Normal Q-Q", "Scale-location", "Residuals vs leverage")


def diagnostic_data(results: RegressionResults) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(x, y) of each panel, by title: what ``plot_diagnostics`` draws."""
    infl = results.get_influence()
    student = infl.resid_studentized_internal
    osm, osr = stats.probplot(student, dist="norm", fit=False)  # theoretical vs ordered sample quantiles
    fitted = results._fitted
    return {
        TITLES[0]: (fitted, results._wresid),
        TITLES[1]: (np.asarray(osm), np.asarray(osr)),
        TITLES[2]: (fitted, np.sqrt(np.abs(student))),
        TITLES[3]: (infl.hat_matrix_diag, student),
    }


def plot_diagnostics(results: RegressionResults, fig: Any = None) -> Any:
    """A 2 × 2 figure of the four panels (``fig``: draw on this figure instead of a new one)."""
    optional_import("matplotlib", "plots", "plot_diagnostics()")
    from matplotlib.figure import Figure

    fig = fig if fig is not None else Figure(figsize=(10, 8), layout="constrained")
    data = diagnostic_data(results)
    axes = fig.subplots(2, 2).ravel()
    labels = [
        ("fitted values", "residuals"),
        ("theoretical normal quantiles", "studentized residuals"),
        ("fitted values", "√|studentized residuals|"),
        ("leverage", "studentized residuals"),
    ]
    for ax, title, (xlabel, ylabel) in zip(axes, TITLES, labels):
        x, y = data[title]
        ax.scatter(x, y, s=10, alpha=0.6)
        ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    axes[0].axhline(0.0, color="grey", lw=1)
    lo, hi = float(np.min(data[TITLES[1]][0])), float(np.max(data[TITLES[1]][0]))
    axes[1].plot([lo, hi], [lo, hi], color="grey", lw=1)  # the line a normal sample lies on
    h = np.linspace(max(float(np.min(data[TITLES[3]][0])), 1e-3), min(float(np.max(data[TITLES[3]][0])), 0.999), 100)
    k = len(results._theta)
    for d in (0.5, 1.0):  # |r| = √(D k (1 − h)/h): Cook's distance D
        bound = np.sqrt(d * k * (1 - h) / h)
        axes[3].plot(h, bound, "--", color="grey", lw=1, label=f"Cook's D = {d:g}" if d == 0.5 else None)
        axes[3].plot(h, -bound, "--", color="grey", lw=1)
    axes[3].set_ylim(np.min(data[TITLES[3]][1]) * 1.1 - 0.5, np.max(data[TITLES[3]][1]) * 1.1 + 0.5)
    axes[3].legend(loc="best")
    return fig
