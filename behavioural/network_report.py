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
    nr = summary["neuron"]
    mem = nr["memory"]
    out = []

    def compare(name, x, y, what):
        if _above(x, y):
            return f"{name}: {what} helps ({_fmt(x)} vs {_fmt(y)})."
        if _above(y, x):
            return f"{name}: {what} hurts ({_fmt(x)} vs {_fmt(y)})."
        return f"{name}: no difference resolved by the intervals ({_fmt(x)} vs {_fmt(y)})."

    gains = ", ".join(f"{g:.2f}" for g in mem["gain_by_lag"])
    lags = ", ".join(str(k) for k in mem["lags_slots"])
    ablated = ", ".join(f"{g:.2f}" for g in nr["ablated_memory"]["gain_by_lag"])
    out.append(
        f"The memory being tested: P(fire | an input k slots earlier) / P(fire | rested) = "
        f"{gains} at k = {lags} (P rested {mem['p_rested']:.3f}); ablated: {ablated}. "
        f"Slot {nr['slot_s'] * 1e9:.3g} ns; the ladder's time constants "
        f"{nr['tau_fast_s'] * 1e9:.3g} ns and {nr['tau_slow_s'] * 1e9:.3g} ns, so the probe "
        "at the end of a stream sees the last three or four slots of it."
    )
    st = summary["ipnet_input_by_readout"]
    out.append(
        "Layer (a) read one way at a time (22 classes / motion vs reversal): "
        + "; ".join(
            f"{k} {_fmt(v['accuracy'])} / {v['direction_accuracy']['mean']:.3f}"
            for k, v in st.items()
        )
        + ". The probe's probability is the expected readout; one probe per neuron (a "
        "single Bernoulli draw) is what one trial gives; the spikes during the stream count "
        "each pixel's events at P ~ 0.1 a draw."
    )
    single = st["probe_spike"]["accuracy"]
    if single["ci95"][0] > summary["chance"]:
        verdict = "above chance, far below the probe's probability"
    else:
        verdict = (
            "not above chance: one probe per neuron and stream does not read the memory; a "
            "reader needs many probes of the same state (several neurons per pixel, or the "
            "stream repeated)"
        )
    out.append(f"A single probe per neuron (one draw): {_fmt(single)}, {verdict}.")
    out.append(compare("Heat memory vs its ablation, 22 classes", a, b, "the heat memory"))
    out.append(
        compare(
            "Heat memory vs its ablation, motion vs reversal",
            dirn["ipnet_input"],
            dirn["ipnet_no_heat"],
            "the heat memory",
        )
    )
    placement = (
        compare("Memory at the input vs after a memoryless layer", a, c, "the input placement")
        + " The coincidence layer drops isolated (noise) events and spreads each moving edge"
        " over its 3 x 3 neighbourhood before the memory."
    )
    if _above(c, a):
        placement += (
            " With this layer, this task does not support placing the memory at the sensor."
        )
    out.append(placement)
    word = (
        "exceeds" if _above(a, d) else ("stays below" if _above(d, a) else "is not resolved from")
    )
    out.append(
        f"Ideal traces with the ladder's two time constants {_fmt(d)} (noise-free, linear: "
        f"the bound of a memory that decays as the heat does). The IPNet layer "
        f"({a['mean']:.3f}) {word} it."
    )
    out.append(
        f"No memory (counts in the last {summary['streams']['window_s'] * 1e9:.3g} ns): "
        f"{_fmt(e)}; motion vs reversal {_fmt(dirn['no_memory'])} (chance 0.5): a stream and "
        "its time reversal hold the same pixels and the same number of events, only their "
        "order (and with it their polarity) differs, and the last window holds background "
        "noise only, so these counts cannot tell them apart."
    )
    return out


def _circuit(c: dict | None) -> str:
    """The circuit's share of the energy, when the calibration names its design."""
    if c is None:
        return (
            "The circuit's supply energy is not given: the calibration file names no design "
            "(a bare calibration)."
        )
    return (
        f"The whole neuron from its supply (SPICE, the calibrated design): "
        f"{c['input_slot_J'] * 1e12:.3g} pJ per input slot (of which the junction "
        f"{c['junction_J'] * 1e12:.3g} pJ), {c['idle_slot_J'] * 1e15:.3g} fJ per idle slot: "
        f"{c['neurons_per_stream_J'] * 1e12:.3g} pJ per stream for the layer's neurons, plus "
        f"the shared bias generator's {c['bias_generator_per_slot_J'] * 1e12:.3g} pJ per "
        f"slot ({c['bias_generator_per_stream_J'] * 1e12:.3g} pJ per stream)."
    )


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
    slot = en["slot"]
    return f"""# Network-level test of the heat memory (behavioural neuron v2, IPNet neuron v4)

`{summary["command"]}` ({"quick, " if summary["quick"] else ""}{summary["wall_s"]:.0f} s)

Task: {summary["classes"]} classes (11 motions on a {s["width"]} x {s["height"]} pixel grid and
their time reversals), {summary["streams_per_class"]} streams per class and seed, {summary["seeds"]}
seeds; a stream is {s["motion_slots"]} slots of {s["slot_s"] * 1e9:.3g} ns (the neuron's slot
clock) of motion and {s["delay_slots"]} quiet slot(s); then a probe slot on every neuron reads
the layer. Each event is an input slot of weight {nr["input_weight"]:g} on its pixel and
polarity's neuron; spikes are seeded draws. Linear readout (standardized logistic
regression on the features, rounded to {summary["readout_resolution"]:g} of their unit) on
the state at the end of each stream; two thirds of the streams train it, one third tests
it. Chance: {summary["chance"]:.3f} (22 classes), 0.5 (motion vs its reversal).

| variant | accuracy, 22 classes (mean [95 % CI]) | motion vs its reversal |
|---|---|---|
{rows}

## Findings

{found}

## Energy

The memory's energy per stream, the junctions' energy of layer (a): {e["mean"] * 1e12:.3g} pJ
[{e["ci95"][0] * 1e12:.3g}, {e["ci95"][1] * 1e12:.3g}] for {en["events_per_stream"]:.1f} input
slots ({en["energy_per_event_j"] * 1e12:.3g} pJ per event; per slot {slot["write_phase_J"] * 1e15:.3g} fJ
in the write phase and {slot["heat_phase_J"] * 1e12:.3g} pJ in the heat phase that makes the
memory; {en["spikes_per_stream"]:.1f} spikes per stream at {slot["fired_extra_J"] * 1e15:.3g} fJ
extra each). The end-of-stream probe costs {en["probe_energy_per_stream_j"] * 1e12:.3g} pJ per
stream more (one slot per neuron). Layer (c), behind the coincidence layer, receives more
input slots (each edge spread over its neighbourhood): {en["after_memoryless_energy_per_stream_j"]["mean"] * 1e12:.3g} pJ
per stream in its junctions. Source: {en["source"]}

{_circuit(en["circuit"])}

Neuron: calibration `{nr["file"]}` at {nr["ambient_k"]:.2f} K (held-out validation met:
{nr["validation"]}).
"""
