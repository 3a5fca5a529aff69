"""The report's simulation runs: a scenario in ngspice, its energy per device and its MTJ heat."""

from __future__ import annotations

import numpy as np

from area_energy.costs import area, netlist_inventory
from circuits.scenarios import Scenario
from pyspice_flows import measure
from pyspice_flows.metrics.energy import energy_account
from pyspice_flows.sim.cache import cached_run
from pyspice_flows.sim.session import Transient

from . import dissipation


def progress(msg: str) -> None:
    print(f"energy-report: {msg}", flush=True)


def run_scenario(
    sc: Scenario, inventory: netlist_inventory.DeviceInventory, temp_k: float | None = None
):
    """Simulate a scenario, keeping every MOSFET drain current for the conservation check.

    ``temp_k``: ambient temperature [K] (None: ngspice's default, 300.15 K)."""
    return cached_run(
        sc.circuit,
        Transient(sc.step_s, sc.stop_s, max_step_s=sc.max_step_s),
        before_analysis=dissipation.save_lines(inventory),
        temperature_k=temp_k,
    )


def source_table(sc: Scenario, shared: bool = False) -> dict[str, tuple[str, str, str]]:
    """The neuron's own sources, or (``shared``) those of the circuitry it shares."""
    return {
        name: (node, "0", role)
        for name, (node, role) in sc.sources.items()
        if (role == measure.SHARED_ROLE) == shared
    }


def mtj_heat_j(w, inventory: netlist_inventory.DeviceInventory, dev) -> float:
    """Joule heat [J] of every MTJ of the netlist (parameters ``dev``), from its thermal node."""
    if not inventory.mtjs:
        return 0.0
    return sum(
        measure.mtj_joule_heat_j(w.time, w.v(j.nodes[2]), dev.rth, dev.cth) * j.m
        for j in inventory.mtjs
    )


def static_power_w(sc_idle: Scenario, temp_k: float | None = None) -> float:
    """Leakage power [W]: the neuron's own sources (not the shared bias generator),
    averaged over the second half of an input-free run."""
    w = cached_run(
        sc_idle.circuit,
        Transient(sc_idle.step_s, sc_idle.stop_s, max_step_s=sc_idle.max_step_s),
        temperature_k=temp_k,
    )
    p = measure.total_source_power_w(w, source_table(sc_idle))
    return measure.window_average_power_w(w.time, p, sc_idle.stop_s / 2, sc_idle.stop_s)


def measure_neuron(
    sc: Scenario, sc_idle: Scenario, vdd_v: float, temp_k: float | None = None
) -> tuple[dict, object]:
    """Energy (the one account, :func:`pyspice_flows.metrics.energy.energy_account`),
    spikes, area and the conservation check of one neuron testbench."""
    everything = netlist_inventory.parse_inventory(str(sc.circuit))
    inv, shared_inv = everything.split(sc.shared_instances)
    est = area.estimate_area(inv)
    w = run_scenario(sc, everything, temp_k)
    heat = mtj_heat_j(w, inv, sc.mtj)
    mos = dissipation.mosfet_energy_j(w, inv)
    account = energy_account(
        sc,
        w,
        vdd_v,
        mtj_heat_j=heat,
        stored_j=float(dissipation.capacitor_stored_change_j(w, inv)),
        static_w=static_power_w(sc_idle, temp_k),
        dissipated_j=mos + heat,
    )
    widths = measure.spike_widths_s(w.time, w.v(sc.output_node), measure.logic_threshold_v(vdd_v))
    breakdown = account.breakdown_j()
    out = {
        "area_um2": est.total_um2,
        "area_breakdown_um2": {k: v * 1e12 for k, v in est.breakdown_m2().items()},
        "transistors": est.transistors,
        "capacitors": est.capacitors,
        "capacitance_F": sum(c.c_f * c.m for c in inv.capacitors),
        "mtjs": est.mtjs,
        "output_spikes": account.spikes,
        "spike_width_s": float(np.max(widths)) if widths.size else None,
        "input_events": sc.input_events,
        "simulated_time_s": sc.stop_s,
        "energy_total_J": account.total_j,
        "energy_by_source_J": account.by_source_j,
        "energy_by_role_J": account.by_role_j,
        "energy_breakdown_J": breakdown,
        "energy_per_spike_J": account.per_spike_j,
        "energy_per_spike_breakdown_J": account.per_spike(breakdown),
        "static_power_W": account.static_w,
        "shared_bias_generator": _shared_part(sc, shared_inv, w),
        "conservation": {
            "delivered_J": account.total_j,
            "dissipated_mosfets_J": mos,
            "dissipated_mtj_J": heat,
            "stored_change_J": account.stored_j,
            "relative_error": float(account.conservation_error),
        },
    }
    return out, w


def _shared_part(sc: Scenario, inv: netlist_inventory.DeviceInventory, w) -> dict | None:
    """Area and average power of the circuitry the neuron shares (its bias generator):
    not part of the neuron's own figures; an array of N neurons carries 1/N of it each."""
    if not sc.shared_instances:
        return None
    sources = source_table(sc, shared=True)
    energy = sum(measure.energy_by_source(w, sources).values()) if sources else 0.0
    est = area.estimate_area(inv)
    return {
        "instances": list(sc.shared_instances),
        "transistors": est.transistors,
        "resistors": inv.resistor_count,
        "area_um2": est.total_um2,
        "average_power_W": energy / sc.stop_s,
        "note": "shared by every neuron of an array; its reference currents are modelled as "
        "ideal temperature-tracking sources and its line drivers as ideal buffers",
    }
