"""Memory-cost models of the LSTM and parallel 3D-CNN baselines: counts and energies by hand.

Energies are taken from the raw numbers of ``energy_ops_28nm.toml`` (read with tomllib),
so these tests check memory_cost.py's arithmetic, not its own table reading.
"""

import dataclasses
import math
import tomllib

import pytest

from area_energy.costs.energy_table import DEFAULT_ENERGY_PATH, DEFAULT_SRAM_PATH, load_energy_table
from area_energy.costs.memory_cost import (
    Cnn3dMemoryConfig,
    LstmMemoryConfig,
    cnn3d_memory_ops,
    cnn3d_memory_power_w,
    lstm_memory_ops,
    lstm_memory_power_w,
    sensitivity,
)

with DEFAULT_ENERGY_PATH.open("rb") as _f:
    TABLE = tomllib.load(_f)

PJ = 1e-12


def pj(entry, key="value_pj"):
    return TABLE[entry][key] * PJ


def scale_factor_by_hand():
    ns = TABLE["node_scaling"]
    v = ns["supply_v"]

    def e(c):
        return c[0] * v * v + c[1] * v + c[2]

    e28 = e(ns["hp32"]) + (28 - 32) / (20 - 32) * (e(ns["hp20"]) - e(ns["hp32"]))
    return e28 / e(ns["hp45"])


def rel(value):
    return pytest.approx(value, rel=1e-9)


def test_every_energy_entry_has_a_source():
    for name, entry in TABLE.items():
        assert entry.get("source", "").startswith("http"), name
        assert entry.get("note"), name
    assert TABLE["dram_read_64b"]["scales"] is False


def test_scale_factor_is_stillmaker_baas_045_to_028():
    table = load_energy_table()
    assert table.scale_factor == rel(scale_factor_by_hand())
    # Documented value: E28/E45 = 0.532 (not 0.37, which is E28 itself).
    assert table.scale_factor == pytest.approx(0.532, abs=0.001)


def test_lstm_op_count_by_hand():
    cfg = LstmMemoryConfig(inputs=2, hidden_units=3)
    ops = lstm_memory_ops(cfg)
    # H = 3.  Recurrent U h: 4 gates x 3 x 3 = 36 multiplies, 36 adds, 36 weight reads.
    # Cell update c = f*c + i*g: 2 x 3 = 6 multiplies, 3 adds.  h and c read and written.
    assert ops == {
        "recurrent_mult": 36,
        "recurrent_add": 36,
        "recurrent_weight_read": 36,
        "cell_update_mult": 6,
        "cell_update_add": 3,
        "state_read": 6,
        "state_write": 6,
        "total": 36 * 3 + 6 + 3 + 6 + 6,
    }
    # The input projection is not memory: the number of inputs changes nothing.
    assert lstm_memory_ops(dataclasses.replace(cfg, inputs=1000)) == ops


def test_lstm_power_is_ops_times_energy_over_time_step():
    cfg = LstmMemoryConfig(
        inputs=2,
        hidden_units=3,
        bits=16,
        time_step_s=1e-3,
        state_memory="sram_8kb",
        weight_memory="sram_1mb",
        arithmetic="int",
    )
    mult, add = pj("int16_mult"), pj("int16_add")
    weight = pj("sram_1mb_read_64b") * 16 / 64
    state = pj("sram_8kb_read_64b") * 16 / 64
    energy = 36 * mult + 36 * add + 36 * weight + 6 * mult + 3 * add + 6 * state + 6 * state
    power = lstm_memory_power_w(cfg, load_energy_table(scale_to_28nm=False))
    assert power["total"] == rel(energy / 1e-3)
    assert power["recurrent_weight_read"] == rel(36 * weight / 1e-3)
    assert power["total"] == rel(sum(v for k, v in power.items() if k != "total"))
    # Halving the time step doubles the power.
    faster = lstm_memory_power_w(
        dataclasses.replace(cfg, time_step_s=0.5e-3), load_energy_table(scale_to_28nm=False)
    )
    assert faster["total"] == rel(2 * power["total"])


def test_scaling_flag_changes_result_by_documented_factor():
    factor = scale_factor_by_hand()
    lstm = LstmMemoryConfig()  # SRAM and logic only: everything scales (linear SRAM rule)
    p45 = lstm_memory_power_w(lstm, load_energy_table(scale_to_28nm=False))["total"]
    p28 = lstm_memory_power_w(lstm, load_energy_table(sram_path=None))["total"]
    assert p28 == rel(factor * p45)
    # 3D-CNN with a DRAM frame buffer: the DRAM part is not scaled.
    cnn = Cnn3dMemoryConfig()
    c45 = cnn3d_memory_power_w(cnn, load_energy_table(scale_to_28nm=False))
    c28 = cnn3d_memory_power_w(cnn, load_energy_table(sram_path=None))
    dram = c45["buffer_write"] + c45["buffer_read"]
    assert c28["buffer_read"] == rel(c45["buffer_read"])
    assert c28["total"] == rel(dram + factor * (c45["total"] - dram))


