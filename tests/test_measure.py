"""Waveform measurements (pyspice_flows.measure) against analytic answers: ngspice runs and
synthetic waveforms."""

import numpy as np
import pytest

from pyspice_flows.measure import (
    EnergyReport,
    capacitor_energy_j,
    conservation_error,
    count_spikes,
    energy_breakdown,
    energy_by_source,
    energy_per_spike_j,
    falling_edges,
    group_by_role,
    integrate,
    logic_threshold_v,
    mtj_joule_heat_j,
    rising_edges,
    source_energy_j,
    spike_times,
    total_source_power_w,
    window_average_power_w,
)
from pyspice_flows.sim.session import Transient, Waveforms


# ----------------------------------------------------------------------------- ngspice
def test_resistor_across_dc_source_is_v2_over_r_times_t(session):
    v, r, stop = 1.0, 1e3, 1e-6
    w = session.run("t\nV1 a 0 1\nR1 a 0 1k\n", Transient(1e-9, stop))
    assert w.time[-1] == pytest.approx(stop)
    assert source_energy_j(w, "V1", "a") == pytest.approx(v**2 / r * stop, rel=1e-3)
    # same with a constant voltage instead of the node, and "gnd" for ground
    assert source_energy_j(w, "V1", 1.0, "gnd") == pytest.approx(v**2 / r * stop, rel=1e-3)
    # reversed nodes: the source delivers minus that
    assert source_energy_j(w, "V1", "0", "a") == pytest.approx(-(v**2) / r * stop, rel=1e-3)


def test_rc_step_delivers_cv2_half_stored_half_dissipated(session):
    v, r, c = 1.0, 1e3, 1e-12
    tau = r * c
    netlist = f"rc\nV1 a 0 PULSE(0 {v} 0 1p 1p 1 2)\nR1 a b {r}\nC1 b 0 {c}\n"
    w = session.run(netlist, Transient(tau / 100, 20 * tau, max_step_s=tau / 200))
    delivered = source_energy_j(w, "V1", "a")
    assert delivered == pytest.approx(c * v**2, rel=0.01)
    i_r = (w.v("a") - w.v("b")) / r
    dissipated = integrate(w.time, i_r**2 * r)
    stored = capacitor_energy_j(c, w.v("b")[-1]) - capacitor_energy_j(c, w.v("b")[0])
    assert dissipated == pytest.approx(0.5 * c * v**2, rel=0.01)
    assert stored == pytest.approx(0.5 * c * v**2, rel=0.01)
    assert conservation_error(delivered, dissipated, stored) < 0.01

    report = EnergyReport.build(
        {"v1": delivered}, {"v1": "write"}, stored_j=stored, dissipated_j=dissipated
    )
    assert report.cmos_j == pytest.approx(dissipated, rel=0.01)
    assert report.conservation_error < 0.01
    assert report.per_spike_j is None


def test_thermal_resistor_heat_equals_electrical_energy(session):
    r, rth, cth, v = 1e3, 1e5, 1e-14, 0.5
    tau = rth * cth
    width, edge = 1e-9, 10e-12
    netlist = (
        "thermal pulse\n"
        f"V1 p 0 PULSE(0 {v} 0.1n {edge} {edge} {width} 10n)\n"
        "N1 p 0 t tr\n"
        f".model tr thermal_resistor r={r} rth={rth} cth={cth}\n"
    )
    w = session.run(netlist, Transient(1e-12, 4e-9, max_step_s=tau / 200))
    electrical = source_energy_j(w, "V1", "p")
    # V^2/R over the flat top plus V^2/R * edge/3 for each linear edge
    assert electrical == pytest.approx(v**2 / r * (width + 2 * edge / 3), rel=0.01)
    heat = mtj_joule_heat_j(w.time, w.v("t"), rth, cth)
    assert heat == pytest.approx(electrical, rel=0.01)
    # mid-pulse the junction still holds heat: the cth term is needed then
    mid = w.time <= 0.6e-9
    heat_mid = mtj_joule_heat_j(w.time[mid], w.v("t")[mid], rth, cth)
    assert heat_mid == pytest.approx(source_energy_j(w, "V1", "p", t1=w.time[mid][-1]), rel=0.01)
    assert cth * w.v("t")[mid][-1] > 0.3 * heat_mid


