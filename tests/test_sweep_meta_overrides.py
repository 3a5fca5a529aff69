"""``sweep_meta.json`` records what a sweep simulated (its ``[overrides]``, its device and
its neuron design's digest), so ``ipnet compare`` matches a sweep of a spec with
``[overrides]`` to the column of the design it simulated, and says why a sweep on the
column's device does not describe it.  A real two-sample v4 sweep (``ipnet sweep``,
in-process) with one planted sample is read back by compare's own reader."""

import csv
import json

import pytest

from area_energy.report import compare as compare_cli
from area_energy.report.compare_inputs import Column, resolved
from area_energy.report.compare_sweep import column_sweep, read_sweep
from circuits.ipnet_neuron_v4 import DEFAULT_V4_DESIGN, default_v4_params
from pyspice_flows.metrics.neuron_v4 import design_values
from pyspice_flows.sim.cache import content_digest
from pyspice_flows.sweep.cli import main as sweep_main
from pyspice_flows.sweep.designs import spec_with_design
from pyspice_flows.sweep.spec import load_spec

pytestmark = pytest.mark.slow  # every test reads the sweep of one module fixture (~9 s)

V4_DEVICE = default_v4_params().device_file
FIGURES = ("p_rested", "gain_1_slot", "gain_3_slots", "p_fire_strong", "p_fire_weak")
PLANTED_K = 310.15
"""Sample 1's ambient temperature, forced by the spec's ``[overrides]`` (37 C; the law
gives 27 C)."""


def _spec(path) -> None:
    path.write_text(
        f"""name = "tiny_v4_overrides"
evaluate = "pyspice_flows.metrics.neuron_v4:v4_sample_metrics"
samples = 2
seed = 5
device = "{V4_DEVICE}"
figures = {json.dumps(list(FIGURES))}

[params.temp_k]
dist = "cycle"
values = [300.15]
source = "test: 27 C"

[overrides.1]
temp_k = {PLANTED_K}
"""
    )


def _design(tmp_path, name: str, current_ic0: float):
    path = tmp_path / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\n\n[params]\nwrite_current = {{ value = {current_ic0}, unit = "Ic0" }}\n'
    )
    return path


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """The spec with ``[overrides]`` swept with a stronger write current (0.70 Ic0):
    ``(spec file, design file, sweep folder)``."""
    tmp = tmp_path_factory.mktemp("meta")
    spec, design, out = tmp / "tiny.toml", _design(tmp, "strong", 0.70), tmp / "sweep"
    _spec(spec)
    argv = ["--spec", str(spec), "--design", str(design), "--out", str(out)]
    assert sweep_main([*argv, "--workers", "0", "--no-progress"]) == 0
    return spec, design, out


def _columns(*designs) -> list:
    return resolved([Column(d, None, 300.15) for d in designs])


def test_the_meta_records_overrides_device_and_design(swept):
    spec_file, design, out = swept
    with (out / "results.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [float(r["temp_k"]) for r in rows] == [300.15, PLANTED_K]  # the override ran
    meta = json.loads((out / "sweep_meta.json").read_text())
    spec = spec_with_design(load_spec(spec_file), design)
    assert meta["overrides"] == {"1": {"temp_k": PLANTED_K}}
    assert meta["device"] == spec.device and meta["fingerprint"] == spec.fingerprint()
    values = design_values(_columns(design)[0].v4.params, device=False)
    assert values["write_current_ic0"] == 0.70
    # the design's digest: the project's one hash of the values' JSON, recomputed here
    assert meta["neuron_fingerprint"] == content_digest(json.dumps(values, sort_keys=True))


def test_compare_matches_the_sweep_with_overrides_to_its_design(swept, tmp_path):
    _, design, out = swept
    weak = _design(tmp_path, "weak", 0.64)
    strong, built_in, other = (
        column_sweep(r, [read_sweep(out)]) for r in _columns(design, None, weak)
    )
    assert strong["swept"] and strong["samples"] == 2 and strong["overridden_samples"] == [1]
    for s in (built_in, other):
        assert not s["swept"]
        assert f"{out} on this device simulated another design" in s["note"], s["note"]


def test_a_meta_that_does_not_reproduce_or_predates_the_record_is_named(swept, tmp_path):
    _, design, out = swept
    meta = json.loads((out / "sweep_meta.json").read_text())
    sweep = read_sweep(out)
    edited = dict(meta, overrides={"1": {"temp_k": 320.15}})
    (tmp_path / "sweep_meta.json").write_text(json.dumps(edited))
    (tmp_path / "summary.json").write_text((out / "summary.json").read_text())
    col = _columns(design)[0]
    s = column_sweep(col, [read_sweep(tmp_path)])
    assert not s["swept"] and "does not reproduce its fingerprint" in s["note"], s["note"]
    old = {k: v for k, v in meta.items() if k not in ("overrides", "neuron_fingerprint")}
    (tmp_path / "sweep_meta.json").write_text(json.dumps(old))
    s = column_sweep(col, [read_sweep(tmp_path)])
    assert not s["swept"] and "recorded neither its overrides nor its design" in s["note"]
    assert column_sweep(col, [sweep])["swept"]


@pytest.mark.slow
def test_ipnet_compare_shows_the_sweep_in_its_column(swept, tmp_path):
    _, design, out = swept
    argv = ["--design", str(design), "--design", str(DEFAULT_V4_DESIGN), "--sweep", str(out)]
    assert compare_cli.main([*argv, "--out", str(tmp_path / "cmp")]) == 0
    cols = json.loads((tmp_path / "cmp" / "compare.json").read_text())["columns"]
    strong, built_in = (c["figures"]["v4_sweep"] for c in cols)
    assert strong["swept"] and strong["name"] == "tiny_v4_overrides"
    assert not built_in["swept"] and "simulated another design" in built_in["note"]
    md = (tmp_path / "cmp" / "compare.md").read_text()
    assert "sample(s) 1 set by the spec's [overrides], not drawn" in md
