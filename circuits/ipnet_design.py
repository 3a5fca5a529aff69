"""Neuron design files: the IPNet neuron's parameters as data (``circuits/designs/*.toml``).

A design file is a serialisation of :class:`~circuits.ipnet_neuron.IpnetParams` (less the
per-sample ``mtj_overrides`` and the technology): the MTJ device file, the supplies, the
bias currents, the number of inputs and their weights, and every transistor's size.  The
built-in design, :data:`DEFAULT_DESIGN`, is where ``IpnetParams``' defaults come from.

Format (TOML)::

    name = "my_design"
    description = "what it is for"
    device = "../../models/devices/ikeda2010_pmtj_40nm.toml"  # relative to this file
    input_weights = [1.0, 0.7]                                 # optional: all 1

    [params]
    vdd = { value = 0.85, unit = "V", note = "why" }
    unit_current = { value = 1.2, unit = "Ic0" }   # or e.g. { value = 60, unit = "uA" }
    switch_w = { value = 500, unit = "nm" }

Each ``[params.<key>]`` entry has ``value``, optional ``unit`` (default: the declared
one; another unit of the same dimension is converted), ``source`` and ``note``
(:func:`circuits.schema.read_entry`).  A key a file leaves out keeps the built-in design's
value; the built-in design gives every key.  The keys, their units, ranges and meanings
are :data:`QUANTITIES`; every error is one line naming the file, the key, the value and
what is allowed.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import schema
from .paths import data_file
from .schema import Quantity, unknown_message
from .technology import CMOS28

DESIGNS_DIR = data_file("circuits", "designs")
DEFAULT_DESIGN = data_file("circuits", "designs", "ipnet_default.toml")
WHAT = "neuron design file"

SIZES: dict[str, str] = {
    "switch": "input switch MIN<k> (gate = the input spike)",
    "unit": "weight-1 synapse mirror MIW<k> and the bias generator's diode MBN",
    "footer": "input footer MFT (off while resetting)",
    "write": "write header MPA (VWR to the junction's free end)",
    "reset": "reset pull-down MNA (junction's free end to ground)",
    "reset_mirror": "current-limited reset pull-up MPR and the generator's PMOS diode MBP",
    "fire_p": "fire comparator's sense PMOS MP1",
    "fire_n": "fire comparator's bias sink MN1",
    "psense_n": "return-to-P comparator's sense NMOS MN6",
    "psense_p": "return-to-P comparator's bias load MP6",
    "latch_n": "latch NMOS (MN2, MN3)",
    "latch_p": "latch PMOS (MP2, MP3)",
    "decide_n": "fire decision INV13 NMOS (low threshold)",
    "decide_p": "fire decision INV13 PMOS",
    "set_p": "latch set MS (PMOS)",
    "clear_n": "global clear MC",
    "out_n": "NMOS of the reset drivers INV4/INV5, the envelope and the spike buffer",
    "out_p": "PMOS of the reset drivers INV4/INV5, the envelope and the spike buffer",
    "done_n": "self-timed clear MD1/MD2",
    "delay": "long-channel INV9 that holds the self-timed clear off while j rises",
}
"""The neuron's transistor sizes (IpnetParams fields, each a W x L), with their roles."""

_SUPPLY_REASON = "28 nm-class core devices run at 0.9 V nominal; the thin oxide allows 1.2 V"
_RATIO_REASON = "a multiple of the device file's Ic0 at tnom; above 5 Ic0 the write is a 1 ns precessional switch, no longer a weighted synapse"
_AMPS_REASON = "what a neuron's access transistors can drive (below 1 mA)"
_W_REASON = f"{CMOS28.name} minimum width {CMOS28.w_min_m * 1e9:g} nm; 100 um is no neuron's device"
_L_REASON = f"{CMOS28.name} minimum length {CMOS28.l_min_m * 1e9:g} nm; 10 um is no neuron's device"


