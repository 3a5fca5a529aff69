"""A time limit on one piece of work in this process (a simulation), by SIGALRM.

A command that simulates a device it cannot vouch for (``ipnet characterize`` with any
device file) bounds each simulation: past the limit the work is stopped and
:class:`TimeLimitExceeded` names what ran too long.  ``Session`` holds SIGALRM like Ctrl-C
while ngspice calls back into Python, and stops its background simulation when the
exception arrives, so ngspice stays usable.  The sweep's samples, which run in worker
processes, are bounded by their pool instead.

Main thread only (where signals arrive); elsewhere the limit is not enforced.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator


class TimeLimitExceeded(TimeoutError):
    """The work ran past its time limit."""


@contextlib.contextmanager
def time_limit(seconds: float | None, what: str, option: str = "--timeout") -> Iterator[None]:
    """Raise :class:`TimeLimitExceeded` in the body after ``seconds`` [s] (None: no limit).

    The message names ``what`` ran too long, the limit, and the ``option`` that sets it.
    Nested limits are not supported (the inner one replaces the outer one's timer).
    """
    if seconds is None or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise TimeLimitExceeded(
            f"{what} did not finish within {seconds:g} s (the time limit; {option} sets it)"
        )

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
