"""Working-memory protocols on IPNet neuron v4 (issue 21 item 1): the memory as a change
of firing probability, what a network downstream reads, with trial-to-trial noise.

Every neuron is a :class:`circuits.ipnet_neuron_v4.IpnetV4Neuron` of one design (its first
input only).  One transient holds many neurons side by side (:func:`build_net`: the
testbench of :func:`~circuits.ipnet_neuron_v4.build_v4_testbench`, more instances ``X<k>``
with their own input line, output ``out<k>``, thermal node ``th<k>`` and, stochastic, their
own ``TRRANDOM`` source), and resistors ``RC<i>_<j>`` [K/W] between the thermal nodes of
neighbours (the lossy-sheet model of :mod:`circuits.ipnet_array`: G chosen so that an
isolated pair reproduces the stack's coupling fraction at that distance, here with the
junction's whole resistance to ambient rth + rth2, the steady state of its two-pole
ladder).  Groups of coupled neurons are independent of each other, so one transient
gives several trials.

Two readings of every protocol:

* **law**: the switching law v3 on the circuit's own drive and temperature
  (:func:`pyspice_flows.metrics.neuron_v4.predicted_fire_probability`: exactly what
  ``mtj_stoch`` draws from), every junction held in P (the drive each draw sees until it
  switches); deterministic, cached, no trial noise;
* **trials**: seeded ``mtj_stoch`` ensembles; a trial fires in a slot when its output
  rises during the slot's write phase (:func:`~pyspice_flows.experiments.neuron_v4.
  fired_matrix`); probabilities with Wilson 95 % intervals.

Controls in each protocol: ``no_coupling`` (the same neurons without a coupling resistor)
and ``no_heat`` (the capacity ablation of :func:`pyspice_flows.metrics.neuron_v4.ablated`:
heat capacities / 100, the same rise, the memory gone within a ns).  The analysis and
the files are :mod:`pyspice_flows.experiments.working_memory_v4_tools`.

``ipnet working-memory [--design FILE] [--device FILE] [--temp K] [--out DIR] [--quick]
[--trials N] [--seed S] [--workers N | --scheduler tcp://host:port] [--layout-area-um2 A]``
(alias ``ipnet working-memory-v4``) writes ``build/working_memory/``.  The layout pitch is the square root
of the neuron's layout area, which the area model of ``area_energy`` computes for the design
(:mod:`area_energy.working_memory` passes it to :func:`main`; this layer may not import it);
run as ``python -m`` this module needs ``--layout-area-um2``.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from circuits import ipnet_neuron_v4 as v4
from circuits.compatibility_v4 import v4_design_from_options
from circuits.ipnet_array import ThermalStack, load_thermal_stack
from circuits.mtj_device import add_device_argument
from circuits.paths import BUILD_DIR
from pyspice_flows.app import commandline
from pyspice_flows.app.tasks import add_scheduler_argument, check_scheduler, run_tasks
from pyspice_flows.experiments import working_memory_v4_array as wa
from pyspice_flows.experiments.working_memory.protocols import crossing_pitch
from pyspice_flows.experiments.working_memory_v4_tools import (
    LawTask,
    Net,
    TrialTask,
    d_prime,
    fit_decays,
    law_probabilities,
    one_input,
    proportion,
    publish,
    ratio_interval,
    row,
    run_trial_task,
    z_difference,
)
from pyspice_flows.metrics.neuron_v4 import NOMINAL_K, ablated

OUT_DIR = BUILD_DIR / "working_memory"
CROSSTALK_BUDGET = 0.10
"""Interference: crosstalk below 10 % of the neuron's own memory excess (issue 21)."""
CONDITIONS = ("normal", "no_coupling", "no_heat")


