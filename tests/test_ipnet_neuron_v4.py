"""IPNet neuron v4, the heat-gated stochastic neuron (issue 20): its design file, its
circuit's currents and states, its memory against the exact macrospin, its ensembles
against the law they draw from, and ``ipnet neuron-v4`` as a user runs it."""

import dataclasses
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from inprocess_cli import ipnet

from circuits import ipnet_neuron_v4 as v4
from circuits.paths import REPO_ROOT
from pyspice_flows.experiments import neuron_v4 as nv
from pyspice_flows.experiments.thermal_spec import ladder_rise
from pyspice_flows.metrics import neuron_v4 as mv
from pyspice_flows.metrics import neuron_v4_trim as tr
from pyspice_flows.sim.session import Transient


@pytest.fixture(scope="module")
def p():
    return v4.default_v4_params()


def _design(tmp_path, body: str):
    path = tmp_path / "d.toml"
    path.write_text(body)
    return path


# ----------------------------------------------------------------------------- design file
def test_design_file_changes_supply_and_write_current(tmp_path, p):
    path = _design(
        tmp_path,
        'name = "mine"\n[params]\nvdd = { value = 850, unit = "mV" }\n'
        'write_current = { value = 0.9, unit = "Ic0" }\nheat_time = { value = 0.02, unit = "us" }\n',
    )
    q = v4.read_v4_design(path)
    assert q.vdd_v == pytest.approx(0.85)
    assert q.write_current_ic0 == 0.9
    assert q.heat_s == pytest.approx(20e-9)
    assert q.device_file == p.device_file and q.sizes == p.sizes  # the rest: built-in
    net = str(v4.build_v4_testbench(q, [[0]], 1))
    ic0 = q.nominal_mtj().ic0
    # the generator's unit reference (one of 5 fingers): the trim DAC's input current,
    # (1 + step x 32) x I_unit / 5, with the write reference's temperature law
    assert f"BTI vdd n0 I={(1 + q.trim_step * 32) * 0.9 * ic0 / 5:.6g}*(1+(" in net
    assert "VDD vdd 0 0.85" in net


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("[params]\nwrite_curent = { value = 0.8 }\n", ["write_curent", "write_current"]),
        ('[params]\nwrite_current = { value = 9, unit = "Ic0" }\n', ["write_current=9", "allowed"]),
        ("[params]\nheat_time = { value = 30 }\n", ["heat_time", "give a unit"]),
        ('device = "nowhere.toml"\n', ["device=", "nowhere.toml"]),
        ('[params]\ntrim_bits = { value = 12, unit = "" }\n', ["trim_bits", "allowed"]),
        ('[params]\ntrim_bits = { value = 5.5, unit = "" }\n', ["trim_bits", "integer"]),
        ('[params]\nheat_tc = { value = 0.02, unit = "1/K" }\n', ["heat_tc", "allowed"]),
    ],
)
def test_bad_design_files_are_refused_with_the_key(tmp_path, body, words):
    with pytest.raises(ValueError) as err:
        v4.read_v4_design(_design(tmp_path, body))
    for word in words:
        assert word in str(err.value)


def test_trim_dac_codes_and_the_write_reference(p):
    """A binary-weighted DAC of trim_bits bits, trim_step per code, 1 at the middle code;
    the code's factor reaches the generator's write reference (and with it the fire
    trip), not the heat reference."""
    assert (p.trim_bits, p.trim_step, p.trim_codes) == (6, 0.01, 64)
    assert p.trim_factor(32) == 1.0
    assert p.trim_factor(0) == pytest.approx(0.68) and p.trim_factor(63) == pytest.approx(1.31)
    with pytest.raises(ValueError, match="trim code"):
        p.trim_factor(64)
    with pytest.raises(ValueError, match="write_trim"):
        p.with_(write_trim=1.5)
    net = str(v4.build_v4_testbench(p.with_(write_trim=p.trim_factor(40)), [[0]], 1))
    lines = net.splitlines()
    # code 40 = 0b101000: the register turns the output legs of bits 3 and 5 on
    gates = {
        line.split()[0]: line.split()[2]
        for line in lines
        if line[:3] in ("MT0", "MT1", "MT2", "MT3", "MT4", "MT5")
    }
    assert gates == {f"MT{k}": "vdd" if k in (3, 5) else "0" for k in range(6)}
    # the DAC's current (sensed in VTS) is both write lines; the heat references are not
    assert "FREFN vdd ibn VTS 1" in lines and "FREFF gf 0 VTS 1" in lines
    # (and v4's generator has no return-to-P replica: no BREFR, RR, vbr)
    assert [line.split()[0] for line in lines if line.startswith("BREF")] == ["BREFP"]
    assert ".subckt ipnet_bias vdd vbn vbp vbf" in lines and "RR" not in net.split()
    with pytest.raises(ValueError, match="write_trim"):
        p.with_(write_trim=1.005)  # between two codes


