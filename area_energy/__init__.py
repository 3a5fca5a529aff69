"""Energy integration, area estimation, memory-cost models and report rendering.

The top of the data flow: may import ``circuits`` and ``pyspice_flows``, never the reverse.
Submodules are imported by their own names (``area_energy.energy``, ``area_energy.render``).
"""