# ----------------------------------------------------------------------------- plan
@dataclass(frozen=True)
class Plan:
    """How much to measure.

    layout_pitch_m: the neuron's layout pitch (the recency and free-recall arrays sit at
    it, the crossing is compared with it; the square root of the area model's layout area,
    given by the caller); trials: seeded trials per ensemble point (0: the law only);
    law_lags: the recency lags read from the law [slots]; trial_lags: those also read from
    trials (a subset of law_lags); list_length: items
    of the free-recall list; pitches_m: the interference scan; interference_lag: slots
    from the items to neuron 1's probe;
    per_netlist: neurons per stochastic transient; first_seed; workers: local processes;
    scheduler: a Dask scheduler address (the transients run there instead); array_shape:
    rows x cols of the array interference reading (:mod:`.working_memory_v4_array`),
    array_pitch_factors: its pitches as multiples of the layout pitch (empty, the default of
    a Plan: not run; the command line runs :data:`ARRAY` or, ``--quick``, a 3 x 3 array).
    """

    layout_pitch_m: float
    trials: int = 200
    law_lags: tuple[int, ...] = tuple(range(1, 9))
    trial_lags: tuple[int, ...] = (1, 2, 4)
    list_length: int = 4
    pitches_m: tuple[float, ...] = (0.2e-6, 0.3e-6, 0.5e-6, 0.7e-6, 1e-6, 1.5e-6, 2e-6, 3e-6, 5e-6)
    interference_lag: int = 1
    per_netlist: int = 10
    first_seed: int = 1
    workers: int = 0
    scheduler: str | None = None
    array_shape: tuple[int, int] = (8, 8)
    array_pitch_factors: tuple[float, ...] = ()

    def __post_init__(self):
        def whole(name, lo, hi):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
                raise ValueError(f"{name}={v!r}; allowed an integer {lo}..{hi}")

        whole("trials", 0, 100_000)
        whole("list_length", 1, 8)
        whole("interference_lag", 1, 8)
        whole("per_netlist", 2, 64)
        whole("first_seed", 0, 2**31 - 1)
        whole("workers", 0, 256)
        for name in ("law_lags", "trial_lags"):
            lags = getattr(self, name)
            if not lags or any(isinstance(k, bool) or not isinstance(k, int) for k in lags):
                raise ValueError(f"{name}={lags!r}; allowed integers 1..8")
            if any(not 1 <= k <= 8 for k in lags) or len(set(lags)) != len(lags):
                raise ValueError(f"{name}={lags!r}; allowed distinct integers 1..8")
        if not set(self.trial_lags) <= set(self.law_lags):
            raise ValueError(
                f"trial_lags={self.trial_lags!r}; allowed a subset of law_lags={self.law_lags!r}"
            )
        if len(self.pitches_m) < 2 or any(not 0.1e-6 <= x <= 50e-6 for x in self.pitches_m):
            raise ValueError(f"pitches_m={self.pitches_m!r}; allowed >= 2 pitches in 0.1..50 um")
        shape = self.array_shape
        if len(shape) != 2 or any(not (isinstance(n, int) and 3 <= n <= 32) for n in shape):
            raise ValueError(f"array_shape={self.array_shape!r}; allowed rows, cols in 3..32")
        if any(not 1.0 <= x <= 10.0 for x in self.array_pitch_factors):
            raise ValueError(f"array_pitch_factors={self.array_pitch_factors!r}; allowed 1..10")
        if not 0.1e-6 <= self.layout_pitch_m <= 50e-6:
            raise ValueError(f"layout_pitch_m={self.layout_pitch_m!r}; allowed 0.1..50 um")


QUICK = {
    "trials": 10,
    "law_lags": (1, 2, 3),
    "trial_lags": (1, 3),
    "list_length": 3,
    "pitches_m": (0.5e-6, 2e-6),
    "array_shape": (3, 3),
    "array_pitch_factors": (1.0, 2.0),
}
"""``--quick``: a smoke run of every protocol and control (a minute or two on 2 cores)."""
ARRAY = {"array_shape": (8, 8), "array_pitch_factors": (1.0, 1.5, 2.0)}
"""The command line's array reading: 8 x 8 at the layout pitch, 1.5 x and 2 x it."""


