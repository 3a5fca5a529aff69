"""The simulator: one ngspice session per process, the OSDI compile cache, the toolchain check."""
