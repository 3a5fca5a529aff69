"""Unit facts shared by every layer: the code keeps temperatures in kelvin (SI); Celsius
appears only at the edges (ngspice's ``.temp``, a report's header, a hint in a message)."""

ZERO_CELSIUS_K = 273.15
"""0 degC in kelvin (exact by definition of the Celsius scale)."""
