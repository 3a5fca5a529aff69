"""Benchmark (d) of ``python -m pyspice_flows.bench``: cost of a thermally coupled array.

One transient of an R x C IPNet array (:mod:`circuits.ipnet_array`, 1 .. 1,024 neurons,
the nearest square shape) at the layout pitch with its thermal coupling network, every
neuron driven by the same regular input train, on one of three hosts (:data:`HOSTS`:
ngspice with its default solver or KLU, in a child process under a time limit; VACASK):
wall time of the analysis (median of repeats), the simulator's own counters and where the
time went, and every neuron's spike times and junction rise (what (i),
:mod:`pyspice_flows.bench.solvers`, compares between hosts).  The arrays' default host is
the fastest correct one that (i) measured (:data:`ARRAY_DEFAULT_HOST`).  Arrays of
:data:`TILED_START_MIN_NEURONS` or more start from one neuron's operating point tiled onto
every neuron (:func:`tiled_start`, :mod:`circuits.array_start`) and run on VACASK without
its residual check (:data:`LARGE_ARRAY_VACASK_OPTIONS`).  Targets (issue 24): time
~ N^k with k <= 1.15 over the whole range and <= 1.3 between successive sizes, judged on
the simulation's CPU time (:data:`VERDICT_WHY`), the wall time beside it.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time

import numpy as np

from circuits.ipnet_array import (
    DEFAULT_PITCH_M,
    ArrayParams,
    TiledStart,
    build_ipnet_array,
    coupling_network,
)
from circuits.ipnet_neuron import IpnetParams
from circuits.scenarios import IPNET_INPUT_RATE_HZ, IPNET_SPIKE_WIDTH_S
from circuits.spice_cards import save_card
from circuits.stimulus import regular
from pyspice_flows.sim.array_start import TILED_START_MIN_NEURONS, rest_start, uses_tiled_start
from pyspice_flows.sim.session import OperatingPoint, Session, Transient, netlist_for

from .device import _RUSAGE_KEYS as RUSAGE_KEYS
from .device import WORK_DIR, RunStats, stats_dict

_COUNTS = ("accepted", "rejected", "iterations", "equations")

EXPONENT_TARGET = 1.15
"""Growth exponent of wall time versus neurons over the whole range, at most (issue 24)."""
LOCAL_EXPONENT_TARGET = 1.3
"""Growth exponent between any two successive sizes, at most (issue 24)."""
ARRAY_COUNTS = (1, 4, 16, 64, 256, 1024)
SCALING_STOP_S = 20e-9
NGSPICE_MAX_NEURONS = 64
"""The largest array ngspice runs in (d) when VACASK is missing (larger ones: see
:data:`ARRAY_DEFAULT_HOST`)."""


def array_shape(n: int) -> tuple[int, int]:
    """The most nearly square rows x cols with rows * cols = n."""
    if not (isinstance(n, int) and n >= 1):
        raise ValueError(f"array benchmark: n={n!r} neurons; allowed an integer >= 1")
    rows = int(math.isqrt(n))
    while n % rows:
        rows -= 1
    return rows, n // rows


def array_params(
    n: int, stop_s: float, pitch_m: float = DEFAULT_PITCH_M, start: TiledStart | None = None
) -> ArrayParams:
    """``n`` coupled neurons, each driven by the same regular 0.5 GHz train; ``start``: the
    tiled start (None: the simulators' own, with each neuron's latch set)."""
    nrn = IpnetParams()
    count = max(1, int(stop_s * IPNET_INPUT_RATE_HZ) - 1)
    train = regular(IPNET_INPUT_RATE_HZ, count, nrn.vdd_v, IPNET_SPIKE_WIDTH_S, start_s=0.5e-9)
    rows, cols = array_shape(n)
    return ArrayParams(nrn, rows, cols, pitch_m, inputs=((train,),) * n, start=start)


def tiled_start() -> TiledStart:
    """One neuron's rest state: the operating point of a 1 x 1 array of :func:`array_params`
    (inputs at 0 V at t = 0) on the arrays' default host (:func:`default_array_host`:
    VACASK, else ngspice), computed once per process for that netlist and simulator by
    :func:`pyspice_flows.sim.array_start.rest_start`.  Rendered as ``.nodeset`` cards, the
    same start reaches every host's netlist; arrays of :data:`TILED_START_MIN_NEURONS` or
    more use it (:func:`uses_tiled_start`)."""
    host, _ = default_array_host()
    if host == "vacask":
        from pyspice_flows.sim.vacask import VacaskSession

        session = VacaskSession.get()
    else:
        session = Session.get()
    return rest_start(build_ipnet_array(array_params(1, SCALING_STOP_S)), session)


LARGE_ARRAY_VACASK_OPTIONS = {"nr_residualcheck": "0"}
"""VACASK's own options for arrays of :data:`TILED_START_MIN_NEURONS` or more, whatever
their start: Newton converges on the change of the solution alone, without VACASK's extra
check of every equation's residual (ngspice's criterion; the remedy VACASK's author gives
where that check cannot set a reference).  The shared bias lines carry the gate leakage of
every neuron: at 1,024 neurons the residual of ``vbr`` stays at 1.32e-12 A, above VACASK's
tolerance, while the solution no longer moves (change 1.6e-16): from the tiled start the
operating point had not converged after 300 s; without the check it takes 9 Newton
iterations (measured; 256 neurons converge with the check too)."""


def vacask_options(n: int) -> dict[str, str]:
    """VACASK's own options of an array of ``n`` neurons: :data:`LARGE_ARRAY_VACASK_OPTIONS`
    from :data:`TILED_START_MIN_NEURONS` neurons on, none below."""
    return dict(LARGE_ARRAY_VACASK_OPTIONS) if n >= TILED_START_MIN_NEURONS else {}


def array_testbench(
    n: int,
    stop_s: float,
    pitch_m: float = DEFAULT_PITCH_M,
    before_analysis: tuple[str, ...] = (),
    tiled: bool | None = None,
    options: dict[str, object] | None = None,
) -> str:
    """The netlist text of :func:`array_params` with its transient (20 ps max step), from
    the tiled start when :func:`uses_tiled_start`; ``options`` join the array's own card."""
    p = array_params(n, stop_s, pitch_m, tiled_start() if uses_tiled_start(n, tiled) else None)
    return netlist_for(
        build_ipnet_array(p),
        Transient(10e-12, stop_s, max_step_s=20e-12),
        options=options,
        before_analysis=before_analysis,
    )


