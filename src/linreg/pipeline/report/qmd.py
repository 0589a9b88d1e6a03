"""Parse the Quarto subset the report uses into markdown and code blocks.

Supported (and tested, so the fallback renders what Quarto renders): YAML front
matter; ```{python} cells with ``#|`` options (echo, output, warning, label,
fig-cap, tbl-cap); fenced-div callouts (``::: {.callout-note title="…"}``);
cross-references ``@fig-…`` / ``@tbl-…`` to labelled cells; $…$ and $$…$$ math.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

CELL = re.compile(r"^```\{python\}[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)


@dataclass
class Markdown:
    text: str


@dataclass
class Code:
    source: str
    options: dict = field(default_factory=dict)

    @property
    def label(self) -> str | None:
        return self.options.get("label")


@dataclass
class Document:
    front_matter: dict
    front_text: str
    blocks: list[Markdown | Code]


def parse(text: str) -> Document:
    match = FRONT.match(text)
    front_text = match.group(0) if match else ""
    front = yaml.safe_load(match.group(1)) if match else {}
    body = text[len(front_text) :]
    blocks: list[Markdown | Code] = []
    pos = 0
    for cell in CELL.finditer(body):
        if cell.start() > pos:
            blocks.append(Markdown(body[pos : cell.start()]))
        lines = cell.group(1).splitlines()
        option_lines = []
        while lines and lines[0].startswith("#|"):
            option_lines.append(lines.pop(0)[2:].strip())
        options = yaml.safe_load("\n".join(option_lines)) or {} if option_lines else {}
        blocks.append(Code("\n".join(lines), options))
        pos = cell.end()
    if pos < len(body):
        blocks.append(Markdown(body[pos:]))
    return Document(front or {}, front_text, blocks)


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
