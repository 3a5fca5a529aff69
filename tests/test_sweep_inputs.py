"""A sweep's inputs keep their meaning: spec keys, types, the device file, resume identity.

No simulation here except where said: the evaluation function below is arithmetic, so
the whole file takes a few seconds.
"""

import shutil
from pathlib import Path

import pytest

from circuits.mtj_device import DEFAULT_DEVICE
from pyspice_flows import sweep
from pyspice_flows.metrics import neuron as neuron_metrics
from pyspice_flows.sweep import runners

EVALUATE = f"{__name__}:arithmetic"


def arithmetic(sample: dict) -> dict:
    """Twice ``x``, and the size of the device file the sample names (0 without one)."""
    device = sample.get("device")
    size = Path(device).stat().st_size if device else 0
    return {"y": 2.0 * sample["x"], "device_bytes": float(size)}


def spec_dict(**changes) -> dict:
    data = {
        "name": "inputs",
        "evaluate": EVALUATE,
        "samples": 3,
        "seed": 4,
        "figures": ["y", "device_bytes"],
        "params": {"x": {"dist": "uniform", "low": 0.0, "high": 1.0}},
    }
    data.update(changes)
    return data


def test_unknown_keys_are_refused_with_a_did_you_mean():
    with pytest.raises(ValueError, match=r"unknown key 'evaluat' \(did you mean 'evaluate'\?\)"):
        sweep.SweepSpec.from_dict({**spec_dict(), "evaluat": EVALUATE})
    with pytest.raises(ValueError, match=r"\[params.x\]: unknown key 'sigm' \(did you mean"):
        sweep.SweepSpec.from_dict(spec_dict(params={"x": {"dist": "normal", "sigm": 1.0}}))


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("samples", "3"),
        ("seed", 1.5),
        ("figures", "y"),
        ("params", [1]),
        ("timeout_s", "60"),
        ("device", 3),
    ],
)
def test_a_wrong_type_names_the_key(key, value):
    with pytest.raises(ValueError, match=rf"sweep spec: {key} = {value!r}".replace("[", r"\[")):
        sweep.SweepSpec.from_dict(spec_dict(**{key: value}))


def test_malformed_toml_names_the_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nsamples = \n')
    with pytest.raises(ValueError, match=str(bad)):
        sweep.load_spec(bad)


def test_the_spec_device_reaches_every_sample_and_the_neuron(tmp_path):
    device = tmp_path / "my_device.toml"
    shutil.copy(DEFAULT_DEVICE, device)
    spec = sweep.SweepSpec.from_dict(spec_dict(device=str(device)))
    assert spec.sample(0)["device"] == str(device)
    # the default spec names its device relative to the repository root (the same path
    # on every worker's checkout), and the IPNet neuron of a sample is built from it
    default = sweep.load_spec(sweep.DEFAULT_SPEC)
    sample = default.sample(0)
    assert sample["device"] == "models/devices/ikeda2010_pmtj_40nm.toml"
    params, _ = neuron_metrics.params_for(sample)
    assert params.device_file == sweep.PACKAGES_ROOT / sample["device"]
    params, _ = neuron_metrics.params_for({**sample, "device": str(device)})
    assert params.device_file == device


def test_resume_refuses_a_changed_device_file_and_says_so(tmp_path):
    device = tmp_path / "dev.toml"
    shutil.copy(DEFAULT_DEVICE, device)
    spec = sweep.SweepSpec.from_dict(spec_dict(device=str(device)))
    res = sweep.run_sweep(spec, tmp_path / "o", workers=0, progress=False, plots=False)
    assert (res.ok, res.failed) == (3, 0)
    rows = sweep.read_results(res.csv_path)
    assert {r["device_bytes"] for r in rows} == {float(device.stat().st_size)}
    # the same inputs resume (nothing to do) ...
    again = sweep.run_sweep(
        spec.with_samples(4), tmp_path / "o", workers=0, progress=False, plots=False
    )
    assert (again.ran, again.skipped) == (1, 3)
    # ... an edited device file (same parsed values: only a comment) does not
    device.write_text(device.read_text() + "\n# re-measured\n")
    with pytest.raises(ValueError, match=r"device file .*dev\.toml changed"):
        sweep.run_sweep(spec, tmp_path / "o", workers=0, progress=False, plots=False)


def test_resume_refuses_changed_model_sources_and_names_them(tmp_path, monkeypatch):
    models = tmp_path / "repo"
    (models / "models" / "verilog_a").mkdir(parents=True)
    va = models / "models" / "verilog_a" / "toy.va"
    va.write_text("// version 1\n")
    monkeypatch.setattr(runners, "PACKAGES_ROOT", models)
    spec = sweep.SweepSpec.from_dict(spec_dict())
    sweep.run_sweep(spec, tmp_path / "o", workers=0, progress=False, plots=False)
    va.write_text("// version 2\n")
    with pytest.raises(ValueError, match=r"sources changed: models/verilog_a/toy\.va"):
        sweep.run_sweep(spec, tmp_path / "o", workers=0, progress=False, plots=False)
    va.write_text("// version 1\n")
    (models / "models" / "verilog_a" / "new.vams").write_text("// new include\n")
    with pytest.raises(ValueError, match=r"sources added: models/verilog_a/new\.vams"):
        sweep.run_sweep(spec, tmp_path / "o", workers=0, progress=False, plots=False)


def test_resume_refuses_a_changed_circuit_generator(tmp_path, monkeypatch):
    # a redesigned neuron must be simulated again, not mixed with old rows
    repo = tmp_path / "repo"
    (repo / "circuits").mkdir(parents=True)
    gen = repo / "circuits" / "neuron.py"
    gen.write_text("W = 100e-9\n")
    monkeypatch.setattr(runners, "PACKAGES_ROOT", repo)
    spec = sweep.SweepSpec.from_dict(spec_dict())
    sweep.run_sweep(spec, tmp_path / "o", workers=0, progress=False, plots=False)
    gen.write_text("W = 200e-9\n")
    with pytest.raises(ValueError, match=r"sources changed: circuits/neuron\.py"):
        sweep.run_sweep(spec, tmp_path / "o", workers=0, progress=False, plots=False)


def test_a_table_without_recorded_inputs_is_not_resumed(tmp_path):
    spec = sweep.SweepSpec.from_dict(spec_dict())
    sweep.run_sweep(spec, tmp_path, workers=0, progress=False, plots=False)
    meta = tmp_path / sweep.META_NAME
    import json

    data = json.loads(meta.read_text())
    del data["inputs"]  # what an older version wrote
    meta.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="recorded no device or model hashes"):
        sweep.run_sweep(spec, tmp_path, workers=0, progress=False, plots=False)
