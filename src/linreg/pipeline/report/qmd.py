"""Parse the Quarto subset the report uses into markdown and code blocks.

Supported (and tested, so the fallback renders what Quarto renders): YAML front
matter; ```{python} cells with ``#|`` options (echo, output, warning, label,
fig-cap, tbl-cap); fenced-div callouts (``::: {.callout-note title="…"}``);
cross-references ``@fig-…`` / ``@tbl-…`` to labelled cells; $…$ and $$…$$ math;
the include shortcode ``{{< include chapters/01-intro.qmd >}}`` (alone on its
line, with empty lines around it; paths relative to the main document's folder,
nested includes too, as Quarto resolves them); and inline expressions
`` `{python} expr` ``, evaluated in the report's kernel after the cells before
them ran (the renderer does that; here they are found and turned into text); and folds,
``<details><summary>…</summary>`` and ``</details>`` each alone on its line with empty lines
around, so the markdown and cells between them are parsed as markdown by pandoc and by Quarto
(``check_folds``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CELL = re.compile(r"^```\{python\}[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
INCLUDE = re.compile(r"\{\{<\s*include\s+(\"[^\"]+\"|'[^']+'|\S+)\s*>\}\}")
INLINE = re.compile(r"`\{python\}[ \t]+([^`]+?)[ \t]*`")
FOLD_OPEN = re.compile(r"^<details><summary>[^<>]+</summary>$")


class QmdError(ValueError):
    """The source is not the Quarto the report may use; the message names the file, the line and the fix."""


@dataclass
class Markdown:
    text: str
    origin: str = ""  # the file it came from, relative to the main document's folder
    line: int = 1  # its first line in that file

    @property
    def expressions(self) -> list[str]:
        """The inline expressions `` `{python} expr` `` in this block, in order."""
        return [m.group(1) for m in INLINE.finditer(self.text)]


@dataclass
class Code:
    source: str
    options: dict = field(default_factory=dict)
    origin: str = ""
    line: int = 1

    @property
    def label(self) -> str | None:
        return self.options.get("label")


@dataclass
class Document:
    front_matter: dict
    front_text: str
    blocks: list[Markdown | Code]
    includes: list[str] = field(default_factory=list)  # every included file, relative to the main folder

    def executed(self) -> list[Markdown | Code]:
        """What the kernel runs, in order: every code cell, and every markdown block with inline expressions."""
        return [b for b in self.blocks if isinstance(b, Code) or b.expressions]


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _blocks(body: str, origin: str, first_line: int) -> list[Markdown | Code]:
    blocks: list[Markdown | Code] = []
    pos = 0
    for cell in CELL.finditer(body):
        if cell.start() > pos:
            blocks.append(Markdown(body[pos : cell.start()], origin, first_line + _line_of(body, pos) - 1))
        lines = cell.group(1).splitlines()
        option_lines = []
        while lines and lines[0].startswith("#|"):
            option_lines.append(lines.pop(0)[2:].strip())
        options = yaml.safe_load("\n".join(option_lines)) or {} if option_lines else {}
        blocks.append(Code("\n".join(lines), options, origin, first_line + _line_of(body, cell.start()) - 1))
        pos = cell.end()
    if pos < len(body):
        blocks.append(Markdown(body[pos:], origin, first_line + _line_of(body, pos) - 1))
    return blocks


def parse(text: str, base: Path | None = None, origin: str = "") -> Document:
    """Parse a document; with ``base`` (the main document's folder) its includes are read and spliced in.

    Without ``base`` an include shortcode is an error: there is nowhere to read it from.
    """
    match = FRONT.match(text)
    front_text = match.group(0) if match else ""
    front = yaml.safe_load(match.group(1)) if match else {}
    body = text[len(front_text) :]
    includes: list[str] = []
    blocks = _expand(body, base, origin, _line_of(text, len(front_text)), (origin,), includes)
    check_folds(blocks)
    return Document(front or {}, front_text, blocks, includes)


def check_folds(blocks: list[Markdown | Code]) -> None:
    """Every ``<details>`` fold is well formed, and closed in the file that opened it.

    Pandoc (the fallback) and Quarto parse the markdown and cells between raw HTML lines only when each
    tag stands alone on its line with an empty line after the opening and before the closing one.
    """
    opened: list[tuple[str, int]] = []
    for block in blocks:
        if not isinstance(block, Markdown):
            continue
        lines = block.text.split("\n")
        for k, line in enumerate(lines):
            if "details>" not in line:
                continue
            where = f"{block.origin or 'the document'}, line {block.line + k}"
            text = line.strip()
            if text.startswith("<details"):
                if not FOLD_OPEN.match(text):
                    raise QmdError(
                        f"{where}: a fold opens with `<details><summary>what it holds</summary>` alone on its line "
                        "(a summary is required: closed, it is all the reader sees)."
                    )
                if k + 1 < len(lines) and lines[k + 1].strip():
                    raise QmdError(f"{where}: leave an empty line after `<details><summary>…</summary>`.")
                opened.append((block.origin, block.line + k))
            elif text == "</details>":
                if k > 0 and lines[k - 1].strip():
                    raise QmdError(f"{where}: leave an empty line before `</details>`.")
                if not opened or opened[-1][0] != block.origin:
                    raise QmdError(f"{where}: `</details>` closes no fold opened in this file; remove it.")
                opened.pop()
            else:
                raise QmdError(f"{where}: `<details>` and `</details>` must each stand alone on their line.")
    if opened:
        origin, first = opened[-1]
        raise QmdError(f"{origin or 'the document'}, line {first}: this fold is never closed; add `</details>`.")


def parse_file(path: Path) -> Document:
    """The main document at ``path`` with every include spliced in (relative to ``path``'s folder)."""
    return parse(path.read_text(), path.parent, path.name)


def _expand(
    body: str, base: Path | None, origin: str, first_line: int, chain: tuple[str, ...], includes: list[str]
) -> list[Markdown | Code]:
    where = origin or "the document"
    # Cells first, so that a shortcode inside a code cell is code, not an include (as Quarto leaves it).
    cells = [(m.start(), m.end()) for m in CELL.finditer(body)]
    in_cell = lambda pos: any(a <= pos < b for a, b in cells)  # noqa: E731
    found = [m for m in INCLUDE.finditer(body) if not in_cell(m.start())]
    blocks: list[Markdown | Code] = []
    pos = 0
    for m in found:
        line = first_line + _line_of(body, m.start()) - 1
        start = body.rfind("\n", 0, m.start()) + 1
        end = body.find("\n", m.end())
        end = len(body) if end < 0 else end
        if body[start:end].strip() != m.group(0):
            raise QmdError(
                f"{where}, line {line}: the include shortcode must stand alone on its line (Quarto cannot include "
                "inside a paragraph or a list item); put it on a line of its own with empty lines around it."
            )
        before, after = body[:start], body[end + 1 :] if end < len(body) else ""
        if (before.strip() and not before.endswith("\n\n")) or (after.strip() and not after.startswith("\n")):
            raise QmdError(
                f"{where}, line {line}: leave an empty line before and after `{m.group(0)}` (Quarto requires it)."
            )
        if base is None:
            raise QmdError(f"{where}, line {line}: an include needs the document's folder: parse it with parse_file().")
        target = m.group(1).strip("\"'")
        path = base / target.lstrip("/")
        if target in chain:
            raise QmdError(
                f"{where}, line {line}: including {target} again makes a loop ({' → '.join((*chain, target))}); "
                "remove one of the includes."
            )
        if not path.is_file():
            raise QmdError(
                f"{where}, line {line}: the included file {target} does not exist (looked for {path}); include paths "
                "are relative to the main document's folder, also inside included files, as in Quarto."
            )
        text = path.read_text()
        if FRONT.match(text):
            raise QmdError(
                f"{target}: an included file must not have a YAML metadata block (Quarto would apply it to the "
                "whole document); move its options into the main document."
            )
        includes.append(target)
        blocks += _blocks(body[pos:start], origin, first_line + _line_of(body, pos) - 1)
        blocks += _expand(text, base, target, 1, (*chain, target), includes)
        pos = min(end + 1, len(body))
    blocks += _blocks(body[pos:], origin, first_line + _line_of(body, pos) - 1)
    return [b for b in blocks if not (isinstance(b, Markdown) and b.text == "")]


class InlineExpressionError(RuntimeError):
    """An inline expression failed; the message names the chapter file, its line and the expression."""


def inline_text(value: Any) -> str:
    """An inline expression's value as Quarto inserts it: markdown as markdown, a string as is, else its repr."""
    if hasattr(value, "_repr_markdown_"):
        return str(value._repr_markdown_())
    if isinstance(value, str):
        return value
    return repr(value)


def inline_values(block: Markdown, namespace: dict) -> list[str]:
    """Evaluate each inline expression of ``block`` in ``namespace`` (the kernel's), in order."""
    out = []
    for m in INLINE.finditer(block.text):
        expr = m.group(1)
        line = block.line + _line_of(block.text, m.start()) - 1
        try:
            value = eval(compile(expr, f"{block.origin}:{line}", "eval"), namespace)  # noqa: S307 (the report's own source)
        except Exception as exc:  # any error: say where, in the chapter's terms
            raise InlineExpressionError(
                f"{block.origin or 'the document'}, line {line}: the inline expression `{{python}} {expr}` raised "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        out.append(inline_text(value))
    return out


INLINE_MIME = "application/vnd.linreg.inline+json"


def inline_cell_source(block: Markdown) -> str:
    """The kernel code that evaluates ``block``'s inline expressions and displays their texts (binds no name)."""
    return (
        f"__import__({__name__!r}, fromlist=['emit_inline']).emit_inline("
        f"{block.text!r}, {block.origin!r}, {block.line!r}, globals())"
    )


def emit_inline(text: str, origin: str, line: int, namespace: dict) -> None:
    """Run in the kernel: display the block's inline values under ``INLINE_MIME`` for the renderer to place."""
    from IPython.display import display

    display({INLINE_MIME: inline_values(Markdown(text, origin, line), namespace)}, raw=True)


def substitute_inline(block: Markdown, values: list[str]) -> str:
    """``block``'s text with its inline expressions replaced by ``values``, in order."""
    it = iter(values)
    return INLINE.sub(lambda m: next(it), block.text)


def numbering(doc: Document) -> dict[str, str]:
    """``fig-x`` → "Figure 1", ``tbl-y`` → "Table 1", in document order, as Quarto numbers them."""
    counts = {"fig": 0, "tbl": 0}
    names = {"fig": "Figure", "tbl": "Table"}
    out = {}
    for block in doc.blocks:
        if isinstance(block, Code) and block.label:
            kind = block.label.split("-", 1)[0]
            if kind in counts:
                counts[kind] += 1
                out[block.label] = f"{names[kind]} {counts[kind]}"
    return out


def resolve_crossrefs(text: str, numbers: dict[str, str]) -> str:
    """``@fig-x`` → a link "[Figure 1](#fig-x)"; an unknown label is left visible, as Quarto does."""

    def sub(m: re.Match) -> str:
        label = m.group(1)
        return f"[{numbers[label]}](#{label})" if label in numbers else f"?@{label}"

    return re.sub(r"(?<![\w@])@((?:fig|tbl)-[\w-]+)", sub, text)


def callouts_to_divs(text: str) -> str:
    """``::: {.callout-note title="T"}`` → a div with a bold title line (pandoc has no callouts)."""

    def sub(m: re.Match) -> str:
        kind, title = m.group(1), m.group(2)
        head = f"::: {{.callout .callout-{kind}}}\n"
        return head + (f"**{title}**\n\n" if title else "")

    return re.sub(r'^:::\s*\{\.callout-(\w+)(?:\s+title="([^"]*)")?\}[ \t]*\n', sub, text, flags=re.MULTILINE)
