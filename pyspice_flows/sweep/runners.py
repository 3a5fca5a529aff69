"""Running a sweep: local worker processes or a Dask cluster, resume, progress."""

from __future__ import annotations

import json
import math
import os
import socket
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from circuits.paths import PACKAGES_ROOT
from pyspice_flows.app.tasks import NoWorkerError, WorkerWatch, connect, import_root

from .spec import DEFAULT_OUT, META_NAME, RESULTS_NAME, SweepSpec
from .summary import plot_distributions, summarize
from .table import ResultsTable, read_results, write_json
from .worker import (
    SampleTask,
    crashed_row,
    init_worker,
    ngspice_dead,
    resolve_evaluate,
    run_sample,
    task_retired,
    timeout_row,
)


@dataclass(frozen=True)
class SweepResult:
    """What a run did: the table, counts and wall time [s]."""

    csv_path: Path
    ran: int
    skipped: int
    ok: int
    failed: int
    wall_s: float
    plots: tuple[Path, ...] = ()
    summary_path: Path | None = None


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def run_sweep(
    spec: SweepSpec,
    out_dir: Path | str = DEFAULT_OUT,
    workers: int | None = None,
    scheduler: str | object | None = None,
    progress: bool = True,
    retry_failed: bool = False,
    plots: bool = True,
    timeout_s: float | None = None,
) -> SweepResult:
    """Run every sample of ``spec`` not yet in ``out_dir/results.csv``; see the module doc.

    workers: local worker processes (default: usable cores); 0 runs the samples in this
        process, one after another (for debugging).
    scheduler: a Dask scheduler address (``"tcp://host:port"``) or a ``distributed.Client``;
        when given, the samples run on that cluster and ``workers`` only bounds the number
        of samples in flight.
    timeout_s: overrides the spec's per-sample time limit [s].
    """
    _check_workers(workers, spec.samples)
    if timeout_s is not None:
        _check_timeout(timeout_s)
    out_dir = Path(out_dir).resolve()
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"output folder {out_dir} is a file, not a folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    work_root = out_dir / "work"
    resolve_evaluate(spec.evaluate)  # fail early, in this process, on a wrong path
    _check_meta(out_dir / META_NAME, spec)

    table = ResultsTable(out_dir / RESULTS_NAME, spec.columns(), retry_failed=retry_failed)
    skipped = sum(1 for i in table.done if i < spec.samples)
    root = import_root(spec.evaluate)
    token = f"{socket.gethostname()}-{os.getpid()}-{time.time_ns()}"
    limit = timeout_s if timeout_s is not None else spec.timeout_s
    todo = [
        SampleTask(
            i,
            spec.sample(i),
            spec.evaluate,
            spec.figures,
            str(work_root),
            import_paths=(root,) if root else (),
            in_worker=scheduler is not None or workers != 0,
            timeout_s=limit,
            token=token,
        )
        for i in range(spec.samples)
        if i not in table.done
    ]
    if todo:
        from pyspice_flows.sim import osdi

        # Once, here: workers sharing this file system must not race to write the same
        # cache.  Workers elsewhere (a remote Dask cluster) compile their own.
        try:
            osdi.compile_all()
        except (osdi.OsdiCompileError, OSError) as exc:
            if scheduler is None:
                raise RuntimeError(f"cannot compile the OSDI models: {exc}") from exc

    counts = {"ok": 0, "failed": 0}
    bar = _progress_bar(spec, skipped, progress)

    def record(row: dict) -> None:
        table.append(row)
        counts[row["status"]] += 1
        bar.update(1)
        if counts["failed"]:
            bar.set_postfix(failed=counts["failed"], refresh=False)

    t0 = time.perf_counter()
    interrupted = False
    try:
        if todo and scheduler is not None:
            _run_dask(todo, scheduler, workers, record)
        elif todo and workers == 0:
            for task in todo:
                record(run_sample(task))
                if ngspice_dead():
                    raise RuntimeError(
                        f"sample {task.index} left this process's ngspice unusable; the rows so "
                        "far are kept: rerun to resume, or use worker processes (workers >= 1), "
                        "which replace such a process by a fresh one"
                    )
        elif todo:
            _run_local(todo, min(workers or default_workers(), len(todo)), record)
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        bar.close()
        table.close(sort=not interrupted)
    wall = time.perf_counter() - t0

    rows = [r for r in read_results(table.path) if r["index"] < spec.samples]
    written: tuple[Path, ...] = ()
    if plots and rows:
        written = tuple(plot_distributions(rows, spec, out_dir))
    summary_path = out_dir / "summary.json"
    write_json(summary_path, summarize(rows, spec, wall, len(todo), skipped))
    return SweepResult(
        table.path,
        ran=len(todo),
        skipped=skipped,
        ok=sum(r["status"] == "ok" for r in rows),
        failed=sum(r["status"] == "failed" for r in rows),
        wall_s=wall,
        plots=written,
        summary_path=summary_path,
    )


