"""Datasheet limits of one measured figure of a sweep (the spec's ``[limits.<figure>]``)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .spec_schema import LimitsTable, validated

LIMIT_KEYS = ("min", "typ", "max", "unit", "note")


@dataclass(frozen=True)
class FigureLimits:
    """Datasheet limits of one measured figure: a sample meets them when its value lies
    within [``min``, ``max``] (either bound may be left out).

    figure: the figure's name (one of the spec's ``figures``)
    min, typ, max: lower limit, typical value, upper limit, in the figure's own units
        (SI: V, J, s, ...); ``typ`` is for reading only, it decides nothing
    unit: the figure's unit as text (for tables and plot labels)
    note: where the limits come from
    """

    figure: str
    min: float | None = None
    typ: float | None = None
    max: float | None = None
    unit: str = ""
    note: str = ""

    def __post_init__(self):
        """Checked by :class:`.spec_schema.LimitsTable` (finite numbers, min <= typ <= max);
        the limits kept as floats."""
        fields = {k: getattr(self, k) for k in LIMIT_KEYS}
        checked = validated(LimitsTable, fields, f"[limits.{self.figure}]")
        for label in ("min", "typ", "max"):
            object.__setattr__(self, label, getattr(checked, label))

    @property
    def bounded(self) -> bool:
        """True when a value can fail these limits (a ``min`` or a ``max`` is given)."""
        return self.min is not None or self.max is not None

    def admits(self, value: object) -> bool:
        """True when ``value`` is a finite number within [min, max]; a missing (None, NaN,
        text) value never does."""
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
            return False
        value = float(value)
        return (
            math.isfinite(value)
            and (self.min is None or value >= self.min)
            and (self.max is None or value <= self.max)
        )

    def as_dict(self) -> dict[str, object]:
        """The limits as read (no ``figure``: it is the key they are filed under)."""
        return {k: getattr(self, k) for k in LIMIT_KEYS}
