"""The IPNet array generator: the thermal coupling network against hand-computed answers,
its controls and refusals, and the array simulating in ngspice."""

import math
from dataclasses import replace

import numpy as np
import pytest

from circuits.ipnet_array import (
    DEFAULT_PITCH_M,
    ArrayParams,
    ThermalStack,
    array_scenario,
    build_ipnet_array,
    coupling_conductance_w_per_k,
    coupling_fraction,
    coupling_network,
    cutoff_m,
    healing_length_m,
    load_thermal_stack,
    pair_transfer_exact,
)
from circuits.ipnet_neuron import IpnetParams
from circuits.scenarios import IPNET_SPIKE_WIDTH_S
from circuits.stimulus import regular
from pyspice_flows import measure
from pyspice_flows.sim.session import OperatingPoint, Transient

STACK = load_thermal_stack()
RTH = IpnetParams().mtj().rth


def test_stack_file_has_a_source_per_value_and_gives_a_um_scale_healing_length():
    assert set(STACK.sources) >= {"k_ild", "k_metal", "metal_density", "t_below"}
    assert all(s.strip() for s in STACK.sources.values())
    # bounds of the composite: between the dielectric and the metal
    assert STACK.k_ild_w_per_mk < STACK.k_lateral_w_per_mk < STACK.k_metal_w_per_mk
    lam = healing_length_m(STACK)
    hand = math.sqrt(STACK.k_lateral_w_per_mk * 100e-9 * 1e-6 / 1.5)
    assert lam == pytest.approx(hand, rel=1e-12)
    assert 0.1e-6 < lam < 10e-6


def test_coupling_falls_with_distance_and_is_one_at_the_pillar_edge():
    a = STACK.pillar_diameter_m / 2
    assert coupling_fraction(a, STACK) == pytest.approx(1.0)
    d = np.geomspace(STACK.min_pitch_m, 20e-6, 40)
    c = np.array([coupling_fraction(x, STACK) for x in d])
    g = np.array([coupling_conductance_w_per_k(x, RTH, STACK) for x in d])
    assert np.all(np.diff(c) < 0) and np.all(np.diff(g) < 0)
    assert np.all((c > 0) & (c < 1))
    # beyond a few healing lengths the decay is exponential: K0(x) ~ sqrt(pi/2x) e^-x
    lam = healing_length_m(STACK)
    x1, x2 = 5 * lam, 6 * lam
    ratio = coupling_fraction(x2, STACK) / coupling_fraction(x1, STACK)
    assert ratio == pytest.approx(math.sqrt(5 / 6) * math.exp(-1), rel=0.03)


def test_pair_conductance_reproduces_the_coupling_fraction_hand_divider():
    for d in (0.2e-6, 1e-6, 3e-6):
        g = coupling_conductance_w_per_k(d, RTH, STACK)
        assert pair_transfer_exact(g, RTH) == pytest.approx(coupling_fraction(d, STACK), rel=1e-12)


def test_network_is_reciprocal_symmetric_and_cut_off():
    p = ArrayParams(rows=3, cols=3, pitch_m=1e-6)
    net = coupling_network(p)
    seen = set()
    for r in net:
        assert r.i < r.j and (r.i, r.j) not in seen  # one resistor per pair: reciprocal
        seen.add((r.i, r.j))
        assert r.distance_m <= cutoff_m(p.pitch_m, p.stack) * (1 + 1e-9)
        assert r.conductance_w_per_k == coupling_conductance_w_per_k(r.distance_m, RTH, STACK)
    # a pair's conductance depends on its distance only (translation symmetry)
    by_d = {}
    for r in net:
        by_d.setdefault(round(r.distance_m, 15), set()).add(r.conductance_w_per_k)
    assert all(len(v) == 1 for v in by_d.values())
    # nearest and diagonal neighbours are always coupled, even beyond the healing cutoff
    far = ArrayParams(rows=2, cols=2, pitch_m=20e-6)
    assert len(coupling_network(far)) == 6
    assert coupling_network(replace(p, coupling=False)) == []
    assert "RC" not in str(build_ipnet_array(replace(p, coupling=False)))


def _two_pillars(pitch_m, coupling=True, heat_w=20e-6):
    """A silent 1 x 2 array with a heat source [W] into neuron 1's thermal node."""
    c = build_ipnet_array(ArrayParams(rows=1, cols=2, pitch_m=pitch_m, coupling=coupling))
    c.raw_spice += f"IHEAT 0 th1 {heat_w:g}\n"
    return c


