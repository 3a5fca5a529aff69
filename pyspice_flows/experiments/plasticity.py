"""Intrinsic plasticity of the IPNet neuron: probe latency versus time since a conditioning burst.

A burst of input spikes fires the neuron; its reset current and the burst heat the
junction.  After the clear pulse, a probe on a weaker synapse arrives ``gap`` later.  A warm
junction switches sooner, so the probe's latency to an output spike is shorter; the
advantage A(gap) = ln(latency_rested / latency(gap)) decays as the residual heat,
exp(-gap / (rth*cth)).  ``python -m pyspice_flows.experiments.plasticity`` writes PNG and CSV.

Heat ablation (:func:`heat_ablation`): the same neuron and protocol with the heat memory
removed, once by a 100x shorter rth*cth at the same steady-state rise (cth / 100), once by
a 1000x smaller rth at the same rth*cth (no rise to speak of).  If the plasticity comes from
heat, the probe's latency advantage vanishes in both.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from circuits.ipnet_design import add_design_argument, checked_neuron_design, design_from_options
from circuits.ipnet_neuron import IpnetParams
from circuits.mtj_device import add_device_argument
from circuits.paths import BUILD_DIR
from circuits.scenarios import (
    IPNET_BURST_COUNT,
    IPNET_SPIKE_WIDTH_S,
    ipnet_plasticity_scenario,
)
from pyspice_flows import measure
from pyspice_flows.sim.cache import cached_run
from pyspice_flows.sim.session import ngspice_threads

OUT_DIR = BUILD_DIR / "plasticity"


_TIMING_CACHE: dict[tuple[str, float | None], tuple[float, int]] = {}
RESET_MARGIN_S = 0.2e-9
"""The protocol's clear comes this long after the self-timed reset has ended."""
RESET_WINDOW_S = 15e-9
"""Time [s] a first run allows for the self-timed reset after an output spike (about
11 ns on the default device, docs/ipnet_neuron.md), with margin."""
LATENCY_WINDOW_S = 15e-9
"""Time [s] a first run allows for the probe's first output spike (a rested neuron's
latency is about 13-14 ns on the default device, the ablated ones included), with margin."""


def _run_until(sc, temperature_k: float | None, stops_s, done) -> object:
    """The scenario's transient up to each of the times ``stops_s`` [s] in turn, then up to
    its full stop time, until ``done(w)`` says the events wanted are in the run.

    A shorter run is the longer one cut: same netlist but for the ``.tran`` stop time,
    same time steps and values up to within two steps of its end (the final step lands
    on the stop time; tests/test_report_cold_runs.py), so every value read inside it is
    the full run's.  The probe runs' 60 ns probes last far beyond the first answer, and
    the burst-timing run's late clear far beyond the burst's reset, which is all the
    protocol reads: cut, the report's 14 plasticity runs cost about 40 % less."""
    for stop in sorted({min(s, sc.stop_s) for s in stops_s} | {sc.stop_s}):
        w = cached_run(
            sc.circuit,
            replace(sc.analysis(), stop_s=stop),
            temperature_k=temperature_k,
        )
        if done(w):
            break
    return w


def _first_spike_and_reset(w, sc, after_s: float, vdd_v: float) -> tuple[float, float]:
    """The first output spike after ``after_s`` and the end of the self-timed reset (node
    ``x1.rst`` falling) that follows it [s]; nan where the run holds none."""
    thr = measure.logic_threshold_v(vdd_v)
    spikes = measure.spike_times(w.time, w.v(sc.output_node), thr)
    spikes = spikes[spikes > after_s]
    if not spikes.size:
        return float("nan"), float("nan")
    falls = measure.falling_edges(w.v("x1.rst"), thr)
    falls = falls[w.time[falls] > spikes[0]]
    return float(spikes[0]), float(w.time[falls[0]]) if falls.size else float("nan")


