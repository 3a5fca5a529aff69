"""The Verilog-A MTJ model (version 3) against its physics references.

References are independent of the simulation: the exact Fokker-Planck macrospin
(circuits.mtj_fokker_planck), the textbook limits (Kramers-Brown, Sun, Neel-Brown for the
linear form, the first-order thermal network, Julliere) and the model's own switching law
written in numpy (circuits.mtj_switching).  Tolerances: thermal step 1 %, R(V) 1 %, the
macrospin's median 20 % (issue 19), pulse-train counts 30 %, the law itself 3 %, energy
conservation 0.5 %.  The stochastic model and its ensembles: test_mtj_stochastic.py.
"""

import math

import numpy as np
import pytest

from circuits import mtj_analytic as ref
from circuits import mtj_fokker_planck as fp
from circuits import mtj_law_v2 as law_v2
from circuits import mtj_model_spec as spec
from circuits import mtj_switching as law
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


def _ladder_step(p: MtjParams, power_w: float, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact response of the two-pole Cauer ladder to a power step: T(t), T2(t) [K].

    cth dT/dt = P - (T - T2)/rth, cth2 dT2/dt = (T - T2)/rth - T2/rth2: a linear system
    x' = A x + b, solved through the eigenvectors of A (independent of the simulator)."""
    a = np.array(
        [
            [-1 / (p.rth * p.cth), 1 / (p.rth * p.cth)],
            [1 / (p.rth * p.cth2), -(1 / p.rth + 1 / p.rth2) / p.cth2],
        ]
    )
    b = np.array([power_w / p.cth, 0.0])
    x_inf = -np.linalg.solve(a, b)
    lam, vec = np.linalg.eig(a)
    coef = np.linalg.solve(vec, -x_inf)
    x = x_inf[:, None] + (vec * coef) @ np.exp(np.outer(lam, t))
    return x[0].real, x[1].real


@pytest.mark.parametrize("method", list(METHODS))
def test_two_pole_thermal_step_and_energy_balance(session, dev, method):
    """Issue 19: a pillar pole (0.2 ns) and a slow electrode pole (5 ns): the junction's rise
    under a power step within 0.5 % of the exact ladder, and the electrical energy in =
    heat left in both capacitances + heat through rth2 to ambient, within 0.5 %."""
    p = dev.with_(rth=1.5e5, cth=1.333e-15, rth2=1.5e5, cth2=3.333e-14)
    current = 20e-6
    w = session.run(
        tb.current_pulses(p, [(0.0, 40e-9, current)]),
        Transient(1e-11, 30e-9, max_step_s=2e-11),
        options=METHODS[method],
    )
    t, rise, rise2 = w.time, w.v("t"), w.x("n1#t2")
    power = current**2 * p.rp
    exact, exact2 = _ladder_step(p, power, t - tb.EDGE_S)
    late = t > 0.05e-9
    np.testing.assert_allclose(rise[late], exact[late], rtol=0.005, atol=0.005 * exact.max())
    np.testing.assert_allclose(rise2[late], exact2[late], rtol=0.005, atol=0.005 * exact2.max())
    # both poles show: the rise at 1 ns is far below the rise at 30 ns
    assert np.interp(1e-9, t, rise) < 0.7 * rise[-1]
    electrical = np.trapezoid(w.v("p") * current * (t > tb.EDGE_S), t)
    heat = p.cth * rise[-1] + p.cth2 * rise2[-1] + np.trapezoid(rise2 / p.rth2, t)
    assert heat == pytest.approx(electrical, rel=0.005)


# ----------------------------------------------------------------------------- switching law
@pytest.mark.slow
def test_law_is_monotone_and_smooth_in_current():
    """The numpy law's rate 1/t(I) rises strictly with current, without a jump in slope."""
    p = load_device(DEFAULT_DEVICE).params.with_(rth=1.0)
    for temp in (250.0, 400.0):
        ic = float(ref.critical_current(p, temp))
        i = np.linspace(0.85, 1.15, 61) * ic
        rate = 1.0 / law.median_switching_time(p, i, temp)
        assert np.all(np.diff(rate) > 0), temp
        slope = np.diff(rate)
        assert np.max(np.abs(np.diff(slope))) < 0.1 * np.max(np.abs(slope)), temp


@pytest.mark.slow
def test_simulated_delay_follows_the_law_at_every_temperature(iso, delays):
    """The compiled model and its numpy transcription (circuits.mtj_switching), 3 %."""
    for temp in TEMPS_K:
        ic = float(ref.critical_current(iso, temp))
        expected = law.median_switching_time(iso, RATIOS * ic, temp)
        np.testing.assert_allclose(delays[temp], expected, rtol=0.03, err_msg=f"T = {temp} K")


@pytest.mark.slow
def test_more_current_never_switches_slower(delays):
    for temp, d in delays.items():
        assert np.all(np.isfinite(d)), temp
        assert np.all(np.diff(d) < 0), f"T = {temp} K: delays {d}"


@pytest.mark.slow
def test_deterministic_median_follows_the_exact_macrospin(iso, delays):
    """Issue 19: constant drive 0.5-3 Ic0 at 250/300/358/400 K, bexp = 2: the deterministic
    model's switching time within 20 % of the Fokker-Planck median (circuits.mtj_fokker_planck,
    an independent solution of Brown's equation)."""
    sel = RATIOS <= 3.0
    for temp in TEMPS_K:
        ic = float(ref.critical_current(iso, temp))
        for ratio, d in zip(RATIOS[sel], delays[temp][sel]):
            med = fp.switching_time_quantile(iso, ratio * ic, temp, 0.5, t_max=10.0)
            assert d == pytest.approx(med, rel=0.20), f"{ratio} Ic0, {temp} K: {d:.4g} vs {med:.4g}"


@pytest.mark.slow
def test_textbook_limits_far_from_ic0(iso, delays):
    """Far below Ic0 the macrospin's escape is Kramers-Brown over the barrier Delta (1 - i)^2
    (median ln 2 / rate, prefactor sqrt(Delta / pi) (1 - i^2)(1 - i) / taup, valid at a high
    barrier); far above, Sun's precessional time from the median initial angle, which
    thermal noise during the reversal shortens (Liu et al., JMMM 358, 233 (2014))."""
    for temp in TEMPS_K:
        ic = float(ref.critical_current(iso, temp))
        delta = float(ref.thermal_stability(iso, temp))
        taup = float(ref.precession_time_unit(iso, temp))
        for ratio, d in zip(RATIOS, delays[temp]):
            if ratio < 1 and delta * (1 - ratio) ** 2 >= 8.0:  # a barrier of at least 8 kT
                rate = (1 - ratio**2) * (1 - ratio) * np.sqrt(delta / np.pi)
                kramers = math.log(2) * taup / rate * np.exp(delta * (1 - ratio) ** 2)
                assert d == pytest.approx(kramers, rel=0.25), f"{ratio} Ic0, {temp} K"
        high = RATIOS >= 3.0
        sun = ref.sun_time(iso, RATIOS[high] * ic, temp) * taup / iso.taup
        assert np.all(delays[temp][high] < sun), temp
        np.testing.assert_allclose(delays[temp][high], sun, rtol=0.25, err_msg=f"{temp} K")


@pytest.mark.parametrize("ratio", [0.7, 1.0, 2.0])
def test_warmer_junction_never_switches_slower(iso, ratio):
    """At one absolute current, every step up in temperature shortens the delay."""
    current = ratio * iso.ic0
    d = [_delay(iso, current, ambient_k=temp) for temp in TEMPS_K]
    assert np.all(np.diff(d) < 0), d


@pytest.mark.parametrize("state0", [1, -1])
def test_both_directions_switch_alike(iso, state0):
    d = _delay(iso, 0.9 * iso.ic0, state0=state0)
    expected = float(law.median_switching_time(iso, 0.9 * iso.ic0, AMB))
    assert d == pytest.approx(expected, rel=0.03)


def test_preheated_junction_switches_sooner_by_the_predicted_factor(session, iso):
    """A thermally activated write (0.6 Ic0) on a junction held 20 K warmer: the speed-up the
    exact macrospin predicts (its medians at both temperatures), within 15 %, and >= 2x
    (at 0.7 Ic0 the macrospin gains only 1.7x from 20 K)."""
    current = 0.6 * iso.ic0
    cold = fp.switching_time_quantile(iso, current, AMB, 0.5, t_max=1e-3)
    hot = fp.switching_time_quantile(iso, current, AMB + 20, 0.5, t_max=1e-3)
    t_max = 3 * cold
    times = []
    for rise in (0.0, 20.0):
        net = tb.current_pulses(iso, [(0.0, 2 * t_max, current)]) + f"VPRE t 0 DC {rise}\n"
        w = session.run(net, Transient(t_max / 2000, t_max))
        times.append(mc.crossing_time(w.time, w.x(mc.STATE)))
    ratio = times[0] / times[1]
    assert ratio == pytest.approx(cold / hot, rel=0.15)
    assert ratio >= 2.0


def test_short_writes_near_ic0_do_not_add_up(session, iso):
    """Issue 10's case, as written: 20 pulses of 1.1 Ic0 (1 ns on, 1 ns off) do not switch,
    while one pulse of the same charge does: the cone relaxes between the pulses.  The exact
    macrospin agrees: survival after the 20 pulses above 0.9, median of one long pulse
    below its length."""
    amp = 1.1 * iso.ic0
    train = [(k * 2e-9, 1e-9, amp) for k in range(20)]
    assert fp.pulse_train_survival(iso, amp, 1e-9, 1e-9, 20, AMB)[-1] > 0.9
    w = session.run(tb.current_pulses(iso, train), Transient(1e-11, 45e-9, max_step_s=0.1e-9))
    assert w.x(mc.STATE).min() > 0.9  # never left P
    assert fp.switching_time_quantile(iso, amp, AMB, 0.5, t_max=1e-6) < 20e-9
    w1 = session.run(
        tb.current_pulses(iso, [(0.0, 20e-9, amp)]), Transient(1e-11, 25e-9, max_step_s=0.2e-9)
    )
    assert w1.x(mc.STATE)[-1] < -0.9


@pytest.mark.parametrize("amp_ic0", [1.2, 1.5])
@pytest.mark.slow
def test_pulse_train_switches_after_the_macrospins_count(session, iso, amp_ic0):
    """1 ns on / 1 ns off at 1.2 and 1.5 Ic0: the deterministic model switches after the
    exact macrospin's median number of pulses, within 30 % (issue 19)."""
    amp = amp_ic0 * iso.ic0
    expected = fp.median_pulses_to_switch(iso, amp, 1e-9, 1e-9, AMB)
    n = int(2 * expected) + 5
    train = [(k * 2e-9, 1e-9, amp) for k in range(n)]
    w = session.run(tb.current_pulses(iso, train), Transient(1e-11, n * 2e-9, max_step_s=0.25e-9))
    t_sw = mc.crossing_time(w.time, w.x(mc.STATE))
    assert math.ceil(t_sw / 2e-9) == pytest.approx(expected, rel=0.30)


@pytest.mark.slow
def test_linear_barrier_form_is_neel_brown_with_tau0(iso):
    """bexp = 1, the device-fit form: far below Ic0 the median is ln 2 tau0 exp(Delta (1 - i))
    once the cone has settled (Neel-Brown with the file's attempt time)."""
    p = iso.with_(bexp=1.0)
    for ratio in (0.4, 0.5):
        nb = math.log(2) * float(ref.neel_brown_time(p, ratio * p.ic0, AMB))
        assert _delay(p, ratio * p.ic0) == pytest.approx(nb, rel=0.10), ratio


def test_legacy_law_is_selectable(iso):
    """version = 2 runs the law of model version 2 (the neuron stack pins it until it is
    re-designed): its delay follows circuits.mtj_law_v2, 3 %."""
    current = 0.9 * iso.ic0
    net = tb.current_pulses(iso, [(0.0, 400e-9, current)]).replace("state0=1", "state0=1 version=2")
    from pyspice_flows.sim.session import Session

    w = Session.get().run(net, Transient(1e-10, 200e-9))
    t_sw = mc.crossing_time(w.time, w.x(mc.STATE))
    assert t_sw == pytest.approx(float(law_v2.median_switching_time(iso, current, AMB)), rel=0.03)


@pytest.fixture(scope="module")
def critical_width(iso) -> float:
    """The shortest 1.5 Ic0 pulse after which the law (circuits.mtj_switching) switches,
    counting what happens after the pulse ends (the characteristic near the equator and the
    lagged hazard go on) [s]."""
    amp, t_med = 1.5 * iso.ic0, float(law.median_switching_time(iso, 1.5 * iso.ic0, AMB))

    def switches(width: float) -> bool:
        drive = lambda t: amp if t < width else 0.0  # noqa: E731
        t_sw = law.switching_times(iso, drive, AMB, [0.5], width + 20e-9, breakpoints=(width,))
        return bool(np.isfinite(t_sw[0]))

    lo, hi = 0.5 * t_med, t_med
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if switches(mid) else (mid, hi)
    return hi


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("fraction", [0.95, 0.97, 1.03, 1.05])
def test_a_pulse_near_the_threshold_leaves_the_junction_at_rest(
    session, iso, critical_width, fraction, method
):
    """A pulse 3-5 % shorter than the law's critical width leaves exactly R_P, 3-5 % longer
    R_AP (the compiled model follows the law within 3 %), under both integration methods,
    in normal time (no collapsed steps)."""
    amp = 1.5 * iso.ic0
    width = fraction * critical_width
    read_at, read = width + 20e-9, 1e-6
    net = tb.current_pulses(iso, [(0.0, width, amp), (read_at, 3e-9, read)])
    w = session.run(net, Transient(1e-11, read_at + 3e-9, max_step_s=1e-9), options=METHODS[method])
    r = np.interp(read_at + 2e-9, w.time, w.v("p")) / read
    expected = iso.rp if fraction < 1 else float(ref.resistance(iso, read * iso.rap, AMB, -1))
    assert r == pytest.approx(expected, rel=0.005)
    assert w.time.size < 3000


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("max_step_s", [1e-9, 1e-10, 1e-11])
def test_progress_is_drained_after_a_reversal(session, dev, method, max_step_s):
    w = session.run(
        tb.current_pulses(dev, [(0.0, 10e-9, 2 * dev.ic0)], state0=1),
        Transient(1e-10, 100e-9, max_step_s=max_step_s),
        options=METHODS[method],
    )
    assert w.x("n1#m")[-1] < -spec.constant("RAIL_LO")
    for node in ("ha", "hp", "ya", "yp", "sga_n", "sgp_n", "sg2a", "sg2p"):
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
    w = session.run(netlist, Transient(1e-12, 4e-9, max_step_s=1e-12), temperature_k=ambient_k)
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
        temperature_k=AMB,
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
    assert spec.version() >= 3.0


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
