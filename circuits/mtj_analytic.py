"""Closed-form physics of the ``mtj`` compact model: the references its simulations are tested against.

Every function mirrors one documented equation of ``models/verilog_a/README.md``; SI units,
temperatures in kelvin.  Pure numpy, no simulation.  The model's numerical constants come
from ``mtj_macros.vams`` through :mod:`circuits.mtj_model_spec`.

Two kinds of reference live here: the model's own switching law (``thermal_hazard_rate``,
``precession_rate``, ``median_switching_time``), and the textbook limits it must reduce to
(``neel_brown_time``, ``sun_time``), written independently of the model's crossover.
"""

from __future__ import annotations

import numpy as np

from . import mtj_model_spec as spec
from .mtj_device import MtjParams

LN2 = float(np.log(2.0))


def reduced_magnetization(p: MtjParams, temp_k):
    """Ms(T)/Ms(tnom) from Bloch's law Ms(T) = Ms(0) (1 - (T/Tc)^1.5)."""
    floor = spec.constant("MS_FLOOR")
    temp_k = np.asarray(temp_k, dtype=float)
    num = np.maximum(1.0 - (temp_k / p.tc) ** 1.5, floor)
    return num / max(1.0 - (p.tnom / p.tc) ** 1.5, floor)


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


# ----------------------------------------------------------------------------- switching law
def smooth_ramp(u, w: float):
    """The model's C1 ramp max(u, 0): 0 below -w, u above w, (u + w)^2 / (4 w) between."""
    u = np.asarray(u, float)
    mid = (u + w) ** 2 / (4.0 * w)
    return np.where(u <= -w, 0.0, np.where(u >= w, u, mid))


def drive_ratio(p: MtjParams, current_a, temp_k):
    """I / Ic0(T), positive toward the state the current pushes to."""
    return np.asarray(current_a, float) / critical_current(p, temp_k)


def barrier_free_time(p: MtjParams, temp_k):
    """tau_c = sqrt(2 Delta(T)) taup [s]: escape from the thermal cone at exactly Ic0.

    With spin torque cancelling the damping, the cone u = theta^2 grows by thermal
    diffusion, du/dt = 2 / (Delta taup), until the cubic drift of the uniaxial macrospin,
    dtheta/dt = theta^3 / (2 taup), takes over; the two stages meet at u = sqrt(2/Delta).
    """
    delta = np.maximum(thermal_stability(p, temp_k), 1e-3)
    return spec.constant("TAU_C_COEF") * np.sqrt(delta) * p.taup


def thermal_hazard_rate(p: MtjParams, current_a, temp_k):
    """Thermally activated hazard rate [1/s]: 1 / (tau0 exp(Delta (1 - i)) + tau_c).

    Neel-Brown's waiting time with the barrier reduced linearly in i = I/Ic0(T), in
    series with the barrier-free escape time tau_c; the corner of (1 - i) at i = 1 is
    rounded over +-ismooth.  Never decreasing in i, saturating at 1/(tau0 + tau_c).
    """
    i = drive_ratio(p, current_a, temp_k)
    delta = np.maximum(thermal_stability(p, temp_k), 1e-3)
    e = np.exp(-delta * smooth_ramp(1.0 - i, p.ismooth))
    return e / (p.tau0 + barrier_free_time(p, temp_k) * e)


def precession_rate(p: MtjParams, current_a, temp_k):
    """Growth rate of ln(theta/theta0) while the drive lasts [1/s]: (i - 1)^+ / taup (Sun)."""
    return smooth_ramp(drive_ratio(p, current_a, temp_k) - 1.0, p.ismooth) / p.taup


def precession_relaxation(p: MtjParams, current_a, temp_k):
    """Relaxation rate of the log-angle toward the thermal cone below Ic0 [1/s]: (1 - i)^+ / taup."""
    return smooth_ramp(1.0 - drive_ratio(p, current_a, temp_k), p.ismooth) / p.taup


def precession_threshold(p: MtjParams, temp_k, eprec=LN2):
    """ln(pi / (2 theta0)) with theta0^2 = eprec / Delta(T) (eprec = ln 2: the median angle)."""
    delta = np.maximum(thermal_stability(p, temp_k), 1e-3)
    theta0 = np.sqrt(np.asarray(eprec, float) / delta)
    return np.maximum(np.log(np.pi / (2.0 * theta0)), 0.1)


def channel_norm(thermal_fraction, precession_fraction):
    """The model's smooth maximum of two progress fractions: (a^k + b^k)^(1/k), k = 4."""
    k = spec.constant("CHANNEL_NORM")
    a, b = np.asarray(thermal_fraction, float), np.asarray(precession_fraction, float)
    return (np.abs(a) ** k + np.abs(b) ** k) ** (1.0 / k)


def median_switching_time(p: MtjParams, current_a, temp_k):
    """The deterministic model's switching time at a constant drive and temperature [s].

    Both channels grow linearly (H = r t, A = g t), so the norm of H / ln 2 and
    A / ln(pi / (2 theta_med)) reaches 1 at t = 1 / norm(r / ln 2, g / lnth): the median
    of the stochastic model's switching time.
    """
    r = thermal_hazard_rate(p, current_a, temp_k)
    g = precession_rate(p, current_a, temp_k)
    return 1.0 / channel_norm(r / LN2, g / precession_threshold(p, temp_k))


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
