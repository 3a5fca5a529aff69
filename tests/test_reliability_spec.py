"""A sweep spec is checked physically where it is loaded; NaN figures are never 'ok'."""

import csv
import math

import pytest

from pyspice_flows import sweep
from pyspice_flows.sweep import spec_checks

EVALUATE = f"{__name__}:nan_for_negative"


def nan_for_negative(sample: dict) -> dict:
    """y = x, NaN where x < 0.5 (a measurement that found nothing)."""
    return {"y": sample["x"] if sample["x"] >= 0.5 else math.nan}


def _spec_file(tmp_path, params: str, evaluate: str = EVALUATE, device: str = ""):
    path = tmp_path / "s.toml"
    path.write_text(
        f'name = "s"\nevaluate = "{evaluate}"\nsamples = 4\nseed = 1\nfigures = ["y"]\n'
        + (f'device = "{device}"\n' if device else "")
        + params
    )
    return path


@pytest.mark.parametrize(
    "params, message",
    [
        (
            '[params.temp_k]\ndist = "cycle"\nvalues = [0, 27, 85]\n',
            r"values\[0\] = 0 K is out of range; allowed 200 .. 500 K \(temp_k is in kelvin\); "
            r"these look like Celsius: in kelvin they are \[273.15, 300.15, 358.15\]",
        ),
        (
            '[params.temp_k]\ndist = "fixed"\nvalue = 2000\n',
            r"value = 2000 K is out of range; allowed 200 .. 500 K \(temp_k is in kelvin\)$",
        ),
        (
            '[params.vdd_v]\ndist = "cycle"\nvalues = [0.9, 9]\n',
            r"values\[1\] = 9 V is out of range",
        ),
        ('[params.ic0]\ndist = "lognormal"\nsigma = 50\n', r"\[params.ic0\]: sigma = 50 is out"),
        (
            '[params.rp]\ndist = "normal"\nmean = 8e3\nsigma = 8e3\n',
            r"a spread of 1 x the mean is out of range; allowed at most 0.5",
        ),
        (
            '[params.ic0]\ndist = "normal"\nmean = 39\nrel_sigma = 0.05\n',
            r"\[params.ic0\]: mean = 39 A is out of range; allowed \[1e-06, 0.001\] A",
        ),
        (
            '[params.ic00]\ndist = "lognormal"\nsigma = 0.05\n',
            r"unknown swept parameter 'ic00' \(did you mean 'ic0'\?\)",
        ),
    ],
)
def test_a_physically_impossible_spec_is_refused_at_load(tmp_path, params, message):
    path = _spec_file(tmp_path, '[params.x]\ndist = "uniform"\nlow = 0.0\nhigh = 1.0\n' + params)
    with pytest.raises(ValueError, match=message) as err:
        sweep.load_spec(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_only_the_projects_evaluation_functions_are_accepted(tmp_path):
    params = '[params.x]\ndist = "uniform"\nlow = 0.0\nhigh = 1.0\n'
    for target in ("os:system", "subprocess:run", "json:loads"):
        with pytest.raises(ValueError, match=r"is not an evaluation function of the project"):
            sweep.load_spec(_spec_file(tmp_path, params, evaluate=target))
    sweep.load_spec(_spec_file(tmp_path, params))  # a function of the tests folder
    spec_checks.check_evaluate("pyspice_flows.metrics.neuron:ipnet_sample_metrics")


def test_a_nan_figure_is_recorded_as_a_failed_sample(tmp_path):
    params = '[params.x]\ndist = "cycle"\nvalues = [0.2, 0.7]\n'
    spec = sweep.load_spec(_spec_file(tmp_path, params))
    res = sweep.run_sweep(spec, tmp_path / "o", workers=0, progress=False, plots=False)
    with (tmp_path / "o" / "results.csv").open() as fh:
        rows = {int(r["index"]): r for r in csv.DictReader(fh)}
    assert (res.ok, res.failed) == (2, 2)
    assert rows[0]["status"] == "failed" and "returned y = nan (not finite)" in rows[0]["error"]
    assert rows[1]["status"] == "ok" and float(rows[1]["y"]) == 0.7
