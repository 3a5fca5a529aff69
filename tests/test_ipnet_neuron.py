"""The capacitor-free IPNet neuron, simulated in ngspice."""

import re

import numpy as np
import pytest

from circuits.ipnet_neuron import IpnetParams, Size, build_ipnet_testbench
from circuits.scenarios import IPNET_CLEAR_PERIOD_S, ipnet_clear_train, ipnet_scenario
from circuits.stimulus import regular
from circuits.units import ZERO_CELSIUS_K
from pyspice_flows import measure
from pyspice_flows.sim.session import Transient

VDD = 0.9


def simulate(session, sc):
    w = session.run(sc.circuit, Transient(sc.step_s, sc.stop_s, max_step_s=sc.max_step_s))
    out = w.v("out")
    rises = np.count_nonzero((out[1:] > VDD / 2) & (out[:-1] <= VDD / 2))
    return w, out, rises


@pytest.mark.slow
def test_suprathreshold_input_gives_rail_to_rail_spikes(session):
    # 1.2 Ic0 in 1 ns spikes at 0.5 GHz: the barrier-free thermal channel needs about
    # ln2 * (tau0 + sqrt(2 Delta) taup) = 11 ns of drive plus the warm-up, ~12 spikes, per
    # output spike; the self-timed reset (~11 ns, inputs gated off) rearms it: 80 ns hold two
    w, out, rises = simulate(session, ipnet_scenario(count=40, stop_s=80e-9))
    assert rises >= 2
    assert out.max() > 0.9 * VDD and out.min() < 0.1 * VDD
    m = w.x("n.x1.nmtj#m")
    assert m.min() < -0.9 and m[0] == pytest.approx(1.0)  # fired by switching to AP, started P


MPR_ID = "@m.x1.mpr[id]"  # drain current of the reset mirror: the reset current from VDD


@pytest.mark.slow
def test_self_timed_spike_and_reset_without_a_clear(session):
    sc = ipnet_scenario(count=50, stop_s=100e-9)
    assert re.search(r"^VCLR clr 0 0$", str(sc.circuit), re.MULTILINE)  # no clear pulse
    w = session.run(
        sc.circuit,
        Transient(sc.step_s, sc.stop_s, max_step_s=sc.max_step_s),
        before_analysis=[f".save all {MPR_ID}"],
    )
    t, out, m = w.time, w.v("out"), w.x("n.x1.nmtj#m")
    thr = measure.logic_threshold_v(VDD)
    spikes = measure.spike_times(t, out, thr)
    widths = measure.spike_widths_s(t, out, thr)
    assert spikes.size >= 2 and widths.size == spikes.size  # several spikes, each one ended
    assert np.all(widths <= 2e-9) and np.all(widths > 20e-12)
    for k in measure.rising_edges(out, thr):  # rail-to-rail within each spike
        assert out[k : k + 200].max() > 0.9 * VDD
    # every firing (P -> AP) is followed by a return to P before the next one, and the
    # output spike comes from the firing, not from a clock
    to_ap = t[measure.falling_edges(m, 0.0)]
    to_p = t[measure.rising_edges(m, 0.0)]
    assert to_ap.size == spikes.size and to_p.size >= spikes.size - 1
    assert np.all(to_p[: to_ap.size - 1] < to_ap[1:]) and np.all(spikes - to_ap < 2e-9)
    # reset current: about Ic0 while the junction is AP, ~0 once it is back in P
    i_reset = np.abs(w.x(MPR_ID))
    ic0 = sc.mtj.ic0
    for t_ap, t_p in zip(to_ap, to_p, strict=False):
        during = (t > t_ap + 1e-9) & (t < t_p - 0.1e-9)
        assert np.median(i_reset[during]) > 0.8 * ic0
        after = (t > t_p + 1e-9) & (t < t_p + 10e-9)
        assert np.max(i_reset[after]) < 1e-3 * ic0
        # the reset ends by itself within a nanosecond of the return to P
        reset_phase = w.v("x1.rst") > thr
        assert not np.any(reset_phase[after])


