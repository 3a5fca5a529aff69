"""``ipnet compare`` (area_energy.report.compare): one column per design x device x
temperature, each headed by design, device, temperature, supply, model version and commit."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from area_energy.report.compare import legend_labels, main
from area_energy.report.compare_inputs import Column, column_header, columns_for, resolved
from circuits import mtj_model_spec
from circuits.ipnet_neuron_v4 import DEFAULT_V4_DESIGN, default_v4_params
from circuits.mtj_device import DEFAULT_DEVICE, load_device
from circuits.paths import REPO_ROOT
from pyspice_flows.metrics.neuron_v4 import v4_sample_metrics

HEADER = (
    "design",
    "design_file",
    "device",
    "temperature_K",
    "supply_V",
    "model_version",
    "commit",
)
V4_DEVICE = default_v4_params().device_file


@pytest.fixture(scope="module")
def slow_heat_device(tmp_path_factory):
    """The default device with twice its thermal capacitance (rth x cth 2 ns, not 1 ns)."""
    text = DEFAULT_DEVICE.read_text()
    cth = load_device().params.cth
    line = f"value = {cth:.2g}\n"
    assert text.count(line) == 1
    path = tmp_path_factory.mktemp("devices") / "slow_heat.toml"
    path.write_text(text.replace(line, f"value = {2 * cth:.2g}\n"))
    return path


def _columns(out) -> list[dict]:
    files = (
        "compare.md",
        "compare.html",
        "compare.json",
        "compare_waveforms.png",
        "compare_v4.png",
    )
    for name in files:
        assert (out / name).stat().st_size > 200, name
    html = (out / "compare.html").read_text()
    assert "data:image/png;base64," in html and 'src="compare' not in html  # self-contained
    return json.loads((out / "compare.json").read_text())["columns"]


def _check_v4(col: dict, device, temp_k: float, design="ipnet_v4", **sample) -> None:
    """The column's v4 memory and window are those the v4 sweep's evaluation function
    finds for one sample of that device at that temperature (a separate code path)."""
    v4 = col["figures"]["v4"]
    ref = v4_sample_metrics({"device": str(device), "temp_k": temp_k, **sample})
    checks = v4["spec"]["checks"]
    for key in ("p_rested", "gain_1_slot", "gain_3_slots", "p_fire_strong", "p_fire_weak"):
        assert checks[key]["value"] == pytest.approx(ref[key], rel=1e-9), key
    assert v4["window"]["p_fire_weak"] == pytest.approx(ref["p_fire_weak"], rel=1e-9)
    assert v4["memory"]["gain_at_3_intervals"] == pytest.approx(ref["gain_3_slots"], rel=1e-9)
    assert [r["weight"] for r in v4["transfer_curve"]] == [0.6, 1.0, 1.6, 2.4]
    assert all(r["ambient_k"] == temp_k for r in v4["transfer_curve"])
    assert v4["design"] == design


def _is_commit(short: str) -> bool:
    """A commit of this repository (HEAD may move while the test runs: others commit)."""
    probe = ["git", "cat-file", "-e", f"{short}^{{commit}}"]
    done = subprocess.run(probe, cwd=REPO_ROOT, capture_output=True)
    return len(short) >= 7 and done.returncode == 0


@pytest.mark.slow
def test_two_devices_side_by_side(tmp_path, slow_heat_device):
    out = tmp_path / "cmp"
    assert (
        main(
            ["--device", str(DEFAULT_DEVICE), "--device", str(slow_heat_device), "--out", str(out)]
        )
        == 0
    )
    a, b = _columns(out)
    for col in (a, b):
        assert set(HEADER) <= set(col["header"])
        assert col["header"]["design"] == "ipnet_v4"  # the headline neuron's built-in design
        assert col["header"]["design_file"] == "built-in"
        assert col["header"]["model_version"] == mtj_model_spec.version()
        assert _is_commit(col["header"]["commit"].split("+")[0])
        assert col["header"]["law_version"] >= 1
        assert col["header"]["temperature_K"] == 300.15
        assert col["figures"]["output_spikes"] >= 1
    assert (a["header"]["device"], b["header"]["device"]) == (DEFAULT_DEVICE.name, "slow_heat.toml")
    assert b["figures"]["heat_tau_s"] == pytest.approx(2 * a["figures"]["heat_tau_s"], rel=0.02)
    assert b["figures"]["area_um2"] == a["figures"]["area_um2"]  # same circuit, same layout
    _check_v4(a, DEFAULT_DEVICE, 300.15)
    _check_v4(b, slow_heat_device, 300.15)
    md = (out / "compare.md").read_text()
    header_row = next(ln for ln in md.splitlines() if ln.startswith("|  |"))
    assert header_row.count("|") == 4  # a label column and one column per input


@pytest.mark.slow
def test_two_temperatures_side_by_side(tmp_path):
    out = tmp_path / "cmp"
    assert main(["--temp", "300.15", "--temp", "358.15", "--out", str(out)]) == 0
    cold, hot = _columns(out)
    assert (cold["header"]["temperature_K"], hot["header"]["temperature_K"]) == (300.15, 358.15)
    # no --device: each design's own device (v4: the insulated stack, v2: the plain junction)
    assert cold["header"]["device"] == hot["header"]["device"] == V4_DEVICE.name
    assert cold["header"]["neurons"]["v2"]["device"] == DEFAULT_DEVICE.name
    # subthreshold leakage grows with temperature
    assert hot["figures"]["static_power_W"] > 1.5 * cold["figures"]["static_power_W"]
    md = (out / "compare.md").read_text()
    assert "85 C" in md and "| v4 window against ipnet_v4.toml |" in md
    _check_v4(hot, V4_DEVICE, 358.15)
    curves = [c["figures"]["v4"]["transfer_curve"] for c in (cold, hot)]
    assert curves[0] != curves[1]  # each column at its own temperature


@pytest.fixture(scope="module")
def high_supply_design(tmp_path_factory):
    """The built-in v4 design file with a 0.99 V supply instead of 0.9 V (the sweep's
    high-supply corner), its device path made absolute."""
    text = DEFAULT_V4_DESIGN.read_text()
    device = default_v4_params().device_file
    edits = {
        'name = "ipnet_v4"': 'name = "ipnet_v4_high_supply"',
        'vdd = { value = 0.9, unit = "V"': 'vdd = { value = 0.99, unit = "V"',
        f'device = "../../models/devices/{device.name}"': f'device = "{device}"',
    }
    for old, new in edits.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path_factory.mktemp("designs") / "high_supply.toml"
    path.write_text(text)
    return path


@pytest.mark.slow
def test_two_designs_side_by_side(tmp_path, high_supply_design):
    out = tmp_path / "cmp"
    argv = ["--design", str(DEFAULT_V4_DESIGN), "--design", str(high_supply_design)]
    assert main([*argv, "--out", str(out)]) == 0
    a, b = _columns(out)
    ha, hb = a["header"], b["header"]
    assert (ha["design"], hb["design"]) == ("ipnet_v4", "ipnet_v4_high_supply")
    assert ha["design_file"] == "circuits/designs/ipnet_v4.toml"
    assert hb["design_file"] == str(high_supply_design)
    assert (ha["supply_V"], hb["supply_V"]) == (0.9, 0.99)
    assert ha["device"] == hb["device"] == V4_DEVICE.name
    for h in (ha, hb):
        assert h["temperature_K"] == 300.15 and _is_commit(h["commit"].split("+")[0])
        assert h["model_version"] == mtj_model_spec.version()
        # a v4-only file: the v2 neuron keeps its built-in design and supply
        assert h["neurons"]["v2"]["design"] == "ipnet_default"
        assert h["neurons"]["v2"]["supply_V"] == 0.9
    va, vb = a["figures"]["v4"], b["figures"]["v4"]
    assert (va["supply_V"], vb["supply_V"]) == (0.9, 0.99)
    assert va["area_um2"] == vb["area_um2"] > 0  # same sizes, same layout
    assert va["area_um2_per_neuron_amortized"] > va["area_um2"]
    # the mirrors' currents do not fall with a higher rail: each input slot draws at least
    # as much charge from a 10 % higher supply, so at least 10 % more energy
    assert vb["energy"]["input_slot_J"] > 0.99 / 0.9 * va["energy"]["input_slot_J"]
    assert vb["energy"]["peak_rise_k"] > va["energy"]["peak_rise_k"]
    assert a["figures"]["energy_per_spike_J"] == b["figures"]["energy_per_spike_J"]  # v2
    _check_v4(a, V4_DEVICE, 300.15)
    _check_v4(b, V4_DEVICE, 300.15, design="ipnet_v4_high_supply", vdd_v=0.99)
    md = (out / "compare.md").read_text()
    header_row = next(ln for ln in md.splitlines() if ln.startswith("|  |"))
    assert header_row.count("|") == 4 and "ipnet_v4_high_supply" in header_row
    assert "| supply | 900 mV | 990 mV |" in md


def test_bad_design_files_are_refused_with_file_key_and_value(tmp_path, capsys):
    unknown = tmp_path / "unknown_key.toml"
    unknown.write_text('name = "x"\n[params]\nwrite_curent = { value = 0.7, unit = "Ic0" }\n')
    out_of_range = tmp_path / "high_vdd.toml"
    out_of_range.write_text('name = "x"\n[params]\nvdd = { value = 7, unit = "V" }\n')
    missing = tmp_path / "missing.toml"
    out = tmp_path / "o"
    for path, words in (
        (unknown, ("[params.write_curent] = 0.7 Ic0", "did you mean 'write_current'")),
        (out_of_range, ("vdd=7 V", "out of range")),
        (missing, ("does not exist",)),
    ):
        argv = ["--design", str(DEFAULT_V4_DESIGN), "--design", str(path), "--out", str(out)]
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert f"--design {path}" in err and all(w in err for w in words), err
        assert len(err.strip().splitlines()) == 1 and not out.exists()


def test_bad_inputs_are_refused_before_any_simulation(tmp_path):
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "area_energy.report.compare",
            "--device",
            "/nonexistent.toml",
            "--out",
            str(tmp_path / "o"),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 1 and "/nonexistent.toml" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and not (tmp_path / "o").exists()
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "area_energy.report.compare",
            "--temp",
            "9999",
            "--out",
            str(tmp_path / "o"),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2 and "9999" in res.stderr


def test_columns_are_design_major_and_legends_name_what_differs():
    a, b = Path("a.toml"), Path("b.toml")
    cols = columns_for([a, b], None, [273.15, 358.15])
    assert [(c.design, c.device, c.temp_k) for c in cols] == [
        (a, None, 273.15),
        (a, None, 358.15),
        (b, None, 273.15),
        (b, None, 358.15),
    ]
    assert columns_for(None, None, None) == [Column(None, None, 300.15)]

    def col(design, design_file, device, temp_c):
        head = {"design": design, "design_file": design_file, "device": device}
        return {"header": {**head, "temperature_C": temp_c}}

    two_designs = [col("x", "x.toml", "d.toml", 27.0), col("y", "y.toml", "d.toml", 27.0)]
    assert legend_labels(two_designs) == ["x", "y"]
    same_name = [col("x", "x.toml", "d.toml", 0.0), col("x", "x2.toml", "e.toml", 85.0)]
    assert legend_labels(same_name) == ["x.toml, d.toml, 0 C", "x2.toml, e.toml, 85 C"]
    assert legend_labels([col("x", "built-in", "d.toml", 27.0)]) == ["x, 27 C"]


def test_a_v2_design_heads_its_column_with_v2(tmp_path):
    """A file only v2 takes: the column's header is v2's (its name, supply, law v2), the
    v4 neuron keeps its built-in design; a file of keys both take changes both neurons."""
    v2_only = tmp_path / "v2_more_current.toml"
    v2_only.write_text(
        'name = "v2_more_current"\n[params]\nunit_current = { value = 1.3, unit = "Ic0" }\n'
    )
    both = tmp_path / "low_supply.toml"
    both.write_text('name = "low_supply"\n[params]\nvdd = { value = 0.85, unit = "V" }\n')
    r2, rb = resolved(columns_for([v2_only, both], None, None))
    assert (r2.headline, rb.headline) == ("v2", "v4")
    h2, hb = column_header(r2, "abc1234"), column_header(rb, "abc1234")
    assert (h2["design"], h2["design_file"], h2["device"]) == (
        "v2_more_current",
        str(v2_only),
        DEFAULT_DEVICE.name,
    )
    assert h2["law_version"] < hb["law_version"] == mtj_model_spec.version()
    assert h2["neurons"]["v4"]["design"] == "ipnet_v4" and h2["commit"] == "abc1234"
    assert r2.v2.params().unit_current_ic0 == 1.3
    assert hb["supply_V"] == 0.85
    assert hb["neurons"]["v2"]["supply_V"] == hb["neurons"]["v4"]["supply_V"] == 0.85
