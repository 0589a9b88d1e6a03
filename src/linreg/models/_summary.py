"""Summaries in statsmodels' layout and number formatting, as text and as HTML for notebooks.

A ``Summary`` is the text itself (a ``str``: print it, search it) that also renders as an HTML table in
Jupyter (``_repr_html_``). Names are never cut: the name column and the table widen to the longest.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

WIDTH = 78  # statsmodels' summary width; wider only when a name or value needs it


def forg(x: float, prec: int = 3) -> str:
    """statsmodels' ``iolib.summary.forg``: 3 or 4 decimals, or significant digits when |x| ≥ 1e4 or < 1e-4."""
    x = float(x)
    if abs(x) >= 1e4 or abs(x) < 1e-4:
        return f"{x:.{prec}g}"
    return f"{x:.{prec}f}"


def fmt(value: float, spec: str) -> str:
    """A header value in statsmodels' format (``#8.4g``: 4794. for 4794), ``nan`` for NaN."""
    return "nan" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, spec).strip()


@dataclass
class Table:
    """The parts of a summary: title, header pairs, one table of rows per parameter, diagnostics, notes."""

    title: str
    top: list[tuple[tuple[str, str], tuple[str, str]]]  # ((label, value), (label, value)) per line
    header: list[str]  # the coefficient table's column heads
    rows: list[tuple[str, list[str]]]  # (name, formatted cells)
    bottom: list[tuple[tuple[str, str], tuple[str, str]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        stub = max([len(name) for name, _ in self.rows] + [0])
        cell = max([11] + [len(c) + 1 for _, cells in self.rows for c in cells] + [len(h) + 1 for h in self.header])
        width = max(WIDTH, stub + cell * len(self.header), *(self._pair_width(p) for p in self.top + self.bottom))
        stub = width - cell * len(self.header)  # statsmodels pads the name column to the table's width
        half = (width - 3) // 2

        def pair(a: tuple[str, str], b: tuple[str, str]) -> str:
            left = a[0] + a[1].rjust(max(half - len(a[0]), len(a[1]) + 1)) if a[0] or a[1] else ""
            right = b[0] + b[1].rjust(max(width - half - 3 - len(b[0]), len(b[1]) + 1)) if b[0] or b[1] else ""
            return (left.ljust(half) + "   " + right).rstrip()

        lines = [self.title.center(width).rstrip()]
        if self.top:
            lines += ["=" * width] + [pair(a, b) for a, b in self.top]
        if self.rows:
            lines += ["=" * width, " " * stub + "".join(h.rjust(cell) for h in self.header), "-" * width]
            lines += [name.ljust(stub) + "".join(c.rjust(cell) for c in cells) for name, cells in self.rows]
        if self.bottom:
            lines += ["=" * width] + [pair(a, b) for a, b in self.bottom]
        lines.append("=" * width)
        if self.notes:
            lines += ["", "Notes:"] + [f"[{i + 1}] {note}" for i, note in enumerate(self.notes)]
        return "\n".join(lines)

    @staticmethod
    def _pair_width(p: tuple[tuple[str, str], tuple[str, str]]) -> int:
        return 2 * max(len(p[0][0]) + len(p[0][1]), len(p[1][0]) + len(p[1][1])) + 5

    def html(self) -> str:
        e = html.escape

        def pairs(block: list[tuple[tuple[str, str], tuple[str, str]]]) -> str:
            body = "".join(
                f"<tr><th>{e(a[0])}</th><td>{e(a[1])}</td><th>{e(b[0])}</th><td>{e(b[1])}</td></tr>" for a, b in block
            )
            return f'<table class="simpletable">{body}</table>'

        parts = [f'<table class="simpletable"><caption>{e(self.title)}</caption></table>']
        if self.top:
            parts.append(pairs(self.top))
        if self.rows:
            head = "<tr><td></td>" + "".join(f"<th>{e(h)}</th>" for h in self.header) + "</tr>"
            body = "".join(
                f"<tr><th>{e(name)}</th>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>"
                for name, cells in self.rows
            )
            parts.append(f'<table class="simpletable">{head}{body}</table>')
        if self.bottom:
            parts.append(pairs(self.bottom))
        if self.notes:
            parts.append("<br/>Notes:<br/>" + "<br/>".join(f"[{i + 1}] {e(n)}" for i, n in enumerate(self.notes)))
        return "\n".join(parts)


class Summary(str):
    """The summary as text (this string), with ``as_text()``, ``as_html()`` and a notebook rendering."""

    _table: Table

    def __new__(cls, table: Table) -> Summary:
        self = super().__new__(cls, table.text())
        self._table = table
        return self

    def as_text(self) -> str:
        return str.__str__(self)

    def as_html(self) -> str:
        return self._table.html()

    def _repr_html_(self) -> str:
        return self.as_html()


def coefficient_cells(b: float, se: float, stat: float, p: float, lo: float, hi: float) -> list[str]:
    """One row of the coefficient table, formatted as statsmodels' ``summary_params``."""
    return [forg(b, 4), forg(se), forg(stat), fmt(p, "#6.3f"), forg(lo), forg(hi)]


def coefficient_header(use_t: bool, alpha: float) -> list[str]:
    t = "t" if use_t else "z"
    return ["coef", "std err", t, f"P>|{t}|", f"[{alpha / 2}", f"{1 - alpha / 2}]"]
