"""Energy integration, area estimation, memory-cost models and report rendering.

The top of the data flow: may import ``circuits`` and ``pyspice_flows``, never the reverse.
Submodules are imported by their own names (``area_energy.report``, ``area_energy.render``).
Measurements on waveforms (energy integrals, spikes) live below, in ``pyspice_flows.measure``.
"""
