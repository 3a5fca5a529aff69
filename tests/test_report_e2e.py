"""End to end: `python -m area_energy.report` simulates both neurons and writes a complete report.

The headline numbers are compared with tests/golden/report_headline.json, each within its
stored relative tolerance; regenerate that file with `python -m tests.regenerate_goldens`
when a change is meant to move them (see tests/regenerate_goldens.py).
"""

import json
import re

import pytest
import regenerate_goldens as goldens

from area_energy.report import build as report
from area_energy.report import claims as report_claims
from area_energy.report import readme


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    assert report.main(["--out", str(out)]) == 0
    return out


@pytest.mark.slow
def test_report_files_and_required_json_keys(report_dir):
    data = json.loads((report_dir / "energy_report.json").read_text())
    for neuron in ("ipnet", "ipnet_v2", "lif"):
        for key in ("area_um2", "energy_per_spike_J", "transistors", "capacitors"):
            assert key in data["neurons"][neuron]
    assert set(data["memory_power_W"]) >= {"ipnet", "lstm", "cnn3d"}
    assert set(data["memory_power_ratio"]) >= {
        "lstm_over_ipnet",
        "cnn3d_over_ipnet",
        "by_layer",
        "definition",
    }
    assert "area_ratio_lif_over_ipnet" in data and "assumptions" in data
    assert {"ngspice", "openvaf", "model_files_sha256"} <= set(data["provenance"])
    html = (report_dir / "energy_report.html").read_text()
    assert "data:image/png;base64," in html and 'src="http' not in html
    for fig in (
        "neuron_waveforms",
        "energy_per_spike",
        "area",
        "memory_power",
        "heat_memory_decay",
    ):
        assert (report_dir / f"{fig}.png").stat().st_size > 1000


@pytest.mark.slow
def test_report_numbers_are_physical(report_dir):
    data = json.loads((report_dir / "energy_report.json").read_text())
    ip, lif = data["neurons"]["ipnet_v2"], data["neurons"]["lif"]
    assert ip["capacitors"] == 0 and ip["mtjs"] == 1 and lif["capacitors"] == 1
    v4 = data["neurons"]["ipnet"]
    assert v4["capacitors"] == 0 and v4["mtjs"] == 1
    # the expected energy per spike: the junction's own share and the supply's overhead
    parts = v4["energy_per_spike_breakdown_J"]
    assert all(v > 0 for v in parts.values())
    assert sum(parts.values()) == pytest.approx(v4["energy_per_spike_J"], rel=1e-9)
    assert ip["output_spikes"] >= 1 and lif["output_spikes"] >= 1
    # energy conservation: sources = MOSFET channels + MTJ heat + stored, within 1 %
    for n in (ip, lif):
        assert n["conservation"]["relative_error"] < 0.01
        # the breakdown's CMOS part is what the sources' energy leaves over; the MOSFETs'
        # own drain currents measure it independently
        parts = n["energy_breakdown_J"]
        assert all(v >= 0 for v in parts.values())
        assert parts["cmos_switching_and_resistive"] == pytest.approx(
            n["conservation"]["dissipated_mosfets_J"], rel=0.02
        )
    assert (
        0
        < ip["heat_memory_write_per_input_event_J"]
        < ip["memory_write_energy_delivered_per_input_event_J"]
    )
    assert ip["heat_memory_tau_fit_s"] == pytest.approx(ip["heat_memory_tau_rth_cth_s"], rel=0.2)


@pytest.mark.slow
def test_claims_have_verdicts_and_the_memory_time_scales(report_dir):
    data = json.loads((report_dir / "energy_report.json").read_text())
    claims = {c["claim"]: c for c in data["claims"]}
    for c in claims.values():
        assert {"published", "ours", "verdict", "reason"} <= set(c)
        assert c["verdict"] in report_claims.VERDICTS and c["reason"]
    assert "IPNet energy per spike" in claims
    assert "heat-memory time constant vs the comparison's time step" in claims
    r = data["memory_power_ratio"]
    ip = data["neurons"]["ipnet"]
    # the heat memory is the report's neuron's (v4: its gain-by-lag fit), the step the
    # backbone file's; the memory write is one of its input slots
    assert r["tau_memory_s"] == ip["memory"]["tau_s"]
    lstm = data["assumptions"]["memory"]["standalone"]["lstm"]
    assert data["memory_power_W"]["standalone"]["ipnet_lstm_size"] == pytest.approx(
        lstm["hidden_units"] * ip["energy_per_input_slot_J"] / lstm["time_step_s"]
    )
    assert r["time_step_s"] == data["assumptions"]["memory"]["backbone"]["time_step_s"]
    ts = r["time_scales"]
    assert ts["tau_required_s"] >= r["time_step_s"] > 1e3 * r["tau_memory_s"]
    # re-writing the fading heat every tau costs step/tau writes: IPNet loses its advantage
    assert ts["refreshed_every_tau"]["lstm_over_ipnet"] < 1 < r["lstm_over_ipnet"]
    # with the step at tau only SRAM leakage moves the ratio: within 10 % of the 1 ms one
    assert ts["at_simulated_tau"]["lstm_over_ipnet"] == pytest.approx(r["lstm_over_ipnet"], rel=0.1)
    section = next(s for s in data["sections"] if s["title"] == "Memory power")
    assert section["tau_memory_s"] == r["tau_memory_s"]
    assert section["time_step_s"] == r["time_step_s"]
    md = (report_dir / "energy_report.md").read_text()
    assert "| Claim | Published | Ours | Verdict | Reason |" in md
    assert "Time scales first" in md


