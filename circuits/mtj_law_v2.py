"""The legacy switching law of the ``mtj`` model, version 2 (``version < 3``), in numpy.

Model version 3 keeps this law selectable because the IPNet neuron, its array and the
behavioural neuron were tuned on it (``circuits.ipnet_neuron.MTJ_LAW_VERSION``); it is the
reference of those circuits until they are re-designed on version 3
(:mod:`circuits.mtj_switching`).  Its defects against the exact macrospin are recorded in
``models/verilog_a/CHANGELOG.md``: the thermal hazard fires at full rate from the first
picosecond near Ic0 and banks its progress across gaps, so short sub-threshold pulse
trains switch after about ten pulses instead of hundreds.
"""

from __future__ import annotations

import numpy as np

from . import mtj_model_spec as spec
from .mtj_analytic import LN2, drive_ratio, smooth_ramp, thermal_stability
from .mtj_device import MtjParams


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
