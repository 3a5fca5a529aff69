"""Schemas of the project's parameter files: ``[params.<key>]`` tables of value, unit,
source and note, validated once where a command starts (pydantic v2).

A file's quantities are :class:`Quantity` records (declared unit, physical range, the
reason or source of that range, a description).  :func:`read_entries` checks each entry's
structure (known entry keys, a finite number that is not a boolean, a source) and brings
its value to the declared unit (:func:`to_declared_unit`: a unit written differently but
of the same dimension is converted with pint, e.g. 7.958 kOhm -> 7958 ohm; another
dimension is refused); :func:`check_ranges` validates the values against the ranges with
a pydantic model built from the quantities.  Every message is one line naming the file,
the key, the value and what is allowed.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model


@dataclass(frozen=True)
class Quantity:
    """One value of a parameter file: its declared unit ('' = dimensionless), the range
    a physical value lies in (open or closed ends) and where that range comes from."""

    name: str
    unit: str
    lo: float
    hi: float
    description: str
    reason: str
    lo_open: bool = False
    hi_open: bool = False

    def contains(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        above = value > self.lo if self.lo_open else value >= self.lo
        below = value < self.hi if self.hi_open else value <= self.hi
        return above and below

    def allowed(self) -> str:
        lo = "(" if self.lo_open else "["
        hi = ")" if self.hi_open else "]"
        return f"{lo}{self.lo:g}, {self.hi:g}{hi} {self.unit}".rstrip()

    def field(self):
        """The pydantic field of this quantity (bounds, description, unit, reason)."""
        bounds = {
            ("gt" if self.lo_open else "ge"): self.lo,
            ("lt" if self.hi_open else "le"): self.hi,
        }
        bounds = {k: v for k, v in bounds.items() if math.isfinite(v)}
        return Field(
            description=self.description,
            allow_inf_nan=False,
            json_schema_extra={"unit": self.unit, "range_reason": self.reason},
            **bounds,
        )


def unknown_message(what: str, unknown, known) -> str:
    """'unknown <what>(s) 'x' (did you mean 'y'?); known: ...'."""
    known = list(known)
    parts = []
    for key in unknown:
        near = difflib.get_close_matches(key, known, n=1)
        parts.append(f"{key!r}" + (f" (did you mean {near[0]!r}?)" if near else ""))
    return f"unknown {what}(s) {', '.join(parts)}; known: {', '.join(known)}"


# ----------------------------------------------------------------------------- the file
def read_toml(path: Path | str, what: str) -> dict:
    """The parsed file; a missing file, a folder or bad TOML is one line naming it."""
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{what} {path} is a folder; give a .toml file")
    if not path.is_file():
        raise FileNotFoundError(f"{what} {path} does not exist")
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{what} {path}: not valid TOML: {exc}") from None


class _Entry(BaseModel):
    """One ``[params.<key>]`` table."""

    model_config = ConfigDict(extra="forbid", strict=True)
    value: float = Field(allow_inf_nan=False, description="the value, in `unit`")
    unit: str | None = Field(default=None, description="unit of `value` (default: declared)")
    source: str = Field(default="", description="DOI or URL of the value")
    note: str = Field(default="", description="measured / derived / estimate, and how")


class _ProvenanceEntry(_Entry):
    provenance_only: bool = Field(
        default=False, description="documents the value; not passed to the model"
    )


@dataclass(frozen=True)
class Entry:
    """A validated entry: value in its declared unit, source, provenance flag."""

    value: float
    source: str
    provenance_only: bool


def read_entry(where: str, entry, allow_provenance: bool) -> tuple[float, str | None, Entry]:
    """``(raw value, unit as written, Entry)`` of one table; one-line errors naming ``where``."""
    model = _ProvenanceEntry if allow_provenance else _Entry
    if not isinstance(entry, dict):
        raise ValueError(f"{where} must be a table with value, unit, source, note")
    try:
        e = model.model_validate(entry)
    except ValidationError as exc:
        err = exc.errors()[0]
        extra = [str(x["loc"][0]) for x in exc.errors() if x["type"] == "extra_forbidden"]
        if extra:
            raise ValueError(
                f"{where}: " + unknown_message("entry key", extra, sorted(model.model_fields))
            ) from None
        field = str(err["loc"][0]) if err["loc"] else "?"
        if field == "value" and err["type"] == "missing":
            raise ValueError(f"{where} has no 'value'") from None
        if field == "value":
            raise ValueError(f"{where}: value={err['input']!r} is not a finite number") from None
        raise ValueError(f"{where}: {field}={err.get('input')!r} must be text") from None
    flag = bool(getattr(e, "provenance_only", False))
    return e.value, e.unit, Entry(value=e.value, source=e.source.strip(), provenance_only=flag)


# ----------------------------------------------------------------------------- units
_DIMENSIONLESS = {"", "1", "-", "dimensionless"}
_RELATIVE = {"Ic0"}
"""Declared units that are ratios to another parameter (``ismooth`` in units of Ic0)."""


def _normal(unit: str) -> str:
    unit = unit.strip()
    return "" if unit in _DIMENSIONLESS else unit


@cache
def _registry():
    import pint  # imported only when a unit must be converted (about 0.5 s)

    return pint.UnitRegistry(autoconvert_offset_to_baseunit=False)


def _pint_text(unit: str) -> str:
    return (unit or "dimensionless").replace("Ohm", "ohm")


_PREFIXES = {"f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9}
_PREFIXABLE = {"s", "m", "V", "A", "ohm", "Ohm", "F", "W", "J", "H"}


def _prefix_scale(unit: str, declared: str) -> float | None:
    """The factor of a unit that is the declared SI unit with a metric prefix (ns for s,
    nm for m), None for anything else (pint converts those)."""
    if declared in _PREFIXABLE and len(unit) == len(declared) + 1 and unit[1:] == declared:
        return _PREFIXES.get(unit[0])
    return None


def to_declared_unit(value: float, unit: str | None, q: Quantity, where: str) -> float:
    """``value`` written in ``unit`` expressed in the quantity's declared unit.

    No unit, or the declared one: unchanged.  A unit of the same dimension: converted
    (pint), so 7.958 kOhm is 7958 ohm and 27 degC as an absolute temperature is 300.15 K.
    Another dimension, or a unit pint does not know: refused naming both."""
    if unit is None or _normal(unit) == _normal(q.unit):
        return value
    if _normal(q.unit) in _RELATIVE:
        if _normal(unit) == "":
            return value
        raise ValueError(f"{where}: unit={unit!r}; allowed {q.unit!r} (a ratio)")
    scale = _prefix_scale(_normal(unit), _normal(q.unit))
    if scale is not None:
        return value * scale
    import pint

    ureg = _registry()
    try:
        converted = ureg.Quantity(value, _pint_text(_normal(unit))).to(_pint_text(_normal(q.unit)))
    except (pint.errors.PintError, ValueError, TypeError, AttributeError) as exc:
        raise ValueError(
            f"{where}: unit={unit!r} does not convert to the declared unit {q.unit or '1'!r} "
            f"({type(exc).__name__})"
        ) from None
    return float(converted.magnitude)


# ----------------------------------------------------------------------------- ranges
@cache
def _values_model(title: str, quantities: tuple[Quantity, ...]) -> type[BaseModel]:
    fields = {q.name: (float, q.field()) for q in quantities}
    return create_model(title, __config__=ConfigDict(strict=True, extra="forbid"), **fields)


def check_ranges(path: Path, what: str, values: dict[str, float], quantities) -> None:
    """Validate ``values`` against the quantities' ranges (a pydantic model built from
    them); the first failure is one line: file, key, value, allowed range and its reason."""
    qs = tuple(quantities[k] for k in values)
    model = _values_model(what, qs)
    try:
        model.model_validate(values)
    except ValidationError as exc:
        key = str(exc.errors()[0]["loc"][0])
        q = quantities[key]
        unit = f" {q.unit}" if q.unit else ""
        raise ValueError(
            f"{what} {path}: [params.{key}]: {key}={values[key]:g}{unit} is out of range; "
            f"allowed {q.allowed()} ({q.reason})"
        ) from None
