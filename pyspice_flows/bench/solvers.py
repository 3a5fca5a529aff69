"""Benchmark (i) of ``python -m pyspice_flows.bench``: which host runs a coupled array fastest.

The coupled IPNet arrays of (d) (:mod:`pyspice_flows.bench.array`, the same 20 ns
transient) on three hosts: ngspice with its default sparse solver, ngspice with
``.options klu`` (ngspice 46), and VACASK (:mod:`pyspice_flows.sim.vacask`), size after
size.  Per run: the wall time of the analysis (operating point and transient; ngspice's
``run``, VACASK's own clock), the accepted steps, and where the time went (device
evaluation and loading, factorization, solve: each simulator's own clocks).  A host that
fails a size or exceeds the time limit is recorded with the reason and not tried on larger
ones.  The answers are compared host against host: every neuron's spike times (``out``
rising through VDD / 2) and its junction rise ``th`` on uniform time points, within
:data:`SPIKE_TOLERANCE` and :data:`RISE_TOLERANCE`.  The fastest *correct* host is the one
that runs every size, agrees with the others, and is fastest at the largest size.
"""

from __future__ import annotations

import numpy as np

from .array import HOST_LABELS, HOSTS, SCALING_STOP_S, host_run

SOLVER_COUNTS = (1, 4, 16, 64, 256)
SOLVER_LIMIT_S = 300.0
"""Time limit of one run of (i) [s]: ngspice's 256-neuron array exceeds it with either solver."""
SPIKE_TOLERANCE = 0.01
"""Largest spike-time difference between hosts, relative to the spike's time (issue 24's
cross-simulator tolerance, 1 %)."""
RISE_TOLERANCE = 0.01
"""Largest junction-rise difference between hosts, relative to the array's peak rise."""


def agreement(a: dict, b: dict) -> dict:
    """How far run b's answers are from run a's: spike counts, spike times, junction rise."""
    same_counts = all(len(x) == len(y) for x, y in zip(a["spikes"], b["spikes"]))
    dt = [
        abs(tb - ta) / ta
        for xa, xb in zip(a["spikes"], b["spikes"])
        for ta, tb in zip(xa, xb)
        if ta > 0
    ]
    tha, thb = np.asarray(a["th_grid"]), np.asarray(b["th_grid"])
    peak = float(np.max(np.abs(tha)))
    rise = float(np.max(np.abs(thb - tha)) / peak) if peak > 0 else 0.0
    spikes = sum(map(len, a["spikes"]))
    worst = max(dt, default=0.0)
    return {
        "spikes": spikes,
        "spike_counts_equal": same_counts,
        "max_spike_time_difference_rel": worst,
        "peak_rise_K": peak,
        "max_rise_difference_rel": rise,
        "agree": bool(same_counts and worst <= SPIKE_TOLERANCE and rise <= RISE_TOLERANCE),
    }


def bench_solvers(
    counts=SOLVER_COUNTS,
    stop_s: float = SCALING_STOP_S,
    limit_s: float = SOLVER_LIMIT_S,
    hosts=HOSTS,
    say=print,
) -> dict:
    """Each array size on each host (one run each, hosts interleaved); failures and time
    limits recorded, not raised; the answers compared host against host."""
    rows, stopped = [], {}
    for n in counts:
        row: dict = {"neurons": n}
        answers = {}
        for host in hosts:
            if host in stopped:
                row[host] = {"not_run": stopped[host]}
                continue
            r = host_run(n, stop_s, host, limit_s)
            if "wall_s" not in r:
                stopped[host] = f"{_shown(r)} at {n} neurons"
            else:
                answers[host] = {k: r.pop(k) for k in ("spikes", "th_grid")}
                r["wall_per_step_per_neuron_us"] = r["wall_per_accepted_step_us"] / n
            row[host] = r
        ran = list(answers)
        row["agreement"] = {
            f"{x}/{y}": agreement(answers[x], answers[y])
            for i, x in enumerate(ran)
            for y in ran[i + 1 :]
        }
        row["fastest"] = min(ran, key=lambda h: row[h]["wall_s"]) if ran else None
        say(
            f"bench:   {n} neuron(s): "
            + ", ".join(f"{HOST_LABELS[h]} {_shown(row[h])}" for h in hosts)
        )
        rows.append(row)
    correct = [
        h
        for h in hosts
        if h not in stopped
        and all(a["agree"] for r in rows for k, a in r["agreement"].items() if h in k.split("/"))
    ]
    last = rows[-1] if rows else {}
    default = min(correct, key=lambda h: last[h]["wall_s"]) if correct else None
    return {
        "what": f"one {stop_s * 1e9:.0f} ns transient of the coupled arrays of (d) on ngspice's "
        "default sparse solver, ngspice's .options klu and VACASK (wall time of the analysis: "
        "ngspice's run, VACASK's own clock; one run each, limit "
        f"{limit_s:g} s); answers agree where spike counts are equal, spike times within "
        f"{SPIKE_TOLERANCE:.0%} and junction rises within {RISE_TOLERANCE:.0%} of the peak",
        "rows": rows,
        "stopped": stopped,
        "correct_at_every_size": correct,
        "default": default,
    }


def _shown(r: dict) -> str:
    if "not_run" in r:
        return "not run"
    if "exceeded_s" in r:
        return f"exceeded {r['exceeded_s']:g} s"
    if "failed" in r:
        return f"failed ({r['failed']})"
    return f"{r['wall_s']:.2f} s / {r['accepted']} steps"


def table_lines(res: dict) -> list[str]:
    """The printed table: wall time per host and size, and the ngspice / VACASK ratios."""
    out = [
        "(i) coupled array, one transient   "
        + "".join(f"{HOST_LABELS[h]:>18s}" for h in HOSTS)
        + "   default/VACASK  KLU/VACASK"
    ]
    for r in res["rows"]:
        cells = "".join(
            f"{r[h]['wall_s']:16.2f} s" if "wall_s" in r.get(h, {}) else f"{_shown(r[h]):>18s}"
            for h in HOSTS
            if h in r
        )
        ratios = [
            f"{r[h]['wall_s'] / r['vacask']['wall_s']:14.2f}"
            if "wall_s" in r.get(h, {}) and "wall_s" in r.get("vacask", {})
            else f"{'-':>14s}"
            for h in ("sparse", "klu")
        ]
        out.append(f"    {r['neurons']:5d} neurons              {cells}  {''.join(ratios)}")
    out.append(f"    fastest correct host: {res['default']}")
    return out
