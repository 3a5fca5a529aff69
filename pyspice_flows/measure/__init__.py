"""Measurements on simulated waveforms: integrals, source energy, MTJ Joule heat, spikes
(rising edges), static power and the energy balance.

The one place where the project turns waveforms into numbers: every flow in
``pyspice_flows`` and the report above it measure through these functions, so a spike or
an energy means the same everywhere.  Pure functions of numpy arrays (and of
:class:`pyspice_flows.sim.session.Waveforms`, read only through ``.time``, ``.v(node)`` and
``.i(source)``); nothing here simulates or imports anything above numpy.  Everything is
in SI units: seconds, volts, amperes, watts, joules, kelvin.

Split by job: :mod:`.signals` (time-axis checks, windows, the integral), :mod:`.fits` (the
exponential fit behind every time constant), :mod:`.energy`
(energy and power per source, MTJ heat, energy per spike, the balance) and :mod:`.spikes`
(edges, spike times, counts, widths).  Their public names are re-exported here, so
``measure.spike_times(...)`` is the call everywhere.

Sign convention (ngspice's): ``w.i("v1")`` is the current flowing INTO the + terminal
of voltage source ``v1``, so the power the source DELIVERS to the circuit is
``-(v(pos) - v(neg)) * i``.  A supply feeding a load has a negative branch current and
delivers positive energy; a source that absorbs energy (a charged node discharging into
it) contributes negative energy.

Integrals are trapezoidal over ngspice's own (non-uniform) time points, so their
accuracy is that of the simulation's time step: bound ``max_step_s`` in the
:class:`~pyspice_flows.sim.session.Transient` when the energy matters.

Spikes: a spike is a rising edge of a logic output through
:func:`logic_threshold_v` (half the supply, :data:`LOGIC_THRESHOLD_FRACTION`);
:func:`rising_edges` / :func:`falling_edges` give the sample indices,
:func:`spike_times` the interpolated times, :func:`count_spikes` their number.

Energy bookkeeping of one run, as :class:`EnergyReport` keeps it (the one energy account:
energy per spike and its breakdown for the report, the sweep and the bench)::

    delivered (the neuron's own sources) = input drive + MTJ Joule heat + static leakage
                                           + CMOS switching and resistive + stored change

where the stored change is the electrical energy left in capacitances at the end minus
at the start (caller-supplied) and the CMOS share is the remainder; sources of shared
circuitry (role :data:`SHARED_ROLE`) are left out by :func:`own_sources`.  An independent
measure of the dissipation (for example the sum of ``i^2 R`` of the resistors) checks
that balance through :func:`conservation_error`.
"""

from .energy import (
    GROUND_NODES,
    KNOWN_ROLES,
    SHARED_ROLE,
    EnergyReport,
    SourceRole,
    SourceSpec,
    capacitor_energy_j,
    conservation_error,
    energy_breakdown,
    energy_by_source,
    energy_per_spike_j,
    group_by_role,
    mtj_joule_heat_j,
    own_sources,
    roles_of,
    source_energy_j,
    source_power_w,
    total_source_power_w,
    window_average_power_w,
)
from .fits import ExponentialFit, fit_exponential
from .signals import WaveformsLike, integrate
from .spikes import (
    LOGIC_THRESHOLD_FRACTION,
    count_spikes,
    falling_edges,
    logic_threshold_v,
    rising_edges,
    spike_times,
    spike_widths_s,
)

__all__ = [
    "GROUND_NODES",
    "KNOWN_ROLES",
    "SHARED_ROLE",
    "LOGIC_THRESHOLD_FRACTION",
    "EnergyReport",
    "ExponentialFit",
    "SourceRole",
    "SourceSpec",
    "WaveformsLike",
    "capacitor_energy_j",
    "conservation_error",
    "count_spikes",
    "energy_breakdown",
    "energy_by_source",
    "energy_per_spike_j",
    "falling_edges",
    "fit_exponential",
    "group_by_role",
    "integrate",
    "logic_threshold_v",
    "mtj_joule_heat_j",
    "own_sources",
    "rising_edges",
    "roles_of",
    "source_energy_j",
    "source_power_w",
    "spike_times",
    "spike_widths_s",
    "total_source_power_w",
    "window_average_power_w",
]
