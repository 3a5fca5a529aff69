"""The stochastic MTJ model (``mtj_stoch``) against its statistics, from fixed seeds.

Every test uses fixed seeds, so it is deterministic; the tolerances are the issue's and the
sample sizes are chosen so that a tolerance is at least 2.5 standard errors wide:

- thermally activated regime, I = 0.95 Ic0 (Neel-Brown tau = 7.3 ns), 600 runs: the mean
  switching time within 15 % of tau (one standard error is 4 %; the exact 95 % interval
  from chi^2(2n) is printed with -s);
- one pulse of width w at 0.95 Ic0, 1000 runs per width: P(switch) within 0.05 of
  1 - exp(-w/tau) (one standard error is at most 0.016);
- a junction preheated by 24 K switches more often under the same probe pulse.

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
from pyspice_flows import switching_probability as sp
from pyspice_flows.mtj_characterization import AMBIENT_K
from pyspice_flows.session import Transient

SUB = 0.95  # I / Ic0 of the thermally activated tests


@pytest.fixture(scope="module")
def dev() -> MtjParams:
    return load_device(DEFAULT_DEVICE).params


@pytest.fixture(scope="module")
def iso(dev) -> MtjParams:
    """The device with negligible self-heating (rth = 1 K/W), to test switching in isolation."""
    return dev.with_(rth=1.0, cth=dev.tau_th_s)


@pytest.fixture(scope="module")
def tau(iso) -> float:
    return float(ref.neel_brown_time(iso, SUB * iso.ic0, AMBIENT_K))


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
def test_thermally_activated_mean_time_matches_neel_brown(waiting, tau):
    trial, res = waiting
    fit = sp.ExponentialMean.fit(res.time_s, trial.end_s)
    print(
        f"\nmean switching time {fit.mean_s * 1e9:.3f} ns over {res.time_s.size} runs "
        f"({fit.censored} censored at 8 tau), 95 % CI {fit.lo_s * 1e9:.3f}-{fit.hi_s * 1e9:.3f} ns; "
        f"Neel-Brown tau {tau * 1e9:.3f} ns"
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
    expected = float(ms.neel_brown_probability(iso, SUB * iso.ic0, width, AMBIENT_K))
    lo, hi = res.interval()
    print(
        f"\nw = {width * 1e9:.3f} ns: P = {res.probability:.3f} (95 % CI {lo:.3f}-{hi:.3f}), "
        f"1 - exp(-w/tau) = {expected:.3f}"
    )
    assert res.probability == pytest.approx(expected, abs=0.05)


def test_precessional_spread_comes_from_the_thermal_angle(iso, pool):
    """Above Ic0 the switching time is Sun's delay with a Rayleigh-distributed theta0: a
    Gumbel variable.  Run by run the time follows the draw; the 300 draws of seeds
    4001-4300 are themselves a less even sample (KS p = 0.03 against uniform), hence the
    wide bounds of the distribution checks."""
    amp = 2.0 * iso.ic0
    loc, scale = ms.gumbel_switching_time(iso, amp, AMBIENT_K)
    trial = sp.Trial(iso, ((0.0, 1.0, amp),), stop_s=loc + 8 * scale)
    res = sp.run_trials(trial, range(4001, 4301), pool=pool)[0]
    t = res.time_s
    assert np.all(np.isfinite(t))
    eprec = ms.thresholds(res.draw)[1]
    delta = float(ref.thermal_stability(iso, AMBIENT_K))
    i = amp / float(ref.critical_current(iso, AMBIENT_K))
    sun = iso.taup * np.log(np.pi / (2 * np.sqrt(eprec / delta))) / (i - 1)
    np.testing.assert_allclose(t, sun, rtol=0.01, atol=20e-12)
    mean, sem = t.mean(), t.std(ddof=1) / math.sqrt(t.size)
    assert abs(mean - (loc + np.euler_gamma * scale)) < 3 * sem
    assert t.std(ddof=1) == pytest.approx(math.pi / math.sqrt(6) * scale, rel=0.15)
    assert stats.kstest(t, stats.gumbel_r(loc, scale).cdf).pvalue > 0.001


def test_preheated_junction_switches_more_often(dev, pool):
    """24 K of residual heat raises P(switch) of the same probe pulse (common seeds)."""
    heat = (0.0, 3e-9, -100e-6)  # toward P on a P junction: it only heats (24 K)
    probe = (3.2e-9, 1e-9, SUB * dev.ic0)
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
    pulses = [(k * 10e-9, 5e-9, (2.5 if k % 2 == 0 else -2.5) * dev.ic0) for k in range(8)]
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
            assert after == pytest.approx(now, abs=1e-4)
        else:
            assert min(now, soon) - 1e-4 < after < max(now, soon) + 1e-4
        held.append(after)
    assert np.unique(np.round(held, 6)).size == len(held)
