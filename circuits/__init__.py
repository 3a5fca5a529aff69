"""Circuit builders: typed parameters in, netlist text out.

Nothing here imports the layers above it (the simulator flows, the report): data flows
from models and circuits down to the simulator and the reports, never back.
"""
