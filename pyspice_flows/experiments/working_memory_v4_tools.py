"""The pieces of the working-memory protocols on neuron v4
(:mod:`pyspice_flows.experiments.working_memory_v4`): the netlists of many neurons side by
side with their thermal coupling, the switching law's reading of each neuron's drive, the
seeded trials, proportions with Wilson intervals, the discriminability d', one- and
two-exponential decay fits, and the published folder (``summary.json``, ``report.md``, CSV
tables, a figure), written through a staging folder so that nothing half-written is kept."""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from scipy.optimize import least_squares
from scipy.stats import norm

from circuits import ipnet_neuron_v4 as v4
from circuits import mtj_stochastic as ms
from circuits.ipnet_array import ThermalStack, coupling_conductance_w_per_k, cutoff_m
from pyspice_flows.app import staging
from pyspice_flows.experiments.neuron_v4 import RETRY_STEP_DIVISORS, fired_matrix
from pyspice_flows.experiments.switching_probability import wilson_interval
from pyspice_flows.experiments.working_memory.output import (
    _finish,
    _jsonable,
    _pyplot,
    _write_csv,
)
from pyspice_flows.measure.fits import fit_exponential
from pyspice_flows.metrics.neuron_v4 import HELD_IN_P, MAX_STEP_S, predicted_fire_probability
from pyspice_flows.sim.cache import cached_run
from pyspice_flows.sim.session import Session, SimulationError, Transient, retry_finer


# ----------------------------------------------------------------------------- netlists
@dataclass(frozen=True)
class Net:
    """One transient: neurons with input ``slots[k]`` each, over ``n_slots`` slots, and
    thermal coupling resistors ``couplings`` = (i, j, conductance [W/K]), 0-based."""

    params: v4.IpnetV4Params
    slots: tuple[tuple[int, ...], ...]
    n_slots: int
    couplings: tuple[tuple[int, int, float], ...] = ()

    def __post_init__(self):
        for k, s in enumerate(self.slots):
            if any(not 0 <= x < self.n_slots for x in s):
                raise ValueError(f"neuron {k + 1}: slots {s} outside 0..{self.n_slots - 1}")
        for i, j, g in self.couplings:
            if not (0 <= i < j < len(self.slots) and g > 0):
                raise ValueError(f"coupling ({i}, {j}, {g!r}): allowed 0 <= i < j < n, G > 0")


def one_input(p: v4.IpnetV4Params) -> v4.IpnetV4Params:
    """The design with its first synapse only: every protocol writes through one input."""
    return replace(p, input_weights=p.input_weights[:1])


def row(p, members, pitch_m: float | None, reps: int, stack: ThermalStack):
    """``reps`` copies of a row of neurons with input slots ``members``, neighbours
    ``pitch_m`` apart (None: uncoupled): (slots, couplings) of a :class:`Net`."""
    m = p.mtj()
    rth = m.rth + m.rth2
    slots, couplings = [], []
    for r in range(reps):
        first = r * len(members)
        slots += [tuple(s) for s in members]
        if pitch_m is None:
            continue
        reach = cutoff_m(pitch_m, stack) * (1 + 1e-9)
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                d = (b - a) * pitch_m
                if d <= reach:
                    g = coupling_conductance_w_per_k(d, rth, stack)
                    couplings.append((first + a, first + b, g))
    return tuple(slots), tuple(couplings)


def build_net(net: Net, switching: ms.Switching = ms.DETERMINISTIC_SWITCHING):
    """The circuit of ``net``: :func:`~circuits.ipnet_neuron_v4.build_v4_testbench` with
    neuron 1, then neurons 2.. on input lines of their own (one source per distinct slot
    list), then the coupling resistors."""
    p = net.params
    c = v4.build_v4_testbench(
        p, [list(net.slots[0])], net.n_slots, switching, title="IPNet v4 working memory"
    )
    lines = {net.slots[0]: "in1"}
    for k, slots in enumerate(net.slots[1:], start=2):
        if slots not in lines:
            lines[slots] = f"ins{len(lines)}"
            c.V(f"INS{len(lines) - 1}", lines[slots], c.gnd, v4.input_pwl(p, slots))
        pins = ("vdd", "vbn", "vbp", "vbf", *v4.PHASE_PINS)
        c.X(str(k), v4.IpnetV4Neuron.NAME, lines[slots], f"out{k}", *pins, f"th{k}", f"u{k}")
        if switching.stochastic:
            c.raw_spice += f"VU{k} u{k} 0 DC 0 TRRANDOM(1 {switching.sample_s:.6g} 0 0.5 0.5)\n"
    for i, j, g in net.couplings:
        c.raw_spice += f"RC{i + 1}_{j + 1} th{i + 1} th{j + 1} {1.0 / g:.6g}\n"
    return c


