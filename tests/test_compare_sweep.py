"""``ipnet compare``'s yield by corner (area_energy.report.compare_sweep) and neuron v4's
static power row: a real two-corner sweep written by ``ipnet sweep``, read by ``ipnet
compare --sweep``, against the sweep's evaluation function called here directly."""

import json
import math
import subprocess
import sys

import pytest

from area_energy.report import compare_sweep
from area_energy.report.compare_sweep import read_sweep, sweeps_for, yield_cell
from circuits.ipnet_neuron_v4 import default_v4_params
from circuits.mtj_device import DEFAULT_DEVICE
from circuits.paths import REPO_ROOT
from pyspice_flows.metrics.neuron_v4 import v4_sample_metrics

V4_DEVICE = default_v4_params().device_file
TEMPS = (300.15, 358.15)
FIGURES = ("p_rested", "gain_1_slot", "gain_3_slots", "p_fire_strong", "p_fire_weak")


def _run(module: str, *argv: str) -> subprocess.CompletedProcess:
    res = subprocess.run(
        [sys.executable, "-m", module, *argv],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert res.returncode == 0, res.stderr
    return res


def _tiny_spec(path, gain_3_min: float) -> None:
    """Neuron v4 on its own device, no spread, at 27 C and 85 C (one sample each), with the
    v4 sweep's limits except ``gain_3_slots`` min, set to ``gain_3_min``."""
    path.write_text(
        f"""name = "tiny_v4"
evaluate = "pyspice_flows.metrics.neuron_v4:v4_sample_metrics"
samples = 2
seed = 7
device = "{V4_DEVICE}"
figures = {json.dumps(list(FIGURES))}

[params.temp_k]
dist = "cycle"
values = {list(TEMPS)}
source = "test: 27 C and 85 C"

[limits.p_rested]
min = 0.05
max = 0.3

[limits.gain_1_slot]
min = 2.0

[limits.gain_3_slots]
min = {gain_3_min!r}

[limits.p_fire_strong]
min = 0.9

[limits.p_fire_weak]
max = 0.1
"""
    )


@pytest.mark.slow
def test_yield_by_corner_and_not_swept_column(tmp_path):
    ref = {t: v4_sample_metrics({"device": str(V4_DEVICE), "temp_k": t}) for t in TEMPS}
    gains = sorted(ref[t]["gain_3_slots"] for t in TEMPS)
    assert gains[0] < gains[1]
    limit = 0.5 * (gains[0] + gains[1])  # one corner inside, the other outside
    failing = next(t for t in TEMPS if ref[t]["gain_3_slots"] < limit)
    passing = next(t for t in TEMPS if t != failing)
    for t in TEMPS:  # every other limit holds at both corners
        r = ref[t]
        assert 0.05 <= r["p_rested"] <= 0.3 and r["gain_1_slot"] >= 2.0
        assert r["p_fire_strong"] >= 0.9 and r["p_fire_weak"] <= 0.1

    spec = tmp_path / "tiny_v4.toml"
    _tiny_spec(spec, limit)
    sweep = tmp_path / "sweep"
    argv = ["--spec", str(spec), "--workers", "1", "--no-progress", "--out", str(sweep)]
    _run("pyspice_flows.sweep", *argv)
    out = tmp_path / "cmp"
    argv = ["--device", str(V4_DEVICE), "--device", str(DEFAULT_DEVICE)]
    _run("area_energy.report.compare", *argv, "--sweep", str(sweep), "--out", str(out))

    swept, other = json.loads((out / "compare.json").read_text())["columns"]
    s = swept["figures"]["v4_sweep"]
    assert s["swept"] and s["name"] == "tiny_v4" and s["inputs_changed"] == []
    assert (s["samples"], s["meets_spec"], s["yield"]) == (2, 1, 0.5)
    by_temp = {c["condition"]["temp_k"]: c for c in s["corners"]}
    bad, good = by_temp[failing], by_temp[passing]
    assert (bad["n"], bad["meets_spec"], bad["meets_target"]) == (1, 0, False)
    assert [f["n_outside"] for f in bad["failing_limits"]] == [1]
    assert bad["failing_limits"][0]["name"].startswith("gain_3_slots min")
    assert (good["n"], good["meets_spec"], good["meets_target"], good["failing_limits"]) == (
        1,
        1,
        True,
        [],
    )
    assert bad["few_samples"] and good["few_samples"]
    o = other["figures"]["v4_sweep"]
    assert not o["swept"] and o["note"].startswith("not swept (run: ipnet sweep")

    md = (out / "compare.md").read_text()
    row = {ln.split(" | ")[0].lstrip("| "): ln.split(" | ")[1:] for ln in md.splitlines()}
    hot = "85 C" if failing == 358.15 else "27 C"
    cool = "27 C" if hot == "85 C" else "85 C"
    bad_cells = row[f"v4 yield at {hot}"]
    assert bad_cells[0].startswith("0 % (0 of 1 in spec): FAIL gain_3_slots min")
    assert "(1 of 1 outside)" in bad_cells[0] and "! n < 5" in bad_cells[0]
    assert bad_cells[1].startswith("not swept")
    assert row[f"v4 yield at {cool}"][0].startswith("100 % (1 of 1 in spec): pass")
    assert row["v4 yield: variation sweep"][1].startswith("not swept (run: ipnet sweep")

    for col in (swept, other):  # static power: positive, finite, far below the active power
        v4 = col["figures"]["v4"]
        static, e = v4["static"], v4["energy"]
        spikes_per_s = e["p_fire_per_slot_standard"] / v4["memory"]["input_interval_s"]
        for key in ("standby_W", "leakage_W", "bias_generator_W"):
            assert math.isfinite(static[key]) and static[key] > 0, key
        assert static["standby_W"] < 0.01 * e["energy_per_spike_J"] * spikes_per_s
    assert "| v4 static power: no input, slot clock running |" in md


def test_a_folder_without_a_v4_sweep_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"--sweep .*: no sweep there \(summary.json missing\)"):
        read_sweep(tmp_path)
    (tmp_path / "summary.json").write_text("{}")
    meta = {"name": "ipnet_default", "evaluate": "pyspice_flows.metrics.neuron:sample_metrics"}
    (tmp_path / "sweep_meta.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="'ipnet_default' .* not of neuron v4"):
        read_sweep(tmp_path)


def test_an_unreadable_default_sweep_is_skipped_an_explicit_one_refused(
    tmp_path, monkeypatch, capsys
):
    (tmp_path / "summary.json").write_text("{")
    monkeypatch.setattr(compare_sweep, "DEFAULT_SWEEP", tmp_path)
    assert sweeps_for(None) == []
    assert "default sweep not shown: --sweep" in capsys.readouterr().err
    with pytest.raises(ValueError, match="unreadable sweep"):
        sweeps_for([tmp_path])
    monkeypatch.setattr(compare_sweep, "DEFAULT_SWEEP", tmp_path / "none")
    assert sweeps_for(None) == []


def test_yield_cell_names_failing_limits_and_few_samples():
    entry = {
        "n": 8,
        "meets_spec": 5,
        "yield": 5 / 8,
        "meets_target": False,
        "few_samples": False,
        "failing_limits": [{"name": "gain_3_slots min 1.2", "n_outside": 3}],
    }
    assert yield_cell(entry) == (
        "62.5 % (5 of 8 in spec): FAIL gain_3_slots min 1.2 (3 of 8 outside)"
    )
    few = {**entry, "n": 2, "meets_spec": 2, "yield": 1.0, "meets_target": True}
    few.update(few_samples=True, failing_limits=[])
    assert yield_cell(few) == "100 % (2 of 2 in spec): pass ! n < 5"
    assert yield_cell(dict(entry, n=0)) == "no samples"
