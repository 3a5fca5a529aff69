"""The simulation cache: waveforms keyed by one content hash of everything they depend on.

A run's key is the SHA-256 of

* the complete netlist text ngspice simulates (the testbench rendered by
  :func:`circuits.testbench.render`: the circuit, the ``.options``, ``.temp``, the saved
  vectors and the analysis command),
* the model sources the netlist names only by path (:data:`MODEL_SOURCE_GLOBS`: the
  Verilog-A files and the technology cards, by name and content) and the Verilog-A
  compiler's version,
* the simulator: the shared library ngspice runs from (its resolved path, size and
  modification time), so an upgraded ngspice simulates again; or, for VACASK
  (:func:`pyspice_flows.sim.make_session`), its program and package version.

:func:`content_digest` (several parts) and :func:`file_digest` (one file, as ``sha256sum``)
are the project's one hashing scheme: the report's provenance, the sweep's input digests,
the OSDI stamps and the behavioural calibration's cache key all hash through them.  :func:`cached_run` is :meth:`Session.run` with the cache in front: a hit
reads ``build/sim_cache/<key>.{json,npy}`` (every vector ngspice returned, memory-mapped);
a miss simulates and stores atomically (temporary files renamed, the ``.json`` last), so
parallel processes may share the folder.

``$IPNET_SIM_CACHE_DIR`` moves the folder; ``$IPNET_SIM_CACHE=off`` turns the cache off
(every run simulates).  :data:`STATS` counts hits and misses in this process.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import functools
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from circuits.paths import BUILD_DIR, PACKAGES_ROOT
from circuits.testbench import as_testbench, render

from . import make_session, simulator_name
from .session import Analysis, Waveforms

CACHE_DIR = BUILD_DIR / "sim_cache"
CACHE_DIR_ENV = "IPNET_SIM_CACHE_DIR"
CACHE_SWITCH_ENV = "IPNET_SIM_CACHE"
"""``off`` (or ``0``, ``no``) disables the cache."""
CACHE_SIZE_ENV = "IPNET_SIM_CACHE_MAX_GB"
DEFAULT_MAX_BYTES = 4e9
"""The folder's size limit (default 4 GB; ``$IPNET_SIM_CACHE_MAX_GB``): past it the entries
used longest ago are removed (a hit counts as a use)."""
MODEL_SOURCE_GLOBS = ("models/verilog_a/*.va", "models/verilog_a/*.vams", "models/tech/*")
"""Files outside a netlist's text whose content its results depend on (a netlist names
them by path only)."""


@dataclass
class CacheStats:
    """Runs answered from the cache (``hits``) and simulated (``misses``) in this process."""

    hits: int = 0
    misses: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"hits": self.hits, "misses": self.misses}


STATS = CacheStats()


# ----------------------------------------------------------------------------- hashing
def content_digest(*parts: str | bytes) -> str:
    """SHA-256 (hex) of ``parts`` in order, each length-prefixed so that no two different
    sequences of parts hash alike.  The project's one hashing scheme."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else bytes(part)
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


_FILE_DIGESTS: dict[str, tuple[tuple[int, ...], str]] = {}
"""This process's file digests by absolute path, each with the file's :func:`_stat_stamp`
when it was read."""


RACY_S = 2.0
"""A file changed less than this long [s] before it was read is hashed again next time (as
git treats a "racily clean" file): a second write within the file system's timestamp
granularity could leave its stamp as it was."""


def _stat_stamp(path: Path) -> tuple[int, ...]:
    """What changes when a file's bytes may have: device, inode, size, modification and
    status-change times (ns).  The status-change time moves on every write and cannot be
    set back by a program."""
    st = os.stat(path)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _settled(before: tuple[int, ...], after: tuple[int, ...]) -> bool:
    """True when a file whose stamp was ``before`` a read and ``after`` it was not written
    meanwhile nor within :data:`RACY_S` of the read: its digest may be remembered."""
    return before == after and time.time_ns() - max(after[3], after[4]) > RACY_S * 1e9


def file_digest(path: Path) -> str:
    """SHA-256 (hex) of one file's bytes, as ``sha256sum`` prints it (provenance a reader
    can check by hand).  Read once per process while the file's :func:`_stat_stamp` stays
    the same: a report asks for the same sources' digests hundreds of times."""
    name = os.path.abspath(path)
    stamp = _stat_stamp(Path(name))
    known = _FILE_DIGESTS.get(name)
    if known is not None and known[0] == stamp:
        return known[1]
    digest = hashlib.sha256(Path(name).read_bytes()).hexdigest()
    if _settled(stamp, _stat_stamp(Path(name))):
        _FILE_DIGESTS[name] = (stamp, digest)
    return digest


def source_files(globs: Iterable[str] = MODEL_SOURCE_GLOBS) -> list[Path]:
    """The model source files, sorted by their path inside the repository."""
    return sorted({p for g in globs for p in PACKAGES_ROOT.glob(g) if p.is_file()})


_MODELS_DIGESTS: dict[tuple, str] = {}
"""The last :func:`models_digest` of this process, by the sources' paths and stamps."""


