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

Two meanings of "switched".  First passage (``absorbing=True``, as above): every crossing
of the equator counts; medians, quantiles, means and pulse trains use it.  Whole sphere
(``absorbing=False``, x in [-1, 1], reflecting at both poles): switched = the probability
below the equator; ``pulse_switch_probability`` uses it by default, because after a pulse
the density near the equator falls either way at zero drive, and the first-passage count
is then about twice what ends reversed (1.98x for a 1 ns pulse at 1.0-1.5 Ic0, Ikeda).

High-barrier check.  Brown's equation 2 tau_D dW/dt = d/dx[(1 - x^2)(dW/dx - 2 sigma x W)]
is this one at i = 0 with sigma = Delta and tau_D = Delta tau_p; his high-barrier
relaxation time of the uniaxial particle, tau_D (sqrt(pi) / 2) sigma^(-3/2) exp(sigma)
(Brown 1963), is 1 / (2 k) for a one-way escape rate k, the mean time to reach the barrier
top (half of the arrivals fall back).  Here the top at i = 0 is the absorbing equator, so
the mean switching time from the Boltzmann start is tau_p (sqrt(pi) / 2) Delta^(-1/2)
exp(Delta) (1 + 1/Delta + O(Delta^-2)); the correction comes from expanding the exact
mean first-passage integral (H(y) -> 1, 1/(1 - y^2) and Z = exp(Delta) / (2 Delta)
(1 + 1/(2 Delta))); the tests check both against the integral at Delta = 40-60.

The numerics (grid, fluxes, time stepping) live in :mod:`circuits.mtj_fokker_planck_solver`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .mtj_device import MtjParams
from .mtj_fokker_planck_solver import (
    ATOL_SWITCHED,
    N_GRID,
    RTOL,
    Signal,
    Solver,
    make_grid,
)

__all__ = [
    "ATOL_SWITCHED",
    "N_GRID",
    "RTOL",
    "Solver",
    "make_grid",
    "mean_switching_time",
    "median_pulses_to_switch",
    "pulse_switch_probability",
    "pulse_train_survival",
    "survival",
    "switched_probability",
    "switching_time_quantile",
]


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
    absorbing: bool = True,
) -> np.ndarray:
    """Survival probability S at the sorted times ``t_s`` [s] (t_s[0] = 0 allowed).

    ``current_a`` [A] (positive: toward switching) and ``temp_k`` [K] are constants or
    functions of time [s]; give the times where they jump as ``breakpoints``.
    ``absorbing``: True, S is the probability of never having crossed the equator; False,
    the whole sphere, S is the probability above the equator at t.
    """
    solver = Solver(
        p,
        current_a,
        temp_k,
        n_grid=n_grid,
        rtol=rtol,
        atol=atol,
        breakpoints=breakpoints,
        absorbing=absorbing,
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
        s = float(solver.surviving(prob))
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
    absorbing: bool = False,
    **options,
) -> float:
    """P(switch) of one rectangular pulse of ``width_s`` [s] at ``amplitude_a`` [A] from rest,
    after ``settle_s`` [s] of zero drive (default SETTLE_TAU tau_p(T(0))).

    By default on the whole sphere: the probability below the equator once the density
    near it has fallen back or across, i.e. the junctions that end reversed.  With
    ``absorbing=True``, the first-passage probability of the equator (every crossing
    counts): after the settle about twice the former (what reaches the equator at zero
    drive falls either way), at ``settle_s=0`` the crossings during the pulse alone.
    """
    width = _positive(width_s, "width_s")
    solver = Solver(
        p,
        _pulse(float(amplitude_a), width, None),
        temp_k,
        breakpoints=[width],
        absorbing=absorbing,
        **options,
    )
    settle = SETTLE_TAU * solver.state(0.0)[2] if settle_s is None else settle_s
    if settle_s is not None and not (np.isfinite(settle) and settle >= 0.0):
        raise ValueError(f"settle_s={settle_s!r}; allowed: a finite time >= 0 s")
    return float(solver.march([width + settle])[1][0])


