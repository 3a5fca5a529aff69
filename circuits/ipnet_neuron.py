"""The capacitor-free IPNet neuron: an MTJ whose Joule heat is the neuron's working memory.

Schematic (one input shown; each extra input adds one ``MIN<k>`` beside ``MIN1``; the
full one is in docs/ipnet_neuron.md)::

     VWR                      VDD
      |                        |
     MPA (g=rst) --+          MPR (g=rstb, current-limited)
      |            |           |                INV1: j -> det -> INV7, INV8 -> out (spike)
      a <-- MNA (g=rst) to gnd |                INV6: j -> pb   (back-in-P sense, high threshold)
      |                        |                latch q <-> qb; set MS (g=det) pulls qb low
     [MTJ p]                   |                global clear MC (g=clr) pulls q low (optional)
     [MTJ n] ------------------j                self-timed clear MD1 (g=pb) + MD2 (g=rstd)
                               |                INV4: qb -> rst, INV5: rst -> rstb,
                              MIN1 (g=in1)      INV9 (long channel): rstb -> rstd
                               |
                               s -- MFT (g=rstb) to gnd (input footer)

* Write (integrate): an input spike on ``in1`` turns ``MIN1`` on, which sinks a current
  from the write rail VWR through ``MPA`` and the junction (p -> n, toward AP).  Its Joule
  heat raises the junction temperature; the heat leaks with tau = rth*cth.  A warm
  junction switches at a lower current and sooner, so recent input makes the neuron more
  excitable (intrinsic plasticity).  There is no capacitor: the memory is the heat.
* Fire: when the junction switches to AP, its resistance rises and node ``j`` falls
  below the switching threshold of ``INV1``; ``det`` rises and sets the latch (``MS``).
* Output: ``det`` through ``INV7``/``INV8`` is the spike on ``out``; it ends by itself
  when the reset raises ``j`` (about 0.1 ns).
* Reset (self-timed): while ``rst`` is high, ``MNA`` pulls ``a`` to ground and the
  current-limited ``MPR`` feeds ``j``, so about Ic0 flows n -> p and returns the junction
  to P; the footer ``MFT`` disconnects the inputs.  Because the pull-up is a current
  limit, j is higher in AP than in P; ``INV6`` senses the return to P and ``MD1``/``MD2``
  clear the latch, which ends the reset: no reset current flows in P.  ``INV9`` delays
  that clear until j has risen after the set.  A global clear pulse on ``clr`` (``MC``)
  still ends the reset phase (clocked operation); it is optional.
* Sense margin: with the write current I, j = VWR - I*R; P gives a high j, AP a low one;
  INV1's threshold (set by its P/N width ratio) sits between them.

Most logic transistors are minimum size; the sized ones are explained in docs/ipnet_neuron.md.  The MTJ
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
    sizes (W, L) of: input (synapse), footer (input footer, off while resetting), write
    (header MPA), reset (MNA: a to ground), reset_p (MPR: the current-limited reset
    pull-up on j), sense_n/sense_p (INV1: fire detection), latch_n/latch_p, set_n, clear_n
    (global clear MC), out_n/out_p (reset drivers INV4/INV5 and spike buffer INV7/INV8),
    psense_n/psense_p (INV6: return-to-P detection, high threshold), done_n (MD1/MD2:
    self-timed clear), delay (INV9: holds the self-timed clear off while j rises)
    state0: resting state of the junction (+1 parallel)
    """

    device_file: Path = DEFAULT_DEVICE
    mtj_overrides: dict[str, float] = field(default_factory=dict)
    vdd_v: float = 0.9
    vwr_v: float = 0.9
    n_inputs: int = 1
    input: Size = Size(230e-9, 30e-9)
    footer: Size = Size(800e-9, 30e-9)
    write: Size = Size(800e-9, 30e-9)
    reset: Size = Size(800e-9, 30e-9)
    reset_p: Size = Size(110e-9, 30e-9)
    sense_n: Size = Size(400e-9, 30e-9)
    sense_p: Size = Size(100e-9, 30e-9)
    latch_n: Size = Size(100e-9, 30e-9)
    latch_p: Size = Size(100e-9, 30e-9)
    set_n: Size = Size(300e-9, 30e-9)
    clear_n: Size = Size(200e-9, 30e-9)
    out_n: Size = Size(100e-9, 30e-9)
    out_p: Size = Size(150e-9, 30e-9)
    psense_n: Size = Size(100e-9, 120e-9)
    psense_p: Size = Size(800e-9, 30e-9)
    done_n: Size = Size(300e-9, 30e-9)
    delay: Size = Size(100e-9, 400e-9)
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
                "footer",
                "write",
                "reset",
                "reset_p",
                "sense_n",
                "sense_p",
                "latch_n",
                "latch_p",
                "set_n",
                "clear_n",
                "out_n",
                "out_p",
                "psense_n",
                "psense_p",
                "done_n",
                "delay",
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
            mos(f"IN{k}", "j", pin, "s", 0, n, p.input)  # synapse: write current sink
        mos("FT", "s", "rstb", 0, 0, n, p.footer)  # input footer: inputs off while resetting
        self.raw_spice += f"NMTJ a j tj {MTJ_MODEL}\n"  # junction p=a, n=j, thermal tj
        mos("PA", "a", "rst", "vwr", "vwr", pm, p.write)  # write header (off while resetting)
        mos("NA", "a", "rst", 0, 0, n, p.reset)  # reset: a to ground
        mos("PR", "j", "rstb", "vdd", "vdd", pm, p.reset_p)  # reset: current-limited j pull-up
        mos("P1", "det", "j", "vdd", "vdd", pm, p.sense_p)  # INV1: fire detection
        mos("N1", "det", "j", 0, 0, n, p.sense_n)
        mos("P2", "qb", "q", "vdd", "vdd", pm, p.latch_p)  # latch INV2: q -> qb
        mos("N2", "qb", "q", 0, 0, n, p.latch_n)
        mos("P3", "q", "qb", "vdd", "vdd", pm, p.latch_p)  # latch INV3: qb -> q
        mos("N3", "q", "qb", 0, 0, n, p.latch_n)
        mos("S", "qb", "det", 0, 0, n, p.set_n)  # set on detection
        mos("C", "q", "clr", 0, 0, n, p.clear_n)  # global clear (optional)
        mos("P4", "rst", "qb", "vdd", "vdd", pm, p.out_p)  # INV4: reset phase
        mos("N4", "rst", "qb", 0, 0, n, p.out_n)
        mos("P5", "rstb", "rst", "vdd", "vdd", pm, p.out_p)  # INV5: reset driver phase
        mos("N5", "rstb", "rst", 0, 0, n, p.out_n)
        mos("P6", "pb", "j", "vdd", "vdd", pm, p.psense_p)  # INV6: back-in-P sense
        mos("N6", "pb", "j", 0, 0, n, p.psense_n)
        mos("P9", "rstd", "rstb", "vdd", "vdd", pm, p.delay)  # INV9: delayed reset phase
        mos("N9", "rstd", "rstb", 0, 0, n, p.delay)
        mos("D1", "q", "pb", "dm", 0, n, p.done_n)  # self-timed clear: P sensed while
        mos("D2", "dm", "rstd", 0, 0, n, p.done_n)  # resetting ends the reset phase
        mos("P7", "spb", "det", "vdd", "vdd", pm, p.out_p)  # INV7, INV8: spike buffer
        mos("N7", "spb", "det", 0, 0, n, p.out_n)
        mos("P8", "out", "spb", "vdd", "vdd", pm, p.out_p)
        mos("N8", "out", "spb", 0, 0, n, p.out_n)


