"""The sweep spec file's schema: pydantic v2 models of its tables, read where a sweep starts.

:class:`SpecFile` is the TOML layout (top-level keys, ``[params.<name>]``,
``[overrides.<index>]``, ``[limits.<figure>]``, ``[window]``); :class:`Law` is one swept
parameter's law (the requirements of its ``dist``), :class:`LimitsTable` one figure's
datasheet limits.  Every field says what it allows in its own words
(``json_schema_extra["allowed"]``), and :func:`validated` turns the first error into one
line naming where (the spec, its table), the key, the value and what is allowed::

    sweep spec: [limits.y]: max = inf must be a finite number (in the figure's units)
    sweep spec: [params.x]: unknown key 'sigm' (did you mean 'sigma'?); allowed: dist, ...
    sweep parameter 'x': dist='lognormal' needs 'median'

The models check; the spec keeps the values as written (an integer stays an integer, so a
sweep's fingerprint is what it was before the schema).  The physical ranges of the swept
values (temperature, supply, device quantities) are :mod:`.spec_checks`'.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from circuits.schema import unknown_message

KINDS = ("normal", "lognormal", "uniform", "choice", "cycle", "fixed")
"""Distribution kinds of a swept parameter:

- ``normal``: ``mean`` + ``sigma`` (absolute) or ``rel_sigma`` (relative to ``mean``);
- ``lognormal``: ``median`` x exp(``sigma`` z), ``sigma`` is the standard deviation of ln x
  (about the relative spread for small values);
- ``uniform``: between ``low`` and ``high``;
- ``choice``: one of ``values`` at random (numbers or strings, e.g. input patterns);
- ``cycle``: corners -- every ``cycle`` parameter walks its ``values`` deterministically, and
  together they form a full factorial grid (the first one varies fastest);
- ``fixed``: always ``value``.
"""
RESERVED_COLUMNS = ("index", "status", "elapsed_s", "worker", "error")
"""Column names of the results table that no parameter or figure may take."""

STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)
"""Unknown keys refused; no coercion (a bool is not a number, a string not a float)."""

Finite = Annotated[float, Field(allow_inf_nan=False)]
Scalar = Annotated[int, Field(strict=True)] | Finite | str
"""A value a law walks or takes: a number (an integer stays one) or a string."""


def allows(text: str, description: str, item: str = "", **kwargs):
    """A field that says what it allows (``text``; ``item``: of one item of a list)."""
    extra = {"allowed": text} | ({"item": item} if item else {})
    return Field(description=description, json_schema_extra=extra, **kwargs)


NUMBER = "a finite number"
FIGURE_UNITS = NUMBER + " (in the figure's units)"


class ParamTable(BaseModel):
    """One ``[params.<name>]`` table as written: the law's keys and their types (a normal or
    lognormal law may leave its centre to the spec's device file)."""

    model_config = STRICT
    dist: Literal[KINDS] = allows("one of " + ", ".join(KINDS), "the law")
    mean: Finite | None = allows(NUMBER, "centre of a normal law", default=None)
    median: Finite | None = allows(NUMBER, "median of a lognormal law", default=None)
    sigma: Finite | None = allows(
        NUMBER, "spread: absolute (normal), of ln x (lognormal)", default=None
    )
    rel_sigma: Finite | None = allows(NUMBER, "spread relative to the mean", default=None)
    low: Finite | None = allows(NUMBER, "lower end of a uniform law", default=None)
    high: Finite | None = allows(NUMBER, "upper end of a uniform law", default=None)
    values: list[Scalar] = allows(
        "a list of numbers or strings",
        "what a choice or cycle takes",
        item="a number or a string",
        default=[],
    )
    value: Scalar | None = allows("a number or a string", "a fixed law's value", default=None)
    source: str = allows("a string", "where the spread comes from", default="")
    note: str = allows("a string", "a remark", default="")


