"""Rule-based area estimate: parser, geometric model, known answers computed by hand.

Expected areas are computed here from the raw numbers of ``rules_28nm.toml`` (read with
tomllib, not through area.py), following the formulas written in area.py's docstring.
"""

import math
import tomllib
from pathlib import Path

import pytest

from area_energy.costs.area import estimate_area, transistor_area_m2
from area_energy.costs.netlist_inventory import parse_inventory, parse_spice_number
from area_energy.costs.rule_deck import DEFAULT_RULES_PATH, load_rule_deck

with DEFAULT_RULES_PATH.open("rb") as _f:
    DECK = tomllib.load(_f)

CPP = DECK["cpp"]["value_m"]
LMIN = DECK["gate_length_min"]["value_m"]
WMIN = DECK["width_min"]["value_m"]
EXT = DECK["diffusion_extension"]["value_m"]
SDD = DECK["diffusion_spacing"]["value_m"]
EPO = DECK["poly_endcap"]["value_m"]
EW = DECK["well_enclosure"]["value_m"]
ROUTING = DECK["routing_overhead"]["value"]
MIM = DECK["mim_density"]["value_f_per_m2"]
MOM = DECK["mom_density"]["value_f_per_m2"]
EOT = DECK["mos_cap_eot"]["value_m"]
EPS_R = DECK["mos_cap_eot"]["eps_r"]
MTJ_FOOT = DECK["mtj_extra_footprint"]["value_m2"]
SRAM_CELL = DECK["sram_6t_hd_cell"]["value_m2"]

S_IN = CPP - LMIN  # shared source/drain region between two minimum gates
CLEAR = max(2 * EPO, SDD)  # finger height beyond its width


def rel(value):
    return pytest.approx(value, rel=1e-9)


def test_every_rule_has_a_source_and_a_note():
    for table, entry in DECK.items():
        assert entry.get("source", "").startswith("http"), table
        assert entry.get("note"), table
        assert isinstance(entry.get("estimate"), bool), table
    rules = load_rule_deck()
    assert "diffusion_spacing" in rules.estimates and "cpp" not in rules.estimates


def test_single_minimum_transistor():
    hand = (LMIN + 2 * EXT + SDD) * (WMIN + CLEAR)
    est = estimate_area(parse_inventory("M1 d g s 0 nmos28 W=100n L=30n"))
    assert est.transistors_m2 == rel(hand)
    assert est.wells_m2 == 0.0
    assert est.routing_m2 == rel(ROUTING * hand)
    assert est.total_m2 == rel(hand * (1 + ROUTING))
    assert est.total_um2 == rel(hand * (1 + ROUTING) * 1e12)
    assert (est.transistors, est.capacitors, est.mtjs, est.diffusion_strips) == (1, 0, 0, 1)
    assert transistor_area_m2(100e-9, 30e-9, 1) == rel(hand)
    # Order of magnitude: a minimum 28 nm transistor is a few hundredths of a um^2.
    assert 0.02 < hand * 1e12 < 0.08


def test_two_transistors_separate_and_in_series():
    one = (LMIN + 2 * EXT + SDD) * (WMIN + CLEAR)
    apart = estimate_area(
        parse_inventory("M1 a g1 b 0 nmos28 W=100n L=30n\nM2 c g2 d 0 nmos28 W=100n L=30n")
    )
    assert apart.transistors_m2 == rel(2 * one)
    assert apart.diffusion_strips == 2
    # Series stack (net x shared): one strip, 2 gates, one inner S/D, two ends.
    series_hand = (2 * LMIN + S_IN + 2 * EXT + SDD) * (WMIN + CLEAR)
    series = parse_inventory("M1 out a x 0 nmos28 W=100n L=30n\nM2 x b 0 0 nmos28 W=100n L=30n")
    assert estimate_area(series).transistors_m2 == rel(series_hand)
    assert estimate_area(series).diffusion_strips == 1
    assert series_hand < 2 * one
    assert estimate_area(series, share_diffusion=False).transistors_m2 == rel(2 * one)


