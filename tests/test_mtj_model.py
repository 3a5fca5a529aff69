"""The Verilog-A MTJ model (version 2) against its physics references.

References are independent of the simulation: the textbook limits (Neel-Brown, Sun,
the first-order thermal network, Julliere) and the model's switching law written in
numpy (circuits.mtj_analytic).  Tolerances: thermal step 1 %, R(V) 1 %, Neel-Brown
15 % below 0.8 Ic0 (0.5-0.75) and Sun 15 % from 2 Ic0 up (both at the model's statistic, the median),
the law itself 3 %, energy conservation 0.5 %.
"""

import math

import numpy as np
import pytest

from circuits import mtj_analytic as ref
from circuits import mtj_bsource as bs
from circuits import mtj_model_spec as spec
from circuits import mtj_testbenches as tb
from circuits.mtj_device import DEFAULT_DEVICE, MtjParams, load_device, parameter_names
from pyspice_flows.experiments import mtj_characterization as mc
from pyspice_flows.sim.session import OperatingPoint, SimulationError, Transient

AMB = mc.AMBIENT_K
TEMPS_K = (250.0, 300.0, 358.0, 400.0)
RATIOS = np.array([0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 0.95, 1.0, 1.05, 1.2, 1.5, 2.0, 3.0, 5.0])
METHODS = {"trapezoidal": None, "gear": {"method": "gear"}}


@pytest.fixture(scope="module")
def dev() -> MtjParams:
    return load_device(DEFAULT_DEVICE).params


@pytest.fixture(scope="module")
def iso(dev) -> MtjParams:
    """The device with negligible self-heating (rth = 1 K/W), to test switching in isolation."""
    return dev.with_(rth=1.0, cth=dev.tau_th_s)


def _delay(p, current_a, ambient_k=AMB, state0=1, t_max=None):
    return mc.switching_time(p, current_a, state0=state0, ambient_k=ambient_k, t_max=t_max)


@pytest.fixture(scope="module")
def delays(iso):
    """Simulated delay at I = ratio * Ic0(T) for every temperature: {T: array}."""
    out = {}
    for temp in TEMPS_K:
        ic = float(ref.critical_current(iso, temp))
        out[temp] = np.array([_delay(iso, r * ic, ambient_k=temp) for r in RATIOS])
    return out


# ----------------------------------------------------------------------------- electro-thermal
def test_thermal_step_rise_and_time_constant(dev):
    c = mc.thermal_step(dev, current_a=20e-6)
    t, rise = c.columns["time_s"], c.columns["rise_K"]
    power = 20e-6**2 * dev.rp
    assert rise[-1] == pytest.approx(power * dev.rth * (1 - math.exp(-8)), rel=0.01)
    sel = (t > 0.05 * dev.tau_th_s) & (t < 3 * dev.tau_th_s)
    tau = -1 / np.polyfit(t[sel], np.log(1 - rise[sel] / (power * dev.rth)), 1)[0]
    assert tau == pytest.approx(dev.tau_th_s, rel=0.01)


def test_resistance_versus_bias_in_both_states(dev):
    c = mc.rv_static(dev, v_max=1.0, points=41)
    v = c.columns["v_V"]
    nz = np.abs(v) > 1e-6
    for state, label in ((1, "p"), (-1, "ap")):
        temp = AMB + c.columns[f"rise_{label}_K"]
        expected = ref.resistance(dev, v, temp, state)
        np.testing.assert_allclose(c.columns[f"r_{label}_ohm"][nz], expected[nz], rtol=0.01)
    r_p, r_ap = c.columns["r_p_ohm"], c.columns["r_ap_ohm"]
    k0 = np.argmin(np.abs(v))
    assert r_ap[k0] / r_p[k0] == pytest.approx(1 + dev.tmr0, rel=0.02)


@pytest.mark.parametrize("method", list(METHODS))
def test_energy_is_conserved_between_terminals_and_thermal_network(session, dev, method):
    """Electrical energy into the junction = heat through rth + heat left in cth (0.5 %)."""
    pulses = [(1e-9, 6e-9, 2 * dev.ic0), (10e-9, 6e-9, -2 * dev.ic0), (20e-9, 3e-9, 0.7 * dev.ic0)]
    w = session.run(
        tb.current_pulses(dev, pulses),
        Transient(1e-11, 30e-9, max_step_s=2e-11),
        options=METHODS[method],
    )
    t, vp, rise = w.time, w.v("p"), w.v("t")
    drive = np.zeros_like(t)  # the current source's PWL drive
    for start, width, amp in pulses:
        edges = [start, start + tb.EDGE_S, start + width - tb.EDGE_S, start + width]
        drive += np.interp(t, edges, [0, amp, amp, 0], left=0, right=0)
    electrical = np.trapezoid(vp * drive, t)
    heat = np.trapezoid(rise / dev.rth, t) + dev.cth * rise[-1]
    assert heat == pytest.approx(electrical, rel=0.005)
    assert np.sign(w.x("n1#m")[-1]) == 1 and w.x("n1#m").min() < -0.9  # it did switch


