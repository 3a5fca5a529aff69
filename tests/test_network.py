"""The network-level memory test: the stream generator, the layers' readouts and a tiny
``python -m behavioural.network --quick`` run as a process."""

import json
import subprocess
import sys

import numpy as np
import pytest
from inprocess_cli import run_in_process

from area_energy.cli import main as ipnet_main
from behavioural.events import (
    N_CLASSES,
    N_MOTIONS,
    StreamParams,
    motion_events,
    noise_events,
    reverse,
    stream,
)
from behavioural.network import VARIANTS, run, stream_params
from behavioural.network import main as network_main
from behavioural.readout import quantize, slot_times, trace_features, window_counts
from behavioural.v4_layer import (
    ablated,
    load_v4_calibration,
    pole_time_constants,
    slot_energies,
    slot_inputs,
    v4_layer,
)
from behavioural.v4_model import V4Calibration
from behavioural.v4_model import run as run_neurons
from circuits.paths import REPO_ROOT

P = StreamParams(width=8, height=8, motion_slots=8)
# A behavioural v2 neuron with plausible terms, not fitted to SPICE (the command reads the
# calibration of `make behavioural`): the device's two-pole ladder, a slot of 46.4 ns (write
# 15 ns at 8.5 uW, heat 30 ns at 58 uW in the junction, as measured on the built-in design),
# a fired slot 2 uW more in its heat phase, and ln P(fire) = ln 0.08 + 5 (w - 1) + 0.03 K^-1 r.
SLOT_S, DT_S = 46.4e-9, 0.4e-9
LADDER = (6e5, 1.667e-15, 2.4e6, 2.5e-14)
WRITE_END_S, HEAT_END_S = 15.1e-9, 45.1e-9
P_WRITE_W, P_HEAT_W, P_FIRED_W = 8.5e-6, 58e-6, 2e-6
_t = np.arange(round(SLOT_S / DT_S)) * DT_S
_heat = (_t >= WRITE_END_S) & (_t < HEAT_END_S)
_power = np.where(_t < WRITE_END_S, P_WRITE_W, np.where(_heat, P_HEAT_W, 0.0))
_w = np.array([0.9, 1.0, 1.1])
_r = np.linspace(0.0, 130.0, 6)
CAL = V4Calibration(
    ambient_k=300.15,
    slot_s=SLOT_S,
    dt_s=DT_S,
    write_s=(0.1e-9, WRITE_END_S),
    ladder=LADDER,
    power_w=np.vstack([_power, np.zeros_like(_power), np.zeros_like(_power)]),
    fired_w=np.vstack([np.where(_heat, P_FIRED_W, 0.0), np.zeros((2, _t.size))]),
    table_weights=_w,
    table_rise_k=_r,
    table_log_p=np.minimum(np.log(0.08) + 5 * (_w[:, None] - 1) + 0.03 * _r[None, :], 0.0),
)
PV = stream_params(CAL, quick=True)


def _same(a, b):
    return all(np.array_equal(getattr(a, f), getattr(b, f)) for f in ("t_s", "x", "y", "on"))


def test_streams_are_deterministic_per_seed_and_differ_between_seeds():
    for cls in (0, 5, 13, 21):
        assert _same(stream(cls, 7, P), stream(cls, 7, P))
        assert not _same(stream(cls, 7, P), stream(cls, 8, P))
    s = stream(3, 1, P)
    assert np.all(np.diff(s.t_s) >= 0)
    assert s.t_s.min() >= 0 and s.t_s.max() <= P.duration_s
    # one event per slot, pixel and polarity (the neuron's input rate limit)
    keys = set(zip(s.slot.tolist(), s.channel(P).tolist()))
    assert len(keys) == len(s)


def test_time_reversal_is_an_exact_mirror_of_the_motion():
    for k in range(N_MOTIONS):
        fwd = motion_events(k, 4, P)
        rev = reverse(fwd, P)
        # the reversed motion's events are the forward ones at mirrored times, polarity swapped
        order = np.argsort(P.motion_s - fwd.t_s, kind="stable")
        np.testing.assert_array_equal(np.sort(rev.t_s), np.sort(P.motion_s - fwd.t_s))
        np.testing.assert_array_equal(rev.t_s, (P.motion_s - fwd.t_s)[order])
        np.testing.assert_array_equal(rev.on, ~fwd.on[order])
        np.testing.assert_array_equal(rev.x, fwd.x[order])
        # the same pixels and the same event counts per polarity: only the order differs
        assert sorted(zip(rev.x, rev.y)) == sorted(zip(fwd.x, fwd.y))
        assert rev.on.sum() == (~fwd.on).sum()
        # class 11 + k is that mirror plus the (class-independent) noise
        full = stream(k + N_MOTIONS, 4, P)
        assert len(full) >= len(rev)
        assert set(zip(rev.t_s.tolist(), rev.on.tolist())) <= set(
            zip(full.t_s.tolist(), full.on.tolist())
        )
    assert len(noise_events(4, P)) > 0


