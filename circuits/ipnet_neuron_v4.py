"""IPNet neuron v4: the heat-gated stochastic neuron (issue 20), on MTJ model version 3.

Why this regime (docs/thermal_spec.md, "Neuron v4 regime"): on the physical switching law
a warmer junction switches sooner by a large factor only where switching is thermally
activated, below Ic0; there one input switches the junction with a probability P(I, T),
and 20-40 K of warmth multiplies it 2-3x.  An input's own write dissipates too little to
carry a memory (a few K); so every input slot ends with a heating current of the
*stabilising* polarity, which charges the slow pole of the junction's thermal network and
returns a fired junction to P.  The neuron integrates recent inputs through that heat: the
firing probability of the next input grows with how many inputs came recently and how
recently.  No capacitor; the memory is the heat.

Schematic (one input; each extra input adds ``MIW<k>``/``MIN<k>`` beside the first)::

     VDD (write rail)            VDD
      |                           |
     MPA (g=phwb)                MPR (g=gr: vbp while heating, VDD otherwise)
      |                           |
      a --- MNA (g=h) to gnd      |           MP1 (g=j, s=a) / MN1 (g=vbf): det = AP sensed
      |                           |           INVD: det -> detb, INVO: detb -> out (spike)
     [MTJ p] ---- [MTJ n] ------- j           OAI: hb = NOT(phh AND (in1 OR ...)), INVH: h
                                  |
                                 MIW1 (g=vbn, weight) - MIN1 (g=in1) - s - MW (g=phw) - gnd

An input is a logic pulse spanning one *slot*: a write phase (``phw``), a heat phase
(``phh``) and an idle gap, given by global phase lines from a slot clock shared by every
neuron (periphery, like the bias generator).

* Write: during ``phw`` the header MPA ties ``a`` to VDD and an active input's mirror
  sinks its weight x the unit current through the junction p -> n (toward AP), below Ic0:
  the junction switches with a probability that grows steeply with its temperature.
* Fire: in AP the junction's voltage rises above the replica trip (1.10 I R_P, the bias
  generator's ``vbf``) and ``det``/``out`` rise: the spike, until the write phase ends.
* Heat and restore: during ``phh``, if an input was active, ``MNA`` grounds ``a`` and the
  current mirror MPR drives the heat current n -> p (toward P): Joule heat into the
  thermal network, and a fired junction returns to P.  A slot without input neither
  writes nor heats.

The bias generator is :class:`circuits.ipnet_neuron.IpnetBias` (its reset line is the heat
line here; built without the return-to-P comparator's replica and its line ``vbr``, which
v4 has no use for), its write reference the trim DAC's MOS current divider
(:mod:`circuits.trim_dac`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

from PySpice.Spice.Netlist import SubCircuit

from . import mtj_stochastic as ms
from . import schema
from .bench_circuit import BenchCircuit
from .ipnet_neuron import BIAS_PINS, BIAS_SCALE, FIRE_TRIP_RP, IpnetBias, IpnetParams, Size
from .mtj_device import MtjParams, load_device
from .paths import data_file
from .schema import Quantity, unknown_message
from .technology import CMOS28, Technology
from .trim_dac import TrimDac
from .units import ZERO_CELSIUS_K

DEFAULT_V4_DESIGN = data_file("circuits", "designs", "ipnet_v4.toml")
WHAT = "neuron v4 design file"
MTJ_MODEL = "mtj_v4"
SIM_OPTIONS: dict[str, object] = {"method": "gear"}
"""The stochastic junction keeps Gear (circuits.mtj_stochastic.Switching.options)."""

SIZES: dict[str, str] = {
    "unit": "weight-1 synapse mirror MIW<k> (and the bias generator's diode MBN)",
    "switch": "input switch MIN<k> (gate = the input)",
    "phase": "write-phase switch MW (gate = phw)",
    "header": "write header MPA (VDD to the junction's free end a, gate = phwb)",
    "ground": "heat pull-down MNA (a to ground while heating)",
    "heat_mirror": "heat current source MPR (and the bias generator's PMOS diode MBP)",
    "fire_p": "fire comparator's sense PMOS MP1",
    "fire_n": "fire comparator's bias sink MN1",
    "logic_n": "NMOS of the gate logic (OAI, inverters, the heat source's gate switch)",
    "logic_p": "PMOS of the gate logic",
}
"""The sized roles: each has ``<role>_w`` and ``<role>_l`` in a design file."""
REPLICATED = ("unit", "switch", "phase", "heat_mirror", "fire_p", "fire_n")
"""Drawn as BIAS_SCALE fingers, each the bias generator's one-finger copy."""

