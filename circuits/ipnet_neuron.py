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

from PySpice.Spice.Netlist import SubCircuit

from .bench_circuit import BenchCircuit
from .ipnet_design import DEFAULT_DESIGN, FIELD_QUANTITIES, SIZES, WEIGHT_RANGE, read_design
from .mtj_analytic import critical_current
from .mtj_device import MtjParams, load_device
from .stimulus import SpikeTrain, Stimulus
from .technology import CMOS28, Technology
from .trim_dac import TrimDac
from .units import ZERO_CELSIUS_K

MTJ_MODEL = "mtj_ipnet"
MTJ_LAW_VERSION = 2.0
"""The MTJ model's switching law this neuron was tuned on: version 2, the legacy law the
model keeps selectable (``version < 3``).  On the physical law of version 3 a train of
1 ns writes at 1.2 Ic0 needs hundreds of pulses to switch, not about ten, so the neuron
is re-designed on it in its own step (neuron v4); until then its netlists say so."""
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


_BUILT_IN = read_design(DEFAULT_DESIGN).kwargs()
"""The built-in design (circuits/designs/ipnet_default.toml): IpnetParams' defaults."""
UNIT_CURRENT_IC0 = _BUILT_IN.get("unit_current_ic0")
"""Synapse current of weight 1 at ``tnom`` in units of the device file's Ic0: 20 % above
the firing threshold (about 0.96 Ic0 for a 10 ns train), so that the 7 % device spread of
Ic0 keeps every sample of the default sweep inside its window (the built-in design's
``unit_current``)."""
RESET_CURRENT_IC0 = _BUILT_IN.get("reset_current_ic0")
"""AP -> P reset current at ``tnom`` in units of the device file's Ic0 (the built-in
design's ``reset_current``)."""
FIRE_TRIP_RP = 1.10
"""Trip point of the fire comparator: junction voltage = unit current x 1.10 R_P, between
the parallel level (1.0) and the antiparallel one (1.2-1.4, set by TMR(V) and, at a low
supply, by the current source's headroom)."""
RESET_TRIP_RP = 1.18
"""Trip point of the return-to-P comparator: junction voltage = reset current x 1.18 R_P,
between the parallel level (1.0; a sample with R_P 12 % above nominal sits 5 % below it)
and the antiparallel one (about 1.3 at 0.81 V, where the supply clips it)."""
BIAS_TRIM_K = (ZERO_CELSIUS_K, ZERO_CELSIUS_K + 85.0)
VDS_SHIFT_N_V = 0.2
"""Gate-to-drain drop of the synapse reference diode [V] (Vds 0.4 V instead of 0.6 V)."""
VDS_SHIFT_P_V = 0.3
"""Gate-to-drain drop of the reset reference diode [V] (|Vds| about 0.3 V)."""
BIAS_SCALE = 5
"""The neuron's devices that the bias generator replicates (:data:`REPLICATED`) are drawn
as BIAS_SCALE fingers (BSIM4 ``nf``); the generator's copy is one finger of the same width,
carrying 1/BIAS_SCALE of the current (its resistors are BIAS_SCALE x larger).  The
generator then burns a fifth of the neuron's currents, and the ratio is exact: both sides
are made of identical fingers (a narrower single device would differ by its width offset
and narrow-width threshold shift: 20 % at 85 C)."""
REPLICATED = (
    "unit",
    "switch",
    "footer",
    "reset_mirror",
    "fire_p",
    "fire_n",
    "psense_n",
    "psense_p",
)
"""The two temperatures [K] at which the bias generator's temperature coefficient is
trimmed to the junction's Ic0(T) (a two-point trim, as production references are)."""