def _size_quantities() -> list[Quantity]:
    out = []
    for name, role in SIZES.items():
        out.append(
            Quantity(f"{name}_w", "nm", CMOS28.w_min_m * 1e9, 1e5, f"W of {role}", _W_REASON)
        )
        out.append(
            Quantity(f"{name}_l", "nm", CMOS28.l_min_m * 1e9, 1e4, f"L of {role}", _L_REASON)
        )
    return out


QUANTITIES: dict[str, Quantity] = {
    q.name: q
    for q in (
        Quantity("vdd", "V", 0.0, 1.2, "logic supply VDD", _SUPPLY_REASON, lo_open=True),
        Quantity("vwr", "V", 0.0, 1.2, "write rail VWR feeding the junction", _SUPPLY_REASON, lo_open=True),
        Quantity("n_inputs", "", 1, 64, "number of input synapses (an integer)", "the netlist builds one mirror branch per input, up to 64"),
        Quantity("unit_current", "Ic0", 0.0, 5.0, "synapse current of weight 1 at tnom", _RATIO_REASON, lo_open=True),
        Quantity("reset_current", "Ic0", 0.0, 5.0, "AP -> P reset current at tnom", _RATIO_REASON, lo_open=True),
        Quantity("bias_tc", "1/K", -0.01, 0.01, "relative temperature coefficient of both reference currents (left out: trimmed to the junction's Ic0(T))", "a reference drifting more than 1 %/K is no bandgap-derived current"),
        *_size_quantities(),
    )
}  # fmt: skip
"""Every key of ``[params]``: declared unit, allowed range and its reason, description."""

AMPERES: dict[str, Quantity] = {
    k: Quantity(f"{k}", "A", 0.0, 1e-3, QUANTITIES[k].description, _AMPS_REASON, lo_open=True)
    for k in ("unit_current", "reset_current")
}
"""The bias currents written as currents (a unit of amperes) instead of ratios to Ic0."""

FIELD_QUANTITIES: dict[str, Quantity] = {
    "vdd_v": QUANTITIES["vdd"],
    "vwr_v": QUANTITIES["vwr"],
    "n_inputs": QUANTITIES["n_inputs"],
    "unit_current_a": AMPERES["unit_current"],
    "reset_current_a": AMPERES["reset_current"],
    "unit_current_ic0": QUANTITIES["unit_current"],
    "reset_current_ic0": QUANTITIES["reset_current"],
    "bias_tc_per_k": QUANTITIES["bias_tc"],
}
"""The ranges IpnetParams checks its scalar fields against (the design file's, one source)."""

WEIGHT_RANGE = Quantity("input_weights", "", 0.0, 8.0, "synapse weight (x the unit current)", "a synapse is at most 8 unit devices wide", lo_open=True)  # fmt: skip
_TOP_KEYS = ("name", "description", "device", "input_weights", "params")


@dataclass(frozen=True)
class NeuronDesign:
    """A validated design: ``values`` in SI (sizes in metres, currents in amperes or as a
    ratio to Ic0 as ``current_units`` says), the device file as a resolved path."""

    path: Path
    name: str
    description: str
    device_file: Path
    values: dict[str, float]
    input_weights: tuple[float, ...] | None = None
    current_units: dict[str, str] = field(default_factory=dict)
    """'Ic0' or 'A' per bias current."""
    notes: dict[str, str] = field(default_factory=dict)

    def with_device(self, device_file: Path | str | None) -> NeuronDesign:
        """The same design on another device file (``--device`` over the design's)."""
        if device_file is None:
            return self
        return replace(self, device_file=Path(device_file))

    def kwargs(self) -> dict:
        """Keyword arguments of :class:`~circuits.ipnet_neuron.IpnetParams`, SI; sizes as
        ``(w_m, l_m)`` pairs under their field names."""
        v = self.values
        out: dict = {
            "device_file": self.device_file,
            "vdd_v": v["vdd"],
            "vwr_v": v["vwr"],
            "n_inputs": int(v["n_inputs"]),
            "input_weights": self.input_weights,
            "bias_tc_per_k": v.get("bias_tc"),
        }
        for key in ("unit_current", "reset_current"):
            if self.current_units.get(key) == "A":
                out[f"{key}_a"] = v[key]
            else:
                out[f"{key}_ic0"] = v[key]
        for name in SIZES:
            out[name] = (v[f"{name}_w"], v[f"{name}_l"])
        return out

    def params(self, **changes):
        """The design as :class:`~circuits.ipnet_neuron.IpnetParams` (``changes`` replace
        fields, e.g. ``mtj_overrides`` of a sweep sample)."""
        return params_from_kwargs(self.kwargs(), **changes)