def test_cnn3d_op_count_by_hand():
    cfg = Cnn3dMemoryConfig(
        frame_height=2,
        frame_width=2,
        channels=1,
        frames=3,
        kernel_t=2,
        kernel_h=1,
        kernel_w=1,
        out_channels=1,
        bits=16,
    )
    ops = cnn3d_memory_ops(cfg)
    # Frame = 2 x 2 x 1 = 4 words written; buffer of 3 frames = 12 words read.
    # Clip of 3 frames, kernel_t 2 -> 2 output times x 4 pixels x 1 out channel; each output
    # has 2 taps in time of which 1 exists only because kernel_t > 1: 8 temporal MACs
    # (half of the 16 MACs of the 3D convolution), 1 temporal weight.
    assert ops == {
        "buffer_write": 4,
        "buffer_read": 12,
        "temporal_mult": 8,
        "temporal_add": 8,
        "temporal_weight_read": 1,
        "total": 4 + 12 + 8 + 8 + 1,
    }
    streaming = cnn3d_memory_ops(dataclasses.replace(cfg, recompute_clip=False))
    assert streaming["temporal_mult"] == 4
    # Power by hand for the tiny case, DRAM buffer, 45 nm.
    table = load_energy_table(scale_to_28nm=False)
    dram = pj("dram_read_64b") * 16 / 64
    energy = (
        (4 + 12) * dram
        + 8 * pj("int16_mult")
        + 8 * pj("int16_add")
        + 1 * pj("sram_8kb_read_64b") * 16 / 64
    )
    assert cnn3d_memory_power_w(cfg, table)["total"] == rel(energy / cfg.time_step_s)


def test_default_configs_give_documented_powers():
    table = load_energy_table()
    lstm = lstm_memory_power_w(LstmMemoryConfig(), table)["total"]
    cnn = cnn3d_memory_power_w(Cnn3dMemoryConfig(), table)["total"]
    assert lstm == pytest.approx(1.40e-3, rel=0.01)
    assert cnn == pytest.approx(59.8e-3, rel=0.01)
    # With Horowitz's linear b/64 SRAM rule and no leakage (the former definition):
    linear = load_energy_table(sram_path=None)
    assert lstm_memory_power_w(LstmMemoryConfig(), linear)["total"] == pytest.approx(
        0.90e-3, rel=0.01
    )


@pytest.mark.parametrize(
    ("make", "field", "value"),
    [
        (LstmMemoryConfig, "hidden_units", 0),
        (LstmMemoryConfig, "time_step_s", -1e-3),
        (LstmMemoryConfig, "state_memory", "hbm"),
        (LstmMemoryConfig, "weight_memory", "flash"),
        (LstmMemoryConfig, "bits", 12),
        (LstmMemoryConfig, "arithmetic", "posit"),
        (Cnn3dMemoryConfig, "buffer_memory", "tape"),
        (Cnn3dMemoryConfig, "frame_height", -64),
        (Cnn3dMemoryConfig, "time_step_s", 0.0),
        (Cnn3dMemoryConfig, "time_step_s", math.inf),
    ],
)
def test_bad_input_names_field_value_and_allowed(make, field, value):
    with pytest.raises(ValueError) as err:
        make(**{field: value})
    message = str(err.value)
    assert f"{make.__name__}.{field} = {value!r}" in message
    assert "allowed" in message


def test_frames_shorter_than_temporal_kernel_are_rejected():
    with pytest.raises(ValueError, match=r"frames = 2 .*kernel_t = 3.*allowed: frames >= kernel_t"):
        Cnn3dMemoryConfig(frames=2, kernel_t=3)
    with pytest.raises(ValueError, match=r"8-bit 'fp'.*allowed"):
        load_energy_table().mult_energy_j("fp", 8)


def _row(rows, name):
    return next(r for r in rows if r.parameter == name)


def test_lstm_sensitivity_is_monotonic_where_physics_says_so():
    table = load_energy_table()
    rows = sensitivity(LstmMemoryConfig(), table, ipnet_memory_power_w=1e-6)
    power = lstm_memory_power_w(LstmMemoryConfig(), table)
    base = power["total"] / 1e-6
    leak = power["sram_leakage"] / 1e-6  # a power: it does not scale with the step
    assert leak > 0
    hidden = _row(rows, "hidden_units")
    assert (hidden.low_value, hidden.high_value) == (64, 256)
    assert hidden.ratio_low < base < hidden.ratio_high  # more hidden units -> more power
    bits = _row(rows, "bits")
    assert bits.ratio_low < base < bits.ratio_high
    step = _row(rows, "time_step_s")
    assert step.ratio_low == rel(2 * (base - leak) + leak)
    assert step.ratio_high == rel((base - leak) / 2 + leak)
    inputs = _row(rows, "inputs")
    assert inputs.ratio_low == rel(base) == inputs.ratio_high
    scale = _row(rows, "scale_to_28nm")
    assert scale.ratio_low > scale.ratio_high == rel(base)  # unscaled 45 nm costs more


