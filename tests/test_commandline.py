"""Every documented command: arguments, exit codes, messages, signals.

Arguments and refusals run each command's ``main(argv)`` in the test process
(tests/inprocess_cli.py); the slow tier runs them also as users type them, as processes
(``python -m ...`` and the ``ipnet`` script), and the signal tests need processes too.  All
in a temporary folder; none writes into reports/ or build/ here except the OSDI cache.
Exit codes: 0 ok, 1 error (one line on stderr), 2 usage error, 130 after SIGINT, 143 after
SIGTERM.
"""

import contextlib
import importlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from inprocess_cli import ipnet, run_in_process

from area_energy.cli import SUBCOMMANDS
from circuits.paths import REPO_ROOT
from pyspice_flows.app import staging
from pyspice_flows.sim import session as session_mod
from pyspice_flows.sim.session import OperatingPoint, Transient

TESTS_DIR = Path(__file__).resolve().parent
COMMANDS = (
    "area_energy.report",
    "pyspice_flows.experiments.plasticity",
    "pyspice_flows.testbenches",
    "pyspice_flows.sweep",
)
IPNET_NAME = {  # the ipnet subcommand each module is (its usage line says so)
    "area_energy.report": "report",
    "pyspice_flows.experiments.plasticity": "plasticity",
    "pyspice_flows.testbenches": "netlists",
    "pyspice_flows.sweep": "sweep",
}


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO_ROOT), str(TESTS_DIR)]))
    env.update(extra)
    return env


def _run(module: str, *args: str, cwd: Path, timeout: float = 120, **env: str):
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _one_error_line(res) -> str:
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.stderr
    return lines[0]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


# ----------------------------------------------------------------------------- arguments
def _main(module: str):
    """The ``main(argv)`` that ``python -m module`` runs."""
    return importlib.import_module(SUBCOMMANDS[IPNET_NAME[module]][1]).main


@pytest.mark.parametrize("module", COMMANDS)
def test_help_prints_usage_and_simulates_nothing(module, tmp_path, capsys):
    res = run_in_process(_main(module), ["--help"], capsys, cwd=tmp_path)
    assert res.code == 0, res.stderr
    assert res.stdout.startswith(f"usage: ipnet {IPNET_NAME[module]} ")
    assert "--debug" in res.stdout
    assert res.wall_s < 30
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("module", COMMANDS)
def test_unknown_arguments_are_usage_errors(module, tmp_path, capsys):
    res = run_in_process(
        _main(module), ["--out", str(tmp_path / "o"), "--bogus"], capsys, cwd=tmp_path
    )
    assert res.code == 2
    assert "unrecognized arguments: --bogus" in res.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