_W = f"{CMOS28.name} minimum width {CMOS28.w_min_m * 1e9:g} nm; 100 um is no neuron's device"
_L = f"{CMOS28.name} minimum length {CMOS28.l_min_m * 1e9:g} nm; 10 um is no neuron's device"
_RATIO = (
    "a multiple of the device file's Ic0 at tnom; a neuron's access devices drive at most a few Ic0"
)
_TC = (
    "a bandgap-derived PTAT/CTAT mix gives slopes of a few 1e-3 per K; 1 % per K is no reference's"
)
_TIME = (
    "ns-scale phases: below 0.5 ns the comparator cannot settle; above 1 us the memory has decayed"
)
QUANTITIES: dict[str, Quantity] = {
    q.name: q
    for q in (
        Quantity("vdd", "V", 0.0, 1.2, "supply and write rail", "28 nm-class core devices: 0.9 V nominal, 1.2 V at most", lo_open=True),
        Quantity("n_inputs", "", 1, 64, "number of input synapses (an integer)", "one mirror branch per input, up to 64"),
        Quantity("write_current", "Ic0", 0.0, 3.0, "synapse current of weight 1 at tnom", _RATIO, lo_open=True),
        Quantity("heat_current", "Ic0", 0.0, 3.0, "heat-and-restore current (stabilising polarity) at tnom", _RATIO, lo_open=True),
        Quantity("write_time", "s", 0.5e-9, 1e-6, "write phase of an input slot", _TIME),
        Quantity("heat_time", "s", 0.5e-9, 1e-6, "heat phase of an input slot", _TIME),
        Quantity("gap_time", "s", 0.0, 1e-6, "idle phase closing a slot", _TIME),
        Quantity("edge_time", "s", 1e-12, 1e-9, "rise and fall of the phase lines and inputs", "logic edges of 1 ps .. 1 ns"),
        Quantity("write_tc", "1/K", -0.01, 0.01, "write reference's relative temperature coefficient (bias generator)", _TC),
        Quantity("heat_tc", "1/K", -0.01, 0.01, "heat reference's relative temperature coefficient (bias generator)", _TC),
        Quantity("trim_bits", "", 1, 10, "bits of the die's write-current trim code (an integer)", "a trim DAC of 1 to 10 bits"),
        Quantity("trim_step", "1", 0.0, 0.1, "relative write-current step of one trim code (LSB)", "steps of up to 10 % of the write current", lo_open=True),
        Quantity("trim_vref", "V", 0.0, 0.45, "level of the trim DAC's output and dump terminals (its current divider's exits, held by an ideal regulation)", "above 0 and below half the supply", lo_open=True),
        Quantity("trim_switch_w", "nm", CMOS28.w_min_m * 1e9, 1e4, "W of the trim DAC's unit NMOS (every device of its current divider: a bit's legs are switches too)", _W),
        Quantity("trim_switch_l", "nm", CMOS28.l_min_m * 1e9, 1e4, "L of the trim DAC's unit NMOS", _L),
        Quantity("fire_trip", "1", 1.0, 3.0, "fire comparator's trip: the replica of R_P times this, at the write current", "between R_P (no margin in P) and 3 R_P (above any AP level at TMR < 2)", lo_open=True),
        *(Quantity(f"{r}_w", "nm", CMOS28.w_min_m * 1e9, 1e5, f"W of {d}", _W) for r, d in SIZES.items()),
        *(Quantity(f"{r}_l", "nm", CMOS28.l_min_m * 1e9, 1e4, f"L of {d}", _L) for r, d in SIZES.items()),
    )
}  # fmt: skip
"""Every key of a v4 design file's ``[params]``: unit, range and its reason, description."""
_TOP_KEYS = ("name", "description", "device", "params")