def _answered(sc, after_s: float, vdd_v: float):
    """``done`` of :func:`_run_until`: the first spike after ``after_s`` and its reset are
    in the run, clear of its last two steps (where a cut run departs from the full one)."""

    def done(w) -> bool:
        return _first_spike_and_reset(w, sc, after_s, vdd_v)[1] < w.time[-3]

    return done


def burst_timing(
    params: IpnetParams | None = None,
    temperature_k: float | None = None,
    burst_count: int = IPNET_BURST_COUNT,
) -> tuple[float, int]:
    """When the conditioning burst's self-timed reset ends [s] (the reset phase, node
    ``x1.rst``, falls after the burst fired), and how many burst spikes began before the
    output spike.  The protocol's burst is cut there (later ones would add switching
    progress after the reset, a memory that is not heat) and its clear and probe follow
    the reset."""
    params = params or IpnetParams()
    # the protocol's own (two-synapse) neuron, its clear long after the burst, no probe
    late = burst_count * 2e-9 + 40e-9
    sc = ipnet_plasticity_scenario(
        0.0, True, params, burst_count, probe_width_s=1e-9, clear_at_s=late
    )
    key = (str(sc.circuit), temperature_k)
    if key not in _TIMING_CACHE:
        starts = np.asarray(sc.markers_s["burst_starts"])
        # first up to the burst's end (the burst fires the neuron, the reset mostly ends
        # within it), then a reset's length later
        end = float(starts[-1]) + IPNET_SPIKE_WIDTH_S if starts.size else sc.stop_s
        stops = (end, end + RESET_WINDOW_S)
        w = _run_until(sc, temperature_k, stops, _answered(sc, 0.0, params.vdd_v))
        spike, reset_end = _first_spike_and_reset(w, sc, 0.0, params.vdd_v)
        if not np.isfinite(reset_end):
            raise ValueError(
                "burst_timing: the conditioning burst did not fire and reset the neuron "
                f"within {sc.stop_s:.3g} s"
            )
        _TIMING_CACHE[key] = (reset_end, int(np.sum(starts < spike)))
    return _TIMING_CACHE[key]


def burst_reset_end_s(
    params: IpnetParams | None = None,
    temperature_k: float | None = None,
    burst_count: int = IPNET_BURST_COUNT,
) -> float:
    """When the conditioning burst's self-timed reset ends [s] (:func:`burst_timing`)."""
    return burst_timing(params, temperature_k, burst_count)[0]


def probe_response(
    gap_s: float,
    conditioned: bool,
    params: IpnetParams | None = None,
    temperature_k: float | None = None,
    **kw,
) -> dict:
    """Latency [s] of the first output spike after the probe (nan if none) and the junction
    temperature rise [K] when the probe starts (ambient ``temperature_k`` [K], None:
    ngspice's 300.15 K).  The burst is cut at the output spike and the clear (the time origin
    of ``gap_s``) comes :data:`RESET_MARGIN_S` after the conditioned neuron's self-timed
    reset (:func:`burst_timing`) unless ``clear_at_s`` is given."""
    if kw.get("clear_at_s") is None:
        reset_end, to_fire = burst_timing(
            params, temperature_k, kw.get("burst_count", IPNET_BURST_COUNT)
        )
        kw["clear_at_s"] = reset_end + RESET_MARGIN_S
        kw["burst_count"] = to_fire
    sc = ipnet_plasticity_scenario(gap_s, conditioned, params, **kw)
    vdd = (params or IpnetParams()).vdd_v
    probe_t = sc.markers_s["probe"]
    # first up to the probe's answer and its reset (the whole probe when they are not in it)
    end = probe_t + LATENCY_WINDOW_S + RESET_WINDOW_S
    w = _run_until(sc, temperature_k, (end,), _answered(sc, probe_t, vdd))
    t = w.time
    spike, reset_end = _first_spike_and_reset(w, sc, probe_t, vdd)
    spikes = measure.spike_times(t, w.v(sc.output_node), measure.logic_threshold_v(vdd))
    # the protocol ends with the probe's first answer and its reset: the rise it reached
    protocol = t <= reset_end if np.isfinite(reset_end) else slice(None)
    return {
        "gap_s": gap_s,
        "conditioned": conditioned,
        "latency_s": spike - probe_t,
        "rise_at_probe_K": float(np.interp(probe_t, t, w.v("th"))),
        "burst_fired": bool(np.any(spikes < probe_t)),
        "max_rise_K": float(np.max(w.v("th")[protocol])),
    }


