"""The neuron v4 part of ``ipnet compare``: per column, the heat-gated stochastic neuron
(:mod:`circuits.ipnet_neuron_v4`, its built-in design) built on the column's device at the
column's ambient temperature: its memory, its transfer curve and its firing window.

Every number comes from :func:`pyspice_flows.metrics.neuron_v4.v4_figures` (the switching
law on the circuit's own drive and temperature, cached by content), evaluated at the one
corner (the column's temperature, the design's supply).  The window's and the memory's pass
or fail is judged against the spec limits of the v4 variation sweep
(``pyspice_flows/sweeps/ipnet_v4.toml``, read through :mod:`pyspice_flows.sweep.spec`):
``p_rested``, ``gain_1_slot``, ``gain_3_slots`` (the memory) and ``p_fire_strong``,
``p_fire_weak`` (the window, at the sweep's strong and weak input weights).
"""

from __future__ import annotations

import functools
import io
import math
from dataclasses import replace
from pathlib import Path

from circuits import ipnet_neuron_v4 as v4
from pyspice_flows.metrics.neuron_v4 import (
    STRONG_WEIGHT,
    TRANSFER_WEIGHTS,
    WEAK_WEIGHT,
    v4_figures,
)
from pyspice_flows.sweep.spec import SPECS_DIR, load_spec

from .render import DASH, fmt_si

V4_SPEC = SPECS_DIR / "ipnet_v4.toml"
"""The sweep spec whose ``[limits.*]`` judge a column's window and memory."""
MEMORY_LIMITS = ("p_rested", "gain_1_slot", "gain_3_slots")
WINDOW_LIMITS = ("p_fire_strong", "p_fire_weak")


@functools.cache
def spec_limits() -> dict:
    """``{figure: FigureLimits}`` of the v4 sweep spec (the memory's and the window's)."""
    limits = load_spec(V4_SPEC).limits
    missing = [k for k in (*MEMORY_LIMITS, *WINDOW_LIMITS) if k not in limits]
    if missing:
        raise ValueError(f"{V4_SPEC}: no [limits.{missing[0]}] table")
    return dict(limits)


def _p_fire(curve: list[dict], weight: float) -> float | None:
    """P(fire) of the transfer curve's point at ``weight`` (None when it has none)."""
    hits = [row["p_fire"] for row in curve if math.isclose(row["weight"], weight)]
    return hits[0] if hits else None


def _gain_at(memory: dict, slots: int) -> float | None:
    """The memory gain ``slots`` input intervals after the item (None when not simulated)."""
    for lag, gain in zip(memory["lags_s"], memory["gain_by_lag"], strict=True):
        if math.isclose(lag / memory["input_interval_s"], slots, rel_tol=1e-6):
            return gain
    return None


def judged(values: dict) -> dict:
    """``{figure: {value, ok, limit}}`` of ``values`` against the spec limits, and the lists
    of the failing memory and window limits (a missing value fails)."""
    limits = spec_limits()
    checks = {
        k: {"value": values.get(k), "ok": limits[k].admits(values.get(k)), "limit": limit_text(k)}
        for k in (*MEMORY_LIMITS, *WINDOW_LIMITS)
    }
    return {
        "checks": checks,
        "memory_failing": [k for k in MEMORY_LIMITS if not checks[k]["ok"]],
        "window_failing": [k for k in WINDOW_LIMITS if not checks[k]["ok"]],
    }


def limit_text(figure: str) -> str:
    """The spec's limits of ``figure`` as text, e.g. ``>= 0.9`` or ``0.05 .. 0.3``."""
    lim = spec_limits()[figure]
    if lim.min is not None and lim.max is not None:
        return f"{lim.min:g} .. {lim.max:g}"
    return f">= {lim.min:g}" if lim.min is not None else f"<= {lim.max:g}"


def v4_column(device: Path, temp_k: float) -> dict:
    """The v4 neuron's figures for one column: the built-in design on ``device`` at
    ``temp_k`` (its own supply), with the window and memory judged against the spec."""
    p = replace(v4.default_v4_params(), device_file=Path(device))
    fig = v4_figures(p, ((float(temp_k), p.vdd_v),), float(temp_k))
    memory, curve = fig["memory"], fig["transfer_curve"]
    values = {
        "p_rested": memory["p_rested"],
        "gain_1_slot": _gain_at(memory, 1),
        "gain_3_slots": memory["gain_at_3_intervals"],
        "p_fire_strong": _p_fire(curve, STRONG_WEIGHT),
        "p_fire_weak": _p_fire(curve, WEAK_WEIGHT),
    }
    return {
        "design": v4.DEFAULT_V4_DESIGN.stem,
        "supply_V": p.vdd_v,
        "memory": memory,
        "transfer_curve": curve,
        "window": {
            "weak_weight": WEAK_WEIGHT,
            "strong_weight": STRONG_WEIGHT,
            "p_fire_weak": values["p_fire_weak"],
            "p_fire_strong": values["p_fire_strong"],
        },
        "spec": {"file": V4_SPEC.name, **judged(values)},
    }