# ----------------------------------------------------------------------------- circuit
@pytest.fixture(scope="module")
def two_slots(session, p):
    """An input in slot 0, none in slot 1 (deterministic junction)."""
    return session.run(
        v4.build_v4_testbench(p, [[0]], 2),
        Transient(step_s=0.05e-9, stop_s=2 * p.slot_s, max_step_s=mv.MAX_STEP_S),
    )


def _phase_currents(p, w) -> tuple[float, float]:
    """Median junction current [in units of the nominal Ic0] of slot 0's write and heat."""
    ic0 = p.nominal_mtj().ic0
    t, i = w.time, w.x(f"v.x1.{v4.SENSE_SOURCE}#branch")
    win = v4.phase_windows(p, 0)
    write = (t > win["write"][0] + 1e-9) & (t < win["write"][1] - 0.2e-9)
    heat = (t > win["heat"][0] + 1e-9) & (t < win["heat"][1] - 0.2e-9)
    return float(np.median(i[write])) / ic0, -float(np.median(i[heat])) / ic0


def test_write_and_heat_currents_are_the_designed_ones(p, two_slots):
    """Write p -> n at the weight-1 current (the middle trim code), heat n -> p from the
    heat source, which runs at the edge of saturation: below its reference by what the
    rail cannot push through R_P (the junction's voltage plus the source's and pull-down's
    drops make the supply); next to nothing in a slot without input."""
    ic0 = p.nominal_mtj().ic0
    t, i = two_slots.time, two_slots.x(f"v.x1.{v4.SENSE_SOURCE}#branch")
    i_write, i_heat = _phase_currents(p, two_slots)
    assert p.write_trim == 1.0 and i_write == pytest.approx(p.write_current_ic0, rel=0.03)
    assert 0.8 * p.heat_current_ic0 < i_heat <= 1.01 * p.heat_current_ic0
    mid = 0.5 * sum(v4.phase_windows(p, 0)["heat"])
    v_mtj = float(np.interp(mid, t, two_slots.v("x1.j") - two_slots.v("x1.am")))
    assert v_mtj == pytest.approx(i_heat * ic0 * p.mtj().rp, rel=0.02)  # in P
    assert p.vdd_v - v_mtj < 0.25  # the rest of the rail: source and pull-down
    # a slot without input: only the charge that levels node j when the header reconnects
    # a (a few fC, against 400 fC of a write)
    idle = t > v4.phase_windows(p, 1)["write"][0] - p.edge_s
    write_charge = p.write_current_ic0 * ic0 * p.write_s
    assert np.trapezoid(np.abs(i[idle]), t[idle]) < 0.02 * write_charge


@pytest.mark.parametrize(("temp_k", "vdd"), [(358.15, 0.81), (273.15, 0.99)])
def test_heat_source_at_the_supply_and_temperature_corners(p, temp_k, vdd):
    """Hot and at the low rail the heat is rail-limited, yet still at least 1.5 Ic0, and the
    heat line stays above ground (a buffer between the rails can drive it there); cold
    and at the high rail the junction sees less than 0.8 V (MgO barriers of this RA break
    down above about 1 V)."""
    q = p.with_(vdd_v=vdd)
    w = mv.drive_waveforms(q, (0,), 1, temp_k)
    heat = v4.phase_windows(q, 0)["heat"]
    during = (w.time > heat[0] + 1e-9) & (w.time < heat[1] - 0.2e-9)
    i_heat = _phase_currents(q, w)[1]
    v_mtj = float(np.max((w.v("x1.j") - w.v("x1.am"))[during]))
    if temp_k > 350:
        assert i_heat >= 1.5 and float(np.min(w.v("vbp")[during])) > 0.0
    else:
        assert v_mtj < 0.8