def test_finger_count_and_multiplier():
    # W is the total width of all fingers (BSIM4): 4 fingers of 100 nm.
    hand_nf4 = (4 * LMIN + 3 * S_IN + 2 * EXT + SDD) * (400e-9 / 4 + CLEAR)
    est = estimate_area(parse_inventory("M1 d g s 0 nmos28 W=400n L=30n nf=4"))
    assert est.transistors_m2 == rel(hand_nf4)
    assert transistor_area_m2(400e-9, 30e-9, 4) == rel(hand_nf4)
    # One 400 nm finger is shorter and taller.
    hand_nf1 = (LMIN + 2 * EXT + SDD) * (400e-9 + CLEAR)
    assert transistor_area_m2(400e-9, 30e-9, 1) == rel(hand_nf1)
    # m=2: two parallel copies share both nets -> one strip with 2 gates.
    hand_m2 = (2 * LMIN + S_IN + 2 * EXT + SDD) * (WMIN + CLEAR)
    est_m = estimate_area(parse_inventory("M1 d g s 0 nmos28 W=100n L=30n m=2"))
    assert est_m.transistors_m2 == rel(hand_m2)
    assert est_m.transistors == 2


def test_longer_gate_and_wider_device_grow_the_area():
    base = estimate_area(parse_inventory("M1 d g s 0 nmos28 W=100n L=30n")).total_m2
    longer = estimate_area(parse_inventory("M1 d g s 0 nmos28 W=100n L=60n")).total_m2
    wider = estimate_area(parse_inventory("M1 d g s 0 nmos28 W=200n L=30n")).total_m2
    hand_longer = (60e-9 + 2 * EXT + SDD) * (WMIN + CLEAR) * (1 + ROUTING)
    assert longer == rel(hand_longer)
    assert base < longer and base < wider


def test_mixed_nmos_pmos_pays_a_well_strip():
    text = "M1 out in 0 0 nmos28 W=100n L=30n\nM2 out in vdd vdd pmos28 W=200n L=30n"
    est = estimate_area(parse_inventory(text))
    n = (LMIN + 2 * EXT + SDD) * (WMIN + CLEAR)
    p = (LMIN + 2 * EXT + SDD) * (200e-9 + CLEAR)
    row = LMIN + 2 * EXT + SDD  # both rows hold one strip of one gate
    well = max(0.0, 2 * EW - SDD) * row
    assert est.transistors_m2 == rel(n + p)
    assert est.wells_m2 == rel(well)
    assert est.total_m2 == rel((n + p + well) * (1 + ROUTING))


def test_capacitor_of_known_value_and_type():
    c = 100e-15
    mim = estimate_area(parse_inventory("C1 a 0 100f"))
    assert mim.capacitors_m2 == rel(c / MIM)
    mom = estimate_area(parse_inventory("C1 a 0 100f", capacitor_kind="mom"))
    assert mom.capacitors_m2 == rel(c / MOM)
    assert mom.routing_m2 == 0.0 and mom.total_m2 == rel(c / MOM)
    # MOS capacitor: square gate of area C / (eps_r eps0 / EOT) plus its transistor ends.
    cox = EPS_R * 8.8541878128e-12 / EOT
    side = math.sqrt(c / cox)
    mos_hand = (side + 2 * EXT + SDD) * (side + CLEAR)
    mos = estimate_area(parse_inventory("C1 a 0 100f", capacitor_kind="mos"))
    assert mos.capacitors_m2 == rel(mos_hand)
    assert cox * 1e3 == pytest.approx(30.0, rel=0.01)  # fF/um^2, see rules_28nm.toml
    # Doubling the capacitor doubles a plate capacitor's area.
    assert estimate_area(parse_inventory("C1 a 0 200f")).capacitors_m2 == rel(2 * c / MIM)