def test_cnn3d_sensitivity_is_monotonic_where_physics_says_so():
    table = load_energy_table()
    rows = sensitivity(Cnn3dMemoryConfig(), table, ipnet_memory_power_w=1e-6)
    for name in ("frame_height", "frame_width", "channels", "frames", "out_channels", "bits"):
        row = _row(rows, name)
        assert row.ratio_low < row.ratio_high, name
    dram = _row(rows, "dram_read_64b_pj")
    assert (dram.low_value, dram.high_value) == (pytest.approx(1300.0), pytest.approx(2600.0))
    assert dram.ratio_high > dram.ratio_low
    with pytest.raises(ValueError, match="ipnet_memory_power_w"):
        sensitivity(Cnn3dMemoryConfig(), table, ipnet_memory_power_w=0.0)


# --------------------------------------------------------------------------- CACTI SRAM


with DEFAULT_SRAM_PATH.open("rb") as _f:
    CACTI = tomllib.load(_f)


def cacti_run(cell, node, cap, bits):
    return next(
        r
        for r in CACTI["run"]
        if (r["cell_type"], r["node_nm"], r["capacity_bytes"], r["bits"]) == (cell, node, cap, bits)
    )


def test_cacti_table_records_model_version_and_configuration():
    model = CACTI["model"]
    assert model["name"] == "CACTI" and model["version"].startswith("7.0")
    assert model["source"].startswith("https://") and model["reference"].startswith("https://")
    assert model["overrides"]["-cache type"] == '"ram"'
    assert all(r["model"].startswith("CACTI 7.0") for r in CACTI["run"])


def test_sram_access_is_cacti_interpolated_to_28nm_by_hand():
    table = load_energy_table()
    # 28 nm = 32 nm + (28 - 32) / (22 - 32) (22 nm - 32 nm) = 0.6 E32 + 0.4 E22
    r32, r22 = (cacti_run("itrs-lstp", n, 1048576, 16) for n in (32, 22))
    read = (0.6 * r32["read_nj"] + 0.4 * r22["read_nj"]) * 1e-9
    write = (0.6 * r32["write_nj"] + 0.4 * r22["write_nj"]) * 1e-9
    assert table.access_energy_j("sram_1mb", 16) == rel(read)
    assert table.access_energy_j("sram_1mb", 16, write=True) == rel(write)
    l32, l22 = (cacti_run("itrs-lstp", n, 8192, 8) for n in (32, 22))
    leak = 0.6 * (l32["leakage_mw"] + l32["gate_leakage_mw"])
    leak += 0.4 * (l22["leakage_mw"] + l22["gate_leakage_mw"])
    assert table.leakage_power_w("sram_8kb") == rel(leak * 1e-3)
    assert table.leakage_power_w("dram") == 0.0
    # Narrow words: halving 64 -> 32 bits saves far less than half (not the b/64 rule).
    e32, e64 = (table.access_energy_j("sram_1mb", b) for b in (32, 64))
    assert 0.2 < 1 - e32 / e64 < 0.45
    # The linear rule stays available: 45 nm Horowitz as published, or sram_path=None.
    assert load_energy_table(sram_path=None).access_energy_j("sram_1mb", 32) == rel(
        pj("sram_1mb_read_64b") * 32 / 64 * scale_factor_by_hand()
    )


def _write_bad(tmp_path, source, old, new):
    text = source.read_text()
    assert old in text
    bad = tmp_path / source.name
    bad.write_text(text.replace(old, new, 1))
    return bad


@pytest.mark.parametrize("bad", ["-10.0", "nan", "1000000000.0"])
def test_bad_energy_entry_is_refused_naming_file_key_value_range(tmp_path, bad):
    path = _write_bad(tmp_path, DEFAULT_ENERGY_PATH, "value_pj = 10.0", f"value_pj = {bad}")
    with pytest.raises(ValueError) as err:
        load_energy_table(path)
    message = str(err.value)
    assert str(path) in message and "[sram_8kb_read_64b] value_pj" in message
    assert bad in message and "allowed" in message and "pJ" in message


def test_bad_cacti_entry_is_refused_naming_file_key_value_range(tmp_path):
    first = f"read_nj = {cacti_run('itrs-lstp', 32, 8192, 8)['read_nj']!r}"
    path = _write_bad(tmp_path, DEFAULT_SRAM_PATH, first, "read_nj = -0.5")
    with pytest.raises(ValueError) as err:
        load_energy_table(sram_path=path)
    message = str(err.value)
    assert str(path) in message and "read_nj = -0.5" in message and "allowed" in message
    path = _write_bad(tmp_path, DEFAULT_SRAM_PATH, "gate_leakage_mw = ", "gate_leakage_mw = nan #")
    with pytest.raises(ValueError, match=r"gate_leakage_mw = nan .*allowed"):
        load_energy_table(sram_path=path)
