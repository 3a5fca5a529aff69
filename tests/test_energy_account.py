"""One energy per spike (issue 23): the report's neuron record, the like-for-like
comparison and the variation sweep take it from the same account
(:func:`pyspice_flows.metrics.energy.energy_account`); on one waveform it equals an
independent integration of every own source's power, and the shared bias generator
is left out."""

import numpy as np
import pytest

from area_energy.report import energy_comparison, runs
from circuits.ipnet_neuron import IpnetParams
from circuits.scenarios import ipnet_scenario
from circuits.units import SPICE_DEFAULT_K
from pyspice_flows.metrics import neuron as sweep_metrics
from pyspice_flows.metrics.energy import energy_account
from pyspice_flows.sim.cache import cached_run
from pyspice_flows.sim.session import Transient


def _independent_energy_j(w, sc) -> float:
    """Sum over the neuron's own sources of the integral of -v(node) i(source) dt, with
    numpy's trapezoid (no toolkit code)."""
    total = 0.0
    for name, (node, role) in sc.sources.items():
        if role == "bias_generator":
            continue
        v = np.zeros_like(w.time) if node in ("0", "gnd") else np.asarray(w.v(node))
        total += float(np.trapezoid(-v * np.asarray(w.i(name)), w.time))
    return total


@pytest.mark.slow
def test_report_comparison_and_sweep_share_one_energy_per_spike():
    params = IpnetParams()
    sc = ipnet_scenario(params)
    idle = ipnet_scenario(params, count=0, stop_s=10e-9)
    record, w = runs.measure_neuron(sc, idle, params.vdd_v)
    spikes = record["output_spikes"]
    assert spikes >= 1
    independent = _independent_energy_j(w, sc) / spikes
    assert record["energy_per_spike_J"] == pytest.approx(independent, rel=1e-9)
    # the testbench has a shared bias generator, which the account (and the integration) leave out
    shared = [n for n, (_, role) in sc.sources.items() if role == "bias_generator"]
    assert shared
    # the sweep's figure on the same waveform: the same account
    account = energy_account(sc, w, params.vdd_v)
    assert account.per_spike_j == pytest.approx(record["energy_per_spike_J"], rel=1e-12)
    # the comparison's breakdown sums to its own per-spike energy from the same account
    c = energy_comparison.breakdown(sc, record["static_power_W"], params.vdd_v)
    assert c["output_spikes"] == spikes
    assert c["energy_per_spike_J"] == pytest.approx(independent, rel=1e-6)
    assert sum(c["breakdown_per_spike_J"].values()) == pytest.approx(c["energy_per_spike_J"])
    # the sweep's figure (its own, longer stimulus): the same independent integration on
    # the very waveform its evaluation ran (the same cached transient)
    metrics = sweep_metrics.ipnet_sample_metrics({})
    long = ipnet_scenario(sweep_metrics.params_for({})[0], stop_s=sweep_metrics.METRICS_STOP_S)
    w_long = cached_run(
        long.circuit,
        Transient(long.step_s, long.stop_s, max_step_s=long.max_step_s),
        temperature_k=SPICE_DEFAULT_K,
    )
    assert metrics["energy_per_spike_j"] == pytest.approx(
        _independent_energy_j(w_long, long) / metrics["output_spikes"], rel=1e-9
    )
