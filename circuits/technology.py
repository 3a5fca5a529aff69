"""The CMOS technology the netlists are drawn in: which model file, which models, which sizes.

:data:`CMOS28` describes ``models/tech/cmos28.lib``, a 28 nm-class planar bulk
high-k/metal-gate BSIM4 card pair derived from the ASU Predictive Technology Model
(32 nm high-performance cards re-targeted to 30 nm physical gates; the sources and every
change are listed at the top of that file).  A circuit builder takes a :class:`Technology`,
puts :meth:`Technology.include_line` into its netlist, names its transistors with
``nmos_model``/``pmos_model`` and calls :meth:`Technology.check_size` on every transistor
before it writes one.

All lengths are in metres, voltages in volts.  This module only describes; it never runs
a simulation.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .paths import model_file
from .schema import read_toml

CMOS28_LIB = model_file("tech", "cmos28.lib")
"""Absolute path of the 28 nm-class BSIM4 model library."""
CMOS28_MATCHING = model_file("tech", "cmos28_matching.toml")
"""Transistor matching of the same process (the Pelgrom coefficient), with its source."""


class _AvtEntry(BaseModel):
    """``[a_vt]`` of a matching file: the Pelgrom coefficient and where it comes from."""

    model_config = ConfigDict(extra="forbid", strict=True)
    value: float = Field(gt=0, allow_inf_nan=False, description="A_VT [V m]")
    unit: Literal["V*m"] = Field(description="SI: 1 mV um = 1e-9 V m")
    estimate: bool = Field(description="true: not a measured figure of this process")
    range: list[float] | None = Field(
        default=None, min_length=2, max_length=2, description="[low, high] of an estimate [V m]"
    )
    source: str = Field(min_length=1, description="DOI or URL of the law and the value")
    note: str = Field(min_length=1, description="how the value was chosen")

    @model_validator(mode="after")
    def _estimate_has_its_range(self):
        if self.estimate and self.range is None:
            raise ValueError("an estimate needs range = [low, high]")
        if self.range is not None and not self.range[0] <= self.value <= self.range[1]:
            raise ValueError(f"value {self.value:g} lies outside range {self.range}")
        return self


class _MatchingFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    name: str = Field(min_length=1, description="the technology these figures belong to")
    a_vt: _AvtEntry = Field(description="Pelgrom threshold-mismatch coefficient")


def read_a_vt_v_m(path: Path | str = CMOS28_MATCHING) -> float:
    """The Pelgrom coefficient A_VT [V m] of a matching file (``[a_vt]``: value, unit,
    estimate, range, source, note), validated; a bad file is one line naming the file, the
    key and the value."""
    data = read_toml(path, "matching file")
    try:
        return _MatchingFile.model_validate(data).a_vt.value
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        key = ".".join(str(part) for part in err["loc"]) or "(the top level)"
        given = f" = {err['input']!r}" if err["type"] != "missing" else ""
        msg = err["msg"].removeprefix("Value error, ")
        raise ValueError(f"matching file {path}: {key}{given}: {msg}") from None


CMOS28_A_VT_V_M = read_a_vt_v_m(CMOS28_MATCHING)
"""A_VT of the default technology [V m], read once from :data:`CMOS28_MATCHING`."""


@dataclass(frozen=True)
class Technology:
    """A CMOS model library and the rules for using it.

    Attributes:
        lib_path: absolute path of the SPICE library holding both ``.model`` cards.
        nmos_model: name of the n-channel ``.model`` in ``lib_path``.
        pmos_model: name of the p-channel ``.model`` in ``lib_path``.
        vdd_nominal_v: nominal core supply [V].
        l_min_m: minimum drawn channel length [m] (drawn = physical gate length here).
        w_min_m: minimum drawn channel width [m].
        name: short label used in messages.
        a_vt_v_m: Pelgrom threshold-mismatch coefficient A_VT [V m]: sigma of the
            threshold difference of two identically drawn transistors is A_VT / sqrt(W L)
            (default: :data:`CMOS28_A_VT_V_M`, from :data:`CMOS28_MATCHING`).
    """

    lib_path: Path = field(default=CMOS28_LIB)
    nmos_model: str = "nmos28"
    pmos_model: str = "pmos28"
    vdd_nominal_v: float = 0.9
    l_min_m: float = 30e-9
    w_min_m: float = 100e-9
    name: str = "cmos28"
    a_vt_v_m: float = CMOS28_A_VT_V_M

    def __post_init__(self):
        path = Path(self.lib_path)
        if not path.is_absolute():
            raise ValueError(f"Technology {self.name}: lib_path must be absolute, got {path}")
        object.__setattr__(self, "lib_path", path)
        for label, value in (
            ("vdd_nominal_v", self.vdd_nominal_v),
            ("l_min_m", self.l_min_m),
            ("w_min_m", self.w_min_m),
            ("a_vt_v_m", self.a_vt_v_m),
        ):
            ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
            if not (ok and math.isfinite(value) and value > 0):
                raise ValueError(
                    f"Technology {self.name}: {label} must be a finite number > 0, got {value!r}"
                )
        for label, value in (("nmos_model", self.nmos_model), ("pmos_model", self.pmos_model)):
            if not value or any(c.isspace() for c in value):
                raise ValueError(
                    f"Technology {self.name}: {label} must be a model name without spaces, "
                    f"got {value!r}"
                )

    def include_line(self) -> str:
        """The ``.include`` line that loads this technology's models into a netlist."""
        text = str(self.lib_path)
        if any(c.isspace() for c in text):
            text = f'"{text}"'
        return f".include {text}"

    def check_size(self, name: str, w_m: float, l_m: float) -> None:
        """Refuse a transistor size this technology cannot build.

        ``name`` is the device's name (for the message), ``w_m`` and ``l_m`` its drawn
        width and length in metres.  Raises :class:`ValueError` naming the device, the
        bad value and the allowed range when a value is not a finite positive number,
        when ``w_m < w_min_m`` or when ``l_m < l_min_m``.
        """
        for label, value, minimum in (("W", w_m, self.w_min_m), ("L", l_m, self.l_min_m)):
            allowed = f"allowed: finite {label} >= {minimum:.3g} m in {self.name}"
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValueError(f"device {name}: {label} = {value!r} is not a number ({allowed})")
            if not math.isfinite(value) or value <= 0:
                raise ValueError(
                    f"device {name}: {label} = {value!r} m is not a finite positive length "
                    f"({allowed})"
                )
            # A relative tolerance so that e.g. 3 * 10e-9 is accepted as 30 nm.
            if value < minimum * (1 - 1e-9):
                raise ValueError(
                    f"device {name}: {label} = {value:.3g} m is below the minimum "
                    f"{minimum:.3g} m ({allowed})"
                )


CMOS28 = Technology()
"""The default technology: ``models/tech/cmos28.lib`` at a 0.9 V supply, L >= 30 nm,
W >= 100 nm."""
