"""What the cold report saves must cost no number: a transient cut short is the full run's
prefix (:func:`pyspice_flows.experiments.plasticity._run_until`), the heat ablation split
across processes gives the ablation computed in one, and the like-for-like bisection and
the breakdown simulate one netlist (the breakdown reads the bisection's run back)."""

from dataclasses import replace

import numpy as np
import pytest

from area_energy.report import energy_comparison
from circuits.ipnet_neuron import IpnetParams
from circuits.scenarios import ipnet_scenario
from pyspice_flows.experiments import plasticity
from pyspice_flows.sim.session import Transient


def test_a_run_cut_short_is_the_full_run_up_to_its_last_two_steps(tmp_path, monkeypatch):
    monkeypatch.setenv("IPNET_SIM_CACHE_DIR", str(tmp_path))
    sc = ipnet_scenario(IpnetParams(), count=10, stop_s=30e-9)
    full = plasticity._run_until(sc, None, (), lambda w: True)
    assert full.time[-1] == pytest.approx(sc.stop_s)
    cut = plasticity._run_until(sc, None, (12e-9, 20e-9), lambda w: True)
    assert cut.time[-1] == pytest.approx(12e-9)
    n = cut.time.size - 2
    # the same steps and the same values, bit for bit, but where the cut run lands on its end
    assert np.array_equal(cut.time[:n], full.time[:n])
    for name, v in cut.vectors.items():
        if v.size == cut.time.size:
            assert np.array_equal(v[:n], full.vectors[name][:n]), name
    # not done in the cut parts: the next stop, at last the full run (from the cache)
    later = plasticity._run_until(sc, None, (12e-9, 20e-9), lambda w: w.time[-1] > 15e-9)
    assert later.time[-1] == pytest.approx(20e-9)
    again = plasticity._run_until(sc, None, (12e-9, 20e-9), lambda w: False)
    assert np.array_equal(again.time, full.time)


def test_first_spike_and_its_reset_are_read_after_the_given_time():
    class W:
        time = np.linspace(0.0, 10.0, 11)
        nodes = {
            "out": np.array([0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0], float),
            "x1.rst": np.array([0, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0], float),
        }

        def v(self, node):
            return self.nodes[node]

    sc = ipnet_scenario(IpnetParams(), count=1, stop_s=10e-9)
    # threshold 0.45 V at 0.9 V: out rises at t = 1 and 5 (interpolated 0.45 / 1 before)
    spike, reset = plasticity._first_spike_and_reset(W(), sc, 2.0, 0.9)
    assert spike == pytest.approx(4.45)
    assert reset == pytest.approx(9.0)  # rst falls at 4 (before the spike) and at 9
    assert np.isnan(plasticity._first_spike_and_reset(W(), sc, 6.0, 0.9)[0])


def test_heat_ablation_from_precomputed_ablations_is_the_same(monkeypatch):
    """heat_ablation(ablated=...) (the report's split) equals heat_ablation alone."""
    calls = []

    def fake_advantage(gap_s, params, **kw):
        calls.append((gap_s, dict(params.mtj_overrides), kw.get("temperature_k")))
        rth = params.mtj().rth
        return {"advantage_s": 1e-12 * rth / 3e5 + 1e-13 * len(params.mtj_overrides)}

    monkeypatch.setattr(plasticity, "latency_advantage", fake_advantage)
    p = IpnetParams()
    alone = plasticity.heat_ablation(p, temperature_k=313.15)
    ablated = plasticity.ablated_advantages(p, plasticity.ABLATION_GAP_S, 313.15)
    split = plasticity.heat_ablation(p, temperature_k=313.15, ablated=ablated)
    assert split == alone
    assert set(ablated) == set(plasticity.ABLATIONS)
    assert all(c[0] == plasticity.ABLATION_GAP_S and c[2] == 313.15 for c in calls)


def test_bisection_and_breakdown_simulate_one_netlist(monkeypatch):
    seen = []

    class Stop(Exception):
        """Raised by the fake simulator once it has recorded what it was asked to run."""

    def fake_run(circuit, analysis, temperature_k=None, before_analysis=()):
        seen.append((str(circuit), analysis, tuple(before_analysis)))
        raise Stop

    monkeypatch.setattr(energy_comparison, "cached_run", fake_run)
    sc = energy_comparison.ipnet_common_scenario(0.7)
    with pytest.raises(Stop):
        energy_comparison.matched_strength(
            lambda w: energy_comparison.ipnet_common_scenario(w), (0.6, 0.7), 0.9
        )
    with pytest.raises(Stop):
        energy_comparison.breakdown(sc, 0.0, 0.9)
    assert seen[0] == seen[1]
    assert any(energy_comparison.RESET_PROBE in line for line in seen[0][2])
    assert isinstance(seen[0][1], Transient)
    # the LIF has no reset mirror: no probe line
    seen.clear()
    with pytest.raises(Stop):
        energy_comparison.breakdown(energy_comparison.lif_common_scenario(0.5), 0.0, 0.9)
    assert seen[0][2] == ()


def test_window_constants_cover_the_default_protocol():
    """The cut windows are longer than what the protocol reads on the default device
    (latency ~13-14 ns, reset ~11 ns, docs/ipnet_neuron.md)."""
    assert plasticity.LATENCY_WINDOW_S > 14e-9
    assert plasticity.RESET_WINDOW_S > 11e-9


def test_reduced_magnetization_remembers_only_the_same_junction_and_temperature():
    """The one-entry memo of the switching law's hot path: Bloch's law by hand for two
    junctions at one temperature in turn, and an array in between."""
    from circuits import mtj_analytic
    from circuits.mtj_device import load_device

    a = load_device().params
    b = replace(a, tc=a.tc * 1.1)

    def bloch(p, t):
        return (1.0 - (t / p.tc) ** 1.5) / (1.0 - (p.tnom / p.tc) ** 1.5)

    for p in (a, b, a, a):
        assert float(mtj_analytic.reduced_magnetization(p, 330.0)) == pytest.approx(
            bloch(p, 330.0), rel=1e-12
        )
    temps = np.array([300.0, 330.0, 360.0])
    np.testing.assert_allclose(
        mtj_analytic.reduced_magnetization(b, temps), bloch(b, temps), rtol=1e-12
    )
    assert float(mtj_analytic.reduced_magnetization(b, 360.0)) == pytest.approx(bloch(b, 360.0))
