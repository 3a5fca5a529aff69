"""Interference on an R x C array of neuron v4 (issue 24 item 3, issue 21 item 1): a victim
in the centre holding an item, its neighbours or the whole array active at the same time.

Every case is one transient of the whole array (:class:`~pyspice_flows.experiments.
working_memory_v4_tools.Net`), neuron ``k = r * cols + c`` at (r, c), neighbours ``pitch``
apart, a coupling resistor between every pair within the lossy-sheet model's cutoff
(:func:`circuits.ipnet_array.cutoff_m`: the nearest and the diagonal neighbours always,
farther ones while within ``cutoff_healing_lengths`` healing lengths), each with the
conductance that makes an isolated pair reproduce the sheet's coupling fraction
(:func:`circuits.ipnet_array.coupling_conductance_w_per_k`, the junction's whole rth + rth2
to ambient).  The victim (centre, ``rows // 2, cols // 2``) is written in slot 0 (its item)
and probed ``lag`` slots later (a second write, whose firing probability is the memory).
Cases, all in slot 0:

* ``silent``: every other neuron silent (the victim's own memory, the reference);
* ``neighbours``: its 8 neighbours (Chebyshev distance 1) written too;
* ``dense``: every neuron written (a dense burst);
* ``edge``, ``diagonal`` (layout pitch only): one nearest / one diagonal neighbour written,
  for the thermal superposition check.

Reading: the switching law on the circuit's drive (deterministic, every junction held in P,
cached; :func:`~pyspice_flows.experiments.working_memory_v4_tools.law_waveforms`).
crosstalk(case) = (P_case - P_silent) / (P_silent - P_rested), P_rested the victim's first
write (slot 0) in the silent case.  The victim's temperature rise from its neighbours is
v(th_victim) of the case minus that of the silent case: at the start of the probe slot (the
heat the memory carries into the probe) and its peak over the run.  Controls at the layout
pitch: ``no_coupling`` (no coupling resistor: crosstalk 0 up to the solver's tolerance) and
``no_heat`` (heat capacities / 100: no memory left to interfere with).

Start: arrays of 16 neurons or more (the 8 x 8, not the 3 x 3 of ``--quick``) start from one
neuron's rest point tiled onto every neuron as ``.nodeset`` cards (:func:`array_start`, the
size rule and machinery of the array benchmarks, :mod:`pyspice_flows.sim.array_start`); a
nodeset only guides the operating point's first Newton iterations, the solution is the
array's own.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np

from circuits.array_start import TiledStart
from circuits.ipnet_array import ThermalStack, coupling_conductance_w_per_k, cutoff_m
from pyspice_flows.experiments.working_memory.output import _finish, _pyplot, _write_csv
from pyspice_flows.experiments.working_memory_v4_tools import (
    LawTask,
    Net,
    build_net,
    held_in_p,
    law_reading,
    law_waveforms,
)
from pyspice_flows.metrics.neuron_v4 import ablated
from pyspice_flows.sim.array_start import rest_start, uses_tiled_start

CASES = ("silent", "neighbours", "dense")
SINGLES = ("edge", "diagonal")
"""One nearest / one diagonal neighbour written: the superposition check at the layout pitch
(the 8 neighbours are 4 nearest and 4 diagonal; in a linear thermal network the victim's rise
from all of them is the sum of the single rises)."""
GRID_STEP_S = 0.1e-9
"""The victim's temperature is compared between cases on this uniform time grid."""


