"""``ipnet compare`` (area_energy.report.compare): one column per device x temperature,
each headed by design, device, temperature, supply, model version and commit."""

import json
import subprocess
import sys

import pytest

from area_energy.report.compare import main
from circuits import mtj_model_spec
from circuits.mtj_device import DEFAULT_DEVICE, load_device
from circuits.paths import REPO_ROOT

HEADER = ("design", "device", "temperature_K", "supply_V", "model_version", "commit")


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
    for name in ("compare.md", "compare.html", "compare.json", "compare_waveforms.png"):
        assert (out / name).stat().st_size > 200, name
    html = (out / "compare.html").read_text()
    assert "data:image/png;base64," in html and 'src="compare' not in html  # self-contained
    return json.loads((out / "compare.json").read_text())["columns"]


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
        assert col["header"]["design"] == "ipnet_neuron"
        assert col["header"]["model_version"] == mtj_model_spec.version()
        assert _is_commit(col["header"]["commit"].split("+")[0])
        assert col["header"]["law_version"] >= 1
        assert col["header"]["temperature_K"] == 300.15
        assert col["figures"]["output_spikes"] >= 1
    assert (a["header"]["device"], b["header"]["device"]) == (DEFAULT_DEVICE.name, "slow_heat.toml")
    assert b["figures"]["heat_tau_s"] == pytest.approx(2 * a["figures"]["heat_tau_s"], rel=0.02)
    assert b["figures"]["area_um2"] == a["figures"]["area_um2"]  # same circuit, same layout
    md = (out / "compare.md").read_text()
    header_row = next(ln for ln in md.splitlines() if ln.startswith("|  |"))
    assert header_row.count("|") == 4  # a label column and one column per input


@pytest.mark.slow
def test_two_temperatures_side_by_side(tmp_path):
    out = tmp_path / "cmp"
    assert main(["--temp", "300.15", "--temp", "358.15", "--out", str(out)]) == 0
    cold, hot = _columns(out)
    assert (cold["header"]["temperature_K"], hot["header"]["temperature_K"]) == (300.15, 358.15)
    assert cold["header"]["device"] == hot["header"]["device"] == DEFAULT_DEVICE.name
    # subthreshold leakage grows with temperature
    assert hot["figures"]["static_power_W"] > 1.5 * cold["figures"]["static_power_W"]
    assert "85 C" in (out / "compare.md").read_text()


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
