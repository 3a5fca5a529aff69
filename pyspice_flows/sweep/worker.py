"""Running one sample: the task a worker process (local or Dask) executes.

Everything here is imported by name in the worker, never pickled by value: under
``python -m pyspice_flows.sweep`` the command line lives in ``__main__``, and a task
function defined there would be pickled with its module globals (this lock among them).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import math
import os
import shutil
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pyspice_flows.app.processes import end_with_parent, use_one_ngspice_thread

from .spec import plain_scalar
from .table import write_json


def resolve_evaluate(path: str) -> Callable[[dict], Mapping]:
    """The function named ``"module:function"``; ValueError if it cannot be imported."""
    module_name, _, func_name = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(
            f"evaluation function {path!r}: cannot import {module_name!r}: {exc}"
        ) from exc
    func = getattr(module, func_name, None)
    if not callable(func):
        raise ValueError(  # noqa: TRY004
            f"evaluation function {path!r}: module {module_name!r} has no function {func_name!r}"
        )
    return func


@dataclass(frozen=True)
class SampleTask:
    """What a worker needs to run one sample (picklable)."""

    index: int
    values: dict
    evaluate: str
    figures: tuple[str, ...]
    work_root: str
    import_paths: tuple[str, ...] = ()
    in_worker: bool = True
    timeout_s: float | None = None
    token: str = ""


# One sample at a time per process: the working directory and ngspice are per process.
_SAMPLE_LOCK = threading.Lock()
# Set when a failed sample left this process's ngspice unusable: some errors (a bad
# expression, a singular matrix, "timestep too small") end in ngspice's "cannot recover
# and awaits to be reset", after which every later command fails.
_NGSPICE_DEAD = False
RETIRE_MARKER = "retired.json"


def ngspice_dead() -> bool:
    """Whether a failed sample left this process's ngspice unusable (see :func:`run_sample`)."""
    return _NGSPICE_DEAD


def run_sample(task: SampleTask) -> dict:
    """Evaluate one sample in its own working directory; never raises for a bad sample."""
    with _SAMPLE_LOCK:
        if task.in_worker:
            use_one_ngspice_thread()
        for p in task.import_paths:
            if p not in sys.path:
                sys.path.insert(0, p)
        work = Path(task.work_root) / str(task.index)
        timed_out = timeout_row(task)
        if timed_out:  # a retry (by Dask) of a sample whose watchdog ended its worker
            return timed_out
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True, exist_ok=True)
        if _NGSPICE_DEAD and task.in_worker:
            # A fresh process (and so a fresh ngspice) must run this sample.
            if _restart_dask_worker():
                from distributed import Reschedule

                raise Reschedule()  # to another worker; this one is being restarted
            # Leave a note that this is no failure of the sample, and end this worker.
            write_json(work / RETIRE_MARKER, {"token": task.token, "index": task.index})
            os._exit(76)
        worker = f"{socket.gethostname()}:{os.getpid()}"
        row: dict = {"index": task.index, **task.values, "worker": worker}
        here = os.getcwd()
        watchdog = None
        if task.timeout_s and task.in_worker:
            watchdog = threading.Timer(task.timeout_s, _die_of_timeout, args=(work, task, worker))
            watchdog.daemon = True
            watchdog.start()
        t0 = time.perf_counter()
        try:
            os.chdir(work)
            func = resolve_evaluate(task.evaluate)
            measured = func(dict(task.values))
            if not isinstance(measured, Mapping):
                raise TypeError(f"{task.evaluate} returned {type(measured).__name__}, not a dict")
            missing = [f for f in task.figures if f not in measured]
            if missing:
                raise ValueError(f"{task.evaluate} returned no {', '.join(missing)}")
            for f in task.figures:
                value = plain_scalar(measured[f])
                if isinstance(value, str):
                    raise ValueError(  # noqa: TRY004
                        f"{task.evaluate} returned a string for figure {f!r}: {value!r}"
                    )
                if isinstance(value, float) and not math.isfinite(value):
                    raise ValueError(f"{task.evaluate} returned {f} = {value} (not finite)")
                row[f] = value
            row["status"], row["error"] = "ok", ""
        except Exception as exc:  # noqa: BLE001 - any failure of one sample is recorded
            row["status"] = "failed"
            row["error"] = _error_text(exc)
            _write_failure(work, task, exc)
            _check_ngspice(exc)
            if _NGSPICE_DEAD and task.in_worker:
                _restart_dask_worker()  # after this result is delivered
        finally:
            if watchdog is not None:
                watchdog.cancel()
            os.chdir(here)
        row["elapsed_s"] = round(time.perf_counter() - t0, 4)
        if row["status"] == "ok":
            shutil.rmtree(work, ignore_errors=True)
        return row


