"""The B-source transcription of the MTJ model (circuits/mtj_bsource.py) against the OSDI model.

Two implementations of the same version-3 equations must agree: switching times at 0.7,
1.0, 1.5 and 3 Ic0 within 1 % and peak heating within 1 %, under the trapezoidal rule and
under Gear (the acceptance of issue 19, item 4).  Both run on the same testbench with the
same maximum step: the B-sources have no $bound_step, so 20 ps (2 tflip) resolves their
reversals as the OSDI model's own step bound does.
"""

import re
import subprocess

import numpy as np
import pytest

from circuits import mtj_bsource as bs
from circuits import mtj_switching as sw
from circuits import mtj_testbenches as tb
from circuits.mtj_device import DEFAULT_DEVICE, MtjParams, load_device
from circuits.paths import VERILOG_A_DIR
from pyspice_flows.experiments import mtj_characterization as mc
from pyspice_flows.sim.session import Transient

METHODS = {"trapezoidal": None, "gear": {"method": "gear"}}
MAX_STEP_S = 20e-12
GAP_S = 3e-9


@pytest.fixture(scope="module")
def dev() -> MtjParams:
    return load_device(DEFAULT_DEVICE).params


def _alternating_pulses(p: MtjParams, ratios, ambient_k: float) -> list[tuple[float, float, float]]:
    """One pulse per ratio of Ic0, alternating toward AP and toward P, each 1.5x the law's
    median switching time at ambient (self-heating only shortens it) plus 2 ns."""
    pulses, start, sign = [], 1e-9, 1.0
    for r in ratios:
        width = 1.5 * sw.median_switching_time(p, r * p.ic0, ambient_k) + 2e-9
        pulses.append((start, width, sign * r * p.ic0))
        start, sign = start + width + GAP_S, -sign
    return pulses


def _compare(session, p, ratios, options, ambient_k=mc.AMBIENT_K, nodes=("t",)):
    """Switching delay after each pulse start and peak of each node, per implementation."""
    pulses = _alternating_pulses(p, ratios, ambient_k)
    tran = Transient(1e-11, pulses[-1][0] + pulses[-1][1] + GAP_S, max_step_s=MAX_STEP_S)
    osdi_net = tb.current_pulses(p, pulses)
    runs = {
        "osdi": session.run(osdi_net, tran, options=options, temperature_k=ambient_k),
        "bsource": session.run(
            bs.replace_osdi_junction(osdi_net, p),
            tran,
            options=options,
            temperature_k=ambient_k,
        ),
    }
    state = {"osdi": runs["osdi"].x(mc.STATE), "bsource": runs["bsource"].v("m")}
    out = {}
    for key, w in runs.items():
        delays = [mc.crossing_time(w.time, state[key], 0.0, after=s) - s for s, _, _ in pulses]
        peaks = {}
        for node in nodes:
            v = w.v(node) if node == "t" else (w.x(f"n1#{node}") if key == "osdi" else w.v(node))
            peaks[node] = [
                float(v[(w.time >= s) & (w.time <= s + width + GAP_S)].max())
                for s, width, _ in pulses
            ]
        out[key] = {"delays": np.array(delays), "peaks": peaks}
    return out


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.slow
def test_bsource_switches_and_heats_as_the_compiled_model(session, dev, method):
    """Default device (macrospin barrier, one thermal pole): 0.7, 1.0, 1.5, 3 Ic0."""
    res = _compare(session, dev, (0.7, 1.0, 1.5, 3.0), METHODS[method])
    assert np.all(np.isfinite(res["osdi"]["delays"])), res["osdi"]["delays"]
    np.testing.assert_allclose(res["bsource"]["delays"], res["osdi"]["delays"], rtol=0.01)
    np.testing.assert_allclose(res["bsource"]["peaks"]["t"], res["osdi"]["peaks"]["t"], rtol=0.01)
    assert max(res["osdi"]["peaks"]["t"]) > 10.0  # the heating compared is not negligible


@pytest.mark.slow
def test_bsource_two_poles_linear_barrier_at_358k(session, dev):
    """The other branches: the slow thermal pole (rth2, cth2 at node t2), the linear
    device-fit barrier (bexp = 1, tau0) and an ambient other than tnom (ngspice temper)."""
    p = dev.with_(bexp=1.0, rth2=dev.rth, cth2=10.0 * dev.cth)
    res = _compare(session, p, (0.9, 1.0, 1.5, 3.0), None, ambient_k=358.0, nodes=("t", "t2"))
    assert np.all(np.isfinite(res["osdi"]["delays"])), res["osdi"]["delays"]
    np.testing.assert_allclose(res["bsource"]["delays"], res["osdi"]["delays"], rtol=0.01)
    for node in ("t", "t2"):
        np.testing.assert_allclose(
            res["bsource"]["peaks"][node], res["osdi"]["peaks"][node], rtol=0.01
        )
    assert min(res["osdi"]["peaks"]["t2"]) > 1.0  # the second pole carries heat


