"""Per-sample figures of merit of the IPNet neuron (used by variation sweeps)."""

import math

import pytest

from circuits.ipnet_neuron import UNIT_CURRENT_IC0
from circuits.mtj_device import load_device
from pyspice_flows.metrics.neuron import heat_tau_s, ipnet_sample_metrics, params_for


def test_default_sample_metrics():
    m = ipnet_sample_metrics({})
    dev = load_device().params
    # the standard input (the unit current) fires and 0.6 Ic0 does not
    # (tests/test_ipnet_neuron.py)
    assert 0.6 * dev.ic0 < m["firing_threshold_a"] <= UNIT_CURRENT_IC0 * dev.ic0
    assert 20e-12 < m["spike_width_s"] <= 2e-9
    # the bisection's bracket: the highest silent input lies within 1 % of the unit
    # current below the threshold
    unit = UNIT_CURRENT_IC0 * dev.ic0
    assert 0 < m["firing_threshold_a"] - m["highest_silent_a"] <= 0.01 * unit
    assert m["spikes_without_switching"] == 0
    assert m["heat_tau_s"] == pytest.approx(dev.tau_th_s, rel=0.05)
    assert m["output_spikes"] >= 1 and m["energy_per_spike_j"] > 0


def test_heat_tau_fit_on_an_exact_exponential():
    import numpy as np

    t = np.linspace(0, 10e-9, 2001)
    y = 12.0 * np.exp(-(t - 1e-9).clip(0) / 2e-9)
    assert heat_tau_s(t, y, 1e-9) == pytest.approx(2e-9, rel=1e-3)
    assert math.isnan(heat_tau_s(t, np.zeros_like(t), 1e-9))


def test_sample_overrides_and_bad_keys():
    params, temp = params_for({"rth": 4e5, "temp_k": 350.0, "vdd_v": 0.95})
    assert params.mtj().rth == 4e5 and temp == 350.0 and params.vwr_v == 0.95
    with pytest.raises(ValueError, match="sample keys"):
        params_for({"rpp": 1.0})
    with pytest.raises(ValueError, match="rth"):
        params_for({"rth": -1.0})
