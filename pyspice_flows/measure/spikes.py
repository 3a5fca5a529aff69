"""Spikes of a logic output: rising and falling edges through half the supply, spike times
(interpolated), counts and widths.  Pure numpy; SI units."""

from __future__ import annotations

import numpy as np

from .signals import check_pair

# ----------------------------------------------------------------------------- spikes
LOGIC_THRESHOLD_FRACTION = 0.5
"""A logic output's spike threshold as a fraction of its supply (half the rail)."""


def logic_threshold_v(vdd_v: float) -> float:
    """The spike threshold [V] of a logic output on a ``vdd_v`` [V] supply: half the rail."""
    if not (np.isfinite(vdd_v) and vdd_v > 0):
        raise ValueError(f"vdd_v must be a finite supply voltage > 0 V, got {vdd_v!r}")
    return LOGIC_THRESHOLD_FRACTION * float(vdd_v)


def _edges(v, threshold_v: float, rising: bool) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    if v.ndim != 1:
        raise ValueError(f"v must be a 1-D array of voltages [V], got shape {v.shape}")
    if not np.isfinite(threshold_v):
        raise ValueError(f"threshold_v must be finite, got {threshold_v!r}")
    if np.any(np.isnan(v)):
        raise ValueError("v holds nan values")
    if rising:
        return np.flatnonzero((v[:-1] < threshold_v) & (v[1:] >= threshold_v)) + 1
    return np.flatnonzero((v[:-1] >= threshold_v) & (v[1:] < threshold_v)) + 1


def rising_edges(v, threshold_v: float) -> np.ndarray:
    """Sample indices ``k`` at which ``v`` rises through ``threshold_v``:
    ``v[k-1] < threshold_v <= v[k]``.  A waveform that starts at or above the threshold
    has no edge at index 0.  The one definition of a rising edge in the project."""
    return _edges(v, threshold_v, rising=True)


def falling_edges(v, threshold_v: float) -> np.ndarray:
    """Sample indices ``k`` at which ``v`` falls through ``threshold_v``:
    ``v[k-1] >= threshold_v > v[k]`` (the end of a spike :func:`rising_edges` began)."""
    return _edges(v, threshold_v, rising=False)


def spike_times(
    t,
    v,
    threshold_v: float,
    min_separation_s: float = 0.0,
    hysteresis_v: float = 0.0,
) -> np.ndarray:
    """Times [s] at which ``v`` rises through ``threshold_v`` (linearly interpolated).

    A rising crossing is a :func:`rising_edges` index ``k``, ``v[k-1] < threshold_v <=
    v[k]``.  A waveform that starts at or above the threshold does not count as a spike
    at t[0].

    ``hysteresis_v`` >= 0: after a spike, the next one counts only once ``v`` has fallen
    below ``threshold_v - hysteresis_v`` (ringing around the threshold is one spike).
    ``min_separation_s`` >= 0: a crossing less than this after the previous counted
    spike is ignored (a refractory dead time).
    """
    t, v = check_pair(t, v, "v")
    if not (np.isfinite(hysteresis_v) and hysteresis_v >= 0):
        raise ValueError(f"hysteresis_v must be >= 0 V, got {hysteresis_v!r}")
    if not (np.isfinite(min_separation_s) and min_separation_s >= 0):
        raise ValueError(f"min_separation_s must be >= 0 s, got {min_separation_s!r}")
    rising = rising_edges(v, threshold_v)
    if t.size < 2 or rising.size == 0:
        return np.empty(0)
    dv = v[rising] - v[rising - 1]
    crossing = t[rising - 1] + (threshold_v - v[rising - 1]) / dv * (t[rising] - t[rising - 1])
    if hysteresis_v == 0 and min_separation_s == 0:
        return crossing

    # Indices where v is low enough to re-arm the detector.
    rearm = np.flatnonzero(v < threshold_v - hysteresis_v)
    out: list[float] = []
    last_k = -1  # sample index of the last counted spike
    for k, tc in zip(rising, crossing, strict=True):
        # armed if v went below threshold - hysteresis in (last_k, k): first spike needs it too
        j = np.searchsorted(rearm, last_k, side="right")
        if j >= rearm.size or rearm[j] >= k:
            continue
        if out and tc - out[-1] < min_separation_s:
            continue
        out.append(float(tc))
        last_k = int(k)
    return np.asarray(out)


def count_spikes(
    t,
    v,
    threshold_v: float,
    min_separation_s: float = 0.0,
    hysteresis_v: float = 0.0,
) -> int:
    """Number of rising threshold crossings of ``v``; see :func:`spike_times`."""
    return int(spike_times(t, v, threshold_v, min_separation_s, hysteresis_v).size)


def spike_widths_s(t, v, threshold_v: float) -> np.ndarray:
    """Width [s] of each spike of ``v``: from a rising crossing of ``threshold_v`` to the
    next falling one, both linearly interpolated (full width at the threshold).  A spike
    still high at the end of the run has no width and is left out."""
    t, v = check_pair(t, v, "v")

    def crossing(k: int) -> float:
        return float(t[k - 1] + (threshold_v - v[k - 1]) / (v[k] - v[k - 1]) * (t[k] - t[k - 1]))

    falls = falling_edges(v, threshold_v)
    widths = []
    for k in rising_edges(v, threshold_v):
        later = falls[falls > k]
        if later.size:
            widths.append(crossing(int(later[0])) - crossing(int(k)))
    return np.asarray(widths, dtype=float)
