"""Figures of merit of one IPNet neuron, for variation sweeps (one sample = one neuron).

:func:`ipnet_sample_metrics` takes a sample ``{rp, tmr0, rth, cth, ic0, delta0, temp_k,
vdd_v, device}`` (any subset; the rest from the default device file and 300.15 K, 0.9 V;
``device`` is the MTJ parameter file the neuron is built from, relative to the repository
root or absolute, as a sweep passes its spec's ``device``) and returns:

- ``firing_threshold_v``: the smallest input-spike amplitude [V] that fires the neuron
  within a standard train (``THRESHOLD_TRAIN``), by bisection to 2 mV;
- ``energy_per_spike_j``: energy from every source per output spike [J] in the standard
  80 ns run at the standard input (``circuits.scenarios.IPNET_INPUT_AMPLITUDE_V``);
- ``heat_tau_s``: the junction's heat-memory time constant [s], fitted to its cooling
  after the last input of that run (compare ``rth*cth``).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from circuits.ipnet_neuron import IpnetParams
from circuits.scenarios import Scenario, ipnet_scenario
from circuits.technology import REPO_ROOT

from . import measure
from .session import Session, Transient

MTJ_KEYS = ("rp", "tmr0", "rth", "cth", "ic0", "delta0")
THRESHOLD_TRAIN = {"rate_hz": 1e9, "count": 30, "stop_s": 32e-9}
"""30 spikes within one clear period: the standard input needs ~23 to fire (~11 ns of drive)."""
THRESHOLD_BRACKET_V = (0.45, 0.80)
THRESHOLD_RESOLUTION_V = 2e-3


def params_for(sample: dict) -> tuple[IpnetParams, float]:
    """IpnetParams and ambient temperature [K] of a sample (unknown keys are refused)."""
    allowed = set(MTJ_KEYS) | {"temp_k", "vdd_v", "device"}
    unknown = set(sample) - allowed
    if unknown:
        raise ValueError(f"sample keys {sorted(unknown)} not allowed; allowed: {sorted(allowed)}")
    overrides = {k: float(sample[k]) for k in MTJ_KEYS if k in sample}
    vdd = float(sample.get("vdd_v", 0.9))
    kw = {}
    if sample.get("device"):
        device = Path(str(sample["device"]))
        kw["device_file"] = device if device.is_absolute() else REPO_ROOT / device
    params = IpnetParams(mtj_overrides=overrides, vdd_v=vdd, vwr_v=vdd, **kw)
    return params, float(sample.get("temp_k", 300.15))


def _run(sc: Scenario, temp_k: float):
    return Session.get().run(
        sc.circuit,
        Transient(sc.step_s, sc.stop_s, max_step_s=sc.max_step_s),
        temperature_c=temp_k - 273.15,
    )


def _output_spikes(w, sc: Scenario, vdd_v: float) -> int:
    """Output spikes of a run: rising edges of the output through half the supply."""
    return measure.count_spikes(w.time, w.v(sc.output_node), measure.logic_threshold_v(vdd_v))


def firing_threshold_v(params: IpnetParams, temp_k: float) -> float:
    """Smallest input amplitude [V] that fires the neuron within THRESHOLD_TRAIN (nan if none)."""
    lo, hi = THRESHOLD_BRACKET_V

    def fires(amp: float) -> bool:
        sc = ipnet_scenario(params, amplitude_v=amp, **THRESHOLD_TRAIN)
        return _output_spikes(_run(sc, temp_k), sc, params.vdd_v) > 0

    if fires(lo):
        return lo
    if not fires(hi):
        return float("nan")
    while hi - lo > THRESHOLD_RESOLUTION_V:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if fires(mid) else (mid, hi)
    return hi


def heat_tau_s(t: np.ndarray, rise_k: np.ndarray, t_from: float) -> float:
    """Exponential time constant [s] of the cooling after ``t_from`` (fit over 90 % -> 5 %)."""
    sel = t > t_from
    t, y = t[sel], rise_k[sel]
    if y.size < 5 or y[0] <= 0:
        return float("nan")
    keep = (y < 0.9 * y[0]) & (y > 0.05 * y[0])
    if keep.sum() < 5:
        return float("nan")
    slope = np.polyfit(t[keep], np.log(y[keep]), 1)[0]
    return -1.0 / slope if slope < 0 else float("nan")


def ipnet_sample_metrics(sample: dict) -> dict:
    """The three figures of merit of one neuron sample (see the module docstring)."""
    params, temp_k = params_for(sample)
    sc = ipnet_scenario(params)
    w = _run(sc, temp_k)
    sources = {name: (node, "0", role) for name, (node, role) in sc.sources.items()}
    total = sum(measure.energy_by_source(w, sources).values())
    spikes = _output_spikes(w, sc, params.vdd_v)
    last_input_end = (sc.input_events - 1) / 1e9 + 0.5e-9 + 0.54e-9
    return {
        "firing_threshold_v": firing_threshold_v(params, temp_k),
        "energy_per_spike_j": total / spikes if spikes else math.nan,
        "heat_tau_s": heat_tau_s(w.time, w.v("x1.tj"), last_input_end + 0.5e-9),
        "output_spikes": spikes,
    }
