"""Benchmark (d) of ``python -m pyspice_flows.bench``: cost of a thermally coupled array.

One transient of an R x C IPNet array (:mod:`circuits.ipnet_array`, 1 .. 64 neurons, the
nearest square shape) at the layout pitch with its thermal coupling network, every neuron
driven by the same regular input train; wall time of ngspice's ``run`` (median of repeats)
and ngspice's own counters.  The fitted exponent of wall time versus neurons (a straight
line in log-log over the counts) has the target <= 1.2 (issue 12).
"""

from __future__ import annotations

import math

import numpy as np

from circuits.ipnet_array import (
    DEFAULT_PITCH_M,
    ArrayParams,
    build_ipnet_array,
    coupling_network,
)
from circuits.ipnet_neuron import IpnetParams
from circuits.scenarios import IPNET_INPUT_RATE_HZ, IPNET_SPIKE_WIDTH_S
from circuits.stimulus import regular
from pyspice_flows.sim.session import Transient, netlist_for

from .device import median_runs, stats_dict

EXPONENT_TARGET = 1.2
ARRAY_COUNTS = (1, 4, 16, 64)


def array_shape(n: int) -> tuple[int, int]:
    """The most nearly square rows x cols with rows * cols = n."""
    if not (isinstance(n, int) and n >= 1):
        raise ValueError(f"array benchmark: n={n!r} neurons; allowed an integer >= 1")
    rows = int(math.isqrt(n))
    while n % rows:
        rows -= 1
    return rows, n // rows


def array_params(n: int, stop_s: float, pitch_m: float = DEFAULT_PITCH_M) -> ArrayParams:
    """``n`` coupled neurons, each driven by the same regular 0.5 GHz train."""
    nrn = IpnetParams()
    count = max(1, int(stop_s * IPNET_INPUT_RATE_HZ) - 1)
    train = regular(IPNET_INPUT_RATE_HZ, count, nrn.vdd_v, IPNET_SPIKE_WIDTH_S, start_s=0.5e-9)
    rows, cols = array_shape(n)
    return ArrayParams(nrn, rows, cols, pitch_m, inputs=((train,),) * n)


def array_testbench(n: int, stop_s: float, pitch_m: float = DEFAULT_PITCH_M) -> str:
    """The netlist text of :func:`array_params` with its transient (20 ps max step)."""
    p = array_params(n, stop_s, pitch_m)
    return netlist_for(build_ipnet_array(p), Transient(10e-12, stop_s, max_step_s=20e-12))


def growth_exponent(neurons, walls_s) -> float:
    """Slope of log(wall) versus log(neurons) (least squares); nan for fewer than 2 points."""
    if len(neurons) < 2:
        return float("nan")
    return float(np.polyfit(np.log(neurons), np.log(walls_s), 1)[0])


def bench_array_scaling(
    counts: tuple[int, ...] = ARRAY_COUNTS, stop_s: float = 20e-9, repeats: int = 3, say=print
) -> dict:
    """Median wall time of one transient per array size, and the fitted growth exponent."""
    rows = []
    for n in counts:
        reps = repeats if n <= 16 else max(1, repeats // 2)
        key = f"ipnet_array_x{n}"
        res = median_runs({key: array_testbench(n, stop_s)}, reps)[key]
        med = res["median"]
        say(f"bench:   {n} neuron(s): {med.wall_s:.2f} s, {med.accepted} steps")
        st = stats_dict(med)
        st.update(
            neurons=n,
            shape=list(array_shape(n)),
            coupling_resistors=len(coupling_network(array_params(n, stop_s))),
            repeats=reps,
            walls_s=res["walls_s"],
            wall_per_step_per_neuron_us=st["wall_per_accepted_step_us"] / n,
        )
        rows.append(st)
    for r in rows:
        r["wall_relative_to_1"] = r["wall_s"] / rows[0]["wall_s"]
    ns, walls = [r["neurons"] for r in rows], [r["wall_s"] for r in rows]
    exponent = growth_exponent(ns, walls)
    local = [growth_exponent(ns[i : i + 2], walls[i : i + 2]) for i in range(len(rows) - 1)]
    return {
        "what": f"one {stop_s * 1e9:.0f} ns transient of an R x C IPNet array (38 transistors + "
        f"1 MTJ per neuron, one shared bias generator) at pitch {DEFAULT_PITCH_M * 1e6:.2g} um "
        "with its thermal coupling network (nearest and diagonal neighbours within 3 healing "
        "lengths); every neuron driven by the same input train",
        "rows": rows,
        "growth_exponent": exponent,
        "local_exponents": local,
        "local_exponents_what": "slope between successive counts (the fit is over all of them)",
        "target": f"<= {EXPONENT_TARGET}",
        "met": bool(exponent <= EXPONENT_TARGET),
    }