def params_from_kwargs(kw: dict, **changes):
    """:class:`~circuits.ipnet_neuron.IpnetParams` from :meth:`NeuronDesign.kwargs` (as
    passed to a worker process: sizes may be ``(w, l)`` pairs or lists) and ``changes``."""
    from .ipnet_neuron import IpnetParams, Size

    kw = {**kw, **changes}
    for name in SIZES:
        if name in kw and not isinstance(kw[name], Size):
            kw[name] = Size(*kw[name])
    if kw.get("input_weights") is not None:
        kw["input_weights"] = tuple(kw["input_weights"])
    return IpnetParams(**kw)


def read_design(path: Path | str = DEFAULT_DESIGN) -> NeuronDesign:
    """Read and validate a design file; keys it leaves out keep the built-in design's values."""
    path = Path(path)
    base = None if _same(path, DEFAULT_DESIGN) else read_design(DEFAULT_DESIGN)
    data = schema.read_toml(path, WHAT)
    extra = sorted(set(data) - set(_TOP_KEYS))
    if extra:
        raise ValueError(f"{WHAT} {path}: " + unknown_message("top-level key", extra, _TOP_KEYS))
    table = data.get("params", {})
    if not isinstance(table, dict):
        raise ValueError(f"{WHAT} {path}: 'params' must be a table of [params.<key>]")
    unknown = sorted(set(table) - set(QUANTITIES))
    if unknown:
        raise ValueError(f"{WHAT} {path}: " + unknown_message("key", unknown, QUANTITIES))
    if base is None:
        missing = [k for k in QUANTITIES if k not in table and k != "bias_tc"]
        if missing:
            raise ValueError(f"{WHAT} {path} (the built-in design) lacks {', '.join(missing)}")
    values, quantities, units, notes = {}, {}, {}, {}
    for key, entry in table.items():
        where = f"{WHAT} {path}: [params.{key}]"
        raw, unit, e = schema.read_entry(where, entry, allow_provenance=False)
        q = QUANTITIES[key]
        if key in AMPERES:  # a ratio to Ic0, or a current in a unit of amperes
            q, values[key] = _bias_current(raw, unit, key, where)
            units[key] = q.unit
        else:
            values[key] = schema.to_declared_unit(raw, unit, q, where)
        quantities[key] = q
        notes[key] = entry.get("note", "")
    schema.check_ranges(path, WHAT, values, quantities)
    n = values.get("n_inputs")
    if n is not None and n != int(n):
        raise ValueError(
            f"{WHAT} {path}: [params.n_inputs]: n_inputs={n:g}; allowed an integer 1..64"
        )
    for name in SIZES:  # SI inside the code: nm -> m (x / 1e9 is the literal's nearest float)
        for key in (f"{name}_w", f"{name}_l"):
            if key in values:
                values[key] = values[key] / 1e9
    device = _device(path, data, base)
    weights = _weights(path, data.get("input_weights"), base)
    if base is not None:
        values = {**base.values, **values}
        units = {**base.current_units, **units}
        notes = {**base.notes, **notes}
    n = int(values["n_inputs"])
    if weights is not None and len(weights) != n:
        raise ValueError(
            f"{WHAT} {path}: input_weights={list(weights)} has {len(weights)} entries for "
            f"n_inputs={n}; give one weight per input"
        )
    return NeuronDesign(
        path=path,
        name=str(data.get("name", path.stem)),
        description=str(data.get("description", "")),
        device_file=device,
        values=values,
        input_weights=weights,
        current_units=units,
        notes=notes,
    )