# ----------------------------------------------------------------------------- hosts
HOSTS = ("sparse", "klu", "vacask")
"""Where an array runs: ngspice with its default sparse solver, ngspice with
``.options klu``, VACASK (its own KLU; the same netlist through :mod:`pyspice_flows.sim.vacask`)."""
HOST_LABELS = {"sparse": "ngspice default", "klu": "ngspice KLU", "vacask": "VACASK"}
RUN_LIMIT_S = 1800.0
"""Time limit of one array run of (d) [s] (a run beyond it is recorded as exceeded): the
1,024-neuron array took VACASK about 16 minutes on a loaded 2-core machine."""


def host_netlist(n: int, stop_s: float, host: str, tiled: bool | None = None) -> str:
    """The array testbench for ``host``: every neuron's output and thermal node saved (not
    the ~200 internal nodes per neuron: the run's cost, not its dump), KLU when asked;
    ``tiled``: the start (:func:`uses_tiled_start`)."""
    if host not in HOSTS:
        raise ValueError(f"array host {host!r}; allowed: {', '.join(HOSTS)}")
    saves = [
        save_card(v for k in range(i, min(i + 32, n + 1)) for v in (f"v(out{k})", f"v(th{k})"))
        for i in range(1, n + 1, 32)
    ]
    klu = {"klu": True} if host == "klu" else None
    return array_testbench(n, stop_s, before_analysis=tuple(saves), tiled=tiled, options=klu)


def spike_times_s(t: np.ndarray, v: np.ndarray, threshold_v: float) -> list[float]:
    """Rising crossings of ``threshold_v`` (linear interpolation between time points)."""
    above = v >= threshold_v
    idx = np.flatnonzero(~above[:-1] & above[1:])
    return [float(t[i] + (threshold_v - v[i]) * (t[i + 1] - t[i]) / (v[i + 1] - v[i])) for i in idx]


GRID_POINTS = 101
"""Uniform time points on which each neuron's junction rise is kept for comparing hosts."""


def _answers(n: int, time_s: np.ndarray, vec) -> dict:
    """Every neuron's spike times (``out`` rising through VDD / 2) and its junction rise
    ``th`` [K] on :data:`GRID_POINTS` uniform time points: what hosts are compared on."""
    thr = IpnetParams().vdd_v / 2
    grid = np.linspace(0.0, float(time_s[-1]), GRID_POINTS)
    return {
        "spikes": [spike_times_s(time_s, vec(f"out{k}"), thr) for k in range(1, n + 1)],
        "th_grid": [np.interp(grid, time_s, vec(f"th{k}")).tolist() for k in range(1, n + 1)],
    }


