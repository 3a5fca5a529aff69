"""The data tables' schemas (cost tables, published claims, testbench notes) refuse bad data in one line naming file, key, value and what
is allowed: an unknown key (with the did-you-mean hint), a value out of its range (with
the range), an entry without a source, a wrong type (a bool or a string for a number).

Each case edits one line of the shipped file in a tmp_path copy and calls the loader.
"""

from __future__ import annotations

import pytest

from area_energy.costs.backbone import DEFAULT_BACKBONE_PATH, Backbone, load_backbone
from area_energy.costs.energy_table import DEFAULT_ENERGY_PATH, load_energy_table
from area_energy.costs.rule_deck import DEFAULT_RULES_PATH, load_rule_deck
from area_energy.costs.sram_cacti import DEFAULT_SRAM_PATH, load_sram_table
from area_energy.report.claims import PUBLISHED_PATH, load_published
from circuits.testbench_notes import NOTES_FILE, load_notes

RULES = (DEFAULT_RULES_PATH, load_rule_deck)
ENERGY = (DEFAULT_ENERGY_PATH, lambda p: load_energy_table(p, sram_path=None))
CACTI = (DEFAULT_SRAM_PATH, load_sram_table)
BACKBONE = (DEFAULT_BACKBONE_PATH, load_backbone)
CLAIMS = (PUBLISHED_PATH, load_published)
NOTES = (NOTES_FILE, load_notes)
VDD_NOTE = """['vdd', "logic supply of the neuron", "V"]"""

CPP_SOURCE = (
    'source = "https://en.wikichip.org/wiki/28_nm_lithography_process"\nnote = """Contacted'
)
NODE_SOURCE = 'source = "https://doi.org/10.1016/j.vlsi.2017.02.002"'
FRAMES_SOURCE = 'source = "https://arxiv.org/abs/1412.0767"'
FIRST_RUN = "read_nj = 0.00207575"