# ----------------------------------------------------------------------------- synthetic
def fake_waveforms(t, **vectors) -> Waveforms:
    return Waveforms("tran", {"time": np.asarray(t, float), **vectors})


def test_integrate_known_answers():
    t = np.linspace(0, 2, 2001)
    assert integrate(t, 3 * np.ones_like(t)) == pytest.approx(6.0)
    assert integrate(t, t) == pytest.approx(2.0)
    # window with interpolated ends
    assert integrate(t, t, 0.5, 1.5) == pytest.approx(1.0)
    # repeated time points (ngspice breakpoints) add nothing
    assert integrate([0, 1, 1, 2], [1, 1, 5, 5]) == pytest.approx(6.0)
    assert integrate([0.0], [4.0]) == 0.0


@pytest.mark.parametrize(
    ("t", "y", "match"),
    [
        ([0, 2, 1], [0, 0, 0], "non-decreasing"),
        ([0, 1, 2], [0, 0], "same length"),
        ([], [], "empty"),
        ([0, np.nan], [0, 0], "non-finite"),
        ([[0, 1]], [[0, 1]], "1-D"),
    ],
)
def test_integrate_rejects_bad_input(t, y, match):
    with pytest.raises(ValueError, match=match):
        integrate(t, y)


def test_window_outside_run_is_an_error():
    with pytest.raises(ValueError, match="outside"):
        integrate([0, 1], [1, 1], 0.5, 2)
    with pytest.raises(ValueError, match="t0 < t1"):
        window_average_power_w([0, 1], [1, 1], 0.6, 0.5)


def test_breakdown_by_source_and_role():
    t = np.linspace(0, 1e-6, 101)
    w = fake_waveforms(
        t,
        **{
            "v(vdd)": np.full_like(t, 0.9),
            "vdd#branch": np.full_like(t, -1e-6),  # delivers 0.9 uW
            "vclk#branch": np.full_like(t, -2e-6),  # 0.9 V constant: 1.8 uW
            "vin#branch": np.full_like(t, -1e-6),
            "v(in)": np.full_like(t, 0.5),
            "v(ref)": np.full_like(t, 0.2),  # vin between in and ref: 0.3 uW
        },
    )
    sources = {
        "vdd": ("vdd", "0", "logic"),
        "vclk": (0.9, "0", "clock"),
        "vin": ("in", "ref", "input"),
    }
    by_source = energy_by_source(w, sources)
    assert by_source["vdd"] == pytest.approx(0.9e-12)
    assert by_source["vclk"] == pytest.approx(1.8e-12)
    assert by_source["vin"] == pytest.approx(0.3e-12)
    by_role = energy_breakdown(w, sources)
    assert list(by_role) == ["input", "logic", "clock"]
    assert by_role == pytest.approx({"input": 0.3e-12, "logic": 0.9e-12, "clock": 1.8e-12})
    p = total_source_power_w(w, sources)
    assert window_average_power_w(t, p, 0.2e-6, 0.4e-6) == pytest.approx(3.0e-6)
    # windowed energy
    assert source_energy_j(w, "vdd", "vdd", t0=0, t1=0.5e-6) == pytest.approx(0.45e-12)

    with pytest.raises(ValueError, match="no role"):
        group_by_role({"vx": 1.0}, {"vdd": "logic"})
    with pytest.raises(ValueError, match="pos_node, neg_node, role"):
        energy_by_source(w, {"vdd": ("vdd", "logic")})
    with pytest.raises(KeyError, match="nope#branch"):
        source_energy_j(w, "nope", "vdd")
    with pytest.raises(TypeError, match="node"):
        source_energy_j(w, "vdd", None)


