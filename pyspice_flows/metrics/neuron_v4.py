"""Figures of merit of IPNet neuron v4 (:mod:`circuits.ipnet_neuron_v4`) from the circuit's
own drive: what the switching law predicts, without trials.

A deterministic transient (model ``mtj``: the median draw, which below Ic0 does not
switch) gives the junction's current and temperature through a slot; the probability
that the slot's input fires the neuron is then the switching law of model version 3 on
that drive (exactly what ``mtj_stoch`` draws from; :mod:`pyspice_flows.experiments.
neuron_v4` checks it against seeded ensembles) or, as the judge, Brown's Fokker-Planck
macrospin (:mod:`circuits.mtj_fokker_planck`).  :func:`v4_sample_metrics` is the
evaluation function of the v4 variation sweep (``pyspice_flows/sweeps/ipnet_v4.toml``).
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np

from circuits import ipnet_neuron_v4 as v4
from circuits.mtj_device import parameter_names
from circuits.paths import PACKAGES_ROOT
from pyspice_flows.measure.fits import fit_exponential
from pyspice_flows.sim.cache import cached_run, cached_value, source_files
from pyspice_flows.sim.session import Transient

NOMINAL_K = 300.0
MAX_STEP_S = 0.5e-9
"""Solver step cap: at or below the TRRANDOM sample time (1 ns), and fine enough to
resolve a 10 ns write phase."""
STRONG_WEIGHT = 2.4
"""The strong input of the firing window (1.97 Ic0 asked; the write path delivers about 1.3 Ic0 at 0.9 V): a rested
neuron must fire on it with P >= 0.9 at every corner."""
WEAK_WEIGHT = 0.6
"""The weak input of the window (0.49 Ic0): P <= 0.1 at every corner, however warm."""


def ablated(p: v4.IpnetV4Params, how: str) -> v4.IpnetV4Params:
    """The heat-ablation controls: ``"capacity"`` (cth, cth2 / 100: the same rise, the
    memory gone within ~1 ns) or ``"rise"`` (rth, rth2 / 1000: below 0.1 K)."""
    m = p.mtj()
    if how == "capacity":
        changes = {"cth": m.cth / 100, "cth2": m.cth2 / 100}
    elif how == "rise":
        changes = {"rth": m.rth / 1000, "rth2": m.rth2 / 1000}
    else:
        raise ValueError(f"ablation {how!r}; allowed 'capacity' or 'rise'")
    return replace(p, mtj_overrides={**p.mtj_overrides, **changes})


HELD_IN_P = {"ic0": 1e-3, "delta0": 150.0}
"""Overrides that keep a junction in P through any slot (it cannot switch at these), while
its resistance and thermal network, which set its drive and temperature, stay its own."""


def drive_waveforms(p: v4.IpnetV4Params, slots, n_slots: int, ambient_k: float = NOMINAL_K):
    """The junction's drive and temperature while it waits in P: a deterministic transient
    of one neuron with an input in ``slots``, its junction held in P (:data:`HELD_IN_P`),
    so that the drive is the one every draw sees until it switches, also where the
    median draw would switch."""
    held = replace(p, mtj_overrides={**p.mtj_overrides, **HELD_IN_P})
    circuit = v4.build_v4_testbench(held, [list(slots)], n_slots)
    return cached_run(
        circuit,
        Transient(step_s=0.05e-9, stop_s=n_slots * p.slot_s, max_step_s=MAX_STEP_S),
        temperature_k=ambient_k,
    )


def predicted_fire_probability(
    p: v4.IpnetV4Params, w, slot: int, ambient_k: float = NOMINAL_K, exact: bool = False
) -> float:
    """P(fire in ``slot``) from the junction's own current and temperature in the circuit
    (``w``: :func:`drive_waveforms`), started rested at the slot's beginning: the switching
    law of model version 3 (what ``mtj_stoch`` draws from) or, with ``exact``, Brown's
    Fokker-Planck macrospin (:mod:`circuits.mtj_fokker_planck`)."""
    from circuits import mtj_fokker_planck as fp
    from circuits import mtj_switching as law

    t = w.time
    t0 = slot * p.slot_s
    t_end = v4.phase_windows(p, slot)["heat"][1] - t0
    # the slot's own time x: np.interp(x + t0, ...) of the waveforms, bit for bit
    drive = law.Tabulated(t, w.x(f"v.x1.{v4.SENSE_SOURCE}#branch"), offset=t0)
    temp = law.Tabulated(t, w.v("th1"), offset=t0, base=ambient_k)
    m = p.mtj()
    if exact:
        return float(fp.switched_probability(m, [t_end], drive, temp)[-1])
    edges = sorted({e - t0 for ph in v4.phase_windows(p, slot).values() for e in ph})
    return float(law.switch_probability(m, drive, temp, t_end, breakpoints=tuple(edges)))


def predicted_memory(
    p: v4.IpnetV4Params,
    lags_slots=(1, 2, 3, 5),
    ambient_k: float = NOMINAL_K,
    exact: bool = False,
    ablation: bool = True,
) -> dict:
    """The memory the switching law (or the exact macrospin) predicts on the circuit's own
    drive: the gain by lag and (``ablation``) the capacity ablation at one slot, no trials."""
    rested = predicted_fire_probability(
        p, drive_waveforms(p, (0,), 1, ambient_k), 0, ambient_k, exact
    )
    gains = []
    for lag in lags_slots:
        w = drive_waveforms(p, (0, lag), lag + 1, ambient_k)
        gains.append(predicted_fire_probability(p, w, lag, ambient_k, exact) / rested)
    g_abl = None
    if ablation:
        q = ablated(p, "capacity")
        q_rested = predicted_fire_probability(
            q, drive_waveforms(q, (0,), 1, ambient_k), 0, ambient_k, exact
        )
        w = drive_waveforms(q, (0, 1), 2, ambient_k)
        g_abl = predicted_fire_probability(q, w, 1, ambient_k, exact) / q_rested
    return {
        "p_rested": rested,
        "lags_s": [k * p.slot_s for k in lags_slots],
        "gain_by_lag": gains,
        "ablation_gain": g_abl,
        "reference": "exact macrospin (Fokker-Planck)" if exact else "switching law v3",
    }


DESIGN_KEYS = (
    "device_file",
    "vdd_v",
    "write_current_ic0",
    "heat_current_ic0",
    "write_s",
    "heat_s",
    "gap_s",
    "edge_s",
    "sizes",
    "input_weights",
    "write_tc_per_k",
    "heat_tc_per_k",
    "trim_bits",
    "trim_step",
    "trim_vref_v",
    "trim_switch",
    "fire_trip_rp",
)
"""The fields of :class:`~circuits.ipnet_neuron_v4.IpnetV4Params` a v4 design sets (what a
sweep carries as ``sample["neuron"]``); not a die's ``mtj_overrides`` or ``write_trim``."""
SAMPLE_KEYS = ("temp_k", "vdd_v", "write_trim", "device", "neuron")
"""A v4 sweep sample's keys besides the junction's parameters (:func:`parameter_names`)."""


