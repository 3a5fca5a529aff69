"""The write-current trim DAC of neuron v4 as devices (circuits/trim_dac.py, issue 20).

References independent of the code under test: the binary value of a code for which
switches are on, Ohm's law on the netlist's own resistor values for the ideal current,
and the DAC simulated by ngspice (BSIM4 switches) at the design's corners.
"""

from __future__ import annotations

import numpy as np
import pytest

from area_energy.report.neuron_v4 import trim_register, v4_area
from circuits import ipnet_neuron_v4 as v4
from circuits.trim_dac import TrimDac
from pyspice_flows.metrics import neuron_v4_trim as tr

CORNERS = [(t, v) for t in (0.0, 27.0, 85.0) for v in (0.81, 0.9, 0.99)]


@pytest.fixture(scope="module")
def p():
    return v4.read_v4_design(v4.DEFAULT_V4_DESIGN)


def _ohm_current(net: str, vref: float) -> float:
    """The current of the DAC's on legs by Ohm's law on the netlist's resistors (switches
    taken as shorts): base leg plus every leg whose switch gate is at VDD."""
    lines = [line.split() for line in net.splitlines()]
    r = {f[2]: float(f[3]) for f in lines if f and f[0].startswith("RT") and f[1] == "tr"}
    total = 1.0 / r["ts"]
    for f in lines:
        if f and f[0].startswith("MT") and f[2] == "vdd":
            total += 1.0 / r[f[1]]  # the leg's resistor ends on the switch's drain
    return vref * total


def test_netlist_current_is_the_design_equation(p):
    """Ohm's law on the netlist's resistors gives the design equation's factor x the
    write reference at every code (switches ideal)."""
    dac = p.trim_dac()
    for code in (0, 1, 31, 32, 33, 40, 63):
        net = dac.spice(code, f"{dac.vref_v}", "nmos28")
        i = _ohm_current(net, dac.vref_v)
        assert i == pytest.approx(dac.i_mid_a * (1 + p.trim_step * (code - 32)), rel=1e-5)
        on = {
            int(f.split()[0][2:]) for f in net.splitlines() if f.startswith("MT") and " vdd " in f
        }
        assert sum(2**k for k in on) == code


def test_dac_refuses_a_range_below_zero_and_foreign_codes():
    with pytest.raises(ValueError, match="positive base conductance"):
        TrimDac(6, 0.05, 0.02, 100e-9, 30e-9, 6e-6)  # 0.05 x 32 > 1
    dac = TrimDac(6, 0.01, 0.02, 100e-9, 30e-9, 6e-6)
    for bad in (-1, 64, 1.0, True):
        with pytest.raises(ValueError, match="trim code"):
            dac.factor(bad)


@pytest.fixture(scope="module")
def transfers(p, session):
    return {c: tr.dac_transfer(p, *c) for c in CORNERS}


def test_dac_is_linear_within_a_tenth_of_a_step_at_every_corner(p, transfers):
    """ngspice on the DAC's devices: |INL| and |DNL| < 0.1 LSB at 0/27/85 C and
    0.81/0.9/0.99 V; the step stays within 2 % of the design's, and the middle code within
    half a step of the write reference's law (the switches' on-resistance, eps, lowers it
    by 0.32 eps)."""
    dac = p.trim_dac()
    for (temp_c, _), i in transfers.items():
        inl, dnl = tr.inl_dnl_lsb(i)
        assert np.abs(inl).max() < 0.1 and np.abs(dnl).max() < 0.1
        law = dac.i_mid_a * (1 + p.write_tc_per_k * (temp_c - 26.85))
        step = (i[-1] - i[0]) / (dac.codes - 1) / law
        assert step == pytest.approx(p.trim_step, rel=0.02)
        assert abs(i[dac.mid] / law - 1) < 0.5 * p.trim_step
        assert i[dac.mid] < law  # the switches only add resistance


def test_inl_dnl_of_a_known_transfer():
    i = np.arange(8.0)
    i[4] += 0.25  # one code high by a quarter step
    inl, dnl = tr.inl_dnl_lsb(i)
    assert inl[4] == pytest.approx(0.25) and dnl[3] == pytest.approx(0.25)
    assert dnl[4] == pytest.approx(-0.25) and abs(inl[0]) < 1e-12


def test_dac_and_register_are_in_the_shared_area(p):
    """The DAC's switches come from the netlist, the register from the rule deck: both in
    the periphery's transistor count and area, amortized over the array."""
    a = v4_area(p)
    reg = trim_register(p)
    shared = a["shared_bias_generator"]
    assert reg["transistors"] == 6 * p.trim_bits
    # 8 generator devices + 6 switches + the register's latches
    assert shared["transistors"] == 8 + p.trim_bits + reg["transistors"]
    assert a["area_um2_per_neuron_amortized"] == pytest.approx(
        a["area_um2"] + shared["area_um2"] / a["array_neurons"]
    )
