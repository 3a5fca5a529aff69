"""What each node and each instance of the standard testbenches means: the comments that
:mod:`circuits.write_netlists` writes into the stand-alone netlists.

Two tables, both keyed by a regular expression matched against the whole name:

* :data:`NODES`: ``{subcircuit: [(node pattern, meaning, unit)]}``; the subcircuit ``""``
  is the top level.  Units as a designer reads them off a waveform viewer: ``V`` for a
  voltage, ``K above ambient`` for a thermal node (its voltage in volts is the junction's
  temperature rise in kelvin), ``W`` for a power probe.
* :data:`ROLES`: ``{subcircuit: [(instance pattern, role)]}``.  The instance's size is not
  written here: the renderer reads it off the instance line itself (``w=``, ``l=``,
  ``nf=``, a resistance, a capacitance), so a re-sized device is described correctly.

A node or an instance that no pattern matches is written as ``undocumented``; the netlist
tests fail on that word, so a new device or node gets its line here.  The roles follow the
circuit builders' own comments (:mod:`circuits.ipnet_neuron`, :mod:`circuits.lif_neuron`,
:mod:`circuits.ipnet_array`; schematics in docs/ipnet_neuron.md and docs/lif_neuron.md).
"""

from __future__ import annotations

import re

V = "V"
K = "K above ambient"

NODES: dict[str, list[tuple[str, str, str]]] = {
    "": [
        (
            r"out\d*",
            "spike output of the neuron (logic; a spike is a rising edge through VDD/2)",
            V,
        ),
        (
            r"th\d*",
            "thermal node of the neuron's MTJ: junction temperature rise above ambient (the "
            "heat memory); its voltage in volts reads as kelvin",
            K,
        ),
        (r"in\d+(_\d+)?", "input spike train (logic pulses 0 -> VDD) of a synapse", V),
        (r"clr", "global clear (0 V: the neuron is self-timed)", V),
        (r"vdd", "logic supply of the neuron", V),
        (r"vddb", "supply of the shared bias generator", V),
        (r"vwr", "write rail feeding the MTJ", V),
        (r"vbn", "bias line: gate voltage of the synapse current mirrors", V),
        (r"vbp", "bias line: gate voltage of the reset current mirror", V),
        (r"vbf", "bias line: gate voltage of the fire comparator's sink (sets its trip)", V),
        (r"vbr", "bias line: gate voltage of the return-to-P comparator's load (sets its trip)", V),
        (r"vlk", "LIF leak transistor gate bias", V),
        (r"vthb", "LIF threshold starver gate bias", V),
        (r"vw", "LIF synapse weight gate bias", V),
        (r"pwr_neuron", "probe: power delivered by the neuron's own sources (not VDDB)", "W"),
        (r"pwr_bias", "probe: power delivered to the shared bias generator (VDDB)", "W"),
    ],
    "ipnet_neuron": [
        (r"j", "MTJ free-layer terminal n: high in P, low in AP (the fire comparator's input)", V),
        (r"a", "MTJ terminal p: write rail through MPA, pulled to 0 V while resetting", V),
        (r"th", "MTJ thermal node: junction temperature rise above ambient", K),
        (r"w\d+", "between a synapse's weight mirror and its input switch", V),
        (r"s", "common source of the input switches, above the footer MFT", V),
        (r"det", "fire comparator output: high once the junction is in AP", V),
        (r"detb", "fire decision (INV13 output): low on a detection, sets the latch", V),
        (r"q", "latch state: high from a fire until the reset ends", V),
        (r"qb", "latch complement", V),
        (r"rst", "reset phase (INV4 output): high while the latch is set", V),
        (r"rstb", "reset phase complement (INV5 output)", V),
        (r"rstd", "delayed reset phase (INV9, long channel)", V),
        (r"rsx", "reset envelope rst OR rstd: header off, reset source on", V),
        (r"rsy", "NOT rsx: footer gate, inputs enabled while high", V),
        (r"ry1", "inner node of the NOR2 that forms rsy", V),
        (r"pb", "return-to-P sense: high when the junction is back in P", V),
        (r"dm", "inner node of the self-timed clear MD1/MD2", V),
        (r"gr", "gate of the reset mirror MPR: vbp while resetting, VDD (off) otherwise", V),
        (r"on1", "inner node of the spike NOR (MP7/MP8)", V),
        (r"in\d+", "input spike of a synapse", V),
        (r"clr|out|vdd|vwr|vb[npfr]", "pin (see the top-level node of the same name)", V),
    ],
    "ipnet_bias": [
        (r"vdd|vb[npfr]", "pin (see the top-level node of the same name)", V),
        (r"ibn", "synapse reference diode gate (MBN)", V),
        (r"ibp", "reset reference diode gate (MBP)", V),
        (r"ibf|ibr", "fire / return-to-P trip reference diode", V),
        (r"gf|gr", "gate of a trip reference (reference current into RF / RR)", V),
        (r"bnd|bpd", "drain of a reference diode (Vds matched by RBN / RBP)", V),
        (r"bn\d", "replica switch / footer of the synapse reference", V),
    ],
    "lif_neuron": [
        (r"in\d+|out|vdd|vlk|vthb|vw", "pin (see the top-level node of the same name)", V),
        (r"mem", "membrane: the integrating capacitor's voltage", V),
        (r"sw\d+", "between a synapse's weight and switch transistors", V),
        (r"d", "input current mirror diode (MPD)", V),
        (r"n1", "threshold inverter output", V),
        (r"sb", "source of the threshold inverter (starver MNS, feedback MNF)", V),
    ],
    "cap_mim": [(r"a|b", "capacitor terminal", V)],
}

