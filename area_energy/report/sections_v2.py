"""The report's sections of the v2 circuit on the legacy law (``neurons.ipnet_v2``): its
heat-memory decay caption, the heat ablation and the like-for-like energy comparison with
the LIF."""

from __future__ import annotations

from . import render

HEAT_RESIDUAL_MAX = 0.1
"""The heat ablation's residual fraction (no-heat advantage / normal) below which the
report says the plasticity comes from heat; above it, it says how much heat accounts for."""


def decay_caption(tau_fit_s: float, tau_th_s: float) -> str:
    """The heat-decay figure's caption: what is drawn, with both time constants."""
    return (
        "The heat memory: the conditioned neuron's excitability advantage ln(L_rested / L) "
        "(dimensionless; dots) against the time since the conditioning burst, the exponential "
        f"fitted to it (solid line, decay {tau_fit_s * 1e9:.2f} ns) and, for comparison, a "
        f"decay with the junction's rth·cth = {tau_th_s * 1e9:.2f} ns (dashed).  It is "
        "gone within a few ns."
    )


def heat_conclusion(residual: float) -> str:
    """What the ablation says about where the plasticity comes from, quoting the residual
    fraction the no-heat control keeps."""
    if residual < HEAT_RESIDUAL_MAX:
        return f"the plasticity comes from heat (the no-heat control keeps {residual:.1%} of it)"
    if residual < 1:
        return (
            f"heat accounts for {1 - residual:.0%} of the plasticity; the no-heat control "
            f"keeps {residual:.0%} of it"
        )
    return f"the plasticity does not come from heat: the no-heat control keeps {residual:.0%} of it"


def ablation_summary(abl) -> dict:
    """The JSON ``ablation`` entry: the plasticity effect with and without the heat memory.

    ``plasticity_*`` is the probe latency advantage L_rested - L_conditioned [s] at the
    shortest gap; ``plasticity_no_heat`` is the larger of the two ablations.
    """
    return {
        "plasticity_normal": abl.plasticity_normal_s,
        "plasticity_no_heat": abl.plasticity_no_heat_s,
        "ratio_no_heat_over_normal": abl.ratio,
        "unit": "s",
        "metric": "probe latency advantage L_rested - L_conditioned",
        "gap_s": abl.gap_s,
        "normal": abl.normal,
        "by_ablation": abl.by_ablation,
    }


def ablation_section(a: dict) -> dict:
    """The report section of the heat ablation."""
    rows = [
        [
            "normal",
            render.fmt_si(a["normal"]["tau_th_s"], "s"),
            f"{a['normal']['max_rise_K']:.3g} K",
            render.fmt_si(a["plasticity_normal"], "s"),
            "1",
        ]
    ]
    rows += [
        [
            k.replace("_", " "),
            render.fmt_si(v["tau_th_s"], "s"),
            f"{v['max_rise_K']:.3g} K",
            render.fmt_si(v["advantage_s"], "s"),
            f"{v['advantage_s'] / a['plasticity_normal']:.3g}",
        ]
        for k, v in a["by_ablation"].items()
    ]
    return {
        "title": "Heat ablation",
        "text": "The same neuron and protocol with the heat memory removed: rth·cth / 100 at the same "
        "steady-state rise, and rth / 1000 at the same rth·cth (the junction stays within "
        "0.1 K of ambient).  The probe's latency advantage "
        f"{render.fmt_si(a['plasticity_normal'], 's')} falls to at most "
        f"{render.fmt_si(a['plasticity_no_heat'], 's')} (ratio "
        f"{a['ratio_no_heat_over_normal']:.2g}): {heat_conclusion(a['ratio_no_heat_over_normal'])}.",
        "table": {
            "columns": ["case", "rth·cth", "largest rise", "latency advantage", "/ normal"],
            "rows": rows,
        },
    }


def comparison_section(c: dict) -> dict:
    """The report section of the like-for-like energy comparison."""
    st, ip, lif = c["stimulus"], c["ipnet"], c["lif"]
    keys = ("input", "write", "reset", "cmos", "static")
    rows = [
        [name, n["output_spikes"], f"{n['energy_per_spike_J'] * 1e15:.1f} fJ"]
        + [f"{n['breakdown_per_spike_J'][k] * 1e15:.1f} fJ" for k in keys]
        + [f"{n['mtj_heat_per_spike_J'] * 1e15:.1f} fJ"]
        for name, n in (("ipnet", ip), ("lif", lif))
    ]
    return {
        "title": "Energy per spike, like for like",
        "text": f"Both neurons get the same {st['count']} logic input spikes ({st['width_s'] * 1e9:g} ns "
        f"at {st['rate_hz'] / 1e6:g} MHz); {st['matching']}: IPNet synapse weight "
        f"{ip['synapse_weight']:.3f} ({ip['synapse_current_A'] * 1e6:.1f} uA), LIF weight gate "
        f"{lif['synapse_weight_gate_V']:.3f} V.  IPNet / LIF = {c['ratio_ipnet_over_lif']:.1f}x per "
        f"output spike.  The IPNet's shared bias generator draws "
        f"{ip.get('shared_bias_generator_power_W', 0.0) * 1e6:.1f} uW (not in the neuron's figure; "
        f"an array of N neurons carries 1/N each).  The switching law's floor with this junction "
        f"and supply: write {c['floor']['write']['energy_J'] * 1e15:.0f} fJ (at "
        f"{c['floor']['write']['current_over_ic0']:.2f} Ic0 for {c['floor']['write']['time_s'] * 1e9:.1f} ns) "
        f"+ reset {c['floor']['reset']['energy_J'] * 1e15:.0f} fJ (at "
        f"{c['floor']['reset']['current_over_ic0']:.2f} Ic0 for {c['floor']['reset']['time_s'] * 1e9:.1f} ns) "
        f"= {c['floor']['total_J'] * 1e15:.0f} fJ per spike ({c['floor']['what']}).",
        "table": {
            "columns": ["neuron", "output spikes", "per spike", *keys, "of which MTJ heat"],
            "rows": rows,
        },
    }
