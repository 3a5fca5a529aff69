"""What every command line of the toolkit shares: exit codes, signals, one-line errors.

- exit 0 on success, 1 on an error (one line on stderr: ``<prog>: error: <message>``; the
  traceback only with ``--debug``), 2 on a usage error (argparse), 130 after Ctrl-C
  (SIGINT), 143 after SIGTERM;
- SIGTERM is raised as :class:`Terminated` (a ``KeyboardInterrupt``), so a simulation in
  progress stops (see ``Session``) and every ``finally`` runs: staging folders and
  temporary files are removed, nothing half-written is published;
- argparse types that refuse an impossible value with its name and the allowed range.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import math
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path

from circuits.paths import shown
from circuits.units import SPICE_DEFAULT_K, ZERO_CELSIUS_K
from pyspice_flows.app.outlock import claim_out_dir

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_TERMINATED = 143  # 128 + SIGTERM


class Terminated(KeyboardInterrupt):
    """The process received SIGTERM; raised like Ctrl-C so that cleanup runs."""


_PENDING_STOP: KeyboardInterrupt | None = None
"""The Ctrl-C or SIGTERM this process received, kept after it was raised: Python drops an
exception raised while it runs a weakref callback or a ``__del__`` ("Exception ignored
in ..."), so a signal arriving there would otherwise be lost and the run carry on."""


def _stop(exc: KeyboardInterrupt) -> None:
    global _PENDING_STOP
    ignore_further_signals()
    _PENDING_STOP = exc
    raise exc


def _raise_terminated(signum, frame):
    _stop(Terminated(f"signal {signal.Signals(signum).name}"))


def _raise_interrupted(signum, frame):
    _stop(KeyboardInterrupt())


def _quiet_unraisable(unraisable) -> None:
    """``sys.unraisablehook``: the Ctrl-C or SIGTERM recorded above, dropped where Python
    cannot raise it (a weakref callback, a ``__del__``), is kept quietly (it is raised again
    by :func:`raise_if_stopped`); anything else is printed as Python would."""
    if _PENDING_STOP is not None and unraisable.exc_value is _PENDING_STOP:
        return
    sys.__unraisablehook__(unraisable)


def raise_if_stopped() -> None:
    """Raise again the Ctrl-C or SIGTERM received earlier, if any: called before a result
    is published, so a signal that a library swallowed still stops the run there."""
    if _PENDING_STOP is not None:
        raise _PENDING_STOP


def raise_on_sigterm() -> None:
    """Turn SIGTERM into :class:`Terminated` and SIGINT into ``KeyboardInterrupt``, each
    once: from the first on, both are ignored, so a second Ctrl-C cannot break into the
    cleanup that the first started (a traceback, or death by signal instead of exit 130).
    A SIGINT already ignored (a background job) stays ignored.  Main thread only;
    elsewhere a no-op."""
    if threading.current_thread() is threading.main_thread():
        sys.unraisablehook = _quiet_unraisable
        signal.signal(signal.SIGTERM, _raise_terminated)
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, _raise_interrupted)


def one_line(exc: BaseException) -> str:
    """An exception's message on one line (multi-line messages joined by ' | ')."""
    text = " | ".join(ln.strip() for ln in str(exc).splitlines() if ln.strip())
    return text or type(exc).__name__


DEBUG = False
"""Set by the ``ipnet`` dispatcher when ``--debug`` was given to any subcommand: every
handler then prints the traceback of an error."""


PROG: str | None = None
"""Set by the ``ipnet`` dispatcher (:func:`invoked_as`) to the subcommand's name as typed
(``ipnet report``, or an alias: ``ipnet behavioural-v4``): every parser built by
:func:`command_parser` and every handler's messages then name it."""


@contextlib.contextmanager
def invoked_as(prog: str, debug: bool = False):
    """Within the block, commands name themselves ``prog`` and print the traceback of an
    error when ``debug``; :data:`PROG` and :data:`DEBUG` are put back as they were after."""
    global PROG, DEBUG
    before = PROG, DEBUG
    PROG, DEBUG = prog, debug
    try:
        yield
    finally:
        PROG, DEBUG = before


