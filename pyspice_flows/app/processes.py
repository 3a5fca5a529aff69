"""Worker processes that end with the process that started them.

A pool of spawned workers outlives its parent when the parent is killed with SIGKILL
(nothing runs in a killed process to end them); they would keep simulating for nobody and
hold the multiprocessing resource tracker.  :func:`end_with_parent` is a pool initializer:
on Linux the kernel sends the worker SIGKILL when its parent dies (``PR_SET_PDEATHSIG``),
and everywhere a daemon thread polls the parent's pid as a fallback.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

PARENT_POLL_S = 0.5
"""How often a worker checks that its parent is alive (the fallback) [s]."""
ORPHAN_EXIT = 77
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def end_with_parent(parent_pid: int | None = None) -> None:
    """Pool initializer: end this process when ``parent_pid`` (default: the current parent)
    is gone; one ngspice thread per worker (the workers share the cores)."""
    os.environ["IPNET_NGSPICE_THREADS"] = "1"
    parent = os.getppid() if parent_pid is None else parent_pid
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the polling thread below still ends the worker
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(ORPHAN_EXIT)
    threading.Thread(target=_watch, args=(parent,), name="ipnet-parent", daemon=True).start()


def _watch(parent: int) -> None:
    while True:
        time.sleep(PARENT_POLL_S)
        if os.getppid() != parent:
            os._exit(ORPHAN_EXIT)
