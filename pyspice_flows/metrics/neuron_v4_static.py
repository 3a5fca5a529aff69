"""Static power of IPNet neuron v4 (:mod:`circuits.ipnet_neuron_v4`): what a neuron that
receives no input draws, from a quiet transient of the v4 testbench.

The testbench's slot clock (``phw``, ``phwb``, ``phh``) runs in every slot whether an
input comes or not, from ideal sources whose power is not the neuron's; the neuron's own
supply is ``VDD`` and the shared bias generator's is ``VDDB``.  With no input in any slot:

- ``leakage_W``: the neuron's supply power at the operating point (t = 0: the clock at its
  resting levels, the junction in P), its leakage;
- ``standby_W``: the neuron's supply power averaged over the last slot of the quiet run
  (the clock running, no input): what an idle neuron of an array costs per second;
- ``bias_generator_W``: the shared bias generator's supply power over that slot (one per
  array, amortized over its neurons by the caller).

One function serves the energy report and ``ipnet compare``; the run goes through the
simulation cache (:func:`pyspice_flows.sim.cache.cached_run`).
"""

from __future__ import annotations

from circuits import ipnet_neuron_v4 as v4
from pyspice_flows.measure.energy import source_power_w, window_average_power_w
from pyspice_flows.sim.cache import cached_run
from pyspice_flows.sim.session import Transient

QUIET_SLOTS = 3
"""Slots of the quiet run: the first ones let the operating point's transients settle; the
last one is averaged."""
MAX_STEP_S = 0.5e-9
"""Solver step cap, as the v4 figures' drive transients (fine enough for the clock's
edges)."""


def v4_static_power(p: v4.IpnetV4Params, ambient_k: float = 300.0) -> dict:
    """``{leakage_W, standby_W, bias_generator_W, slot_s, ambient_k}`` of the v4 neuron of
    design ``p`` at ambient ``ambient_k`` [K] (see the module)."""
    circuit = v4.build_v4_testbench(p, [[] for _ in range(p.n_inputs)], QUIET_SLOTS)
    w = cached_run(
        circuit,
        Transient(step_s=0.05e-9, stop_s=QUIET_SLOTS * p.slot_s, max_step_s=MAX_STEP_S),
        temperature_k=ambient_k,
    )
    neuron = source_power_w(w, "vdd", "vdd")
    bias = source_power_w(w, "vddb", "vddb")
    t0, t1 = (QUIET_SLOTS - 1) * p.slot_s, float(w.time[-1])  # the last slot

    return {
        "leakage_W": float(neuron[0]),
        "standby_W": window_average_power_w(w.time, neuron, t0, t1),
        "bias_generator_W": window_average_power_w(w.time, bias, t0, t1),
        "slot_s": p.slot_s,
        "ambient_k": float(ambient_k),
    }
