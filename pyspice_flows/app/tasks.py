"""Running independent tasks on local worker processes or a Dask cluster.

:func:`run_tasks` is the one runner below the experiments and the sweep: ``fn(task)``
for every task, results in task order, on

* this process (``workers=0``, or a single task and no scheduler);
* a pool of spawned local processes that end with this one
  (:func:`pyspice_flows.app.processes.end_with_parent`); an interruption cancels what has
  not started and terminates the pool's own workers;
* a Dask cluster (``scheduler="tcp://host:port"`` or a ``distributed.Client``): one
  future per task (``pure=False``: a seeded task is run, never taken from a cache).

A task's outcome depends on the task alone (the seeds travel in it), so the three give
the same results.  :func:`connect` is the one way to reach a scheduler (the sweep's too):
it fails with one line naming the address when nothing answers within
:data:`DASK_CONNECT_TIMEOUT_S` or no worker joins, and makes this repository importable on
the workers (a worker sharing this file system needs no ``PYTHONPATH``).
"""

from __future__ import annotations

import argparse
import importlib
import multiprocessing
import os
import re
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from functools import partial
from pathlib import Path

from pyspice_flows.app.processes import end_with_parent, use_one_ngspice_thread

DASK_CONNECT_TIMEOUT_S = 10.0
"""How long to try to reach a Dask scheduler, and to wait for its first worker, before
giving up with a clear message [s]."""

_ADDRESS = re.compile(r"^(tcp|tls)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$")


def import_root(path: str) -> str | None:
    """The sys.path folder the module of ``path`` (``"module"`` or ``"module:function"``)
    is imported from (None for a module without a file)."""
    module = importlib.import_module(path.partition(":")[0])
    file = getattr(module, "__file__", None)
    if not file:
        return None
    parts = module.__name__.split(".")
    root = Path(file).resolve().parent
    levels = len(parts) if Path(file).name == "__init__.py" else len(parts) - 1
    for _ in range(levels):
        root = root.parent
    return str(root)


def check_address(text: str) -> str:
    """``text`` if it is a scheduler address ``tcp://host:port`` (or ``tls://``); else
    ValueError saying what is allowed."""
    m = _ADDRESS.match(text.strip())
    if m is None or not 1 <= int(m.group(3)) <= 65535:
        raise ValueError(
            f"scheduler address {text!r} is not allowed; give tcp://host:port "
            "(port 1..65535), e.g. tcp://127.0.0.1:8786"
        )
    return text.strip()


