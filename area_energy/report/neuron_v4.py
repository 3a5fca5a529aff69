"""The report's section on IPNet neuron v4, the heat-gated stochastic neuron (issue 20).

Figures from :func:`pyspice_flows.metrics.neuron_v4.v4_figures` (the switching law on the
circuit's own drive and temperature; seeded trials are ``make neuron-v4``'s and the
variation sweep's) and the layout area of the v4 netlist, the neuron's own devices apart
from the shared periphery (bias generator), which is amortized over a 16 x 16 array.
"""

from __future__ import annotations

from area_energy.costs import area, netlist_inventory, rule_deck
from circuits import ipnet_neuron_v4 as v4
from circuits.trim_dac import REGISTER_TRANSISTORS_PER_BIT
from pyspice_flows.experiments.neuron_v4 import CORNERS
from pyspice_flows.metrics.neuron_v4 import v4_figures
from pyspice_flows.metrics.neuron_v4_static import v4_static_power

from . import render
from .claims import claim

ARRAY_NEURONS = 16 * 16
"""Neurons sharing one bias generator and slot clock (issue 20: a 16 x 16 array)."""
SHARED = ("XB",)


def v4_area(p: v4.IpnetV4Params) -> dict:
    """Area of the neuron's own devices (with its breakdown by component) and of the shared
    bias generator [um^2].  The amortized area counts the generator's transistors, its trim
    register and its resistors (the rule deck's estimate); ``..._with_resistors`` is the
    same number (kept for the readers of reports from before the resistors were counted)."""
    circuit = v4.build_v4_testbench(p, [[0]], 1)
    own, shared = netlist_inventory.parse_inventory(str(circuit)).split(SHARED)
    a_own, a_shared = area.estimate_area(own), area.estimate_area(shared)
    register = trim_register(p)
    shared_um2 = a_shared.total_um2 + register["area_um2"]
    resistors_um2 = a_shared.resistors_m2 * 1e12
    # the headline counts the periphery's resistors (estimate) with its transistors
    amortized = a_own.total_um2 + (shared_um2 + resistors_um2) / ARRAY_NEURONS
    return {
        "area_um2": a_own.total_um2,
        "area_breakdown_um2": {k: v * 1e12 for k, v in a_own.breakdown_m2().items()},
        "transistors": a_own.transistors,
        "capacitors": a_own.capacitors,
        "capacitance_F": 0.0,
        "mtjs": a_own.mtjs,
        "shared_bias_generator": {
            "instances": list(SHARED),
            "transistors": a_shared.transistors + register["transistors"],
            "area_um2": shared_um2,
            "resistors_um2_estimate": resistors_um2,
            "note": (
                f"shared by the {ARRAY_NEURONS} neurons of a 16 x 16 array with the slot clock; "
                f"with the write-trim DAC (a MOS current divider of "
                f"{p.trim_dac().unit_devices} unit transistors, no resistor) and its "
                f"{p.trim_bits}-bit register ({register['transistors']} transistors, "
                f"{register['area_um2']:.2f} um^2, not in the netlist: its bit levels are); "
                f"its {a_shared.resistors} resistors (fire trip replica, the two mirrors' "
                f"drain shifts, {resistors_um2:.2f} um^2 as an estimate) are not in area_um2 "
                "but are in the amortized area"
            ),
        },
        "array_neurons": ARRAY_NEURONS,
        "area_um2_per_neuron_amortized": amortized,
        "area_um2_per_neuron_amortized_with_resistors": amortized,
    }


def trim_register(p: v4.IpnetV4Params) -> dict:
    """The trim code's register, which the netlist represents by its bit levels: one static
    latch of :data:`circuits.trim_dac.REGISTER_TRANSISTORS_PER_BIT` minimum transistors per
    bit, each on its own diffusion strip by the rule deck, plus the deck's routing share."""
    rules = rule_deck.rules_or_default(None)
    n = p.trim_bits * REGISTER_TRANSISTORS_PER_BIT
    one = area.transistor_area_m2(p.tech.w_min_m, p.tech.l_min_m, rules=rules)
    return {"transistors": n, "area_um2": n * one * (1 + rules.routing_overhead) * 1e12}


