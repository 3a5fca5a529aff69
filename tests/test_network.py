"""The network-level memory test: the stream generator, the layers' readouts and a tiny
``python -m behavioural.network --quick`` run as a process."""

import json
import subprocess
import sys

import numpy as np
import pytest

from behavioural.events import (
    N_CLASSES,
    N_MOTIONS,
    StreamParams,
    motion_events,
    noise_events,
    reverse,
    stream,
)
from behavioural.network import VARIANTS, run
from behavioural.params import circuit_params
from behavioural.readout import (
    ipnet_features,
    junction_energy_j,
    layer_events,
    quantize,
    slot_times,
    trace_features,
    window_counts,
)
from circuits.paths import REPO_ROOT

P = StreamParams(width=8, height=8, motion_slots=8)
# a neuron with plausible circuit terms (the command reads the SPICE-fitted ones)
NEURON = circuit_params(
    input_current_factor=0.65,
    input_current_offset=0.35,
    input_width_offset_s=-0.035e-9,
    input_width_slope_s=0.16e-9,
    reset_current_factor=0.93,
    fire_delay_s=0.4e-9,
    detect_delay_s=0.33e-9,
    reset_end_delay_s=0.29e-9,
)


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


def test_bad_class_and_parameters_are_refused_with_their_name():
    with pytest.raises(ValueError, match="class=22"):
        stream(N_CLASSES, 0, P)
    with pytest.raises(ValueError, match="jitter_s"):
        StreamParams(jitter_s=1e-9)
    with pytest.raises(ValueError, match="width"):
        StreamParams(width=2)
    with pytest.raises(ValueError, match="seeds=0"):
        run(NEURON, seeds=0, streams_per_class=3, p=P)
    with pytest.raises(ValueError, match="streams=2"):
        run(NEURON, seeds=1, streams_per_class=2, p=P)


def test_layer_inputs_traces_counts_and_energy():
    streams = [stream(c, 2, P) for c in (0, 11)]
    times = slot_times(streams, P)
    ev = layer_events(times)
    assert ev.n_neurons == 2 * P.n_channels
    assert np.isfinite(ev.times_s).sum() == sum(len(s) for s in streams)
    # the trace is the sum of exp(-(T - t) / tau) of each channel's events
    tau = NEURON.tau_th_s
    tr = trace_features(times, P, tau)
    s = streams[0]
    ch = s.channel(P)[0]
    expect = np.exp(-(P.duration_s - s.t_s[s.channel(P) == ch]) / tau).sum()
    assert tr[0, ch] == pytest.approx(expect, rel=1e-12)
    # counts in the last window see the noise of the quiet delay only
    counts = window_counts(times, P)
    late = [(t >= P.duration_s - P.slot_s).sum() for t in (s.t_s for s in streams)]
    assert counts.sum(axis=1).tolist() == late
    # energy: one isolated pulse's Joule energy is I^2 R_P x its drive time
    from behavioural.model import InputEvents, input_current_a, simulate

    res = simulate(NEURON, InputEvents.single([1e-9], 1.0, 1e-9), stop_s=5e-9, record=True)
    i = input_current_a(NEURON, 1.0)
    drive = 1e-9 + 20e-12 + NEURON.input_width_offset_s
    e = junction_energy_j(res, 1)[0]
    assert e == pytest.approx(i**2 * NEURON.mtj.rp * drive, rel=1e-6)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("network")
    cal = tmp / "calibration.json"
    cal.write_text(json.dumps({"params": NEURON.to_dict()}))
    out = tmp / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "behavioural.network", "--quick", "--seeds", "5"]
        + ["--calibration", str(cal), "--out", str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return out


def test_quick_run_writes_the_summary_figure_and_report(quick_run):
    summary = json.loads((quick_run / "summary.json").read_text())
    assert summary["classes"] == 22
    assert summary["seeds"] == 5
    assert set(summary["accuracy"]) == set(VARIANTS)
    for entry in summary["accuracy"].values():
        lo, hi = entry["ci95"]
        assert lo <= entry["mean"] <= hi and 0 <= entry["mean"] <= 1
        assert len(entry["values"]) == 5
    assert summary["energy"]["memory_energy_per_stream_j"]["mean"] > 0
    assert (quick_run / "accuracy.png").stat().st_size > 10_000
    assert "Findings" in (quick_run / "report.md").read_text()
    assert not list(quick_run.parent.glob(".out.partial-*"))


def test_order_is_read_by_a_decaying_memory_and_not_by_counts(quick_run):
    """Motion vs its own time reversal (same pixels, same counts): counts in the last window
    stay at chance, the ideal trace and the IPNet layer read the order."""
    d = json.loads((quick_run / "summary.json").read_text())["direction_accuracy"]
    mean = {k: v["mean"] for k, v in d.items()}
    lo_e, hi_e = d["no_memory"]["ci95"]
    assert lo_e <= 0.5 + 0.05 and hi_e >= 0.5 - 0.05 and mean["no_memory"] < 0.6
    assert d["ideal_trace"]["ci95"][0] > 0.6
    assert d["ipnet_input"]["ci95"][0] > 0.6


def test_the_no_heat_control_leaves_no_heat_to_read_and_the_layer_does():
    """At the readout (one quiet slot after the motion) the layer's heat state holds the
    last events (a trace of tau = rth cth), the cth / 100 control's holds nothing that the
    readout resolves; the switching progress (hazard) is there in both."""
    streams = [stream(c, 5, P) for c in range(N_CLASSES)]
    times = slot_times(streams, P)
    late = np.nan_to_num(times, nan=-1.0).max(axis=1) < P.duration_s - 1.5e-9  # pulses over
    feats = {}
    for name, neuron in (
        ("heat", NEURON),
        ("none", NEURON.with_(cth_factor=NEURON.cth_factor / 100)),
    ):
        f, _ = ipnet_features(neuron, times, P)
        feats[name] = quantize(f).reshape(len(streams), 4, -1)
    rise_heat, rise_none = feats["heat"][:, 0], feats["none"][:, 0]
    recent = (times > P.duration_s - 4 * NEURON.tau_th_s).any(axis=1) & late
    assert recent.sum() > 10
    assert np.all(rise_heat[recent] > 0)
    assert np.all(rise_none[late] == 0)
    np.testing.assert_allclose(feats["heat"][:, 1], feats["none"][:, 1], atol=0.01)


def test_command_line_refuses_bad_counts_before_any_work():
    for args, word in (
        (["-m", "behavioural.network", "--seeds", "0"], "--seeds 0"),
        (["-m", "behavioural.network", "--streams", "x"], "--streams 'x'"),
        (["-m", "area_energy.cli", "network", "--streams", "2"], "--streams 2 must be >= 3"),
    ):
        proc = subprocess.run(
            [sys.executable, *args],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 2
        assert word in proc.stderr
