"""The neuron v4 part of ``ipnet compare``: per column, the heat-gated stochastic neuron
(:mod:`circuits.ipnet_neuron_v4`) of the column's v4 design (a ``--design`` file that
describes v4, else the built-in one) on the column's device at the column's ambient
temperature: its area, its energy, its memory, its transfer curve and its firing window.

The area is the v4 netlist's inventory (:func:`area_energy.report.neuron_v4.v4_area`: the
neuron's own devices, and with the shared bias generator amortized over a 16 x 16 array);
every other number comes from :func:`pyspice_flows.metrics.neuron_v4.v4_figures` (the
switching law on the circuit's own drive and temperature, cached by content), evaluated at
the one corner (the column's temperature, the design's supply).  The static power (no
input: leakage at the operating point, the supply's mean power with the slot clock running,
the shared bias generator's) is a quiet transient of the v4 testbench
(:func:`pyspice_flows.metrics.neuron_v4_static.v4_static_power`).  The window's and the memory's pass
or fail is judged against the spec limits of the v4 variation sweep
(``pyspice_flows/sweeps/ipnet_v4.toml``, read through :mod:`pyspice_flows.sweep.spec`):
``p_rested``, ``gain_1_slot``, ``gain_3_slots`` (the memory) and ``p_fire_strong``,
``p_fire_weak`` (the window, at the sweep's strong and weak input weights).
"""

from __future__ import annotations

import functools
import io
import math

from circuits.neuron_designs import V4Design
from pyspice_flows.metrics.neuron_v4 import (
    STRONG_WEIGHT,
    TRANSFER_WEIGHTS,
    WEAK_WEIGHT,
    v4_figures,
)
from pyspice_flows.metrics.neuron_v4_static import v4_static_power
from pyspice_flows.sweep.spec import SPECS_DIR, load_spec

from .neuron_v4 import v4_area
from .render import DASH, fmt_si

V4_SPEC = SPECS_DIR / "ipnet_v4.toml"
"""The sweep spec whose ``[limits.*]`` judge a column's window and memory."""
MEMORY_LIMITS = ("p_rested", "gain_1_slot", "gain_3_slots")
WINDOW_LIMITS = ("p_fire_strong", "p_fire_weak")
ENERGY_KEYS = (
    "input_slot_J",
    "junction_J",
    "energy_per_spike_J",
    "energy_floor_J",
    "p_fire_per_slot_standard",
    "idle_slot_J",
    "peak_rise_k",
)
"""The column's share of v4_figures' ``energy`` (per input slot on a rested neuron, per
output spike on the standard stimulus of an input every slot, and the floor: the junction's
own dissipation per output spike)."""


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


def v4_column(design: V4Design, temp_k: float) -> dict:
    """The v4 neuron's figures for one column: ``design`` (on the column's device) at
    ``temp_k`` and its own supply: area (own devices, and with the shared bias generator
    amortized), energy per input slot and per output spike and the floor, memory, transfer
    curve, window; the window and memory judged against the spec."""
    p = design.params
    fig = v4_figures(p, ((float(temp_k), p.vdd_v),), float(temp_k))
    memory, curve, e = fig["memory"], fig["transfer_curve"], fig["energy"]
    values = {
        "p_rested": memory["p_rested"],
        "gain_1_slot": _gain_at(memory, 1),
        "gain_3_slots": memory["gain_at_3_intervals"],
        "p_fire_strong": _p_fire(curve, STRONG_WEIGHT),
        "p_fire_weak": _p_fire(curve, WEAK_WEIGHT),
    }
    area = v4_area(p)
    static = v4_static_power(p, float(temp_k))
    static["bias_generator_per_neuron_W"] = static["bias_generator_W"] / area["array_neurons"]
    return {
        "design": design.name,
        "supply_V": p.vdd_v,
        "area_um2": area["area_um2"],
        "area_um2_per_neuron_amortized": area["area_um2_per_neuron_amortized"],
        "array_neurons": area["array_neurons"],
        "transistors": area["transistors"],
        "bias_generator_area_um2": area["shared_bias_generator"]["area_um2"],
        "energy": {k: e[k] for k in ENERGY_KEYS},
        "static": static,
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


def _lag_rows(cols: list[dict], lim: dict) -> list[list[str]]:
    """A row per lag of the memory curve (in input slots); lags 1 and 3 with their spec."""
    slot = cols[0]["memory"]["input_interval_s"]
    lags = dict.fromkeys(round(lag / slot) for c in cols for lag in c["memory"]["lags_s"])
    spec = {1: lim["gain_1_slot"], 3: lim["gain_3_slots"]}
    return [
        [
            f"v4 memory: gain at {n} slot{'s' if n > 1 else ''}"
            + (f" (spec {spec[n]})" if n in spec else ""),
            *(_p(_gain_at(c["memory"], n)) for c in cols),
        ]
        for n in sorted(lags)
    ]


def v4_rows(columns: list[dict]) -> list[list[str]]:
    """The comparison table's rows of the v4 neuron (one cell per column)."""
    cols = [c["figures"]["v4"] for c in columns]
    lim = {k: limit_text(k) for k in (*MEMORY_LIMITS, *WINDOW_LIMITS)}

    def row(label: str, key: str, unit: str, group: str | None = None, digits=3) -> list[str]:
        values = (((c.get(group) or {}) if group else c).get(key) for c in cols)
        return [label, *(fmt_si(v, unit, digits) for v in values)]

    n_array = cols[0].get("array_neurons")
    rows = [
        row("v4 area, the neuron's own devices", "area_um2", "um^2", digits=4),
        row(
            f"v4 area per neuron, bias generator amortized over {n_array}",
            "area_um2_per_neuron_amortized",
            "um^2",
            digits=4,
        ),
        row("v4 transistors (own)", "transistors", ""),
        row("v4 energy per input slot (rested neuron)", "input_slot_J", "J", "energy"),
        row("v4 energy per input slot: in the junction", "junction_J", "J", "energy"),
        row(
            "v4 energy per output spike (an input every slot)",
            "energy_per_spike_J",
            "J",
            "energy",
        ),
        row(
            "v4 energy floor (the junction's own share per output spike)",
            "energy_floor_J",
            "J",
            "energy",
        ),
        [
            "v4 P(fire) per slot, an input every slot",
            *(_p((c.get("energy") or {}).get("p_fire_per_slot_standard")) for c in cols),
        ],
        row("v4 peak junction rise above ambient", "peak_rise_k", "K", "energy"),
        row("v4 static power: no input, slot clock running", "standby_W", "W", "static"),
        row("v4 static power: leakage at the operating point", "leakage_W", "W", "static"),
        row(
            f"v4 static power: shared bias generator per neuron (/{n_array})",
            "bias_generator_per_neuron_W",
            "W",
            "static",
        ),
        [
            f"v4 memory: P(fire | rested) (spec {lim['p_rested']})",
            *(_p(c["memory"]["p_rested"]) for c in cols),
        ],
        *_lag_rows(cols, lim),
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
    ax_tr.legend(fontsize=7, loc="upper left", title="column", title_fontsize=7)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()
