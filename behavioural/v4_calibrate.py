"""Calibrate behavioural neuron v2 (:mod:`behavioural.v4_model`) on SPICE runs of IPNet
neuron v4, per design, device and ambient temperature, and validate it on held-out stimuli.

``ipnet behavioural [--design FILE] [--device FILE] [--temp K] [--out DIR] [--quick]``
(``make behavioural``, ``python -m behavioural.v4_calibrate``; ``ipnet behavioural-v4`` is an
alias) writes ``DIR/summary.json`` (its ``validation``: the worst ``memory_curve_error`` and
``probability_error`` over the temperatures, with their limits), the same summary as
``DIR/behavioural_v4.json`` (the name :mod:`behavioural.network` and earlier users read) and
``DIR/behavioural_v4.md`` (default ``build/behavioural``) atomically.  Without ``--temp`` it
calibrates and validates at 0, 27 and 85 C.

Calibration, from deterministic SPICE runs of one input slot (cached, so reruns are cheap):

1. the junction's current and dissipated power through a slot at several weights, with the
   junction held in P (:func:`pyspice_flows.metrics.neuron_v4.drive_waveforms`, the drive
   every draw sees until it fires), and through a slot started in AP (a fired junction,
   restored by the heat phase); per sample the current is interpolated between the
   weights (a cubic spline: the law is steep in the drive, 1 % of current is ~20 % of
   P(fire)) and the power fitted as P0 + w P1 + w^2 P2 (least squares: the write phase's
   I^2 R grows with w, the heat phase does not depend on it);
2. the thermal ladder of the device (rth, cth, rth2, cth2), checked against the circuit's
   own junction temperature under that power;
3. the table of the switching law v3 (:func:`circuits.mtj_switching.switch_probability`,
   what ``mtj_stoch`` draws from) on the interpolated write current at the junction temperature
   ambient + own heating + a prior rise r, on a grid of weights x prior rises (r from 0 to
   past the steady rise of an input in every slot at the heaviest weight, all of them
   firing).
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy.interpolate import CubicSpline

from circuits import ipnet_neuron_v4 as v4
from circuits import mtj_switching as law
from circuits.compatibility_v4 import v4_design_from_options
from circuits.mtj_device import add_device_argument
from circuits.paths import BUILD_DIR, PACKAGES_ROOT
from circuits.units import ZERO_CELSIUS_K
from pyspice_flows.app import commandline, staging
from pyspice_flows.experiments.neuron_v4 import RETRY_STEP_DIVISORS
from pyspice_flows.metrics import neuron_v4 as nv4
from pyspice_flows.sim.cache import cached_run, cached_value, source_files
from pyspice_flows.sim.session import Transient, retry_finer

from .v4_model import V4Calibration, ladder_matrices, ladder_response, run, zoh_step

OUT_DIR = BUILD_DIR / "behavioural"
OUT_FILES = ("behavioural_v4.md", "summary.json", "behavioural_v4.json")
"""What the command writes: the report, the summary, and the summary again under the name
:mod:`behavioural.network` reads (``summary.json`` of the model of neuron v2, the latency neuron, is now
``summary_neuron_v2.json``, see :mod:`behavioural.calibrate`)."""
TEMPERATURES_K = (ZERO_CELSIUS_K, ZERO_CELSIUS_K + 27.0, ZERO_CELSIUS_K + 85.0)
"""0, 27 and 85 C: the acceptance's three temperatures (issue 21)."""
SAMPLE_S = 0.05e-9
"""Target step of the power samples (the slot is cut into a whole number of them)."""
SPICE_WEIGHTS = (0.6, 0.8, 1.0, 1.2, 1.4, 1.6)
"""Weights of the calibration runs: 0.42 .. 1.12 Ic0 at the design's 0.70 Ic0 write, from
P(fire | rested) ~ 1e-4 to ~1 (the transfer curve's range)."""
TABLE_WEIGHTS = tuple(round(0.6 + 0.1 * k, 2) for k in range(11))
TABLE_RISES = 10
QUICK_SPICE_WEIGHTS = (0.8, 1.0, 1.2)
QUICK_TABLE_WEIGHTS = (0.8, 1.0, 1.2)
QUICK_TABLE_RISES = 5
RISE_MARGIN = 1.15
"""The rise grid reaches this x the steadiest prior rise the model can meet."""
SENSITIVITY_WINDOWS = 6
"""The write phase is cut into this many windows to weigh the prior rise (see the model)."""
SENSITIVITY_STEP_K = 5.0
"""The temperature step of the sensitivity's finite differences [K]."""


