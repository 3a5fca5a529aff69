"""Shared fixtures: one ngspice session per test process, compiled models; the process's
signal dispositions restored after every test."""

import signal

import pytest

from pyspice_flows.sim.session import Session


@pytest.fixture(scope="session")
def session() -> Session:
    return Session.get()


@pytest.fixture(autouse=True)
def _restore_signal_dispositions():
    """A command's ``main(argv)`` run in-process takes over SIGINT and SIGTERM, and after an
    interruption ignores both (``pyspice_flows.app.commandline.run_main``), as a command
    line should.  In the test process that would leak: an ignored SIGTERM is inherited by
    every process started later (a Dask worker that must be terminated then never ends)."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        if signal.getsignal(sig) is not handler and handler is not None:
            signal.signal(sig, handler)
