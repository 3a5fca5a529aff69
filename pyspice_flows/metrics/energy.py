"""Energy per spike of a neuron testbench's run: the one place the report
(:mod:`area_energy.report.runs`, :mod:`area_energy.report.energy_comparison`), the
variation sweep (:mod:`pyspice_flows.metrics.neuron`) and the bench (which runs the
report) take it from.

The account itself is :class:`pyspice_flows.measure.EnergyReport`: the neuron's own
sources (every source but the shared circuitry's, :data:`~pyspice_flows.measure.SHARED_ROLE`),
their energy over the whole run, divided by the output spikes (rising edges of the output
through half the supply); the heat, leakage and stored parts come from the caller, who
knows the netlist's devices.
"""

from __future__ import annotations

from circuits.scenarios import Scenario
from pyspice_flows import measure


def output_spikes(w, sc: Scenario, vdd_v: float) -> int:
    """Output spikes of a run: rising edges of the output through half the supply."""
    return measure.count_spikes(w.time, w.v(sc.output_node), measure.logic_threshold_v(vdd_v))


def energy_account(
    sc: Scenario,
    w,
    vdd_v: float,
    *,
    mtj_heat_j: float = 0.0,
    stored_j: float = 0.0,
    static_w: float = 0.0,
    dissipated_j: float | None = None,
) -> measure.EnergyReport:
    """The energy account of run ``w`` of testbench ``sc`` at supply ``vdd_v`` [V]: its own
    sources' energy by source and role, its output spikes, and (when given) the MTJ heat,
    the stored change and the leakage power over the run's length [J, W]."""
    sources = measure.own_sources(sc.sources)
    return measure.EnergyReport.build(
        measure.energy_by_source(w, sources),
        measure.roles_of(sources),
        mtj_heat_j=mtj_heat_j,
        stored_j=stored_j,
        static_w=static_w,
        duration_s=sc.stop_s,
        spikes=output_spikes(w, sc, vdd_v),
        dissipated_j=dissipated_j,
        neuron=sc.name,
    )