# ----------------------------------------------------------------------------- law
class _Neuron:
    """Neuron ``k``'s waveforms under neuron 1's names (what the law's reader asks for)."""

    def __init__(self, w, k: int):
        self.w, self.k, self.time = w, k, w.time

    def x(self, name: str):
        return self.w.x(name.replace("x1.", f"x{self.k}.", 1))

    def v(self, name: str):
        return self.w.v(f"th{self.k}" if name == "th1" else name)


@dataclass(frozen=True)
class LawTask:
    """P(fire) of neurons ``probes`` = ((neuron, slot), ...) (0-based) of ``net``."""

    net: Net
    probes: tuple[tuple[int, int], ...]
    ambient_k: float


def held_in_p(net: Net) -> Net:
    """``net`` with every junction held in P (the drive each draw sees until it switches)."""
    p = net.params
    return replace(net, params=replace(p, mtj_overrides={**p.mtj_overrides, **HELD_IN_P}))


def law_waveforms(net: Net, ambient_k: float, before_analysis: tuple[str, ...] = ()):
    """The cached deterministic transient of ``net`` with every junction held in P;
    ``before_analysis``: lines of the netlist before the analysis (an array's ``.nodeset`` start)."""
    return cached_run(
        build_net(held_in_p(net)),
        Transient(step_s=0.05e-9, stop_s=net.n_slots * net.params.slot_s, max_step_s=MAX_STEP_S),
        temperature_k=ambient_k,
        before_analysis=before_analysis,
    )


def law_reading(w, task: LawTask) -> list[float]:
    """P(fire) of the probes of ``task`` from the law transient ``w``."""
    return [
        predicted_fire_probability(task.net.params, _Neuron(w, k + 1), slot, task.ambient_k)
        for k, slot in task.probes
    ]


def law_probabilities(task: LawTask) -> list[float]:
    """The switching law on each probed neuron's own drive and temperature: one cached
    deterministic transient with every junction held in P."""
    return law_reading(law_waveforms(task.net, task.ambient_k), task)


# ----------------------------------------------------------------------------- trials
@dataclass(frozen=True)
class TrialTask:
    """One seeded stochastic transient of ``net``."""

    net: Net
    seed: int
    ambient_k: float


def run_trial_task(task: TrialTask) -> np.ndarray:
    """Fired (neurons x slots booleans).  A netlist that stops on "timestep too small" is
    rerun with a finer step cap (neuron v4's :data:`RETRY_STEP_DIVISORS`), then with the
    seed ``seed * 1000 + 1``: every outcome still depends on the seed alone."""
    for seed in (task.seed, task.seed * 1000 + 1):
        try:
            return retry_finer(
                lambda step, s=seed: _fired(task.net, s, step, task.ambient_k),
                MAX_STEP_S,
                RETRY_STEP_DIVISORS,
            )
        except SimulationError as err:
            if not err.step_collapsed:
                raise
    raise SimulationError(f"working memory v4: seed {task.seed} stalls the solver", [], "")


def _fired(net: Net, seed: int, max_step: float, ambient_k: float) -> np.ndarray:
    p = net.params
    w = Session.get().run(
        build_net(net, ms.stochastic(seed)),
        Transient(step_s=0.1e-9, stop_s=net.n_slots * p.slot_s, max_step_s=max_step),
        temperature_k=ambient_k,
    )
    outs = [w.v(f"out{k + 1}") for k in range(len(net.slots))]
    return fired_matrix(p, w.time, outs, net.n_slots)