def ngspice_array_run(n: int, stop_s: float, host: str, tiled: bool | None = None) -> dict:
    """One array transient in this process's ngspice: wall time of ``run`` (operating point
    and transient), ngspice's counters (``rusage all``) and every neuron's spike times."""
    text = host_netlist(n, stop_s, host, tiled)
    s = Session.get()
    path = WORK_DIR / "netlists" / f"array_{host}_x{n}.cir"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    s.command(f"source {path}")
    try:
        t0, cpu0 = time.perf_counter(), time.process_time()
        said = s.command("run")
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        counters = {}
        for line in s.command("rusage all"):
            key, _, value = line.partition("=")
            if key.strip() == "Total iterations":
                counters["total_iterations"] = float(value.split()[0])
            if key.strip() in RUSAGE_KEYS:
                counters[RUSAGE_KEYS[key.strip()]] = float(value.split()[0])
        _, vectors = s._current_vectors()  # the run's plot, before it is destroyed
    finally:
        s.command("destroy all")
        s.command("remcirc")
    if "time" not in vectors:
        return {"failed": next((m for m in said if m.strip()), "no transient results")}
    total = int(counters.pop("total_iterations", 0))
    r = RunStats(wall_s=wall, **{k: int(v) if k in _COUNTS else v for k, v in counters.items()})
    return dict(
        stats_dict(r),
        cpu_s=cpu,
        op_iterations=total - r.iterations,
        tiled_start=uses_tiled_start(n, tiled),
        **_answers(n, vectors["time"], lambda k: vectors[k]),
    )


def vacask_array_run(
    n: int, stop_s: float, limit_s: float = RUN_LIMIT_S, tiled: bool | None = None
) -> dict:
    """One array transient in VACASK: its analysis clock (operating point and transient),
    the process's wall, its counters and every neuron's spike times."""
    from pyspice_flows.sim.vacask import VacaskError, VacaskSession

    text = host_netlist(n, stop_s, "vacask", tiled)
    session = VacaskSession(timeout=limit_s, vacask_options=vacask_options(n))
    try:
        w = session.run_netlist(text)
    except VacaskError as exc:
        if "time limit" in str(exc):
            return {"exceeded_s": limit_s}
        return {"failed": (exc.ngspice_messages or [str(exc)])[0]}
    return {
        **session.last_stats.record(),
        "tiled_start": uses_tiled_start(n, tiled),
        **_answers(n, w.time, w.v),
    }


ARRAY_DEFAULT_HOST = "vacask"
"""The fastest correct host of the coupled arrays (``make bench`` (i), README's simulator
section): the default of (d) and of the array runs; ``--simulator`` overrides it."""
NGSPICE_ARRAY_SOLVER = "sparse"
"""ngspice's solver for arrays when ngspice is asked for (KLU fails some operating points)."""


def default_array_host(simulator: str | None = None) -> tuple[str, str | None]:
    """The host of an array run: ``simulator`` (``ngspice`` or ``vacask``) when given, else
    :data:`ARRAY_DEFAULT_HOST`; VACASK falls back to ngspice when it cannot run here, with
    the reason (the sizes beyond :data:`NGSPICE_MAX_NEURONS` are then skipped)."""
    from pyspice_flows.sim import simulator_name
    from pyspice_flows.sim.vacask import unavailable_reason

    wanted = simulator_name(simulator) if simulator else ARRAY_DEFAULT_HOST
    if wanted == "ngspice":
        return NGSPICE_ARRAY_SOLVER, None
    reason = unavailable_reason() if wanted == "vacask" else None
    if reason is None:
        return wanted, None
    return NGSPICE_ARRAY_SOLVER, (
        f"VACASK cannot run here ({reason}); ngspice runs arrays of at most "
        f"{NGSPICE_MAX_NEURONS} neurons within the bench's time"
    )


_CHILD = """
import json, sys
from pyspice_flows.bench.array import ngspice_array_run
tiled = json.loads(sys.argv[4])
print(json.dumps(ngspice_array_run(int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], tiled)))
"""


def host_run(
    n: int, stop_s: float, host: str, limit_s: float = RUN_LIMIT_S, tiled: bool | None = None
) -> dict:
    """One array transient on ``host`` under ``limit_s``: ngspice in a child process (its
    own ngspice, killed at the limit), VACASK as its own process; ``tiled``: the start
    (:func:`uses_tiled_start`).  Returns the counters and spike times (``tiled_start``
    says which start ran), or ``exceeded_s`` / ``failed`` (the simulator's first message)."""
    if host == "vacask":
        return vacask_array_run(n, stop_s, limit_s, tiled)
    return python_child(_CHILD, [str(n), repr(stop_s), host, json.dumps(tiled)], limit_s)


