"""The wheel is complete: every subpackage, its TOML data and the models (device files, CMOS
library, Verilog-A) are in it; the ``ipnet`` console script it installs runs from a fresh
virtual environment, and the installed copy finds its data in site-packages and writes its
outputs under the current folder, never into site-packages.

Offline: the wheel is built from a copy of the sources with this interpreter's setuptools
(no build isolation, no index) and installed without dependencies (``ipnet --help`` and
:mod:`circuits.paths` need none of them; the netlist writer borrows this environment's
through a ``.pth`` file).  Nothing is written into the repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from circuits.paths import REPO_ROOT

PACKAGES = ("circuits", "pyspice_flows", "area_energy", "behavioural", "models")
MODEL_DATA = ("*.toml", "*.lib", "*.va", "*.vams")
"""The files of ``models/`` the simulations read: all must be in the wheel."""
GOLDEN = Path(__file__).resolve().parent / "golden"
pytestmark = pytest.mark.slow


def _run(cmd: list, cwd: Path) -> subprocess.CompletedProcess:
    # without PYTHONPATH/PYTHONHOME or an output root: the fresh environment must stand on
    # the wheel alone
    drop = ("PYTHONPATH", "PYTHONHOME", "IPNET_OUTPUT_ROOT", "IPNET_OSDI_DIR")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    proc = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def _source_files(pattern: str, packages=PACKAGES) -> set[str]:
    """Tracked-looking files of the packages (no caches), relative to the repository."""
    return {
        p.relative_to(REPO_ROOT).as_posix()
        for pkg in packages
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


def _venv(wheel: Path, where: Path, borrow_dependencies: bool = False) -> Path:
    """A fresh virtual environment at ``where`` with the wheel installed (no dependencies);
    ``borrow_dependencies``: this environment's site-packages is added after its own (a
    ``.pth`` file), for numpy, PySpice, ...  Returns its site-packages."""
    _run([sys.executable, "-m", "venv", "--without-pip", where], cwd=where.parent)
    _run(
        [sys.executable, "-m", "pip", "--python", where / "bin" / "python", "install"]
        + ["--no-deps", "--no-index", "--quiet", wheel],
        cwd=where.parent,
    )
    probe = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(_run([where / "bin" / "python", "-c", probe], cwd=where.parent).stdout.strip())
    if borrow_dependencies:
        ours = {sysconfig.get_paths()[k] for k in ("purelib", "platlib")}
        (site / "zz_borrowed_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    return site


def test_wheel_holds_every_subpackage_and_its_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = _source_files("__init__.py")
    data = _source_files("*.toml")
    models = set().union(*(_source_files(p, ("models",)) for p in MODEL_DATA))
    assert any("/" in p.removesuffix("/__init__.py") for p in packages)  # subpackages exist
    assert packages <= names, f"missing packages: {sorted(packages - names)}"
    assert data <= names, f"missing data files: {sorted(data - names)}"
    for suffix in (".toml", ".lib", ".va", ".vams"):  # each kind is there to be checked
        assert any(m.endswith(suffix) for m in models), f"no models/ file ends in {suffix}"
    assert models <= names, f"missing model files: {sorted(models - names)}"
    assert not any(n.startswith("tests/") for n in names)


def test_ipnet_help_runs_from_a_fresh_venv(wheel, tmp_path):
    venv = tmp_path / "venv"
    _venv(wheel, venv)
    out = _run([venv / "bin" / "ipnet", "--help"], cwd=tmp_path).stdout
    assert "usage: ipnet" in out
    for command in ("report", "sweep", "bench", "working-memory"):
        assert command in out
    # the installed copy, not the repository's, answered
    where = _run(
        [venv / "bin" / "python", "-c", "import area_energy.cli as c; print(c.__file__)"],
        cwd=tmp_path,
    ).stdout
    assert str(venv) in where


PROBE = """
import json
from circuits import paths
print(json.dumps({
    "device": str(paths.model_file("devices", "ikeda2010_pmtj_40nm.toml")),
    "verilog_a": sorted(str(p) for p in paths.VERILOG_A_DIR.glob("*.va*")),
    "cmos_lib": str(paths.model_file("tech", "cmos28.lib")),
    "design": str(paths.data_file("circuits", "designs", "ipnet_v4.toml")),
    "in_checkout": paths.IN_CHECKOUT,
    "build": str(paths.BUILD_DIR),
    "reports": str(paths.REPORTS_DIR),
}))
"""


def test_installed_data_resolve_in_site_packages_and_outputs_in_the_cwd(wheel, tmp_path):
    # stdlib only: circuits.paths needs none of the dependencies
    site = _venv(wheel, tmp_path / "venv").resolve()
    cwd = tmp_path / "work"
    cwd.mkdir()
    found = json.loads(_run([tmp_path / "venv" / "bin" / "python", "-c", PROBE], cwd=cwd).stdout)
    sources = {p.name for p in (REPO_ROOT / "models" / "verilog_a").glob("*.va*")}
    assert sources >= {"mtj.va", "mtj_stoch.va", "mtj_parameters.vams"}
    assert {Path(p).name for p in found["verilog_a"]} == sources
    for path in [found["device"], found["cmos_lib"], found["design"], *found["verilog_a"]]:
        assert Path(path).is_file(), path
        assert Path(path).is_relative_to(site), f"{path} is not in {site}"
        assert not Path(path).is_relative_to(REPO_ROOT), f"{path} is the checkout's"
    assert found["in_checkout"] is False
    assert found["build"] == str((cwd / "build").resolve())
    assert found["reports"] == str((cwd / "reports").resolve())


def test_installed_netlist_writer_writes_under_the_cwd(wheel, tmp_path):
    """``ipnet netlists`` from the wheel: the netlists go to the current folder's build/
    (nothing into site-packages), their includes resolve beside them, and the text is the
    checkout's (the golden copies)."""
    site = _venv(wheel, tmp_path / "venv", borrow_dependencies=True).resolve()
    cwd = tmp_path / "work"
    cwd.mkdir()
    before = {p for p in site.rglob("*") if "__pycache__" not in p.parts}
    out = _run([tmp_path / "venv" / "bin" / "ipnet", "netlists"], cwd=cwd).stdout
    folder = cwd / "build" / "netlists"
    written = sorted(folder.glob("*.cir"))
    assert written, out
    assert f"netlists: wrote {Path('build', 'netlists', written[0].name)}" in out
    for cir in written:
        text = cir.read_text()
        assert text == (GOLDEN / cir.name).read_text(), f"{cir.name} differs from its golden copy"
        for line in text.splitlines():
            if line.startswith((".include ", "pre_osdi ")):
                target = folder / line.split(None, 1)[1].strip().strip('"')
                assert target.is_file(), f"{cir.name}: {line!r} does not resolve"
    after = {p for p in site.rglob("*") if "__pycache__" not in p.parts}
    assert after == before, f"written into site-packages: {sorted(map(str, after - before))}"