class Law(ParamTable):
    """A swept parameter's law with the requirements of its ``dist`` (after the device file
    gave the centres the table left out)."""

    name: str = allows(
        "a non-empty string other than " + ", ".join(RESERVED_COLUMNS), "the parameter's name"
    )

    @model_validator(mode="after")
    def _law(self):
        if not self.name or self.name in RESERVED_COLUMNS:
            raise ValueError(
                f"a name must be a non-empty string other than {', '.join(RESERVED_COLUMNS)}"
            )
        d = self.dist
        if d == "normal":
            _need(d, "mean", self.mean)
            if (self.sigma is None) == (self.rel_sigma is None):
                raise ValueError("dist='normal' needs exactly one of 'sigma', 'rel_sigma'")
            if (self.sigma if self.sigma is not None else self.rel_sigma) < 0:
                raise ValueError("the spread of a normal law must be >= 0")
        elif d == "lognormal":
            _need(d, "median", self.median)
            if self.median <= 0:
                raise ValueError(f"median={self.median!r} must be > 0")
            _need(d, "sigma", self.sigma)
            if self.sigma < 0:
                raise ValueError(f"sigma={self.sigma!r} must be >= 0")
        elif d == "uniform":
            _need(d, "low", self.low)
            _need(d, "high", self.high)
            if not self.high > self.low:
                raise ValueError(f"uniform needs low < high, got {self.low!r}, {self.high!r}")
        elif d in ("choice", "cycle") and not self.values:
            raise ValueError(f"dist={d!r} needs a non-empty 'values' list")
        elif d == "fixed" and self.value is None:
            raise ValueError("dist='fixed' needs a number or string 'value'")
        return self


def _need(dist: str, label: str, value) -> None:
    if value is None:
        raise ValueError(f"dist={dist!r} needs {label!r}")


class LimitsTable(BaseModel):
    """One ``[limits.<figure>]`` table: datasheet limits in the figure's own units."""

    model_config = STRICT
    min: Finite | None = allows(FIGURE_UNITS, "lower limit", default=None)
    typ: Finite | None = allows(FIGURE_UNITS, "typical value (for reading only)", default=None)
    max: Finite | None = allows(FIGURE_UNITS, "upper limit", default=None)
    unit: str = allows("a string", "the figure's unit as text", default="")
    note: str = allows("a string", "where the limits come from", default="")

    @model_validator(mode="after")
    def _ordered(self):
        if self.min is None and self.typ is None and self.max is None:
            raise ValueError("give at least one of 'min', 'typ', 'max'")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min = {self.min!r} is above max = {self.max!r}")
        if self.typ is not None and not (
            (self.min is None or self.min <= self.typ)
            and (self.max is None or self.typ <= self.max)
        ):
            raise ValueError(
                f"typ = {self.typ!r} lies outside [min, max] = [{self.min!r}, {self.max!r}]"
            )
        return self


class WindowTable(BaseModel):
    """The ``[window]`` table: the figures holding each sample's lowest firing and highest
    silent input."""

    model_config = STRICT
    fires: str = allows("a figure name", "the figure of the lowest firing input")
    silent: str = allows("a figure name", "the figure of the highest silent input")


class SpecFile(BaseModel):
    """A sweep spec file (``pyspice_flows/sweeps/*.toml``)."""

    model_config = STRICT
    name: str = allows("a string", "label of the sweep", default="sweep")
    description: str = allows("a string", "what the sweep is for", default="")
    evaluate: str = allows("a string 'module:function'", "the evaluation function")
    samples: int = allows("an integer >= 1", "number of samples", ge=1)
    seed: int = allows("an integer >= 0", "seed of every draw", ge=0)
    device: str | None = allows("a file path (string)", "the MTJ device file", default=None)
    figures: list[str] = allows(
        "a non-empty list of figure names",
        "the measured figures",
        item="a name (string)",
        min_length=1,
    )
    params: dict[str, ParamTable] = allows(
        "a table of [params.<name>] tables", "the swept parameters", default={}
    )
    overrides: dict[str, dict[str, Scalar | bool]] = allows(
        "a table of [overrides.<index>] tables", "values forced onto single samples", default={}
    )
    timeout_s: Finite | None = allows(
        "a number of seconds > 0", "wall-time limit of one sample [s]", default=None, gt=0
    )
    limits: dict[str, LimitsTable] = allows(
        "a table of [limits.<figure>] tables", "datasheet limits", default={}
    )
    window: WindowTable | None = allows(
        "a table with 'fires' and 'silent' figure names", "the firing window", default=None
    )


