"""SPICE characterization targets of the behavioural neuron, measured on the circuit's waveforms.

The current and thermal terms of :class:`~behavioural.params.NeuronParams` are derived from
these targets in closed form, not fitted to spike times (``python -m behavioural.calibrate``
fits only the delays to those):

- **drive per input pulse** (:func:`charge_targets`): isolated 1 ns pulses (8 ns apart,
  the junction cold and in P) at :data:`CHARGE_WEIGHTS`; the junction current
  i(t) = (V(x1.a) - V(x1.j)) / R_P, its plateau, its charge, and its thermal hazard
  H = integral of the law's rate r(i(t), T(t)) over the pulse and its settling tail.  The
  model drives a rectangle at the plateau current: ``input_current_factor`` and
  ``input_current_offset`` = the linear least squares of plateau / unit current on the
  weight; ``input_width_offset_s`` and ``input_width_slope_s`` = the linear least squares of
  H / r(plateau, T) - (width + edge) on weight - 1, the rectangle's duration that gives
  the same switching progress (shorter for weaker synapses).  An equal-charge rectangle
  overstates the progress by ~4 % (the rate is not linear in the current: the rising and
  falling edges, below the plateau, count for less), which made the model switch ~0.7 ns
  (a third of a pulse in 11) before the circuit;
- **reset current** (:func:`reset_target`): the reset mirror's drain current
  ``@m.x1.mpr[id]`` while it drives the AP junction back to P (median over each reset's
  AP phase) / the bias's reset current = ``reset_current_factor``;
- **thermal network** (:func:`thermal_target`): a long weak pulse (no switching): the
  steady rise / the Joule power (V(a) - V(j))^2 / R_P = rth (``rth_factor`` = / the
  device's rth); the log-linear decay of node ``th`` after it = tau, so cth = tau / rth.

Each function returns a plain dict (the measured values, the stimulus and the rule), which
:mod:`behavioural.calibrate` stores in ``calibration.json`` under ``targets``.
"""

from __future__ import annotations

import numpy as np

from circuits.ipnet_neuron import IpnetParams
from circuits.mtj_law_v2 import thermal_hazard_rate
from circuits.scenarios import IPNET_SPIKE_WIDTH_S
from pyspice_flows import measure

from .model import INPUT_EDGE_S
from .params import NeuronParams
from .spice import ProbeRun, run_probe
from .stimuli import SPIKE_START_S, Stimulus, regular_stimulus

CHARGE_WEIGHTS = (0.7, 0.8, 0.9, 1.0)
"""Weights of the charge-per-pulse runs (the characterization trains span 0.8-1)."""
CHARGE_PERIOD_S = 8e-9
"""Spacing of the isolated pulses (8 tau_th: each starts from a cold junction)."""
CHARGE_PULSES = 3
CHARGE_TAIL_S = 2e-9
"""The charge of a pulse is integrated from its start to this long after its end (node j's
settling tail)."""
THERMAL_WEIGHT = 0.5
THERMAL_WIDTH_S = 10e-9
"""The thermal run: one pulse of this weight and width (10 tau_th: steady), no switching."""
THERMAL_DECAY_S = (0.3e-9, 3e-9)
"""Window of the decay fit after the thermal pulse's end [s]."""
RESET_RATE_HZ = 0.5e9
RESET_STOP_S = 100e-9


def charge_stimuli() -> list[Stimulus]:
    """Isolated 1 ns pulses, one run per weight of :data:`CHARGE_WEIGHTS`."""
    times = tuple(SPIKE_START_S + k * CHARGE_PERIOD_S for k in range(CHARGE_PULSES))
    return [
        Stimulus(
            f"charge_w{w:g}",
            times,
            (w,) * len(times),
            (IPNET_SPIKE_WIDTH_S,) * len(times),
            times[-1] + CHARGE_PERIOD_S,
        )
        for w in CHARGE_WEIGHTS
    ]


def thermal_stimulus() -> Stimulus:
    stop = SPIKE_START_S + THERMAL_WIDTH_S + 8e-9
    return Stimulus("thermal_step", (SPIKE_START_S,), (THERMAL_WEIGHT,), (THERMAL_WIDTH_S,), stop)


def reset_stimulus() -> Stimulus:
    return regular_stimulus(RESET_RATE_HZ, 1.0, RESET_STOP_S)


def junction_current_a(run: ProbeRun, rp_ohm: float) -> np.ndarray:
    """The junction current p -> n (toward AP) in the parallel state [A]."""
    return (run.a_v - run.j_v) / rp_ohm


def _integrate(t, y, t0, t1) -> float:
    k = (t >= t0) & (t <= t1)
    return float(np.trapezoid(y[k], t[k]))