ROLES: dict[str, list[tuple[str, str]]] = {
    "": [
        (r"XB", "shared bias generator (one per array; its devices are not the neuron's)"),
        (r"X\d+", "neuron"),
        (r"VDD", "logic supply"),
        (r"VDDB", "supply of the shared bias generator"),
        (r"VWR", "write rail"),
        (r"VCLR", "global clear"),
        (r"VIN\d+(_\d+)?", "input spike train"),
        (r"VLEAK|VTHB|VW", "LIF bias voltage"),
        (r"RC\d+_\d+", "lateral thermal coupling between two neurons' junctions (K/W)"),
        (r"Bpwr_\w+", "measurement probe (a voltage on its own node; loads nothing)"),
    ],
    "ipnet_neuron": [
        (r"MIW\d+", "synapse weight: current mirror of the bias diode MBN"),
        (r"MIN\d+", "input switch: on during an input spike"),
        (r"MFT", "input footer: inputs off while resetting"),
        (r"NMTJ", "the magnetic tunnel junction (p=a, n=j, thermal node th)"),
        (r"MPA", "write header from VWR, off while resetting"),
        (r"MNA", "reset: pulls a to ground"),
        (r"MPR", "reset current source on j (mirror of MBP, switched at its gate)"),
        (r"MNG", "connects MPR's gate to vbp while resetting"),
        (r"MPG", "holds MPR's gate at VDD (off) outside a reset"),
        (r"MP1", "fire comparator: senses V(a) - V(j)"),
        (r"MN1", "fire comparator's bias sink (replica-biased trip)"),
        (r"MND", "ends the spike: det low while resetting"),
        (r"M[PN][23]", "latch inverter"),
        (r"M[PN]13", "fire decision inverter INV13 (low threshold)"),
        (r"MS", "latch set on a detection"),
        (r"MC", "global clear of the latch"),
        (r"M[PN]4", "INV4: reset phase rst"),
        (r"M[PN]5", "INV5: reset driver phase rstb"),
        (r"MN6", "return-to-P comparator: senses V(j) - V(a)"),
        (r"MP6", "return-to-P comparator's bias load (replica-biased trip)"),
        (r"M[PN]9", "INV9: delayed reset phase rstd (long channel)"),
        (r"MP1[01]|MN1[01]", "NOR2 of the reset envelope: rsy = NOT (rst OR rstd)"),
        (r"M[PN]12", "INV12: reset envelope rsx"),
        (r"MD[12]", "self-timed clear: P sensed while resetting ends the reset"),
        (r"M[PN][78]", "spike NOR: out = rst AND NOT rstd"),
    ],
    "ipnet_bias": [
        (r"BREF[NP]", "reference current (ideal, temperature-tracking source)"),
        (r"BREF[FR]", "trip reference current"),
        (r"R[FR]", "trip reference resistor (trip voltage = current x R)"),
        (r"RB[NP]", "Vds matching resistor of a reference diode"),
        (r"EVB[NPFR]", "ideal unity-gain line driver of a bias line"),
        (r"MBN", "synapse reference diode (one finger of MIW)"),
        (r"MBNS|MBNF", "replica of the input switch / footer, held on"),
        (r"MBP", "reset reference diode (one finger of MPR)"),
        (r"MRFN?", "fire trip reference (replica of MP1 / MN1)"),
        (r"MRRP?", "return-to-P trip reference (replica of MN6 / MP6)"),
    ],
    "lif_neuron": [
        (r"MW\d+", "synapse weight NMOS"),
        (r"MSW\d+", "synapse switch NMOS"),
        (r"MPD", "input current mirror diode PMOS"),
        (r"MPM", "input current mirror output PMOS (charges the membrane)"),
        (r"Xcmem", "membrane capacitor (MIM)"),
        (r"ML", "leak NMOS"),
        (r"MPT", "threshold inverter PMOS"),
        (r"MNT", "threshold inverter NMOS"),
        (r"MNS", "threshold current starver"),
        (r"MNF", "positive-feedback NMOS"),
        (r"MPO|MNO", "output inverter"),
        (r"MR", "membrane reset NMOS"),
    ],
    "cap_mim": [(r"C\d+", "the capacitor")],
}


def _lookup(table: list[tuple], name: str) -> tuple | None:
    for entry in table:
        if re.fullmatch(entry[0], name, flags=re.IGNORECASE):
            return entry
    return None


def node_note(subckt: str, node: str) -> tuple[str, str]:
    """``(meaning, unit)`` of ``node`` inside ``subckt`` (``""``: top level)."""
    hit = _lookup(NODES.get(subckt, []), node)
    return (hit[1], hit[2]) if hit else ("undocumented", "?")


def role_note(subckt: str, instance: str) -> str:
    """The role of ``instance`` inside ``subckt`` (``""``: top level)."""
    hit = _lookup(ROLES.get(subckt, []), instance)
    return hit[1] if hit else "undocumented"
