"""Every teaching chapter as a notebook a learner runs on their own: one source, the chapter itself.

Which code is the learner's: a chapter's **visible** code cells (``echo: true``, or any cell the document's
default shows). Hidden cells are the report's plumbing (facts, figures, tables) and never reach a notebook.
Two Jupyter tags, a Quarto cell option (``#| tags: [...]``), change that for one cell: ``report-only``
keeps a visible cell out of the notebooks (code that shows linreg itself), ``notebook`` puts a hidden cell in.

A chapter's code may use what an earlier chapter's code made (``theta``, ``x_demo``): its notebook then
starts with those earlier cells, found by the names the chapter uses (``needed_cells``), so it runs top to
bottom in a fresh kernel. Prose paragraphs come along, except those that print this run's computed facts
(inline expressions), which the notebook's own output replaces. Notebooks are written without outputs.
"""

from __future__ import annotations

import ast
import builtins
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from linreg.pipeline.report.qmd import INLINE, Code, Document, Markdown

# What a notebook may import, besides Python's standard library.
ALLOWED_PACKAGES = ("numpy", "pandas", "sklearn", "statsmodels", "torch", "matplotlib")
REPORT_ONLY, NOTEBOOK = "report-only", "notebook"
FOLD_LINE = re.compile(r"^\s*(</?details>|<details><summary>.*</summary>)\s*$")
CHAPTER = re.compile(r"^chapters/(\d\d-[\w-]+)\.qmd$")
BUILTINS = frozenset(dir(builtins))

ROOT_CELL = """import os
from pathlib import Path

# The code reads this run's files by paths relative to the project root: the folder above with dvc.yaml.
root = next((p for p in (Path.cwd(), *Path.cwd().parents) if (p / "dvc.yaml").is_file()), None)
if root is None:
    raise FileNotFoundError("Open this notebook inside the project (the folder with dvc.yaml), after `dvc repro`.")
os.chdir(root)"""


class NotebookError(ValueError):
    """A chapter's code cannot become a notebook that runs alone; the message names the cell and the fix."""


@dataclass
class Cell:
    """One code cell of the document, with what it binds and what it uses from before it."""

    code: Code
    chapter: str  # "02-line", or "" outside a chapter
    learner: bool
    binds: set[str] = field(default_factory=set)
    imports: dict[str, str] = field(default_factory=dict)  # name → its top-level import statement
    uses: list[str] = field(default_factory=list)  # names read before the cell binds them, in order


@dataclass(frozen=True)
class Chapter:
    name: str  # "02-line": the notebook is notebooks/02-line.ipynb
    title: str
    blocks: tuple[Markdown | Code, ...]


def is_learner(code: Code, echo_default: bool) -> bool:
    tags = code.options.get("tags") or []
    if REPORT_ONLY in tags and NOTEBOOK in tags:
        raise NotebookError(f"{code.origin}, line {code.line}: a cell is tagged both {REPORT_ONLY} and {NOTEBOOK}.")
    if REPORT_ONLY in tags:
        return False
    return NOTEBOOK in tags or bool(code.options.get("echo", echo_default))


NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


def _stored(node: ast.AST) -> set[str]:
    """Names a node binds in its own scope (nested functions, classes and comprehensions left out)."""
    out: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            out.add(n.id)
        if n is not node and isinstance(n, (*NESTED, *COMPREHENSIONS)):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                out.add(n.name)
            continue
        stack += list(ast.iter_child_nodes(n))
    return out