def pulse_charges(run: ProbeRun, stim: Stimulus, rp_ohm: float, mtj=None) -> list[dict]:
    """Per pulse of ``stim`` (with the junction in P throughout): the junction charge
    [C], the plateau current [A] (median over the flat top's second half) and, given the
    junction's parameters ``mtj``, its thermal hazard (the law's rate integrated over the
    pulse, at the junction's own temperature) and the plateau's rate [1/s]."""
    i = junction_current_a(run, rp_ohm)
    temp_k = run.temperature_k + run.rise_k
    out = []
    for t0, width in zip(stim.times_s, stim.widths_s):
        t1 = t0 + width + 2 * INPUT_EDGE_S + CHARGE_TAIL_S
        win = (run.t_s >= t0) & (run.t_s <= t1)
        if np.min(run.m[win]) < 0.9:
            continue  # switched (or left P): not a charge in P
        flat = (run.t_s >= t0 + INPUT_EDGE_S + width / 2) & (run.t_s <= t0 + INPUT_EDGE_S + width)
        row = {
            "start_s": t0,
            "charge_c": _integrate(run.t_s, i, t0, t1),
            "plateau_current_a": float(np.median(i[flat])),
        }
        if mtj is not None:
            rate = thermal_hazard_rate(mtj, np.clip(i, 0.0, None), temp_k)
            row["hazard"] = _integrate(run.t_s, rate, t0, t1)
            row["plateau_rate_per_s"] = float(
                thermal_hazard_rate(mtj, row["plateau_current_a"], float(np.median(temp_k[flat])))
            )
        out.append(row)
    return out


def charge_targets(base: NeuronParams, circuit: IpnetParams, temperature_k: float) -> dict:
    """The charge per pulse vs weight and the current law derived from it (see the module)."""
    rp = base.mtj.rp
    unit = base.unit_current_a
    rows = []
    for stim in charge_stimuli():
        pulses = pulse_charges(run_probe(stim, circuit, temperature_k), stim, rp, base.mtj)
        if not pulses:
            raise ValueError(f"characterization {stim.name}: every pulse switched the junction")
        rows.append(
            {
                "stimulus": stim.name,
                "weight": stim.weights[0],
                "width_s": stim.widths_s[0],
                "pulses": len(pulses),
                "charge_c": float(np.mean([p["charge_c"] for p in pulses])),
                "plateau_current_a": float(np.mean([p["plateau_current_a"] for p in pulses])),
                "hazard": float(np.mean([p["hazard"] for p in pulses])),
                "plateau_rate_per_s": float(np.mean([p["plateau_rate_per_s"] for p in pulses])),
            }
        )
    width = rows[0]["width_s"]
    nominal_s = width + INPUT_EDGE_S
    durations = np.array([r["hazard"] / r["plateau_rate_per_s"] for r in rows])
    w = np.array([r["weight"] for r in rows])
    # the progress-equivalent duration, linear in the weight: d = nominal + offset + slope (w - 1)
    (slope_s, at_one_s), *_ = np.linalg.lstsq(
        np.column_stack([w - 1.0, np.ones_like(w)]), durations, rcond=None
    )
    offset_s = float(at_one_s) - nominal_s
    q = np.array([r["charge_c"] for r in rows])
    y = np.array([r["plateau_current_a"] for r in rows]) / unit  # plateau in unit currents
    a = np.column_stack([w, np.ones_like(w)])
    (factor, offset), *_ = np.linalg.lstsq(a, y, rcond=None)
    model_d = nominal_s + offset_s + slope_s * (w - 1.0)
    model_q = unit * (factor * w + offset) * model_d
    for r, d, mq in zip(rows, durations, model_q):
        r["effective_duration_s"] = d
        r["model_charge_c"] = float(mq)
    return {
        "rows": rows,
        "unit_current_a": unit,
        "nominal_duration_s": nominal_s,
        "input_width_offset_s": offset_s,
        "input_width_slope_s": float(slope_s),
        "input_current_factor": float(factor),
        "input_current_offset": float(offset),
        "charge_rms_rel_error": float(np.sqrt(np.mean((model_q / q - 1) ** 2))),
        "rule": "junction current i = (V(x1.a)-V(x1.j))/R_P of isolated pulses (junction in P), "
        f"from each pulse's start to {CHARGE_TAIL_S * 1e9:g} ns after its end; factor, offset = "
        "linear least squares of plateau current / unit current on the weight; width offset "
        "and slope = linear least squares of hazard / rate(plateau) - (width + edge) on the "
        "weight - 1, hazard = the law's thermal rate "
        "r(i(t), T(t)) integrated over the pulse: the rectangle gives the pulse's switching "
        "progress (an equal-charge one overstated it by ~4 %)",
    }


