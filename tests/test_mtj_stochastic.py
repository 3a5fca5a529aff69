"""The stochastic MTJ model (``mtj_stoch``, version 2) against its statistics, from fixed seeds.

Every test uses fixed seeds, so it is deterministic; the sample sizes are chosen so that a
tolerance is at least 2.5 standard errors wide:

- thermally activated regime, I = 0.9 Ic0, 600 runs: the waiting time is exponential with
  the model's thermal hazard rate (Neel-Brown's tau0 exp(Delta (1 - i)) in series with the
  barrier-free escape time; 69 ns here), the mean within 15 % (one standard error is 4 %);
- one pulse of width w at 0.9 Ic0, 1000 runs per width: P(switch) within 0.05 of
  1 - exp(-w/tau);
- the deterministic ``mtj`` switches at the ensemble's median, at a constant drive and
  during a write on a cooling junction (200 runs each, 10 %);
- P(switch) never falls with more current or a longer pulse (per seed: common draws);
- a preheated junction switches more often under the same probe pulse.

Switching in isolation uses the default device with negligible self-heating (rth = 1 K/W).
All simulations run in two worker processes, one ngspice each.
"""

import math

import numpy as np
import pytest
from scipy import stats

from circuits import mtj_analytic as ref
from circuits import mtj_stochastic as ms
from circuits import mtj_testbenches as tb
from circuits.mtj_device import DEFAULT_DEVICE, MtjParams, load_device
from pyspice_flows.experiments import switching_probability as sp
from pyspice_flows.experiments.mtj_characterization import AMBIENT_K
from pyspice_flows.sim.session import Transient

SUB = 0.9  # I / Ic0 of the thermally activated tests


@pytest.fixture(scope="module")
def dev() -> MtjParams:
    return load_device(DEFAULT_DEVICE).params


@pytest.fixture(scope="module")
def iso(dev) -> MtjParams:
    """The device with negligible self-heating (rth = 1 K/W), to test switching in isolation."""
    return dev.with_(rth=1.0, cth=dev.tau_th_s)


@pytest.fixture(scope="module")
def tau(iso) -> float:
    """Mean waiting time of the thermal channel at SUB Ic0: 1 / the model's hazard rate."""
    return 1.0 / float(ref.thermal_hazard_rate(iso, SUB * iso.ic0, AMBIENT_K))


@pytest.fixture(scope="module")
def pool():
    with sp.worker_pool(2) as executor:
        yield executor


@pytest.fixture(scope="module")
def waiting(iso, tau, pool):
    """600 constant-current runs at 0.95 Ic0, each ended at 8 tau."""
    trial = sp.Trial(iso, ((0.0, 1.0, SUB * iso.ic0),), stop_s=8 * tau)
    return trial, sp.run_trials(trial, range(1, 601), pool=pool)[0]


# ----------------------------------------------------------------------------- netlists
def test_default_mode_is_the_deterministic_model(dev):
    pulses = [(0.0, 5e-9, 60e-6)]
    assert ms.current_pulses(dev, pulses) == tb.current_pulses(dev, pulses)
    assert ms.model_line(dev) == dev.model_line() and " mtj rp=" in dev.model_line()
    net = ms.current_pulses(dev, pulses, switching=ms.stochastic(7, sample_s=2e-9))
    assert "N1 p 0 t u_n1 mtj_dev" in net
    assert "VN1 u_n1 0 DC 0 TRRANDOM(1 2e-09 0 0.5 0.5)" in net
    assert " mtj_stoch rp=" in net and "tsample=2e-09" in net
    assert ".options seed=7 method=gear" in net


def test_bad_switching_settings_are_refused():
    with pytest.raises(ValueError, match="mode"):
        ms.Switching("random")
    with pytest.raises(ValueError, match="seed"):
        ms.stochastic(0)
    with pytest.raises(TypeError, match="seed"):
        ms.stochastic(1.5)
    with pytest.raises(ValueError, match="sample_s"):
        ms.stochastic(1, sample_s=0.0)
    with pytest.raises(ValueError, match="start with N"):
        ms.element_lines("X1", "a", "b", "t", switching=ms.stochastic(1))


