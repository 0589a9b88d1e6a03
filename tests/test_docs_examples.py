"""Every Python block of README.md and docs/ runs as written.

A page's blocks run in order, in one namespace, in a fresh interpreter whose working directory is an
empty temporary folder: a reader pasting the page top to bottom. Fences say how a block is run:

- ```` ```python ````: executed (``exec``); a failure names the page, the block and its line.
- ```` ```pycon ````: a console session (``>>>`` prompts and the output a reader sees) run as a doctest
  in the same namespace, so every output shown on a page is checked (ELLIPSIS, NORMALIZE_WHITESPACE).
- any other language (``bash``, ``yaml``, ``text``): not run.
- a python or pycon block right after ``<!-- docs-test: skip (why) -->`` (invisible on the rendered
  page) is not run; the reason is required, and such blocks are kept few.

This file is also the runner: ``python tests/test_docs_examples.py blocks.json`` runs one page's blocks.
"""

from __future__ import annotations

import doctest
import json
import os
import re
import subprocess
import sys
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
RUN = {"python": "exec", "pycon": "doctest"}
SKIP = re.compile(r"<!--\s*docs-test:\s*skip\b\s*(?P<reason>(?:(?!-->).)*?)\s*-->\s*$", re.S)
FENCE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*?)[ \t]*\n"  # the opening fence
    r"(?P<body>.*?)^(?P=indent)(?P=fence)[ \t]*$",  # the block, up to the same fence at the same indent
    re.M | re.S,
)
# A page imports torch, scikit-learn and maybe statsmodels or Dask: 5–10 s on a loaded 2-core VM.
PAGE_TIMEOUT_S = 180


@dataclass(frozen=True)
class Block:
    page: str  # relative to the repository root
    number: int  # 1-based among the page's fenced blocks, as a reader counts them
    line: int  # of the opening fence
    language: str
    source: str
    skip_reason: str | None = None

    @property
    def label(self) -> str:
        return f"{self.page}, block {self.number} (line {self.line}, ```{self.language})"


def blocks_of(path: Path) -> list[Block]:
    """Every fenced block of a markdown page, dedented, with the skip marker before it if any."""
    text = path.read_text(encoding="utf-8")
    page = path.relative_to(REPO).as_posix() if path.is_relative_to(REPO) else path.name
    out = []
    for number, m in enumerate(FENCE.finditer(text), start=1):
        indent = len(m["indent"])
        source = "".join(line[indent:] for line in m["body"].splitlines(keepends=True))
        marker = SKIP.search(text, 0, m.start())
        reason = marker["reason"] if marker and not text[marker.end() : m.start()].strip() else None
        language = m["info"].split()[0].lower() if m["info"].strip() else ""
        out.append(Block(page, number, text.count("\n", 0, m.start()) + 1, language, source, reason))
    return out


def runnable(blocks: list[Block]) -> list[Block]:
    return [b for b in blocks if b.language in RUN and b.skip_reason is None]


def run_blocks(blocks: list[Block]) -> int:
    """Run the blocks in one namespace; print what failed, naming the page and block. 0 when all ran."""
    namespace: dict = {"__name__": "__main__"}
    for block in blocks:
        # Pad with newlines so a traceback's line numbers are the page's.
        padded = "\n" * block.line + block.source
        if RUN[block.language] == "exec":
            try:
                exec(compile(padded, block.page, "exec"), namespace)  # noqa: S102 - the docs' own code
            except BaseException:
                print(f"FAILED: {block.label}\n{traceback.format_exc()}", flush=True)
                return 1
        else:
            test = doctest.DocTestParser().get_doctest(block.source, namespace, block.label, block.page, block.line)
            runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
            report: list[str] = []
            runner.run(test, out=report.append, clear_globs=False)
            if runner.failures or not test.examples:
                print(f"FAILED: {block.label}\n{''.join(report) or 'no >>> example in a pycon block'}", flush=True)
                return 1
    print(f"RAN {len(blocks)} blocks", flush=True)
    return 0


def run_page(blocks: list[Block], workdir: Path) -> subprocess.CompletedProcess:
    """``run_blocks`` in a fresh interpreter in ``workdir`` (this file run as a script)."""
    spec = workdir.parent / f"{workdir.name}-blocks.json"
    spec.write_text(json.dumps([asdict(b) for b in blocks]), encoding="utf-8")
    env = {**os.environ, "MPLBACKEND": "Agg"}  # a page's figures are saved, never shown
    return subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), str(spec)],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=PAGE_TIMEOUT_S,
    )


