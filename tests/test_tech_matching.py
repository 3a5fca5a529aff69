"""The Pelgrom coefficient as a sourced datum: models/tech/cmos28_matching.toml, read once
into Technology.a_vt_v_m and used by the comparator-offset check (circuits.compatibility)."""

import math
import tomllib

import pytest

from circuits import compatibility
from circuits.technology import CMOS28, CMOS28_MATCHING, Technology, read_a_vt_v_m

GOOD = """name = "t"
[a_vt]
value = 2.0e-9
unit = "V*m"
estimate = true
range = [1.0e-9, 3.0e-9]
source = "doi:10.1109/JSSC.1989.572629"
note = "a test value"
"""


def _file(tmp_path, text: str):
    path = tmp_path / "matching.toml"
    path.write_text(text)
    return path


def test_the_default_technology_carries_the_files_value_with_its_source():
    with CMOS28_MATCHING.open("rb") as fh:
        entry = tomllib.load(fh)["a_vt"]
    assert CMOS28.a_vt_v_m == read_a_vt_v_m() == 1.5e-9  # 1.5 mV um, unchanged
    assert entry["unit"] == "V*m"
    assert "10.1109/JSSC.1989.572629" in entry["source"]  # Pelgrom et al. 1989
    assert entry["estimate"] is True and entry["range"][0] <= entry["value"] <= entry["range"][1]


def test_offset_is_four_sigma_of_the_technologys_pelgrom_law():
    # 100 nm x 30 nm: sqrt(W L) = sqrt(3e-15 m^2) = 54.77 nm; 4 x 1.5 mV um / 0.05477 um
    assert compatibility.offset_v(100e-9, 30e-9) == pytest.approx(0.109545, rel=1e-5)
    twice = Technology(a_vt_v_m=3.0e-9)
    assert compatibility.offset_v(100e-9, 30e-9, twice) == pytest.approx(0.219089, rel=1e-5)
    assert compatibility.offset_v(400e-9, 30e-9) == pytest.approx(0.109545 / 2, rel=1e-5)


def test_a_valid_file_is_read(tmp_path):
    assert read_a_vt_v_m(_file(tmp_path, GOOD)) == 2.0e-9


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("value = 2.0e-9", "value = -2.0e-9", "a_vt.value = -2e-09"),
        ("value = 2.0e-9", "value = 5.0e-9", "outside range"),
        ('unit = "V*m"', 'unit = "mV*um"', "a_vt.unit = 'mV*um'"),
        ("range = [1.0e-9, 3.0e-9]\n", "", "an estimate needs range"),
        ('source = "doi:10.1109/JSSC.1989.572629"\n', "", "a_vt.source: Field required"),
        ("estimate = true", 'estimate = "yes"', "a_vt.estimate = 'yes'"),
        ('note = "a test value"', 'note = "x"\nnotes = "y"', "a_vt.notes = 'y'"),
    ],
)
def test_a_bad_file_is_one_line_naming_file_key_and_value(tmp_path, old, new, says):
    path = _file(tmp_path, GOOD.replace(old, new))
    with pytest.raises(ValueError) as info:
        read_a_vt_v_m(path)
    text = str(info.value)
    assert "\n" not in text and str(path) in text and says in text, text


@pytest.mark.parametrize("bad", [0.0, -1e-9, math.nan, math.inf, True])
def test_technology_refuses_an_impossible_coefficient(bad):
    with pytest.raises(ValueError, match="a_vt_v_m"):
        Technology(a_vt_v_m=bad)