def test_bad_class_and_parameters_are_refused_with_their_name(tmp_path):
    with pytest.raises(ValueError, match="class=22"):
        stream(N_CLASSES, 0, P)
    with pytest.raises(ValueError, match="jitter_s"):
        StreamParams(jitter_s=1e-9)
    with pytest.raises(ValueError, match="width"):
        StreamParams(width=2)
    with pytest.raises(ValueError, match="seeds=0"):
        run(CAL, seeds=0, streams_per_class=3, p=PV)
    with pytest.raises(ValueError, match="streams=2"):
        run(CAL, seeds=1, streams_per_class=2, p=PV)
    with pytest.raises(FileNotFoundError, match="make behavioural"):
        load_v4_calibration(tmp_path / "none.json")
    f = tmp_path / "summary.json"
    f.write_text(
        json.dumps({"temperatures": [{"ambient_k": 300.15, "calibration": CAL.to_dict()}]})
    )
    assert load_v4_calibration(f)[0].ambient_k == 300.15
    with pytest.raises(ValueError, match="no calibration at 358.15 K; allowed 300.15 K"):
        load_v4_calibration(f, 358.15)


def test_streams_run_on_the_neuron_s_slot_clock():
    assert PV.slot_s == SLOT_S and PV.jitter_s == 0.0
    s = stream(4, 3, PV)
    # every event at its slot's centre: one input slot of the neuron each
    np.testing.assert_allclose(s.t_s, (s.slot + 0.5) * SLOT_S)
    # background: about 1 % of the pixel-polarity slots
    noise = noise_events(3, StreamParams(**{**PV.__dict__, "width": 32, "height": 32}))
    assert 0.007 < len(noise) / (PV.n_slots * 2 * 32 * 32) < 0.013


def test_layer_inputs_probe_and_energy_against_hand_built_references():
    streams = [stream(c, 2, PV) for c in (0, 11)]
    times = slot_times(streams, PV)
    w = slot_inputs(times)
    assert w.shape == (2 * PV.n_channels, PV.n_slots + 1)
    assert np.all(w[:, -1] == 1.0)  # the probe
    s = streams[1]
    ch, sl = s.channel(PV), s.slot
    assert w[PV.n_channels + ch[0], sl[0]] == 1.0
    assert (w[:, :-1] > 0).sum() == sum(len(x) for x in streams)
    # the layer's probe on each neuron is that neuron run alone (no mixing of rows)
    out = v4_layer(CAL, times, np.random.default_rng(5))
    alone = run_neurons(CAL, w[PV.n_channels + ch[0]][None, :], np.random.default_rng(9))
    # the probe's P depends on the draws only through the fired slots' extra heat
    # (2 uW x 30 ns, small): within a few per cent of the neuron's own run
    assert out.probe_probability[1, ch[0]] == pytest.approx(alone.probability[0, -1], rel=0.05)
    # energy: P_write x the write + P_heat x the heat phase per input slot (closed form),
    # plus P_fired x the heat phase per spike
    e = slot_energies(CAL)
    n_write, n_heat = np.sum(_t < WRITE_END_S), np.sum(_heat)
    assert e["write_phase_J"] == pytest.approx(P_WRITE_W * n_write * DT_S, rel=1e-9)
    assert e["heat_phase_J"] == pytest.approx(P_HEAT_W * n_heat * DT_S, rel=1e-9)
    assert e["fired_extra_J"] == pytest.approx(P_FIRED_W * 30e-9, rel=0.02)
    expect = out.inputs * (e["write_phase_J"] + e["heat_phase_J"]) + out.spikes * e["fired_extra_J"]
    np.testing.assert_allclose(out.energy_j, expect, rtol=1e-9)
    # the two poles: the 2 x 2 ladder's eigenvalues in closed form
    r1, c1, r2, c2 = LADDER
    a, d, b, c = -1 / (r1 * c1), -(1 / r1 + 1 / r2) / c2, 1 / (r1 * c1), 1 / (r1 * c2)
    disc = np.sqrt((a - d) ** 2 + 4 * b * c)
    taus = sorted(-2 / (a + d + x) for x in (disc, -disc))
    np.testing.assert_allclose(pole_time_constants(CAL), taus, rtol=1e-9)
    # traces and counts
    tr = trace_features(times, PV, taus[1])
    first = s.channel(PV)[0]
    expect = np.exp(-(PV.duration_s - s.t_s[s.channel(PV) == first]) / taus[1]).sum()
    assert tr[1, first] == pytest.approx(expect, rel=1e-12)
    counts = window_counts(times, PV)
    late = [(x.slot >= PV.motion_slots).sum() for x in streams]
    assert counts.sum(axis=1).tolist() == late