if __name__ == "__main__":
    sys.exit(run_blocks([Block(**b) for b in json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))]))


import pytest  # noqa: E402 - the runner above needs only the standard library

RUNNABLE_PAGES = [p.relative_to(REPO).as_posix() for p in PAGES if runnable(blocks_of(p))]


@pytest.mark.parametrize("page", RUNNABLE_PAGES)
def test_every_block_of_the_page_runs_as_written(page, tmp_path):
    workdir = tmp_path / "reader"
    workdir.mkdir()
    blocks = runnable(blocks_of(REPO / page))
    done = run_page(blocks, workdir)
    assert done.returncode == 0, f"{page}: a block failed\n{done.stdout[-6000:]}\n{done.stderr[-3000:]}"
    assert f"RAN {len(blocks)} blocks" in done.stdout  # every block ran, none was lost on the way


def test_every_fence_is_run_or_marked_on_purpose():
    """A fence that looks like Python but is not ``python`` or ``pycon`` (``py``, ``Python``, ``python3``,
    ``>>>`` in a python block) would silently not run as meant; a skip marker needs its reason."""
    problems = []
    for path in PAGES:
        for b in blocks_of(path):
            if b.language not in RUN and (b.language.startswith("py") or b.source.lstrip().startswith(">>>")):
                problems.append(f"{b.label}: use ```python (run) or ```pycon (a doctest session)")
            if b.language == "python" and re.search(r"^>>> ", b.source, re.M):
                problems.append(f"{b.label}: >>> prompts belong in a ```pycon block (run as a doctest)")
            if b.skip_reason is not None and (not b.skip_reason.strip("() —-:") or b.language not in RUN):
                problems.append(f"{b.label}: a skip marker needs a reason and a python or pycon block")
    assert not problems, "\n".join(problems)


def test_the_docs_have_few_skipped_blocks():
    skipped = [f"{b.label}: {b.skip_reason}" for p in PAGES for b in blocks_of(p) if b.skip_reason is not None]
    assert len(skipped) <= 3, "more than 3 blocks skip the run; make them run instead:\n" + "\n".join(skipped)


BROKEN_PAGE = """# A page

```python
x = 1
```

Prose.

<!-- docs-test: skip (needs a GPU) -->
```python
import no_such_module
```

```bash
exit 1
```

```python
y = x + undefined_name
```
"""


def test_a_broken_block_fails_naming_the_page_and_block(tmp_path):
    page = tmp_path / "broken.md"
    page.write_text(BROKEN_PAGE, encoding="utf-8")
    blocks = blocks_of(page)
    assert [(b.language, b.skip_reason) for b in blocks] == [
        ("python", None),
        ("python", "(needs a GPU)"),
        ("bash", None),
        ("python", None),
    ]
    workdir = tmp_path / "reader"
    workdir.mkdir()
    done = run_page(runnable(blocks), workdir)
    assert done.returncode == 1
    assert "FAILED: broken.md, block 4 (line 18, ```python)" in done.stdout
    assert "NameError: name 'undefined_name' is not defined" in done.stdout
    assert 'File "broken.md", line 19' in done.stdout  # the traceback points at the page's line


def test_a_wrong_shown_output_fails(tmp_path):
    page = tmp_path / "output.md"
    page.write_text("```python\nx = 2\n```\n\n```pycon\n>>> x + 1\n3\n>>> x * 2\n5\n```\n", encoding="utf-8")
    workdir = tmp_path / "reader"
    workdir.mkdir()
    done = run_page(runnable(blocks_of(page)), workdir)
    assert done.returncode == 1
    assert "FAILED: output.md, block 2 (line 5, ```pycon)" in done.stdout
    assert "Expected:\n    5\nGot:\n    4" in done.stdout


def test_the_blocks_run_in_an_empty_working_directory(tmp_path):
    page = tmp_path / "cwd.md"
    page.write_text("```python\nimport os\nassert os.listdir() == [], os.listdir()\nopen('out.txt', 'w')\n```\n")
    workdir = tmp_path / "reader"
    workdir.mkdir()
    done = run_page(runnable(blocks_of(page)), workdir)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (workdir / "out.txt").is_file()
