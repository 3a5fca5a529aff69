"""The device/neuron compatibility check: one refusal class per test, before any simulation."""

import re
import shutil

import pytest

from circuits import compatibility as compat
from circuits.ipnet_neuron import IpnetParams, Size
from circuits.mtj_analytic import critical_current
from circuits.mtj_device import DEFAULT_DEVICE, load_device
from circuits.paths import DEVICES_DIR

SWEEP_TEMPS_K = (273.15, 300.15, 358.15)
SWEEP_VDDS_V = (0.81, 0.9, 0.99)


def low_ra_device(folder):
    """The Ikeda junction with RA = 3.14 ohm um^2: rp = 2.5 kOhm (ra and diameter agree)."""
    path = folder / "low_ra.toml"
    text = DEFAULT_DEVICE.read_text()
    text = re.sub(r"(\[params.ra\]\n(?:.*\n)*?)value = .*", r"\1value = 3.1416e-12", text, count=1)
    text = re.sub(r"(\[params.rp\]\n(?:.*\n)*?)value = .*", r"\1value = 2.5e3", text, count=1)
    path.write_text(text)
    return path


def _corners(p, temps=SWEEP_TEMPS_K, vdds=SWEEP_VDDS_V):
    return compat.corners(p, temps, vdds)


def test_the_built_in_device_passes_at_every_sweep_corner():
    p = IpnetParams()
    margins = compat.require_compatible(p, _corners(p))
    assert len(margins) == 9 * 5 and all(m.ok for m in margins)


def test_a_low_ra_device_is_refused_by_its_detector_margin_naming_rp(tmp_path):
    p = IpnetParams(device_file=low_ra_device(tmp_path))
    assert load_device(p.device_file).params.rp == 2.5e3  # it loads: the file is plausible
    with pytest.raises(compat.IncompatibleDevice) as err:
        compat.require_compatible(p, _corners(p))
    line = str(err.value)
    assert "\n" not in line
    assert re.match(
        r"device low_ra.toml: rp = 2.5 kOhm gives a detector margin of 1\d\.\d mV at "
        r"\d+ C, VDD 0.\d+ V \(needs >= 17.3 mV\)",
        line,
    ), line


def test_a_junction_the_supply_cannot_write_is_refused_by_its_write_margin():
    p = IpnetParams(device_file=DEVICES_DIR / "sato2013_pmtj_20nm.toml")
    with pytest.raises(
        compat.IncompatibleDevice, match=r"rp = 31.8 kOhm gives a write margin of -"
    ):
        compat.require_compatible(p, _corners(p, vdds=(0.9,)))


def test_a_reset_supply_too_low_for_r_ap_is_refused_by_its_reset_margin():
    p = IpnetParams(vdd_v=0.6, vwr_v=0.9)
    with pytest.raises(compat.IncompatibleDevice, match=r"gives a reset margin of -\d+% at 27 C"):
        compat.require_compatible(p, compat.corners(p, [300.15]))


def test_a_small_sense_device_is_refused_by_its_offset(tmp_path):
    # 100 nm x 30 nm: 4 sigma of a 1.5 mV um Pelgrom offset is 110 mV
    p = IpnetParams(psense_n=Size(100e-9, 30e-9))
    with pytest.raises(
        compat.IncompatibleDevice, match=r"return-to-P detector margin .*>= 109.5 mV"
    ):
        compat.require_compatible(p, compat.corners(p, [300.15]))
    assert compat.offset_v(100e-9, 30e-9) == pytest.approx(4 * 1.5e-3 * 1e-6 / (3e-15) ** 0.5)


def test_an_operating_temperature_above_the_curie_point_is_refused(tmp_path):
    path = tmp_path / "dev.toml"
    shutil.copy(DEFAULT_DEVICE, path)
    path.write_text(
        re.sub(r"(\[params.tc\]\n(?:.*\n)*?)value = .*", r"\1value = 420", path.read_text())
    )
    p = IpnetParams(device_file=path)
    compat.require_compatible(p, compat.corners(p, [300.15]))
    with pytest.raises(
        compat.IncompatibleDevice, match=r"tc = 420 K gives a curie margin of -\d+ K"
    ):
        compat.require_compatible(p, compat.corners(p, [450.0]))


def test_the_switching_current_follows_ic0_t_and_lies_just_below_it():
    mtj = load_device().params
    currents = [compat.switching_current_a(mtj, t) for t in SWEEP_TEMPS_K]
    assert currents[0] > currents[1] > currents[2]  # a warmer junction switches sooner
    for t, i_sw in zip(SWEEP_TEMPS_K, currents):
        assert 0.85 < i_sw / float(critical_current(mtj, t)) < 1.0


def test_the_ap_level_solves_the_bias_dependent_tmr():
    mtj = load_device().params
    v = compat.ap_voltage_v(mtj, 40e-6, 300.15, 5.0)  # unclipped
    from circuits.mtj_analytic import resistance

    assert v == pytest.approx(40e-6 * float(resistance(mtj, v, 300.15, -1)), rel=1e-6)
    assert compat.ap_voltage_v(mtj, 1e-3, 300.15, 0.7) == 0.7  # clipped by the supply


def test_commands_check_the_device_file_then_the_neuron_in_one_line(tmp_path):
    assert compat.checked_neuron_device(None, [None]) is None  # the built-in device at 27 C
    path = low_ra_device(tmp_path)
    with pytest.raises(ValueError, match=rf"^--device {path}: device low_ra.toml: rp = 2.5 kOhm"):
        compat.checked_neuron_device(path, [300.15])
    absurd = tmp_path / "amperes.toml"
    absurd.write_text(
        re.sub(
            r"(\[params.ic0\]\n(?:.*\n)*?)value = .*", r"\1value = 39", DEFAULT_DEVICE.read_text()
        )
    )
    with pytest.raises(ValueError, match=r"\[params.ic0\]: ic0=39 A is out of range"):
        compat.checked_neuron_device(absurd, [300.15])
