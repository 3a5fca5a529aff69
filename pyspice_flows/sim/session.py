"""The one owner of the simulator: PySpice's shared-library ngspice, with OSDI models.

A :class:`Session` starts libngspice once per process, sets its OpenMP thread count,
loads every compiled OSDI model *before* any circuit is parsed, runs a
:class:`~circuits.testbench.Testbench` (a PySpice circuit or netlist text, its analysis,
options and temperature in kelvin) and returns the waveforms as numpy arrays.

Units of the returned vectors are SI, as ngspice writes them: node voltages and OSDI
thermal nodes in volts (a thermal node's "volt" is a kelvin of temperature rise),
branch currents in amperes, ``time`` in seconds, ``temp-sweep`` in degrees Celsius.

ngspice's errors and non-convergence become :class:`SimulationError` carrying
ngspice's own lines.  One shared ngspice exists per process (a limitation of the
library): run simulations in parallel in separate processes.
"""

from __future__ import annotations

import ctypes.util
import logging
import os
import re
import signal
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from circuits.testbench import Analysis, Transient, as_testbench, render
from circuits.testbench import DcSweep as DcSweep  # the analyses are testbench data (circuits/),
from circuits.testbench import OperatingPoint as OperatingPoint  # imported from here as before

DEFAULT_THREADS = 1
"""OpenMP threads per ngspice.  Debian's spinit asks for 8, which makes OSDI models
about 10x slower on a 2-core machine (thread waits dominate small circuits); one thread
per simulation, and parallelism across processes, is the faster arrangement here.
Override with the environment variable ``IPNET_NGSPICE_THREADS`` (1 .. the machine's cores)."""

THREADS_ENV = "IPNET_NGSPICE_THREADS"

_HALT_ATTEMPTS = 30  # ``bg_halt`` waits up to 1 s each time


def ngspice_threads(value: object = None) -> int:
    """The OpenMP thread count to give ngspice: ``value``, else ``$IPNET_NGSPICE_THREADS``,
    else :data:`DEFAULT_THREADS`; an integer from 1 to the machine's core count.

    More threads than cores only adds OpenMP waits (999 turned a 7 s report into more
    than 10 minutes), so such a value is refused with a ValueError naming it.
    """
    where = "ngspice thread count" if value is not None else THREADS_ENV
    raw = value if value is not None else os.environ.get(THREADS_ENV, "").strip() or DEFAULT_THREADS
    cores = os.cpu_count() or 1
    try:
        if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
            raise ValueError
        n = int(str(raw).strip()) if isinstance(raw, str) else int(raw)
    except (TypeError, ValueError):
        raise ValueError(
            f"{where}={raw!r} is not an integer; allowed 1..{cores} (this machine's cores)"
        ) from None
    if not 1 <= n <= cores:
        raise ValueError(
            f"{where}={raw!r} is out of range; allowed 1..{cores} (this machine's cores)"
        )
    return n


# Lines that mean the simulator failed.  ngspice prints errors on stdout or stderr and
# keeps going, so the session classifies every line by content.
_ERROR_RE = re.compile(
    r"error|timestep too small|singular matrix|aborted|unknown (model|device|subckt|parameter)"
    r"|could not find|unable to find|no such|not found|cannot|out of range|out of bounds|iteration limit"
    r"|failed",
    re.IGNORECASE,
)
# Lines that match the above but are harmless.
_HARMLESS_RE = re.compile(
    r"^(Warning|Note|Using SPARSE|Supplies reduced|Source Stepping|gmin stepping|"
    r"Circuit: |Doing analysis|Reference value|No. of Data Rows|Initial Transient)",
    re.IGNORECASE,
)


class SimulationError(RuntimeError):
    """ngspice refused a circuit or failed during an analysis.

    ``ngspice_messages`` holds ngspice's own lines that signalled the failure and
    ``netlist`` the text that was simulated.
    """

    def __init__(self, summary: str, ngspice_messages: list[str], netlist: str = ""):
        self.ngspice_messages = ngspice_messages
        self.netlist = netlist
        detail = (
            "\n".join(f"  ngspice: {m}" for m in ngspice_messages) or "  (ngspice said nothing)"
        )
        super().__init__(f"{summary}\n{detail}")
        self._summary = summary

    def __reduce__(self):
        # rebuilt from the constructor's own arguments: a worker process's failure reaches
        # the parent whole (the default pickles only the message, and unpickling then fails)
        return (type(self), (self._summary, self.ngspice_messages, self.netlist))

    @property
    def step_collapsed(self) -> bool:
        """ngspice stopped on "Timestep too small": the same circuit often gets through
        with a finer step cap (:func:`retry_finer`)."""
        return STEP_COLLAPSE in str(self)