def _reads(node: ast.AST, local: frozenset[str]) -> list[str]:
    """Names ``node`` reads from the cell's scope, in source order (a nested scope's own names left out)."""
    if isinstance(node, ast.Name):
        return [node.id] if isinstance(node.ctx, ast.Load) and node.id not in local else []
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        a = node.args
        outer = [*a.defaults, *(d for d in a.kw_defaults if d is not None)]
        outer += getattr(node, "decorator_list", [])
        params = {x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg) if x is not None}
        body = node.body if isinstance(node.body, list) else [node.body]
        inner = local | params | set().union(*(_stored(b) for b in body))
        return [n for e in outer for n in _reads(e, local)] + [n for b in body for n in _reads(b, frozenset(inner))]
    if isinstance(node, COMPREHENSIONS):
        inner = local | set().union(*(_stored(g.target) for g in node.generators))
        return [n for child in ast.iter_child_nodes(node) for n in _reads(child, frozenset(inner))]
    return [n for child in ast.iter_child_nodes(node) for n in _reads(child, local)]


def _walk_statements(stmts: list[ast.stmt], bound: set[str], free: list[str], imports: dict[str, str]) -> None:
    """Statement by statement: what each reads before the cell bound it is free; then what it binds."""

    def read(*nodes: ast.AST | None) -> None:
        for node in nodes:
            if node is not None:
                free.extend(n for n in _reads(node, frozenset()) if n not in bound and n not in free)

    for stmt in stmts:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                name = (alias.asname or alias.name).split(".")[0]
                imports[name] = ast.unparse(stmt) if len(stmt.names) == 1 else _one_import(stmt, alias)
                bound.add(name)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            read(stmt.iter)
            bound |= _stored(stmt.target)
            _walk_statements(stmt.body + stmt.orelse, bound, free, imports)
        elif isinstance(stmt, (ast.While, ast.If)):
            read(stmt.test)
            _walk_statements(stmt.body + stmt.orelse, bound, free, imports)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                read(item.context_expr)
                bound |= _stored(item.optional_vars) if item.optional_vars is not None else set()
            _walk_statements(stmt.body, bound, free, imports)
        elif isinstance(stmt, ast.Try):
            _walk_statements(stmt.body, bound, free, imports)
            for handler in stmt.handlers:
                read(handler.type)
                bound |= {handler.name} if handler.name else set()
                _walk_statements(handler.body, bound, free, imports)
            _walk_statements(stmt.orelse + stmt.finalbody, bound, free, imports)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(stmt.name)  # a function may call itself; its body runs later, when called
            read(stmt)
        else:  # the value is read before the target is bound: x = x + 1 reads an earlier x
            read(stmt)
            bound |= _stored(stmt)


