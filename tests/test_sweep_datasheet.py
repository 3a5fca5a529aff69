"""The sweep's datasheet per corner (pyspice_flows.sweep.datasheet and summary): min/typ/max
against the spec limits in engineering units, the failing limit named, few-sample marks,
the yield bars coloured by verdict.

No simulation: rows are built in memory.  Expected values are worked out by hand in the
comments.
"""

import json
from dataclasses import replace

import pytest

from pyspice_flows import sweep
from pyspice_flows.sweep.datasheet import datasheet_lines, figure_unit, fmt
from pyspice_flows.sweep.spec import FigureLimits
from pyspice_flows.sweep.summary import VERDICT_COLOURS, summarize, yield_bar_colours

LIMITS = {
    "w_s": FigureLimits("w_s", min=20e-12, max=2e-9, unit="s"),
    "e_j": FigureLimits("e_j", min=1e-12, typ=2e-12, max=5e-12, unit="J"),
}


def spec_2x2(samples=20) -> sweep.SweepSpec:
    """2 x 2 corners (temp_k walks fastest): index i is at corner i % 4."""
    return sweep.SweepSpec(
        name="sheet",
        evaluate="unused:unused",
        samples=samples,
        seed=3,
        params=(
            sweep.Param("temp_k", "cycle", values=(273.15, 358.15)),
            sweep.Param("vdd_v", "cycle", values=(0.9, 1.0)),
        ),
        figures=("w_s", "e_j", "count"),
        limits=LIMITS,
    )


