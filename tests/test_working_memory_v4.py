"""Working-memory protocols on neuron v4 (issue 21 item 1): the analysis against hand
computations and synthetic data (fast), the netlists without simulating, the command
line's refusals, and the protocol on a small plan (slow: the switching law on the
circuit's drive, with its controls, checked against the single-neuron reading of
pyspice_flows.metrics.neuron_v4)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from area_energy import working_memory as entry
from circuits import ipnet_neuron_v4 as v4
from circuits.ipnet_array import coupling_conductance_w_per_k, cutoff_m, load_thermal_stack
from pyspice_flows.experiments import working_memory_v4 as wm
from pyspice_flows.experiments import working_memory_v4_tools as tools
from pyspice_flows.experiments.working_memory.protocols import crossing_pitch

STACK = load_thermal_stack()


def _counts(k: int, n: int) -> dict:
    return tools.proportion(np.arange(n) < k)


# ----------------------------------------------------------------------------- d'
def test_d_prime_matches_hand_computed_binomial_case():
    # 60 hits of 100, 20 false alarms of 100: z(0.60) = 0.2533, z(0.20) = -0.8416 (tables)
    d = tools.d_prime(_counts(60, 100), _counts(20, 100))
    assert d["d"] == pytest.approx(0.2533 + 0.8416, abs=2e-4)
    lo, hi = d["ci95"]
    assert lo < d["d"] < hi
    # the interval propagated from the Wilson bounds: hits [0.502, 0.691], false alarms
    # [0.133, 0.289] (Wilson, hand-computed): z(0.502) - z(0.289) = 0.0050 + 0.5569
    assert lo == pytest.approx(0.0050 + 0.5569, abs=0.005)
    assert hi == pytest.approx(0.4976 + 1.1110, abs=0.005)


def test_d_prime_stays_finite_at_zero_and_all():
    # 0 of 50 -> 1/(2n) = 0.01, z = -2.3263; 50 of 50 -> 0.99, z = 2.3263
    d = tools.d_prime(_counts(50, 50), _counts(0, 50))
    assert d["d"] == pytest.approx(2 * 2.3263, abs=1e-3)
    assert all(math.isfinite(x) for x in d["ci95"])


def test_z_difference_of_exact_probabilities():
    assert tools.z_difference(0.5, 0.5) == 0.0
    assert tools.z_difference(0.8413, 0.5) == pytest.approx(1.0, abs=1e-3)


# ----------------------------------------------------------------------------- fits
SLOT = 46e-9


def test_one_exponential_recovered_and_second_not_kept():
    lags = SLOT * np.arange(1, 9)
    fit = tools.fit_decays(lags, 2.0 * np.exp(-lags / 55e-9))
    assert fit["one"]["tau_s"] == pytest.approx(55e-9, rel=1e-9)
    assert fit["one"]["a0"] == pytest.approx(2.0, rel=1e-9)
    assert fit["two"] is None


def test_two_exponentials_recovered_where_the_data_support_them():
    lags = np.linspace(5e-9, 300e-9, 12)
    y = 1.0 * np.exp(-lags / 15e-9) + 0.3 * np.exp(-lags / 120e-9)
    fit = tools.fit_decays(lags, y)
    assert fit["two"] is not None, fit["two_reason"]
    assert fit["two"]["tau_fast_s"] == pytest.approx(15e-9, rel=0.02)
    assert fit["two"]["tau_slow_s"] == pytest.approx(120e-9, rel=0.02)


def test_fit_ignores_excess_below_the_floor():
    lags = SLOT * np.arange(1, 6)
    y = np.array([0.5, 0.2, 0.05, 0.009, 0.001])
    fit = tools.fit_decays(lags, y)
    assert fit["points"] == 3
    assert fit["two"] is None


# ----------------------------------------------------------------------------- pitch
def test_crossing_pitch_of_a_known_decay():
    # crosstalk exp(-pitch / 1 um) falls below 10 % at ln(10) um = 2.3026 um
    pitches = np.geomspace(0.2e-6, 6e-6, 60)
    x = crossing_pitch(pitches, np.exp(-pitches / 1e-6), 0.10)
    assert x == pytest.approx(math.log(10) * 1e-6, rel=0.01)


# ----------------------------------------------------------------------------- netlists
def test_row_couples_neighbours_with_the_stack_conductance():
    p = wm.one_input(v4.default_v4_params())
    m = p.mtj()
    pitch = 1.4e-6
    slots, couplings = tools.row(p, [(0, 1), (), (2,), ()], pitch, 2, STACK)
    assert len(slots) == 8
    reach = cutoff_m(pitch, STACK)
    expected = [(a, b) for a in range(4) for b in range(a + 1, 4) if (b - a) * pitch <= reach]
    assert sorted((i, j) for i, j, _ in couplings) == sorted(
        [*expected, *((a + 4, b + 4) for a, b in expected)]
    )
    for i, j, g in couplings:
        d = (j - i) * pitch
        assert g == coupling_conductance_w_per_k(d, m.rth + m.rth2, STACK)
    assert tools.row(p, [(0,), ()], None, 3, STACK)[1] == ()


def test_net_netlist_has_own_inputs_outputs_and_coupling_resistors():
    p = wm.one_input(v4.default_v4_params())
    slots, couplings = tools.row(p, [(0, 1), (0,)], 1e-6, 1, STACK)
    text = str(tools.build_net(tools.Net(p, slots, 2, couplings)))
    assert "\nX1 in1 out1 " in text and "\nX2 ins1 out2 " in text
    assert f"RC1_2 th1 th2 {1 / couplings[0][2]:.6g}" in text
    with pytest.raises(ValueError, match="outside"):
        tools.Net(p, ((0, 3),), 2)


def test_trial_lags_must_be_law_lags():
    with pytest.raises(ValueError, match="subset of law_lags"):
        wm.Plan(layout_pitch_m=1.4e-6, law_lags=(1, 2), trial_lags=(3,))


# ----------------------------------------------------------------------------- CLI
@pytest.mark.parametrize(
    "argv, code, words",
    [
        (["--trials", "0"], 2, "--trials '0'"),
        (["--temp", "27"], 2, "kelvin"),
        (["--layout-area-um2", "-1"], 2, "--layout-area-um2"),
        (["--layout-area-um2", "1e6"], 1, "layout_pitch_m"),
        (["--seed", "4000000000"], 1, "--seed 4000000000: first_seed"),
        (["--design", "/no/such/design.toml"], 1, "--design"),
        (["--device", "/no/such/device.toml"], 1, "--device /no/such/device.toml"),
    ],
)
def test_bad_input_refused_before_any_simulation(argv, code, words, tmp_path, capsys, monkeypatch):
    def boom(*a, **k):
        raise AssertionError("simulated despite bad input")

    monkeypatch.setattr(wm, "run_protocols", boom)
    try:
        rc = entry.main([*argv, "--out", str(tmp_path / "out"), "--workers", "0"])
    except SystemExit as exc:
        rc = exc.code
    assert rc == code
    assert words in capsys.readouterr().err
    assert not (tmp_path / "out" / "summary.json").exists()


# ----------------------------------------------------------------------------- protocol
def test_without_an_area_model_the_layout_area_is_required(tmp_path, capsys):
    with pytest.raises(SystemExit) as done:
        wm.main(["--out", str(tmp_path / "out")])
    assert done.value.code == 2
    assert "--layout-area-um2 is required" in capsys.readouterr().err


LAYOUT_PITCH_M = math.sqrt(entry.layout_area_um2(v4.default_v4_params())) * 1e-6
SMALL = wm.Plan(
    layout_pitch_m=LAYOUT_PITCH_M,
    trials=0,
    law_lags=(1, 2, 3),
    trial_lags=(1,),
    list_length=2,
    pitches_m=(0.3e-6, 3e-6),
    workers=0,
)


@pytest.mark.slow
def test_protocols_on_a_small_plan_show_the_memory_and_its_controls():
    from pyspice_flows.metrics.neuron_v4 import predicted_memory

    p = v4.default_v4_params()
    s = wm.run_protocols(p, SMALL)
    rec = s["recency"]
    g = rec["gain_by_lag"]
    assert g[0] > 1.5 and g[0] > g[1] > g[2] > 1.0
    assert all(abs(x - 1) < 0.05 for x in rec["controls"]["no_heat"]["gain_by_lag"])
    # the uncoupled neuron beside a silent one = the single neuron of metrics.neuron_v4
    single = predicted_memory(wm.one_input(p), (1,), ablation=False)["gain_by_lag"][0]
    assert rec["controls"]["no_coupling"]["gain_by_lag"][0] == pytest.approx(single, rel=0.02)
    fr = s["free_recall"]
    d = [x["d_prime"] for x in fr["by_position"]]
    assert d[-1] > d[0] > 0  # the most recent item is the most discriminable
    assert all(abs(x["d_prime"]) < 0.05 for x in fr["controls"]["no_heat"]["by_position"])
    it = s["interference"]
    law = it["law"]["normal"]
    assert law["crosstalk"][0] > law["crosstalk"][-1] > 0
    assert it["controls"]["no_coupling"]["delta_p"] == [0.0]
    assert it["controls"]["no_heat"]["own_excess"][0] < 0.01 * law["own_excess"][0]


@pytest.mark.slow
def test_trials_depend_on_the_seed_alone():
    p = wm.one_input(v4.default_v4_params())
    slots, couplings = tools.row(p, [(0, 1), (0,)], 1e-6, 2, STACK)
    net = tools.Net(p, slots, 2, couplings)
    a = tools.run_trial_task(tools.TrialTask(net, 5, 300.0))
    b = tools.run_trial_task(tools.TrialTask(net, 5, 300.0))
    assert a.shape == (4, 2) and a.dtype == bool
    assert np.array_equal(a, b)


# ----------------------------------------------------------------------------- acceptance
@pytest.mark.slow
def test_ipnet_working_memory_quick_writes_the_acceptance_keys_with_controls(tmp_path):
    """``ipnet working-memory --quick`` as a process: build/working_memory's acceptance
    keys (issue 21), the layout pitch from the report's area model, and the controls."""
    import json
    import os
    import subprocess
    import sys

    from area_energy.report.neuron_v4 import v4_area
    from circuits.paths import REPO_ROOT

    out = tmp_path / "wm"
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    res = subprocess.run(
        [sys.executable, "-m", "area_energy.cli", "working-memory", "--quick", "--out", str(out)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,  # minutes on a shared, loaded machine
        check=False,
    )
    assert res.returncode == 0, res.stderr
    s = json.loads((out / "summary.json").read_text())
    area = v4_area(v4.default_v4_params())["area_um2_per_neuron_amortized"]
    assert s["plan"]["layout_area_um2"] == pytest.approx(area, rel=1e-12)
    assert s["interference"]["layout_pitch_m"] == pytest.approx(math.sqrt(area) * 1e-6)

    rec = s["recency"]
    lags = rec["lags_slots"]
    assert len(rec["gain_by_lag"]) == len(rec["gain_by_lag_ci95"]) == len(lags)
    assert rec["tau_s"] > 0 and rec["gain_by_lag"][0] > 1.5
    for lag, g, ci in zip(lags, rec["gain_by_lag_trials"], rec["gain_by_lag_ci95"]):
        if lag in s["plan"]["trial_lags"]:
            # JSON keeps no inf / nan: an unbounded end or a 0 / 0 gain is stored as null
            lo, hi = ci[0], math.inf if ci[1] is None else ci[1]
            assert g is None or lo <= g <= hi
        else:
            assert g is None and ci is None
    # controls: no heat, no memory (gain ~1); no coupling keeps the neuron's own memory
    assert all(abs(g - 1) < 0.05 for g in rec["controls"]["no_heat"]["gain_by_lag"])
    assert rec["controls"]["no_coupling"]["gain_by_lag"][0] > 1.5

    fr = s["free_recall"]
    assert all({"gain", "d_prime", "recalled"} <= set(x) for x in fr["by_position"])
    assert all(x["recalled"] == (x["d_prime"] >= 1.0) for x in fr["by_position"])
    assert all(abs(x["d_prime"]) < 0.05 for x in fr["controls"]["no_heat"]["by_position"])

    it = s["interference"]
    assert 0.1e-6 < it["pitch_10pct_m"] < 5e-6
    # no coupling resistor: the neighbour's item changes nothing (no crosstalk)
    assert it["controls"]["no_coupling"]["delta_p"] == [0.0]
    assert it["controls"]["no_coupling"]["crosstalk"] == [0.0]
    # no heat memory: no own excess to interfere with
    law = it["law"]["normal"]
    assert max(it["controls"]["no_heat"]["own_excess"]) < 0.01 * min(law["own_excess"])