def v4_results(
    p: v4.IpnetV4Params | None = None, temp_k: float | None = None, design_name: str | None = None
) -> dict:
    """The record of the report's IPNet neuron (``neurons.ipnet``): neuron v4 of design
    ``p`` (default: the built-in one) at ambient ``temp_k`` (default 300 K).

    Area from the netlist's inventory; firing probabilities, memory and energy from the
    switching law on the circuit's own drive and temperature (the expected energy per
    output spike on the standard stimulus: an input every slot).  Its keys: the neurons
    table's (``area_um2``, ``energy_per_spike_J``, ``transistors`` ...) and issue 20's
    (``transfer_curve``, ``memory``, ``area_um2_per_neuron_amortized``, ``energy_floor_J``).
    """
    p = p or v4.default_v4_params()
    ambient = 300.0 if temp_k is None else temp_k
    fig = v4_figures(p, CORNERS, ambient)
    e = fig["energy"]
    m = p.mtj()
    rate = e["p_fire_per_slot_standard"]
    return {
        "circuit": "neuron v4: heat-gated, stochastic (model v3 law)",
        "design": design_name or v4.DEFAULT_V4_DESIGN.stem,
        "device": p.device_file.name,
        "slot_s": p.slot_s,
        **v4_area(p),
        "energy_per_spike_J": e["energy_per_spike_J"],
        "energy_floor_J": e["energy_floor_J"],
        "energy_per_spike_breakdown_J": {
            "mtj_joule_heat": e["junction_J"] / rate,
            "cmos_and_supply_overhead": (e["input_slot_J"] - e["junction_J"]) / rate,
        },
        "energy_per_input_slot_J": e["input_slot_J"],
        "junction_energy_per_input_slot_J": e["junction_J"],
        "idle_power_W": e["idle_slot_J"] / p.slot_s,
        "static_power_W": v4_static_power(p, ambient)["standby_W"],
        "p_fire_per_slot_standard": rate,
        "peak_rise_K": e["peak_rise_k"],
        "thermal_stack": {"rth_total_K_per_W": m.rth + m.rth2, "tau_slow_s": m.rth2 * m.cth2},
        "transfer_curve": fig["transfer_curve"],
        "memory": fig["memory"],
        "ambient_K": fig["ambient_k"],
    }


def v4_memory_write(r: dict) -> dict:
    """One input's memory write on neuron v4 (record ``r`` of :func:`v4_results`), for the
    memory-cost comparison: the input slot's whole energy (its sub-threshold write and its
    heat-and-restore phase: the heat is the memory) and the junction's share of it."""
    return {
        "delivered_per_event_J": r["energy_per_input_slot_J"],
        "heat_per_event_J": r["junction_energy_per_input_slot_J"],
        "events": 1,
        "how": "one input slot of neuron v4 (its write and its heat-and-restore phase), a "
        "deterministic ngspice run with the junction held in P",
    }


