"""The report JSON's schema (area_energy/report/results_schema.py): the real report fits it,
altered copies are refused with the key path and the value, the writer writes nothing
after a refusal, the readers check on load, and docs/energy_report.schema.json is current.

The real report is ``tests/golden/energy_report_sample.json``: a whole
``reports/energy_report.json`` as ``make energy-report`` wrote it, kept by ``python -m
tests.regenerate_goldens`` (which checks it against the schema before keeping it).
"""

import copy
import json
import math

import pytest
import regenerate_goldens as goldens
from matplotlib.figure import Figure

from area_energy.report import readme, results_schema
from area_energy.report.publish import write_report
from area_energy.report.results_schema import ReportSchemaError, check_report, load_report


@pytest.fixture(scope="module")
def sample() -> dict:
    return json.loads(goldens.SAMPLE.read_text(encoding="utf-8"))


def figures_of(data) -> dict:
    """A small figure for each figure name the report's sections show."""
    out = {}
    for section in data["sections"]:
        if section.get("figure"):
            fig = Figure(figsize=(1, 1))
            fig.add_subplot().plot([0, 1], [0, 1])
            out[section["figure"]] = fig
    return out


def refused(data, match: str) -> str:
    with pytest.raises(ReportSchemaError, match=match) as info:
        check_report(data, "report.json")
    return str(info.value)


def test_the_real_report_fits_the_schema(sample):
    report = check_report(sample, "sample")
    ip = report.neurons.ipnet
    # issue 20's interface keys, with the values the file holds
    assert ip.memory.tau_s == sample["neurons"]["ipnet"]["memory"]["tau_s"]
    assert len(ip.transfer_curve) == len(sample["neurons"]["ipnet"]["transfer_curve"])
    assert ip.energy_floor_J == sample["neurons"]["ipnet"]["energy_floor_J"]
    assert [c.verdict for c in report.claims] == [c["verdict"] for c in sample["claims"]]


def test_load_report_reads_the_file_as_is(sample, tmp_path):
    path = tmp_path / "energy_report.json"
    path.write_text(goldens.SAMPLE.read_text(encoding="utf-8"))
    assert load_report(path) == sample


def test_a_probability_above_one_is_refused_with_its_key_path(sample):
    bad = copy.deepcopy(sample)
    bad["neurons"]["ipnet"]["memory"]["p_rested"] = 1.3
    text = refused(bad, r"neurons\.ipnet\.memory\.p_rested = 1\.3")
    assert text.startswith("report.json: ") and "less than or equal to 1" in text


def test_a_transfer_curve_probability_names_its_row(sample):
    bad = copy.deepcopy(sample)
    bad["neurons"]["ipnet"]["transfer_curve"][3]["p_fire"] = -0.25
    refused(bad, r"neurons\.ipnet\.transfer_curve\[3\]\.p_fire = -0\.25")


def test_a_missing_memory_tau_is_refused(sample):
    bad = copy.deepcopy(sample)
    del bad["neurons"]["ipnet"]["memory"]["tau_s"]
    refused(bad, r"^report\.json: neurons\.ipnet\.memory\.tau_s is missing$")


def test_a_nan_energy_is_refused_in_memory_and_in_a_file(sample, tmp_path):
    bad = copy.deepcopy(sample)
    bad["neurons"]["lif"]["energy_per_spike_J"] = math.nan
    refused(bad, r"neurons\.lif\.energy_per_spike_J = nan: .*finite")
    # json writes nan as NaN unless told not to; the reader refuses it naming the file
    path = tmp_path / "energy_report.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(ReportSchemaError, match=rf"^{path}: neurons\.lif\.energy_per_spike_J"):
        load_report(path)


@pytest.mark.parametrize(
    ("path", "value", "match"),
    [
        (("neurons", "ipnet", "energy_floor_J"), 0.0, "greater than 0"),
        (("neurons", "ipnet", "energy_floor_J"), None, "valid number"),
        (("neurons", "ipnet", "area_um2_per_neuron_amortized"), -1.0, "greater than 0"),
        (("neurons", "ipnet", "transistors"), True, "valid integer"),
        (("neurons", "ipnet", "energy_per_spike_J"), "4.7e-12", "valid number"),
        (("claims", 0, "verdict"), "maybe", "reproduced"),
        (("header", "temperature_K"), -3.0, "greater than 0"),
    ],
)
def test_values_outside_their_physical_range_are_refused(sample, path, value, match):
    bad = copy.deepcopy(sample)
    node = bad
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    dotted = results_schema.key_path(path).replace(".", r"\.").replace("[", r"\[")
    refused(bad, rf"{dotted}.*{match}")


def test_null_is_accepted_only_where_it_means_something(sample):
    ok = copy.deepcopy(sample)
    ok["neurons"]["ipnet"]["memory"]["tau_s"] = None  # no decaying excess to fit
    ok["neurons"]["lif"]["energy_per_spike_J"] = None  # a run without an output spike
    check_report(ok, "report.json")


def test_fixed_records_refuse_unknown_keys_open_sections_keep_them(sample):
    bad = copy.deepcopy(sample)
    bad["neurons"]["ipnet"]["memory"]["tau"] = 1e-9
    refused(bad, r"neurons\.ipnet\.memory\.tau: unknown key")
    bad = copy.deepcopy(sample)
    bad["surprise"] = 1
    refused(bad, r"^report\.json: surprise: unknown key")
    ok = copy.deepcopy(sample)
    ok["sections"][0]["tau_memory_s"] = 1e-9
    ok["provenance"]["compiler"] = "anything"
    check_report(ok, "report.json")


