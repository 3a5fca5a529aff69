"""The capacitor-based leaky integrate-and-fire (LIF) baseline neuron, 28 nm-class CMOS.

Schematic (one input shown; every extra input ``in<k>`` adds its own ``MSW<k>``/``MW<k>``
pair on node ``d``; ``M <-x`` means "gate of M on net x"; the reasoning per device is in
``docs/lif_neuron.md``)::

    vdd ----+------------+-----------------+--------------+
            |            |                 |              |
           MPD <-d      MPM <-d           MPT <-mem      MPO <-n1
            |            |                 |              |
    d ------+           mem ----+         n1             out   (output spike)
    |                    |      |          |              |
   MSW1 <-in1          Xcmem   ML <-vlk   MNT <-mem      MNO <-n1
    |                 (cap_*)   |          |              |
   sw1                   |      0         sb ----+        0
    |                    0                 |     |
   MW1 <-vw                               MNS   MNF <-out
    |                                <-vthb |     |
    0                                      0     0

    MR <-out : drain mem, source 0   (membrane reset)

* Integrate: an input spike (active high, rail to rail) on ``in<k>`` turns the switch
  ``MSW<k>`` on; the weight transistor ``MW<k>`` (gate bias ``vw``) then sinks a current
  I_w from the diode ``MPD`` and the PMOS mirror ``MPM`` copies it onto the membrane node
  ``mem``: each input spike of width t_w adds I_w * t_w / C_mem to v(mem) (about 50 mV
  for a 1 ns spike with the defaults).  The charge comes from VDD; inputs drive gates.
* Leak: ``ML`` is a long-channel NMOS biased in weak inversion by ``vlk``.  For v(mem)
  above ~4 U_T its drain current hardly depends on v(mem), so the membrane decays as a
  ramp toward 0 V at I_leak / C_mem -- a constant-current leak, as in most subthreshold
  silicon neurons.
* Fire: ``MPT``/``MNT`` form an inverter on the membrane whose pull-down is starved by
  ``MNS`` (bias ``vthb``, ~15 nA by default).  ``n1`` therefore falls only when
  the weak PMOS ``MPT`` carries less than the starving current, i.e. when v(mem) passes
  V_H (about 0.6 V at VDD = 0.9 V), and the crowbar current while v(mem) sits between
  the rails is capped at that tens-of-nA level.  Once ``out`` starts to rise, ``MNF``
  bypasses the starver: positive feedback that snaps ``n1`` low.  ``MPO``/``MNO`` buffer
  ``n1`` into the rail-to-rail output spike ``out``.
* Reset: while ``out`` is high ``MR`` discharges the membrane; ``MNF`` keeps ``n1`` low
  until v(mem) is near the NMOS threshold, and the long ``MPT`` then pulls ``n1`` up
  slowly, so the membrane ends the spike near 0.15 V (the reset potential) and the
  spike lasts ~0.3 ns at VDD/2.
  There is no separate refractory circuit: inputs are overridden only during the reset.

Conventions shared with the IPNet neuron generator: :class:`LifParams` is a frozen
dataclass checked before any netlist exists; the neuron is the subcircuit
``lif_neuron`` (pins ``in1 .. inN out vdd vlk vthb vw``, ground is node 0) instantiated as
``X1``; the membrane capacitor is the instance ``Xcmem mem 0 cap_<type> c=<value>`` of a
two-pin subcircuit ``cap_mim``/``cap_mom``/``cap_mos`` so that its type reaches the area
estimator.  All lengths in metres, capacitances in farads, voltages in volts, times in
seconds.  This module never runs a simulation.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

from PySpice.Spice.Netlist import SubCircuit

from .bench_circuit import BenchCircuit
from .stimulus import SpikeTrain
from .technology import CMOS28, Technology
from .units import SPICE_DEFAULT_K

CAP_TYPES = ("mim", "mom", "mos")
"""Membrane capacitor types; each is the subcircuit ``cap_<type>``."""

BOLTZMANN_J_PER_K = 1.380649e-23
ELEMENTARY_CHARGE_C = 1.602176634e-19


# ----------------------------------------------------------------------------- leak physics
@dataclass(frozen=True)
class SubthresholdNmos:
    """Weak-inversion drain current of a long-channel NMOS (source and bulk at 0 V).

    ``I_D = i_sq_a * (W - dw_m) / (L - dl_m)
    * exp((V_GS - v_gs_ref_v + sigma * (V_DS - v_ds_ref_v)) / (n U_T))
    * (1 - exp(-V_DS / U_T)) / (1 - exp(-v_ds_ref_v / U_T))``, with ``U_T = k T / q``.

    This is the textbook subthreshold law (e.g. Tsividis, *Operation and Modeling of the
    MOS Transistor*; BSIM4's weak-inversion branch has the same exponentials) with a
    linear drain-coupling term ``sigma`` for the residual DIBL of a long channel.

    Attributes:
        i_sq_a: current of one square (W_eff = L_eff) at ``v_gs_ref_v``, ``v_ds_ref_v`` [A].
        v_gs_ref_v: gate-source voltage of the reference point [V].
        v_ds_ref_v: drain-source voltage of the reference point [V].
        n: subthreshold slope factor (swing = n U_T ln 10 per decade).
        sigma: drain-to-channel coupling, dV_T/dV_DS with the sign folded in [V/V].
        dw_m: W - W_eff (2 * BSIM4 ``wint``) [m].
        dl_m: L - L_eff (2 * BSIM4 ``lint``) [m].
        temperature_k: temperature the fit holds at [K].
        l_min_valid_m: shortest channel the fit holds for [m].
        v_gs_valid_v: (lowest, highest) gate voltage the fit holds for [V].
        v_ds_min_valid_v: lowest drain voltage the fit holds for [V].
        source: where the numbers come from.
    """

    i_sq_a: float
    v_gs_ref_v: float
    v_ds_ref_v: float
    n: float
    sigma: float
    dw_m: float
    dl_m: float
    temperature_k: float
    l_min_valid_m: float
    v_gs_valid_v: tuple[float, float]
    v_ds_min_valid_v: float
    source: str = ""

    @property
    def thermal_voltage_v(self) -> float:
        """U_T = k T / q at ``temperature_k`` [V]."""
        return BOLTZMANN_J_PER_K * self.temperature_k / ELEMENTARY_CHARGE_C

    def drain_current_a(self, w_m: float, l_m: float, v_gs_v: float, v_ds_v: float) -> float:
        """Drain current [A] of a W x L device; refuses a point outside the fitted window."""
        lo, hi = self.v_gs_valid_v
        if l_m < self.l_min_valid_m * (1 - 1e-9):
            raise ValueError(
                f"subthreshold fit holds for L >= {self.l_min_valid_m:.3g} m, got L = {l_m:.3g} m"
            )
        if not lo - 1e-9 <= v_gs_v <= hi + 1e-9:
            raise ValueError(
                f"subthreshold fit holds for {lo:g} V <= V_GS <= {hi:g} V, got {v_gs_v:.4g} V"
            )
        if v_ds_v < self.v_ds_min_valid_v:
            raise ValueError(
                f"subthreshold fit holds for V_DS >= {self.v_ds_min_valid_v:g} V, got {v_ds_v:.4g} V"
            )
        ut = self.thermal_voltage_v
        exponent = (v_gs_v - self.v_gs_ref_v + self.sigma * (v_ds_v - self.v_ds_ref_v)) / (
            self.n * ut
        )
        drain = (1 - math.exp(-v_ds_v / ut)) / (1 - math.exp(-self.v_ds_ref_v / ut))
        squares = (w_m - self.dw_m) / (l_m - self.dl_m)
        return self.i_sq_a * squares * math.exp(exponent) * drain


CMOS28_NMOS_SUBTHRESHOLD = SubthresholdNmos(
    i_sq_a=8.83e-9,
    v_gs_ref_v=0.25,
    v_ds_ref_v=0.45,
    n=1.605,
    sigma=0.0033,
    dw_m=10e-9,
    dl_m=5.4e-9,
    temperature_k=SPICE_DEFAULT_K,  # ngspice's 27 C
    l_min_valid_m=120e-9,
    v_gs_valid_v=(0.15, 0.30),
    v_ds_min_valid_v=0.1,
    source=(
        "least-squares fit of ln(I_D) of nmos28 (models/tech/cmos28.lib) in ngspice 46 DC "
        "sweeps at 27 C: W/L = 100n/120n, 200n/120n, 100n/240n, 300n/240n, 1u/480n; "
        "V_GS 0.15..0.30 V in 10 mV steps; V_DS = 0.1, 0.2, 0.3, 0.45, 0.6, 0.8 V; worst "
        "error 5.4 %.  dw = 2*wint, dl = 2*lint of the card.  Re-checked against the card "
        "by tests/test_lif_neuron.py."
    ),
)
"""nmos28's weak-inversion current for L >= 120 nm (4 Lmin); swing 95.6 mV/dec."""

SIM_OPTIONS = {"reltol": 1e-4, "trtol": 1}
"""ngspice options every LIF testbench carries (an ``.options`` line).  The reset is a
race between ``MR`` discharging the membrane and ``MPT`` restoring ``n1``; with ngspice's
default tolerances (reltol = 1e-3, trtol = 7) and a 0.1-0.5 ns step limit the reset level
and the spike times change with the step limit.  With these values a 0.5 ns step limit
gives the same reset level (0.155 V) and spike times (within ~1 ns over 1.6 us) as a
25 ps limit with default tolerances."""

SUBTHRESHOLD_FITS: dict[str, SubthresholdNmos] = {CMOS28.name: CMOS28_NMOS_SUBTHRESHOLD}
"""Subthreshold fits by :attr:`Technology.name`; the leak estimate needs one."""


# ----------------------------------------------------------------------------- parameters
# (field name of W, field name of L, label) of every transistor group, in netlist order.
_GROUPS = (
    ("w_syn_weight_m", "l_syn_weight_m", "MW<k> (synapse weight NMOS)"),
    ("w_syn_switch_m", "l_syn_switch_m", "MSW<k> (synapse switch NMOS)"),
    ("w_mirror_m", "l_mirror_m", "MPD/MPM (input current mirror PMOS)"),
    ("w_leak_m", "l_leak_m", "ML (leak NMOS)"),
    ("w_thr_p_m", "l_thr_p_m", "MPT (threshold PMOS)"),
    ("w_thr_n_m", "l_thr_n_m", "MNT (threshold NMOS)"),
    ("w_starve_m", "l_starve_m", "MNS (threshold current starver)"),
    ("w_fb_m", "l_fb_m", "MNF (positive-feedback NMOS)"),
    ("w_out_p_m", "l_out_p_m", "MPO (output inverter PMOS)"),
    ("w_out_n_m", "l_out_n_m", "MNO (output inverter NMOS)"),
    ("w_reset_m", "l_reset_m", "MR (reset NMOS)"),
)


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class LifParams:
    """Parameters of the LIF neuron and its testbench supplies (SI units).

    Attributes:
        vdd_v: supply [V] (0 < vdd_v <= 1.2).
        c_mem_f: membrane capacitance [F] (> 0).  Default 25 fF: the 28 nm subthreshold
            LIF of Besrour et al. (arXiv:2408.07734) spends 1.61 fJ/spike at 0.25 V, i.e.
            a switched capacitance of order E/V^2 ~ 26 fF, in 34 um^2; 25 fF of MIM at
            2 fF/um^2 takes 12.5 um^2 (see docs/lif_neuron.md).
        c_type: membrane capacitor type, one of :data:`CAP_TYPES` ("mim", "mom", "mos");
            only the layout area depends on it -- every type simulates as a linear C.
        n_inputs: number of input synapses, pins ``in1 .. in<n>`` (1..64).
        v_leak_v: gate voltage of the leak transistor ML [V] (bias line ``vlk``); 0.25 V
            puts the default ML at ~7 nA, tau_leak ~ 1.6 us.
        v_thr_bias_v: gate voltage of the threshold starver MNS [V] (bias line ``vthb``);
            the firing threshold V_H is where MPT's current falls to MNS's, so raising
            this bias lowers V_H (0.25 V: V_H ~ 0.62 V; 0.20 V: ~0.77 V; 0.30 V: ~0.55 V).
        v_weight_v: gate voltage of the synapse weight transistors MW<k> [V] (bias line
            ``vw``); sets the current I_w an input spike injects (~1.3 uA by default,
            about 50 mV on the membrane per 1 ns input spike).
        w_syn_weight_m, l_syn_weight_m: MW<k>, synapse weight NMOS [m].
        w_syn_switch_m, l_syn_switch_m: MSW<k>, synapse switch NMOS, gate = input [m].
        w_mirror_m, l_mirror_m: MPD (diode) and MPM (output) of the input mirror [m].
        w_leak_m, l_leak_m: ML, leak NMOS [m]; keep L >= 120 nm (the leak fit's range).
        w_thr_p_m, l_thr_p_m: MPT, threshold PMOS (gate = mem) [m]; long and weak, it sets
            V_H against the starving current and pulls n1 up slowly after a reset.
        w_thr_n_m, l_thr_n_m: MNT, threshold NMOS (gate = mem) [m].
        w_starve_m, l_starve_m: MNS, current starver of the threshold inverter (gate =
            vthb) [m]; caps its crowbar current.
        w_fb_m, l_fb_m: MNF, positive-feedback NMOS across MNS (gate = out) [m].
        w_out_p_m, l_out_p_m, w_out_n_m, l_out_n_m: output inverter MPO/MNO [m].
        w_reset_m, l_reset_m: MR, membrane reset NMOS (gate = out) [m].
        tech: the CMOS technology (model card, minimum sizes).
    """

    vdd_v: float = 0.9
    c_mem_f: float = 25e-15
    c_type: str = "mim"
    n_inputs: int = 1
    v_leak_v: float = 0.25
    v_thr_bias_v: float = 0.25
    v_weight_v: float = 0.50
    w_syn_weight_m: float = 100e-9
    l_syn_weight_m: float = 120e-9
    w_syn_switch_m: float = 100e-9
    l_syn_switch_m: float = 60e-9
    w_mirror_m: float = 100e-9
    l_mirror_m: float = 120e-9
    w_leak_m: float = 100e-9
    l_leak_m: float = 120e-9
    w_thr_p_m: float = 100e-9
    l_thr_p_m: float = 240e-9
    w_thr_n_m: float = 100e-9
    l_thr_n_m: float = 30e-9
    w_starve_m: float = 200e-9
    l_starve_m: float = 120e-9
    w_fb_m: float = 100e-9
    l_fb_m: float = 30e-9
    w_out_p_m: float = 100e-9
    l_out_p_m: float = 60e-9
    w_out_n_m: float = 100e-9
    l_out_n_m: float = 30e-9
    w_reset_m: float = 100e-9
    l_reset_m: float = 60e-9
    tech: Technology = field(default=CMOS28)

    def __post_init__(self):
        if not (_is_real(self.c_mem_f) and self.c_mem_f > 0):
            raise ValueError(
                f"LIF neuron: c_mem_f={self.c_mem_f!r} F; allowed: a finite capacitance > 0 F"
            )
        if self.c_type not in CAP_TYPES:
            raise ValueError(
                f"LIF neuron: c_type={self.c_type!r} is not a known capacitor type; "
                f"allowed: {', '.join(repr(t) for t in CAP_TYPES)}"
            )
        if not (_is_real(self.vdd_v) and 0 < self.vdd_v <= 1.2):
            raise ValueError(f"LIF neuron: vdd_v={self.vdd_v!r} V; allowed 0 < vdd_v <= 1.2 V")
        for name in ("v_leak_v", "v_thr_bias_v", "v_weight_v"):
            v = getattr(self, name)
            if not (_is_real(v) and 0 <= v <= self.vdd_v):
                raise ValueError(
                    f"LIF neuron: {name}={v!r} V; allowed 0 <= {name} <= vdd_v = {self.vdd_v} V"
                )
        if not (
            isinstance(self.n_inputs, int)
            and not isinstance(self.n_inputs, bool)
            and 1 <= self.n_inputs <= 64
        ):
            raise ValueError(f"LIF neuron: n_inputs={self.n_inputs!r}; allowed 1..64")
        if not isinstance(self.tech, Technology):
            raise TypeError(f"LIF neuron: tech={self.tech!r} is not a Technology")
        for w_name, l_name, label in _GROUPS:
            self.tech.check_size(
                f"{label} [{w_name}, {l_name}]", getattr(self, w_name), getattr(self, l_name)
            )

    def sizes(self) -> dict[str, tuple[float, float]]:
        """{field-name pair: (W, L) [m]} of every transistor group."""
        return {f"{w}/{l}": (getattr(self, w), getattr(self, l)) for w, l, _ in _GROUPS}


# ----------------------------------------------------------------------------- netlist
class CapacitorCell(SubCircuit):
    """Two-pin capacitor ``cap_<type>`` (pins a, b; parameter ``c`` [F]).

    Simulated as an ideal linear capacitor whatever the type; the subcircuit name carries
    the type to the layout-area estimator (MIM and MOM plates, or a MOS gate).
    """

    def __init__(self, c_type: str):
        if c_type not in CAP_TYPES:
            raise ValueError(f"capacitor type {c_type!r}; allowed: {', '.join(CAP_TYPES)}")
        super().__init__(f"cap_{c_type}", "a", "b", c=1e-15)
        self.C("1", "a", "b", "{c}")


class LifNeuron(SubCircuit):
    """The neuron: pins ``in1 .. inN out vdd vlk vthb vw``; ground is node 0."""

    NAME = "lif_neuron"

    def __init__(self, p: LifParams):
        inputs = input_pins(p)
        super().__init__(self.NAME, *inputs, "out", "vdd", "vlk", "vthb", "vw")
        n, pm = p.tech.nmos_model, p.tech.pmos_model

        def mos(name, d, g, s, b, model, w, l):
            self.M(name, d, g, s, b, model=model, w=w, l=l)

        # synapses: one switch + weight pair per input, sinking from the mirror diode
        for k, pin in enumerate(inputs, start=1):
            mos(f"W{k}", f"sw{k}", "vw", 0, 0, n, p.w_syn_weight_m, p.l_syn_weight_m)
            mos(f"SW{k}", "d", pin, f"sw{k}", 0, n, p.w_syn_switch_m, p.l_syn_switch_m)
        mos("PD", "d", "d", "vdd", "vdd", pm, p.w_mirror_m, p.l_mirror_m)
        mos("PM", "mem", "d", "vdd", "vdd", pm, p.w_mirror_m, p.l_mirror_m)
        # membrane and leak
        self.X("cmem", f"cap_{p.c_type}", "mem", 0, c=p.c_mem_f)
        mos("L", "mem", "vlk", 0, 0, n, p.w_leak_m, p.l_leak_m)
        # threshold: starved inverter mem -> n1 with positive feedback from out
        mos("PT", "n1", "mem", "vdd", "vdd", pm, p.w_thr_p_m, p.l_thr_p_m)
        mos("NT", "n1", "mem", "sb", 0, n, p.w_thr_n_m, p.l_thr_n_m)
        mos("NS", "sb", "vthb", 0, 0, n, p.w_starve_m, p.l_starve_m)
        mos("NF", "sb", "out", 0, 0, n, p.w_fb_m, p.l_fb_m)
        # output inverter and reset
        mos("PO", "out", "n1", "vdd", "vdd", pm, p.w_out_p_m, p.l_out_p_m)
        mos("NO", "out", "n1", 0, 0, n, p.w_out_n_m, p.l_out_n_m)
        mos("R", "mem", "out", 0, 0, n, p.w_reset_m, p.l_reset_m)


def input_pins(p: LifParams) -> list[str]:
    """The neuron's input pin (and testbench node) names: ``in1 .. in<n_inputs>``."""
    return [f"in{k + 1}" for k in range(p.n_inputs)]


def build_lif_testbench(
    params: LifParams,
    inputs: list[SpikeTrain],
    title: str = "LIF neuron (capacitor-based baseline) testbench",
) -> BenchCircuit:
    """The neuron ``X1``, its supply ``VDD``, bias lines ``VLEAK``, ``VTHB``, ``VW`` and ``VIN<k>``.

    ``inputs[k-1]`` drives pin ``in<k>`` through ``VIN<k>`` (a PWL of the train); give one
    train per input (``len(inputs) == params.n_inputs``).  The testbench adds no load and no
    capacitor; the membrane node is ``x1.mem``.  The netlist carries the accuracy options
    :data:`SIM_OPTIONS` but no analysis card: the session adds it.
    """
    if not isinstance(params, LifParams):
        raise TypeError(f"LIF testbench: params={params!r} is not a LifParams")
    inputs = list(inputs)
    if len(inputs) != params.n_inputs:
        raise ValueError(
            f"LIF testbench: {len(inputs)} input trains for n_inputs={params.n_inputs}; "
            "give exactly one SpikeTrain per input"
        )
    for k, train in enumerate(inputs, start=1):
        if not isinstance(train, SpikeTrain):
            raise TypeError(f"LIF testbench: input {k} is {train!r}, not a SpikeTrain")
    c = BenchCircuit(
        title,
        header=header_lines(params),
        includes=[params.tech.include_line()],
        sim_options=SIM_OPTIONS,
    )
    c.subcircuit(CapacitorCell(params.c_type))
    c.subcircuit(LifNeuron(params))
    pins = input_pins(params)
    c.X("1", LifNeuron.NAME, *pins, "out", "vdd", "vlk", "vthb", "vw")
    c.V("DD", "vdd", c.gnd, params.vdd_v)
    c.V("LEAK", "vlk", c.gnd, params.v_leak_v)
    c.V("THB", "vthb", c.gnd, params.v_thr_bias_v)
    c.V("W", "vw", c.gnd, params.v_weight_v)
    for k, (pin, train) in enumerate(zip(pins, inputs), start=1):
        c.V(f"IN{k}", pin, c.gnd, train.pwl())
    return c


def header_lines(p: LifParams) -> list[str]:
    """Comment lines describing ``p`` (start of every testbench netlist)."""
    try:
        tau = f"{leak_time_constant_estimate_s(p) * 1e6:.4g} us"
    except ValueError as exc:  # leak outside the fitted window: say so, do not guess
        tau = f"n/a ({exc})"
    lines = [
        "* LIF neuron (capacitor-based baseline): membrane C, subthreshold leak, starved",
        "* inverter threshold with positive feedback, reset transistor, rail-to-rail output",
        "* (circuits/lif_neuron.py; docs/lif_neuron.md)",
        f"* technology {p.tech.name}; VDD = {p.vdd_v:g} V; {p.n_inputs} input(s) in1..in{p.n_inputs}",
        f"* membrane: C = {p.c_mem_f * 1e15:.4g} fF, type {p.c_type} (Xcmem, cap_{p.c_type})",
        (
            f"* biases: VLEAK (leak gate) = {p.v_leak_v:g} V, VTHB (threshold starver gate) "
            f"= {p.v_thr_bias_v:g} V, VW (synapse weight gate) = {p.v_weight_v:g} V"
        ),
        f"* analytic leak time constant C*(VDD/2)/I_leak(VDD/2) = {tau}",
        "* .options below: tolerances the regenerative reset needs (see SIM_OPTIONS)",
    ]
    for w_name, l_name, label in _GROUPS:
        w, l = getattr(p, w_name), getattr(p, l_name)
        lines.append(f"* size {label}: W = {w * 1e9:.0f} nm, L = {l * 1e9:.0f} nm")
    return lines


# ----------------------------------------------------------------------------- analysis
def leak_current_estimate_a(params: LifParams, v_mem_v: float | None = None) -> float:
    """Analytic drain current of the leak transistor ML [A] at v(mem) = ``v_mem_v``.

    Default ``v_mem_v`` is VDD/2.  Uses the technology's :class:`SubthresholdNmos` fit
    (``SUBTHRESHOLD_FITS``); raises ``ValueError`` for a technology without one or a
    bias/geometry outside the fitted window.
    """
    fit = SUBTHRESHOLD_FITS.get(params.tech.name)
    if fit is None:
        raise ValueError(
            f"no subthreshold fit for technology {params.tech.name!r}; "
            f"known: {', '.join(SUBTHRESHOLD_FITS)}"
        )
    v_ds = params.vdd_v / 2 if v_mem_v is None else v_mem_v
    return fit.drain_current_a(params.w_leak_m, params.l_leak_m, params.v_leak_v, v_ds)


def leak_time_constant_estimate_s(params: LifParams) -> float:
    """Analytic membrane leak time constant [s]: tau = C_mem * (VDD/2) / I_leak(VDD/2).

    The leak transistor ML is a current sink in weak inversion (its V_DS = v(mem) is far
    above U_T and its long channel has little DIBL), so the membrane decays as a ramp of
    slope -I_leak/C_mem, not as an exponential.  tau is that ramp's time to discharge the
    membrane by VDD/2, which equals the RC time of the chord conductance
    g_leak = I_leak(VDD/2) / (VDD/2) -- the linear resistor that would carry the same
    current at mid-supply.  I_leak comes from :func:`leak_current_estimate_a`; parasitic
    capacitance and the off-currents of the other devices on ``mem`` are neglected
    (a few per cent each; see docs/lif_neuron.md).
    """
    v_ref = params.vdd_v / 2
    return params.c_mem_f * v_ref / leak_current_estimate_a(params, v_ref)


__all__ = [
    "CAP_TYPES",
    "CMOS28_NMOS_SUBTHRESHOLD",
    "SIM_OPTIONS",
    "SUBTHRESHOLD_FITS",
    "CapacitorCell",
    "LifNeuron",
    "LifParams",
    "SubthresholdNmos",
    "build_lif_testbench",
    "header_lines",
    "input_pins",
    "leak_current_estimate_a",
    "leak_time_constant_estimate_s",
]