STEP_COLLAPSE = "Timestep too small"
"""ngspice's message when the time step collapses (a stiff moment it could not pass)."""


def retry_finer(attempt, max_step_s: float, divisors: Iterable[int] = (1, 4)):
    """``attempt(max_step)`` at ``max_step_s / d`` for each divisor ``d`` in turn, while
    ngspice stops on a collapsed time step (a reversal of a junction, now and then); any
    other failure, and the collapse at the last divisor, is raised.  Every outcome still
    depends on the circuit and seed alone, the step cap being a solver setting."""
    tried = list(divisors)
    if not tried or any(isinstance(d, bool) or not isinstance(d, int) or d < 1 for d in tried):
        raise ValueError(f"divisors={divisors!r}; allowed: integers >= 1, at least one")
    for d in tried[:-1]:
        try:
            return attempt(max_step_s / d)
        except SimulationError as err:
            if not err.step_collapsed:
                raise
    return attempt(max_step_s / tried[-1])


# ----------------------------------------------------------------------------- results
@dataclass
class Waveforms:
    """The vectors of one analysis, by ngspice's lower-case names.

    ``v("out")`` is a node voltage [V], ``i("vdd")`` the current [A] through a voltage
    source (positive into its + terminal, ngspice's convention), ``x("xm1#tnode")`` any
    vector by its exact name (OSDI internal nodes are ``<instance>#<node>``).
    """

    plot_type: str
    vectors: dict[str, np.ndarray]
    netlist: str = field(default="", repr=False)

    @property
    def time(self) -> np.ndarray:
        return self.x("time")

    def x(self, name: str) -> np.ndarray:
        key = name.lower()
        if key not in self.vectors:
            raise KeyError(
                f"no vector {name!r} in the {self.plot_type} results; "
                f"available: {', '.join(sorted(self.vectors))}"
            )
        return self.vectors[key]

    def v(self, node: str) -> np.ndarray:
        key = node.lower()
        return self.vectors[key] if key in self.vectors else self.x(f"v({key})")

    def i(self, source: str) -> np.ndarray:
        return self.x(f"{source.lower()}#branch")

    def __contains__(self, name: str) -> bool:
        return name.lower() in self.vectors


# ----------------------------------------------------------------------------- session
def _configure_library_path() -> None:
    """Point PySpice at Debian's ``libngspice.so.0`` (no unversioned symlink is installed)."""
    if "NGSPICE_LIBRARY_PATH" in os.environ:
        return
    found = ctypes.util.find_library("ngspice")
    if found:
        os.environ["NGSPICE_LIBRARY_PATH"] = found


