"""The switching law on a tabulated drive (what the report's neuron-v4 figures integrate):
:class:`circuits.mtj_switching.Tabulated` reads a transient's samples exactly as
``np.interp`` does, the law gives the same probability to the bit on it as on an
``np.interp`` callable (the path before the fast reader and the one-shot grid), the
draws it counts as switched are those whose bisected switching time is finite, and it
agrees with Brown's Fokker-Planck macrospin (the exact reference) on the same samples.
"""

import numpy as np
import pytest

from circuits import ipnet_neuron_v4 as v4
from circuits import mtj_fokker_planck as fp
from circuits import mtj_switching as law

AMBIENT_K = 330.0
WRITE_IC0, WRITE_S, EDGE_S = 0.655, 15e-9, 0.2e-9
RISE_K, TAU_S = 12.0, 4e-9


@pytest.fixture(scope="module")
def m():
    """The v4 device with its own heating switched off (the temperature is given)."""
    return v4.default_v4_params().mtj().with_(rth=1e3, rth2=0.0)


def _samples(seed: int = 3):
    """A transient-like grid (uneven steps, one repeated time point) over a write pulse
    with edges and a warming junction: (times [s], current / Ic0, rise [K])."""
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.uniform(0.01e-9, 0.1e-9, 400))
    t = np.sort(np.concatenate(([0.0], t, t[50:51])))
    on = np.clip(t / EDGE_S, 0.0, 1.0) * np.clip((WRITE_S - t) / EDGE_S, 0.0, 1.0)
    return t, WRITE_IC0 * on, RISE_K * (1.0 - np.exp(-t / TAU_S))


def test_the_tabulated_reader_is_np_interp_to_the_bit():
    t, cur, rise = _samples()
    x = np.concatenate((np.random.default_rng(4).uniform(-1e-9, 1.2 * t[-1], 5000), t))
    for offset, base in ((0.0, None), (2.5e-9, AMBIENT_K)):
        f = law.Tabulated(t, rise, offset=offset, base=base)
        ref = np.interp(x + offset, t, rise) + (0.0 if base is None else base)
        assert [f(v) for v in x.tolist()] == ref.tolist()
        assert f.many(x).tolist() == ref.tolist()


def _drives(m, tabulated: bool):
    t, cur, rise = _samples()
    if tabulated:
        return law.Tabulated(t, cur * m.ic0), law.Tabulated(t, rise, base=AMBIENT_K)
    current = cur * m.ic0
    return (
        lambda x: float(np.interp(x, t, current)),
        lambda x: AMBIENT_K + float(np.interp(x, t, rise)),
    )


def test_the_law_on_the_tabulated_drive_equals_the_interp_callables_to_the_bit(m):
    edges = (0.0, WRITE_S)
    got = law.switch_probability(m, *_drives(m, True), WRITE_S + 2e-9, breakpoints=edges)
    ref = law.switch_probability(m, *_drives(m, False), WRITE_S + 2e-9, breakpoints=edges)
    assert 0.01 < got < 0.99
    assert got == ref


def test_the_draws_counted_as_switched_are_those_with_a_finite_switching_time(m):
    """The probability's search only asks whether a draw switched: it skips the bisection
    of the switching time, which must not change the answer."""
    cur, tmp = _drives(m, True)
    draws = 1.0 - np.logspace(-6, -0.05, 24)
    quick, _ = law._episode(m, cur, tmp, draws, 0.0, 20e-9, (0.0, 0.0), (WRITE_S,), when=False)
    exact = law.switching_times(m, cur, tmp, draws, 20e-9, breakpoints=(WRITE_S,))
    assert 0 < np.isfinite(exact).sum() < draws.size
    assert np.isfinite(quick).tolist() == np.isfinite(exact).tolist()


def test_the_law_on_the_tabulated_drive_is_within_15_percent_of_the_macrospin(m):
    """The tolerance of the law against Fokker-Planck for a write pulse elsewhere
    (tests/test_stabilising_history.py)."""
    cur, tmp = _drives(m, True)
    p_law = law.switch_probability(m, cur, tmp, WRITE_S, breakpoints=(0.0, WRITE_S))
    p_fp = fp.switched_probability(m, [WRITE_S], cur, tmp)[-1]
    assert p_law == pytest.approx(p_fp, rel=0.15)