@pytest.mark.parametrize("pitch_m", [0.3e-6, 1.5e-6])
def test_two_pillars_steady_state_matches_the_hand_computed_divider(session, pitch_m):
    heat = 20e-6
    w = session.run(_two_pillars(pitch_m, heat_w=heat), OperatingPoint())
    t1, t2 = float(w.v("th1")[0]), float(w.v("th2")[0])
    g = coupling_conductance_w_per_k(pitch_m, RTH, STACK)
    # node 1: P = T1/rth + (T1 - T2) G; node 2: (T1 - T2) G = T2/rth
    t1_hand = heat * RTH * (1 + RTH * g) / (1 + 2 * RTH * g)
    assert t1 == pytest.approx(t1_hand, rel=2e-3)
    assert t2 / t1 == pytest.approx(coupling_fraction(pitch_m, STACK), rel=2e-3)
    w0 = session.run(_two_pillars(pitch_m, coupling=False, heat_w=heat), OperatingPoint())
    assert abs(float(w0.v("th2")[0])) < 1e-6  # its own leakage heat only (~1 nK)
    assert float(w0.v("th1")[0]) == pytest.approx(heat * RTH, rel=2e-3)


def test_refuses_bad_values_naming_them():
    with pytest.raises(ValueError, match=r"pitch_m=5e-08 m; allowed 1e-07 m"):
        ArrayParams(rows=2, cols=2, pitch_m=50e-9)
    with pytest.raises(ValueError, match=r"rows=0; allowed an integer >= 1"):
        ArrayParams(rows=0)
    with pytest.raises(ValueError, match=r"inputs has 3 entries for 2 x 2 = 4 neurons"):
        ArrayParams(rows=2, cols=2, inputs=(None, None, None))
    with pytest.raises(ValueError, match=r"input_weights\[1\]=-1"):
        ArrayParams(rows=1, cols=2, weights=((-1.0,), None))
    with pytest.raises(ValueError, match=r"metal_density=1.5"):
        ThermalStack(metal_density=1.5)
    with pytest.raises(ValueError, match=r"distance_m=1e-09 m; allowed >= the pillar radius"):
        coupling_fraction(1e-9, STACK)


def test_neurons_with_other_weights_get_their_own_subcircuit():
    p = ArrayParams(rows=1, cols=3, weights=(None, (0.7,), (0.7,)))
    text = str(build_ipnet_array(p))
    assert ".subckt ipnet_neuron_v1 " in text.lower()
    assert text.lower().count(".subckt ipnet_neuron") == 2


@pytest.mark.slow
def test_driven_neuron_fires_and_heats_its_silent_neighbour_only_when_coupled(session):
    nrn = IpnetParams()
    train = regular(0.5e9, 14, nrn.vdd_v, IPNET_SPIKE_WIDTH_S, start_s=0.5e-9)
    runs = {}
    for coupling in (True, False):
        p = ArrayParams(nrn, 1, 2, 0.5e-6, inputs=((train,), None), coupling=coupling)
        runs[coupling] = session.run(
            build_ipnet_array(p), Transient(10e-12, 30e-9, max_step_s=20e-12)
        )
    w = runs[True]
    thr = measure.logic_threshold_v(nrn.vdd_v)
    assert measure.count_spikes(w.time, w.v("out1"), thr) == 1
    assert measure.count_spikes(w.time, w.v("out2"), thr) == 0
    hot, cold = np.max(w.v("th1")), np.max(w.v("th2"))
    assert (
        0.5 * coupling_fraction(0.5e-6, STACK) < cold / hot < 1.5 * coupling_fraction(0.5e-6, STACK)
    )
    assert np.max(np.abs(runs[False].v("th2"))) < 1e-6  # no coupling: no crosstalk


def test_standard_array_testbench_is_4x4_at_the_layout_pitch():
    sc = array_scenario()
    assert sc.name == "ipnet_array_4x4"
    text = sc.netlist_text()
    assert text.count(".nodeset v(x") == 16 and "XB vddb" in text
    assert text.count("\nX") == 17  # 16 neurons + one shared bias generator
    assert f"pitch {DEFAULT_PITCH_M:.4g} m" in text