class Session:
    """The process's shared ngspice.  Use :meth:`get`; never more than one per process."""

    _instance: Session | None = None
    _lock = threading.Lock()

    def __init__(self, threads: int | None = None):
        threads = ngspice_threads(threads)
        _configure_library_path()
        # PySpice logs every stderr line as an error and warns about unknown versions;
        # this session classifies ngspice's messages itself.
        logging.getLogger("PySpice").setLevel(logging.CRITICAL)
        from PySpice.Spice.NgSpice.Shared import NgSpiceShared

        session = self

        class _Shared(NgSpiceShared):
            def send_char(self, message, ngspice_id):
                session._lines.append(message)
                return 0

            @staticmethod
            def _background_thread_running(is_running, ngspice_id, user_data):
                # ngspice passes false when its background thread starts, true when it ends
                if is_running:
                    session._bg_stopped.set()
                return 0

        self._lines: list[str] = []
        self._bg_stopped = threading.Event()
        with _DeferredSignals():  # ngSpice_Init prints through a callback, and replaces
            self._ng = _Shared(ngspice_id=0, send_data=False)  # the SIGINT handler
        self._lib = self._ng._ngspice_shared
        self.version = self._ng.ngspice_version
        self.threads = threads
        self.command(f"set num_threads={self.threads}")
        self.loaded_osdi: list[Path] = []

    @classmethod
    def get(cls) -> Session:
        """The process's session, started on first use with every compiled OSDI model."""
        with cls._lock:
            if cls._instance is None:
                from . import osdi

                inst = cls()
                for model in osdi.compile_all():
                    inst.load_osdi(model.osdi)
                cls._instance = inst
            return cls._instance

    @classmethod
    def started(cls) -> Session | None:
        """The process's session if one has been started, else None (starts nothing)."""
        return cls._instance

    # -- low level -----------------------------------------------------------------
    def command(self, text: str) -> list[str]:
        """Run one ngspice command; returns its output lines, raises on an error line."""
        self._lines = []
        with _DeferredSignals():
            rc = self._lib.ngSpice_Command(text.encode("ascii"))
        lines = [_strip_prefix(m) for m in self._lines]
        errors = _error_lines(lines)
        if rc or errors:
            raise SimulationError(f"ngspice command {text!r} failed", errors or lines)
        return lines

    def load_osdi(self, path: Path | str) -> None:
        """Load an OSDI library; must happen before a circuit using it is parsed."""
        path = Path(path).resolve()
        if path in self.loaded_osdi:
            return
        if not path.exists():
            raise FileNotFoundError(f"OSDI file {path} does not exist (run `make osdi`)")
        self.command(f"osdi {path}")
        self.loaded_osdi.append(path)

    def _load_netlist(self, text: str) -> None:
        from PySpice.Spice.NgSpice.Shared import ffi

        lines = [ln for ln in text.splitlines() if ln.strip()] + [""]
        keep = [ffi.new("char[]", ln.encode("utf8")) for ln in lines] + [ffi.NULL]
        self._lines = []
        rc = self._lib.ngSpice_Circ(ffi.new("char *[]", keep))
        out = [_strip_prefix(m) for m in self._lines]
        errors = _error_lines(out)
        if rc or errors:
            raise SimulationError("ngspice refused the circuit", errors or out, text)

    def _current_vectors(self) -> tuple[str, dict[str, np.ndarray]]:
        from PySpice.Spice.NgSpice.Shared import ffi

        plot = ffi.string(self._lib.ngSpice_CurPlot()).decode()
        names_c = self._lib.ngSpice_AllVecs(plot.encode())
        vectors: dict[str, np.ndarray] = {}
        i = 0
        while names_c[i] != ffi.NULL:
            name = ffi.string(names_c[i]).decode()
            info = self._lib.ngGet_Vec_Info(f"{plot}.{name}".encode())
            n = info.v_length
            if info.v_realdata != ffi.NULL:
                arr = np.frombuffer(ffi.buffer(info.v_realdata, n * 8), dtype=np.float64).copy()
            else:
                raw = np.frombuffer(ffi.buffer(info.v_compdata, n * 16), dtype=np.float64)
                arr = (raw[0::2] + 1j * raw[1::2]).copy()
            vectors[name.lower()] = arr
            i += 1
        return plot, vectors

    # -- high level ----------------------------------------------------------------
    def run(self, bench, analysis: Analysis | None = None, **fields) -> Waveforms:
        """Simulate a :class:`~circuits.testbench.Testbench` (``run(tb)``), or a circuit (a
        PySpice ``Circuit`` or netlist text) under ``analysis`` with the testbench's other
        fields by name (``options={"seed": 42}``, ``temperature_k=358.15``,
        ``before_analysis=[".save all"]``), built into one by
        :func:`~circuits.testbench.as_testbench`.  Returns every vector ngspice produced.
        """
        tb = as_testbench(bench, analysis, **fields)
        analysis, text = tb.analysis, render(tb)
        with self._lock:
            with _DeferredSignals():
                self._load_netlist(text)
            self._lines = []
            rc = self._run_loaded()
            out = [_strip_prefix(m) for m in self._lines]
            errors = _error_lines(out)
            if rc or errors:
                with _DeferredSignals():
                    self._free()
                raise SimulationError(
                    f"ngspice failed during {analysis.command()}", errors or out, text
                )
            with _DeferredSignals():
                plot, vectors = self._current_vectors()
                self._free()
        if not vectors or (isinstance(analysis, Transient) and "time" not in vectors):
            raise SimulationError(f"ngspice produced no {analysis.command()} results", out, text)
        return Waveforms(plot_type=re.sub(r"\d+$", "", plot), vectors=vectors, netlist=text)

    def _run_loaded(self) -> int:
        """Run the loaded circuit's analysis; returns ngspice's status.

        In the main thread the analysis runs on ngspice's background thread while this
        thread waits, so that Ctrl-C (KeyboardInterrupt) and any signal handler that
        raises (SIGTERM in the command lines) stop the simulation: ngspice is halted, the
        circuit freed, and the exception goes on.  (Raised inside ngspice's own callbacks,
        as with a plain ``run``, the exception would be swallowed and the run go on.)
        Elsewhere (Dask worker threads, where no signal arrives) it is a plain ``run``.
        """
        if threading.current_thread() is not threading.main_thread():
            return self._lib.ngSpice_Command(b"run")
        self._bg_stopped.clear()
        with _DeferredSignals():
            rc = self._lib.ngSpice_Command(b"bg_run")
        if rc:
            return rc
        try:
            # The thread announces its end through the callback; ngSpice_running() alone
            # is no proof of a start (the new thread raises its flag a moment later).
            idle_polls = 0
            while not self._bg_stopped.wait(0.05):
                idle_polls = 0 if self._lib.ngSpice_running() else idle_polls + 1
                if idle_polls >= 20:  # a second without a running thread nor its callback
                    break
            deadline = time.monotonic() + 5.0
            while self._lib.ngSpice_running() and time.monotonic() < deadline:
                time.sleep(0.0001)  # the flag drops just after the callback
        except BaseException:
            self._halt()
            raise
        return 0

    def _halt(self) -> None:
        """Stop ngspice's background thread and drop the circuit (after an interruption).

        Another Ctrl-C meanwhile (a user pressing it twice) is dropped: the interruption
        is already on its way, and raised inside ngspice's output callback it would only
        print "Exception ignored from cffi callback"."""
        with _DeferredSignals(reraise=False):
            for _ in range(_HALT_ATTEMPTS):
                if not self._lib.ngSpice_running():
                    break
                self._lib.ngSpice_Command(b"bg_halt")
            self._free()

    def _free(self) -> None:
        """Drop the circuit and its plots so memory does not grow run after run."""
        for cmd in (b"destroy all", b"remcirc"):
            self._lib.ngSpice_Command(cmd)


