"""The switching law of the ``mtj`` compact model, version 3, in numpy.

The same equations as ``models/verilog_a/mtj_law_v3.vams`` (constants read from
``mtj_macros.vams`` through :mod:`circuits.mtj_model_spec`), integrated with scipy for any
drive I(t) and junction temperature T(t); SI units, temperatures in kelvin.  The time
variable of the macrospin is tau = t / taup(T) (:func:`circuits.mtj_analytic.
precession_time_unit`); i = I / Ic0(T) is the drive toward the state not occupied.

Two ways to switch, raced with one uniform draw U (the deterministic model holds U = 1/2):

* **the quantile characteristic** y: the trajectory that started at quantile
  E = -ln(1 - U) of the resting cone (Delta theta0^2 = E) follows the exact deterministic
  macrospin, dxi/dtau = i + tanh(xi) with xi = ln tan(theta / 2), plus the outward drift
  thermal noise gives a trajectory of that quantile, eps e^(-2 xi) with
  eps = (E + E_MIX) / (4 Delta); it switches when it crosses the equator (xi = 0).  This
  is the incubation and the spread of precessional switching, and the tail that a short
  pulse switches;
* **barrier hopping**, a Poisson process: the population near the barrier sees the drive
  with a lag, di2/dtau = K_DRIVE (i - i2), and its cone s2 = Delta <theta^2> obeys the
  exact moment equation of the linearised macrospin at that drive, ds2/dtau =
  2 (i2 - 1) s2 + 2; the hazard is the macrospin's quasi-stationary escape rate at the
  drive the cone stands for, i_eff = 1 - 1/s2, with the barrier Delta (1 - i)^bexp.  So
  it needs time to build up (the lag and the cone's growth), a fast pulse train acts near
  its average drive, and once the drive stops the cone relaxes at the moment equation's
  own rate 2 (1 - i2), the zero-drive rate 2 / taup as soon as i2 has fallen: no hazard
  is left a taup after a single pulse (a lag on the cone itself, ds2/dtau = k (s - s2),
  kept s2 rising after a strong pulse while the cone was still above it, and the hazard
  up for a few taup: a 3 Ic0 x 1 ns pulse switched 5x the reference).

A reversal happens when the 4-norm of the two progress fractions (hazard integral / -ln U
and y / y_equator) reaches 1.  The constants were fitted once against the exact
Fokker-Planck macrospin (:mod:`circuits.mtj_fokker_planck`), which the tests compare with.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from functools import cache

import numpy as np

from . import mtj_analytic as ana
from . import mtj_model_spec as spec
from .mtj_device import MtjParams

Drive = float | Callable[[float], float]
"""A constant or a function of time [s]: current [A] toward switching, or temperature [K]."""


@cache
def _c(name: str) -> float:
    """The model's constant ``name`` as a float, looked up once per process (the
    integrator's right-hand side reads several per step)."""
    return float(spec.constant(name))


def _smooth_ramp(u, w: float):
    """The model's C1 ramp max(u, 0) of half-width w (mtj_functions.vams ``sramp``); a
    Python float in, a float out (the integrator's right-hand side calls it per step)."""
    if isinstance(u, float):
        return 0.0 if u <= -w else (u if u >= w else (u + w) ** 2 / (4.0 * w))
    u = np.asarray(u, float)
    return np.where(u <= -w, 0.0, np.where(u >= w, u, (u + w) ** 2 / (4.0 * w)))


def _sstep(u):
    """The model's C1 step, 0 below 0, 1 above 1 (mtj_functions.vams ``sstep``)."""
    if isinstance(u, float):
        u = min(max(u, 0.0), 1.0)
        return u * u * (3.0 - 2.0 * u)
    u = np.clip(np.asarray(u, float), 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)


def stability(p: MtjParams, temp_k) -> np.ndarray:
    """Delta(T), floored as the model floors it (DELTA_FLOOR)."""
    return np.maximum(ana.thermal_stability(p, temp_k), _c("DELTA_FLOOR"))