def design_values(p: v4.IpnetV4Params, device: bool = True) -> dict:
    """The design of ``p`` as plain values (JSON and pickle alike, the same on every
    worker): the :data:`DESIGN_KEYS` fields in SI, sizes as ``[w_m, l_m]`` per role, the
    device file relative to the repository root when inside it (left out when not
    ``device``: a sweep spec's device replaces it).  :func:`design_params` reverses it."""
    out: dict = {}
    for key in DESIGN_KEYS:
        value = getattr(p, key)
        if key == "sizes":
            value = {role: [s.w_m, s.l_m] for role, s in sorted(value.items())}
        elif key == "trim_switch":
            value = [value.w_m, value.l_m]
        elif key == "input_weights":
            value = list(value)
        elif key == "device_file":
            if not device:
                continue
            full = Path(value).resolve()
            value = str(
                full.relative_to(PACKAGES_ROOT) if full.is_relative_to(PACKAGES_ROOT) else full
            )
        out[key] = value
    return out


def design_params(values: dict) -> v4.IpnetV4Params:
    """:class:`~circuits.ipnet_neuron_v4.IpnetV4Params` of :func:`design_values`' values; a
    key it leaves out keeps the built-in design's value.  Unknown keys are refused, named."""
    from circuits.ipnet_neuron import Size

    unknown = sorted(set(values) - set(DESIGN_KEYS))
    if unknown:
        raise ValueError(
            f"neuron v4 design values: unknown key(s) {', '.join(map(repr, unknown))}; "
            f"allowed: {', '.join(DESIGN_KEYS)}"
        )
    kw = dict(values)
    if "sizes" in kw:
        kw["sizes"] = {role: Size(*wl) for role, wl in kw["sizes"].items()}
    if "trim_switch" in kw:
        kw["trim_switch"] = Size(*kw["trim_switch"])
    if "device_file" in kw:
        device = Path(str(kw["device_file"]))
        kw["device_file"] = device if device.is_absolute() else PACKAGES_ROOT / device
    return replace(v4.default_v4_params(), **kw)


