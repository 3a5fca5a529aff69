"""Neuron v4's compatibility check (circuits/compatibility_v4.py): one refusal class per
test, each one line naming the device, the parameter, the margin and what it needs,
before any simulation; the built-in design passes at every corner of its sweep."""

import re

import pytest
from inprocess_cli import ipnet

from circuits import compatibility_v4 as compat
from circuits import ipnet_neuron_v4 as v4
from circuits import mtj_switching as law
from circuits.compatibility import IncompatibleDevice

SWEEP_TEMPS_K = (273.15, 300.15, 358.15)
SWEEP_VDDS_V = (0.81, 0.9, 0.99)


@pytest.fixture(scope="module")
def p():
    return v4.default_v4_params()


@pytest.mark.slow
def test_the_built_in_design_passes_at_every_sweep_corner(p):
    margins = compat.require_compatible_v4(p, compat.corners_v4(p, SWEEP_TEMPS_K, SWEEP_VDDS_V))
    assert len(margins) == 9 * 5 and all(m.ok for m in margins)


@pytest.mark.slow
def test_the_trim_a_tester_picks_lands_in_the_window_and_is_a_dac_code(p):
    trim, p_cal = compat.calibrated_trim(p)
    assert trim in {p.trim_factor(c) for c in range(p.trim_codes)}
    lo, hi = compat.CALIBRATION_WINDOW
    assert lo <= p_cal <= hi
    # independent of the bisection: the law at the neighbouring codes lies on either side
    corner = compat.Corner(compat.CALIBRATION_K, p.vdd_v, p.vdd_v)
    target = (lo * hi) ** 0.5
    below = compat.rested_p(p, trim - 2 * p.trim_step, corner)
    above = compat.rested_p(p, trim + 2 * p.trim_step, corner)
    assert below < target < above


@pytest.mark.slow
def test_a_junction_no_trim_code_can_fire_is_refused_by_its_write_window(p):
    stiff = p.with_(mtj_overrides={"delta0": 200.0})
    with pytest.raises(IncompatibleDevice) as err:
        compat.require_compatible_v4(stiff, compat.corners_v4(stiff))
    line = str(err.value)
    assert "\n" not in line
    assert re.match(
        r"device ikeda2010_pmtj_40nm_insulated.toml \(with overrides\): ic0 = [\d.]+ uA gives "
        r"a write window margin of -\d+% at 27 C, VDD 0.9 V \(needs >= 0 %\): the trim's best "
        r"P\(fire \| rested\) at 27 C is",
        line,
    ), line


@pytest.mark.slow
def test_a_heat_phase_too_short_to_restore_p_is_refused(p):
    short = p.with_(heat_s=2e-9)
    # the independent number: the law's 99.9th-percentile restore time at the full
    # heat reference already exceeds 2 ns
    bias = p.bias_params().bias()
    t_slow = law.switching_times(p.mtj(), bias.reset_current_a, 300.15, [1e-3], 1e-7)[0]
    assert t_slow > 2e-9
    with pytest.raises(IncompatibleDevice, match=r"gives a restore margin of -\d+% at 27 C"):
        compat.require_compatible_v4(short, compat.corners_v4(short))


@pytest.mark.slow
def test_a_trip_next_to_the_p_level_is_refused_by_the_comparator_offset(p):
    low = p.with_(fire_trip_rp=1.05)
    with pytest.raises(IncompatibleDevice, match=r"rp = [\d.]+ kOhm gives a detector margin of"):
        compat.require_compatible_v4(low, compat.corners_v4(low))


def test_an_ambient_above_the_curie_point_is_refused(p):
    warm = p.with_(mtj_overrides={"tc": 420.0})
    with pytest.raises(IncompatibleDevice, match=r"tc = 420 K gives a curie margin of -\d+ K"):
        compat.require_compatible_v4(warm, compat.corners_v4(warm, [450.0]))


def test_the_report_refuses_an_incompatible_v4_design_before_simulating(tmp_path, capsys):
    design = tmp_path / "short_heat.toml"
    design.write_text('name = "short_heat"\n[params]\nheat_time = { value = 2, unit = "ns" }\n')
    res = ipnet(
        capsys, "report", "--design", str(design), "--out", str(tmp_path / "r"), cwd=tmp_path
    )
    assert res.code == 1
    line = res.error_line()
    assert "neuron v4" in line and "restore margin" in line
    assert not (tmp_path / "r").exists()
    assert "simulating" not in res.stdout