def v4_section(r: dict) -> dict:
    """The Markdown/HTML section of the v4 neuron."""
    m = r["memory"]
    gains = ", ".join(
        f"{g:.2f} at {lag / m['input_interval_s']:.0f}"
        for lag, g in zip(m["lags_s"], m["gain_by_lag"])
    )
    weights = sorted({row["weight"] for row in r["transfer_curve"]})
    corners = sorted({(row["ambient_k"], row["vdd_v"]) for row in r["transfer_curve"]})
    rows = []
    for temp_k, vdd in corners:
        by_w = {
            row["weight"]: row["p_fire"]
            for row in r["transfer_curve"]
            if (row["ambient_k"], row["vdd_v"]) == (temp_k, vdd)
        }
        rows.append([f"{temp_k:.2f} K, {vdd:g} V", *(f"{by_w[w]:.3g}" for w in weights)])
    return {
        "title": "IPNet neuron (v4): heat-gated stochastic neuron (model v3)",
        "text": f"Design `{r['design']}` on `{r['device']}` (docs/ipnet_neuron.md): input slots of "
        f"{render.fmt_si(r['slot_s'], 's')}, a sub-threshold write then a heat-and-restore current of the "
        f"stabilising polarity.  From the switching law on the circuit's own drive and temperature "
        f"at {r['ambient_K']:.2f} K (seeded trials: `make neuron-v4`; device spread and corners: "
        f"`make sweep-v4`): P(fire | rested) = {m['p_rested']:.3f}; gain {gains} slots; fitted "
        f"decay {render.fmt_si(m['tau_s'], 's')}; the capacity ablation leaves "
        f"{m['ablation_ratio']:.2g} of the gain's excess.  Area: {r['area_um2']:.2f} um^2 and "
        f"{r['transistors']} transistors of its own, {r['area_um2_per_neuron_amortized']:.2f} um^2 with "
        f"the bias generator ({r['shared_bias_generator']['area_um2']:.2f} um^2 of transistors "
        f"and {r['shared_bias_generator']['resistors_um2_estimate']:.1f} um^2 of resistors, "
        "as folded high-ohmic poly of an open 130 nm kit: an estimate) shared by "
        f"{r['array_neurons']} neurons.  "
        f"Energy: {render.fmt_si(r['energy_per_input_slot_J'], 'J')} per "
        f"input slot; on the standard stimulus (an input every slot) it fires with P = "
        f"{r['p_fire_per_slot_standard']:.3f} per slot once warm, so "
        f"{render.fmt_si(r['energy_per_spike_J'], 'J')} per output spike.  Floor of this mode: what "
        f"the junction itself dissipates (write and heat, I^2 R) per output spike, "
        f"{render.fmt_si(r['junction_energy_per_input_slot_J'], 'J')} / {r['p_fire_per_slot_standard']:.3f} = "
        f"{render.fmt_si(r['energy_floor_J'], 'J')}; the circuit adds the supply's overhead over "
        f"the junction's voltage ({r['energy_per_spike_J'] / r['energy_floor_J']:.2f}x).  Transfer curve "
        "(P(fire) of one input on a rested neuron, by weight x the design's write current):",
        "table": {"columns": ["corner", *(f"weight {w:g}" for w in weights)], "rows": rows},
    }


def v4_claims(r: dict) -> list[dict]:
    """The claims row of the neuron's heat memory: whether it is one a network could read
    (issue 20's criterion).  Its area and energy are :func:`claims.neuron_claims`' rows."""
    m = r["memory"]
    readable = (
        m["p_rested"] >= 0.05 and m["gain_by_lag"][0] >= 2.0 and m["gain_at_3_intervals"] >= 1.2
    )
    return [
        claim(
            "a heat memory a network can read (IPNet neuron v4)",
            "recency from heat (arXiv:2512.15829)",
            f"P(fire) x{m['gain_by_lag'][0]:.2f} one slot after an input, x{m['gain_at_3_intervals']:.2f} "
            f"three slots after, from P = {m['p_rested']:.3f} rested",
            "reproduced" if readable else "not reproduced",
            "criterion of issue 20 (gain >= 2 within the slow thermal time constant, >= 1.2 at "
            f"three input intervals, P(rested) >= 0.05), at {r['ambient_K']:.2f} K on design "
            f"`{r['design']}`; only with an insulated stack ({r['thermal_stack']['rth_total_K_per_W']:.3g} K/W, slow pole "
            f"{render.fmt_si(r['thermal_stack']['tau_slow_s'], 's')}) and a heating phase per "
            "input; the corners and the device spread are the sweep's (`make sweep-v4`).  These "
            "gains are the switching law's on the circuit's drive; seeded mtj_stoch trials of the "
            "circuit agree with it within their binomial error, rested and one slot after an "
            "input (200 trials each, tests/test_ipnet_neuron_v4.py; `make neuron-v4` for the "
            "whole curve).",
        ),
    ]
