"""Exact macrospin reference: Brown's Fokker-Planck equation for a perpendicular free layer.

The free layer is a uniaxial macrospin with collinear spin torque, axially symmetric, so the
density P(x, t) of x = m_z is all of its state (W. F. Brown, Phys. Rev. 130, 1677 (1963);
Butler et al., IEEE TMAG 48, 4684 (2012); Pinna, Kent and Stein, JAP 114, 033901 (2013)).
In the time unit tau_p(T) of the macrospin:

    dP/dtau = -d/dx[(1 - x^2)(x - i) P] + d/dx[(1 - x^2) / (2 Delta) dP/dx],

x in [0, 1], reflecting at x = 1, absorbing at the equator x = 0 (crossing it counts as
switched); i = I / Ic0(T) > 0 pushes toward x = -1.  The zero-flux solution is
exp(Delta (x^2 - 2 i x)): a barrier Delta (1 - i)^2 between x = 1 and its top at x = i.
The barrier exponent is therefore 2 by construction; the compact model's ``bexp = 1``
(Delta (1 - i), the form of pulse-width fits of devices that reverse by nucleation) has no
macrospin counterpart and cannot be reproduced by this reference.

Start: the Boltzmann density of the resting well, P0 ~ exp(Delta x^2) on [0, 1], at the
initial temperature and zero current.  Survival S(t) = integral of P.  Time-varying drive
and temperature enter through the model's own laws (:mod:`circuits.mtj_analytic`):
i(t) = I(t) / Ic0(T(t)), Delta(T(t)), tau_p(T(t)).

High-barrier check (derived from the exact mean first-passage integral, the normalisation
of this module): at zero current the mean time to reach the equator from the Boltzmann
start is tau_p (sqrt(pi) / 2) Delta^(-1/2) exp(Delta) (1 + O(1/Delta)).  It is half of
Brown's well-to-well waiting time 1/k, since a macrospin at the top of the barrier falls
back half of the time (Brown 1963, eq. for the uniaxial tau_N with tau_D = Delta tau_p).

Numerics: finite volumes on nodes uniform in theta (x = cos theta: fine near x = 1 where the
resting density has width 1/Delta); Scharfetter-Gummel fluxes built on the exact potential,
so the discrete equilibrium is exact and the scheme is positive at any Peclet number;
backward Euler with step doubling (Richardson extrapolation to second order, and its error
estimate controls the step), restarted with a short step at every breakpoint of the drive;
each step a tridiagonal solve.  The switched probability 1 - S is accumulated from the
outflux at x = 0, so probabilities of 1e-12 carry no cancellation.  The discrete system
conserves S + (switched) to rounding.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.linalg.lapack import dgtsv
from scipy.optimize import brentq

from .mtj_analytic import critical_current, precession_time_unit, thermal_stability
from .mtj_device import MtjParams

Signal = float | Callable[[float], float]
"""A constant, or a function of time in seconds (current in A, temperature in K)."""

N_GRID = 800
"""Default number of grid intervals in theta on [0, pi/2]."""
RTOL = 1e-3
"""Default tolerance on the difference of the one-step and two-half-step solutions, relative
to each nodal density, to S and to the switched probability (the extrapolated step is more
accurate)."""
ATOL_SWITCHED = 1e-16
"""Default absolute tolerance on the switched probability per step."""
FIRST_STEP_TAU = 1e-3
"""First step after each breakpoint, in units of tau_p."""


# ----------------------------------------------------------------------------- the grid
@dataclass(frozen=True)
class Grid:
    """Nodes x_k = cos(theta_k), theta uniform from pi/2 (x = 0, absorbing) to 0 (x = 1).

    ``x``: the N unknown nodes (node 0 at x = 0 is held at P = 0); ``vol``: their control
    volumes; ``xface``/``h``: for the N intervals between consecutive nodes (0..N), the
    face position (theta midpoint) and the length in x.
    """

    x: np.ndarray
    vol: np.ndarray
    xface: np.ndarray
    h: np.ndarray
    xall: np.ndarray


def make_grid(n_grid: int = N_GRID) -> Grid:
    """The theta-uniform grid with ``n_grid`` intervals."""
    if isinstance(n_grid, bool) or not isinstance(n_grid, (int, np.integer)) or n_grid < 20:
        raise ValueError(f"n_grid={n_grid!r}; allowed: an integer >= 20")
    theta = np.linspace(0.5 * np.pi, 0.0, n_grid + 1)
    xall = np.cos(theta)
    xall[0], xall[-1] = 0.0, 1.0
    theta_f = 0.5 * (theta[:-1] + theta[1:])
    xface = np.cos(theta_f)
    edges = np.concatenate([xface, [1.0]])
    vol = np.diff(edges)
    return Grid(x=xall[1:], vol=vol, xface=xface, h=np.diff(xall), xall=xall)


def _bernoulli(z):
    """B(z) = z / (exp(z) - 1), stable for all z (B(0) = 1)."""
    z = np.asarray(z, float)
    small = np.abs(z) < 1e-6
    with np.errstate(over="ignore"):
        safe = np.where(small, 1.0, z)
        out = safe / np.expm1(safe)
    return np.where(small, 1.0 - 0.5 * z, out)


@dataclass(frozen=True)
class Rates:
    """Scharfetter-Gummel rates of the N faces, flux = a P_left - b P_right (toward +x),
    and the tridiagonal operator K they make on the unknown nodes (per unit step)."""

    a: np.ndarray
    b: np.ndarray
    lower: np.ndarray
    diag: np.ndarray
    upper: np.ndarray


def face_rates(grid: Grid, delta: float, i: float) -> Rates:
    """Rates of Delta and i: potential phi(x) = -Delta (x^2 - 2 i x) (equilibrium
    exp(-phi)), D = (1 - x^2) / (2 Delta) at the face; B(dphi) and B(-dphi) weight the
    two sides, so the discrete zero-flux state is exactly exp(-phi) at the nodes."""
    phi = -delta * (grid.xall**2 - 2.0 * i * grid.xall)
    dphi = np.diff(phi)
    d_over_h = (1.0 - grid.xface**2) / (2.0 * delta) / grid.h
    a, b = d_over_h * _bernoulli(dphi), d_over_h * _bernoulli(-dphi)
    return Rates(a=a, b=b, lower=-a[1:], diag=b + np.append(a[1:], 0.0), upper=-b[1:])


def _be_step(grid: Grid, rates: Rates, s: float, prob: np.ndarray) -> tuple[np.ndarray, float]:
    """One backward-Euler step of length s (in tau_p): the new density and the switched increment.

    (V - s K) P_new = V P_old with the conservative tridiagonal K; the column sums of
    V - s K equal V except for the first node, whose outflux s b_0 P_1 is the increment.
    V - s K is column diagonally dominant, so LAPACK's gtsv makes no row exchange: the
    elimination only adds positive terms to the right-hand side (tiny tails stay exact).
    """
    _, _, _, new, info = dgtsv(
        s * rates.lower, grid.vol + s * rates.diag, s * rates.upper, grid.vol * prob
    )
    if info != 0:
        raise FloatingPointError(f"tridiagonal solve failed (LAPACK info {info})")
    return new, s * rates.b[0] * new[0]


# ----------------------------------------------------------------------------- inputs
def _as_signal(value: Signal, what: str, positive: bool) -> Callable[[float], float]:
    if callable(value):
        return lambda t: float(value(t))
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise ValueError(f"{what}={value!r}; allowed: a number or a function of time in s")
    v = float(value)
    if not np.isfinite(v) or (positive and v <= 0.0):
        raise ValueError(
            f"{what}={value!r}; allowed: a finite number" + (" > 0" if positive else "")
        )
    return lambda t: v


def _times(t_s, what: str = "t_s") -> np.ndarray:
    t = np.atleast_1d(np.asarray(t_s, dtype=float))
    if t.ndim != 1 or t.size == 0 or not np.all(np.isfinite(t)) or t[0] < 0.0:
        raise ValueError(f"{what}={t_s!r}; allowed: finite times >= 0 s")
    if np.any(np.diff(t) < 0.0):
        raise ValueError(f"{what} must be sorted ascending; got {t_s!r}")
    return t


# ----------------------------------------------------------------------------- the solver
class Solver:
    """The Fokker-Planck problem of one device under one drive and temperature history.

    ``current_a`` and ``temp_k`` are constants or functions of time [s]; ``breakpoints``
    are the times where they jump (pulse edges): the step restarts short there and never
    evaluates the drive on an edge (each step uses its midpoint values).
    """

    def __init__(
        self,
        p: MtjParams,
        current_a: Signal,
        temp_k: Signal,
        *,
        n_grid: int = N_GRID,
        rtol: float = RTOL,
        atol: float = ATOL_SWITCHED,
        breakpoints: Sequence[float] = (),
    ):
        if not (0.0 < rtol < 0.1):
            raise ValueError(f"rtol={rtol!r}; allowed: 0 < rtol < 0.1")
        if not (atol >= 0.0):
            raise ValueError(f"atol={atol!r}; allowed: >= 0")
        self.p = p
        self.grid = make_grid(n_grid)
        self.current = _as_signal(current_a, "current_a", positive=False)
        self.temp = _as_signal(temp_k, "temp_k", positive=True)
        self.constant = not callable(current_a) and not callable(temp_k)
        self.rtol, self.atol = float(rtol), float(atol)
        self.breakpoints = _times(breakpoints, "breakpoints") if len(breakpoints) else np.empty(0)
        self._cache: dict[tuple[float, float], tuple] = {}
        self.steps = 0
        self._state0 = None
        if self.constant:
            self._state0 = self.state(0.0)

    # -- physics at one time
    def state(self, t: float) -> tuple[float, float, float]:
        """(Delta, i, tau_p [s]) at time t."""
        if self._state0 is not None:
            return self._state0
        temp = self.temp(t)
        if not np.isfinite(temp) or temp <= 0.0:
            raise ValueError(f"temp_k({t:.4g} s) = {temp!r}; allowed: a finite temperature > 0 K")
        delta = float(thermal_stability(self.p, temp))
        i = self.current(t) / float(critical_current(self.p, temp))
        return delta, i, float(precession_time_unit(self.p, temp))

    def rates(self, delta: float, i: float):
        key = (delta, i)
        r = self._cache.get(key)
        if r is None:
            r = face_rates(self.grid, delta, i)
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = r
        return r

    def initial(self) -> np.ndarray:
        """Boltzmann density of the resting well at T(0), normalised to S = 1 on the grid."""
        delta, _, _ = self.state(0.0)
        prob = np.exp(delta * (self.grid.x**2 - 1.0))
        return prob / np.dot(self.grid.vol, prob)

    # -- one step with its error estimate
    def _substeps(self, t: float, h: float, n: int, prob: np.ndarray):
        """n backward-Euler substeps over [t, t + h], each with its midpoint's coefficients."""
        sw = 0.0
        for k in range(n):
            delta, i, taup = self.state(t + (k + 0.5) * h / n)
            prob, inc = _be_step(self.grid, self.rates(delta, i), h / n / taup, prob)
            sw += inc
        return prob, sw

    def _step(self, t: float, h: float, prob: np.ndarray, switched: float):
        """Extrapolated backward Euler over [t, t + h] [s]: (P, switched, error).

        Backward Euler with 1, 2 and 3 substeps, extrapolated (Aitken-Neville, the error
        has all powers of h) to third order; the error measure compares the second- and
        third-order values per node (relative), in S and in the switched probability.
        If an extrapolated density has a negative entry, the 3-substep solution is kept.
        """
        p1, a1 = self._substeps(t, h, 1, prob)
        p2, a2 = self._substeps(t, h, 2, prob)
        p3, a3 = self._substeps(t, h, 3, prob)
        p22, a22 = 2.0 * p2 - p1, 2.0 * a2 - a1
        p32, a32 = 3.0 * p3 - 2.0 * p2, 3.0 * a3 - 2.0 * a2
        p33, a33 = 1.5 * p32 - 0.5 * p22, 1.5 * a32 - 0.5 * a22
        diff = np.abs(p33 - p32)
        if p33.min() < 0.0 or a33 < 0.0:
            p33, a33 = p3, a3
        self.steps += 1
        err_s = np.dot(self.grid.vol, diff) / self.rtol
        err_a = abs(a33 - a32) / (self.rtol * (switched + a3) + self.atol)
        err_p = np.max(diff / (self.rtol * p3 + self.atol))
        return p33, switched + a33, max(err_s, err_a, err_p)

    def iterate(self, stops: np.ndarray):
        """Accepted steps up to the last of ``stops`` [s]: yields (t, P, switched, stop_hit)."""
        stops = np.union1d(stops, self.breakpoints[self.breakpoints < stops[-1]])
        prob, switched, t = self.initial(), 0.0, 0.0
        yield t, prob, switched, True
        for stop in stops[stops > 0.0]:
            h = FIRST_STEP_TAU * self.state(t)[2]
            while t < stop:
                if stop - t < 1.000001 * h:
                    h = stop - t
                new, new_sw, err = self._step(t, h, prob, switched)
                if err <= 1.0:
                    t = stop if h == stop - t else t + h
                    prob, switched = new, new_sw
                    yield t, prob, switched, t == stop
                h *= min(4.0, max(0.2, 0.9 * max(err, 1e-12) ** (-1.0 / 3.0)))

    def march(self, t_out) -> tuple[np.ndarray, np.ndarray, list]:
        """S, the switched probability and (t, P, switched) at the sorted times ``t_out`` [s]."""
        t_out = _times(t_out)
        surv, sw, states = [], [], []
        k = 0
        for t, prob, switched, _ in self.iterate(t_out):
            while k < t_out.size and t_out[k] <= t:
                surv.append(np.dot(self.grid.vol, prob))
                sw.append(switched)
                states.append((t, prob, switched))
                k += 1
        return np.array(surv), np.array(sw), states

    def advance(self, t: float, h: float, prob: np.ndarray, switched: float):
        """One extrapolated step of length h [s] from a state at t (no error control)."""
        new, new_sw, _ = self._step(t, h, prob, switched)
        return new, new_sw

    def _switched_after(self, h: float, t0: float, p0, s0: float, q: float) -> float:
        return self.advance(t0, h, p0, s0)[1] - q if h > 0.0 else s0 - q

    def first_passage(self, q: float, t_max: float) -> float:
        """The time [s] at which the switched probability reaches q (0 < q < 1)."""
        prev = None
        for t, prob, switched, _ in self.iterate(np.array([t_max])):
            if switched >= q:
                if prev is None:
                    return 0.0
                t0, p0, s0 = prev
                return t0 + brentq(
                    self._switched_after,
                    0.0,
                    t - t0,
                    args=(t0, p0, s0, q),
                    xtol=1e-9 * (t - t0),
                    rtol=1e-12,
                )
            prev = (t, prob, switched)
        raise ValueError(
            f"the switched probability reaches only {prev[2]:.4g} < q = {q:.4g} "
            f"by t_max = {t_max:.4g} s; raise t_max"
        )

    def mean_constant(self) -> float:
        """Mean first-passage time [s] at constant drive and temperature: the exact time
        integral of the semi-discrete S, tau_p * 1' V y with -K y = V P0.

        The steady flux through face k is minus the source beyond it, Q_k; from y_0 = 0,
        y_(k+1) = (a_k y_k + Q_k) / b_k: sums of positive terms, exact at any barrier
        (a banded solve loses everything to cancellation once exp(Delta) ~ 1e16).
        """
        delta, i, taup = self.state(0.0)
        rates = self.rates(delta, i)
        a, b = rates.a, rates.b
        src = self.grid.vol * self.initial()
        beyond = np.cumsum(src[::-1])[::-1]  # Q_k = sum of src over nodes k+1..N
        y = np.empty_like(src)
        prev = 0.0
        for k in range(src.size):
            prev = (a[k] * prev + beyond[k]) / b[k]
            y[k] = prev
        return taup * float(np.dot(self.grid.vol, y))


