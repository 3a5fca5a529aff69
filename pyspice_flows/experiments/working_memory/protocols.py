"""Working-memory protocols on thermally coupled IPNet arrays: recency, free recall, interference.

Every protocol is a set of array transients (:class:`Trial`, plain data) run in parallel
on local worker processes, each its own ngspice (:func:`run_trials`).  The neuron is the
plasticity protocol's (:func:`circuits.scenarios.ipnet_plasticity_params`: synapse 1,
weight 1, carries an item's conditioning burst; synapse 2, weight 0.7, the probe).  An
*item* stored in neuron k is a burst cut at the output spike (as in
:func:`pyspice_flows.experiments.plasticity.burst_timing`), timed so that the neuron's
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
:data:`pyspice_flows.experiments.plasticity.ABLATIONS`: rth*cth / 100 at the same rise) for
recency and free recall.  Deterministic: the one seed fixes every order and lag.

``python -m pyspice_flows.experiments.working_memory [--out DIR] [--quick] [--workers N] [--seed S]``
(``ipnet working-memory-v2``) writes into ``build/working_memory_v2/``: ``recency.{csv,png}``,
``free_recall.{csv,png}``, ``interference.{csv,png}``, a report page ``report.md`` showing
the three figures and ``summary.json``, atomically (a staging folder, swapped in once every
file is ready; ``summary.json`` last).
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from circuits.ipnet_array import (
    DEFAULT_PITCH_M,
    coupling_fraction,
    load_thermal_stack,
)
from circuits.ipnet_design import add_design_argument, checked_neuron_design, design_from_options
from circuits.ipnet_neuron import IpnetParams
from circuits.mtj_device import add_device_argument
from circuits.scenarios import (
    IPNET_PLASTICITY_MAX_STEP_S,
)
from pyspice_flows import measure

from .output import fmt_scaled, publish
from .resume import TrialJournal, inputs_record
from .trials import (
    BURST_START_S,
    CROSSTALK_BUDGET,
    LIST_INTERVAL_S,
    LIST_LENGTH,
    MIN_LAG_S,
    NO_HEAT,
    OUT_DIR,
    PITCHES_M,
    PITCHES_QUICK_M,
    PROBE_WIDTH_S,
    RECALL_CRITERION_S,
    RECENCY_LAGS_QUICK_S,
    RECENCY_LAGS_S,
    SEED,
    Item,
    Trial,
    run_trials,
    timing_task,
)


# ----------------------------------------------------------------------------- fits
def fit_decay(lags_s, response) -> dict:
    """Least-squares fit of ln(response) = ln(A0) - lag / tau over the positive responses:
    tau [s], A0, the points used, and the fit's rms error in ln (None where fewer than 3)."""
    lags = np.asarray(lags_s, float)
    y = np.asarray(response, float)
    good = np.isfinite(y) & (y > 0) & np.isfinite(lags)
    if good.sum() < 3:
        return {"tau_s": None, "a0": None, "points": int(good.sum()), "rms_ln": None}
    fit = measure.fit_exponential(lags[good], y[good])
    return {
        "tau_s": fit.tau if fit.slope < 0 else None,
        "a0": fit.a0,
        "points": fit.points,
        "rms_ln": fit.rms_ln,
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
    neuron: IpnetParams | None = None,
    temperature_k: float | None = None,
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
    common = {"neuron": neuron, "temperature_k": temperature_k}
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


# ----------------------------------------------------------------------------- driver
def run_protocols(
    out: Path = OUT_DIR,
    quick: bool = False,
    workers: int | None = None,
    seed: int = SEED,
    neuron: IpnetParams | None = None,
    temperature_k: float | None = None,
    say=print,
    scheduler: str | None = None,
) -> dict:
    """Plan, simulate (``workers`` local processes, default: usable cores; or on the Dask
    ``scheduler``), analyse, publish."""
    # the worker tasks live in working_memory_trials, which a spawned worker imports by
    # name (under `python -m` this module is __main__)
    if workers is None:
        workers = max(1, len(os.sched_getaffinity(0)))
    t0 = time.perf_counter()
    heats = sorted({c["heat"] for c in CONDITIONS.values()})
    say(f"working-memory-v2: burst timing of a lone neuron ({', '.join(heats)})")
    timing_rows = run_trials(
        [(h, neuron, temperature_k) for h in heats], workers, timing_task, scheduler=scheduler
    )
    timing = {h: (off, n) for h, off, n in timing_rows}
    pl = plan(timing, quick, seed, neuron, temperature_k)
    settings = {"seed": seed, "quick": quick, "temperature_k": temperature_k}
    device = (neuron or IpnetParams()).device_file
    journal = TrialJournal(Path(out), inputs_record(settings, pl.trials, device))
    todo = [t for t in pl.trials if t.key not in journal.rows]
    reused = f"; {len(pl.trials) - len(todo)} reused from {journal.path}" if journal.rows else ""
    where = scheduler or f"{workers} worker(s)"
    say(f"working-memory-v2: {len(todo)} array transients on {where}{reused}")
    run_trials(todo, workers, on_done=journal.record, scheduler=scheduler)  # kept as each ends
    results = {t.key: journal.rows[t.key] for t in pl.trials}
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
            "device_file": None if neuron is None else str(neuron.device_file),
            "temperature_k": temperature_k,
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


def main(argv: list[str] | None = None) -> int:
    """``python -m pyspice_flows.experiments.working_memory [--out DIR] [--quick]
    [--workers N | --scheduler ADDRESS] [--seed S] [--device FILE] [--design FILE] [--temp K]
    [--debug]``."""
    from pyspice_flows.app.commandline import (
        add_debug_flag,
        add_out_argument,
        add_temperature_argument,
        add_workers_argument,
        check_workers,
        checked_out_dir,
        command_parser,
        run_main,
    )
    from pyspice_flows.app.tasks import add_scheduler_argument, check_scheduler

    parser = command_parser(
        "working-memory-v2",
        description="Working-memory protocols (recency, free recall, interference) on thermally "
        "coupled IPNet arrays; writes CSV + PNG per protocol and summary.json.",
    )
    add_out_argument(parser, OUT_DIR)
    parser.add_argument(
        "--quick", action="store_true", help="fewer lags, lists and pitches (a smoke run)"
    )
    add_workers_argument(parser, "local worker processes")
    add_scheduler_argument(parser)
    parser.add_argument(
        "--seed", type=int, default=SEED, help=f"seed of the orders and lags (default {SEED})"
    )
    add_device_argument(parser)
    add_design_argument(parser)
    add_temperature_argument(parser)
    add_debug_flag(parser)
    args = parser.parse_args(argv)
    check_workers(parser, args)

    def body() -> int:
        design = design_from_options(args.design, args.device)  # before any simulation
        checked_neuron_design(design, args.device, [args.temp])
        args.out = checked_out_dir(args.out)  # before any work: writable, not a file
        check_scheduler(args.scheduler)  # unreachable: one line now, before any simulation
        res = run_protocols(
            args.out,
            args.quick,
            args.workers,
            args.seed,
            design.params(),
            args.temp,
            scheduler=args.scheduler,
        )
        rec, fr, it = res["recency"], res["free_recall"], res["interference"]
        print(
            f"working-memory-v2: recency tau {fmt_scaled(rec['tau_s'])} (rise {fmt_scaled(rec['tau_rise_s'])}); "
            f"no coupling {fmt_scaled(rec['control_no_coupling']['tau_s'])}; no heat: advantage "
            f"{rec['control_no_heat']['advantage_ratio_to_normal']:.3g} x normal"
        )
        print(
            "working-memory-v2: free recall advantage by position "
            + ", ".join(f"{t['advantage_s'] * 1e12:.1f}" for t in fr["by_position"])
            + f" ps; recency {fr['recency']}, primacy {fr['primacy']}"
        )
        print(
            f"working-memory-v2: interference below 10 % beyond {fmt_scaled(it['pitch_10pct_m'], 1e-6, 'um')} "
            f"(rise: {fmt_scaled(it['pitch_10pct_rise_m'], 1e-6, 'um')}); no coupling: |ratio| "
            f"{it['control_no_coupling']['max_abs_ratio']:.2g}"
        )
        print(
            f"working-memory-v2: {res['trials']} transients in {res['wall_s']:.1f} s; wrote {args.out}"
        )
        return 0

    return run_main(parser.prog, body, args.debug)