# ----------------------------------------------------------------------------- switching law
def test_law_reduces_to_neel_brown_and_sun_and_is_c1():
    p = load_device(DEFAULT_DEVICE).params.with_(rth=1.0)
    for temp in TEMPS_K:
        ic = float(ref.critical_current(p, temp))
        med = ref.median_switching_time(p, RATIOS * ic, temp)
        low, high = RATIOS < 0.8, RATIOS >= 2.0
        nb = math.log(2) * ref.neel_brown_time(p, RATIOS[low] * ic, temp)
        np.testing.assert_allclose(med[low], nb, rtol=0.15)
        np.testing.assert_allclose(med[high], ref.sun_time(p, RATIOS[high] * ic, temp), rtol=0.15)
        # rate continuous with a continuous first derivative across the corner at Ic0
        i = np.linspace(0.9, 1.1, 20001) * ic
        rate = 1.0 / ref.median_switching_time(p, i, temp)
        slope = np.gradient(rate, i)
        assert np.all(np.diff(rate) > 0)  # strictly increasing
        assert np.max(np.abs(np.diff(slope))) < 0.01 * np.max(np.abs(slope))  # no jump in slope


def test_simulated_delay_follows_the_law_at_every_temperature(iso, delays):
    for temp in TEMPS_K:
        ic = float(ref.critical_current(iso, temp))
        law = ref.median_switching_time(iso, RATIOS * ic, temp)
        np.testing.assert_allclose(delays[temp], law, rtol=0.03, err_msg=f"T = {temp} K")


def test_more_current_never_switches_slower(delays):
    for temp, d in delays.items():
        assert np.all(np.isfinite(d)), temp
        assert np.all(np.diff(d) < 0), f"T = {temp} K: delays {d}"


def test_neel_brown_below_and_sun_above(iso, delays):
    for temp in TEMPS_K:
        ic = float(ref.critical_current(iso, temp))
        low, high = RATIOS < 0.8, RATIOS >= 2.0
        nb = math.log(2) * ref.neel_brown_time(iso, RATIOS[low] * ic, temp)  # its median
        np.testing.assert_allclose(delays[temp][low], nb, rtol=0.15, err_msg=f"{temp} K")
        sun = ref.sun_time(iso, RATIOS[high] * ic, temp)  # median initial angle
        np.testing.assert_allclose(delays[temp][high], sun, rtol=0.15, err_msg=f"{temp} K")


@pytest.mark.parametrize("ratio", [0.7, 1.0, 2.0])
def test_warmer_junction_never_switches_slower(iso, ratio):
    """At one absolute current, every step up in temperature shortens the delay."""
    current = ratio * iso.ic0
    d = [_delay(iso, current, ambient_k=temp) for temp in TEMPS_K]
    assert np.all(np.diff(d) < 0), d


@pytest.mark.parametrize("state0", [1, -1])
def test_both_directions_switch_alike(iso, state0):
    d = _delay(iso, 0.9 * iso.ic0, state0=state0)
    assert d == pytest.approx(float(ref.median_switching_time(iso, 0.9 * iso.ic0, AMB)), rel=0.03)


def test_preheated_junction_switches_sooner_by_the_predicted_factor(session, iso):
    """A cold delay of about 50 tau0; the same write on a junction held 20 K warmer."""
    grid = np.linspace(0.7, 1.3, 6001) * iso.ic0
    current = float(
        grid[np.argmin(np.abs(ref.median_switching_time(iso, grid, AMB) - 50 * iso.tau0))]
    )
    predicted = float(
        ref.median_switching_time(iso, current, AMB)
        / ref.median_switching_time(iso, current, AMB + 20)
    )
    t_max = 3 * float(ref.median_switching_time(iso, current, AMB))
    times = []
    for rise in (0.0, 20.0):
        net = tb.current_pulses(iso, [(0.0, 2 * t_max, current)]) + f"VPRE t 0 DC {rise}\n"
        w = session.run(net, Transient(t_max / 2000, t_max))
        times.append(mc.crossing_time(w.time, w.x(mc.STATE)))
    ratio = times[0] / times[1]
    assert ratio == pytest.approx(predicted, rel=0.15)
    assert ratio >= 2.0


