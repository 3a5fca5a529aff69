"""Spec limits and the corner-aware sweep summary (pyspice_flows.sweep: spec, summary, cli).

No simulation here: rows are built in memory, or produced by an arithmetic evaluation
function, so the whole file takes a few seconds.  Expected yields, counts and statistics
are worked out by hand in the comments, not by calling the code under test.
"""

import json
import math
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from circuits.mtj_device import load_device
from circuits.paths import REPO_ROOT
from pyspice_flows import sweep
from pyspice_flows.sweep.cli import yield_lines
from pyspice_flows.sweep.spec import FigureLimits
from pyspice_flows.sweep.summary import corner_label, meets_spec, summarize

TESTS_DIR = Path(__file__).resolve().parent
NAN = float("nan")


def corner_metrics(sample: dict) -> dict:
    """Arithmetic evaluation: ``y`` is the sample's supply, ``z`` its ``x``; ``fail = 1``
    makes the sample fail."""
    if sample.get("fail") == 1:
        raise ValueError("planted failure")
    return {"y": sample["vdd_v"], "z": sample["x"]}


# ----------------------------------------------------------------------------- a tiny spec
LIMITS = {
    "a": FigureLimits("a", min=1.0, max=2.0, unit="V"),
    "b": FigureLimits("b", max=10.0),  # no lower limit
}


def tiny_spec(**changes) -> sweep.SweepSpec:
    """2 x 2 corners (temp_k x vdd_v), 8 samples: 2 per corner; figures a, b (limited), c."""
    spec = sweep.SweepSpec(
        name="tiny",
        evaluate=f"{__name__}:corner_metrics",
        samples=8,
        seed=1,
        params=(
            sweep.Param("x", "uniform", low=0.0, high=1.0),
            sweep.Param("temp_k", "cycle", values=(273.15, 358.15)),
            sweep.Param("vdd_v", "cycle", values=(0.8, 1.0)),
        ),
        figures=("a", "b", "c"),
        limits=LIMITS,
    )
    return replace(spec, **changes)


# index: status, a, b, c.  Corner of index i: temp_k walks fastest, so
# i = 0, 4: (273.15, 0.8); 1, 5: (358.15, 0.8); 2, 6: (273.15, 1.0); 3, 7: (358.15, 1.0).
TABLE = {
    0: ("ok", 1.5, 5.0, 100.0),  # meets spec
    1: ("ok", 2.5, 5.0, 0.0),  # a above its max
    2: ("ok", 1.0, 10.0, NAN),  # meets: limits are inclusive, c has none
    3: ("failed", NAN, NAN, NAN),  # a failed sample never meets spec
    4: ("ok", 1.2, NAN, 7.0),  # b missing
    5: ("ok", 1.8, -3.0, 1.0),  # meets: b has no lower limit
    6: ("ok", 2.0, 9.0, 2.0),  # meets
    7: ("ok", 1.1, 11.0, 3.0),  # b above its max
}


def tiny_rows(spec: sweep.SweepSpec) -> list[dict]:
    rows = []
    for i, (status, a, b, c) in TABLE.items():
        rows.append(
            {
                "index": i,
                "status": status,
                **spec.sample(i),
                "a": a,
                "b": b,
                "c": c,
                "elapsed_s": 0.1,
                "worker": "here",
                "error": "boom" if status == "failed" else "",
            }
        )
    return rows


# ----------------------------------------------------------------------------- pass/fail
def test_a_sample_meets_spec_when_ok_and_every_limited_figure_is_inside():
    spec = tiny_spec()
    verdicts = {r["index"]: meets_spec(r, spec) for r in tiny_rows(spec)}
    assert verdicts == {0: True, 1: False, 2: True, 3: False, 4: False, 5: True, 6: True, 7: False}
    lim = LIMITS["a"]
    assert lim.admits(1.0) and lim.admits(2.0) and not lim.admits(2.0000001)
    assert not lim.admits(NAN) and not lim.admits(None) and not lim.admits("1.5")
    assert not lim.admits(math.inf) and not lim.admits(True)


def test_without_limits_every_ok_sample_meets_spec():
    spec = tiny_spec(limits={})
    rows = tiny_rows(spec)
    assert [meets_spec(r, spec) for r in rows] == [r["status"] == "ok" for r in rows]
    s = summarize(rows, spec, 0.0, 8, 0)
    assert s["yield"] == 7 / 8
    assert s["pass"] == {"a": None, "b": None, "c": None}
    assert s["limits"] == {}