@dataclass(frozen=True)
class IpnetParams:
    """Parameters of the IPNet neuron, its bias generator and its supplies (SI units).

    The defaults are the built-in design, circuits/designs/ipnet_default.toml; a design file
    (:func:`circuits.ipnet_design.read_design`) gives another set (``design.params()``).

    device_file: MTJ parameter file (models/devices/*.toml)
    mtj_overrides: MTJ parameters that replace the file's values (a sample of a variation
    sweep); the bias generator is designed for the file's nominal junction and does not
    see them
    vdd_v: logic supply [V]; vwr_v: write rail feeding the junction [V]
    n_inputs: number of input synapses; input_weights: each synapse's current in units of
    the unit current (None: all 1)
    unit_current_a: synapse current of weight 1 at tnom [A] (None: unit_current_ic0 x Ic0)
    reset_current_a: AP -> P reset current at tnom [A] (None: reset_current_ic0 x Ic0)
    unit_current_ic0, reset_current_ic0: the same as ratios to the nominal junction's Ic0
    (used where the current in amperes is None)
    bias_tc_per_k: relative temperature coefficient of both reference currents [1/K]
    (None: trimmed to the junction's Ic0(T) at BIAS_TRIM_K)
    sizes (W, L) of: switch (input switch, gate = input spike), unit (weight-1 mirror
    device and the bias generator's diode), footer (input footer, off while resetting),
    write (header MPA), reset (MNA: a to ground), reset_mirror (MPR: the current-source
    reset pull-up on j, switched by its gate; also the bias generator's PMOS diode), fire_p/fire_n (fire comparator: MP1 senses the junction
    voltage, MN1 its bias sink), psense_n/psense_p (return-to-P comparator: MN6 senses the
    junction voltage, MP6 its bias load), latch_n/latch_p, decide_n/decide_p (INV13: the fire decision, a low
    threshold), set_p (MS: the set, PMOS), clear_n (global clear
    MC), out_n/out_p (reset drivers INV4/INV5 and spike buffer INV7/INV8), done_n (MD1/MD2:
    self-timed clear), delay (INV9: holds the self-timed clear off while j rises)
    """

    device_file: Path = _BUILT_IN["device_file"]
    mtj_overrides: dict[str, float] = field(default_factory=dict)
    vdd_v: float = _BUILT_IN["vdd_v"]
    vwr_v: float = _BUILT_IN["vwr_v"]
    n_inputs: int = _BUILT_IN["n_inputs"]
    input_weights: tuple[float, ...] | None = _BUILT_IN["input_weights"]
    unit_current_a: float | None = _BUILT_IN.get("unit_current_a")
    reset_current_a: float | None = _BUILT_IN.get("reset_current_a")
    bias_tc_per_k: float | None = _BUILT_IN["bias_tc_per_k"]
    unit_current_ic0: float | None = UNIT_CURRENT_IC0
    reset_current_ic0: float | None = RESET_CURRENT_IC0
    switch: Size = Size(*_BUILT_IN["switch"])
    unit: Size = Size(*_BUILT_IN["unit"])
    footer: Size = Size(*_BUILT_IN["footer"])
    write: Size = Size(*_BUILT_IN["write"])
    reset: Size = Size(*_BUILT_IN["reset"])
    reset_mirror: Size = Size(*_BUILT_IN["reset_mirror"])
    fire_p: Size = Size(*_BUILT_IN["fire_p"])
    fire_n: Size = Size(*_BUILT_IN["fire_n"])
    psense_n: Size = Size(*_BUILT_IN["psense_n"])
    psense_p: Size = Size(*_BUILT_IN["psense_p"])
    latch_n: Size = Size(*_BUILT_IN["latch_n"])
    latch_p: Size = Size(*_BUILT_IN["latch_p"])
    decide_n: Size = Size(*_BUILT_IN["decide_n"])
    decide_p: Size = Size(*_BUILT_IN["decide_p"])
    set_p: Size = Size(*_BUILT_IN["set_p"])
    clear_n: Size = Size(*_BUILT_IN["clear_n"])
    out_n: Size = Size(*_BUILT_IN["out_n"])
    out_p: Size = Size(*_BUILT_IN["out_p"])
    done_n: Size = Size(*_BUILT_IN["done_n"])
    delay: Size = Size(*_BUILT_IN["delay"])
    tech: Technology = field(default=CMOS28)

    def __post_init__(self):
        object.__setattr__(self, "device_file", Path(self.device_file))
        if not self.device_file.exists():
            raise FileNotFoundError(
                f"IPNet neuron: MTJ parameter file {self.device_file} does not exist"
            )
        for name, q in FIELD_QUANTITIES.items():
            v = getattr(self, name)
            optional = name.endswith("_a") or name == "bias_tc_per_k"
            if v is None and (optional or getattr(self, name.replace("_ic0", "_a")) is not None):
                continue  # not given (a current in amperes replaces its ratio to Ic0)
            ok = isinstance(v, (int, float)) and not isinstance(v, bool) and q.contains(v)
            if not ok or (name == "n_inputs" and not isinstance(v, int)):
                raise ValueError(f"IPNet neuron: {name}={v!r}; allowed {q.allowed()}")
        if self.input_weights is not None:
            weights = tuple(self.input_weights)
            object.__setattr__(self, "input_weights", weights)
            if len(weights) != self.n_inputs:
                raise ValueError(
                    f"IPNet neuron: input_weights={weights!r} has {len(weights)} entries for "
                    f"n_inputs={self.n_inputs}; give one weight per input"
                )
            for k, w in enumerate(weights, start=1):
                if not (_positive(w) and WEIGHT_RANGE.contains(w)):
                    raise ValueError(
                        f"IPNet neuron: input_weights[{k}]={w!r}; allowed {WEIGHT_RANGE.allowed()}"
                    )
        for name, size in self.sizes().items():
            self.tech.check_size(name, size.w_m, size.l_m)
        self.mtj()  # a bad override fails here, before any netlist exists

    def sizes(self) -> dict[str, Size]:
        return {k: getattr(self, k) for k in SIZE_FIELDS}

    def nominal_mtj(self) -> MtjParams:
        """The device file's junction, without the sample's overrides (the bias design point)."""
        return load_device(self.device_file).params

    def mtj(self) -> MtjParams:
        """The junction's parameters: the device file's, with ``mtj_overrides`` applied."""
        params = self.nominal_mtj()
        unknown = set(self.mtj_overrides) - set(params.__dataclass_fields__)
        if unknown:
            raise ValueError(
                f"IPNet neuron: unknown MTJ parameter(s) {sorted(unknown)}; allowed: "
                f"{', '.join(params.__dataclass_fields__)}"
            )
        return params.with_(**self.mtj_overrides) if self.mtj_overrides else params

    def weights(self) -> tuple[float, ...]:
        return self.input_weights or (1.0,) * self.n_inputs

    def bias(self) -> BiasDesign:
        """The bias generator's reference currents and temperature coefficient."""
        nominal = self.nominal_mtj()
        tc = self.bias_tc_per_k
        if tc is None:
            tc = ic0_temperature_coefficient(nominal)
        return BiasDesign(
            unit_current_a=self.unit_current_a or self.unit_current_ic0 * nominal.ic0,
            reset_current_a=self.reset_current_a or self.reset_current_ic0 * nominal.ic0,
            tc_per_k=tc,
            tnom_k=nominal.tnom,
        )


