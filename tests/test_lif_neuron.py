"""The capacitor-based LIF baseline neuron (circuits/lif_neuron.py), simulated in ngspice.

What is asserted, and why those numbers
---------------------------------------
* Spikes are counted as upward crossings of VDD/2 on ``v(out)``; "rail to rail" means every
  spike peaks above 0.9 VDD and the output rests below 0.1 VDD.
* Input spikes are 1 ns wide and rail to rail.  With the default weight bias each adds
  ~50 mV to the membrane, the leak removes ~0.28 V/us, the threshold is ~0.6 V and the
  reset level ~0.15 V: 50 MHz input fires every ~0.2 us, 2 MHz input never gets above
  ~60 mV, and a 0.3 V input spike leaves the synapse switch in weak inversion.
* The threshold bias must move the threshold the right way: more starving current
  (higher ``v_thr_bias_v``) lets the threshold inverter switch at a lower v(mem); the
  measured thresholds are ~0.76 V at 0.20 V bias and ~0.54 V at 0.30 V.
* The leak time constant from the simulated decay (slope of v(mem) between 0.40 and
  0.50 V after a charging burst) must agree with the analytic estimate within 20 %
  (measured: ~2 %).  The analytic subthreshold fit itself is checked against the card
  at the leak transistor's own bias within 6 % (its fitting error was 5.4 % at worst).
* Every transient uses a 0.5 ns step limit; the testbench carries the tolerances
  (lif_neuron.SIM_OPTIONS) that make that step limit converged.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from circuits.lif_neuron import (
    CAP_TYPES,
    CMOS28_NMOS_SUBTHRESHOLD,
    LifParams,
    build_lif_testbench,
    leak_current_estimate_a,
    leak_time_constant_estimate_s,
)
from circuits.stimulus import SpikeTrain, regular
from pyspice_flows.measure import falling_edges, logic_threshold_v, rising_edges
from pyspice_flows.sim.session import OperatingPoint, Session, Transient

P = LifParams()
VDD = P.vdd_v
SPIKE_WIDTH_S = 1e-9
START_S = 10e-9
MAX_STEP_S = 0.5e-9


def train(rate_hz: float, duration_s: float, amplitude_v: float = VDD) -> SpikeTrain:
    return regular(rate_hz, int(rate_hz * duration_s), amplitude_v, SPIKE_WIDTH_S, START_S)


def simulate(session, params: LifParams, inputs: list[SpikeTrain], stop_s: float):
    return session.run(
        build_lif_testbench(params, inputs),
        Transient(step_s=MAX_STEP_S, stop_s=stop_s, max_step_s=MAX_STEP_S),
    )


def spikes(w, vdd: float = VDD) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the upward and downward VDD/2 crossings of v(out)."""
    out, half = w.v("out"), logic_threshold_v(vdd)
    return rising_edges(out, half), falling_edges(out, half)


# ------------------------------------------------------------------------- behaviour
def test_suprathreshold_input_gives_rail_to_rail_spikes(session):
    w = simulate(session, P, [train(50e6, 1.5e-6)], 1.6e-6)
    out, mem = w.v("out"), w.v("x1.mem")
    up, down = spikes(w)
    assert len(up) >= 4, f"only {len(up)} output spikes for 50 MHz input"
    assert out.min() < 0.1 * VDD and out.max() > 0.9 * VDD
    assert len(down) == len(up), "an output spike did not end"
    for k, (i0, i1) in enumerate(zip(up, down)):
        assert out[i0 : i1 + 1].max() > 0.9 * VDD, f"spike {k} is not rail to rail"
        # the reset pulled the membrane well below the firing threshold
        assert mem[i1 : i1 + 200].min() < 0.3, f"membrane not reset after spike {k}"
    # between spikes the output rests at ground
    quiet = np.ones_like(out, dtype=bool)
    for i0, i1 in zip(up, down):
        quiet[max(i0 - 20, 0) : i1 + 20] = False
    assert np.all(out[quiet] < 0.1 * VDD)


@pytest.mark.parametrize(
    "label, inputs, stop_s",
    [
        ("low rate: 2 MHz, leak wins", [train(2e6, 3e-6)], 3.1e-6),
        ("low amplitude: 0.3 V at 50 MHz", [train(50e6, 1.5e-6, amplitude_v=0.3)], 1.6e-6),
    ],
)
def test_subthreshold_input_gives_no_spike(session, label, inputs, stop_s):
    w = simulate(session, P, inputs, stop_s)
    up, _ = spikes(w)
    assert len(up) == 0, f"{label}: {len(up)} spikes"
    assert w.v("out").max() < 0.1 * VDD
    assert w.v("x1.mem").max() < 0.3, f"{label}: membrane reached {w.v('x1.mem').max():.3f} V"


