"""The simulator: one ngspice session per process, the OSDI compile cache, the toolchain check;
VACASK beside ngspice (:mod:`.vacask`), chosen in one place (:func:`make_session`)."""

from __future__ import annotations

import os

SIMULATORS = ("ngspice", "vacask")
"""The simulators a flow can run on; ngspice is the default."""
SIMULATOR_ENV = "IPNET_SIMULATOR"
"""Environment variable naming the simulator of the process (and of the processes it starts)."""


def simulator_name(value: str | None = None) -> str:
    """``value``, else ``$IPNET_SIMULATOR``, else ``ngspice``; refused unless in :data:`SIMULATORS`."""
    where = "simulator" if value is not None else SIMULATOR_ENV
    raw = value if value is not None else os.environ.get(SIMULATOR_ENV, "").strip() or "ngspice"
    name = str(raw).strip().lower()
    if name not in SIMULATORS:
        raise ValueError(
            f"{where}={raw!r} is not a simulator here; allowed: {', '.join(SIMULATORS)}"
        )
    return name


def make_session(simulator: str | None = None):
    """The process's session of ``simulator`` (see :func:`simulator_name`): the shared ngspice
    (:class:`.session.Session`) or VACASK (:class:`.vacask.VacaskSession`).  Both have
    ``run(testbench) -> Waveforms`` (or ``run(circuit, analysis, **testbench_fields)``) and a
    ``version``."""
    if simulator_name(simulator) == "vacask":
        from .vacask import VacaskSession

        return VacaskSession.get()
    from .session import Session

    return Session.get()
