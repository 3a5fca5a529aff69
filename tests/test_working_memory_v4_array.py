"""Interference on an array of neuron v4 (issue 24 item 3, issue 21 item 1): the array's
netlist without simulating (who is written, which pairs are coupled and how strongly,
against the sheet model's K0 law computed here), and the law reading of a 3 x 3 array (slow):
no coupling gives no crosstalk, crosstalk falls with pitch, dense >= neighbours >= silent,
the victim's rise from 8 neighbours is the sum of the single-neighbour rises (a linear
thermal network), and the uncoupled victim is the single neuron of metrics.neuron_v4."""

from __future__ import annotations

import csv
import math

import pytest
from scipy.special import k0

from area_energy import working_memory as entry
from circuits import ipnet_neuron_v4 as v4
from circuits.ipnet_array import healing_length_m, load_thermal_stack
from pyspice_flows.experiments import working_memory_v4 as wm
from pyspice_flows.experiments import working_memory_v4_array as wa

STACK = load_thermal_stack()
P = wm.one_input(v4.default_v4_params())


# ----------------------------------------------------------------------------- netlists
def test_the_victim_sits_in_the_centre_and_the_cases_write_the_right_neurons():
    assert wa.centre(3, 3) == 4
    assert wa.centre(8, 8) == 4 * 8 + 4
    # 8 x 8: the victim (4, 4); its neighbours rows 3..5, columns 3..5
    expected = {r * 8 + c for r in (3, 4, 5) for c in (3, 4, 5)} - {36}
    assert wa.written("neighbours", 8, 8) == expected
    assert wa.written("dense", 8, 8) == set(range(64)) - {36}
    assert wa.written("silent", 8, 8) == set()
    assert wa.written("edge", 3, 3) == {5} and wa.written("diagonal", 3, 3) == {8}
    net = wa.array_net(P, "neighbours", 3, 3, 2e-6, 2, STACK)
    assert net.n_slots == 3
    assert net.slots[4] == (0, 2)
    assert all(net.slots[k] == (0,) for k in range(9) if k != 4)
    with pytest.raises(ValueError, match="at least 3 x 3"):
        wa.array_net(P, "silent", 2, 3, 2e-6, 1, STACK)


def _hand_g(d: float) -> float:
    """The pair conductance from the sheet model, computed here: c = K0(d/lam) / K0(a/lam),
    G = c / (rth (1 - c)) with rth = rth + rth2 of the device."""
    lam = healing_length_m(STACK)
    c = k0(d / lam) / k0(STACK.pillar_diameter_m / 2 / lam)
    m = P.mtj()
    return c / ((m.rth + m.rth2) * (1 - c))


