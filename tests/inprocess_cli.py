"""A command's ``main(argv)`` run inside the test process, ended as ``sys.exit(main(argv))``
ends the process: its exit code, stdout and stderr, in milliseconds instead of the second
a new Python process takes to start.

``run_main`` takes over SIGINT and SIGTERM (and a command may fail before the ``ipnet``
dispatcher puts the ``commandline.PROG`` / ``commandline.DEBUG`` globals back): every call
here puts them, and ``sys.argv``, back as it found them (with the working folder and the environment it was given), so
nothing leaks into the next test.  The real processes (the ``ipnet`` console script,
``python -m``) are run once each in tests/test_commandline.py.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from area_energy import cli
from pyspice_flows.app import commandline


@dataclass(frozen=True)
class Ran:
    code: int
    stdout: str
    stderr: str
    wall_s: float

    def error_line(self) -> str:
        """The one line on stderr (no traceback), as every refusal must print."""
        lines = self.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in self.stderr, self.stderr
        return lines[0]


def _exit_code(exc: SystemExit, stderr) -> int:
    """The status ``sys.exit(exc.code)`` gives a process."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=stderr)
    return 1


def run_in_process(
    main: Callable[[list[str]], int],
    argv: Sequence[str],
    capsys,
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> Ran:
    """``main(list(argv))`` with its output captured by pytest's ``capsys``."""
    capsys.readouterr()  # drop what earlier code printed
    signals = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    prog, debug, sys_argv, old_cwd = commandline.PROG, commandline.DEBUG, sys.argv, os.getcwd()
    old_env = {key: os.environ.get(key) for key in env or {}}
    os.environ.update(env or {})
    if cwd is not None:
        os.chdir(cwd)
    t0 = time.monotonic()
    try:
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse: --help (0) and usage errors (2)
            code = _exit_code(exc, sys.stderr)
    finally:
        wall = time.monotonic() - t0
        os.chdir(old_cwd)
        for key, value in old_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        commandline.PROG, commandline.DEBUG, sys.argv = prog, debug, sys_argv
        for sig, handler in signals.items():
            if handler is not None:
                signal.signal(sig, handler)
    out = capsys.readouterr()
    return Ran(code, out.out, out.err, wall)


def ipnet(capsys, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Ran:
    """``ipnet ARGS...`` in-process, through the dispatcher ``area_energy.cli.main``."""
    return run_in_process(cli.main, args, capsys, cwd=cwd, env=env)