@dataclass(frozen=True)
class PlasticityCurve:
    """Probe latencies after a conditioning burst, one per gap [s], and the decay of the
    advantage ln(L_rested / L) (dimensionless): ``tau_fit_s`` and ``fit_a0`` of the
    exponential fitted to it (a0 its value at gap 0), ``tau_th_s`` the junction's rth*cth."""

    gaps_s: np.ndarray
    latency_s: np.ndarray
    rested_latency_s: float
    rise_at_probe_k: np.ndarray
    tau_fit_s: float
    tau_th_s: float
    fit_a0: float = float("nan")

    @property
    def advantage(self) -> np.ndarray:
        return np.log(self.rested_latency_s / self.latency_s)

    def to_csv(self, path: Path) -> None:
        data = np.column_stack(
            [
                self.gaps_s,
                self.latency_s,
                np.full_like(self.gaps_s, self.rested_latency_s),
                self.advantage,
                self.rise_at_probe_k,
            ]
        )
        np.savetxt(
            path,
            data,
            delimiter=",",
            comments="",
            fmt="%.9g",
            header="gap_s,latency_s,rested_latency_s,advantage,rise_at_probe_K",
        )


def plasticity_curve(
    gaps_s=None, params: IpnetParams | None = None, temperature_k: float | None = None, **kw
) -> PlasticityCurve:
    """Probe latency at several gaps after conditioning, and the fitted decay constant."""
    kw["temperature_k"] = temperature_k
    params = params or IpnetParams()
    gaps = np.asarray(gaps_s if gaps_s is not None else np.linspace(ABLATION_GAP_S, 2e-9, 6), float)
    rested = probe_response(gaps[0], False, params, **kw)["latency_s"]
    runs = [probe_response(g, True, params, **kw) for g in gaps]
    lat = np.array([r["latency_s"] for r in runs])
    rise = np.array([r["rise_at_probe_K"] for r in runs])
    adv = np.log(rested / lat)
    good = np.isfinite(adv) & (adv > 0)
    if good.sum() < 3 or not np.isfinite(rested):
        raise ValueError(
            "plasticity_curve: the probe must fire both rested and conditioned neurons "
            f"(rested latency {rested!r} s); lengthen probe_width_s"
        )
    fit = measure.fit_exponential(gaps[good], adv[good])
    return PlasticityCurve(gaps, lat, rested, rise, -1.0 / fit.slope, params.mtj().tau_th_s, fit.a0)


ABLATIONS = {
    "short_heat_memory": {"cth": 1e-2},
    "no_temperature_rise": {"rth": 1e-3, "cth": 1e3},
}
"""Heat ablations, as factors on the device's (rth, cth): rth*cth / 100 at the same
steady-state rise; rth / 1000 at the same rth*cth (rise < 0.1 K)."""


@dataclass(frozen=True)
class Ablation:
    """Probe latency advantage [s] of a conditioned over a rested neuron, with and without heat.

    plasticity_*_s: L_rested - L_conditioned at gap ``gap_s`` [s]; by_ablation: the same for
    each entry of :data:`ABLATIONS`, with its (rth, cth) and the largest rise it reached [K];
    plasticity_no_heat_s: the largest of them; ratio: plasticity_no_heat_s / plasticity_normal_s.
    """

    gap_s: float
    plasticity_normal_s: float
    plasticity_no_heat_s: float
    ratio: float
    normal: dict
    by_ablation: dict

    def to_dict(self) -> dict:
        return asdict(self)