@dataclass(frozen=True)
class IpnetV4Params:
    """The v4 neuron's values (SI).  Defaults: :data:`DEFAULT_V4_DESIGN` via :func:`read_v4_design`.

    device_file: MTJ device file; mtj_overrides: a sample's changes to it (the bias
    generator is designed for the file's nominal junction); vdd_v: supply and write rail;
    input_weights: each synapse's current in units of the unit current; write_current_ic0,
    heat_current_ic0: at tnom, in units of the nominal Ic0; write_s, heat_s, gap_s: the
    phases of an input slot; edge_s: their edges; sizes: (W, L) per role of :data:`SIZES`;
    write_tc_per_k, heat_tc_per_k: the bias generator's temperature coefficients of the
    write and heat references (None: both follow the junction's Ic0(T), the v3 neuron's
    trim); trim_bits, trim_step, trim_vref_v, trim_switch: the die's write-current trim DAC
    (:meth:`trim_dac`, its devices in the bias generator); write_trim: the factor its code
    sets on the write reference (a die's value, like ``mtj_overrides``; it must be a code's
    factor, :meth:`trim_factor`, and the netlist sets that code, :attr:`trim_code`; the
    law-based metrics and the sweep carry the factor); fire_trip_rp: the fire comparator's trip as a
    multiple of the replica R_P.
    """

    device_file: Path
    vdd_v: float
    write_current_ic0: float
    heat_current_ic0: float
    write_s: float
    heat_s: float
    gap_s: float
    edge_s: float
    sizes: dict[str, Size]
    input_weights: tuple[float, ...] = (1.0,)
    mtj_overrides: dict[str, float] = field(default_factory=dict)
    tech: Technology = CMOS28
    write_tc_per_k: float | None = None
    heat_tc_per_k: float | None = None
    trim_bits: int = 6
    trim_step: float = 0.01
    write_trim: float = 1.0
    trim_vref_v: float = 0.02
    trim_switch: Size = Size(100e-9, 30e-9)
    fire_trip_rp: float = FIRE_TRIP_RP

    def __post_init__(self):
        object.__setattr__(self, "device_file", Path(self.device_file))
        object.__setattr__(self, "input_weights", tuple(float(w) for w in self.input_weights))
        if not self.input_weights or any(not 0 < w <= 8 for w in self.input_weights):
            raise ValueError(
                f"neuron v4: input_weights={self.input_weights!r}; allowed one weight per "
                "input, each in (0, 8]"
            )
        for name, q in (
            ("vdd_v", "vdd"),
            ("write_current_ic0", "write_current"),
            ("heat_current_ic0", "heat_current"),
            ("write_s", "write_time"),
            ("heat_s", "heat_time"),
            ("gap_s", "gap_time"),
            ("edge_s", "edge_time"),
            ("trim_step", "trim_step"),
            ("trim_vref_v", "trim_vref"),
            ("fire_trip_rp", "fire_trip"),
        ):
            v = getattr(self, name)
            ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            if not (ok and QUANTITIES[q].contains(v)):
                raise ValueError(f"neuron v4: {name}={v!r}; allowed {QUANTITIES[q].allowed()}")
        for name, q in (("write_tc_per_k", "write_tc"), ("heat_tc_per_k", "heat_tc")):
            v = getattr(self, name)
            if v is not None and not (math.isfinite(v) and QUANTITIES[q].contains(v)):
                raise ValueError(f"neuron v4: {name}={v!r}; allowed {QUANTITIES[q].allowed()}")
        if not (
            isinstance(self.trim_bits, int) and QUANTITIES["trim_bits"].contains(self.trim_bits)
        ):
            raise ValueError(
                f"neuron v4: trim_bits={self.trim_bits!r}; allowed an integer in "
                f"{QUANTITIES['trim_bits'].allowed()}"
            )
        self.tech.check_size("trim_switch", self.trim_switch.w_m, self.trim_switch.l_m)
        _ = self.trim_code  # write_trim must be one of the DAC's codes
        missing = sorted(set(SIZES) - set(self.sizes))
        if missing:
            raise ValueError(f"neuron v4: sizes missing for {missing}")
        for role, s in self.sizes.items():
            self.tech.check_size(role, s.w_m, s.l_m)
        self.mtj()

    @property
    def n_inputs(self) -> int:
        return len(self.input_weights)

    @property
    def trim_codes(self) -> int:
        """Codes of the write-current trim DAC: 0 .. trim_codes - 1."""
        return 2**self.trim_bits

    def trim_dac(self) -> TrimDac:
        """The write reference's trim DAC (:mod:`circuits.trim_dac`), at the bias
        generator's scale (its current 1/BIAS_SCALE of the write current)."""
        b = self.bias_params().bias()
        s = self.trim_switch
        return TrimDac(
            self.trim_bits, self.trim_step, self.trim_vref_v, s.w_m, s.l_m,
            b.unit_current_a / BIAS_SCALE, b.tc_per_k, b.tnom_k - ZERO_CELSIUS_K,
        )  # fmt: skip

    def trim_factor(self, code: int) -> float:
        """The write reference's factor at trim ``code`` by the DAC's design equation
        (:meth:`circuits.trim_dac.TrimDac.factor`): 1 at the middle code (2^(bits-1)),
        ``trim_step`` per code."""
        return self.trim_dac().factor(code)

    @property
    def trim_code(self) -> int:
        """The DAC code whose factor is :attr:`write_trim` (refused if none is)."""
        dac = self.trim_dac()
        code = round((self.write_trim - 1.0) / self.trim_step) + dac.mid
        if not (math.isfinite(self.write_trim) and 0 <= code < dac.codes) or not math.isclose(
            dac.factor(code), self.write_trim, rel_tol=0, abs_tol=1e-9
        ):
            lo, hi = dac.factor(0), dac.factor(dac.codes - 1)
            raise ValueError(
                f"neuron v4: write_trim={self.write_trim!r}; allowed a code's factor in "
                f"[{lo:g}, {hi:g}] in steps of {self.trim_step:g} (the trim DAC's codes)"
            )
        return code

    @property
    def slot_s(self) -> float:
        """One input slot: write, heat and gap phases, each with its edges [s]."""
        return self.write_s + self.heat_s + self.gap_s + 4 * self.edge_s

    def nominal_mtj(self) -> MtjParams:
        return load_device(self.device_file).params

    def mtj(self) -> MtjParams:
        params = self.nominal_mtj()
        return params.with_(**self.mtj_overrides) if self.mtj_overrides else params

    def with_(self, **changes) -> IpnetV4Params:
        return replace(self, **changes)

    def bias_params(self) -> IpnetParams:
        """The shared bias generator's design: its unit line carries the write current, its
        reset line the heat current, with the v4 neuron's replicated device sizes."""
        s = self.sizes
        return IpnetParams(
            device_file=self.device_file,
            vdd_v=self.vdd_v,
            vwr_v=self.vdd_v,
            unit_current_ic0=self.write_current_ic0,
            bias_tc_per_k=self.write_tc_per_k,
            reset_current_ic0=self.heat_current_ic0,
            unit=s["unit"],
            switch=s["switch"],
            footer=s["phase"],
            reset_mirror=s["heat_mirror"],
            fire_p=s["fire_p"],
            fire_n=s["fire_n"],
            tech=self.tech,
        )


