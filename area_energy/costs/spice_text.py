"""SPICE netlist text, read the way ngspice reads it: numbers with scale suffixes, logical
lines (comments dropped, ``+`` continuations joined) and an element line's fields.

The lexical layer under :mod:`area_energy.costs.netlist_inventory`, which turns the lines
into devices.
"""

from __future__ import annotations

import re

_NUMBER_RE = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)([a-z]*)$")
# Order matters: "meg" and "mil" before "m".
_SCALES = (
    ("meg", 1e6),
    ("mil", 25.4e-6),
    ("t", 1e12),
    ("g", 1e9),
    ("k", 1e3),
    ("m", 1e-3),
    ("u", 1e-6),
    ("n", 1e-9),
    ("p", 1e-12),
    ("f", 1e-15),
    ("a", 1e-18),
)


def parse_spice_number(text: str) -> float:
    """A SPICE number as a float: ``"100n"`` -> 1e-7, ``"1.5meg"`` -> 1.5e6.

    Scale suffixes (case-insensitive): t g meg k m mil u n p f a.  Letters after the scale
    (units such as ``nm``, ``pF``, ``Ohm``) are ignored, as SPICE does; so are unit letters
    with no scale (``0.9V``).  Raises ``ValueError`` naming the text if it is no number.
    """
    cleaned = text.strip().lower().replace("\u00b5", "u").replace("\u03bc", "u")
    match = _NUMBER_RE.match(cleaned)
    if match is None:
        raise ValueError(
            f"{text!r} is not a SPICE number (allowed: a float with an optional scale "
            "suffix t g meg k m mil u n p f a, e.g. 1e-07, 100n, 0.1u)"
        )
    value = float(match.group(1))
    suffix = match.group(2)
    for name, scale in _SCALES:
        if suffix.startswith(name):
            return value * scale
    return value


def strip_inline_comment(line: str) -> str:
    cut = len(line)
    semicolon = line.find(";")
    if semicolon >= 0:
        cut = min(cut, semicolon)
    dollar = re.search(r"\s\$", line)
    if dollar:
        cut = min(cut, dollar.start())
    return line[:cut].rstrip()


def logical_lines(text: str) -> list[str]:
    """Comment-free lines with ``+`` continuations joined and ``k = v`` tightened."""
    lines: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("*"):
            continue
        line = strip_inline_comment(line)
        if not line:
            continue
        if line.startswith("+"):
            if not lines:
                raise ValueError(
                    f"line {number}: continuation line {raw.strip()!r} has no line to continue "
                    "(a '+' line must follow an element or dot-command)"
                )
            lines[-1] = f"{lines[-1]} {line[1:].strip()}"
            continue
        lines.append(line)
    return [re.sub(r"\s*=\s*", "=", line) for line in lines]


def split_fields(line: str) -> tuple[list[str], dict[str, str]]:
    """Positional tokens (original case) and ``key=value`` parameters (keys lower case)."""
    positional: list[str] = []
    params: dict[str, str] = {}
    for token in line.split():
        if "=" in token:
            key, _, value = token.partition("=")
            if not key or not value:
                raise ValueError(f"malformed parameter {token!r} in line {line!r}")
            params[key.lower()] = value
        else:
            positional.append(token)
    return positional, params
