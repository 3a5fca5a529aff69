"""Layout rules of a CMOS node, read from a rule-deck TOML file (``rules_28nm.toml``).

Every rule there has its source and says whether it is an estimate; each value is checked
against a plausible physical range before an area can be computed from it.
"""

from __future__ import annotations

import functools
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from .netlist_inventory import CAPACITOR_KINDS

DEFAULT_RULES_PATH = Path(__file__).resolve().with_name("rules_28nm.toml")
"""The 28 nm-class rule deck shipped with this package."""

EPS0_F_PER_M = 8.8541878128e-12
"""Vacuum permittivity [F/m] (CODATA 2018)."""


# --------------------------------------------------------------------------- rule deck

# RuleDeck field -> (TOML table, value key)
_DECK_KEYS = {
    "cpp_m": ("cpp", "value_m"),
    "gate_length_min_m": ("gate_length_min", "value_m"),
    "width_min_m": ("width_min", "value_m"),
    "diffusion_extension_m": ("diffusion_extension", "value_m"),
    "diffusion_spacing_m": ("diffusion_spacing", "value_m"),
    "poly_endcap_m": ("poly_endcap", "value_m"),
    "well_enclosure_m": ("well_enclosure", "value_m"),
    "metal_pitch_m": ("metal_pitch", "value_m"),
    "mim_density_f_per_m2": ("mim_density", "value_f_per_m2"),
    "mom_density_f_per_m2": ("mom_density", "value_f_per_m2"),
    "mos_cap_eot_m": ("mos_cap_eot", "value_m"),
    "mos_cap_eps_r": ("mos_cap_eot", "eps_r"),
    "mtj_extra_footprint_m2": ("mtj_extra_footprint", "value_m2"),
    "routing_overhead": ("routing_overhead", "value"),
    "sram_6t_hd_cell_m2": ("sram_6t_hd_cell", "value_m2"),
}


# RuleDeck field -> plausible range (low, high) for a planar CMOS node from 180 nm down to
# 7 nm, and the reason: a value outside is a typo or a unit slip, refused before a report
# can publish it.
_DECK_RANGES = {
    "cpp_m": (20e-9, 1e-6, "contacted poly pitch: 7 nm-class ~50 nm .. 180 nm-class ~0.5 um"),
    "gate_length_min_m": (5e-9, 0.5e-6, "drawn gate length of 7 nm .. 180 nm nodes"),
    "width_min_m": (5e-9, 1e-6, "minimum active width"),
    "diffusion_extension_m": (1e-9, 1e-6, "active extension beyond the gate"),
    "diffusion_spacing_m": (1e-9, 1e-6, "active-to-active spacing"),
    "poly_endcap_m": (1e-9, 1e-6, "gate extension beyond active"),
    "well_enclosure_m": (1e-9, 5e-6, "well edge to active"),
    "metal_pitch_m": (10e-9, 2e-6, "minimum metal pitch"),
    "mim_density_f_per_m2": (1e-4, 0.1, "MIM capacitors: 0.1-100 fF/um^2 (1-2 fF/um^2 typical)"),
    "mom_density_f_per_m2": (1e-4, 0.1, "MOM capacitors: 0.1-100 fF/um^2"),
    "mos_cap_eot_m": (0.3e-9, 20e-9, "equivalent oxide thickness"),
    "mos_cap_eps_r": (1.0, 100.0, "relative permittivity of a gate dielectric"),
    "mtj_extra_footprint_m2": (1e-17, 1e-11, "MTJ pillar footprint, 5 nm .. 3 um across"),
    "routing_overhead": (0.0, 3.0, "routing area up to 3x the device area"),
    "sram_6t_hd_cell_m2": (1e-14, 1e-11, "6T SRAM cell, 0.01 .. 10 um^2"),
}


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
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    estimates: frozenset[str] = field(default_factory=frozenset, compare=False, repr=False)

    def __post_init__(self):
        for name in _DECK_KEYS:
            value = getattr(self, name)
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            lower_ok = value >= 0 if name == "routing_overhead" else value > 0
            if not (ok and math.isfinite(value) and lower_ok):
                bound = ">= 0" if name == "routing_overhead" else "> 0"
                raise ValueError(f"RuleDeck.{name} = {value!r} is not allowed (allowed: {bound})")
            lo, hi, why = _DECK_RANGES[name]
            if not lo <= value <= hi:
                table, key = _DECK_KEYS[name]
                raise ValueError(
                    f"RuleDeck.{name} ([{table}] {key}) = {value!r} is outside the plausible "
                    f"range [{lo:g}, {hi:g}] ({why})"
                )
        if self.cpp_m <= self.gate_length_min_m:
            raise ValueError(
                f"RuleDeck: cpp_m = {self.cpp_m:g} must exceed gate_length_min_m = "
                f"{self.gate_length_min_m:g} (a pitch holds a gate and a contact)"
            )
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

    Raises ``ValueError`` naming a missing table or key, and for a table without ``source``.
    """
    path = Path(path)
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    values: dict[str, float] = {}
    for name, (table, key) in _DECK_KEYS.items():
        if table not in data or key not in data[table]:
            raise ValueError(f"{path}: rule [{table}] {key} is missing")
        values[name] = data[table][key]
    sources: dict[str, str] = {}
    estimates: set[str] = set()
    for table, entry in data.items():
        if not isinstance(entry, dict):
            continue
        if not entry.get("source"):
            raise ValueError(f"{path}: rule [{table}] has no source")
        sources[table] = entry["source"]
        if entry.get("estimate", False):
            estimates.add(table)
    try:
        return RuleDeck(**values, sources=sources, estimates=frozenset(estimates))
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


@functools.lru_cache(maxsize=1)
def _default_rules() -> RuleDeck:
    return load_rule_deck(DEFAULT_RULES_PATH)


def rules_or_default(rules: RuleDeck | None) -> RuleDeck:
    return _default_rules() if rules is None else rules