def _transient(p: v4.IpnetV4Params, n_slots: int, max_step_s=nv4.MAX_STEP_S) -> Transient:
    """The analysis :func:`~pyspice_flows.metrics.neuron_v4.drive_waveforms` runs."""
    return Transient(step_s=0.05e-9, stop_s=n_slots * p.slot_s, max_step_s=max_step_s)


def held_drive(p: v4.IpnetV4Params, input_slots, n_slots: int, ambient_k: float):
    """:func:`~pyspice_flows.metrics.neuron_v4.drive_waveforms` for any number of inputs
    (``input_slots``: one list of slots per input of ``p``): the junction held in P."""
    held = replace(p, mtj_overrides={**p.mtj_overrides, **nv4.HELD_IN_P})
    circuit = v4.build_v4_testbench(held, [list(s) for s in input_slots], n_slots)
    return cached_run(circuit, _transient(p, n_slots), temperature_k=ambient_k)


def fired_drive(p: v4.IpnetV4Params, ambient_k: float):
    """One input slot of a junction that starts in AP (as after firing): the deterministic
    junction stays in AP through the write and the heat phase returns it to P."""
    circuit = v4.build_v4_testbench(p, [[0]], 1, state0=-1)

    def attempt(max_step: float):
        return cached_run(circuit, _transient(p, 1, max_step), temperature_k=ambient_k)

    # the reversal back to P now and then collapses the step (seen at 85 C); a finer step
    # cap gets through it
    return retry_finer(attempt, nv4.MAX_STEP_S, RETRY_STEP_DIVISORS)


def sample_grid(p: v4.IpnetV4Params) -> tuple[int, float]:
    n = max(1, round(p.slot_s / SAMPLE_S))
    return n, p.slot_s / n


def junction_samples(w, n: int, dt: float, t0: float = 0.0):
    """From SPICE waveforms ``w``: the junction current at the sample edges t0 + k dt
    (n + 1) [A], the mean dissipated power over each sample (n) [W] and the junction's
    rise at the edges (n + 1) [K]."""
    t = w.time
    current = w.x(f"v.x1.{v4.SENSE_SOURCE}#branch")
    power = current * (w.v("x1.am") - w.v("x1.j"))
    edges = t0 + np.arange(n + 1) * dt
    energy = np.concatenate(([0.0], np.cumsum(np.diff(t) * 0.5 * (power[1:] + power[:-1]))))
    e_at = np.interp(edges, t, energy)
    return np.interp(edges, t, current), np.diff(e_at) / dt, np.interp(edges, t, w.v("th1"))


def _fit(weights, rows) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Per sample least squares rows[k] = a + b weight + c weight^2 (a mirror's current is
    nearly linear in its width, the power quadratic in the current); returns a, b, c and
    the largest residual relative to the largest value."""
    w = np.asarray(weights, float)
    x = np.column_stack([np.ones(w.size), w, w * w])
    y = np.asarray(rows)
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = float(np.max(np.abs(x @ coef - y)) / max(np.max(np.abs(y)), 1e-30))
    return coef[0], coef[1], coef[2], resid


def measure_slot(p: v4.IpnetV4Params, ambient_k: float, weights) -> dict:
    """The calibration's SPICE part: current, power and the ladder check at ``weights``."""
    n, dt = sample_grid(p)
    m = p.mtj()
    ad, bd = zoh_step(*ladder_matrices(m.rth, m.cth, m.rth2, m.cth2), dt)
    currents, powers, fired, ladder_err, peak = [], [], [], [], 0.0
    for wt in weights:
        q = replace(p, input_weights=(float(wt),))
        i_s, p_s, rise = junction_samples(nv4.drive_waveforms(q, (0,), 1, ambient_k), n, dt)
        currents.append(i_s)
        powers.append(p_s)
        ladder_err.append(float(np.max(np.abs(ladder_response(ad, bd, p_s)[:, 0] - rise))))
        peak = max(peak, float(np.max(rise)))
        _, pf, _ = junction_samples(fired_drive(q, ambient_k), n, dt)
        fired.append(pf - p_s)
    _, _, _, i_res = _fit(weights, currents)
    *power, p_res = _fit(weights, powers)
    *extra, _ = _fit(weights, fired)
    return {
        "n": n,
        "dt": dt,
        "current": CubicSpline(np.asarray(weights, float), np.asarray(currents), axis=0),
        "power": power,
        "fired": extra,
        "checks": {
            "current_quadratic_residual": i_res,
            "power_fit_residual": p_res,
            "ladder_vs_spice_max_k": max(ladder_err),
            "peak_rise_k": peak,
            "slot_energy_J": [float(np.sum(ps) * dt) for ps in powers],
            "fired_extra_energy_J": [float(np.sum(f) * dt) for f in fired],
        },
    }


