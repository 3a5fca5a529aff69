"""Figures of merit of one IPNet neuron, for variation sweeps (one sample = one neuron).

:func:`ipnet_sample_metrics` takes a sample ``{rp, tmr0, rth, cth, ic0, delta0, temp_k,
vdd_v, device}`` (any subset; the rest from the default device file and 300.15 K, 0.9 V;
``device`` is the MTJ parameter file the neuron is built from, relative to the repository
root or absolute, as a sweep passes its spec's ``device``) and returns:

- ``firing_threshold_a``: the smallest synapse current [A] (the bias generator's unit
  current at tnom; it follows Ic0(T) at other temperatures) that fires the neuron within a
  standard train (``THRESHOLD_TRAIN``), by bisection of the synapse weight to 1 %;
- ``highest_silent_a``: the largest synapse current of that bisection that stayed silent
  (within 1 % of the unit current below ``firing_threshold_a``);
- ``energy_per_spike_j``: energy from the neuron's sources (supplies, write rail, inputs;
  not the shared bias generator) per output spike [J] in the standard input train (run to
  ``METRICS_STOP_S``) at the
  standard input (the unit current, ``circuits.ipnet_neuron.UNIT_CURRENT_IC0`` x Ic0);
- ``spike_width_s``: the widest output spike of that run (full width at VDD/2) [s];
- ``spikes_without_switching``: output spikes of that run beyond its P -> AP switchings (a
  reset that ended before the junction was back in P makes the next input fire at once);
- ``heat_tau_s``: the junction's heat-memory time constant [s], fitted to its cooling
  after the last input and the last reset of that run (compare ``rth*cth``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from circuits.ipnet_design import params_from_kwargs
from circuits.ipnet_neuron import IpnetParams
from circuits.mtj_device import DEFAULT_DEVICE, load_device
from circuits.paths import PACKAGES_ROOT
from circuits.scenarios import Scenario, ipnet_scenario
from circuits.units import SPICE_DEFAULT_K
from pyspice_flows import measure
from pyspice_flows.metrics.energy import energy_account, output_spikes
from pyspice_flows.sim.cache import cached_run
from pyspice_flows.sim.session import Session

MTJ_KEYS = ("rp", "tmr0", "rth", "cth", "ic0", "delta0")
METRICS_STOP_S = 100e-9
"""The standard input train (35 spikes, to 70.5 ns) then 29.5 ns without input: room for a
last reset (~11 ns) and the cooling that ``heat_tau_s`` is fitted to."""
THRESHOLD_TRAIN = {"rate_hz": 0.5e9, "count": 32, "stop_s": 64e-9}
"""32 input spikes (1 ns at 0.5 GHz): the standard input fires after ~12, weight 0.7 after ~16."""
THRESHOLD_BRACKET_WEIGHT = (0.4, 1.05)
"""Bisection range of the synapse weight (x the unit current, 1.2 Ic0).  Its top stays
below the fire comparator's trip (FIRE_TRIP_RP = 1.10 x the unit current's P-state
voltage): a stronger synapse would read the parallel state as a firing."""
THRESHOLD_RESOLUTION_WEIGHT = 0.01


def params_for(sample: dict) -> tuple[IpnetParams, float]:
    """IpnetParams and ambient temperature [K] of a sample (unknown keys are refused):
    the design ``sample["neuron"]`` (None: the built-in one) with the sample's device file,
    supply (VDD = VWR) and MTJ parameters over it."""
    allowed = set(MTJ_KEYS) | {"temp_k", "vdd_v", "device", "neuron"}
    unknown = set(sample) - allowed
    if unknown:
        raise ValueError(f"sample keys {sorted(unknown)} not allowed; allowed: {sorted(allowed)}")
    overrides = {k: float(sample[k]) for k in MTJ_KEYS if k in sample}
    kw = dict(sample.get("neuron") or {})
    if "vdd_v" in sample:
        kw["vdd_v"] = kw["vwr_v"] = float(sample["vdd_v"])
    if sample.get("device"):
        device = Path(str(sample["device"]))
        kw["device_file"] = device if device.is_absolute() else PACKAGES_ROOT / device
    params = params_from_kwargs(kw, mtj_overrides=overrides)
    return params, float(sample.get("temp_k", SPICE_DEFAULT_K))


def _run(sc: Scenario, temp_k: float):
    return cached_run(
        sc.circuit,
        sc.analysis(),
        temperature_k=temp_k,
    )


def firing_window_a(params: IpnetParams, temp_k: float) -> tuple[float, float]:
    """(highest silent, lowest firing) synapse current [A at tnom] within THRESHOLD_TRAIN,
    at most THRESHOLD_RESOLUTION_WEIGHT (x the unit current) apart; (nan, low end) if the bracket's low end already fires,
    (top, nan) if its top does not.

    The bias generator stays at its design point; the synapse's weight (its mirror ratio)
    is what the bisection varies, as on a chip whose references are fixed."""
    unit = params.bias().unit_current_a
    lo, hi = THRESHOLD_BRACKET_WEIGHT

    def fires(weight: float) -> bool:
        p = replace(params, n_inputs=1, input_weights=(weight,))
        sc = ipnet_scenario(p, **THRESHOLD_TRAIN)
        return output_spikes(_run(sc, temp_k), sc, params.vdd_v) > 0

    if fires(lo):
        return float("nan"), lo * unit
    if not fires(hi):
        return hi * unit, float("nan")
    while hi - lo > THRESHOLD_RESOLUTION_WEIGHT:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if fires(mid) else (mid, hi)
    return lo * unit, hi * unit


def firing_threshold_a(params: IpnetParams, temp_k: float) -> float:
    """Smallest synapse current [A at tnom] that fires the neuron (:func:`firing_window_a`)."""
    return firing_window_a(params, temp_k)[1]


def heat_tau_s(t: np.ndarray, rise_k: np.ndarray, t_from: float) -> float:
    """Exponential time constant [s] of the cooling after ``t_from`` (fit over 90 % -> 5 %)."""
    sel = t > t_from
    t, y = t[sel], rise_k[sel]
    if y.size < 5 or y[0] <= 0:
        return float("nan")
    keep = (y < 0.9 * y[0]) & (y > 0.05 * y[0])
    if keep.sum() < 5:
        return float("nan")
    slope = measure.fit_exponential(t[keep], y[keep]).slope
    return -1.0 / slope if slope < 0 else float("nan")


def ipnet_sample_metrics(sample: dict) -> dict:
    """The figures of merit of one neuron sample (see the module docstring)."""
    params, temp_k = params_for(sample)
    sc = ipnet_scenario(params, stop_s=METRICS_STOP_S)
    w = _run(sc, temp_k)
    account = energy_account(sc, w, params.vdd_v)
    spikes = account.spikes
    widths = measure.spike_widths_s(
        w.time, w.v(sc.output_node), measure.logic_threshold_v(params.vdd_v)
    )
    # the heat memory's decay: after the last input and after the last reset (whose
    # current heats the junction too)
    thr = measure.logic_threshold_v(params.vdd_v)
    resets_end = w.time[measure.falling_edges(w.v("x1.rst"), thr)]
    cooling_from = max([sc.markers_s["input_end"], *resets_end]) + 0.5e-9
    switchings = measure.falling_edges(w.x("n.x1.nmtj#m"), 0.0).size
    highest_silent, lowest_firing = firing_window_a(params, temp_k)
    return {
        "firing_threshold_a": lowest_firing,
        "highest_silent_a": highest_silent,
        "spikes_without_switching": max(spikes - switchings, 0),
        "energy_per_spike_j": account.per_spike_j if spikes else math.nan,
        "spike_width_s": float(widths.max()) if widths.size else math.nan,
        "heat_tau_s": heat_tau_s(w.time, w.v("th"), cooling_from),
        "output_spikes": spikes,
    }


def ipnet_probe_metrics(sample: dict) -> dict:
    """A stand-in sweep evaluation (bench (c)): one 80 ns IPNet transient with the sample's MTJ.

    Writes the sample's device file into the working directory (the sweep's per-sample
    folder), builds the standard IPNet scenario on it at ``vdd_v`` and ``temp_k``, and
    returns the output spike count and the energy drawn from VDD and VWR [J].
    """
    device = load_device(DEFAULT_DEVICE)  # read and validated once (circuits.device_schema)
    p = device.params.with_(
        **{k: sample[k] for k in ("rp", "tmr0", "rth", "cth", "ic0", "delta0") if k in sample}
    )
    lines = ['name = "sweep sample"', f'description = "{device.description}"']
    for k, v in asdict(p).items():
        lines += [
            f"[params.{k}]",
            f"value = {v!r}",
            f'source = "{DEFAULT_DEVICE.name} (sweep sample)"',
        ]
    dev = Path("device.toml").resolve()
    dev.write_text("\n".join(lines) + "\n")
    vdd = float(sample.get("vdd_v", 0.9))
    sc = ipnet_scenario(IpnetParams(device_file=dev, vdd_v=vdd, vwr_v=vdd))
    w = Session.get().run(
        sc.circuit,
        sc.analysis(),
        temperature_k=float(sample.get("temp_k", SPICE_DEFAULT_K)),
    )
    energy = sum(measure.source_energy_j(w, src, src) for src in ("vdd", "vwr"))
    spikes = measure.count_spikes(w.time, w.v(sc.output_node), measure.logic_threshold_v(vdd))
    return {"output_spikes": spikes, "energy_j": energy}