@pytest.mark.slow
def test_figures_are_captioned_and_assumptions_have_units(report_dir):
    html = (report_dir / "energy_report.html").read_text()
    for name in ("neuron_waveforms", "energy_per_spike", "area", "memory_power"):
        assert f"<figcaption>{name}</figcaption>" not in html
    assert "value on each bar" in html
    md = (report_dir / "energy_report.md").read_text()
    assert "| Parameter | Value | Unit |" in md
    assert re.search(r"^\| mtj_device\.rth \| [^|]+ \| K/W \|$", md, re.M)
    assert "| supply_v | 0.9 | V |" in md
    assert "| memory.backbone.time_step_s | 1e-3 | s |" in md


@pytest.mark.slow
def test_failed_report_leaves_previous_report_intact(report_dir, monkeypatch):
    before = (report_dir / "energy_report.json").read_bytes()

    def broken(**kwargs):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(report, "build_results", broken)
    assert report.main(["--out", str(report_dir)]) == 1
    assert (report_dir / "energy_report.json").read_bytes() == before


@pytest.mark.slow
def test_report_heat_ablation(report_dir):
    data = json.loads((report_dir / "energy_report.json").read_text())
    a = data["ablation"]
    assert a["unit"] == "s" and a["plasticity_normal"] > 0
    # without the heat memory the probe's latency advantage all but vanishes
    assert abs(a["plasticity_no_heat"]) < 0.1 * a["plasticity_normal"]
    assert a["ratio_no_heat_over_normal"] < 0.1


@pytest.mark.slow
def test_headline_numbers_match_the_golden(report_dir):
    try:
        golden = goldens.load_golden()
    except FileNotFoundError as exc:
        pytest.fail(str(exc))
    data = json.loads((report_dir / "energy_report.json").read_text())
    problems = goldens.compare(goldens.headline_values(data), golden)
    assert not problems, (
        "headline numbers moved beyond their golden tolerance:\n  "
        + "\n  ".join(problems)
        + f"\nIf the change is intended, regenerate: {goldens.REGENERATE}"
    )


def test_golden_comparison_can_fail(tmp_path):
    """The comparison itself: a number just outside its tolerance, a missing golden number
    and a missing golden file are each reported."""
    golden = goldens.load_golden()
    values = {k: float(v["value"]) for k, v in golden.items()}
    assert goldens.compare(values, golden) == []
    key = "neurons.ipnet.energy_per_spike_J"
    tol = golden[key]["rel_tol"]
    inside = values | {key: values[key] * (1 + 0.5 * tol)}
    outside = values | {key: values[key] * (1 + 2 * tol)}
    assert goldens.compare(inside, golden) == []
    assert [p.split(":")[0] for p in goldens.compare(outside, golden)] == [key]
    partial = {k: v for k, v in golden.items() if k != "area_ratio_lif_over_ipnet"}
    assert "area_ratio_lif_over_ipnet: no golden value" in goldens.compare(values, partial)[0]
    with pytest.raises(FileNotFoundError, match="regenerate_goldens"):
        goldens.load_golden(tmp_path / "missing.json")


@pytest.mark.slow
def test_report_energy_comparison_like_for_like(report_dir):
    data = json.loads((report_dir / "energy_report.json").read_text())
    c = data["energy_comparison"]
    st = c["stimulus"]
    assert st["count"] > 0 and st["rate_hz"] > 0 and st["width_s"] > 0
    ip, lif = c["ipnet"], c["lif"]
    # same events in, the same number of spikes out
    assert ip["output_spikes"] == lif["output_spikes"] == st["target_output_spikes"]
    for n in (ip, lif):
        parts = n["breakdown_per_spike_J"]
        assert sum(parts.values()) == pytest.approx(n["energy_per_spike_J"], rel=1e-9)
        assert parts["static"] >= 0 and parts["input"] >= 0
    # the junction's heat comes out of the write and reset energies
    parts = ip["breakdown_per_spike_J"]
    assert 0 < ip["mtj_heat_per_spike_J"] < parts["write"] + parts["reset"]
    assert lif["mtj_heat_per_spike_J"] == 0 and lif["breakdown_per_spike_J"]["reset"] == 0
    assert c["ratio_ipnet_over_lif"] == pytest.approx(
        ip["energy_per_spike_J"] / lif["energy_per_spike_J"]
    )
    # no circuit beats the switching law's floor for its junction and supply (computed from
    # the law alone, without the circuit): write + reset at the best current the rail allows
    floor = c["floor"]
    assert 0 < floor["write"]["energy_J"] and 0 < floor["reset"]["energy_J"]
    assert floor["total_J"] < ip["energy_per_spike_J"]
    # every neuron reports its spike width
    assert data["neurons"]["ipnet_v2"]["spike_width_s"] <= 2e-9
    assert data["neurons"]["lif"]["spike_width_s"] > 0