def command_parser(name: str, description: str, **kwargs) -> argparse.ArgumentParser:
    """The parser of the subcommand ``ipnet NAME``, the one way a command builds its parser.

    Its usage line says ``ipnet NAME`` whether it runs through ``ipnet`` or as
    ``python -m module`` (under the dispatcher: the name typed, an alias included);
    ``kwargs`` go to :class:`argparse.ArgumentParser` (``prog`` excepted)."""
    if not name or name.split() != [name]:
        raise ValueError(f"command name {name!r}: allowed one word, e.g. 'report'")
    return _parser(PROG or f"ipnet {name}", description, kwargs)


def tool_parser(module: str, description: str, **kwargs) -> argparse.ArgumentParser:
    """The parser of a maintainer's tool that ``ipnet`` does not reach, run only as
    ``python -m MODULE`` (its usage line says so)."""
    return _parser(f"python -m {module}", description, kwargs)


def _parser(prog: str, description: str, kwargs: dict) -> argparse.ArgumentParser:
    if "prog" in kwargs:
        raise ValueError(f"prog={kwargs['prog']!r}: the name comes from the command, not prog")
    return argparse.ArgumentParser(prog=prog, description=description, **kwargs)


def add_debug_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")


def run_main(prog: str, body: Callable[[], int], debug: bool = False) -> int:
    """Run ``body()`` the way a command line should; returns the exit code.

    ``KeyboardInterrupt`` -> 130, :class:`Terminated` -> 143, any other exception -> 1 with
    one line on stderr (and the traceback when ``debug``).
    """
    prog = PROG or prog
    raise_on_sigterm()
    try:
        code = body()
        raise_if_stopped()  # a signal swallowed on the way still ends as an interruption
        return code
    except BaseException as exc:
        stop = interruption(exc)
        if stop is None:
            if not isinstance(exc, Exception):
                raise  # SystemExit (argparse's usage errors), GeneratorExit
            if debug or DEBUG:
                traceback.print_exc()
            print(f"{prog}: error: {one_line(exc)}", file=sys.stderr)
            return EXIT_ERROR
        ignore_further_signals()  # a second Ctrl-C while exiting stays quiet
        _forget_unhandled_interrupt()
        global _PENDING_STOP
        _PENDING_STOP = None  # handled here (a dispatcher's run_main around this one)
        if isinstance(stop, Terminated):
            print(f"{prog}: terminated (SIGTERM); nothing half-written was kept", file=sys.stderr)
            return EXIT_TERMINATED
        print(f"{prog}: interrupted; nothing half-written was kept", file=sys.stderr)
        return EXIT_INTERRUPTED


def interruption(exc: BaseException) -> KeyboardInterrupt | None:
    """The ``KeyboardInterrupt`` (or :class:`Terminated`) behind ``exc``: ``exc`` itself,
    or its cause or context (a library may wrap it: a Ctrl-C while a class is being
    created comes out as ``RuntimeError: Error calling __set_name__``); else None."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def _forget_unhandled_interrupt() -> None:
    """Clear CPython's "a KeyboardInterrupt went unhandled" flag.

    CPython sets it when a KeyboardInterrupt leaves code run through ``PyRun_*`` (some
    compiled extensions run their module set-up that way: scipy's, among others), even
    when Python code further up catches it; at exit the interpreter then kills itself
    with SIGINT (status -2) instead of returning the exit code chosen here.  Running any
    code through ``PyRun_SimpleString`` clears the flag."""
    with contextlib.suppress(AttributeError, OSError):  # not CPython: no such flag
        ctypes.pythonapi.PyRun_SimpleString(b"pass")


def ignore_further_signals() -> None:
    """Ignore SIGINT and SIGTERM from now on (main thread only): the process is already
    ending after one; another would interrupt its cleanup with a traceback or kill it
    with a signal status instead of the exit code."""
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)


def positive_float(label: str) -> Callable[[str], float]:
    """An argparse type: a finite number > 0, refused with its value otherwise."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{label} {text!r} is not a number") from None
        if not math.isfinite(value) or value <= 0:
            raise argparse.ArgumentTypeError(f"{label} {text!r} must be a finite number > 0")
        return value

    return parse


TEMP_RANGE_K = (200.0, 500.0)
"""Ambient temperatures a command or a sweep may simulate [K]: -73 C to 227 C, past every
qualification range of CMOS (-55 C to 150 C) and below the MTJ free layer's Curie point
(a device's own tc is checked against it where the device is known)."""