SUBCKT_NETLIST = """\
.title neuron with wrapped capacitors
.include /abs/models/tech/cmos28.lib
.subckt cap_mim a b c=1e-12
C1 a b {c}
.ends cap_mim
.subckt cap_mom a b c=1e-12
C1 a b {c}
.ends cap_mom
.subckt inv in out vdd
M1 out in 0 0 nmos28 W=100n L=30n
M2 out in vdd vdd pmos28 W=100n L=30n
.ends inv
Xcm mem 0 cap_mim c=50f
Xcf fb 0 cap_mom c=2e-14
Xcd d2 0 cap_mim
X1 a b vdd inv
X2 b c vdd inv
Vdd vdd 0 0.9
"""


def test_subckt_capacitor_instances_are_counted_per_instance():
    inv = parse_inventory(SUBCKT_NETLIST)
    # The C elements inside the cap_* definitions are not top-level capacitors.
    kinds = sorted((c.name, c.kind, c.c_f) for c in inv.capacitors)
    assert kinds == [("Xcd", "mim", 1e-12), ("Xcf", "mom", 2e-14), ("Xcm", "mim", 50e-15)]
    # Two inverter instances expand to four transistors with hierarchical names and nets.
    assert sorted(t.name for t in inv.mosfets) == ["X1.M1", "X1.M2", "X2.M1", "X2.M2"]
    x2n = next(t for t in inv.mosfets if t.name == "X2.M1")
    assert (x2n.gate, x2n.drain, x2n.source) == ("b", "c", "0")
    assert [e.name for e in inv.ignored] == ["Vdd"]
    est = estimate_area(inv)
    assert est.capacitors_m2 == rel(50e-15 / MIM + 2e-14 / MOM + 1e-12 / MIM)
    assert (est.transistors, est.capacitors) == (4, 3)


def test_pyspice_netlist_round_trip():
    from PySpice.Spice.Netlist import Circuit, SubCircuit
    from PySpice.Unit import u_nm, u_um

    class CapMim(SubCircuit):
        NAME = "cap_mim"
        NODES = ("a", "b")

        def __init__(self):
            super().__init__(self.NAME, *self.NODES, c=1e-12)
            self.C(1, "a", "b", "{c}")

    circuit = Circuit("pyspice neuron")
    circuit.include("/abs/models/tech/cmos28.lib")
    circuit.subcircuit(CapMim())
    circuit.M(1, "d", "g", "s", circuit.gnd, model="nmos28", l=30 @ u_nm, w=0.1 @ u_um)
    circuit.M(2, "e", "g", "f", circuit.gnd, model="nmos28", l=30e-9, w=100e-9)
    circuit.X("cm", "cap_mim", "d", circuit.gnd, c=50e-15)
    circuit.V("dd", "vdd", circuit.gnd, 0.9)
    text = str(circuit)
    assert "l=30nm" in text and "l=3e-08" in text  # both PySpice spellings are present
    est = estimate_area(parse_inventory(text))
    one = (LMIN + 2 * EXT + SDD) * (WMIN + CLEAR)
    assert est.transistors_m2 == rel(2 * one)
    assert est.capacitors_m2 == rel(50e-15 / MIM)


def test_mtj_over_a_transistor_adds_no_silicon_area():
    base = "M1 p g 0 0 nmos28 W=100n L=30n\n"
    mtj = ".model mtj_dev mtj tmr0=1.5\nN1 vin p t1 mtj_dev\nNth t1 0 rth\n.model rth thermal_resistor\n"
    without = estimate_area(parse_inventory(base))
    with_mtj = estimate_area(parse_inventory(base + mtj))
    assert with_mtj.mtjs == 1 and with_mtj.mtj_m2 == 0.0
    assert with_mtj.total_m2 == rel(without.total_m2)
    # A second MTJ has no transistor to sit over: one extra pitch-limited footprint.
    two = estimate_area(parse_inventory(base + mtj + "N2 vin q t2 mtj_dev\n"))
    assert two.mtj_m2 == rel(MTJ_FOOT)
    assert two.total_m2 == rel(without.total_m2 + MTJ_FOOT)
    # MTJ model card .include-d instead: say its kind through model_kinds.
    inc = parse_inventory("N1 a b t mtj_dev", model_kinds={"mtj_dev": "mtj"})
    assert inc.mtj_count == 1


