"""The capacitor-free IPNet neuron: an MTJ whose Joule heat is the neuron's working memory.

Schematic (one input shown; each extra input adds one ``MIN<k>`` beside ``MIN1``)::

     VWR                      VDD                       VDD          VDD
      |                        |                         |            |
     MPA (g=q) ----+          MPR (g=qb)           INV1: j -> det   INV4: qb -> out
      |            |           |                                      |
      a <-- MNA (g=q) to gnd   |                   latch: q <-> qb    out (output spike)
      |                        |                   set:   MS  (g=det) pulls qb low
     [MTJ p]                   |                   clear: MC  (g=clr) pulls q low
     [MTJ n] ------------------j
                               |
                              MIN1 (g=in1) to gnd

* Write (integrate): an input spike on ``in1`` turns ``MIN1`` on, which sinks a current
  from the write rail VWR through ``MPA`` and the junction (p -> n, toward AP).  Its Joule
  heat raises the junction temperature; the heat leaks with tau = rth*cth.  A warm
  junction switches at a lower current and sooner, so recent input makes the neuron more
  excitable (intrinsic plasticity).  There is no capacitor: the memory is the heat.
* Fire: when the junction switches to AP, its resistance rises and node ``j`` falls
  below the switching threshold of ``INV1``; ``det`` rises and sets the latch (``MS``).
* Output: ``q`` drives the output buffer ``INV4``: a rail-to-rail spike on ``out``.
* Reset: while ``q`` is high, ``MNA`` pulls ``a`` to ground and ``MPR`` pulls ``j`` up, so
  current flows n -> p and returns the junction to its resting P state.  ``MPR`` is sized
  to overpower an input transistor that is still on.  A global clear pulse on ``clr``
  (``MC``) ends the output spike and the reset phase.
* Sense margin: with the write current I, j = VWR - I*R; P gives a high j, AP a low one;
  INV1's threshold (set by its P/N width ratio) sits between them.

Every transistor except the input, write and reset devices is minimum size.  The MTJ
sits above the access devices in the back end of line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from PySpice.Spice.Netlist import Circuit, SubCircuit

from .mtj_device import DEFAULT_DEVICE, MtjParams, load_device
from .stimulus import SpikeTrain, Stimulus
from .technology import CMOS28, Technology

MTJ_MODEL = "mtj_ipnet"
SIM_OPTIONS: dict[str, object] = {"method": "gear"}
"""Extra ``.options`` of the testbench.  Model version 2 no longer needs Gear (the
version-1 model rang under the trapezoidal rule), and both rules give the same spikes
within 0.1 ns; Gear is kept for speed at the hot corner: the standard 80 ns testbench took
0.7 s (trapezoidal) vs 0.6 s (Gear) at 27 C, but 1.4 s vs 0.5 s at 85 C."""


@dataclass(frozen=True)
class Size:
    """A transistor's drawn width and length [m]."""

    w_m: float
    l_m: float


@dataclass(frozen=True)
class IpnetParams:
    """Parameters of the IPNet neuron and its supplies (SI units).

    device_file: MTJ parameter file (models/devices/*.toml)
    mtj_overrides: MTJ parameters that replace the file's values (a sample of a variation sweep)
    vdd_v: logic supply [V]; vwr_v: write rail feeding the junction [V]
    n_inputs: number of input (synapse) transistors
    input, write, reset, inv_n, inv_p, latch_n, latch_p, sense_n, sense_p, set_n, clear_n: sizes
    state0: resting state of the junction (+1 parallel)
    """

    device_file: Path = DEFAULT_DEVICE
    mtj_overrides: dict[str, float] = field(default_factory=dict)
    vdd_v: float = 0.9
    vwr_v: float = 0.9
    n_inputs: int = 1
    input: Size = Size(200e-9, 30e-9)
    write: Size = Size(800e-9, 30e-9)
    reset: Size = Size(800e-9, 30e-9)
    sense_n: Size = Size(400e-9, 30e-9)
    sense_p: Size = Size(100e-9, 30e-9)
    latch_n: Size = Size(100e-9, 30e-9)
    latch_p: Size = Size(100e-9, 30e-9)
    set_n: Size = Size(300e-9, 30e-9)
    clear_n: Size = Size(200e-9, 30e-9)
    out_n: Size = Size(100e-9, 30e-9)
    out_p: Size = Size(150e-9, 30e-9)
    tech: Technology = field(default=CMOS28)

    def __post_init__(self):
        object.__setattr__(self, "device_file", Path(self.device_file))
        if not self.device_file.exists():
            raise FileNotFoundError(
                f"IPNet neuron: MTJ parameter file {self.device_file} does not exist"
            )
        for name in ("vdd_v", "vwr_v"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and 0 < v <= 1.2):
                raise ValueError(f"IPNet neuron: {name}={v!r} V; allowed 0 < {name} <= 1.2 V")
        if not (isinstance(self.n_inputs, int) and 1 <= self.n_inputs <= 64):
            raise ValueError(f"IPNet neuron: n_inputs={self.n_inputs!r}; allowed 1..64")
        for name, size in self.sizes().items():
            self.tech.check_size(name, size.w_m, size.l_m)
        self.mtj()  # a bad override fails here, before any netlist exists

    def sizes(self) -> dict[str, Size]:
        return {
            k: getattr(self, k)
            for k in (
                "input",
                "write",
                "reset",
                "sense_n",
                "sense_p",
                "latch_n",
                "latch_p",
                "set_n",
                "clear_n",
                "out_n",
                "out_p",
            )
        }

    def mtj(self) -> MtjParams:
        """The junction's parameters: the device file's, with ``mtj_overrides`` applied."""
        params = load_device(self.device_file).params
        unknown = set(self.mtj_overrides) - set(params.__dataclass_fields__)
        if unknown:
            raise ValueError(
                f"IPNet neuron: unknown MTJ parameter(s) {sorted(unknown)}; allowed: "
                f"{', '.join(params.__dataclass_fields__)}"
            )
        return params.with_(**self.mtj_overrides) if self.mtj_overrides else params