def sample_params(sample: dict) -> v4.IpnetV4Params:
    """The v4 neuron of a sweep sample: the design ``sample["neuron"]`` (values of
    :func:`design_values`; absent or None: the built-in design), its device replaced by the
    sample's ``device`` file, with the junction values (``mtj_overrides``), the supply
    ``vdd_v`` and the write trim factor ``write_trim`` of the sample over it.  Unknown
    sample keys are refused, named."""
    unknown = sorted(set(sample) - set(parameter_names()) - set(SAMPLE_KEYS))
    if unknown:
        raise ValueError(
            f"v4 sweep sample: unknown key(s) {', '.join(map(repr, unknown))}; allowed: the "
            f"junction's parameters ({', '.join(parameter_names())}) and {', '.join(SAMPLE_KEYS)}"
        )
    neuron = sample.get("neuron")
    p = v4.default_v4_params() if neuron is None else design_params(neuron)
    if sample.get("device"):
        device = PACKAGES_ROOT / str(sample["device"])
        p = replace(p, device_file=device if device.exists() else str(sample["device"]))
    overrides = {k: float(sample[k]) for k in parameter_names() if k in sample}
    p = replace(p, mtj_overrides=overrides)
    if "vdd_v" in sample:
        p = replace(p, vdd_v=float(sample["vdd_v"]))
    if "write_trim" in sample:
        p = replace(p, write_trim=float(sample["write_trim"]))
    return p


def v4_sample_metrics(sample: dict) -> dict:
    """One sample of the v4 variation sweep: ``{rp, tmr0, rth, cth, rth2, cth2, ic0,
    delta0, temp_k, vdd_v, write_trim, device, neuron}`` (any subset; the rest from the
    design ``neuron`` (:func:`sample_params`; none: the built-in one), its middle trim code
    and 300 K).  Returns the firing probabilities
    of a rested neuron at the standard, strong and weak inputs (``p_rested``,
    ``p_fire_strong``, ``p_fire_weak``) and the memory gains one and three slots after an
    item (``gain_1_slot``, ``gain_3_slots``)."""
    p = sample_params(sample)
    temp = float(sample.get("temp_k", NOMINAL_K))

    def rested(q):
        return predicted_fire_probability(q, drive_waveforms(q, (0,), 1, temp), 0, temp)

    mem = predicted_memory(p, (1, 3), temp, ablation=False)
    return {
        "p_rested": mem["p_rested"],
        "gain_1_slot": mem["gain_by_lag"][0],
        "gain_3_slots": mem["gain_by_lag"][1],
        "p_fire_strong": rested(replace(p, input_weights=(STRONG_WEIGHT,))),
        "p_fire_weak": rested(replace(p, input_weights=(WEAK_WEIGHT,))),
    }


