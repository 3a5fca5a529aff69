"""circuits.testbench and circuits.bench_circuit: a testbench as data, rendered by one netlister.

The rendered text is compared with netlists written out by hand (ngspice's card syntax),
not with the renderer's own formulas; the session's, the stand-alone writer's and the
scenario's texts are checked to come from it.
"""

import numpy as np
import pytest

from circuits import ipnet_neuron_v4 as v4
from circuits import mtj_stochastic as ms
from circuits import testbench as tb
from circuits.bench_circuit import BenchCircuit
from circuits.scenarios import ipnet_scenario, standard_scenarios
from circuits.spice_cards import options_card
from circuits.units import SPICE_DEFAULT_K
from circuits.write_netlists import render_testbench
from pyspice_flows.sim import session

RC = "rc low-pass\nV1 in 0 DC 1\nR1 in out 1k\nC1 out 0 1n\n"


def test_transient_testbench_by_hand():
    bench = tb.Testbench(
        RC + ".end\n",
        tb.Transient(1e-9, 1e-6, max_step_s=2e-9),
        options={"reltol": 1e-4, "method": "gear"},
        temperature_k=358.15,
        before_analysis=(".save v(out)",),
        after_analysis=(".meas tran vmax MAX v(out)",),
    )
    assert tb.render(bench) == (
        RC + ".options reltol=0.0001 method=gear\n"
        ".temp 85\n"
        ".save v(out)\n"
        ".tran 1e-09 1e-06 0 2e-09\n"
        ".meas tran vmax MAX v(out)\n"
        ".end\n"
    )


@pytest.mark.parametrize(
    ("analysis", "card"),
    [
        (tb.OperatingPoint(), ".op"),
        (tb.DcSweep("temp", -40, 125, 5), ".dc temp -40 125 5"),
        (tb.Transient(1e-12, 4e-9), ".tran 1e-12 4e-09"),
        (tb.Transient(1e-12, 4e-9, start_s=1e-9, uic=True), ".tran 1e-12 4e-09 1e-09 uic"),
    ],
)
def test_defaults_add_no_card(analysis, card):
    """No options, no temperature, no extra lines: the circuit, the analysis and .end."""
    assert tb.render(tb.Testbench(RC, analysis)) == RC + card + "\n.end\n"


def test_temperature_is_kelvin_written_in_celsius():
    assert tb.temp_card(SPICE_DEFAULT_K) == ".temp 27"
    assert tb.temp_card(233.15) == ".temp -40"
    with pytest.raises(ValueError, match="temperature_k"):
        tb.Testbench(RC, tb.OperatingPoint(), temperature_k=-1.0)


def test_empty_circuit_is_refused():
    with pytest.raises(ValueError, match="empty circuit"):
        tb.render(tb.Testbench(".end\n", tb.OperatingPoint()))


def test_a_testbench_at_358_15_k_renders_temp_85():
    text = tb.render(tb.Testbench(RC, tb.OperatingPoint(), temperature_k=358.15))
    assert text.splitlines()[-3:] == [".temp 85", ".op", ".end"]


TC_RESISTOR = "tc resistor\nI1 0 a DC 1m\nR1 a 0 1k tc1=0.004\n"
"""1 kOhm with tc1 = 4e-3 /K, driven by a current source: V(a) = I R0 (1 + tc1 (T - Tnom))."""


@pytest.mark.parametrize(("temperature_k", "card"), [(233.15, "-40"), (358.15, "85")])
def test_a_session_runs_a_testbench_at_its_kelvin_temperature(session, temperature_k, card):
    """The kelvin of the data gives the waveform a hand-written ``.temp`` card in Celsius
    gives, and both the resistor's law at T against ngspice's nominal 27 C (300.15 K)."""
    sweep = tb.DcSweep("i1", 0.0, 1e-3, 2.5e-4)
    by_data = session.run(tb.Testbench(TC_RESISTOR, sweep, temperature_k=temperature_k))
    by_card = session.run(TC_RESISTOR + f".temp {card}\n", sweep)
    nominal = session.run(TC_RESISTOR, sweep)
    assert by_data.v("a").tolist() == by_card.v("a").tolist()
    current = np.linspace(0.0, 1e-3, 5)
    r_t = 1e3 * (1 + 4e-3 * (temperature_k - 300.15))
    assert by_data.v("a") == pytest.approx(current * r_t, rel=1e-9, abs=1e-12)
    assert nominal.v("a") == pytest.approx(current * 1e3, rel=1e-9, abs=1e-12)


def test_a_testbench_is_given_whole_or_by_its_fields():
    bench = tb.Testbench(RC, tb.OperatingPoint(), temperature_k=358.15)
    assert tb.as_testbench(bench) is bench
    assert tb.as_testbench(RC, tb.OperatingPoint(), temperature_k=358.15) == bench
    with pytest.raises(TypeError, match="temperature_k"):
        tb.as_testbench(bench, temperature_k=300.0)
    with pytest.raises(TypeError, match="no analysis"):
        tb.as_testbench(RC)
    with pytest.raises(TypeError, match="temperature_c"):
        tb.as_testbench(RC, tb.OperatingPoint(), temperature_c=85.0)