def centre(rows: int, cols: int) -> int:
    """The victim's index (0-based, row major): the centre of the array."""
    return (rows // 2) * cols + cols // 2


def written(case: str, rows: int, cols: int) -> set[int]:
    """The neurons other than the victim written in slot 0 in ``case``."""
    v = centre(rows, cols)
    vr, vc = divmod(v, cols)
    others = {k for k in range(rows * cols) if k != v}
    if case == "silent":
        return set()
    if case == "dense":
        return others
    if case == "neighbours":
        return {k for k in others if max(abs(k // cols - vr), abs(k % cols - vc)) == 1}
    if case in SINGLES:
        dr = 1 if case == "diagonal" else 0
        return {(vr + dr) * cols + vc + 1}
    raise ValueError(f"case {case!r}; allowed {CASES + SINGLES}")


def grid_couplings(rows: int, cols: int, pitch_m: float | None, rth: float, stack: ThermalStack):
    """(i, j, G [W/K]) for every pair of the array within the cutoff (None: uncoupled)."""
    if pitch_m is None:
        return ()
    reach = cutoff_m(pitch_m, stack) * (1 + 1e-9)
    out = []
    for i in range(rows * cols):
        for j in range(i + 1, rows * cols):
            d = pitch_m * math.hypot(i // cols - j // cols, i % cols - j % cols)
            if d <= reach:
                out.append((i, j, coupling_conductance_w_per_k(d, rth, stack)))
    return tuple(out)


def array_net(p, case: str, rows: int, cols: int, pitch_m, lag: int, stack) -> Net:
    """The transient of ``case``: the victim written in slots 0 and ``lag``, the neurons of
    :func:`written` in slot 0, the couplings of :func:`grid_couplings`."""
    if rows < 3 or cols < 3:
        raise ValueError(
            f"array {rows} x {cols}; allowed at least 3 x 3 (a victim with 8 neighbours)"
        )
    v, on = centre(rows, cols), written(case, rows, cols)
    slots = tuple((0, lag) if k == v else (0,) if k in on else () for k in range(rows * cols))
    m = p.mtj()
    return Net(p, slots, lag + 1, grid_couplings(rows, cols, pitch_m, m.rth + m.rth2, stack))


def array_start(net: Net, ambient_k: float) -> TiledStart | None:
    """The start of ``net``'s law transient when it has
    :data:`~pyspice_flows.sim.array_start.TILED_START_MIN_NEURONS` neurons or more (else
    None): the operating point of one silent neuron of the same design (junction held in P),
    clocks and ambient, tiled onto every neuron (:func:`pyspice_flows.sim.array_start.
    rest_start`, once per worker).  At t = 0 every neuron's input is at 0 V and all share the
    supplies, bias lines and clocks; the coupling resistors join nodes at the same rise.

    Measured on the 8 x 8 at the layout pitch (ngspice 46): the operating point in 7 Newton
    iterations instead of 171 (silent case; dense 6 instead of 170), the whole transient
    890 instead of 1,175 (dense 906, 1,074), its CPU time 2-4 % lower (the operating point is
    a small part of the run); the 17 transients of the reading: CPU 82.2 s against 84.3 s;
    crosstalk, own memory and every P(fire) identical to the last digit, the temperatures
    within 2e-8 K."""
    if not uses_tiled_start(len(net.slots)):
        return None
    alone = Net(net.params, ((),), net.n_slots)
    return rest_start(build_net(held_in_p(alone)), temperature_k=ambient_k)


def array_waveforms(net: Net, ambient_k: float):
    """The law transient of ``net`` (:func:`~pyspice_flows.experiments.working_memory_v4_tools.
    law_waveforms`: cached, deterministic, every junction held in P), from
    :func:`array_start` (``.nodeset`` cards after the circuit) when there is one."""
    start = array_start(net, ambient_k)
    extra = () if start is None else tuple(start.nodeset_lines(len(net.slots)))
    return law_waveforms(net, ambient_k, extra)


@dataclass(frozen=True)
class ArrayTask:
    """The victim ``victim`` of ``net``, probed in slot ``lag``."""

    net: Net
    victim: int
    lag: int
    ambient_k: float


def array_reading(task: ArrayTask) -> dict:
    """The law's P(fire) of the victim in slot 0 (rested) and slot ``lag`` (probe), and its
    rise v(th) [K] on the uniform grid of :data:`GRID_STEP_S` (:func:`array_waveforms`)."""
    w = array_waveforms(task.net, task.ambient_k)
    v = task.victim
    probes = LawTask(task.net, ((v, 0), (v, task.lag)), task.ambient_k)
    rested, probe = law_reading(w, probes)
    stop = task.net.n_slots * task.net.params.slot_s
    t = np.linspace(0.0, stop, int(round(stop / GRID_STEP_S)) + 1)
    rise = np.interp(t, np.asarray(w.time, float), np.asarray(w.v(f"th{v + 1}"), float))
    return {"p_rested": rested, "p_probe": probe, "time_s": t, "rise_k": rise}


def plan_cases(pitches_m, layout_pitch_m: float) -> list[tuple[str, float, str]]:
    """(condition, pitch, case) of every transient: the three cases at every pitch, the
    singles at the layout pitch, the controls' silent and dense cases at the layout pitch."""
    out = [("normal", x, c) for x in pitches_m for c in CASES]
    out += [("normal", layout_pitch_m, c) for c in SINGLES]
    out += [(cond, layout_pitch_m, c) for cond in ("no_coupling", "no_heat") for c in CASES]
    return out


def _summary(readings: dict, rows: int, cols: int, slot_s: float, lag: int) -> dict:
    """Crosstalk and rises of one (condition, pitch) from its case readings."""
    silent = readings["silent"]
    own = silent["p_probe"] - silent["p_rested"]
    k_probe = int(round(lag * slot_s / GRID_STEP_S))
    out = {
        "p_rested": silent["p_rested"],
        "p_alone": silent["p_probe"],
        "own_excess": own,
        "victim_rise_at_probe_k": float(silent["rise_k"][k_probe]),
        "cases": {},
    }
    for case, r in readings.items():
        diff = r["rise_k"] - silent["rise_k"]
        out["cases"][case] = {
            "written": len(written(case, rows, cols)),
            "p_probe": r["p_probe"],
            "delta_p": r["p_probe"] - silent["p_probe"],
            "crosstalk": (r["p_probe"] - silent["p_probe"]) / own if own > 0 else math.nan,
            "rise_from_neighbours_at_probe_k": float(diff[k_probe]),
            "peak_rise_from_neighbours_k": float(diff.max()),
            "peak_time_s": float(r["time_s"][int(diff.argmax())]),
        }
    return out


def superposition(readings: dict, slot_s: float, lag: int) -> dict:
    """The victim's rise from its 8 neighbours against 4 x (one nearest) + 4 x (one diagonal)
    (exact by symmetry in an odd array; in an even one the centre sits half a pitch off, the
    far neighbours' loading differs slightly): at the neighbours case's peak and at the probe."""
    silent = readings["silent"]["rise_k"]
    nb = readings["neighbours"]["rise_k"] - silent
    singles = 4 * (readings["edge"]["rise_k"] - silent) + 4 * (
        readings["diagonal"]["rise_k"] - silent
    )
    at = {"peak": int(nb.argmax()), "probe": int(round(lag * slot_s / GRID_STEP_S))}
    out = {}
    for name, k in at.items():
        out[name] = {
            "time_s": float(readings["silent"]["time_s"][k]),
            "neighbours_k": float(nb[k]),
            "sum_of_singles_k": float(singles[k]),
            "ratio": float(nb[k] / singles[k]) if singles[k] else math.nan,
        }
    return out


def interference_array(
    p, rows: int, cols: int, pitches_m, layout_pitch_m: float, lag: int, ambient_k: float,
    stack: ThermalStack, run,
) -> dict:  # fmt: skip
    """The array reading at ``pitches_m`` (the layout pitch among them) with its controls
    and the superposition check; ``run(fn, tasks)`` maps the transients (the protocols'
    workers).  No wall time in it: the summary is a function of the design and the plan
    (a local and a Dask run write the same bytes)."""
    pitches = sorted({*pitches_m, layout_pitch_m})
    jobs = plan_cases(pitches, layout_pitch_m)
    v = centre(rows, cols)
    tasks = [
        ArrayTask(
            array_net(
                ablated(p, "capacity") if cond == "no_heat" else p,
                case,
                rows,
                cols,
                None if cond == "no_coupling" else pitch,
                lag,
                stack,
            ),
            v,
            lag,
            ambient_k,
        )  # fmt: skip
        for cond, pitch, case in jobs
    ]
    results = run(array_reading, tasks)
    got: dict = {}
    for (cond, pitch, case), r in zip(jobs, results):
        got.setdefault((cond, pitch), {})[case] = r
    slot = p.slot_s
    by_pitch = [
        {"pitch_m": x, **_summary(_only(got[("normal", x)], CASES), rows, cols, slot, lag)}
        for x in pitches
    ]
    at = pitches.index(layout_pitch_m)
    silent_at_layout = tasks[jobs.index(("normal", layout_pitch_m, "silent"))]
    return {
        "rows": rows,
        "cols": cols,
        "victim": {"row": v // cols, "col": v % cols},
        "lag_slots": lag,
        "layout_pitch_m": layout_pitch_m,
        "pitches_m": pitches,
        "couplings_at_layout": len(silent_at_layout.net.couplings),
        "cutoff_at_layout_m": cutoff_m(layout_pitch_m, stack),
        "cases": {c: {key: [b["cases"][c][key] for b in by_pitch] for key in _KEYS} for c in CASES},
        "by_pitch": by_pitch,
        "own_excess_at_layout": by_pitch[at]["own_excess"],
        "crosstalk_at_layout": {c: by_pitch[at]["cases"][c]["crosstalk"] for c in CASES},
        "controls": {
            cond: {
                "pitch_m": layout_pitch_m,
                **_summary(got[(cond, layout_pitch_m)], rows, cols, slot, lag),
            }
            for cond in ("no_coupling", "no_heat")
        },
        "superposition": superposition(got[("normal", layout_pitch_m)], slot, lag),
        "reading": "law (switching law v3 on the circuit's drive, deterministic)",
        "transients": len(tasks),
        "neurons_per_transient": rows * cols,
        "tiled_start": uses_tiled_start(rows * cols),
    }


_KEYS = ("crosstalk", "delta_p", "rise_from_neighbours_at_probe_k", "peak_rise_from_neighbours_k")


def _only(readings: dict, cases) -> dict:
    return {c: readings[c] for c in cases}


# ----------------------------------------------------------------------------- files
def summary_line(a: dict) -> str:
    """One line for the command line: the crosstalk at the layout pitch per case."""
    x = a["crosstalk_at_layout"]
    return (
        f"array {a['rows']} x {a['cols']} at the layout pitch {a['layout_pitch_m'] * 1e6:.2f} um: "
        f"crosstalk neighbours {x['neighbours']:.3f}, dense {x['dense']:.3f} of the own memory "
        f"({a['transients']} transients of {a['neurons_per_transient']} neurons)"
    )


def report_section(a: dict) -> str:
    """The ``report.md`` section of the array reading."""
    lines = [
        "",
        f"## Interference on a {a['rows']} x {a['cols']} array (law reading)",
        "",
        f"Victim at row {a['victim']['row']}, column {a['victim']['col']} (0-based), written in "
        f"slot 0 and probed {a['lag_slots']} slot(s) later; every pair within "
        f"{a['cutoff_at_layout_m'] * 1e6:.2f} um coupled at the layout pitch "
        f"({a['couplings_at_layout']} resistors).  Crosstalk = "
        "(P_case - P_silent) / (P_silent - P_rested); rise from the neighbours = the victim's "
        "v(th) minus the silent case's, at the probe slot's start and at its peak.",
        "",
        "| pitch [um] | own excess | case | written | crosstalk | rise at probe [K] | peak rise [K] |",
        "|---|---|---|---|---|---|---|",
    ]
    rows = [("", b) for b in a["by_pitch"]] + [(c, a["controls"][c]) for c in a["controls"]]
    for cond, b in rows:
        for case in CASES:
            x = b["cases"][case]
            lines.append(
                f"| {b['pitch_m'] * 1e6:.2f}{' ' + cond if cond else ''} | {b['own_excess']:.4f} | "
                f"{case} | {x['written']} | {x['crosstalk']:.4f} | "
                f"{x['rise_from_neighbours_at_probe_k']:.3f} | {x['peak_rise_from_neighbours_k']:.3f} |"
            )
    s = a["superposition"]
    lines += [
        "",
        f"The victim's own memory (P_silent - P_rested) at the layout pitch: "
        f"{a['own_excess_at_layout']:.4f} in the array, "
        f"{a['controls']['no_coupling']['own_excess']:.4f} uncoupled (the silent neighbours "
        "drain its heat).  Superposition at the layout pitch (a linear thermal network): rise from the 8 "
        f"neighbours {s['peak']['neighbours_k']:.3f} K against 4 x one nearest + 4 x one "
        f"diagonal {s['peak']['sum_of_singles_k']:.3f} K at the peak (ratio "
        f"{s['peak']['ratio']:.4f}); at the probe {s['probe']['ratio']:.4f}.  "
        f"{a['transients']} transients of {a['neurons_per_transient']} neurons.",
        "",
    ]
    return "\n".join(lines)


def write_files(summary: dict, stage) -> tuple[str, list[str]]:
    """``interference_array.csv`` and ``interference_array.png`` in ``stage``, and the
    report section (nothing without an array reading)."""
    a = summary.get("interference_array")
    if not a:
        return "", []
    rows = [
        (cond, b["pitch_m"], case, x["written"], b["own_excess"], x["p_probe"], x["crosstalk"],
         x["rise_from_neighbours_at_probe_k"], x["peak_rise_from_neighbours_k"])
        for cond, bs in [("normal", a["by_pitch"]), *((c, [v]) for c, v in a["controls"].items())]
        for b in bs
        for case, x in b["cases"].items()
    ]  # fmt: skip
    head = ["condition", "pitch_m", "case", "written", "own_excess", "p_probe", "crosstalk",
            "rise_at_probe_k", "peak_rise_k"]  # fmt: skip
    _write_csv(stage / "interference_array.csv", head, rows)
    names = ["interference_array.csv"]
    try:
        _figure(a, stage / "interference_array.png")
        names.append("interference_array.png")
    except (ValueError, OSError, RuntimeError) as exc:
        print(f"working memory v4: array figure not drawn ({exc}); numbers kept", file=sys.stderr)
    return report_section(a), names


def _figure(a: dict, path) -> None:
    plt = _pyplot()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    um = np.array(a["pitches_m"]) * 1e6
    for case, style in (("neighbours", "o-"), ("dense", "s--")):
        a1.plot(um, a["cases"][case]["crosstalk"], style, label=case)
        a2.plot(um, a["cases"][case]["peak_rise_from_neighbours_k"], style, label=case)
    a1.axhline(0.10, color="k", ls="--", lw=0.8)
    for ax in (a1, a2):
        ax.axvline(a["layout_pitch_m"] * 1e6, color="r", lw=0.8, label="layout pitch")
    a1.set(xlabel="pitch [um]", ylabel="crosstalk / own excess",
           title=f"{a['rows']} x {a['cols']} array: crosstalk")  # fmt: skip
    a2.set(xlabel="pitch [um]", ylabel="victim's peak rise from neighbours [K]", title="heat")
    _finish(plt, fig, (a1, a2), path)