def models_digest(globs: Iterable[str] = MODEL_SOURCE_GLOBS) -> str:
    """:func:`content_digest` over the model sources' repository paths and contents."""
    files = source_files(globs)
    stamps = tuple((p.relative_to(PACKAGES_ROOT).as_posix(), _stat_stamp(p)) for p in files)
    known = _MODELS_DIGESTS.get(stamps)
    if known is not None:
        return known
    parts: list[str | bytes] = []
    for path in files:
        parts += [path.relative_to(PACKAGES_ROOT).as_posix(), path.read_bytes()]
    digest = content_digest(*parts)
    if all(_settled(st, _stat_stamp(p)) for p, (_, st) in zip(files, stamps, strict=True)):
        _MODELS_DIGESTS.clear()  # one entry: the sources as they are now
        _MODELS_DIGESTS[stamps] = digest
    return digest


@functools.cache
def simulator_identity() -> str:
    """The ngspice shared library a session loads: its resolved path, size and mtime."""
    path = os.environ.get("NGSPICE_LIBRARY_PATH") or ctypes.util.find_library("ngspice") or ""
    found = Path(path) if path and Path(path).is_absolute() else None
    if found is None:
        for folder in ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib"):
            hits = sorted(Path(folder).glob(f"{path or 'libngspice.so'}*"))
            if hits:
                found = hits[0]
                break
    if found is None or not found.exists():
        return f"ngspice library {path or 'not found'}"
    real = found.resolve()
    st = real.stat()
    return f"{real} {st.st_size} {st.st_mtime_ns}"


@functools.cache
def _compiler_version() -> str:
    from . import osdi

    return osdi.compiler_version()


@functools.cache
def _vacask_identity() -> str:
    from .vacask import package_version, vacask_command

    path = Path(vacask_command()).resolve()
    st = path.stat()
    return f"vacask {package_version()} {path} {st.st_size} {st.st_mtime_ns}"


def run_key(netlist: str, simulator: str = "ngspice") -> str:
    """The cache key of a run of ``netlist`` (the complete text ngspice simulates) in
    ``simulator`` (``ngspice`` or ``vacask``)."""
    identity = _vacask_identity() if simulator == "vacask" else simulator_identity()
    return content_digest(netlist, models_digest(), _compiler_version(), identity)


# ----------------------------------------------------------------------------- the cache
def cache_dir() -> Path | None:
    """The cache folder (``$IPNET_SIM_CACHE_DIR`` or build/sim_cache); None when off."""
    if os.environ.get(CACHE_SWITCH_ENV, "").strip().lower() in ("off", "0", "no", "false"):
        return None
    env = os.environ.get(CACHE_DIR_ENV, "").strip()
    return Path(env).resolve() if env else CACHE_DIR


def _paths(path: Path) -> tuple[Path, Path, Path]:
    """An entry's files: ``<key>.json`` (plot type, vector names: written last, so its
    presence says the entry is complete), ``<key>.npy`` (the real vectors of the common
    length, one row each) and ``<key>.npz`` (any other vector)."""
    return path.with_suffix(".json"), path.with_suffix(".npy"), path.with_suffix(".npz")


def _load(path: Path, netlist: str) -> Waveforms | None:
    """The stored waveforms, the table memory-mapped copy-on-write: a run reads only the
    rows it uses (a report run stores thousands of vectors)."""
    meta_path, table_path, rest_path = _paths(path)
    try:
        meta = json.loads(meta_path.read_text())
        vectors: dict[str, np.ndarray] = {}
        if meta["names"]:
            table = np.load(table_path, mmap_mode="c", allow_pickle=False)
            if table.shape[0] != len(meta["names"]):
                return None
            vectors = {name: table[k] for k, name in enumerate(meta["names"])}
        if meta["others"]:
            with np.load(rest_path, allow_pickle=False) as data:
                vectors.update({k: data[k] for k in meta["others"]})
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a damaged entry is simulated again and overwritten
    return Waveforms(plot_type=str(meta["plot_type"]), vectors=vectors, netlist=netlist)