def _bias_current(raw: float, unit: str | None, key: str, where: str) -> tuple[Quantity, float]:
    """(quantity, value) of a bias current written as a ratio to Ic0 or in amperes."""
    with contextlib.suppress(ValueError):  # not a ratio to Ic0: try amperes
        return QUANTITIES[key], schema.to_declared_unit(raw, unit, QUANTITIES[key], where)
    try:
        return AMPERES[key], schema.to_declared_unit(raw, unit, AMPERES[key], where)
    except ValueError:
        raise ValueError(
            f"{where}: unit={unit!r}; allowed 'Ic0' (a ratio) or a current (A, uA, ...)"
        ) from None


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _device(path: Path, data: dict, base: NeuronDesign | None) -> Path:
    raw = data.get("device")
    if raw is None:
        if base is None:
            raise ValueError(f"{WHAT} {path} (the built-in design) names no device")
        return base.device_file
    if not isinstance(raw, str) or not raw:
        raise ValueError(f"{WHAT} {path}: device={raw!r}; allowed a file path (text)")
    device = (path.parent / raw).resolve()
    if not device.is_file():
        raise FileNotFoundError(
            f"{WHAT} {path}: device={raw!r}: no such file {device} (paths are relative to "
            "the design file)"
        )
    return device


def _weights(path: Path, raw, base: NeuronDesign | None) -> tuple[float, ...] | None:
    if raw is None:
        return None if base is None else base.input_weights
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{WHAT} {path}: input_weights={raw!r}; allowed a list of numbers")
    q = WEIGHT_RANGE
    for k, w in enumerate(raw, start=1):
        ok = isinstance(w, (int, float)) and not isinstance(w, bool)
        if not (ok and q.contains(float(w))):
            raise ValueError(
                f"{WHAT} {path}: input_weights[{k}]={w!r} is out of range; allowed "
                f"{q.allowed()} ({q.reason})"
            )
    return tuple(float(w) for w in raw)


# ----------------------------------------------------------------------------- command lines
def add_design_argument(parser) -> None:
    """The ``--design FILE`` option the neuron's commands share."""
    parser.add_argument(
        "--design",
        type=Path,
        default=None,
        metavar="FILE",
        help="IPNet neuron design file: device, supplies, bias currents, sizes (default: "
        f"the built-in design of the neuron the command runs, circuits/designs/"
        f"{DEFAULT_DESIGN.name} for v2, ipnet_v4.toml for v4); --device replaces the device "
        "it names",
    )


def design_from_options(design: Path | None, device: Path | None = None) -> NeuronDesign:
    """For commands, before any simulation: ``--design`` read and validated (None: the
    built-in design), then ``--device`` over the device it names.  The device file is
    loaded, so a bad one fails now; errors name the option."""
    from .mtj_device import checked_device_file, load_device

    try:
        d = read_design(design) if design is not None else read_design()
    except (ValueError, FileNotFoundError) as exc:
        raise ValueError(f"--design {design}: {exc}" if design is not None else str(exc)) from exc
    if device is not None:
        checked_device_file(device)
        return d.with_device(device)
    try:
        load_device(d.device_file)
    except (ValueError, KeyError, TypeError, FileNotFoundError) as exc:
        raise ValueError(f"--design {design}: device {d.device_file}: {exc}") from exc
    return d


def checked_neuron_design(
    design: NeuronDesign, device: Path | None, temps_k=None, vdds_v=None
) -> None:
    """The design's neuron checked on its device at the command's conditions
    (:func:`circuits.compatibility.checked_neuron_device`); ``device`` is ``--device``
    (named in the refusal) or None (the design's own device)."""
    from .compatibility import checked_neuron_device

    neuron = design.params().__dict__.copy()
    for key in ("device_file", "mtj_overrides"):
        neuron.pop(key)
    if device is None:
        neuron["device_file"] = design.device_file
    checked_neuron_device(device, temps_k, vdds_v, **neuron)