@pytest.mark.slow
def test_output_rate_rises_with_input_rate(session):
    counts = []
    for rate in (10e6, 20e6, 40e6):
        up, _ = spikes(simulate(session, P, [train(rate, 3e-6)], 3e-6))
        counts.append(len(up))
    assert counts[0] >= 1, counts
    assert counts[0] < counts[1] < counts[2], f"spike counts {counts} for 10/20/40 MHz input"


@pytest.mark.slow
def test_two_inputs_add_like_one_input_at_the_summed_rate(session):
    """Two interleaved 20 MHz trains on in1/in2 fire like one 40 MHz train on in1."""
    duration = 3e-6
    a = train(20e6, duration)
    b = a.shifted(25e-9)
    up2, _ = spikes(simulate(session, LifParams(n_inputs=2), [a, b], duration))
    up1, _ = spikes(simulate(session, P, [train(40e6, duration)], duration))
    assert len(up1) >= 5
    assert abs(len(up2) - len(up1)) <= 1, f"2 inputs: {len(up2)} spikes, 1 input: {len(up1)}"


def test_threshold_bias_sets_the_firing_threshold(session):
    """More starving current (higher v_thr_bias_v) lets n1 fall at a lower v(mem)."""
    thresholds = []
    for bias in (0.20, 0.30):
        w = simulate(session, LifParams(v_thr_bias_v=bias), [train(50e6, 1.0e-6)], 1.0e-6)
        up, _ = spikes(w)
        assert len(up) >= 1, f"v_thr_bias_v={bias} V: no spike"
        thresholds.append(w.v("x1.mem")[: up[0]].max())
    high, low = thresholds
    assert high > low + 0.1, f"V_H = {high:.3f} V at 0.20 V bias, {low:.3f} V at 0.30 V bias"
    assert 0.45 < low < high < 0.85


# ------------------------------------------------------------------------- leak
def _leak_tau_from_simulation(session, params: LifParams) -> float:
    """Charge the membrane to ~0.5 V with 11 input spikes, then fit its leak ramp."""
    burst = regular(50e6, 11, VDD, SPIKE_WIDTH_S, START_S)
    w = session.run(
        build_lif_testbench(params, [burst]),
        Transient(step_s=1e-9, stop_s=2.5e-6, max_step_s=5e-9),
    )
    t, mem = w.time, w.v("x1.mem")
    assert spikes(w, params.vdd_v)[0].size == 0, "the charging burst made the neuron fire"
    window = (t > burst.end_s() + 10e-9) & (mem > 0.40) & (mem < 0.50)
    assert window.sum() >= 10, f"membrane peaked at {mem.max():.3f} V, below the fit window"
    slope_v_per_s, _ = np.polyfit(t[window], mem[window], 1)
    assert slope_v_per_s < 0
    # same definition as the estimate: time to leak VDD/2 at the slope around VDD/2
    return (params.vdd_v / 2) / -slope_v_per_s


@pytest.mark.parametrize("v_leak_v", [0.20, 0.25])
def test_leak_time_constant_matches_analytic_estimate(session, v_leak_v):
    params = LifParams(v_leak_v=v_leak_v)
    tau_sim = _leak_tau_from_simulation(session, params)
    tau_est = leak_time_constant_estimate_s(params)
    assert tau_sim == pytest.approx(tau_est, rel=0.20), (
        f"v_leak={v_leak_v} V: tau from simulation {tau_sim * 1e6:.3f} us, "
        f"estimate {tau_est * 1e6:.3f} us"
    )


def test_leak_time_constant_scales_with_capacitance():
    base = leak_time_constant_estimate_s(P)
    assert leak_time_constant_estimate_s(LifParams(c_mem_f=2 * P.c_mem_f)) == pytest.approx(
        2 * base
    )
    # one subthreshold swing (n U_T ln 10) less gate voltage: ten times slower leak
    swing = CMOS28_NMOS_SUBTHRESHOLD.n * CMOS28_NMOS_SUBTHRESHOLD.thermal_voltage_v * np.log(10)
    slower = leak_time_constant_estimate_s(LifParams(v_leak_v=P.v_leak_v - swing))
    assert slower == pytest.approx(10 * base, rel=1e-6)


