"""``--temp K`` on the commands where the ambient applies beyond the simulating flows
(issue 22 item 5): ``netlists``, ``neuron-v4``, ``switching-probability`` and
``thermal-spec``.  A bad value is refused before any work, naming itself and the allowed
range; a good one reaches every part of the computation (the ensembles, the law and the
macrospin alike), and the outputs state it.  The default leaves every result as it was.
"""

import json

import numpy as np
import pytest
from inprocess_cli import ipnet

from circuits import ipnet_neuron_v4 as v4
from circuits.mtj_device import DEFAULT_DEVICE, load_device
from circuits.scenarios import standard_scenarios
from circuits.write_netlists import render_testbench
from pyspice_flows import measure
from pyspice_flows.experiments import neuron_v4 as nv
from pyspice_flows.experiments import switching_probability as sp
from pyspice_flows.experiments import thermal_spec as ts
from pyspice_flows.metrics.neuron_v4 import NOMINAL_K

COMMANDS = {
    # command -> the default its help names
    "netlists": "no .temp card",
    "neuron-v4": "default: 300;",
    "switching-probability": "default: 300.15)",
    "thermal-spec": "default: 300)",
    "working-memory": "default: 300)",  # it runs at NOMINAL_K, as its help now says
}
WARM_K = 358.15  # 85 C


@pytest.fixture(scope="module")
def dev():
    return load_device(DEFAULT_DEVICE).params