def _check_workers(workers: object, samples: int) -> None:
    if workers is None:
        return
    if isinstance(workers, bool) or not isinstance(workers, int) or not 0 <= workers <= samples:
        raise ValueError(
            f"workers={workers!r} is out of range; allowed 1..{samples} (the number of "
            "samples), or 0 to run the samples in this process"
        )


def _check_timeout(timeout_s: object) -> None:
    if (
        isinstance(timeout_s, bool)
        or not isinstance(timeout_s, (int, float))
        or not math.isfinite(timeout_s)
        or timeout_s <= 0
    ):
        raise ValueError(
            f"timeout={timeout_s!r} s is not allowed; a per-sample time limit must be a "
            "number > 0 s (leave it out for no limit)"
        )


MODEL_SOURCE_GLOBS = (
    "models/verilog_a/*.va",
    "models/verilog_a/*.vams",
    "models/tech/*",
    "circuits/*.py",
    "circuits/designs/*.toml",
)
"""The sources whose content is part of a sweep's identity (relative to PACKAGES_ROOT): the
models and the circuit generators (a changed neuron must be simulated again); the module
of the spec's evaluation function is added by :func:`input_digests`."""


def _evaluate_source(spec: SweepSpec) -> Path | None:
    """The file of the module holding the spec's evaluation function (None if not found)."""
    import importlib.util

    module = spec.evaluate.split(":", 1)[0]
    try:
        found = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    origin = getattr(found, "origin", None) if found else None
    return Path(origin) if origin and origin.endswith(".py") else None


def input_digests(spec: SweepSpec) -> dict:
    """SHA-256 of what a sample's numbers depend on besides the spec: the device file, the
    model sources (Verilog-A, its includes, the technology cards), the circuit generators
    and the evaluation function's module."""

    from pyspice_flows.sim.cache import file_digest as sha

    models = {}
    for pattern in MODEL_SOURCE_GLOBS:
        for path in sorted(PACKAGES_ROOT.glob(pattern)):
            if path.is_file():
                models[str(path.relative_to(PACKAGES_ROOT))] = sha(path)
    evaluate = _evaluate_source(spec)
    if evaluate is not None and evaluate.is_file():
        try:
            models[str(evaluate.relative_to(PACKAGES_ROOT))] = sha(evaluate)
        except ValueError:  # an evaluation function outside the repository
            models[str(evaluate)] = sha(evaluate)
    device = spec.device_path()
    if device is not None and not device.is_file():
        raise ValueError(f"sweep {spec.name!r}: device file {device} does not exist")
    return {
        "device": None if device is None else {"file": spec.device, "sha256": sha(device)},
        "models": models,
    }