def test_heat_is_stored_by_the_slow_pole(p, two_slots):
    """The junction's temperature is the two-pole ladder driven by the power the junction
    dissipates (an independent solution: exact between samples), tens of K after the heat
    phase, and one slot later the slow pole still holds more than 10 K."""
    t, rise = two_slots.time, two_slots.v("th1")
    power = two_slots.x(f"v.x1.{v4.SENSE_SOURCE}#branch") * (
        two_slots.v("x1.am") - two_slots.v("x1.j")
    )
    mid = 0.5 * (power[1:] + power[:-1])  # piecewise constant between the solver's points
    expected = ladder_rise(p.mtj(), mid, t[:-1], t)
    assert np.max(np.abs(expected - rise)) < 0.02 * np.max(rise)
    end_heat = v4.phase_windows(p, 0)["heat"][1]
    assert 30.0 < float(np.interp(end_heat, t, rise)) < 150.0
    assert float(np.interp(end_heat + p.slot_s, t, rise)) > 10.0


def test_a_fired_junction_spikes_and_is_restored(session, p):
    """A junction in AP at the write phase gives a spike; the heat phase returns it to P,
    so the next input's write sees P (no spike) with the deterministic model."""
    w = session.run(
        v4.build_v4_testbench(p, [[0, 1]], 2, state0=-1),
        Transient(step_s=0.05e-9, stop_s=2 * p.slot_s, max_step_s=mv.MAX_STEP_S),
    )
    fired = nv.fired_matrix(p, w.time, [w.v("out1")], 2)
    assert fired.tolist() == [[True, False]]


# ----------------------------------------------------------------------------- physics
@pytest.fixture(scope="module")
def predicted(session, p):
    return {
        "law": mv.predicted_memory(p, (1, 3)),
        "exact": mv.predicted_memory(p, (1, 3), exact=True),
    }


@pytest.mark.slow
def test_memory_meets_issue_20_on_the_exact_macrospin(p, predicted):
    """On the circuit's own drive and temperature, Brown's Fokker-Planck macrospin gives
    P(fire | rested) >= 0.05, a gain >= 2 one slot later (within the slow thermal time
    constant) and >= 1.2 three slots later; with the heat capacities / 100 (same rise, no
    memory) the gain's excess falls below 10 %."""
    ex = predicted["exact"]
    assert ex["p_rested"] >= 0.05
    assert p.slot_s <= p.mtj().tau_th2_s
    assert ex["gain_by_lag"][0] >= 2.0
    assert ex["gain_by_lag"][1] >= 1.2
    assert abs(ex["ablation_gain"] - 1.0) < 0.1 * (ex["gain_by_lag"][0] - 1.0)


@pytest.mark.slow
def test_the_law_follows_the_exact_macrospin_under_the_neurons_drive(predicted):
    """Within 15 % (the model v3 law keeps medians within 20 % of the reference)."""
    law, ex = predicted["law"], predicted["exact"]
    assert law["p_rested"] == pytest.approx(ex["p_rested"], rel=0.15)
    for g_law, g_ex in zip(law["gain_by_lag"], ex["gain_by_lag"]):
        assert g_law == pytest.approx(g_ex, rel=0.15)


def _ensembles_follow(q, expected: tuple[float, float], trials: int = 200) -> None:
    """``trials`` seeded stochastic neurons of design ``q``, an input in each of two successive
    slots: the fractions that fire on each slot lie within 3 binomial standard errors of
    ``expected`` (the law's probabilities on the circuit's drive)."""
    plan = nv.Plan(trials=trials, per_netlist=10, first_seed=7)
    tasks = nv._tasks(q, (0, 1), 2, plan, mv.NOMINAL_K, plan.first_seed)
    fired = np.vstack([nv.run_task(t) for t in tasks])
    got = fired.mean(axis=0)
    print(
        f"\nrested {got[0]:.3f} (law {expected[0]:.3f}), next slot {got[1]:.3f} (law {expected[1]:.3f})"
    )
    for slot, want in enumerate(expected):
        se = math.sqrt(want * (1 - want) / fired.shape[0])
        assert abs(got[slot] - want) <= 3 * se, (slot, got[slot], want)


