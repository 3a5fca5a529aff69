"""The MTJ compact model's own declarations, read from its Verilog-A source.

``models/verilog_a/mtj_parameters.vams`` declares every parameter once, with its unit,
description, default and allowed range; ``models/verilog_a/mtj_macros.vams`` holds the
model's numerical constants as `` `define`` lines.  This module parses both, so the Python
side (parameter validation, the analytic references, the B-source transcription) uses the
very values the compiled model uses and keeps no copy of its own.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .paths import model_file

PARAMETERS_FILE = model_file("verilog_a", "mtj_parameters.vams")
MACROS_FILE = model_file("verilog_a", "mtj_macros.vams")

_PARAM_RE = re.compile(
    r'^\(\*units="(?P<units>[^"]*)", desc="(?P<desc>[^"]*)"\*\)\s*'
    r"parameter real (?P<name>\w+)\s*=\s*(?P<default>[-+0-9.eE]+)\s+"
    r"from\s+(?P<lo_br>[\[(])(?P<lo>[^:]+):(?P<hi>[^\])]+)(?P<hi_br>[\])])"
    r"(?:\s+exclude\s+\S+)?\s*;"
)
_DEFINE_RE = re.compile(r"^`define\s+(?P<name>\w+)\s+(?P<value>\S+)\s*$")


@dataclass(frozen=True)
class ParamSpec:
    """One model parameter as the Verilog-A source declares it (SI units)."""

    name: str
    default: float
    lo: float
    lo_open: bool
    hi: float
    hi_open: bool
    units: str
    desc: str
    exclude_open_interior: bool = False

    def allowed(self) -> str:
        """The allowed range in interval notation, with the unit."""
        text = (
            f"{'(' if self.lo_open else '['}{self.lo:g}, {self.hi:g}{')' if self.hi_open else ']'}"
        )
        if self.exclude_open_interior:
            text = f"{{{self.lo:g}, {self.hi:g}}}"
        return f"{text} {self.units}".rstrip()

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in the declared range."""
        if not math.isfinite(value):
            return False
        if self.exclude_open_interior:
            return value in (self.lo, self.hi)
        above = value > self.lo if self.lo_open else value >= self.lo
        below = value < self.hi if self.hi_open else value <= self.hi
        return above and below


def _number(text: str) -> float:
    text = text.strip()
    return math.inf if text == "inf" else float(text)


def parse_parameters(text: str) -> dict[str, ParamSpec]:
    """Parameter declarations of a ``.vams`` text (one declaration per line)."""
    specs: dict[str, ParamSpec] = {}
    for line in text.splitlines():
        line = line.strip()
        if "parameter real" not in line or line.startswith("//"):
            continue
        match = _PARAM_RE.match(line)
        if not match:
            raise ValueError(f"{PARAMETERS_FILE.name}: cannot read the declaration {line!r}")
        g = match.groupdict()
        specs[g["name"]] = ParamSpec(
            name=g["name"],
            default=float(g["default"]),
            lo=_number(g["lo"]),
            lo_open=g["lo_br"] == "(",
            hi=_number(g["hi"]),
            hi_open=g["hi_br"] == ")",
            units=g["units"],
            desc=g["desc"],
            exclude_open_interior=" exclude (" in line,
        )
    return specs


def parse_macros(text: str) -> dict[str, float]:
    """Numeric `` `define`` constants of a ``.vams`` text."""
    out: dict[str, float] = {}
    for line in text.splitlines():
        match = _DEFINE_RE.match(line.strip())
        if match:
            try:
                out[match["name"]] = float(match["value"])
            except ValueError:
                continue
    return out


@cache
def parameters(path: Path = PARAMETERS_FILE) -> dict[str, ParamSpec]:
    """The model's parameters, by name, in declaration order."""
    return parse_parameters(Path(path).read_text())


@cache
def macros(path: Path = MACROS_FILE) -> dict[str, float]:
    """The model's numerical constants, by macro name."""
    return parse_macros(Path(path).read_text())


def constant(name: str) -> float:
    """One numerical constant of the model (a `` `define`` of mtj_macros.vams)."""
    table = macros()
    if name not in table:
        raise KeyError(f"{MACROS_FILE.name} defines no constant {name!r}; it has {sorted(table)}")
    return table[name]


def version() -> float:
    """The model version the source declares."""
    return parameters()["version"].default
