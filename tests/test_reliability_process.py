"""Runs beside other runs and under signals (issue 25, classes 4 and 6), as processes through
``ipnet``: one writer per ``--out`` (a second one refused at once, naming the holder's pid;
a dead holder's lock taken over), and Ctrl-C inside ngspice ending quietly with exit 130."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from circuits.paths import REPO_ROOT
from pyspice_flows.app import outlock

TESTS_DIR = Path(__file__).resolve().parent
NO_SUCH_PID = 999_999_999  # above any pid_max: no such process


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO_ROOT), str(TESTS_DIR)]))
    env.update(extra)
    return env


def ipnet(*args: str, cwd: Path, timeout: float = 60):
    t0 = time.monotonic()
    res = subprocess.run(
        [sys.executable, "-m", "area_energy.cli", *args],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return res, time.monotonic() - t0


def _sigint_default() -> None:
    """In the child: SIGINT at its default disposition, so Python turns it into
    KeyboardInterrupt even when the suite runs as a background job (SIGINT ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_ipnet(*args: str, cwd: Path, **extra_env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "area_energy.cli", *args],
        cwd=cwd,
        env=_env(**extra_env),
        preexec_fn=_sigint_default,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_line(proc: subprocess.Popen, needle: str, timeout: float) -> None:
    """Read stdout until a line holding ``needle`` (on a thread: readline blocks)."""
    seen: list[str] = []
    found = threading.Event()

    def reader():
        for line in proc.stdout:
            seen.append(line)
            if needle in line:
                found.set()
        found.set()

    threading.Thread(target=reader, daemon=True).start()
    if not found.wait(timeout) or proc.poll() is not None:
        proc.kill()
        _, err = proc.communicate(timeout=30)
        pytest.fail(f"ipnet did not reach {needle!r}:\n{''.join(seen)}\n{err}")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


# ----------------------------------------------------------------------------- --out lock
@pytest.mark.slow
def test_a_second_writer_into_the_same_out_is_refused_at_once(tmp_path):
    out = tmp_path / "reports"
    first = start_ipnet("report", "--out", str(out), cwd=tmp_path)
    try:
        wait_for_line(first, "simulating", timeout=120)
        first.send_signal(signal.SIGSTOP)  # holds its claim, frozen mid-run
        lock = outlock.lock_path(out)
        assert lock.read_text().strip() == str(first.pid)
        for command in (("report",), ("plasticity",), ("behavioural", "--quick")):
            res, wall = ipnet(*command, "--out", str(out), cwd=tmp_path)
            assert res.returncode == 1, res.stderr
            lines = res.stderr.strip().splitlines()
            assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
            assert f"--out {out} is being written by another run (pid {first.pid}" in lines[0]
            assert lines[0].startswith(f"ipnet {command[0]}: error: ")
            assert wall < 30
        # another folder beside it is free
        res, _ = ipnet("netlists", "--out", str(tmp_path / "n"), cwd=tmp_path)
        assert res.returncode == 0, res.stderr
    finally:
        first.kill()  # SIGKILL: no code runs, the lock file stays with a dead pid
        first.wait(timeout=30)
    assert lock.read_text().strip() == str(first.pid)
    # the dead holder's lock is taken over (the kernel dropped its flock)
    assert outlock.claim_out_dir(out) == out
    assert lock.read_text().strip() == str(os.getpid())
    outlock.release_out_dir(out)
    assert not lock.exists()


def test_a_stale_lock_file_is_taken_over_and_removed_at_exit(tmp_path):
    out = tmp_path / "sweep"
    lock = outlock.lock_path(out)
    lock.write_text(f"{NO_SUCH_PID}\n")
    code = (
        "import sys; from pathlib import Path; from pyspice_flows.app import outlock;"
        "out = Path(sys.argv[1]); outlock.claim_out_dir(out);"
        "print(outlock.lock_path(out).read_text().strip())"
    )
    res = subprocess.run(
        [sys.executable, "-c", code, str(out)],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().isdigit() and int(res.stdout) != NO_SUCH_PID
    assert not lock.exists()  # removed when its holder exited


# ----------------------------------------------------------------------------- Ctrl-C
@pytest.mark.parametrize("gap_s", [0.0, 0.003])
@pytest.mark.slow
def test_ctrl_c_inside_ngspice_exits_130_quietly_and_keeps_the_previous_report(tmp_path, gap_s):
    """One Ctrl-C, and a double one (a user pressing twice, 3 ms apart: the second used to
    land in ngspice's output callback while it halted and print "Exception ignored from
    cffi callback")."""
    out = tmp_path / "reports"
    out.mkdir()
    (out / "energy_report.json").write_text('{"previous": true}\n')
    (out / "energy_report.md").write_text("# the previous report\n")
    before = snapshot(out)
    # no simulation cache: the report must be inside ngspice, not reading stored results
    proc = start_ipnet("report", "--out", str(out), cwd=tmp_path, IPNET_SIM_CACHE="off")
    try:
        wait_for_line(proc, "simulating", timeout=120)
        time.sleep(1.0)  # inside a simulation now
        proc.send_signal(signal.SIGINT)
        if gap_s:
            time.sleep(gap_s)
            proc.send_signal(signal.SIGINT)
        t0 = time.monotonic()
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    assert proc.returncode == 130, err
    assert time.monotonic() - t0 < 30
    assert err.strip().splitlines() == ["ipnet report: interrupted; nothing half-written was kept"]
    assert snapshot(out) == before
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name or p.suffix == ".lock"]


def test_an_interruption_inside_an_extension_s_set_up_still_exits_130(tmp_path):
    """A KeyboardInterrupt leaving code run through PyRun_* (as scipy's compiled modules
    set themselves up: a Ctrl-C during the report's lazy scipy import) marks CPython's
    'unhandled interrupt' flag even though run_main handles it: the process then died by
    SIGINT (status -2) instead of exiting 130."""
    (tmp_path / "probe.py").write_text(
        "import ctypes, sys\n"
        "from pyspice_flows.app.commandline import run_main\n"
        "def body():\n"
        "    ctypes.pythonapi.PyRun_SimpleString(b'raise KeyboardInterrupt')\n"
        "    raise KeyboardInterrupt\n"
        "sys.exit(run_main('probe', body))\n"
    )
    env = _env()
    env["PYTHONPATH"] += os.pathsep + str(tmp_path)
    res = subprocess.run(  # as a module (-m), like ipnet's subcommands
        [sys.executable, "-m", "probe"],
        cwd=tmp_path,
        env=env,
        preexec_fn=_sigint_default,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert res.returncode == 130, res.stderr
    assert res.stderr.strip().endswith("probe: interrupted; nothing half-written was kept")
