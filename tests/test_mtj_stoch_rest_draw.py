"""The rest re-arm of ``mtj_stoch`` leaves ONE random sample, not a blend of two.

After a write that leaves the free layer's cone excited, a rest (a drive at or below
REST_DRIVE for REST_TAUS relaxation units) re-arms the junction: its held draw e tracks the
TRRANDOM input u while the gate ``rst`` is open, and holds what it has when the gate shuts.
Found by the working-memory control of issue 21 (200 trials, heat ablated: P(fire) one slot
after an item 0.055 [0.031, 0.096] against 0.15 rested and 0.139 by the law): the gate used
to shut over about 0.2 ns; when a TRRANDOM sample changed inside that edge, e kept a blend
of the two samples, and a blend of uniform draws lacks the tails (the draws near 1 that fire
a sub-critical write), so the neuron's next slot fired about a third as often as it should.

Independent reference: a renewed draw must be one of the input's samples.  Forty
junctions get the same write and rest, each 25 ps later than the one before, so that the
gate's closing meets every phase of the 1 ns sample grid.  The gate now blends only when a
sample changes within about 10 ps of its closing: at most one of the forty phases; the old
edge blended over about 60 ps (three phases here).
"""

import numpy as np
import pytest

from circuits import mtj_stochastic as ms
from circuits.mtj_device import DEFAULT_DEVICE, load_device
from pyspice_flows.sim.session import Transient

SAMPLE_S = 1e-9
PHASES = 40
WRITE = (1e-9, 4e-9, 0.7)  # start, width [s], current [Ic0]: sub-critical, sets the episode
REST = (-1.2, 8e-9)  # current [Ic0] (stabilising) and length [s] of the rest
STOP_S = 17e-9


def _run(session, dev, phase: int, seed: int):
    start, width, ratio = WRITE
    start += phase * SAMPLE_S / PHASES
    rest_start = start + width + 0.5e-9
    pulses = [
        (start, width, ratio * dev.ic0),
        (rest_start, REST[1], REST[0] * dev.ic0),
    ]
    net = ms.current_pulses(dev, pulses, 1, ms.stochastic(seed, sample_s=SAMPLE_S))
    return session.run(net, Transient(1e-11, STOP_S, max_step_s=0.05e-9)), rest_start


@pytest.fixture(scope="module")
def rest_draws(session):
    dev = load_device(DEFAULT_DEVICE).params
    out = []
    for phase in range(PHASES):
        w, rest_start = _run(session, dev, phase, seed=41 + phase)
        t, e, u, m = w.time, w.x("n1#e"), w.v("u_n1"), w.x("n1#m")
        before = float(np.interp(rest_start, t, e))
        after = float(e[-1])
        window = (t >= rest_start) & (t <= t[-1])
        samples = np.unique(np.round(u[window], 9))
        out.append((before, after, samples, float(m.min())))
    return out


def test_the_write_leaves_the_junction_in_p_and_the_rest_renews_the_draw(rest_draws):
    """The set-up does what the test needs: no reversal, and every draw renewed."""
    for before, after, _, m_min in rest_draws:
        assert m_min > 0.5  # never left P
        assert after != pytest.approx(before, abs=1e-6)


def test_a_rest_re_arm_leaves_one_sample_not_a_blend(rest_draws):
    """Each renewed draw is one of the input's samples (to 1e-4) in at least 39 of the 40
    phases of the sample grid; the old closing edge blended samples in three."""
    blended = [
        k
        for k, (_, after, samples, _) in enumerate(rest_draws)
        if np.min(np.abs(samples - after)) > 1e-4
    ]
    assert len(blended) <= 1, f"phases {blended} left a blend of two samples"