EXCESS_FLOOR = 0.01
"""Decay fits use the lags whose excess gain (gain - 1) is at least 1 %: below it a
network reading trials cannot see the memory (at P(rested) ~ 0.1, a 1 % change needs
about 10^5 trials per point to resolve), and the law's tail is its numerical floor."""
AIC_MARGIN = 2.0
"""A second exponential is kept when it lowers the Akaike information criterion by at
least this much (Burnham and Anderson's threshold of a meaningfully better model)."""


# ----------------------------------------------------------------------------- statistics
def proportion(fired) -> dict:
    """Fired / trials of a boolean array, with its Wilson 95 % interval."""
    f = np.asarray(fired, bool)
    k, n = int(f.sum()), int(f.size)
    lo, hi = wilson_interval(k, n) if n else (math.nan, math.nan)
    return {"p": k / n if n else math.nan, "fired": k, "n": n, "ci95": [lo, hi]}


def ratio_interval(num: dict, den: dict) -> list[float]:
    """A conservative 95 % interval of num.p / den.p from the two Wilson intervals."""
    lo = num["ci95"][0] / den["ci95"][1] if den["ci95"][1] > 0 else math.nan
    hi = num["ci95"][1] / den["ci95"][0] if den["ci95"][0] > 0 else math.inf
    return [lo, hi]


def z_difference(p_hit: float, p_false_alarm: float) -> float:
    """d' of exact probabilities (no trials): z(p_hit) - z(p_false_alarm)."""
    return float(norm.ppf(p_hit) - norm.ppf(p_false_alarm))


def _rate(k: int, n: int) -> float:
    """k / n, with 0 and n replaced by 1/(2n) and 1 - 1/(2n) (Macmillan and Kaplan 1985),
    so that z stays finite."""
    return min(max(k / n, 0.5 / n), 1 - 0.5 / n)


def d_prime(hit: dict, false_alarm: dict) -> dict:
    """d' = z(hit rate) - z(false-alarm rate) from trial counts (``proportion`` dicts), and
    a 95 % interval propagated from the two Wilson intervals (the hit rate's low bound
    against the false-alarm rate's high bound, and vice versa)."""
    nh, nf = hit["n"], false_alarm["n"]
    if not nh or not nf:
        return {"d": math.nan, "ci95": [math.nan, math.nan]}

    def z(x, n):
        return float(norm.ppf(min(max(x, 0.5 / n), 1 - 0.5 / n)))

    d = float(norm.ppf(_rate(hit["fired"], nh)) - norm.ppf(_rate(false_alarm["fired"], nf)))
    lo = z(hit["ci95"][0], nh) - z(false_alarm["ci95"][1], nf)
    hi = z(hit["ci95"][1], nh) - z(false_alarm["ci95"][0], nf)
    return {"d": d, "ci95": [lo, hi]}


# ----------------------------------------------------------------------------- decay fits
def _aic(resid: np.ndarray, k: int) -> float:
    n = resid.size
    return n * math.log(max(float(np.sum(resid**2)) / n, 1e-30)) + 2 * k