def input_changes(old: dict, new: dict) -> list[str]:
    """What differs between two records of a sweep's inputs (:func:`input_digests`): the
    device file or its content, and each source file, as readable lines."""
    changes = []
    od, nd = old.get("device"), new.get("device")
    if (od or {}).get("file") != (nd or {}).get("file"):
        changes.append(f"device file {(od or {}).get('file')} -> {(nd or {}).get('file')}")
    elif od and nd and od.get("sha256") != nd.get("sha256"):
        changes.append(f"device file {nd['file']} changed")
    om, nm = old.get("models", {}), new.get("models", {})
    edited = sorted(k for k in om.keys() & nm.keys() if om[k] != nm[k])
    added, removed = sorted(nm.keys() - om.keys()), sorted(om.keys() - nm.keys())
    for label, names in (("changed", edited), ("added", added), ("removed", removed)):
        if names:
            changes.append(f"sources {label}: {', '.join(names)}")
    return changes


def sweep_meta(spec: SweepSpec, inputs: dict) -> dict:
    """What ``sweep_meta.json`` records of a sweep: its fingerprint and everything a reader
    needs to recompute it (:func:`area_energy.report.compare_sweep.read_sweep` does, to
    tell which design a sweep simulated): name, seed, evaluation function, parameters,
    figures, the ``[overrides]``, the device, and the neuron design's own digest
    (:meth:`SweepSpec.neuron_fingerprint`; None: the built-in design); ``inputs``: the
    digests of :func:`input_digests`."""
    return {
        "name": spec.name,
        "fingerprint": spec.fingerprint(),
        "seed": spec.seed,
        "evaluate": spec.evaluate,
        "params": [asdict(p) for p in spec.params],
        "figures": list(spec.figures),
        "overrides": spec.recorded_overrides(),
        "device": spec.device,
        "neuron_fingerprint": spec.neuron_fingerprint(),
        "inputs": inputs,
    }


def _check_meta(path: Path, spec: SweepSpec) -> None:
    """Record what the table's rows were computed from, or refuse to mix in other rows.
    A resumed sweep's record is written again (the same fingerprint and inputs), so that
    one written before it carried the overrides and the design's digest gains them."""
    meta = sweep_meta(spec, input_digests(spec))
    if path.exists():
        old = json.loads(path.read_text())
        if old.get("fingerprint") != meta["fingerprint"]:
            raise ValueError(
                f"{path.parent} holds results of a different sweep ({old.get('name')!r}, another "
                "seed, law, device or evaluation function); use another --out folder or remove it"
            )
        if "inputs" not in old:
            raise ValueError(
                f"{path.parent} holds results that recorded no device or model hashes (written "
                "by an older version): they cannot be told apart from new rows; use another "
                "--out folder or remove it"
            )
        changes = input_changes(old["inputs"], meta["inputs"])
        if changes:
            raise ValueError(
                f"{path.parent} holds rows computed from other inputs ({'; '.join(changes)}); "
                "resuming would mix them: use another --out folder, or remove it to start over"
            )
    write_json(path, meta)


def _progress_bar(spec: SweepSpec, done: int, enabled: bool):
    """A tqdm bar of the sweep's samples (``disable`` keeps the same object silent)."""
    from tqdm import tqdm

    return tqdm(
        total=spec.samples,
        initial=done,
        desc=f"sweep {spec.name}",
        unit="sample",
        dynamic_ncols=True,
        smoothing=0.1,
        disable=not enabled,
    )