def variant(p: v4.IpnetV4Params, condition: str) -> v4.IpnetV4Params:
    return ablated(p, "capacity") if condition == "no_heat" else p


def _pitch(condition: str, pitch_m: float) -> float | None:
    return None if condition == "no_coupling" else pitch_m


def _trial_tasks(p, members, pitch, n_slots, plan: Plan, ambient_k, seed0, stack):
    """Tasks of ``plan.trials`` trials of a coupled row ``members``, several rows per
    netlist; and the next free seed."""
    per = max(1, plan.per_netlist // len(members))
    tasks, done, seed = [], 0, seed0
    while done < plan.trials:
        reps = min(per, plan.trials - done)
        slots, couplings = row(p, members, pitch, reps, stack)
        tasks.append(TrialTask(Net(p, slots, n_slots, couplings), seed, ambient_k))
        done, seed = done + reps, seed + 1
    return tasks, seed


def _run(fn, tasks, plan: Plan) -> list:
    """``fn`` over ``tasks`` on the plan's local workers or Dask scheduler, in task order."""
    return run_tasks(fn, tasks, plan.workers, plan.scheduler)


def _trials(tasks, n_members: int, plan: Plan) -> np.ndarray:
    """(trials x members x slots) booleans of the tasks of one row."""
    if not tasks:
        return np.zeros((0, n_members, 0), bool)
    out = [f.reshape(-1, n_members, f.shape[1]) for f in _run(run_trial_task, tasks, plan)]
    return np.concatenate(out)


# ----------------------------------------------------------------------------- protocols
def recency(p, plan: Plan, ambient_k: float, stack: ThermalStack) -> dict:
    """Gain P(fire | item L slots earlier) / P(fire | rested) vs L: a neuron at the layout
    pitch beside a silent neighbour; the law at every lag of ``plan.law_lags``, trials at
    ``plan.trial_lags``; fitted decay; controls."""
    lags = sorted(plan.law_lags)
    n_slots = lags[-1] + 1
    law_tasks = []
    for cond in CONDITIONS:
        q = variant(p, cond)
        pair_c = row(q, [(0, 1), ()], _pitch(cond, plan.layout_pitch_m), 1, stack)[1]
        all_slots, all_c = [], []
        for i, lag in enumerate(lags):
            all_slots += [(0, lag), ()]
            all_c += [(a + 2 * i, b + 2 * i, g) for a, b, g in pair_c]
        probes = ((0, 0), *((2 * i, lag) for i, lag in enumerate(lags)))
        law_tasks.append(
            LawTask(Net(q, tuple(all_slots), n_slots, tuple(all_c)), probes, ambient_k)
        )
    law = {}
    for cond, probs in zip(CONDITIONS, _run(law_probabilities, law_tasks, plan)):
        rested, probes = probs[0], probs[1:]
        law[cond] = {
            "p_rested": rested,
            "p_probe": probes,
            "gain": [x / rested for x in probes],
        }
    slot = p.slot_s
    m = p.mtj()
    out = {
        "slot_s": slot,
        "lags_slots": lags,
        "lags_s": [k * slot for k in lags],
        "law": law,
        "gain_by_lag": law["normal"]["gain"],
        "fit": fit_decays([k * slot for k in lags], [g - 1 for g in law["normal"]["gain"]]),
        "device_tau_s": {"rth_cth": m.rth * m.cth, "rth2_cth2": m.rth2 * m.cth2},
    }
    out["tau_s"] = out["fit"]["one"]["tau_s"] if out["fit"]["one"] else None
    if m.rth * m.cth < slot:
        out["fast_pole_note"] = (
            f"rth*cth = {m.rth * m.cth * 1e9:.3g} ns is shorter than one slot "
            f"({slot * 1e9:.3g} ns): the fast pole has decayed before the first lag and cannot "
            "show in the gain; a fast component of a two-exponential fit comes from the law's "
            "curvature (P grows exponentially with the junction's temperature), not that pole"
        )
    out["controls"] = {
        cond: {
            "gain_by_lag": law[cond]["gain"],
            "fit": fit_decays(out["lags_s"], [g - 1 for g in law[cond]["gain"]]),
        }
        for cond in ("no_coupling", "no_heat")
    }
    out["trials"] = _recency_trials(p, plan, ambient_k, stack) if plan.trials else None
    by_lag = {r["lag_slots"]: r for r in out["trials"]["normal"]["by_lag"]} if plan.trials else {}
    out["gain_by_lag_trials"] = [by_lag[k]["gain"] if k in by_lag else None for k in lags]
    out["gain_by_lag_ci95"] = [by_lag[k]["gain_ci95"] if k in by_lag else None for k in lags]
    out["intervals"] = (
        "gain_by_lag: the law (no trial noise); gain_by_lag_trials and gain_by_lag_ci95 beside "
        "it: the seeded trials' gain and its 95 % interval (from the Wilson intervals of "
        "P(probe) and P(rested)); None where a lag was not run as trials"
    )
    return out


def _recency_trials(p, plan: Plan, ambient_k: float, stack: ThermalStack) -> dict:
    points = [("normal", lag) for lag in sorted(plan.trial_lags)] + [("no_heat", 1)]
    tasks, index, seed = [], [], plan.first_seed
    for cond, lag in points:
        q = variant(p, cond)
        ts, seed = _trial_tasks(
            q, [(0, lag), ()], plan.layout_pitch_m, lag + 1, plan, ambient_k, seed, stack
        )
        index.append((cond, lag, len(tasks), len(tasks) + len(ts)))
        tasks += ts
    results = _run(run_trial_task, tasks, plan)
    out: dict = {"trials_per_point": plan.trials}
    for cond in ("normal", "no_heat"):
        rows = []
        runs = [(lag, np.concatenate(results[a:b])[0::2]) for c, lag, a, b in index if c == cond]
        rested = proportion(np.concatenate([f[:, 0] for _, f in runs]))
        for lag, f in runs:
            probe = proportion(f[:, lag])
            rows.append(
                {
                    "lag_slots": lag,
                    "probe": probe,
                    "gain": probe["p"] / rested["p"] if rested["p"] > 0 else math.nan,
                    "gain_ci95": ratio_interval(probe, rested),
                }
            )
        out[cond] = {"rested": rested, "by_lag": rows}
    return out


def free_recall(p, plan: Plan, ambient_k: float, stack: ThermalStack) -> dict:
    """A list of ``plan.list_length`` items, item i on neuron i in slot i, a lure neuron
    without an item at the end of the row; every neuron probed in slot L.  By serial
    position: P(fire), gain over the lure, d' = z(P_item) - z(P_lure), recalled if d' >= 1."""
    n = plan.list_length
    members = [(i, n) for i in range(n)] + [(n,)]
    probes = tuple((k, n) for k in range(n + 1))
    law_tasks = []
    for cond in CONDITIONS:
        q = variant(p, cond)
        slots, couplings = row(q, members, _pitch(cond, plan.layout_pitch_m), 1, stack)
        law_tasks.append(LawTask(Net(q, slots, n + 1, couplings), probes, ambient_k))
    law = {}
    for cond, probs in zip(CONDITIONS, _run(law_probabilities, law_tasks, plan)):
        lure = probs[-1]
        law[cond] = {
            "p_lure": lure,
            "by_position": [
                {
                    "position": i + 1,
                    "lag_slots": n - i,
                    "p_item": x,
                    "gain": x / lure,
                    "d_prime": z_difference(x, lure),
                    "recalled": z_difference(x, lure) >= RECALL_D_PRIME,
                }
                for i, x in enumerate(probs[:-1])
            ],
        }
    out = {
        "list_length": n,
        "criterion": f"recalled: d' >= {RECALL_D_PRIME:g} (d' = z(P_item) - z(P_lure))",
        "law": law,
        "by_position": law["normal"]["by_position"],
        "controls": {c: law[c] for c in ("no_coupling", "no_heat")},
        "trials": None,
    }
    if plan.trials:
        ts, _ = _trial_tasks(
            p, members, plan.layout_pitch_m, n + 1, plan, ambient_k, plan.first_seed + 10_000, stack
        )
        f = _trials(ts, n + 1, plan)[:, :, n]
        lure = proportion(f[:, n])
        rows = []
        for i in range(n):
            hit = proportion(f[:, i])
            dp = d_prime(hit, lure)
            rows.append(
                {
                    "position": i + 1,
                    "lag_slots": n - i,
                    "p_item": hit,
                    "gain": hit["p"] / lure["p"] if lure["p"] > 0 else math.nan,
                    "d_prime": dp["d"],
                    "d_prime_ci95": dp["ci95"],
                    "recalled": dp["d"] >= RECALL_D_PRIME,
                }
            )
        out["trials"] = {"trials": plan.trials, "lure": lure, "by_position": rows}
    return out


RECALL_D_PRIME = 1.0
"""A position counts as recalled when its discriminability against the lure is d' >= 1
(hits one standard deviation of the decision variable above false alarms)."""


def interference(p, plan: Plan, ambient_k: float, stack: ThermalStack) -> dict:
    """Two neurons at each pitch, both given an item in slot 0, neuron 1 probed
    ``plan.interference_lag`` slots later, against the same pair with neuron 2 silent:
    crosstalk = (P_both - P_alone) / (P_alone - P_rested); the pitch where it falls
    below 10 %, compared with the layout pitch."""
    lag = plan.interference_lag
    pitches = sorted({*plan.pitches_m, plan.layout_pitch_m})
    law = {}
    tasks = []
    for cond in CONDITIONS:
        q = variant(p, cond)
        scan = pitches if cond != "no_coupling" else [plan.layout_pitch_m]
        slots, couplings = [], []
        for pitch in scan:
            for partner in ((0,), ()):
                s, c = row(q, [(0, lag), partner], _pitch(cond, pitch), 1, stack)
                base = len(slots)
                slots += s
                couplings += [(a + base, b + base, g) for a, b, g in c]
        probes = tuple(
            x for k in range(len(scan)) for x in ((4 * k, lag), (4 * k + 2, lag), (4 * k + 2, 0))
        )
        tasks.append(
            (
                cond,
                scan,
                LawTask(Net(q, tuple(slots), lag + 1, tuple(couplings)), probes, ambient_k),
            )
        )
    results = _run(law_probabilities, [t for *_, t in tasks], plan)
    for (cond, scan, _), probs in zip(tasks, results):
        both, alone, rested = probs[0::3], probs[1::3], probs[2::3]
        own = [a - r for a, r in zip(alone, rested)]
        law[cond] = {
            "pitches_m": scan,
            "p_both": both,
            "p_alone": alone,
            "p_rested": rested,
            "own_excess": own,
            "delta_p": [b - a for b, a in zip(both, alone)],
            "crosstalk": [(b - a) / e if e > 0 else math.nan for b, a, e in zip(both, alone, own)],
        }
    normal = law["normal"]
    at_layout = normal["pitches_m"].index(plan.layout_pitch_m)
    out = {
        "lag_slots": lag,
        "budget": CROSSTALK_BUDGET,
        "law": law,
        "pitches_m": normal["pitches_m"],
        "crosstalk": normal["crosstalk"],
        "pitch_10pct_m": crossing_pitch(normal["pitches_m"], normal["crosstalk"], CROSSTALK_BUDGET),
        "layout_pitch_m": plan.layout_pitch_m,
        "crosstalk_at_layout": normal["crosstalk"][at_layout],
        "controls": {c: law[c] for c in ("no_coupling", "no_heat")},
        "trials": None,
    }
    if plan.trials:
        runs = {}
        seed = plan.first_seed + 20_000
        for name, partner in (("both", (0,)), ("alone", ())):
            ts, seed = _trial_tasks(
                p, [(0, lag), partner], plan.layout_pitch_m, lag + 1, plan, ambient_k, seed, stack
            )
            runs[name] = _trials(ts, 2, plan)[:, 0, :]
        both, alone = proportion(runs["both"][:, lag]), proportion(runs["alone"][:, lag])
        rested = proportion(np.concatenate([runs["both"][:, 0], runs["alone"][:, 0]]))
        own = alone["p"] - rested["p"]
        out["trials"] = {
            "trials": plan.trials,
            "pitch_m": plan.layout_pitch_m,
            "p_both": both,
            "p_alone": alone,
            "p_rested": rested,
            "crosstalk": (both["p"] - alone["p"]) / own if own > 0 else math.nan,
        }
    return out


def run_protocols(p, plan: Plan, ambient_k: float = NOMINAL_K, stack=None) -> dict:
    """The three protocols on design ``p`` (its first input) at ``ambient_k``."""
    p = one_input(p)
    stack = stack or load_thermal_stack()
    m = p.mtj()
    return {
        "design": {
            "device": Path(p.device_file).name,
            "vdd_v": p.vdd_v,
            "slot_s": p.slot_s,
            "write_current_ic0": p.write_current_ic0,
            "heat_current_ic0": p.heat_current_ic0,
            "rth_k_per_w": [m.rth, m.rth2],
            "tau_th_s": [m.rth * m.cth, m.rth2 * m.cth2],
        },
        "ambient_k": ambient_k,
        "plan": {
            "trials": plan.trials,
            "law_lags": list(plan.law_lags),
            "trial_lags": list(plan.trial_lags),
            "list_length": plan.list_length,
            "pitches_m": list(plan.pitches_m),
            "layout_pitch_m": plan.layout_pitch_m,
            "array_shape": list(plan.array_shape),
            "array_pitch_factors": list(plan.array_pitch_factors),
            "first_seed": plan.first_seed,
        },
        "recency": recency(p, plan, ambient_k, stack),
        "free_recall": free_recall(p, plan, ambient_k, stack),
        "interference": interference(p, plan, ambient_k, stack),
        "interference_array": interference_array(p, plan, ambient_k, stack),
    }


def interference_array(p, plan: Plan, ambient_k: float, stack: ThermalStack) -> dict | None:
    """The interference protocol on a ``plan.array_shape`` array (law reading)."""
    if not plan.array_pitch_factors:
        return None
    pitches = [plan.layout_pitch_m * x for x in plan.array_pitch_factors]
    rows, cols = plan.array_shape
    return wa.interference_array(
        p, rows, cols, pitches, plan.layout_pitch_m, plan.interference_lag, ambient_k, stack,
        lambda fn, tasks: _run(fn, tasks, plan),
    )  # fmt: skip


# ----------------------------------------------------------------------------- CLI
def parse_options(argv):
    parser = commandline.command_parser(
        "working-memory",
        description="Recency, free recall and interference on IPNet neuron v4: the memory as "
        "a change of firing probability, from the switching law on the circuit's drive and "
        "from seeded stochastic trials, with no-coupling and no-heat controls.",
    )
    parser.add_argument("--design", type=Path, default=None, metavar="FILE", help="v4 design file")
    add_device_argument(parser, "of the v4 neuron")
    commandline.add_temperature_argument(parser, f"{NOMINAL_K:g}")
    commandline.add_out_argument(parser, OUT_DIR)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="10 trials, lags 1-3, 3 items, 2 pitches and the layout pitch, a 3 x 3 array",
    )
    commandline.add_count_argument(parser, "--trials", "trials per ensemble point (default 200)")
    parser.add_argument(
        "--seed", type=commandline.positive_int("--seed", minimum=0), default=1, metavar="S",
        help="seed of the first stochastic netlist (default 1)",
    )  # fmt: skip
    parser.add_argument(
        "--layout-area-um2", type=commandline.positive_float("--layout-area-um2"),
        default=None, metavar="A",
        help="the neuron's layout area [um^2], pitch sqrt(A) (default, with `ipnet "
        "working-memory`: the design's own from the area model of area_energy)",
    )  # fmt: skip
    commandline.add_workers_argument(parser, "local worker processes")
    add_scheduler_argument(parser)
    commandline.add_debug_flag(parser)
    args = parser.parse_args(argv)
    commandline.check_workers(parser, args)
    return parser, args


