"""The energy table the digital baselines are priced with (``energy_ops_28nm.toml``).

Horowitz's 45 nm energies per operation (ISSCC 2014), scaled to 28 nm with the
Stillmaker-Baas coefficients recorded in the file, and the width-dependent SRAM access
energies and leakage of the CACTI table (:mod:`area_energy.costs.sram_cacti`).  Every entry is
refused, naming the file, the key and the allowed range, when it is negative, NaN or
implausible (the file's schema, ``_EnergyFile``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Literal

from pydantic import Field, create_model

from circuits.paths import data_file
from circuits.table_schema import STRICT, Entry, entry_model, quantity, read_table_file

from .sram_cacti import DEFAULT_SRAM_PATH, SramAccessTable, load_sram_table

DEFAULT_ENERGY_PATH = data_file("area_energy.costs", "energy_ops_28nm.toml")
"""Horowitz 45 nm energy table with the 45 -> 28 nm scaling coefficients."""

MEMORY_KINDS = ("sram_8kb", "sram_32kb", "sram_1mb", "dram")
"""Memories with an access energy in the table."""

MEMORY_CAPACITY_BYTES: Mapping[str, int] = MappingProxyType(
    {"sram_8kb": 8192, "sram_32kb": 32768, "sram_1mb": 1048576}
)
"""SRAM kind -> capacity [byte] (Horowitz's 8 KB, 32 KB, 1 MB)."""

ARITHMETIC_BITS: Mapping[str, tuple[int, ...]] = MappingProxyType(
    {"int": (8, 16, 32), "fp": (16, 32)}
)
"""Arithmetic kind -> word widths with an add and a multiply energy in the table."""

_ACCESS_BITS = 64  # Horowitz's access energies are per 64-bit word
_PJ = 1e-12


def node_energy_factor(coefficients: tuple[float, float, float], supply_v: float) -> float:
    """Stillmaker-Baas energy factor of one node, ``a V^2 + b V + c`` (dimensionless;
    only ratios between nodes are meaningful)."""
    a, b, c = coefficients
    return a * supply_v**2 + b * supply_v + c


def _scale_factor_45_to_28(scaling: _NodeScaling) -> float:
    """``E(28) / E(45)`` at ``supply_v``; E(28) interpolated linearly in feature size
    between the 32 nm and 20 nm factors."""
    v = scaling.supply_v
    e45 = node_energy_factor(tuple(scaling.hp45), v)
    e32 = node_energy_factor(tuple(scaling.hp32), v)
    e20 = node_energy_factor(tuple(scaling.hp20), v)
    e_to = e32 + (scaling.to_node_nm - 32.0) / (20.0 - 32.0) * (e20 - e32)
    return e_to / e45


@dataclass(frozen=True)
class EnergyTable:
    """Energies per operation and per access, stored at 45 nm [J].

    Attributes:
        add_j: (arithmetic, bits) -> energy of one add at 45 nm [J].
        mult_j: (arithmetic, bits) -> energy of one multiply at 45 nm [J].
        access_64b_j: memory kind -> energy of one 64-bit access at 45 nm [J].
        dram_access_64b_high_j: upper end of the DRAM range [J].
        scale_factor: E(28 nm) / E(45 nm) for logic and SRAM (Stillmaker & Baas).
        scale_to_28nm: apply ``scale_factor`` to logic and SRAM energies (never to DRAM).
        sram: CACTI access energies and leakage (:mod:`area_energy.costs.sram_cacti`), used for
            every SRAM access when ``scale_to_28nm`` is set; None (or ``scale_to_28nm`` off,
            i.e. Horowitz's 45 nm table as published) charges a ``b``-bit SRAM access b/64 of
            Horowitz's 64-bit read and no leakage.
        sources: table entry -> source (DOI or URL).
    """

    add_j: Mapping[tuple[str, int], float]
    mult_j: Mapping[tuple[str, int], float]
    access_64b_j: Mapping[str, float]
    dram_access_64b_high_j: float
    scale_factor: float
    scale_to_28nm: bool = True
    sram: SramAccessTable | None = None
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        for name in ("add_j", "mult_j", "access_64b_j", "sources"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        missing = [kind for kind in MEMORY_KINDS if kind not in self.access_64b_j]
        if missing:
            raise ValueError(f"EnergyTable: no access energy for {missing}")
        if not (math.isfinite(self.scale_factor) and 0 < self.scale_factor <= 1):
            raise ValueError(
                f"EnergyTable.scale_factor = {self.scale_factor!r} is not allowed "
                "(allowed: 0 < factor <= 1, 45 nm -> 28 nm)"
            )

    def _node(self) -> float:
        return self.scale_factor if self.scale_to_28nm else 1.0

    def add_energy_j(self, arithmetic: str, bits: int) -> float:
        """One add of ``bits``-wide ``arithmetic`` (``int``/``fp``) [J]."""
        return self._op(self.add_j, arithmetic, bits) * self._node()

    def mult_energy_j(self, arithmetic: str, bits: int) -> float:
        """One multiply of ``bits``-wide ``arithmetic`` [J]."""
        return self._op(self.mult_j, arithmetic, bits) * self._node()

    @property
    def uses_cacti(self) -> bool:
        """SRAM accesses and leakage come from CACTI (else Horowitz's linear rule)."""
        return self.sram is not None and self.scale_to_28nm

    def access_energy_j(self, memory: str, bits: int, write: bool = False) -> float:
        """One ``bits``-wide read (or write) of ``memory`` (one of :data:`MEMORY_KINDS`) [J].

        DRAM: ``bits/64`` of Horowitz's 64-bit access, read or write, never node-scaled.
        SRAM: CACTI's energy at the kind's capacity and width (:attr:`uses_cacti`), else
        ``bits/64`` of Horowitz's 64-bit read, node-scaled, a write as much as a read.
        """
        if memory not in self.access_64b_j:
            raise ValueError(f"memory {memory!r} is not allowed (allowed: {MEMORY_KINDS})")
        if memory == "dram":
            return self.dram_access_energy_j(bits)
        if self.uses_cacti:
            return self.sram_access_energy_j(MEMORY_CAPACITY_BYTES[memory], bits, write)
        return self.access_64b_j[memory] * bits / _ACCESS_BITS * self._node()

    def dram_access_energy_j(self, bits: int) -> float:
        """One ``bits``-wide DRAM access: ``bits/64`` of Horowitz's 64-bit access [J]."""
        return self.access_64b_j["dram"] * bits / _ACCESS_BITS

    def sram_access_energy_j(self, capacity_bytes: int, bits: int, write: bool = False) -> float:
        """One ``bits``-wide read (or write) of a ``capacity_bytes`` SRAM from CACTI [J]."""
        if not self.uses_cacti:
            raise ValueError("sram_access_energy_j needs a CACTI table and scale_to_28nm")
        if write:
            return self.sram.write_energy_j(capacity_bytes, bits)
        return self.sram.read_energy_j(capacity_bytes, bits)

    def leakage_power_w(self, memory: str | int) -> float:
        """Static power of one memory [W]: CACTI's SRAM leakage (``memory`` a kind of
        :data:`MEMORY_KINDS` or an SRAM capacity in bytes); 0 for DRAM (its background
        and refresh power is not modelled) and for the linear Horowitz rule."""
        if memory == "dram" or not self.uses_cacti:
            return 0.0
        capacity = MEMORY_CAPACITY_BYTES[memory] if isinstance(memory, str) else memory
        return self.sram.leakage_power_w(capacity)

    @staticmethod
    def _op(values: Mapping[tuple[str, int], float], arithmetic: str, bits: int) -> float:
        if (arithmetic, bits) not in values:
            raise ValueError(
                f"no energy for {bits}-bit {arithmetic!r} arithmetic "
                f"(allowed: {dict(ARITHMETIC_BITS)})"
            )
        return values[(arithmetic, bits)]

    def with_scaling(self, scale_to_28nm: bool) -> EnergyTable:
        """The same table with node scaling switched on or off."""
        return dataclasses.replace(self, scale_to_28nm=scale_to_28nm)

    def with_sram(self, sram: SramAccessTable | None) -> EnergyTable:
        """The same table with another SRAM model (None: Horowitz's linear b/64 rule)."""
        return dataclasses.replace(self, sram=sram)

    def with_dram_high(self) -> EnergyTable:
        """The same table with DRAM at the high end of Horowitz's 1.3-2.6 nJ range."""
        access = dict(self.access_64b_j)
        access["dram"] = self.dram_access_64b_high_j
        return dataclasses.replace(self, access_64b_j=access)


# --------------------------------------------------------------------------- the file
_PJ_FIELD = quantity(
    1e-4, 1e4, "pJ", "energy per operation or access: 0.1 fJ (an 8-bit add at 7 nm) .. 10 nJ"
)
_Energy = entry_model("Energy", "value_pj", float, _PJ_FIELD)
_OpEnergy = entry_model(
    "OpEnergy", "scales", bool, Field(description="node scaling applies"), base=_Energy
)
_DramEnergy = create_model(
    "DramEnergy",
    __base__=_Energy,
    high_pj=(float, _PJ_FIELD),
    scales=(
        Literal[False],
        Field(
            description="DRAM access energy is not node-scaled",
            json_schema_extra={"reason": "set by the DRAM die and interface, not the logic node"},
        ),
    ),
)
_Coefficients = Annotated[
    list[Annotated[float, Field(allow_inf_nan=False)]],
    Field(min_length=3, max_length=3, description="[a, b, c] of E(V) = a V^2 + b V + c"),
]


class _NodeScaling(Entry):
    """Stillmaker-Baas energy factors of the 45, 32 and 20 nm nodes."""

    from_node_nm: Literal[45] = Field(description="node of the table's energies [nm]")
    to_node_nm: float = quantity(20.0, 32.0, "nm", "interpolated between the 32 and 20 nm rows")
    supply_v: float = quantity(0.3, 1.5, "V", "supply range of the Stillmaker-Baas fits")
    hp45: _Coefficients
    hp32: _Coefficients
    hp20: _Coefficients


_OP_TABLES = {
    f"{arithmetic}{bits}_{op}": _OpEnergy
    for arithmetic, widths in ARITHMETIC_BITS.items()
    for op in ("add", "mult")
    for bits in widths
}
_SRAM_TABLES = {f"{kind}_read_64b": _OpEnergy for kind in MEMORY_KINDS if kind != "dram"}
_EnergyFile = create_model(
    "EnergyFile",
    __config__=STRICT,
    __doc__="``energy_ops_28nm.toml``: Horowitz's 45 nm energies and the node scaling.",
    **{name: (model, ...) for name, model in {**_OP_TABLES, **_SRAM_TABLES}.items()},
    dram_read_64b=(_DramEnergy, ...),
    node_scaling=(_NodeScaling, ...),
)


def load_energy_table(
    path: Path | str = DEFAULT_ENERGY_PATH,
    scale_to_28nm: bool = True,
    sram_path: Path | str | None = DEFAULT_SRAM_PATH,
    sram_cell_type: str = "itrs-lstp",
) -> EnergyTable:
    """Read ``energy_ops_28nm.toml`` (or a file of its format) into an :class:`EnergyTable`.

    Args:
        path: the TOML file.
        scale_to_28nm: scale logic and SRAM energies from 45 nm to 28 nm (factor from the
            file's ``[node_scaling]``, 0.53 for the shipped file); DRAM is never scaled.
        sram_path: CACTI SRAM table (``sram_access_cacti.toml``) used for SRAM accesses and
            leakage at 28 nm; None keeps Horowitz's linear b/64 rule.
        sram_cell_type: CACTI device type read from that table.

    The file is validated by its schema (``_EnergyFile``, pydantic): every energy a finite
    number from 1e-4 to 1e4 pJ, every table with a source, no unknown table or key;
    anything else (negative, NaN, absurd, a typo) is one ValueError naming the file, the
    table, the key, the value and what is allowed.
    """
    data = read_table_file(path, "energy table", _EnergyFile)
    tables = dict(data)

    def pj(table: str, key: str = "value_pj") -> float:
        return getattr(tables[table], key) * _PJ

    add_j: dict[tuple[str, int], float] = {}
    mult_j: dict[tuple[str, int], float] = {}
    for arithmetic, widths in ARITHMETIC_BITS.items():
        for bits in widths:
            add_j[(arithmetic, bits)] = pj(f"{arithmetic}{bits}_add")
            mult_j[(arithmetic, bits)] = pj(f"{arithmetic}{bits}_mult")
    access = {kind: pj(f"{kind}_read_64b") for kind in MEMORY_KINDS}
    sources = {name: entry.source for name, entry in tables.items()}
    return EnergyTable(
        add_j=add_j,
        mult_j=mult_j,
        access_64b_j=access,
        dram_access_64b_high_j=pj("dram_read_64b", "high_pj"),
        scale_factor=_scale_factor_45_to_28(data.node_scaling),
        scale_to_28nm=scale_to_28nm,
        sram=None if sram_path is None else load_sram_table(sram_path, sram_cell_type),
        sources=sources,
    )