# ----------------------------------------------------------------------------- public API
def survival(
    p: MtjParams,
    t_s,
    current_a: Signal,
    temp_k: Signal,
    *,
    n_grid: int = N_GRID,
    rtol: float = RTOL,
    atol: float = ATOL_SWITCHED,
    breakpoints: Sequence[float] = (),
) -> np.ndarray:
    """Survival probability S at the sorted times ``t_s`` [s] (t_s[0] = 0 allowed).

    ``current_a`` [A] (positive: toward switching) and ``temp_k`` [K] are constants or
    functions of time [s]; give the times where they jump as ``breakpoints``.
    """
    solver = Solver(
        p, current_a, temp_k, n_grid=n_grid, rtol=rtol, atol=atol, breakpoints=breakpoints
    )
    return solver.march(t_s)[0]


def switched_probability(p: MtjParams, t_s, current_a: Signal, temp_k: Signal, **options):
    """1 - S at the times ``t_s`` [s], accumulated from the outflux (exact for tiny values)."""
    return Solver(p, current_a, temp_k, **options).march(t_s)[1]


def switching_time_quantile(
    p: MtjParams,
    current_a: Signal,
    temp_k: Signal,
    q: float = 0.5,
    *,
    t_max: float = 1e-3,
    **options,
) -> float:
    """The time [s] by which a fraction q of the junctions has switched (q = 0.5: the median).

    Raises ValueError if the switched fraction does not reach q by ``t_max`` [s].
    """
    if not (0.0 < q < 1.0):
        raise ValueError(f"q={q!r}; allowed: 0 < q < 1")
    if not (np.isfinite(t_max) and t_max > 0.0):
        raise ValueError(f"t_max={t_max!r}; allowed: a finite time > 0 s")
    return Solver(p, current_a, temp_k, **options).first_passage(q, t_max)