# ----------------------------------------------------------------------------- seeds
def test_same_seed_same_waveforms_bit_for_bit(session, iso, tau):
    net = {
        s: ms.current_pulses(iso, [(0.0, 1.0, SUB * iso.ic0)], 1, ms.stochastic(s, 1e-9))
        for s in (11, 12)
    }
    analysis = Transient(tau / 100, 4 * tau, max_step_s=1e-9)
    first = session.run(net[11], analysis)
    other = session.run(net[12], analysis)
    again = session.run(net[11], analysis)
    assert first.vectors.keys() == again.vectors.keys()
    for name, vec in first.vectors.items():
        assert np.array_equal(vec, again.vectors[name]), name
    assert not np.array_equal(first.x("n1#e"), other.x("n1#e"))  # another seed, another draw


def test_seeds_give_independent_uniform_draws(waiting):
    _, res = waiting
    u = res.draw
    assert np.all((u > 0) & (u < 1))
    assert stats.kstest(u, "uniform").pvalue > 0.01
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 3 / math.sqrt(u.size)  # neighbouring seeds
    assert np.unique(u).size == u.size


def test_each_run_switches_when_its_draw_says(waiting):
    """The model maps its held draw U to the switching time of the law, run by run (the
    flip itself adds about one tflip = 10 ps after the threshold is reached)."""
    trial, res = waiting
    expected = trial.law().switching_time(res.draw)
    ok = np.isfinite(expected) & np.isfinite(res.time_s)
    assert ok.sum() >= 590
    np.testing.assert_allclose(res.time_s[ok], expected[ok], rtol=0.01, atol=20e-12)
    assert np.array_equal(np.isfinite(res.time_s), np.isfinite(expected))  # the same censoring


# ----------------------------------------------------------------------------- statistics
def test_thermal_hazard_is_neel_brown_in_series_with_barrier_free_escape(iso, tau):
    nb = float(ref.neel_brown_time(iso, SUB * iso.ic0, AMBIENT_K))
    esc = float(ref.barrier_free_time(iso, AMBIENT_K))
    assert tau == pytest.approx(nb + esc, rel=1e-3)
    assert esc == pytest.approx(
        math.sqrt(2 * float(ref.thermal_stability(iso, AMBIENT_K))) * iso.taup
    )


def test_thermally_activated_mean_time_matches_the_hazard(waiting, tau):
    trial, res = waiting
    fit = sp.ExponentialMean.fit(res.time_s, trial.end_s)
    print(
        f"\nmean switching time {fit.mean_s * 1e9:.3f} ns over {res.time_s.size} runs "
        f"({fit.censored} censored at 8 tau), 95 % CI {fit.lo_s * 1e9:.3f}-{fit.hi_s * 1e9:.3f} ns; "
        f"model tau {tau * 1e9:.3f} ns"
    )
    assert fit.mean_s == pytest.approx(tau, rel=0.15)
    assert fit.lo_s < tau < fit.hi_s
    # the whole distribution is exponential (censored runs placed at the end)
    t = np.where(np.isfinite(res.time_s), res.time_s, trial.end_s)
    assert stats.kstest(t / tau, lambda x: np.where(x >= 8, 1.0, -np.expm1(-x))).pvalue > 0.01


@pytest.mark.parametrize("fraction", [0.2, math.log(2)])
def test_pulse_switching_probability_is_poisson(iso, tau, pool, fraction):
    width = fraction * tau
    trial = sp.Trial(iso, ((0.0, width, SUB * iso.ic0),))
    res = sp.run_trials(trial, range(1001, 2001), pool=pool)[0]
    expected = float(ms.thermal_probability(iso, SUB * iso.ic0, width, AMBIENT_K))
    lo, hi = res.interval()
    print(
        f"\nw = {width * 1e9:.3f} ns: P = {res.probability:.3f} (95 % CI {lo:.3f}-{hi:.3f}), "
        f"1 - exp(-w/tau) = {expected:.3f}"
    )
    assert res.probability == pytest.approx(expected, abs=0.05)


