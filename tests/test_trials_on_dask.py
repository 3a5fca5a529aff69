"""The stochastic trials of ``ipnet neuron-v4`` and ``ipnet working-memory`` on a real Dask
cluster, exactly as users type the commands (issues 20 and 21: trials on the sweep's
machinery, local workers or Dask).

The cluster is :mod:`test_sweep_distributed`'s: ``dask scheduler`` and one ``dask worker``
(one process, one thread) as separate processes on 127.0.0.1.  The command runs as a
third process with ``--scheduler``; its ``summary.json`` must equal, byte for byte, the
one of the same command on a local worker process (the seeds travel in the tasks), and
the scheduler must have run the trials (its record of finished ``call_in_worker`` tasks).
"""

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import distributed
import pytest
import test_sweep_distributed

dask_cluster = test_sweep_distributed.dask_cluster  # the same module-scoped fixture
HOST = test_sweep_distributed.HOST
RUN_TIMEOUT_S = 600
# the smallest run that still exercises every protocol and control: 2 trials per point
WORKING_MEMORY = ["working-memory", "--quick", "--trials", "2", "--seed", "3"]


def _ipnet(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "area_energy.cli", *args],
        check=False,
        cwd=cwd,
        env=test_sweep_distributed._env(),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )


def _finished_on_scheduler(address: str) -> int:
    """How many tasks of the shared runner (``call_in_worker``) reached a worker's memory."""

    def count(dask_scheduler) -> int:
        prefix = dask_scheduler.task_prefixes.get("call_in_worker")
        return 0 if prefix is None else int(prefix.state_counts.get("memory", 0))

    with distributed.Client(address, timeout=30) as client:
        return client.run_on_scheduler(count)


@pytest.mark.slow
def test_working_memory_on_a_real_scheduler_gives_the_local_summary(dask_cluster, tmp_path):
    before = _finished_on_scheduler(dask_cluster)
    remote = _ipnet(*WORKING_MEMORY, "--out", "remote", "--scheduler", dask_cluster, cwd=tmp_path)
    assert remote.returncode == 0, remote.stdout + remote.stderr
    ran = _finished_on_scheduler(dask_cluster) - before
    assert ran >= 10, f"only {ran} tasks ran on the Dask worker"
    local = _ipnet(*WORKING_MEMORY, "--out", "local", "--workers", "1", cwd=tmp_path)
    assert local.returncode == 0, local.stdout + local.stderr
    summary = (tmp_path / "remote" / "summary.json").read_text()
    assert json.loads(summary)["plan"]["trials"] == 2
    assert summary == (tmp_path / "local" / "summary.json").read_text()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def test_an_unreachable_scheduler_is_one_line_before_any_simulation(tmp_path):
    address = f"tcp://{HOST}:{_free_port()}"  # nothing listens there
    t0 = time.monotonic()
    res = _ipnet(*WORKING_MEMORY, "--out", "o", "--scheduler", address, cwd=tmp_path)
    assert res.returncode == 1, res.stdout + res.stderr
    assert time.monotonic() - t0 < 60
    err = res.stderr.strip().splitlines()
    assert len(err) == 1 and address in err[0] and "Traceback" not in res.stderr, res.stderr
    assert "cannot reach the Dask scheduler" in err[0]
    assert not (tmp_path / "o").exists() and "working memory:" not in res.stdout


@pytest.mark.parametrize("address", ["127.0.0.1:8786", "tcp://127.0.0.1", "tcp://h:99999"])
def test_a_malformed_scheduler_address_is_a_usage_error(tmp_path, address):
    res = _ipnet("neuron-v4", "--quick", "--scheduler", address, "--out", "o", cwd=tmp_path)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "--scheduler" in res.stderr and "tcp://host:port" in res.stderr
    assert not (tmp_path / "o").exists()
