"""Benchmarks of the simulation stack: ``python -m pyspice_flows.bench`` -> build/bench.json.

(a) ``a_mtj_vs_floor``: the OSDI ``mtj`` model's cost per accepted time step against the
    OSDI ``thermal_resistor`` (a linear resistor heating a first-order RC thermal node, the
    floor a compact model can reach) in the same testbench: a single device driven by four
    +-2 Ic0 current pulses.  Target: at most 1.5x.
(b) ``b_bsource_vs_osdi``: the same MTJ equations written as ngspice behavioural sources
    (B-sources and ``.func``; the states m and x on capacitor nodes) against the compiled
    OSDI model, same testbench.  Target: OSDI faster.  Both runs' switching delays and
    peak temperature rises are compared to show the transcription is faithful.
    (a) and (b) run under ngspice's default trapezoidal integration and again under
    ``.options method=gear`` (what the IPNet testbench uses); the headline is the default.
(c) ``c_sweep_throughput``: samples per second of the default sweep's samples with 1 and 2
    local worker processes (same samples, fresh output folder).  Target: speed-up >= 1.7x
    on 2 cores.  Beside it, the speed-up that plain CPU work got from 2 processes at the
    same time: other processes on the machine lower both.
(d) ``d_energy_report`` and ``d_neuron_scaling``: wall time of the energy report
    (``ipnet report --out <tmp>`` run as a command, with the time its simulations took),
    and the cost of one transient of a thermally coupled IPNet array with 1 to 1,024
    neurons (:mod:`pyspice_flows.bench.array`) on the arrays' default host (the fastest
    correct one of (i); ``--simulator`` overrides it); targets: wall ~ N^k with k <= 1.15
    over the whole range and <= 1.3 between successive sizes.

(e) ``e_default_sweep``: the default 72-sample sweep from scratch: its wall time, and no
    sample timing out at the spec's per-sample limit.
(g) ``g_report_cache``: the report behind the simulation cache, cold, warm and after a
    rule-deck change (:mod:`pyspice_flows.bench.report_cache`); targets warm <= 5 s, no
    transient re-simulated after the rule change, cold <= 30 s.
(h) ``h_simulators``: ngspice against VACASK on the same netlists (the pulse testbench of
    (a), the IPNet standard run, a 16 x 16 array): wall time per accepted step and the
    VACASK / ngspice ratio table (:mod:`pyspice_flows.bench.simulators`).
(i) ``i_solvers``: the coupled arrays of (d) (1 to 256 neurons) on ngspice's default
    solver, ngspice's KLU and VACASK, the answers compared host against host, and the
    ngspice / VACASK ratio table (:mod:`pyspice_flows.bench.solvers`).

Every time is the median over repeated runs; every ratio is formed from runs of this
invocation, interleaved (A, B, A, B, ...) so drifts hit both sides.  Where the time goes:
each run carries ngspice's own counters (accepted/rejected time points, Newton iterations,
load/factor/solve/truncation time, from ``rusage all``), and ``profile`` a cProfile of the
Python side of one IPNet run (``build/bench/ipnet_run.prof``).  Targets missed are
reported as missed; nothing here is asserted by the test suite.

``python -m pyspice_flows.bench [--quick] [--only a,b,c,d,e,g,h,i] [--repeats N] [--out FILE]``
"""

from __future__ import annotations

import cProfile
import io
import json
import math
import os
import platform
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from circuits.paths import BUILD_DIR, REPO_ROOT, shown
from circuits.scenarios import ipnet_scenario
from pyspice_flows.app.commandline import add_count_argument, add_debug_flag, command_parser
from pyspice_flows.sim.session import Session