@pytest.mark.slow
def test_circuit_ensembles_are_the_law_they_draw_from(p, predicted):
    """The second slot is the heat memory as a network reads it: before the model's rest
    re-arm, a junction that resisted the item kept its unfavourable draw into the next
    slot, and the trials read 0.19 [0.14, 0.24] against the law's 0.27-0.31 (now 0.275)."""
    law = predicted["law"]
    _ensembles_follow(p, (law["p_rested"], law["p_rested"] * law["gain_by_lag"][0]))


@pytest.mark.slow
def test_heat_ablated_ensembles_are_the_law_they_draw_from(p):
    """The control (heat capacities / 100): no memory, so the second slot fires as the
    first, as the law on the ablated circuit's drive says.  Before the rest re-arm shut
    within 20 ps (models/verilog_a/CHANGELOG.md), its closing met a TRRANDOM sample change
    in every neuron of this circuit, the draws it left lacked their tails, and 200 trials
    of issue 21's protocol read 0.055 [0.031, 0.096] one slot after an item against 0.139.
    400 trials (3 standard errors 0.053): with 200 the old model's 0.075 passed."""
    q = mv.ablated(p, "capacity")
    w = mv.drive_waveforms(q, (0, 1), 2, mv.NOMINAL_K)
    law = tuple(mv.predicted_fire_probability(q, w, s, mv.NOMINAL_K) for s in (0, 1))
    _ensembles_follow(q, law, trials=400)


@pytest.mark.slow
def test_write_reference_slope_holds_p_rested_over_temperature(p):
    """The write reference's slope (write_tc) holds P(fire | rested) of the nominal
    junction within 15 % from 0 to 85 C; following Ic0(T) alone (the v3 neuron's bias
    trim) it would fire at 85 C more than 1.4x as often as at 27 C."""

    def rested(q, temp_k):
        return mv.predicted_fire_probability(q, mv.drive_waveforms(q, (0,), 1, temp_k), 0, temp_k)

    base = rested(p, 300.15)
    for temp_k in (273.15, 358.15):
        assert rested(p, temp_k) == pytest.approx(base, rel=0.15), temp_k
    assert rested(p.with_(write_tc_per_k=None), 358.15) > 1.4 * base