def _run_local(tasks: Sequence[SampleTask], workers: int, record: Callable[[dict], None]) -> None:
    """Samples on a pool of spawned processes; a sample that kills its worker is retried alone."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    ctx = multiprocessing.get_context("spawn")
    pending = deque(tasks)
    suspects: list[SampleTask] = []
    window = 2 * workers
    while pending:
        inflight: dict = {}
        broken = False
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=init_worker
        ) as ex:
            try:
                while (pending or inflight) and not broken:
                    while pending and len(inflight) < window:
                        task = pending.popleft()
                        try:
                            inflight[ex.submit(run_sample, task)] = task
                        except BrokenProcessPool:
                            pending.appendleft(task)
                            broken = True
                            break
                    if broken:
                        break
                    done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                    for fut in done:
                        task = inflight.pop(fut)
                        try:
                            record(fut.result())
                        except BrokenProcessPool:
                            broken = True
                            suspects.append(task)
                if broken:
                    # the pool fails every future still open; keep the results that came
                    wait(inflight)
                    for fut, task in inflight.items():
                        try:
                            record(fut.result())
                        except BrokenProcessPool:
                            suspects.append(task)
                    inflight.clear()
            except BaseException:
                for fut in inflight:
                    fut.cancel()
                ex.shutdown(wait=False, cancel_futures=True)
                raise
        # A worker died.  One that ended itself left a note: its watchdog stopped a
        # sample over its time limit (recorded as failed), or its ngspice could no longer
        # be used and it retired before starting a sample (that sample is queued again).
        # The other samples in flight go back to the queue.  Without a note (a crash
        # inside ngspice, out of memory) each sample in flight runs alone, so the one that
        # kills its process is the one recorded.
        timed_out = {t.index: row for t in suspects if (row := timeout_row(t)) is not None}
        retired = {t.index for t in suspects if task_retired(t)}
        if timed_out or retired:
            for row in timed_out.values():
                record(row)
            again = sorted((t for t in suspects if t.index not in timed_out), key=lambda t: t.index)
            pending.extendleft(reversed(again))
            suspects = []
            continue
        for task in sorted(suspects, key=lambda t: t.index):
            with ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=init_worker) as one:
                try:
                    record(one.submit(run_sample, task).result())
                except BrokenProcessPool as exc:
                    record(
                        crashed_row(task, f"worker process died while running this sample ({exc})")
                    )
        suspects = []


DASK_ATTEMPTS = 3
"""Submissions of one sample to Dask before a lost sample is recorded as failed: a worker
that dies (a timeout, a crash) takes the samples queued on it along."""


def _run_dask(tasks: Sequence[SampleTask], scheduler, workers: int | None, record) -> None:
    """Samples on a Dask cluster (address or Client); a sample lost with its worker is
    submitted again, up to DASK_ATTEMPTS times, then recorded as failed."""
    # no path plugin: a sample's task carries its import paths.  (With the plugin, one CI
    # run hung in the worker-restart test with no worker left; the plugin was the one
    # change on this path, and the sweep needs none)
    client, own = connect(scheduler, worker_paths=False)
    try:
        nworkers = max(1, len(client.scheduler_info().get("workers", {})))
        # one sample per worker in flight: a worker that dies then takes no queue along
        window = max(workers or 0, nworkers)
        pending = deque(tasks)
        running: dict = {}  # key -> (future, task)
        attempts: dict[int, int] = {}
        token = f"{os.getpid()}-{time.time_ns()}"

        def submit():
            task = pending.popleft()
            attempts[task.index] = attempts.get(task.index, 0) + 1
            key = f"ipnet-sweep-{token}-{task.index}-{attempts[task.index]}"
            fut = client.submit(run_sample, task, key=key, pure=False, retries=0)
            running[fut.key] = (fut, task)

        while pending and len(running) < window:
            submit()
        watch = WorkerWatch(client)  # every worker gone for good: an error, not a hang
        while running:
            for fut in watch.first_done([f for f, _ in running.values()]):
                task = running.pop(fut.key)[1]
                try:
                    row = watch.result(fut)
                except NoWorkerError:
                    raise
                except Exception as exc:  # noqa: BLE001 - KilledWorker, lost connection, ...
                    row = timeout_row(task)
                    if row is None and attempts[task.index] < DASK_ATTEMPTS:
                        pending.appendleft(task)
                    else:
                        row = row or crashed_row(task, f"dask: {type(exc).__name__}: {exc}")
                if row is not None:
                    record(row)
                fut.release()
            while pending and len(running) < window:
                submit()
    finally:
        if own:
            client.close()