def hazard_rate(p: MtjParams, a_eff, temp_k) -> np.ndarray:
    """Barrier-hopping rate [1/s] at 1 - i_eff = a_eff (> 0) and temperature T.

    bexp >= 1.5: the macrospin's quasi-stationary escape rate, (HZ_A / sqrt(Delta))
    (1 + P1 z + P2 z^2 + P3 z^3) (1 - a/2)^HZ_Q exp(-Delta a^bexp) / taup(T), z = a sqrt(Delta)
    (fitted to the slowest eigenvalue of the Fokker-Planck operator, 6 % at worst);
    bexp < 1.5: Neel-Brown's linear device-fit form exp(-Delta a) / tau0.
    """
    delta, taup = stability(p, temp_k), ana.precession_time_unit(p, temp_k)
    return _hazard(p, np.asarray(a_eff, float), delta, taup)


def _hazard(p: MtjParams, a, delta, taup):
    """:func:`hazard_rate` at a given Delta and taup (arrays, or floats for a float out)."""
    if p.bexp < 1.5:
        return np.exp(-delta * a) / p.tau0
    p1, p2, p3, floor, amp, q = _hazard_constants()
    z = a * np.sqrt(delta)
    poly = 1.0 + z * (p1 + z * (p2 + z * p3))
    half = floor + _smooth_ramp(1.0 - 0.5 * a - floor, 0.01)
    pre = amp / np.sqrt(delta) * poly * half**q
    return pre * np.exp(-delta * a**p.bexp) / taup


@cache
def _hazard_constants() -> tuple[float, ...]:
    """The hazard's constants (HZ_P1, HZ_P2, HZ_P3, HZ_FLOOR, HZ_A, HZ_Q), read once: the
    integrator's right-hand side evaluates the hazard at every step."""
    return tuple(_c(k) for k in ("HZ_P1", "HZ_P2", "HZ_P3", "HZ_FLOOR", "HZ_A", "HZ_Q"))


def quasi_static_rate(p: MtjParams, current_a, temp_k) -> np.ndarray:
    """The hazard once the cone has settled under a constant drive below Ic0 [1/s]."""
    i = np.asarray(current_a, float) / ana.critical_current(p, temp_k)
    return hazard_rate(p, np.maximum(1.0 - i, 1e-12), temp_k)


def characteristic_rest(equant, delta) -> np.ndarray:
    """xi0: the resting point of the characteristic of quantile E at zero drive.

    The small root of y^2 - (1 - eps) y + eps = 0, y = e^(2 xi), eps = (E + E_MIX) / (4 Delta)
    (i + tanh(xi) + eps e^(-2 xi) = 0 at i = 0), eps capped at EPS_MAX.
    """
    return _rest_of(_eps_of(np.asarray(equant, float), delta))


def _eps_of(equant: np.ndarray, delta):
    """eps = (E + E_MIX) / (4 Delta), capped at EPS_MAX: the outward drift's strength."""
    return np.minimum((equant + _c("E_MIX")) / (4.0 * delta), _c("EPS_MAX"))


def _rest_of(eps):
    """xi0 at a given eps (:func:`characteristic_rest`)."""
    root = 0.5 * ((1.0 - eps) - np.sqrt((1.0 - eps) ** 2 - 4.0 * eps))
    return 0.5 * np.log(root)


class Tabulated:
    """A drive sampled on a time grid (a transient's current or temperature), read by linear
    interpolation: ``f(x) = base + np.interp(x + offset, times, values)``, the same number
    to the bit (numpy's formula, slope (v[j+1] - v[j]) / (t[j+1] - t[j]) times x - t[j] plus
    v[j], the end values held outside) at a third of np.interp's cost per scalar call: the
    integrator asks for the drive and the temperature ~10^6 times in a report.
    :meth:`many` reads an array of times at once (np.interp itself)."""

    def __init__(self, times, values, offset: float = 0.0, base: float | None = None):
        self.times, self.values = np.asarray(times, float), np.asarray(values, float)
        self._t, self._v = self.times.tolist(), self.values.tolist()
        self.offset, self.base = float(offset), base

    def __call__(self, x: float) -> float:
        x = x + self.offset
        t, v = self._t, self._v
        if x <= t[0]:
            value = v[0]
        elif x >= t[-1]:
            value = v[-1]
        else:
            j = bisect_right(t, x) - 1
            value = (v[j + 1] - v[j]) / (t[j + 1] - t[j]) * (x - t[j]) + v[j]
        return value if self.base is None else self.base + value

    def many(self, x) -> np.ndarray:
        """The drive at each of the times ``x`` (an array)."""
        value = np.interp(np.asarray(x, float) + self.offset, self.times, self.values)
        return value if self.base is None else self.base + value


