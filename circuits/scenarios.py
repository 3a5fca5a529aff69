"""The standard testbenches: the circuits `make netlists` writes and the report simulates.

A :class:`Scenario` is a PySpice circuit plus the transient it is meant to run with
(times in seconds).  ``netlist_text`` renders the stand-alone netlist that runs as it is
with ``ngspice -b build/netlists/<name>.cir`` from the repository root.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .ipnet_neuron import IpnetParams, build_ipnet_testbench
from .mtj_device import MtjParams
from .stimulus import SpikeTrain, regular
from .technology import REPO_ROOT

IPNET_SPIKE_WIDTH_S = 0.5e-9
IPNET_INPUT_AMPLITUDE_V = 0.63  # gate drive that sinks ~1.1 Ic0 through the P junction at 27 C
IPNET_CLEAR_PERIOD_S = 32e-9  # optional global clear period (clocked operation)


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
    markers_s: dict[str, float] = field(default_factory=dict)

    def netlist_text(self) -> str:
        """Stand-alone netlist: paths relative to the repository root, analysis and control."""
        body = str(self.circuit).rstrip().splitlines()
        while body and body[-1].strip().lower() == ".end":
            body.pop()
        root = str(REPO_ROOT) + "/"
        body = [ln.replace(root, "") for ln in body]
        lines = [body[0]]
        if self.description:
            lines.append(f"* {self.description}")
        lines += body[1:]
        lines.append(f".tran {self.step_s:.6g} {self.stop_s:.6g} 0 {self.max_step_s:.6g}")
        lines.append(".control")
        lines += [f"pre_osdi build/osdi/{m}.osdi" for m in self.osdi_models]
        lines += [
            "set num_threads=1",
            "run",
            f"print vecmax(v({self.output_node})) vecmin(v({self.output_node}))",
            ".endc",
            ".end",
        ]
        return "\n".join(ln for ln in lines if ln != "") + "\n"


def ipnet_clear_train(stop_s: float, period_s: float | None = None) -> SpikeTrain:
    """Clear pulses at t = 0 (initialises the latch) and every ``period_s``
    (default :data:`IPNET_CLEAR_PERIOD_S`)."""
    period_s = IPNET_CLEAR_PERIOD_S if period_s is None else period_s
    return SpikeTrain(tuple(np.arange(0.0, stop_s, period_s)), 0.9, 0.2e-9, label="clear")


def ipnet_scenario(
    params: IpnetParams | None = None,
    rate_hz: float = 1e9,
    count: int = 60,
    amplitude_v: float = IPNET_INPUT_AMPLITUDE_V,
    stop_s: float = 80e-9,
    name: str = "ipnet_neuron",
    clear_period_s: float | None = None,
) -> Scenario:
    """IPNet neuron driven by a regular input train; fires, resets and fires again.

    ``clear_period_s``: None (default) holds ``clr`` at 0 V: the neuron is self-timed
    (its spike and its reset end by themselves); a period [s] adds global clear pulses at
    t = 0 and every period (clocked operation, :func:`ipnet_clear_train`).
    """
    params = params or IpnetParams()
    train = regular(rate_hz, count, amplitude_v, IPNET_SPIKE_WIDTH_S, start_s=0.5e-9)
    clear = None if clear_period_s is None else ipnet_clear_train(stop_s, clear_period_s)
    circuit = build_ipnet_testbench(params, [train], clear)
    sources = {"VDD": ("vdd", "logic"), "VWR": ("vwr", "write"), "VCLR": ("clr", "clock")}
    sources.update({f"VIN{k + 1}": (f"in{k + 1}", "input") for k in range(params.n_inputs)})
    return Scenario(
        name,
        circuit,
        10e-12,
        stop_s,
        20e-12,
        sources,
        ("mtj",),
        description=f"input: {train.label}, amplitude {amplitude_v} V; "
        + (
            "self-timed (no clear pulse)"
            if clear is None
            else f"clear every {clear_period_s * 1e9:.0f} ns"
        ),
        input_events=train.count,
        mtj=params.mtj(),
    )


def standard_scenarios() -> list[Scenario]:
    """The testbenches `make netlists` writes and the report simulates."""
    return [ipnet_scenario(), lif_scenario()]


IPNET_PROBE_AMPLITUDE_V = 0.60  # ~0.9 Ic0: thermally activated regime, where heat matters
IPNET_BURST_COUNT = 30  # enough 1 GHz input spikes to fire the rested neuron (~23)


def ipnet_plasticity_scenario(
    gap_s: float,
    conditioned: bool = True,
    params: IpnetParams | None = None,
    burst_count: int = IPNET_BURST_COUNT,
    probe_amplitude_v: float = IPNET_PROBE_AMPLITUDE_V,
    probe_width_s: float = 60e-9,
    clear_at_s: float | None = None,
) -> Scenario:
    """Intrinsic plasticity: a conditioning burst (which fires the neuron), a clear, then a probe.

    The probe starts ``gap_s`` after the clear pulse ends; ``conditioned=False`` omits the
    burst (a rested neuron).  The probe's latency to an output spike measures excitability.
    The clear comes at ``clear_at_s`` (default: one clear period, :data:`IPNET_CLEAR_PERIOD_S`),
    after the fired junction is back in P, so the switching progress of the burst is spent and
    only its heat remains.  The probe sinks less than Ic0, where the thermally activated rate
    depends steeply on the junction temperature.
    """
    from .stimulus import Stimulus

    params = params or IpnetParams()
    burst = regular(
        1e9,
        burst_count if conditioned else 0,
        IPNET_INPUT_AMPLITUDE_V,
        IPNET_SPIKE_WIDTH_S,
        start_s=0.5e-9,
    )
    clear_at_s = IPNET_CLEAR_PERIOD_S if clear_at_s is None else clear_at_s
    clear = SpikeTrain((0.0, clear_at_s), 0.9, 0.2e-9, label="clear")
    probe_t = clear.end_s() + gap_s
    probe = SpikeTrain((probe_t,), probe_amplitude_v, probe_width_s, label="probe")
    stim = Stimulus((burst, probe))
    circuit = build_ipnet_testbench(params, [stim], clear)
    return Scenario(
        f"ipnet_plasticity_gap{gap_s * 1e9:.2f}ns",
        circuit,
        10e-12,
        probe.end_s(),
        20e-12,
        {
            "VDD": ("vdd", "logic"),
            "VWR": ("vwr", "write"),
            "VCLR": ("clr", "clock"),
            "VIN1": ("in1", "input"),
        },
        ("mtj",),
        description=f"{'conditioned' if conditioned else 'rested'}: probe at {probe_t:.4g} s",
        input_events=stim.count,
        mtj=params.mtj(),
        markers_s={"probe": probe_t},
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