def latency_advantage(gap_s: float, params: IpnetParams, **kw) -> dict:
    """L_rested - L_conditioned [s] for a probe ``gap_s`` after the clear, with both runs.

    Refuses a run where the protocol failed: the conditioning burst did not fire, or the
    probe fired neither neuron (then no latency is defined)."""
    rested = probe_response(gap_s, False, params, **kw)
    cond = probe_response(gap_s, True, params, **kw)
    mtj = params.mtj()
    if not cond["burst_fired"]:
        raise ValueError(
            f"latency_advantage: the conditioning burst did not fire the neuron "
            f"(rth={mtj.rth:.3g} K/W, cth={mtj.cth:.3g} J/K)"
        )
    if not (np.isfinite(rested["latency_s"]) and np.isfinite(cond["latency_s"])):
        raise ValueError(
            f"latency_advantage: the probe did not fire (rested {rested['latency_s']!r} s, "
            f"conditioned {cond['latency_s']!r} s); lengthen probe_width_s"
        )
    return {
        "advantage_s": rested["latency_s"] - cond["latency_s"],
        "rested_latency_s": rested["latency_s"],
        "conditioned_latency_s": cond["latency_s"],
        "rise_at_probe_K": cond["rise_at_probe_K"],
        "max_rise_K": max(rested["max_rise_K"], cond["max_rise_K"]),
        "rth": mtj.rth,
        "cth": mtj.cth,
        "tau_th_s": mtj.tau_th_s,
    }


ABLATION_GAP_S = 0.1e-9
"""The gap [s] at which :func:`heat_ablation` compares the neurons: the decay curve's
first (:func:`plasticity_curve`), so that a report reads the normal neuron's two runs once."""


def ablated_advantages(
    params: IpnetParams | None = None,
    gap_s: float = ABLATION_GAP_S,
    temperature_k: float | None = None,
    **kw,
) -> dict[str, dict]:
    """:func:`latency_advantage` of each entry of :data:`ABLATIONS`, by name."""
    params = params or IpnetParams()
    kw["temperature_k"] = temperature_k
    base = params.mtj()
    ablated = {}
    for name, factors in ABLATIONS.items():
        overrides = {
            **params.mtj_overrides,
            **{k: getattr(base, k) * f for k, f in factors.items()},
        }
        ablated[name] = latency_advantage(gap_s, replace(params, mtj_overrides=overrides), **kw)
    return ablated


def heat_ablation(
    params: IpnetParams | None = None,
    gap_s: float = ABLATION_GAP_S,
    temperature_k: float | None = None,
    ablated: dict[str, dict] | None = None,
    **kw,
) -> Ablation:
    """The plasticity effect with the heat memory and without it (see :data:`ABLATIONS`).

    ``ablated``: :func:`ablated_advantages` of the same arguments when computed already
    (the report computes them in another process meanwhile)."""
    params = params or IpnetParams()
    if ablated is None:
        ablated = ablated_advantages(params, gap_s, temperature_k, **kw)
    normal = latency_advantage(gap_s, params, temperature_k=temperature_k, **kw)
    no_heat = max(abs(a["advantage_s"]) for a in ablated.values())
    return Ablation(
        gap_s, normal["advantage_s"], no_heat, no_heat / normal["advantage_s"], normal, ablated
    )


ADVANTAGE_LABEL = "excitability advantage ln(L_rested / L) [dimensionless]"
"""The plotted quantity: the log of the rested over the conditioned probe latency."""


def decay_title(curve: PlasticityCurve) -> str:
    """The heat-decay figure's title: both time constants it draws, named as in the legend."""
    return (
        f"IPNet heat memory: fitted decay {curve.tau_fit_s * 1e9:.2f} ns (solid), "
        f"rth*cth {curve.tau_th_s * 1e9:.2f} ns (dashed)"
    )


