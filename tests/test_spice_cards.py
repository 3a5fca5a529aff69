"""circuits.spice_cards: the one ``.options`` renderer and the one ``.save`` renderer.

The card is checked against lines written by hand (what the golden netlists carry), and
the source tree is searched for any other string that starts a ``.options`` card.
"""

import re
from pathlib import Path

import pytest

from circuits.spice_cards import option_lines, options_card, save_card

ROOT = Path(__file__).resolve().parents[1]
RENDERER = ROOT / "circuits" / "spice_cards.py"
PARSER = ROOT / "pyspice_flows" / "sim" / "vacask_netlist.py"  # reads .options, writes none
CARD_LITERAL = re.compile(r"""(?<![A-Za-z0-9_`])[rRbBfF]{0,2}(["'])\.options\b""")
"""A string literal whose text starts with ``.options`` (an f-string or a plain one)."""


@pytest.mark.parametrize(
    ("options", "line"),
    [
        ({"method": "gear"}, ".options method=gear"),  # tests/golden/ipnet_*.cir
        ({"reltol": 1e-4, "trtol": 1}, ".options reltol=0.0001 trtol=1"),  # golden lif
        ({"method": "gear", "seed": 7}, ".options method=gear seed=7"),  # v4, stochastic
        ({"seed": 2**31 - 1, "method": "gear"}, ".options seed=2147483647 method=gear"),
        ({"klu": True}, ".options klu"),
        ({"reltol": 1e-5, "abstol": 1e-15}, ".options reltol=1e-05 abstol=1e-15"),
    ],
)
def test_card_matches_hand_written_line(options, line):
    assert options_card(options) == line


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"method": None},
        {"klu": False},
        {"method": "gear trap"},
        {"method": ""},
        {"a=b": 1},
        {"1st": 1},
        {"method": "x=y"},
    ],
)
def test_card_rejects_what_would_not_stay_one_option(options):
    with pytest.raises(ValueError, match=r"\.options"):
        options_card(options)


def test_option_lines_empty_or_one():
    assert option_lines(None) == []
    assert option_lines({}) == []
    assert option_lines({"method": "gear"}) == [".options method=gear"]


def test_pattern_finds_the_former_hand_made_cards():
    """The search below would have found each of the six former renderers."""
    former = [
        """c.raw_spice += ".options " + " ".join(f"{k}={v}" for k, v in o.items())""",
        """return [f".options seed={self.seed} method=gear"]""",
        """klu = (".options klu",) if host == "klu" else ()""",
        """lines.append('.options ' + x)""",
    ]
    assert all(CARD_LITERAL.search(line) for line in former)
    prose = ['"""Extra ``.options`` of the testbench."""', 'f"    with .options method=gear: "']
    assert not any(CARD_LITERAL.search(line) for line in prose)


def test_no_other_options_card_in_the_source():
    found = []
    for folder in ("circuits", "pyspice_flows", "area_energy", "behavioural"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path in (RENDERER, PARSER):
                continue
            for no, line in enumerate(path.read_text().splitlines(), start=1):
                if CARD_LITERAL.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{no}: {line.strip()}")
    assert not found, "write .options through circuits.spice_cards.options_card:\n" + "\n".join(
        found
    )


@pytest.mark.parametrize(
    ("vectors", "everything", "line"),
    [
        (["v(out)", "v(th)", "v(x1.j)"], False, ".save v(out) v(th) v(x1.j)"),  # golden ipnet
        (["@m.x1.mpr[id]"], True, ".save all @m.x1.mpr[id]"),  # behavioural probe
        ((f"v(out{k})" for k in (1, 2)), False, ".save v(out1) v(out2)"),  # any iterable
        ([], True, ".save all"),
    ],
)
def test_save_card_matches_hand_written_line(vectors, everything, line):
    assert save_card(vectors, everything) == line


@pytest.mark.parametrize("vectors", [[], ["v(a) v(b)"], [""], [None]])
def test_save_card_rejects_what_would_not_stay_one_vector(vectors):
    with pytest.raises(ValueError, match=r"\.save"):
        save_card(vectors)
