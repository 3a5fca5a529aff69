"""Where files are: the one place that answers "where is data file X" and "where do outputs go".

Data files are package data, found through :func:`importlib.resources.files`, so they are
found the same way in a checkout and in an installed wheel:

* the models (``models/devices/*.toml``, ``models/tech/``, ``models/verilog_a/*.va``) are
  the data of the package ``models``: :func:`model_file`, :data:`DEVICES_DIR`,
  :data:`VERILOG_A_DIR`, :data:`TECH_DIR`;
* the data beside the modules that read them (``circuits/designs/*.toml``, the rule deck
  and energy tables of ``area_energy/costs``, the sweep specs, ...): :func:`data_file`.

On-disk assumption (stated here once): the packages are installed as plain folders (a
checkout, an editable install or an unpacked wheel in site-packages), never run from a zip
archive.  On Python 3.11 ``files()`` of such a package is a real :class:`pathlib.Path`, and
ngspice, openvaf-r and the netlist writer need real paths (turning a zipped folder into one
with ``importlib.resources.as_file`` needs Python 3.12); :func:`data_file` refuses anything
else with a clear error.

Outputs go under :data:`OUTPUT_ROOT` (:data:`BUILD_DIR`, :data:`REPORTS_DIR`), never into
the installed packages: ``$IPNET_OUTPUT_ROOT`` when set, else the checkout's root when the
code runs from a checkout (``build/`` and ``reports/`` beside ``pyproject.toml``, as
always), else the current folder.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

PACKAGES_ROOT = Path(__file__).resolve().parent.parent
"""The folder holding the top-level packages: a checkout's root, or site-packages when
installed.  Model sources are named relative to it in digests and provenance (the names,
``models/verilog_a/mtj.va``, are the same in both)."""
REPO_ROOT = PACKAGES_ROOT
"""The checkout's root (``.git``, ``README.md``, ``docs/``, ``tests/``); meaningful only when
:data:`IN_CHECKOUT` (the README writer, the report header's git commit, the tests)."""
IN_CHECKOUT = (REPO_ROOT / "pyproject.toml").is_file()
"""True when the code runs from a checkout of the repository, not from an installed wheel."""

MODELS_PACKAGE = "models"
"""The package whose data are the device files, the CMOS library and the Verilog-A models."""

OUTPUT_ROOT_ENV = "IPNET_OUTPUT_ROOT"
"""Environment variable naming the folder that receives ``build/`` and ``reports/``."""


def output_root() -> Path:
    """Where outputs go: ``$IPNET_OUTPUT_ROOT``, else the checkout's root when running from
    a checkout, else the current folder (an installed wheel never writes into site-packages)."""
    env = os.environ.get(OUTPUT_ROOT_ENV, "").strip()
    if env:
        return Path(env).expanduser().resolve()
    return REPO_ROOT if IN_CHECKOUT else Path.cwd().resolve()


def _listing(folder: Path) -> str:
    names = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir())
    names = [n for n in names if not n.startswith(("__", "."))]
    return ", ".join(names) or "nothing"


def data_file(package: str, *parts: str) -> Path:
    """The file (or folder) ``parts`` of the data installed with ``package``, as a real path.

    ``data_file("circuits", "designs", "ipnet_v4.toml")``.  FileNotFoundError naming the
    missing file and what its folder holds; TypeError when the package is not a plain
    folder on disk (see the module's on-disk assumption).
    """
    try:
        root = files(package)
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            f"no package {package!r} holds data files here ({exc}); the data packages are "
            f"{MODELS_PACKAGE!r} and the code packages beside it.  In a checkout whose "
            "editable install predates the package, reinstall it (`make venv`).",
            name=exc.name,
        ) from exc
    if not isinstance(root, Path):
        raise TypeError(
            f"package {package!r} is not installed as a plain folder ({type(root).__name__}"
            f" {root}); its data files must be real files (no zip installs)"
        )
    path = root.joinpath(*parts)
    if not path.exists():
        folder = path.parent
        while not folder.is_dir() and folder != root:
            folder = folder.parent
        where = folder.relative_to(root).as_posix()
        raise FileNotFoundError(
            f"data file {'/'.join(parts)!r} is not in package {package!r} ({root}); "
            f"{package}/{'' if where == '.' else where + '/'} holds: {_listing(folder)}"
        )
    return path


def model_file(*parts: str) -> Path:
    """A file of the ``models`` package: ``model_file("devices", "ikeda2010_pmtj_40nm.toml")``."""
    return data_file(MODELS_PACKAGE, *parts)


MODELS_DIR = model_file()
VERILOG_A_DIR = model_file("verilog_a")
DEVICES_DIR = model_file("devices")
TECH_DIR = model_file("tech")

OUTPUT_ROOT = output_root()
"""The folder receiving ``build/`` and ``reports/`` (:func:`output_root`, read at import)."""
BUILD_DIR = OUTPUT_ROOT / "build"
"""Generated files: compiled models, netlists, caches, the experiments' results."""
REPORTS_DIR = OUTPUT_ROOT / "reports"
"""The energy report (``ipnet report``)."""


def shown(path: Path | str) -> str:
    """``path`` as messages and summaries show it: relative to :data:`OUTPUT_ROOT` or to
    :data:`PACKAGES_ROOT` when inside one (in a checkout both are its root), else as given."""
    full = Path(path).resolve()
    for root in (OUTPUT_ROOT, PACKAGES_ROOT):
        if full.is_relative_to(root):
            return str(full.relative_to(root))
    return str(path)