def fit_decays(lags_s, excess) -> dict:
    """The excess gain's decay over the lags where it is at least :data:`EXCESS_FLOOR`: one
    exponential (least squares in ln) and, with at least 5 such lags, two (fast and slow,
    least squares in ln), kept only if it lowers the AIC by :data:`AIC_MARGIN` and its time
    constants differ by at least 2x."""
    t = np.asarray(lags_s, float)
    y = np.asarray(excess, float)
    use = np.isfinite(y) & (y >= EXCESS_FLOOR)
    t, y = t[use], y[use]
    out: dict = {"floor": EXCESS_FLOOR, "points": int(t.size), "one": None, "two": None}
    if t.size < 2:
        out["two_reason"] = f"fewer than 2 lags with an excess >= {EXCESS_FLOOR:g}"
        return out
    one = fit_exponential(t, y)
    resid1 = np.log(y) - (one.intercept + one.slope * t)
    out["one"] = {
        "tau_s": one.tau if one.slope < 0 else None,
        "a0": one.a0,
        "rms_ln": one.rms_ln,
    }
    if t.size < 5 or one.slope >= 0:
        out["two_reason"] = "fewer than 5 lags above the floor" if t.size < 5 else "no decay"
        return out
    tau = one.tau
    best = None
    for f_fast in (0.1, 0.3, 0.6):
        x0 = [
            math.log(one.a0 / 2),
            math.log(one.a0 / 2),
            math.log(tau * f_fast),
            math.log(tau * 1.5),
        ]

        def resid(x):
            a1, a2, t1, t2 = np.exp(np.clip(x, -80, 80))
            return np.log(a1 * np.exp(-t / t1) + a2 * np.exp(-t / t2)) - np.log(y)

        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            r = least_squares(resid, x0, method="lm", max_nfev=4000)
        if best is None or r.cost < best.cost:
            best = r
    a1, a2, t1, t2 = np.exp(best.x)
    if t1 > t2:
        a1, a2, t1, t2 = a2, a1, t2, t1
    gain = _aic(resid1, 2) - _aic(best.fun, 4)
    two = {
        "tau_fast_s": float(t1),
        "tau_slow_s": float(t2),
        "a_fast": float(a1),
        "a_slow": float(a2),
        "rms_ln": float(np.sqrt(np.mean(best.fun**2))),
        "aic_gain": float(gain),
    }
    if gain >= AIC_MARGIN and t2 >= 2 * t1:
        out["two"] = two
        out["two_reason"] = "kept: lowers the AIC by >= 2 with distinct time constants"
    else:
        out["two_rejected"] = two
        out["two_reason"] = "not supported: a second exponential does not lower the AIC by 2"
    return out


# ----------------------------------------------------------------------------- files
def _ns(x) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x * 1e9:.1f} ns"


def _um(x) -> str:
    return "none in the scan" if x is None else f"{x * 1e6:.2f} um"


def _ci(d: dict) -> str:
    return f"{d['p']:.3f} [{d['ci95'][0]:.3f}, {d['ci95'][1]:.3f}] (n = {d['n']})"


