"""End to end: `python -m area_energy.report` on the standard scenarios writes a complete report."""

import json

from area_energy import report


def test_report_end_to_end(tmp_path):
    assert report.main(tmp_path) == 0
    data = json.loads((tmp_path / "energy_report.json").read_text())
    ipnet = data["neurons"]["ipnet"]
    for key in ("area_um2", "energy_per_spike_J", "transistors", "capacitors"):
        assert key in ipnet
    assert ipnet["capacitors"] == 0 and ipnet["transistors"] >= 10
    assert 0.2 < ipnet["area_um2"] < 5.0
    assert ipnet["output_spikes"] >= 1 and ipnet["energy_per_spike_J"] > 0
    # the heat memory is a part of what the sources delivered
    assert 0 < ipnet["mtj_heat_J"] < ipnet["energy_total_J"]
    html = (tmp_path / "energy_report.html").read_text()
    assert "data:image/png;base64," in html
    assert (tmp_path / "energy_report.md").exists() and "provenance" in data
