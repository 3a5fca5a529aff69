"""Working-memory protocols on thermally coupled IPNet arrays: recency, free recall, interference.

Every protocol is a set of array transients (:class:`Trial`, plain data) run in parallel
on local worker processes, each its own ngspice (:func:`run_trials`).  The neuron is the
plasticity protocol's (:func:`circuits.scenarios.ipnet_plasticity_params`: synapse 1,
weight 1, carries an item's conditioning burst; synapse 2, weight 0.7, the probe).  An
*item* stored in neuron k is a burst cut at the output spike (as in
:func:`pyspice_flows.ipnet_plasticity.burst_timing`), timed so that the neuron's
self-timed reset ends at a planned moment; the *lag* of an item is the probe time minus
its measured reset end (node ``x<k>.rst`` falling after the spike).  All neurons are
probed at the same time; the probe's latency to an output spike, against the same neuron
in the same array with no item (the rested baseline), is the response:
advantage = L_rested - L [s].  Beside it the junction's temperature rise at the probe
(node ``th<k>``, noise-free) is the memory trace [K].  Max time step 5 ps
(:data:`~circuits.scenarios.IPNET_PLASTICITY_MAX_STEP_S`): the effects are tens of ps.

* recency / n-back (2 x 2 at the layout pitch): items at seeded lags from a grid; advantage
  and rise versus lag, fitted with A0 exp(-lag / tau): ``recency.tau_s`` (from the
  latency advantage) and ``tau_rise_s``.
* free recall (2 x 2): a list of 4 items presented every ``interval``, then probe all;
  response by serial position, averaged over seeded orders (which neuron holds which
  position); recall = advantage >= :data:`RECALL_CRITERION_S`.  Reports recency (last
  position above the first) and primacy (position 1 above position 2).
* interference (1 x 2, pitch scan): neuron 1 holds an item (lag 0.5 ns); its own memory
  effect is its advantage with a silent neighbour; the crosstalk is the change of that
  conditioned response when neuron 2 holds an item at the same time (the neighbour's
  activity; also a sub-threshold half burst at the smallest pitch).  Ratio = crosstalk /
  own effect versus pitch, and the pitch where it falls below 10 %
  (``interference.pitch_10pct_m``; from the rise: ``pitch_10pct_rise_m``).

Controls: ``control_no_coupling`` (the same array with no coupling resistor) in all three;
``control_no_heat`` (the heat ablation ``short_heat_memory`` of
:data:`pyspice_flows.ipnet_plasticity.ABLATIONS`: rth*cth / 100 at the same rise) for
recency and free recall.  Deterministic: the one seed fixes every order and lag.

``python -m pyspice_flows.working_memory [--out DIR] [--quick] [--workers N] [--seed S]``
writes into ``build/working_memory/``: ``recency.{csv,png}``, ``free_recall.{csv,png}``,
``interference.{csv,png}``, a report page ``report.md`` showing the three figures and
``summary.json``, atomically (a staging folder, swapped in
once every file is ready; ``summary.json`` last).
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from circuits.ipnet_array import (
    DEFAULT_PITCH_M,
    ArrayParams,
    build_ipnet_array,
    coupling_fraction,
    load_thermal_stack,
)
from circuits.ipnet_neuron import IpnetParams
from circuits.mtj_device import add_device_argument, checked_device_file
from circuits.paths import REPO_ROOT
from circuits.scenarios import (
    IPNET_BURST_COUNT,
    IPNET_INPUT_RATE_HZ,
    IPNET_PLASTICITY_MAX_STEP_S,
    IPNET_SPIKE_WIDTH_S,
    ipnet_plasticity_params,
)
from circuits.stimulus import SpikeTrain, regular

OUT_DIR = REPO_ROOT / "build" / "working_memory"
SEED = 12
PROBE_WIDTH_S = 25e-9
"""The probe's width and how long after it starts the run goes on [s] (a rested neuron
answers after ~13 ns)."""
BURST_START_S = 0.5e-9  # burst_timing's burst begins here
MIN_LAG_S = 0.5e-9
"""The shortest lag [s] (probe start after the reset's end): the reset envelope keeps the
inputs disconnected for ~0.3 ns after ``rst`` falls (docs/ipnet_neuron.md)."""
RECENCY_LAGS_S = (0.5e-9, 0.75e-9, 1.0e-9, 1.25e-9, 1.5e-9, 2.0e-9, 2.5e-9, 3.0e-9)
RECENCY_LAGS_QUICK_S = (0.5e-9, 1.0e-9, 1.5e-9, 2.5e-9)
LIST_LENGTH = 4
LIST_INTERVAL_S = 0.5e-9
RECALL_CRITERION_S = 20e-12
"""An item counts as recalled when the probe answers at least this much sooner than the
rested neuron [s]: a readout resolving 20 ps (about a quarter of the advantage at the
shortest lag).  A documented choice, not a fitted one."""
PITCHES_M = (0.3e-6, 0.5e-6, 0.8e-6, 1.2e-6, 1.8e-6, 2.7e-6, 4.0e-6)
PITCHES_QUICK_M = (0.3e-6, 1.2e-6, 4.0e-6)
CROSSTALK_BUDGET = 0.1
NO_HEAT = "short_heat_memory"


# ----------------------------------------------------------------------------- trials
@dataclass(frozen=True)
class Item:
    """An item stored in ``neuron`` (0-based): a burst of ``spikes`` that ends its reset at
    ``reset_end_s`` [s] (planned; the run measures the real one).  ``fires``: False for a
    sub-threshold burst (activity that does not fire; no reset to measure)."""

    neuron: int
    reset_end_s: float
    spikes: int
    fires: bool = True


@dataclass(frozen=True)
class Trial:
    """One array transient: shape, pitch [m], coupling on/off, heat ("normal" or
    :data:`NO_HEAT`), the items, the probed neurons (0-based) and the probe time [s].

    reset_offset_s: time from a burst's first spike to its reset's end in a lone neuron [s]
    (:func:`pyspice_flows.ipnet_plasticity.burst_timing`)."""

    key: str
    rows: int
    cols: int
    pitch_m: float
    coupling: bool
    heat: str
    items: tuple[Item, ...]
    probed: tuple[int, ...]
    probe_t_s: float
    reset_offset_s: float
    device_file: str | None = None
    temperature_c: float | None = None


def neuron_for(heat: str, device_file: str | None = None) -> IpnetParams:
    """The protocol's two-synapse neuron, with the heat memory or without it."""
    from .ipnet_plasticity import ABLATIONS

    base = IpnetParams(device_file=device_file) if device_file else IpnetParams()
    p = ipnet_plasticity_params(base)
    if heat == "normal":
        return p
    if heat not in ABLATIONS:
        raise ValueError(f"heat={heat!r}; allowed 'normal' or one of {sorted(ABLATIONS)}")
    mtj = p.mtj()
    return replace(p, mtj_overrides={k: getattr(mtj, k) * f for k, f in ABLATIONS[heat].items()})


def trial_array(t: Trial) -> ArrayParams:
    """The :class:`ArrayParams` of a trial: bursts on synapse 1, the probe on synapse 2."""
    nrn = neuron_for(t.heat, t.device_file)
    vdd = nrn.vdd_v
    probe = SpikeTrain((t.probe_t_s,), vdd, PROBE_WIDTH_S, label="probe")
    silent = regular(IPNET_INPUT_RATE_HZ, 0, vdd, IPNET_SPIKE_WIDTH_S)
    by_neuron = {it.neuron: it for it in t.items}
    inputs = []
    for k in range(t.rows * t.cols):
        it = by_neuron.get(k)
        if it is None:
            burst = silent
        else:
            start = it.reset_end_s - t.reset_offset_s
            if start < 0:
                raise ValueError(
                    f"trial {t.key}: item in neuron {k} would start at {start:.3g} s; "
                    "move the probe later"
                )
            burst = regular(IPNET_INPUT_RATE_HZ, it.spikes, vdd, IPNET_SPIKE_WIDTH_S, start)
        inputs.append((burst, probe if k in t.probed else silent))
    return ArrayParams(nrn, t.rows, t.cols, t.pitch_m, inputs=tuple(inputs), coupling=t.coupling)


def run_trial(t: Trial) -> dict:
    """Simulate one trial; per neuron its probe latency [s] (nan: no spike or not probed),
    rise at the probe [K], measured reset end [s] (nan: no item) and spikes before the probe."""
    from . import measure
    from .session import Session, Transient

    p = trial_array(t)
    t0 = time.perf_counter()
    w = Session.get().run(
        build_ipnet_array(p),
        Transient(10e-12, t.probe_t_s + PROBE_WIDTH_S, max_step_s=IPNET_PLASTICITY_MAX_STEP_S),
        temperature_c=t.temperature_c,
    )
    wall = time.perf_counter() - t0
    thr = measure.logic_threshold_v(p.neuron.vdd_v)
    time_s = w.time
    out = {"key": t.key, "wall_s": wall, "latency_s": [], "rise_K": [], "reset_end_s": []}
    out["spikes_before_probe"] = []
    items = {it.neuron for it in t.items if it.fires}
    for k in range(1, p.n + 1):
        spikes = measure.spike_times(time_s, w.v(f"out{k}"), thr)
        after = spikes[spikes > t.probe_t_s]
        lat = float(after[0] - t.probe_t_s) if (k - 1 in t.probed and after.size) else math.nan
        reset_end = math.nan
        if k - 1 in items:
            falls = measure.falling_edges(w.v(f"x{k}.rst"), thr)
            before = spikes[spikes < t.probe_t_s]
            falls = falls[(time_s[falls] > before[0])] if before.size else falls[:0]
            if not falls.size or time_s[falls[0]] > t.probe_t_s:
                raise ValueError(
                    f"trial {t.key}: the item in neuron {k - 1} did not fire and reset before "
                    f"the probe at {t.probe_t_s:.4g} s"
                )
            reset_end = float(time_s[falls[0]])
        out["latency_s"].append(lat)
        out["rise_K"].append(float(np.interp(t.probe_t_s, time_s, w.v(f"th{k}"))))
        out["reset_end_s"].append(reset_end)
        out["spikes_before_probe"].append(int(np.sum(spikes < t.probe_t_s)))
    return out


def timing_task(args: tuple[str, str | None, float | None]) -> tuple[str, float, int]:
    """(heat, reset offset [s], spikes to fire) of a lone neuron (a worker task)."""
    from .ipnet_plasticity import burst_timing

    heat, device, temp_c = args
    reset_end, to_fire = burst_timing(neuron_for(heat, device), temp_c, IPNET_BURST_COUNT)
    return heat, reset_end - BURST_START_S, to_fire


def run_trials(tasks, workers: int, fn=None) -> list:
    """Run ``fn`` (default :func:`run_trial`) over ``tasks`` on ``workers`` local processes
    (0: in this process), results in task order."""
    fn = fn or run_trial
    tasks = list(tasks)
    if workers == 0 or len(tasks) <= 1:
        return [fn(t) for t in tasks]
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(min(workers, len(tasks)), mp_context=ctx) as ex:
        futures = [ex.submit(fn, t) for t in tasks]
        try:
            return [f.result() for f in futures]
        except BaseException:
            for f in futures:
                f.cancel()
            for proc in list(getattr(ex, "_processes", {}).values()):
                proc.terminate()  # our own workers only; ngspice cannot be interrupted
            raise


# ----------------------------------------------------------------------------- fits
def fit_decay(lags_s, response) -> dict:
    """Least-squares fit of ln(response) = ln(A0) - lag / tau over the positive responses:
    tau [s], A0, the points used, and the fit's rms error in ln (None where fewer than 3)."""
    lags = np.asarray(lags_s, float)
    y = np.asarray(response, float)
    good = np.isfinite(y) & (y > 0) & np.isfinite(lags)
    if good.sum() < 3:
        return {"tau_s": None, "a0": None, "points": int(good.sum()), "rms_ln": None}
    slope, icpt = np.polyfit(lags[good], np.log(y[good]), 1)
    resid = np.log(y[good]) - (slope * lags[good] + icpt)
    tau = -1.0 / slope if slope < 0 else None
    return {
        "tau_s": tau,
        "a0": float(math.exp(icpt)),
        "points": int(good.sum()),
        "rms_ln": float(np.sqrt(np.mean(resid**2))),
    }


def crossing_pitch(pitches_m, ratio, budget: float = CROSSTALK_BUDGET) -> float | None:
    """The pitch [m] beyond which ``ratio`` stays below ``budget``, interpolated in
    log(pitch) between the last scanned pitch at or above the budget and the next one;
    None if it is below at every pitch or never falls below."""
    p = np.asarray(pitches_m, float)
    r = np.asarray(ratio, float)
    above = np.nonzero(~(r < budget))[0]  # nan counts as not below
    if above.size == 0 or above[-1] == len(p) - 1:
        return None
    i = above[-1]
    r0, r1 = r[i], r[i + 1]
    if not (np.isfinite(r0) and np.isfinite(r1)) or r0 == r1:
        return float(p[i + 1])
    f = (r0 - budget) / (r0 - r1)
    return float(math.exp(math.log(p[i]) + f * (math.log(p[i + 1]) - math.log(p[i]))))


# ----------------------------------------------------------------------------- protocols
CONDITIONS = {
    "normal": {"coupling": True, "heat": "normal"},
    "control_no_coupling": {"coupling": False, "heat": "normal"},
    "control_no_heat": {"coupling": True, "heat": NO_HEAT},
}


@dataclass(frozen=True)
class Plan:
    """Every trial of one run of the three protocols, and how to read them back."""

    trials: tuple[Trial, ...]
    recency: dict
    free_recall: dict
    interference: dict


def probe_time_s(reset_offset_s: float, max_lag_s: float) -> float:
    """One probe time for recency and free recall (so they share their rested baseline)."""
    return BURST_START_S + reset_offset_s + max_lag_s


def plan(
    timing: dict[str, tuple[float, int]],
    quick: bool = False,
    seed: int = SEED,
    device_file: str | None = None,
    temperature_c: float | None = None,
    pitch_m: float = DEFAULT_PITCH_M,
) -> Plan:
    """The trials (seeded): ``timing`` maps heat -> (reset offset [s], spikes to fire)."""
    rng = np.random.default_rng(seed)
    lags = np.array(RECENCY_LAGS_QUICK_S if quick else RECENCY_LAGS_S)
    n_lists = 1 if quick else 3
    list_lags = MIN_LAG_S + LIST_INTERVAL_S * np.arange(LIST_LENGTH)[::-1]  # position 1 first
    max_lag = max(lags.max(), list_lags.max())
    offset = max(o for o, _ in timing.values())
    t_probe = probe_time_s(offset, max_lag)
    common = {"device_file": device_file, "temperature_c": temperature_c}
    trials: list[Trial] = []
    rec: dict = {"probe_t_s": t_probe, "trials": {}}
    fr: dict = {"lists": {}, "list_lags_s": list_lags.tolist()}
    # recency: the lag grid in a seeded order, 4 items (one per neuron) per trial
    order = rng.permutation(len(lags))
    groups = [order[i : i + 4] for i in range(0, len(order), 4)]
    # free recall: seeded orders of the neurons over the serial positions
    orders = [rng.permutation(LIST_LENGTH) for _ in range(n_lists)]
    for cname, cond in CONDITIONS.items():
        off, spikes = timing[cond["heat"]]
        kw = dict(rows=2, cols=2, pitch_m=pitch_m, reset_offset_s=off, **cond, **common)
        trials.append(
            Trial(f"{cname}/rested", items=(), probed=(0, 1, 2, 3), probe_t_s=t_probe, **kw)
        )
        for g, idx in enumerate(groups):
            items = tuple(Item(int(n), t_probe - float(lags[i]), spikes) for n, i in enumerate(idx))
            key = f"{cname}/recency{g}"
            trials.append(Trial(key, items=items, probed=(0, 1, 2, 3), probe_t_s=t_probe, **kw))
            rec["trials"][key] = [float(lags[i]) for i in idx]
        for li, perm in enumerate(orders):
            # serial position pos (0-based) goes to neuron perm[pos]
            items = tuple(
                Item(int(perm[pos]), t_probe - float(list_lags[pos]), spikes)
                for pos in range(LIST_LENGTH)
            )
            key = f"{cname}/list{li}"
            trials.append(Trial(key, items=items, probed=(0, 1, 2, 3), probe_t_s=t_probe, **kw))
            fr["lists"][key] = [int(x) for x in perm]
    # interference: 1 x 2, victim 0 holds an item at MIN_LAG_S; neighbour 1 silent or active
    pitches = PITCHES_QUICK_M if quick else PITCHES_M
    off, spikes = timing["normal"]
    t_int = BURST_START_S + off + MIN_LAG_S
    inter: dict = {"pitches_m": list(pitches), "probe_t_s": t_int, "runs": {}}
    victim = Item(0, t_int - MIN_LAG_S, spikes)
    neighbour = Item(1, t_int - MIN_LAG_S, spikes)
    half = Item(1, t_int - MIN_LAG_S, spikes // 2, fires=False)  # sub-threshold activity
    cases = {"rested": (), "own": (victim,), "both": (victim, neighbour)}
    for cname, coupling, scan in (
        ("normal", True, pitches),
        ("control_no_coupling", False, (pitches[0],)),
    ):
        for pm in scan:
            kw = dict(
                rows=1, cols=2, pitch_m=pm, coupling=coupling, heat="normal",
                reset_offset_s=off, probed=(0,), probe_t_s=t_int, **common,
            )  # fmt: skip
            for case, items in cases.items():
                key = f"interference/{cname}/{pm:.4g}/{case}"
                trials.append(Trial(key, items=items, **kw))
                inter["runs"][key] = (cname, pm, case)
            if cname == "normal" and pm == pitches[0]:
                key = f"interference/{cname}/{pm:.4g}/half"
                trials.append(Trial(key, items=(victim, half), **kw))
                inter["runs"][key] = (cname, pm, "half")
    return Plan(tuple(trials), rec, fr, inter)


def _by_key(results: list[dict]) -> dict[str, dict]:
    return {r["key"]: r for r in results}


def analyse_recency(p: Plan, res: dict[str, dict]) -> dict:
    """Advantage and rise versus measured lag, per condition, with the fitted decay."""
    out: dict = {}
    rows = []
    for cname in CONDITIONS:
        rested = res[f"{cname}/rested"]
        lag, adv, rise = [], [], []
        for key in p.recency["trials"]:
            if not key.startswith(cname + "/"):
                continue
            r = res[key]
            for k in range(4):
                lg = p.recency["probe_t_s"] - r["reset_end_s"][k]
                a = rested["latency_s"][k] - r["latency_s"][k]
                lag.append(lg)
                adv.append(a)
                rise.append(r["rise_K"][k])
                rows.append(
                    (
                        cname,
                        key,
                        k,
                        lg,
                        r["latency_s"][k],
                        rested["latency_s"][k],
                        a,
                        r["rise_K"][k],
                    )
                )
        order = np.argsort(lag)
        lag, adv, rise = (np.asarray(x)[order] for x in (lag, adv, rise))
        fit = fit_decay(lag, adv)
        fit_rise = fit_decay(lag, rise)
        out[cname] = {
            "tau_s": fit["tau_s"],
            "tau_rise_s": fit_rise["tau_s"],
            "fit": fit,
            "fit_rise": fit_rise,
            "lags_s": lag.tolist(),
            "advantage_s": adv.tolist(),
            "rise_K": rise.tolist(),
            "advantage_at_shortest_lag_s": float(adv[0]),
            "rested_latency_s": rested["latency_s"],
        }
    normal = out.pop("normal")
    summary = dict(normal)
    for cname in ("control_no_coupling", "control_no_heat"):
        c = out[cname]
        c["advantage_ratio_to_normal"] = (
            c["advantage_at_shortest_lag_s"] / normal["advantage_at_shortest_lag_s"]
        )
        summary[cname] = c
    summary["what"] = (
        "2 x 2 array, one item per neuron at seeded lags, all probed at once; advantage = "
        "rested latency - latency [s], fitted A0 exp(-lag/tau); control_no_heat: rth*cth/100 "
        "(heat ablation short_heat_memory), control_no_coupling: no coupling resistor"
    )
    return {"summary": summary, "rows": rows}


def analyse_free_recall(p: Plan, res: dict[str, dict]) -> dict:
    """Response by serial position, per condition."""
    out: dict = {}
    rows = []
    for cname in CONDITIONS:
        rested = res[f"{cname}/rested"]
        by_pos = {pos: {"advantage_s": [], "rise_K": [], "lag_s": []} for pos in range(LIST_LENGTH)}
        for key, perm in p.free_recall["lists"].items():
            if not key.startswith(cname + "/"):
                continue
            r = res[key]
            for pos, k in enumerate(perm):
                a = rested["latency_s"][k] - r["latency_s"][k]
                lg = p.recency["probe_t_s"] - r["reset_end_s"][k]
                by_pos[pos]["advantage_s"].append(a)
                by_pos[pos]["rise_K"].append(r["rise_K"][k])
                by_pos[pos]["lag_s"].append(lg)
                rows.append((cname, key, pos + 1, k, lg, r["latency_s"][k], a, r["rise_K"][k]))
        table = []
        for pos in range(LIST_LENGTH):
            a = np.asarray(by_pos[pos]["advantage_s"])
            table.append(
                {
                    "position": pos + 1,
                    "lag_s": float(np.mean(by_pos[pos]["lag_s"])),
                    "advantage_s": float(np.mean(a)),
                    "rise_K": float(np.mean(by_pos[pos]["rise_K"])),
                    "recalled_fraction": float(np.mean(a >= RECALL_CRITERION_S)),
                    "lists": int(a.size),
                }
            )
        adv = [t["advantage_s"] for t in table]
        fit = fit_decay([t["lag_s"] for t in table], adv)
        out[cname] = {
            "by_position": table,
            "recency": bool(adv[-1] > adv[0]),
            "primacy": bool(adv[0] > adv[1]),
            "fit": fit,
        }
    summary = dict(out["normal"])
    summary["control_no_coupling"] = out["control_no_coupling"]
    summary["control_no_heat"] = out["control_no_heat"]
    summary["recall_criterion_s"] = RECALL_CRITERION_S
    summary["what"] = (
        f"2 x 2 array, lists of {LIST_LENGTH} items every {LIST_INTERVAL_S * 1e9:g} ns (last "
        f"item {MIN_LAG_S * 1e9:g} ns before the probe), seeded orders; recalled = advantage "
        f">= {RECALL_CRITERION_S * 1e12:g} ps; primacy = position 1 above position 2"
    )
    return {"summary": summary, "rows": rows}


def analyse_interference(p: Plan, res: dict[str, dict]) -> dict:
    """Own memory effect, neighbour crosstalk and their ratio versus pitch."""
    runs: dict = {}
    for key, (cname, pm, case) in p.interference["runs"].items():
        runs.setdefault((cname, pm), {})[case] = res[key]
    table = {}
    for (cname, pm), r in runs.items():
        own = r["rested"]["latency_s"][0] - r["own"]["latency_s"][0]
        cross = r["own"]["latency_s"][0] - r["both"]["latency_s"][0]
        own_rise = r["own"]["rise_K"][0] - r["rested"]["rise_K"][0]
        cross_rise = r["both"]["rise_K"][0] - r["own"]["rise_K"][0]
        row = {
            "condition": cname,
            "pitch_m": pm,
            "own_advantage_s": own,
            "crosstalk_s": cross,
            "ratio": cross / own,
            "own_rise_K": own_rise,
            "crosstalk_rise_K": cross_rise,
            "ratio_rise": cross_rise / own_rise,
            "coupling_fraction_model": coupling_fraction(pm, load_thermal_stack())
            if cname == "normal"
            else 0.0,
            "rested_latency_s": r["rested"]["latency_s"][0],
            "neighbour_fired": bool(r["both"]["spikes_before_probe"][1] > 0),
        }
        if "half" in r:
            row["half_burst_crosstalk_s"] = r["own"]["latency_s"][0] - r["half"]["latency_s"][0]
            row["half_burst_crosstalk_rise_K"] = r["half"]["rise_K"][0] - r["own"]["rise_K"][0]
            row["half_burst_neighbour_fired"] = bool(r["half"]["spikes_before_probe"][1] > 0)
        table.setdefault(cname, []).append(row)
    normal = sorted(table["normal"], key=lambda x: x["pitch_m"])
    ctrl = table["control_no_coupling"]
    pitches = [x["pitch_m"] for x in normal]
    summary = {
        "pitch_10pct_m": crossing_pitch(pitches, [x["ratio"] for x in normal]),
        "pitch_10pct_rise_m": crossing_pitch(pitches, [x["ratio_rise"] for x in normal]),
        "by_pitch": normal,
        "budget": CROSSTALK_BUDGET,
        "control_no_coupling": {
            "pitch_10pct_m": crossing_pitch(
                [x["pitch_m"] for x in ctrl], [abs(x["ratio"]) for x in ctrl]
            ),
            "by_pitch": ctrl,
            "max_abs_ratio": max(abs(x["ratio"]) for x in ctrl),
            "max_abs_crosstalk_rise_K": max(abs(x["crosstalk_rise_K"]) for x in ctrl),
            "note": "no coupling resistor: the neighbour cannot reach the neuron; "
            "pitch_10pct_m is None when |ratio| is below the budget at every pitch scanned",
        },
        "what": "1 x 2 array: neuron 1 holds an item (lag 0.5 ns); own effect = its advantage "
        "with a silent neighbour; crosstalk = how much sooner it answers when neuron 2 holds "
        "an item too; ratio = crosstalk / own; pitch_10pct_m: beyond it ratio < 0.1",
    }
    return {"summary": summary, "rows": normal + ctrl}


# ----------------------------------------------------------------------------- output
def _write_csv(path: Path, header: list[str], rows) -> None:
    with path.open("w") as fh:
        fh.write(",".join(header) + "\n")
        for r in rows:
            fh.write(",".join(_cell(x) for x in r) + "\n")


def _cell(x) -> str:
    if isinstance(x, float):
        return f"{x:.9g}"
    return str(x)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _finish(plt, fig, axes, path: Path) -> None:
    for ax in axes:
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_recency(summary: dict, path: Path) -> None:
    plt = _pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    styles = {"normal": "o", "control_no_coupling": "s", "control_no_heat": "x"}
    for cname, style in styles.items():
        d = summary if cname == "normal" else summary[cname]
        lag = np.asarray(d["lags_s"]) * 1e9
        ax1.plot(lag, np.asarray(d["advantage_s"]) * 1e12, style, label=cname)
        ax2.plot(lag, d["rise_K"], style, label=cname)
        for ax, fit, scale in ((ax1, d["fit"], 1e12), (ax2, d["fit_rise"], 1.0)):
            if fit["tau_s"]:
                x = np.linspace(lag.min(), lag.max(), 50)
                ax.plot(
                    x,
                    fit["a0"] * np.exp(-x * 1e-9 / fit["tau_s"]) * scale,
                    "-",
                    alpha=0.6,
                    label=f"fit {cname}: tau = {fit['tau_s'] * 1e9:.2f} ns",
                )
    ax1.set_xlabel("lag since the item's reset [ns]")
    ax1.set_ylabel("probe latency advantage [ps]")
    ax1.set_title("recency: latency advantage vs lag")
    ax2.set_xlabel("lag since the item's reset [ns]")
    ax2.set_ylabel("junction temperature rise at the probe [K]")
    ax2.set_yscale("log")
    ax2.set_title("recency: memory trace (rise) vs lag")
    _finish(plt, fig, (ax1, ax2), path)


def _plot_free_recall(summary: dict, path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for cname, style in (
        ("normal", "o-"),
        ("control_no_coupling", "s--"),
        ("control_no_heat", "x:"),
    ):
        d = summary if cname == "normal" else summary[cname]
        pos = [t["position"] for t in d["by_position"]]
        adv = [t["advantage_s"] * 1e12 for t in d["by_position"]]
        ax.plot(pos, adv, style, label=cname)
        fit = d["fit"]
        if fit["tau_s"]:
            lags = np.array([t["lag_s"] for t in d["by_position"]])
            ax.plot(
                pos,
                fit["a0"] * np.exp(-lags / fit["tau_s"]) * 1e12,
                "-",
                alpha=0.4,
                label=f"fit {cname}: tau = {fit['tau_s'] * 1e9:.2f} ns",
            )
    ax.axhline(RECALL_CRITERION_S * 1e12, color="grey", lw=0.8, ls="--", label="recall criterion")
    ax.set_xlabel("serial position (1 = first presented)")
    ax.set_ylabel("probe latency advantage [ps]")
    ax.set_xticks(range(1, LIST_LENGTH + 1))
    ax.set_title(
        f"free recall: recency {'yes' if summary['recency'] else 'no'}, "
        f"primacy {'yes' if summary['primacy'] else 'no'}"
    )
    _finish(plt, fig, (ax,), path)


def _plot_interference(summary: dict, path: Path) -> None:
    plt = _pyplot()
    rows = summary["by_pitch"]
    pm = np.array([r["pitch_m"] for r in rows]) * 1e6
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.loglog(pm, [max(r["ratio"], 1e-4) for r in rows], "o-", label="crosstalk / own (latency)")
    ax.loglog(pm, [max(r["ratio_rise"], 1e-4) for r in rows], "s-", label="crosstalk / own (rise)")
    ax.loglog(
        pm,
        [r["coupling_fraction_model"] for r in rows],
        "k:",
        label="pair coupling fraction (model)",
    )
    ctrl = summary["control_no_coupling"]["by_pitch"]
    ax.loglog(
        [r["pitch_m"] * 1e6 for r in ctrl],
        [max(abs(r["ratio"]), 1e-4) for r in ctrl],
        "x",
        ms=10,
        label="no coupling (control), |ratio| (floor 1e-4)",
    )
    ax.axhline(CROSSTALK_BUDGET, color="grey", ls="--", lw=0.8, label="10 % budget")
    for key, ls in (("pitch_10pct_m", "-"), ("pitch_10pct_rise_m", ":")):
        if summary[key]:
            ax.axvline(
                summary[key] * 1e6,
                color="red",
                ls=ls,
                lw=0.8,
                label=f"{key} = {summary[key] * 1e6:.2f} um",
            )
    ax.set_xlabel("pitch [um]")
    ax.set_ylabel("neighbour crosstalk / own memory effect")
    ax.set_title("interference vs pitch (1 x 2 array)")
    _finish(plt, fig, (ax,), path)


def report_page(rec: dict, fr: dict, it: dict) -> str:
    """The protocols' own report page (Markdown, figures beside it)."""
    nh = rec["control_no_heat"]
    pos = ", ".join(f"{t['advantage_s'] * 1e12:.1f}" for t in fr["by_position"])
    pos0 = ", ".join(
        f"{t['advantage_s'] * 1e12:.1f}" for t in fr["control_no_coupling"]["by_position"]
    )
    p10 = it["pitch_10pct_m"]
    p10r = it["pitch_10pct_rise_m"]
    return "\n".join(
        [
            "# Working memory of thermally coupled IPNet arrays",
            "",
            "Numbers from `summary.json` of this folder; model and protocols: "
            "docs/working_memory.md.",
            "",
            "## Recency / n-back (2 x 2)",
            "",
            "![recency](recency.png)",
            "",
            f"Latency advantage decays with tau = {_fmt_s(rec['tau_s'])} (rise: "
            f"{_fmt_s(rec['tau_rise_s'])}); without coupling {_fmt_s(rec['control_no_coupling']['tau_s'])} "
            f"(rise {_fmt_s(rec['control_no_coupling']['tau_rise_s'])}); without heat the advantage "
            f"at the shortest lag is {nh['advantage_ratio_to_normal']:.3g} x the normal one.",
            "",
            "## Free recall (2 x 2)",
            "",
            "![free recall](free_recall.png)",
            "",
            f"Advantage by serial position 1..{len(fr['by_position'])}: {pos} ps "
            f"(no coupling: {pos0} ps); recency {'yes' if fr['recency'] else 'no'}, primacy "
            f"{'yes' if fr['primacy'] else 'no'}.",
            "",
            "## Interference (1 x 2)",
            "",
            "![interference](interference.png)",
            "",
            "Crosstalk below 10 % of the own memory effect beyond "
            + ("none scanned" if p10 is None else f"{p10 * 1e6:.3g} um")
            + " (latency), "
            + ("none scanned" if p10r is None else f"{p10r * 1e6:.3g} um")
            + f" (rise); without coupling |ratio| <= {it['control_no_coupling']['max_abs_ratio']:.2g}.",
            "",
        ]
    )


def _clean_stale_staging(out: Path) -> None:
    for old in out.parent.glob(f".{out.name}.partial-*"):
        try:
            pid = int(old.name.rsplit("-", 2)[-2])
            os.kill(pid, 0)
        except (ValueError, IndexError):
            continue
        except ProcessLookupError:
            shutil.rmtree(old, ignore_errors=True)
        except PermissionError:
            continue


def publish(
    out: Path, recency: dict, free_recall: dict, interference: dict, meta: dict
) -> list[Path]:
    """Write every file into a staging folder, then move them into ``out`` (summary last)."""
    import tempfile

    out.mkdir(parents=True, exist_ok=True)
    _clean_stale_staging(out)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-{os.getpid()}-", dir=out.parent))
    try:
        _write_csv(
            staging / "recency.csv",
            [
                "condition",
                "trial",
                "neuron",
                "lag_s",
                "latency_s",
                "rested_latency_s",
                "advantage_s",
                "rise_K",
            ],
            recency["rows"],
        )
        _plot_recency(recency["summary"], staging / "recency.png")
        _write_csv(
            staging / "free_recall.csv",
            [
                "condition",
                "list",
                "position",
                "neuron",
                "lag_s",
                "latency_s",
                "advantage_s",
                "rise_K",
            ],
            free_recall["rows"],
        )
        _plot_free_recall(free_recall["summary"], staging / "free_recall.png")
        keys = list(dict.fromkeys(k for r in interference["rows"] for k in r))
        _write_csv(
            staging / "interference.csv",
            keys,
            [tuple(r.get(k, "") for k in keys) for r in interference["rows"]],
        )
        _plot_interference(interference["summary"], staging / "interference.png")
        (staging / "report.md").write_text(
            report_page(recency["summary"], free_recall["summary"], interference["summary"])
        )
        summary = {
            "recency": recency["summary"],
            "free_recall": free_recall["summary"],
            "interference": interference["summary"],
            **meta,
        }
        text = json.dumps(_jsonable(summary), indent=2, allow_nan=False)
        (staging / "summary.json").write_text(text + "\n")
        names = [n for n in sorted(os.listdir(staging)) if n != "summary.json"] + ["summary.json"]
        for name in names:
            os.replace(staging / name, out / name)
        return [out / n for n in names]
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (np.floating, np.integer)):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


# ----------------------------------------------------------------------------- driver
def run_protocols(
    out: Path = OUT_DIR,
    quick: bool = False,
    workers: int | None = None,
    seed: int = SEED,
    device_file: str | None = None,
    temperature_c: float | None = None,
    say=print,
) -> dict:
    """Plan, simulate (``workers`` local processes; default: usable cores), analyse, publish."""
    # by package name: under `python -m` this module is __main__, whose functions a spawned
    # worker could not import by that name
    from pyspice_flows import working_memory as wm

    if workers is None:
        workers = max(1, len(os.sched_getaffinity(0)))
    t0 = time.perf_counter()
    heats = sorted({c["heat"] for c in CONDITIONS.values()})
    say(f"working-memory: burst timing of a lone neuron ({', '.join(heats)})")
    timing_rows = wm.run_trials(
        [(h, device_file, temperature_c) for h in heats], workers, wm.timing_task
    )
    timing = {h: (off, n) for h, off, n in timing_rows}
    pl = wm.plan(timing, quick, seed, device_file, temperature_c)
    say(f"working-memory: {len(pl.trials)} array transients on {workers} worker(s)")
    results = _by_key(wm.run_trials(pl.trials, workers))
    sim_wall = sum(r["wall_s"] for r in results.values())
    rec = analyse_recency(pl, results)
    fr = analyse_free_recall(pl, results)
    inter = analyse_interference(pl, results)
    meta = {
        "settings": {
            "seed": seed,
            "quick": quick,
            "workers": workers,
            "pitch_m": DEFAULT_PITCH_M,
            "max_step_s": IPNET_PLASTICITY_MAX_STEP_S,
            "probe_width_s": PROBE_WIDTH_S,
            "device_file": device_file,
            "temperature_c": temperature_c,
            "no_heat_ablation": NO_HEAT,
            "burst_timing": {h: {"reset_offset_s": o, "spikes": n} for h, (o, n) in timing.items()},
        },
        "trials": len(pl.trials),
        "simulation_s": sim_wall,
        "wall_s": time.perf_counter() - t0,
    }
    paths = publish(Path(out), rec, fr, inter, meta)
    return {
        "paths": paths,
        "recency": rec["summary"],
        "free_recall": fr["summary"],
        "interference": inter["summary"],
        **meta,
    }


def _fmt_s(x, unit=1e-9, name="ns") -> str:
    return "none" if x is None else f"{x / unit:.3g} {name}"


def main(argv: list[str] | None = None) -> int:
    """``python -m pyspice_flows.working_memory [--out DIR] [--quick] [--workers N] [--seed S]
    [--device FILE] [--temp K] [--debug]``."""
    from .commandline import add_debug_flag, add_temperature_argument, run_main

    parser = argparse.ArgumentParser(
        prog="python -m pyspice_flows.working_memory",
        description="Working-memory protocols (recency, free recall, interference) on thermally "
        "coupled IPNet arrays; writes CSV + PNG per protocol and summary.json.",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=OUT_DIR,
        metavar="DIR",
        help="output folder (default: build/working_memory)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer lags, lists and pitches (a smoke run)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="local worker processes (0: in this process; default: usable cores)",
    )
    parser.add_argument(
        "--seed", type=int, default=SEED, help=f"seed of the orders and lags (default {SEED})"
    )
    add_device_argument(parser)
    add_temperature_argument(parser)
    add_debug_flag(parser)
    args = parser.parse_args(argv)
    cores = max(1, len(os.sched_getaffinity(0)))
    if args.workers is not None and not 0 <= args.workers <= 4 * cores:
        parser.error(f"--workers {args.workers}: allowed 0..{4 * cores}")

    def body() -> int:
        device = checked_device_file(args.device)
        if args.out.exists() and not args.out.is_dir():
            raise ValueError(f"--out {args.out} is a file, not a folder")
        temp_c = None if args.temp is None else args.temp - 273.15
        res = run_protocols(
            args.out, args.quick, args.workers, args.seed, str(device) if device else None, temp_c
        )
        rec, fr, it = res["recency"], res["free_recall"], res["interference"]
        print(
            f"working-memory: recency tau {_fmt_s(rec['tau_s'])} (rise {_fmt_s(rec['tau_rise_s'])}); "
            f"no coupling {_fmt_s(rec['control_no_coupling']['tau_s'])}; no heat: advantage "
            f"{rec['control_no_heat']['advantage_ratio_to_normal']:.3g} x normal"
        )
        print(
            "working-memory: free recall advantage by position "
            + ", ".join(f"{t['advantage_s'] * 1e12:.1f}" for t in fr["by_position"])
            + f" ps; recency {fr['recency']}, primacy {fr['primacy']}"
        )
        print(
            f"working-memory: interference below 10 % beyond {_fmt_s(it['pitch_10pct_m'], 1e-6, 'um')} "
            f"(rise: {_fmt_s(it['pitch_10pct_rise_m'], 1e-6, 'um')}); no coupling: |ratio| "
            f"{it['control_no_coupling']['max_abs_ratio']:.2g}"
        )
        print(
            f"working-memory: {res['trials']} transients in {res['wall_s']:.1f} s; wrote {args.out}"
        )
        return 0

    return run_main("working-memory", body, args.debug)


if __name__ == "__main__":
    sys.exit(main())
