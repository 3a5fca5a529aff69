"""The array benchmarks (d) and (i): spike detection, growth exponents, host comparison,
host choice, VACASK's cost counters, and one small array on every host (the answers agree).

References are independent of the code: hand-placed crossings of piecewise-linear
waveforms, exact power laws, VACASK's own printed statistics, and the other host's run.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from circuits.ipnet_array import build_ipnet_array
from pyspice_flows.bench import array as ab
from pyspice_flows.bench import cli
from pyspice_flows.bench.solvers import agreement, table_lines
from pyspice_flows.sim.session import Transient, netlist_for
from pyspice_flows.sim.vacask import _stats, unavailable_reason

_REASON = unavailable_reason()


def test_spike_times_are_the_interpolated_rising_crossings():
    # 0 -> 1 V over 1..2 ns (crossing 0.45 V at 1.45 ns), down, up again over 5..5.5 ns
    t = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 5.5, 6.0]) * 1e-9
    v = np.array([0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0])
    got = ab.spike_times_s(t, v, 0.45)
    assert got == pytest.approx([1.45e-9, 5.225e-9], rel=1e-12)
    assert ab.spike_times_s(t, np.zeros_like(t), 0.45) == []


def test_growth_exponent_of_exact_power_laws():
    n = np.array([1, 4, 16, 64, 256, 1024])
    assert ab.growth_exponent(n, 0.3 * n**1.0) == pytest.approx(1.0, abs=1e-12)
    assert ab.growth_exponent(n, 2.0 * n**1.5) == pytest.approx(1.5, abs=1e-12)
    assert math.isnan(ab.growth_exponent([4], [1.0]))


def test_array_shape_is_the_most_nearly_square():
    assert [ab.array_shape(n) for n in (1, 4, 16, 64, 256, 1024, 2)] == [
        (1, 1),
        (2, 2),
        (4, 4),
        (8, 8),
        (16, 16),
        (32, 32),
        (1, 2),
    ]


def test_host_netlists_add_saves_and_klu_only():
    plain = ab.array_testbench(4, 2e-9)
    p = ab.array_params(4, 2e-9)
    assert plain == netlist_for(
        build_ipnet_array(p), Transient(10e-12, 2e-9, max_step_s=20e-12)
    )  # the testbench itself unchanged
    for host in ab.HOSTS:
        text = ab.host_netlist(4, 2e-9, host)
        saved = [
            tok for ln in text.splitlines() if ln.startswith(".save") for tok in ln.split()[1:]
        ]
        assert sorted(saved) == sorted(f"v({w}{k})" for k in range(1, 5) for w in ("out", "th"))
        (card,) = [ln for ln in text.splitlines() if ln.startswith(".options")]  # one card
        assert ("klu" in card.split()) == (host == "klu")
    with pytest.raises(ValueError, match="allowed"):
        ab.host_netlist(4, 2e-9, "spectre")


def _answers(spikes, rise):
    return {"spikes": spikes, "th_grid": rise}


def test_agreement_within_and_beyond_tolerance():
    a = _answers([[5e-9, 9e-9], []], [[0.0, 10.0, 20.0], [0.0, 1.0, 2.0]])
    same = agreement(a, a)
    assert same["agree"] and same["max_spike_time_difference_rel"] == 0.0
    close = agreement(a, _answers([[5.04e-9, 9e-9], []], [[0.0, 10.1, 20.0], [0.0, 1.0, 2.0]]))
    assert close["agree"]
    assert close["max_spike_time_difference_rel"] == pytest.approx(0.008)
    assert close["max_rise_difference_rel"] == pytest.approx(0.1 / 20.0)
    late = agreement(a, _answers([[5.1e-9, 9e-9], []], a["th_grid"]))
    assert not late["agree"]  # 2 % late
    extra = agreement(a, _answers([[5e-9, 9e-9], [7e-9]], a["th_grid"]))
    assert not extra["agree"] and not extra["spike_counts_equal"]
    hot = agreement(a, _answers(a["spikes"], [[0.0, 10.0, 20.5], [0.0, 1.0, 2.0]]))
    assert not hot["agree"]  # 2.5 % of the peak rise


def test_vacask_statistics_are_read_and_summed():
    out = """Running analysis 'op1'.
  Elapsed time: 0.5
Running analysis 'tran1'.
  Elapsed time: 2.25
  Eval and load time:              1.5
  NR solver iterations:            40
  Real factorization time:         0.125
  Real refactorization time:       0.25
  Real solve time:                 0.0625
  Complex factorization time:      9
  Complex solve time:              9
  Accepted timepoints:             30
  Rejected timepoints:             2
