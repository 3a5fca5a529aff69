"""The Fokker-Planck macrospin reference against independent answers.

- zero and sub-critical current: the mean first-passage time from the Boltzmann start
  against the exact one-dimensional double integral (closed form of the inner integrals
  with Dawson's function, outer by adaptive quadrature), and Brown's high-barrier
  asymptote tau_p (sqrt(pi)/2) Delta^-1/2 exp(Delta) (1 + 1/Delta) at zero current;
- large drive: the median against the deterministic passage from the median initial angle
  (Sun's limit), and below it at 1.2-2 Ic0 (noise speeds the reversal, Liu et al. 2014);
- convergence in grid and time step, conservation of S + switched;
- a seeded stochastic LLG (Heun, unit vector) at 0.9 and 1.5 Ic0;
- single pulses: the equator's first passage against what ends reversed (whole sphere),
  tiny probabilities converged; pulse trains: relaxation between distant pulses, the
  Floquet continuation against marching;
- the numbers of issue 19 (Ikeda device at 300 K and 350 K).
"""

import numpy as np
import pytest
from scipy import integrate, special

from circuits import mtj_fokker_planck as fp
from circuits.mtj_analytic import precession_time_unit
from circuits.mtj_device import DEFAULT_DEVICE, load_device

T0 = 300.0  # K, the device's tnom: Delta = delta0, Ic0 = ic0, tau_p = taup


@pytest.fixture(scope="module")
def dev():
    """The Ikeda device with the values issue 19's numbers were computed for (Delta = 40,
    Ic0 = 49 uA, tau_p = 1.65 ns at 300 K; Tc = 1120 K, kexp = 2), pinned so that a later
    recalibration of the device file does not move these checks."""
    return load_device(DEFAULT_DEVICE).params.with_(
        delta0=40.0, ic0=49e-6, taup=1.65e-9, tc=1120.0, kexp=2.0, tnom=300.0
    )


def exact_mfpt(delta: float, i: float) -> float:
    """Mean time [tau_p] to reach x = 0 from P0 ~ exp(Delta x^2), reflecting at x = 1.

    T(x) = int_0^x dy / (D(y) w(y)) int_y^1 w, w = exp(Delta (x^2 - 2 i x)) (shifted),
    averaged over P0 and swapped: int_0^1 dy G(y) H(y) / (D w), with G = int_y^1 w and H
    the P0 mass above y.  int exp(Delta u^2) du = exp(Delta u^2) F(sqrt(Delta) u) / sqrt(Delta).
    """
    sd, daw = np.sqrt(delta), special.dawsn

    def w(y):
        return np.exp(delta * ((y - i) ** 2 - (1.0 - i) ** 2))

    def integrand(y):
        g = (daw(sd * (1.0 - i)) - w(y) * daw(sd * (y - i))) / sd
        h = (daw(sd) - np.exp(delta * (y * y - 1.0)) * daw(sd * y)) / daw(sd)
        return g * h * 2.0 * delta / ((1.0 - y * y) * w(y))

    points = [i] if 0.0 < i < 1.0 else None
    return integrate.quad(integrand, 0.0, 1.0, points=points, limit=400, epsrel=1e-11)[0]


@pytest.mark.parametrize("delta", [10.0, 40.0, 60.0])
@pytest.mark.parametrize("i", [0.0, 0.3, 0.7])
def test_mean_first_passage_matches_exact_integral(dev, delta, i):
    p = dev.with_(delta0=delta)
    mean = fp.mean_switching_time(p, i * p.ic0, T0) / p.taup
    assert mean == pytest.approx(exact_mfpt(delta, i), rel=2e-3)


@pytest.mark.parametrize("delta", [40.0, 60.0])
def test_zero_current_matches_brown_asymptote(dev, delta):
    p = dev.with_(delta0=delta)
    mean = fp.mean_switching_time(p, 0.0, T0) / p.taup
    leading = np.sqrt(np.pi) / 2.0 * delta**-0.5 * np.exp(delta)
    assert mean == pytest.approx(leading, rel=0.03)
    assert mean == pytest.approx(leading * (1.0 + 1.0 / delta), rel=3e-3)


def sun_time(i: float, delta: float) -> float:
    """Deterministic passage [tau_p] from the median thermal angle theta^2 = ln 2 / Delta to x = 0."""
    x0 = np.cos(np.sqrt(np.log(2.0) / delta))
    return integrate.quad(lambda x: 1.0 / ((1.0 - x * x) * (i - x)), 0.0, x0, epsrel=1e-10)[0]