def test_subthreshold_precessional_pulses_do_not_add_up(session, iso):
    """20 precessional pulses (2.5 Ic0, where Sun's channel sets the time), each a tenth of
    the switching time, 10 taup apart, do not switch; the same charge in one pulse does:
    precession relaxes between pulses.  (At 1.1 Ic0 this law switches by barrier-free
    thermal escape, about 11 ns against Sun's 41 ns, which is a Poisson hazard and adds up.)"""
    amp = 2.5 * iso.ic0
    assert ref.precession_rate(iso, amp, AMB) / ref.precession_threshold(iso, AMB) > 3 * (
        ref.thermal_hazard_rate(iso, amp, AMB) / ref.LN2
    )
    width = 0.1 * float(ref.median_switching_time(iso, amp, AMB))
    gap = 10 * iso.taup
    train = [(k * (width + gap), width, amp) for k in range(20)]
    end = train[-1][0] + width + 5e-9
    w = session.run(tb.current_pulses(iso, train), Transient(1e-11, end, max_step_s=0.1e-9))
    assert w.x(mc.STATE).min() > 0.9  # never left P
    one = [(0.0, 20 * width, amp)]
    w1 = session.run(
        tb.current_pulses(iso, one), Transient(1e-11, 20 * width + 5e-9, max_step_s=0.2e-9)
    )
    assert w1.x(mc.STATE)[-1] < -0.9


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("fraction", [0.98, 0.995, 0.999, 1.02])
def test_a_pulse_near_the_threshold_leaves_the_junction_at_rest(session, iso, fraction, method):
    """A pulse that stops at 98-99.9 % of the threshold leaves R_P; 2 % over, R_AP."""
    amp = 1.5 * iso.ic0
    width = fraction * float(ref.median_switching_time(iso, amp, AMB))
    read_at, read = width + 20e-9, 1e-6
    net = tb.current_pulses(iso, [(0.0, width, amp), (read_at, 3e-9, read)])
    w = session.run(net, Transient(1e-11, read_at + 3e-9, max_step_s=1e-9), options=METHODS[method])
    r = np.interp(read_at + 2e-9, w.time, w.v("p")) / read
    expected = iso.rp if fraction < 1 else float(ref.resistance(iso, read * iso.rap, AMB, -1))
    assert r == pytest.approx(expected, rel=0.005)
    assert w.time.size < 3000  # finished in normal time (no collapsed steps)


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("max_step_s", [1e-9, 1e-10, 1e-11])
def test_progress_is_drained_after_a_reversal(session, dev, method, max_step_s):
    w = session.run(
        tb.current_pulses(dev, [(0.0, 10e-9, 2 * dev.ic0)], state0=1),
        Transient(1e-10, 100e-9, max_step_s=max_step_s),
        options=METHODS[method],
    )
    assert w.x("n1#m")[-1] < -spec.constant("RAIL_LO")
    for node in ("ha", "aa", "hp", "ap"):
        assert abs(w.x(f"n1#{node}")[-1]) < 1e-6, node


def test_trapezoidal_and_gear_agree(dev):
    pulses = [(1e-9, 8e-9, 2 * dev.ic0), (15e-9, 8e-9, -2 * dev.ic0)]
    times = {}
    for method, opts in METHODS.items():
        from pyspice_flows.sim.session import Session

        w = Session.get().run(
            tb.current_pulses(dev, pulses), Transient(1e-11, 30e-9, max_step_s=2e-11), options=opts
        )
        m = w.x(mc.STATE)
        times[method] = [mc.crossing_time(w.time, m, 0.0, after=s) for s, _, _ in pulses]
    np.testing.assert_allclose(times["trapezoidal"], times["gear"], rtol=0.01)


def test_bsource_transcription_matches_the_compiled_model(session, dev):
    """The same equations as ngspice B-sources (a second implementation) switch at the
    same times and heat the junction alike."""
    pulses = [(1e-9, 8e-9, 2 * dev.ic0), (15e-9, 8e-9, -1.5 * dev.ic0)]
    osdi = session.run(tb.current_pulses(dev, pulses), Transient(1e-11, 30e-9, max_step_s=2e-11))
    body = tb.current_pulses(dev, pulses).splitlines()
    body = [ln for ln in body if not ln.startswith(("N1 ", ".model"))]
    net = "\n".join(body + bs.function_lines() + bs.junction_lines(dev)) + "\n"
    bsrc = session.run(net, Transient(1e-11, 30e-9, max_step_s=2e-11))
    for s, _, _ in pulses:
        t_o = mc.crossing_time(osdi.time, osdi.x(mc.STATE), 0.0, after=s)
        t_b = mc.crossing_time(bsrc.time, bsrc.v("m"), 0.0, after=s)
        assert t_b == pytest.approx(t_o, rel=0.01)
    assert bsrc.v("t").max() == pytest.approx(osdi.v("t").max(), rel=0.01)


