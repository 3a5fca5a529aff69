"""pyspice_flows.app.processes.background: a call in a second process whose value or
exception comes back, and which leaving the block early stops at once."""

import math
import time

import pytest

from pyspice_flows.app.processes import background


def test_the_value_and_the_exception_come_back():
    with background(math.hypot, 3.0, 4.0) as call:
        assert call.result() == 5.0
    with background(math.sqrt, -1.0) as call, pytest.raises(ValueError, match="domain"):
        call.result()


def test_leaving_early_stops_the_call_without_waiting_for_it():
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt), background(time.sleep, 60.0) as call:
        raise KeyboardInterrupt
    assert time.monotonic() - t0 < 20
    assert not call.running