def _as_function(value: Drive) -> Callable[[float], float]:
    if callable(value):
        return value
    constant = float(value)
    return lambda _t: constant


def switching_times(
    p: MtjParams,
    current_a: Drive,
    temp_k: Drive,
    draws,
    t_max: float,
    *,
    breakpoints: tuple[float, ...] = (),
    max_step: float | None = None,
) -> np.ndarray:
    """First switching time [s] for each uniform draw U (NaN where none by t_max), the draw
    held for the whole drive (one waiting episode: :func:`rest_rearm_times` gives where
    ``mtj_stoch`` takes a fresh one).

    ``current_a``, ``temp_k``: constants or functions of time; ``breakpoints``: times where
    the drive jumps (the integration restarts there, so edges are resolved exactly).  The
    deterministic ``mtj`` is the draw U = 1/2 (:func:`median_time`); within one episode
    P(switched by t) = 1 - U*(t) for the stochastic ``mtj_stoch``.
    """
    if not t_max > 0:
        raise ValueError(f"t_max={t_max!r} s must be > 0")
    cur, tmp = _as_function(current_a), _as_function(temp_k)
    times, _common = _episode(p, cur, tmp, draws, 0.0, t_max, (0.0, 0.0), breakpoints, max_step)
    return times


def _episode(
    p, cur, tmp, draws, t_start, t_end, common0, breakpoints, max_step=None, full=False, when=True
):
    """One waiting episode from ``t_start`` to ``t_end`` with the draws held: each draw's
    first switching time (NaN where none), and the drive-only state (i2, ln s2) at the end
    (the path on which no draw has switched; with ``full``, else the integration stops once
    every draw has switched).  The episode starts with the characteristic at rest and no
    hazard accumulated; the lagged drive and the cone from ``common0``.  Without ``when``
    only whether each draw switched is exact: a switching draw's time is the first point of
    the search grid past its crossing (the bisection to 40 halvings skipped)."""
    u = np.atleast_1d(np.asarray(draws, float))
    if np.any((u <= 0.0) | (u >= 1.0)):
        raise ValueError(f"draws must lie in (0, 1); got {u.min():g} .. {u.max():g}")
    eth = -np.log(u)
    equant = -np.log1p(-u)
    n = u.size
    k_drive, cap = _c("K_DRIVE"), _c("SIGMA_CAP")
    norm_k = _c("CHANNEL_NORM")
    at_temp: dict[float, tuple] = {}  # what depends on T alone, by T (often repeated)

    def state_of(t):
        """Delta, Ic0, taup, the characteristics' resting points and their eps at T(t)."""
        temp = float(tmp(t))
        found = at_temp.get(temp)
        if found is None:
            delta = float(stability(p, temp))
            eps = _eps_of(equant, delta)
            found = (
                delta,
                float(ana.critical_current(p, temp)),
                float(ana.precession_time_unit(p, temp)),
                _rest_of(eps),
                eps,
            )
            if len(at_temp) > 100_000:
                at_temp.clear()
            at_temp[temp] = found
        return found

    def rhs(t, x):
        delta, ic0, taup, xi0, eps = state_of(t)
        i = float(cur(t)) / ic0
        i2, sg2, y = float(x[0]), float(x[1]), x[2 : 2 + n]  # the lagged drive, ln s2
        # the population near the barrier sees a drive toward switching with the lag, a
        # stabilising one at once (and forgets it at once: the cone's own relaxation)
        # (x sstep(x / 0.02): max(x, 0), C1, exactly 0 at and below 0, as the model has it)
        di2 = k_drive * (i * _sstep(i / 0.02) - i2) / taup
        ic = i2 + i * _sstep(-i / 0.02)
        capg = 1.0 - _sstep(sg2 - (cap - 1.0))
        grow = _smooth_ramp(ic - 1.0, 0.02) * capg - _smooth_ramp(1.0 - ic, 0.02)
        relax = np.exp(-sg2)  # 1 / s2
        dsg2 = (2.0 * grow + 2.0 * relax) / taup
        lam = float(_hazard(p, float(relax), delta, taup))
        xi = xi0 + y
        out = np.empty(2 + 2 * n)
        out[0], out[1] = di2, dsg2
        out[2 : 2 + n] = (i + np.tanh(xi) + eps * np.exp(-2.0 * xi)) / taup
        out[2 + n :] = lam
        return out

    def fractions(ythr, y, hazard):
        frac_c = np.maximum(y, 0.0) / ythr
        frac_h = hazard / eth
        return (frac_c**norm_k + frac_h**norm_k) ** (1.0 / norm_k)

    def progress(t, x):
        return fractions(-state_of(t)[3], x[2 : 2 + n], x[2 + n :])

    many = getattr(tmp, "many", None)

    def progress_on(grid, sol):
        """progress at each time of ``grid``: (len(grid), n), the dense output read once."""
        temps = many(grid) if many else np.array([float(tmp(t)) for t in grid])
        ythr = -characteristic_rest(equant[None, :], stability(p, temps)[:, None])
        x = sol.sol(grid).T
        return fractions(ythr, x[:, 2 : 2 + n], x[:, 2 + n :])

    edges = sorted({t_start, *(b for b in breakpoints if t_start < b < t_end), t_end})
    x = np.zeros(2 + 2 * n)
    x[0], x[1] = common0
    times = np.full(n, np.nan)
    from scipy.integrate import solve_ivp  # about 1 s to import; only a solve needs it

    for t0, t1 in zip(edges[:-1], edges[1:]):
        sol = solve_ivp(
            rhs,
            (t0, t1),
            x,
            method="LSODA",
            rtol=1e-7,
            atol=1e-10,
            dense_output=True,
            max_step=max_step or np.inf,
        )
        if not sol.success:
            raise RuntimeError(f"switching law: integration failed at t = {sol.t[-1]:.4g} s")
        grid = np.union1d(sol.t, np.linspace(t0, t1, 64))
        z = progress_on(grid, sol)  # (len(grid), n)
        for k in np.flatnonzero(np.isnan(times)):
            hit = np.flatnonzero(z[:, k] >= 1.0)
            if hit.size:
                j = hit[0]
                if j == 0 or not when:
                    times[k] = grid[j]
                    continue
                lo, hi = grid[j - 1], grid[j]
                for _ in range(40):  # bisection on the dense output
                    mid = 0.5 * (lo + hi)
                    if progress(mid, sol.sol(mid))[k] >= 1.0:
                        hi = mid
                    else:
                        lo = mid
                times[k] = hi
        x = sol.y[:, -1]
        if not full and not np.isnan(times).any():
            break
    return times, (float(x[0]), float(x[1]))


