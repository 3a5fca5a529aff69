"""Unit facts shared by every layer: the code keeps temperatures in kelvin (SI); Celsius
appears only at the edges (ngspice's ``.temp``, a report's header, a hint in a message)."""

ZERO_CELSIUS_K = 273.15
"""0 degC in kelvin (exact by definition of the Celsius scale)."""

SPICE_DEFAULT_K = ZERO_CELSIUS_K + 27.0
"""ngspice's default temperature (27 degC, 300.15 K): every run's ambient unless a command
is given another."""