def test_layout_rules_beyond_single_values(sample):
    bad = copy.deepcopy(sample)
    bad["neurons"]["ipnet"]["memory"]["lags_s"].pop()
    refused(bad, r"neurons\.ipnet\.memory: .*gain_by_lag has 4 values for 3 lags_s")
    table = next(i for i, s in enumerate(sample["sections"]) if s.get("table"))
    bad = copy.deepcopy(sample)
    bad["sections"][table]["table"]["rows"][0].append("extra")
    refused(bad, rf"sections\[{table}\]\.table: .*row 0 has")


@pytest.mark.parametrize(
    ("key", "factor", "match"),
    [
        ("energy_floor_J", 2.0, "energy_floor_J .* exceeds energy_per_spike_J"),
        ("junction_energy_per_input_slot_J", 2.0, "exceeds the supply's energy_per_input_slot_J"),
        ("area_um2", 1.01, "exceeds area_um2_per_neuron_amortized"),
    ],
)
def test_a_part_larger_than_its_whole_is_refused(sample, key, factor, match):
    """The floor is the junction's share of the supply's energy per spike, and the amortized
    area adds the shared periphery to the own area: a part above its whole breaks energy
    conservation or area bookkeeping."""
    ip = sample["neurons"]["ipnet"]
    whole = {
        "energy_floor_J": "energy_per_spike_J",
        "junction_energy_per_input_slot_J": "energy_per_input_slot_J",
        "area_um2": "area_um2_per_neuron_amortized",
    }[key]
    assert ip[key] <= ip[whole]  # the real report keeps it
    bad = copy.deepcopy(sample)
    bad["neurons"]["ipnet"][key] = ip[whole] * factor
    refused(bad, rf"neurons\.ipnet: .*{match}")


def test_the_writer_writes_nothing_when_the_schema_refuses(sample, tmp_path):
    out = tmp_path / "reports"
    bad = copy.deepcopy(sample)
    bad["neurons"]["ipnet"]["memory"]["p_rested"] = 1.3
    figures = figures_of(bad)
    with pytest.raises(ReportSchemaError, match=r"energy_report\.json: neurons\.ipnet\.memory"):
        write_report(bad, figures, out, schema=True)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []
    # a previous report stays as it was
    out.mkdir()
    (out / "energy_report.json").write_text('{"previous": true}\n')
    with pytest.raises(ReportSchemaError):
        write_report(bad, figures, out, schema=True)
    assert [p.name for p in out.iterdir()] == ["energy_report.json"]
    assert (out / "energy_report.json").read_text() == '{"previous": true}\n'


def test_the_writer_writes_the_same_json_when_the_schema_accepts(sample, tmp_path):
    out = tmp_path / "reports"
    write_report(sample, figures_of(sample), out, schema=True)
    assert json.loads((out / "energy_report.json").read_text()) == sample


def test_readme_numbers_refuse_a_bad_report_naming_the_file(sample, tmp_path, capsys):
    bad = copy.deepcopy(sample)
    del bad["neurons"]["ipnet"]["memory"]["tau_s"]
    path = tmp_path / "energy_report.json"
    path.write_text(json.dumps(bad))
    text = "# x\n"
    (tmp_path / "README.md").write_text(text)
    assert readme.main(["--json", str(path), "--readme", str(tmp_path / "README.md")]) == 1
    err = capsys.readouterr().err
    assert f"{path}: neurons.ipnet.memory.tau_s is missing" in err
    assert (tmp_path / "README.md").read_text() == text


def test_regenerate_goldens_refuses_a_bad_report(sample, tmp_path, capsys):
    bad = copy.deepcopy(sample)
    bad["neurons"]["ipnet"]["memory"]["gain_at_3_intervals"] = math.inf
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    golden = tmp_path / "golden" / "report_headline.json"
    golden.parent.mkdir()
    args = ["--from-json", str(path), "--out", str(golden), "--schema", str(tmp_path / "s.json")]
    assert goldens.main([*args, "--readme", str(tmp_path / "README.md")]) == 1
    assert "neurons.ipnet.memory.gain_at_3_intervals = inf" in capsys.readouterr().err
    assert not golden.exists() and not (tmp_path / "s.json").exists()


def test_the_exported_json_schema_is_current():
    stored = results_schema.SCHEMA_PATH.read_text(encoding="utf-8")
    assert stored == results_schema.json_schema_text(), (
        f"{results_schema.SCHEMA_PATH} is out of date: regenerate it with `{goldens.REGENERATE}`"
    )


def test_the_exported_schema_carries_the_physical_ranges():
    """Read from the JSON Schema document itself (what another tool would read)."""
    doc = json.loads(results_schema.SCHEMA_PATH.read_text(encoding="utf-8"))
    defs = doc["$defs"]
    p_fire = defs["TransferPoint"]["properties"]["p_fire"]
    assert (p_fire["minimum"], p_fire["maximum"]) == (0, 1)
    floor = defs["IpnetV4"]["properties"]["energy_floor_J"]
    assert floor["exclusiveMinimum"] == 0 and floor["unit"] == "J" and "[J]" in floor["description"]
    assert set(defs["Memory"]["required"]) >= {
        "gain_by_lag",
        "tau_s",
        "gain_at_3_intervals",
        "ablation_ratio",
        "p_rested",
        "input_interval_s",
    }
    assert defs["Memory"]["additionalProperties"] is False
    assert doc["additionalProperties"] is False