# ----------------------------------------------------------------------------- robustness
@pytest.mark.parametrize("state0", [1, -1])
def test_operating_point_and_transient_start_honour_state0(session, dev, state0):
    op = session.run(tb.dc_bias(dev, 0.05, state0), OperatingPoint())
    assert op.x("n1#m")[0] == pytest.approx(state0)
    w = session.run(tb.dc_bias(dev, 0.05, state0), Transient(1e-11, 2e-9))
    assert w.x("n1#m")[0] == pytest.approx(state0)
    assert np.all(np.sign(w.x("n1#m")) == state0)  # a small bias leaves the state alone


@pytest.mark.parametrize("ambient_k", [250.0, 300.0, 400.0])
def test_converges_over_current_temperature_and_small_steps(session, dev, ambient_k):
    # +-1 mA triangle (both switchings, strong heating) with 1 ps maximum steps
    netlist = "\n".join(
        [
            "mtj stress",
            "I1 0 p PWL(0 0 1n 1m 3n -1m 4n 0)",
            "N1 p 0 t mtj_dev",
            dev.model_line("mtj_dev", state0=1),
            "",
        ]
    )
    w = session.run(
        netlist, Transient(1e-12, 4e-9, max_step_s=1e-12), temperature_c=ambient_k - 273.15
    )
    m = w.x("n1#m")
    assert np.all(np.isfinite(m)) and m.min() < -0.9 and m[-1] > 0.9  # went to AP and back to P
    assert w.time[-1] == pytest.approx(4e-9)


def test_rv_loop_is_hysteretic(dev):
    c = mc.rv_loop(dev, v_max=1.0, period_s=200e-9)
    state, v, r = c.columns["state"], c.columns["v_V"], c.columns["r_ohm"]
    assert state[0] == pytest.approx(1.0) and state.min() < -0.9 and state[-1] > 0.9
    t_ap = np.argmax(state < 0)
    t_p = t_ap + np.argmax(state[t_ap:] > 0)
    assert v[t_ap] > 0 > v[t_p]  # P -> AP on the positive half, AP -> P on the negative half
    near0 = np.abs(v) < 0.05
    up = near0 & (np.arange(v.size) < t_ap)
    down = near0 & (np.arange(v.size) > t_ap) & (np.arange(v.size) < t_p)
    assert np.nanmean(r[up]) == pytest.approx(dev.rp, rel=0.01)
    assert np.nanmean(r[down]) == pytest.approx(dev.rap, rel=0.02)


def test_operating_point_outputs(session, dev):
    op = session.run(
        tb.dc_bias(dev, 0.3, 1) + ".save @n1[tj] @n1[rj] @n1[icrit] @n1[delta]\n",
        OperatingPoint(),
        temperature_c=AMB - 273.15,
    )
    power = 0.3**2 / dev.rp
    tj = AMB + power * dev.rth
    assert op.x("@n1[tj]")[0] == pytest.approx(tj, rel=1e-6)
    assert op.x("@n1[rj]")[0] == pytest.approx(dev.rp, rel=1e-6)
    assert op.x("@n1[icrit]")[0] == pytest.approx(float(ref.critical_current(dev, tj)), rel=1e-6)
    assert op.x("@n1[delta]")[0] == pytest.approx(float(ref.thermal_stability(dev, tj)), rel=1e-6)


# ----------------------------------------------------------------------------- one source of truth
def test_python_parameters_are_the_verilog_a_declarations():
    decl = spec.parameters()
    assert set(parameter_names()) == set(decl) - {"version", "state0"}
    fields = MtjParams.__dataclass_fields__
    for name in parameter_names():
        default = fields[name].default
        if default is not fields[name].default_factory:  # device-specific ones have no default
            assert default == decl[name].default, name
    assert spec.version() >= 2.0


def test_bad_parameters_are_refused(session, dev):
    for name, value in (
        ("rp", 0.0),
        ("rth", -1.0),
        ("cth", -1e-15),
        ("tmr0", -0.1),
        ("ismooth", 0.6),
        ("kexp", 11.0),
        ("rp", True),
        ("rp", float("nan")),
    ):
        with pytest.raises(ValueError, match=name):
            dev.with_(**{name: value})
    with pytest.raises(ValueError, match="did you mean 'taup'"):
        dev.with_(tuap=1e-9)
    with pytest.raises(ValueError, match="state0"):
        dev.model_line(state0=0)
    # the Verilog-A ranges refuse what bypasses Python
    line = dev.model_line("mtj_dev").replace(f"rth={dev.rth:.8g}", "rth=0")
    with pytest.raises(SimulationError, match="rth"):
        session.run(f"bad\nV1 p 0 0.1\nN1 p 0 t mtj_dev\n{line}\n", OperatingPoint())