def law_probability(mtj, drive_a, temp_k, dt: float, t_end: float, edges) -> float:
    """The switching law v3 on sampled drive and temperature (at the edges k dt)."""
    t = np.arange(drive_a.size) * dt

    def drive(x: float) -> float:
        return float(np.interp(x, t, drive_a))

    def temp(x: float) -> float:
        return float(np.interp(x, t, temp_k))

    return float(law.switch_probability(mtj, drive, temp, t_end, breakpoints=tuple(edges)))


def rise_cap(cal: V4Calibration) -> float:
    """The steady prior rise of an input in every slot at the heaviest weight, every slot
    firing (the most heat the model can store) [K]."""
    w = float(cal.table_weights[-1])
    b0, b1, b2, f0, f1, f2 = cal.increments
    heat = b0 + f0 + w * (b1 + f1) + w * w * (b2 + f2)
    x = np.linalg.solve(np.eye(2) - cal.slot_map, heat)
    return float(cal.prior_rise_map @ x)


def _code_sources() -> list[Path]:
    here = Path(__file__)
    code = ("v4_calibrate.py", "v4_model.py")
    circuits = ("ipnet_neuron_v4.py", "ipnet_neuron.py", "mtj_switching.py", "mtj_analytic.py")
    return [
        *(here.with_name(c) for c in code),
        *(PACKAGES_ROOT / "circuits" / c for c in circuits),
        PACKAGES_ROOT / "circuits" / "mtj_model_spec.py",
        PACKAGES_ROOT / "pyspice_flows" / "metrics" / "neuron_v4.py",
        *source_files(),
    ]


def calibrate(
    p: v4.IpnetV4Params,
    ambient_k: float,
    spice_weights=SPICE_WEIGHTS,
    table_weights=TABLE_WEIGHTS,
    n_rises: int = TABLE_RISES,
) -> tuple[V4Calibration, dict]:
    """The calibration at one ambient: the model's :class:`V4Calibration` and a record of
    the checks (fit residuals, the ladder against the circuit's temperature, the wall time
    when it was computed).  Cached by the content of the design, the device file, the
    arguments and the code (a rerun reads it back)."""
    args = (ambient_k, tuple(spice_weights), tuple(table_weights), n_rises)

    def compute() -> dict:
        cal, checks = _calibrate(p, *args)
        return {"calibration": cal.to_dict(), "checks": checks}

    device_text = Path(p.device_file).read_text()
    out = cached_value(
        "behavioural_v4", compute, repr(p), device_text, *args, sources=_code_sources()
    )
    return V4Calibration.from_dict(out["calibration"]), out["checks"]


