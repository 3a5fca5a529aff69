"""The report's section "Working memory and network" (issue 21): what the working-memory
protocols of neuron v4 and the network-level test measured, read from their own summaries
when those exist.  The report never runs them (they take minutes to hours); where a
summary is missing the section names the command that writes it.

* ``build/working_memory/summary.json`` (``make working-memory``): the gain by lag at 1 and
  3 slots (the switching law's, with the seeded trials' gain and 95 % interval beside it
  where those lags were run as trials), the fitted decay, the positions recalled in free
  recall (d' >= 1), the pitch where crosstalk stays under 10 % against the layout pitch,
  and, where the summary has it, the crosstalk on an R x C array at the layout pitch;
* ``build/network/summary.json`` (``make network``): the readout's accuracy per variant
  (mean and 95 % interval over seeds).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from circuits.paths import BUILD_DIR, shown

WORKING_MEMORY_SUMMARY = BUILD_DIR / "working_memory" / "summary.json"
NETWORK_SUMMARY = BUILD_DIR / "network" / "summary.json"
TITLE = "Working memory and network"
COLUMNS = ["quantity", "value", "summary"]
SHOWN_LAGS = (1, 3)
"""The recency lags shown [slots]: one input interval, and three (issue 20's criterion)."""


def _read(path: Path, command: str) -> tuple[dict | None, str]:
    """The summary at ``path``, or None with a sentence saying why and what writes it."""
    if not path.is_file():
        return None, f"`{shown(path)}` does not exist yet: `{command}` writes it."
    try:
        return json.loads(path.read_text()), ""
    except (OSError, ValueError) as exc:
        return None, f"`{shown(path)}` could not be read ({exc}); `{command}` writes it again."


def _interval(ci) -> str:
    """`` [lo, hi]`` of a 95 % interval; an unbounded end (stored as null) shows as inf."""
    if not ci or ci[0] is None or not math.isfinite(ci[0]):
        return ""
    hi = ci[1] if ci[1] is not None and math.isfinite(ci[1]) else math.inf
    return f" [{ci[0]:.2f}, {hi:.2f}]"


def _trials_gain(point: dict | None, after_law: str = "") -> str:
    """``"; trials 4.29 [2.58, 7.03] (95 %, n = 200)"`` for a lag the seeded trials ran
    (``after_law`` marks the value before it as the law's), else nothing."""
    if point is None or not math.isfinite(point["gain"]):
        return ""
    interval = _interval(point["gain_ci95"])
    return f"{after_law}; trials {point['gain']:.2f}{interval} (95 %, n = {point['probe']['n']})"


def _um(x) -> str:
    return "none in the scan" if x is None else f"{x * 1e6:.2f} um"


def working_memory_rows(s: dict, source: str) -> tuple[list[list[str]], str]:
    """Table rows and a sentence from a working-memory summary."""
    r, f, i = s["recency"], s["free_recall"], s["interference"]
    trials = s.get("plan", {}).get("trials", 0)
    rows = []
    lags = r["lags_slots"]
    by_trials = {
        condition: {x["lag_slots"]: x for x in runs.get("by_lag", [])}
        for condition, runs in (r.get("trials") or {}).items()
        if isinstance(runs, dict)
    }
    for lag in SHOWN_LAGS:
        if lag not in lags:
            continue
        k = lags.index(lag)
        value = f"{r['gain_by_lag'][k]:.2f} (law)"
        no_heat = f"{r['controls']['no_heat']['gain_by_lag'][k]:.3f}"
        rows.append(
            [
                f"recency: gain P(fire) / P(rested) {lag} slot(s) after an item",
                value + _trials_gain(by_trials.get("normal", {}).get(lag)),
                source,
            ]
        )
        rows.append(
            [
                f"recency, control no_heat, {lag} slot(s)",
                no_heat + _trials_gain(by_trials.get("no_heat", {}).get(lag), " (law)"),
                source,
            ]
        )
    tau = r.get("tau_s")
    rows.append(
        [
            "recency: fitted decay tau of the excess gain",
            "n/a" if tau is None else f"{tau * 1e9:.1f} ns",
            source,
        ]
    )
    by_pos = f["by_position"]
    recalled = [x["position"] for x in by_pos if x["recalled"]]
    d = ", ".join(f"{x['d_prime']:.2f}" for x in by_pos)
    rows.append(
        [
            f"free recall: d' by serial position 1..{len(by_pos)} (law); recalled (d' >= 1)",
            f"{d}; recalled: {', '.join(map(str, recalled)) or 'none'}",
            source,
        ]
    )
    rows.append(
        [
            "interference: crosstalk < 10 % of the own memory beyond / layout pitch",
            f"{_um(i['pitch_10pct_m'])} / {_um(i['layout_pitch_m'])} (crosstalk at the layout "
            f"pitch {i['crosstalk_at_layout']:.3f})",
            source,
        ]
    )
    a = s.get("interference_array")  # summaries written before the array reading lack it
    if a:
        xt = a["crosstalk_at_layout"]
        rows.append(
            [
                f"interference on a {a['rows']} x {a['cols']} array at the layout pitch "
                f"{_um(a['layout_pitch_m'])}: crosstalk of the 8 neighbours / of the whole array",
                f"{xt['neighbours']:.3f} / {xt['dense']:.3f} of the own memory "
                f"{a['own_excess_at_layout']:.3f} (law)",
                source,
            ]
        )
    nc = max(map(abs, i["controls"]["no_coupling"]["delta_p"]))
    text = (
        f"Working memory (`{source}`, `make working-memory`; design on "
        f"`{s['design']['device']}`, slot {s['design']['slot_s'] * 1e9:.1f} ns, "
        f"{trials} trials per point): the gain is the switching law's on the circuit's drive, "
        "the trials' beside it.  Controls: the no_heat rows (heat capacities / 100); "
        "without a coupling resistor the neighbour's item changes P by "
        + ("exactly 0." if nc == 0 else f"at most {nc:.1e}.")
    )
    return rows, text


def network_rows(s: dict, source: str) -> tuple[list[list[str]], str]:
    """Table rows and a sentence from a network summary."""
    labels = s.get("variants", {})
    rows = []
    for key, acc in s["accuracy"].items():
        rows.append(
            [
                f"network accuracy: {labels.get(key, key)}",
                f"{acc['mean']:.3f}{_interval(acc.get('ci95'))}",
                source,
            ]
        )
    chance = s.get("chance")
    text = (
        f"Network (`{source}`, `make network`): {s['classes']} classes, {s['seeds']} seeds"
        + (f", chance {chance:.3f}" if chance else "")
        + (" (a --quick run)" if s.get("quick") else "")
        + "; accuracy of the linear readout, mean and 95 % interval over seeds."
    )
    return rows, text


def working_memory_network_section(
    wm_path: Path = WORKING_MEMORY_SUMMARY, network_path: Path = NETWORK_SUMMARY
) -> dict:
    """The section: a table of what the two summaries hold, or what writes them."""
    rows, texts = [], []
    for path, command, reader in (
        (wm_path, "make working-memory", working_memory_rows),
        (network_path, "make network", network_rows),
    ):
        summary, missing = _read(path, command)
        if summary is None:
            texts.append(missing)
            continue
        try:
            more, text = reader(summary, shown(path))
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            texts.append(
                f"`{shown(path)}` lacks an expected entry ({exc!r}): it predates this report; "
                f"`{command}` writes it again."
            )
            continue
        rows += more
        texts.append(text)
    section = {
        "title": TITLE,
        "text": "Read from the protocols' own summaries; the report does not run them.  "
        + "  ".join(texts),
    }
    if rows:
        section["table"] = {"columns": COLUMNS, "rows": rows}
    return section
