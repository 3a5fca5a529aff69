"""The write-current trim DAC of neuron v4 as devices (circuits/trim_dac.py, issue 20).

References independent of the code under test: the binary value of a code for which
legs are on, Kirchhoff's laws on the netlist's own devices for the ideal current, and
the DAC simulated by ngspice (BSIM4 units) at the design's corners.
"""

from __future__ import annotations

import numpy as np
import pytest

from area_energy.report.neuron_v4 import trim_register, v4_area
from circuits import ipnet_neuron_v4 as v4
from circuits.trim_dac import TrimDac, divider_output, mismatch_dnl_lsb
from circuits.units import ZERO_CELSIUS_K
from pyspice_flows.metrics import neuron_v4_trim as tr

CORNERS = [(ZERO_CELSIUS_K + t, v) for t in (0.0, 27.0, 85.0) for v in (0.81, 0.9, 0.99)]
"""(ambient [K], supply [V]): 0, 27 and 85 C at the supply's nominal and +-10 %."""


@pytest.fixture(scope="module")
def p():
    return v4.read_v4_design(v4.DEFAULT_V4_DESIGN)


def _kirchhoff_current(net: str, i_in: float) -> float:
    """The DAC's output current by Kirchhoff's laws on the netlist's own devices, every
    device whose gate is at VDD a conductance of its ``m`` (units in parallel), every
    other one open, the output ``ts`` and the dump ``tx`` at one potential, ``i_in``
    into ``n0`` (a linear network solved with numpy, independent of the DAC's code)."""
    devices = []
    for f in (line.split() for line in net.splitlines()):
        if f and f[0].startswith("M") and f[2] == "vdd":
            m = next((float(x[2:]) for x in f if x.startswith("m=")), 1.0)
            devices.append((f[1], f[3], m))
    nodes = sorted({x for d, s, _ in devices for x in (d, s)} - {"ts", "tx"})
    index = {x: i for i, x in enumerate(nodes)}
    g = np.zeros((len(nodes), len(nodes)))
    for d, s, m in devices:
        for x, y in ((d, s), (s, d)):
            if x in index:
                g[index[x], index[x]] += m
                if y in index:
                    g[index[x], index[y]] -= m
    rhs = np.zeros(len(nodes))
    rhs[index["n0"]] = i_in
    v = np.linalg.solve(g, rhs)
    return sum(m * v[index[d]] for d, s, m in devices if s == "ts")


def test_netlist_current_is_the_design_equation(p):
    """Kirchhoff on the netlist's devices (each on device a conductance of its units) gives
    the design equation's factor x the write reference at every code, and the register's
    gates spell the code: bit k's leg to the output on, its leg to the dump off."""
    dac = p.trim_dac()
    assert dac.unit_devices == 33  # ladder 12 legs + 10 series + terminator, base 2 + 8
    for code in (0, 1, 31, 32, 33, 40, 63):
        net = dac.spice(code, f"{dac.vref_v}", "nmos28")
        i = _kirchhoff_current(net, dac.i_in_a)
        assert i == pytest.approx(dac.i_mid_a * (1 + p.trim_step * (code - 32)), rel=1e-9)
        gates = {f.split()[0]: f.split()[2] for f in net.splitlines() if f.startswith("M")}
        assert sum(2**k for k in range(6) if gates[f"MT{k}"] == "vdd") == code
        assert all(gates[f"MD{k}"] != gates[f"MT{k}"] for k in range(6))
        assert not any(line.startswith("R") for line in net.splitlines())  # no resistor


def test_dac_refuses_a_range_below_zero_and_foreign_codes():
    with pytest.raises(ValueError, match="positive base current"):
        TrimDac(6, 0.05, 0.02, 100e-9, 30e-9, 6e-6)  # 0.05 x 32 > 1
    with pytest.raises(ValueError, match="n \\+ 1/m units"):
        TrimDac(6, 0.02, 0.02, 100e-9, 30e-9, 6e-6)  # base 18 LSB = 9/16 of a unit
    assert TrimDac(4, 0.05, 0.02, 100e-9, 30e-9, 6e-6).base_units == (1, 2)  # 12/8 units
    dac = TrimDac(6, 0.01, 0.02, 100e-9, 30e-9, 6e-6)
    for bad in (-1, 64, 1.0, True):
        with pytest.raises(ValueError, match="trim code"):
            dac.factor(bad)


