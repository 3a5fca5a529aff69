"""Rule-based layout-area estimate of a neuron from its SPICE netlist.

Two steps, both pure Python (no simulator):

1. :func:`area_energy.costs.netlist_inventory.parse_inventory` reads the netlist into a
   :class:`~area_energy.costs.netlist_inventory.DeviceInventory`;
2. :func:`estimate_area` turns the inventory into an :class:`AreaEstimate` with the
   layout rules of a :class:`~area_energy.costs.rule_deck.RuleDeck` (``rules_28nm.toml``).

Geometric model (rule names in brackets are tables of ``rules_28nm.toml``)
-----------------------------------------------------------------------------
Symbols: ``cpp`` [cpp], ``Lmin`` [gate_length_min], ``ext`` [diffusion_extension],
``s_dd`` [diffusion_spacing], ``e_po`` [poly_endcap], ``e_w`` [well_enclosure].

* Transistor fingers sit on diffusion strips.  A strip of G gates has G - 1 inner
  source/drain regions of length ``s_in = cpp - Lmin`` (a minimum gate pitch minus its
  gate; a longer gate L stretches its pitch to ``L + s_in``), two contacted end regions
  of length ``ext``, and a spacing halo ``s_dd / 2`` at each end.
* Across the strip a finger of width ``w_f = W / nf`` occupies
  ``h = w_f + max(2 e_po, s_dd)``: the gate overhangs active by ``e_po`` on both sides,
  and neighbouring strips keep at least ``s_dd`` apart.
* Each copy (SPICE ``m``) of a transistor with ``nf`` fingers contributes
  ``nf (L + s_in) h``; each strip adds its ends, ``(2 ext - s_in + s_dd) h_end``.  A lone
  transistor therefore covers (:func:`transistor_area_m2`)::

      A = (nf L + (nf - 1) s_in + 2 ext + s_dd) * (W / nf + max(2 e_po, s_dd))

* Diffusion sharing (``share_diffusion=True``, the default): transistors of one polarity
  that share a source/drain net abut on one strip.  Taking nets as vertices and each
  transistor copy as an edge between its source and drain nets, the fewest strips that
  hold a connected group is ``max(1, n_odd / 2)`` (``n_odd`` = nets of odd degree; the
  Euler-trail count used for CMOS gate layout).  Strip ends in a group use the tallest
  finger of the group.  With ``share_diffusion=False`` every copy gets its own strip.
* Wells: a cell with both NMOS and PMOS pays a well-boundary strip of width
  ``max(0, 2 e_w - s_dd)`` along the longer of its N and P diffusion rows (row length =
  sum of its strips' lengths).  Well taps are neglected.
* Capacitors: MIM and MOM plates, ``C / density`` ([mim_density], [mom_density]); a MOS
  capacitor is a square transistor whose gate area is ``C / (eps_r eps0 / EOT)``
  ([mos_cap_eot]), with that transistor's ends and halo.  Plate enclosures are neglected.
* MTJs are built in the back end above an access transistor and add no silicon area
  while there are at least as many transistors as MTJs; each MTJ beyond that costs
  [mtj_extra_footprint].
* Routing: ``[routing_overhead] x (transistors + wells)``.  Capacitors and MTJs get none.
* Resistors (the bias generator's replica and trim resistors) are sized apart, as folded
  stripes of a high-ohmic poly, ``max(1, R / [resistor_sheet]) x w (w + s)``
  ([resistor_width], [resistor_spacing]; :meth:`RuleDeck.resistor_area_m2`), from an
  open 130 nm kit's geometry (an estimate, no public 28 nm value): reported as
  :attr:`AreaEstimate.resistors_m2` beside the total, not in it.  The MTJ model's
  thermal network is an OSDI device of its own (no area).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from .netlist_inventory import (
    MOS_KINDS,
    Capacitor,
    DeviceInventory,
    Mosfet,
)
from .rule_deck import RuleDeck, rules_or_default

__all__ = ["AreaEstimate", "estimate_area", "transistor_area_m2"]


# --------------------------------------------------------------------------- geometry


def _check_size(w: float, l: float, nf: int) -> None:
    for label, value in (("w", w), ("l", l)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise ValueError(f"{label} = {value!r} m is not allowed (allowed: > 0)")
    if not (isinstance(nf, int) and not isinstance(nf, bool) and nf >= 1):
        raise ValueError(f"nf = {nf!r} is not allowed (allowed: an integer >= 1)")


def _finger_height_m(w: float, nf: int, rules: RuleDeck) -> float:
    return w / nf + rules.finger_clearance_m


def transistor_area_m2(
    w: float,
    l: float,
    nf: int = 1,
    rules: RuleDeck | None = None,
) -> float:
    """Footprint of one transistor on its own diffusion strip [m^2].

    ``A = (nf l + (nf - 1) s_in + 2 ext + s_dd) * (w / nf + max(2 e_po, s_dd))`` with
    ``s_in = cpp - Lmin`` [cpp, gate_length_min], ``ext`` [diffusion_extension],
    ``s_dd`` [diffusion_spacing], ``e_po`` [poly_endcap].

    Args:
        w: total drawn width of all fingers [m].
        l: drawn gate length [m].
        nf: number of fingers.
        rules: rule deck; the default deck if None.
    """
    rules = rules_or_default(rules)
    _check_size(w, l, nf)
    length = nf * l + (nf - 1) * rules.inner_sd_m + 2 * rules.diffusion_extension_m
    return (length + rules.diffusion_spacing_m) * _finger_height_m(w, nf, rules)


@dataclass(frozen=True)
class AreaEstimate:
    """Area breakdown [m^2] and device counts of one netlist.

    ``total_m2 = transistors_m2 + wells_m2 + routing_m2 + capacitors_m2 + mtj_m2``;
    ``resistors_m2``, the resistors' estimate from a 130 nm kit's poly, is reported beside
    it, not in it.  Counts include SPICE ``m`` copies.
    """

    transistors_m2: float
    wells_m2: float
    routing_m2: float
    capacitors_m2: float
    resistors_m2: float
    mtj_m2: float
    transistors: int
    capacitors: int
    mtjs: int
    resistors: int
    diffusion_strips: int

    @property
    def total_m2(self) -> float:
        parts = (self.transistors_m2, self.wells_m2, self.routing_m2, self.capacitors_m2)
        return sum(parts) + self.mtj_m2

    @property
    def total_um2(self) -> float:
        return self.total_m2 * 1e12

    def breakdown_m2(self) -> dict[str, float]:
        """Component -> area [m^2], plus ``total``."""
        return {
            "transistors": self.transistors_m2,
            "wells": self.wells_m2,
            "routing": self.routing_m2,
            "capacitors": self.capacitors_m2,
            "mtj": self.mtj_m2,
            "total": self.total_m2,
        }


class _UnionFind:
    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, node: str) -> str:
        self.parent.setdefault(node, node)
        while self.parent[node] != node:
            self.parent[node] = self.parent[self.parent[node]]
            node = self.parent[node]
        return node

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def _polarity_area(
    mosfets: Iterable[Mosfet], rules: RuleDeck, share_diffusion: bool
) -> tuple[float, float, int]:
    """Area [m^2], diffusion row length [m] and strip count of one polarity's transistors."""
    gate_area = 0.0
    gate_length = 0.0
    # Each copy is an edge (source net, drain net) with its finger height.
    edges: list[tuple[str, str, float]] = []
    for t in mosfets:
        _check_size(t.w_m, t.l_m, t.nf)
        height = _finger_height_m(t.w_m, t.nf, rules)
        run = t.nf * (t.l_m + rules.inner_sd_m)
        gate_area += t.m * run * height
        gate_length += t.m * run
        edges.extend((t.source, t.drain, height) for _ in range(t.m))
    if not edges:
        return 0.0, 0.0, 0
    # Groups of copies that can share diffusion, each: (strips, tallest finger).
    groups: list[tuple[int, float]] = []
    if share_diffusion:
        uf = _UnionFind()
        for source, drain, _ in edges:
            uf.union(source, drain)
        degree: dict[str, int] = {}
        tallest: dict[str, float] = {}
        for source, drain, height in edges:
            degree[source] = degree.get(source, 0) + 1
            degree[drain] = degree.get(drain, 0) + 1
            root = uf.find(source)
            tallest[root] = max(tallest.get(root, 0.0), height)
        odd: dict[str, int] = {root: 0 for root in tallest}
        for node, count in degree.items():
            if count % 2:
                odd[uf.find(node)] += 1
        groups = [(max(1, odd[root] // 2), tallest[root]) for root in tallest]
    else:
        groups = [(1, height) for _, _, height in edges]
    end_area = sum(strips * rules.strip_end_m * height for strips, height in groups)
    strips = sum(s for s, _ in groups)
    row_length = gate_length + strips * rules.strip_end_m
    return gate_area + end_area, row_length, strips


def _capacitor_area_m2(cap: Capacitor, rules: RuleDeck) -> float:
    density = rules.capacitor_density_f_per_m2(cap.kind)
    if cap.kind == "mos":
        side = math.sqrt(cap.c_f / density)
        return cap.m * transistor_area_m2(side, side, 1, rules)
    return cap.m * cap.c_f / density


def estimate_area(
    inventory: DeviceInventory,
    rules: RuleDeck | None = None,
    *,
    share_diffusion: bool = True,
) -> AreaEstimate:
    """Layout-area estimate of the devices in ``inventory`` (model in the module docstring).

    * transistors: per polarity, ``sum nf (L + s_in) h`` over copies plus
      ``strips x (2 ext - s_in + s_dd) x h_end`` ([cpp], [gate_length_min],
      [diffusion_extension], [diffusion_spacing], [poly_endcap]).
    * wells: ``max(0, 2 e_w - s_dd) x max(N row, P row)`` if both polarities are present
      ([well_enclosure]).
    * routing: ``[routing_overhead] x (transistors + wells)``.
    * capacitors: ``C / density`` (MIM [mim_density], MOM [mom_density]); MOS
      [mos_cap_eot] as a square transistor.
    * MTJs: ``max(0, MTJs - transistors) x [mtj_extra_footprint]``.

    Args:
        inventory: devices from :func:`parse_inventory`.
        rules: rule deck; the default 28 nm deck if None.
        share_diffusion: let same-polarity transistors on a common source/drain net abut.
    """
    rules = rules_or_default(rules)
    n_area, n_row, n_strips = _polarity_area(
        (t for t in inventory.mosfets if t.polarity == "nmos"), rules, share_diffusion
    )
    p_area, p_row, p_strips = _polarity_area(
        (t for t in inventory.mosfets if t.polarity == "pmos"), rules, share_diffusion
    )
    for t in inventory.mosfets:
        if t.polarity not in MOS_KINDS:
            raise ValueError(f"{t.name}: polarity {t.polarity!r} (allowed: {MOS_KINDS})")
    transistors_m2 = n_area + p_area
    wells_m2 = rules.well_strip_m * max(n_row, p_row) if n_row > 0 and p_row > 0 else 0.0
    routing_m2 = rules.routing_overhead * (transistors_m2 + wells_m2)
    capacitors_m2 = sum((_capacitor_area_m2(c, rules) for c in inventory.capacitors), 0.0)
    extra_mtjs = max(0, inventory.mtj_count - inventory.transistor_count)
    mtj_m2 = extra_mtjs * rules.mtj_extra_footprint_m2
    return AreaEstimate(
        transistors_m2=transistors_m2,
        wells_m2=wells_m2,
        routing_m2=routing_m2,
        capacitors_m2=capacitors_m2,
        resistors_m2=sum((rules.resistor_area_m2(r.r_ohm) * r.m for r in inventory.resistors), 0.0),
        mtj_m2=mtj_m2,
        transistors=inventory.transistor_count,
        capacitors=inventory.capacitor_count,
        mtjs=inventory.mtj_count,
        resistors=inventory.resistor_count,
        diffusion_strips=n_strips + p_strips,
    )