SIZE_FIELDS = tuple(SIZES)
"""The transistor-size fields (their roles: :data:`circuits.ipnet_design.SIZES`)."""


def _positive(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0


@dataclass(frozen=True)
class BiasDesign:
    """The shared bias generator's design values.

    unit_current_a, reset_current_a: reference currents at ``tnom_k`` [A];
    tc_per_k: their relative temperature coefficient [1/K], I(T) = I(tnom) (1 + tc (T - tnom)).
    """

    unit_current_a: float
    reset_current_a: float
    tc_per_k: float
    tnom_k: float

    def at(self, current_a: float, temp_k: float) -> float:
        """A reference current [A] at ambient ``temp_k``."""
        return current_a * (1.0 + self.tc_per_k * (temp_k - self.tnom_k))


def ic0_temperature_coefficient(mtj: MtjParams) -> float:
    """Relative slope [1/K] of the chord of Ic0(T) between the two trim temperatures,
    referred to Ic0(tnom): the reference currents then follow the junction's critical
    current (Bloch's law for Ms, K ~ Ms^kexp) within a fraction of a percent from 0 to 85 C."""
    lo, hi = BIAS_TRIM_K
    i_lo, i_hi = (float(critical_current(mtj, t)) for t in (lo, hi))
    return (i_hi - i_lo) / (hi - lo) / float(critical_current(mtj, mtj.tnom))


BIAS_PINS = ("vbn", "vbp", "vbf", "vbr")
"""The bias lines from :class:`IpnetBias` to every neuron."""


class IpnetBias(SubCircuit):
    """The shared bias generator: pins (vdd, vbn, vbp, vbf, vbr).

    Two temperature-compensated reference currents (modelled as ideal sources whose value
    follows ``1 + tc (T - tnom)``; on silicon, a bandgap-derived PTAT/CTAT mix trimmed at two
    temperatures) bias four lines:

    * ``vbn``: the diode ``MBN`` (the weight-1 synapse device, with replicas of the input
      switch and footer under it) carries the unit current; each synapse mirrors it.
    * ``vbp``: the diode ``MBP`` (the reset mirror device, with a replica of the reset
      switch) carries the reset current; the reset pull-up mirrors it.
    * ``vbf``: replica bias of the fire comparator.  The unit current through the resistor
      ``RF`` = FIRE_TRIP_RP x R_P sets ``MRF`` (a copy of the neuron's sense PMOS ``MP1``)
      at V_SG = I_unit RF; its drain current, mirrored by the diode ``MRFN`` to every
      neuron's sink ``MN1``, makes ``MP1`` trip exactly when the junction's voltage reaches
      I_unit RF: between I R_P (parallel) and I R_AP (antiparallel) at every temperature
      and supply, because all three follow the same reference current.
    * ``vbr``: the same for the return-to-P comparator: the reset current through ``RR`` =
      RESET_TRIP_RP x R_P sets ``MRR`` (a copy of ``MN6``); the diode ``MRRP`` biases every
      neuron's load ``MP6``.

    Every device and current of the generator is scaled down by :data:`BIAS_SCALE` (same
    current density, same voltages).  One generator serves every neuron of an array; it
    has its own supply pin so its static power can be accounted for (and shared) apart.
    """

    NAME = "ipnet_bias"
    PINS = ("vdd", "vbn", "vbp", "vbf", "vbr")

    def __init__(
        self,
        p: IpnetParams,
        reset_tc_per_k: float | None = None,
        unit_dac: tuple[TrimDac, int] | None = None,
        fire_trip_rp: float = FIRE_TRIP_RP,
        return_trip: bool = True,
    ):
        """``reset_tc_per_k``: the reset reference's own temperature coefficient [1/K]
        (None: the unit reference's, ``p.bias().tc_per_k``); ``unit_dac``: (DAC, code): the
        unit reference as the trim DAC's devices at that code (:mod:`circuits.trim_dac`;
        its reference current must carry the unit reference's temperature law; the synapse
        current and the fire trip follow it; None: an ideal source); ``fire_trip_rp``: the
        fire comparator's replica resistor in units of R_P (``RF``); ``return_trip``: with
        the return-to-P comparator's replica (``BREFR``, ``RR``, ``MRR``, ``MRRP``) and its
        line ``vbr`` (False: pins without ``vbr``; neuron v4 has no such comparator).
        Neuron v4 sets all four."""
        super().__init__(self.NAME, *(self.PINS if return_trip else self.PINS[:-1]))
        b = p.bias()
        rp = p.nominal_mtj().rp
        k = BIAS_SCALE
        tnom_c = b.tnom_k - ZERO_CELSIUS_K

        def scale(tc: float) -> str:
            return f"(1+({tc:.6g})*(temper-({tnom_c:.6g})))"

        tc_r = b.tc_per_k if reset_tc_per_k is None else reset_tc_per_k
        ir = f"{b.reset_current_a / k:.6g}*{scale(tc_r)}"
        if unit_dac is None:
            iu = f"{b.unit_current_a / k:.6g}*{scale(b.tc_per_k)}"
            self.raw_spice += f"BREFN vdd ibn I={iu}\n"
            self.raw_spice += f"BREFP ibp 0 I={ir}\n"
            self.raw_spice += f"BREFF gf 0 I={iu}\n"
        else:  # the DAC's current, sensed in VTS, copied to both write lines
            dac, code = unit_dac
            if not (
                math.isclose(dac.tc_per_k, b.tc_per_k, abs_tol=1e-12)
                and math.isclose(dac.tnom_c, tnom_c, abs_tol=1e-9)
            ):
                raise ValueError(
                    f"trim DAC: reference slope {dac.tc_per_k:g}/K about {dac.tnom_c:g} C; "
                    f"allowed the unit reference's, {b.tc_per_k:g}/K about {tnom_c:g} C"
                )
            self.raw_spice += dac.spice(code, f"{dac.vref_v:.6g}", p.tech.nmos_model)
            self.raw_spice += f"FREFN vdd ibn VTS 1\nBREFP ibp 0 I={ir}\nFREFF gf 0 VTS 1\n"
        self.raw_spice += f"RF vdd gf {fire_trip_rp * rp * k:.6g}\n"
        if return_trip:
            self.raw_spice += f"BREFR vdd gr I={ir}\n"
            self.raw_spice += f"RR gr 0 {RESET_TRIP_RP * rp * k:.6g}\n"
        n, pm = p.tech.nmos_model, p.tech.pmos_model

        def mos(name, d, g, s, b, model, size):
            self.M(name, d, g, s, b, model=model, w=size.w_m / k, l=size.l_m)

        # diode + replicas of the neuron's input switch and footer (held on), so the
        # mirror's source sits at the same potential as the synapse's: the synapse
        # current is the reference's, not shifted by their on-resistance
        # Vds matching: the diode's drain sits VDS_SHIFT_N_V below its gate (the reference
        # current through RBN), near the synapse device's own Vds at the P level, so the
        # mirror's channel-length modulation does not change the ratio (10-20 % without)
        self.raw_spice += f"RBN ibn bnd {VDS_SHIFT_N_V / (b.unit_current_a / k):.6g}\n"
        mos("BN", "bnd", "ibn", "bn1", 0, n, p.unit)
        mos("BNS", "bn1", "vdd", "bn2", 0, n, p.switch)
        mos("BNF", "bn2", "vdd", 0, 0, n, p.footer)
        # diode of the reset mirror (its source at VDD, as MPR's)
        self.raw_spice += f"RBP bpd ibp {VDS_SHIFT_P_V / (b.reset_current_a / k):.6g}\n"
        mos("BP", "bpd", "ibp", "vdd", "vdd", pm, p.reset_mirror)
        # comparator trip references
        mos("RF", "ibf", "gf", "vdd", "vdd", pm, p.fire_p)
        mos("RFN", "ibf", "ibf", 0, 0, n, p.fire_n)
        if return_trip:
            mos("RR", "ibr", "gr", 0, 0, n, p.psense_n)
            mos("RRP", "ibr", "ibr", "vdd", "vdd", pm, p.psense_p)
        # line drivers: each line is a buffered copy of its diode's voltage (an ideal
        # unity-gain buffer, as the LIF's bias lines are ideal sources).  An unbuffered
        # line carries a memory that is not heat: a synapse switching on kicks it through
        # the mirror's gate capacitance by 0.1-0.2 V, and it settles over 1-3 ns
        for line in BIAS_PINS if return_trip else BIAS_PINS[:-1]:
            self.raw_spice += f"E{line.upper()} {line} 0 i{line[1:]} 0 1\n"


class IpnetNeuron(SubCircuit):
    """The neuron as a subcircuit: pins (in1..inN, clr, out, vdd, vwr, vbn, vbp, vbf, vbr, th).

    ``vbn``, ``vbp``, ``vbf``, ``vbr`` come from :class:`IpnetBias`; ``th`` is the junction's thermal node
    (its temperature rise above ambient, in volts = kelvin), so that neighbours can be
    thermally coupled; leave it unconnected elsewhere (its own rth to ambient is inside the
    model).  Ground is node 0.
    """

    NAME = "ipnet_neuron"

    @staticmethod
    def pins(n_inputs: int) -> tuple[str, ...]:
        return (
            *(f"in{k + 1}" for k in range(n_inputs)),
            "clr",
            "out",
            "vdd",
            "vwr",
            *BIAS_PINS,
            "th",
        )

    def __init__(self, p: IpnetParams):
        super().__init__(self.NAME, *self.pins(p.n_inputs))
        n, pm = p.tech.nmos_model, p.tech.pmos_model

        def mos(name, d, g, s, b, model, size_field, w_scale=1.0):
            size = getattr(p, size_field)
            if size_field in REPLICATED:  # BIAS_SCALE fingers, each the generator's device
                self.raw_spice += (
                    f"M{name} {d} {g} {s} {b} {model} l={size.l_m:.6g} "
                    f"w={size.w_m * w_scale:.6g} nf={BIAS_SCALE}\n"
                )
            else:
                self.M(name, d, g, s, b, model=model, w=size.w_m * w_scale, l=size.l_m)

        for k, w in enumerate(p.weights(), start=1):
            mos(f"IW{k}", "j", "vbn", f"w{k}", 0, n, "unit", w)  # weight: mirror of MBN
            mos(f"IN{k}", f"w{k}", f"in{k}", "s", 0, n, "switch")  # input switch
        mos("FT", "s", "rsy", 0, 0, n, "footer")  # input footer: inputs off while resetting
        self.raw_spice += f"NMTJ a j th {MTJ_MODEL}\n"  # junction p=a, n=j, thermal th
        mos("PA", "a", "rsx", "vwr", "vwr", pm, "write")  # write header (off while resetting)
        mos("NA", "a", "rst", 0, 0, n, "reset")  # reset: a to ground
        # reset current: MPR mirrors MBP when its gate gr is switched to vbp (MNG) during
        # the reset envelope, and is off (gr pulled to VDD by MPG) otherwise; switching the
        # gate instead of a series switch leaves the junction the most voltage in AP
        mos("PR", "j", "gr", "vdd", "vdd", pm, "reset_mirror")
        mos("NG", "gr", "rsx", "vbp", 0, n, "out_n")
        mos("PG", "gr", "rsx", "vdd", "vdd", pm, "out_p")
        mos("P1", "det", "j", "a", "vwr", pm, "fire_p")  # fire comparator: V(a) - V(j) high
        mos("N1", "det", "vbf", 0, 0, n, "fire_n")  # its bias sink (replica-biased trip)
        mos("ND", "det", "rst", 0, 0, n, "out_n")  # ends the spike: det low while resetting
        mos("P2", "qb", "q", "vdd", "vdd", pm, "latch_p")  # latch INV2: q -> qb
        mos("N2", "qb", "q", 0, 0, n, "latch_n")
        mos("P3", "q", "qb", "vdd", "vdd", pm, "latch_p")  # latch INV3: qb -> q
        mos("N3", "q", "qb", 0, 0, n, "latch_n")
        # fire decision: INV13 (strong NMOS, threshold ~0.3 V) regenerates the comparator's
        # output; its low output turns the set PMOS on, which lifts q against the latch
        mos("P13", "detb", "det", "vdd", "vdd", pm, "decide_p")
        mos("N13", "detb", "det", 0, 0, n, "decide_n")
        mos("S", "q", "detb", "vdd", "vdd", pm, "set_p")  # set on detection
        mos("C", "q", "clr", 0, 0, n, "clear_n")  # global clear (optional)
        mos("P4", "rst", "qb", "vdd", "vdd", pm, "out_p")  # INV4: reset phase
        mos("N4", "rst", "qb", 0, 0, n, "out_n")
        mos("P5", "rstb", "rst", "vdd", "vdd", pm, "out_p")  # INV5: reset driver phase
        mos("N5", "rstb", "rst", 0, 0, n, "out_n")
        mos("N6", "pb", "j", "a", 0, n, "psense_n")  # return-to-P comparator: V(j) - V(a) low
        mos("P6", "pb", "vbr", "vdd", "vdd", pm, "psense_p")  # its bias load (replica-biased trip)
        mos("P9", "rstd", "rstb", "vdd", "vdd", pm, "delay")  # INV9: delayed reset phase
        mos("N9", "rstd", "rstb", 0, 0, n, "delay")
        # reset envelope rsx = rst OR rstd, rsy = NOT rsx (NOR2 + INV11): the header and the
        # footer stay off, and the reset source on, until rstd falls, so at the end of a
        # reset j is pulled up with a floating (the junction current flows toward P)
        # before the header reconnects a: recharging j through the junction from a would
        # be a ~0.2 ns write pulse of about Ic0 toward AP after every reset
        mos("P10", "ry1", "rst", "vdd", "vdd", pm, "out_p")
        mos("P11", "rsy", "rstd", "ry1", "vdd", pm, "out_p")
        mos("N10", "rsy", "rst", 0, 0, n, "out_n")
        mos("N11", "rsy", "rstd", 0, 0, n, "out_n")
        mos("P12", "rsx", "rsy", "vdd", "vdd", pm, "out_p")
        mos("N12", "rsx", "rsy", 0, 0, n, "out_n")
        mos("D1", "q", "pb", "dm", 0, n, "done_n")  # self-timed clear: P sensed while
        mos("D2", "dm", "rstd", 0, 0, n, "done_n")  # resetting ends the reset phase
        # spike: NOR(rstb, rstd) = rst AND NOT rstd, high from the set until INV9's delay
        mos("P7", "on1", "rstb", "vdd", "vdd", pm, "out_p")
        mos("P8", "out", "rstd", "on1", "vdd", pm, "out_p")
        mos("N7", "out", "rstb", 0, 0, n, "out_n")
        mos("N8", "out", "rstd", 0, 0, n, "out_n")


def build_ipnet_testbench(
    p: IpnetParams,
    inputs: list[SpikeTrain | Stimulus],
    clear: SpikeTrain | None = None,
    title: str = "IPNet capacitor-free MTJ neuron testbench",
) -> BenchCircuit:
    """The neuron ``X1`` and its bias generator ``XB`` with one source per supply (VDD,
    VWR, and VDDB for the generator), per input (VIN<k>) and VCLR.

    Input spikes are logic pulses (their amplitude is the trains'; use ``vdd_v``): the
    synapse current is the weight times the bias generator's unit current, not the spike's
    height.  ``clear``: global clear pulses on ``clr`` (None: ``clr`` held at 0 V; the
    neuron ends its spike and its reset by itself).  The operating point starts from the
    rest state (``.nodeset`` of the latch at q = 0), without a power-on clear pulse.
    """
    if len(inputs) != p.n_inputs:
        raise ValueError(f"IPNet testbench: {len(inputs)} input trains for n_inputs={p.n_inputs}")
    mtj = p.mtj()
    c = BenchCircuit(
        title, header=_header(p, mtj), includes=[p.tech.include_line()], sim_options=SIM_OPTIONS
    )
    c.raw_spice += mtj.model_line(MTJ_MODEL, state0=1, version=MTJ_LAW_VERSION) + "\n"
    c.raw_spice += ".nodeset v(x1.q)=0 v(x1.qb)=" + f"{p.vdd_v:g}" + "\n"
    c.subcircuit(IpnetBias(p))
    c.subcircuit(IpnetNeuron(p))
    pins = [f"in{k + 1}" for k in range(p.n_inputs)]
    c.X("B", IpnetBias.NAME, "vddb", *BIAS_PINS)
    c.X("1", IpnetNeuron.NAME, *pins, "clr", "out", "vdd", "vwr", *BIAS_PINS, "th")
    c.V("DD", "vdd", c.gnd, p.vdd_v)
    c.V("DDB", "vddb", c.gnd, p.vdd_v)  # the bias generator's supply (shared by an array)
    c.V("WR", "vwr", c.gnd, p.vwr_v)
    for k, (pin, train) in enumerate(zip(pins, inputs), start=1):
        c.V(f"IN{k}", pin, c.gnd, train.pwl())
    c.V("CLR", "clr", c.gnd, clear.pwl() if clear is not None else 0)
    return c


def _header(p: IpnetParams, mtj: MtjParams) -> list[str]:
    b = p.bias()
    lines = [
        "* IPNet neuron (capacitor-free): MTJ Joule heat is the working memory",
        f"* MTJ device file: {p.device_file.name}",
        f"* MTJ: rp={mtj.rp:.4g} ohm tmr0={mtj.tmr0:.4g} ic0={mtj.ic0:.4g} A delta0={mtj.delta0:.4g} "
        f"rth={mtj.rth:.4g} K/W cth={mtj.cth:.4g} J/K (tau_th={mtj.tau_th_s:.4g} s)",
        f"* supplies: VDD={p.vdd_v} V, VWR={p.vwr_v} V; technology {p.tech.name}",
        f"* bias: unit synapse current {b.unit_current_a * 1e6:.4g} uA, reset current "
        f"{b.reset_current_a * 1e6:.4g} uA at {b.tnom_k:.2f} K, tc {b.tc_per_k * 100:.4g} %/K; "
        f"input weights {', '.join(f'{w:g}' for w in p.weights())}",
    ]
    for name, s in p.sizes().items():
        lines.append(f"* size {name}: W={s.w_m * 1e9:.0f} nm L={s.l_m * 1e9:.0f} nm")
    return lines