def temperature_k(text: str) -> float:
    """An argparse type: an ambient temperature [K] within :data:`TEMP_RANGE_K`; a value
    that looks like Celsius (in range as such) is refused with its value in kelvin."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"temperature {text!r} is not a number") from None
    lo, hi = TEMP_RANGE_K
    if not lo <= value <= hi:  # also nan, inf and values <= 0
        as_celsius = value + ZERO_CELSIUS_K
        hint = f"; as Celsius it would be {as_celsius:g} K" if lo <= as_celsius <= hi else ""
        raise argparse.ArgumentTypeError(
            f"temperature {text!r} K is out of range; allowed {lo:g} .. {hi:g} K "
            f"(kelvin, not Celsius{hint})"
        )
    return value


def add_temperature_argument(
    parser: argparse.ArgumentParser, default: str = f"{SPICE_DEFAULT_K:g}"
) -> None:
    """The ``--temp K`` option of the simulating commands (ambient; None when not given);
    ``default`` is what the help says the command uses then (ngspice's 27 C unless told)."""
    parser.add_argument(
        "--temp",
        type=temperature_k,
        default=None,
        metavar="K",
        help=f"ambient temperature [K] (default: {default})".replace("%", "%%"),
    )


def positive_int(label: str, minimum: int = 1) -> Callable[[str], int]:
    """An argparse type: a whole number >= ``minimum``; zero or negative counts are usage
    errors (exit 2), never silently replaced by a default."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{label} {text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{label} {text!r}: allowed {minimum} or more")
        return value

    return parse


def add_count_argument(parser: argparse.ArgumentParser, option: str, help: str) -> None:
    """``option N``: a whole number >= 1 (see :func:`positive_int`), default None (the
    command's own default)."""
    parser.add_argument(option, type=positive_int(option), default=None, metavar="N", help=help)


def output_path(text: str) -> Path:
    """An argparse type for ``--out DIR``: ``~`` expanded, an empty text refused (it would
    write into the current folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("'' is empty; give a folder")
    return Path(text).expanduser()


def add_out_argument(
    parser: argparse.ArgumentParser, default: Path, help: str = "output folder"
) -> None:
    """``--out DIR`` (type :func:`output_path`), ``default`` when not given; the help names
    the default relative to the output root, e.g. ``output folder (default: build/netlists)``."""
    default = Path(default)
    parser.add_argument(
        "--out",
        type=output_path,
        default=default,
        metavar="DIR",
        help=f"{help} (default: {shown(default)})".replace("%", "%%"),
    )


def checked_out_dir(out: Path, option: str = "--out") -> Path:
    """``out`` as an absolute folder that can be written, checked and claimed before any
    work (one line naming the option: a file, a dangling link, a folder without write
    permission, a folder another live run is writing into -- see :mod:`.outlock`)."""
    out = Path(out).expanduser().absolute()
    if out.is_symlink() and not out.exists():
        raise ValueError(f"{option} {out} is a symbolic link to nothing ({os.readlink(out)})")
    if out.exists() and not out.is_dir():
        raise ValueError(f"{option} {out} is a file, not a folder")
    probe = out if out.exists() else next((p for p in out.parents if p.exists()), out.parent)
    if not probe.is_dir():
        raise ValueError(f"{option} {out}: {probe} is a file, not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ValueError(f"{option} {out}: {probe} is not writable")
    if out.exists() and not os.access(out.parent, os.W_OK | os.X_OK):
        raise ValueError(f"{option} {out}: its parent {out.parent} is not writable (staging)")
    return claim_out_dir(out, option)


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    return max(1, len(os.sched_getaffinity(0)))


def add_workers_argument(parser: argparse.ArgumentParser, what: str) -> None:
    """``--workers N`` (0 = in this process) and ``--oversubscribe`` (more than the cores)."""
    parser.add_argument(
        "--workers",
        type=positive_int("--workers", minimum=0),
        default=None,
        metavar="N",
        help=f"{what} (0: in this process; default and most: the usable cores)",
    )
    parser.add_argument(
        "--oversubscribe",
        action="store_true",
        help="allow more --workers than usable cores (they then share cores)",
    )


def check_workers(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """A usage error (exit 2) for more workers than usable cores without --oversubscribe."""
    cores = usable_cores()
    if args.workers is not None and args.workers > cores and not args.oversubscribe:
        parser.error(
            f"--workers {args.workers}: allowed 0..{cores} (the usable cores); "
            "add --oversubscribe to start more"
        )
