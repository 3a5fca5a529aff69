"""Energy dissipated inside the devices, from their own currents: the conservation check.

The sources' delivered energy (pyspice_flows.measure) must equal what the devices dissipate
plus what is stored at the end.  Device dissipation is computed independently of the
sources: each MOSFET's channel power from its drain current ``@m.<path>[id]`` (ngspice's
BSIM4 reports ``id`` into the drain for NMOS and out of it for PMOS), each MTJ's Joule heat
from its thermal node, each capacitor's stored energy from its voltage.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from area_energy.costs.netlist_inventory import DeviceInventory, Mosfet
from circuits.spice_cards import save_card
from pyspice_flows.measure import integrate


def drain_current_vector(m: Mosfet) -> str:
    """ngspice's vector name for a MOSFET's drain current (``X1.MPR`` -> ``@m.x1.mpr[id]``)."""
    return f"@m.{m.name.lower()}[id]"


def save_lines(inventory: DeviceInventory) -> list[str]:
    """The ``.save`` card that keeps every node, source current and MOSFET drain current."""
    vectors = [drain_current_vector(m) for m in inventory.mosfets]
    return [save_card(vectors, everything=True)] if vectors else []


def _node(w, name: str, n: int) -> np.ndarray:
    if name in ("0", "gnd"):
        return np.zeros(n)
    return np.asarray(w.v(name), float)


def mosfet_power_w(w, mosfets: Iterable[Mosfet]) -> np.ndarray:
    """Total channel power [W] of ``mosfets`` over time (gate and junction leakage excluded)."""
    t = np.asarray(w.time, float)
    total = np.zeros_like(t)
    for m in mosfets:
        vds = _node(w, m.drain, t.size) - _node(w, m.source, t.size)
        sign = -1.0 if m.polarity == "pmos" else 1.0
        total += sign * vds * np.asarray(w.x(drain_current_vector(m)), float) * m.m
    return total


def mosfet_energy_j(w, inventory: DeviceInventory) -> float:
    """Energy [J] dissipated in all MOSFET channels during the run."""
    return integrate(w.time, mosfet_power_w(w, inventory.mosfets))


def capacitor_stored_change_j(w, inventory: DeviceInventory) -> float:
    """Change of the energy stored in the explicit capacitors, end minus start [J]."""
    total = 0.0
    n = len(w.time)
    for c in inventory.capacitors:
        v = _node(w, c.nodes[0], n) - _node(w, c.nodes[1], n)
        total += 0.5 * c.c_f * c.m * (v[-1] ** 2 - v[0] ** 2)
    return total