# ----------------------------------------------------------------------------- corners
def test_corners_yields_and_pass_flags_by_hand():
    spec = tiny_spec()
    s = summarize(tiny_rows(spec), spec, 1.5, 8, 0)
    # the existing keys keep their meaning
    assert (s["ok"], s["failed"], s["samples"]) == (7, 1, 8)
    assert s["figures"]["a"]["n"] == 7
    assert s["failure_messages"] == {"boom": 1}
    # overall: samples 0, 2, 5, 6 meet spec
    assert (s["meets_spec"], s["yield"]) == (4, 0.5)
    assert s["pass"] == {"a": False, "b": False, "c": None}
    assert s["yield_target"] == 0.95 and s["meets_target"] is False
    assert s["limits"] == {
        "a": {"min": 1.0, "typ": None, "max": 2.0, "unit": "V", "note": ""},
        "b": {"min": None, "typ": None, "max": 10.0, "unit": "", "note": ""},
    }
    assert s["corner_params"] == ["temp_k", "vdd_v"]
    c = s["corners"]
    assert [x["condition"] for x in c] == [
        {"temp_k": 273.15, "vdd_v": 0.8},
        {"temp_k": 358.15, "vdd_v": 0.8},
        {"temp_k": 273.15, "vdd_v": 1.0},
        {"temp_k": 358.15, "vdd_v": 1.0},
    ]
    assert [x["label"] for x in c] == ["0 C, 0.8 V", "85 C, 0.8 V", "0 C, 1 V", "85 C, 1 V"]
    assert [(x["n"], x["ok"], x["meets_spec"], x["yield"]) for x in c] == [
        (2, 2, 1, 0.5),  # samples 0 (meets), 4 (b missing)
        (2, 2, 1, 0.5),  # 1 (a high), 5 (meets)
        (2, 2, 2, 1.0),  # 2, 6
        (2, 1, 0, 0.0),  # 3 (failed), 7 (b high)
    ]
    assert [x["meets_target"] for x in c] == [False, False, True, False]
    # per-corner pass: every sample of the corner within the figure's limits
    assert [(x["figures"]["a"]["pass"], x["figures"]["b"]["pass"]) for x in c] == [
        (True, False),  # b of sample 4 is missing
        (False, True),  # a of sample 1 is 2.5
        (True, True),
        (False, False),  # sample 3 failed: no a, no b; b of sample 7 is 11
    ]
    assert [x["figures"]["a"]["n_in_spec"] for x in c] == [2, 1, 2, 1]
    assert all(x["figures"]["c"]["pass"] is None for x in c)
    assert all(x["figures"]["c"]["n_in_spec"] is None for x in c)
    # statistics over the corner's ok samples: a = 1.2, 1.5 at the first corner
    a0 = c[0]["figures"]["a"]
    assert a0["n"] == 2
    assert a0["median"] == pytest.approx(1.35) and a0["mean"] == pytest.approx(1.35)
    assert a0["p05"] == pytest.approx(1.2 + 0.05 * 0.3)  # linear between the two
    assert a0["p95"] == pytest.approx(1.2 + 0.95 * 0.3)
    assert a0["std"] == pytest.approx(0.3 / math.sqrt(2))
    assert (a0["min_observed"], a0["max_observed"]) == (1.2, 1.5)
    # one value (sample 7; sample 3 failed): std 0, and pass False for the failed one
    assert c[3]["figures"]["a"] == {
        "n": 1,
        "median": 1.1,
        "p05": 1.1,
        "p95": 1.1,
        "mean": 1.1,
        "std": 0.0,
        "min_observed": 1.1,
        "max_observed": 1.1,
        "pass": False,
        "n_in_spec": 1,
    }
    assert c[2]["figures"]["c"]["n"] == 1  # n counts finite values: c = NaN, 2.0
    json.dumps(s, allow_nan=False)  # no NaN reaches summary.json


def test_a_corner_without_samples_and_an_off_grid_override():
    spec = tiny_spec(samples=3, overrides={1: {"temp_k": 300.15}})
    rows = tiny_rows(spec)[:3]
    c = summarize(rows, spec, 0.0, 3, 0)["corners"]
    # grid order first (sample 1 moved off its corner, the fourth has none), then 27 C
    assert [(x["label"], x["n"], x["yield"]) for x in c] == [
        ("0 C, 0.8 V", 1, 1.0),
        ("85 C, 0.8 V", 0, None),
        ("0 C, 1 V", 1, 1.0),
        ("85 C, 1 V", 0, None),
        ("27 C, 0.8 V", 1, 0.0),
    ]
    empty = c[1]
    assert empty["meets_target"] is None
    assert empty["figures"]["a"] == {
        "n": 0,
        "median": None,
        "p05": None,
        "p95": None,
        "mean": None,
        "std": None,
        "min_observed": None,
        "max_observed": None,
        "pass": None,  # nothing to judge
        "n_in_spec": 0,
    }


