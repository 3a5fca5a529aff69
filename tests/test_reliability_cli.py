"""Absurd input and devices that cannot work, refused by the ``ipnet`` commands before any
simulation (issue 25): each case runs ``ipnet``'s ``main(argv)`` in the test process
(tests/inprocess_cli.py) and ends in well under a second; the process-level cases (a
killed run leaves no process) start processes."""

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from inprocess_cli import ipnet

from circuits.mtj_device import DEFAULT_DEVICE
from circuits.paths import REPO_ROOT
from pyspice_flows import sweep

TESTS_DIR = Path(__file__).resolve().parent


def device(folder: Path, name: str, **values) -> Path:
    """The default device file with some entries' values replaced (and ra/rp kept consistent
    by the caller)."""
    text = DEFAULT_DEVICE.read_text()
    for key, value in values.items():
        text = re.sub(
            rf"(\[params.{key}\]\n(?:.*\n)*?)value = .*", rf"\g<1>value = {value}", text, count=1
        )
    path = folder / name
    path.write_text(text)
    return path


@pytest.fixture
def low_ra(tmp_path):
    # RA 3.14 ohm um^2 at 40 nm: rp = 2.5 kOhm (consistent with ra and diameter)
    return device(tmp_path, "low_ra.toml", ra="3.1416e-12", rp="2.5e3")


def test_ic0_in_amperes_is_refused_by_report_before_simulating(tmp_path, capsys):
    bad = device(tmp_path, "amperes.toml", ic0="39")
    res = ipnet(capsys, "report", "--device", str(bad), "--out", str(tmp_path / "r"), cwd=tmp_path)
    assert res.code == 1
    line = res.error_line()
    assert "[params.ic0]: ic0=39 A is out of range; allowed [1e-06, 0.001] A" in line, line
    assert str(bad) in line and not (tmp_path / "r").exists() and res.wall_s < 30


@pytest.mark.parametrize(
    "command",
    [
        ("report",),
        ("plasticity",),
        ("working-memory-v2", "--quick", "--workers", "1"),
    ],
)
def test_a_low_ra_device_is_refused_with_its_margin_before_simulating(
    tmp_path, low_ra, command, capsys
):
    out = tmp_path / "out"
    res = ipnet(capsys, *command, "--device", str(low_ra), "--out", str(out), cwd=tmp_path)
    assert res.code == 1, res.stderr
    line = res.error_line()
    assert re.search(r"rp = 2.5 kOhm gives a detector margin of 1\d\.\d mV at 27 C", line), line
    assert "needs >= 17.3 mV" in line and f"--device {low_ra}" in line
    assert not out.exists() and res.wall_s < 30


