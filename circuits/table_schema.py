"""Schemas of the project's data tables other than the ``[params.<key>]`` files of
:mod:`circuits.schema` (the rule deck, energy table, CACTI table, backbone, published
claims, testbench notes): pydantic v2 models read once where a command starts, with
one-line messages.

A data file is a set of TOML tables; its schema is a pydantic model whose fields mirror
them (a table is a sub-model, an array of tables a list of sub-models).  Every field
carries its type, its range (``ge``/``le``/``gt``/``lt``), a description and, in
``json_schema_extra``, its ``unit`` and the ``reason`` of the range (or, for a composite
field, the ``allowed`` text).  :func:`validate`
turns the first error into one line naming the file, the table and key, the value and
what is allowed: ``<file>: [cpp] value_m = 5e-06 is not allowed (allowed: 2e-08 to 1e-06
m); <reason>``; an unknown key gets the did-you-mean hint of
:func:`circuits.schema.unknown_message`; an entry without ``source`` is "has no source".
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal, get_args, get_origin

import annotated_types as at
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from pydantic.fields import FieldInfo

from circuits.schema import read_toml, unknown_message

__all__ = ["Entry", "entry_model", "quantity", "read_table_file", "validate"]

STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)
"""Unknown keys refused; no coercion (a bool is not a number, a string not a float)."""


def quantity(lo: float, hi: float, unit: str, reason: str, description: str = "") -> FieldInfo:
    """A finite number in ``[lo, hi]`` ``unit``; ``reason``: why a value outside is wrong."""
    return Field(
        ge=lo,
        le=hi,
        allow_inf_nan=False,
        description=description or reason,
        json_schema_extra={"unit": unit, "reason": reason},
    )


class Entry(BaseModel):
    """One table of a cost file: where the value comes from."""

    model_config = STRICT
    source: str = Field(pattern=r"\S", description="DOI or URL of the value (not blank)")
    note: str = Field(default="", description="what the value is, derived how")
    estimate: bool = Field(default=False, description="derived or chosen, not published")


def entry_model(
    name: str, key: str, kind: type, field: FieldInfo, base: type[BaseModel] = Entry
) -> type[BaseModel]:
    """An :class:`Entry` with one value key ``key`` of type ``kind`` constrained by ``field``."""
    return create_model(name, __base__=base, **{key: (kind, field)})


def read_table_file(path: Path | str, what: str, model: type[BaseModel]):
    """The file at ``path`` parsed (:func:`circuits.schema.read_toml`) and validated."""
    path = Path(path)
    return validate(model, read_toml(path, what), str(path))


def validate(model, data, where: str):
    """``model`` built from ``data``; the first error is a one-line ValueError."""
    try:
        if isinstance(model, type) and issubclass(model, BaseModel):
            return model.model_validate(data)
        return model(**data)  # a pydantic dataclass
    except ValidationError as exc:
        raise ValueError(message(exc, where, model)) from None


# ----------------------------------------------------------------------------- messages
_UNKNOWN = ("extra_forbidden", "unexpected_keyword_argument")
"""Error types of a key the schema does not know (model, pydantic dataclass)."""
_NO_SOURCE = ("missing", "string_too_short", "string_pattern_mismatch")
"""Error types of a ``source`` that is absent, empty or blank."""


def message(exc: ValidationError, where: str, model) -> str:
    """One line for the first error of ``exc`` (``where``: the file, or file and table)."""
    errors = exc.errors()
    unknown = [e for e in errors if e["type"] in _UNKNOWN]
    err = (unknown or errors)[0]
    loc = tuple(err["loc"])
    if unknown:
        parent = loc[:-1]
        extra = [str(e["loc"][-1]) for e in unknown if tuple(e["loc"][:-1]) == parent]
        known = _fields(_model_at(model, parent))
        head = f"{where}: {label(parent, table=True)}: " if parent else f"{where}: "
        return head + unknown_message("key", extra, known)
    if loc and loc[-1] == "source" and err["type"] in _NO_SOURCE:
        table = label(loc[:-1], table=True)
        return f"{where}: {table} has no source" if table else f"{where} has no source"
    if err["type"] == "missing":
        info = _field_at(model, loc)
        extra = info.json_schema_extra if info and isinstance(info.json_schema_extra, dict) else {}
        allowed = f" (allowed: {extra['allowed']})" if "allowed" in extra else ""
        return f"{where}: {label(loc)} is missing{allowed}"
    if err["type"] in ("value_error", "assertion_error"):
        text = err["msg"].removeprefix("Value error, ")
        return f"{where}: {label(loc)}: {text}" if loc else f"{where}: {text}"
    info = _field_at(model, loc)
    allowed, reason = _allowed(info, item=isinstance(loc[-1], int))
    if err["type"].endswith("_type") and allowed[:1].isdigit():
        allowed = f"a number from {allowed}"
    return f"{where}: {label(loc)} = {err['input']!r} is not allowed (allowed: {allowed})" + (
        f"; {reason}" if reason else ""
    )


def label(loc, table: bool = False) -> str:
    """A location as it reads in the TOML: ``[cpp] value_m``, ``[[run]] #3 read_nj``,
    ``[node_scaling] hp32[2]`` (``table``: the location is a table, ``[cpp]``)."""
    out: list[str] = []
    for i, part in enumerate(loc):
        rest = loc[i + 1 :]
        if isinstance(part, int):
            if i and isinstance(loc[i - 1], str) and out[-1].startswith("[["):
                continue  # the number of an array of tables, written with its name
            out[-1] += f"[{part}]"
        elif rest and isinstance(rest[0], int) and (len(rest) > 1 and isinstance(rest[1], str)):
            out.append(f"[[{part}]] #{rest[0] + 1}")
        elif rest and isinstance(rest[0], int) and len(rest) == 1 and table:
            out.append(f"[[{part}]] #{rest[0] + 1}")
        elif (rest and isinstance(rest[0], str)) or (not rest and table):
            out.append(f"[{part}]")
        else:
            out.append(str(part))
    return " ".join(out)


def _fields(model) -> dict[str, FieldInfo]:
    if model is None:
        return {}
    return getattr(model, "__pydantic_fields__", None) or {}


def _inner_model(annotation):
    if isinstance(annotation, type) and hasattr(annotation, "__pydantic_fields__"):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _model_at(model, loc):
    for part in loc:
        if isinstance(part, int):
            continue
        info = _fields(model).get(part)
        if info is None:
            return None
        model = _inner_model(info.annotation)
    return model


def _field_at(model, loc) -> FieldInfo | None:
    """The field a location ends in (the deepest field on the way: a dict key or a list
    index inside a field stays in that field)."""
    info = None
    for part in loc:
        found = _fields(model).get(part) if isinstance(part, str) else None
        if found is not None:
            info, model = found, _inner_model(found.annotation)
    return info


def _allowed(info: FieldInfo | None, item: bool = False) -> tuple[str, str]:
    """(what is allowed, reason of the range) of one field (``item``: of one item of a
    list field)."""
    if info is None:
        return "a value of the declared type", ""
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    unit, reason = str(extra.get("unit", "")), str(extra.get("reason", ""))
    if "allowed" in extra:  # a field that says what it allows in its own words
        return str(extra["allowed"]), reason
    if item:
        return "a finite number", ""
    bounds = {}
    for m in info.metadata:
        for name in ("ge", "gt", "le", "lt", "multiple_of", "min_length", "max_length"):
            if hasattr(m, name) and isinstance(m, at.BaseMetadata):
                bounds[name] = getattr(m, name)
    ann = info.annotation
    lo = bounds.get("ge", bounds.get("gt"))
    hi = bounds.get("le", bounds.get("lt"))
    if get_origin(ann) is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(ann)), reason
    if ann is bool:
        return "true or false", reason
    if ann is int and lo is None and hi is None:
        return "an integer", reason
    if ann is int:
        step = f", a multiple of {bounds['multiple_of']}" if "multiple_of" in bounds else ""
        return f"an integer from {lo} to {hi}{step}", reason
    if ann is float:
        if lo is None and hi is None:
            return "a finite number", reason
        lo_t = "-inf" if lo is None else f"{lo:g}"
        hi_t = "inf" if hi is None or math.isinf(hi) else f"{hi:g}"
        return f"{lo_t} to {hi_t}{' ' + unit if unit else ''}", reason
    if ann is str:
        return ("non-empty text" if bounds.get("min_length") else "text"), reason
    if get_origin(ann) is list and "min_length" in bounds:
        return f"a list of {bounds['min_length']} finite numbers", reason
    return getattr(ann, "__name__", str(ann)), reason
