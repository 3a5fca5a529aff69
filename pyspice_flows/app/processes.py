"""Worker processes that end with the process that started them.

A pool of spawned workers outlives its parent when the parent is killed with SIGKILL
(nothing runs in a killed process to end them); they would keep simulating for nobody and
hold the multiprocessing resource tracker.  :func:`end_with_parent` is a pool initializer:
on Linux the kernel sends the worker SIGKILL when its parent dies (``PR_SET_PDEATHSIG``),
and everywhere a daemon thread polls the parent's pid as a fallback.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator

PARENT_POLL_S = 0.5
"""How often a worker checks that its parent is alive (the fallback) [s]."""
ORPHAN_EXIT = 77
PR_SET_PDEATHSIG = 1  # linux/prctl.h


WORKER_THREADS_ENV = "IPNET_NGSPICE_THREADS"
"""The variable :func:`pyspice_flows.sim.session.ngspice_threads` reads (``THREADS_ENV``
there; this room may not import the simulator's)."""


def use_one_ngspice_thread() -> None:
    """In a worker process: give ngspice one OpenMP thread (the workers share the cores;
    OpenMP on top of process parallelism makes the OSDI model about 10x slower)."""
    os.environ[WORKER_THREADS_ENV] = "1"


def end_with_parent(parent_pid: int | None = None) -> None:
    """Pool initializer: end this process when ``parent_pid`` (default: the current parent)
    is gone; one ngspice thread per worker (:func:`use_one_ngspice_thread`)."""
    use_one_ngspice_thread()
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


class BackgroundCall:
    """``fn(*args)`` in one spawned process that ends with this one; :meth:`result` waits
    for its value (or raises its exception), :meth:`stop` ends it at once.  Unlike a
    process pool, leaving early (an error, Ctrl-C, SIGTERM) does not wait for the call to
    finish: :func:`background` stops it on the way out."""

    def __init__(self, fn: Callable, *args):
        ctx = multiprocessing.get_context("spawn")
        self._conn, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(
            target=_call_and_send, args=(send, os.getpid(), fn, args), daemon=True
        )
        self._proc.start()
        send.close()

    def result(self):
        """The call's value; its exception if it raised; RuntimeError if the process died."""
        try:
            ok, value = self._conn.recv()
        except EOFError:
            self._proc.join()
            raise RuntimeError(
                f"the background process ended without a result (exit code {self._proc.exitcode})"
            ) from None
        self._proc.join()
        if ok:
            return value
        raise value

    @property
    def running(self) -> bool:
        """Whether the process is still alive."""
        return self._proc.is_alive()

    def stop(self) -> None:
        """End the process now if it still runs."""
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(5)
            if self._proc.is_alive():
                self._proc.kill()
                self._proc.join()
        self._conn.close()


@contextlib.contextmanager
def background(fn: Callable, *args) -> Iterator[BackgroundCall]:
    """``with background(fn, *args) as call: ... call.result()``: the call runs meanwhile
    in a second process, stopped when the block is left."""
    call = BackgroundCall(fn, *args)
    try:
        yield call
    finally:
        call.stop()


def _call_and_send(conn, parent: int, fn: Callable, args: tuple) -> None:
    end_with_parent(parent)
    try:
        value = fn(*args)
    except BaseException as exc:  # sent to the parent, which raises it
        try:
            conn.send((False, exc))
        except Exception:  # an exception that does not pickle: its text
            conn.send((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
    else:
        conn.send((True, value))
    finally:
        conn.close()