def test_a_sweep_of_a_low_ra_device_is_refused_before_any_sample(tmp_path, low_ra, capsys):
    text = sweep.DEFAULT_SPEC.read_text()
    spec = tmp_path / "low_ra_sweep.toml"
    spec.write_text(re.sub(r'(?m)^device = ".*"$', f'device = "{low_ra}"', text))
    res = ipnet(capsys, "sweep", "--spec", str(spec), "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert res.code == 1
    line = res.error_line()
    assert "rp = 2.5 kOhm gives a detector margin of" in line and "VDD 0.81 V" in line, line
    assert not (tmp_path / "o").exists() and res.wall_s < 30


def test_celsius_temperatures_in_a_sweep_spec_are_refused_at_load(tmp_path, capsys):
    text = sweep.DEFAULT_SPEC.read_text().replace(
        "values = [273.15, 300.15, 358.15]", "values = [0, 27, 85]"
    )
    spec = tmp_path / "celsius.toml"
    spec.write_text(text)
    res = ipnet(capsys, "sweep", "--spec", str(spec), "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert res.code == 1
    line = res.error_line()
    assert "[params.temp_k]: values[0] = 0 K is out of range; allowed 200 .. 500 K" in line
    assert "look like Celsius: in kelvin they are [273.15, 300.15, 358.15]" in line, line


def test_a_value_in_kilo_ohm_reaches_the_netlist_in_ohm(tmp_path, capsys):
    kohm = device(tmp_path, "kohm.toml", rp="7.958")
    kohm.write_text(
        kohm.read_text().replace('value = 7.958\nunit = "ohm"', 'value = 7.958\nunit = "kOhm"')
    )
    res = ipnet(
        capsys, "netlists", "--device", str(kohm), "--out", str(tmp_path / "n"), cwd=tmp_path
    )
    assert res.code == 0, res.stderr
    netlists = list((tmp_path / "n").glob("ipnet*.cir"))
    assert netlists and all(" rp=7958 " in p.read_text() for p in netlists)


# ----------------------------------------------------------------------------- counts
@pytest.mark.parametrize("option, value", [("--repeats", "0"), ("--sweep-pairs", "-1")])
def test_zero_or_negative_counts_are_usage_errors(tmp_path, option, value, capsys):
    res = ipnet(capsys, "bench", option, value, "--out", str(tmp_path / "b.json"), cwd=tmp_path)
    assert res.code == 2
    assert f"{option} '{value}': allowed 1 or more" in res.stderr
    assert not (tmp_path / "b.json").exists()


# ----------------------------------------------------------------------------- output folders
def test_output_folders_are_checked_before_any_work(tmp_path, monkeypatch):
    import argparse

    from pyspice_flows.app.commandline import checked_out_dir, output_path

    monkeypatch.setenv("HOME", str(tmp_path))
    assert output_path("~/r") == tmp_path / "r"  # ~ expanded, not a folder named '~'
    with pytest.raises(argparse.ArgumentTypeError, match="empty"):
        output_path("")
    a_file = tmp_path / "f"
    a_file.write_text("x")
    dangling = tmp_path / "link"
    dangling.symlink_to(tmp_path / "gone")
    t0 = time.monotonic()
    for bad, message in (
        (a_file, "is a file, not a folder"),
        (a_file / "sub", f"{a_file} is a file, not a folder"),
        (dangling, "is a symbolic link to nothing"),
    ):
        with pytest.raises(ValueError, match=message):
            checked_out_dir(bad)
    assert time.monotonic() - t0 < 1.0
    assert checked_out_dir(tmp_path / "new" / "r") == tmp_path / "new" / "r"


@pytest.mark.parametrize("command", ["plasticity", "behavioural", "report"])
def test_an_unusable_out_is_refused_by_the_command_before_simulating(tmp_path, command, capsys):
    blocker = tmp_path / "f"
    blocker.write_text("x")
    res = ipnet(capsys, command, "--out", str(blocker / "sub"), cwd=tmp_path)
    assert res.code == 1
    assert f"--out {blocker / 'sub'}: {blocker} is a file, not a folder" in res.error_line()
    res = ipnet(capsys, command, "--out", "", cwd=tmp_path)
    assert res.code == 2 and "empty" in res.stderr


# ----------------------------------------------------------------------------- one handler
def test_every_subcommand_has_one_error_line_and_debug(tmp_path, capsys):
    missing = str(tmp_path / "nope.toml")
    res = ipnet(
        capsys, "characterize", "--device", missing, "--out", str(tmp_path / "c"), cwd=tmp_path
    )
    assert res.code == 1
    assert res.error_line().startswith("ipnet characterize: error:") and "nope.toml" in res.stderr
    res = ipnet(
        capsys,
        "characterize",
        "--device",
        missing,
        "--out",
        str(tmp_path / "c"),
        "--debug",
        cwd=tmp_path,
    )
    assert res.code == 1 and "Traceback" in res.stderr
    # a subcommand with its own handler keeps its --debug
    res = ipnet(capsys, "netlists", "--device", missing, "--out", str(tmp_path / "n"), cwd=tmp_path)
    assert res.code == 1 and "Traceback" not in res.stderr
    assert res.error_line().startswith("ipnet netlists: error:") and "nope.toml" in res.stderr
    res = ipnet(
        capsys,
        "netlists",
        "--device",
        missing,
        "--out",
        str(tmp_path / "n"),
        "--debug",
        cwd=tmp_path,
    )
    assert res.code == 1 and "Traceback" in res.stderr


# ----------------------------------------------------------------------------- processes
def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


@pytest.mark.slow
def test_a_sigkilled_working_memory_run_leaves_no_process_of_its_group(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO_ROOT), str(TESTS_DIR)]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "area_energy.cli", "working-memory-v2", "--quick", "--workers", "2"]
        + ["--out", str(tmp_path / "wm")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)  # the workers (and the resource tracker) are running
        assert len(_children(proc.pid)) >= 2, "no worker processes started"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 15
        while _group_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _group_alive(proc.pid), "processes of the killed run are still running"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def test_stale_compile_temporaries_are_removed_and_the_lock_kept(tmp_path):
    from pyspice_flows.sim.osdi import remove_stale_temporaries

    stale = [tmp_path / ".mtj.abc123.osdi.tmp", tmp_path / ".mtj.sha256.99.tmp"]
    keep = [tmp_path / ".mtj.lock", tmp_path / "mtj.osdi", tmp_path / ".mtj_stoch.x.osdi.tmp"]
    for p in stale + keep:
        p.write_text("x")
    assert sorted(remove_stale_temporaries(tmp_path, "mtj")) == sorted(stale)
    assert all(p.exists() for p in keep) and not any(p.exists() for p in stale)


def test_a_damaged_cache_entry_is_named_removed_and_simulated_again(tmp_path, capsys):
    import numpy as np

    from behavioural.spice import load_cached

    good = tmp_path / "good.npz"
    np.savez(good, a=np.arange(3.0))
    assert list(load_cached(good, ["a"])["a"]) == [0.0, 1.0, 2.0]
    bad = tmp_path / "bad.npz"
    bad.write_bytes(good.read_bytes()[:40])  # truncated
    assert load_cached(bad, ["a"]) is None
    assert f"removed the damaged cache entry {bad}" in capsys.readouterr().err
    assert not bad.exists()


@pytest.mark.parametrize("command", [("working-memory",), ("sweep", "--no-progress")])
def test_more_workers_than_cores_is_a_usage_error_without_oversubscribe(tmp_path, command, capsys):
    cores = len(os.sched_getaffinity(0))
    res = ipnet(capsys, *command, "--workers", "99", "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert res.code == 2
    assert f"--workers 99: allowed 0..{cores} (the usable cores); add --oversubscribe" in res.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("workers", ["0", "1"])
def test_a_bad_thread_count_stops_a_sweep_before_any_sample(tmp_path, workers, capsys):
    res = ipnet(
        capsys,
        "sweep",
        "--workers",
        workers,
        "--no-progress",
        "--out",
        str(tmp_path / "o"),
        cwd=tmp_path,
        env={"IPNET_NGSPICE_THREADS": "abc"},
    )
    assert res.code == 1
    assert "IPNET_NGSPICE_THREADS='abc' is not an integer" in res.error_line()
    assert not (tmp_path / "o").exists()