def test_a_spec_without_cycle_parameters_has_one_corner():
    spec = tiny_spec(params=(sweep.Param("x", "uniform", low=0.0, high=1.0),))
    s = summarize(tiny_rows(spec), spec, 0.0, 8, 0)
    assert s["corner_params"] == []
    assert len(s["corners"]) == 1
    only = s["corners"][0]
    assert (only["condition"], only["label"], only["n"], only["yield"]) == (
        {},
        "all samples",
        8,
        0.5,
    )


def test_corner_labels_show_units_by_name():
    assert corner_label({"temp_k": 358.15, "vdd_v": 0.99}) == "85 C, 0.99 V"
    assert corner_label({"temp_k": 300.15, "i_bias_a": 2e-5}) == "27 C, 2e-05 A"
    assert corner_label({"pattern": "burst", "gain": 3}) == "pattern=burst, gain=3"


def test_rows_read_back_from_the_csv_fall_into_their_corners():
    spec = tiny_spec(
        params=(
            sweep.Param("stages", "cycle", values=(1, 2)),
            sweep.Param("mode", "cycle", values=("fast", "slow")),
        )
    )
    # read_results gives every number back as float: stages 1 -> 1.0
    rows = [
        {"index": i, "status": "ok", "stages": float(1 + i % 2), "mode": ("fast", "slow")[i // 2]}
        | {"a": 1.5, "b": 1.0, "c": 0.0}
        for i in range(4)
    ]
    c = summarize(rows, spec, 0.0, 4, 0)["corners"]
    assert [(x["condition"], x["n"]) for x in c] == [
        ({"stages": 1, "mode": "fast"}, 1),
        ({"stages": 2, "mode": "fast"}, 1),
        ({"stages": 1, "mode": "slow"}, 1),
        ({"stages": 2, "mode": "slow"}, 1),
    ]
    assert c[1]["label"] == "stages=2, mode=fast"


# ----------------------------------------------------------------------------- plots
@pytest.mark.slow
def test_plots_by_corner_and_yield_are_written(tmp_path):
    spec = tiny_spec()
    written = sweep.plot_distributions(tiny_rows(spec), spec, tmp_path)
    assert [p.name for p in written] == [
        "distributions_params.png",
        "distributions_figures.png",
        "yield_by_corner.png",
    ]
    assert all(p.stat().st_size > 10_000 for p in written)


# ----------------------------------------------------------------------------- the TOML
SPEC_TOML = """\
name = "corners"
evaluate = "{evaluate}"
samples = 8
seed = 2
figures = ["y", "z"]

[params.x]
dist = "uniform"
low = 0.0
high = 1.0

[params.fail]
dist = "fixed"
value = 0

[params.temp_k]
dist = "cycle"
values = [273.15, 358.15]

[params.vdd_v]
dist = "cycle"
values = [0.81, 0.99]

[overrides.0]
fail = 1
{limits}"""

Y_LIMITS = """
[limits.y]
max = 0.9
unit = "V"
note = "the low supply only"
"""


def write_spec(path: Path, limits: str = Y_LIMITS, evaluate: str = "") -> Path:
    path.write_text(
        SPEC_TOML.format(evaluate=evaluate or f"{__name__}:corner_metrics", limits=limits)
    )
    return path


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            "[limits.yy]\nmax = 1.0\n",
            r"\[limits.yy\]: 'yy' is not one of the spec's figures \(did you mean 'y'\?\); "
            r"figures: y, z",
        ),
        (
            "[limits.y]\nmaxx = 1.0\n",
            r"\[limits.y\]: unknown key 'maxx' \(did you mean 'max'\?\); "
            r"allowed: max, min, note, typ, unit",
        ),
        ("[limits.y]\nmin = 2.0\nmax = 1.0\n", r"\[limits.y\]: min = 2.0 is above max = 1.0"),
        ("[limits.y]\nmax = inf\n", r"\[limits.y\]: max = inf must be a finite number"),
        ("[limits.y]\nmin = nan\n", r"\[limits.y\]: min = nan must be a finite number"),
        ("[limits.y]\nmin = '0.5'\n", r"\[limits.y\]: min = '0.5' must be a finite number"),
        ("[limits.y]\nmax = true\n", r"\[limits.y\]: max = True must be a finite number"),
        ("[limits.y]\nunit = 3\n", r"\[limits.y\]: unit = 3 must be a string"),
        ("[limits.y]\nunit = 'V'\n", r"\[limits.y\]: give at least one of 'min', 'typ', 'max'"),
        (
            "[limits.y]\nmin = 1.0\ntyp = 3.0\nmax = 2.0\n",
            r"\[limits.y\]: typ = 3.0 lies outside \[min, max\] = \[1.0, 2.0\]",
        ),
        ("[limits]\ny = 1.0\n", r"\[limits.y\] must be a table of min, typ, max, unit, note"),
        ("limits = 3\n", r"sweep spec: limits = 3 must be a table of \[limits.<figure>\]"),
    ],
)
def test_bad_limits_are_refused_naming_file_table_and_value(tmp_path, table, message):
    path = write_spec(tmp_path / "bad.toml", limits="")
    text = path.read_text()
    if table.startswith("limits ="):  # a top-level key must come before the tables
        text = table + text
    else:
        text += "\n" + table
    path.write_text(text)
    with pytest.raises(ValueError, match=message) as info:
        sweep.load_spec(path)
    assert str(info.value).startswith(f"{path}: sweep ")


