"""Working-memory protocols: the command line as a process (--quick), its controls, the
physics of its fits, and the pure helpers (plan, fits, crossing) without a simulation."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from inprocess_cli import run_in_process

from circuits.ipnet_neuron import IpnetParams
from circuits.paths import REPO_ROOT
from pyspice_flows.experiments.working_memory import protocols as wm

TIMING = {"normal": (33.9e-9, 12), wm.NO_HEAT: (33.8e-9, 12)}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """``python -m pyspice_flows.experiments.working_memory --quick`` once, as a user runs it."""
    out = tmp_path_factory.mktemp("wm") / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pyspice_flows.experiments.working_memory",
            "--quick",
            "--out",
            str(out),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, json.loads((out / "summary.json").read_text()), proc.stdout


@pytest.mark.slow
def test_command_writes_every_file_and_the_summary_keys(run):
    out, s, stdout = run
    for name in ("recency", "free_recall", "interference"):
        assert (out / f"{name}.csv").read_text().count("\n") > 2
        assert (out / f"{name}.png").read_bytes().startswith(b"\x89PNG")
    page = (out / "report.md").read_text()
    assert all(f"({n}.png)" in page for n in ("recency", "free_recall", "interference"))
    assert not list(out.parent.glob(f".{out.name}.partial-*"))  # staging removed
    assert s["recency"]["tau_s"] > 0
    assert len(s["free_recall"]["by_position"]) == wm.LIST_LENGTH
    assert "pitch_10pct_m" in s["interference"]
    for key in ("recency", "free_recall", "interference"):
        assert "control_no_coupling" in s[key]
    assert "control_no_heat" in s["recency"] and "control_no_heat" in s["free_recall"]
    assert "recency tau" in stdout and "interference below 10 %" in stdout


@pytest.mark.slow
def test_no_coupling_means_no_interference(run):
    it = run[1]["interference"]
    ctrl = it["control_no_coupling"]
    own = ctrl["by_pitch"][0]["own_rise_K"]  # ~6 K
    # what is left is numerical: the other neuron's events move the time steps, and with
    # them the victim's reset end by ps (a few mK of its decaying trace)
    assert ctrl["max_abs_crosstalk_rise_K"] < 1e-3 * own
    assert ctrl["max_abs_ratio"] < 0.01
    assert ctrl["pitch_10pct_m"] is None


@pytest.mark.slow
def test_interference_falls_with_pitch_and_crosses_the_budget(run):
    it = run[1]["interference"]
    rows = it["by_pitch"]
    rise = [r["ratio_rise"] for r in rows]
    assert all(a > b for a, b in zip(rise, rise[1:]))
    assert rise[0] > wm.CROSSTALK_BUDGET > rise[-1]
    assert all(r["neighbour_fired"] for r in rows)
    lo, hi = rows[0]["pitch_m"], rows[-1]["pitch_m"]
    assert lo < it["pitch_10pct_rise_m"] < hi
    assert it["pitch_10pct_m"] is not None and lo < it["pitch_10pct_m"] < hi


@pytest.mark.slow
def test_no_heat_means_no_recency_advantage(run):
    rec, fr = run[1]["recency"], run[1]["free_recall"]
    assert rec["control_no_heat"]["advantage_ratio_to_normal"] < 0.1
    assert max(rec["control_no_heat"]["rise_K"]) < 0.01 * max(rec["rise_K"])
    best = max(t["advantage_s"] for t in fr["by_position"])
    assert all(abs(t["advantage_s"]) < 0.1 * best for t in fr["control_no_heat"]["by_position"])
    assert all(t["recalled_fraction"] == 0 for t in fr["control_no_heat"]["by_position"])


@pytest.mark.slow
def test_uncoupled_trace_decays_with_the_junctions_rth_cth(run):
    """Without neighbours the memory trace is the junction's own: rise ~ exp(-lag/rth*cth)."""
    tau_th = IpnetParams().mtj().tau_th_s
    rec = run[1]["recency"]
    assert rec["control_no_coupling"]["tau_rise_s"] == pytest.approx(tau_th, rel=0.15)
    assert rec["control_no_coupling"]["tau_s"] == pytest.approx(tau_th, rel=0.3)
    # coupled neighbours hold each other's heat: the array remembers at least as long
    assert rec["tau_rise_s"] >= rec["control_no_coupling"]["tau_rise_s"]
    adv = rec["advantage_s"]
    assert all(a > b for a, b in zip(adv, adv[1:]))  # sorted by lag: recency


