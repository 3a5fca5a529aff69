"""Prove the toolchain end to end: compile a tiny Verilog-A model and simulate it in ngspice.

Run by ``make setup`` after installing ngspice and the Python side; exits non-zero with
the compiler's or simulator's own message when any link of the chain is broken.
"""

from __future__ import annotations

import sys

from .osdi import VA_DIR, OsdiCompileError, compile_model
from .session import OperatingPoint, Session, SimulationError


def check() -> str:
    """Compile ``thermal_resistor.va``, load it, solve one operating point; return a summary."""
    model = compile_model(VA_DIR / "thermal_resistor.va")
    session = Session.get()
    session.load_osdi(model.osdi)
    netlist = (
        "toolchain check\n"
        "V1 p 0 1\n"
        "N1 p 0 t tr\n"
        ".model tr thermal_resistor r=1k rth=1e5 cth=1e-15\n"
    )
    result = session.run(netlist, OperatingPoint())
    rise = float(result.v("t")[0])
    expected = 1.0**2 / 1e3 * 1e5  # P * rth [K]
    if abs(rise - expected) > 1e-6 * expected:
        raise SimulationError(f"OSDI model gave {rise} K, expected {expected} K", [])
    return f"ngspice {session.version} + OSDI ({model.osdi.name}): ok"


def main() -> int:
    try:
        print("toolchain:", check())
    except (OsdiCompileError, SimulationError, OSError) as exc:
        print(f"toolchain: FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