from .array import (
    ARRAY_COUNTS,
    EXPONENT_TARGET,
    LOCAL_EXPONENT_TARGET,
    SCALING_STOP_S,
    bench_array_scaling,
    default_array_host,
)
from .device import (
    B_TARGET,
    WORK_DIR,
    bench_device,
)
from .report_cache import bench_report_cache
from .simulators import bench_simulators
from .simulators import table_lines as simulator_table_lines
from .solvers import SOLVER_COUNTS, bench_solvers
from .solvers import table_lines as solver_table_lines
from .sweeps import bench_default_sweep, bench_sweep

OUT_JSON = BUILD_DIR / "bench.json"


# ----------------------------------------------------------------------------- (d)
REPORT_COMMAND = ("ipnet", "report")
"""The energy report as a command (the console script of this environment): the benchmark
times it as a user runs it, without importing the layer above this one."""


def _report_command(out_dir: Path) -> list[str] | None:
    """``ipnet report --out DIR`` with the ``ipnet`` script beside this interpreter (None if
    it is not installed: `make venv` installs it)."""
    script = Path(sys.executable).with_name(REPORT_COMMAND[0])
    found = str(script) if script.is_file() else shutil.which(REPORT_COMMAND[0])
    return None if found is None else [found, *REPORT_COMMAND[1:], "--out", str(out_dir)]