@pytest.mark.slow
def test_free_recall_shows_recency(run):
    fr = run[1]["free_recall"]
    adv = [t["advantage_s"] for t in fr["by_position"]]
    assert fr["recency"] and adv[-1] > adv[0]
    assert fr["primacy"] == (adv[0] > adv[1])


def test_plan_is_seeded_and_deterministic():
    a = wm.plan(TIMING, quick=False, seed=3)
    b = wm.plan(TIMING, quick=False, seed=3)
    c = wm.plan(TIMING, quick=False, seed=4)
    assert a == b and a != c
    lags = sorted(x for v in a.recency["trials"].values() for x in v)
    per = len(wm.CONDITIONS)
    assert lags == sorted(list(wm.RECENCY_LAGS_S) * per)
    assert all(t.items == () or min(i.reset_end_s for i in t.items) > 0 for t in a.trials)


def test_fit_decay_and_crossing_on_known_curves():
    lags = np.linspace(0.5e-9, 3e-9, 6)
    fit = wm.fit_decay(lags, 80e-12 * np.exp(-lags / 1.2e-9))
    assert fit["tau_s"] == pytest.approx(1.2e-9, rel=1e-9)
    assert wm.fit_decay(lags[:2], [1, 0.5])["tau_s"] is None
    pitches = [1e-6, 2e-6, 4e-6]
    # ratio 0.2 -> 0.05 between 1 and 2 um: crossing at 0.1 = 1/3 of the way in log
    x = wm.crossing_pitch(pitches, [0.4, 0.2, 0.05])
    f = (0.2 - 0.1) / (0.2 - 0.05)
    assert x == pytest.approx(math.exp(math.log(2e-6) + f * math.log(2)), rel=1e-12)
    assert wm.crossing_pitch(pitches, [0.05, 0.04, 0.01]) is None
    assert wm.crossing_pitch(pitches, [0.5, 0.4, 0.3]) is None


def test_command_line_refuses_bad_arguments(tmp_path, capsys):
    res = run_in_process(wm.main, ["--workers", "-1"], capsys, cwd=tmp_path)
    assert res.code == 2 and "--workers '-1'" in res.stderr and "allowed" in res.stderr
    res = run_in_process(wm.main, ["--help"], capsys, cwd=tmp_path)
    assert res.code == 0 and "--quick" in res.stdout
    assert not list(tmp_path.iterdir())


def test_a_run_without_a_single_finite_latency_is_not_published(tmp_path):
    """A neuron that never fired gives no result: publish refuses, and nothing appears."""
    from pyspice_flows.experiments.working_memory import output

    nan = float("nan")
    recency = {"rows": [("normal", 0, 0, 1e-9, nan, nan, nan, 0.0)], "summary": {}}
    free_recall = {"rows": [("normal", 0, 1, 0, 1e-9, nan, nan, 0.0)], "summary": {}}
    with pytest.raises(ValueError, match="recency protocol measured no finite latency"):
        output.publish(tmp_path / "wm", recency, free_recall, {"rows": [], "summary": {}}, {})
    assert not (tmp_path / "wm").exists()


def test_arrays_of_16_neurons_or_more_start_tiled_the_protocols_own_do_not():
    """The array benchmarks' size rule: a 4 x 4 trial gets one neuron's rest point as
    ``.nodeset`` on every neuron (instead of each latch's own card); the protocols' 2 x 2
    trial is unchanged."""
    from dataclasses import replace

    from circuits.ipnet_array import build_ipnet_array
    from pyspice_flows.experiments.working_memory import trials

    t = wm.plan(TIMING, quick=True).trials[0]
    small = trials.trial_array(t)
    assert (t.rows, t.cols) == (2, 2) and trials.with_start(small) is small
    big = trials.with_start(trials.trial_array(replace(t, rows=4, cols=4)))
    cards = [ln for ln in str(build_ipnet_array(big)).splitlines() if ln.startswith(".nodeset")]
    assert len(cards) == 1 + 16 and cards[0].startswith(".nodeset v(xb.")
    for k in range(1, 17):
        got = dict(x.split("=") for x in cards[k].split()[1:])
        assert {f"v(out{k})", f"v(th{k})", f"v(x{k}.q)", f"v(x{k}.qb)"} <= got.keys()
        # the latch at rest as the neuron's own card sets it: q low, qb at the supply
        assert abs(float(got[f"v(x{k}.q)"])) < 0.01
        assert float(got[f"v(x{k}.qb)"]) == pytest.approx(big.neuron.vdd_v, abs=0.01)
