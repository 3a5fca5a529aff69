"""The one exponential fit (pyspice_flows.measure.fits) against exact exponentials."""

import math

import numpy as np
import pytest

from pyspice_flows import measure


def test_exact_decay_gives_its_time_constant_and_amplitude():
    t = np.linspace(0.0, 5e-9, 11)
    fit = measure.fit_exponential(t, 3.0 * np.exp(-t / 1.3e-9))
    assert fit.tau == pytest.approx(1.3e-9, rel=1e-9)
    assert fit.a0 == pytest.approx(3.0, rel=1e-9)
    assert fit.points == 11 and fit.rms_ln < 1e-9


def test_growth_and_flat_lines_are_not_decays():
    x = np.arange(4.0)
    assert measure.fit_exponential(x, np.exp(0.5 * x)).tau == pytest.approx(-2.0)
    flat = measure.fit_exponential(x, np.full(4, 2.0))
    assert abs(flat.slope) < 1e-12 and (math.isinf(flat.tau) or abs(flat.tau) > 1e12)


def test_noise_shows_in_the_rms_residual():
    x = np.arange(6.0)
    wobble = np.array([1, -1, 1, -1, 1, -1]) * 0.1
    fit = measure.fit_exponential(x, np.exp(-x + wobble))
    # the line absorbs a little of the wobble: rms sqrt(0.01 - 0.05**2 / (17.5 / 6)) = 0.0956
    assert fit.rms_ln == pytest.approx(0.0956, rel=1e-3)


@pytest.mark.parametrize(
    ("x", "y", "match"),
    [
        ([0.0, 1.0], [1.0, 0.0], "> 0"),
        ([0.0, 1.0], [1.0, np.nan], "finite"),
        ([0.0], [1.0], "at least 2"),
        ([0.0, 1.0, 2.0], [1.0, 2.0], "one length"),
    ],
)
def test_bad_points_are_refused(x, y, match):
    with pytest.raises(ValueError, match=match):
        measure.fit_exponential(x, y)
