"""The behavioural IPNet neuron: analytic checks of its law, its controls, SPICE validation and
the calibration command (run as a process, --quick)."""

import json
import subprocess
import sys

import numpy as np
import pytest
from inprocess_cli import run_in_process

from behavioural.calibrate import COUNT_TOLERANCE, TIME_TOLERANCE_ISI, compare
from behavioural.calibrate import main as calibrate_main
from behavioural.characterize import charge_stimuli, pulse_charges
from behavioural.layer import recency
from behavioural.model import (
    INPUT_EDGE_S,
    InputEvents,
    NeuronState,
    constant_current_switching_time,
    input_current_a,
    simulate,
)
from behavioural.params import circuit_params, load_calibration
from behavioural.spice import run_probe, run_spice
from behavioural.stimuli import regular_stimulus, validation_set
from circuits import mtj_law_v2 as law
from circuits.paths import REPO_ROOT

# a neuron with plausible circuit terms (the fitted ones come from the command below)
P = circuit_params(
    input_current_factor=0.7,
    input_current_offset=0.3,
    input_width_offset_s=-0.1e-9,
    reset_current_factor=0.9,
    fire_delay_s=0.19e-9,
    detect_delay_s=0.35e-9,
    reset_end_delay_s=0.5e-9,
)


def test_zero_input_temperature_decays_exactly():
    empty = InputEvents.single([], [], [])
    for t in (0.1e-9, 1e-9, 3.7e-9):
        res = simulate(P, empty, t, initial=NeuronState.rest(1, rise_k=10.0))
        assert res.final.rise_k[0] == pytest.approx(10.0 * np.exp(-t / P.tau_th_s), rel=1e-12)
        assert res.spike_counts()[0] == 0


@pytest.mark.parametrize("ratio", [0.85, 0.95, 1.0, 1.2, 1.6])
@pytest.mark.parametrize("temp_k", [300.15, 340.0])
def test_switching_time_is_the_model_law(ratio, temp_k):
    i = ratio * P.mtj.ic0
    ref = float(law.median_switching_time(P.mtj, i, temp_k))
    assert constant_current_switching_time(P, i, temp_k) == pytest.approx(ref, rel=1e-6)


def test_long_pulse_without_heat_switches_at_the_median_time():
    q = P.with_(rth_factor=1e-9, input_width_offset_s=0.0)
    ev = InputEvents.single([1e-9], [1.0], [200e-9])
    res = simulate(q, ev)
    t_on = 1e-9 + INPUT_EDGE_S / 2
    current = q.unit_current_a * (q.input_current_factor + q.input_current_offset)
    ref = float(law.median_switching_time(q.mtj, current, q.ambient_k))
    assert res.switch_ap_s[0][0] - t_on == pytest.approx(ref, rel=1e-3)


def test_more_drive_never_fires_later():
    weights = [0.75, 0.8, 0.85, 0.9, 0.95, 1.0, 1.05]
    layer = InputEvents.stack([regular_stimulus(0.5e9, w, 80e-9).events() for w in weights])
    first = simulate(P, layer, 80e-9).first_spike_s()
    assert np.all(np.isfinite(first))
    assert np.all(np.diff(first) <= 1e-15)
    rates = [0.25e9, 1 / 3e-9, 0.5e9]
    layer = InputEvents.stack([regular_stimulus(r, 0.9, 150e-9).events() for r in rates])
    first = simulate(P, layer, 150e-9).first_spike_s()
    assert np.all(np.diff(first) <= 1e-15)


def test_inputs_during_the_reset_are_ignored():
    stim = regular_stimulus(0.5e9, 1.0, 40e-9)
    res = simulate(P, stim.events(), 40e-9)
    spike, end = res.spike_times_s[0][0], res.reset_end_s[0][0]
    assert 9e-9 < end - spike < 13e-9  # the AP -> P law at the reset current: ~11 ns
    # the same train with the pulses inside the reset removed: the same state after it
    t = np.array(stim.times_s)
    keep = ~((t > spike) & (t + 1e-9 < end))
    ev = InputEvents.single(t[keep], 1.0, 1e-9)
    other = simulate(P, ev, 40e-9)
    np.testing.assert_allclose(other.spike_times_s[0], res.spike_times_s[0], rtol=0, atol=1e-15)