def test_limits_built_in_code_are_checked_too():
    with pytest.raises(
        ValueError, match=r"\[limits.d\]: 'd' is not one of the spec's figures; figures: a, b, c"
    ):
        tiny_spec(limits={"d": FigureLimits("d", max=1.0)})
    with pytest.raises(ValueError, match=r"must be a FigureLimits of figure 'a'"):
        tiny_spec(limits={"a": FigureLimits("b", max=1.0)})
    with pytest.raises(ValueError, match=r"min = 3.0 is above max = 1.0"):
        FigureLimits("a", min=3, max=1)
    # kept in the order of the figures, whatever order they were given in
    spec = tiny_spec(limits={"b": LIMITS["b"], "a": LIMITS["a"]})
    assert list(spec.limits) == ["a", "b"]


def test_editing_limits_re_judges_without_re_simulating(tmp_path):
    path = write_spec(tmp_path / "s.toml")
    spec = sweep.load_spec(path)
    assert spec.limits["y"] == FigureLimits("y", max=0.9, unit="V", note="the low supply only")
    out = tmp_path / "o"
    res = sweep.run_sweep(spec, out, workers=0, progress=False, plots=False)
    assert (res.ran, res.ok, res.failed) == (8, 7, 1)
    # sample 0 failed; y = vdd: the 4 samples at 0.81 V pass, the 4 at 0.99 V do not
    assert json.loads(res.summary_path.read_text())["yield"] == 3 / 8

    unlimited = sweep.load_spec(write_spec(tmp_path / "none.toml", limits=""))
    wider = sweep.load_spec(write_spec(tmp_path / "w.toml", limits="[limits.y]\nmax = 1.0\n"))
    assert spec.fingerprint() == unlimited.fingerprint() == wider.fingerprint()
    again = sweep.run_sweep(wider, out, workers=0, progress=False, plots=False)
    assert (again.ran, again.skipped) == (0, 8)  # resumed: nothing simulated again
    assert json.loads(again.summary_path.read_text())["yield"] == 7 / 8
    # what does decide the samples still refuses to resume
    other = sweep.load_spec(write_spec(tmp_path / "e.toml", evaluate=f"{__name__}:other"))
    assert other.fingerprint() != spec.fingerprint()


def test_the_default_spec_limits_the_heat_memory_around_rth_cth():
    spec = sweep.load_spec(sweep.DEFAULT_SPEC)
    assert set(spec.limits) <= set(spec.figures)
    if "heat_tau_s" in spec.limits:
        lim = spec.limits["heat_tau_s"]
        nominal = load_device().params
        assert lim.min < nominal.rth * nominal.cth < lim.max
        assert lim.unit == "s" and lim.note
    assert spec.fingerprint() == replace(spec, limits={}).fingerprint()