def bench_energy_report(repeats: int) -> dict:
    what = (
        "`ipnet report --out <tmp>` as a command (imports, ngspice start, OSDI cache check, "
        "every simulation of `make energy-report` with an empty simulation cache, figures and "
        "files into a temporary folder)"
    )
    walls, inner, errors = [], [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
            cmd = _report_command(Path(tmp) / "report")
            if cmd is None:
                errors.append(["the `ipnet` command is not installed (run `make venv`)"])
                break
            env = dict(os.environ, IPNET_SIM_CACHE_DIR=str(Path(tmp) / "sim_cache"))
            t0 = time.perf_counter()  # every repeat cold: an empty simulation cache
            proc = subprocess.run(
                cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False
            )
            wall = time.perf_counter() - t0
        m = re.search(r"simulations done in ([0-9.eE+-]+) s", proc.stdout)
        if proc.returncode != 0 or not m:
            errors.append((proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"])
            continue
        walls.append(wall)
        inner.append(float(m.group(1)))
    if not walls:
        return {"what": what, "error": errors[0][0]}
    return {
        "what": what,
        "repeats": len(walls),
        "walls_s": walls,
        "median_wall_s": statistics.median(walls),
        "median_build_results_s": statistics.median(inner),
        "failures": len(errors),
    }


# ----------------------------------------------------------------------------- profile
def profile_python_side() -> dict:
    """cProfile of one Session.run of the standard IPNet scenario (80 ns)."""
    sc = ipnet_scenario()
    tr = sc.analysis()
    s = Session.get()
    s.run(sc.circuit, tr)  # warm
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    s.run(sc.circuit, tr)
    prof.disable()
    wall = time.perf_counter() - t0
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    prof.dump_stats(WORK_DIR / "ipnet_run.prof")
    st = pstats.Stats(prof, stream=io.StringIO())
    top = []
    for (file, line, func), (_cc, nc, tt, ct, _) in sorted(
        st.stats.items(), key=lambda kv: -kv[1][3]
    )[:14]:
        top.append(
            {
                "function": f"{Path(file).name}:{line}:{func}",
                "calls": nc,
                "tottime_s": round(tt, 5),
                "cumtime_s": round(ct, 5),
            }
        )
    # cffi's C calls are invisible to cProfile: the time ngspice spends in ngSpice_Command
    # ("run") shows up as the own time (tottime) of Session.run itself.
    in_run = sum(v[2] for k, v in st.stats.items() if k[2] == "run" and k[0].endswith("session.py"))
    return {
        "what": "cProfile of Session.run(ipnet scenario), after one warm-up run",
        "wall_s": wall,
        "ngspice_run_call_s": in_run,
        "everything_else_s": wall - in_run,
        "everything_else": "netlist text from PySpice, ngSpice_Circ loading, vector copies to numpy",
        "top_by_cumtime": top,
        "pstats_file": shown(WORK_DIR / "ipnet_run.prof"),
    }


# ----------------------------------------------------------------------------- CLI
def _machine() -> dict:
    s = Session.get()
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "ngspice": s.version,
        "ngspice_threads": s.threads,
        "numpy": np.__version__,
    }


def _fmt_target(d: dict) -> str:
    return "met" if d.get("met") else "MISSED"


def table_lines(res: dict) -> list[str]:
    out = ["benchmark                                   measured            target    result"]
    if "a_mtj_vs_floor" in res:
        a = res["a_mtj_vs_floor"]
        out.append(
            f"(a) mtj / thermal_resistor, cost per step  {a['ratio_cost_per_step']:6.2f}x "
            f"({a['mtj']['wall_per_accepted_step_us']:.0f} vs {a['floor']['wall_per_accepted_step_us']:.0f} us)"
            f"  <= 1.25x   {_fmt_target(a)}"
        )
        for name, tgt in a.get("targets", {}).items():
            out.append(
                f"    {name:<28} {tgt['measured']:6.2f}   <= {tgt['at_most']:<5g}  "
                f"{'met' if tgt['met'] else 'MISSED'}"
            )
        out.append(
            f"    steps: mtj {a['mtj']['accepted']}, floor {a['floor']['accepted']}; Newton iterations "
            f"per step {a['newton']['mtj_iterations_per_step']:.1f} vs "
            f"{a['newton']['floor_iterations_per_step']:.1f}; total wall "
            f"{a['mtj']['wall_s'] * 1e3:.0f} vs {a['floor']['wall_s'] * 1e3:.0f} ms"
        )
        g = a["with_options"].get("gear")
        if g:
            out.append(
                f"    with .options method=gear: {g['ratio_cost_per_step']:.2f}x per step "
                f"({g['mtj']['wall_per_accepted_step_us']:.0f} vs {g['floor']['wall_per_accepted_step_us']:.0f} us), "
                f"{g['newton']['mtj_iterations_per_step']:.1f} iterations per step, "
                f"{g['accepted_steps_ratio']:.2f}x steps  {'met' if g['met'] else 'MISSED'}"
            )
    if "b_bsource_vs_osdi" in res:
        b = res["b_bsource_vs_osdi"]
        out.append(
            f"(b) B-source / OSDI, total wall            {b['ratio_total_wall_bsource_over_osdi']:6.2f}x"
            f"                >= {B_TARGET:g}      {_fmt_target(b)}"
        )
        out.append(
            f"    per step {b['ratio_cost_per_step_bsource_over_osdi']:.2f}x; steps: OSDI "
            f"{b['osdi']['accepted']}, B-source {b['bsource']['accepted']}; delays agree within "
            f"{100 * b['agreement']['max_rel_delay_difference']:.2f} %"
        )
        g = b["with_options"].get("gear")
        if g:
            out.append(
                f"    with .options method=gear: B-source / OSDI {g['ratio_total_wall_bsource_over_osdi']:.2f}x "
                f"total, {g['ratio_cost_per_step_bsource_over_osdi']:.2f}x per step  "
                f"{'met' if g['met'] else 'MISSED'}"
            )
    if "c_sweep_throughput" in res:
        c = res["c_sweep_throughput"]
        sp = c["samples_per_s"]
        verdict = _fmt_target(c)
        if not c["met"] and not c["machine_could_give_2_cores"]:
            verdict += " (machine busy)"
        out.append(
            f"(c) sweep speed-up, 2 vs 1 workers         {c['speedup_2_over_1']:6.2f}x "
            f"({sp['1']:.2f} -> {sp['2']:.2f} samples/s)  >= 1.7x    {verdict}"
        )
        out.append(
            f"    one sample takes {c['median_time_per_sample_s']['1']:.2f} s alone, "
            f"{c['median_time_per_sample_s']['2']:.2f} s beside another; plain CPU work got "
            f"{min(c['machine_two_process_speedup']):.2f}-{max(c['machine_two_process_speedup']):.2f}x "
            f"from 2 processes meanwhile; {c['quiet_pairs']} of {len(c['pairs'])} pairs quiet"
        )
    if "d_energy_report" in res:
        d = res["d_energy_report"]
        if "error" in d:
            out.append(f"(d) energy report: FAILED: {d['error']}")
        else:
            out.append(
                f"(d) energy report (ipnet report, fresh)   {d['median_wall_s']:6.2f} s "
                f"(simulations {d['median_build_results_s']:.2f} s)"
            )
    if "d_neuron_scaling" in res:
        out += _scaling_lines(res["d_neuron_scaling"])
    if "e_default_sweep" in res:
        e = res["e_default_sweep"]
        out.append(
            f"(e) default sweep, {e['samples']} samples    {e['wall_s']:6.1f} s wall, "
            f"{e['ok']} ok, {e['timed_out']} timed out, longest {e['longest_sample_s']:.1f} s"
            f"  {e['target']}  {_fmt_target(e)}"
        )
    g = res.get("g_report_cache")
    if g and "error" in g:
        out.append(f"(g) report cache: {g['error']}")
    elif g:
        met = {True: "met", False: "MISSED"}
        out.append(
            f"(g) report, warm cache                    {g['warm_s']:6.1f} s        "
            f"<= {g['targets']['warm_s']:g} s    {met[g['meets']['warm_s']]}"
        )
        out.append(
            f"(g) report after a rule-deck change       {g['simulations_rerun']:6d} rerun    "
            f"0         {met[g['meets']['simulations_rerun']]} ({g['after_rule_change_s']:.1f} s)"
        )
        out.append(
            f"(g) report, cold cache                    {g['cold_s']:6.1f} s        "
            f"<= {g['targets']['cold_s']:g} s   {met[g['meets']['cold_s']]}"
        )
    if "h_simulators" in res:
        out += simulator_table_lines(res["h_simulators"])
    if "i_solvers" in res:
        out += solver_table_lines(res["i_solvers"])
    return out


def _scaling_lines(sc: dict) -> list[str]:
    """(d)'s rows: CPU and wall time per size, both series' exponents, which one the
    verdict reads and why (summaries written before the CPU verdict: on the wall)."""
    on = sc.get("verdict_on", "wall")
    series = {"wall": ("wall_s", "growth_exponent", "local_exponents")}
    if on == "cpu":
        series["cpu"] = ("cpu_s", "cpu_growth_exponent", "cpu_local_exponents")
    cells = ", ".join(
        f"{r['neurons']}: " + " / ".join(f"{r[series[k][0]]:.2f}" for k in sorted(series)) + " s"
        for r in sc["rows"]
    )
    out = [
        f"(d) coupled array on {sc['host_label']}, N neurons ({' / '.join(sorted(series))})   "
        f"{cells}"
    ]
    for k in sorted(series, key=lambda x: x != on):
        _, exp_key, local_key = series[k]
        verdict = f"  <= {EXPONENT_TARGET:g}  {_fmt_target(sc)} (verdict)" if k == on else ""
        out.append(f"    {k} ~ N^{sc[exp_key]:.2f}{verdict}")
        if sc.get(local_key):
            out.append(
                f"    {k} slope between successive counts: "
                + ", ".join(f"{x:.2f}" for x in sc[local_key])
                + (f" (<= {LOCAL_EXPONENT_TARGET:g})" if k == on else "")
            )
    out.append(f"    per accepted step: wall ~ N^{sc['per_step_growth_exponent']:.2f}")
    if "verdict_why" in sc:
        out.append(f"    verdict on the {on} time: {sc['verdict_why']}")
    for n, why in sc.get("skipped", {}).items():
        out.append(f"    {n} neurons skipped: {why}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = command_parser("bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", default="a,b,c,d,e,g,h,i", help="comma-separated subset of a,b,c,d,e,g,h,i"
    )
    add_count_argument(parser, "--repeats", "repeats per measurement (default 7)")
    parser.add_argument(
        "--quick", action="store_true", help="fewer repeats and samples (a smoke run)"
    )
    add_count_argument(parser, "--sweep-pairs", "pairs of sweeps (1, 2 workers) for (c)")
    parser.add_argument("--out", type=Path, default=OUT_JSON, help="output JSON")
    parser.add_argument(
        "--simulator",
        choices=("ngspice", "vacask"),
        help="host of the arrays of (d) (default: the fastest correct one, see (i))",
    )
    add_debug_flag(parser)  # the traceback of an error, through ipnet's common handler
    args = parser.parse_args(argv)
    only = {x.strip() for x in args.only.split(",") if x.strip()}
    if only - set("abcdeghi"):
        parser.error(f"--only takes a subset of a,b,c,d,e,g,h,i, got {args.only!r}")
    reps = args.repeats or (3 if args.quick else 7)
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    res: dict = {"machine": _machine(), "settings": {"repeats": reps, "quick": args.quick}}

    def say(msg):
        print(f"bench: {msg}", flush=True)

    if only & {"a", "b"}:
        say("(a)/(b) single-device testbenches: OSDI mtj, thermal_resistor, B-source mtj")
        a, b = bench_device(reps)
        if "a" in only:
            res["a_mtj_vs_floor"] = a
        if "b" in only:
            res["b_bsource_vs_osdi"] = b
    if "c" in only:
        n = 6 if args.quick else 12
        say(f"(c) sweep throughput, {n} samples on 1 and 2 worker processes")
        res["c_sweep_throughput"] = bench_sweep(n, args.sweep_pairs or (1 if args.quick else 4))
    if "d" in only:
        say("(d) energy report in a fresh interpreter")
        res["d_energy_report"] = bench_energy_report(1 if args.quick else 3)
        counts = (1, 4, 16) if args.quick else ARRAY_COUNTS
        host, reason = default_array_host(args.simulator)
        say(
            f"(d) thermally coupled IPNet arrays of {', '.join(map(str, counts))} neurons on "
            f"{host}" + (f" ({reason})" if reason else "")
        )
        res["d_neuron_scaling"] = bench_array_scaling(
            counts, SCALING_STOP_S, 1 if args.quick else 3, args.simulator, say=print
        )
    if "e" in only:
        say("(e) the default sweep, 72 samples")
        res["e_default_sweep"] = bench_default_sweep()
    if "g" in only:
        say("(g) the energy report behind the simulation cache: cold, warm, rule change")
        res["g_report_cache"] = bench_report_cache()
    if "h" in only:
        say("(h) ngspice vs VACASK: pulse testbench, IPNet standard run, 16 x 16 array")
        res["h_simulators"] = bench_simulators(1 if args.quick else 3, say=print)
    if "i" in only:
        say("(i) coupled arrays on ngspice (default solver, KLU) and VACASK")
        res["i_solvers"] = bench_solvers(
            counts=(1, 4, 16) if args.quick else SOLVER_COUNTS, say=print
        )
    say("profile of the Python side")
    res["profile"] = {
        "python_ipnet_run": profile_python_side(),
        "ngspice_counters": "see the per-run 'time_split', 'iterations_per_step' and "
        "'load_per_iteration_us' entries (from ngspice 'rusage all')",
    }
    res["total_bench_s"] = time.perf_counter() - t_start
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(res, indent=2, default=_json_default) + "\n")
    tmp.replace(args.out)
    for line in table_lines(res):
        print(line)
    print(f"bench: wrote {shown(args.out)}")
    return 0


def _json_default(o):
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    if isinstance(o, float) and not math.isfinite(o):
        return None
    if isinstance(o, Path):
        return str(o)
    raise TypeError(type(o).__name__)
