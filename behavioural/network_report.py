"""The figure and the short report of :mod:`behavioural.network` (from its summary dict)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_figure(summary: dict, path: Path) -> None:
    """Accuracy by variant (22 classes, and motion vs its reversal) with 95 % intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(summary["variants"])
    labels = [summary["variants"][k].split(")")[0] + ")" for k in names]
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for off, key, title, chance in (
        (-0.2, "accuracy", "22 classes", summary["chance"]),
        (0.2, "direction_accuracy", "motion vs its time reversal", 0.5),
    ):
        m = np.array([summary[key][k]["mean"] for k in names])
        lo = np.array([summary[key][k]["ci95"][0] for k in names])
        hi = np.array([summary[key][k]["ci95"][1] for k in names])
        bars = ax.bar(x + off, m, 0.38, yerr=[m - lo, hi - m], capsize=3, label=title)
        ax.axhline(chance, color=bars.patches[0].get_facecolor(), ls=":", lw=1)
    ax.set_xticks(x, labels)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("test accuracy (mean, 95 % CI)")
    ax.set_title(
        f"Linear readout at the end of the stream ({summary['seeds']} seeds; dotted: chance)"
    )
    ax.legend(loc="upper right", fontsize=8)
    fig.text(
        0.01,
        0.01,
        "; ".join(f"{lab} {summary['variants'][k][4:]}" for lab, k in zip(labels, names)),
        fontsize=5.5,
        wrap=True,
    )
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.savefig(path, dpi=130)
    plt.close(fig)


def _fmt(entry: dict) -> str:
    lo, hi = entry["ci95"]
    return f"{entry['mean']:.3f} [{lo:.3f}, {hi:.3f}]"


def _above(a: dict, b: dict) -> bool:
    """Whether interval ``a`` lies wholly above interval ``b``."""
    return a["ci95"][0] > b["ci95"][1]


def findings(summary: dict) -> list[str]:
    """Plain statements, each decided from the measured intervals."""
    acc, dirn = summary["accuracy"], summary["direction_accuracy"]
    a, b, c = acc["ipnet_input"], acc["ipnet_no_heat"], acc["ipnet_after_memoryless"]
    d, e = acc["ideal_trace"], acc["no_memory"]
    out = []

    def compare(name, x, y, what):
        if _above(x, y):
            return f"{name}: {what} helps ({_fmt(x)} vs {_fmt(y)})."
        if _above(y, x):
            return f"{name}: {what} hurts ({_fmt(x)} vs {_fmt(y)})."
        return f"{name}: no difference resolved by the intervals ({_fmt(x)} vs {_fmt(y)})."

    st = summary["ipnet_input_by_state"]
    slot, tau = summary["streams"]["slot_s"], summary["neuron"]["tau_th_s"]
    out.append(
        "What layer (a) remembers, each state read alone (22 classes / motion vs reversal): "
        + "; ".join(
            f"{k} {_fmt(v['accuracy'])} / {v['direction_accuracy']['mean']:.3f}"
            for k, v in st.items()
        )
        + f". The heat decays by exp(-slot / tau) = {np.exp(-slot / tau):.2f} per "
        f"{slot * 1e9:.2g} ns slot, so it holds about the last slot only; the hazard integral "
        "does not decay (it counts the drive, like a per-pixel event counter) and the "
        "precessional angle relaxes between pulses."
    )
    out.append(compare("Heat memory vs its ablation, 22 classes", a, b, "the heat memory"))
    out.append(
        compare(
            "Heat memory vs its ablation, motion vs reversal",
            dirn["ipnet_input"],
            dirn["ipnet_no_heat"],
            "the heat memory",
        )
    )
    out.append(
        compare("Memory at the input vs after a memoryless layer", a, c, "the input placement")
        + " The coincidence layer drops isolated (noise) events and spreads each moving edge"
        " over its 3 x 3 neighbourhood before the memory."
    )
    word = "exceeds" if _above(a, d) else ("stays below" if _above(d, a) else "matches")
    out.append(
        f"Ideal trace with the heat's time constant {_fmt(d)}: the bound of a memory that "
        f"decays as the heat does. The IPNet layer ({a['mean']:.3f}) {word} it: the heat is "
        "not the only state of this neuron that remembers."
    )
    out.append(
        f"No memory (counts in the last {summary['streams']['window_s'] * 1e9:.2g} ns): "
        f"{_fmt(e)}; motion vs reversal {_fmt(dirn['no_memory'])} (chance 0.5): a stream and "
        "its time reversal hold the same pixels and the same number of events, only their "
        "order (and with it their polarity) differs, and the last window holds background "
        "noise only, so these counts cannot tell them apart."
    )
    return out


def write_report(summary: dict) -> str:
    """report.md: the task, the table, the energy and the findings."""
    s = summary["streams"]
    en = summary["energy"]
    nr = summary["neuron"]
    rows = "\n".join(
        f"| {summary['variants'][k]} | {_fmt(summary['accuracy'][k])} | "
        f"{_fmt(summary['direction_accuracy'][k])} |"
        for k in summary["variants"]
    )
    found = "\n".join(f"- {line}" for line in findings(summary))
    e = en["memory_energy_per_stream_j"]
    return f"""# Network-level test of the heat memory

`{summary["command"]}` ({"quick, " if summary["quick"] else ""}{summary["wall_s"]:.0f} s)

Task: {summary["classes"]} classes (11 motions on a {s["width"]} x {s["height"]} pixel grid and
their time reversals), {summary["streams_per_class"]} streams per class and seed, {summary["seeds"]}
seeds; a stream is {s["motion_slots"]} slots of {s["slot_s"] * 1e9:.3g} ns of motion and
{s["delay_slots"]} quiet slot(s) before the readout at {s["duration_s"] * 1e9:.3g} ns (the time
scale of the neuron's heat, tau = rth cth = {nr["tau_th_s"] * 1e9:.3g} ns). Linear readout
(standardized logistic regression on the features in their own units, rounded to
{summary["readout_resolution"]:g} of a unit) on the state at the end of each stream; two thirds of the
streams train it, one third tests it. Chance: {summary["chance"]:.3f} (22 classes), 0.5
(motion vs its reversal).

| variant | accuracy, 22 classes (mean [95 % CI]) | motion vs its reversal |
|---|---|---|
{rows}

## Findings

{found}

## Energy

The memory's energy per stream, the junctions' Joule energy of layer (a): {e["mean"] * 1e12:.3g} pJ
[{e["ci95"][0] * 1e12:.3g}, {e["ci95"][1] * 1e12:.3g}] for {en["events_per_stream"]:.0f} events
({en["energy_per_event_j"] * 1e15:.3g} fJ per event). Source: {en["source"]}

Neuron: `{nr["calibration"]}` (ambient {nr["ambient_k"]:.2f} K, unit current
{nr["unit_current_a"] * 1e6:.3g} uA, input weight {nr["input_weight"]:g}).
"""
