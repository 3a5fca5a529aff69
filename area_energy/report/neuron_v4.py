"""The report's section on IPNet neuron v4, the heat-gated stochastic neuron (issue 20).

Figures from :func:`pyspice_flows.metrics.neuron_v4.v4_figures` (the switching law on the
circuit's own drive and temperature; seeded trials are ``make neuron-v4``'s and the
variation sweep's) and the layout area of the v4 netlist, the neuron's own devices apart
from the shared periphery (bias generator), which is amortized over a 16 x 16 array.
"""

from __future__ import annotations

from area_energy.costs import area, netlist_inventory
from circuits import ipnet_neuron_v4 as v4
from pyspice_flows.experiments.neuron_v4 import CORNERS
from pyspice_flows.metrics.neuron_v4 import v4_figures

from . import render
from .claims import AREA_MATCH_REL, PUBLISHED, claim

ARRAY_NEURONS = 16 * 16
"""Neurons sharing one bias generator and slot clock (issue 20: a 16 x 16 array)."""
SHARED = ("XB",)


def v4_area(p: v4.IpnetV4Params) -> dict:
    """Area of the neuron's own devices and of the shared bias generator [um^2]."""
    circuit = v4.build_v4_testbench(p, [[0]], 1)
    own, shared = netlist_inventory.parse_inventory(str(circuit)).split(SHARED)
    a_own, a_shared = area.estimate_area(own), area.estimate_area(shared)
    return {
        "area_um2": a_own.total_um2,
        "transistors": a_own.transistors,
        "shared_periphery_area_um2": a_shared.total_um2,
        "shared_periphery_transistors": a_shared.transistors,
        "array_neurons": ARRAY_NEURONS,
        "area_um2_per_neuron_amortized": a_own.total_um2 + a_shared.total_um2 / ARRAY_NEURONS,
    }


def v4_results(temp_k: float | None = None) -> dict:
    """The built-in v4 design's figures for the report (``temp_k``: ambient, default 300 K)."""
    p = v4.default_v4_params()
    ambient = 300.0 if temp_k is None else temp_k
    fig = v4_figures(p, CORNERS, ambient)
    return {
        "design": v4.DEFAULT_V4_DESIGN.name,
        "device": p.device_file.name,
        "slot_s": p.slot_s,
        **v4_area(p),
        "transfer_curve": fig["transfer_curve"],
        "memory": fig["memory"],
        "energy_per_input_slot_J": fig["energy"]["input_slot_J"],
        "energy_per_spike_J": fig["energy"]["energy_per_spike_J"],
        "energy_floor_J": fig["energy"]["energy_floor_J"],
        "p_fire_per_slot_standard": fig["energy"]["p_fire_per_slot_standard"],
        "junction_energy_per_input_slot_J": fig["energy"]["junction_J"],
        "ambient_k": fig["ambient_k"],
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
        "title": "Neuron v4: heat-gated stochastic neuron (model v3)",
        "text": f"Design `{r['design']}` on `{r['device']}` (docs/ipnet_neuron.md): input slots of "
        f"{render.fmt_si(r['slot_s'], 's')}, a sub-threshold write then a heat-and-restore current of the "
        f"stabilising polarity.  From the switching law on the circuit's own drive and temperature "
        f"at {r['ambient_k']:.2f} K (seeded trials: `make neuron-v4`; device spread and corners: "
        f"`make sweep-v4`): P(fire | rested) = {m['p_rested']:.3f}; gain {gains} slots; fitted "
        f"decay {render.fmt_si(m['tau_s'], 's')}; the capacity ablation leaves "
        f"{m['ablation_ratio']:.2g} of the gain's excess.  Area: {r['area_um2']:.2f} um^2 and "
        f"{r['transistors']} transistors of its own, {r['area_um2_per_neuron_amortized']:.2f} um^2 with "
        f"the bias generator ({r['shared_periphery_area_um2']:.2f} um^2) shared by "
        f"{r['array_neurons']} neurons.  Energy: {render.fmt_si(r['energy_per_input_slot_J'], 'J')} per "
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
    """Claims rows of the v4 neuron: its amortized area against the published ~1.5 um^2,
    and whether its heat memory is one a network could read (issue 20's criterion)."""
    pub = PUBLISHED["ipnet_area_um2"]
    amortized = r["area_um2_per_neuron_amortized"]
    off = amortized / pub - 1
    m = r["memory"]
    readable = (
        m["p_rested"] >= 0.05 and m["gain_by_lag"][0] >= 2.0 and m["gain_at_3_intervals"] >= 1.2
    )
    return [
        claim(
            "IPNet neuron area, 28 nm (neuron v4, periphery amortized)",
            f"~{pub:g} um^2",
            f"{amortized:.2f} um^2",
            "reproduced" if abs(off) <= AREA_MATCH_REL else "not reproduced",
            f"{off:+.0%}: {r['transistors']} transistors of its own ({r['area_um2']:.2f} um^2) and "
            f"1/{r['array_neurons']} of the bias generator; the mirror and comparator devices are "
            "drawn as five replica fingers each, which sets most of the area.",
        ),
        claim(
            "a heat memory a network can read (neuron v4)",
            "recency from heat (arXiv:2512.15829)",
            f"P(fire) x{m['gain_by_lag'][0]:.2f} one slot after an input, x{m['gain_at_3_intervals']:.2f} "
            f"three slots after, from P = {m['p_rested']:.3f} rested",
            "reproduced" if readable else "not reproduced",
            "criterion of issue 20 (gain >= 2 within the slow thermal time constant, >= 1.2 at "
            "three input intervals, P(rested) >= 0.05), at 300 K on the built-in design; only "
            "with the insulated stack (3e6 K/W, 60 ns) and a heating phase per input; the hot "
            "corner and the device spread are the sweep's (`make sweep-v4`).",
        ),
    ]
