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
from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from circuits.table_schema import STRICT, read_table_file

from .paths import data_file

NOTES_FILE = data_file("circuits", "testbench_notes.toml")
TOP = "top"
"""The name of the top level in :data:`NOTES_FILE` (``""`` in the tables here)."""


def _regex(text: str) -> str:
    try:
        re.compile(text)
    except re.error as exc:
        raise ValueError(f"{text!r} is not a regular expression ({exc})") from None
    return text


_Pattern = Annotated[
    str,
    Field(min_length=1, description="regular expression matched against the whole name"),
    AfterValidator(_regex),
]
_Text = Annotated[str, Field(min_length=1)]
_NodeNote = Annotated[tuple[_Pattern, _Text, _Text], Field(strict=False)]
"""[node pattern, meaning, unit]"""
_RoleNote = Annotated[tuple[_Pattern, _Text], Field(strict=False)]
"""[instance pattern, role]"""


class _NotesFile(BaseModel):
    """``testbench_notes.toml``: per subcircuit (``top``: the top level), its nodes'
    meanings and units and its instances' roles."""

    model_config = STRICT
    nodes: dict[str, list[_NodeNote]] = Field(
        default_factory=dict,
        json_schema_extra={"allowed": "[pattern, meaning, unit], 3 non-empty strings"},
    )
    roles: dict[str, list[_RoleNote]] = Field(
        default_factory=dict,
        json_schema_extra={"allowed": "[pattern, role], 2 non-empty strings"},
    )


def load_notes(path: Path = NOTES_FILE) -> tuple[dict, dict]:
    """``(NODES, ROLES)`` from ``path``, validated by the file's schema (``_NotesFile``,
    pydantic): a ValueError naming the file, the table and the entry that is not a list of
    non-empty strings of the right length, whose pattern is not a regex, or an unknown
    table."""
    data = read_table_file(path, "testbench notes", _NotesFile)
    return tuple(
        {("" if subckt == TOP else subckt): rows for subckt, rows in table.items()}
        for table in (data.nodes, data.roles)
    )


@cache
def notes() -> tuple[dict, dict]:
    """``(nodes, roles)`` of :data:`NOTES_FILE`, read when a netlist is first written (not
    at import): ``nodes``: ``{subcircuit: [(node pattern, meaning, unit)]}``; ``roles``:
    ``{subcircuit: [(instance pattern, role)]}``; subcircuit ``""`` is the top level."""
    return load_notes()


def _lookup(table: list[tuple], name: str) -> tuple | None:
    for entry in table:
        if re.fullmatch(entry[0], name, flags=re.IGNORECASE):
            return entry
    return None


def node_note(subckt: str, node: str) -> tuple[str, str]:
    """``(meaning, unit)`` of ``node`` inside ``subckt`` (``""``: top level)."""
    hit = _lookup(notes()[0].get(subckt, []), node)
    return (hit[1], hit[2]) if hit else ("undocumented", "?")


def role_note(subckt: str, instance: str) -> str:
    """The role of ``instance`` inside ``subckt`` (``""``: top level)."""
    hit = _lookup(notes()[1].get(subckt, []), instance)
    return hit[1] if hit else "undocumented"
