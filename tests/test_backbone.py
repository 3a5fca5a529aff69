"""Memory variants at one layer of one backbone: op counts, powers and ratios by hand."""

import math
import tomllib

import pytest

from area_energy.costs.backbone import (
    DEFAULT_BACKBONE_PATH,
    Backbone,
    Layer,
    cnn3d_layer_ops,
    ipnet_layer_power_w,
    layer_memory,
    load_backbone,
    lstm_layer_ops,
    memory_by_layer,
    place_memory,
)
from area_energy.costs.backbone_sensitivity import factor_to_reach, sensitivity_at_layer
from area_energy.costs.energy_table import DEFAULT_ENERGY_PATH, load_energy_table

with DEFAULT_ENERGY_PATH.open("rb") as _f:
    ENERGY = tomllib.load(_f)


def pj(entry):
    return ENERGY[entry]["value_pj"] * 1e-12


def rel(value):
    return pytest.approx(value, rel=1e-9)


MAP = Layer("tiny map", "map", height=2, width=3, channels=2, kernel=3)  # N = 12
VEC = Layer("tiny vector", "vector", height=1, width=1, channels=5, kernel=1)  # N = 5


def tiny(**kw) -> Backbone:
    base = {
        "name": "tiny",
        "source": "https://example.org/tiny",
        "layers": (MAP, VEC),
        "memory_layer": 0,
        "time_step_s": 1e-3,
        "frames": 4,
        "kernel_t": 2,
        "bits": 16,
        "activity_per_step": 0.5,
        "max_sram_bytes": 1048576,
    }
    base.update(kw)
    return Backbone(**base)


def test_lstm_op_counts_by_hand():
    # ConvLSTM, N = 2*3*2 = 12, C = 2, k = 3: recurrent 4 gates x 12 outputs x 2 inputs x 9
    # taps = 864 MACs; weights 4 x 2 x 2 x 9 = 144; cell 24 mult + 12 add; state 24 + 24.
    assert lstm_layer_ops(MAP) == {
        "recurrent_mult": 864,
        "recurrent_add": 864,
        "recurrent_weight_read": 144,
        "cell_update_mult": 24,
        "cell_update_add": 12,
        "state_read": 24,
        "state_write": 24,
        "total": 864 * 2 + 144 + 24 + 12 + 24 + 24,
    }
    # LSTM on 5 features: 4 x 5 x 5 = 100 MACs and weights; cell 10 + 5; state 10 + 10.
    ops = lstm_layer_ops(VEC)
    assert (ops["recurrent_mult"], ops["recurrent_weight_read"], ops["state_write"]) == (
        100,
        100,
        10,
    )


def test_cnn3d_op_counts_by_hand():
    # T = 4 frames, kt = 2: buffer 12 written, 48 read; T_out = 3 positions x 6 pixels x
    # 2 out x 2 in x (kt - 1) = 1 past tap x 9 spatial = 648 temporal MACs; 2x2x1x9 = 36 weights.
    assert cnn3d_layer_ops(MAP, tiny()) == {
        "buffer_write": 12,
        "buffer_read": 48,
        "temporal_mult": 648,
        "temporal_add": 648,
        "temporal_weight_read": 36,
        "total": 12 + 48 + 648 * 2 + 36,
    }
    ops = cnn3d_layer_ops(VEC, tiny())
    assert (ops["buffer_read"], ops["temporal_mult"], ops["temporal_weight_read"]) == (20, 75, 25)


def test_ipnet_power_by_hand():
    # 0.5 x 12 = 6 writes per 1 ms step at 20 fJ = 120 nW
    assert ipnet_layer_power_w(MAP, tiny(), 20e-15) == rel(6 * 20e-15 / 1e-3)
    with pytest.raises(ValueError, match="write_energy_j = -1e-15 is not allowed"):
        ipnet_layer_power_w(MAP, tiny(), -1e-15)


def test_powers_by_hand_with_the_linear_rule():
    # Horowitz 45 nm as published: every small memory in the 1 MB SRAM kind, no leakage.
    table = load_energy_table(scale_to_28nm=False)
    m = layer_memory(0, tiny(), table, 20e-15)
    mult, add = pj("int16_mult"), pj("int16_add")
    sram = pj("sram_1mb_read_64b") * 16 / 64
    lstm = 864 * (mult + add) + 144 * sram + 24 * mult + 12 * add + 48 * sram
    cnn = 60 * sram + 648 * (mult + add) + 36 * sram
    assert m.lstm_w == rel(lstm / 1e-3)
    assert m.cnn3d_w == rel(cnn / 1e-3)
    assert m.lstm_over_ipnet == rel(lstm / (6 * 20e-15))
    assert m.cnn3d_over_ipnet == rel(cnn / (6 * 20e-15))