def _calibrate(p, ambient_k, spice_weights, table_weights, n_rises):
    lo, hi = min(spice_weights), max(spice_weights)
    if len(spice_weights) < 3 or not all(lo <= w <= hi for w in table_weights):
        raise ValueError(
            f"calibration: table weights {list(table_weights)} with SPICE weights "
            f"{list(spice_weights)}; allowed at least 3 SPICE weights spanning the table's"
        )
    t_start = time.perf_counter()
    meas = measure_slot(p, ambient_k, spice_weights)
    dt = meas["dt"]
    windows = v4.phase_windows(p, 0)
    m = p.mtj()
    base = V4Calibration(
        ambient_k=ambient_k,
        slot_s=p.slot_s,
        dt_s=dt,
        write_s=windows["write"],
        ladder=(m.rth, m.cth, m.rth2, m.cth2),
        power_w=np.array(meas["power"]),
        fired_w=np.array(meas["fired"]),
        table_weights=np.asarray(table_weights, float),
        table_rise_k=np.array([0.0, 1.0]),
        table_log_p=np.zeros((len(table_weights), 2)),
    )
    edges = sorted({e for ph in windows.values() for e in ph})
    t_end = windows["heat"][1]
    ad, bd = zoh_step(*ladder_matrices(*base.ladder), dt)
    current = meas["current"]

    def log_law(wt: float, temp) -> float:
        prob = law_probability(m, current(wt), temp, dt, t_end, edges)
        return float(np.log(prob)) if prob > 0 else -np.inf

    def own(wt: float) -> np.ndarray:
        return ladder_response(ad, bd, base.slot_power(wt))[:, 0]

    # the law's sensitivity to the temperature through the write, at the middle weight and
    # half the largest prior rise: the weights of r
    w_mid = float(np.median(table_weights))
    temp0 = ambient_k + own(w_mid) + base.free_response(0.5 * rise_cap(base))
    lp0 = log_law(w_mid, temp0)
    g = np.zeros(temp0.size)
    for chunk in np.array_split(base.write_samples, SENSITIVITY_WINDOWS):
        bump = np.zeros(temp0.size)
        bump[chunk] = SENSITIVITY_STEP_K
        slope = (log_law(w_mid, temp0 + bump) - lp0) / SENSITIVITY_STEP_K
        g[chunk] = max(slope, 0.0) / chunk.size
    if not np.isfinite(lp0) or g.sum() <= 0:
        raise ValueError(
            f"calibration at {ambient_k:g} K: the law gives P(fire) = {np.exp(lp0):.3g} at "
            f"weight {w_mid:g}, insensitive to temperature; allowed a design whose rested "
            "neuron fires now and then (check write_current)"
        )
    base = replace(base, write_weights=g / g.sum())
    rises = np.linspace(0.0, RISE_MARGIN * rise_cap(base), n_rises)
    table = np.empty((len(table_weights), rises.size))
    for a, wt in enumerate(table_weights):
        own_rise = own(wt)
        for b, r in enumerate(rises):
            table[a, b] = log_law(wt, ambient_k + own_rise + base.free_response(r))
    cal = replace(
        base,
        table_rise_k=rises,
        table_log_p=np.maximum(table, -1e3),
        source={
            "device": str(p.device_file),
            "spice_weights": list(spice_weights),
            "write_current_ic0": p.write_current_ic0,
            "heat_current_ic0": p.heat_current_ic0,
        },
    )
    checks = {
        **meas["checks"],
        "rise_cap_k": float(rises[-1] / RISE_MARGIN),
        "write_sensitivity_per_k": [float(g[c].sum()) for c in np.array_split(
            base.write_samples, SENSITIVITY_WINDOWS)],
    }  # fmt: skip
    checks["calibration_wall_s"] = time.perf_counter() - t_start
    return cal, checks


# ----------------------------------------------------------------------------- command
def speed(cal: V4Calibration, neurons: int = 1000, slots: int = 1000, seed: int = 1) -> dict:
    """Wall time of ``neurons`` x ``slots`` random inputs (half the slots active, weights
    over the table) with seeded draws, one process."""
    rng = np.random.default_rng(seed)
    lo, hi = float(cal.table_weights[0]), float(cal.table_weights[-1])
    w = np.where(rng.random((neurons, slots)) < 0.5, rng.uniform(lo, hi, (neurons, slots)), 0.0)
    t0 = time.perf_counter()
    out = run(cal, w, np.random.default_rng(seed + 1))
    wall = time.perf_counter() - t0
    return {
        "neurons": neurons,
        "slots": slots,
        "wall_s": wall,
        "spikes_per_slot": float(out.spikes.mean()),
    }