@pytest.mark.parametrize("i", [5.0, 10.0])
def test_large_drive_median_is_sun_limit(dev, i):
    delta = 200.0
    p = dev.with_(delta0=delta)
    median = fp.switching_time_quantile(p, i * p.ic0, T0) / p.taup
    assert median == pytest.approx(sun_time(i, delta), rel=0.10)


@pytest.mark.parametrize("i", [1.2, 1.5, 2.0])
def test_noise_speeds_reversal_below_sun(dev, i):
    median = fp.switching_time_quantile(dev, i * dev.ic0, T0) / dev.taup
    assert median < 0.95 * sun_time(i, dev.delta0)


def test_converged_in_grid_and_time_step(dev):
    """Halving the grid spacing and the time step (rtol / 10: third-order steps ~ 2x shorter)."""
    coarse = {}
    fine = {"n_grid": 2 * fp.N_GRID, "rtol": fp.RTOL / 10.0}
    m = [fp.switching_time_quantile(dev, 1.5 * dev.ic0, T0, **o) for o in (coarse, fine)]
    assert m[0] == pytest.approx(m[1], rel=0.01)
    pr = [fp.pulse_switch_probability(dev, 1.2 * dev.ic0, 1e-9, T0, **o) for o in (coarse, fine)]
    assert 1e-10 < pr[1] < 1e-8
    assert pr[0] == pytest.approx(pr[1], rel=0.01)


def test_conservation_under_varying_drive_and_temperature(dev):
    def current(t):
        return 1.3 * dev.ic0 if (t % 2e-9) < 1e-9 else 0.0

    def temp(t):
        return T0 + 30.0 * (1.0 - np.exp(-t / 3e-9))

    solver = fp.Solver(dev, current, temp, breakpoints=np.arange(1, 20) * 1e-9)
    t = np.linspace(0.0, 20e-9, 11)
    surv, switched, _ = solver.march(t)
    assert surv[0] == pytest.approx(1.0, abs=1e-14)
    np.testing.assert_allclose(surv + switched, 1.0, atol=1e-12)
    assert np.all(np.diff(surv) <= 0.0) and switched[-1] > 1e-3


def boltzmann_start(delta: float, n: int, rng) -> np.ndarray:
    """Unit vectors with m_z ~ exp(Delta m_z^2) on [0, 1] (inverse CDF), azimuth uniform."""
    x = np.linspace(0.0, 1.0, 20001)
    cdf = np.exp(delta * (x * x - 1.0)) * special.dawsn(np.sqrt(delta) * x)
    mz = np.interp(rng.uniform(cdf[0], cdf[-1], n), cdf, x)
    phi = rng.uniform(0.0, 2.0 * np.pi, n)
    s = np.sqrt(1.0 - mz * mz)
    return np.stack([s * np.cos(phi), s * np.sin(phi), mz], axis=1)


def sllg(delta: float, drive, n: int, t_end: float, dt: float, seed: int):
    """n macrospins (Stratonovich, Heun) under the drive i(t) (t in tau_p): the first times
    [tau_p] at which m_z < 0 (inf if never) and m_z at t_end.

    dm = (m_z - i)(z - m_z m) dt + m x dW / sqrt(Delta): on the sphere the drift has z
    component (1 - m_z^2)(m_z - i) and the rotational noise gives m_z the diffusion
    (1 - m_z^2) / (2 Delta) of the Fokker-Planck equation.
    """
    rng = np.random.default_rng(seed)
    m = boltzmann_start(delta, n, rng)
    z = np.array([0.0, 0.0, 1.0])
    sigma = 1.0 / np.sqrt(delta)
    times = np.full(n, np.inf)

    def drift(v, i):
        return (v[:, 2:3] - i) * (z - v[:, 2:3] * v)

    for step in range(int(round(t_end / dt))):
        i = drive((step + 0.5) * dt)
        dw = rng.normal(0.0, np.sqrt(dt), size=m.shape) * sigma
        pred = m + drift(m, i) * dt + np.cross(m, dw)
        m = m + 0.5 * (drift(m, i) + drift(pred, i)) * dt + 0.5 * np.cross(m + pred, dw)
        m /= np.linalg.norm(m, axis=1, keepdims=True)
        crossed = (m[:, 2] < 0.0) & np.isinf(times)
        times[crossed] = (step + 1) * dt
    return times, m[:, 2]


