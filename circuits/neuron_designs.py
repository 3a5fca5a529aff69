"""Which neuron a design file describes, for commands that run both IPNet neurons.

The report runs neuron v4 (the headline, :mod:`circuits.ipnet_neuron_v4`, design files
like ``circuits/designs/ipnet_v4.toml``) beside the v2 circuit on the legacy law
(:mod:`circuits.ipnet_neuron`, design files like ``circuits/designs/ipnet_default.toml``).
One ``--design FILE`` serves both: a file whose ``[params]`` keys belong only to v4's
design describes neuron v4, one whose keys belong only to v2's describes v2, and one whose
keys both take (``vdd``, ``n_inputs``, or only a ``device``) changes both.  The other
neuron keeps its built-in design.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from . import ipnet_design, schema
from . import ipnet_neuron_v4 as v4
from .ipnet_design import NeuronDesign


@dataclass(frozen=True)
class V4Design:
    """A neuron v4 design: its name (the file's ``name``), file and values."""

    name: str
    path: Path
    params: v4.IpnetV4Params

    def with_device(self, device_file: Path | str | None) -> V4Design:
        """The same design on another device file (None: unchanged)."""
        if device_file is None:
            return self
        return replace(self, params=replace(self.params, device_file=Path(device_file)))


def read_v4_design_file(path: Path | str = v4.DEFAULT_V4_DESIGN) -> V4Design:
    """A v4 design file read and validated (:func:`circuits.ipnet_neuron_v4.read_v4_design`)
    with its name."""
    path = Path(path)
    params = v4.read_v4_design(path)
    name = schema.read_toml(path, v4.WHAT).get("name") or path.stem
    return V4Design(str(name), path, params)


def design_kinds(path: Path | str) -> tuple[bool, bool]:
    """(describes v2, describes v4) from the file's ``[params]`` keys; a key neither
    design takes is refused with the keys both allow."""
    path = Path(path)
    data = schema.read_toml(path, "neuron design file")
    raw = data.get("params", {})
    if not isinstance(raw, dict):
        raise ValueError(f"neuron design file {path}: [params] must be a table")
    keys = set(raw)
    v2_keys, v4_keys = set(ipnet_design.QUANTITIES), set(v4.QUANTITIES)
    unknown = sorted(keys - v2_keys - v4_keys)
    if unknown:
        raise ValueError(
            f"neuron design file {path}: "
            + schema.unknown_message("parameter", unknown, sorted(v2_keys | v4_keys))
        )
    return keys <= v2_keys, keys <= v4_keys


def designs_from_options(
    design: Path | None, device: Path | None = None
) -> tuple[NeuronDesign, V4Design]:
    """For commands that run both neurons, before any simulation: the v2 and the v4 design
    that ``--design`` (None: both built in) and ``--device`` give; errors name the option."""
    is_v2, is_v4 = (True, True) if design is None else _kinds(design)
    v2_design = ipnet_design.design_from_options(design if is_v2 else None, device)
    try:
        v4_design = read_v4_design_file(design) if is_v4 and design else read_v4_design_file()
    except (ValueError, FileNotFoundError) as exc:
        raise ValueError(f"--design {design}: {exc}") from exc
    return v2_design, v4_design.with_device(device)


def _kinds(design: Path) -> tuple[bool, bool]:
    try:
        return design_kinds(design)
    except (ValueError, FileNotFoundError) as exc:
        raise ValueError(f"--design {design}: {exc}") from exc