def parse_options(argv):
    parser = commandline.command_parser(
        "behavioural",
        description="Calibrate the behavioural neuron v2 (event-driven, numpy) on SPICE runs "
        "of IPNet neuron v4 and validate it on held-out stimuli against the switching law on "
        "the circuit's own drive.",
    )
    parser.add_argument(
        "--design", type=Path, default=None, metavar="FILE", help="v4 design file "
        f"(default circuits/designs/{v4.DEFAULT_V4_DESIGN.name}); --device replaces its device",
    )  # fmt: skip
    add_device_argument(parser, "of the v4 neuron")
    parser.add_argument(
        "--temp",
        type=commandline.temperature_k,
        default=None,
        metavar="K",
        help="ambient [K] (default: " + ", ".join(f"{t:g}" for t in TEMPERATURES_K) + ")",
    )
    commandline.add_out_argument(parser, OUT_DIR)
    parser.add_argument(
        "--quick", action="store_true", help="3 weights, a coarse table, lags 1 and 3 only"
    )
    commandline.add_debug_flag(parser)
    return parser, parser.parse_args(argv)


def design_of(design: Path | None, device: Path | None) -> v4.IpnetV4Params:
    """``--design`` then ``--device``, read and checked before any simulation (errors name
    the option, the file and what is allowed)."""
    p = v4_design_from_options(design, device)
    m = p.mtj()
    try:
        ladder_matrices(m.rth, m.cth, m.rth2, m.cth2)
    except ValueError as exc:
        raise ValueError(f"device {p.device_file}: {exc}") from exc
    return p


def main(argv: list[str] | None = None) -> int:
    from .v4_validate import report_md, validate

    parser, args = parse_options(argv)

    def body() -> int:
        p = design_of(args.design, args.device)
        out = commandline.checked_out_dir(args.out)
        temps = (args.temp,) if args.temp is not None else TEMPERATURES_K
        per_temp = []
        for temp in temps:
            if args.quick:
                cal, checks = calibrate(
                    p, temp, QUICK_SPICE_WEIGHTS, QUICK_TABLE_WEIGHTS, QUICK_TABLE_RISES
                )
            else:
                cal, checks = calibrate(p, temp)
            val = validate(p, cal, quick=args.quick)
            per_temp.append(
                {
                    "ambient_k": temp,
                    "checks": checks,
                    "validation": val,
                    "calibration": cal.to_dict(),
                }
            )
            print(
                f"behavioural v4 at {temp:.2f} K: gain error {val['memory_curve_error']:.3f}, "
                f"P error {val['probability_error']:.4f} ({'met' if val['met'] else 'NOT met'})"
            )
        summary = summarize(p, per_temp, args.quick)
        summary["design"]["file"] = str(args.design or v4.DEFAULT_V4_DESIGN)
        summary["speed"] = speed(V4Calibration.from_dict(per_temp[0]["calibration"]))
        with staging.staging_folder(out) as stage:
            (stage / "behavioural_v4.md").write_text(report_md(summary))
            text = json.dumps(summary, indent=1) + "\n"
            for name in OUT_FILES[1:]:
                (stage / name).write_text(text)
            staging.commit_staged(stage, out, list(OUT_FILES))
        print(f"behavioural v2 (neuron v4) -> {out / 'summary.json'}")
        return 0

    return commandline.run_main(parser.prog, body, args.debug)


def summarize(p: v4.IpnetV4Params, per_temp: list[dict], quick: bool) -> dict:
    from .v4_validate import GAIN_TOLERANCE, PROBABILITY_TOLERANCE

    vals = [t["validation"] for t in per_temp]
    return {
        "what": "behavioural neuron v2 (behavioural.v4_model) on IPNet neuron v4, calibrated on "
        "SPICE and validated on held-out stimuli against the switching law v3 on the "
        "circuit's own drive",
        "design": {
            "device": str(p.device_file),
            "vdd_v": p.vdd_v,
            "write_current_ic0": p.write_current_ic0,
            "heat_current_ic0": p.heat_current_ic0,
            "slot_s": p.slot_s,
        },
        "quick": quick,
        "validation": {
            "memory_curve_error": max(v["memory_curve_error"] for v in vals),
            "probability_error": max(v["probability_error"] for v in vals),
            "limits": {
                "memory_curve_error": GAIN_TOLERANCE,
                "probability_error": PROBABILITY_TOLERANCE,
            },
            "met": all(v["met"] for v in vals),
            "temperatures_k": [t["ambient_k"] for t in per_temp],
        },
        "temperatures": per_temp,
    }


if __name__ == "__main__":
    sys.exit(main())