def read_v4_design(path: Path | str = DEFAULT_V4_DESIGN) -> IpnetV4Params:
    """Read and validate a v4 design file; keys it leaves out keep the built-in design's.

    Every error is one line naming the file, the key, the value and what is allowed.
    """
    path = Path(path)
    data = schema.read_toml(path, WHAT)
    unknown = sorted(set(data) - set(_TOP_KEYS))
    if unknown:
        raise ValueError(f"{WHAT} {path}: " + unknown_message("top-level key", unknown, _TOP_KEYS))
    built_in = path.resolve() == DEFAULT_V4_DESIGN.resolve()
    base = None if built_in else read_v4_design(DEFAULT_V4_DESIGN)
    raw = data.get("params", {})
    if not isinstance(raw, dict):
        raise ValueError(f"{WHAT} {path}: [params] must be a table")
    bad = sorted(set(raw) - set(QUANTITIES))
    if bad:
        raise ValueError(f"{WHAT} {path}: " + unknown_message("parameter", bad, QUANTITIES))
    values: dict[str, float] = {}
    for key, entry in raw.items():
        where = f"{WHAT} {path}: [params.{key}]"
        value, unit, _ = schema.read_entry(where, entry, allow_provenance=False)
        q = QUANTITIES[key]
        if q.unit == "s" and unit is None:
            raise ValueError(f"{where}: give a unit (e.g. 'ns'); the declared unit is s")
        values[key] = schema.to_declared_unit(value, unit, q, where)
    schema.check_ranges(path, WHAT, values, QUANTITIES)
    for key in ("n_inputs", "trim_bits"):
        if key in values and not float(values[key]).is_integer():
            raise ValueError(f"{WHAT} {path}: {key}={values[key]!r}; allowed an integer")
    if base is None:
        missing = sorted(set(QUANTITIES) - set(values))
        if missing:
            raise ValueError(f"{WHAT} {path}: the built-in design must give {missing}")
    if "device" in data:
        device = (path.parent / str(data["device"])).resolve()
        if not device.is_file():
            raise ValueError(f"{WHAT} {path}: device={data['device']!r}: no such file {device}")
    elif base is not None:
        device = base.device_file
    else:
        raise ValueError(f"{WHAT} {path}: the built-in design must name its device")

    def get(key):
        return values[key] if key in values else _base_value(base, key)

    sizes = {
        r: Size(get(f"{r}_w") * 1e-9, get(f"{r}_l") * 1e-9)
        if f"{r}_w" in values or f"{r}_l" in values or base is None
        else base.sizes[r]
        for r in SIZES
    }
    n = int(get("n_inputs"))
    return IpnetV4Params(
        device_file=device,
        vdd_v=get("vdd"),
        write_current_ic0=get("write_current"),
        heat_current_ic0=get("heat_current"),
        write_s=get("write_time"),
        heat_s=get("heat_time"),
        gap_s=get("gap_time"),
        edge_s=get("edge_time"),
        sizes=sizes,
        input_weights=(1.0,) * n,
        write_tc_per_k=get("write_tc"),
        heat_tc_per_k=get("heat_tc"),
        trim_bits=int(get("trim_bits")),
        trim_step=get("trim_step"),
        trim_vref_v=get("trim_vref"),
        trim_switch=Size(get("trim_switch_w") * 1e-9, get("trim_switch_l") * 1e-9)
        if base is None or "trim_switch_w" in values or "trim_switch_l" in values
        else base.trim_switch,
        fire_trip_rp=get("fire_trip"),
    )