# ----------------------------------------------------------------------------- command line
def test_printout_without_limits_and_with_typ_only():
    spec = tiny_spec(limits={"c": FigureLimits("c", typ=1.0, unit="J")})
    lines = yield_lines(summarize(tiny_rows(spec), spec, 0.0, 8, 0))
    assert lines[0] == "  limit c: [-inf, inf], typ 1 J: typ only, not judged"
    assert lines[-1] == "yield 87.5 % (7 of 8 samples meet spec): FAIL (1 of 4 corners below 95 %)"
    spec = tiny_spec(limits={})
    lines = yield_lines(summarize(tiny_rows(spec), spec, 0.0, 8, 0))
    assert lines[0] == "  no spec limits: a sample meets spec when it is ok"
    assert "  0 C, 1 V        2     2        2  100.0 %  PASS" in lines


@pytest.mark.slow
def test_command_line_prints_the_yield_by_corner(tmp_path):
    spec = write_spec(tmp_path / "s.toml", evaluate="test_sweep_corners:corner_metrics")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO_ROOT), str(TESTS_DIR)]))
    res = subprocess.run(
        [sys.executable, "-m", "pyspice_flows.sweep", "--spec", str(spec), "--out", "o"]
        + ["--workers", "0", "--no-progress"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert "sweep:   limit y: [-inf, 900 mV]: 3 of 8 samples inside: FAIL" in lines
    rows = {
        ln.split("  ")[1].strip(): ln.split()
        for ln in lines
        if " C, 0." in ln and "datasheet" not in ln
    }
    # corner: n, ok, in spec, yield, verdict (sample 0 of the first corner failed)
    assert rows["0 C, 0.81 V"][-6:] == ["2", "1", "1", "50.0", "%", "FAIL"]
    assert rows["85 C, 0.81 V"][-6:] == ["2", "2", "2", "100.0", "%", "PASS"]
    assert rows["0 C, 0.99 V"][-6:] == ["2", "2", "0", "0.0", "%", "FAIL"]
    assert "sweep: yield 37.5 % (3 of 8 samples meet spec): FAIL (3 of 4 corners below 95 %)" in (
        lines
    )
    # the datasheet per corner names the failing limit (y above 0.9 V at 0.99 V)
    assert "sweep: datasheet, corner 0 C, 0.99 V (n = 2, 2 ok): FAIL" in lines
    assert lines.count("sweep:   fails y max 900 mV: 2 of 2 samples outside") == 2
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert yield_lines(summary)[-1] in res.stdout
    assert [c["yield"] for c in summary["corners"]] == [0.5, 1.0, 0.0, 0.0]
    assert (tmp_path / "o" / "yield_by_corner.png").stat().st_size > 0
    assert any(ln.startswith("sweep: wrote") and ln.endswith("yield_by_corner.png") for ln in lines)


# ----------------------------------------------------------------------------- window
def test_the_window_per_corner_by_hand():
    # fires = a (each sample's lowest firing input), silent = c (its highest silent one)
    spec = tiny_spec(window={"fires": "a", "silent": "b"})
    rows = tiny_rows(spec)
    c = summarize(rows, spec, 1.0, 8, 0)["corners"]
    # corner (273.15, 0.8): samples 0 (a 1.5, b 5) and 4 (a 1.2, b nan): b missing -> None
    assert c[0]["window"] == {
        "lowest_firing": 1.5,
        "highest_silent": None,
        "fires_figure": "a",
        "silent_figure": "b",
    }
    # corner (358.15, 0.8): samples 1 (2.5, 5) and 5 (1.8, -3): fires all at >= 2.5,
    # silent all at <= -3
    assert (c[1]["window"]["lowest_firing"], c[1]["window"]["highest_silent"]) == (2.5, -3.0)
    # corner (358.15, 1.0): sample 3 failed, only 7 (1.1, 11) is ok
    assert (c[3]["window"]["lowest_firing"], c[3]["window"]["highest_silent"]) == (1.1, 11.0)
    assert (
        tiny_spec().corners()
        and summarize(rows, tiny_spec(), 1.0, 8, 0)["corners"][0]["window"] is None
    )
    # a window's figures are checked, and it does not change the sweep's identity
    with pytest.raises(ValueError, match=r"\[window\]: silent = 'q' must name one of"):
        tiny_spec(window={"fires": "a", "silent": "q"})
    with pytest.raises(ValueError, match=r"\[window\]"):
        tiny_spec(window={"fires": "a", "silent": "b", "both": "c"})
    assert spec.fingerprint() == tiny_spec().fingerprint()


def test_the_default_spec_reports_the_firing_window():
    spec = sweep.load_spec(sweep.DEFAULT_SPEC)
    assert spec.window == {"fires": "firing_threshold_a", "silent": "highest_silent_a"}