def rest_rearm_times(
    p: MtjParams, current_a: Drive, temp_k: Drive, t_end: float, *, breakpoints=()
) -> list[float]:
    """Where ``mtj_stoch`` takes a fresh draw without a reversal [s]: after a drive toward
    the other state (above ACTIVE_DRIVE x Ic0) has ended, once the drive has stayed at or
    below REST_DRIVE x Ic0 for REST_TAUS relaxation units (the time in units of taup(T),
    weighted by 1 - i: the cone relaxes at 2 (1 - i) / taup).  The cone has then forgotten
    the episode, as the exact macrospin does, so its quantile (and, equivalently for a
    Poisson process, the hazard's threshold) starts afresh (mtj_macros.vams)."""
    cur, tmp = _as_function(current_a), _as_function(temp_k)
    active_i, rest_i, rest_taus = _c("ACTIVE_DRIVE"), _c("REST_DRIVE"), _c("REST_TAUS")
    edges = sorted({0.0, *(b for b in breakpoints if 0.0 < b < t_end), t_end})
    out: list[float] = []
    active, clock = False, 0.0
    for t0, t1 in zip(edges[:-1], edges[1:]):
        taup_mid = float(ana.precession_time_unit(p, float(tmp(0.5 * (t0 + t1)))))
        steps = max(8, int(np.ceil((t1 - t0) / (0.05 * taup_mid))))
        grid = np.linspace(t0, t1, steps + 1)
        mids = 0.5 * (grid[:-1] + grid[1:])
        for t, dt in zip(mids, np.diff(grid)):
            temp = float(tmp(t))
            i = float(cur(t)) / float(ana.critical_current(p, temp))
            if i > active_i:
                active = True
            if i <= rest_i:
                clock += dt * (1.0 - min(i, 0.0)) / float(ana.precession_time_unit(p, temp))
            else:
                clock = 0.0
            if active and clock >= rest_taus:
                out.append(float(t + 0.5 * dt))
                active, clock = False, 0.0
    return out