def test_recency_advantage_decays_with_the_heat_and_vanishes_without_it():
    normal = recency(P, 60)
    assert np.all(normal.advantage_s > 0)
    assert np.all(np.diff(normal.advantage_s) < 0)
    assert normal.tau_fit_s == pytest.approx(P.tau_th_s, rel=0.2)
    no_heat = recency(P.with_(cth_factor=P.cth_factor / 100), 60)
    assert np.max(np.abs(no_heat.advantage_s)) < 0.1 * np.max(normal.advantage_s)


def test_bad_values_are_refused_with_their_name():
    with pytest.raises(ValueError, match="reset_current_factor"):
        P.with_(reset_current_factor=-1.0)
    with pytest.raises(ValueError, match="fire_delay_s"):
        P.with_(fire_delay_s=1.0)
    with pytest.raises(ValueError, match="merge simultaneous synapses"):
        InputEvents.single([0.0, 0.5e-9], 1.0, 1e-9)
    with pytest.raises(ValueError, match="weights must be >= 0"):
        InputEvents.single([0.0], -1.0, 1e-9)
    with pytest.raises(FileNotFoundError, match="behavioural.calibrate"):
        load_calibration(REPO_ROOT / "build" / "no-such-calibration.json")


@pytest.fixture(scope="module")
def quick_calibration(tmp_path_factory):
    out = tmp_path_factory.mktemp("behavioural")
    proc = subprocess.run(
        [sys.executable, "-m", "behavioural.calibrate", "--quick", "--no-layer", "--out", str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.mark.slow
def test_calibrate_command_writes_its_files(quick_calibration):
    cal = json.loads((quick_calibration / "calibration.json").read_text())
    assert set(cal["fitted"]) >= {"input_current_factor", "reset_current_factor", "rth_factor"}
    assert cal["provenance"]["temperature_c"] == 27.0
    summary = json.loads((quick_calibration / "summary_neuron_v2.json").read_text())
    v = summary["behavioural"]["validation"]
    for key in ("spike_count_error", "spike_time_rmse_s", "mean_isi_s"):
        assert np.isfinite(v[key])


@pytest.mark.slow
def test_calibrated_drive_reproduces_the_spice_progress_and_charge_per_pulse(
    quick_calibration, session
):
    # independent of the delay fit: the switching progress (the law's thermal hazard along
    # the SPICE junction current and temperature) of isolated pulses, measured again on
    # the waveforms, against the model's rectangle; its charge within a few %
    cal = json.loads((quick_calibration / "calibration.json").read_text())
    assert set(cal["targets"]) >= {"charge_per_pulse", "reset_current", "thermal", "sources"}
    p = load_calibration(quick_calibration / "calibration.json")
    for stim in charge_stimuli():
        pulses = pulse_charges(run_probe(stim), stim, p.mtj.rp, p.mtj)
        assert len(pulses) == len(stim.times_s)  # none switched: all in P
        drive_s = (
            stim.widths_s[0]
            + INPUT_EDGE_S
            + p.input_width_offset_s
            + p.input_width_slope_s * (stim.weights[0] - 1.0)
        )
        current = float(input_current_a(p, stim.weights[0]))
        for pulse in pulses:
            model_h = pulse["plateau_rate_per_s"] * drive_s
            assert model_h == pytest.approx(pulse["hazard"], rel=0.02), stim.name
            assert current * drive_s == pytest.approx(pulse["charge_c"], rel=0.05), stim.name
    # the thermal terms are the device's network, as the Verilog-A model has it
    assert p.rth_factor == pytest.approx(1.0, abs=0.02)
    assert p.cth_factor == pytest.approx(1.0, abs=0.02)


@pytest.mark.slow
def test_validation_against_spice_on_a_held_out_stimulus(quick_calibration, session):
    p = load_calibration(quick_calibration / "calibration.json")
    held = validation_set(quick=True)[:1]  # a seeded Poisson train the fit did not see
    runs = [run_spice(s) for s in held]
    cmp = compare(p, held, runs)
    assert cmp["spikes_spice"] >= 2
    assert cmp["spike_count_error"] <= COUNT_TOLERANCE
    assert cmp["spike_time_rmse_s"] <= TIME_TOLERANCE_ISI * cmp["mean_isi_s"]


def test_calibrate_help_and_usage_errors(tmp_path, capsys):
    ok = run_in_process(calibrate_main, ["--help"], capsys, cwd=tmp_path)
    assert ok.code == 0 and "--quick" in ok.stdout
    bad = run_in_process(calibrate_main, ["--nope"], capsys, cwd=tmp_path)
    assert bad.code == 2
    assert not list(tmp_path.iterdir())