def reset_target(base: NeuronParams, circuit: IpnetParams, temperature_k: float) -> dict:
    """The reset mirror's current during resets (AP phase) / the bias's reset current."""
    stim = reset_stimulus()
    run = run_probe(stim, circuit, temperature_k)
    t, m = run.t_s, run.m
    i = np.abs(run.mpr_a)
    k_ap = np.flatnonzero((m[:-1] >= 0) & (m[1:] < 0)) + 1
    k_p = np.flatnonzero((m[:-1] < 0) & (m[1:] >= 0)) + 1
    vdd = circuit.vdd_v
    k_on = np.flatnonzero((run.rsy_v[:-1] < vdd / 2) & (run.rsy_v[1:] >= vdd / 2)) + 1
    medians, durations, reconnect = [], [], []
    for ka in k_ap:
        later = k_p[k_p > ka]
        if not later.size:
            continue
        ta, tp = t[ka], t[later[0]]
        # the reset source is on from the spike (~0.2 ns after the switch); skip its turn-on
        win = (t > ta + 1.0e-9) & (t < tp - 0.2e-9)
        if np.count_nonzero(win) < 10:
            continue
        medians.append(float(np.median(i[win])))
        durations.append(float(tp - ta))
        on = k_on[k_on > later[0]]
        if on.size:
            reconnect.append(float(t[on[0]] - tp))
    if not medians:
        raise ValueError(f"characterization {stim.name}: no complete reset (AP -> P) seen")
    current = float(np.mean(medians))
    return {
        "stimulus": stim.name,
        "resets": len(medians),
        "reset_current_a": current,
        "bias_reset_current_a": base.reset_current_a,
        "reset_current_factor": current / base.reset_current_a,
        "switch_ap_to_p_s": durations,
        "return_to_reconnect_s": reconnect,
        "reset_end_delay_s": float(np.mean(reconnect)) if reconnect else float("nan"),
        "rule": "median |@m.x1.mpr[id]| from 1 ns after each switch to AP to 0.2 ns before the "
        "return to P, mean over the resets, / the bias's reset current; reset_end_delay_s (the "
        "delay fit's start) = the return to P (#m) to the input footer's gate x1.rsy rising "
        "through VDD/2",
    }


def thermal_target(base: NeuronParams, circuit: IpnetParams, temperature_k: float) -> dict:
    """rth from the steady rise under a long weak pulse, tau from the decay after it."""
    stim = thermal_stimulus()
    run = run_probe(stim, circuit, temperature_k)
    if np.min(run.m) < 0.9:
        raise ValueError(f"characterization {stim.name}: the junction switched")
    t = run.t_s
    t_end = stim.times_s[0] + stim.widths_s[0] + INPUT_EDGE_S
    steady = (t >= t_end - 3e-9) & (t <= t_end - 0.1e-9)
    power = (run.a_v - run.j_v) ** 2 / base.mtj.rp
    rise_ss = float(np.mean(run.rise_k[steady]))
    power_ss = float(np.mean(power[steady]))
    rth = rise_ss / power_ss
    d0, d1 = THERMAL_DECAY_S
    dec = (t >= t_end + d0) & (t <= t_end + d1)
    tau = measure.fit_exponential(t[dec], run.rise_k[dec]).tau
    cth = tau / rth
    return {
        "stimulus": stim.name,
        "weight": THERMAL_WEIGHT,
        "width_s": THERMAL_WIDTH_S,
        "steady_rise_k": rise_ss,
        "steady_power_w": power_ss,
        "rth_k_per_w": rth,
        "tau_s": tau,
        "cth_j_per_k": cth,
        "rth_factor": rth / base.mtj.rth,
        "cth_factor": float(cth / base.mtj.cth),
        "rule": "rth = mean rise of node th / mean Joule power (V(a)-V(j))^2/R_P over the last "
        f"3 ns of a {THERMAL_WIDTH_S * 1e9:g} ns pulse at weight {THERMAL_WEIGHT:g}; tau = "
        f"-1 / slope of ln(th) from {d0 * 1e9:g} to {d1 * 1e9:g} ns after its end; cth = tau / rth",
    }


def measure_targets(base: NeuronParams, circuit: IpnetParams, temperature_k: float) -> dict:
    """All three characterization targets (SPICE runs cached)."""
    return {
        "charge_per_pulse": charge_targets(base, circuit, temperature_k),
        "reset_current": reset_target(base, circuit, temperature_k),
        "thermal": thermal_target(base, circuit, temperature_k),
    }


def derived_params(targets: dict) -> dict[str, float]:
    """The current and thermal terms the targets give (closed form)."""
    c, r, th = targets["charge_per_pulse"], targets["reset_current"], targets["thermal"]
    return {
        "input_current_factor": c["input_current_factor"],
        "input_current_offset": c["input_current_offset"],
        "input_width_offset_s": c["input_width_offset_s"],
        "input_width_slope_s": c["input_width_slope_s"],
        "reset_current_factor": r["reset_current_factor"],
        "rth_factor": th["rth_factor"],
        "cth_factor": th["cth_factor"],
    }
