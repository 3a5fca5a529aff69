"""The wheel is complete: every subpackage and its TOML data are in it, and the ``ipnet``
console script it installs runs from a fresh virtual environment.

Offline: the wheel is built from a copy of the sources with this interpreter's setuptools
(no build isolation, no index) and installed without dependencies (``ipnet --help`` needs
none of them).  Nothing is written into the repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from circuits.paths import REPO_ROOT

PACKAGES = ("circuits", "pyspice_flows", "area_energy", "behavioural")
pytestmark = pytest.mark.slow


def _run(cmd: list, cwd: Path) -> subprocess.CompletedProcess:
    # without PYTHONPATH/PYTHONHOME: the fresh environment must stand on the wheel alone
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    proc = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def _source_files(pattern: str) -> set[str]:
    """Tracked-looking files of the packages (no caches), relative to the repository."""
    return {
        p.relative_to(REPO_ROOT).as_posix()
        for pkg in PACKAGES
        for p in (REPO_ROOT / pkg).rglob(pattern)
        if "__pycache__" not in p.parts
    }


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for pkg in PACKAGES:
        shutil.copytree(REPO_ROOT / pkg, src / pkg, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO_ROOT / name, src / name)
    dist = tmp_path_factory.mktemp("dist")
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index"]
        + ["--wheel-dir", dist, src],
        cwd=src,
    )
    (built,) = dist.glob("ipnet_spice-*.whl")
    return built


def test_wheel_holds_every_subpackage_and_its_toml_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = _source_files("__init__.py")
    data = _source_files("*.toml")
    assert any("/" in p.removesuffix("/__init__.py") for p in packages)  # subpackages exist
    assert packages <= names, f"missing packages: {sorted(packages - names)}"
    assert data <= names, f"missing data files: {sorted(data - names)}"
    assert not any(n.startswith("tests/") for n in names)


def test_ipnet_help_runs_from_a_fresh_venv(wheel, tmp_path):
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp_path)
    python = venv / "bin" / "python"
    _run(
        [sys.executable, "-m", "pip", "--python", python, "install"]
        + ["--no-deps", "--no-index", "--quiet", wheel],
        cwd=tmp_path,
    )
    out = _run([venv / "bin" / "ipnet", "--help"], cwd=tmp_path).stdout
    assert "usage: ipnet" in out
    for command in ("report", "sweep", "bench", "working-memory"):
        assert command in out
    # the installed copy, not the repository's, answered
    where = _run(
        [python, "-c", "import area_energy.cli as c; print(c.__file__)"], cwd=tmp_path
    ).stdout
    assert str(venv) in where