@pytest.mark.slow
def test_clocked_operation_still_works(session):
    _, out, rises = simulate(
        session, ipnet_scenario(count=50, stop_s=100e-9, clear_period_s=IPNET_CLEAR_PERIOD_S)
    )
    assert rises >= 2 and out.max() > 0.9 * VDD


def test_subthreshold_input_stays_silent(session):
    sub = 0.6 * IpnetParams().mtj().ic0  # synapse current 0.6 Ic0
    _, out, rises = simulate(session, ipnet_scenario(count=30, stop_s=60e-9, input_current_a=sub))
    assert rises == 0 and out.max() < 0.1 * VDD


@pytest.mark.slow
def test_output_rate_rises_with_input_rate(session):
    counts = []
    for rate in (0.05e9, 0.1e9, 0.5e9):
        n = int(rate * 115e-9)
        _, _, rises = simulate(session, ipnet_scenario(rate_hz=rate, count=n, stop_s=120e-9))
        counts.append(rises)
    assert counts[0] < counts[-1] and counts == sorted(counts)


def test_netlist_is_capacitor_free():
    text = str(ipnet_scenario().circuit)
    assert not re.search(r"^\s*C\w*\s", text, re.MULTILINE | re.IGNORECASE)
    assert "mtj_ipnet" in text and "NMTJ" in text


@pytest.mark.parametrize(
    "change, match",
    [
        ({"switch": Size(-100e-9, 30e-9)}, "switch"),
        ({"input_weights": (1.0, 2.0)}, "input_weights"),
        ({"input_weights": (0.0,)}, "input_weights"),
        ({"unit_current_a": -1e-6}, "unit_current_a"),
        ({"bias_tc_per_k": float("nan")}, "bias_tc_per_k"),
        ({"reset": Size(50e-9, 30e-9)}, "reset"),
        ({"vdd_v": -0.9}, "vdd_v"),
        ({"n_inputs": 0}, "n_inputs"),
    ],
)
def test_bad_parameters_raise_before_simulation(change, match):
    with pytest.raises(ValueError, match=match):
        IpnetParams(**change)


def test_missing_device_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothere.toml"):
        IpnetParams(device_file=tmp_path / "nothere.toml")


def test_input_count_must_match():
    p = IpnetParams(n_inputs=2)
    with pytest.raises(ValueError, match="n_inputs=2"):
        build_ipnet_testbench(p, [regular(1e9, 2, 0.6, 0.5e-9)], ipnet_clear_train(10e-9))


@pytest.mark.slow
def test_conditioned_neuron_answers_a_probe_a_rested_one_ignores():
    from pyspice_flows.experiments.plasticity import probe_response

    # latencies under a long probe, then a probe that ends between the two
    rested_long = probe_response(0.1e-9, conditioned=False)
    cond_long = probe_response(0.1e-9, conditioned=True)
    assert cond_long["latency_s"] < rested_long["latency_s"]
    width = 0.5 * (cond_long["latency_s"] + rested_long["latency_s"])
    rested = probe_response(0.1e-9, conditioned=False, probe_width_s=width)
    conditioned = probe_response(0.1e-9, conditioned=True, probe_width_s=width)
    assert np.isnan(rested["latency_s"])
    assert conditioned["latency_s"] < width
    assert conditioned["rise_at_probe_K"] > 1.0 > rested["rise_at_probe_K"]


@pytest.mark.slow
def test_plasticity_decays_with_the_thermal_time_constant():
    from pyspice_flows.experiments.plasticity import plasticity_curve

    curve = plasticity_curve()
    assert np.all(np.diff(curve.latency_s) > 0)  # the later the probe, the slower the answer
    assert np.all(curve.latency_s < curve.rested_latency_s)
    assert curve.tau_fit_s == pytest.approx(curve.tau_th_s, rel=0.20)


