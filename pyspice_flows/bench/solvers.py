"""Benchmark (i) of ``python -m pyspice_flows.bench``: ngspice's KLU against its default solver.

The coupled IPNet arrays of (d) (:mod:`pyspice_flows.bench.array`) with ngspice's default
sparse solver and with ``.options klu`` (ngspice 46), a short transient each: wall time of
``run``, ngspice's counters, and whether KLU's answer is the default's (largest difference
of any neuron's output voltage, interpolated on the default run's time points).  A solver
that fails a size (no operating point, time step too small) is recorded with ngspice's
message: the fastest *correct* choice is the one that runs every size and agrees.
"""

from __future__ import annotations

import time

import numpy as np

from circuits.ipnet_array import build_ipnet_array
from pyspice_flows.sim.session import Session, SimulationError, Transient

from .array import array_params

SOLVER_COUNTS = (1, 4, 16, 64)
SOLVER_STOP_S = 5e-9
"""Transient of each array [s]: the first input spike (0.5-1.5 ns) and its aftermath."""
AGREEMENT_V = 1e-3
"""Largest output-voltage difference [V] for KLU's run to count as the default's answer."""
SOLVER_OPTIONS = {"sparse": (), "klu": (".options klu",)}


def _run(n: int, stop_s: float, solver: str) -> dict:
    """One array transient under ``solver``: wall time (netlist loading included), accepted
    steps, every neuron's output; or the failure with ngspice's first message."""
    p = array_params(n, stop_s)
    an = Transient(10e-12, stop_s, max_step_s=20e-12)
    t0 = time.perf_counter()
    try:
        w = Session.get().run(build_ipnet_array(p), an, extra_lines=SOLVER_OPTIONS[solver])
    except SimulationError as exc:
        return {"failed": (exc.ngspice_messages or [str(exc)])[0]}
    wall = time.perf_counter() - t0
    outs = np.array([w.v(f"out{k + 1}") for k in range(n)])
    return {"wall_s": wall, "accepted": int(w.time.size), "time": w.time, "outs": outs}


def _difference_v(a: dict, b: dict) -> float:
    """Largest output difference [V] of run b against run a, on a's time points."""
    return float(
        max(
            np.max(np.abs(np.interp(a["time"], b["time"], ob) - oa))
            for oa, ob in zip(a["outs"], b["outs"])
        )
    )


def bench_solvers(counts=SOLVER_COUNTS, stop_s: float = SOLVER_STOP_S, say=print) -> dict:
    """Each array size with the default solver and with KLU; failures recorded, not raised."""
    Session.get()  # started and the OSDI models loaded before the first timed run
    rows = []
    for n in counts:
        runs = {solver: _run(n, stop_s, solver) for solver in SOLVER_OPTIONS}
        row: dict = {"neurons": n}
        if not any("failed" in r for r in runs.values()):
            diff = _difference_v(runs["sparse"], runs["klu"])
            row["klu_output_difference_V"] = diff
            row["klu_agrees"] = diff <= AGREEMENT_V
            row["klu_over_sparse_wall"] = runs["klu"]["wall_s"] / runs["sparse"]["wall_s"]
        for solver, r in runs.items():
            row[solver] = {k: v for k, v in r.items() if k not in ("time", "outs")}
        say(f"bench:   {n} neuron(s): sparse {_shown(row['sparse'])}, klu {_shown(row['klu'])}")
        rows.append(row)
    correct = all(r.get("klu_agrees", False) for r in rows)
    faster = [r["neurons"] for r in rows if r.get("klu_over_sparse_wall", 2.0) < 1.0]
    return {
        "what": f"one {stop_s * 1e9:.0f} ns transient of the coupled arrays of (d), ngspice's "
        "default sparse solver against .options klu (wall time of Session.run, netlist "
        f"loading included); KLU counts as correct where every output is within "
        f"{AGREEMENT_V * 1e3:g} mV of the default's",
        "rows": rows,
        "klu_correct_at_every_size": correct,
        "klu_faster_at": faster,
        "default": "klu" if correct and len(faster) == len(rows) else "sparse",
    }


def _shown(r: dict) -> str:
    return f"failed ({r['failed']})" if "failed" in r else f"{r['wall_s']:.2f} s"


def table_lines(res: dict) -> list[str]:
    cells = []
    for r in res["rows"]:
        ratio = r.get("klu_over_sparse_wall")
        cells.append(f"{r['neurons']}: " + (f"{ratio:.2f}x" if ratio else "a solver failed"))
    return [
        "(i) ngspice KLU / default solver wall   "
        + ", ".join(cells)
        + f"; default: {res['default']}"
    ]
