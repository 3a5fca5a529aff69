"""The toolchain end to end: openvaf-r -> OSDI -> ngspice via PySpice, against analytic answers."""

import numpy as np
import pytest

from pyspice_flows.sim import osdi
from pyspice_flows.sim.session import OperatingPoint, SimulationError, Transient

# Thermal resistor driven by a voltage step: P = V^2/R, T(t) = P*Rth*(1 - exp(-t/(Rth*Cth))).
R_OHM, RTH_K_PER_W, CTH_J_PER_K, V_STEP = 1e3, 1e5, 1e-14, 0.5
TAU_S = RTH_K_PER_W * CTH_J_PER_K
RISE_K = V_STEP**2 / R_OHM * RTH_K_PER_W


def step_netlist() -> str:
    return (
        "thermal step\n"
        f"V1 p 0 PULSE(0 {V_STEP} 0 1f 1f 1 2)\n"
        "N1 p 0 t tr\n"
        f".model tr thermal_resistor r={R_OHM} rth={RTH_K_PER_W} cth={CTH_J_PER_K}\n"
    )


def test_thermal_step_matches_first_order_solution(session):
    w = session.run(
        step_netlist(), Transient(step_s=1e-12, stop_s=8 * TAU_S, max_step_s=TAU_S / 200)
    )
    t, rise = w.time, w.v("t")
    # steady-state rise within 1 %
    assert rise[-1] == pytest.approx(RISE_K * (1 - np.exp(-8)), rel=0.01)
    # time constant within 1 %: fit ln(1 - T/Tinf) = -t/tau over the first three tau
    sel = (t > 0.05 * TAU_S) & (t < 3 * TAU_S)
    slope = np.polyfit(t[sel], np.log(1 - rise[sel] / RISE_K), 1)[0]
    assert -1 / slope == pytest.approx(TAU_S, rel=0.01)
    # and the whole curve within 1 % of the full-scale rise
    assert np.max(np.abs(rise - RISE_K * (1 - np.exp(-t / TAU_S)))) < 0.01 * RISE_K


def test_operating_point_is_power_times_rth(session):
    w = session.run(step_netlist().replace("PULSE(0 0.5 0 1f 1f 1 2)", "DC 0.5"), OperatingPoint())
    assert w.v("t")[0] == pytest.approx(RISE_K, rel=1e-6)
    assert w.i("v1")[0] == pytest.approx(-V_STEP / R_OHM, rel=1e-9)


def test_out_of_range_parameter_is_a_clear_error(session):
    bad = step_netlist().replace(f"r={R_OHM}", "r=-5")
    with pytest.raises(SimulationError, match="out of bounds"):
        session.run(bad, OperatingPoint())


def test_netlist_error_carries_ngspice_message(session):
    with pytest.raises(SimulationError, match="unknown parameter"):
        session.run("bad\nV1 a 0 foo(1)\nR1 a 0 1k\n", OperatingPoint())


def test_session_survives_an_error(session):
    with pytest.raises(SimulationError):
        session.run("bad\nV1 a 0 foo(1)\n", OperatingPoint())
    w = session.run("good\nV1 a 0 1\nR1 a 0 2k\n", OperatingPoint())
    assert w.i("v1")[0] == pytest.approx(-0.5e-3)


def test_thread_count_is_set_deliberately(session):
    out = session.command("echo $num_threads")
    assert out and out[-1].strip() == str(session.threads)


def test_compile_cache_and_compile_error(tmp_path):
    src = tmp_path / "broken.va"
    src.write_text(
        '`include "disciplines.vams"\nmodule broken(a); inout a; electrical a;\n'
        "analog begin I(a) <+ V(a) / undefined_thing; end\nendmodule\n"
    )
    with pytest.raises(osdi.OsdiCompileError, match="broken.va"):
        osdi.compile_model(src, out_dir=tmp_path)
    assert not (tmp_path / "broken.osdi").exists()
    good = tmp_path / "good.va"
    good.write_text(
        '`include "disciplines.vams"\n`include "inc.vams"\n'
        "module good(a); inout a; electrical a;\n"
        "analog begin I(a) <+ V(a) / `RVAL; end\nendmodule\n"
    )
    (tmp_path / "inc.vams").write_text("`define RVAL 1e3\n")
    first = osdi.compile_model(good, out_dir=tmp_path)
    assert first.rebuilt and first.osdi.exists()
    assert not osdi.compile_model(good, out_dir=tmp_path).rebuilt
    (tmp_path / "inc.vams").write_text("`define RVAL 2e3\n")  # an include changed
    assert osdi.compile_model(good, out_dir=tmp_path).rebuilt


def test_non_convergence_carries_ngspice_message(session):
    # two diodes with an absurd emission coefficient and almost no Newton iterations
    netlist = (
        "nonconvergent\nV1 a 0 PULSE(0 1 0 1p 1p 1n 2n)\nD1 a b dmod\nD2 b 0 dmod\n"
        ".model dmod D(is=1e-30 n=0.01)\n"
    )
    with pytest.raises(SimulationError, match="[Tt]imestep too small"):
        session.run(netlist, Transient(1e-12, 5e-9), options={"itl4": 1, "itl1": 2})
    # and the session is usable afterwards
    assert session.run("ok\nV1 a 0 1\nR1 a 0 1k\n", OperatingPoint()).i("v1")[0] == pytest.approx(
        -1e-3
    )
