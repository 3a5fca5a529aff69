"""The neuron v4 rows of ``ipnet compare`` (area_energy.report.compare_v4): the window and
the memory judged against the v4 sweep's spec limits, read here straight from the TOML."""

import tomllib

import pytest

from area_energy.report import compare_v4
from pyspice_flows.sweep.spec import SPECS_DIR

SLOT = 45.4e-9


@pytest.fixture(scope="module")
def toml_limits() -> dict:
    """The spec file's [limits.*] tables as the file writes them (not through the loader)."""
    with open(SPECS_DIR / "ipnet_v4.toml", "rb") as fh:
        return tomllib.load(fh)["limits"]


def _inside(lim: dict) -> float:
    """A value every limit of ``lim`` admits."""
    if "min" in lim and "max" in lim:
        return (lim["min"] + lim["max"]) / 2
    return lim["min"] * 1.5 if "min" in lim else lim["max"] / 2


def test_limits_are_the_spec_files(toml_limits):
    for name in ("p_rested", "gain_1_slot", "gain_3_slots", "p_fire_strong", "p_fire_weak"):
        lim = compare_v4.spec_limits()[name]
        assert (lim.min, lim.max) == (toml_limits[name].get("min"), toml_limits[name].get("max"))
    assert compare_v4.limit_text("p_fire_weak") == f"<= {toml_limits['p_fire_weak']['max']:g}"


def test_failing_limit_is_named(toml_limits):
    good = {k: _inside(v) for k, v in toml_limits.items()}
    res = compare_v4.judged(good)
    assert res["window_failing"] == [] and res["memory_failing"] == []
    weak = dict(good, p_fire_weak=toml_limits["p_fire_weak"]["max"] + 0.05)
    res = compare_v4.judged(weak)
    assert res["window_failing"] == ["p_fire_weak"] and res["memory_failing"] == []
    assert not res["checks"]["p_fire_weak"]["ok"] and res["checks"]["p_fire_strong"]["ok"]
    no_memory = dict(good, gain_3_slots=None, gain_1_slot=toml_limits["gain_1_slot"]["min"] * 0.9)
    res = compare_v4.judged(no_memory)
    assert res["memory_failing"] == ["gain_1_slot", "gain_3_slots"]
    assert res["window_failing"] == []


def _column(p_weak: float, p_strong: float, slot_J: float = 2.5e-12) -> dict:
    """A column's v4 figures as v4_figures returns them (hand-made numbers)."""
    memory = {
        "gain_by_lag": [2.5, 1.8, 1.3, 1.05],
        "lags_s": [SLOT, 2 * SLOT, 3 * SLOT, 5 * SLOT],
        "tau_s": 60e-9,
        "gain_at_3_intervals": 1.3,
        "ablation_ratio": 0.01,
        "p_rested": 0.07,
        "input_interval_s": SLOT,
    }
    probs = {0.6: p_weak, 1.0: 0.07, 1.6: 0.5, 2.4: p_strong}
    curve = [
        {"ambient_k": 300.15, "vdd_v": 0.9, "weight": w, "write_current_ic0": 0.7 * w, "p_fire": p}
        for w, p in probs.items()
    ]
    values = {
        "p_rested": 0.07,
        "gain_1_slot": 2.5,
        "gain_3_slots": 1.3,
        "p_fire_strong": p_strong,
        "p_fire_weak": p_weak,
    }
    v4 = {
        "design": "ipnet_v4",
        "supply_V": 0.9,
        "area_um2": 1.9512,
        "area_um2_per_neuron_amortized": 1.9634,
        "array_neurons": 256,
        "transistors": 20,
        "energy": {
            "input_slot_J": slot_J,
            "junction_J": 1.5e-12,
            "energy_per_spike_J": slot_J / 0.5,
            "energy_floor_J": 3e-12,
            "p_fire_per_slot_standard": 0.5,
            "idle_slot_J": 1e-15,
            "peak_rise_k": 80.0,
        },
        "memory": memory,
        "transfer_curve": curve,
        "window": {"p_fire_weak": p_weak, "p_fire_strong": p_strong},
        "spec": compare_v4.judged(values),
    }
    return {"figures": {"v4": v4}}


def test_rows_show_curve_window_and_verdicts():
    rows = compare_v4.v4_rows([_column(0.01, 0.95), _column(0.2, 0.5, slot_J=3.1e-12)])
    by_label = {r[0]: r[1:] for r in rows}
    assert all(len(r) == 3 for r in rows)
    assert by_label["v4 energy per input slot (rested neuron)"] == ["2.5 pJ", "3.1 pJ"]
    assert by_label["v4 energy per output spike (an input every slot)"] == ["5 pJ", "6.2 pJ"]
    assert by_label["v4 area, the neuron's own devices"] == ["1.951 um^2"] * 2
    assert by_label["v4 area per neuron, bias generator amortized over 256"] == ["1.963 um^2"] * 2
    assert by_label["v4 memory: gain at 2 slots"] == ["1.8", "1.8"]
    assert by_label["v4 memory: gain at 5 slots"] == ["1.05", "1.05"]
    assert by_label["v4 transfer: P(fire) at weight 1.6"] == ["0.5", "0.5"]
    assert by_label["v4 memory: gain at 1 slot (spec >= 2)"] == ["2.5", "2.5"]
    assert by_label["v4 memory: fitted decay of the gain's excess"] == ["60 ns", "60 ns"]
    window = by_label["v4 window against ipnet_v4.toml"]
    assert window == ["pass", "fail: p_fire_strong, p_fire_weak"]
    assert by_label["v4 memory against ipnet_v4.toml"] == ["pass", "pass"]
    weak = next(v for k, v in by_label.items() if k.startswith("v4 window: weak"))
    assert weak == ["0.01", "0.2"]


def test_gain_at_reads_the_lag_by_slot():
    memory = _column(0.01, 0.95)["figures"]["v4"]["memory"]
    assert compare_v4._gain_at(memory, 1) == 2.5
    assert compare_v4._gain_at(memory, 5) == 1.05
    assert compare_v4._gain_at(memory, 4) is None