def median_time(p: MtjParams, current_a: Drive, temp_k: Drive, t_max: float, **kw) -> float:
    """The deterministic model's switching time (the draw U = 1/2) [s]; NaN if beyond t_max."""
    return float(switching_times(p, current_a, temp_k, [0.5], t_max, **kw)[0])


def median_switching_time(p: MtjParams, current_a, temp_k) -> np.ndarray:
    """Median switching time under a constant drive and temperature [s], elementwise.

    The integration horizon follows from the quasi-static rate and the precessional time,
    so any current with a finite switching time gives a number (inf where none).
    """
    currents = np.atleast_1d(np.asarray(current_a, float))
    temps = np.broadcast_to(np.asarray(temp_k, float), currents.shape)
    out = np.empty(currents.shape)
    for k, (cur, temp) in enumerate(zip(currents, temps)):
        taup = float(ana.precession_time_unit(p, temp))
        rate = float(quasi_static_rate(p, cur, temp))
        horizon = 60.0 * taup + (20.0 / rate if rate > 0 else np.inf)
        if not np.isfinite(horizon) or horizon > 1e3:
            out[k] = np.inf
            continue
        out[k] = median_time(p, cur, temp, horizon)
    return out.reshape(np.shape(np.asarray(current_a, float) * np.asarray(temp_k, float)))


def switch_probability(
    p: MtjParams,
    current_a: Drive,
    temp_k: Drive,
    t_end: float,
    *,
    breakpoints: tuple[float, ...] = (),
    decades: float = 12.0,
    rounds: int = 4,
    draws: int = 12,
) -> float:
    """P(switched by t_end) of the stochastic model ``mtj_stoch``.

    The drive is cut into waiting episodes at the rest re-arms (:func:`rest_rearm_times`),
    each with a fresh draw, the lagged drive and the cone carried over; P = 1 - the product
    of the episodes' survivals.  In an episode the survival is U* for the smallest
    switching draw, searched in q = log10(1 - U) between -``decades`` and ~0 (the model
    clips draws at 1e-9; probabilities below that read as its floor): each of ``rounds``
    integrations takes ``draws`` draws spread over the current bracket (one integration
    carries them all), so the bracket shrinks by a factor draws + 1 per round (4 rounds of
    12: a relative precision of about 0.1 %).
    """
    if not t_end > 0:
        raise ValueError(f"t_end={t_end!r} s must be > 0")
    cur, tmp = _as_function(current_a), _as_function(temp_k)
    cuts = [0.0, *rest_rearm_times(p, cur, tmp, t_end, breakpoints=breakpoints), t_end]
    survival, common = 1.0, (0.0, 0.0)
    for a, b in zip(cuts[:-1], cuts[1:]):
        if b <= a:
            continue
        p_episode, common = _episode_probability(
            p, cur, tmp, a, b, common, breakpoints, decades, rounds, draws
        )
        survival *= 1.0 - p_episode
    return float(1.0 - survival)


def _episode_probability(
    p, cur, tmp, a, b, common, breakpoints, decades, rounds, draws
) -> tuple[float, tuple[float, float]]:
    """P(switched within the episode [a, b]) for a fresh draw (bisection on U), and the
    drive-only state at b (from the first round, integrated to b whatever switched)."""

    def times(u, full=False):  # only whether each draw switched is read: no bisection
        return _episode(p, cur, tmp, u, a, b, common, breakpoints, full=full, when=False)

    lo, hi = -decades, np.log10(1.0 - 1e-12)  # lo switches (if anything does), hi does not
    end_state = common
    for round_ in range(rounds):
        q = np.linspace(lo, hi, draws + 2)[1:-1]
        found, state = times(1.0 - 10.0**q, full=round_ == 0)
        end_state = state if round_ == 0 else end_state
        switched = np.isfinite(found)
        if not switched.any():
            hi = q[0]
            if round_ == 0 and not np.isfinite(times([1.0 - 10.0**lo])[0][0]):
                return 0.0, end_state
            continue
        k = np.flatnonzero(switched)[-1]  # switching is monotone in U: the last that switched
        lo = q[k]
        hi = q[k + 1] if k + 1 < q.size else hi
    return float(10.0**lo), end_state
