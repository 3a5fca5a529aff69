"""Writing results atomically: one file by temporary name and rename, a set of files by a
staging folder swapped in; no half-written result is ever left behind.

Staging folders are named ``.<out>.partial-<pid>-*`` beside the output folder; those of
processes that died (SIGKILL, power loss) are removed by the next run.  Used by the
sweep, the working-memory protocols, the behavioural calibration and the energy report.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from pyspice_flows.app.commandline import raise_if_stopped

STALE_STAGING_AGE_S = 3600.0
"""A staging folder without a recognisable owner is removed after this age [s]."""


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename:
    readers see the old file or the new one, never a part (the folder is created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        raise_if_stopped()
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def _owner_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_staging(out_dir: Path) -> list[Path]:
    """Remove the staging folders (``.<out>.partial-<pid>-*``) left beside ``out_dir`` by
    runs that were killed (SIGKILL, power loss); returns them.

    A folder whose process is still alive is another run in progress and is kept; one
    without a process id in its name (older runs) is removed once it is an hour old.
    """
    removed = []
    prefix = f".{out_dir.name}.partial-"
    try:
        candidates = [p for p in out_dir.parent.iterdir() if p.name.startswith(prefix)]
    except OSError:
        return removed
    for path in candidates:
        pid_text = path.name[len(prefix) :].split("-", 1)[0]
        if pid_text.isdigit():
            if int(pid_text) == os.getpid() or _owner_alive(int(pid_text)):
                continue
        else:
            try:
                if time.time() - path.stat().st_mtime < STALE_STAGING_AGE_S:
                    continue
            except OSError:
                continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


@contextlib.contextmanager
def staging_folder(out_dir: Path) -> Iterator[Path]:
    """A fresh staging folder beside ``out_dir`` (stale ones removed first), deleted on
    exit whatever happens; move its files in with :func:`commit_staged`."""
    out_dir = Path(out_dir).absolute()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(out_dir)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-{os.getpid()}-", dir=out_dir.parent)
    )
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def commit_staged(staging: Path, out_dir: Path, names: list[str]) -> list[Path]:
    """Move the staged files ``names`` into ``out_dir`` in that order (put the file readers
    look for first, e.g. a summary, last); on failure put the previous files back.
    Returns the published paths.  A Ctrl-C or SIGTERM received earlier (even one a library
    swallowed) stops here, before anything is replaced."""
    raise_if_stopped()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    backup = staging / ".previous"
    backup.mkdir()
    for name in names:
        target = out_dir / name
        if target.exists():
            try:
                os.link(target, backup / name)
            except OSError:
                shutil.copy2(target, backup / name)
    moved: list[str] = []
    try:
        for name in names:
            os.replace(staging / name, out_dir / name)
            moved.append(name)
    except BaseException:
        for name in moved:
            if (backup / name).exists():
                os.replace(backup / name, out_dir / name)
            else:
                (out_dir / name).unlink(missing_ok=True)
        raise
    return [out_dir / n for n in names]