def test_ratios_do_not_depend_on_the_time_step_at_fixed_activity():
    for table in (load_energy_table(sram_path=None), load_energy_table(scale_to_28nm=False)):
        a = layer_memory(0, tiny(time_step_s=1e-3), table, 20e-15)
        b = layer_memory(0, tiny(time_step_s=37e-3), table, 20e-15)
        assert b.lstm_over_ipnet == rel(a.lstm_over_ipnet)
        assert b.cnn3d_over_ipnet == rel(a.cnn3d_over_ipnet)
    # With CACTI SRAMs the leakage is a power: only it stays when the step grows.
    table = load_energy_table()
    a = layer_memory(0, tiny(time_step_s=1e-3), table, 20e-15)
    b = layer_memory(0, tiny(time_step_s=10e-3), table, 20e-15)
    leak = a.lstm["sram_leakage"]
    assert leak > 0 and b.lstm["sram_leakage"] == rel(leak)
    expected = ((a.lstm_w - leak) / 10 + leak) / (a.ipnet_w / 10)
    assert b.lstm_over_ipnet == rel(expected)


def test_placement_smallest_sram_that_holds_it_else_dram():
    table = load_energy_table()
    bb = tiny()
    one_mib_words = 1048576 * 8 // 16
    assert place_memory(one_mib_words, bb, table) == ("sram", 1048576, 1048576)
    assert place_memory(one_mib_words + 1, bb, table).kind == "dram"
    assert place_memory(100, bb, table) == ("sram", 8192, 200)
    assert place_memory(5000, bb, table) == ("sram", 32768, 10000)
    assert place_memory(100, tiny(max_sram_bytes=0), table).kind == "dram"


def test_every_layer_is_computed_and_default_backbone_is_the_published_network():
    bb = load_backbone()
    assert [(la.height, la.width, la.channels) for la in bb.layers[:3]] == [
        (128, 128, 2),
        (128, 128, 128),
        (64, 64, 128),
    ]
    assert [la.channels for la in bb.layers[-2:]] == [512, 110]
    assert bb.layer.elements == 128 * 128 * 2
    layers = memory_by_layer(bb, load_energy_table(), 20e-15)
    assert [m.index for m in layers] == list(range(len(bb.layers)))
    for m in layers:
        assert 0 < m.ipnet_w < m.lstm_w and m.ipnet_w < m.cnn3d_w
        d = m.to_dict()
        assert d["lstm_over_ipnet"] == rel(d["lstm_W"] / d["ipnet_W"])


def test_sensitivity_rows_move_as_physics_says():
    bb, table = tiny(), load_energy_table()
    rows = {r.parameter: r for r in sensitivity_at_layer(0, bb, table, 20e-15, 10e-15)}
    base = layer_memory(0, bb, table, 20e-15)
    act = rows["activity_per_step"]
    assert act.lstm_low == rel(2 * base.lstm_over_ipnet)  # half the writes: twice the ratio
    assert rows["frames"].cnn3d_low < base.cnn3d_over_ipnet < rows["frames"].cnn3d_high
    assert rows["frames"].lstm_low == rel(base.lstm_over_ipnet)  # LSTM has no clip
    assert rows["sram_cell_type"].lstm_high > rows["sram_cell_type"].lstm_low  # HP leaks
    heat = rows["ipnet_write_energy"]
    assert heat.lstm_high == rel(2 * base.lstm_over_ipnet)


def test_factor_to_reach_finds_the_crossing():
    assert factor_to_reach(lambda f: 100 * f, 250) == pytest.approx(2.5, rel=1e-6)
    assert factor_to_reach(lambda f: 100 / f, 25) == pytest.approx(4.0, rel=1e-6)
    assert factor_to_reach(lambda f: 100.0, 250) is None
    with pytest.raises(ValueError, match="target"):
        factor_to_reach(lambda f: f, math.nan)


def _bad_copy(tmp_path, old, new):
    text = DEFAULT_BACKBONE_PATH.read_text()
    assert old in text
    path = tmp_path / "backbone.toml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "value = 1.0\n",
            "value = 1.5\n",
            "activity_per_step = 1.5 is not allowed (allowed: 1e-09 to 1)",
        ),
        ("value = 1e-3", "value = nan", "time_step_s = nan is not allowed"),
        ("value = 1e-3", "value = -1e-3", "time_step_s = -0.001 is not allowed"),
        ("value = 16\n", "value = 2\n", "frames = 2 is not allowed (allowed: an integer from 3"),
        ("channels = 2\n", "channels = -2\n", "channels = -2 is not allowed"),
        ('kind = "map"\nheight', 'kind = "cube"\nheight', "kind = 'cube' is not allowed"),
    ],
)
def test_bad_backbone_data_is_refused_naming_file_key_value_range(tmp_path, old, new, expected):
    path = _bad_copy(tmp_path, old, new)
    with pytest.raises(ValueError) as err:
        load_backbone(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


def test_backbone_entries_need_a_source(tmp_path):
    text = DEFAULT_BACKBONE_PATH.read_text()
    with DEFAULT_BACKBONE_PATH.open("rb") as f:
        data = tomllib.load(f)
    for key, entry in data.items():
        if isinstance(entry, dict):
            assert entry.get("source", "").startswith("https://"), key
    assert all(layer["source"].startswith("https://") for layer in data["layer"])
    path = tmp_path / "b.toml"
    path.write_text(text.replace('source = "https://arxiv.org/abs/1412.0767"', 'source = ""', 1))
    with pytest.raises(ValueError, match=r"\[frames\] has no source"):
        load_backbone(path)
