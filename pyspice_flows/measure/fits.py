"""Exponential fits: ln(y) = ln(a0) + slope * x by least squares, the one fit every time
constant in the project comes from (heat decay, plasticity, recency, working memory).

The caller chooses the points (its window or mask); this module checks them and fits.
Pure numpy; x in any unit (usually s), the time constant ``tau = -1 / slope`` in the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ExponentialFit:
    """ln(y) = ln(a0) + slope * x fitted over ``points`` samples.

    ``slope`` [1/x] is negative for a decay; ``rms_ln`` is the rms residual in ln(y)."""

    slope: float
    intercept: float
    points: int
    rms_ln: float

    @property
    def tau(self) -> float:
        """``-1 / slope`` [x]: the decay's time constant (negative for a growth, inf if flat)."""
        return -1.0 / self.slope if self.slope != 0 else math.inf

    @property
    def a0(self) -> float:
        """The fitted value at x = 0."""
        return math.exp(self.intercept)


def fit_exponential(x, y) -> ExponentialFit:
    """Least-squares line through (x, ln y); ``y`` must be positive and finite, at least two
    points, ``x`` and ``y`` of the same length."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(
            f"fit_exponential: x and y must be 1-D of one length, got {x.shape}, {y.shape}"
        )
    if x.size < 2:
        raise ValueError(f"fit_exponential: needs at least 2 points, got {x.size}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y)) and np.all(y > 0)):
        raise ValueError("fit_exponential: every x must be finite and every y finite and > 0")
    ln_y = np.log(y)
    slope, intercept = np.polyfit(x, ln_y, 1)
    resid = ln_y - (slope * x + intercept)
    return ExponentialFit(
        float(slope), float(intercept), int(x.size), float(np.sqrt(np.mean(resid**2)))
    )