def test_precessional_spread_comes_from_the_thermal_angle(iso, pool):
    """Well above Ic0 the switching time is Sun's delay with a Rayleigh-distributed theta0
    (a Gumbel variable) wherever the draw leaves the thermal channel slow (U <= 1/2: its
    Exp(1) threshold is at least ln 2); for large draws both channels are fast and the
    thermal one shortens the time.  Run by run the time follows the model's law."""
    amp = 2.0 * iso.ic0
    loc, scale = ms.gumbel_switching_time(iso, amp, AMBIENT_K)
    trial = sp.Trial(iso, ((0.0, 1.0, amp),), stop_s=loc + 8 * scale)
    res = sp.run_trials(trial, range(4001, 4301), pool=pool)[0]
    t = res.time_s
    assert np.all(np.isfinite(t))
    np.testing.assert_allclose(t, trial.law().switching_time(res.draw), rtol=0.01, atol=20e-12)
    eprec = ms.thresholds(res.draw)[1]
    delta = float(ref.thermal_stability(iso, AMBIENT_K))
    i = amp / float(ref.critical_current(iso, AMBIENT_K))
    sun = iso.taup * np.log(np.pi / (2 * np.sqrt(eprec / delta))) / (i - 1)
    slow = res.draw <= 0.5
    assert slow.sum() > 100
    np.testing.assert_allclose(t[slow], sun[slow], rtol=0.03)
    assert np.all(t <= sun * 1.01 + 20e-12)  # the thermal channel only ever shortens it
    # the whole distribution is the law's
    assert stats.kstest(t, lambda x: trial.law().probability(x)).pvalue > 0.001


def test_preheated_junction_switches_more_often(dev, pool):
    """24 K of residual heat raises P(switch) of the same probe pulse (common seeds); the
    thermal time constant is made 10 ns so the heat lasts through the probe."""
    dev = dev.with_(cth=10 * dev.cth)
    heat = (0.0, 30e-9, -100e-6)  # toward P on a P junction: it only heats (24 K)
    probe = (30.2e-9, 5e-9, SUB * dev.ic0)
    hot, cold = (sp.Trial(dev, pulses) for pulses in (((heat, probe)), (probe,)))
    r_hot, r_cold = sp.run_trials([hot, cold], range(3001, 3401), pool=pool)
    law_hot, law_cold = (float(t.law().probability()[0]) for t in (hot, cold))
    print(
        f"\nP(switch) hot {r_hot.probability:.3f} (law {law_hot:.3f}), "
        f"cold {r_cold.probability:.3f} (law {law_cold:.3f})"
    )
    assert r_hot.probability > r_cold.probability + 0.05
    assert r_hot.interval()[0] > r_cold.interval()[1]  # the 95 % intervals do not overlap
    assert np.all(r_hot.switched[r_cold.switched])  # a draw that switches cold switches hot
    assert r_hot.probability == pytest.approx(law_hot, abs=0.07)
    assert r_cold.probability == pytest.approx(law_cold, abs=0.07)


def test_statistics_do_not_depend_on_the_time_step(iso, tau, pool):
    """The same 200 seeds at two maximum steps, 1 ns and 0.1 ns (sample time 1 ns)."""
    runs = [
        sp.Trial(iso, ((0.0, 1.0, SUB * iso.ic0),), stop_s=5 * tau, sample_s=1e-9, max_step_s=step)
        for step in (1e-9, 0.1e-9)
    ]
    coarse, fine = sp.run_trials(runs, range(5001, 5201), pool=pool)
    assert np.array_equal(coarse.switched, fine.switched)
    done = np.isfinite(coarse.time_s)
    np.testing.assert_allclose(coarse.time_s[done], fine.time_s[done], rtol=0.01)
    means = [sp.ExponentialMean.fit(r.time_s, 5 * tau) for r in (coarse, fine)]
    sem = means[0].mean_s / math.sqrt(means[0].observed)
    assert abs(means[0].mean_s - means[1].mean_s) < 0.1 * sem  # far inside the statistical error