class IpnetNeuron(SubCircuit):
    """The neuron as a subcircuit: pins (in1..inN, clr, out, vdd, vwr); ground is node 0."""

    def __init__(self, p: IpnetParams):
        inputs = [f"in{k + 1}" for k in range(p.n_inputs)]
        super().__init__("ipnet_neuron", *inputs, "clr", "out", "vdd", "vwr")
        n, pm = p.tech.nmos_model, p.tech.pmos_model

        def mos(name, d, g, s, b, model, size):
            self.M(name, d, g, s, b, model=model, w=size.w_m, l=size.l_m)

        for k, pin in enumerate(inputs, start=1):
            mos(f"IN{k}", "j", pin, 0, 0, n, p.input)  # synapse: write current sink
        self.raw_spice += f"NMTJ a j tj {MTJ_MODEL}\n"  # junction p=a, n=j, thermal tj
        mos("PA", "a", "out", "vwr", "vwr", pm, p.write)  # write header (off while firing)
        mos("NA", "a", "out", 0, 0, n, p.reset)  # reset: a to ground
        mos("PR", "j", "outb", "vdd", "vdd", pm, p.reset)  # reset: j to VDD
        mos("P1", "det", "j", "vdd", "vdd", pm, p.sense_p)  # INV1: sense
        mos("N1", "det", "j", 0, 0, n, p.sense_n)
        mos("P2", "qb", "q", "vdd", "vdd", pm, p.latch_p)  # latch INV2: q -> qb
        mos("N2", "qb", "q", 0, 0, n, p.latch_n)
        mos("P3", "q", "qb", "vdd", "vdd", pm, p.latch_p)  # latch INV3: qb -> q
        mos("N3", "q", "qb", 0, 0, n, p.latch_n)
        mos("S", "qb", "det", 0, 0, n, p.set_n)  # set on detection
        mos("C", "q", "clr", 0, 0, n, p.clear_n)  # clear
        mos("P4", "out", "qb", "vdd", "vdd", pm, p.out_p)  # output buffer
        mos("N4", "out", "qb", 0, 0, n, p.out_n)
        mos("P5", "outb", "out", "vdd", "vdd", pm, p.out_p)  # reset driver phase
        mos("N5", "outb", "out", 0, 0, n, p.out_n)


def build_ipnet_testbench(
    p: IpnetParams,
    inputs: list[SpikeTrain | Stimulus],
    clear: SpikeTrain,
    title: str = "IPNet capacitor-free MTJ neuron testbench",
) -> Circuit:
    """The neuron ``X1`` with one source per supply (VDD, VWR), per input (VIN<k>) and VCLR."""
    if len(inputs) != p.n_inputs:
        raise ValueError(f"IPNet testbench: {len(inputs)} input trains for n_inputs={p.n_inputs}")
    mtj = p.mtj()
    c = Circuit(title)
    for line in _header(p, mtj):
        c.raw_spice += line + "\n"
    c.raw_spice += p.tech.include_line() + "\n"
    if SIM_OPTIONS:
        c.raw_spice += ".options " + " ".join(f"{k}={v}" for k, v in SIM_OPTIONS.items()) + "\n"
    c.raw_spice += mtj.model_line(MTJ_MODEL, state0=1) + "\n"
    c.subcircuit(IpnetNeuron(p))
    pins = [f"in{k + 1}" for k in range(p.n_inputs)]
    c.X("1", "ipnet_neuron", *pins, "clr", "out", "vdd", "vwr")
    c.V("DD", "vdd", c.gnd, p.vdd_v)
    c.V("WR", "vwr", c.gnd, p.vwr_v)
    for k, (pin, train) in enumerate(zip(pins, inputs), start=1):
        c.V(f"IN{k}", pin, c.gnd, train.pwl())
    c.V("CLR", "clr", c.gnd, clear.pwl())
    return c


def _header(p: IpnetParams, mtj: MtjParams) -> list[str]:
    lines = [
        "* IPNet neuron (capacitor-free): MTJ Joule heat is the working memory",
        f"* MTJ device file: {p.device_file.name}",
        f"* MTJ: rp={mtj.rp:.4g} ohm tmr0={mtj.tmr0:.4g} ic0={mtj.ic0:.4g} A delta0={mtj.delta0:.4g} "
        f"rth={mtj.rth:.4g} K/W cth={mtj.cth:.4g} J/K (tau_th={mtj.tau_th_s:.4g} s)",
        f"* supplies: VDD={p.vdd_v} V, VWR={p.vwr_v} V; technology {p.tech.name}",
    ]
    for name, s in p.sizes().items():
        lines.append(f"* size {name}: W={s.w_m * 1e9:.0f} nm L={s.l_m * 1e9:.0f} nm")
    return lines
