"""Neuron design files (circuits/ipnet_design.py): the built-in design, validation, and a
design that changes the neuron through the file alone."""

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

from circuits.ipnet_design import (
    DEFAULT_DESIGN,
    QUANTITIES,
    SIZES,
    design_from_options,
    read_design,
)
from circuits.ipnet_neuron import SIZE_FIELDS, IpnetParams, Size
from circuits.mtj_device import DEFAULT_DEVICE
from circuits.scenarios import ipnet_scenario
from pyspice_flows import measure
from pyspice_flows.sim.session import Transient


def write(tmp_path: Path, text: str, name: str = "design.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_built_in_design_is_ipnet_params_defaults_field_by_field():
    design = read_design(DEFAULT_DESIGN)
    p, defaults = design.params(), IpnetParams()
    for f in dataclasses.fields(IpnetParams):
        assert getattr(p, f.name) == getattr(defaults, f.name), f.name
    assert design.device_file == DEFAULT_DEVICE.resolve()
    # units reach the code in SI: nm -> m exactly as the literals, V, ratios to Ic0
    assert defaults.switch == Size(500e-9, 30e-9) and defaults.delay == Size(100e-9, 800e-9)
    assert defaults.vdd_v == 0.9 and defaults.unit_current_ic0 == 1.2
    assert defaults.bias().unit_current_a == pytest.approx(1.2 * defaults.mtj().ic0)


def test_schema_covers_every_size_and_gives_each_field_unit_range_description():
    assert tuple(SIZES) == SIZE_FIELDS
    for name, q in QUANTITIES.items():
        assert q.description and q.reason, name
        assert q.lo < q.hi, name
    assert {f"{s}_{d}" for s in SIZES for d in "wl"} <= set(QUANTITIES)


def test_partial_design_keeps_the_built_in_values_and_converts_units(tmp_path):
    path = write(
        tmp_path,
        'name = "fast"\n[params]\nvdd = { value = 850, unit = "mV" }\n'
        'switch_w = { value = 0.6, unit = "um" }\n'
        'unit_current = { value = 70, unit = "uA" }\n',
    )
    d = read_design(path)
    p = d.params()
    assert p.vdd_v == pytest.approx(0.85) and p.vwr_v == 0.9
    assert p.switch.w_m == pytest.approx(600e-9) and p.switch.l_m == 30e-9
    assert p.unit_current_a == pytest.approx(70e-6)
    assert p.bias().unit_current_a == pytest.approx(70e-6)
    assert p.footer == IpnetParams().footer and p.device_file == IpnetParams().device_file


@pytest.mark.parametrize(
    "text, match",
    [
        ("[params]\nvdd = { value = 1.5, unit = \"V\" }\n", r"\[params.vdd\]: vdd=1.5 V is out of range; allowed \(0, 1.2\] V"),
        ("[params]\nvdd = { value = 0.9, unit = \"A\" }\n", r"\[params.vdd\]: unit='A' does not convert"),
        ("[params]\nvddd = { value = 0.9 }\n", r"unknown key\(s\) 'vddd' \(did you mean 'vdd'\?\)"),
        ("[params]\nswitch_w = { value = 50, unit = \"nm\" }\n", r"switch_w=50 nm is out of range; allowed \[100, 100000\] nm"),
        ("[params]\nunit_current = { value = 9, unit = \"Ic0\" }\n", r"unit_current=9 Ic0 is out of range"),
        ("[params]\nunit_current = { value = 5, unit = \"mA\" }\n", r"unit_current=0.005 A is out of range; allowed \(0, 0.001\] A"),
        ("[params]\nreset_current = { value = 1, unit = \"V\" }\n", r"\[params.reset_current\]: unit='V'; allowed 'Ic0' \(a ratio\) or a current"),
        ("[params]\nn_inputs = { value = 1.5 }\n", r"n_inputs=1.5; allowed an integer"),
        ("[params]\nvdd = { value = true }\n", r"\[params.vdd\]: value=True is not a finite number"),
        ("input_weights = [1.0, 0.5]\n", r"input_weights=\[1.0, 0.5\] has 2 entries for n_inputs=1"),
        ("input_weights = [9.0]\n", r"input_weights\[1\]=9.0 is out of range"),
        ('device = "nothere.toml"\n', r"device='nothere.toml': no such file"),
        ('devise = "x.toml"\n', r"unknown top-level key\(s\) 'devise' \(did you mean 'device'\?\)"),
    ],
)  # fmt: skip
def test_bad_design_is_one_line_naming_file_key_value_range(tmp_path, text, match):
    path = write(tmp_path, text)
    with pytest.raises((ValueError, FileNotFoundError), match=match) as err:
        read_design(path)
    message = str(err.value)
    assert str(path) in message and "\n" not in message


def test_device_is_relative_to_the_design_and_device_option_overrides_it(tmp_path):
    (tmp_path / "dev").mkdir()
    dev = tmp_path / "dev" / "copy.toml"
    dev.write_text(DEFAULT_DEVICE.read_text())
    path = write(tmp_path, 'device = "dev/copy.toml"\n')
    assert read_design(path).device_file == dev.resolve()
    assert design_from_options(path).params().device_file == dev.resolve()
    assert design_from_options(path, DEFAULT_DEVICE).device_file == DEFAULT_DEVICE
    with pytest.raises(ValueError, match=r"^--design .*nope.toml: neuron design file"):
        design_from_options(tmp_path / "nope.toml")


# A design that changes the supply and the synapse current through the file alone.
CHANGED = '[params]\nvdd = { value = 0.85, unit = "V" }\nvwr = { value = 0.85, unit = "V" }\nunit_current = { value = 1.35, unit = "Ic0" }\n'  # fmt: skip


def test_design_file_alone_changes_the_written_netlist(tmp_path):
    from pyspice_flows.testbenches import main

    path = write(tmp_path, CHANGED)
    out = tmp_path / "nets"
    assert main(["--design", str(path), "--out", str(out)]) == 0
    text = (out / "ipnet_neuron.cir").read_text()
    ic0 = IpnetParams().mtj().ic0
    assert re.search(r"^VDD vdd 0 0\.85$", text, re.M)
    assert re.search(r"^VWR vwr 0 0\.85$", text, re.M)
    assert f"unit synapse current {1.35 * ic0 * 1e6:.4g} uA" in text
    unit = re.search(r"^BREFN vdd ibn I=([0-9.e+-]+)\*", text, re.M)
    assert float(unit.group(1)) == pytest.approx(1.35 * ic0 / 5, rel=1e-5)  # BIAS_SCALE 5
    default = ipnet_scenario().netlist_text()
    assert "VDD vdd 0 0.9" in default and f"{1.2 * ic0 * 1e6:.4g} uA" in default


@pytest.mark.slow
def test_design_file_alone_changes_the_simulated_neuron(session, tmp_path):
    # 0.85 V supply: the rails and the spike's height; 1.35 Ic0 synapse instead of 1.2 Ic0:
    # the write current during the first input spike (from VWR) rises by about 1.35/1.2
    p_new = read_design(write(tmp_path, CHANGED)).params()
    write_a = {}
    for key, p in (("default", IpnetParams()), ("design", p_new)):
        sc = ipnet_scenario(p, count=20, stop_s=45e-9)
        w = session.run(sc.circuit, Transient(sc.step_s, sc.stop_s, max_step_s=sc.max_step_s))
        out, t = w.v("out"), w.time
        assert measure.count_spikes(t, out, measure.logic_threshold_v(p.vdd_v)) >= 1, key
        assert out.max() == pytest.approx(p.vdd_v, abs=0.03), key
        assert np.allclose(w.v("vdd"), p.vdd_v) and np.allclose(w.v("vwr"), p.vwr_v), key
        first_input = (t > 1.0e-9) & (t < 1.4e-9)  # the first spike is 0.5-1.5 ns
        write_a[key] = float(np.mean(-w.i("vwr")[first_input]))
    assert write_a["design"] / write_a["default"] == pytest.approx(1.35 / 1.2, abs=0.06)


def test_sweep_samples_carry_the_design_as_values(tmp_path):
    from pyspice_flows.metrics.neuron import params_for
    from pyspice_flows.sweep.spec import DEFAULT_SPEC, load_spec

    design = read_design(write(tmp_path, CHANGED + 'fire_p_w = { value = 1.1, unit = "um" }\n'))
    spec = load_spec(DEFAULT_SPEC)
    with_design = dataclasses.replace(spec, neuron=design.kwargs())
    assert with_design.fingerprint() != spec.fingerprint()  # a resumed sweep sees the change
    assert dataclasses.replace(spec, neuron=None).fingerprint() == spec.fingerprint()
    sample = with_design.sample(0)
    p, _ = params_for({k: v for k, v in sample.items() if k != "vdd_v"})
    assert (p.vdd_v, p.unit_current_ic0, p.fire_p) == (0.85, 1.35, Size(1.1e-6, 120e-9))
    p, _ = params_for({**sample, "vdd_v": 0.81})  # a swept supply replaces the design's
    assert (p.vdd_v, p.vwr_v, p.unit_current_ic0) == (0.81, 0.81, 1.35)
    assert params_for({"vdd_v": 0.9})[0] == IpnetParams()  # no design: the built-in one


COMMANDS = ("report", "netlists", "sweep", "plasticity", "working-memory-v2", "behavioural")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_neuron_command_takes_design_and_refuses_a_bad_one_first(command, tmp_path, capsys):
    import importlib

    from area_energy.cli import SUBCOMMANDS

    main = importlib.import_module(SUBCOMMANDS[command][1]).main
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0 and "--design FILE" in capsys.readouterr().out
    bad = write(tmp_path, '[params]\nvdd = { value = 2.0, unit = "V" }\n', "bad.toml")
    out = tmp_path / "out"
    assert main(["--design", str(bad), "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert f"--design {bad}" in err and "vdd=2 V is out of range; allowed (0, 1.2] V" in err
    assert "\n" not in err and not (out.exists() and any(out.iterdir()))
