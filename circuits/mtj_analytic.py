"""Closed-form physics of the ``mtj`` compact model: the references its simulations are tested against.

Every function mirrors one documented equation of ``models/verilog_a/README.md``; SI units,
temperatures in kelvin.  Pure numpy, no simulation.  The model's numerical constants come
from ``mtj_macros.vams`` through :mod:`circuits.mtj_model_spec`.

The material laws (Delta(T), Ic0(T), taup(T), TMR(V, T), the thermal rise) and the
textbook limits of switching (``neel_brown_time``, ``sun_time``).  The switching law of
model version 3 is :mod:`circuits.mtj_switching`; the legacy law of version 2, which the
neuron stack still runs, is :mod:`circuits.mtj_law_v2`.
"""

from __future__ import annotations

import numpy as np

from . import mtj_model_spec as spec
from .mtj_device import MtjParams

LN2 = float(np.log(2.0))


_LAST_MS: tuple = (None, None, None)
"""(p, T, value) of the last :func:`reduced_magnetization` at one float T: the switching
law asks for Delta, Ic0 and taup at one temperature in a row (three calls, one value;
a third of a report's cold switching-law time).  ``p`` is frozen; matched by identity."""


def reduced_magnetization(p: MtjParams, temp_k):
    """Ms(T)/Ms(tnom) from Bloch's law Ms(T) = Ms(0) (1 - (T/Tc)^1.5)."""
    global _LAST_MS
    last = _LAST_MS
    scalar = type(temp_k) is float
    if scalar and last[0] is p and last[1] == temp_k:
        return last[2]
    floor = spec.constant("MS_FLOOR")
    temps = np.asarray(temp_k, dtype=float)
    num = np.maximum(1.0 - (temps / p.tc) ** 1.5, floor)
    value = num / max(1.0 - (p.tnom / p.tc) ** 1.5, floor)
    if scalar:
        _LAST_MS = (p, temp_k, value)
    return value


def thermal_stability(p: MtjParams, temp_k):
    """Delta(T) = Delta0 (Ms(T)/Ms(tnom))^kexp tnom / T."""
    ms = reduced_magnetization(p, temp_k)
    return p.delta0 * ms**p.kexp * p.tnom / np.asarray(temp_k, float)


def critical_current(p: MtjParams, temp_k):
    """Ic0(T) = Ic0 (Ms(T)/Ms(tnom))^kexp [A] (Ic0 ~ alpha Ms Hk V, Hk ~ K/Ms)."""
    return p.ic0 * reduced_magnetization(p, temp_k) ** p.kexp


def precession_time_unit(p: MtjParams, temp_k):
    """taup(T) = taup (Hk(tnom) / Hk(T)) [s]: the macrospin's time unit (1 + alpha^2) / (alpha gamma mu0 Hk).

    Hk = 2 K / Ms scales as Ms(T)^(kexp - 1) with K ~ Ms^kexp, so a warmer junction
    precesses more slowly (Ic0 ~ alpha Ms Hk V keeps its Ms^kexp scaling).
    """
    return p.taup / reduced_magnetization(p, temp_k) ** (p.kexp - 1.0)


def tmr(p: MtjParams, v, temp_k):
    """TMR(V, T) = TMR(T) / (1 + (V/vh)^2), Julliere's TMR(T) = 2P^2/(1-P^2), P = P0(1 - asp T^1.5)."""
    pol0 = np.sqrt(p.tmr0 / (2.0 + p.tmr0))
    polt = (
        pol0
        * np.maximum(1.0 - p.asp * np.asarray(temp_k, float) ** 1.5, 0.0)
        / (1.0 - p.asp * p.tnom**1.5)
    )
    tmr_t = 2.0 * polt**2 / (1.0 - polt**2)
    return tmr_t / (1.0 + (np.asarray(v, float) / p.vh) ** 2)


def resistance(p: MtjParams, v, temp_k, state: int):
    """Junction resistance [ohm]: rp in the parallel state (+1), rp (1 + TMR(V,T)) antiparallel (-1)."""
    if state == 1:
        return np.full_like(np.asarray(v, float), p.rp)
    return p.rp * (1.0 + tmr(p, v, temp_k))


def first_order_rise(power_w: float, p: MtjParams, t_s):
    """Temperature rise of the rth || cth network under a power step [K]."""
    return power_w * p.rth * (1.0 - np.exp(-np.asarray(t_s, float) / p.tau_th_s))


# ----------------------------------------------------------------------------- drive
def smooth_ramp(u, w: float):
    """The model's C1 ramp max(u, 0): 0 below -w, u above w, (u + w)^2 / (4 w) between."""
    u = np.asarray(u, float)
    mid = (u + w) ** 2 / (4.0 * w)
    return np.where(u <= -w, 0.0, np.where(u >= w, u, mid))


def drive_ratio(p: MtjParams, current_a, temp_k):
    """I / Ic0(T), positive toward the state the current pushes to."""
    return np.asarray(current_a, float) / critical_current(p, temp_k)


# ----------------------------------------------------------------------------- textbook limits
def neel_brown_time(p: MtjParams, current_a, temp_k):
    """Neel-Brown mean waiting time tau0 exp(Delta(T) (1 - I/Ic0(T))) [s] (Brown 1963; Koch 2004)."""
    i = np.asarray(current_a, float) / critical_current(p, temp_k)
    return p.tau0 * np.exp(thermal_stability(p, temp_k) * (1.0 - i))


def sun_time(p: MtjParams, current_a, temp_k, theta0=None):
    """Sun's precessional delay taup ln(pi / (2 theta0)) / (I/Ic0(T) - 1) [s] (Sun 2000).

    ``theta0`` defaults to the median of the thermal (Rayleigh) angle, sqrt(ln 2 / Delta).
    """
    delta = thermal_stability(p, temp_k)
    theta0 = np.sqrt(LN2 / delta) if theta0 is None else np.asarray(theta0, float)
    i = np.asarray(current_a, float) / critical_current(p, temp_k)
    return p.taup * np.log(np.pi / (2.0 * theta0)) / (i - 1.0)