class _DeferredSignals:
    """Hold Ctrl-C, SIGTERM and SIGALRM while ngspice calls back into Python on the main
    thread.

    An exception raised inside a ctypes callback (ngspice's output callbacks during
    loading, ``destroy`` and ``remcirc``) is printed ("Exception ignored from cffi
    callback") and dropped, so the run would go on.  Inside this context the signals are
    only recorded; on leaving it the original handler runs (raising ``KeyboardInterrupt``,
    the command line's ``Terminated``, or a time limit's ``TimeLimitExceeded``).  Outside
    the main thread it does nothing (no signal arrives there).
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGALRM)  # SIGALRM: time limits

    def __init__(self, reraise: bool = True):
        self.reraise = reraise  # False: the signals caught inside are dropped

    def __enter__(self):
        self._active = threading.current_thread() is threading.main_thread()
        self._caught: list[int] = []
        if self._active:
            self._saved = {sig: signal.getsignal(sig) for sig in self.SIGNALS}
            for sig in self.SIGNALS:
                signal.signal(sig, lambda signum, frame: self._caught.append(signum))
        return self

    def __exit__(self, *exc):
        if not self._active:
            return False
        for sig, handler in self._saved.items():
            signal.signal(sig, handler)
        if self._caught and exc[0] is None and self.reraise:
            signum = self._caught[0]
            handler = self._saved[signum]
            if callable(handler):
                handler(signum, None)  # raises (KeyboardInterrupt, Terminated, ...)
            elif signum == signal.SIGINT and handler == signal.SIG_DFL:
                raise KeyboardInterrupt
        return False


def netlist_for(bench, analysis: Analysis | None = None, **fields) -> str:
    """The netlist text that :meth:`Session.run` simulates for the same arguments (a title
    line first): the testbench (:func:`~circuits.testbench.as_testbench`) through the one
    netlister (:func:`circuits.testbench.render`)."""
    return render(as_testbench(bench, analysis, **fields))


def _strip_prefix(message: str) -> str:
    prefix, _, content = message.partition(" ")
    return content if prefix in ("stdout", "stderr") else message


def _error_lines(lines: list[str]) -> list[str]:
    return [ln for ln in lines if _ERROR_RE.search(ln) and not _HARMLESS_RE.match(ln.strip())]