def plot(curve: PlasticityCurve, path: Path):
    """The simulated advantage (dots), the fitted exponential through them (solid) and, for
    comparison, a decay with the junction's rth*cth from the fit's first point (dashed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4))
    g = curve.gaps_s * 1e9
    ax.semilogy(g, curve.advantage, "o", label="simulated ln(L_rested / L)")
    fitted = curve.fit_a0 * np.exp(-curve.gaps_s / curve.tau_fit_s)
    ax.semilogy(g, fitted, "-", label=f"fit: exp(-gap / tau), tau = {curve.tau_fit_s * 1e9:.2f} ns")
    ax.semilogy(
        g,
        fitted[0] * np.exp(-(curve.gaps_s - curve.gaps_s[0]) / curve.tau_th_s),
        "--",
        label=f"exp(-gap / rth*cth), rth*cth = {curve.tau_th_s * 1e9:.2f} ns",
    )
    ax.set_xlabel("time since the conditioning burst's clear [ns]")
    ax.set_ylabel(ADVANTAGE_LABEL)
    ax.set_title(decay_title(curve), fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig


def main(argv: list[str] | None = None) -> int:
    """``python -m pyspice_flows.experiments.plasticity [--out DIR] [--device FILE] [--design FILE]
    [--temp K]``."""
    from pyspice_flows.app.commandline import (
        add_debug_flag,
        add_out_argument,
        add_temperature_argument,
        checked_out_dir,
        command_parser,
        run_main,
    )

    parser = command_parser(
        "plasticity",
        description="Probe latency of the IPNet neuron versus time since a conditioning burst; "
        "writes plasticity.csv, plasticity.png and the heat ablation ablation.json.",
    )
    add_out_argument(parser, OUT_DIR)
    add_device_argument(parser)
    add_design_argument(parser)
    add_temperature_argument(parser)
    add_debug_flag(parser)
    args = parser.parse_args(argv)

    def body() -> int:
        # a wrong file, or a device the neuron cannot work with, fails now, naming itself
        design = design_from_options(args.design, args.device)
        checked_neuron_design(design, args.device, [args.temp])
        params = design.params()
        args.out = checked_out_dir(args.out)  # before any work: writable, not a file
        ngspice_threads()  # a bad $IPNET_NGSPICE_THREADS fails now, cached runs or not
        curve = plasticity_curve(params=params, temperature_k=args.temp)
        ablation = heat_ablation(params, temperature_k=args.temp)
        args.out.mkdir(parents=True, exist_ok=True)
        for name, write in (
            ("plasticity.csv", curve.to_csv),
            ("plasticity.png", lambda path: plot(curve, path)),
            (
                "ablation.json",
                lambda path: path.write_text(json.dumps(ablation.to_dict(), indent=2)),
            ),
        ):
            tmp = args.out / f".{name}.{os.getpid()}.tmp{Path(name).suffix}"
            try:
                write(tmp)
                tmp.replace(args.out / name)
            finally:
                tmp.unlink(missing_ok=True)
        print(
            f"plasticity: fitted decay {curve.tau_fit_s:.3g} s vs rth*cth {curve.tau_th_s:.3g} s; "
            f"wrote {args.out}/plasticity.csv, .png"
        )
        print(
            f"plasticity: probe latency advantage {ablation.plasticity_normal_s:.3g} s with heat, "
            f"{ablation.plasticity_no_heat_s:.3g} s without (ratio {ablation.ratio:.3g}: "
            + ", ".join(f"{k} {v['advantage_s']:.3g} s" for k, v in ablation.by_ablation.items())
            + f"); wrote {args.out}/ablation.json"
        )
        return 0

    return run_main(parser.prog, body, args.debug)


if __name__ == "__main__":
    sys.exit(main())