@pytest.mark.parametrize(("ratio", "t_end", "seed"), [(0.9, 22.0, 1), (1.5, 5.0, 2)])
@pytest.mark.slow
def test_median_matches_stochastic_llg(dev, ratio, t_end, seed):
    n = 800
    times = sllg(dev.delta0, lambda t: ratio, n, t_end, 0.004, seed)[0]
    assert np.isfinite(times).mean() > 0.6
    median_sllg = np.median(times)
    median_fp = fp.switching_time_quantile(dev, ratio * dev.ic0, T0) / dev.taup
    assert median_sllg == pytest.approx(median_fp, rel=0.10)
    # the FP survival at the sLLG's own quartiles, within 3 binomial standard errors
    q = np.quantile(times, [0.25, 0.5])
    surv = fp.survival(dev, q * dev.taup, ratio * dev.ic0, T0)
    np.testing.assert_allclose(1.0 - surv, [0.25, 0.5], atol=3.0 * np.sqrt(0.25 / n))


@pytest.mark.slow
def test_pulse_probability_matches_stochastic_llg(dev):
    """3 Ic0 for 1.5 ns, then 5 tau_p at rest: the fraction below the equator at the end
    (sphere) and the fraction that ever crossed it (first passage), within 3 binomial
    standard errors of the FP values (0.20 and 0.24)."""
    n, width = 2000, 1.5e-9 / dev.taup
    times, mz = sllg(dev.delta0, lambda t: 3.0 if t < width else 0.0, n, width + 5.0, 0.004, 3)
    for absorbing, measured in ((False, np.mean(mz < 0.0)), (True, np.isfinite(times).mean())):
        ref = fp.pulse_switch_probability(dev, 3.0 * dev.ic0, 1.5e-9, T0, absorbing=absorbing)
        assert measured == pytest.approx(ref, abs=3.0 * np.sqrt(ref * (1.0 - ref) / n))


# ----------------------------------------------------------------------------- issue 19's numbers
@pytest.mark.parametrize(
    ("ratio", "temp", "median_ns"),
    [
        (0.7, 300.0, 110.0),
        (0.9, 300.0, 18.2),
        (1.0, 300.0, 12.5),
        (1.5, 300.0, 5.0),
        (3.0, 300.0, 1.85),
        (0.7, 350.0, 34.7),
    ],
)
def test_issue_medians(dev, ratio, temp, median_ns):
    median = fp.switching_time_quantile(dev, ratio * dev.ic0, temp)
    assert median * 1e9 == pytest.approx(median_ns, rel=0.15)


@pytest.mark.parametrize(("ratio", "issue"), [(1.0, 5e-12), (1.5, 7e-9)])
def test_issue_single_pulse_is_the_crossing_during_the_pulse(dev, ratio, issue):
    """Issue 19's 5e-12 .. 7e-9 for a 1 ns pulse is the equator crossed by the pulse's end;
    what ends reversed (sphere, after the rest) is ~20x (1.0 Ic0) and ~7x (1.5 Ic0) more."""
    crossed = fp.pulse_switch_probability(
        dev, ratio * dev.ic0, 1e-9, T0, absorbing=True, settle_s=0.0
    )
    assert crossed == pytest.approx(issue, rel=0.15)
    reversed_ = fp.pulse_switch_probability(dev, ratio * dev.ic0, 1e-9, T0)
    assert reversed_ > 5.0 * crossed


def test_tiny_probability_is_resolved(dev):
    """A 1 ns pulse at Ic0: P ~ 5e-12, stable to 3 % under half the grid spacing and rtol / 10."""
    o = {"absorbing": True, "settle_s": 0.0}
    a = fp.pulse_switch_probability(dev, dev.ic0, 1e-9, T0, **o)
    b = fp.pulse_switch_probability(
        dev, dev.ic0, 1e-9, T0, n_grid=2 * fp.N_GRID, rtol=fp.RTOL / 10.0, **o
    )
    assert 1e-12 < b < 1e-11
    assert a == pytest.approx(b, rel=0.03)


@pytest.mark.parametrize("ratio", [1.0, 1.5])
def test_pulse_outcome_settles_and_first_passage_counts_it_twice(dev, ratio):
    """On the sphere P(switch) no longer changes once the density near the equator has
    fallen back or across; the first-passage count of the same pulse is about twice it,
    since what reaches the equator at zero drive falls either way."""
    sphere = fp.pulse_switch_probability(dev, ratio * dev.ic0, 1e-9, T0)
    longer = fp.pulse_switch_probability(dev, ratio * dev.ic0, 1e-9, T0, settle_s=10 * dev.taup)
    first = fp.pulse_switch_probability(dev, ratio * dev.ic0, 1e-9, T0, absorbing=True)
    assert longer == pytest.approx(sphere, rel=0.005)
    assert 1.8 < first / sphere < 2.05