def mean_switching_time(
    p: MtjParams, current_a: Signal, temp_k: Signal, *, t_max: float = 1e-3, **options
) -> float:
    """Mean switching time [s]: the time integral of S.

    At constant drive and temperature the integral is exact for the discretised equation
    (a resolvent solve); otherwise S is integrated (trapezoid over the accepted steps) to
    ``t_max``, which must leave S below 1e-6.
    """
    solver = Solver(p, current_a, temp_k, **options)
    if solver.constant:
        return solver.mean_constant()
    total, prev = 0.0, None
    for t, prob, _, _ in solver.iterate(np.array([t_max])):
        s = float(np.dot(solver.grid.vol, prob))
        if prev is not None:
            total += 0.5 * (s + prev[1]) * (t - prev[0])
        prev = (t, s)
        if s < 1e-9:
            return total
    if prev[1] > 1e-6:
        raise ValueError(f"S({t_max:.4g} s) = {prev[1]:.3g} > 1e-6; raise t_max")
    return total


def _pulse(amplitude_a: float, on_s: float, period_s: float | None):
    if period_s is None:
        return lambda t: amplitude_a if t < on_s else 0.0
    return lambda t: amplitude_a if (t % period_s) < on_s else 0.0


def _positive(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise ValueError(f"{what}={value!r}; allowed: a finite number > 0")
    if not (np.isfinite(value) and value > 0.0):
        raise ValueError(f"{what}={value!r}; allowed: a finite number > 0")
    return float(value)


SETTLE_TAU = 5.0
"""Default rest after a single pulse, in units of tau_p(T(0))."""


def pulse_switch_probability(
    p: MtjParams,
    amplitude_a: float,
    width_s: float,
    temp_k: Signal,
    *,
    settle_s: float | None = None,
    **options,
) -> float:
    """P(switch) of one rectangular pulse from rest: 1 - S after the pulse and ``settle_s``
    [s] of zero drive (default SETTLE_TAU tau_p), which lets the density near the equator
    relax back or cross."""
    width = _positive(width_s, "width_s")
    solver = Solver(
        p, _pulse(float(amplitude_a), width, None), temp_k, breakpoints=[width], **options
    )
    settle = SETTLE_TAU * solver.state(0.0)[2] if settle_s is None else settle_s
    if settle_s is not None and not (np.isfinite(settle) and settle >= 0.0):
        raise ValueError(f"settle_s={settle_s!r}; allowed: a finite time >= 0 s")
    return float(solver.march([width + settle])[1][0])


def pulse_train_survival(
    p: MtjParams,
    amplitude_a: float,
    on_s: float,
    off_s: float,
    n_pulses: int,
    temp_k: Signal,
    **options,
) -> np.ndarray:
    """S after each of ``n_pulses`` periods of ``on_s`` at ``amplitude_a`` and ``off_s`` at
    zero drive (length n_pulses; the state starts at rest before the first pulse)."""
    on, off = _positive(on_s, "on_s"), _positive(off_s, "off_s")
    if isinstance(n_pulses, bool) or not isinstance(n_pulses, (int, np.integer)) or n_pulses < 1:
        raise ValueError(f"n_pulses={n_pulses!r}; allowed: an integer >= 1")
    period = on + off
    ends = period * np.arange(1, n_pulses + 1)
    edges = np.concatenate([ends - off, ends])
    solver = Solver(
        p, _pulse(float(amplitude_a), on, period), temp_k, breakpoints=np.sort(edges), **options
    )
    return solver.march(ends)[0]


def median_pulses_to_switch(
    p: MtjParams,
    amplitude_a: float,
    on_s: float,
    off_s: float,
    temp_k: Signal,
    *,
    max_pulses: int = 4000,
    **options,
) -> float:
    """The number of pulses after which half of the junctions have switched, interpolated
    linearly in ln S between whole periods; ValueError if not reached in ``max_pulses``."""
    surv = np.concatenate(
        [[1.0], pulse_train_survival(p, amplitude_a, on_s, off_s, max_pulses, temp_k, **options)]
    )
    k = int(np.argmax(surv <= 0.5))
    if surv[k] > 0.5:
        raise ValueError(
            f"S = {surv[-1]:.4g} > 0.5 after max_pulses = {max_pulses} pulses; raise max_pulses"
        )
    l0, l1 = np.log(surv[k - 1]), np.log(surv[k])
    return float(k - 1 + (l0 - np.log(0.5)) / (l0 - l1))
