"""Energy per output spike of the IPNet and the LIF neuron on the same task.

Both neurons get the same input event train (:data:`COMMON_TRAIN`: logic spikes of one
width at one rate).  Each neuron's synaptic strength is its own knob, set by bisection so
that the train gives the same number of output spikes (:data:`TARGET_SPIKES`): the IPNet
synapse's weight (its mirror ratio, x the unit current) and the LIF synapse's weight-gate
voltage.  Like-for-like then means: same events in, same spikes out; only the neurons differ.

The breakdown of each neuron's energy [J per output spike]:

- ``input``: the input sources (charging the synapse switch gates);
- ``write``: the IPNet write rail VWR (the junction's write current and its header);
- ``reset``: the IPNet reset current from VDD (the reset mirror ``MPR``'s drain current x VDD);
- ``static``: leakage (the idle power x the run's duration);
- ``cmos``: everything else from the supplies: comparators, logic, the LIF's membrane
  charging and threshold inverter;
- ``mtj_heat`` (a part of ``write`` + ``reset``): Joule heat dissipated in the junction.

The IPNet's shared bias generator is not in the neuron's energy (it is shared by an
array); its average power over the run is reported beside it.
"""

from __future__ import annotations

from dataclasses import replace

from circuits.compatibility import TRANSISTOR_HEADROOM_V
from circuits.ipnet_neuron import IpnetParams
from circuits.lif_neuron import LifParams
from circuits.scenarios import IPNET_SPIKE_WIDTH_S, Scenario, ipnet_scenario, lif_scenario
from circuits.spice_cards import save_card
from pyspice_flows import measure
from pyspice_flows.metrics.energy import energy_account, output_spikes
from pyspice_flows.sim.cache import cached_run, cached_value

from .runs import source_table, static_power_w

COMMON_TRAIN = {"rate_hz": 50e6, "count": 45, "width_s": 1e-9}
"""The common input: 45 logic spikes, 1 ns wide, at 50 MHz (0.9 us), the LIF's design rate."""
TARGET_SPIKES = 3
"""Output spikes both neurons must give on the common train (one per 15 input events)."""
IPNET_WEIGHT_BRACKET = (0.6, 1.05)
LIF_WEIGHT_BRACKET_V = (0.25, 0.9)
BISECTION_STEPS = 6
IPNET_COMMON_MAX_STEP_S = 0.1e-9
"""Largest time step of the IPNet's 0.9 us run [s] (its standard 80 ns run uses 20 ps; the
junction's own step bound resolves each reversal)."""
RESET_PROBE = "@m.x1.mpr[id]"  # the IPNet reset mirror's drain current (its source is VDD)


def _stop_s() -> float:
    return COMMON_TRAIN["count"] / COMMON_TRAIN["rate_hz"] + 0.1e-6


def ipnet_common_scenario(weight: float, params: IpnetParams | None = None) -> Scenario:
    """The IPNet neuron on the common train, its synapse at ``weight`` x the unit current."""
    if COMMON_TRAIN["width_s"] != IPNET_SPIKE_WIDTH_S:
        raise ValueError("the common train's spike width must be the IPNet input width")
    params = replace(params or IpnetParams(), n_inputs=1, input_weights=(weight,))
    sc = ipnet_scenario(
        params,
        rate_hz=COMMON_TRAIN["rate_hz"],
        count=COMMON_TRAIN["count"],
        stop_s=_stop_s(),
        name="ipnet_common_train",
    )
    return replace(sc, max_step_s=IPNET_COMMON_MAX_STEP_S, step_s=0.1e-9)


def lif_common_scenario(v_weight_v: float) -> Scenario:
    """The LIF neuron on the common train, its synapse weight gate at ``v_weight_v``."""
    params = replace(LifParams(), v_weight_v=v_weight_v)
    return lif_scenario(
        params,
        rate_hz=COMMON_TRAIN["rate_hz"],
        duration_s=COMMON_TRAIN["count"] / COMMON_TRAIN["rate_hz"],
        name="lif_common_train",
    )