def _verdict(failing: list[str]) -> str:
    return "pass" if not failing else "fail: " + ", ".join(failing)


def _p(value) -> str:
    return DASH if value is None or not math.isfinite(value) else f"{value:.3g}"


def v4_rows(columns: list[dict]) -> list[list[str]]:
    """The comparison table's rows of the v4 neuron (one cell per column)."""
    cols = [c["figures"]["v4"] for c in columns]
    lim = {k: limit_text(k) for k in (*MEMORY_LIMITS, *WINDOW_LIMITS)}
    rows = [
        [
            "neuron v4: design, supply",
            *(f"{c['design']}, {fmt_si(c['supply_V'], 'V')}" for c in cols),
        ],
        [
            f"v4 memory: P(fire | rested) (spec {lim['p_rested']})",
            *(_p(c["memory"]["p_rested"]) for c in cols),
        ],
        [
            f"v4 memory: gain at 1 slot (spec {lim['gain_1_slot']})",
            *(_p(c["spec"]["checks"]["gain_1_slot"]["value"]) for c in cols),
        ],
        [
            f"v4 memory: gain at 3 slots (spec {lim['gain_3_slots']})",
            *(_p(c["memory"]["gain_at_3_intervals"]) for c in cols),
        ],
        [
            "v4 memory: fitted decay of the gain's excess",
            *(fmt_si(c["memory"]["tau_s"], "s") for c in cols),
        ],
        [
            "v4 memory: capacity ablation's left-over excess",
            *(_p(c["memory"]["ablation_ratio"]) for c in cols),
        ],
        [
            "v4 memory: input interval (slot)",
            *(fmt_si(c["memory"]["input_interval_s"], "s") for c in cols),
        ],
    ]
    for weight in TRANSFER_WEIGHTS:
        rows.append(
            [
                f"v4 transfer: P(fire) at weight {weight:g}",
                *(_p(_p_fire(c["transfer_curve"], weight)) for c in cols),
            ]
        )
    rows += [
        [
            f"v4 window: weak P(fire), weight {WEAK_WEIGHT:g} (spec {lim['p_fire_weak']})",
            *(_p(c["window"]["p_fire_weak"]) for c in cols),
        ],
        [
            f"v4 window: strong P(fire), weight {STRONG_WEIGHT:g} (spec {lim['p_fire_strong']})",
            *(_p(c["window"]["p_fire_strong"]) for c in cols),
        ],
        [
            f"v4 window against {V4_SPEC.name}",
            *(_verdict(c["spec"]["window_failing"]) for c in cols),
        ],
        [
            f"v4 memory against {V4_SPEC.name}",
            *(_verdict(c["spec"]["memory_failing"]) for c in cols),
        ],
    ]
    return rows


def v4_png(columns: list[dict], titles: list[str]) -> bytes:
    """The v4 transfer curves and memory curves of every column, overlaid."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_tr, ax_mem) = plt.subplots(1, 2, figsize=(9, 3.8))
    for col, title in zip(columns, titles, strict=True):
        v = col["figures"]["v4"]
        curve = sorted(v["transfer_curve"], key=lambda r: r["weight"])
        ax_tr.plot([r["weight"] for r in curve], [r["p_fire"] for r in curve], "o-", label=title)
        m = v["memory"]
        lags = [lag / m["input_interval_s"] for lag in m["lags_s"]]
        ax_mem.plot(lags, m["gain_by_lag"], "o-", label=title)
    limits = spec_limits()
    ax_tr.axhline(limits["p_fire_strong"].min, color="0.5", ls=":", lw=1)
    ax_tr.axhline(limits["p_fire_weak"].max, color="0.5", ls=":", lw=1)
    ax_tr.set_xlabel("input weight [x the design's write current]")
    ax_tr.set_ylabel("P(fire | rested) [1]")
    ax_tr.set_title("v4 transfer curve (dotted: window limits)", fontsize=9)
    ax_mem.axhline(1.0, color="0.5", lw=0.8)
    ax_mem.set_xlabel("lag after the item [input intervals]")
    ax_mem.set_ylabel("gain P(fire | item) / P(fire | rested) [1]")
    ax_mem.set_title("v4 memory curve", fontsize=9)
    ax_tr.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()
