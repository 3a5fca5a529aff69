"""The stochastic trials of ``ipnet neuron-v4`` and ``ipnet working-memory`` on a real Dask
cluster, exactly as users type the commands (issues 20 and 21: trials on the sweep's
machinery, local workers or Dask).

The cluster is :mod:`test_sweep_distributed`'s: ``dask scheduler`` and one ``dask worker``
(one process, one thread) as separate processes on 127.0.0.1.  The command runs as a
third process with ``--scheduler``; its ``summary.json`` must equal, byte for byte, the
one of the same command on a local worker process (the seeds travel in the tasks), and
the scheduler must have run the trials (its count of finished ``call_in_worker`` tasks).
The refusals (an unreachable or malformed address) run in-process (tests/inprocess_cli.py).
"""

import json
import socket
import subprocess
import sys
from pathlib import Path

import distributed
import pytest
import test_sweep_distributed
from inprocess_cli import ipnet

from pyspice_flows.app import tasks

dask_cluster = test_sweep_distributed.dask_cluster  # the same module-scoped fixture
HOST = test_sweep_distributed.HOST
RUN_TIMEOUT_S = 600
# the smallest runs that still exercise every protocol / measurement and control:
# (command line, the tasks it runs at least)
COMMANDS = {
    "working-memory": (["working-memory", "--quick", "--trials", "2", "--seed", "3"], 10),
    "neuron-v4": (["neuron-v4", "--quick", "--trials", "2"], 8),
}


def _ipnet_process(*args: str, cwd: Path) -> subprocess.CompletedProcess:
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
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_trials_on_a_real_scheduler_give_the_local_summary(dask_cluster, tmp_path, command):
    argv, at_least = COMMANDS[command]
    before = _finished_on_scheduler(dask_cluster)
    remote = _ipnet_process(*argv, "--out", "remote", "--scheduler", dask_cluster, cwd=tmp_path)
    assert remote.returncode == 0, remote.stdout + remote.stderr
    ran = _finished_on_scheduler(dask_cluster) - before
    assert ran >= at_least, f"only {ran} tasks ran on the Dask worker"
    local = _ipnet_process(*argv, "--out", "local", "--workers", "1", cwd=tmp_path)
    assert local.returncode == 0, local.stdout + local.stderr
    summary = (tmp_path / "remote" / "summary.json").read_text()
    assert json.loads(summary)  # a summary, not an empty file
    assert summary == (tmp_path / "local" / "summary.json").read_text()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


REFUSING = {name: argv for name, (argv, _) in COMMANDS.items()} | {
    "working-memory-v2": ["working-memory-v2", "--quick"],
}


@pytest.mark.parametrize("command", sorted(REFUSING))
def test_an_unreachable_scheduler_is_one_line_before_any_simulation(
    tmp_path, capsys, monkeypatch, command
):
    monkeypatch.setattr(tasks, "DASK_CONNECT_TIMEOUT_S", 1.0)
    address = f"tcp://{HOST}:{_free_port()}"  # nothing listens there
    argv = [*REFUSING[command], "--out", str(tmp_path / "o"), "--scheduler", address]
    res = ipnet(capsys, *argv, cwd=tmp_path)
    assert res.code == 1, res.stdout + res.stderr
    line = res.error_line()
    assert f"cannot reach the Dask scheduler at {address} within 1 s" in line, line
    assert res.wall_s < 30 and not (tmp_path / "o").exists()


@pytest.mark.parametrize("address", ["127.0.0.1:8786", "tcp://127.0.0.1", "tcp://h:99999"])
def test_a_malformed_scheduler_address_is_a_usage_error(tmp_path, capsys, address):
    res = ipnet(capsys, "neuron-v4", "--quick", "--scheduler", address, cwd=tmp_path)
    assert res.code == 2, res.stdout + res.stderr
    assert "--scheduler" in res.stderr and "tcp://host:port" in res.stderr
