"""Width-dependent SRAM access energy and leakage from CACTI 7.0 (``sram_access_cacti.toml``).

Horowitz's table gives one 64-bit read per SRAM size; charging a ``b``-bit access b/64 of it
overstates the saving of narrow words, because decoders, word lines and the H-tree cost
the same whatever the width.  CACTI (HP Labs' analytical cache/memory model) computes the
energy of each access from the array organisation it optimises for the size and width, so
this module reads a table of CACTI runs -- one per (cell type, node, capacity, width) --
instead of scaling one number.

The table (``sram_access_cacti.toml``) records, beside every number, the CACTI version, the
configuration file it was run with (CACTI's own ``cache.cfg`` with the overrides listed in
``[model.overrides]`` and per run: size, block size, technology, cell type) and the raw
outputs: ``Total dynamic read/write energy per access`` [nJ] and ``Total leakage`` plus
``Total gate leakage power of a bank`` [mW].  CACTI 7.0 models 32 and 22 nm (ITRS
projections) but not 28 nm: a 28 nm value is interpolated linearly in feature size,
``E28 = E32 + (28 - 32) / (22 - 32) (E22 - E32) = 0.6 E32 + 0.4 E22`` (the same rule as the
45 -> 28 nm logic scaling in ``energy_ops_28nm.toml``).

Regenerate the table with a built CACTI 7 (``make opt`` in its source folder)::

    python -m area_energy.costs.sram_cacti --cacti-dir /path/to/cacti > area_energy/costs/sram_access_cacti.toml

Units: J and W inside the code; the TOML keeps CACTI's nJ and mW as printed.
"""

from __future__ import annotations

import functools
import itertools
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel, Field, model_validator
from pydantic.fields import FieldInfo

from circuits.paths import data_file
from circuits.table_schema import STRICT, quantity, read_table_file
from pyspice_flows.app.commandline import tool_parser
from pyspice_flows.sim.cache import file_digest

__all__ = [
    "CELL_TYPES",
    "DEFAULT_SRAM_PATH",
    "SramAccessTable",
    "cacti_config_text",
    "load_sram_table",
    "parse_cacti_output",
]

DEFAULT_SRAM_PATH = data_file("area_energy.costs", "sram_access_cacti.toml")
"""CACTI 7.0 runs: 8 KiB - 8 MiB, 8-128 bit words, 32 and 22 nm, ITRS LSTP and HP."""

CELL_TYPES = ("itrs-lstp", "itrs-hp")
"""CACTI cell/peripheral device types tabulated (low standby power, high performance)."""

GRID_CAPACITY_BYTES = (8192, 32768, 131072, 524288, 1048576, 2097152, 4194304, 8388608)
GRID_BITS = (8, 16, 32, 64, 128)
GRID_NODES_NM = (32, 22)
TEMPERATURE_K = 300
_OVERRIDES = {
    # key (as it starts in CACTI's cache.cfg) -> value; per run also size, block, technology
    "-associativity": "1",
    "-cache type": '"ram"',
    "-operating temperature (K)": str(TEMPERATURE_K),
    "-Add ECC -": '"false"',
}
_NJ, _MW = 1e-9, 1e-3


# --------------------------------------------------------------------------- generation