def test_the_grid_couples_nearest_and_diagonal_neighbours_with_the_sheet_law():
    m = P.mtj()
    pitch = 2.1e-6  # 2 pitches (4.2 um) lie beyond the cutoff of 3 healing lengths (3.9 um)
    assert 2 * pitch > STACK.cutoff_healing_lengths * healing_length_m(STACK)
    pairs = wa.grid_couplings(3, 3, pitch, m.rth + m.rth2, STACK)
    # a 3 x 3 grid: 12 nearest pairs (6 per direction) and 8 diagonal ones
    assert len(pairs) == 20
    for i, j, g in pairs:
        d = pitch * math.hypot(i // 3 - j // 3, i % 3 - j % 3)
        assert d in (pytest.approx(pitch), pytest.approx(pitch * math.sqrt(2)))
        assert g == pytest.approx(_hand_g(d), rel=1e-12)
    assert wa.grid_couplings(3, 3, None, m.rth, STACK) == ()
    # at 1 um every pair of a 3 x 3 grid lies within 3.9 um (the farthest: 2 sqrt(2) um)
    close = wa.grid_couplings(3, 3, 1.0e-6, m.rth + m.rth2, STACK)
    assert len(close) == 9 * 8 // 2


def test_plan_refuses_a_bad_array():
    for bad in ({"array_shape": (2, 8)}, {"array_shape": (8,)}, {"array_pitch_factors": (0.5,)}):
        with pytest.raises(ValueError, match="array_"):
            wm.Plan(layout_pitch_m=2e-6, **bad)
    assert wm.Plan(layout_pitch_m=2e-6).array_pitch_factors == ()  # a Plan runs no array
    assert wm.QUICK["array_shape"] == (3, 3) and wm.ARRAY["array_shape"] == (8, 8)


# ----------------------------------------------------------------------------- reading
LAYOUT_PITCH_M = math.sqrt(entry.layout_area_um2(v4.default_v4_params())) * 1e-6


@pytest.fixture(scope="module")
def small():
    plan = wm.Plan(
        layout_pitch_m=LAYOUT_PITCH_M,
        trials=0,
        array_shape=(3, 3),
        array_pitch_factors=(1.0, 1.5, 2.0),
        workers=0,
    )
    return wm.interference_array(P, plan, wm.NOMINAL_K, STACK)


@pytest.mark.slow
def test_without_coupling_there_is_no_crosstalk(small):
    nc = small["controls"]["no_coupling"]
    assert nc["own_excess"] > 0.1
    for case in wa.CASES:
        x = nc["cases"][case]
        assert abs(x["crosstalk"]) < 1e-6
        assert abs(x["rise_from_neighbours_at_probe_k"]) < 1e-3
    # the uncoupled victim is the single neuron of metrics.neuron_v4 (its own law reading)
    from pyspice_flows.metrics.neuron_v4 import predicted_memory

    single = predicted_memory(P, (1,), ablation=False)["gain_by_lag"][0]
    assert nc["p_alone"] / nc["p_rested"] == pytest.approx(single, rel=0.02)


@pytest.mark.slow
def test_crosstalk_falls_with_pitch_and_grows_with_the_written_neighbours(small):
    for case in ("neighbours", "dense"):
        x = small["cases"][case]["crosstalk"]
        assert x[0] > x[1] > x[2] > 0
        rise = small["cases"][case]["peak_rise_from_neighbours_k"]
        assert rise[0] > rise[1] > rise[2] > 0
    assert small["pitches_m"] == pytest.approx([LAYOUT_PITCH_M * f for f in (1, 1.5, 2)])
    for b in small["by_pitch"]:
        c = b["cases"]
        assert c["silent"]["crosstalk"] == 0.0
        # in a 3 x 3 array the dense burst and the 8 neighbours are the same neurons
        assert c["dense"]["crosstalk"] >= c["neighbours"]["crosstalk"] - 1e-9
        assert c["neighbours"]["crosstalk"] > c["silent"]["crosstalk"]
    # no heat memory: (almost) no own memory, the neighbours' burst changes P by < 1e-3
    nh = small["controls"]["no_heat"]
    assert nh["own_excess"] < 0.01 * small["by_pitch"][0]["own_excess"]
    assert all(abs(nh["cases"][c]["delta_p"]) < 1e-3 for c in wa.CASES)


@pytest.mark.slow
def test_the_rise_from_eight_neighbours_is_the_sum_of_single_rises(small):
    s = small["superposition"]
    for at in ("peak", "probe"):
        assert s[at]["neighbours_k"] > 0.5
        assert s[at]["ratio"] == pytest.approx(1.0, abs=0.03)


@pytest.mark.slow
def test_the_files_of_the_array_reading(small, tmp_path):
    md, names = wa.write_files({"interference_array": small}, tmp_path)
    assert "interference_array.csv" in names
    assert "## Interference on a 3 x 3 array" in md
    rows = list(csv.DictReader((tmp_path / "interference_array.csv").open()))
    # 3 pitches x 3 cases, and the two controls' 3 cases
    assert len(rows) == 3 * 3 + 2 * 3
    assert {r["condition"] for r in rows} == {"normal", "no_coupling", "no_heat"}
    assert wa.write_files({"interference_array": None}, tmp_path) == ("", [])


# ----------------------------------------------------------------------------- start
def _simulated_texts(monkeypatch, net):
    """The netlist texts the law transient of ``net`` would simulate: through
    :func:`wa.array_waveforms` and through the tools' own :func:`law_waveforms`."""
    from pyspice_flows.experiments import working_memory_v4_tools as tools
    from pyspice_flows.sim.session import netlist_for

    monkeypatch.setattr(tools, "cached_run", netlist_for)  # the same arguments, the text
    return wa.array_waveforms(net, wm.NOMINAL_K), tools.law_waveforms(net, wm.NOMINAL_K)


def test_the_8_x_8_law_transient_carries_the_tiled_start(monkeypatch):
    net = wa.array_net(P, "neighbours", 8, 8, LAYOUT_PITCH_M, 1, STACK)
    ours, law = _simulated_texts(monkeypatch, net)
    cards = [ln for ln in ours.splitlines() if ln.startswith(".nodeset")]
    # the law's own netlist with the cards before its analysis, nothing else changed
    assert [ln for ln in ours.splitlines() if not ln.startswith(".nodeset")] == law.splitlines()
    assert ours.index(".nodeset") < ours.index(".tran") and ".nodeset" not in law
    assert len(cards) == 1 + 64 and cards[0].startswith(".nodeset v(xb.")
    nodes = [dict(x.split("=") for x in c.split()[1:]) for c in cards[1:]]
    for k, got in enumerate(nodes, start=1):
        assert {f"v(out{k})", f"v(th{k})", f"v(x{k}.j)"} <= got.keys()
        assert [float(v) for v in got.values()] == [float(v) for v in nodes[0].values()]
    # at rest: no heat, the output low
    assert abs(float(nodes[0]["v(th1)"])) < 1e-3 and abs(float(nodes[0]["v(out1)"])) < 0.01
    # the 3 x 3 of --quick is below the size rule: the law's own netlist
    small = wa.array_net(P, "neighbours", 3, 3, LAYOUT_PITCH_M, 1, STACK)
    ours, law = _simulated_texts(monkeypatch, small)
    assert ours == law and wa.array_start(small, wm.NOMINAL_K) is None


@pytest.mark.slow  # 2.5 s: the 64-neuron operating point
def test_the_8_x_8_operating_point_is_its_own_from_the_tiled_start():
    """The start guides Newton only: the array's operating point from the simulator's own
    start and from the tiled one agree within ngspice's tolerances (reltol 1e-3, vntol 1 uV)."""
    from pyspice_flows.sim.session import OperatingPoint, Session

    net = wa.array_net(P, "dense", 8, 8, LAYOUT_PITCH_M, 1, STACK)
    start = wa.array_start(net, wm.NOMINAL_K)
    ops = [
        Session.get().run(
            wa.build_net(wa.held_in_p(net)),
            OperatingPoint(),
            temperature_k=wm.NOMINAL_K,
            before_analysis=lines,
        )
        for lines in ((), start.nodeset_lines(64))
    ]
    own, tiled = ({k: float(v[0]) for k, v in w.vectors.items() if "#" not in k} for w in ops)
    assert own.keys() == tiled.keys() and len(own) > 64 * 10
    far = {
        k: (own[k], tiled[k])
        for k in own
        if abs(own[k] - tiled[k]) > 5 * (1e-3 * max(abs(own[k]), abs(tiled[k])) + 1e-6)
    }
    assert not far, far
