"""The energy account of a run: energy and power per voltage source, grouped by role, MTJ
Joule heat from the thermal node, energy per spike and the balance
``delivered = MTJ heat + CMOS dissipation + stored change`` (:class:`EnergyReport`).

Sign convention (ngspice's): ``w.i("v1")`` is the current INTO the + terminal of ``v1``, so
the power the source delivers is ``-(v(pos) - v(neg)) * i``.  Pure numpy; SI units.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

import numpy as np

from .signals import WaveformsLike, check_pair, integrate

GROUND_NODES = frozenset({"0", "gnd"})
"""Node names that mean ground (0 V); ngspice treats ``gnd`` as node 0."""

KNOWN_ROLES = ("input", "write", "read", "logic", "clock", "bias")
"""Roles a source usually plays in a neuron test bench.  Any non-empty name is accepted;
these are the ones the report groups and orders first."""

SourceRole = dict[str, str]
"""``{source_name: role}``, e.g. ``{"vdd": "logic", "vwrite": "write", "vin": "input"}``."""

SourceSpec = tuple["str | float", "str | float", str]
"""``(pos_node, neg_node, role)`` of one voltage source; a node is a name or a constant
voltage [V]."""


# ----------------------------------------------------------------------------- sources
def _node_voltage(w: WaveformsLike, node, n: int) -> np.ndarray:
    if isinstance(node, str):
        if node.strip().lower() in GROUND_NODES:
            return np.zeros(n)
        return np.asarray(w.v(node), dtype=float)
    if isinstance(node, (int, float, np.number)) and not isinstance(node, bool):
        return np.full(n, float(node))
    raise TypeError(f"a node is a name (str) or a constant voltage (float), got {node!r}")


def source_power_w(w: WaveformsLike, source: str, pos_node, neg_node="0") -> np.ndarray:
    """Instantaneous power [W] that voltage source ``source`` delivers to the circuit.

    ``-(v(pos_node) - v(neg_node)) * i(source)`` with ngspice's current into the +
    terminal.  A node is a name (``"0"``/``"gnd"`` mean ground) or a constant voltage.
    """
    i = np.asarray(w.i(source), dtype=float)
    v = _node_voltage(w, pos_node, i.size) - _node_voltage(w, neg_node, i.size)
    if v.shape != i.shape:
        raise ValueError(
            f"source {source!r}: node voltages have shape {v.shape} but its current {i.shape}"
        )
    return -v * i


def source_energy_j(
    w: WaveformsLike,
    source: str,
    pos_node,
    neg_node="0",
    t0: float | None = None,
    t1: float | None = None,
) -> float:
    """Energy [J] voltage source ``source`` delivers over the run (or over [t0, t1]).

    ``∫ -(v(pos) - v(neg)) * i(source) dt``; see :func:`source_power_w` for the nodes.
    """
    return integrate(w.time, source_power_w(w, source, pos_node, neg_node), t0, t1)


def _check_sources(sources: Mapping[str, SourceSpec]) -> None:
    if not sources:
        raise ValueError("no sources given: expected {name: (pos_node, neg_node, role)}")
    for name, spec in sources.items():
        if not (isinstance(spec, (tuple, list)) and len(spec) == 3):
            raise ValueError(f"source {name!r}: expected (pos_node, neg_node, role), got {spec!r}")
        role = spec[2]
        if not (isinstance(role, str) and role.strip()):
            raise ValueError(f"source {name!r}: role must be a non-empty string, got {role!r}")


def energy_by_source(
    w: WaveformsLike,
    sources: Mapping[str, SourceSpec],
    t0: float | None = None,
    t1: float | None = None,
) -> dict[str, float]:
    """Energy [J] delivered by each source: ``{name: J}`` for ``{name: (pos, neg, role)}``."""
    _check_sources(sources)
    return {
        name: source_energy_j(w, name, pos, neg, t0, t1) for name, (pos, neg, _) in sources.items()
    }


def roles_of(sources: Mapping[str, SourceSpec]) -> SourceRole:
    """The ``{source_name: role}`` mapping of a source table."""
    _check_sources(sources)
    return {name: spec[2] for name, spec in sources.items()}


def group_by_role(by_source_j: Mapping[str, float], roles: Mapping[str, str]) -> dict[str, float]:
    """Sum per-source energies [J] by role; known roles first, then others in given order."""
    missing = [name for name in by_source_j if name not in roles]
    if missing:
        raise ValueError(f"no role given for source(s) {', '.join(map(repr, missing))}")
    totals: dict[str, float] = {}
    for name, energy in by_source_j.items():
        totals[roles[name]] = totals.get(roles[name], 0.0) + float(energy)
    order = [r for r in KNOWN_ROLES if r in totals] + [r for r in totals if r not in KNOWN_ROLES]
    return {r: totals[r] for r in order}


def energy_breakdown(
    w: WaveformsLike,
    sources: Mapping[str, SourceSpec],
    t0: float | None = None,
    t1: float | None = None,
) -> dict[str, float]:
    """Energy [J] delivered per role, ``{role: J}``, for ``{name: (pos, neg, role)}``.

    Per-source numbers come from :func:`energy_by_source`; use :func:`group_by_role` to
    get both without integrating twice.
    """
    return group_by_role(energy_by_source(w, sources, t0, t1), roles_of(sources))


def total_source_power_w(w: WaveformsLike, sources: Mapping[str, SourceSpec]) -> np.ndarray:
    """Sum of the instantaneous powers [W] of all ``sources`` (for static power)."""
    _check_sources(sources)
    return sum(source_power_w(w, name, pos, neg) for name, (pos, neg, _) in sources.items())


def window_average_power_w(t, p, t0: float, t1: float) -> float:
    """Mean power [W] over [t0, t1]: ``∫ p dt / (t1 - t0)``.

    For static (leakage) power pick a quiet window, after the circuit has settled and
    before the next stimulus.
    """
    return integrate(t, p, t0, t1) / (t1 - t0)


# ----------------------------------------------------------------------------- MTJ heat
def mtj_joule_heat_j(t, rise_k, rth_k_per_w: float, cth_j_per_k: float) -> float:
    """Heat [J] that entered an MTJ's first-order thermal network during the run.

    The junction's temperature rise ``T`` [K] obeys ``cth dT/dt = P - T / rth`` (the
    thermal node of ``models/verilog_a/thermal_resistor.va`` and of the MTJ model), so
    the Joule heat is

        ∫ P dt = cth * (T_end - T_0) + ∫ T / rth dt

    exactly for that network: the first term is the heat still held by ``cth`` at the
    end, the second the heat already conducted to ambient.  Only the integral is
    approximated (trapezoid over the simulated times).  ``rth_k_per_w`` > 0 [K/W],
    ``cth_j_per_k`` >= 0 [J/K].  ``rise_k`` is the thermal node's voltage: ``w.v("t")``
    for an external node, ``w.x("<instance>#<node>")`` for an OSDI internal one.
    """
    if not (np.isfinite(rth_k_per_w) and rth_k_per_w > 0):
        raise ValueError(f"rth_k_per_w must be a finite value > 0 K/W, got {rth_k_per_w!r}")
    if not (np.isfinite(cth_j_per_k) and cth_j_per_k >= 0):
        raise ValueError(f"cth_j_per_k must be a finite value >= 0 J/K, got {cth_j_per_k!r}")
    t, rise = check_pair(t, rise_k, "rise_k")
    stored = cth_j_per_k * (rise[-1] - rise[0])
    return float(stored + integrate(t, rise / rth_k_per_w))


def energy_per_spike_j(total_j: float, n_spikes: int, neuron: str = "") -> float:
    """``total_j / n_spikes`` [J]; a clear error when the neuron did not spike."""
    who = f" of neuron {neuron!r}" if neuron else ""
    if isinstance(n_spikes, bool) or int(n_spikes) != n_spikes:
        raise ValueError(f"energy_per_spike_j: n_spikes{who} must be an integer, got {n_spikes!r}")
    if n_spikes < 0:
        raise ValueError(f"energy_per_spike_j: n_spikes{who} must be >= 0, got {n_spikes}")
    if n_spikes == 0:
        raise ValueError(
            f"energy_per_spike_j: n_spikes{who} is 0, so energy per spike is undefined "
            f"(total {total_j:.6g} J); check the stimulus, the run length and the spike "
            f"threshold"
        )
    return float(total_j) / int(n_spikes)


# ----------------------------------------------------------------------------- balance
def conservation_error(delivered_j: float, dissipated_j: float, stored_j: float) -> float:
    """``|delivered - dissipated - stored| / |delivered|`` (relative, dimensionless)."""
    if delivered_j == 0:
        raise ValueError(
            "conservation_error: delivered_j is 0, the relative error is undefined "
            f"(dissipated {dissipated_j:.6g} J, stored {stored_j:.6g} J)"
        )
    return abs(delivered_j - dissipated_j - stored_j) / abs(delivered_j)


def capacitor_energy_j(c_f: float, v_v) -> np.ndarray | float:
    """Energy [J] stored in a linear capacitance ``c_f`` [F] at voltage ``v_v`` [V]: C V^2 / 2."""
    return 0.5 * c_f * np.square(v_v)


SHARED_ROLE = "bias_generator"
"""Role of the sources that feed circuitry shared by many neurons (a bias generator, a slot
clock): accounted apart, never in a neuron's own energy (an array of N carries 1/N each)."""