_TABLES: dict[str, tuple[type[BaseModel], str]] = {
    "params": (ParamTable, "a table of " + ", ".join(ParamTable.model_fields)),
    "limits": (LimitsTable, "a table of " + ", ".join(LimitsTable.model_fields)),
    "overrides": (BaseModel, "a table of swept parameter values"),
}
"""The spec's tables of tables: the model of each table and what a table must be (an
``[overrides.<index>]`` table's keys are the swept parameters)."""
OVERRIDE_VALUE = "a number, a string or a boolean"


def validated(model: type[BaseModel], data, where: str):
    """``model`` built from ``data``; the first error is a one-line ValueError starting with
    ``where`` (``"sweep spec"``, ``"sweep parameter 'x'"``, ...)."""
    if not isinstance(data, dict):
        raise ValueError(f"{where} must be a table, got {data!r}")  # noqa: TRY004
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValueError(_message(exc, model, where)) from None


def _message(exc: ValidationError, model: type[BaseModel], where: str) -> str:
    errors = exc.errors(include_url=False)
    unknown = [e for e in errors if e["type"] == "extra_forbidden"]
    err = (unknown or errors)[0]
    table, inner, rest = _split(model, tuple(err["loc"]))
    head = f"{where}: {table}" if table else where
    if unknown:
        names = sorted({str(_split(model, tuple(e["loc"]))[2][0]) for e in unknown})
        text = unknown_message("key", names, sorted(inner.model_fields))
        plural = "unknown keys" if len(names) > 1 else "unknown key"
        return f"{head}: " + text.replace("unknown key(s)", plural).replace(
            "; known: ", "; allowed: "
        )
    if err["type"] in ("value_error", "assertion_error"):
        return f"{head}: {err['msg'].removeprefix('Value error, ')}"
    if not rest:  # the table itself is no table
        return f"{head} must be {_TABLES[err['loc'][0]][1]}, got {err['input']!r}"
    field = inner.model_fields.get(str(rest[0]))
    extra = field.json_schema_extra if field and isinstance(field.json_schema_extra, dict) else {}
    key, index = str(rest[0]), next((p for p in rest[1:] if isinstance(p, int)), None)
    if err["type"] == "missing":
        allowed = f" ({extra['allowed']})" if "allowed" in extra else ""
        return f"{head} needs {key!r}{allowed}" if table else f"{where}: missing {key!r}"
    allowed = extra.get("allowed", OVERRIDE_VALUE)
    if index is not None:
        key, allowed = f"{key}[{index}]", extra.get("item", allowed)
    return f"{head}: {key} = {err['input']!r} must be {allowed}"


def _split(model: type[BaseModel], loc: tuple) -> tuple[str, type[BaseModel], tuple]:
    """``(table label, the table's model, the location inside it)`` of an error location:
    ``("limits", "y", "min")`` -> ``("[limits.y]", LimitsTable, ("min",))``."""
    if model is SpecFile and loc and loc[0] in _TABLES and len(loc) >= 2:
        return f"[{loc[0]}.{loc[1]}]", _TABLES[loc[0]][0], loc[2:]
    if model is SpecFile and loc and loc[0] == "window" and len(loc) >= 2:
        return "[window]", WindowTable, loc[1:]
    return "", model, loc