def cacti_config_text(
    base: str,
    capacity_bytes: int,
    bits: int,
    node_nm: int,
    cell_type: str,
) -> str:
    """CACTI's ``cache.cfg`` text ``base`` with one run's settings: a ``capacity_bytes``
    scratch RAM (no tag), ``bits``-wide block and bus, ``node_nm`` technology, ``cell_type``
    for cells and peripherals, plus the fixed overrides of the table."""
    if bits % 8:
        raise ValueError(f"bits = {bits!r} is not allowed (allowed: a multiple of 8)")
    values = dict(_OVERRIDES)
    values.update(
        {
            "-size (bytes)": str(capacity_bytes),
            "-block size (bytes)": str(bits // 8),
            "-output/input bus width": str(bits),
            "-technology (u)": f"{node_nm / 1000:.3f}",
            "-Data array cell type -": f'"{cell_type}"',
            "-Data array peripheral type -": f'"{cell_type}"',
            "-Tag array cell type -": f'"{cell_type}"',
            "-Tag array peripheral type -": f'"{cell_type}"',
        }
    )
    text = base
    for key, value in values.items():
        pattern = re.compile(r"^" + re.escape(key) + r".*$", re.MULTILINE)
        if not pattern.search(text):
            raise ValueError(f"CACTI config: no line starts with {key!r}")
        text = pattern.sub(lambda _m, k=key, v=value: f"{k} {v}", text, count=1)
    return text


def parse_cacti_output(text: str) -> dict[str, float]:
    """Read one CACTI run's printout: ``read_nj``, ``write_nj`` (per access),
    ``leakage_mw`` and ``gate_leakage_mw`` (per bank, the first -- whole-bank -- lines)."""
    keys = {
        "read_nj": r"Total dynamic read energy per access \(nJ\):\s*([-+0-9.eE]+)",
        "write_nj": r"Total dynamic write energy per access \(nJ\):\s*([-+0-9.eE]+)",
        "leakage_mw": r"Total leakage power of a bank \(mW\):\s*([-+0-9.eE]+)",
        "gate_leakage_mw": r"Total gate leakage power of a bank \(mW\):\s*([-+0-9.eE]+)",
    }
    out = {}
    for name, pattern in keys.items():
        match = re.search(pattern, text)
        if not match:
            raise ValueError(f"CACTI output has no {name} line ({pattern})")
        out[name] = float(match.group(1))
    return out


def _version(cacti_dir: Path) -> str:
    text = (cacti_dir / "version_cacti.h").read_text()
    fields = dict(re.findall(r"#define\s+(VER_\w+)\s+(.+?)\s*(?:/\*.*)?$", text, re.MULTILINE))
    return (
        f"{fields['VER_MAJOR_CACTI']}.{fields['VER_MINOR_CACTI']} "
        f"({fields['VER_COMMENT_CACTI'].strip(chr(34))}, {fields['VER_UPDATE_CACTI'].strip(chr(34))})"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the grid with a built CACTI and print the TOML table."""
    parser = tool_parser("area_energy.costs.sram_cacti", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cacti-dir",
        type=Path,
        required=True,
        metavar="DIR",
        help="a built CACTI (./cacti, cache.cfg)",
    )
    args = parser.parse_args(argv)
    cacti_dir = args.cacti_dir.resolve()
    base = (cacti_dir / "cache.cfg").read_text()
    print(
        "# sram_access_cacti.toml -- generated by `python -m area_energy.costs.sram_cacti`; do not edit"
    )
    print("[model]")
    print('name = "CACTI"')
    print(f'version = "{_version(cacti_dir)}"')
    print('source = "https://github.com/HewlettPackard/cacti"')
    print('reference = "https://doi.org/10.1145/3085572"')
    print(
        "note = \"One [[run]] per cell type, node, capacity and width: CACTI's cache.cfg with "
        "[model.overrides] and the run's size (capacity_bytes), block size and bus width (bits), "
        "technology (node_nm) and cell/peripheral type; read_nj and write_nj are CACTI's "
        "'Total dynamic read/write energy per access', leakage_mw and gate_leakage_mw its "
        "'Total (gate) leakage power of a bank'.\""
    )
    print(f'base_config = "cache.cfg (sha256 {file_digest(cacti_dir / "cache.cfg")})"')
    print(f"temperature_k = {TEMPERATURE_K}")
    print("[model.overrides]")
    for key, value in _OVERRIDES.items():
        print(f"{json_str(key)} = {json_str(value)}")
    for cell in CELL_TYPES:
        for node in GRID_NODES_NM:
            for cap in GRID_CAPACITY_BYTES:
                for bits in GRID_BITS:
                    cfg = cacti_config_text(base, cap, bits, node, cell)
                    path = cacti_dir / "_ipnet_run.cfg"
                    path.write_text(cfg)
                    run = subprocess.run(
                        ["./cacti", "-infile", path.name],
                        cwd=cacti_dir,
                        capture_output=True,
                        text=True,
                        check=True,
                    )
                    r = parse_cacti_output(run.stdout)
                    print("[[run]]")
                    print(f'model = "CACTI {_version(cacti_dir)}"')
                    print(f'cell_type = "{cell}"')
                    print(f"node_nm = {node}")
                    print(f"capacity_bytes = {cap}")
                    print(f"bits = {bits}")
                    for name, value in r.items():
                        print(f"{name} = {value!r}")
    return 0


def json_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --------------------------------------------------------------------------- table


@dataclass(frozen=True)
class SramAccessTable:
    """CACTI access energies and leakage, by (cell type, node, capacity, width).

    Attributes:
        read_j, write_j: (cell_type, node_nm, capacity_bytes, bits) -> energy of one access [J].
        leakage_w: (cell_type, node_nm, capacity_bytes) -> static power of the array,
            subthreshold plus gate leakage [W].
        cell_type: the cell/peripheral type used by default (``itrs-lstp``).
        node_nm: the node the energies are given at (28: interpolated 32 / 22 nm).
        description: model, version and configuration, for the report.
    """

    read_j: Mapping[tuple[str, int, int, int], float]
    write_j: Mapping[tuple[str, int, int, int], float]
    leakage_w: Mapping[tuple[str, int, int], float]
    cell_type: str = "itrs-lstp"
    node_nm: float = 28.0
    description: str = field(default="", compare=False)

    def __post_init__(self):
        for name in ("read_j", "write_j", "leakage_w"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        if self.cell_type not in CELL_TYPES:
            raise ValueError(
                f"SramAccessTable.cell_type = {self.cell_type!r} is not allowed "
                f"(allowed: {CELL_TYPES})"
            )
        if not 22.0 <= self.node_nm <= 32.0:
            raise ValueError(
                f"SramAccessTable.node_nm = {self.node_nm!r} is not allowed (allowed: 22-32 nm)"
            )

    @functools.cached_property
    def capacities_bytes(self) -> tuple[int, ...]:
        """Tabulated capacities, ascending [byte]."""
        return tuple(sorted({k[2] for k in self.leakage_w if k[0] == self.cell_type}))

    @functools.cached_property
    def widths_bits(self) -> tuple[int, ...]:
        """Tabulated access widths, ascending [bit]."""
        return tuple(sorted({k[3] for k in self.read_j if k[0] == self.cell_type}))

    def with_cell_type(self, cell_type: str) -> SramAccessTable:
        """The same table, read with another cell/peripheral type."""
        return SramAccessTable(
            self.read_j, self.write_j, self.leakage_w, cell_type, self.node_nm, self.description
        )

    def capacity_for(self, needed_bytes: float) -> int:
        """The smallest tabulated capacity holding ``needed_bytes`` [byte]."""
        for cap in self.capacities_bytes:
            if cap >= needed_bytes:
                return cap
        raise ValueError(
            f"SRAM of {needed_bytes:.0f} bytes is not allowed "
            f"(allowed: up to {self.capacities_bytes[-1]} bytes, the largest CACTI run)"
        )

    def _at_node(self, values: Mapping, key_tail: tuple) -> float:
        e32 = values[(self.cell_type, 32, *key_tail)]
        e22 = values[(self.cell_type, 22, *key_tail)]
        return e32 + (self.node_nm - 32.0) / (22.0 - 32.0) * (e22 - e32)

    def _check(self, capacity_bytes: int, bits: int) -> None:
        if capacity_bytes not in self.capacities_bytes:
            raise ValueError(
                f"SRAM capacity_bytes = {capacity_bytes!r} is not allowed "
                f"(allowed: {self.capacities_bytes})"
            )
        if bits not in self.widths_bits:
            raise ValueError(
                f"SRAM access bits = {bits!r} is not allowed (allowed: {self.widths_bits})"
            )

    def read_energy_j(self, capacity_bytes: int, bits: int) -> float:
        """One ``bits``-wide read of a ``capacity_bytes`` SRAM [J]."""
        self._check(capacity_bytes, bits)
        return self._at_node(self.read_j, (capacity_bytes, bits))

    def write_energy_j(self, capacity_bytes: int, bits: int) -> float:
        """One ``bits``-wide write of a ``capacity_bytes`` SRAM [J]."""
        self._check(capacity_bytes, bits)
        return self._at_node(self.write_j, (capacity_bytes, bits))

    def leakage_power_w(self, capacity_bytes: int) -> float:
        """Static power of a ``capacity_bytes`` SRAM (subthreshold + gate leakage) [W]."""
        self._check(capacity_bytes, self.widths_bits[0])
        # leakage hardly depends on the width; the table keeps the narrowest run's value
        return self._at_node(self.leakage_w, (capacity_bytes,))


# --------------------------------------------------------------------------- the file
_NJ_FIELD = quantity(1e-6, 1e3, "nJ", "energy of one SRAM access, 1 fJ .. 1 uJ")
_MW_FIELD = quantity(0.0, 1e5, "mW", "static power of one bank, 0 .. 100 W")


def _count(lo: int, hi: int, reason: str, **more) -> FieldInfo:
    return Field(ge=lo, le=hi, description=reason, json_schema_extra={"reason": reason}, **more)


class _CactiModel(BaseModel):
    """``[model]``: the CACTI version and the configuration every run shares."""

    model_config = STRICT
    name: str = Field(min_length=1, description="model name (CACTI)")
    version: str = Field(min_length=1, description="CACTI version as it prints it")
    source: str = Field(pattern=r"\S", description="URL of the CACTI sources")
    reference: str = Field(default="", description="DOI of the CACTI paper")
    note: str = ""
    base_config: str = Field(default="", description="cache.cfg and its sha256")
    temperature_k: int = _count(300, 400, "CACTI's operating temperature range, 300-400 K")
    overrides: dict[str, str] = Field(default_factory=dict, description="cache.cfg overrides")


class _CactiRun(BaseModel):
    """One ``[[run]]``: CACTI's energies and leakage of one array."""

    model_config = STRICT
    model: str = Field(min_length=1, description="CACTI version of this run")
    cell_type: Literal[CELL_TYPES] = Field(description="cell and peripheral device type")
    node_nm: int = _count(16, 180, "a CMOS node CACTI can be run at [nm]")
    capacity_bytes: int = _count(64, 1 << 34, "an SRAM array from 64 B to 16 GiB")
    bits: int = _count(8, 4096, "an access of whole bytes", multiple_of=8)
    read_nj: float = _NJ_FIELD
    write_nj: float = _NJ_FIELD
    leakage_mw: float = _MW_FIELD
    gate_leakage_mw: float = _MW_FIELD

    @property
    def key(self) -> tuple[str, int, int, int]:
        return (self.cell_type, self.node_nm, self.capacity_bytes, self.bits)


class _CactiFile(BaseModel):
    """``sram_access_cacti.toml``: one run per grid point, each once."""

    model_config = STRICT
    model: _CactiModel
    run: list[_CactiRun] = Field(min_length=1, description="the CACTI runs")

    @model_validator(mode="after")
    def _grid_once(self):
        seen: dict[tuple, int] = {}
        for i, run in enumerate(self.run):
            if run.key in seen:
                raise ValueError(
                    f"[[run]] #{i + 1} repeats {run.key} of [[run]] #{seen[run.key]} "
                    "(allowed: each grid point once)"
                )
            seen[run.key] = i + 1
        for key in itertools.product(CELL_TYPES, GRID_NODES_NM, GRID_CAPACITY_BYTES, GRID_BITS):
            if key not in seen:
                cell, node, cap, bits = key
                raise ValueError(
                    f"no [[run]] for {cell}, {node} nm, {cap} bytes, {bits} bit "
                    "(allowed: every point of the grid once)"
                )
        return self


def load_sram_table(
    path: Path | str = DEFAULT_SRAM_PATH, cell_type: str = "itrs-lstp", node_nm: float = 28.0
) -> SramAccessTable:
    """Read ``sram_access_cacti.toml`` into a :class:`SramAccessTable`.

    Validated by the file's schema (``_CactiFile``, pydantic): every energy finite and
    within 1e-6 to 1e3 nJ, every leakage within 0 to 1e5 mW, every (cell type, node,
    capacity, width) of the grid once, no unknown key; a failure is one ValueError naming
    the file, the run, the key, the value and what is allowed.
    """
    data = read_table_file(path, "CACTI table", _CactiFile)
    read, write, leak = {}, {}, {}
    for run in data.run:
        read[run.key] = run.read_nj * _NJ
        write[run.key] = run.write_nj * _NJ
        if run.bits == min(GRID_BITS):
            leak[run.key[:3]] = (run.leakage_mw + run.gate_leakage_mw) * _MW
    model = data.model
    overrides = ", ".join(f"{k} {v}" for k, v in model.overrides.items())
    description = (
        f"{model.name} {model.version} ({model.source}); {model.base_config}"
        f" with {overrides}; scratch RAM, {cell_type} cells and periphery, "
        f"{model.temperature_k} K; 28 nm interpolated linearly between 32 and 22 nm"
    )
    return SramAccessTable(read, write, leak, cell_type, node_nm, description)


if __name__ == "__main__":
    sys.exit(main())