def own_sources(sources: Mapping[str, tuple[str, str]]) -> dict[str, SourceSpec]:
    """The neuron's own sources ``{name: (node, "0", role)}`` from a testbench's
    ``{name: (node, role)}``: every source but the shared circuitry's (:data:`SHARED_ROLE`)."""
    return {n: (node, "0", role) for n, (node, role) in sources.items() if role != SHARED_ROLE}


@dataclass(frozen=True)
class EnergyReport:
    """The energy account of one neuron's run: the one definition of energy per spike and
    of its breakdown, which the report, the sweep and the bench all use.  Every energy in
    J, power in W, time in s.

    ``total_j``               energy delivered by the neuron's own sources
    ``by_source_j``           per source ``{name: J}``
    ``by_role_j``             per role ``{role: J}`` (input, write, logic, clock, ...)
    ``mtj_heat_j``            Joule heat into the MTJs' thermal networks
    ``stored_j``              electrical energy stored at the end minus at the start
    ``static_w``              mean power in a quiet window (leakage); over the run it is
                              ``static_j = static_w * duration_s``
    ``cmos_j``                CMOS switching and resistive losses: what is left of the
                              total after the input drive (the ``input`` sources), the MTJ
                              heat, the static leakage and the stored change
    ``spikes``                output spikes counted
    ``per_spike_j``           ``total / spikes``, None when the neuron did not spike
    ``conservation_error``    relative balance error against an independent dissipation
                              measure, None when none was given

    :meth:`breakdown_j` splits the total into those five parts (by what the energy does);
    :meth:`paths_j` into the paths it takes (input, named supply paths, static, the rest).
    """

    total_j: float
    by_source_j: dict[str, float]
    by_role_j: dict[str, float]
    mtj_heat_j: float
    cmos_j: float
    stored_j: float
    static_w: float
    spikes: int
    per_spike_j: float | None
    conservation_error: float | None
    neuron: str = field(default="")
    duration_s: float = 0.0

    @classmethod
    def build(
        cls,
        by_source_j: Mapping[str, float],
        roles: Mapping[str, str],
        *,
        mtj_heat_j: float = 0.0,
        stored_j: float = 0.0,
        static_w: float = 0.0,
        duration_s: float = 0.0,
        spikes: int = 0,
        dissipated_j: float | None = None,
        neuron: str = "",
    ) -> EnergyReport:
        """Derive totals, the CMOS share, per-spike energy and the balance check.

        ``duration_s``: the run's length, over which ``static_w`` leaks; ``dissipated_j``:
        an independent measure of everything dissipated (MTJ heat included); when given,
        ``conservation_error`` compares it with delivered - stored.
        """
        if not (np.isfinite(duration_s) and duration_s >= 0):
            raise ValueError(f"duration_s must be a finite value >= 0 s, got {duration_s!r}")
        by_source = {k: float(v) for k, v in by_source_j.items()}
        by_role = group_by_role(by_source, roles)
        total = float(sum(by_source.values()))
        spikes = int(spikes)
        static_j = float(static_w) * float(duration_s)
        return cls(
            total_j=total,
            by_source_j=by_source,
            by_role_j=by_role,
            mtj_heat_j=float(mtj_heat_j),
            cmos_j=total
            - by_role.get("input", 0.0)
            - float(mtj_heat_j)
            - static_j
            - float(stored_j),
            stored_j=float(stored_j),
            static_w=float(static_w),
            spikes=spikes,
            per_spike_j=energy_per_spike_j(total, spikes, neuron) if spikes > 0 else None,
            conservation_error=(
                None
                if dissipated_j is None
                else conservation_error(total, float(dissipated_j), float(stored_j))
            ),
            neuron=neuron,
            duration_s=float(duration_s),
        )

    @property
    def static_j(self) -> float:
        """Leakage over the run [J]: ``static_w * duration_s``."""
        return self.static_w * self.duration_s

    def breakdown_j(self) -> dict[str, float]:
        """The total by what the energy does [J]; the parts sum to ``total_j``."""
        return {
            "input_drive": self.by_role_j.get("input", 0.0),
            "mtj_joule_heat": self.mtj_heat_j,
            "static_leakage": self.static_j,
            "cmos_switching_and_resistive": self.cmos_j,
            "stored_in_capacitors": self.stored_j,
        }

    def paths_j(self, **measured_j: float) -> dict[str, float]:
        """The total by the path it takes [J]: ``input`` (the input sources), the roles and
        measured currents named in ``measured_j`` (e.g. ``write`` = the write rail's role,
        ``reset`` = a supply current probed through the reset path, given in J), ``static``
        leakage, and ``cmos`` for the rest (the logic, the comparators, the clocks); the
        parts sum to ``total_j``."""
        parts = {"input": self.by_role_j.get("input", 0.0)}
        for name, value in measured_j.items():
            parts[name] = float(self.by_role_j.get(name, 0.0) if value is None else value)
        parts["static"] = self.static_j
        parts["cmos"] = self.total_j - sum(parts.values())
        return parts

    def per_spike(self, parts: Mapping[str, float]) -> dict[str, float] | None:
        """``parts`` divided by the output spikes (None when the neuron did not spike)."""
        return {k: v / self.spikes for k, v in parts.items()} if self.spikes else None

    def to_dict(self) -> dict:
        """Plain-Python dict (floats, ints, str, None), ready for JSON."""
        return asdict(self)