@pytest.mark.parametrize("module", COMMANDS)
def test_python_m_runs_the_command_as_users_type_it(module, tmp_path):
    """The same two checks through ``python -m module``, a process each (what users type)."""
    res = _run(module, "--help", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith(f"usage: ipnet {IPNET_NAME[module]} ")
    res = _run(module, "--out", str(tmp_path / "o"), "--bogus", cwd=tmp_path)
    assert res.returncode == 2
    assert "unrecognized arguments: --bogus" in res.stderr
    assert not list(tmp_path.iterdir())


def test_write_netlists_honours_out_and_device(tmp_path, capsys):
    device = REPO_ROOT / "models" / "devices" / "ikeda2010_pmtj_40nm.toml"
    netlists = _main("pyspice_flows.testbenches")
    res = run_in_process(
        netlists, ["--out", str(tmp_path / "n"), "--device", str(device)], capsys, cwd=tmp_path
    )
    assert res.code == 0, res.stderr
    assert sorted(p.name for p in (tmp_path / "n").iterdir()) == [
        "ipnet_array_4x4.cir",
        "ipnet_neuron.cir",
        "lib",  # the model files the testbenches load, beside them
        "lif_neuron.cir",
    ]
    (tmp_path / "file").write_text("x")
    res = run_in_process(netlists, ["--out", str(tmp_path / "file")], capsys, cwd=tmp_path)
    assert res.code == 1
    assert "is a file" in res.error_line()


def test_report_refuses_bad_arguments_before_simulating(tmp_path, capsys):
    report = _main("area_energy.report")

    def run(module_main, *args):
        return run_in_process(module_main, args, capsys, cwd=tmp_path)

    (tmp_path / "file").write_text("x")
    res = run(report, "--out", str(tmp_path / "file"))
    assert res.code == 1
    assert f"--out {tmp_path / 'file'} is a file" in res.error_line()
    res = run(report, "--out", str(tmp_path / "r"), "--device", str(tmp_path / "nope.toml"))
    assert res.code == 1
    assert "nope.toml" in res.error_line()
    wall = res.wall_s
    malformed = tmp_path / "malformed.toml"
    malformed.write_text('name = "x"\n[params.rp\n')
    for module in ("area_energy.report", "pyspice_flows.testbenches"):
        res = run(_main(module), "--out", str(tmp_path / "r"), "--device", str(malformed))
        assert res.code == 1
        assert f"--device {malformed}" in res.error_line()
        wall += res.wall_s
    assert wall < 60  # no simulation ran
    for bad in ("-5", "0", "abc", "1000"):
        res = run(report, "--temp", bad, "--out", str(tmp_path / "r"))
        assert res.code == 2, bad
        assert f"'{bad}'" in res.stderr
    assert not (tmp_path / "r").exists()


# ----------------------------------------------------------------------------- caps
def test_ngspice_thread_count_is_capped_at_the_cores():
    cores = os.cpu_count()
    assert session_mod.ngspice_threads(1) == 1
    assert session_mod.ngspice_threads(str(cores)) == cores
    for bad in (999, 0, -1, "two", 1.5):
        with pytest.raises(ValueError, match=rf"allowed 1\.\.{cores}") as info:
            session_mod.ngspice_threads(bad)
        assert repr(bad) in str(info.value)


def test_too_many_ngspice_threads_is_one_clear_line(tmp_path, capsys):
    res = run_in_process(
        _main("pyspice_flows.experiments.plasticity"),
        ["--out", str(tmp_path / "p")],
        capsys,
        cwd=tmp_path,
        env={"IPNET_NGSPICE_THREADS": "999"},
    )
    assert res.code == 1
    line = res.error_line()
    assert "IPNET_NGSPICE_THREADS='999'" in line and f"1..{os.cpu_count()}" in line
    assert not (tmp_path / "p").exists()


SWEEP_SPEC = """\
name = "cli_caps"
evaluate = "test_sweep:mtj_sample_metrics"
samples = 2
seed = 5
figures = ["switch_time_s", "tau_th_s", "cwd_index"]

[params.ic0]
dist = "lognormal"
sigma = 0.05

[params.sleep_s]
dist = "fixed"
value = {sleep}
"""


def test_sweep_refuses_impossible_timeouts_and_worker_counts(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text(SWEEP_SPEC.format(sleep=0))
    sweep_main = _main("pyspice_flows.sweep")
    for bad in ("0", "-1", "nan"):
        res = run_in_process(
            sweep_main, ["--spec", str(spec), "--out", "o", "--timeout", bad], capsys, cwd=tmp_path
        )
        assert res.code == 2, bad
        assert f"--timeout '{bad}'" in res.stderr
    res = run_in_process(
        sweep_main,
        ["--spec", str(spec), "--out", "o", "--workers", "999", "--no-progress"],
        capsys,
        cwd=tmp_path,
    )
    assert res.code == 2  # a usage error, before the sweep is announced
    cores = len(os.sched_getaffinity(0))
    assert f"--workers 999: allowed 0..{cores} (the usable cores)" in res.stderr
    assert "sweep: cli_caps" not in res.stdout
    assert not (tmp_path / "o").exists()
    from pyspice_flows import sweep

    s = sweep.load_spec(spec)
    with pytest.raises(ValueError, match="timeout=0"):
        sweep.run_sweep(s, tmp_path / "o2", timeout_s=0, progress=False)
    with pytest.raises(ValueError, match="timeout=-1"):
        sweep.run_sweep(s, tmp_path / "o2", timeout_s=-1, progress=False)


# ----------------------------------------------------------------------------- signals
def test_sigint_stops_a_running_simulation_and_ngspice_stays_usable(session):
    long = "long\nV1 a 0 SIN(0 1 1e6)\nR1 a b 1k\nC1 b 0 1p\n"
    # Python's own SIGINT handler, also when the suite runs as a background job (`make test &`
    # starts it with SIGINT ignored)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    t0 = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            session.run(long, Transient(1e-9, 2e-3, max_step_s=1e-9))  # ~30 s if not stopped
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    assert time.monotonic() - t0 < 5
    w = session.run("probe\nI1 0 a 1m\nR1 a 0 1k\n", OperatingPoint())
    assert float(w.v("a")[0]) == pytest.approx(1.0)


def _sigint_default() -> None:
    """In the child, before exec: SIGINT at its default disposition, so Python turns it into
    KeyboardInterrupt even when the suite runs as a background job (which starts with SIGINT
    ignored, and a child inherits an ignored signal)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_report(out: Path, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "area_energy.report", "--out", str(out)],
        cwd=cwd,
        env=_env(IPNET_SIM_CACHE="off"),  # inside ngspice, not reading stored results
        preexec_fn=_sigint_default,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_line(proc: subprocess.Popen, needle: str, timeout: float) -> list[str]:
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
        pytest.fail(f"the report did not reach {needle!r}:\n{''.join(seen)}\n{err}")
    return seen


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
@pytest.mark.slow
def test_a_signal_during_the_simulations_leaves_the_previous_report(tmp_path, signum, code):
    out = tmp_path / "reports"
    out.mkdir()
    (out / "energy_report.json").write_text('{"previous": true}\n')
    (out / "energy_report.md").write_text("# the previous report\n")
    (out / "notes.txt").write_text("not the report's\n")
    before = _snapshot(out)
    proc = _start_report(out, tmp_path)
    try:
        _wait_for_line(proc, "simulating", timeout=120)
        time.sleep(1.0)  # inside a simulation now
        t0 = time.monotonic()
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    assert proc.returncode == code, err
    assert time.monotonic() - t0 < 30
    assert "nothing half-written" in err and "Traceback" not in err
    assert _snapshot(out) == before
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_stale_staging_folders_are_removed_live_ones_kept(tmp_path):
    out = tmp_path / "reports"
    dead = tmp_path / ".reports.partial-999999999-abc"  # above any pid_max: no such process
    live = tmp_path / f".reports.partial-{os.getppid()}-def"
    old_style = tmp_path / ".reports.partial-xyz"
    young_old_style = tmp_path / ".reports.partial-uvw"
    for d in (dead, live, old_style, young_old_style):
        d.mkdir()
        (d / "energy_report.json").write_text("{}")
    hour_ago = time.time() - 2 * staging.STALE_STAGING_AGE_S
    os.utime(old_style, (hour_ago, hour_ago))
    removed = staging.remove_stale_staging(out)
    assert sorted(removed) == sorted([dead, old_style])
    assert live.exists() and young_old_style.exists()


SWALLOWED_SIGINT = """
import os, signal, sys, weakref
from pathlib import Path
from pyspice_flows.app.commandline import run_main
from pyspice_flows.app.staging import commit_staged, staging_folder

class Thing:
    'Something a weak reference can follow.'

def body():
    out = Path(sys.argv[1])
    with staging_folder(out) as stage:
        (stage / "result.txt").write_text("new")
        thing = Thing()
        # Ctrl-C arrives while Python runs a weakref callback: it prints
        # "Exception ignored in" and drops the KeyboardInterrupt
        weakref.finalize(thing, lambda: [os.kill(os.getpid(), signal.SIGINT)] + [0] * 100)
        del thing
        commit_staged(stage, out, ["result.txt"])
    return 0

sys.exit(run_main("swallowed", body))
"""


def test_a_ctrl_c_a_library_swallowed_still_stops_before_publishing(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "result.txt").write_text("previous")
    res = subprocess.run(
        [sys.executable, "-c", SWALLOWED_SIGINT, str(out)],
        cwd=tmp_path,
        env=_env(),
        preexec_fn=_sigint_default,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert res.returncode == 130, res.stderr  # without the record: 0, the run went on
    assert res.stderr.strip().splitlines() == [
        "swallowed: interrupted; nothing half-written was kept"
    ]  # one line: Python's "Exception ignored in ..." report of the swallow kept quiet
    assert (out / "result.txt").read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left


def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                kids.append(int(stat.parent.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
def test_sweep_workers_end_with_their_parent(tmp_path):
    spec = tmp_path / "slow.toml"
    spec.write_text(SWEEP_SPEC.format(sleep=120))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pyspice_flows.sweep",
            "--spec",
            str(spec),
            "--out",
            "o",
            "--workers",
            "2",
            "--no-progress",
        ],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / "o" / "work" / "1").exists():  # both samples are running
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        workers = [
            k
            for k in _children(proc.pid)
            if "spawn_main" in Path(f"/proc/{k}/cmdline").read_text(errors="replace")
        ]
        assert len(workers) == 2
        proc.kill()  # SIGKILL: the parent cannot clean up
        proc.wait(timeout=30)
        deadline = time.monotonic() + 15
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(w) for w in workers)
    finally:
        if proc.poll() is None:
            proc.kill()
        for w in workers:
            with contextlib.suppress(ProcessLookupError):
                if _alive(w):
                    os.kill(w, signal.SIGKILL)


# ----------------------------------------------------------------------------- ipnet
def _ipnet() -> list[str]:
    script = Path(sys.executable).with_name("ipnet")  # the console script, once installed
    return [str(script)] if script.exists() else [sys.executable, "-m", "area_energy.cli"]


def _check_ipnet_mirrors_the_modules(ipnet_run, tmp_path: Path) -> None:
    """``ipnet_run(*args) -> (exit code, stdout, stderr)``: the console script or in-process."""
    code, out, _ = ipnet_run("--help")
    assert code == 0
    for name in ("report", "netlists", "sweep", "bench", "characterize", "working-memory"):
        assert name in out
    code, out, _ = ipnet_run("working-memory", "--help")
    assert code == 0 and "--quick" in out
    code, out, _ = ipnet_run("behavioural", "--help")
    assert code == 0 and "--quick" in out
    code, out, _ = ipnet_run("report", "--help")
    assert code == 0 and "--device FILE" in out and "--temp K" in out
    assert ipnet_run("bogus")[0] == 2
    assert ipnet_run()[0] == 2
    assert ipnet_run("netlists", "--bogus")[0] == 2
    code, _, err = ipnet_run("netlists", "--out", str(tmp_path / "n"))
    assert code == 0, err
    assert (tmp_path / "n" / "ipnet_neuron.cir").exists()


def test_ipnet_dispatches_to_the_modules(tmp_path, capsys):
    def ipnet_run(*args):
        res = ipnet(capsys, *args, cwd=tmp_path)
        return res.code, res.stdout, res.stderr

    _check_ipnet_mirrors_the_modules(ipnet_run, tmp_path)


@pytest.mark.slow
def test_ipnet_console_script_mirrors_the_modules(tmp_path):
    """The same through the installed ``ipnet`` script, a process each (what users type)."""

    def ipnet_run(*args):
        res = subprocess.run(
            [*_ipnet(), *args],
            cwd=tmp_path,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return res.returncode, res.stdout, res.stderr

    _check_ipnet_mirrors_the_modules(ipnet_run, tmp_path)


def test_switching_probability_refuses_a_small_count_before_simulating(tmp_path, capsys):
    """`ipnet switching-probability` (issue 22: the flow was in neither ipnet nor the
    README): a bad count is refused before any simulation, naming the option, its value
    and what is allowed."""
    res = ipnet(
        capsys, "switching-probability", "--runs", "10", "--out", str(tmp_path / "sp"), cwd=tmp_path
    )
    assert res.code == 2
    assert "--runs 10" in res.stderr and "at least 200" in res.stderr
    assert not (tmp_path / "sp").exists()


@pytest.mark.slow
def test_thermal_spec_is_an_ipnet_subcommand(tmp_path):
    """`ipnet thermal-spec` runs as a process and publishes its files."""
    command = [sys.executable, "-m", "area_energy.cli"]
    out = tmp_path / "ts"
    res = subprocess.run(
        [*command, "thermal-spec", "--quick", "--out", str(out)],
        cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    summary = json.loads((out / "thermal_spec.json").read_text())
    assert len(summary["rows"]) == 1 and (out / "thermal_spec.png").stat().st_size > 1000


OUT_FOLDER_COMMANDS = {
    "netlists": "output folder (default: build/netlists)",
    "report": "report folder (default: reports)",
    "plasticity": "output folder (default: build/plasticity)",
    "sweep": "output folder (default: build/sweep)",
    "characterize": "output folder (default: build/characterization)",
    "network": "output folder (default: build/network)",
}
"""Commands whose ``--out`` is an output folder, and the help line each must show."""


@pytest.mark.parametrize(("name", "text"), OUT_FOLDER_COMMANDS.items())
def test_out_folder_help_names_its_default_in_one_shape(name, text, tmp_path, capsys):
    res = ipnet(capsys, name, "--help", cwd=tmp_path)
    assert res.code == 0, res.stderr
    assert "--out DIR" in res.stdout.split("\n\n", 1)[0]
    help_text = " ".join(res.stdout.split("--out DIR", 2)[2].split("\n  --", 1)[0].split())
    assert help_text == text


def test_add_out_argument_expands_home_and_refuses_empty(monkeypatch, capsys):
    import argparse

    from pyspice_flows.app.commandline import add_out_argument

    monkeypatch.setenv("HOME", "/home/someone")
    parser = argparse.ArgumentParser(prog="t")
    add_out_argument(parser, REPO_ROOT / "build" / "t", "result folder")
    assert parser.parse_args([]).out == REPO_ROOT / "build" / "t"
    assert parser.parse_args(["--out", "~/x"]).out == Path("/home/someone/x")
    assert "result folder (default: build/t)" in parser.format_help()
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(["--out", " "])
    assert exc.value.code == 2 and "give a folder" in capsys.readouterr().err
    outside = argparse.ArgumentParser(prog="t")
    add_out_argument(outside, Path("/var/tmp/100% out"))
    assert "output folder (default: /var/tmp/100% out)" in outside.format_help()