def _base_value(base: IpnetV4Params, key: str) -> float:
    fields_of = {
        "vdd": base.vdd_v,
        "n_inputs": base.n_inputs,
        "write_current": base.write_current_ic0,
        "heat_current": base.heat_current_ic0,
        "write_time": base.write_s,
        "heat_time": base.heat_s,
        "gap_time": base.gap_s,
        "edge_time": base.edge_s,
        "write_tc": base.write_tc_per_k,
        "heat_tc": base.heat_tc_per_k,
        "trim_bits": base.trim_bits,
        "trim_step": base.trim_step,
        "trim_vref": base.trim_vref_v,
        "trim_switch_w": base.trim_switch.w_m * 1e9,
        "trim_switch_l": base.trim_switch.l_m * 1e9,
        "fire_trip": base.fire_trip_rp,
    }
    if key in fields_of:
        return fields_of[key]
    role, _, dim = key.rpartition("_")
    size = base.sizes[role]
    return (size.w_m if dim == "w" else size.l_m) * 1e9


def default_v4_params(**changes) -> IpnetV4Params:
    """The built-in v4 design, with ``changes`` applied."""
    p = read_v4_design(DEFAULT_V4_DESIGN)
    return p.with_(**changes) if changes else p


# ----------------------------------------------------------------------------- circuit
SENSE_SOURCE = "vj"
"""The 0 V source in series with the junction: its current flows a -> j (toward AP)."""
V4_BIAS_PINS = BIAS_PINS[:-1]
"""The generator's lines neuron v4 uses (no return-to-P comparator: no ``vbr``)."""
PHASE_PINS = ("phw", "phwb", "phh")
"""Global phase lines from the slot clock: write phase, its complement, heat phase."""


