"""The thermal-stack file: each value within a physical range, named with file, key and value."""

import re
import shutil

import pytest

from circuits.ipnet_array import (
    STACK_QUANTITIES,
    THERMAL_STACK_FILE,
    ArrayParams,
    coupling_network,
    load_thermal_stack,
)


def _stack(tmp_path, key, value, unit=None):
    path = tmp_path / "stack.toml"
    shutil.copy(THERMAL_STACK_FILE, path)
    text = path.read_text()
    head, rest = text.split(f"[params.{key}]\n", 1)
    block, tail = rest.split("\n[", 1) if "\n[" in rest else (rest, None)
    block = re.sub(r"(?m)^value = .*$", f"value = {value}", block)
    if unit is not None:
        block = re.sub(r"(?m)^unit = .*$", f'unit = "{unit}"', block)
    path.write_text(head + f"[params.{key}]\n" + block + ("\n[" + tail if tail else ""))
    return path


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("k_metal", "1e30", r"k_metal=1e\+30 W/\(m\*K\) is out of range; allowed \[5, 430\]"),
        ("k_ild", "0", r"k_ild=0 W/\(m\*K\) is out of range; allowed \[0.05, 5\]"),
        ("metal_density", "1.5", r"metal_density=1.5 is out of range; allowed \[0, 0.9\]"),
        ("t_below", "1.0", r"t_below=1 m is out of range; allowed \[1e-07, 2e-05\] m"),
        ("pillar_diameter", "-40e-9", r"pillar_diameter=-4e-08 m is out of range"),
        ("k_vert", "true", r"\[params.k_vert\]: value=True is not a finite number"),
        ("t_layer", "nan", r"\[params.t_layer\]: value=nan is not a finite number"),
    ],
)
def test_an_absurd_stack_value_is_refused_naming_file_key_value_and_range(
    tmp_path, key, value, message
):
    path = _stack(tmp_path, key, value)
    with pytest.raises(ValueError, match=message) as err:
        load_thermal_stack(path)
    assert str(path) in str(err.value) and f"[params.{key}]" in str(err.value)


def test_stack_units_are_checked_and_converted(tmp_path):
    stack = load_thermal_stack(_stack(tmp_path, "t_layer", "100", "nm"))
    assert stack.t_layer_m == pytest.approx(100e-9)
    with pytest.raises(ValueError, match=r"\[params.k_metal\]: unit='K/W' does not convert"):
        load_thermal_stack(_stack(tmp_path, "k_metal", "163", "K/W"))


def test_a_misspelt_stack_key_gets_a_suggestion(tmp_path):
    path = tmp_path / "stack.toml"
    path.write_text(THERMAL_STACK_FILE.read_text().replace("[params.k_vert]", "[params.k_vrt]"))
    with pytest.raises(ValueError, match=r"'k_vrt' \(did you mean 'k_vert'\?\)"):
        load_thermal_stack(path)


def test_the_shipped_stack_lies_inside_every_range_and_couples_a_4x4_array_sparsely():
    stack = load_thermal_stack()
    for key, q in STACK_QUANTITIES.items():
        assert q.reason and q.description, key
    # the 4x4 array at the default pitch: nearest and diagonal neighbours only
    # (42 pairs), each a resistor of megaohm-scale K/W (the k_metal = 1e30 case
    # gave 120 resistors of ~4.4e4 K/W)
    res = coupling_network(ArrayParams(rows=4, cols=4, stack=stack))
    assert len(res) == 42
    assert min(1.0 / r.conductance_w_per_k for r in res) > 1e6
