"""One ``--design FILE`` for the commands that run both IPNet neurons (the report): the
file's keys say which neuron it describes (circuits/neuron_designs.py)."""

from pathlib import Path

import pytest

from circuits import ipnet_design
from circuits import ipnet_neuron_v4 as v4
from circuits.neuron_designs import design_kinds, designs_from_options

DEVICE = Path(v4.DEFAULT_V4_DESIGN).parent.parent.parent / "models" / "devices"


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "mine.toml"
    path.write_text('name = "mine"\n' + body)
    return path


def test_a_v4_file_changes_neuron_v4_only(tmp_path):
    path = _write(
        tmp_path,
        '[params]\nwrite_current = { value = 0.65, unit = "Ic0" }\n'
        'heat_time = { value = 25, unit = "ns" }\n',
    )
    assert design_kinds(path) == (False, True)
    v2, d4 = designs_from_options(path)
    assert d4.name == "mine"
    assert d4.params.write_current_ic0 == 0.65 and d4.params.heat_s == pytest.approx(25e-9)
    built_in = ipnet_design.read_design()
    assert v2.params().unit_current_ic0 == built_in.params().unit_current_ic0


def test_a_v2_file_changes_the_v2_neuron_only(tmp_path):
    path = _write(tmp_path, '[params]\nunit_current = { value = 1.3, unit = "Ic0" }\n')
    assert design_kinds(path) == (True, False)
    v2, d4 = designs_from_options(path)
    assert v2.params().unit_current_ic0 == 1.3
    assert d4.params == v4.default_v4_params()


def test_keys_both_take_change_both_and_the_device_option_reaches_both(tmp_path):
    path = _write(tmp_path, '[params]\nvdd = { value = 0.95, unit = "V" }\n')
    assert design_kinds(path) == (True, True)
    device = DEVICE / "ikeda2010_pmtj_40nm.toml"
    v2, d4 = designs_from_options(path, device)
    assert v2.params().vdd_v == 0.95 and d4.params.vdd_v == 0.95
    assert d4.params.device_file == device and Path(v2.device_file) == device


def test_a_key_neither_neuron_takes_is_refused_with_the_allowed_keys(tmp_path):
    path = _write(tmp_path, '[params]\nheat_curent = { value = 1.5, unit = "Ic0" }\n')
    with pytest.raises(ValueError) as err:
        designs_from_options(path)
    text = str(err.value)
    assert text.startswith(f"--design {path}") and "heat_curent" in text
    assert "heat_current" in text  # the did-you-mean hint


def test_a_value_out_of_range_names_file_key_and_range(tmp_path):
    path = _write(tmp_path, '[params]\nheat_current = { value = 40, unit = "Ic0" }\n')
    with pytest.raises(ValueError, match=r"--design .*heat_current.*40"):
        designs_from_options(path)
