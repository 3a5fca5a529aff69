"""Circuit builders: typed parameters in, netlist text out.

Nothing here imports ``pyspice_flows`` or ``area_energy``: data flows from models and
circuits down to the simulator and the reports, never back.
"""
