"""Neuron v4 designs other than the built-in one through the variation sweep and into
``ipnet compare``: ``ipnet sweep --design FILE`` on a v4 spec carries the design as values
to every sample (pyspice_flows.metrics.neuron_v4.sample_params), and compare's yield rows
(area_energy.report.compare_sweep) go to the column whose design the sweep simulated."""

import csv
import json
from dataclasses import replace

import pytest

from area_energy.report.compare_inputs import Column, resolved
from area_energy.report.compare_sweep import column_sweep, read_sweep
from circuits.ipnet_neuron_v4 import DEFAULT_V4_DESIGN, default_v4_params
from circuits.mtj_device import DEFAULT_DEVICE
from circuits.neuron_designs import read_v4_design_file
from pyspice_flows.metrics import neuron_v4_trim
from pyspice_flows.metrics.neuron_v4 import (
    design_params,
    design_values,
    drive_waveforms,
    predicted_fire_probability,
    sample_params,
    v4_sample_metrics,
)
from pyspice_flows.sweep.cli import main as sweep_main
from pyspice_flows.sweep.designs import spec_with_design
from pyspice_flows.sweep.spec import load_spec

V4_DEVICE = default_v4_params().device_file
V4_SPEC = "pyspice_flows/sweeps/ipnet_v4.toml"
FIGURES = ("p_rested", "gain_1_slot", "gain_3_slots", "p_fire_strong", "p_fire_weak")


def _design(tmp_path, name: str, body: str):
    path = tmp_path / f"{name}.toml"
    path.write_text(f'name = "{name}"\n\n[params]\n{body}\n')
    return path


@pytest.fixture
def strong_write(tmp_path):
    """The built-in v4 design with a stronger synapse: 0.70 instead of 0.655 Ic0."""
    return _design(tmp_path, "strong_write", 'write_current = { value = 0.70, unit = "Ic0" }')


def test_design_values_are_plain_and_give_the_design_back(tmp_path):
    path = _design(
        tmp_path,
        "changed",
        'vdd = { value = 0.95, unit = "V" }\nheat_time = { value = 25, unit = "ns" }\n'
        'unit_w = { value = 700, unit = "nm" }\nn_inputs = { value = 2, unit = "" }\n'
        'trim_vref = { value = 0.03, unit = "V" }\ntrim_switch_w = { value = 150, unit = "nm" }',
    )
    p = read_v4_design_file(path).params
    values = json.loads(json.dumps(design_values(p)))  # what reaches a worker process
    assert values["vdd_v"] == 0.95 and values["heat_s"] == pytest.approx(25e-9)
    assert values["trim_vref_v"] == 0.03 and values["trim_switch"][0] == pytest.approx(150e-9)
    assert values["device_file"] == "models/devices/ikeda2010_pmtj_40nm_insulated.toml"
    assert design_params(values) == p
    assert design_params(json.loads(json.dumps(design_values(default_v4_params())))) == (
        default_v4_params()
    )
    assert "device_file" not in design_values(p, device=False)


def test_unknown_keys_are_refused_by_name():
    with pytest.raises(ValueError, match=r"unknown key\(s\) 'write_current'.*allowed: device_file"):
        design_params({"write_current": 0.7})
    with pytest.raises(ValueError, match=r"v4 sweep sample: unknown key\(s\) 'vdd', 'weight'"):
        sample_params({"vdd": 0.9, "weight": 2.0})


def test_the_sample_device_vdd_and_junction_go_over_the_design(strong_write):
    values = design_values(read_v4_design_file(strong_write).params)
    values["device_file"] = str(DEFAULT_DEVICE)  # the spec's device replaces it
    p = sample_params(
        {"neuron": values, "device": str(V4_DEVICE), "vdd_v": 0.81, "ic0": 5e-5, "temp_k": 300.0}
    )
    assert p.write_current_ic0 == 0.70 and p.device_file == V4_DEVICE
    assert (p.vdd_v, p.mtj_overrides) == (0.81, {"ic0": 5e-5})
    assert sample_params({"neuron": None}) == default_v4_params()


def test_a_stronger_write_raises_the_rested_firing_probability():
    """Rested P(fire) of one input rises with the design's write current (thermally
    activated switching: a larger current lowers the barrier), on the circuit's drive."""
    probs = []
    for current in (0.62, 0.655, 0.70):
        p = sample_params(
            {"neuron": {"write_current_ic0": current}, "device": str(V4_DEVICE), "temp_k": 300.15}
        )
        w = drive_waveforms(p, (0,), 1, 300.15)
        probs.append(predicted_fire_probability(p, w, 0, 300.15))
    assert probs[0] < probs[1] < probs[2]
    assert 0.05 <= probs[1] <= 0.3  # the built-in design's window (the v4 spec's limits)


@pytest.mark.slow
def test_sample_metrics_follow_the_design(strong_write):
    base = {"device": str(V4_DEVICE), "temp_k": 300.15}
    built_in = v4_sample_metrics(base)
    neuron = design_values(read_v4_design_file(strong_write).params, device=False)
    strong = v4_sample_metrics({**base, "neuron": neuron})
    assert strong["p_rested"] > 1.2 * built_in["p_rested"]
    assert strong["p_fire_weak"] > built_in["p_fire_weak"]  # weight 0.6 of a larger current