def test_the_probe_reads_recent_heat_and_the_ablation_reads_none():
    """At the end of a stream, a neuron whose last event came 2 slots before the probe
    fires the probe above the rested P, by the neuron's gain at that lag; one whose last
    event is 6 slots back is nearly rested; the ablated layer (cth, cth2 / 100) leaves
    every neuron at the rested P, and the spikes during the stream then count events at
    the rested P."""
    streams = [stream(c, 5, PV) for c in range(N_CLASSES)]
    times = slot_times(streams, PV)
    rested = float(CAL.probability([1.0], [0.0])[0])
    heat = v4_layer(CAL, times, np.random.default_rng(1))
    none = v4_layer(ablated(CAL), times, np.random.default_rng(1))
    last = np.where(np.isfinite(times), np.arange(PV.n_slots)[None, :, None], -99).max(axis=1)
    lag = PV.n_slots - last  # slots from the neuron's last event to the probe
    p_heat = quantize(heat.probe_probability)
    p_none = quantize(none.probe_probability)
    assert np.all(p_none == pytest.approx(quantize(rested), abs=1.5e-3))
    recent = lag == 2
    assert recent.sum() > 20
    # lag 2 on the ladder: gain exp(0.03 r) with r = 24 K measured on the device's ladder
    assert np.all(p_heat[recent] > 1.6 * rested)
    assert np.all(p_heat[lag > 8] == quantize(rested))
    assert np.all(p_heat[(lag >= 6) & (lag <= 8)] < 1.2 * rested)
    # spikes during the stream: the ablated layer fires at the rested P per event
    events = np.isfinite(times).sum()
    assert none.spikes.sum() / events == pytest.approx(rested, abs=0.02)
    assert heat.spikes.sum() > none.spikes.sum()


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("network")
    cal = tmp / "calibration.json"
    cal.write_text(CAL.to_json())
    out = tmp / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "behavioural.network", "--quick", "--seeds", "5"]
        + ["--calibration", str(cal), "--out", str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.mark.slow
def test_quick_run_writes_the_summary_figure_and_report(quick_run):
    summary = json.loads((quick_run / "summary.json").read_text())
    assert summary["classes"] == 22
    assert summary["seeds"] == 5
    assert set(summary["accuracy"]) == set(VARIANTS)
    for entry in summary["accuracy"].values():
        lo, hi = entry["ci95"]
        assert lo <= entry["mean"] <= hi and 0 <= entry["mean"] <= 1
        assert len(entry["values"]) == 5
    en = summary["energy"]
    # at least the heat phase of every input slot
    assert en["memory_energy_per_stream_j"]["mean"] > en["events_per_stream"] * P_HEAT_W * 30e-9
    assert summary["neuron"]["memory"]["gain_by_lag"][0] > 2.0
    assert summary["neuron"]["ablated_memory"]["gain_by_lag"][0] < 1.1
    assert (quick_run / "accuracy.png").stat().st_size > 10_000
    assert "Findings" in (quick_run / "report.md").read_text()
    assert not list(quick_run.parent.glob(".out.partial-*"))


@pytest.mark.slow
def test_order_is_read_by_the_heat_memory_and_not_by_counts(quick_run):
    """Motion vs its own time reversal (same pixels, same counts): counts in the last window
    stay at chance, and so does the layer without its heat; the ideal traces and the
    IPNet layer read the order."""
    d = json.loads((quick_run / "summary.json").read_text())["direction_accuracy"]
    mean = {k: v["mean"] for k, v in d.items()}
    for k in ("no_memory", "ipnet_no_heat"):
        lo, hi = d[k]["ci95"]
        assert lo <= 0.5 + 0.05 and hi >= 0.5 - 0.05 and mean[k] < 0.6, k
    assert d["ideal_trace"]["ci95"][0] > 0.6
    assert d["ipnet_input"]["ci95"][0] > 0.6


def test_command_line_refuses_bad_counts_before_any_work(tmp_path, capsys):
    for main, args, word in (
        (network_main, ["--seeds", "0"], "--seeds 0"),
        (network_main, ["--streams", "x"], "--streams 'x'"),
        (ipnet_main, ["network", "--streams", "2"], "--streams 2 must be >= 3"),
    ):
        res = run_in_process(main, args, capsys, cwd=tmp_path)
        assert res.code == 2
        assert word in res.stderr
    assert not list(tmp_path.iterdir())