@pytest.mark.slow
def test_plasticity_vanishes_without_the_heat_memory():
    from pyspice_flows.experiments.plasticity import heat_ablation

    p = IpnetParams()
    mtj = p.mtj()
    abl = heat_ablation(p)
    assert abl.plasticity_normal_s > 0
    short, cold = abl.by_ablation["short_heat_memory"], abl.by_ablation["no_temperature_rise"]
    # the controls remove the memory, not the rest: same steady rise, or same time constant
    assert short["rth"] == pytest.approx(mtj.rth) and short["tau_th_s"] == pytest.approx(
        mtj.tau_th_s / 100
    )
    assert cold["tau_th_s"] == pytest.approx(mtj.tau_th_s) and cold["max_rise_K"] < 0.1
    assert abl.normal["max_rise_K"] > 1.0
    for a in (short, cold):
        assert abs(a["advantage_s"]) < 0.1 * abl.plasticity_normal_s
    assert abl.ratio < 0.1
    assert abl.ratio == pytest.approx(abl.plasticity_no_heat_s / abl.plasticity_normal_s)


# The operating window at the corners a designer signs off: the same input levels
# (synapse currents set by the shared, temperature-tracking bias generator) fire the neuron
# and leave it silent at the cold/low-supply and the hot/high-supply corners.
_0C, _85C = ZERO_CELSIUS_K, ZERO_CELSIUS_K + 85.0
CORNERS = [(_0C, 0.81), (_85C, 0.99), (_85C, 0.81), (_0C, 0.99)]
"""(ambient [K], supply [V]): 0 and 85 C at the supply's -10 % and +10 %."""


@pytest.mark.parametrize("temp_k, vdd", CORNERS)
@pytest.mark.slow
def test_window_holds_at_the_corners(session, temp_k, vdd):
    from circuits.ipnet_neuron import UNIT_CURRENT_IC0

    p = IpnetParams(vdd_v=vdd, vwr_v=vdd)
    ic0 = p.mtj().ic0
    thr = measure.logic_threshold_v(vdd)
    counts = {}
    for ratio in (0.6, UNIT_CURRENT_IC0):
        sc = ipnet_scenario(p, count=40, stop_s=80e-9, input_current_a=ratio * ic0)
        w = session.run(
            sc.circuit,
            Transient(sc.step_s, sc.stop_s, max_step_s=sc.max_step_s),
            temperature_k=temp_k,
        )
        out = w.v("out")
        counts[ratio] = measure.count_spikes(w.time, out, thr)
        widths = measure.spike_widths_s(w.time, out, thr)
        assert np.all(widths <= 2e-9)
        if counts[ratio]:
            m = w.x("n.x1.nmtj#m")  # each spike is a switching, and the junction resets
            assert measure.falling_edges(m, 0.0).size == counts[ratio]
    assert counts[0.6] == 0  # subthreshold: silent
    assert counts[UNIT_CURRENT_IC0] >= 2  # suprathreshold: fires, resets, fires again


def test_bias_tracks_the_junction_critical_current():
    # the reference's two-point trim reproduces Ic0(T) of the device within 0.5 % over the
    # commercial range: Ic0(T) = Ic0 (Ms(T)/Ms(tnom))^kexp, Ms ~ 1 - (T/tc)^1.5 (Bloch)
    p = IpnetParams()
    b, mtj = p.bias(), p.mtj()

    def ic0_at(temp_k):
        ms = (1 - (temp_k / mtj.tc) ** 1.5) / (1 - (mtj.tnom / mtj.tc) ** 1.5)
        return mtj.ic0 * ms**mtj.kexp

    for temp_k in (273.15, 300.15, 330.0, 358.15):
        ratio = b.at(b.unit_current_a, temp_k) / ic0_at(temp_k)
        assert ratio == pytest.approx(b.unit_current_a / mtj.ic0, rel=5e-3)


def test_fingers_follow_the_device_role_not_the_size_object():
    # the generator-replicated devices are drawn as fingers; a size object shared with an
    # unreplicated device (here the header MPA and the footer MFT) must not carry them over
    shared = Size(600e-9, 30e-9)
    text = str(
        build_ipnet_testbench(
            IpnetParams(write=shared, footer=shared), [regular(1e9, 1, 0.9, 0.5e-9)]
        )
    )
    lines = {ln.split()[0]: ln for ln in text.splitlines() if ln.startswith("M")}
    assert "nf=" in lines["MFT"] and "nf=" not in lines["MPA"]