def test_subthreshold_fit_matches_the_card_at_the_leak_bias(session):
    """The analytic leak current vs ngspice's BSIM4 for the same device and bias."""
    v_ds = VDD / 2
    text = "\n".join(
        [
            "leak transistor at its bias",
            P.tech.include_line(),
            f"vd d 0 {v_ds:.6g}",
            f"vg g 0 {P.v_leak_v:.6g}",
            f"mleak d g 0 0 {P.tech.nmos_model} W={P.w_leak_m:.6g} L={P.l_leak_m:.6g}",
        ]
    )
    i_card = -session.run(text, OperatingPoint()).i("vd")[0]
    assert leak_current_estimate_a(P) == pytest.approx(i_card, rel=0.06)


def test_leak_estimate_refuses_a_bias_outside_its_fit():
    with pytest.raises(ValueError, match="V_GS"):
        leak_time_constant_estimate_s(LifParams(v_leak_v=0.45))
    with pytest.raises(ValueError, match="L >="):
        leak_time_constant_estimate_s(LifParams(l_leak_m=60e-9))


# ------------------------------------------------------------------------- parameters
@pytest.mark.parametrize(
    "change, match",
    [
        ({"w_leak_m": -100e-9}, r"w_leak_m.*not a finite positive length"),
        ({"l_reset_m": 0.0}, r"l_reset_m.*not a finite positive length"),
        ({"w_reset_m": 50e-9}, r"w_reset_m.*below the minimum 1e-07 m"),
        ({"l_thr_n_m": 20e-9}, r"l_thr_n_m.*below the minimum 3e-08 m"),
        ({"c_type": "poly"}, r"c_type='poly'.*allowed: 'mim', 'mom', 'mos'"),
        ({"c_mem_f": 0.0}, r"c_mem_f=0\.0 F.*> 0"),
        ({"c_mem_f": -25e-15}, r"c_mem_f=-2\.5e-14 F.*> 0"),
        ({"vdd_v": 0.0}, r"vdd_v"),
        ({"v_leak_v": 1.0}, r"v_leak_v=1\.0 V"),
        ({"v_thr_bias_v": -0.1}, r"v_thr_bias_v=-0\.1 V"),
        ({"n_inputs": 0}, r"n_inputs=0"),
    ],
)
def test_bad_parameters_raise_before_simulation(monkeypatch, change, match):
    def no_simulation(*args, **kwargs):
        raise AssertionError("a simulation was started with bad parameters")

    monkeypatch.setattr(Session, "run", no_simulation)
    with pytest.raises(ValueError, match=match):
        build_lif_testbench(LifParams(**change), [train(50e6, 0.1e-6)])


def test_input_count_must_match_n_inputs():
    with pytest.raises(ValueError, match="n_inputs=2"):
        build_lif_testbench(LifParams(n_inputs=2), [train(50e6, 0.1e-6)])


# ------------------------------------------------------------------------- netlist
def test_netlist_is_complete_and_readable():
    text = str(build_lif_testbench(P, [train(50e6, 0.1e-6)]))
    for needle in ("cap_mim", ".include", "VDD", "VIN1", ".subckt lif_neuron", "X1 "):
        assert needle in text, needle
    assert re.search(r"^\.include \S+cmos28\.lib$", text, re.MULTILINE)
    assert re.search(r"^Xcmem mem 0 cap_mim c=2\.5e-14$", text, re.MULTILINE)
    assert re.search(r"^\.subckt cap_mim a b c=1e-15$", text, re.MULTILINE)
    assert re.search(r"^X1 in1 out vdd vlk vthb vw lif_neuron$", text, re.MULTILINE)
    assert re.search(r"^VIN1 in1 0 PWL\(", text, re.MULTILINE)
    assert not re.search(r"^\.(tran|op|dc|ac)\b", text, re.MULTILINE | re.IGNORECASE)
    assert text.startswith(".title ") and "* LIF neuron" in text
    # the only bare capacitor is the one inside the cap_<type> definition
    bare = [ln for ln in text.splitlines() if re.match(r"C\w*\s", ln, re.IGNORECASE)]
    assert bare == ["C1 a b {c}"]
    # 10 neuron transistors + 2 per input, each with W and L
    mos = [ln for ln in text.splitlines() if ln.startswith("M")]
    assert len(mos) == 12 and all(" w=" in ln and " l=" in ln for ln in mos)


@pytest.mark.parametrize("c_type", CAP_TYPES)
def test_capacitor_type_travels_in_the_netlist(c_type):
    text = str(build_lif_testbench(LifParams(c_type=c_type), [train(50e6, 0.1e-6)]))
    assert f"Xcmem mem 0 cap_{c_type} c=" in text
    assert f".subckt cap_{c_type} a b" in text
    others = [t for t in CAP_TYPES if t != c_type]
    assert not any(f"cap_{t}" in text for t in others)