def test_parser_units_agree():
    assert parse_spice_number("1e-07") == rel(100e-9)
    assert parse_spice_number("100n") == rel(100e-9)
    assert parse_spice_number("0.1u") == rel(100e-9)
    assert parse_spice_number("100nm") == rel(100e-9)
    assert parse_spice_number("0.1UM") == rel(100e-9)
    assert parse_spice_number("1.5meg") == rel(1.5e6)
    assert parse_spice_number("2m") == rel(2e-3)
    assert parse_spice_number("10fF") == rel(10e-15)
    assert parse_spice_number("1kOhm") == rel(1e3)
    assert parse_spice_number("0.9V") == rel(0.9)
    areas = {
        spelling: estimate_area(parse_inventory(f"M1 d g s 0 nmos28 w={spelling} l=30n")).total_m2
        for spelling in ("1e-07", "100n", "0.1u", "100NM")
    }
    assert len({round(a, 30) for a in areas.values()}) == 1


def test_continuation_lines_and_comments():
    one_line = parse_inventory("M1 d g s 0 nmos28 W=100n L=30n nf=1")
    continued = parse_inventory(
        "* a comment line\n"
        "M1 d g s 0 nmos28\n"
        "* comment between an element and its continuation\n"
        "+ W = 100n ; inline comment\n"
        "+ L=30n $ another inline comment\n"
        "+ nf=1\n"
    )
    assert continued == one_line


def test_polarity_from_model_lines_and_unknown_models():
    text = ".model myn nmos level=54\n.model myp pmos(level=54)\n"
    text += "M1 a b 0 0 myn W=100n L=30n\nM2 a b vdd vdd myp W=100n L=30n\n"
    inv = parse_inventory(text, model_kinds={})
    assert [t.polarity for t in inv.mosfets] == ["nmos", "pmos"]
    with pytest.raises(ValueError, match="'nch_lvt'.*nmos or pmos"):
        parse_inventory("M1 a b 0 0 nch_lvt W=100n L=30n")


def test_bad_input_names_value_and_what_is_allowed():
    with pytest.raises(ValueError, match=r"M1: W=-100n = -1e-07 is not allowed \(allowed: > 0\)"):
        parse_inventory("M1 d g s 0 nmos28 W=-100n L=30n")
    with pytest.raises(ValueError, match=r"'cap_ceramic'.*allowed: cap_mim, cap_mom, cap_mos"):
        parse_inventory("Xc a 0 cap_ceramic c=1p")
    with pytest.raises(ValueError, match=r"capacitor_kind='ceramic'.*allowed"):
        parse_inventory("C1 a 0 1p", capacitor_kind="ceramic")
    with pytest.raises(ValueError, match=r"C1: C=0 = 0 is not allowed"):
        parse_inventory("C1 a 0 0")
    with pytest.raises(ValueError, match=r"nf=1.5 .*an integer >= 1"):
        parse_inventory("M1 d g s 0 nmos28 W=100n L=30n nf=1.5")
    with pytest.raises(ValueError, match="L is missing"):
        parse_inventory("M1 d g s 0 nmos28 W=100n")
    with pytest.raises(ValueError, match="not a SPICE number|cannot evaluate"):
        parse_inventory("M1 d g s 0 nmos28 W=wide L=30n")
    with pytest.raises(ValueError, match="'inv' is not defined"):
        parse_inventory("X1 a b inv")
    with pytest.raises(ValueError, match="element type 'D'"):
        parse_inventory("D1 a 0 dmod")
    with pytest.raises(ValueError, match=r"w = -1e-07 m is not allowed"):
        transistor_area_m2(-100e-9, 30e-9)