def _write_atomic(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(prefix=path.stem, suffix=".tmp" + path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _store(path: Path, w: Waveforms) -> None:
    meta_path, table_path, rest_path = _paths(path)
    lengths = [v.size for v in w.vectors.values()]
    common = max(set(lengths), key=lengths.count) if lengths else 0
    rows = {k: v for k, v in w.vectors.items() if v.size == common and not np.iscomplexobj(v)}
    others = {k: v for k, v in w.vectors.items() if k not in rows}
    path.parent.mkdir(parents=True, exist_ok=True)
    if rows:
        table = np.stack([np.asarray(v, dtype=float) for v in rows.values()])
        _write_atomic(table_path, lambda fh: np.save(fh, table))
    if others:
        _write_atomic(rest_path, lambda fh: np.savez(fh, **others))
    meta = {"plot_type": w.plot_type, "names": list(rows), "others": list(others)}
    _write_atomic(meta_path, lambda fh: fh.write(json.dumps(meta).encode()))


def cached_run(
    bench,
    analysis: Analysis | None = None,
    folder: Path | None = None,
    simulator: str | None = None,
    **fields,
) -> Waveforms:
    """:meth:`Session.run` behind the cache: the stored waveforms when the same netlist,
    model sources and simulator ran before, else a simulation (stored for next time).

    ``bench``, ``analysis`` and ``fields``: the testbench, as :meth:`Session.run` takes it
    (:func:`~circuits.testbench.as_testbench`); ``folder``: the cache folder (default
    :func:`cache_dir`; the cache may be off); ``simulator``: as
    :func:`pyspice_flows.sim.make_session` (default ``$IPNET_SIMULATOR``, else ngspice)."""
    simulator = simulator_name(simulator)
    tb = as_testbench(bench, analysis, **fields)
    folder = cache_dir() if folder is None else Path(folder)
    text = render(tb)
    path = None if folder is None else folder / run_key(text, simulator)
    if path is not None and path.with_suffix(".json").is_file():
        w = _load(path, text)
        if w is not None:
            STATS.hits += 1
            with contextlib.suppress(OSError):
                os.utime(path.with_suffix(".json"))  # used now: pruned last
            return w
    w = make_session(simulator).run(tb)
    STATS.misses += 1
    if path is not None:
        _store(path, w)
        prune(folder)
    return w


def max_bytes() -> float:
    """The cache folder's size limit [bytes] (:data:`DEFAULT_MAX_BYTES`, or the environment's)."""
    text = os.environ.get(CACHE_SIZE_ENV, "").strip()
    try:
        value = float(text) * 1e9 if text else DEFAULT_MAX_BYTES
    except ValueError:
        raise ValueError(f"${CACHE_SIZE_ENV}={text!r}: give a size in GB > 0") from None
    if not value > 0:
        raise ValueError(f"${CACHE_SIZE_ENV}={text!r}: give a size in GB > 0")
    return value


def prune(folder: Path, limit: float | None = None) -> list[str]:
    """Remove the entries used longest ago until the folder holds at most ``limit`` bytes
    (default :func:`max_bytes`); returns the removed keys."""
    limit = max_bytes() if limit is None else limit
    stats: dict[str, list[tuple[Path, os.stat_result]]] = {}
    for p in Path(folder).iterdir():
        if p.suffix in (".json", ".npy", ".npz", ".value", ".png") and ".tmp" not in p.name:
            try:  # another process (a sweep's other worker) may prune it meanwhile
                st = p.stat()
            except FileNotFoundError:
                continue
            stats.setdefault(p.stem, []).append((p, st))
    entries = {k: [p for p, _ in v] for k, v in stats.items()}
    sizes = {k: sum(st.st_size for _, st in v) for k, v in stats.items()}
    newest = {k: max(st.st_mtime for _, st in v) for k, v in stats.items()}
    total = sum(sizes.values())
    removed = []
    for key in sorted(entries, key=newest.__getitem__):
        if total <= limit:
            break
        for p in entries[key]:
            p.unlink(missing_ok=True)
        total -= sizes[key]
        removed.append(key)
    return removed


def cached_value(
    name: str, compute: Callable[[], object], *inputs: object, sources: Iterable[Path] = ()
) -> object:
    """A value derived without a simulation (plain JSON: dicts, lists, numbers, text) behind
    the same cache: ``compute()`` once per content of ``inputs`` (by ``repr``) and of the
    ``sources`` files (the code that computes it), then read back from
    ``<folder>/<name>-<key>.value``.  For slow numerics a report repeats, such as the
    switching law's energy floor."""
    folder = cache_dir()
    if folder is None:
        return compute()
    digests = [file_digest(Path(p)) for p in sources]
    key = content_digest(name, *map(repr, inputs), *digests)
    path = folder / f"{name}-{key[:40]}.value"
    with contextlib.suppress(OSError, ValueError):  # absent or damaged: compute it again
        return json.loads(path.read_text())
    value = compute()
    folder.mkdir(parents=True, exist_ok=True)
    _write_atomic(path, lambda fh: fh.write(json.dumps(value).encode()))
    return value


def cached_file(
    name: str,
    suffix: str,
    make: Callable[[], bytes],
    *inputs: str | bytes,
    sources: Iterable[Path] = (),
) -> Path | None:
    """A file derived without a simulation (a rendered figure) behind the same cache:
    ``make()`` (its bytes) once per content of ``inputs`` (text or bytes, e.g. the data a
    figure draws) and of the ``sources`` files (the code that makes it), stored as
    ``<folder>/<name>-<key>.<suffix>``; returns that path, or None when the cache is off
    (the caller makes the file itself)."""
    folder = cache_dir()
    if folder is None:
        return None
    digests = [file_digest(Path(p)) for p in sources]
    path = folder / f"{name}-{content_digest(name, *inputs, *digests)[:40]}.{suffix}"
    if path.is_file():
        with contextlib.suppress(OSError):
            os.utime(path)  # used now: pruned last
        return path
    data = make()
    folder.mkdir(parents=True, exist_ok=True)
    _write_atomic(path, lambda fh: fh.write(data))
    return path
