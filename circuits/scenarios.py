"""The standard testbenches: the circuits `make netlists` writes and the report simulates.

A :class:`Scenario` is a PySpice circuit plus the transient it is meant to run with
(times in seconds, :meth:`Scenario.analysis`).  ``netlist_text`` renders the stand-alone netlist that runs as it is
with ``ngspice -b build/netlists/<name>.cir`` from the repository root.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .ipnet_neuron import IpnetParams, build_ipnet_testbench
from .mtj_device import MtjParams
from .paths import PACKAGES_ROOT
from .stimulus import SpikeTrain, regular
from .testbench import Testbench, Transient, circuit_lines, render

IPNET_SPIKE_WIDTH_S = 1e-9
"""Input spike width [s].  The fire comparator must see the junction voltage settle within
a spike (j settles with R_AP x C_j ~ 0.25 ns): with 0.5 ns spikes a weak synapse's
antiparallel level was still rising when the spike ended, and at 85 C / 0.81 V the
junction switched without being detected."""
IPNET_INPUT_RATE_HZ = 0.5e9  # standard input rate: 1 ns spikes at 50 % duty
IPNET_CLEAR_PERIOD_S = (
    48e-9  # optional global clear period: longer than a fire (~27 ns) + reset (~11 ns)
)


@dataclass(frozen=True)
class Scenario:
    """A testbench circuit and its transient analysis (seconds).

    sources: {voltage source name: (positive node, role)} for energy accounting.
    mtj: parameters of the junction(s) in the circuit, for heat accounting (None: no MTJ).
    """

    name: str
    circuit: object
    step_s: float
    stop_s: float
    max_step_s: float
    sources: dict[str, tuple[str, str]] = field(default_factory=dict)
    osdi_models: tuple[str, ...] = ()
    output_node: str = "out"
    description: str = ""
    input_events: int = 0
    mtj: MtjParams | None = None
    markers_s: dict[str, float | tuple[float, ...]] = field(default_factory=dict)
    shared_instances: tuple[str, ...] = ()
    """Top-level instances shared by many neurons on a chip (the bias generator ``XB``):
    their devices and their sources (role ``bias_generator``) are accounted apart."""

    def analysis(self) -> Transient:
        """The transient the circuit is meant to run with."""
        return Transient(self.step_s, self.stop_s, max_step_s=self.max_step_s)

    def netlist_text(self) -> str:
        """Stand-alone netlist: paths relative to the packages' root (a checkout's root),
        analysis and control."""
        root = str(PACKAGES_ROOT) + "/"
        body = [ln.replace(root, "") for ln in circuit_lines(self.circuit)]
        lines = [body[0], *([f"* {self.description}"] if self.description else []), *body[1:]]
        after = [
            ".control",
            *(f"pre_osdi build/osdi/{m}.osdi" for m in self.osdi_models),
            "set num_threads=1",
            "run",
            f"print vecmax(v({self.output_node})) vecmin(v({self.output_node}))",
            ".endc",
        ]
        circuit = "\n".join(ln for ln in lines if ln != "")
        return render(Testbench(circuit, self.analysis(), after_analysis=tuple(after)))


def ipnet_clear_train(stop_s: float, period_s: float | None = None) -> SpikeTrain:
    """Clear pulses at t = 0 (initialises the latch) and every ``period_s``
    (default :data:`IPNET_CLEAR_PERIOD_S`)."""
    period_s = IPNET_CLEAR_PERIOD_S if period_s is None else period_s
    return SpikeTrain(tuple(np.arange(0.0, stop_s, period_s)), 0.9, 0.2e-9, label="clear")


def ipnet_scenario(
    params: IpnetParams | None = None,
    rate_hz: float = IPNET_INPUT_RATE_HZ,
    count: int = 35,
    input_current_a: float | None = None,
    stop_s: float = 80e-9,
    name: str = "ipnet_neuron",
    clear_period_s: float | None = None,
) -> Scenario:
    """IPNet neuron driven by a regular input train; fires, resets and fires again.

    The input spikes are logic pulses (0 -> VDD); ``input_current_a`` is the synapse
    current at ``tnom`` they switch on (None: the params' unit current, 1.2 Ic0).

    ``clear_period_s``: None (default) holds ``clr`` at 0 V: the neuron is self-timed
    (its spike and its reset end by themselves); a period [s] adds global clear pulses at
    t = 0 and every period (clocked operation, :func:`ipnet_clear_train`).
    """
    params = params or IpnetParams()
    if input_current_a is not None:
        params = replace(params, unit_current_a=input_current_a)
    train = regular(rate_hz, count, params.vdd_v, IPNET_SPIKE_WIDTH_S, start_s=0.5e-9)
    clear = None if clear_period_s is None else ipnet_clear_train(stop_s, clear_period_s)
    circuit = build_ipnet_testbench(params, [train], clear)
    sources = {
        "VDD": ("vdd", "logic"),
        "VDDB": ("vddb", "bias_generator"),
        "VWR": ("vwr", "write"),
        "VCLR": ("clr", "clock"),
    }
    sources.update({f"VIN{k + 1}": (f"in{k + 1}", "input") for k in range(params.n_inputs)})
    return Scenario(
        name,
        circuit,
        10e-12,
        stop_s,
        20e-12,
        sources,
        ("mtj",),
        shared_instances=("XB",),
        description=f"input: {train.label}, synapse current "
        f"{params.bias().unit_current_a * 1e6:.4g} uA; "
        + (
            "self-timed (no clear pulse)"
            if clear is None
            else f"clear every {clear_period_s * 1e9:.0f} ns"
        ),
        input_events=train.count,
        mtj=params.mtj(),
        markers_s={"input_end": train.end_s()},
    )


def standard_scenarios() -> list[Scenario]:
    """The testbenches `make netlists` writes (the report simulates the first two); the
    third is the 4 x 4 thermally coupled array (:mod:`circuits.ipnet_array`)."""
    from .ipnet_array import array_scenario

    return [ipnet_scenario(), lif_scenario(), array_scenario()]


IPNET_PROBE_WEIGHT = 0.7
"""The probe synapse's weight: 0.7 x the unit current (1.2 Ic0) = 0.84 Ic0, held for the
probe's whole width.  Its own heat (about 10 K) brings the junction close to Ic0(T) from
below, the thermally activated regime where the temperature matters most; a stronger
probe reaches the barrier-free regime, whose rate 1/(tau0 + tauc) hardly depends on it."""
IPNET_BURST_COUNT = 20  # enough input spikes (1 ns at 0.5 GHz) to fire the rested neuron (~12)


IPNET_PLASTICITY_MAX_STEP_S = 5e-12
"""Largest time step of the plasticity runs [s]: the heat's effect on the probe latency is
tens of ps, and 20 ps steps left a few ps of jitter between runs."""


def ipnet_plasticity_params(params: IpnetParams | None = None) -> IpnetParams:
    """The plasticity protocol's neuron: synapse 1 (weight 1) carries the conditioning
    burst, synapse 2 (weight :data:`IPNET_PROBE_WEIGHT`) the probe."""
    params = params or IpnetParams()
    return replace(params, n_inputs=2, input_weights=(1.0, IPNET_PROBE_WEIGHT))


def ipnet_plasticity_scenario(
    gap_s: float,
    conditioned: bool = True,
    params: IpnetParams | None = None,
    burst_count: int = IPNET_BURST_COUNT,
    probe_width_s: float = 60e-9,
    clear_at_s: float | None = None,
) -> Scenario:
    """Intrinsic plasticity: a conditioning burst (which fires the neuron), a clear, then a probe.

    The neuron is :func:`ipnet_plasticity_params` of ``params``: the burst arrives on the
    strong synapse ``in1``, the probe (one long input spike) on the weak synapse ``in2``.
    The probe starts ``gap_s`` after the clear pulse ends; ``conditioned=False`` omits the
    burst (a rested neuron).  The probe's latency to an output spike measures excitability.
    The clear comes at ``clear_at_s`` (default: one clear period, :data:`IPNET_CLEAR_PERIOD_S`),
    after the fired junction is back in P, so the switching progress of the burst is spent and
    only its heat remains.  The probe sinks less than Ic0, where the thermally activated rate
    depends steeply on the junction temperature.
    """
    params = ipnet_plasticity_params(params)
    vdd = params.vdd_v
    burst = regular(
        IPNET_INPUT_RATE_HZ,
        burst_count if conditioned else 0,
        vdd,
        IPNET_SPIKE_WIDTH_S,
        start_s=0.5e-9,
    )
    clear_at_s = IPNET_CLEAR_PERIOD_S if clear_at_s is None else clear_at_s
    clear = SpikeTrain((0.0, clear_at_s), vdd, 0.2e-9, label="clear")
    probe_t = clear.end_s() + gap_s
    probe = SpikeTrain((probe_t,), vdd, probe_width_s, label="probe")
    circuit = build_ipnet_testbench(params, [burst, probe], clear)
    return Scenario(
        f"ipnet_plasticity_gap{gap_s * 1e9:.2f}ns",
        circuit,
        10e-12,
        probe.end_s(),
        IPNET_PLASTICITY_MAX_STEP_S,
        {
            "VDD": ("vdd", "logic"),
            "VDDB": ("vddb", "bias_generator"),
            "VWR": ("vwr", "write"),
            "VCLR": ("clr", "clock"),
            "VIN1": ("in1", "input"),
            "VIN2": ("in2", "input"),
        },
        ("mtj",),
        description=f"{'conditioned' if conditioned else 'rested'}: probe at {probe_t:.4g} s",
        input_events=burst.count + probe.count,
        mtj=params.mtj(),
        markers_s={"probe": probe_t, "burst_starts": burst.times_s},
        shared_instances=("XB",),
    )


LIF_SPIKE_WIDTH_S = 1e-9
LIF_INPUT_RATE_HZ = 50e6


def lif_scenario(
    params=None,
    rate_hz: float = LIF_INPUT_RATE_HZ,
    duration_s: float = 1.5e-6,
    amplitude_v: float = 0.9,
    idle: bool = False,
    name: str = "lif_neuron",
) -> Scenario:
    """Capacitor-based LIF baseline driven by a regular input train (``idle``: no input)."""
    from .lif_neuron import LifParams, build_lif_testbench

    params = params or LifParams()
    count = 0 if idle else int(rate_hz * duration_s)
    stop = 0.2e-6 if idle else duration_s + 0.1e-6
    train = regular(rate_hz, count, amplitude_v, LIF_SPIKE_WIDTH_S, start_s=10e-9)
    circuit = build_lif_testbench(params, [train])
    sources = {
        "VDD": ("vdd", "logic"),
        "VLEAK": ("vlk", "bias"),
        "VTHB": ("vthb", "bias"),
        "VW": ("vw", "bias"),
    }
    sources.update({f"VIN{k + 1}": (f"in{k + 1}", "input") for k in range(params.n_inputs)})
    return Scenario(
        name if not idle else f"{name}_idle",
        circuit,
        1e-10,
        stop,
        0.5e-9,
        sources,
        (),
        description=f"input: {train.label}, amplitude {amplitude_v} V, width "
        f"{LIF_SPIKE_WIDTH_S * 1e9:.0f} ns",
        input_events=train.count,
    )