def _train_solver(p, amplitude_a, on_s, off_s, n_pulses, temp_k, options):
    on, off = _positive(on_s, "on_s"), _positive(off_s, "off_s")
    if isinstance(n_pulses, bool) or not isinstance(n_pulses, (int, np.integer)) or n_pulses < 1:
        raise ValueError(f"n_pulses={n_pulses!r}; allowed: an integer >= 1")
    period = on + off
    ends = period * np.arange(1, n_pulses + 1)
    edges = np.sort(np.concatenate([ends - off, ends]))
    solver = Solver(p, _pulse(float(amplitude_a), on, period), temp_k, breakpoints=edges, **options)
    return solver, ends


FLOQUET_RTOL = 1e-6
"""Relative change of the per-period hazard, over three periods, below which a periodic
train at constant temperature is continued by its dominant Floquet multiplier."""


def _train_survival(
    solver: Solver, ends: np.ndarray, stop_at: float, floquet: bool | None
) -> np.ndarray:
    """S after each period, until it falls to ``stop_at``.

    At a constant temperature the train is periodic: once the hazard per period,
    (switched_k - switched_(k-1)) / S_(k-1), has settled (the density's shape repeats,
    the other Floquet modes have decayed), S continues geometrically.  A temperature that
    follows a function of time is marched to the end unless ``floquet`` is True (the
    caller knows that T(t) becomes periodic with the train, e.g. Joule heating).
    """
    periodic = (not callable(solver.temp_k)) if floquet is None else bool(floquet)
    surv, sw, hazard = [], [0.0], []
    k = 0
    for t, prob, switched, _ in solver.iterate(ends):
        if t < ends[k]:
            continue
        surv.append(solver.surviving(prob))
        sw.append(switched)
        k += 1
        if k == ends.size or surv[-1] <= stop_at:
            return np.array(surv)
        previous = surv[-2] if k > 1 else 1.0
        hazard.append((sw[-1] - sw[-2]) / previous)
        settled = len(hazard) > 3 and all(
            abs(hazard[-j] - hazard[-j - 1]) <= FLOQUET_RTOL * hazard[-1] for j in (1, 2, 3)
        )
        if periodic and settled:
            break
    n_more = ends.size - k
    if stop_at > 0.0 and hazard[-1] > 0.0:
        n_more = min(n_more, int(np.ceil(np.log(stop_at / surv[-1]) / np.log1p(-hazard[-1]))) + 1)
    more = surv[-1] * np.exp(np.log1p(-hazard[-1]) * np.arange(1, max(n_more, 0) + 1))
    return np.concatenate([surv, more])


def pulse_train_survival(
    p: MtjParams,
    amplitude_a: float,
    on_s: float,
    off_s: float,
    n_pulses: int,
    temp_k: Signal,
    *,
    floquet: bool | None = None,
    **options,
) -> np.ndarray:
    """S after each of ``n_pulses`` periods of ``on_s`` [s] at ``amplitude_a`` [A] and
    ``off_s`` [s] at zero drive (the state starts at rest before the first pulse).

    At a constant temperature, once the hazard per period has settled, the survival
    continues by the train's dominant Floquet multiplier (see ``_train_survival``); a
    temperature that is a function of time is marched to the last pulse unless
    ``floquet=True`` (the same continuation, once the hazard has settled to FLOQUET_RTOL
    over three periods: for a T(t) that settles into the train's period).
    """
    solver, ends = _train_solver(p, amplitude_a, on_s, off_s, n_pulses, temp_k, options)
    return _train_survival(solver, ends, -1.0, floquet)


def median_pulses_to_switch(
    p: MtjParams,
    amplitude_a: float,
    on_s: float,
    off_s: float,
    temp_k: Signal,
    *,
    max_pulses: int = 4000,
    floquet: bool | None = None,
    **options,
) -> float:
    """The number of pulses after which half of the junctions have switched, interpolated
    linearly in ln S between whole periods; ValueError if not reached in ``max_pulses``."""
    solver, ends = _train_solver(p, amplitude_a, on_s, off_s, max_pulses, temp_k, options)
    surv = np.concatenate([[1.0], _train_survival(solver, ends, 0.5, floquet)])
    k = int(np.argmax(surv <= 0.5))
    if surv[k] > 0.5:
        raise ValueError(
            f"S = {surv[-1]:.4g} > 0.5 after max_pulses = {max_pulses} pulses; raise max_pulses"
        )
    l0, l1 = np.log(surv[k - 1]), np.log(surv[k])
    return float(k - 1 + (l0 - np.log(0.5)) / (l0 - l1))