def test_mtj_heat_of_analytic_first_order_response():
    # P = P0 for 0 <= t: T = P0 rth (1 - exp(-t/tau)), heat = P0 * t_end
    p0, rth, cth = 2e-4, 1e5, 1e-14
    tau = rth * cth
    t = np.linspace(0, 3 * tau, 30001)
    rise = p0 * rth * (1 - np.exp(-t / tau))
    assert mtj_joule_heat_j(t, rise, rth, cth) == pytest.approx(p0 * t[-1], rel=1e-6)
    with pytest.raises(ValueError, match="rth_k_per_w"):
        mtj_joule_heat_j(t, rise, 0.0, cth)
    with pytest.raises(ValueError, match="cth_j_per_k"):
        mtj_joule_heat_j(t, rise, rth, -1.0)
    with pytest.raises(ValueError, match="same length"):
        mtj_joule_heat_j(t, rise[:-1], rth, cth)


def spike_train(period=10e-9, n=5, dt=10e-12, ring=False):
    """A 0..1 V train of n triangular spikes (1 ns up, 1 ns down) with 1 ns delay."""
    t = np.arange(0, n * period + period, dt)
    phase = (t - 1e-9) % period
    v = np.where(phase < 1e-9, phase / 1e-9, np.where(phase < 2e-9, 2 - phase / 1e-9, 0.0))
    v[(t < 1e-9) | (t >= 1e-9 + n * period)] = 0.0
    if ring:  # a dip and recovery just after each peak, around a 0.5 V threshold
        v = v + np.where((phase > 1.45e-9) & (phase < 1.55e-9), -0.1, 0.0)
        v = v + np.where((phase > 1.55e-9) & (phase < 1.6e-9), 0.2, 0.0)
    return t, v


def test_count_spikes_on_synthetic_train():
    t, v = spike_train()
    assert count_spikes(t, v, 0.5) == 5
    times = spike_times(t, v, 0.5)
    expected = 1e-9 + 0.5e-9 + 10e-9 * np.arange(5)
    assert np.allclose(times, expected, atol=1e-13)
    assert count_spikes(t, v, 1.5) == 0
    # starting above threshold is not a spike
    assert count_spikes([0, 1, 2], [1.0, 1.0, 0.0], 0.5) == 0
    # a dead time longer than the period keeps every other spike
    assert count_spikes(t, v, 0.5, min_separation_s=15e-9) == 3


def test_hysteresis_and_dead_time_reject_ringing():
    t, v = spike_train(ring=True)
    # the dip to ~0.35 V and the bump back over 0.5 V add one crossing per spike
    assert count_spikes(t, v, 0.5) == 10
    assert count_spikes(t, v, 0.5, hysteresis_v=0.3) == 5
    assert count_spikes(t, v, 0.5, min_separation_s=2e-9) == 5
    assert np.allclose(spike_times(t, v, 0.5, hysteresis_v=0.3)[0], 1.5e-9, atol=1e-13)
    with pytest.raises(ValueError, match="hysteresis_v"):
        count_spikes(t, v, 0.5, hysteresis_v=-0.1)
    with pytest.raises(ValueError, match="min_separation_s"):
        count_spikes(t, v, 0.5, min_separation_s=-1)


def test_rising_and_falling_edges_are_the_one_definition():
    v = np.array([0.0, 0.2, 0.45, 0.9, 0.9, 0.3, 0.0, 0.5, 0.1])
    # v[k-1] < thr <= v[k]: a sample exactly at the threshold belongs to the high side
    assert rising_edges(v, 0.45).tolist() == [2, 7]
    assert falling_edges(v, 0.45).tolist() == [5, 8]
    assert rising_edges([0.9, 0.9, 0.0], 0.45).size == 0  # starting high is no edge
    # spike_times and count_spikes are built on rising_edges
    t = np.arange(v.size) * 1e-9
    assert count_spikes(t, v, 0.45) == rising_edges(v, 0.45).size
    assert spike_times(t, v, 0.45)[0] == pytest.approx(2e-9)
    assert logic_threshold_v(0.9) == pytest.approx(0.45)
    with pytest.raises(ValueError, match="vdd_v"):
        logic_threshold_v(0.0)
    with pytest.raises(ValueError, match="threshold_v"):
        rising_edges(v, float("nan"))
    with pytest.raises(ValueError, match="nan values"):
        rising_edges([0.0, float("nan")], 0.5)


