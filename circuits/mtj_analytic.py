"""Closed-form physics of the ``mtj`` compact model: the references its simulations are tested against.

Every function mirrors one documented equation of ``models/verilog_a/README.md``; SI units,
temperatures in kelvin.  Pure numpy, no simulation.
"""

from __future__ import annotations

import numpy as np

from .mtj_device import MtjParams

MS_FLOOR = 1e-3  # the model's floor on the reduced magnetization


def reduced_magnetization(p: MtjParams, temp_k):
    """Ms(T)/Ms(tnom) from Bloch's law Ms(T) = Ms(0) (1 - (T/Tc)^1.5)."""
    temp_k = np.asarray(temp_k, dtype=float)
    num = np.maximum(1.0 - (temp_k / p.tc) ** 1.5, MS_FLOOR)
    return num / max(1.0 - (p.tnom / p.tc) ** 1.5, MS_FLOOR)


def thermal_stability(p: MtjParams, temp_k):
    """Delta(T) = Delta0 (Ms(T)/Ms(tnom))^kexp tnom / T."""
    return p.delta0 * reduced_magnetization(p, temp_k) ** p.kexp * p.tnom / np.asarray(temp_k, float)


def critical_current(p: MtjParams, temp_k):
    """Ic0(T) = Ic0 (Ms(T)/Ms(tnom))^kexp [A] (Ic0 ~ alpha Ms Hk V, Hk ~ K/Ms)."""
    return p.ic0 * reduced_magnetization(p, temp_k) ** p.kexp


def tmr(p: MtjParams, v, temp_k):
    """TMR(V, T) = TMR(T) / (1 + (V/vh)^2) with Julliere's TMR(T) = 2P^2/(1-P^2), P(T) = P0(1 - asp T^1.5)."""
    pol0 = np.sqrt(p.tmr0 / (2.0 + p.tmr0))
    polt = pol0 * np.maximum(1.0 - p.asp * np.asarray(temp_k, float) ** 1.5, 0.0) / (
        1.0 - p.asp * p.tnom**1.5
    )
    tmr_t = 2.0 * polt**2 / (1.0 - polt**2)
    return tmr_t / (1.0 + (np.asarray(v, float) / p.vh) ** 2)


def resistance(p: MtjParams, v, temp_k, state: int):
    """Junction resistance [ohm]: rp in the parallel state (+1), rp (1 + TMR(V,T)) antiparallel (-1)."""
    if state == 1:
        return np.full_like(np.asarray(v, float), p.rp)
    return p.rp * (1.0 + tmr(p, v, temp_k))


def ln_pi_over_2theta0(p: MtjParams, temp_k):
    """ln(pi / (2 theta0)) with the thermal initial angle theta0 = sqrt(1 / (2 Delta(T)))."""
    theta0 = np.sqrt(1.0 / (2.0 * thermal_stability(p, temp_k)))
    return np.maximum(np.log(np.pi / (2.0 * theta0)), 0.1)


def neel_brown_time(p: MtjParams, current_a, temp_k):
    """Mean thermally activated switching time tau0 exp(Delta(T) (1 - I/Ic0(T))) [s], I < Ic0."""
    i = np.asarray(current_a, float) / critical_current(p, temp_k)
    return p.tau0 * np.exp(thermal_stability(p, temp_k) * (1.0 - i))


def sun_time(p: MtjParams, current_a, temp_k):
    """Sun's precessional switching delay taup ln(pi/(2 theta0)) / (I/Ic0(T) - 1) [s], I > Ic0."""
    i = np.asarray(current_a, float) / critical_current(p, temp_k)
    return p.taup * ln_pi_over_2theta0(p, temp_k) / (i - 1.0)


def first_order_rise(power_w: float, p: MtjParams, t_s):
    """Temperature rise of the rth || cth network under a power step [K]."""
    return power_w * p.rth * (1.0 - np.exp(-np.asarray(t_s, float) / p.tau_th_s))


def switching_rate(p: MtjParams, current_a, temp_k, bridge: float = 0.05):
    """The model's mean switching rate [1/s] toward the state the current pushes to.

    Neel-Brown below Ic0(T); above it Sun's precessional rate plus the barrier-free thermal
    channel 1/tau0 fading over ``bridge`` Ic0, so that the rate is continuous at Ic0.
    """
    i = np.asarray(current_a, float) / critical_current(p, temp_k)
    delta = thermal_stability(p, temp_k)
    below = np.exp(-np.minimum(delta * (1.0 - i), 80.0)) / p.tau0
    excess = np.maximum(i - 1.0, 0.0)
    above = np.exp(-np.minimum(excess / bridge, 80.0)) / p.tau0 + excess / (
        p.taup * ln_pi_over_2theta0(p, temp_k)
    )
    return np.where(i <= 1.0, below, above)
