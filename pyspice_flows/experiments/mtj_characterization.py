"""Characterization flows of the ``mtj`` model, each simulated in ngspice.

- :func:`rv_loop`: the R-V hysteresis loop under a slow triangular voltage;
- :func:`rv_static`: R(V) of each state from a DC sweep (state pinned);
- :func:`thermal_step`: the junction temperature under a current step;
- :func:`switching_delay`: delay versus current across both switching regimes;
- :func:`heat_memory`: the switching delay of a probe pulse versus the time since a
  heating pulse, and the decay constant of the preheating advantage.

``ipnet characterize [--device FILE] [--out DIR] [--temp K] [--timeout S]`` runs them all
and publishes a PNG and a CSV for each into ``build/characterization/`` at once, from a
staging folder (an interrupted or failed run leaves the previous set whole); each
simulation is bounded by a time limit, so a device that stalls ngspice ends the run with
one line instead of running on.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from circuits import mtj_analytic as ref
from circuits import mtj_switching
from circuits import mtj_testbenches as tb
from circuits.mtj_device import (
    DEFAULT_DEVICE,
    MtjParams,
    add_device_argument,
    checked_device_file,
    load_device,
)
from circuits.paths import BUILD_DIR
from circuits.units import SPICE_DEFAULT_K
from pyspice_flows import measure
from pyspice_flows.app.commandline import (
    add_debug_flag,
    add_out_argument,
    add_temperature_argument,
    checked_out_dir,
    command_parser,
    positive_float,
    run_main,
)
from pyspice_flows.app.staging import commit_staged, staging_folder
from pyspice_flows.app.timelimit import time_limit
from pyspice_flows.sim.session import DcSweep, Session, Transient, ngspice_threads

OUT_DIR = BUILD_DIR / "characterization"
STATE = "n1#m"
AMBIENT_K = SPICE_DEFAULT_K
SIMULATION_TIME_LIMIT_S = 300.0
"""Default time limit of one simulation of the command line [s]: the default device's
longest simulation takes a few seconds on one core, so a run this long has stalled."""


@dataclass(frozen=True)
class RunConditions:
    """How the flows simulate: ambient temperature [K] (None: ngspice's 27 C) and the time
    limit of each simulation [s] (None: none)."""

    temp_k: float | None = None
    time_limit_s: float | None = None

    def ambient_k(self) -> float:
        return AMBIENT_K if self.temp_k is None else self.temp_k


DEFAULT_RUN = RunConditions()


def _simulate(netlist, analysis, run: RunConditions, what: str, **kwargs):
    """One simulation under ``run``'s temperature and time limit (``what`` names it).  The
    session starts (compiles and loads the models) before the limit: it bounds the
    simulation, not a first compile."""
    session = Session.get()
    with time_limit(run.time_limit_s, f"the {what} simulation"):
        return session.run(netlist, analysis, temperature_k=run.temp_k, **kwargs)


def crossing_time(t: np.ndarray, y: np.ndarray, level: float = 0.0, after: float = 0.0) -> float:
    """First time after ``after`` at which ``y`` crosses ``level`` (linear interpolation); nan if never."""
    sel = t >= after
    t, y = t[sel], y[sel] - level
    idx = np.nonzero(np.signbit(y[1:]) != np.signbit(y[:-1]))[0]
    if idx.size == 0:
        return float("nan")
    k = idx[0]
    return float(t[k] - y[k] * (t[k + 1] - t[k]) / (y[k + 1] - y[k]))


@dataclass
class Curve:
    """Columns of one characterization result, with their names and units for CSV."""

    columns: dict[str, np.ndarray]
    title: str

    def to_csv(self, path: Path) -> None:
        names = list(self.columns)
        data = np.column_stack([np.asarray(self.columns[n], float) for n in names])
        np.savetxt(path, data, delimiter=",", header=",".join(names), comments="", fmt="%.9g")


def rv_static(
    p: MtjParams, v_max: float = 1.0, points: int = 81, run: RunConditions = DEFAULT_RUN
) -> Curve:
    """R(V) of the parallel and antiparallel states from DC sweeps (state pinned by state0)."""
    out: dict[str, np.ndarray] = {}
    step = 2 * v_max / (points - 1)
    for state, label in ((1, "p"), (-1, "ap")):
        w = _simulate(
            tb.dc_bias(p, 0.0, state), DcSweep("v1", -v_max, v_max + step / 2, step), run, "R(V)"
        )
        v = w.x("v-sweep")
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(v != 0, v / -w.i("v1"), np.nan)
        out["v_V"] = v
        out[f"r_{label}_ohm"] = r
        out[f"rise_{label}_K"] = w.v("t")
    return Curve(out, "R(V) of both states (DC)")


def rv_loop(
    p: MtjParams, v_max: float = 1.0, period_s: float = 200e-9, run: RunConditions = DEFAULT_RUN
) -> Curve:
    """R-V hysteresis loop under one slow triangular voltage cycle starting in P."""
    w = _simulate(
        tb.voltage_triangle(p, v_max, period_s, state0=1),
        Transient(period_s / 4000, period_s, max_step_s=period_s / 4000),
        run,
        "R-V loop",
    )
    v = w.v("p")
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(np.abs(v) > 1e-3, v / -w.i("v1"), np.nan)
    return Curve(
        {"time_s": w.time, "v_V": v, "r_ohm": r, "state": w.x(STATE), "rise_K": w.v("t")},
        "R-V hysteresis loop",
    )


def thermal_step(
    p: MtjParams,
    current_a: float = 20e-6,
    duration_tau: float = 8.0,
    run: RunConditions = DEFAULT_RUN,
) -> Curve:
    """Temperature rise under a current step in the parallel state (constant Joule power)."""
    tau = p.tau_th_s
    stop = duration_tau * tau
    w = _simulate(
        tb.current_pulses(p, [(0.0, stop * 2, current_a)], state0=1),
        Transient(tau / 200, stop, max_step_s=tau / 200),
        run,
        "thermal step",
    )
    t = w.time
    rise = w.v("t")
    power = current_a**2 * p.rp
    return Curve(
        {"time_s": t, "rise_K": rise, "analytic_K": ref.first_order_rise(power, p, t)},
        f"thermal step, {current_a * 1e6:.0f} uA",
    )


def switching_time(
    p: MtjParams,
    current_a: float,
    state0: int = 1,
    t_max: float | None = None,
    ambient_k: float = AMBIENT_K,
    max_step_s: float | None = None,
    time_limit_s: float | None = None,
) -> float:
    """Simulated time for a constant current to reverse the junction [s]; nan if it did not.

    The current flows toward the other state (p -> n from P, n -> p from AP).
    """
    if t_max is None:
        t_max = 3.0 * float(_expected_delay(p, abs(current_a), ambient_k))
    sign = 1.0 if state0 == 1 else -1.0
    netlist = tb.current_pulses(p, [(0.0, 10 * t_max, sign * abs(current_a))], state0=state0)
    w = _simulate(
        netlist,
        Transient(t_max / 2000, t_max, max_step_s=max_step_s),
        RunConditions(ambient_k, time_limit_s),
        f"switching at {abs(current_a) / p.ic0:.3g} Ic0",
    )
    return crossing_time(w.time, w.x(STATE))


def _expected_delay(p: MtjParams, current_a: float, temp_k: float | None = None) -> float:
    """The model's median switching time without self-heating [s] (at tnom by default)."""
    return float(
        mtj_switching.median_switching_time(p, current_a, p.tnom if temp_k is None else temp_k)
    )


def switching_delay(
    p: MtjParams, ratios: np.ndarray | None = None, run: RunConditions = DEFAULT_RUN
) -> Curve:
    """Delay versus I/Ic0 from 0.5 to 5, with Neel-Brown and Sun beside it (the references
    at tnom, or at ``run``'s temperature when it sets one)."""
    if ratios is None:
        ratios = np.concatenate([np.linspace(0.5, 0.95, 10), np.linspace(1.05, 5.0, 14)])
    sim = np.array(
        [
            switching_time(p, r * p.ic0, ambient_k=run.ambient_k(), time_limit_s=run.time_limit_s)
            for r in ratios
        ]
    )
    t_ref = p.tnom if run.temp_k is None else run.temp_k
    # textbook limits at their statistic: the median of an exponential time is ln 2 x mean
    nb = np.where(ratios < 1, np.log(2.0) * ref.neel_brown_time(p, ratios * p.ic0, t_ref), np.nan)
    sun = np.where(ratios > 1, ref.sun_time(p, ratios * p.ic0, t_ref), np.nan)
    law = mtj_switching.median_switching_time(p, ratios * p.ic0, t_ref)
    return Curve(
        {"i_over_ic0": ratios, "delay_s": sim, "law_s": law, "neel_brown_s": nb, "sun_s": sun},
        "median switching delay versus current",
    )


@dataclass(frozen=True)
class HeatMemoryResult:
    curve: Curve
    tau_fit_s: float
    tau_th_s: float


def heat_memory(
    p: MtjParams,
    heat_current_a: float,
    heat_width_s: float,
    probe_current_a: float,
    gaps_s: np.ndarray,
    run: RunConditions = DEFAULT_RUN,
) -> HeatMemoryResult:
    """Probe-pulse switching delay versus the gap after a heating pulse.

    The heating pulse flows toward P on a junction that is already P; the probe flows
    toward AP.  The advantage A = ln(delay_cold / delay(gap)) decays as the residual heat,
    exp(-gap / (rth cth)); the time constant fitted to the positive advantages is returned
    (NaN when fewer than two gaps show one).  On model version 3 the heating current also
    does what a current of the stabilising polarity does to a macrospin: it narrows the
    cone toward AP, which then needs a few taup to relax back, so right after the heating
    pulse the probe can start from a narrower cone and be slower than cold (A < 0).
    """
    t_max = 4.0 * _expected_delay(p, probe_current_a, run.temp_k)
    cold = _probe_delay(p, [], probe_current_a, start=0.0, t_max=t_max, run=run)
    delays = []
    rise_at_probe = []
    for gap in gaps_s:
        start = heat_width_s + gap
        d, rise = _probe_delay(
            p,
            [(0.0, heat_width_s, -heat_current_a)],
            probe_current_a,
            start,
            t_max,
            want_rise=True,
            run=run,
        )
        delays.append(d)
        rise_at_probe.append(rise)
    delays = np.array(delays)
    adv = np.log(cold / delays)
    good = adv > 0
    tau_fit = float("nan")
    if good.sum() >= 2:
        tau_fit = -1.0 / measure.fit_exponential(np.asarray(gaps_s)[good], adv[good]).slope
    curve = Curve(
        {
            "gap_s": np.asarray(gaps_s),
            "delay_s": delays,
            "cold_delay_s": np.full_like(delays, cold),
            "advantage": adv,
            "rise_at_probe_K": np.array(rise_at_probe),
        },
        "heat memory: probe delay versus time since a heating pulse",
    )
    return HeatMemoryResult(curve, tau_fit, p.tau_th_s)


def _probe_delay(p, heat_pulses, probe_a, start, t_max, want_rise=False, run=DEFAULT_RUN):
    pulses = [*heat_pulses, (start, 10 * t_max, probe_a)]
    step = min(t_max, p.tau_th_s) / 200
    w = _simulate(
        tb.current_pulses(p, pulses, state0=1),
        Transient(step, start + t_max, max_step_s=step),
        run,
        "heat-memory probe",
    )
    d = crossing_time(w.time, w.x(STATE), after=start) - start
    if want_rise:
        return d, float(np.interp(start, w.time, w.v("t")))
    return d


# ----------------------------------------------------------------------------- CLI
def _plot(
    curve: Curve, path: Path, x: str, ys: list[str], logx=False, logy=False, xlabel="", ylabel=""
):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for y in ys:
        style = "o" if y in ("delay_s",) else "-"
        ax.plot(curve.columns[x], curve.columns[y], style, label=y, ms=4)
    ax.set_xscale("log" if logx else "linear")
    ax.set_yscale("log" if logy else "linear")
    ax.set_xlabel(xlabel or x)
    ax.set_ylabel(ylabel)
    ax.set_title(curve.title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run_all(
    device_path: Path = DEFAULT_DEVICE, out_dir: Path = OUT_DIR, run: RunConditions = DEFAULT_RUN
) -> list[Path]:
    """Run every flow on a device file and publish the CSV/PNG set into ``out_dir``;
    returns the files published.

    The files are written into a staging folder beside ``out_dir`` and moved in together
    once every flow has finished: an interrupted, failed or timed-out run publishes
    nothing and leaves the previous set as it was.
    """
    p = load_device(device_path).params
    with staging_folder(out_dir) as stage:
        names: list[str] = []

        def save(curve, stem, *plot_args, **plot_kw):
            curve.to_csv(stage / f"{stem}.csv")
            _plot(curve, stage / f"{stem}.png", *plot_args, **plot_kw)
            names.extend([f"{stem}.csv", f"{stem}.png"])

        loop = rv_loop(p, run=run)
        save(loop, "rv_loop", "v_V", ["r_ohm"], xlabel="V(p,n) [V]", ylabel="R [ohm]")
        save(
            thermal_step(p, run=run),
            "thermal_step",
            "time_s",
            ["rise_K", "analytic_K"],
            xlabel="t [s]",
            ylabel="temperature rise [K]",
        )
        save(
            switching_delay(p, run=run),
            "switching_delay",
            "i_over_ic0",
            ["delay_s", "law_s", "neel_brown_s", "sun_s"],
            logy=True,
            xlabel="I / Ic0",
            ylabel="switching delay [s]",
        )
        hm = heat_memory_default(p, run=run)
        save(
            hm.curve,
            "heat_memory",
            "gap_s",
            ["delay_s", "cold_delay_s"],
            xlabel="time since heating pulse [s]",
            ylabel="probe switching delay [s]",
        )
        written = commit_staged(stage, out_dir, names)
    if np.isfinite(hm.tau_fit_s):
        print(f"heat memory: fitted decay {hm.tau_fit_s:.3g} s, rth*cth = {hm.tau_th_s:.3g} s")
    else:
        print(
            "heat memory: no decay to fit (fewer than two gaps where the preheated probe is "
            f"faster; advantages {np.round(hm.curve.columns['advantage'], 4).tolist()}), "
            f"rth*cth = {hm.tau_th_s:.3g} s"
        )
    return written


def heat_memory_default(p: MtjParams, run: RunConditions = DEFAULT_RUN) -> HeatMemoryResult:
    """The heat-memory flow: 30 K of preheating, then a precessional probe at 2 Ic0.

    The probe switches within a few thermal time constants, so the residual heat it finds
    shortens its delay measurably; 30 K keeps that effect close to linear in the heat.
    """
    tau = p.tau_th_s
    heat_current = np.sqrt(30.0 / (p.rth * p.rp))
    return heat_memory(p, heat_current, 5 * tau, 2.0 * p.ic0, np.linspace(0.5, 4, 8) * tau, run=run)


def main(argv: list[str] | None = None) -> int:
    parser = command_parser("characterize", description="MTJ characterization flows (PNG + CSV)")
    add_device_argument(parser, "of the junction")
    add_out_argument(parser, OUT_DIR)
    add_temperature_argument(parser)
    parser.add_argument(
        "--timeout",
        type=positive_float("--timeout"),
        default=SIMULATION_TIME_LIMIT_S,
        metavar="S",
        help=f"time limit of each simulation [s] (default {SIMULATION_TIME_LIMIT_S:g})",
    )
    add_debug_flag(parser)
    args = parser.parse_args(argv)

    def body() -> int:
        device = checked_device_file(args.device) or DEFAULT_DEVICE  # before any work
        out = checked_out_dir(args.out)
        ngspice_threads()  # a bad $IPNET_NGSPICE_THREADS fails now
        run = RunConditions(temp_k=args.temp, time_limit_s=args.timeout)
        for path in run_all(device, out, run):
            print(f"characterize: wrote {path}")
        return 0

    return run_main(parser.prog, body, args.debug)


if __name__ == "__main__":
    sys.exit(main())
