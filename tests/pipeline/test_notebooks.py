"""The chapter notebooks' writer on tiny chapters, and the repository's chapters as the writer sees them.

Fast (no kernel): the notebooks' code runs here with exec in a fresh namespace; `make test` executes the real
notebooks in fresh kernels on the end-to-end run (test_report.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from linreg.pipeline.report import notebooks as nb
from linreg.pipeline.report.qmd import parse_file
from linreg.pipeline.report.render import to_markdown

from ..conftest import REPO

MAIN = """---
title: t
execute:
  echo: false
---

```{python}
#| label: setup
secret = 41  # the report's plumbing
```

{{< include chapters/01-first.qmd >}}

{{< include chapters/02-second.qmd >}}
"""

FIRST = """# First things

Some prose a learner keeps, about @fig-a.

```{python}
#| echo: true
import math

import numpy as np
```

```{python}
#| echo: true
a = np.arange(3.0)
for k in range(2):
    a = a + k
```

```{python}
fact = secret + 1
```

A computed fact: `{python} fact`.
"""

SECOND = """# Second things

```{python}
#| echo: true
#| code-fold: true
#| code-summary: "Show the sum"
total = math.fsum(a) + sum(v * v for v in a)
print(total)
```

```{python}
#| echo: true
#| tags: [report-only]
import linreg.models
```