class IpnetV4Neuron(SubCircuit):
    """The v4 neuron: pins (in1..inN, out, vdd, vbn, vbp, vbf, phw, phwb, phh, th, u).

    ``th``: the junction's thermal node (rise above ambient, 1 V = 1 K); ``u``: the
    junction's random draws (a TRRANDOM source, stochastic model) or unconnected
    (deterministic model).
    """

    NAME = "ipnet_v4"

    @staticmethod
    def pins(n_inputs: int) -> tuple[str, ...]:
        return (
            *(f"in{k + 1}" for k in range(n_inputs)),
            "out",
            "vdd",
            "vbn",
            "vbp",
            "vbf",
            *PHASE_PINS,
            "th",
            "u",
        )

    def __init__(self, p: IpnetV4Params, stochastic: bool):
        super().__init__(self.NAME, *self.pins(p.n_inputs))
        n, pm = p.tech.nmos_model, p.tech.pmos_model

        def mos(name, d, g, s, b, model, role, w_scale=1.0):
            size = p.sizes[role]
            nf = f" nf={BIAS_SCALE}" if role in REPLICATED else ""
            self.raw_spice += (
                f"M{name} {d} {g} {s} {b} {model} l={size.l_m:.6g} w={size.w_m * w_scale:.6g}{nf}\n"
            )

        for k, w in enumerate(p.input_weights, start=1):
            mos(f"IW{k}", "j", "vbn", f"w{k}", 0, n, "unit", w)  # weight: mirror of MBN
            # input switch, scaled with the weight as its mirror is: the same current
            # density, so its drop (the mirror's source) is the bias replica's at any weight
            mos(f"IN{k}", f"w{k}", f"in{k}", "s", 0, n, "switch", w)
        mos("W", "s", "phw", 0, 0, n, "phase")  # write phase
        self.raw_spice += "VJ a am 0\n"  # senses the junction current (a -> j: toward AP)
        if stochastic:
            self.raw_spice += f"NMTJ am j th u {MTJ_MODEL}\n"
        else:
            self.raw_spice += f"NMTJ am j th {MTJ_MODEL}\n"
            self.raw_spice += "VU u 0 0\n"  # the unused draw pin, tied off (a source: no device)
        mos("PA", "a", "phwb", "vdd", "vdd", pm, "header")  # write header
        mos("NA", "a", "h", 0, 0, n, "ground")  # heat: a to ground
        # heat source: MPR mirrors MBP while its gate gr is switched to vbp (MNG, h high),
        # and is off (gr at VDD through MPG) otherwise
        mos("PR", "j", "gr", "vdd", "vdd", pm, "heat_mirror")
        mos("NG", "gr", "h", "vbp", 0, n, "logic_n")
        mos("PG", "gr", "h", "vdd", "vdd", pm, "logic_p")
        # heat enable: hb = NOT(phh AND (in1 OR in2 ...)) (OAI), h = NOT hb
        mos("OH", "hb", "phh", "om", 0, n, "logic_n")
        for k in range(1, p.n_inputs + 1):
            mos(f"OI{k}", "om", f"in{k}", 0, 0, n, "logic_n")
        mos("OPH", "hb", "phh", "vdd", "vdd", pm, "logic_p")
        chain = "hb"
        for k in range(1, p.n_inputs + 1):
            nxt = "vdd" if k == p.n_inputs else f"op{k}"
            mos(f"OP{k}", chain, f"in{k}", nxt, "vdd", pm, "logic_p")
            chain = nxt
        mos("PH", "h", "hb", "vdd", "vdd", pm, "logic_p")
        mos("NH", "h", "hb", 0, 0, n, "logic_n")
        # fire comparator: V(a) - V(j) above the replica trip while writing in AP
        mos("P1", "det", "j", "a", "vdd", pm, "fire_p")
        mos("N1", "det", "vbf", 0, 0, n, "fire_n")
        mos("PD", "detb", "det", "vdd", "vdd", pm, "logic_p")  # INVD: regenerates det
        mos("ND", "detb", "det", 0, 0, n, "logic_n", 1.5)  # (a low threshold)
        mos("PO", "out", "detb", "vdd", "vdd", pm, "logic_p")  # INVO: the spike
        mos("NO", "out", "detb", 0, 0, n, "logic_n")


