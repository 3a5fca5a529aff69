"""The columns of ``ipnet compare``: every ``--design`` x every ``--device`` x every
``--temp`` (design-major), each resolved to the two IPNet neurons it runs and checked
before any simulation.

A design file describes neuron v4, neuron v2 or both (:func:`circuits.neuron_designs.
design_kinds`: by its ``[params]`` keys); the neuron it does not describe keeps its built-in
design.  No ``--design``: both built-in designs.  No ``--device``: each design's own device
(the built-in v4 design's insulated stack, v2's plain junction).  No ``--temp``: 27 C.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from circuits import ipnet_design, schema
from circuits import ipnet_neuron_v4 as v4
from circuits.ipnet_design import NeuronDesign, checked_neuron_design
from circuits.mtj_model_spec import parameters as mtj_model_parameters
from circuits.neuron_designs import V4Design, design_kinds, designs_from_options
from circuits.paths import shown as _shown_path

from .header import run_header

DEFAULT_TEMP_K = 300.15
BUILT_IN = "built-in"


@dataclass(frozen=True)
class Column:
    """One input of a comparison: a design file (None: the built-in designs) on a device
    file (None: the design's own) at an ambient temperature [K]."""

    design: Path | None
    device: Path | None
    temp_k: float


@dataclass(frozen=True)
class Resolved:
    """A column with the two neurons it runs and which of them its design file describes
    (``headline``: ``"v4"`` for a v4 file, a file both neurons take and the built-in
    designs, as the report's header; ``"v2"`` for a file only v2 takes)."""

    column: Column
    v2: NeuronDesign
    v4: V4Design
    headline: str


def columns_for(
    designs: list[Path] | None, devices: list[Path] | None, temps_k: list[float] | None
) -> list[Column]:
    """Every design x every device x every temperature, design-major."""
    return [
        Column(None if d is None else Path(d), None if dev is None else Path(dev), float(t))
        for d in designs or [None]
        for dev in devices or [None]
        for t in temps_k or [DEFAULT_TEMP_K]
    ]


def shown(path: Path) -> str:
    """``path`` relative to the repository when inside it."""
    return _shown_path(path)


def checked_keys(design: Path) -> None:
    """A key neither neuron takes refused with the file, the key and its value."""
    try:
        raw = schema.read_toml(design, "neuron design file").get("params", {})
    except (ValueError, FileNotFoundError) as exc:
        raise ValueError(f"--design {design}: {exc}") from None
    known = set(ipnet_design.QUANTITIES) | set(v4.QUANTITIES)
    unknown = [k for k in raw if k not in known] if isinstance(raw, dict) else []
    if unknown:
        entry = raw[unknown[0]]
        value = entry.get("value") if isinstance(entry, dict) else entry
        unit = entry.get("unit", "") if isinstance(entry, dict) else ""
        raise ValueError(
            f"--design {design}: [params.{unknown[0]}] = {value!r} {unit}".rstrip()
            + ": neither neuron takes it; "
            + schema.unknown_message("parameter", unknown, sorted(known))
        )


def resolved(cols: list[Column]) -> list[Resolved]:
    """Every column's neurons, each design file read and each neuron checked on its device
    at the columns' temperatures: a refusal (one line naming the option, the file, the key
    and the value) comes before any simulation."""
    from .build import checked_v4  # the report's check, its verdict cached

    out = []
    for col in cols:
        if col.design is not None:
            checked_keys(col.design)
        v2, v4_design = designs_from_options(col.design, col.device)
        is_v2, is_v4 = (True, True) if col.design is None else design_kinds(col.design)
        out.append(Resolved(col, v2, v4_design, "v4" if is_v4 else "v2"))
    temps = list(dict.fromkeys(c.temp_k for c in cols))
    for r in {(r.column.design, r.column.device): r for r in out}.values():
        checked_neuron_design(r.v2, r.column.device, temps)
        for temp_k in temps:
            checked_v4(r.v4.params, r.column.device, temp_k)
    return out


def neuron_heads(r: Resolved) -> dict:
    """``{"v2": {...}, "v4": {...}}``: each neuron's design, design file, device, supply."""

    def head(name: str, path: Path, device: Path, supply_v: float) -> dict:
        return {
            "design": name,
            "file": shown(path),
            "device": Path(device).name,
            "supply_V": supply_v,
        }

    return {
        "v2": head(r.v2.name, r.v2.path, r.v2.device_file, r.v2.params().vdd_v),
        "v4": head(r.v4.name, r.v4.path, r.v4.params.device_file, r.v4.params.vdd_v),
    }


def column_header(r: Resolved, commit: str) -> dict:
    """The column's header: design (name and file), device, temperature, supply, model
    version, switching law and commit of the neuron its design describes, and both
    neurons' design, device and supply."""
    heads = neuron_heads(r)
    if r.headline == "v4":
        p = r.v4.params
        law = mtj_model_parameters()["version"].default
        h = run_header(r.v4.name, p.device_file, r.column.temp_k, p.vdd_v, law_version=law)
    else:
        p2 = r.v2.params()
        h = run_header(r.v2.name, p2.device_file, r.column.temp_k, p2.vdd_v)
    design_file = BUILT_IN if r.column.design is None else shown(r.column.design)
    return {**h, "commit": commit, "design_file": design_file, "neurons": heads}
