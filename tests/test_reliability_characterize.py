"""``ipnet characterize`` (issue 25, classes 4 and 6): its CSV/PNG set is published at once
from a staging folder, each simulation has a time limit, ``--temp`` is checked, and every
failure is one line that leaves the previous set as it was.  Refusals of arguments run
``ipnet``'s ``main(argv)`` in the test process; a time limit and Ctrl-C stop a real one."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from inprocess_cli import ipnet

from circuits.paths import REPO_ROOT

TESTS_DIR = Path(__file__).resolve().parent


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO_ROOT), str(TESTS_DIR)]))


def _sigint_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # also when the suite runs as a background job


def characterize(*args: str, cwd: Path, timeout: float = 120):
    t0 = time.monotonic()
    res = subprocess.run(
        [sys.executable, "-m", "area_energy.cli", "characterize", *args],
        cwd=cwd,
        env=_env(),
        preexec_fn=_sigint_default,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return res, time.monotonic() - t0


def previous_set(folder: Path) -> dict[str, bytes]:
    folder.mkdir()
    (folder / "rv_loop.csv").write_text("v_V,r_ohm\n0,1\n")
    (folder / "rv_loop.png").write_bytes(b"not a real png")
    (folder / "notes.txt").write_text("not characterize's\n")
    return snapshot(folder)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def leftovers(parent: Path) -> list[str]:
    return [p.name for p in parent.iterdir() if ".partial-" in p.name or p.suffix == ".lock"]


def test_a_simulation_past_its_time_limit_ends_the_run_in_one_line(tmp_path):
    out = tmp_path / "char"
    before = previous_set(out)
    res, wall = characterize("--out", str(out), "--timeout", "0.05", cwd=tmp_path)
    assert res.returncode == 1, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    assert lines[0] == (
        "ipnet characterize: error: the R-V loop simulation did not finish within 0.05 s "
        "(the time limit; --timeout sets it)"
    )
    assert wall < 60
    assert snapshot(out) == before and not leftovers(tmp_path)


def test_temperatures_and_time_limits_are_checked_before_any_work(tmp_path, capsys):
    for args, message in (
        (
            ("--temp", "27"),
            "allowed 200 .. 500 K (kelvin, not Celsius; as Celsius it would be 300.15 K)",
        ),
        (("--temp", "900"), "allowed 200 .. 500 K"),
        (("--timeout", "0"), "--timeout '0' must be a finite number > 0"),
        (("--timeout", "nan"), "--timeout 'nan' must be a finite number > 0"),
    ):
        res = ipnet(capsys, "characterize", *args, "--out", str(tmp_path / "c"), cwd=tmp_path)
        assert res.code == 2, (args, res.stderr)
        assert message in res.stderr, res.stderr
        assert res.stderr.splitlines()[0].startswith("usage: ipnet characterize ")
        assert res.wall_s < 30
    assert not (tmp_path / "c").exists()


def test_a_folder_given_as_the_device_is_one_line(tmp_path, capsys):
    res = ipnet(
        capsys,
        "characterize",
        "--device",
        str(tmp_path),
        "--out",
        str(tmp_path / "c"),
        cwd=tmp_path,
    )
    assert res.code == 1
    assert res.error_line().startswith(f"ipnet characterize: error: --device {tmp_path}")
    assert not (tmp_path / "c").exists()


@pytest.mark.slow
def test_ctrl_c_mid_run_keeps_the_previous_set_whole(tmp_path):
    out = tmp_path / "char"
    before = previous_set(out)
    proc = subprocess.Popen(
        [sys.executable, "-m", "area_energy.cli", "characterize", "--out", str(out)],
        cwd=tmp_path,
        env=_env(),
        preexec_fn=_sigint_default,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not leftovers(tmp_path) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)  # the staging folder appears once the device is loaded
        assert proc.poll() is None, proc.communicate()
        time.sleep(1.5)  # inside the simulations now, some files staged
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == [
        "ipnet characterize: interrupted; nothing half-written was kept"
    ]
    assert snapshot(out) == before and not leftovers(tmp_path)