def test_energy_per_spike_and_zero_spike_error():
    assert energy_per_spike_j(1e-12, 4) == pytest.approx(0.25e-12)
    with pytest.raises(ValueError, match=r"n_spikes of neuron 'ipnet' is 0"):
        energy_per_spike_j(1e-12, 0, neuron="ipnet")
    with pytest.raises(ValueError, match="integer"):
        energy_per_spike_j(1e-12, 1.5)
    with pytest.raises(ValueError, match=">= 0"):
        energy_per_spike_j(1e-12, -1)


def test_conservation_error_and_report_dict():
    assert conservation_error(10.0, 6.0, 3.0) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="delivered_j is 0"):
        conservation_error(0.0, 1.0, 0.0)
    report = EnergyReport.build(
        {"vdd": 3e-15, "vw": 1e-15},
        {"vdd": "logic", "vw": "write"},
        mtj_heat_j=0.8e-15,
        stored_j=0.2e-15,
        static_w=1e-9,
        spikes=2,
        dissipated_j=3.8e-15,
        neuron="ipnet",
    )
    assert report.total_j == pytest.approx(4e-15)
    assert report.cmos_j == pytest.approx(3e-15)  # no duration given: no leakage counted
    assert report.per_spike_j == pytest.approx(2e-15)
    assert report.conservation_error == pytest.approx(0.0, abs=1e-12)
    d = report.to_dict()
    assert d["by_role_j"] == {"write": 1e-15, "logic": 3e-15}
    assert set(d) >= {
        "total_j", "by_source_j", "by_role_j", "mtj_heat_j", "cmos_j", "stored_j",
        "static_w", "spikes", "per_spike_j", "conservation_error",
    }  # fmt: skip
    with pytest.raises(AttributeError):
        report.total_j = 0.0


def test_spike_widths_of_trapezoids():
    from pyspice_flows.measure import spike_widths_s

    # two trapezoids 0 -> 1 V (0.1 ns edges, 0.3 and 1.0 ns flat tops) and one left high
    t = np.array([0, 1, 1.1, 1.4, 1.5, 3, 3.1, 4.1, 4.2, 6, 6.1, 7]) * 1e-9
    v = np.array([0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1.0])
    # full width at 0.5 V: flat top + half of each edge
    assert spike_widths_s(t, v, 0.5) == pytest.approx([0.4e-9, 1.1e-9], rel=1e-9)
    assert spike_widths_s(t, np.zeros_like(t), 0.5).size == 0


def test_the_energy_account_parts_sum_to_the_total_in_both_views():
    """One account, two views: by what the energy does (input drive, MTJ heat, leakage over
    the run, stored change, the CMOS rest) and by the path it takes (input, named paths,
    leakage, the rest); both sum to the delivered total, per spike too."""
    report = EnergyReport.build(
        {"vin": 0.5e-15, "vdd": 3e-15, "vw": 1e-15},
        {"vin": "input", "vdd": "logic", "vw": "write"},
        mtj_heat_j=0.8e-15,
        stored_j=0.2e-15,
        static_w=1e-9,
        duration_s=100e-9,
        spikes=2,
    )
    parts = report.breakdown_j()
    assert report.static_j == pytest.approx(1e-16)
    assert parts["input_drive"] == pytest.approx(0.5e-15)
    assert parts["cmos_switching_and_resistive"] == pytest.approx(4.5e-15 - 0.5e-15 - 1.1e-15)
    assert sum(parts.values()) == pytest.approx(report.total_j)
    paths = report.paths_j(write=None, reset=0.7e-15)
    assert paths["write"] == pytest.approx(1e-15) and paths["reset"] == pytest.approx(0.7e-15)
    assert sum(paths.values()) == pytest.approx(report.total_j)
    per = report.per_spike(paths)
    assert sum(per.values()) == pytest.approx(report.per_spike_j)
    assert EnergyReport.build({"v": 1.0}, {"v": "logic"}).per_spike(parts) is None
    with pytest.raises(ValueError, match="duration_s"):
        EnergyReport.build({"v": 1.0}, {"v": "logic"}, duration_s=-1.0)