@pytest.mark.parametrize("state0", [1, -1])
def test_bsource_starts_pinned_and_rests_below_threshold(session, dev, state0):
    """The initial point holds state0 with every progress node at 0; a weak current
    (0.2 Ic0 toward the other state) for 5 ns switches nothing."""
    net = tb.current_pulses(dev, [(0.5e-9, 5e-9, state0 * 0.2 * dev.ic0)], state0=state0)
    w = session.run(bs.replace_osdi_junction(net, dev, state0=state0), Transient(1e-11, 6e-9))
    m = w.v("m")
    assert m[0] == pytest.approx(state0, abs=1e-9)
    assert np.all(np.abs(m - state0) < 1e-6)
    for node in ("sga_n", "sgp_n", "sg2a", "sg2p", "ya", "yp", "ha", "hp"):
        assert w.v(node)[0] == pytest.approx(0.0, abs=1e-9), node


def test_law_literals_are_those_of_the_verilog_a():
    """The few numbers the law writes inline (not as `define) are the transcription's."""
    text = "\n".join(
        (VERILOG_A_DIR / name).read_text() for name in ("mtj_law_v3.vams", "mtj_functions.vams")
    )
    num = r"([0-9.]+(?:e[+-]?[0-9]+)?)"
    patterns = {
        "cone_corner": rf"sramp\((?:ica|icp) - 1\.0, {num}\)|sramp\(1\.0 - (?:ica|icp), {num}\)",
        "drive_corner": rf"(?:iap|ipp) \* sstep\(-?(?:iap|ipp) / {num}\)",
        "hazard_corner": rf"sramp\(1\.0 - 0\.5 \* a - `HZ_FLOOR, {num}\)",
        "progress_corner": rf"sramp\(V\(y[ap]\) / ythr, {num}\)",
    }
    assert set(patterns) == set(bs.LAW_LITERALS)
    for name, pattern in patterns.items():
        found = [float(g) for m in re.finditer(pattern, text) for g in m.groups() if g]
        assert found, f"the Verilog-A no longer writes {name} as {pattern!r}"
        assert set(found) == {bs.LAW_LITERALS[name]}, (name, found)


def test_bad_input_is_refused(dev):
    with pytest.raises(ValueError, match="state0"):
        bs.junction_lines(dev, state0=0)
    with pytest.raises(ValueError, match="N1"):
        bs.replace_osdi_junction("title\nI1 0 p DC 0\n", dev)


def test_exponent_floor_is_the_verilog_a_sfloor(tmp_path):
    """``mj_sfloor`` as ngspice evaluates it against ``sfloor`` of mtj_functions.vams written
    out by hand (u above lo + 1; lo + (u - lo + 1)^2 / 4 within a unit of the floor; lo
    below it): the floor keeps a diverging cone's exponential finite and leaves every
    solution's value alone."""
    lo = -40.0
    points = [-60.0, -41.5, -40.5, -40.0, -39.5, -39.0, -20.0, 3.0]
    lines = ["* mj_sfloor", *bs.function_lines()]
    lines += [f"B{k} n{k} 0 V=mj_sfloor({u:g},{lo:g})" for k, u in enumerate(points)]
    lines += [f"R{k} n{k} 0 1" for k in range(len(points))]
    lines += [".control", "op", *(f"print v(n{k})" for k in range(len(points))), ".endc", ".end"]
    net = tmp_path / "sfloor.cir"
    net.write_text("\n".join(lines) + "\n")
    out = subprocess.run(["ngspice", "-b", str(net)], capture_output=True, text=True, check=True)
    got = [float(m) for m in re.findall(r"v\(n\d+\)\s*=\s*(\S+)", out.stdout)]

    def by_hand(u):
        if u >= lo + 1:
            return u
        return lo if u <= lo - 1 else lo + (u - lo + 1) ** 2 / 4

    assert got == pytest.approx([by_hand(u) for u in points], rel=1e-9, abs=1e-12)
    assert min(got) >= lo
