"""Fit the behavioural neuron to SPICE runs of the circuit, and validate it on held-out stimuli.

``python -m behavioural.calibrate [--quick] [--out DIR] [--no-layer]`` (``make behavioural-v2``,
``ipnet behavioural-v2``; ``make behavioural`` is the behavioural model of neuron v4,
:mod:`behavioural.v4_calibrate`):

1. measures the characterization targets in SPICE (:mod:`behavioural.characterize`: the
   junction charge per isolated input pulse at four weights, the reset mirror's current,
   the thermal node's steady rise and decay) and derives the current and thermal terms
   from them in closed form (linear least squares, ratios, a log-linear decay fit);
2. simulates the characterization trains (:func:`behavioural.stimuli.characterization_set`:
   regular trains at several rates and weights, 27 C) and fits only the delays
   (:data:`DELAYS`) to their output spike times and switching instants, with bounded
   Nelder-Mead from the delays measured on the waveforms and from the best point of a
   small grid around them;
3. simulates the held-out stimuli (:func:`behavioural.stimuli.validation_set`: seeded
   Poisson trains at other rates and weights, a burst + probes) and compares;
4. writes ``calibration.json`` (the fitted :class:`~behavioural.params.NeuronParams`, with
   the fit's stimuli, residuals and provenance; :mod:`behavioural.layer` and benchmark (f)
   read it) and ``summary_neuron_v2.json`` (:data:`SUMMARY_NAME`)
   (``behavioural.validation.spike_count_error``, ``spike_time_rmse_s``, ``mean_isi_s``,
   per stimulus, and the pass flags against the acceptance: counts within 10 %, times
   within 20 % of the mean inter-spike interval; plus the layer recency protocol).

All at 27 C: at 85 C a weak synapse (weight <= ~0.7) can switch the junction without the
fire comparator noticing, a regime the calibration does not cover.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from circuits.ipnet_design import NeuronDesign, add_design_argument, design_from_options
from circuits.ipnet_neuron import IpnetParams
from circuits.mtj_device import add_device_argument
from circuits.paths import BUILD_DIR, shown
from circuits.units import SPICE_DEFAULT_K, ZERO_CELSIUS_K
from pyspice_flows.app.staging import write_text_atomic

from .characterize import derived_params, measure_targets
from .model import InputEvents, simulate
from .params import NeuronParams, circuit_params
from .spice import SpiceRun, run_spice
from .stimuli import Stimulus, characterization_set, validation_set

OUT_DIR = BUILD_DIR / "behavioural"
SUMMARY_NAME = "summary_neuron_v2.json"
"""The validation summary of this model of neuron v2 (``summary.json`` is the v4 model's)."""
TEMPERATURE_K = SPICE_DEFAULT_K
"""The calibration's ambient [K] (ngspice's 27 C; its files record it in Celsius)."""
SPIKE_SCALE_S = 50e-12
"""Spike-time residuals are in units of this [s]."""
COUNT_TOLERANCE = 0.10
TIME_TOLERANCE_ISI = 0.20

DELAYS = ("fire_delay_s", "detect_delay_s", "reset_end_delay_s")
"""The terms fitted to spike times; the others are derived from the characterization
targets (:mod:`behavioural.characterize`)."""
BOUNDS = {
    "fire_delay_s": (0.0, 1e-9),
    "detect_delay_s": (0.0, 2e-9),
    "reset_end_delay_s": (0.0, 2e-9),
}
DELAY_SCALE_S = 0.1e-9
"""The delay fit works in units of this [s] (the Nelder-Mead simplex's first step)."""
GRID_FACTORS = (0.5, 1.0, 1.5)
"""The robustness grid: every combination of these x the measured delays; Nelder-Mead
starts from the measured delays and from the grid's best point, the lower cost wins."""


def measured_delays(
    runs: list[SpiceRun], stims: list[Stimulus], reset_end_s: float
) -> dict[str, float]:
    """The delays measured on the SPICE waveforms (the delay fit's start): the switch to AP
    to the spike during a pulse (median); the start of the later pulse to the spike for a
    switch detected on a later pulse (median; twice the first if none); ``reset_end_s``
    (the return to P to the footer's reconnection, from the reset run)."""
    during, later = [], []
    for r, st in zip(runs, stims):
        starts = np.asarray(st.times_s)
        for s in r.spike_times_s:
            before = r.switch_ap_s[r.switch_ap_s <= s]
            if not before.size:
                continue
            d = s - before[-1]
            if d < 0.3e-9:
                during.append(d)
            else:
                on = starts[starts <= s]
                if on.size:
                    later.append(s - on[-1])
    fire = float(np.median(during)) if during else 0.17e-9
    return {
        "fire_delay_s": fire,
        "detect_delay_s": float(np.median(later)) if later else 2 * fire,
        "reset_end_delay_s": float(reset_end_s),
    }


def spike_residuals(model_s: np.ndarray, spice_s: np.ndarray, stop_s: float, slots: int):
    """Paired spike-time differences (by order) [s]; an unpaired spike counts as if its
    partner came 5 ns after the stimulus ends; padded with zeros to ``slots``."""
    out = np.zeros(slots)
    n = max(model_s.size, spice_s.size)
    late = stop_s + 5e-9
    for k in range(min(n, slots)):
        a = model_s[k] if k < model_s.size else late
        b = spice_s[k] if k < spice_s.size else late
        out[k] = a - b
    return out


@dataclass(frozen=True)
class Fit:
    params: NeuronParams
    start: dict[str, float]
    cost: float
    nfev: int
    spike_rmse_s: float
    trace_rmse_k: float
    wall_s: float
    search: dict


def _layer(stims: list[Stimulus]) -> InputEvents:
    return InputEvents.stack([s.events() for s in stims])


def compare(p: NeuronParams, stims: list[Stimulus], runs: list[SpiceRun]) -> dict:
    """The model on ``stims`` against the SPICE ``runs``: per stimulus counts, paired spike
    errors, and the aggregate figures of the acceptance."""
    res = simulate(p, _layer(stims), max(s.stop_s for s in stims), record=True)
    rows = []
    errs, n_spice, n_diff, isis = [], 0, 0, []
    for k, (s, r) in enumerate(zip(stims, runs)):
        m = res.spike_times_s[k]
        m = m[m < s.stop_s]
        ref = r.spike_times_s
        pair = min(m.size, ref.size)
        e = m[:pair] - ref[:pair]
        errs.append(e)
        n_spice += ref.size
        n_diff += abs(m.size - ref.size)
        isis.append(np.diff(ref))
        trace = res.rise_trace(k, r.trace_t_s)
        rows.append(
            {
                "stimulus": s.name,
                "spice_spikes_s": ref.tolist(),
                "model_spikes_s": m.tolist(),
                "spike_count_spice": int(ref.size),
                "spike_count_model": int(m.size),
                "spike_time_rmse_s": float(np.sqrt(np.mean(e**2))) if pair else float("nan"),
                "spike_time_max_abs_error_s": float(np.max(np.abs(e))) if pair else float("nan"),
                "rise_rmse_k": float(np.sqrt(np.mean((trace - r.trace_rise_k) ** 2))),
                "rise_max_spice_k": float(np.max(r.trace_rise_k)),
            }
        )
    e = np.concatenate(errs) if errs else np.empty(0)
    isi = np.concatenate(isis) if isis else np.empty(0)
    mean_isi = float(np.mean(isi)) if isi.size else float("nan")
    rmse = float(np.sqrt(np.mean(e**2))) if e.size else float("nan")
    count_err = n_diff / n_spice if n_spice else float("nan")
    return {
        "spike_count_error": count_err,
        "spike_count_error_definition": "sum over stimuli of |n_model - n_spice| / sum of n_spice",
        "spike_time_rmse_s": rmse,
        "mean_isi_s": mean_isi,
        "spike_time_rmse_over_isi": rmse / mean_isi if np.isfinite(mean_isi) else float("nan"),
        "spike_count_ok": bool(count_err <= COUNT_TOLERANCE),
        "spike_time_ok": bool(rmse <= TIME_TOLERANCE_ISI * mean_isi),
        "tolerances": {
            "spike_count_error_max": COUNT_TOLERANCE,
            "spike_time_rmse_max_over_isi": TIME_TOLERANCE_ISI,
        },
        "spikes_spice": int(n_spice),
        "stimuli": rows,
    }


def fit(
    stims: list[Stimulus],
    runs: list[SpiceRun],
    base: NeuronParams,
    reset_end_s: float,
    max_nfev: int = 300,
) -> Fit:
    """Fit :data:`DELAYS` to the SPICE spike times and switching instants, the other terms
    held at ``base`` (the characterization's values): Nelder-Mead (bounded) from the
    measured delays and from the best point of the :data:`GRID_FACTORS` grid around them."""
    t0 = time.perf_counter()
    start = measured_delays(runs, stims, reset_end_s)
    names = list(DELAYS)
    lo = np.array([BOUNDS[n][0] for n in names]) / DELAY_SCALE_S
    hi = np.array([BOUNDS[n][1] for n in names]) / DELAY_SCALE_S
    x_start = np.clip(np.array([start[n] for n in names]) / DELAY_SCALE_S, lo, hi)
    layer = _layer(stims)
    stop = max(s.stop_s for s in stims)
    slots = [r.spike_times_s.size + 2 for r in runs]
    evaluations = 0

    def params_of(x) -> NeuronParams:
        return base.with_(**{n: float(v * DELAY_SCALE_S) for n, v in zip(names, x)})

    def cost(x) -> float:
        nonlocal evaluations
        evaluations += 1
        res = simulate(params_of(np.clip(x, lo, hi)), layer, stop)
        parts = []
        for k, (s, r) in enumerate(zip(stims, runs)):
            m = res.spike_times_s[k]
            m = m[m < s.stop_s]
            parts.append(spike_residuals(m, r.spike_times_s, s.stop_s, slots[k]))
            # the junction's own switching instants (node #m) follow the inputs' reconnection
            for mod, ref in (
                (res.switch_ap_s[k], r.switch_ap_s),
                (res.switch_p_s[k], r.switch_p_s),
            ):
                mod = mod[mod < s.stop_s]
                parts.append(spike_residuals(mod, ref, s.stop_s, ref.size + 2))
        return float(np.sum((np.concatenate(parts) / SPIKE_SCALE_S) ** 2))

    grid = [x_start * np.array(f) for f in itertools.product(GRID_FACTORS, repeat=len(names))]
    grid_costs = [cost(np.clip(g, lo, hi)) for g in grid]
    best_grid = np.clip(grid[int(np.argmin(grid_costs))], lo, hi)
    options = {"maxfev": max_nfev, "xatol": 1e-3, "fatol": 1e-6}
    sols = []
    for x0 in (x_start, best_grid):
        simplex = np.array([x0] + [x0 + np.eye(len(names))[i] for i in range(len(names))])
        sols.append(
            minimize(
                cost,
                x0,
                method="Nelder-Mead",
                bounds=list(zip(lo, hi)),
                options={**options, "initial_simplex": np.clip(simplex, lo, hi)},
            )
        )
    sol = min(sols, key=lambda r: r.fun)
    p = params_of(np.clip(sol.x, lo, hi))
    cmp = compare(p, stims, runs)
    trace = np.sqrt(np.mean([row["rise_rmse_k"] ** 2 for row in cmp["stimuli"]]))
    search = {
        "grid_factors": list(GRID_FACTORS),
        "grid_best_cost": float(min(grid_costs)),
        "grid_best_s": {n: float(v * DELAY_SCALE_S) for n, v in zip(names, best_grid)},
        "from_measured": {
            "cost": float(sols[0].fun),
            "delays_s": {n: float(v * DELAY_SCALE_S) for n, v in zip(names, sols[0].x)},
        },
        "from_grid_best": {
            "cost": float(sols[1].fun),
            "delays_s": {n: float(v * DELAY_SCALE_S) for n, v in zip(names, sols[1].x)},
        },
    }
    return Fit(
        p,
        start,
        float(sol.fun),
        evaluations,
        cmp["spike_time_rmse_s"],
        float(trace),
        time.perf_counter() - t0,
        search,
    )


def _write_json(path: Path, data: dict) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, default=float) + "\n")