CASES = {
    # unknown key, with the hint
    "rules unknown key": (
        RULES,
        "value_m = 117e-9",
        "valu_m = 117e-9",
        ["[cpp]", "'valu_m'", "did you mean 'value_m'?"],
    ),
    "rules unknown table": (
        RULES,
        "\n[cpp]\n",
        "\n[ccp]\n",
        ["'ccp'", "did you mean 'cpp'?"],
    ),
    "energy unknown key": (
        ENERGY,
        "value_pj = 0.03",
        "value_pJ = 0.03",
        ["[int8_add]", "'value_pJ'", "did you mean 'value_pj'?"],
    ),
    "cacti unknown key": (
        CACTI,
        FIRST_RUN,
        "read_energy_nj = 0.00207575",
        ["[[run]] #1", "'read_energy_nj'", "did you mean 'read_nj'?"],
    ),
    "backbone unknown key": (
        BACKBONE,
        "channels = 2\n",
        "chanels = 2\n",
        ["[[layer]] #1", "'chanels'", "did you mean 'channels'?"],
    ),
    "claims unknown key": (
        CLAIMS,
        'unit = "J"',
        'unit = "J"\nsourc = "x"',
        ["[lif_28nm_energy_per_spike_J]", "'sourc'", "did you mean 'source'?"],
    ),
    "notes unknown table": (NOTES, "[roles]", "[role]", ["'role'", "did you mean 'roles'?"]),
    # out of range, with the range
    "rules out of range": (
        RULES,
        "value_m = 117e-9",
        "value_m = 117e-6",
        ["[cpp] value_m = 0.000117", "allowed: 2e-08 to 1e-06 m", "contacted poly pitch"],
    ),
    "rules pitch below the gate": (
        RULES,
        "value_m = 117e-9",
        "value_m = 25e-9",
        ["[cpp] value_m = 2.5e-08", "[gate_length_min] value_m = 3e-08", "allowed"],
    ),
    "energy out of range": (
        ENERGY,
        "supply_v = 0.9",
        "supply_v = 9.0",
        ["[node_scaling] supply_v = 9.0", "allowed: 0.3 to 1.5 V"],
    ),
    "energy dram scaled": (
        ENERGY,
        "scales = false\nestimate = false\nsource",
        "scales = true\nestimate = false\nsource",
        ["[dram_read_64b] scales = True", "allowed: one of False"],
    ),
    "cacti out of range": (
        CACTI,
        FIRST_RUN,
        "read_nj = 2e3",
        ["[[run]] #1 read_nj = 2000.0", "allowed: 1e-06 to 1000 nJ"],
    ),
    "cacti width not whole bytes": (
        CACTI,
        "bits = 8\n",
        "bits = 12\n",
        ["[[run]] #1 bits = 12", "a multiple of 8"],
    ),
    "backbone out of range": (
        BACKBONE,
        "channels = 2\n",
        "channels = 0\n",
        ["[[layer]] #1", "channels = 0", "allowed: an integer from 1 to 1048576"],
    ),
    "backbone memory layer past the last": (
        BACKBONE,
        "value = 0\n",
        "value = 8\n",
        ["memory_layer = 8", "allowed: an integer from 0 to 7"],
    ),
    "claims out of range": (
        CLAIMS,
        "value = 1.61e-15",
        "value = 1.61e-3",
        ["[lif_28nm_energy_per_spike_J] value = 0.00161", "allowed: 1e-18 to 1e-09 J"],
    ),
    "claims wrong unit": (
        CLAIMS,
        'value = 34.0\nunit = "um^2"',
        'value = 34.0\nunit = "mm^2"',
        ["[lif_28nm_area_um2] unit = 'mm^2'", "allowed: one of 'um^2'"],
    ),
    "notes pattern not a regex": (
        NOTES,
        "['clr', ",
        "['clr(', ",
        ["[nodes] top[3][0]: 'clr(' is not a regular expression"],
    ),
    # no source
    "rules no source": (RULES, CPP_SOURCE, 'note = """Contacted', ["[cpp] has no source"]),
    "energy no source": (ENERGY, NODE_SOURCE, 'source = ""', ["[node_scaling] has no source"]),
    "cacti no source": (
        CACTI,
        'source = "https://github.com/HewlettPackard/cacti"',
        'source = ""',
        ["[model] has no source"],
    ),
    "backbone no source": (BACKBONE, FRAMES_SOURCE, 'source = ""', ["[frames] has no source"]),
    "backbone layer no source": (
        BACKBONE,
        'source = "https://doi.org/10.1109/ICCV48922.2021.00266"\nnote = "DVS128',
        'note = "DVS128',
        ["[[layer]] #1 has no source"],
    ),
    "claims no source": (
        CLAIMS,
        'source = "https://arxiv.org/abs/2408.07734: the same',
        'source = " "\nnote = "https://arxiv.org/abs/2408.07734: the same',
        ["[lif_28nm_energy_per_spike_J] has no source"],
    ),
    # wrong type: a bool or a string where a number belongs
    "rules bool": (
        RULES,
        "eps_r = 3.9",
        "eps_r = true",
        ["[mos_cap_eot] eps_r = True", "allowed: a number from 1 to 100"],
    ),
    "energy string": (
        ENERGY,
        "value_pj = 3.7",
        'value_pj = "3.7"',
        ["[fp32_mult] value_pj = '3.7'", "allowed: a number from 0.0001 to 10000 pJ"],
    ),
    "energy short coefficients": (
        ENERGY,
        "hp20 = [0.373, -0.1582, 0.04104]",
        "hp20 = [0.373, -0.1582]",
        ["[node_scaling] hp20 = [0.373, -0.1582]", "allowed: a list of 3 finite numbers"],
    ),
    "cacti bool": (
        CACTI,
        "node_nm = 32\n",
        "node_nm = true\n",
        ["[[run]] #1 node_nm = True", "allowed: an integer from 16 to 180"],
    ),
    "backbone bool": (
        BACKBONE,
        "value = 0\n",
        "value = false\n",
        ["[memory_layer] value = False", "allowed: an integer"],
    ),
    "backbone float for a count": (
        BACKBONE,
        "value = 16\n",
        "value = 16.0\n",
        ["[frames] value = 16.0", "allowed: an integer"],
    ),
    "claims bool": (
        CLAIMS,
        "value = 20.0",
        "value = true",
        ["[area_ratio_lif_over_ipnet_min] value = True", "allowed: a number from 1 to 1e+06"],
    ),
    "notes short entry": (
        NOTES,
        VDD_NOTE,
        """['vdd', "logic supply of the neuron"]""",
        ["[nodes] top[4][2] is missing", "allowed: [pattern, meaning, unit], 3 non-empty strings"],
    ),
    "notes number for a unit": (
        NOTES,
        VDD_NOTE,
        """['vdd', "logic supply of the neuron", 1]""",
        ["[nodes] top[4][2] = 1", "allowed: [pattern, meaning, unit], 3 non-empty strings"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_cost_data_is_refused_in_one_line(tmp_path, case):
    (source, load), old, new, expected = CASES[case]
    text = source.read_text()
    assert old in text, old
    path = tmp_path / source.name
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ValueError) as err:
        load(path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:") or message.startswith(f"{path} ")
    for part in expected:
        assert part in message, (part, message)


def test_the_cacti_grid_needs_every_point_once(tmp_path):
    text = DEFAULT_SRAM_PATH.read_text()
    path = tmp_path / "cacti.toml"
    path.write_text(text.replace("bits = 16\n", "bits = 8\n", 1))
    with pytest.raises(ValueError, match=r"\[\[run\]\] #2 repeats .*allowed: each grid point"):
        load_sram_table(path)
    head, _, rest = text.partition("\n[[run]]\n")
    path.write_text(head + "\n[[run]]\n" + rest.split("\n[[run]]\n", 1)[1])  # no first run
    with pytest.raises(ValueError, match=r"no \[\[run\]\] for itrs-lstp, 32 nm, 8192 bytes, 8 bit"):
        load_sram_table(path)


def test_a_backbone_built_in_code_is_validated_like_the_file():
    base = load_backbone()
    with pytest.raises(ValueError, match="activity_per_step"):
        Backbone(name="b", source="https://example.org", layers=base.layers, activity_per_step=2.0)
    with pytest.raises(ValueError, match="frames = 2 is not allowed"):
        Backbone(name="b", source="https://example.org", layers=base.layers, frames=2)


def test_the_shipped_files_read_with_every_source():
    rules = load_rule_deck()
    assert all(src.startswith("https://") for src in rules.sources.values())
    assert set(rules.sources) >= {"cpp", "mos_cap_eot", "freepdk45_shrink"}
    table = load_energy_table()
    assert all(src.startswith("https://") for src in table.sources.values())
    assert load_backbone().source.startswith("https://")