def test_session_netlist_is_the_testbench_rendered():
    """netlist_for (what the ngspice and VACASK sessions simulate and the cache keys
    hash) is the one netlister's text, of a Testbench or of its fields by name."""
    tran = tb.Transient(1e-9, 1e-6)
    same = tb.Testbench(RC, tran, {"seed": 3}, 358.15, (".save all",))
    text = session.netlist_for(
        RC, tran, options={"seed": 3}, temperature_k=358.15, before_analysis=[".save all"]
    )
    assert text == tb.render(same) == session.netlist_for(same)
    assert session.Transient is tb.Transient and session.OperatingPoint is tb.OperatingPoint


def test_scenario_texts_end_with_the_rendered_analysis():
    """The stand-alone testbench and the scenario's netlist carry the scenario's transient
    (:meth:`Scenario.analysis`) once, as the renderer writes it, and one .end."""
    sc = ipnet_scenario()
    assert sc.analysis().command() == ".tran 1e-11 8e-08 0 2e-11"
    card = sc.analysis().command()
    for text in (render_testbench(sc, 0.5)[0], sc.netlist_text()):
        lines = text.splitlines()
        assert lines.count(card) == 1 and lines[-1] == ".end" and lines.count(".end") == 1
        assert lines.index(card) < lines.index(".control")


# ----------------------------------------------------------------------------- circuits carrying their options
def _rc_bench(**options):
    c = BenchCircuit(
        "rc", header=["* an RC low-pass"], includes=[".include m.lib"], sim_options=options
    )
    c.raw_spice += ".model d1 d\n"
    c.V("1", "vin", c.gnd, 1)
    c.R("1", "vin", "out", 1e3)
    return c


def test_circuit_renders_its_options_once_after_its_includes():
    c = _rc_bench(method="gear", reltol=1e-4)
    assert str(c) == (
        ".title rc\n* an RC low-pass\n.include m.lib\n.options method=gear reltol=0.0001\n"
        ".model d1 d\nV1 vin 0 1\nR1 vin out 1000.0\n"
    )
    text = session.netlist_for(c, tb.OperatingPoint())
    assert text == str(c) + ".op\n.end\n"
    assert sum(ln.startswith(".options") for ln in text.splitlines()) == 1


def test_run_options_join_the_circuit_s_own_card():
    """A circuit carrying options keeps one card: the testbench's are merged into it (they
    win, as a later card would); a circuit without any gets the testbench's card."""
    c = _rc_bench(method="gear", reltol=1e-4)
    text = tb.render(tb.Testbench(c, tb.OperatingPoint(), {"reltol": 1e-5, "klu": True}))
    assert [ln for ln in text.splitlines() if ln.startswith(".options")] == [
        ".options method=gear reltol=1e-05 klu"
    ]
    assert (
        text
        == str(c).replace(
            ".options method=gear reltol=0.0001\n", ".options method=gear reltol=1e-05 klu\n"
        )
        + ".op\n.end\n"
    )
    plain = tb.render(tb.Testbench(_rc_bench(), tb.OperatingPoint(), {"klu": True}))
    assert plain == str(_rc_bench()) + ".options klu\n.op\n.end\n"


def test_options_are_data_until_rendered():
    c = _rc_bench(method="gear")
    assert c.sim_options == {"method": "gear"}
    c.sim_options["seed"] = 7  # replaced before rendering: the card follows the data
    assert ".options method=gear seed=7\n" in str(c)
    assert str(c.clone()) == str(c)
    assert ".options" not in str(_rc_bench())  # no options, no card


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sim_options": {"method": "gear trap"}}, r"\.options"),
        ({"header": ["* two\n* lines"]}, "preamble"),
        ({"includes": [""]}, "preamble"),
    ],
)
def test_bench_circuit_refuses_what_would_not_stay_one_card(kwargs, match):
    with pytest.raises(ValueError, match=match):
        BenchCircuit("x", **kwargs)


def test_generators_carry_their_options_as_data():
    """Every standard testbench (and the v4 neuron's stochastic mode) has its options as
    ``sim_options``, rendered as one card right after its .include, in the written
    testbench too; the v4 card is the one the v4 netlists carried by hand."""
    for sc in standard_scenarios():
        lines = str(sc.circuit).splitlines()
        cards = [k for k, ln in enumerate(lines) if ln.startswith(".options")]
        assert len(cards) == 1 and lines[cards[0] - 1].startswith(".include")
        assert lines[cards[0]] == options_card(sc.circuit.sim_options)
        assert render_testbench(sc, 0.5)[0].count("\n.options") == 1
    p = v4.default_v4_params()
    c = v4.build_v4_testbench(p, [[0]] * p.n_inputs, 2, switching=ms.stochastic(7))
    assert c.sim_options == {"method": "gear", "seed": 7}
    assert str(c).count(".options method=gear seed=7\n") == 1