**Try this.** Change `a`. Run this chapter's code yourself: [notebook](notebooks/02-second.ipynb).
"""


def write_doc(root: Path, first: str = FIRST, second: str = SECOND) -> Path:
    (root / "chapters").mkdir(parents=True, exist_ok=True)
    (root / "chapters" / "01-first.qmd").write_text(first)
    (root / "chapters" / "02-second.qmd").write_text(second)
    (root / "report.qmd").write_text(MAIN)
    return root / "report.qmd"


def code_of(book: dict) -> list[str]:
    return [c["source"] for c in book["cells"] if c["cell_type"] == "code"]


def run_alone(book: dict, folder: Path, monkeypatch) -> dict:
    """Every code cell in order, in one fresh namespace, from inside a project folder (as a fresh kernel would)."""
    (folder / "dvc.yaml").write_text("stages: {}\n")
    monkeypatch.chdir(folder)
    namespace: dict = {}
    for source in code_of(book):
        exec(compile(source, "<cell>", "exec"), namespace)  # noqa: S102 (the notebook under test)
    return namespace


def test_a_chapter_notebook_holds_its_code_and_what_it_builds_on(tmp_path, monkeypatch, capsys):
    books = nb.build(parse_file(write_doc(tmp_path)))
    assert list(books) == ["01-first", "02-second"]
    second = books["02-second"]
    code = code_of(second)
    assert code[0] == nb.ROOT_CELL
    assert code[1] == "import math\nimport numpy as np"  # the imports alone: of the chapter and of what it pulls
    assert code[2].startswith("# From the chapter “First things”") and "a = np.arange(3.0)" in code[2]
    assert code[3].startswith("total = math.fsum(a)")
    assert not any("secret" in c or "linreg" in c for c in code)  # hidden and report-only cells stay out
    text = "\n".join(c["source"] for c in second["cells"] if c["cell_type"] == "markdown")
    assert "**Try this.** Change `a`." not in text  # the paragraph links to this very notebook: left out
    first_text = "\n".join(c["source"] for c in books["01-first"]["cells"] if c["cell_type"] == "markdown")
    assert "Some prose a learner keeps, about the report's figure." in first_text
    assert "computed fact" not in first_text and "{python}" not in first_text  # the run's facts stay in the report
    assert all(c.get("outputs", []) == [] for c in second["cells"])
    assert [c["id"] for c in second["cells"]] == [f"02-second-{k:03d}" for k in range(len(second["cells"]))]
    project = tmp_path / "project"
    project.mkdir()
    namespace = run_alone(second, project, monkeypatch)  # runs alone: nothing from the report's namespace
    assert namespace["total"] == 20.0  # a = (1, 2, 3) after the loop: 6 + 14, exact in floating point
    assert capsys.readouterr().out.strip() == "20.0"


def test_the_writer_writes_each_notebook_and_the_same_bytes_twice(tmp_path):
    books = nb.build(parse_file(write_doc(tmp_path)))
    out = tmp_path / "notebooks"
    paths = nb.write(books, out)
    assert [p.name for p in paths] == ["01-first.ipynb", "02-second.ipynb"]
    before = [p.read_bytes() for p in paths]
    nb.write(nb.build(parse_file(tmp_path / "report.qmd")), out)
    assert [p.read_bytes() for p in paths] == before  # a DVC output: deterministic
    import nbformat

    for p in paths:
        nbformat.validate(nbformat.read(p, as_version=4))


def test_a_name_only_the_report_defines_is_refused_with_the_fix(tmp_path):
    second = SECOND.replace("total = math.fsum(a)", "total = secret + math.fsum(a)")
    with pytest.raises(nb.NotebookError, match=r"02-second.qmd, line 3: .*uses `secret`.*define it"):
        nb.build(parse_file(write_doc(tmp_path, second=second)))


def test_a_hidden_cell_that_rebinds_learner_input_is_refused(tmp_path):
    first = FIRST.replace("fact = secret + 1", "a = secret")
    with pytest.raises(nb.NotebookError, match=r"01-first.qmd, line \d+: a hidden cell binds `a`.*rename"):
        nb.build(parse_file(write_doc(tmp_path, first=first)))


def test_a_notebook_importing_beyond_the_list_is_refused(tmp_path):
    second = SECOND.replace("#| tags: [report-only]\n", "")
    books = nb.build(parse_file(write_doc(tmp_path, second=second)))
    assert nb.disallowed_imports(books["02-second"]) == {"linreg"}
    assert nb.disallowed_imports(books["01-first"]) == set()  # numpy, and math from the standard library
    with pytest.raises(nb.NotebookError, match="would import linreg.*report-only"):
        nb.write(books, tmp_path / "notebooks")


@pytest.mark.parametrize(
    ("source", "free", "bound"),
    [
        ("x = x + 1", ["x"], {"x"}),  # reads the earlier x before binding its own
        ("for i in range(3):\n    s = s + i", ["s"], {"i", "s"}),
        ("def f(u, v=w):\n    return u * g", ["w", "g"], {"f"}),
        ("z = [q * r for q in items]", ["r", "items"], {"z"}),
        ("import numpy as np\ny = np.ones(2)", [], {"np", "y"}),
        ("with open(p) as fh:\n    t = fh.read()", ["p"], {"fh", "t"}),
    ],
)
def test_the_names_a_cell_reads_from_before_it(source, free, bound):
    uses, binds, _ = nb._free_and_bound(source, "cell")
    assert uses == free and binds == bound


def test_a_folded_code_cell_renders_as_quartos_fold(tmp_path):
    doc = parse_file(write_doc(tmp_path))
    outputs = [[] for _ in doc.executed()]
    for k, block in enumerate(doc.executed()):  # inline blocks need their values
        if not hasattr(block, "source"):
            outputs[k] = [{"output_type": "display_data", "data": {"application/vnd.linreg.inline+json": ["42"]}}]
    md = to_markdown(doc, outputs)
    assert "\n<details><summary>Show the sum</summary>\n\n```python\ntotal = math.fsum(a)" in md
    assert md.count("<details>") == 1  # the unfolded cells stay open


# The repository's chapters. Every chapter teaches but the introduction, the recap, going further and the
# reproducibility appendix.
CHAPTERS = sorted(p.stem for p in (REPO / "reports" / "chapters").glob("*.qmd"))
NOT_TEACHING = {"01-intro", "20-recap", "22-going-further", "23-reproducibility"}
TEACHING = [c for c in CHAPTERS if c not in NOT_TEACHING]
REPO_BOOKS = nb.build(parse_file(REPO / "reports" / "report.qmd"))


def test_the_chapters_outside_teaching_exist():
    assert NOT_TEACHING <= set(CHAPTERS)  # a renamed chapter must not drop out of the check below


@pytest.mark.parametrize("chapter", TEACHING)
def test_every_teaching_chapter_has_a_notebook_it_links_to_and_a_try_this(chapter):
    text = (REPO / "reports" / "chapters" / f"{chapter}.qmd").read_text()
    assert "**Try this.**" in text or re.search(r"`\{python\} \w+\.try_this`", text), chapter
    assert chapter in REPO_BOOKS, f"{chapter} has no learner code"
    assert f"[notebook]({nb.notebook_link(chapter)})" in text  # relative to the rendered report's folder
    assert nb.disallowed_imports(REPO_BOOKS[chapter]) == set()


def test_only_the_teaching_chapters_have_notebooks():
    assert set(REPO_BOOKS) <= set(TEACHING)
    assert nb.notebook_link("02-line") == "notebooks/02-line.ipynb"
    from linreg.pipeline.paths import project_paths

    paths = project_paths(REPO)
    assert paths.report_notebooks.relative_to(paths.report_html.parent) == Path("notebooks")