def build_ipnet_testbench(
    p: IpnetParams,
    inputs: list[SpikeTrain | Stimulus],
    clear: SpikeTrain | None = None,
    title: str = "IPNet capacitor-free MTJ neuron testbench",
) -> Circuit:
    """The neuron ``X1`` with one source per supply (VDD, VWR), per input (VIN<k>) and VCLR.

    ``clear``: global clear pulses on ``clr`` (None: ``clr`` held at 0 V; the neuron ends
    its spike and its reset by itself).  The operating point starts from the rest state
    (``.nodeset`` of the latch at q = 0), without a power-on clear pulse.
    """
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
    c.raw_spice += ".nodeset v(x1.q)=0 v(x1.qb)=" + f"{p.vdd_v:g}" + "\n"
    c.subcircuit(IpnetNeuron(p))
    pins = [f"in{k + 1}" for k in range(p.n_inputs)]
    c.X("1", "ipnet_neuron", *pins, "clr", "out", "vdd", "vwr")
    c.V("DD", "vdd", c.gnd, p.vdd_v)
    c.V("WR", "vwr", c.gnd, p.vwr_v)
    for k, (pin, train) in enumerate(zip(pins, inputs), start=1):
        c.V(f"IN{k}", pin, c.gnd, train.pwl())
    c.V("CLR", "clr", c.gnd, clear.pwl() if clear is not None else 0)
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