"""
    st = _stats(out, 3.0)
    assert (st.analysis_s, st.eval_load_s, st.factor_s, st.solve_s) == (2.75, 1.5, 0.375, 0.0625)
    assert (st.accepted_steps, st.rejected_steps, st.newton_iterations) == (30, 2, 40)


def test_default_host_and_its_fallback(monkeypatch):
    assert ab.default_array_host("ngspice") == (ab.NGSPICE_ARRAY_SOLVER, None)
    monkeypatch.setenv("IPNET_VACASK", "/nonexistent/vacask")
    host, reason = ab.default_array_host("vacask")
    assert host == ab.NGSPICE_ARRAY_SOLVER and "VACASK cannot run" in reason
    with pytest.raises(ValueError, match="allowed"):
        ab.default_array_host("spectre")


def test_scaling_skips_large_arrays_without_vacask(monkeypatch):
    monkeypatch.setenv("IPNET_VACASK", "/nonexistent/vacask")
    monkeypatch.setattr(ab, "ARRAY_DEFAULT_HOST", "vacask")
    monkeypatch.setattr(
        ab,
        "host_run",
        lambda n, stop_s, host: {
            "wall_s": 0.01 * n,
            "accepted": 100,
            "wall_per_accepted_step_us": 100.0 * n,
            "spikes": [[]] * n,
            "th_grid": [[0.0]] * n,
        },
    )
    res = ab.bench_array_scaling((1, 4, 64, 256), 2e-9, repeats=1, say=lambda m: None)
    assert [r["neurons"] for r in res["rows"]] == [1, 4, 64]
    assert "VACASK cannot run" in res["skipped"]["256"]
    assert res["growth_exponent"] == pytest.approx(1.0) and not res["met"]


@pytest.mark.skipif(_REASON is not None, reason=f"VACASK cannot run here: {_REASON}")
@pytest.mark.slow
def test_one_neuron_agrees_on_every_host():
    runs = {h: ab.host_run(1, 5e-9, h, limit_s=120.0) for h in ab.HOSTS}
    for h, r in runs.items():
        assert "wall_s" in r, (h, r)
        assert r["accepted"] >= 5e-9 / 20e-12  # the 20 ps maximum step
    ag = agreement(runs["sparse"], runs["vacask"])
    assert ag["agree"], ag
    assert ag["peak_rise_K"] > 0.1  # the junction heats: a comparison of something
    assert agreement(runs["sparse"], runs["klu"])["agree"]


def test_table_prints_the_ratio_of_ngspice_to_vacask():
    rows = [
        {
            "neurons": 4,
            "sparse": {"wall_s": 3.0},
            "klu": {"failed": "singular matrix"},
            "vacask": {"wall_s": 2.0},
        }
    ]
    lines = table_lines({"rows": rows, "default": "vacask"})
    assert "1.50" in lines[1] and "failed" in lines[1] and "vacask" in lines[-1]


def _scaling_with(monkeypatch, wall_power: float, cpu_power: float) -> dict:
    """(d) on stand-in runs whose wall and CPU times grow as exact powers of the size."""
    monkeypatch.setattr(ab, "default_array_host", lambda simulator=None: ("vacask", None))
    monkeypatch.setattr(
        ab,
        "host_run",
        lambda n, stop_s, host: {
            "wall_s": 0.5 * n**wall_power,
            "cpu_s": 0.4 * n**cpu_power,
            "accepted": 100,
            "wall_per_accepted_step_us": 5000.0 * n**wall_power,
            "spikes": [[]] * n,
            "th_grid": [[0.0]] * n,
        },
    )
    return ab.bench_array_scaling((1, 4, 16, 64), 2e-9, repeats=1, say=lambda m: None)


def test_scaling_verdict_reads_the_cpu_time_and_prints_the_wall_beside(monkeypatch):
    # a loaded machine: the wall grows as N^1.4, the simulation's CPU as N^1.0
    res = _scaling_with(monkeypatch, 1.4, 1.0)
    assert res["verdict_on"] == "cpu" and "CPU time" in res["verdict_why"]
    assert res["cpu_growth_exponent"] == pytest.approx(1.0)
    assert res["cpu_local_exponents"] == pytest.approx([1.0, 1.0, 1.0])
    assert res["growth_exponent"] == pytest.approx(1.4)  # the wall, under its old key
    assert res["met"] and not res["met_on_wall"]
    lines = cli.table_lines({"d_neuron_scaling": res})
    text = "\n".join(lines)
    assert "cpu ~ N^1.00  <= 1.15  met (verdict)" in text
    assert "wall ~ N^1.40\n" in text + "\n" and "verdict on the cpu time" in text
    # and the other way round: the CPU time itself grows too fast
    res = _scaling_with(monkeypatch, 1.0, 1.4)
    assert not res["met"] and res["met_on_wall"]