def report_md(s: dict) -> str:
    r, f, i, d = s["recency"], s["free_recall"], s["interference"], s["design"]
    fit = r["fit"]
    lines = [
        "# Working memory on IPNet neuron v4: firing-probability protocols",
        "",
        f"Device `{d['device']}` (thermal poles rth*cth = {_ns(d['tau_th_s'][0])}, rth2*cth2 = "
        f"{_ns(d['tau_th_s'][1])}); slot {d['slot_s'] * 1e9:.2f} ns; ambient {s['ambient_k']:.2f} K. "
        "*law*: the switching law v3 on the circuit's own drive and temperature (no trial "
        f"noise); *trials*: seeded mtj_stoch ensembles ({s['plan']['trials']} per point, Wilson "
        "95 % intervals).  Controls: *no_coupling* (no thermal resistor between neurons), "
        "*no_heat* (heat capacities / 100).",
        "",
        "## Recency: P(fire | item L slots earlier) / P(fire | rested)",
        "",
        "| L [slots] | law | law, no coupling | law, no heat |",
        "|---|---|---|---|",
    ]
    for k, lag in enumerate(r["lags_slots"]):
        g = [r["law"][c]["gain"][k] for c in ("normal", "no_coupling", "no_heat")]
        lines.append(f"| {lag} | {g[0]:.3f} | {g[1]:.3f} | {g[2]:.3f} |")
    one, two = fit["one"], fit["two"]
    lines += [
        "",
        f"Decay of the excess gain (lags with excess >= {fit['floor']:g}): one exponential tau = "
        f"{_ns(one['tau_s'] if one else None)}; two exponentials: "
        + (
            f"{_ns(two['tau_fast_s'])} and {_ns(two['tau_slow_s'])}"
            if two
            else fit.get("two_reason", "n/a")
        )
        + f".  Device: rth*cth = {_ns(r['device_tau_s']['rth_cth'])}, rth2*cth2 = "
        f"{_ns(r['device_tau_s']['rth2_cth2'])}."
        + (f"  Note: {r['fast_pole_note']}." if r.get("fast_pole_note") else ""),
        "",
    ]
    if r["trials"]:
        t = r["trials"]
        lines.append(f"Trials: P(rested) {_ci(t['normal']['rested'])}.")
        lines.append("")
        lines += ["| condition | L | P(probe) | gain | gain 95 % |", "|---|---|---|---|---|"]
        for cond in ("normal", "no_heat"):
            for row in t[cond]["by_lag"]:
                lo, hi = row["gain_ci95"]
                lines.append(
                    f"| {cond} | {row['lag_slots']} | {_ci(row['probe'])} | {row['gain']:.2f} | "
                    f"[{lo:.2f}, {hi:.2f}] |"
                )
        lines.append("")
    lines += [
        f"## Free recall: {f['list_length']} items, probed together; {f['criterion']}",
        "",
        "| position | lag [slots] | law P | law d' | no coupling d' | no heat d' | trials P | trials d' [95 %] |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for k, row in enumerate(f["by_position"]):
        nc = f["controls"]["no_coupling"]["by_position"][k]["d_prime"]
        nh = f["controls"]["no_heat"]["by_position"][k]["d_prime"]
        tr = f["trials"]["by_position"][k] if f["trials"] else None
        tcol = (
            f"{tr['p_item']['p']:.3f} | {tr['d_prime']:.2f} [{tr['d_prime_ci95'][0]:.2f}, "
            f"{tr['d_prime_ci95'][1]:.2f}]"
            if tr
            else "- | -"
        )
        lines.append(
            f"| {row['position']} | {row['lag_slots']} | {row['p_item']:.3f} | "
            f"{row['d_prime']:.2f}{' (recalled)' if row['recalled'] else ''} | {nc:.2f} | "
            f"{nh:.2f} | {tcol} |"
        )
    lines += [
        "",
        f"Lure (no item, probed with the list): law P = {f['law']['normal']['p_lure']:.3f}"
        + (f"; trials {_ci(f['trials']['lure'])}" if f["trials"] else "")
        + ".",
        "",
        f"## Interference: crosstalk vs pitch (probe {i['lag_slots']} slot after both items)",
        "",
        "| pitch [um] | P alone | P with neighbour's item | own excess | crosstalk |",
        "|---|---|---|---|---|",
    ]
    n = i["law"]["normal"]
    for k, pitch in enumerate(n["pitches_m"]):
        lines.append(
            f"| {pitch * 1e6:.2f} | {n['p_alone'][k]:.4f} | {n['p_both'][k]:.4f} | "
            f"{n['own_excess'][k]:.4f} | {n['crosstalk'][k]:.3f} |"
        )
    nc, nh = i["controls"]["no_coupling"], i["controls"]["no_heat"]
    lines += [
        "",
        f"Crosstalk below {i['budget']:.0%} of the own memory beyond {_um(i['pitch_10pct_m'])}; "
        f"layout pitch {_um(i['layout_pitch_m'])} (crosstalk there {i['crosstalk_at_layout']:.3f}). "
        f"Controls: no coupling, change of P {nc['delta_p'][0]:.2e}; no heat, own excess "
        f"{max(nh['own_excess']):.2e} and change of P at most {max(map(abs, nh['delta_p'])):.2e}.",
        "",
    ]
    if i["trials"]:
        t = i["trials"]
        at = i["law"]["normal"]["pitches_m"].index(i["layout_pitch_m"])
        half = (t["p_alone"]["ci95"][1] - t["p_alone"]["ci95"][0]) / 2
        lines += [
            f"Trials at the layout pitch: P alone {_ci(t['p_alone'])}, with the neighbour's "
            f"item {_ci(t['p_both'])}, rested {_ci(t['p_rested'])}: crosstalk "
            f"{t['crosstalk']:.2f}.  The law's change of P there is "
            f"{i['law']['normal']['delta_p'][at]:.4f}; the trials' interval on P alone is "
            f"{half:.3f} wide on either side: a change below that is not resolved.",
            "",
        ]
    return "\n".join(lines)


def _csvs(s: dict, stage: Path) -> None:
    r, f, i = s["recency"], s["free_recall"], s["interference"]
    rows = [
        (c, lag, r["law"][c]["p_probe"][k], r["law"][c]["gain"][k])
        for c in r["law"]
        for k, lag in enumerate(r["lags_slots"])
    ]
    _write_csv(stage / "recency.csv", ["condition", "lag_slots", "p_probe", "gain"], rows)
    rows = [
        (c, x["position"], x["lag_slots"], x["p_item"], x["gain"], x["d_prime"], x["recalled"])
        for c, law in f["law"].items()
        for x in law["by_position"]
    ]
    head = ["condition", "position", "lag_slots", "p_item", "gain", "d_prime", "recalled"]
    _write_csv(stage / "free_recall.csv", head, rows)
    rows = [
        (c, x, law["p_alone"][k], law["p_both"][k], law["own_excess"][k], law["crosstalk"][k])
        for c, law in i["law"].items()
        for k, x in enumerate(law["pitches_m"])
    ]
    head = ["condition", "pitch_m", "p_alone", "p_both", "own_excess", "crosstalk"]
    _write_csv(stage / "interference.csv", head, rows)


def _trial_bars(ax, rows, x_key: str, y_key: str, ci_key: str) -> None:
    """The trials' points with their 95 % intervals."""
    y = np.array([x[y_key] for x in rows])
    ci = np.array([x[ci_key] for x in rows])
    yerr = [np.maximum(y - ci[:, 0], 0), np.maximum(ci[:, 1] - y, 0)]
    x = [r[x_key] for r in rows]
    ax.errorbar(x, y, yerr=yerr, fmt="kx", capsize=3, label="trials (95 %)")


def _figure(s: dict, path: Path) -> None:
    plt = _pyplot()
    r, f, i = s["recency"], s["free_recall"], s["interference"]
    fig, (a1, a2, a3) = plt.subplots(1, 3, figsize=(14, 4))
    styles = (("normal", "o-"), ("no_coupling", "s--"), ("no_heat", "^:"))
    for c, style in styles:
        a1.plot(r["lags_slots"], r["law"][c]["gain"], style, label=f"law, {c}")
        rows = f["law"][c]["by_position"]
        x, d = [x["position"] for x in rows], [x["d_prime"] for x in rows]
        a2.plot(x, d, style, label=f"law, {c}")
    if r["trials"]:
        _trial_bars(a1, r["trials"]["normal"]["by_lag"], "lag_slots", "gain", "gain_ci95")
    if f["trials"]:
        _trial_bars(a2, f["trials"]["by_position"], "position", "d_prime", "d_prime_ci95")
    a1.axhline(1, color="grey", lw=0.5)
    a1.set(xlabel="lag [slots]", ylabel="gain P(fire|item)/P(rested)", title="recency")
    a2.axhline(1.0, color="k", ls="--", lw=0.8)
    a2.set(xlabel="serial position", ylabel="d' against the lure", title="free recall")
    law = i["law"]["normal"]
    um = np.array(law["pitches_m"]) * 1e6
    a3.semilogx(um, law["crosstalk"], "o-", label="law")
    a3.minorticks_off()
    a3.set_xticks(um, [f"{x:.2g}" for x in um])
    a3.axhline(i["budget"], color="k", ls="--", lw=0.8)
    a3.axvline(i["layout_pitch_m"] * 1e6, color="r", lw=0.8, label="layout pitch")
    a3.set(xlabel="pitch [um]", ylabel="crosstalk / own excess", title="interference")
    _finish(plt, fig, (a1, a2, a3), path)


def publish(summary: dict, out: Path, extra=None) -> None:
    """Write the folder through a staging folder, ``summary.json`` last.  ``extra(summary,
    stage)``: more files (returns a section of ``report.md`` and the names it wrote)."""
    names = ["report.md", "recency.csv", "free_recall.csv", "interference.csv"]
    with staging.staging_folder(out) as stage:
        md, more = extra(summary, stage) if extra else ("", [])
        (stage / "report.md").write_text(report_md(summary) + md)
        names += more
        _csvs(summary, stage)
        try:
            _figure(summary, stage / "working_memory_v4.png")
            names.append("working_memory_v4.png")
        except (ValueError, OSError, RuntimeError) as exc:
            print(f"working memory v4: figure not drawn ({exc}); numbers kept", file=sys.stderr)
        text = json.dumps(_jsonable(summary), indent=1)
        (stage / "summary.json").write_text(text + "\n")
        staging.commit_staged(stage, out, [*names, "summary.json"])
