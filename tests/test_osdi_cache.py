"""The OSDI compile cache under concurrency and faults (pyspice_flows.sim.osdi).

Every test compiles into its own empty folder (``--out`` / ``IPNET_OSDI_DIR``), never
into build/osdi.  Compiling the three models takes about 0.5 s.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from inprocess_cli import run_in_process

from circuits.paths import REPO_ROOT
from pyspice_flows.sim import osdi

MODELS = sorted(p.stem for p in osdi.VA_DIR.glob("*.va"))


def _env(cache: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), IPNET_OSDI_DIR=str(cache))
    env.update(extra)
    return env


def _compile_proc(cache: Path, **extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pyspice_flows.sim.osdi", "--out", str(cache)],
        cwd=REPO_ROOT,
        env=_env(cache, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _assert_cache_is_good(cache: Path) -> None:
    assert sorted(p.stem for p in cache.glob("*.osdi")) == MODELS
    assert not list(cache.glob("*.tmp")), "temporary files left behind"
    for model in osdi.compile_all(out_dir=cache):
        assert not model.rebuilt, f"{model.osdi} is not marked current"
        osdi.check_loadable(model.osdi)
    # and ngspice itself loads every model from this cache, in a fresh process
    probe = (
        "from pyspice_flows.sim.session import Session, OperatingPoint\n"
        "s = Session.get()\n"
        "assert len(s.loaded_osdi) == len(list(s.loaded_osdi[0].parent.glob('*.osdi')))\n"
        "w = s.run('probe\\nI1 0 a 1m\\nR1 a 0 1k\\n', OperatingPoint())\n"
        "print('loaded', len(s.loaded_osdi), float(w.v('a')[0]))\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO_ROOT,
        env=_env(cache),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["loaded", str(len(MODELS)), "1.0"]


@pytest.mark.parametrize("attempt", range(3))
@pytest.mark.slow
def test_two_concurrent_fresh_compiles_both_succeed(tmp_path, attempt):
    cache = tmp_path / "osdi"
    procs = [_compile_proc(cache) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
        assert out.count("osdi: ") == len(MODELS)
    # every model was compiled exactly once: the second process waited and found it current
    lines = "".join(o for o, _ in outs).splitlines()
    for name in MODELS:
        states = [ln for ln in lines if f"{name}.va " in ln]
        assert sum("(compiled)" in s for s in states) == 1, states
    _assert_cache_is_good(cache)


@pytest.mark.slow
def test_a_compile_waits_for_the_lock_holder(tmp_path):
    cache = tmp_path / "osdi"
    cache.mkdir()
    first = MODELS[0]
    with osdi._locked(cache / f".{first}.lock"):
        proc = _compile_proc(cache)
        time.sleep(2.0)
        assert proc.poll() is None, proc.communicate()
        assert not (cache / f"{first}.osdi").exists()
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    _assert_cache_is_good(cache)


def test_a_truncated_osdi_is_rebuilt_not_loaded(tmp_path):
    source = osdi.VA_DIR / "thermal_resistor.va"
    first = osdi.compile_model(source, out_dir=tmp_path)
    data = first.osdi.read_bytes()
    first.osdi.write_bytes(data[: len(data) // 2])  # what a shared temporary file left
    with pytest.raises(osdi.OsdiCompileError, match="does not load"):
        osdi.check_loadable(first.osdi)
    again = osdi.compile_model(source, out_dir=tmp_path)
    assert again.rebuilt
    osdi.check_loadable(again.osdi)
    # a stamp in the old one-line format is not trusted either
    stamp = again.osdi.with_suffix(".sha256")
    stamp.write_text(stamp.read_text().split()[0] + "\n")
    assert osdi.compile_model(source, out_dir=tmp_path).rebuilt


@pytest.mark.parametrize("kind", ["missing", "not executable"])
def test_an_unusable_compiler_is_one_clear_line(tmp_path, kind, capsys):
    compiler = tmp_path / "openvaf-r"
    if kind == "not executable":
        compiler.write_text("#!/bin/sh\necho hi\n")
        compiler.chmod(0o644)
    cache = tmp_path / "osdi"
    env = {"IPNET_OPENVAF": str(compiler), "IPNET_OSDI_DIR": str(cache)}
    res = run_in_process(osdi.main, ["--out", str(cache)], capsys, cwd=tmp_path, env=env)
    assert res.code == 1
    line = res.error_line()
    assert str(compiler) in line and "cannot run openvaf-r" in line
    assert not list((tmp_path / "osdi").glob("*.osdi"))
