"""Linear hypotheses written with parameter names, as statsmodels (patsy) reads them.

``"bmi = bp"``, ``"bmi, bp"`` (each equal to zero), ``"2*bmi - bp = 1, s1 = s2"``: a comma-separated
list of linear equations in the parameter names, each side a sum of terms ``[number [*]] name`` or a
number (``name * number`` too). One equation is one row of R in Rθ = q. Names are matched whole,
longest first, so names holding spaces, dots or brackets ("x[1]", "median income") work as written.
"""

from __future__ import annotations

import re

import numpy as np

_NUMBER = re.compile(r"\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?")


def _tokens(text: str, names: list[str], constraint: str) -> list[tuple[str, object]]:
    """("num", value), ("name", index) and ("op", "+-*") tokens; names matched whole, longest first."""
    by_length = sorted(range(len(names)), key=lambda j: len(names[j]), reverse=True)
    out: list[tuple[str, object]] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
        elif text[i] in "+-*":
            out.append(("op", text[i]))
            i += 1
        elif (j := next((j for j in by_length if _name_at(text, i, names[j])), None)) is not None:
            out.append(("name", j))
            i += len(names[j])
        elif number := _NUMBER.match(text, i):
            out.append(("num", float(number.group())))
            i = number.end()
        else:
            word = re.match(r"[^\s+\-*=,]+", text[i:])
            raise ValueError(
                f"{(word.group() if word else text[i:])!r} in {constraint!r} is not a parameter name; the "
                f"parameters are {', '.join(names)}"
            )
    return out


def _name_at(text: str, i: int, name: str) -> bool:
    """``name`` starts at i and ends there as a word ("bmi" is not read out of "bmii")."""
    end = i + len(name)
    word = re.compile(r"\w")
    return text.startswith(name, i) and not (end < len(text) and word.match(name[-1]) and word.match(text[end]))


def _side(text: str, names: list[str], constraint: str) -> tuple[np.ndarray, float]:
    """Coefficients per name and the constant of one side of an equation: a sum of terms
    ``[±] number``, ``[±] [number [*]] name`` or ``[±] name * number``."""
    tokens = _tokens(text, names, constraint)
    coefs, const, i = np.zeros(len(names)), 0.0, 0

    def bad() -> ValueError:
        return ValueError(
            f"{constraint!r} is not a linear equation in the parameter names (terms like 2*bmi, -bp, 3, "
            "joined by + and -)"
        )

    while i < len(tokens):
        sign = 1.0
        while i < len(tokens) and tokens[i] in (("op", "+"), ("op", "-")):
            sign, i = (-sign if tokens[i][1] == "-" else sign), i + 1
        factor, name = 1.0, None
        if i < len(tokens) and tokens[i][0] == "num":
            factor, i = float(tokens[i][1]), i + 1  # type: ignore[arg-type]
            if i < len(tokens) and tokens[i] == ("op", "*"):
                i += 1
                if i >= len(tokens) or tokens[i][0] != "name":
                    raise bad()
            if i < len(tokens) and tokens[i][0] == "name":
                name, i = int(tokens[i][1]), i + 1  # type: ignore[call-overload]
        elif i < len(tokens) and tokens[i][0] == "name":
            name, i = int(tokens[i][1]), i + 1  # type: ignore[call-overload]
            if i + 1 < len(tokens) and tokens[i] == ("op", "*") and tokens[i + 1][0] == "num":
                factor, i = float(tokens[i + 1][1]), i + 2  # type: ignore[arg-type]
        else:
            raise bad()
        if name is None:
            const += sign * factor
        else:
            coefs[name] += sign * factor
        if i < len(tokens) and tokens[i] not in (("op", "+"), ("op", "-")):
            raise bad()
    return coefs, const


def parse_constraints(text: str, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(R, q) for the hypotheses in ``text``: R (J, k) with one column per name, q (J,).

    >>> R, q = parse_constraints("b = 2*c, a", ["a", "b", "c"])
    >>> R.tolist(), q.tolist()
    ([[0.0, 1.0, -2.0], [1.0, 0.0, 0.0]], [0.0, 0.0])
    """
    rows, rhs = [], []
    for constraint in _split_top_level(text):
        sides = constraint.split("=")
        if len(sides) > 2:
            raise ValueError(f"{constraint!r} has more than one '=': write one equation per comma")
        left, lconst = _side(sides[0], names, constraint)
        right, rconst = (np.zeros(len(names)), 0.0) if len(sides) == 1 else _side(sides[1], names, constraint)
        row = left - right
        if not row.any():
            raise ValueError(f"{constraint!r} names no parameter (the parameters are {', '.join(names)})")
        rows.append(row)
        rhs.append(rconst - lconst)
    if not rows:
        raise ValueError(f"no hypothesis in {text!r}: write e.g. {names[-1]!r} or '{names[-1]} = 0'")
    return np.array(rows), np.array(rhs)


def _split_top_level(text: str) -> list[str]:
    """The comma-separated equations; one pair of parentheses around an equation is allowed."""
    parts = [p.strip() for p in text.split(",")]
    return [p[1:-1].strip() if p.startswith("(") and p.endswith(")") else p for p in parts if p]
