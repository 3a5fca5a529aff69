"""Waveform basics shared by the measurements: the time-axis checks, windows and the
trapezoidal integral.  Pure numpy; SI units."""

from __future__ import annotations

from typing import Protocol

import numpy as np


class WaveformsLike(Protocol):
    """What this module reads from :class:`pyspice_flows.sim.session.Waveforms`."""

    @property
    def time(self) -> np.ndarray: ...

    def v(self, node: str) -> np.ndarray: ...

    def i(self, source: str) -> np.ndarray: ...


# ----------------------------------------------------------------------------- integrals
def check_time(t, name: str = "t") -> np.ndarray:
    t = np.asarray(t, dtype=float)
    if t.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of times [s], got shape {t.shape}")
    if t.size == 0:
        raise ValueError(f"{name} is empty: no time points to integrate over")
    if not np.all(np.isfinite(t)):
        raise ValueError(f"{name} holds non-finite times (nan or inf)")
    if t.size > 1:
        dt = np.diff(t)
        if np.any(dt < 0):
            k = int(np.argmax(dt < 0))
            raise ValueError(
                f"{name} must be non-decreasing, but {name}[{k + 1}] = {t[k + 1]:.6g} s "
                f"< {name}[{k}] = {t[k]:.6g} s"
            )
    return t


def check_pair(t, y, yname: str = "y") -> tuple[np.ndarray, np.ndarray]:
    t = check_time(t)
    y = np.asarray(y, dtype=float)
    if y.shape != t.shape:
        raise ValueError(
            f"t and {yname} must have the same length, got {t.shape[0]} times and "
            f"{yname} of shape {y.shape}"
        )
    return t, y


def time_window(
    t: np.ndarray, y: np.ndarray, t0: float, t1: float
) -> tuple[np.ndarray, np.ndarray]:
    """The samples inside [t0, t1] with linearly interpolated end points added."""
    if not t0 < t1:
        raise ValueError(f"window needs t0 < t1, got t0={t0!r} s, t1={t1!r} s")
    if t0 < t[0] or t1 > t[-1]:
        raise ValueError(
            f"window [{t0:.6g}, {t1:.6g}] s lies outside the simulated time "
            f"[{t[0]:.6g}, {t[-1]:.6g}] s"
        )
    inner = (t > t0) & (t < t1)
    tw = np.concatenate(([t0], t[inner], [t1]))
    yw = np.concatenate(([np.interp(t0, t, y)], y[inner], [np.interp(t1, t, y)]))
    return tw, yw


def integrate(t, y, t0: float | None = None, t1: float | None = None) -> float:
    """Trapezoidal integral of ``y`` over ``t``, optionally over the window [t0, t1].

    ``t`` must be 1-D, finite and non-decreasing (repeated time points, which ngspice
    writes at some breakpoints, add nothing); ``y`` must have the same length.  A single
    sample integrates to 0.  Window ends are linearly interpolated and must lie inside
    ``t``.  Units: [y] * s.
    """
    t, y = check_pair(t, y)
    if t0 is not None or t1 is not None:
        t, y = time_window(t, y, t[0] if t0 is None else t0, t[-1] if t1 is None else t1)
    if t.size < 2:
        return 0.0
    return float(np.trapezoid(y, t))
