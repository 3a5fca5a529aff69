"""Numerics of the Fokker-Planck macrospin reference (:mod:`circuits.mtj_fokker_planck`).

Space: finite volumes on nodes uniform in theta (x = cos theta: fine near x = 1, where the
resting density has width 1/Delta; N_GRID = 800 intervals resolve the exp(-Delta)-deep tails
that single-pulse probabilities of 1e-12 come from to about 1 %).  Fluxes after
Scharfetter and Gummel, built on the exact potential phi = -Delta (x^2 - 2 i x): the
discrete zero-flux state is exactly exp(-phi) and the scheme stays positive at any Peclet
number (Delta up to hundreds, i up to 10 tested).

Time: backward Euler (an M-matrix solve per step: positive, and conservative to rounding),
with 1, 2 and 3 substeps per step extrapolated to third order; the difference between the
second- and third-order values, relative per node (down to ATOL_SWITCHED), in S and in the
switched probability, sets the step.  The coefficients (i, Delta, tau_p) are frozen at
each step's midpoint; the step restarts short at every breakpoint of the drive, so a pulse
edge never falls inside a step.  Each substep is one tridiagonal solve (LAPACK gtsv,
which makes no row exchange on these column-dominant matrices).

The switched probability is accumulated from the outflux at x = 0 (never as 1 - S), so
1e-12 carries no cancellation; S + switched = 1 to rounding.  The mean switching time at
constant drive is the exact time integral of the semi-discrete S (a flux recursion).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .mtj_analytic import critical_current, precession_time_unit, thermal_stability
from .mtj_device import MtjParams

Signal = float | Callable[[float], float]
"""A constant, or a function of time in seconds (current in A, temperature in K)."""

N_GRID = 800
"""Default number of grid intervals in theta on [0, pi/2]."""
RTOL = 1e-3
"""Default step tolerance: the second- minus third-order difference per step, relative to
each nodal density, to S and to the switched probability."""
ATOL_SWITCHED = 1e-16
"""Default absolute floor of that tolerance (nodal densities and switched probability)."""
COEF_TOL = 5e-3
"""Largest change of i, and relative change of Delta and tau_p, across one step of a drive
or temperature given as a function (a larger one halves the step: edges without a
breakpoint are located to JUMP_TAU)."""
JUMP_TAU = 1e-7
"""Width, in units of tau_p, to which an edge of a drive function without a breakpoint is
located (a step this short is taken across it)."""
MIN_STEP_TAU = 1e-12
"""Smallest step, in units of tau_p, before the solver gives up (a drive it cannot follow)."""
FIRST_STEP_TAU = 1e-3
"""First step after each breakpoint, in units of tau_p."""


# ----------------------------------------------------------------------------- the grid
@dataclass(frozen=True)
class Grid:
    """Nodes x_k = cos(theta_k), theta uniform.

    Equator domain (``absorbing``): theta from pi/2 (x = 0, held at P = 0) to 0 (x = 1),
    ``n_grid`` intervals.  Sphere domain: theta from pi to 0 (x = -1 .. 1, reflecting at
    both poles), 2 n_grid + 1 intervals, so that the equator is a cell face and the mass
    below it is exactly the sum over the nodes with x < 0 (``below``).

    ``x``/``vol``: the unknown nodes and their control volumes; ``xall``: all nodes;
    ``xface``/``h``: per interval between consecutive nodes, the face position (theta
    midpoint) and the length in x.
    """

    x: np.ndarray
    vol: np.ndarray
    xface: np.ndarray
    h: np.ndarray
    xall: np.ndarray
    absorbing: bool
    below: np.ndarray


def make_grid(n_grid: int = N_GRID, absorbing: bool = True) -> Grid:
    """The theta-uniform grid with ``n_grid`` intervals per hemisphere."""
    if isinstance(n_grid, bool) or not isinstance(n_grid, (int, np.integer)) or n_grid < 20:
        raise ValueError(f"n_grid={n_grid!r}; allowed: an integer >= 20")
    if absorbing:
        theta = np.linspace(0.5 * np.pi, 0.0, n_grid + 1)
    else:
        theta = np.linspace(np.pi, 0.0, 2 * n_grid + 2)
    xall = np.cos(theta)
    xall[-1] = 1.0
    xall[0] = 0.0 if absorbing else -1.0
    xface = np.cos(0.5 * (theta[:-1] + theta[1:]))
    if absorbing:
        x, edges = xall[1:], np.concatenate([xface, [1.0]])
    else:
        x, edges = xall, np.concatenate([[-1.0], xface, [1.0]])
        xface[n_grid] = 0.0
    return Grid(
        x=x,
        vol=np.diff(edges),
        xface=xface,
        h=np.diff(xall),
        xall=xall,
        absorbing=bool(absorbing),
        below=x < 0.0,
    )


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
    if grid.absorbing:  # node 0 (x = 0) is not an unknown
        return Rates(a=a, b=b, lower=-a[1:], diag=b + np.append(a[1:], 0.0), upper=-b[1:])
    return Rates(a=a, b=b, lower=-a, diag=np.append(0.0, b) + np.append(a, 0.0), upper=-b)


def _be_step(grid: Grid, rates: Rates, s: float, prob: np.ndarray) -> tuple[np.ndarray, float]:
    """One backward-Euler step of length s (in tau_p): the new density and the switched increment.

    (V - s K) P_new = V P_old with the conservative tridiagonal K; on the equator domain
    the column sums of V - s K equal V except for the first node, whose outflux s b_0 P_1
    is the increment (on the sphere nothing leaves: the increment is 0).
    V - s K is column diagonally dominant, so LAPACK's gtsv makes no row exchange: the
    elimination only adds positive terms to the right-hand side (tiny tails stay exact).
    """
    from scipy.linalg.lapack import dgtsv

    rhs = grid.vol * prob if prob.ndim == 1 else grid.vol[:, None] * prob
    _, _, _, new, info = dgtsv(
        s * rates.lower, grid.vol + s * rates.diag, s * rates.upper, rhs, overwrite_b=1
    )
    if info != 0:
        raise FloatingPointError(f"tridiagonal solve failed (LAPACK info {info})")
    return new, (s * rates.b[0] * new[0] if grid.absorbing else 0.0)


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
        absorbing: bool = True,
    ):
        if not isinstance(absorbing, bool):
            raise ValueError(f"absorbing={absorbing!r}; allowed: True (equator) or False (sphere)")
        if not (0.0 < rtol < 0.1):
            raise ValueError(f"rtol={rtol!r}; allowed: 0 < rtol < 0.1")
        if not (atol >= 0.0):
            raise ValueError(f"atol={atol!r}; allowed: >= 0")
        if not isinstance(p, MtjParams):
            raise ValueError(f"p={p!r}; allowed: an MtjParams (circuits.mtj_device.load_device)")
        self.p = p
        self.grid = make_grid(n_grid, absorbing)
        self.current = _as_signal(current_a, "current_a", positive=False)
        self.temp = _as_signal(temp_k, "temp_k", positive=True)
        self.temp_k = temp_k
        self.constant = not callable(current_a) and not callable(temp_k)
        self.rtol, self.atol = float(rtol), float(atol)
        self.breakpoints = _times(breakpoints, "breakpoints") if len(breakpoints) else np.empty(0)
        self._cache: dict[tuple[float, float], Rates] = {}
        self.steps = 0
        self._laws: dict[float, tuple[float, float, float]] = {}
        self.state(0.0)  # a bad temperature fails here, before any work

    # -- physics at one time
    def state(self, t: float) -> tuple[float, float, float]:
        """(Delta, i, tau_p [s]) at time t."""
        temp = self.temp(t)
        laws = self._laws.get(temp)
        if laws is None:
            if not np.isfinite(temp) or temp <= 0.0:
                raise ValueError(
                    f"temp_k({t:.4g} s) = {temp!r}; allowed: a finite temperature > 0 K"
                )
            laws = (
                float(thermal_stability(self.p, temp)),
                float(critical_current(self.p, temp)),
                float(precession_time_unit(self.p, temp)),
            )
            if len(self._laws) > 256:
                self._laws.clear()
            self._laws[temp] = laws
        return laws[0], self.current(t) / laws[1], laws[2]

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
        """Boltzmann density of the resting well (x > 0) at T(0), normalised to S = 1."""
        delta, _, _ = self.state(0.0)
        prob = np.where(self.grid.below, 0.0, np.exp(delta * (self.grid.x**2 - 1.0)))
        return prob / np.dot(self.grid.vol, prob)

    def surviving(self, prob: np.ndarray) -> float:
        """S: the probability not yet switched (on the sphere: the mass above the equator)."""
        if self.grid.absorbing:
            return float(np.dot(self.grid.vol, prob))
        up = ~self.grid.below
        return float(np.dot(self.grid.vol[up], prob[up]))

    def _below(self, prob: np.ndarray) -> float:
        """The mass below the equator (sphere domain)."""
        below = self.grid.below
        return float(np.dot(self.grid.vol[below], prob[below]))

    # -- one step with its error estimate
    def _substeps(self, rates: Rates, s: float, n: int, prob: np.ndarray):
        """n backward-Euler substeps of s / n [tau_p] each: (P, switched increment)."""
        sw = 0.0
        for _ in range(n):
            prob, inc = _be_step(self.grid, rates, s / n, prob)
            sw += inc
        return prob, sw

    def _step(self, t: float, h: float, prob: np.ndarray, switched: float):
        """Extrapolated backward Euler over [t, t + h] [s]: (P, switched, error).

        The coefficients are frozen at the step's midpoint (second order in their
        variation; drive edges are breakpoints, never inside a step).  Backward Euler with
        1, 2 and 3 substeps, extrapolated (Aitken-Neville; the error has all powers of h)
        to third order; the error measure compares the second- and third-order values per
        node (relative), in S and in the switched probability.  If an extrapolated density
        has a negative entry, the 3-substep solution is kept.
        """
        delta, i, taup = self.state(t + 0.5 * h)
        rates, s = self.rates(delta, i), h / taup
        p1, a1 = self._substeps(rates, s, 1, prob)
        p2, a2 = self._substeps(rates, s, 2, prob)
        p3, a3 = self._substeps(rates, s, 3, prob)
        if not self.grid.absorbing:  # switched = the mass below the equator
            a1, a2, a3 = (self._below(q) - switched for q in (p1, p2, p3))
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
                if h < MIN_STEP_TAU * self.state(t)[2]:
                    raise FloatingPointError(
                        f"step fell below {MIN_STEP_TAU:g} tau_p at t = {t:.6g} s; "
                        "is the drive or temperature discontinuous without a breakpoint?"
                    )
                if stop - t < 1.000001 * h:
                    h = stop - t
                if not self.constant and self._varies(t, h):
                    h *= 0.5
                    continue
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
                surv.append(self.surviving(prob))
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

    def _varies(self, t: float, h: float) -> bool:
        """Do i, Delta or tau_p change by more than COEF_TOL inside (t, t + h)?  (The
        step's coefficients are frozen at its midpoint; the ends themselves are not
        sampled, so an edge on a breakpoint does not count.)  False once h < JUMP_TAU."""
        d0, i0, tp0 = self.state(t + 1e-6 * h)
        if h <= JUMP_TAU * tp0:
            return False
        for u in (t + 0.5 * h, t + (1.0 - 1e-6) * h):
            d1, i1, tp1 = self.state(u)
            if abs(i1 - i0) > COEF_TOL or abs(d1 - d0) > COEF_TOL * d0:
                return True
            if abs(tp1 - tp0) > COEF_TOL * tp0:
                return True
        return False

    def _need_absorbing(self, what: str) -> None:
        if not self.grid.absorbing:
            raise ValueError(f"{what} needs absorbing=True (first passage of the equator)")

    def first_passage(self, q: float, t_max: float) -> float:
        """The time [s] at which the switched probability reaches q (0 < q < 1)."""
        self._need_absorbing("a first-passage quantile")
        prev = None
        for t, prob, switched, _ in self.iterate(np.array([t_max])):
            if switched >= q:
                if prev is None:
                    return 0.0
                t0, p0, s0 = prev
                from scipy.optimize import brentq

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
        self._need_absorbing("the mean first-passage time")
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