def test_the_trimmed_evaluation_calibrates_the_design_die(monkeypatch, strong_write):
    seen = {}

    def calibrate(p):
        seen["die"] = p
        return {"code": 31, "factor": p.trim_factor(31)}

    def metrics(sample):
        seen["sample"] = sample
        return {}

    monkeypatch.setattr(neuron_v4_trim, "calibrate_write_trim", calibrate)
    monkeypatch.setattr(neuron_v4_trim.mv, "v4_sample_metrics", metrics)
    neuron = design_values(read_v4_design_file(strong_write).params, device=False)
    sample = {"neuron": neuron, "device": str(V4_DEVICE), "vdd_v": 0.99, "temp_k": 358.15}
    neuron_v4_trim.v4_trimmed_sample_metrics(sample)
    die = seen["die"]
    assert die.write_current_ic0 == 0.70 and die.vdd_v == 0.9  # at the design's supply
    assert seen["sample"]["neuron"] == neuron and seen["sample"]["write_trim"] == 0.99


def test_sweep_design_is_read_once_and_checked(tmp_path, strong_write, capsys):
    spec = load_spec(V4_SPEC)
    s = spec_with_design(spec, strong_write)
    assert s.neuron["write_current_ic0"] == 0.70 and "device_file" not in s.neuron
    assert s.sample(3)["neuron"] == s.neuron and s.fingerprint() != spec.fingerprint()
    v2_only = _design(tmp_path, "v2_only", 'unit_current = { value = 1.1, unit = "Ic0" }')
    typo = _design(tmp_path, "typo", 'write_curent = { value = 0.7, unit = "Ic0" }')
    out = tmp_path / "never"
    for design, message in (
        (v2_only, "describes neuron v2 only"),
        (typo, "'write_curent' (did you mean 'write_current'?)"),
    ):
        argv = ["--spec", V4_SPEC, "--design", str(design), "--out", str(out), "--workers", "0"]
        assert sweep_main(argv) == 1
        err = capsys.readouterr().err
        assert f"--design {design}" in err and message in err, err
    assert not out.exists()


def _tiny_spec(path) -> None:
    path.write_text(
        f"""name = "tiny_v4_design"
evaluate = "pyspice_flows.metrics.neuron_v4:v4_sample_metrics"
samples = 2
seed = 11
device = "{V4_DEVICE}"
figures = {json.dumps(list(FIGURES))}

[params.temp_k]
dist = "cycle"
values = [300.15, 358.15]
source = "test: 27 C and 85 C"

[limits.p_rested]
min = 0.05
max = 0.3
"""
    )


def _rows(folder) -> list[dict]:
    with (folder / "results.csv").open() as fh:
        return list(csv.DictReader(fh))


@pytest.mark.slow
def test_sweep_of_a_design_and_compare_picks_it_up(tmp_path, strong_write):
    spec = tmp_path / "tiny.toml"
    _tiny_spec(spec)
    folders = {"built_in": tmp_path / "a", "strong": tmp_path / "b"}
    for key, design in (("built_in", None), ("strong", strong_write)):
        argv = ["--spec", str(spec), "--workers", "0", "--no-progress"]
        argv += ["--out", str(folders[key])] + (["--design", str(design)] if design else [])
        assert sweep_main(argv) == 0
    a, b = _rows(folders["built_in"]), _rows(folders["strong"])
    assert [r["status"] for r in a + b] == ["ok"] * 4
    for ra, rb in zip(a, b, strict=True):  # same temperature, the stronger write fires more
        assert ra["temp_k"] == rb["temp_k"]
        assert float(rb["p_rested"]) > 1.2 * float(ra["p_rested"])
    ref = v4_sample_metrics({"device": str(V4_DEVICE), "temp_k": 300.15})
    assert float(a[0]["p_rested"]) == pytest.approx(ref["p_rested"], rel=1e-9)

    weak = _design(tmp_path, "weak_write", 'write_current = { value = 0.64, unit = "Ic0" }')
    cols = [Column(d, None, 300.15) for d in (None, DEFAULT_V4_DESIGN, strong_write, weak)]
    sweeps = [read_sweep(folders["strong"]), read_sweep(folders["built_in"])]
    built_in, built_in_file, strong, other = (column_sweep(r, sweeps) for r in resolved(cols))
    for s in (built_in, built_in_file):
        assert s["swept"] and s["folder"].endswith("/a")
    assert strong["swept"] and strong["folder"].endswith("/b")
    assert (strong["samples"], len(strong["corners"])) == (2, 2)
    assert strong["meets_spec"] == sum(0.05 <= float(r["p_rested"]) <= 0.3 for r in b)
    assert not other["swept"]
    assert f"--design {weak}" in other["note"] and "simulated another design" in other["note"]
    # a sweep of the built-in design given as a file describes the built-in columns too
    again = spec_with_design(load_spec(spec), DEFAULT_V4_DESIGN)
    s = {**sweeps[1], "fingerprint": again.fingerprint()}
    r = resolved([Column(None, None, 300.15)])[0]
    assert column_sweep(r, [s])["swept"]
    assert not column_sweep(r, [{**s, "fingerprint": replace(again, seed=12).fingerprint()}])[
        "swept"
    ]
