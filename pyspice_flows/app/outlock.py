"""One writer per output folder: an ``fcntl`` lock file beside ``--out``.

Two runs publishing into the same folder would interleave their files (a report's
Markdown from one run and its JSON from the other).  A command that publishes claims its
folder with :func:`claim_out_dir` before any work: the lock file ``.<out>.lock`` beside
the folder holds the claiming process's pid, and a second claim of the same folder fails
at once with one line naming the folder and that pid.

The lock is ``flock`` on an open file: the kernel drops it when its process ends, however
it ends (SIGKILL included), so a lock file left by a dead process is simply taken over by
the next run.  The claim is held until the process exits; the lock file is removed then
(when the process can still run code).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
from pathlib import Path

_HELD: dict[Path, int] = {}
"""Folder (absolute) -> the open lock file's descriptor, for the folders this process holds."""


class OutputFolderBusy(RuntimeError):
    """Another live process is writing into the same output folder."""


def lock_path(out: Path) -> Path:
    """The lock file of output folder ``out``: ``.<name>.lock`` beside it."""
    out = Path(out).absolute()
    return out.with_name(f".{out.name}.lock")


def _holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return "unknown"
    return text if text.isdigit() else "unknown"


def claim_out_dir(out: Path, option: str = "--out") -> Path:
    """Claim output folder ``out`` for this process until it exits; returns ``out``.

    Raises :class:`OutputFolderBusy` (one line: the option, the folder, the holder's pid)
    when another live process holds it.  Claiming a folder this process already holds is a
    no-op.  The folder's parent is created (the lock file lives there).
    """
    out = Path(out).absolute()
    if out in _HELD:
        return out
    path = lock_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutputFolderBusy(
                f"{option} {out} is being written by another run (pid {_holder(path)}, "
                f"lock {path}); wait for it to finish or choose another {option}"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        # the previous holder may have removed the file between our open and our lock:
        # then we locked a file nobody else can see; start again on the current one
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode("ascii"))
    _HELD[out] = fd
    return out


def release_out_dir(out: Path) -> None:
    """Give up the claim on ``out`` (removing its lock file); a no-op if not held."""
    out = Path(out).absolute()
    fd = _HELD.pop(out, None)
    if fd is None:
        return
    with contextlib.suppress(OSError):  # best effort: the lock itself ends with the fd
        lock_path(out).unlink(missing_ok=True)  # still locked: nobody else holds it
    os.close(fd)


def _release_all() -> None:
    if os.getpid() != _OWNER_PID:  # a forked child inherited the table: not its claims
        return
    for out in list(_HELD):
        release_out_dir(out)


_OWNER_PID = os.getpid()
atexit.register(_release_all)
