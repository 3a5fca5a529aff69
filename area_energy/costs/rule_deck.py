"""Layout rules of a CMOS node, read from a rule-deck TOML file (``rules_28nm.toml``).

Every rule there has its source and says whether it is an estimate; the file's schema
(``_RuleDeckFile``, pydantic) checks each value against a plausible physical range
once, when the file is read, before an area can be computed from it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from pydantic import BaseModel, create_model, model_validator

from circuits.paths import data_file
from circuits.table_schema import STRICT, entry_model, quantity, read_table_file

from .netlist_inventory import CAPACITOR_KINDS

DEFAULT_RULES_PATH = data_file("area_energy.costs", "rules_28nm.toml")
"""The 28 nm-class rule deck shipped with this package."""

EPS0_F_PER_M = 8.8541878128e-12
"""Vacuum permittivity [F/m] (CODATA 2018)."""


# --------------------------------------------------------------------------- the file

_PLANAR = "plausible range for a planar CMOS node from 180 nm to 7 nm"

# table -> (RuleDeck field, value key, unit, low, high, reason of the range): a value
# outside is a typo or a unit slip, refused before a report can publish it.
_RULES = {
    "cpp": (
        "cpp_m",
        "value_m",
        "m",
        20e-9,
        1e-6,
        "contacted poly pitch: 7 nm-class ~50 nm .. 180 nm-class ~0.5 um",
    ),
    "gate_length_min": (
        "gate_length_min_m",
        "value_m",
        "m",
        5e-9,
        0.5e-6,
        "drawn gate length of 7 nm .. 180 nm nodes",
    ),
    "width_min": ("width_min_m", "value_m", "m", 5e-9, 1e-6, "minimum active width"),
    "diffusion_extension": (
        "diffusion_extension_m",
        "value_m",
        "m",
        1e-9,
        1e-6,
        "active extension beyond the gate",
    ),
    "diffusion_spacing": (
        "diffusion_spacing_m",
        "value_m",
        "m",
        1e-9,
        1e-6,
        "active-to-active spacing",
    ),
    "poly_endcap": ("poly_endcap_m", "value_m", "m", 1e-9, 1e-6, "gate extension beyond active"),
    "well_enclosure": ("well_enclosure_m", "value_m", "m", 1e-9, 5e-6, "well edge to active"),
    "metal_pitch": ("metal_pitch_m", "value_m", "m", 10e-9, 2e-6, "minimum metal pitch"),
    "mim_density": (
        "mim_density_f_per_m2",
        "value_f_per_m2",
        "F/m^2",
        1e-4,
        0.1,
        "MIM capacitors: 0.1-100 fF/um^2 (1-2 fF/um^2 typical)",
    ),
    "mom_density": (
        "mom_density_f_per_m2",
        "value_f_per_m2",
        "F/m^2",
        1e-4,
        0.1,
        "MOM capacitors: 0.1-100 fF/um^2",
    ),
    "mos_cap_eot": ("mos_cap_eot_m", "value_m", "m", 0.3e-9, 20e-9, "equivalent oxide thickness"),
    "mtj_extra_footprint": (
        "mtj_extra_footprint_m2",
        "value_m2",
        "m^2",
        1e-17,
        1e-11,
        "MTJ pillar footprint, 5 nm .. 3 um across",
    ),
    "routing_overhead": (
        "routing_overhead",
        "value",
        "",
        0.0,
        3.0,
        "routing area up to 3x the device area",
    ),
    "sram_6t_hd_cell": (
        "sram_6t_hd_cell_m2",
        "value_m2",
        "m^2",
        1e-14,
        1e-11,
        "6T SRAM cell, 0.01 .. 10 um^2",
    ),
    "resistor_sheet": (
        "resistor_sheet_ohm_per_sq",
        "value_ohm_per_sq",
        "ohm/sq",
        10.0,
        1e5,
        "a resistor layer's sheet resistance, 10 ohm/sq .. 100 kohm/sq",
    ),
    "resistor_width": ("resistor_width_m", "value_m", "m", 10e-9, 10e-6, "resistor stripe width"),
    "resistor_spacing": (
        "resistor_spacing_m",
        "value_m",
        "m",
        10e-9,
        10e-6,
        "space between two stripes of a folded resistor",
    ),
    "freepdk45_shrink": (
        None,
        "value",
        "",
        0.05,
        1.0,
        "a shrink from 45 nm to a node from 45 nm down to 7 nm",
    ),
}


def _rule_model(table: str) -> type[BaseModel]:
    _, key, unit, lo, hi, why = _RULES[table]
    field = quantity(lo, hi, unit, f"{_PLANAR}: {why}")
    model = entry_model(f"Rule_{table}", key, float, field)
    if table == "mos_cap_eot":
        eps = quantity(1.0, 100.0, "", f"{_PLANAR}: relative permittivity of a gate dielectric")
        model = entry_model("Rule_mos_cap_eot", "eps_r", float, eps, base=model)
    return model


class _PitchHoldsAGate(BaseModel):
    """The one rule between two tables: a contacted pitch holds a gate and a contact."""

    model_config = STRICT

    @model_validator(mode="after")
    def _pitch_holds_a_gate(self):
        cpp, lmin = self.cpp.value_m, self.gate_length_min.value_m
        if cpp <= lmin:
            raise ValueError(
                f"[cpp] value_m = {cpp:g} is not allowed (allowed: more than [gate_length_min] "
                f"value_m = {lmin:g}; a pitch holds a gate and a contact)"
            )
        return self


_RuleDeckFile = create_model(
    "RuleDeckFile",
    __base__=_PitchHoldsAGate,
    __doc__="``rules_28nm.toml``: one table per rule, each with its value, source and note.",
    **{table: (_rule_model(table), ...) for table in _RULES},
)


@dataclass(frozen=True)
class RuleDeck:
    """Layout rules, SI units.  Each field is one table of ``rules_28nm.toml``.

    Attributes:
        cpp_m: contacted poly pitch [cpp] [m].
        gate_length_min_m: minimum drawn gate length [gate_length_min] [m].
        width_min_m: minimum drawn width [width_min] [m] (reference; not enforced).
        diffusion_extension_m: contacted active extension beyond the end gate
            [diffusion_extension] [m].
        diffusion_spacing_m: active-to-active spacing [diffusion_spacing] [m].
        poly_endcap_m: gate extension beyond active [poly_endcap] [m].
        well_enclosure_m: well edge to active [well_enclosure] [m].
        metal_pitch_m: minimum metal pitch [metal_pitch] [m] (reference).
        mim_density_f_per_m2: MIM capacitance per area [mim_density] [F/m^2].
        mom_density_f_per_m2: MOM capacitance per area [mom_density] [F/m^2].
        mos_cap_eot_m: electrical oxide thickness for MOS capacitors [mos_cap_eot] [m].
        mos_cap_eps_r: relative permittivity that goes with ``mos_cap_eot_m``.
        mtj_extra_footprint_m2: footprint of an MTJ with no transistor under it [m^2].
        routing_overhead: routing area / (transistor + well area) [1].
        sram_6t_hd_cell_m2: 6T high-density SRAM cell, calibration reference [m^2].
        resistor_sheet_ohm_per_sq: sheet resistance of the resistor layer [resistor_sheet].
        resistor_width_m, resistor_spacing_m: a folded resistor's stripe width and the space
            between stripes [resistor_width], [resistor_spacing] [m].
        sources: table name -> source (DOI or URL).
        estimates: names of the tables whose value is an estimate.
    """

    cpp_m: float
    gate_length_min_m: float
    width_min_m: float
    diffusion_extension_m: float
    diffusion_spacing_m: float
    poly_endcap_m: float
    well_enclosure_m: float
    metal_pitch_m: float
    mim_density_f_per_m2: float
    mom_density_f_per_m2: float
    mos_cap_eot_m: float
    mos_cap_eps_r: float
    mtj_extra_footprint_m2: float
    routing_overhead: float
    sram_6t_hd_cell_m2: float
    resistor_sheet_ohm_per_sq: float
    resistor_width_m: float
    resistor_spacing_m: float
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    estimates: frozenset[str] = field(default_factory=frozenset, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))
        object.__setattr__(self, "estimates", frozenset(self.estimates))

    @property
    def inner_sd_m(self) -> float:
        """Shared source/drain region between two gates, ``cpp - Lmin`` [m]."""
        return self.cpp_m - self.gate_length_min_m

    @property
    def strip_end_m(self) -> float:
        """Length a diffusion strip adds beyond ``nf (L + s_in)`` per gate:
        ``2 ext - s_in + s_dd`` [m]."""
        return 2 * self.diffusion_extension_m - self.inner_sd_m + self.diffusion_spacing_m

    @property
    def finger_clearance_m(self) -> float:
        """Height a finger adds to its width: ``max(2 e_po, s_dd)`` [m]."""
        return max(2 * self.poly_endcap_m, self.diffusion_spacing_m)

    @property
    def well_strip_m(self) -> float:
        """Width of the N/P well-boundary strip, ``max(0, 2 e_w - s_dd)`` [m]."""
        return max(0.0, 2 * self.well_enclosure_m - self.diffusion_spacing_m)

    @property
    def mos_cap_density_f_per_m2(self) -> float:
        """Gate capacitance per gate area, ``eps_r eps0 / EOT`` [F/m^2]."""
        return self.mos_cap_eps_r * EPS0_F_PER_M / self.mos_cap_eot_m

    def resistor_area_m2(self, r_ohm: float) -> float:
        """Area of a folded resistor of ``r_ohm`` [m^2]: its squares (``r / sheet``, at least
        one) as stripes of the rule width at the stripe pitch, ``n_sq w (w + s)``."""
        if not (r_ohm > 0 and math.isfinite(r_ohm)):
            raise ValueError(f"resistor of {r_ohm!r} ohm; allowed a finite value above 0")
        squares = max(1.0, r_ohm / self.resistor_sheet_ohm_per_sq)
        w = self.resistor_width_m
        return squares * w * (w + self.resistor_spacing_m)

    def capacitor_density_f_per_m2(self, kind: str) -> float:
        """Capacitance per area of a capacitor type (``mim``, ``mom``, ``mos``) [F/m^2]."""
        densities = {
            "mim": self.mim_density_f_per_m2,
            "mom": self.mom_density_f_per_m2,
            "mos": self.mos_cap_density_f_per_m2,
        }
        if kind not in densities:
            raise ValueError(f"capacitor type {kind!r} is not allowed (allowed: {CAPACITOR_KINDS})")
        return densities[kind]


def load_rule_deck(path: Path | str = DEFAULT_RULES_PATH) -> RuleDeck:
    """Read a rule deck TOML file (format of ``rules_28nm.toml``) into a :class:`RuleDeck`.

    Validated by the file's schema: a missing or unknown table or key, a table without
    ``source``, a value that is not a number or lies outside its plausible range is one
    ValueError naming the file, the table, the key, the value and the allowed range.
    """
    deck = read_table_file(path, "rule deck", _RuleDeckFile)
    values = {}
    for table, (name, key, *_) in _RULES.items():
        if name is not None:
            values[name] = getattr(getattr(deck, table), key)
    values["mos_cap_eps_r"] = deck.mos_cap_eot.eps_r
    return RuleDeck(
        **values,
        sources={table: getattr(deck, table).source for table in _RULES},
        estimates=frozenset(table for table in _RULES if getattr(deck, table).estimate),
    )


@functools.lru_cache(maxsize=1)
def _default_rules() -> RuleDeck:
    return load_rule_deck(DEFAULT_RULES_PATH)


def rules_or_default(rules: RuleDeck | None) -> RuleDeck:
    return _default_rules() if rules is None else rules