# ----------------------------------------------------------------------------- stimulus
def _pwl(points: list[tuple[float, float]]) -> str:
    out: list[tuple[float, float]] = []
    for t, v in points:
        if out and t <= out[-1][0]:
            t = out[-1][0] + 1e-15
        out.append((t, v))
    return "PWL(" + " ".join(f"{t:.12g} {v:.6g}" for t, v in out) + ")"


def phase_windows(p: IpnetV4Params, slot: int) -> dict[str, tuple[float, float]]:
    """Start and end [s] of the write and heat phases of slot ``slot`` (flat tops)."""
    t0 = slot * p.slot_s
    e = p.edge_s
    write = (t0 + e, t0 + e + p.write_s)
    heat = (write[1] + 2 * e, write[1] + 2 * e + p.heat_s)
    return {"write": write, "heat": heat}


def _pulses(p: IpnetV4Params, slots, phase: str, high: float, low: float) -> str:
    pts = [(0.0, low)]
    e = p.edge_s
    for k in sorted(slots):
        a, b = phase_windows(p, k)[phase]
        pts += [(a - e, low), (a, high), (b, high), (b + e, low)]
    return _pwl(pts)


def input_pwl(p: IpnetV4Params, slots) -> str:
    """An input active in ``slots``: high from just before its write phase to just after
    its heat phase (the phase lines, not the input's edges, time the slot)."""
    pts = [(0.0, 0.0)]
    e = p.edge_s
    for k in sorted(set(slots)):
        a = phase_windows(p, k)["write"][0] - e
        b = phase_windows(p, k)["heat"][1] + e
        pts += [(a - e, 0.0), (a, p.vdd_v), (b, p.vdd_v), (b + e, 0.0)]
    return _pwl(pts)


