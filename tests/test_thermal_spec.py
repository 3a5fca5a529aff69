"""The device thermal-spec study (pyspice_flows/experiments/thermal_spec.py).

The thermal ladder against its closed forms (one pole: P R (1 - e^(-t/tau)); two poles: the
steady rise P (rth + rth2) and linearity), and the heat memory's laws: a write after a
recent one fires more often, more so the larger the rise it left, never less than rested,
and exactly as rested once the previous write's heat is ablated (the control).
"""

import math

import numpy as np
import pytest

from circuits.mtj_device import DEFAULT_DEVICE, load_device
from pyspice_flows.experiments import thermal_spec as ts


@pytest.fixture(scope="module")
def dev():
    return load_device(DEFAULT_DEVICE).params


def test_one_pole_ladder_is_the_rc_step(dev):
    t = np.linspace(0.0, 5e-9, 51)
    rise = ts.ladder_rise(dev, [20e-6], [0.0], t)
    exact = 20e-6 * dev.rth * (1.0 - np.exp(-t / dev.tau_th_s))
    np.testing.assert_allclose(rise, exact, rtol=1e-9, atol=1e-12)


def test_two_pole_ladder_steady_rise_and_linearity(dev):
    q = ts.thermal_variant(dev, 1e6, 0.5, 0.3e-9, 20e-9)
    assert q.rth + q.rth2 == pytest.approx(1e6)
    assert q.tau_th_s == pytest.approx(0.3e-9) and q.tau_th2_s == pytest.approx(20e-9)
    t = np.linspace(0.0, 400e-9, 2001)
    step = ts.ladder_rise(q, [10e-6], [0.0], t)
    assert step[-1] == pytest.approx(10e-6 * 1e6, rel=1e-4)
    # a pulse is a step minus a delayed step (superposition of the linear network)
    pulse = ts.ladder_rise(q, [10e-6, 0.0], [0.0, 10e-9], t)
    delayed = ts.ladder_rise(q, [0.0, 10e-6], [0.0, 10e-9], t)
    np.testing.assert_allclose(pulse, step - delayed, atol=1e-9 * step.max())
    # the slow pole keeps a tail: after the pulse the rise decays over tau2, not tau1
    k = np.searchsorted(t, 10e-9 + 5 * 0.3e-9)
    assert pulse[k] > 0.2 * pulse[np.searchsorted(t, 10e-9)]


def test_inputs_are_checked():
    with pytest.raises(ValueError, match="width_s"):
        ts.Inputs(width_s=30e-9, interval_s=20e-9)
    with pytest.raises(ValueError, match="p_rested"):
        ts.Inputs(p_rested=0.9)
    assert ts.Inputs.of_width(50e-9).lags_s[0] == pytest.approx(100e-9)


@pytest.mark.slow
def test_heat_raises_the_firing_probability_and_the_ablation_removes_it(dev):
    """At a write that fires a rested junction about 1 time in 10, a write 20 ns earlier
    raises P(fire), more through a hotter network; with that write's heat ablated the
    probability is the rested one (to the search's precision)."""
    inputs = ts.Inputs.of_width(10e-9)
    amp = 0.84 * dev.ic0
    cool = ts.thermal_variant(dev, 3e5, 0.5, 0.3e-9, 20e-9)
    hot = ts.thermal_variant(dev, 3e6, 0.5, 0.3e-9, 20e-9)
    rested = ts.fire_probability(hot, amp, inputs, None, False)
    assert 0.01 < rested < 0.5
    after_hot = ts.fire_probability(hot, amp, inputs, 20e-9, False)
    after_cool = ts.fire_probability(cool, amp, inputs, 20e-9, False)
    ablated = ts.fire_probability(hot, amp, inputs, 20e-9, True)
    assert after_hot > after_cool > ts.fire_probability(cool, amp, inputs, None, False)
    assert math.isclose(ablated, rested, rel_tol=0.01)