def rows_for(spec, width_of=lambda i: 1e-9 + 0.1e-9 * (i // 4)) -> list[dict]:
    """w_s: 1.0, 1.1, 1.2, 1.3, 1.4 ns along each corner's samples, except index 3 (corner
    85 C, 1 V), which is 3 ns: above w_s's max 2 ns.  e_j = 2 pJ everywhere (inside its
    limits); count = 0 (no limits)."""
    return [
        {
            "index": i,
            "status": "ok",
            **spec.sample(i),
            "w_s": 3e-9 if i == 3 else width_of(i),
            "e_j": 2e-12,
            "count": 0.0,
            "elapsed_s": 0.1,
            "worker": "here",
            "error": "",
        }
        for i in range(spec.samples)
    ]


def test_engineering_units_one_formatter():
    assert fmt(3.816e-05, "A") == "38.2 uA"
    assert fmt(1.385e-12, "J") == "1.39 pJ"
    assert fmt(2e-9, "s") == "2 ns"
    assert fmt(0.0, "1") == "0" and fmt(0.3641, "") == "0.364"
    assert fmt(None, "s") == fmt(float("nan"), "s") == "-"
    assert figure_unit("firing_threshold_a") == "A" and figure_unit("spikes_without") == ""
    assert figure_unit("w_s", LIMITS["w_s"]) == "s"


def test_one_limit_failing_at_one_corner_is_named_there_only():
    spec = spec_2x2()
    summary = json.loads(json.dumps(summarize(rows_for(spec), spec, 1.0, 20, 0)))
    corners = {c["label"]: c for c in summary["corners"]}
    assert list(corners) == ["0 C, 0.9 V", "85 C, 0.9 V", "0 C, 1 V", "85 C, 1 V"]
    bad = corners["85 C, 1 V"]
    assert bad["meets_target"] is False and bad["yield"] == pytest.approx(4 / 5)
    assert bad["failing_limits"] == [
        {"figure": "w_s", "bound": "max", "limit": 2e-9, "n_outside": 1, "name": "w_s max 2 ns"}
    ]
    for label in ("0 C, 0.9 V", "85 C, 0.9 V", "0 C, 1 V"):
        assert corners[label]["failing_limits"] == [] and corners[label]["meets_target"]

    # corner 0 C, 0.9 V holds indices 0, 4, 8, 12, 16: w_s 1.0 .. 1.4 ns
    w = corners["0 C, 0.9 V"]["datasheet"]["w_s"]
    assert (w["n"], w["unit"], w["few_samples"]) == (5, "s", False)
    assert (w["min"], w["typ"], w["max"]) == pytest.approx((1.0e-9, 1.2e-9, 1.4e-9))
    assert w["spec"] == {"min": 20e-12, "typ": None, "max": 2e-9}
    assert w["limits"]["min"]["pass"] and w["limits"]["max"]["pass"]
    # corner 85 C, 1 V: indices 3 (3 ns), 7, 11, 15, 19 (1.1 .. 1.4 ns)
    w = bad["datasheet"]["w_s"]
    assert (w["min"], w["typ"], w["max"]) == pytest.approx((1.1e-9, 1.3e-9, 3e-9))
    assert w["limits"]["max"] == {"limit": 2e-9, "pass": False, "n_outside": 1}
    assert w["limits"]["min"]["pass"] is True
    assert bad["datasheet"]["e_j"]["limits"]["max"]["pass"] is True
    assert bad["datasheet"]["count"]["limits"] == {}

    lines = datasheet_lines(summary)
    text = "\n".join(lines)
    assert "datasheet, corner 85 C, 1 V (n = 5, 5 ok): FAIL" in text
    assert "datasheet, corner 0 C, 0.9 V (n = 5, 5 ok): PASS" in text
    assert "fails w_s max 2 ns: 1 of 5 samples outside" in text
    assert text.count("fails ") == 1
    row = next(
        ln
        for ln in lines[lines.index(next(x for x in lines if "85 C, 1 V" in x)) :]
        if ln.strip().startswith("w_s")
    )
    assert "1.1 ns" in row and "1.3 ns" in row and "3 ns" in row and "FAIL max" in row
    assert "!" not in text  # n = 5 everywhere: no few-sample mark


def test_statistics_on_fewer_than_five_samples_are_marked():
    spec = spec_2x2(samples=8)  # 2 samples per corner
    summary = summarize(rows_for(spec), spec, 1.0, 8, 0)
    for c in summary["corners"]:
        assert all(e["few_samples"] for e in c["datasheet"].values())
        assert all(e["n"] == 2 for e in c["datasheet"].values())
    # pooled over the 4 corners: 8 samples, enough
    assert all(f["n"] == 8 and not f["few_samples"] for f in summary["figures"].values())
    lines = datasheet_lines(summary)
    assert any(ln.strip().startswith("w_s") and "  2!" in ln for ln in lines)
    assert lines[-1].strip().startswith("! fewer than 5 samples")


def test_a_failed_sample_fails_every_limit_of_its_corner():
    spec = spec_2x2()
    rows = rows_for(spec)
    rows[0] = {**rows[0], "status": "failed", "w_s": None, "e_j": None, "error": "boom"}
    summary = summarize(rows, spec, 1.0, 20, 0)
    names = [f["name"] for f in summary["corners"][0]["failing_limits"]]
    assert names == ["w_s min 20 ps", "w_s max 2 ns", "e_j min 1 pJ", "e_j max 5 pJ"]
    assert summary["corners"][0]["datasheet"]["w_s"]["n"] == 4


@pytest.mark.slow
def test_yield_bars_are_coloured_by_each_corners_verdict(tmp_path):
    spec = spec_2x2()
    summary = summarize(rows_for(spec), spec, 1.0, 20, 0)
    colours = yield_bar_colours(summary["corners"])
    assert colours == [VERDICT_COLOURS[True]] * 3 + [VERDICT_COLOURS[False]]
    empty = replace(spec, samples=4)  # every corner one sample; a bar without samples is grey
    assert yield_bar_colours([{"meets_target": None}]) == [VERDICT_COLOURS[None]]
    written = sweep.plot_distributions(rows_for(empty), empty, tmp_path)
    assert [p.name for p in written][-1] == "yield_by_corner.png"


def test_a_corner_without_samples_gets_no_verdict():
    from pyspice_flows.sweep.datasheet import corner_datasheet, failing_limits

    sheet = corner_datasheet(
        [], ["spike_width_s"], {"spike_width_s": FigureLimits("spike_width_s", max=2e-9)}
    )
    entry = sheet["spike_width_s"]
    assert entry["n"] == 0 and entry["limits"] == {}  # nothing measured: no PASS
    assert failing_limits(sheet) == []
    measured = corner_datasheet(
        [{"status": "ok", "spike_width_s": 3e-9}],
        ["spike_width_s"],
        {"spike_width_s": FigureLimits("spike_width_s", max=2e-9)},
    )
    assert measured["spike_width_s"]["limits"]["max"]["pass"] is False