def _run(sc: Scenario, temp_k: float | None):
    """The scenario's run, the IPNet's with its reset mirror's drain current saved: the
    bisection's runs and :func:`breakdown`'s are then one netlist, and the matched
    strength's breakdown reads the bisection's run back from the cache."""
    return cached_run(
        sc.circuit,
        sc.analysis(),
        temperature_k=temp_k,
        before_analysis=[save_card([RESET_PROBE], everything=True)] if sc.mtj is not None else [],
    )


def matched_strength(build, bracket: tuple[float, float], vdd_v: float, temp_k=None) -> float:
    """The weakest synaptic strength in ``bracket`` (by bisection) whose common-train run
    gives at least :data:`TARGET_SPIKES` output spikes; raises if even the top does not."""
    lo, hi = bracket
    top = build(hi)
    if output_spikes(_run(top, temp_k), top, vdd_v) < TARGET_SPIKES:
        raise ValueError(
            f"energy comparison: strength {hi!r} (the top of {bracket}) gives fewer than "
            f"{TARGET_SPIKES} output spikes on the common train"
        )
    for _ in range(BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        sc = build(mid)
        lo, hi = (
            (lo, mid) if output_spikes(_run(sc, temp_k), sc, vdd_v) >= TARGET_SPIKES else (mid, hi)
        )
    return hi


def breakdown(sc: Scenario, static_w: float, vdd_v: float, temp_k=None) -> dict:
    """Energy per output spike and its breakdown by path (module docstring) of one run,
    from the one energy account (:func:`pyspice_flows.metrics.energy.energy_account`);
    ``static_w``: the neuron's leakage power [W] (:func:`report_runs.static_power_w`)."""
    has_reset = sc.mtj is not None
    w = _run(sc, temp_k)
    heat = measure.mtj_joule_heat_j(w.time, w.v("th"), sc.mtj.rth, sc.mtj.cth) if has_reset else 0.0
    account = energy_account(sc, w, vdd_v, mtj_heat_j=heat, static_w=static_w)
    if account.spikes == 0:
        raise ValueError(f"energy comparison: {sc.name} gave no output spike")
    reset = float(measure.integrate(w.time, vdd_v * abs(w.x(RESET_PROBE)))) if has_reset else 0.0
    out = {
        "output_spikes": account.spikes,
        "energy_per_spike_J": account.per_spike_j,
        "breakdown_per_spike_J": account.per_spike(account.paths_j(write=None, reset=reset)),
        "mtj_heat_per_spike_J": heat / account.spikes,
    }
    shared = source_table(sc, shared=True)
    if shared:
        out["shared_bias_generator_power_W"] = (
            sum(measure.energy_by_source(w, shared).values()) / sc.stop_s
        )
    return out


def energy_comparison(
    temp_k: float | None = None,
    params: IpnetParams | None = None,
    static_power: dict[str, float] | None = None,
) -> dict:
    """The report's ``energy_comparison`` entry: both neurons on the common train, each at
    the weakest strength that gives :data:`TARGET_SPIKES` output spikes.

    ``static_power``: the neurons' leakage powers [W] by name (``ipnet``, ``lif``), when the
    caller has measured them already (the report has); else they are simulated here."""
    params = params or IpnetParams()
    if static_power is None:
        static_power = {
            "ipnet": static_power_w(ipnet_scenario(params, count=0, stop_s=10e-9), temp_k),
            "lif": static_power_w(lif_scenario(idle=True), temp_k),
        }
    vdd = params.vdd_v
    w_ip = matched_strength(
        lambda wt: ipnet_common_scenario(wt, params), IPNET_WEIGHT_BRACKET, vdd, temp_k
    )
    v_lif = matched_strength(lif_common_scenario, LIF_WEIGHT_BRACKET_V, vdd, temp_k)
    ip = breakdown(ipnet_common_scenario(w_ip, params), static_power["ipnet"], vdd, temp_k)
    lif = breakdown(lif_common_scenario(v_lif), static_power["lif"], vdd, temp_k)
    ip["synapse_weight"] = w_ip
    ip["synapse_current_A"] = w_ip * params.bias().unit_current_a
    lif["synapse_weight_gate_V"] = v_lif
    return {
        "stimulus": {
            **COMMON_TRAIN,
            "amplitude": "logic (0 -> VDD) for both",
            "matching": f"each neuron's synaptic strength bisected ({BISECTION_STEPS} steps) to "
            f"the weakest that gives {TARGET_SPIKES} output spikes on the train",
            "target_output_spikes": TARGET_SPIKES,
        },
        "ipnet": ip,
        "lif": lif,
        "ratio_ipnet_over_lif": ip["energy_per_spike_J"] / lif["energy_per_spike_J"],
        "floor": energy_floor(params),
    }


def energy_floor(params: IpnetParams, temp_k: float | None = None) -> dict:
    """The lowest write and reset energies the switching law allows from this supply [J].

    Write: a constant current I through the parallel junction for the law's median
    switching time t(I) (``circuits.mtj_switching.median_switching_time``, no self-heating),
    drawn from VWR: E = VWR I t(I), minimised over I up to what VWR can push through R_P
    after :data:`TRANSISTOR_HEADROOM_V`.  Reset: the same toward P through the antiparallel
    junction (R_AP at its bias, TMR(V)) from VDD.  The sum is what an ideal neuron with
    this junction and supply would spend per spike; the circuit adds its comparators and
    logic and the current's rise and fall around each input.

    Each median time is an ODE solve: the optimum is found on a coarse grid of 25 junction
    voltages, then refined by a bounded scalar search between the grid's neighbours of the
    best point (about 45 solves per rail instead of a dense grid); the result is kept in the
    simulation cache (:func:`pyspice_flows.sim.cache.cached_value`) under the junction's
    parameters, the temperature, the rails and the code of the law (circuits/mtj_*.py)."""
    from pathlib import Path

    from circuits import mtj_switching

    law_code = sorted(Path(mtj_switching.__file__).parent.glob("mtj_*.py"))
    mtj = params.nominal_mtj()
    t_k = mtj.tnom if temp_k is None else temp_k
    return cached_value(
        "energy_floor",
        lambda: _energy_floor(params, t_k),
        mtj,
        t_k,
        params.vwr_v,
        params.vdd_v,
        TRANSISTOR_HEADROOM_V,
        sources=[*law_code, Path(__file__)],
    )


def _energy_floor(params: IpnetParams, t_k: float) -> dict:
    import numpy as np

    from circuits.mtj_analytic import resistance
    from circuits.mtj_switching import median_switching_time

    mtj = params.nominal_mtj()

    from scipy.optimize import minimize_scalar

    def best(rail_v: float, state: int) -> dict:
        def at(v: float) -> tuple[float, float, float]:  # junction voltage -> I, t, E
            current = float(v / resistance(mtj, v, t_k, state))
            time = float(median_switching_time(mtj, current, t_k))
            return current, time, rail_v * current * time

        top = rail_v - TRANSISTOR_HEADROOM_V
        grid = np.linspace(0.05, top, 25)
        energies = [at(v)[2] for v in grid]
        k = int(np.argmin(energies))
        lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
        fine = minimize_scalar(
            lambda v: at(v)[2], bounds=(lo, hi), method="bounded", options={"xatol": 1e-4}
        )
        v_best = fine.x if fine.fun < energies[k] else grid[k]
        current, time, energy = at(v_best)
        return {
            "energy_J": energy,
            "current_A": current,
            "current_over_ic0": current / mtj.ic0,
            "time_s": time,
            "largest_current_over_ic0": float(top / resistance(mtj, top, t_k, state)) / mtj.ic0,
        }

    write, reset = best(params.vwr_v, 1), best(params.vdd_v, -1)
    return {
        "write": write,
        "reset": reset,
        "total_J": write["energy_J"] + reset["energy_J"],
        "headroom_V": TRANSISTOR_HEADROOM_V,
        "what": "the switching law's lowest V·I·t(I) for the write (P -> AP from VWR) and the "
        "reset (AP -> P from VDD), the current limited by the rail minus the transistors' "
        "headroom; t(I) is the median of the switching law of MTJ model version 3 (the exact "
        "macrospin's within 20 %): near Ic0 the cone needs several taup to grow, and the rail "
        "cannot push the several Ic0 through the junction at which precession is fast",
    }
