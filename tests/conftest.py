"""Shared fixtures: one ngspice session per test process, compiled models."""

import pytest

from pyspice_flows.sim.session import Session


@pytest.fixture(scope="session")
def session() -> Session:
    return Session.get()