def _free_and_bound(source: str, where: str) -> tuple[list[str], set[str], dict[str, str]]:
    """Names a cell reads from before it (in first-use order), the names it binds, and its import lines."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise NotebookError(f"{where}: the cell is not valid Python ({exc.msg}, cell line {exc.lineno}).") from exc
    bound: set[str] = set()
    free: list[str] = []
    imports: dict[str, str] = {}
    _walk_statements(tree.body, bound, free, imports)
    return [n for n in free if n not in BUILTINS], bound, imports


def _one_import(stmt: ast.Import | ast.ImportFrom, alias: ast.alias) -> str:
    one = ast.Import([alias]) if isinstance(stmt, ast.Import) else ast.ImportFrom(stmt.module, [alias], stmt.level)
    return ast.unparse(one)


def analyse(doc: Document) -> list[Cell]:
    """Every code cell of the document with its chapter, its role and its names."""
    echo_default = bool((doc.front_matter.get("execute") or {}).get("echo", True))
    cells = []
    for block in doc.blocks:
        if not isinstance(block, Code):
            continue
        m = CHAPTER.match(block.origin)
        where = f"{block.origin}, line {block.line}"
        uses, binds, imports = _free_and_bound(block.source, where)
        cells.append(Cell(block, m.group(1) if m else "", is_learner(block, echo_default), binds, imports, uses))
    return cells


def needed_cells(cells: list[Cell], first: int, names: list[str]) -> tuple[list[str], list[int]]:
    """The import lines and the earlier learner cells (indices, in order) that bind ``names`` before ``first``.

    Each name comes from the last learner cell before ``first`` that binds it: its import line if an
    import bound it, else the whole cell, whose own names are found the same way before it.
    """
    imports: dict[str, tuple[int, int]] = {}  # import line → (the cell it came from, its place there)
    pulled: set[int] = set()
    todo = [(name, first) for name in names]
    while todo:
        name, before = todo.pop()
        source = next((i for i in range(before - 1, -1, -1) if cells[i].learner and name in cells[i].binds), None)
        if source is None:
            where = f"{cells[first].code.origin}, line {cells[first].code.line}"
            raise NotebookError(
                f"{where}: the chapter's code uses `{name}`, which no learner code before it defines (a hidden cell "
                "is the report's, not the learner's); define it in the chapter's code."
            )
        if name in cells[source].imports:
            line = cells[source].imports[name]
            imports.setdefault(line, (source, list(cells[source].imports.values()).index(line)))
        elif source not in pulled:
            pulled.add(source)
            todo += [(n, source) for n in cells[source].uses]
    kept = sorted((where, line) for line, where in imports.items() if where[0] not in pulled)  # in source order
    return [line for _, line in kept], sorted(pulled)


def check_rebinding(cells: list[Cell]) -> None:
    """No hidden cell rebinds a name that learner code reads after it: the report runs what the notebook runs."""
    for i, cell in enumerate(cells):
        if not cell.learner:
            continue
        for name in cell.uses:
            source = next((j for j in range(i - 1, -1, -1) if cells[j].learner and name in cells[j].binds), None)
            if source is None:
                continue  # no learner code defines it: needed_cells says so, naming the chapter
            plumbing = next((c for c in cells[source + 1 : i] if not c.learner and name in c.binds), None)
            if plumbing is not None:
                raise NotebookError(
                    f"{plumbing.code.origin}, line {plumbing.code.line}: a hidden cell binds `{name}`, which the "
                    f"learner code at {cell.code.origin}, line {cell.code.line} reads: the report would run other "
                    "numbers than the notebook; rename it in the hidden cell."
                )


def chapters(doc: Document) -> list[Chapter]:
    """The included chapter files, in order, with their blocks."""
    out: dict[str, list[Markdown | Code]] = {}
    for block in doc.blocks:
        m = CHAPTER.match(block.origin)
        if m:
            out.setdefault(m.group(1), []).append(block)
    result = []
    for name, blocks in out.items():
        first = next((b for b in blocks if isinstance(b, Markdown) and b.text.lstrip().startswith("# ")), None)
        if first is None:
            raise NotebookError(f"chapters/{name}.qmd: a chapter starts with its `# Title` line.")
        title = first.text.lstrip().split("\n", 1)[0][2:].strip()
        result.append(Chapter(name, title, tuple(blocks)))
    return result


def notebook_link(name: str) -> str:
    """The link each chapter carries to its notebook, relative to the rendered report's folder."""
    return f"notebooks/{name}.ipynb"


def _prose(text: str, name: str) -> list[str]:
    """The chapter's paragraphs a notebook keeps: no computed facts, folds, callout fences or self-link."""
    keep = []
    for para in re.split(r"\n\s*\n", text):
        lines = [ln for ln in para.split("\n") if not FOLD_LINE.match(ln)]
        para = "\n".join(lines).strip()
        if not para or INLINE.search(para) or notebook_link(name) in para or para.startswith("<"):
            continue
        para = re.sub(r'^:::\s*\{\.callout-\w+(?:\s+title="([^"]*)")?\}\s*$', r"**\1**", para, flags=re.MULTILINE)
        para = re.sub(r"^:::\s*$", "", para, flags=re.MULTILINE).strip()
        para = re.sub(r"\s*\(@(?:fig|tbl)-[\w-]+\)", " (a figure of the report)", para)
        para = re.sub(r"@(?:fig|tbl)-[\w-]+", "the report's figure", para)
        keep.append(para)
    return keep


