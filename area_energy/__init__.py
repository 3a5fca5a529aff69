"""Costs and the report, the top of the data flow.

``area_energy.costs``: area from a netlist's device inventory and the rule deck, memory-cost
models, energy per operation, SRAM access tables.  ``area_energy.report``: the energy/area
report (``python -m area_energy.report``).  ``area_energy.cli``: the ``ipnet`` command.
May import ``circuits``, ``behavioural`` and ``pyspice_flows``, never the reverse.
Measurements on waveforms (energy integrals, spikes) live below, in ``pyspice_flows.measure``.
"""
