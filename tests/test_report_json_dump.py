"""The energy report's JSON is written from the validated schema model
(area_energy.report.publish.dumped: ``model_dump(mode="json")`` laid out as the results),
and for the real report it is byte for byte the file the writer wrote before, when it
wrote the results dict itself (``json.dumps(..., indent=2, allow_nan=False,
ensure_ascii=False)`` plus a newline, spelled out here)."""

import copy
import json

import pytest
import regenerate_goldens as goldens
from test_results_schema import figures_of

from area_energy.report.publish import dumped, write_report
from area_energy.report.render import to_jsonable
from area_energy.report.results_schema import check_report


@pytest.fixture(scope="module")
def sample_text() -> str:
    return goldens.SAMPLE.read_text(encoding="utf-8")


def _old_writer(results) -> str:
    """The JSON text the writer wrote before it wrote the model's dump."""
    return json.dumps(results, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def test_the_written_json_is_byte_identical_for_the_real_report(sample_text, tmp_path):
    sample = json.loads(sample_text)
    assert _old_writer(sample) == sample_text  # the golden is what the old writer wrote
    out = tmp_path / "reports"
    write_report(sample, figures_of(sample), out, schema=True)
    assert (out / "energy_report.json").read_text(encoding="utf-8") == sample_text


def test_a_bare_dump_would_move_keys_and_integers(sample_text):
    """Why the dump is laid out: pydantic writes a record's fields in the schema's order and
    a strict float field's integer 0 as 0.0; the real report has both."""
    sample = json.loads(sample_text)
    bare = check_report(sample, "sample").model_dump(mode="json", exclude_unset=True)
    assert bare == sample  # the same values ...
    assert _old_writer(bare) != sample_text  # ... not the same bytes
    assert sample["neurons"]["ipnet_v2"]["capacitance_F"] == 0
    assert bare["neurons"]["ipnet_v2"]["capacitance_F"] == 0.0


def test_what_is_written_is_the_models_values(sample_text):
    sample = json.loads(sample_text)
    model = check_report(sample, "sample")
    changed = copy.deepcopy(sample)
    changed["area_ratio_lif_over_ipnet"] = 1.0  # the layout's value is not the one written
    changed["neurons"]["ipnet"]["spare"] = 2.0  # nor a key the model does not hold
    out = dumped(model, changed)
    assert out["area_ratio_lif_over_ipnet"] == sample["area_ratio_lif_over_ipnet"] != 1.0
    assert "spare" not in out["neurons"]["ipnet"]
    assert list(out["neurons"]["ipnet"]) == list(sample["neurons"]["ipnet"])


def test_check_report_leaves_its_input_as_it_was(sample_text):
    """Validation changes nothing in the mapping it is given, key order included: the real
    report, and a section's extra keys (kept by reference in the model) in an order no
    schema knows."""
    sample = json.loads(sample_text)
    sample["sections"][0]["numbers"] = {"z": [3, {"y": 0, "b": 1.5}], "a": {"k": None}}
    before = copy.deepcopy(sample)
    check_report(sample, "sample")
    assert json.dumps(sample) == json.dumps(before)
    assert json.dumps(sample["sections"][0]) == json.dumps(before["sections"][0])


def test_the_writer_validates_and_writes_one_conversion(sample_text, tmp_path, monkeypatch):
    """The results become JSON values once; that one conversion is validated and laid out
    (the report's figures rendered in between must not stand in for it)."""
    from area_energy.report import publish

    calls = []

    def counted(obj):
        calls.append(obj)
        return to_jsonable(obj)

    monkeypatch.setattr(publish, "to_jsonable", counted)
    sample = json.loads(sample_text)
    out = tmp_path / "reports"
    write_report(sample, figures_of(sample), out, schema=True)
    assert len(calls) == 1
    assert (out / "energy_report.json").read_text(encoding="utf-8") == sample_text