def test_a_resistor_is_sized_from_its_squares_beside_the_total():
    """20 kohm of 2000 ohm/sq poly: 10 squares of 0.35 um x (0.35 + 0.21) um = 1.96 um^2
    (the deck's values, written out here), reported beside the total, not in it; two in
    parallel (m=2) twice that; a resistor below one square still takes one."""
    mos = (LMIN + 2 * EXT + SDD) * (WMIN + CLEAR) * (1 + ROUTING)
    est = estimate_area(parse_inventory("R1 a b 20k\nM1 d g s 0 nmos28 W=100n L=30n"))
    assert est.resistors == 1 and est.resistors_m2 == rel(1.96e-12)
    assert est.total_m2 == rel(mos)
    assert estimate_area(parse_inventory("R1 a b 20k m=2")).resistors_m2 == rel(3.92e-12)
    assert estimate_area(parse_inventory("R1 a b 10")).resistors_m2 == rel(0.196e-12)


def test_6t_sram_cell_within_a_factor_of_two_of_the_28nm_cell():
    """Calibration, honestly: six minimum transistors with logic rules.

    With diffusion sharing the NMOS (two pass gates, two pull-downs) form one strip of four
    gates and the PMOS one strip of two; the estimate is ~0.21 um^2, 1.6x TSMC's 0.127 um^2
    high-density cell.  Without sharing it is ~2.3x.  Real SRAM cells use SRAM-only rules
    (shared contacts, pushed spacing) that these generic rules do not have, so the estimate
    is expected to be high; it is not tuned to match.
    """
    text = """
    M1 q qb 0 0 nmos28 W=100n L=30n
    M2 qb q 0 0 nmos28 W=100n L=30n
    M3 q qb vdd vdd pmos28 W=100n L=30n
    M4 qb q vdd vdd pmos28 W=100n L=30n
    M5 bl wl q 0 nmos28 W=100n L=30n
    M6 blb wl qb 0 nmos28 W=100n L=30n
    """
    est = estimate_area(parse_inventory(text))
    n_row = 4 * LMIN + 3 * S_IN + 2 * EXT + SDD
    p_row = 2 * LMIN + 1 * S_IN + 2 * EXT + SDD
    hand_devices = (n_row + p_row) * (WMIN + CLEAR)
    hand_well = max(0.0, 2 * EW - SDD) * max(n_row, p_row)
    hand_total = (hand_devices + hand_well) * (1 + ROUTING)
    assert est.total_m2 == rel(hand_total)
    assert est.diffusion_strips == 2
    ratio = est.total_m2 / SRAM_CELL
    assert 0.5 <= ratio <= 2.0, ratio
    assert estimate_area(parse_inventory(text), share_diffusion=False).total_m2 > est.total_m2


def test_project_neuron_netlist_parses():
    """The IPNet neuron testbench netlist (golden copy, PWL sources, .control block)."""
    from pathlib import Path

    golden = Path(__file__).parent / "golden" / "ipnet_neuron.cir"
    if not golden.exists():
        pytest.skip("no golden IPNet neuron netlist")
    inv = parse_inventory(golden.read_text())
    est = estimate_area(inv)
    assert est.transistors >= 1 and est.mtjs >= 1
    assert est.capacitors == 0  # capacitor-free neuron
    assert est.mtj_m2 == 0.0  # its MTJ sits over a transistor
    assert all(e.reason.endswith("(testbench)") for e in inv.ignored if e.name.startswith("V"))


@pytest.mark.parametrize(
    ("table", "old", "new"),
    [
        ("mim_density", "value_f_per_m2 = ", "1e-30"),
        ("routing_overhead", "value = ", "1000.0"),
    ],
)
def test_an_implausible_rule_is_refused_naming_file_table_and_range(tmp_path, table, old, new):
    text = Path(DEFAULT_RULES_PATH).read_text()
    head, rest = text.split(f"[{table}]\n", 1)
    lines = rest.split("\n")
    k = next(i for i, ln in enumerate(lines) if ln.startswith(old))
    lines[k] = old + new
    bad = tmp_path / "rules.toml"
    bad.write_text(head + f"[{table}]\n" + "\n".join(lines))
    with pytest.raises(ValueError, match=rf"{bad}.*\[{table}\].*plausible range"):
        load_rule_deck(bad)