def calibrate(
    out_dir: Path = OUT_DIR,
    quick: bool = False,
    layer: bool = True,
    say=print,
    design: NeuronDesign | None = None,
) -> dict:
    """The whole flow; returns the summary (also written to ``out_dir``).  ``design``: the
    circuit's design (None: the built-in one, IpnetParams() defaults)."""
    circuit = design.params() if design is not None else IpnetParams()
    base = circuit_params(circuit, TEMPERATURE_K)
    char = characterization_set(quick)
    held = validation_set(quick)
    t0 = time.perf_counter()
    say(f"calibrate: {len(char)} characterization + {len(held)} held-out SPICE runs at 27 C")
    targets = measure_targets(base, circuit, TEMPERATURE_K)
    derived = derived_params(targets)
    say(
        "calibrate: characterization targets give "
        + ", ".join(f"{k}={v:.4g}" for k, v in derived.items())
    )
    char_runs = [run_spice(s, circuit, TEMPERATURE_K) for s in char]
    held_runs = [run_spice(s, circuit, TEMPERATURE_K) for s in held]
    spice_s = time.perf_counter() - t0
    result = fit(
        char,
        char_runs,
        base.with_(**derived),
        targets["reset_current"]["reset_end_delay_s"],
        max_nfev=40 if quick else 300,
    )
    p = result.params
    say(
        f"calibrate: fitted in {result.wall_s:.1f} s ({result.nfev} evaluations): "
        + ", ".join(f"{k}={v:.4g}" for k, v in p.fitted().items())
    )
    fit_cmp = compare(p, char, char_runs)
    val = compare(p, held, held_runs)
    calibration = {
        "params": p.to_dict(),
        "fitted": p.fitted(),
        "start": {**derived, **result.start},
        "bounds": BOUNDS,
        "targets": {
            **targets,
            "sources": {
                **{k: "characterization: charge_per_pulse" for k in derived if "input" in k},
                "reset_current_factor": "characterization: reset_current",
                "rth_factor": "characterization: thermal (steady rise / power)",
                "cth_factor": "characterization: thermal (decay tau / rth)",
                **{
                    k: "delay fit to spike times (start: measured on the waveforms)" for k in DELAYS
                },
            },
        },
        "fit": {
            "method": "scipy.optimize.minimize (Nelder-Mead, bounded) of the delays only, from "
            "the measured delays and from the best of a grid around them",
            "fitted": list(DELAYS),
            "cost": result.cost,
            "evaluations": result.nfev,
            "search": result.search,
            "spike_time_rmse_s": result.spike_rmse_s,
            "rise_rmse_k": result.trace_rmse_k,
            "spike_scale_s": SPIKE_SCALE_S,
        },
        "provenance": {
            "device_file": shown(circuit.device_file),
            "temperature_c": TEMPERATURE_K - ZERO_CELSIUS_K,
            "circuit": "circuits.ipnet_neuron.build_ipnet_testbench, "
            + ("IpnetParams() defaults" if design is None else f"design {shown(design.path)}"),
            "characterization": [s.to_dict() for s in char],
            "quick": quick,
            "command": "python -m behavioural.calibrate" + (" --quick" if quick else ""),
            "note": "27 C only: at 85 C a weak synapse (weight <= ~0.7) may switch the junction "
            "without the fire comparator detecting it",
        },
    }
    _write_json(out_dir / "calibration.json", calibration)
    summary = {
        "behavioural": {
            "validation": {**val, "held_out": [s.to_dict() for s in held]},
            "fit": {
                k: fit_cmp[k] for k in ("spike_count_error", "spike_time_rmse_s", "mean_isi_s")
            },
            "fitted": p.fitted(),
            "temperature_c": TEMPERATURE_K - ZERO_CELSIUS_K,
            "spice_wall_s": spice_s,
            "fit_wall_s": result.wall_s,
            "quick": quick,
        }
    }
    if layer:
        from .layer import recency_summary

        summary["behavioural"]["layer"] = recency_summary(p)
    _write_json(out_dir / SUMMARY_NAME, summary)
    say(
        f"calibrate: held-out spike count error {val['spike_count_error']:.3g} "
        f"({'ok' if val['spike_count_ok'] else 'FAIL'} <= {COUNT_TOLERANCE:g}), "
        f"spike time rmse {val['spike_time_rmse_s']:.3g} s = "
        f"{val['spike_time_rmse_over_isi']:.3g} x mean ISI {val['mean_isi_s']:.3g} s "
        f"({'ok' if val['spike_time_ok'] else 'FAIL'} <= {TIME_TOLERANCE_ISI:g})"
    )
    say(f"calibrate: wrote {out_dir / 'calibration.json'} and {out_dir / SUMMARY_NAME}")
    return summary


def main(argv: list[str] | None = None) -> int:
    from pyspice_flows.app.commandline import (
        add_debug_flag,
        add_out_argument,
        checked_out_dir,
        command_parser,
        run_main,
    )

    parser = command_parser(
        "behavioural-v2",
        description="Fit the behavioural IPNet neuron to SPICE characterization runs (27 C), "
        "validate it on held-out stimuli; writes calibration.json and summary_neuron_v2.json.",
    )
    add_out_argument(parser, OUT_DIR)
    parser.add_argument(
        "--quick", action="store_true", help="two short characterization and held-out stimuli"
    )
    parser.add_argument("--no-layer", action="store_true", help="skip the layer recency protocol")
    add_design_argument(parser)
    add_device_argument(parser)
    add_debug_flag(parser)
    args = parser.parse_args(argv)

    def body() -> int:
        design = None  # IpnetParams() defaults, unless a design or a device is given
        if args.design is not None or args.device is not None:
            design = design_from_options(args.design, args.device)
        args.out = checked_out_dir(args.out)  # before any work: writable, not a file
        calibrate(args.out, args.quick, not args.no_layer, design=design)
        return 0

    return run_main(parser.prog, body, args.debug)


if __name__ == "__main__":
    sys.exit(main())