@pytest.mark.slow
def test_report_text_fixes(report_dir):
    """Issue 22, item 5: the generated Markdown's neurons table, assumptions, heat-decay
    caption and ablation text (what the numbers of the JSON say, in words)."""
    data = json.loads((report_dir / "energy_report.json").read_text())
    md = (report_dir / "energy_report.md").read_text()
    bias = next(line for line in md.splitlines() if line.startswith("| shared bias generator"))
    assert "{" not in bias and "instances XB, transistors " in bias
    assert re.search(r"^\| memory\.standalone\.cnn3d\.kernel_w \| 3 \| pixels \|$", md, re.M)
    ip = data["neurons"]["ipnet_v2"]
    fit, rc = (
        f"{ip[k] * 1e9:.2f} ns" for k in ("heat_memory_tau_fit_s", "heat_memory_tau_rth_cth_s")
    )
    assert f"fitted to it (solid line, decay {fit})" in md
    assert f"rth·cth = {rc} (dashed)" in md and "ln(L_rested / L) (dimensionless" in md
    assert "| memory.backbone.layers | name input events, kind map, height 128" in md
    residual = data["ablation"]["ratio_no_heat_over_normal"]
    assert f"the no-heat control keeps {residual:.1%} of it" in md or (
        residual >= 0.1 and f"the no-heat control keeps {residual:.0%} of it" in md
    )


@pytest.mark.slow
def test_readme_numbers_agree_with_the_report(report_dir):
    """README.md's results block is the report's (`make readme-numbers` rewrites it)."""
    data = json.loads((report_dir / "energy_report.json").read_text())
    problems = readme.disagreements(readme.README.read_text(), data)
    assert not problems, (
        "README.md and the report disagree:\n  "
        + "\n  ".join(problems)
        + "\nRegenerate: make energy-report && make readme-numbers"
    )


@pytest.mark.slow
def test_report_neuron_v4(report_dir):
    """Issue 20's keys on the report's IPNet neuron (``neurons.ipnet`` is neuron v4):
    transfer curve per corner, memory with its ablation, amortized area, energy per spike
    above the junction's own dissipation (the floor)."""
    data = json.loads((report_dir / "energy_report.json").read_text())
    v4 = data["neurons"]["ipnet"]
    m = v4["memory"]
    keys = {"gain_by_lag", "tau_s", "gain_at_3_intervals", "ablation_ratio", "p_rested"}
    assert keys | {"input_interval_s"} <= set(m)
    assert m["gain_by_lag"] == sorted(m["gain_by_lag"], reverse=True)  # fades with the lag
    assert abs(m["ablation_ratio"]) < 0.1 < m["gain_by_lag"][0] - 1
    assert m["tau_s"] > 0
    corners = {(r["ambient_k"], r["vdd_v"]) for r in v4["transfer_curve"]}
    assert len(corners) >= 3
    for corner in corners:
        p = [r["p_fire"] for r in v4["transfer_curve"] if (r["ambient_k"], r["vdd_v"]) == corner]
        assert p == sorted(p)  # a stronger input never fires less often
    # the periphery's share: bias generator, trim DAC, its register and the generator's
    # resistors (estimate) over 256 neurons
    assert v4["area_um2"] < v4["area_um2_per_neuron_amortized"] < v4["area_um2"] + 0.06
    assert 0 < v4["energy_floor_J"] < v4["energy_per_spike_J"]
    claims = {c["claim"] for c in data["claims"]}
    assert "a heat memory a network can read (IPNet neuron v4)" in claims
    assert data["sections"][0]["title"].startswith("IPNet neuron (v4)")
    # the headline's area claim is the amortized area, its ratio against the LIF too
    area = next(c for c in data["claims"] if c["claim"] == "IPNet neuron area, 28 nm")
    assert area["ours"] == f"{v4['area_um2_per_neuron_amortized']:.2f} um^2"
    lif = data["neurons"]["lif"]["area_um2"]
    assert data["area_ratio_lif_over_ipnet"] == pytest.approx(
        lif / v4["area_um2_per_neuron_amortized"]
    )
    assert data["header"]["law_version"] == 3.0
    # the neurons table shows no list or dict (the transfer curve has its own section)
    md = (report_dir / "energy_report.md").read_text()
    assert not re.search(r"^\| (transfer curve|memory) \|", md, re.M)