LayoutArea = Callable[[v4.IpnetV4Params], float]
"""The layout area [um^2] of one neuron of a design (with its share of the periphery)."""


def main(argv: list[str] | None = None, layout_area: LayoutArea | None = None) -> int:
    """The command line.  ``layout_area``: the area model that gives the design's layout
    area when ``--layout-area-um2`` is not given (:mod:`area_energy.working_memory` passes
    the report's; without it the option is required)."""
    parser, args = parse_options(argv)
    if args.layout_area_um2 is None and layout_area is None:
        parser.error(
            "--layout-area-um2 is required here (`ipnet working-memory` computes it from the "
            "design's area model)"
        )

    def body() -> int:
        p = v4_design_from_options(args.design, args.device)
        if args.layout_area_um2 is None:
            area_um2, source = layout_area(p), "the design's area model (area_energy)"
        else:
            area_um2, source = args.layout_area_um2, "--layout-area-um2"
        pitch = math.sqrt(area_um2) * 1e-6
        base = {**QUICK} if args.quick else {**ARRAY}
        if args.trials is not None:
            base["trials"] = args.trials
        workers = commandline.usable_cores() if args.workers is None else args.workers
        try:
            plan = Plan(
                **base, layout_pitch_m=pitch, first_seed=args.seed, workers=workers,
                scheduler=args.scheduler,
            )  # fmt: skip
        except ValueError as exc:
            option = "--layout-area-um2" if "layout_pitch" in str(exc) else "--seed"
            value = area_um2 if option == "--layout-area-um2" else args.seed
            raise ValueError(f"{option} {value}: {exc}") from exc
        out = commandline.checked_out_dir(args.out)
        check_scheduler(plan.scheduler)  # unreachable: one line now, before any simulation
        ambient = NOMINAL_K if args.temp is None else args.temp
        summary = run_protocols(p, plan, ambient)
        summary["plan"]["layout_area_um2"] = area_um2
        summary["plan"]["layout_area_source"] = source
        publish(summary, out, wa.write_files)
        r, f, i = summary["recency"], summary["free_recall"], summary["interference"]
        print(
            f"working memory: gain {r['gain_by_lag'][0]:.2f} at {r['lags_slots'][0]} slot(s), "
            f"tau {_um(r['tau_s'], 1e9, 'ns')}; recalled positions "
            f"{[x['position'] for x in f['by_position'] if x['recalled']]}; crosstalk below "
            f"10 % beyond {_um(i['pitch_10pct_m'])} (layout pitch {_um(i['layout_pitch_m'])})"
        )
        if summary["interference_array"]:
            print(wa.summary_line(summary["interference_array"]))
        print(f"working memory -> {out}")
        return 0

    return commandline.run_main(parser.prog, body, args.debug)


def _um(x, scale=1e6, unit="um") -> str:
    return "none" if x is None else f"{x * scale:.2f} {unit}"


if __name__ == "__main__":
    # by its name: the tasks' function and classes are then pickled by reference for workers
    from pyspice_flows.experiments.working_memory_v4 import main as _main

    sys.exit(_main())
