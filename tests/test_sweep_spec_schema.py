"""The sweep spec file's pydantic schema (pyspice_flows/sweep/spec_schema.py): every refusal
is one line naming where (the spec and its table), the key, the value as written and what
is allowed; the values a spec keeps are those written (an integer stays an integer)."""

import pytest

from pyspice_flows.sweep.spec import SweepSpec
from pyspice_flows.sweep.spec_schema import SpecFile

BASE = {
    "name": "s",
    "evaluate": "test_sweep:mtj_sample_metrics",
    "samples": 2,
    "seed": 1,
    "figures": ["y"],
    "params": {"x": {"dist": "uniform", "low": 0.0, "high": 1.0}},
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"evaluate": None}, "sweep spec: missing 'evaluate'"),
        ({"samples": 0}, "sweep spec: samples = 0 must be an integer >= 1"),
        ({"samples": True}, "sweep spec: samples = True must be an integer >= 1"),
        ({"timeout_s": -1}, "sweep spec: timeout_s = -1 must be a number of seconds > 0"),
        ({"figures": []}, "sweep spec: figures = [] must be a non-empty list of figure names"),
        ({"figures": ["y", 3]}, "sweep spec: figures[1] = 3 must be a name (string)"),
        (
            {"params": {"x": 3}},
            "sweep spec: [params.x] must be a table of dist, mean, median, sigma, rel_sigma, "
            "low, high, values, value, source, note, got 3",
        ),
        (
            {"params": {"x": {"low": 0.0, "high": 1.0}}},
            "sweep spec: [params.x] needs 'dist' (one of normal, lognormal, uniform, choice, "
            "cycle, fixed)",
        ),
        (
            {"params": {"x": {"dist": "cycle", "values": [1, None]}}},
            "sweep spec: [params.x]: values[1] = None must be a number or a string",
        ),
        (
            {"params": {"x": {"dist": "normal", "mean": float("nan"), "sigma": 0.1}}},
            "sweep spec: [params.x]: mean = nan must be a finite number",
        ),
        (
            {"overrides": {"1": {"x": [1]}}},
            "sweep spec: [overrides.1]: x = [1] must be a number, a string or a boolean",
        ),
        (
            {"window": {"fires": "y", "silnt": "y"}},
            "sweep spec: [window]: unknown key 'silnt' (did you mean 'silent'?); "
            "allowed: fires, silent",
        ),
        (
            {"bogus": 1, "bogu": 2},
            "sweep spec: unknown keys 'bogu', 'bogus'; allowed: description, device, evaluate, "
            "figures, limits, name, overrides, params, samples, seed, timeout_s, window",
        ),
        (
            {"params": {"x": {"dist": "uniform", "low": 2.0, "high": 1.0}}},
            "sweep parameter 'x': uniform needs low < high, got 2.0, 1.0",
        ),
    ],
)
def test_a_bad_spec_is_refused_in_one_line(change, message):
    data = {k: v for k, v in (BASE | change).items() if v is not None}
    with pytest.raises(ValueError) as err:
        SweepSpec.from_dict(data)
    assert str(err.value) == message


def test_the_values_are_kept_as_written():
    data = BASE | {"params": {"x": {"dist": "cycle", "values": [1, 2.5, "a"]}}}
    spec = SweepSpec.from_dict(data)
    assert [type(v) for v in spec.params[0].values] == [int, float, str]
    assert spec.sample(0)["x"] == 1 and isinstance(spec.sample(0)["x"], int)


def test_every_field_of_the_file_says_what_it_allows():
    schema = SpecFile.model_json_schema()
    for name, prop in schema["properties"].items():
        assert prop.get("description") and prop.get("allowed"), name
