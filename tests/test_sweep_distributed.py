"""The distributed sweep exactly as users type it, against a real Dask cluster.

``dask scheduler`` and ``dask worker`` run as separate processes on 127.0.0.1, started
and stopped by the fixture below; ``python -m pyspice_flows.sweep --scheduler ...`` runs
as a third process.  Under ``-m`` the command line lives in ``__main__``: the task the
workers receive must be pickled by reference (``pyspice_flows.sweep.worker.run_sample``),
never by value with ``__main__``'s globals.  About 15 s on 2 idle cores.
"""

import contextlib
import csv
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import distributed
import pytest

from circuits.paths import REPO_ROOT

TESTS_DIR = Path(__file__).resolve().parent
HOST = "127.0.0.1"
START_TIMEOUT_S = 60
SWEEP_TIMEOUT_S = 240
NON_DETERMINISTIC = ("elapsed_s", "worker")

SPEC = """\
name = "tiny_distributed"
evaluate = "test_sweep:mtj_sample_metrics"
samples = 3
seed = 11
figures = ["switch_time_s", "tau_th_s", "cwd_index"]

[params.ic0]
dist = "lognormal"
sigma = 0.05

[params.rth]
dist = "normal"
rel_sigma = 0.1

[params.temp_k]
dist = "cycle"
values = [300.15, 358.15]
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # the project (workers need it importable) and the evaluation function's module
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), str(TESTS_DIR)])
    env["IPNET_NGSPICE_THREADS"] = "1"
    env.pop("DASK_SCHEDULER_ADDRESS", None)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _dask_cli() -> list[str]:
    exe = Path(sys.executable).with_name("dask")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "dask"]


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A scheduler and one worker (one process, one thread), each its own process group."""
    logs = tmp_path_factory.mktemp("dask_logs")
    port = _free_port()
    address = f"tcp://{HOST}:{port}"
    procs = []
    try:
        with (logs / "scheduler.log").open("w") as log:
            procs.append(
                subprocess.Popen(
                    [*_dask_cli(), "scheduler", "--host", HOST, "--port", str(port)]
                    + ["--no-dashboard"],
                    cwd=logs,
                    env=_env(),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
                break
            if time.monotonic() > deadline or procs[0].poll() is not None:
                pytest.fail(
                    f"dask scheduler did not start:\n{(logs / 'scheduler.log').read_text()}"
                )
            time.sleep(0.2)
        with (logs / "worker.log").open("w") as log:
            procs.append(
                subprocess.Popen(
                    [*_dask_cli(), "worker", address, "--host", HOST, "--nworkers", "1"]
                    + ["--nthreads", "1", "--no-dashboard", "--local-directory", str(logs)],
                    cwd=logs,
                    env=_env(),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        with distributed.Client(address, timeout=START_TIMEOUT_S) as client:
            client.wait_for_workers(1, timeout=START_TIMEOUT_S)
        yield address
    finally:
        for proc in reversed(procs):
            _stop(proc)


def _sweep_cli(*args: str, cwd: Path, timeout: float = SWEEP_TIMEOUT_S):
    return subprocess.run(
        [sys.executable, "-m", "pyspice_flows.sweep", "--no-progress", *args],
        check=False,
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _rows(path: Path) -> list[dict]:
    with path.open(newline="") as fh:
        return [
            {k: v for k, v in r.items() if k not in NON_DETERMINISTIC} for r in csv.DictReader(fh)
        ]


@pytest.mark.slow
def test_command_line_on_a_real_scheduler_gives_the_local_rows(dask_cluster, tmp_path):
    spec = tmp_path / "tiny.toml"
    spec.write_text(SPEC)
    remote = _sweep_cli(
        "--spec", str(spec), "--out", "remote", "--scheduler", dask_cluster, cwd=tmp_path
    )
    assert remote.returncode == 0, remote.stdout + remote.stderr
    assert "3 ok, 0 failed" in remote.stdout
    local = _sweep_cli("--spec", str(spec), "--out", "local", "--workers", "2", cwd=tmp_path)
    assert local.returncode == 0, local.stdout + local.stderr
    rows = _rows(tmp_path / "remote" / "results.csv")
    assert [r["index"] for r in rows] == ["0", "1", "2"]
    assert all(r["status"] == "ok" for r in rows)
    assert rows == _rows(tmp_path / "local" / "results.csv")
    # the samples ran on the Dask worker, not in the command's process
    with (tmp_path / "remote" / "results.csv").open(newline="") as fh:
        workers = {r["worker"] for r in csv.DictReader(fh)}
    assert len(workers) == 1 and workers != {""}


@pytest.mark.slow
def test_an_unreachable_scheduler_is_one_clear_line(tmp_path):
    spec = tmp_path / "tiny.toml"
    spec.write_text(SPEC)
    address = f"tcp://{HOST}:{_free_port()}"  # nothing listens there
    t0 = time.monotonic()
    res = _sweep_cli("--spec", str(spec), "--out", "o", "--scheduler", address, cwd=tmp_path)
    assert res.returncode == 1
    assert time.monotonic() - t0 < 60
    err = res.stderr.strip().splitlines()
    assert len(err) == 1, res.stderr
    assert address in err[0] and "Traceback" not in res.stderr
