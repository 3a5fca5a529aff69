"""Benchmark (g) ``g_report_cache``: the energy report behind the simulation cache.

Three runs of the report as a command (``python -m area_energy.report --out <tmp>``), each
a fresh process, sharing one empty cache folder (``$IPNET_SIM_CACHE_DIR``):

* ``cold_s``: nothing cached: every simulation runs and is stored;
* ``warm_s``: nothing changed: every simulation is read back (target <= 5 s);
* ``after_rule_change_s``: the rule deck changed (a copy of ``rules_28nm.toml`` with a
  larger routing overhead, loaded in place of the file): areas change, no transient may
  run again (``simulations_rerun``, target 0).

A simulation that runs stores one new entry in the cache folder, a hit stores none, so the
entries a run adds are the simulations it ran.  Also recorded: whether the warm run's
report is byte-identical to the cold one's JSON numbers (``warm_report_identical``) and
whether the rule change moved the IPNet area (``rule_change_moved_area``).  Beside each
wall time: the CPU seconds the report process used (``*_cpu_s``, user + system) and the
machine's 1-minute load average when it started (``*_load``): on a shared machine the wall
time of a warm report grows with the load, its CPU time much less.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from circuits.paths import REPO_ROOT

WARM_TARGET_S = 5.0
COLD_TARGET_S = 30.0
ROUTING_STEP = 0.05
"""The rule-deck change: the routing overhead raised by this much (a pure area rule)."""

_DRIVER = """\
import sys
from pathlib import Path
from area_energy.costs import rule_deck
if len(sys.argv) > 2:  # the rule deck changed: a copy with the routing overhead raised
    text = rule_deck.DEFAULT_RULES_PATH.read_text()
    head, table = text.split("[routing_overhead]\\n", 1)
    lines = table.split("\\n")
    k = next(i for i, ln in enumerate(lines) if ln.startswith("value = "))
    value = float(lines[k][len("value = "):].split("#")[0]) + float(sys.argv[3])
    lines[k] = f"value = {value!r}"
    changed = Path(sys.argv[2]) / rule_deck.DEFAULT_RULES_PATH.name
    changed.write_text(head + "[routing_overhead]\\n" + "\\n".join(lines))
    rule_deck.DEFAULT_RULES_PATH = changed
from area_energy.report.build import main
sys.exit(main(["--out", sys.argv[1]]))
"""
"""The report's own command line; with a folder and a step, a changed rule deck first
(written into that folder and loaded in place of the file).  A script run as a process,
so that this module imports nothing above pyspice_flows."""


def _entries(cache: Path) -> set[str]:
    return {p.name for p in cache.glob("*.json")} if cache.is_dir() else set()


def _children_cpu_s() -> float:
    """User + system CPU seconds of this process's finished children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(
    out: Path, cache: Path, rules: Path | None = None
) -> tuple[float, int, dict | None, str, dict]:
    """One report process: (wall [s], new cache entries, its JSON or None, error text,
    ``{cpu_s, load}``: its CPU seconds and the 1-minute load average at its start).
    ``rules``: a folder for the changed rule deck (None: the deck as it is)."""
    env = dict(os.environ, IPNET_SIM_CACHE_DIR=str(cache))
    env.pop("IPNET_SIM_CACHE", None)
    before = _entries(cache)
    changed = [str(rules), repr(ROUTING_STEP)] if rules is not None else []
    cmd = [sys.executable, "-c", _DRIVER, str(out), *changed]
    load = os.getloadavg()[0]
    cpu0 = _children_cpu_s()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    usage = {"cpu_s": _children_cpu_s() - cpu0, "load": load}
    report = out / "energy_report.json"
    data = json.loads(report.read_text()) if proc.returncode == 0 and report.is_file() else None
    error = "" if data is not None else (proc.stderr or proc.stdout).strip()[-300:]
    return wall, len(_entries(cache) - before), data, error, usage


def _numbers(data: dict) -> dict:
    neurons = data.get("neurons", {})
    return {k: (v.get("energy_per_spike_J"), v.get("area_um2")) for k, v in neurons.items()}


def bench_report_cache() -> dict:
    """``{cold_s, warm_s, after_rule_change_s, simulations_rerun, ...}`` (see the module)."""
    with tempfile.TemporaryDirectory(prefix="bench-report-cache-") as tmp:
        tmp = Path(tmp)
        cache = tmp / "sim_cache"
        usage = {}
        cold_s, cold_runs, cold, err, usage["cold"] = _run(tmp / "cold", cache)
        if cold is None:
            return {"error": f"cold report failed: {err}"}
        warm_s, warm_runs, warm, err, usage["warm"] = _run(tmp / "warm", cache)
        if warm is None:
            return {"error": f"warm report failed: {err}"}
        rules = tmp / "rules_changed"
        rules.mkdir()
        rule_s, rerun, changed, err, usage["after_rule_change"] = _run(tmp / "rules", cache, rules)
        if changed is None:
            return {"error": f"report after the rule change failed: {err}"}
    area = {k: v[1] for k, v in _numbers(cold).items()}
    area_after = {k: v[1] for k, v in _numbers(changed).items()}
    return {
        "what": "the energy report as a command, 3 fresh processes sharing one cache folder: "
        "cold (empty cache), warm (nothing changed), after a rule-deck change (routing "
        f"overhead + {ROUTING_STEP:g})",
        "cold_s": cold_s,
        "warm_s": warm_s,
        "after_rule_change_s": rule_s,
        "simulations_rerun": rerun,
        **{f"{run}_{k}": v for run, u in usage.items() for k, v in u.items()},
        "simulations_cold": cold_runs,
        "simulations_warm": warm_runs,
        "warm_report_identical": _numbers(cold) == _numbers(warm),
        "rule_change_moved_area": area != area_after,
        "targets": {
            "warm_s": WARM_TARGET_S,
            "cold_s": COLD_TARGET_S,
            "simulations_rerun": 0,
        },
        "meets": {
            "warm_s": warm_s <= WARM_TARGET_S,
            "cold_s": cold_s <= COLD_TARGET_S,
            "simulations_rerun": rerun == 0,
        },
    }