def build_v4_testbench(
    p: IpnetV4Params,
    input_slots: list[list[int]] | tuple[tuple[int, ...], ...],
    n_slots: int,
    switching: ms.Switching = ms.DETERMINISTIC_SWITCHING,
    copies: int = 1,
    title: str = "IPNet neuron v4 (heat-gated stochastic neuron) testbench",
    state0: int = 1,
) -> BenchCircuit:
    """``copies`` identical neurons X1..X<copies> (independent junctions, own thermal nodes
    th<k>, outputs out<k>), one shared bias generator XB and slot clock (phw, phwb, phh in
    every slot), inputs VIN<i> active in ``input_slots[i]``.  In stochastic mode each copy
    has its own TRRANDOM source, so one transient gives ``copies`` independent trials.
    ``state0``: the junctions' initial state (1 parallel, the rest state; -1 antiparallel)."""
    if len(input_slots) != p.n_inputs:
        raise ValueError(f"neuron v4: {len(input_slots)} input slot lists for {p.n_inputs} inputs")
    if isinstance(copies, bool) or not isinstance(copies, int) or copies < 1:
        raise ValueError(f"copies={copies!r}; allowed an integer >= 1")
    for i, slots in enumerate(input_slots, start=1):
        bad = [k for k in slots if not (isinstance(k, int) and 0 <= k < n_slots)]
        if bad:
            raise ValueError(f"input {i}: slots {bad} outside 0..{n_slots - 1}")
    mtj = p.mtj()
    header = [
        f"* device {p.device_file.name}: rp={mtj.rp:.4g} ohm ic0={mtj.ic0:.4g} A "
        f"delta0={mtj.delta0:g} rth={mtj.rth:.3g}+{mtj.rth2:.3g} K/W "
        f"(tau {mtj.tau_th_s * 1e9:.3g} ns, {mtj.tau_th2_s * 1e9:.3g} ns)",
        f"* slot {p.slot_s * 1e9:.4g} ns: write {p.write_s * 1e9:g} ns at "
        f"{p.write_current_ic0:g} Ic0 x weight, heat {p.heat_s * 1e9:g} ns at "
        f"{p.heat_current_ic0:g} Ic0, gap {p.gap_s * 1e9:g} ns; v(th<k>) = rise above ambient [K]",
    ]
    c = BenchCircuit(
        title,
        header=header,
        includes=[p.tech.include_line()],
        sim_options={**SIM_OPTIONS, **switching.options()},
    )
    c.raw_spice += ms.model_line(mtj, MTJ_MODEL, state0, switching) + "\n"
    c.subcircuit(
        IpnetBias(
            p.bias_params(), p.heat_tc_per_k, (p.trim_dac(), p.trim_code), p.fire_trip_rp, False
        )
    )
    c.subcircuit(IpnetV4Neuron(p, switching.stochastic))
    c.X("B", IpnetBias.NAME, "vddb", *V4_BIAS_PINS)
    ins = [f"in{k + 1}" for k in range(p.n_inputs)]
    for k in range(1, copies + 1):
        c.X(
            str(k),
            IpnetV4Neuron.NAME,
            *ins,
            f"out{k}",
            "vdd",
            "vbn",
            "vbp",
            "vbf",
            *PHASE_PINS,
            f"th{k}",
            f"u{k}",
        )
        if switching.stochastic:
            c.raw_spice += f"VU{k} u{k} 0 DC 0 TRRANDOM(1 {switching.sample_s:.6g} 0 0.5 0.5)\n"
    c.V("DD", "vdd", c.gnd, p.vdd_v)
    c.V("DDB", "vddb", c.gnd, p.vdd_v)
    every = range(n_slots)
    c.V("PHW", "phw", c.gnd, _pulses(p, every, "write", p.vdd_v, 0.0))
    c.V("PHWB", "phwb", c.gnd, _pulses(p, every, "write", 0.0, p.vdd_v))
    c.V("PHH", "phh", c.gnd, _pulses(p, every, "heat", p.vdd_v, 0.0))
    for k, slots in enumerate(input_slots, start=1):
        c.V(f"IN{k}", f"in{k}", c.gnd, input_pwl(p, slots))
    return c
