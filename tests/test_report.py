"""The rendered report (jupyter fallback, tiny params): sections, embedded images, the numbers."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from .conftest import needs_report_tools, visible_text

pytestmark = needs_report_tools

SECTIONS = ["The data", "Least squares and the normal equation", "Gradient descent", "Overfitting and the split",
            "Ridge, lasso and elastic net", "The comparison", "Inference",
            "From NumPy to scikit-learn to statsmodels", "CPU against GPU", "Reproducibility"]


class TableReader(HTMLParser):
    """Rows of the <table> with a given id, as lists of cell texts."""

    def __init__(self, table_id):
        super().__init__()
        self.table_id, self.inside, self.rows, self.cell = table_id, False, [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


@pytest.fixture(scope="module")
def report(pipeline_run):
    root, _, _ = pipeline_run
    return root, (root / "reports" / "report.html").read_text()


def test_every_section_is_present(report):
    _, html = report
    headings = [" ".join(re.sub(r"<[^>]+>", "", h).split()) for h in re.findall(r"<h1[^>]*>(.*?)</h1>", html, re.S)]
    for section in SECTIONS:
        assert any(h.endswith(section) for h in headings), (section, headings)


def test_every_image_is_embedded_and_nothing_is_fetched(report):
    _, html = report
    imgs = re.findall(r"<img[^>]*>", html)
    assert len(imgs) >= 10
    for img in imgs:
        assert re.search(r'src="data:image/png;base64,[A-Za-z0-9+/=]{100,}', img), img[:120]
    assert not re.search(r"<(?:script|link|img|iframe)[^>]+(?:src|href)=\"(?:https?:)?//", html)
    assert "<math" in html  # MathML: rendered by the browser, no script


def test_comparison_table_equals_the_metrics(report):
    root, html = report
    metrics = json.loads((root / "reports" / "metrics" / "evaluate.json").read_text())
    reader = TableReader("comparison-table")
    reader.feed(html)
    header, *rows = reader.rows
    from linreg.report.data import LABELS

    key_of = {label: key for key, label in LABELS.items()}
    col = {name: i for i, name in enumerate(header)}
    checked = 0
    for row in rows:
        key = key_of[row[0]]
        if f"{key}_test_mse" in metrics:
            # Shown to 4 significant digits.
            assert float(row[col["test MSE"]]) == pytest.approx(metrics[f"{key}_test_mse"], rel=5e-4)
            assert float(row[col["R²"]]) == pytest.approx(metrics[f"{key}_test_r2"], rel=5e-4)
            assert float(row[col["support F1"]]) == pytest.approx(metrics[f"{key}_support_f1"], rel=5e-4)
            checked += 1
    assert checked >= 6


def test_footer_names_the_engine_and_no_gpu_claim_is_invented(report):
    _, html = report
    text = visible_text(html)
    assert "Rendered with the Jupyter fallback without Quarto" in text
    assert "No GPU was available to this run" in text
    assert "the committed GPU reference below shows what a GPU does" in text
    assert "engine in-process (no Dask cluster)" in text  # the pipeline ran without a cluster


def test_engine_statement_names_the_cluster_and_its_workers():
    from linreg.report.data import engine_text

    assert engine_text({}) == "engine in-process (no Dask cluster)"  # metrics from before engines existed
    assert engine_text({"engine": "local cluster", "engine_workers": 2}) == \
        "engine a Dask local cluster of 2 workers"
    assert engine_text({"engine": "cluster", "engine_workers": 1}) == "engine a Dask cluster of 1 worker"


def test_rows_statement_appears_only_when_a_split_was_sampled():
    from linreg.report.data import rows_text

    assert rows_text({"train_rows": 10, "train_rows_in_memory": 10}) == ""
    assert rows_text({}) == ""
    text = rows_text({"train_rows": 3_000_000, "train_rows_in_memory": 2_000_000})
    assert "all 3,000,000 training rows, block by block" in text and "the first 2,000,000 of each split" in text


def test_the_committed_gpu_reference_is_shown_labelled_with_its_hardware_and_date(report):
    root, html = report
    text = visible_text(html)
    for folder in sorted((root / "reports" / "reference").iterdir()):
        system = json.loads((folder / "system.json").read_text())
        assert f"GPU reference {folder.name}" in text
        assert f"measured on an {system['gpu']}" in text and f"on {system['date']}" in text
        assert "not on this machine" in text
        reader = TableReader(f"reference-{folder.name}")
        reader.feed(html)
        header, *rows = reader.rows
        bench = pd.read_csv(folder / "benchmark.csv")
        top = bench[(bench.library == "linreg") & (bench.status == "ok") & (bench.n == bench.n.max())]
        for row in rows:  # the GPU times shown are the committed ones, to 3 significant digits
            solver, dtype = row[0], row[1]
            gpu = top[(top.solver == solver) & (top.dtype == dtype) & (top.device == "cuda")].median_s.iloc[0]
            assert float(row[header.index("GPU s")]) == pytest.approx(gpu, rel=5e-3)
        assert len(rows) == len(top[top.device == "cuda"])
        assert any(h.startswith("this CPU s at ") for h in header)
        if (folder / "NOTES.md").is_file():  # what the run found, shown beside its numbers (markdown rendered:
            # compared without markup, whitespace or typographic quotes, which the HTML splits and curls)
            def bare(t: str) -> str:
                return "".join(t.replace("**", "").replace("`", "").replace("’", "'").split())
            assert bare((folder / "NOTES.md").read_text()) in bare(text)


def test_report_changes_with_params(tmp_path):
    """A different split changes the report's numbers (it reads, never hard-codes)."""
    from .conftest import REPO, run_stages, write_params

    (tmp_path / "dvc.yaml").write_text((REPO / "dvc.yaml").read_text())
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "report.qmd").write_text((REPO / "reports" / "report.qmd").read_text())
    write_params(tmp_path, {"split": {"train": 0.5, "validation": 0.25, "test": 0.25},
                            "benchmark": {"solvers": ["ols"], "dtypes": ["float64"]}})
    run_stages(tmp_path, "generate", "split", "scale", "train", "evaluate", "benchmark", "report")
    text = visible_text((tmp_path / "reports" / "report.html").read_text())
    assert "split into 200 training, 100 validation and 100 test rows" in text
    assert "No GPU reference run is committed" in text  # this copy has no reports/reference