def test_issue_pulse_train(dev):
    """1 ns on / 1 ns off at 1.2 Ic0, 300 K: issue 19 reports about 377 pulses."""
    assert fp.median_pulses_to_switch(dev, 1.2 * dev.ic0, 1e-9, 1e-9, T0) == pytest.approx(
        377, rel=0.15
    )


@pytest.mark.slow
def test_floquet_continuation_equals_marching(dev):
    def train(floquet):
        solver, ends = fp._train_solver(dev, 1.2 * dev.ic0, 1e-9, 1e-9, 60, T0, {})
        return fp._train_survival(solver, ends, -1.0, floquet), solver.steps

    (cont, steps_cont), (marched, steps_marched) = train(None), train(False)
    assert steps_cont < 0.8 * steps_marched
    np.testing.assert_allclose(np.log(cont), np.log(marched), rtol=1e-4)


def test_pulses_far_apart_are_independent(dev):
    """The cone relaxes between pulses: 10 tau_p apart, each pulse switches with the single
    pulse's probability; 1 ns apart, progress carries over (hazard far above it)."""
    gap = 10.0 * dev.taup
    single = fp.pulse_switch_probability(dev, 1.5 * dev.ic0, 1e-9, T0, settle_s=gap, absorbing=True)
    far = fp.pulse_train_survival(dev, 1.5 * dev.ic0, 1e-9, gap, 4, T0)
    assert 1.0 - far[-1] / far[-2] == pytest.approx(single, rel=0.01)
    close = fp.pulse_train_survival(dev, 1.5 * dev.ic0, 1e-9, 1e-9, 4, T0)
    assert 1.0 - close[-1] / close[-2] > 100.0 * single


def test_train_with_temperature_function(dev):
    """A temperature function (here constant) with floquet=True matches the constant."""
    const = fp.median_pulses_to_switch(dev, 1.5 * dev.ic0, 0.5e-9, 0.5e-9, 320.0)
    func = fp.median_pulses_to_switch(
        dev, 1.5 * dev.ic0, 0.5e-9, 0.5e-9, lambda t: 320.0, floquet=True
    )
    assert func == pytest.approx(const, rel=1e-6)


def test_warm_junction_uses_model_laws(dev):
    """At 350 K tau_p follows 1/Hk(T) (slower), Delta and Ic0 fall: a callable T equal to
    a constant gives the same median as that constant."""
    assert precession_time_unit(dev, 350.0) > dev.taup
    a = fp.switching_time_quantile(dev, 0.7 * dev.ic0, 350.0)
    b = fp.switching_time_quantile(dev, 0.7 * dev.ic0, lambda t: 350.0)
    assert a == pytest.approx(b, rel=1e-12)


def test_edge_of_a_drive_function_is_found_without_breakpoint(dev):
    """A write at 0.8 Ic0 that starts 3.3 ns into a cooling 20 K preheat: the solver
    locates the current's edge itself (the step is halved around it) and gives the
    median it gives when told the edge."""

    def current(t):
        return 0.8 * dev.ic0 if t >= 3.3e-9 else 0.0

    def temp(t):
        return T0 + 20.0 * np.exp(-t / 2e-9)

    told = fp.switching_time_quantile(dev, current, temp, breakpoints=[3.3e-9])
    found = fp.switching_time_quantile(dev, current, temp)
    assert found == pytest.approx(told, rel=1e-4)
    cold = fp.switching_time_quantile(dev, current, T0, breakpoints=[3.3e-9])
    assert told < cold


def test_mean_from_marching_equals_resolvent(dev):
    exact = fp.mean_switching_time(dev, 1.2 * dev.ic0, T0)
    marched = fp.mean_switching_time(dev, lambda t: 1.2 * dev.ic0, T0)
    assert marched == pytest.approx(exact, rel=2e-3)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"temp_k": -1.0}, "temp_k"),
        ({"temp_k": "hot"}, "temp_k"),
        ({"current_a": None}, "current_a"),
        ({"n_grid": 5}, "n_grid"),
        ({"q": 1.5}, "q="),
    ],
)
def test_bad_input_is_refused(dev, kwargs, match):
    args = {"current_a": dev.ic0, "temp_k": T0, **kwargs}
    with pytest.raises(ValueError, match=match):
        fp.switching_time_quantile(dev, **args)


def test_unreached_quantile_is_an_error(dev):
    with pytest.raises(ValueError, match="t_max"):
        fp.switching_time_quantile(dev, 0.5 * dev.ic0, T0, t_max=1e-9)