def add_scheduler_argument(parser: argparse.ArgumentParser) -> None:
    """``--scheduler ADDRESS``: run the tasks on a Dask cluster (the form checked here, the
    reachability by :func:`connect` before any simulation)."""

    def parse(text: str) -> str:
        try:
            return check_address(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parser.add_argument(
        "--scheduler",
        type=parse,
        default=None,
        metavar="ADDRESS",
        help="run the trials on this Dask scheduler (tcp://host:port; start one with `dask "
        "scheduler` and `dask worker ADDRESS`); --workers then bounds nothing",
    )


def _import_setup(root: str) -> str:
    """Python run on every worker: this repository first on sys.path if the worker sees
    the same folder (a shared file system)."""
    return (
        "import os, sys\n"
        f"if os.path.isdir({root!r}) and {root!r} not in sys.path:\n"
        f"    sys.path.insert(0, {root!r})\n"
    )


def connect(scheduler, timeout_s: float | None = None, worker_paths: bool = True):
    """``(client, own)``: a ``distributed.Client`` to ``scheduler`` (an address; ``own``:
    close it when done) or ``scheduler`` itself if it is a client already.  RuntimeError
    with one line naming the address if it cannot be reached or has no worker within
    ``timeout_s`` (default :data:`DASK_CONNECT_TIMEOUT_S`).  ``worker_paths``: put this
    repository on every worker's import path (a plugin, workers joining later too); the
    sweep passes False, its tasks carry their import paths themselves."""
    if hasattr(scheduler, "submit"):
        return scheduler, False
    timeout_s = DASK_CONNECT_TIMEOUT_S if timeout_s is None else timeout_s
    from distributed import Client
    from distributed.client import _WorkerSetupPlugin  # register_worker_callbacks', named

    address = check_address(str(scheduler))
    try:
        client = Client(address, timeout=timeout_s)
    except (OSError, TimeoutError) as exc:
        raise RuntimeError(
            f"cannot reach the Dask scheduler at {address} within {timeout_s:g} s "
            f"({type(exc).__name__}); start one with `dask scheduler` and at least one "
            "`dask worker ADDRESS`"
        ) from None
    try:
        client.wait_for_workers(1, timeout=timeout_s)
        root = import_root(__name__) if worker_paths else None
        if root:
            # by reference to builtins and distributed only: nothing of this repository
            # needs to be importable on the worker to run it (workers joining later too)
            setup = partial(exec, _import_setup(root))
            client.register_plugin(_WorkerSetupPlugin(setup), name=f"ipnet-path-{root}")
    except (OSError, TimeoutError) as exc:
        client.close()
        raise RuntimeError(
            f"the Dask scheduler at {address} has no worker after {timeout_s:g} s "
            f"({type(exc).__name__}); start one with `dask worker {address}`"
        ) from None
    except BaseException:
        client.close()
        raise
    return client, True


DASK_NO_WORKER_S = 120.0
"""How long a Dask run waits for a worker when the scheduler has none left and tasks are
still outstanding [s]: long enough for a nanny to restart its worker, short enough that a
cluster gone for good ends the command instead of hanging it."""

DASK_POLL_S = 2.0
"""How often a waiting Dask run looks at the scheduler's workers [s]."""


class NoWorkerError(RuntimeError):
    """The Dask scheduler has had no worker for too long (:class:`WorkerWatch`)."""


class WorkerWatch:
    """Waits for Dask futures, and ends the wait with a RuntimeError when the scheduler
    has had no worker for ``no_worker_s`` seconds (its futures would never finish)."""

    def __init__(self, client, no_worker_s: float = DASK_NO_WORKER_S, poll_s: float = DASK_POLL_S):
        self.client, self.no_worker_s, self.poll_s = client, no_worker_s, poll_s
        self._since: float | None = None

    def first_done(self, futures: list) -> list:
        """The finished futures of ``futures``, once at least one has finished."""
        from distributed import wait

        while True:
            try:
                done, _ = wait(futures, timeout=self.poll_s, return_when="FIRST_COMPLETED")
                return [f for f in futures if f in done]
            except TimeoutError:
                self._check_workers(len(futures))

    def result(self, future):
        """``future.result()``, waited for under the same rule.  A future that ``wait``
        saw finish can need its task again (its worker left before the result was fetched:
        the scheduler recomputes it), and then its result needs a worker like any task."""
        while True:
            try:
                return future.result(timeout=self.poll_s)
            except TimeoutError:
                self._check_workers(1)

    def _check_workers(self, outstanding: int) -> None:
        if self.client.nthreads():  # asks the scheduler now, not a cached view
            self._since = None
            return
        now = time.monotonic()
        self._since = self._since if self._since is not None else now
        if now - self._since >= self.no_worker_s:
            raise NoWorkerError(
                f"the Dask scheduler at {self.client.scheduler.address} has had no worker "
                f"for {self.no_worker_s:g} s with {outstanding} task(s) outstanding; the "
                "finished ones are kept (start a `dask worker` and run the command again)"
            )


def check_scheduler(scheduler: str | None) -> None:
    """Reach ``scheduler`` now (before any simulation) and let go; nothing if None."""
    if scheduler is not None:
        client, own = connect(scheduler)
        if own:
            client.close()


def call_in_worker(fn: Callable, task):
    """``fn(task)`` in a worker process (a Dask worker has no pool initializer): one
    ngspice thread (the workers share the cores)."""
    use_one_ngspice_thread()
    return fn(task)


def by_name(fn: Callable) -> Callable:
    """``fn``, or, if it was defined in ``__main__`` (``python -m package.module``), the
    same function imported from its module's real name: a worker imports it by name
    instead of receiving it (and the command's globals) by value."""
    if getattr(fn, "__module__", None) != "__main__":
        return fn
    spec = getattr(sys.modules["__main__"], "__spec__", None)
    if spec is None or not spec.name:
        raise ValueError(
            f"task function {fn.__qualname__} lives in a script run by path; run it with "
            "`python -m package.module` so that workers can import it"
        )
    return getattr(importlib.import_module(spec.name), fn.__qualname__)


def run_tasks(
    fn: Callable,
    tasks: Iterable,
    workers: int,
    scheduler=None,
    on_done: Callable | None = None,
) -> list:
    """``[fn(t) for t in tasks]`` on ``workers`` local processes (0: in this process) or,
    when ``scheduler`` is given, on that Dask cluster; ``on_done(result)`` is called in
    this process as each task finishes (in completion order; a journal records it)."""
    tasks = list(tasks)
    if scheduler is not None:
        return _run_dask(by_name(fn), tasks, scheduler, on_done)
    if workers == 0 or len(tasks) <= 1:
        results = []
        for t in tasks:
            results.append(fn(t))
            if on_done is not None:
                on_done(results[-1])
        return results
    return _run_local(fn, tasks, workers, on_done)


def _run_local(fn: Callable, tasks: list, workers: int, on_done) -> list:
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        min(workers, len(tasks)),
        mp_context=ctx,
        initializer=end_with_parent,  # a SIGKILLed run leaves no worker behind
        initargs=(os.getpid(),),
    ) as ex:
        futures = [ex.submit(fn, t) for t in tasks]
        try:
            if on_done is not None:
                for f in as_completed(futures):
                    on_done(f.result())
            return [f.result() for f in futures]
        except BaseException:
            for f in futures:
                f.cancel()
            for proc in list(getattr(ex, "_processes", {}).values()):
                proc.terminate()  # our own workers only; ngspice cannot be interrupted
            raise


def _run_dask(fn: Callable, tasks: list, scheduler, on_done) -> list:
    client, own = connect(scheduler)
    futures = []
    try:
        futures = [client.submit(call_in_worker, fn, t, pure=False) for t in tasks]
        watch, waiting = WorkerWatch(client), list(futures)
        while waiting:
            for f in watch.first_done(waiting):
                waiting.remove(f)
                if on_done is not None:
                    on_done(watch.result(f))
        return [watch.result(f) for f in futures]
    except BaseException:
        if futures:
            client.cancel(futures)
        raise
    finally:
        if own:
            client.close()