def test_each_reversal_takes_a_fresh_draw(session, dev):
    """Alternating precessional pulses: after every reversal the junction holds a new draw,
    the TRRANDOM sample current at that time; if a sample boundary falls inside the re-arm
    window (a few tflip), the next sample or a mix of the two."""
    pulses = [(k * 10e-9, 5e-9, (3.0 if k % 2 == 0 else -3.0) * dev.ic0) for k in range(8)]
    net = ms.current_pulses(dev, pulses, 1, ms.stochastic(3, sample_s=1e-9))
    w = session.run(net, Transient(1e-11, 80e-9, max_step_s=1e-9))
    t, m, e, u = w.time, w.x("n1#m"), w.x("n1#e"), w.v("u_n1")
    flips = np.nonzero(np.signbit(m[1:]) != np.signbit(m[:-1]))[0]
    assert flips.size == 8  # every pulse reverses the junction
    held = []
    for k in flips:
        after = np.interp(t[k] + 0.3e-9, t, e)
        now, soon = np.interp([t[k], t[k] + 0.1e-9], t, u)
        if now == soon:
            assert after == pytest.approx(now, abs=1e-3)
        else:
            assert min(now, soon) - 1e-3 < after < max(now, soon) + 1e-3
        held.append(after)
    assert np.unique(np.round(held, 6)).size == len(held)


# ----------------------------------------------------------------------------- v2 laws
def _median(times: np.ndarray) -> float:
    assert np.isfinite(times).mean() > 0.5  # the median is observed
    return float(np.median(np.where(np.isfinite(times), times, np.inf)))


@pytest.mark.parametrize("case", ["constant drive", "cooling write"])
def test_deterministic_model_switches_at_the_ensemble_median(dev, pool, case):
    """mtj is mtj_stoch with its draw held at U = 1/2: the median switching time, also while
    the junction cools during the write (rate falling with time)."""
    if case == "constant drive":
        p = dev.with_(rth=1.0, cth=dev.tau_th_s)
        pulses, start = ((0.0, 1.0, 1.5 * p.ic0),), 0.0
        stop = 4 * float(ref.median_switching_time(p, 1.5 * p.ic0, AMBIENT_K))
    else:
        p = dev.with_(cth=10 * dev.cth)  # 10 ns thermal memory: it cools during the write
        pulses, start, stop = ((0.0, 30e-9, -100e-6), (30.2e-9, 1.0, SUB * p.ic0)), 30.2e-9, 200e-9
    trial = sp.Trial(p, pulses, stop_s=stop)
    res = sp.run_trials(trial, range(6001, 6201), pool=pool)[0]
    ensemble = _median(res.time_s) - start
    det = tb.current_pulses(p, [(s, min(w, 2 * stop), a) for s, w, a in pulses], state0=1)
    from pyspice_flows.sim.session import Session

    w = Session.get().run(det, Transient(stop / 4000, stop, max_step_s=stop / 400))
    from pyspice_flows.experiments.mtj_characterization import crossing_time

    t_det = crossing_time(w.time, w.x("n1#m"), after=start) - start
    law = trial.law().median_time() - start
    print(
        f"\n{case}: deterministic {t_det * 1e9:.3f} ns, ensemble median {ensemble * 1e9:.3f} ns, "
        f"law {law * 1e9:.3f} ns"
    )
    assert t_det == pytest.approx(ensemble, rel=0.10)
    assert t_det == pytest.approx(law, rel=0.02)


def test_switching_probability_never_falls_with_current_or_width(iso, pool):
    """Common draws: a seed that switches at some current (width) also switches at every
    larger current (longer width), so P(switch) is non-decreasing in both."""
    seeds = range(7001, 7101)
    amps = [0.9, 1.0, 1.2, 1.5, 2.0]
    widths = [2e-9, 5e-9, 10e-9]
    by_amp = sp.run_trials(
        [sp.Trial(iso, ((0.0, 5e-9, r * iso.ic0),)) for r in amps], seeds, pool=pool
    )
    by_width = sp.run_trials(
        [sp.Trial(iso, ((0.0, w, 1.2 * iso.ic0),)) for w in widths], seeds, pool=pool
    )
    for runs in (by_amp, by_width):
        probs = [r.probability for r in runs]
        assert np.all(np.diff(probs) >= 0), probs
        for lo, hi in zip(runs[:-1], runs[1:]):
            assert np.all(hi.switched[lo.switched])
    assert by_amp[-1].probability > by_amp[0].probability + 0.3