@pytest.fixture(scope="module")
def transfers(p, session):
    return {c: tr.dac_transfer(p, *c) for c in CORNERS}


@pytest.mark.slow  # 4-5 s: DAC transfers at every corner / a Monte Carlo count
def test_dac_is_linear_within_a_quarter_step_at_every_corner(p, transfers):
    """ngspice on the DAC's devices (BSIM4, with their gate leakage): |INL| < 0.15 LSB and
    |DNL| < 0.25 LSB at 0/27/85 C and 0.81/0.9/0.99 V (the divider itself is exact; the
    on units' gate tunnelling, which grows with the supply, bends it most at the middle
    code's transition: 0.09 LSB at 0.81 V / 0 C, 0.22 at 0.99 V / 85 C); the step within
    1 % of the design's, the middle code within a fifth of a step of the write reference's
    law (measured +0.01 to +0.12 %: the leakage adds to the output)."""
    dac = p.trim_dac()
    for (temp_k, _), i in transfers.items():
        inl, dnl = tr.inl_dnl_lsb(i)
        assert np.abs(inl).max() < 0.15 and np.abs(dnl).max() < 0.25
        law = dac.i_mid_a * (1 + p.write_tc_per_k * (temp_k - 300.0))
        step = (i[-1] - i[0]) / (dac.codes - 1) / law
        assert step == pytest.approx(p.trim_step, rel=0.01)
        assert abs(i[dac.mid] / law - 1) < 0.2 * p.trim_step


@pytest.mark.slow  # 4-5 s: DAC transfers at every corner / a Monte Carlo count
def test_mismatch_estimate_against_a_hand_count():
    """The Monte Carlo's network at no spread is the design equation, and its DNL grows
    with the units' spread as the MSB transition's unit count says: at the middle code
    the MSB leg (one unit) replaces the ladder's rest, so a spread s of every unit moves
    that step by about 64 x s / (2 sqrt 2) LSB, the median die's worst |DNL| near it."""
    dac = TrimDac(6, 0.01, 0.02, 150e-9, 100e-9, 6e-6)
    for code in (0, 32, 63):
        assert divider_output(dac, code) == pytest.approx(dac.i_mid_a * dac.factor(code))
    assert mismatch_dnl_lsb(dac, 0.0, 3, 1).max() < 1e-9
    worst = mismatch_dnl_lsb(dac, 0.02, 200, 1)
    assert 0.3 < np.median(worst) < 0.9  # 64 x 0.02 / 2.83 = 0.45 LSB at the MSB alone


def test_inl_dnl_of_a_known_transfer():
    i = np.arange(8.0)
    i[4] += 0.25  # one code high by a quarter step
    inl, dnl = tr.inl_dnl_lsb(i)
    assert inl[4] == pytest.approx(0.25) and dnl[3] == pytest.approx(0.25)
    assert dnl[4] == pytest.approx(-0.25) and abs(inl[0]) < 1e-12


def test_dac_and_register_are_in_the_shared_area(p):
    """The DAC's units come from the netlist, the register from the rule deck: both in
    the periphery's transistor count and area, amortized over the array."""
    a = v4_area(p)
    reg = trim_register(p)
    shared = a["shared_bias_generator"]
    assert reg["transistors"] == 6 * p.trim_bits
    # 6 generator devices (no return-to-P replica) + the divider's units + the latches
    assert shared["transistors"] == 6 + p.trim_dac().unit_devices + reg["transistors"]
    # the resistors (the rule deck's estimate) are counted in the amortized area
    assert a["area_um2_per_neuron_amortized"] == pytest.approx(
        a["area_um2"] + (shared["area_um2"] + shared["resistors_um2_estimate"]) / 256
    )
    assert a["area_um2_per_neuron_amortized_with_resistors"] == a["area_um2_per_neuron_amortized"]