def slot_energy(p: v4.IpnetV4Params, ambient_k: float = NOMINAL_K) -> dict:
    """Energy [J] of one input slot on a rested neuron (junction held in P): from VDD (the
    neuron and its write rail), dissipated in the junction itself (its write and its heat,
    the current through ``VJ`` times the junction's voltage), of an idle slot, and of the
    shared bias generator's supply over the same time."""
    w = drive_waveforms(p, (0,), 2, ambient_k)
    t = w.time
    busy = t < p.slot_s
    junction_power = w.x(f"v.x1.{v4.SENSE_SOURCE}#branch") * (w.v("x1.am") - w.v("x1.j"))

    def energy(power, sel):
        return float(np.trapezoid(power[sel], t[sel]))

    return {
        "input_slot_J": energy(-w.i("vdd") * p.vdd_v, busy),
        "junction_J": energy(junction_power, busy),
        "idle_slot_J": energy(-w.i("vdd") * p.vdd_v, ~busy),
        "bias_generator_per_slot_J": energy(-w.i("vddb") * p.vdd_v, busy),
        "peak_rise_k": float(np.max(w.v("th1"))),
    }


TRANSFER_WEIGHTS = (0.6, 1.0, 1.6, 2.4)
"""Input weights of the report's transfer curves (x the design's write current)."""
STANDARD_SLOTS = 8
"""The standard stimulus: one input in each of this many slots; the firing probability
per slot is read over its second half, once the heat has built up."""


def _sources() -> list[Path]:
    here = Path(__file__)
    code = [
        here,
        PACKAGES_ROOT / "circuits" / "ipnet_neuron_v4.py",
        PACKAGES_ROOT / "circuits" / "mtj_switching.py",
    ]
    return [*code, *source_files()]


def v4_figures(p: v4.IpnetV4Params, corners, ambient_k: float = NOMINAL_K) -> dict:
    """The v4 neuron's figures for a report, from the switching law on the circuit's own
    drive (no trials; cached by the content of the design, device and code): ``memory``
    (gain by lag with its fitted decay, the gain at three slots, the capacity ablation's
    left-over excess, P(fire | rested), the slot), ``transfer_curve`` (P(fire) of a rested
    neuron vs weight at each corner of ``corners`` = (ambient K, supply V)), ``energy``
    (per input slot, per output spike on the standard stimulus, and the floor: what the
    junction itself dissipates per output spike in this mode)."""

    def compute() -> dict:
        mem = predicted_memory(p, (1, 2, 3, 5), ambient_k)
        excess = [(lag, g - 1.0) for lag, g in zip(mem["lags_s"], mem["gain_by_lag"]) if g > 1]
        tau = fit_exponential(*zip(*excess)).tau if len(excess) >= 2 else math.nan
        g1 = mem["gain_by_lag"][0]
        curve = []
        for temp_k, vdd in corners:
            for weight in TRANSFER_WEIGHTS:
                q = replace(p, vdd_v=vdd, input_weights=(weight,))
                prob = predicted_fire_probability(q, drive_waveforms(q, (0,), 1, temp_k), 0, temp_k)
                curve.append(
                    {
                        "ambient_k": temp_k,
                        "vdd_v": vdd,
                        "weight": weight,
                        "write_current_ic0": weight * p.write_current_ic0,
                        "p_fire": prob,
                    }
                )
        train = drive_waveforms(p, tuple(range(STANDARD_SLOTS)), STANDARD_SLOTS, ambient_k)
        late = range(STANDARD_SLOTS // 2, STANDARD_SLOTS)
        rate = float(np.mean([predicted_fire_probability(p, train, k, ambient_k) for k in late]))
        e = slot_energy(p, ambient_k)
        return {
            "memory": {
                "gain_by_lag": mem["gain_by_lag"],
                "lags_s": mem["lags_s"],
                "tau_s": tau,
                "gain_at_3_intervals": mem["gain_by_lag"][2],
                "ablation_ratio": (mem["ablation_gain"] - 1.0) / (g1 - 1.0) if g1 > 1 else math.nan,
                "p_rested": mem["p_rested"],
                "input_interval_s": p.slot_s,
            },
            "transfer_curve": curve,
            "energy": {
                **e,
                "p_fire_per_slot_standard": rate,
                "energy_per_spike_J": e["input_slot_J"] / rate,
                "energy_floor_J": e["junction_J"] / rate,
            },
            "ambient_k": ambient_k,
        }

    device_text = Path(p.device_file).read_text()
    return cached_value(
        "neuron_v4_figures",
        compute,
        repr(p),
        device_text,
        ambient_k,
        tuple(corners),
        sources=_sources(),
    )