def _check_ngspice(exc: BaseException) -> None:
    """After a failure: is this process's ngspice still usable?  Sets ``_NGSPICE_DEAD``.

    Probed by simulating a one-resistor circuit (ngspice still answers simple commands
    such as ``echo`` once it is past recovery, but refuses every circuit).
    """
    global _NGSPICE_DEAD
    from pyspice_flows.sim.session import OperatingPoint, Session, SimulationError

    session = Session.started()
    if session is None:
        return
    if "cannot recover" in str(exc):
        _NGSPICE_DEAD = True
        return
    try:
        session.run("ngspice probe\nI1 0 a 1m\nR1 a 0 1k\n", OperatingPoint())
    except SimulationError:
        _NGSPICE_DEAD = True


def _restart_dask_worker() -> bool:
    """In a Dask worker: ask it (once) to close gracefully and be restarted by its nanny.

    Graceful, so the results it holds move to other workers first.  Returns False
    outside Dask.
    """
    if "distributed" not in sys.modules:
        return False
    from distributed import get_worker

    try:
        worker = get_worker()
    except ValueError:
        return False
    if not getattr(worker, "_ipnet_restart_asked", False):
        worker._ipnet_restart_asked = True
        worker.loop.add_callback(worker.close_gracefully, restart=True, reason="ngspice unusable")
    return True


def _error_text(exc: BaseException) -> str:
    from pyspice_flows.sim.session import SimulationError

    text = str(exc).strip()
    if not isinstance(exc, (SimulationError, ValueError)):
        text = f"{type(exc).__name__}: {text}"
    return text or type(exc).__name__


def _write_failure(work: Path, task: SampleTask, exc: BaseException) -> None:
    """Leave the failed sample's inputs, traceback and netlist in its working folder.

    Best effort: the failure itself is already recorded in the results table; a full disk
    or a removed folder must not replace that record with an OSError.
    """
    import traceback

    with contextlib.suppress(OSError):
        (work / "sample.json").write_text(
            json.dumps({"index": task.index, **task.values}, indent=1) + "\n"
        )
        (work / "error.txt").write_text(
            "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        )
        netlist = getattr(exc, "netlist", "")
        if netlist:
            (work / "netlist.cir").write_text(netlist)


TIMEOUT_MARKER = "timeout.json"


def _die_of_timeout(work: Path, task: SampleTask, worker: str) -> None:
    """The watchdog: leave a note for the parent (and for a retry), then end this process.

    ngspice cannot be interrupted from another thread in the middle of ``run``, so the
    worker process ends; the pool or the Dask nanny starts a new one.
    """
    message = (
        f"timed out: still running after {task.timeout_s:g} s; the worker process was ended "
        f"(raise timeout_s to let it finish)"
    )
    try:
        (work / "sample.json").write_text(
            json.dumps({"index": task.index, **task.values}, indent=1) + "\n"
        )
        (work / "error.txt").write_text(message + "\n")
        write_json(
            work / TIMEOUT_MARKER,
            {
                "token": task.token,
                "index": task.index,
                "worker": worker,
                "timeout_s": task.timeout_s,
                "message": message,
            },
        )
    finally:
        os._exit(75)


def timeout_row(task: SampleTask) -> dict | None:
    """The failed row of a sample whose watchdog fired during this run (else None)."""
    marker = Path(task.work_root) / str(task.index) / TIMEOUT_MARKER
    try:
        note = json.loads(marker.read_text())
    except (OSError, ValueError):
        return None
    if not task.token or note.get("token") != task.token:
        return None  # a note from an earlier run: this run tries again
    return {
        "index": task.index,
        **task.values,
        "status": "failed",
        "error": note["message"],
        "elapsed_s": note["timeout_s"],
        "worker": note.get("worker", ""),
    }


def task_retired(task: SampleTask) -> bool:
    """Did this sample's worker end itself, unrun, to get a fresh ngspice (this run)?"""
    marker = Path(task.work_root) / str(task.index) / RETIRE_MARKER
    try:
        return json.loads(marker.read_text()).get("token") == task.token != ""
    except (OSError, ValueError):
        return False


def crashed_row(task: SampleTask, why: str) -> dict:
    return {
        "index": task.index,
        **task.values,
        "status": "failed",
        "error": why,
        "elapsed_s": "",
        "worker": "",
    }


def init_worker() -> None:
    """Initialiser of a local worker process: one ngspice thread, and end with the sweep
    that started it (killed, even by SIGKILL: its samples would be written by nobody);
    :func:`pyspice_flows.app.processes.end_with_parent`, as the working-memory workers."""
    end_with_parent()