@pytest.mark.slow
def test_calibration_finds_the_code_a_stronger_junction_needs(p):
    """The counted calibration lands the nominal die near the middle code and a die with
    10 % more Ic0 about 10 codes (10 %) higher, since P(fire) depends on I / Ic0; at both
    codes the law's P(fire | rested) lies within a third of the target; the same die
    gets the same code (seeded by its values)."""
    ic0 = p.nominal_mtj().ic0
    nominal = tr.calibrate_write_trim(p)
    strong = tr.calibrate_write_trim(p.with_(mtj_overrides={"ic0": 1.1 * ic0}))
    assert abs(nominal["code"] - p.trim_codes // 2) <= 2
    assert strong["code"] - nominal["code"] == pytest.approx(10, abs=2)
    for cal in (nominal, strong):
        prob = {code: pr for code, pr, _ in cal["trials"]}[cal["code"]]
        assert tr.TARGET_P_RESTED / 1.33 < prob < 1.33 * tr.TARGET_P_RESTED
        assert len(cal["trials"]) == p.trim_bits + 1
    assert tr.calibrate_write_trim(p)["code"] == nominal["code"]


# ----------------------------------------------------------------------------- command
def test_command_refuses_bad_input_before_simulating(tmp_path, capsys):
    res = ipnet(
        capsys,
        "neuron-v4",
        "--design",
        str(tmp_path / "none.toml"),
        "--out",
        str(tmp_path / "o"),
        cwd=tmp_path,
    )
    assert res.code == 1
    assert "none.toml" in res.error_line()
    res = ipnet(capsys, "neuron-v4", "--trials", "0", cwd=tmp_path)
    assert res.code == 2 and "--trials" in res.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_command_writes_the_characterization(tmp_path):
    """As users type it: ``ipnet neuron-v4`` in its own process."""
    out = tmp_path / "v4"
    res = subprocess.run(
        [sys.executable, "-m", "area_energy.cli", "neuron-v4", "--quick", "--trials", "10"]
        + ["--workers", "0", "--out", str(out)],
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    s = json.loads((out / "summary.json").read_text())
    m = s["memory"]
    for key in (
        "gain_by_lag",
        "tau_s",
        "gain_at_3_intervals",
        "ablation_ratio",
        "p_rested",
        "input_interval_s",
    ):
        assert key in m
    assert m["rested"]["n"] == 20 and len(m["gain_by_lag"]) == 2
    assert {r["weight"] for r in s["transfer_curve"]} == {0.8, 1.0, 1.2}
    assert s["energy"]["input_slot_J"] > 0
    assert (out / "report.md").read_text().startswith("# IPNet neuron v4")
    assert (out / "neuron_v4.png").stat().st_size > 1000


# ----------------------------------------------------------------------------- sweep
@pytest.mark.slow
def test_v4_sweep_judges_memory_and_window_per_corner(tmp_path):
    """Two samples of the v4 spec (0 C / 0.81 V and 27 C / 0.81 V): every figure is a
    probability or a gain, and the per-corner datasheet judges each against its limit."""
    from pyspice_flows import sweep

    spec = sweep.load_spec(REPO_ROOT / "pyspice_flows" / "sweeps" / "ipnet_v4.toml")
    spec = dataclasses.replace(spec, samples=2)
    res = sweep.run_sweep(spec, tmp_path / "o", workers=0, progress=False, plots=False)
    assert (res.ran, res.ok) == (2, 2)
    summary = json.loads(res.summary_path.read_text())
    assert len(summary["corners"]) == 9  # every corner listed; two have a sample
    measured = [c for c in summary["corners"] if c["n"]]
    assert len(measured) == 2
    for corner in measured:
        figs = corner["figures"]
        assert 0 < figs["p_rested"]["median"] < 1
        assert figs["p_fire_weak"]["median"] < figs["p_rested"]["median"]
        assert figs["p_rested"]["median"] < figs["p_fire_strong"]["median"]
        assert figs["gain_1_slot"]["median"] > figs["gain_3_slots"]["median"] > 1.0
        assert {"p_rested", "gain_1_slot", "gain_3_slots"} <= set(corner["datasheet"])
        assert 0 <= figs["trim_code"]["median"] < 64  # each die calibrated


def test_area_per_neuron_with_the_periphery_amortized_meets_issue_20(p):
    """At most 2.0 um^2 per neuron with the bias generator shared by a 16 x 16 array, its
    resistors counted (rule-deck estimate); the neuron's own devices and the periphery are
    reported apart."""
    from area_energy.report.neuron_v4 import v4_area

    a = v4_area(p)
    shared = a["shared_bias_generator"]
    assert a["transistors"] == 20 and shared["transistors"] > 0
    assert a["area_um2_per_neuron_amortized"] <= 2.0
    own_and_transistors = a["area_um2"] + shared["area_um2"] / 256
    assert a["area_um2_per_neuron_amortized"] > own_and_transistors  # the resistors are in it
    assert a["area_um2"] < a["area_um2_per_neuron_amortized"]


def test_the_seed_that_collapsed_the_step_runs_at_the_first_cap(p):
    """make neuron-v4 stopped on this rested neuron at 0.8 x the write current: seed
    100009001 (and its 10-neuron netlist, seed 100009) collapsed the step at the 0.5 ns cap
    and at a quarter of it (t = 16.4 ns).  The rest re-arm opened inside one 0.32 ns step,
    its sample and hold diverged and a NaN poisoned every shorter step.  The model now
    approaches the re-arm in short steps and keeps its exponentials finite: both netlists
    run at the first cap alone, the neuron with the outcome of a 16 times finer cap."""
    q = dataclasses.replace(p, write_current_ic0=0.8 * p.write_current_ic0)
    tasks = (
        nv.Task(q, (0,), 1, 100009001, 1, nv.NOMINAL_K),
        nv.Task(q, (0,), 1, 100009, 10, nv.NOMINAL_K),
    )
    one, netlist = (nv.fired_at_step(t, t.seed, t.copies, nv.MAX_STEP_S) for t in tasks)
    assert one.shape == (1, 1) and netlist.shape == (10, 1)
    finer = nv.fired_at_step(tasks[0], tasks[0].seed, 1, nv.MAX_STEP_S / 16)
    np.testing.assert_array_equal(one, finer)