def build(doc: Document, source_folder: str = "reports") -> dict[str, dict]:
    """``{chapter name: notebook (nbformat 4 JSON)}`` for every chapter with learner code."""
    cells = analyse(doc)
    check_rebinding(cells)
    index = {id(c.code): i for i, c in enumerate(cells)}
    books = {}
    for chapter in chapters(doc):
        own = [index[id(b)] for b in chapter.blocks if isinstance(b, Code) and cells[index[id(b)]].learner]
        if not own:
            continue
        bound_here: set[str] = set()
        missing: list[str] = []
        for i in own:
            missing += [n for n in cells[i].uses if n not in bound_here and n not in missing]
            bound_here |= cells[i].binds
        imports, pulled = needed_cells(cells, own[0], missing) if missing else ([], [])
        nb_cells = [
            _markdown(
                f"# {chapter.title}\n\nThe code of this chapter of the report, to run top to bottom. Generated "
                f"from `{source_folder}/chapters/{chapter.name}.qmd` by the report stage (`dvc repro`): edit that "
                "file, not this one. It needs only NumPy, pandas, scikit-learn, statsmodels, PyTorch and matplotlib."
            ),
            _code(ROOT_CELL),
        ]
        if imports or pulled:
            nb_cells.append(
                _markdown("## From earlier chapters\n\nThe code this chapter builds on, as those chapters ran it.")
            )
            if imports:
                nb_cells.append(_code("\n".join(imports)))
            for i in pulled:
                nb_cells.append(_code(f"# From the chapter {_title_of(doc, cells[i].chapter)}\n{cells[i].code.source}"))
            nb_cells.append(_markdown(f"## {chapter.title}"))
        for block in chapter.blocks:
            if isinstance(block, Markdown):
                text = block.text
                if block is chapter.blocks[0] or text.lstrip().startswith("# "):
                    text = text.lstrip().split("\n", 1)[1] if "\n" in text.lstrip() else ""
                nb_cells += [_markdown(p) for p in _prose(text, chapter.name)]
            elif cells[index[id(block)]].learner:
                nb_cells.append(_code(block.source))
        books[chapter.name] = _notebook(nb_cells, chapter.name)
    return books


def _title_of(doc: Document, name: str) -> str:
    return next((f"“{c.title}”" for c in chapters(doc) if c.name == name), name)


def _markdown(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _code(source: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}


def _notebook(cells: list[dict], name: str) -> dict:
    for k, cell in enumerate(cells):  # fixed ids: the same chapter writes the same bytes (a DVC output)
        cell["id"] = f"{name}-{k:03d}"
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def imported_packages(notebook: dict) -> set[str]:
    """The top-level packages a notebook's code imports."""
    found = set()
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        for node in ast.walk(ast.parse(cell["source"])):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


def disallowed_imports(notebook: dict) -> set[str]:
    """Imports beyond the allowed packages and Python's standard library (linreg among them)."""
    return {m for m in imported_packages(notebook) if m not in ALLOWED_PACKAGES and m not in sys.stdlib_module_names}


def write(books: dict[str, dict], folder: Path) -> list[Path]:
    """Write each notebook (``folder/<chapter>.ipynb``) atomically; refuses one that imports beyond the list."""
    from linreg.pipeline.io import atomic_path

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, book in books.items():
        bad = disallowed_imports(book)
        if bad:
            raise NotebookError(
                f"chapters/{name}.qmd: its notebook would import {', '.join(sorted(bad))}; a learner's notebook "
                f"uses only {', '.join(ALLOWED_PACKAGES)} and the standard library. Tag a cell that shows other "
                f"code `#| tags: [{REPORT_ONLY}]`."
            )
        path = folder / f"{name}.ipynb"
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(book, indent=1, ensure_ascii=False) + "\n")
        written.append(path)
    return written
