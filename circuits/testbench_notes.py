"""What each node and each instance of the standard testbenches means: the comments that
:mod:`circuits.write_netlists` writes into the stand-alone netlists.

Two tables, read from ``testbench_notes.toml`` beside this module (the subcircuit ``top``
there is ``""`` here), both keyed by a regular expression matched against the whole name:

* :data:`NODES`: ``{subcircuit: [(node pattern, meaning, unit)]}``; the subcircuit ``""``
  is the top level.  Units as a designer reads them off a waveform viewer: ``V`` for a
  voltage, ``K above ambient`` for a thermal node (its voltage in volts is the junction's
  temperature rise in kelvin), ``W`` for a power probe.
* :data:`ROLES`: ``{subcircuit: [(instance pattern, role)]}``.  The instance's size is not
  written here: the renderer reads it off the instance line itself (``w=``, ``l=``,
  ``nf=``, a resistance, a capacitance), so a re-sized device is described correctly.

A node or an instance that no pattern matches is written as ``undocumented``; the netlist
tests fail on that word, so a new device or node gets its line in the TOML file.  The roles
follow the circuit builders' own comments (:mod:`circuits.ipnet_neuron`,
:mod:`circuits.lif_neuron`, :mod:`circuits.ipnet_array`; schematics in docs/ipnet_neuron.md
and docs/lif_neuron.md).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

NOTES_FILE = Path(__file__).resolve().with_name("testbench_notes.toml")
TOP = "top"
"""The name of the top level in :data:`NOTES_FILE` (``""`` in the tables here)."""


def load_notes(path: Path = NOTES_FILE) -> tuple[dict, dict]:
    """``(NODES, ROLES)`` from ``path``; ValueError naming the file, the table and the entry
    that is not a list of strings of the right length or whose pattern is not a regex."""
    with Path(path).open("rb") as fh:
        data = tomllib.load(fh)
    tables = []
    for table, what in (("nodes", "pattern, meaning, unit"), ("roles", "pattern, role")):
        fields = what.count(",") + 1
        out: dict[str, list[tuple[str, ...]]] = {}
        for subckt, entries in data.get(table, {}).items():
            rows = []
            for entry in entries:
                if not (
                    isinstance(entry, list)
                    and len(entry) == fields
                    and all(isinstance(x, str) and x for x in entry)
                ):
                    raise ValueError(
                        f"{path}: [{table}] {subckt}: {entry!r}; allowed: {fields} non-empty "
                        f"strings ({what})"
                    )
                try:
                    re.compile(entry[0])
                except re.error as exc:
                    raise ValueError(
                        f"{path}: [{table}] {subckt}: {entry[0]!r} is not a regular "
                        f"expression ({exc})"
                    ) from None
                rows.append(tuple(entry))
            out["" if subckt == TOP else subckt] = rows
        tables.append(out)
    return tables[0], tables[1]


NODES, ROLES = load_notes()
"""``NODES``: ``{subcircuit: [(node pattern, meaning, unit)]}``; ``ROLES``: ``{subcircuit:
[(instance pattern, role)]}``; subcircuit ``""`` is the top level."""


def _lookup(table: list[tuple], name: str) -> tuple | None:
    for entry in table:
        if re.fullmatch(entry[0], name, flags=re.IGNORECASE):
            return entry
    return None


def node_note(subckt: str, node: str) -> tuple[str, str]:
    """``(meaning, unit)`` of ``node`` inside ``subckt`` (``""``: top level)."""
    hit = _lookup(NODES.get(subckt, []), node)
    return (hit[1], hit[2]) if hit else ("undocumented", "?")


def role_note(subckt: str, instance: str) -> str:
    """The role of ``instance`` inside ``subckt`` (``""``: top level)."""
    hit = _lookup(ROLES.get(subckt, []), instance)
    return hit[1] if hit else "undocumented"