def python_child(code: str, args: list[str], limit_s: float, stdin: str = "") -> dict:
    """Run ``code`` in a child interpreter under ``limit_s``: the JSON of its last output
    line, else ``{"exceeded_s": limit_s}`` or ``{"failed": its last error line}``."""
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code, *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=limit_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"exceeded_s": limit_s}
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        return {"failed": lines[-1] if lines else f"exit status {proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def growth_exponent(neurons, walls_s) -> float:
    """Slope of log(wall) versus log(neurons) (least squares); nan for fewer than 2 points."""
    if len(neurons) < 2:
        return float("nan")
    return float(np.polyfit(np.log(neurons), np.log(walls_s), 1)[0])


def growth_exponents(neurons, times_s) -> tuple[float, list[float]]:
    """:func:`growth_exponent` over all counts, and between each two successive counts."""
    pairs = range(len(neurons) - 1)
    local = [growth_exponent(neurons[i : i + 2], times_s[i : i + 2]) for i in pairs]
    return growth_exponent(neurons, times_s), local


VERDICT_WHY = {
    "cpu": "CPU time of the simulation: the work the simulator does for the array; the wall "
    "time also carries the other processes on the machine (on the shared 2-core machine the "
    "wall slope 64 -> 256 was 1.48 from load while the CPU slope was 1.23); wall printed beside. "
    "VACASK's CPU covers its whole process (parsing and elaboration too, 0.1-0.2 s): a "
    "fixed cost that lowers the slopes between the smallest sizes",
    "wall": "wall time: a run without its CPU time (the verdict falls back to the wall)",
}
"""Why (d)'s verdict reads the series it reads (``verdict_on``)."""


def _met(skipped: dict, exponent: float, local: list[float]) -> bool:
    """Issue 24's targets on one series: every size ran, the exponent over all and every
    successive one within :data:`EXPONENT_TARGET` and :data:`LOCAL_EXPONENT_TARGET`."""
    return bool(
        not skipped
        and exponent <= EXPONENT_TARGET
        and all(x <= LOCAL_EXPONENT_TARGET for x in local)
    )


def bench_array_scaling(
    counts: tuple[int, ...] = ARRAY_COUNTS,
    stop_s: float = SCALING_STOP_S,
    repeats: int = 3,
    simulator: str | None = None,
    say=print,
) -> dict:
    """Median wall time of one transient per array size on the host of
    :func:`default_array_host` (``simulator``), and the fitted growth exponents of its wall
    and CPU time.  The verdict (``met``) is on the CPU time (``verdict_on``, why in
    ``verdict_why``; ``met_on_wall`` beside it).  Sizes the host cannot run (VACASK missing,
    or a smaller size already beyond :data:`RUN_LIMIT_S`) are skipped with the reason."""
    host, reason = default_array_host(simulator)
    rows, skipped, failed_at = [], {}, None
    for n in counts:
        if reason and n > NGSPICE_MAX_NEURONS:
            skipped[n] = reason
            continue
        if failed_at:
            skipped[n] = f"the {failed_at}-neuron array did not run"
            continue
        runs = [host_run(n, stop_s, host) for _ in range(repeats if n <= 16 else 1)]
        done = sorted((r for r in runs if "wall_s" in r), key=lambda r: r["wall_s"])
        if not done:
            skipped[n], failed_at = _shown(runs[0]), n
            say(f"bench:   {n} neuron(s): {skipped[n]}")
            continue
        st = dict(done[len(done) // 2], walls_s=[r["wall_s"] for r in done])
        spikes = st.pop("spikes")
        st.pop("th_grid")
        say(f"bench:   {n} neuron(s): {_shown(st)}")
        st.update(
            neurons=n,
            shape=list(array_shape(n)),
            coupling_resistors=len(coupling_network(array_params(n, stop_s))),
            repeats=len(done),
            spikes_per_neuron=[min(map(len, spikes)), max(map(len, spikes))],
            wall_per_step_per_neuron_us=st["wall_per_accepted_step_us"] / n,
        )
        rows.append(st)
    for r in rows:
        r["wall_relative_to_1"] = r["wall_s"] / rows[0]["wall_s"]
    ns, walls = [r["neurons"] for r in rows], [r["wall_s"] for r in rows]
    per_step = [r["wall_per_step_per_neuron_us"] * r["neurons"] for r in rows]
    exponent, local = growth_exponents(ns, walls)
    has_cpu = bool(rows) and all("cpu_s" in r for r in rows)
    cpu_exponent, cpu_local = (
        growth_exponents(ns, [r["cpu_s"] for r in rows]) if has_cpu else (float("nan"), [])
    )
    on = "cpu" if has_cpu else "wall"
    return {
        "what": f"one {stop_s * 1e9:.0f} ns transient of an R x C IPNet array (38 transistors + "
        f"1 MTJ per neuron, one shared bias generator) at pitch {DEFAULT_PITCH_M * 1e6:.2g} um "
        "with its thermal coupling network (nearest and diagonal neighbours within 3 healing "
        "lengths); every neuron driven by the same input train; outputs and thermal nodes saved",
        "host": host,
        "host_label": HOST_LABELS[host],
        "host_reason": reason,
        "rows": rows,
        "skipped": {str(k): v for k, v in skipped.items()},
        "growth_exponent": exponent,
        "local_exponents": local,
        "local_exponents_what": "slope between successive counts (the fit is over all of them)",
        "per_step_growth_exponent": growth_exponent(ns, per_step),
        "per_step_what": "slope of wall time per accepted step versus neurons",
        "cpu_growth_exponent": cpu_exponent,
        "cpu_local_exponents": cpu_local,
        "cpu_what": "slope of the CPU time of the run (ngspice: its run command; VACASK: the "
        "whole process) versus neurons: the figure other processes on the machine disturb least",
        "target": f"<= {EXPONENT_TARGET} over all, <= {LOCAL_EXPONENT_TARGET} between successive",
        "verdict_on": on,
        "verdict_why": VERDICT_WHY[on],
        "met": _met(skipped, cpu_exponent, cpu_local)
        if has_cpu
        else _met(skipped, exponent, local),
        "met_on_wall": _met(skipped, exponent, local),
    }


def _shown(r: dict) -> str:
    if "exceeded_s" in r:
        return f"exceeded {r['exceeded_s']:g} s"
    if "failed" in r:
        return f"failed ({r['failed']})"
    return f"{r['wall_s']:.2f} s, {r['accepted']} steps"


START_COUNTS = (16, 64, 256)
START_STOP_S = 0.5e-9
"""Transient of the start comparison [s]: the operating point and the first ~50 steps."""


def bench_array_start(
    counts: tuple[int, ...] = START_COUNTS,
    stop_s: float = START_STOP_S,
    limit_s: float = RUN_LIMIT_S,
    say=print,
) -> dict:
    """The tiled start against VACASK's own start per array size (both with the array's
    :func:`vacask_options`): Newton iterations and VACASK's clock of the operating point
    alone, then of the operating point and a ``stop_s`` transient (outputs and thermal nodes
    saved), and the largest difference of any junction rise between the two [K] (the
    solution must not depend on the start)."""
    from pyspice_flows.sim.vacask import VacaskError, VacaskSession

    host, reason = default_array_host("vacask")
    if host != "vacask":
        return {"skipped": reason}
    rows = []
    for n in counts:
        row: dict = {"neurons": n}
        for tiled in (False, True):
            session = VacaskSession(timeout=limit_s, vacask_options=vacask_options(n))
            p = array_params(n, stop_s, start=tiled_start() if tiled else None)
            try:
                session.run(build_ipnet_array(p), OperatingPoint())
                st = session.last_stats
                op = {"op_iterations": st.newton_iterations, "op_s": st.analysis_s}
            except VacaskError as exc:
                op = {"op_failed": str(exc).splitlines()[0]}
            run = vacask_array_run(n, stop_s, limit_s, tiled)
            run.pop("spikes", None)
            row["tiled" if tiled else "own"] = {**op, **run}
            say(f"bench:   {n} neurons, {'tiled' if tiled else 'own'} start: {op} {_shown(run)}")
        grids = [row[k].pop("th_grid", None) for k in ("own", "tiled")]
        if all(g is not None for g in grids):
            row["max_rise_difference_K"] = float(np.max(np.abs(np.subtract(*grids))))
        rows.append(row)
    return {
        "what": f"operating point, then operating point and a {stop_s * 1e9:g} ns transient of "
        "the arrays of (d) on VACASK, from VACASK's own start and from one neuron's operating "
        "point tiled onto every neuron (.nodeset); from 16 neurons on both without VACASK's "
        "residual check",
        "rows": rows,
    }