@pytest.mark.parametrize("bad", ["-5", "1e6", "nan", "27"])
@pytest.mark.parametrize("name", COMMANDS)
def test_a_bad_temperature_is_refused_before_any_work(name, bad, tmp_path, capsys):
    res = ipnet(capsys, name, "--temp", bad, "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert res.code == 2, res.stderr
    assert res.stderr.startswith(f"usage: ipnet {name} ")
    line = res.stderr.strip().splitlines()[-1]
    assert line.startswith(f"ipnet {name}: error: argument --temp: temperature '{bad}' K")
    assert "allowed 200 .. 500 K (kelvin, not Celsius" in line
    assert ("as Celsius it would be" in line) == (bad in ("-5", "27"))
    assert res.wall_s < 30
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("name", COMMANDS)
def test_the_help_names_the_option_and_the_default(name, tmp_path, capsys):
    res = ipnet(capsys, name, "--help", cwd=tmp_path)
    assert res.code == 0
    text = " ".join(res.stdout.split())
    assert "--temp K ambient temperature [K]" in text
    assert COMMANDS[name] in text, text


# ----------------------------------------------------------------------------- netlists
def test_netlists_at_a_temperature_carry_a_temp_card_and_nothing_else_changes(tmp_path, capsys):
    out = tmp_path / "nets"
    res = ipnet(capsys, "netlists", "--temp", f"{WARM_K}", "--out", str(out), cwd=tmp_path)
    assert res.code == 0, res.stderr
    for sc in standard_scenarios():
        text = (out / f"{sc.name}.cir").read_text()
        lines = text.splitlines()
        assert lines.count(".temp 85") == 1 and sum(ln.startswith(".temp") for ln in lines) == 1
        note = "* Ambient temperature 358.15 K (85 C): the .temp card below."
        assert lines.count(note) == 1
        assert lines.index(".temp 85") < next(k for k, ln in enumerate(lines) if ln[:5] == ".tran")
        default = render_testbench(sc, measure.LOGIC_THRESHOLD_FRACTION)[0].splitlines()
        assert not any(ln.startswith(".temp") for ln in default)
        assert [ln for ln in lines if ln not in (".temp 85", note)] == default


def test_netlists_refuse_a_design_the_device_cannot_run_at_the_temperature(tmp_path, capsys):
    """Checked as the simulating commands check it: a junction whose Curie point lies below
    the ambient is refused before anything is written, naming the device."""
    device = tmp_path / "cold_curie.toml"
    text = DEFAULT_DEVICE.read_text()
    assert text.count("[params.tc]\nvalue = 1120\n") == 1
    device.write_text(text.replace("[params.tc]\nvalue = 1120\n", "[params.tc]\nvalue = 420\n"))
    out = tmp_path / "nets"
    base = ["netlists", "--device", str(device), "--out", str(out)]
    res = ipnet(capsys, *base, "--temp", "450", cwd=tmp_path)
    assert res.code == 1, res.stderr
    line = res.error_line()
    assert line.startswith(f"ipnet netlists: error: --device {device}") and "tc" in line
    assert not out.exists()


# ----------------------------------------------------------------------------- thermal spec
def test_thermal_spec_fires_more_often_when_warmer(dev):
    inputs = ts.Inputs.of_width(10e-9)
    amp = 0.84 * dev.ic0
    cold = ts.fire_probability(dev, amp, inputs, None, False)
    warm = ts.fire_probability(dev, amp, inputs, None, False, WARM_K)
    assert 0 < cold < warm < 1


@pytest.mark.slow
def test_thermal_spec_runs_at_the_given_ambient_and_says_so(tmp_path, capsys):
    results = {}
    for temp in (None, WARM_K):
        out = tmp_path / f"ts{temp}"
        argv = ["thermal-spec", "--quick", "--out", str(out)]
        res = ipnet(capsys, *argv, *(["--temp", f"{temp}"] if temp else []), cwd=tmp_path)
        assert res.code == 0, res.stderr
        results[temp] = json.loads((out / "thermal_spec.json").read_text())
        assert f"at {temp or ts.AMBIENT_K:g} K ambient" in res.stdout
    assert results[None]["ambient_k"] == ts.AMBIENT_K and results[WARM_K]["ambient_k"] == WARM_K
    # the same rested probability takes a weaker write on a warmer junction
    (cold,), (warm,) = results[None]["rows"], results[WARM_K]["rows"]
    assert warm["write_current_a"] < cold["write_current_a"]


# ----------------------------------------------------------------------------- neuron v4
def _fake_pieces(monkeypatch, seen: dict) -> None:
    """Every simulating piece of ``characterize`` replaced by one that records its ambient."""

    def run_all(tasks, plan):
        seen.setdefault("tasks", []).extend(tasks)
        return [np.zeros((t.copies, t.n_slots), bool) for t in tasks]

    def predicted(p, lags, ambient_k=NOMINAL_K, exact=False):
        seen.setdefault("predicted", []).append(ambient_k)
        gains = [1.0 for _ in lags]
        lags_s = [k * p.slot_s for k in lags]
        return {"reference": "fake", "p_rested": 0.1, "lags_s": lags_s, "gain_by_lag": gains,
                "ablation_gain": 1.0}  # fmt: skip

    def energy(p, ambient_k=NOMINAL_K):
        seen.setdefault("energy", []).append(ambient_k)
        return {"input_slot_J": 1e-12, "idle_slot_J": 1e-15, "bias_generator_per_slot_J": 1e-13,
                "peak_rise_k": 10.0}  # fmt: skip

    monkeypatch.setattr(nv, "_run_all", run_all)
    monkeypatch.setattr(nv, "predicted_memory", predicted)
    monkeypatch.setattr(nv, "slot_energy", energy)


def test_neuron_v4_runs_memory_ablation_and_energy_at_the_plan_ambient(monkeypatch):
    seen: dict = {}
    _fake_pieces(monkeypatch, seen)
    corners = ((nv.CORNERS[0]), (WARM_K, 0.9))
    plan = nv.Plan(trials=3, lags_slots=(1, 3), weights=(1.0,), corners=corners, ambient_k=WARM_K)
    summary = nv.characterize(v4.default_v4_params(), plan)
    assert summary["ambient_k"] == WARM_K and summary["memory"]["ambient_k"] == WARM_K
    assert seen["predicted"] == [WARM_K, WARM_K] and seen["energy"] == [WARM_K]
    curve_seeds = range(plan.first_seed + 100_000, plan.first_seed + 200_000)
    by_kind: dict[str, set[float]] = {}
    for t in seen["tasks"]:
        by_kind.setdefault("curve" if t.seed in curve_seeds else "rest", set()).add(t.ambient_k)
    assert by_kind["rest"] == {WARM_K}  # memory, both ablations, the standard rate
    assert by_kind["curve"] == {c[0] for c in corners}  # the corners keep their temperatures
    assert [r["ambient_k"] for r in summary["transfer_curve"]] == [c[0] for c in corners]
    assert "Ambient 358.15 K (memory, ablation, energy" in nv.report_md(summary)
    with pytest.raises(ValueError, match=r"ambient_k=-1.*allowed a temperature > 0 K"):
        nv.Plan(ambient_k=-1)


@pytest.mark.parametrize(
    "argv, ambient, corners",
    [
        ((), NOMINAL_K, nv.Plan().corners),  # the default: as before
        (("--temp", f"{WARM_K}"), WARM_K, ((WARM_K, 0.9),)),
        (("--temp", f"{WARM_K}", "--corners"), WARM_K, nv.CORNERS),
    ],
)
def test_neuron_v4_temp_reaches_the_plan(argv, ambient, corners, monkeypatch, tmp_path, capsys):
    plans = []

    def characterize(p, plan):
        plans.append(plan)
        raise ValueError("stopped after the plan")

    monkeypatch.setattr(nv, "characterize", characterize)
    res = ipnet(capsys, "neuron-v4", *argv, "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert res.code == 1 and "stopped after the plan" in res.error_line()
    (plan,) = plans
    assert plan.ambient_k == ambient and plan.corners == corners
    assert nv.Plan().ambient_k == NOMINAL_K


# ----------------------------------------------------------------------------- switching
def test_switching_probability_temp_reaches_every_flow(monkeypatch, tmp_path, capsys):
    calls = []

    def run_all(device, out_dir, runs, workers, ambient_k=sp.AMBIENT_K):
        calls.append(ambient_k)
        return []

    monkeypatch.setattr(sp, "run_all", run_all)
    for argv, ambient in (((), sp.AMBIENT_K), (("--temp", f"{WARM_K}"), WARM_K)):
        out = str(tmp_path / "sp")
        res = ipnet(capsys, "switching-probability", *argv, "--out", out, cwd=tmp_path)
        assert res.code == 0, res.stderr
        assert calls[-1] == ambient
        assert f"switching probability at {ambient:g} K ambient" in res.stdout


def test_the_switching_laws_rise_with_the_ambient(dev):
    """The model's law, the exact macrospin and Neel-Brown at the same 5 ns pulse at 0.9 Ic0:
    each switches more often on a warmer junction."""
    cold = sp.analytic_curves(dev, 0.9 * dev.ic0, 5e-9)
    warm = sp.analytic_curves(dev, 0.9 * dev.ic0, 5e-9, WARM_K)
    for key in ("p_model", "p_macrospin", "p_neel_brown"):
        assert 0 < cold[key][0] < warm[key][0] <= 1, key


@pytest.mark.slow
def test_a_warmer_junction_switches_more_often_at_the_same_pulse(dev):
    """40 seeded mtj_stoch runs of one 5 ns pulse at 1.4 Ic0, at 27 C and at 85 C: with the
    same seeds (common random numbers) every run that switches cold also switches warm, and
    more switch warm; the law and the macrospin beside them rise too."""
    pulse = [(1.4 * dev.ic0, 5e-9)]
    rows = {
        temp: sp.probability_sweep(dev, pulse, runs=40, ambient_k=temp, workers=1)
        for temp in (sp.AMBIENT_K, WARM_K)
    }
    cold, warm = rows[sp.AMBIENT_K], rows[WARM_K]
    assert 0.1 < cold["p_sim"][0] < warm["p_sim"][0] < 1.0
    for key in ("p_model", "p_macrospin"):
        assert cold[key][0] < warm[key][0], key
    trials = [sp.Trial(dev, ((0.0, 5e-9, 1.4 * dev.ic0),), ambient_k=t) for t in rows]
    switched = [r.switched for r in sp.run_trials(trials, range(1, 41), workers=1)]
    assert np.all(switched[1] >= switched[0]) and switched[1].sum() > switched[0].sum()
    title = sp.probability_vs_width(dev, 1.4, [5e-9], 40, ambient_k=WARM_K, workers=1).title
    assert title.endswith("358.15 K ambient")
