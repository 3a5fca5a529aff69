"""Variation sweeps: many isolated ngspice simulations, in parallel, into one table.

A sweep is data (:class:`SweepSpec`, usually read from a TOML file by :func:`load_spec`):
distributions of parameters (MTJ parameters, ambient temperature and supply corners,
input patterns), a number of samples, a seed, and an *evaluation function* given by a
dotted path ``"module:function"`` with the signature ``f(sample: dict) -> dict`` of
measured figures.  :func:`run_sweep` runs one evaluation per sample and writes

* ``<out>/results.csv``: one row per sample -- ``index``, ``status`` (``ok``/``failed``),
  the sampled parameters, the measured figures, ``elapsed_s``, ``worker`` and ``error``
  (the simulator's or the validator's message for a failed sample);
* ``<out>/distributions_params.png`` and ``<out>/distributions_figures.png``: histograms;
* ``<out>/summary.json``: counts and the median/5th/95th percentile of every figure;
* ``<out>/sweep_meta.json``: the spec's fingerprint, so a rerun knows it may resume;
* ``<out>/work/<index>/``: each sample's own working directory (kept for a failed sample,
  with ``error.txt``, ``sample.json`` and the failing ``netlist.cir``).

Sampling
    Sample ``i``'s value of parameter ``name`` is drawn from
    ``numpy.random.default_rng([seed, i, crc32(name)])``: it depends only on the seed, the
    sample index and the parameter, never on the number of samples, on which worker runs
    it, in which order, or on the other parameters.  ``cycle`` parameters (corners) are not
    random: together they form a full factorial grid walked by the sample index.

Isolation
    Each sample runs in a worker *process* (``concurrent.futures.ProcessPoolExecutor``
    with the ``spawn`` context, or a Dask worker) that owns its own ngspice with one
    OpenMP thread (``IPNET_NGSPICE_THREADS=1``); the session loads a fresh circuit per run
    and deletes it afterwards.  The process changes into the sample's own empty working
    directory for the evaluation, and within a process one sample runs at a time.

Failures
    A sample that raises (``SimulationError``, ``ValueError``, ...) is recorded as failed
    with its message and the others carry on.  Some ngspice errors leave the process's
    ngspice refusing every later circuit ("cannot recover and awaits to be reset"): the
    worker is then replaced by a fresh process before its next sample.  A sample still
    running after ``timeout_s`` is recorded as failed and its worker process is ended
    (ngspice cannot be interrupted in the middle of ``run``).  A sample that kills its
    worker (a crash inside ngspice) is run again alone and then recorded as failed.

Resume
    Rows are appended and flushed as samples finish, so an interrupted sweep keeps its
    rows; rerunning the same spec into the same folder skips every index already in the
    table (``--retry-failed`` reruns the failed ones).  A different spec (other than a
    larger ``samples``) is refused rather than mixed into the same table.

Command line::

    python -m pyspice_flows.sweep [--spec FILE] [--workers N] [--scheduler ADDRESS]
                                  [--out DIR] [--samples N] [--timeout S] [--retry-failed]
                                  [--no-progress]

``--scheduler tcp://host:8786`` runs the samples on an existing Dask cluster; without it
they run on ``--workers`` local processes (default: the number of usable cores).
"""

from __future__ import annotations

import argparse
import csv
import fcntl
import hashlib
import importlib
import json
import math
import os
import shutil
import socket
import sys
import threading
import time
import tomllib
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
SPECS_DIR = Path(__file__).resolve().parent / "sweeps"
DEFAULT_SPEC = SPECS_DIR / "ipnet_default.toml"
DEFAULT_OUT = REPO_ROOT / "build" / "sweep"
RESULTS_NAME = "results.csv"
META_NAME = "sweep_meta.json"

KINDS = ("normal", "lognormal", "uniform", "choice", "cycle", "fixed")
"""Distribution kinds of a swept parameter:

- ``normal``: ``mean`` + ``sigma`` (absolute) or ``rel_sigma`` (relative to ``mean``);
- ``lognormal``: ``median`` x exp(``sigma`` z), ``sigma`` is the standard deviation of ln x
  (about the relative spread for small values);
- ``uniform``: between ``low`` and ``high``;
- ``choice``: one of ``values`` at random (numbers or strings, e.g. input patterns);
- ``cycle``: corners -- every ``cycle`` parameter walks its ``values`` deterministically, and
  together they form a full factorial grid (the first one varies fastest);
- ``fixed``: always ``value``.
"""

MTJ_KEYS = ("rp", "tmr0", "rth", "cth", "ic0", "delta0")
"""Parameters whose centre (``mean``/``median``) defaults to the spec's device file."""

RESERVED_COLUMNS = ("index", "status", "elapsed_s", "worker", "error")
_ERROR_CSV_CHARS = 2000


# ----------------------------------------------------------------------------- spec
@dataclass(frozen=True)
class Param:
    """One swept parameter: its name (the key the evaluation function reads) and its law.

    Units are those the evaluation function expects (SI: ohm, K/W, J/K, A, K, V).
    ``source`` says where the spread comes from (a citation or "assumption: ...").
    """

    name: str
    dist: str
    mean: float | None = None
    median: float | None = None
    sigma: float | None = None
    rel_sigma: float | None = None
    low: float | None = None
    high: float | None = None
    values: tuple = ()
    value: object = None
    source: str = ""

    def __post_init__(self):
        where = f"sweep parameter {self.name!r}"
        if not self.name or not isinstance(self.name, str) or self.name in RESERVED_COLUMNS:
            raise ValueError(
                f"{where}: a name must be a non-empty string other than "
                f"{', '.join(RESERVED_COLUMNS)}"
            )
        if self.dist not in KINDS:
            raise ValueError(f"{where}: unknown dist {self.dist!r}; allowed {', '.join(KINDS)}")
        object.__setattr__(self, "values", tuple(self.values))

        def number(label, value, positive=False):
            if value is None:
                raise ValueError(f"{where}: dist={self.dist!r} needs {label!r}")
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
            ):
                raise ValueError(f"{where}: {label}={value!r} must be a finite number")
            if positive and value <= 0:
                raise ValueError(f"{where}: {label}={value!r} must be > 0")

        if self.dist == "normal":
            number("mean", self.mean)
            if (self.sigma is None) == (self.rel_sigma is None):
                raise ValueError(
                    f"{where}: dist='normal' needs exactly one of 'sigma', 'rel_sigma'"
                )
            number(
                "sigma" if self.sigma is not None else "rel_sigma",
                self.sigma if self.sigma is not None else self.rel_sigma,
            )
            if (self.sigma if self.sigma is not None else self.rel_sigma) < 0:
                raise ValueError(f"{where}: the spread of a normal law must be >= 0")
        elif self.dist == "lognormal":
            number("median", self.median, positive=True)
            number("sigma", self.sigma)
            if self.sigma < 0:
                raise ValueError(f"{where}: sigma={self.sigma!r} must be >= 0")
        elif self.dist == "uniform":
            number("low", self.low)
            number("high", self.high)
            if not self.high > self.low:
                raise ValueError(
                    f"{where}: uniform needs low < high, got {self.low!r}, {self.high!r}"
                )
        elif self.dist in ("choice", "cycle"):
            if not self.values:
                raise ValueError(f"{where}: dist={self.dist!r} needs a non-empty 'values' list")
            for v in self.values:
                if isinstance(v, bool) or not isinstance(v, (int, float, str)):
                    raise ValueError(f"{where}: values must be numbers or strings, got {v!r}")  # noqa: TRY004
        elif self.dist == "fixed" and (
            isinstance(self.value, bool) or not isinstance(self.value, (int, float, str))
        ):
            raise ValueError(f"{where}: dist='fixed' needs a number or string 'value'")

    def draw(self, seed: int, index: int) -> object:
        """This parameter's value in sample ``index`` (random kinds only)."""
        rng = np.random.default_rng([seed, index, zlib.crc32(self.name.encode())])
        if self.dist == "normal":
            sigma = self.sigma if self.sigma is not None else self.rel_sigma * abs(self.mean)
            return float(self.mean + sigma * rng.standard_normal())
        if self.dist == "lognormal":
            return float(self.median * math.exp(self.sigma * rng.standard_normal()))
        if self.dist == "uniform":
            return float(rng.uniform(self.low, self.high))
        if self.dist == "choice":
            return _plain(self.values[int(rng.integers(len(self.values)))])
        if self.dist == "fixed":
            return _plain(self.value)
        raise AssertionError(f"{self.dist} is not drawn at random")


@dataclass(frozen=True)
class SweepSpec:
    """A sweep: what to vary, how often, and which function measures a sample.

    name: label of the sweep (progress bar, summary)
    evaluate: ``"module:function"``; the function takes the sample dict and returns a dict
        holding (at least) every name in ``figures``
    samples: number of samples (indices 0 .. samples-1)
    seed: seed of every draw
    params: the swept parameters, in column order
    figures: the measured figures, in column order
    overrides: {index: {name: value}} forced onto single samples after drawing (to
        reproduce a sample, or to plant a bad value on purpose)
    timeout_s: wall-time limit of one sample [s] (None: no limit); a sample still running
        then is recorded as failed and its worker process is ended (worker processes and
        Dask only: a sweep run in this process, ``workers=0``, cannot stop itself)
    """

    name: str
    evaluate: str
    samples: int
    seed: int
    params: tuple[Param, ...]
    figures: tuple[str, ...]
    overrides: Mapping[int, Mapping[str, object]] = field(default_factory=dict)
    description: str = ""
    timeout_s: float | None = None

    def __post_init__(self):
        object.__setattr__(self, "params", tuple(self.params))
        object.__setattr__(self, "figures", tuple(self.figures))
        if not isinstance(self.evaluate, str) or ":" not in self.evaluate:
            raise ValueError(
                f"sweep {self.name!r}: evaluate={self.evaluate!r} must be 'module:function'"
            )
        if isinstance(self.samples, bool) or not isinstance(self.samples, int) or self.samples < 1:
            raise ValueError(
                f"sweep {self.name!r}: samples={self.samples!r} must be an integer >= 1"
            )
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"sweep {self.name!r}: seed={self.seed!r} must be an integer >= 0")
        if not self.figures:
            raise ValueError(
                f"sweep {self.name!r}: 'figures' must name at least one measured figure"
            )
        names = [p.name for p in self.params] + list(self.figures)
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"sweep {self.name!r}: names used twice: {', '.join(dup)}")
        if self.timeout_s is not None and (
            isinstance(self.timeout_s, bool)
            or not isinstance(self.timeout_s, (int, float))
            or not self.timeout_s > 0
        ):
            raise ValueError(
                f"sweep {self.name!r}: timeout_s={self.timeout_s!r} must be a number > 0"
            )
        bad = [f for f in self.figures if not isinstance(f, str) or f in RESERVED_COLUMNS or not f]
        if bad:
            raise ValueError(f"sweep {self.name!r}: bad figure names {bad!r}")
        overrides = {}
        for key, values in dict(self.overrides).items():
            try:
                index = int(key)
            except (TypeError, ValueError):
                raise ValueError(
                    f"sweep {self.name!r}: override key {key!r} is not a sample index"
                ) from None
            unknown = [k for k in values if k not in {p.name for p in self.params}]
            if unknown:
                raise ValueError(
                    f"sweep {self.name!r}: override of sample {index} sets "
                    f"{', '.join(unknown)}, which are not swept parameters"
                )
            overrides[index] = {k: _plain(v) for k, v in values.items()}
        object.__setattr__(self, "overrides", overrides)

    # -- samples ---------------------------------------------------------------------
    def sample(self, index: int) -> dict[str, object]:
        """The parameter values of sample ``index`` (a function of seed and index only)."""
        if not 0 <= index:
            raise ValueError(f"sample index {index!r} must be >= 0")
        out: dict[str, object] = {}
        stride = 1
        for p in self.params:
            if p.dist == "cycle":
                out[p.name] = _plain(p.values[(index // stride) % len(p.values)])
                stride *= len(p.values)
            else:
                out[p.name] = p.draw(self.seed, index)
        out.update(self.overrides.get(index, {}))
        return out

    def columns(self) -> list[str]:
        """The CSV header."""
        return [
            "index",
            "status",
            *(p.name for p in self.params),
            *self.figures,
            "elapsed_s",
            "worker",
            "error",
        ]

    def with_samples(self, samples: int) -> SweepSpec:
        return replace(self, samples=samples)

    def fingerprint(self) -> str:
        """SHA-256 of everything that decides a sample's values and columns.

        Not ``samples``, ``description`` or ``timeout_s``: a sweep may grow, or get more
        time per sample, and still resume.
        """
        data = asdict(self)
        for key in ("samples", "description", "timeout_s"):
            data.pop(key)
        data["overrides"] = {str(k): v for k, v in sorted(self.overrides.items())}
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()

    # -- construction --------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping, base_dir: Path = REPO_ROOT) -> SweepSpec:
        """A spec from the TOML layout (see ``pyspice_flows/sweeps/ipnet_default.toml``).

        ``device`` (a path relative to the repository root, or to ``base_dir``) supplies the
        centre of an MTJ parameter (rp, tmr0, rth, cth, ic0, delta0) that gives none.
        """
        known = {
            "name",
            "description",
            "evaluate",
            "samples",
            "seed",
            "device",
            "figures",
            "params",
            "overrides",
            "timeout_s",
        }
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(
                f"sweep spec: unknown keys {', '.join(unknown)}; allowed {', '.join(sorted(known))}"
            )
        for key in ("evaluate", "samples", "seed", "figures"):
            if key not in data:
                raise ValueError(f"sweep spec: missing {key!r}")
        nominal = _device_nominal(data.get("device"), base_dir)
        params = []
        for name, entry in dict(data.get("params", {})).items():
            if not isinstance(entry, Mapping):
                raise ValueError(f"sweep spec: [params.{name}] must be a table")  # noqa: TRY004
            allowed = {
                "dist",
                "mean",
                "median",
                "sigma",
                "rel_sigma",
                "low",
                "high",
                "values",
                "value",
                "source",
                "note",
            }
            extra = sorted(set(entry) - allowed)
            if extra:
                raise ValueError(f"sweep spec: [params.{name}] has unknown keys {', '.join(extra)}")
            if "dist" not in entry:
                raise ValueError(f"sweep spec: [params.{name}] needs 'dist' ({', '.join(KINDS)})")
            kw = {k: v for k, v in entry.items() if k != "note"}
            if name in nominal:
                if kw["dist"] == "normal":
                    kw.setdefault("mean", nominal[name])
                elif kw["dist"] == "lognormal":
                    kw.setdefault("median", nominal[name])
            params.append(Param(name=name, **kw))
        return cls(
            name=str(data.get("name", "sweep")),
            description=str(data.get("description", "")),
            evaluate=data["evaluate"],
            samples=data["samples"],
            seed=data["seed"],
            params=tuple(params),
            figures=tuple(data["figures"]),
            overrides=dict(data.get("overrides", {})),
            timeout_s=data.get("timeout_s"),
        )


def load_spec(path: Path | str = DEFAULT_SPEC) -> SweepSpec:
    """Read a sweep spec from a TOML file; raises ValueError naming what is wrong."""
    path = Path(path)
    if not path.exists():
        available = ", ".join(sorted(p.name for p in SPECS_DIR.glob("*.toml")))
        raise FileNotFoundError(f"sweep spec {path} does not exist; shipped specs: {available}")
    with path.open("rb") as fh:
        try:
            data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"sweep spec {path}: {exc}") from exc
    try:
        return SweepSpec.from_dict(data, base_dir=path.parent)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc


def _device_nominal(device: object, base_dir: Path) -> dict[str, float]:
    from circuits.mtj_device import DEFAULT_DEVICE, load_device

    if device is None:
        path = DEFAULT_DEVICE
    else:
        path = Path(str(device))
        if not path.is_absolute():
            path = REPO_ROOT / path if (REPO_ROOT / path).exists() else base_dir / path
    params = load_device(path).params
    return {k: float(getattr(params, k)) for k in MTJ_KEYS}


def _plain(value: object) -> object:
    """A Python scalar (no numpy types, so CSV text is identical everywhere)."""
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    return value


# ----------------------------------------------------------------------------- evaluation
def resolve_evaluate(path: str) -> Callable[[dict], Mapping]:
    """The function named ``"module:function"``; ValueError if it cannot be imported."""
    module_name, _, func_name = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(
            f"evaluation function {path!r}: cannot import {module_name!r}: {exc}"
        ) from exc
    func = getattr(module, func_name, None)
    if not callable(func):
        raise ValueError(  # noqa: TRY004
            f"evaluation function {path!r}: module {module_name!r} has no function {func_name!r}"
        )
    return func


def _import_root(path: str) -> str | None:
    """The sys.path folder the evaluation function's module is imported from."""
    module = importlib.import_module(path.partition(":")[0])
    file = getattr(module, "__file__", None)
    if not file:
        return None
    parts = module.__name__.split(".")
    root = Path(file).resolve().parent
    levels = len(parts) if Path(file).name == "__init__.py" else len(parts) - 1
    for _ in range(levels):
        root = root.parent
    return str(root)


@dataclass(frozen=True)
class _Task:
    """What a worker needs to run one sample (picklable)."""

    index: int
    values: dict
    evaluate: str
    figures: tuple[str, ...]
    work_root: str
    import_paths: tuple[str, ...] = ()
    in_worker: bool = True
    timeout_s: float | None = None
    token: str = ""


# One sample at a time per process: the working directory and ngspice are per process.
_SAMPLE_LOCK = threading.Lock()
# Set when a failed sample left this process's ngspice unusable: some errors (a bad
# expression, a singular matrix, "timestep too small") end in ngspice's "cannot recover
# and awaits to be reset", after which every later command fails.
_NGSPICE_DEAD = False
RETIRE_MARKER = "retired.json"


def run_sample(task: _Task) -> dict:
    """Evaluate one sample in its own working directory; never raises for a bad sample."""
    with _SAMPLE_LOCK:
        if task.in_worker:
            os.environ["IPNET_NGSPICE_THREADS"] = "1"
        for p in task.import_paths:
            if p not in sys.path:
                sys.path.insert(0, p)
        work = Path(task.work_root) / str(task.index)
        timed_out = _timeout_row(task)
        if timed_out:  # a retry (by Dask) of a sample whose watchdog ended its worker
            return timed_out
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True, exist_ok=True)
        if _NGSPICE_DEAD and task.in_worker:
            # A fresh process (and so a fresh ngspice) must run this sample.
            if _restart_dask_worker():
                from distributed import Reschedule

                raise Reschedule()  # to another worker; this one is being restarted
            # Leave a note that this is no failure of the sample, and end this worker.
            _write_json(work / RETIRE_MARKER, {"token": task.token, "index": task.index})
            os._exit(76)
        worker = f"{socket.gethostname()}:{os.getpid()}"
        row: dict = {"index": task.index, **task.values, "worker": worker}
        here = os.getcwd()
        watchdog = None
        if task.timeout_s and task.in_worker:
            watchdog = threading.Timer(task.timeout_s, _die_of_timeout, args=(work, task, worker))
            watchdog.daemon = True
            watchdog.start()
        t0 = time.perf_counter()
        try:
            os.chdir(work)
            func = resolve_evaluate(task.evaluate)
            measured = func(dict(task.values))
            if not isinstance(measured, Mapping):
                raise TypeError(f"{task.evaluate} returned {type(measured).__name__}, not a dict")
            missing = [f for f in task.figures if f not in measured]
            if missing:
                raise ValueError(f"{task.evaluate} returned no {', '.join(missing)}")
            for f in task.figures:
                value = _plain(measured[f])
                if isinstance(value, str):
                    raise ValueError(  # noqa: TRY004
                        f"{task.evaluate} returned a string for figure {f!r}: {value!r}"
                    )
                row[f] = value
            row["status"], row["error"] = "ok", ""
        except Exception as exc:  # noqa: BLE001 - any failure of one sample is recorded
            row["status"] = "failed"
            row["error"] = _error_text(exc)
            _write_failure(work, task, exc)
            _check_ngspice(exc)
            if _NGSPICE_DEAD and task.in_worker:
                _restart_dask_worker()  # after this result is delivered
        finally:
            if watchdog is not None:
                watchdog.cancel()
            os.chdir(here)
        row["elapsed_s"] = round(time.perf_counter() - t0, 4)
        if row["status"] == "ok":
            shutil.rmtree(work, ignore_errors=True)
        return row


def _check_ngspice(exc: BaseException) -> None:
    """After a failure: is this process's ngspice still usable?  Sets ``_NGSPICE_DEAD``.

    Probed by simulating a one-resistor circuit (ngspice still answers simple commands
    such as ``echo`` once it is past recovery, but refuses every circuit).
    """
    global _NGSPICE_DEAD
    from .session import OperatingPoint, Session, SimulationError

    session = Session._instance
    if session is None:
        return
    if "cannot recover" in str(exc):
        _NGSPICE_DEAD = True
        return
    try:
        session.run("ngspice probe\nI1 0 a 1m\nR1 a 0 1k\n", OperatingPoint())
    except SimulationError:
        _NGSPICE_DEAD = True


def _restart_dask_worker() -> bool:
    """In a Dask worker: ask it (once) to close gracefully and be restarted by its nanny.

    Graceful, so the results it holds move to other workers first.  Returns False
    outside Dask.
    """
    if "distributed" not in sys.modules:
        return False
    from distributed import get_worker

    try:
        worker = get_worker()
    except ValueError:
        return False
    if not getattr(worker, "_ipnet_restart_asked", False):
        worker._ipnet_restart_asked = True
        worker.loop.add_callback(worker.close_gracefully, restart=True, reason="ngspice unusable")
    return True


def _error_text(exc: BaseException) -> str:
    from .session import SimulationError

    text = str(exc).strip()
    if not isinstance(exc, (SimulationError, ValueError)):
        text = f"{type(exc).__name__}: {text}"
    return text or type(exc).__name__


def _write_failure(work: Path, task: _Task, exc: BaseException) -> None:
    import traceback

    try:
        (work / "sample.json").write_text(
            json.dumps({"index": task.index, **task.values}, indent=1) + "\n"
        )
        (work / "error.txt").write_text(
            "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        )
        netlist = getattr(exc, "netlist", "")
        if netlist:
            (work / "netlist.cir").write_text(netlist)
    except OSError:
        pass


TIMEOUT_MARKER = "timeout.json"


def _die_of_timeout(work: Path, task: _Task, worker: str) -> None:
    """The watchdog: leave a note for the parent (and for a retry), then end this process.

    ngspice cannot be interrupted from another thread in the middle of ``run``, so the
    worker process ends; the pool or the Dask nanny starts a new one.
    """
    message = (
        f"timed out: still running after {task.timeout_s:g} s; the worker process was ended "
        f"(raise timeout_s to let it finish)"
    )
    try:
        (work / "sample.json").write_text(
            json.dumps({"index": task.index, **task.values}, indent=1) + "\n"
        )
        (work / "error.txt").write_text(message + "\n")
        _write_json(
            work / TIMEOUT_MARKER,
            {
                "token": task.token,
                "index": task.index,
                "worker": worker,
                "timeout_s": task.timeout_s,
                "message": message,
            },
        )
    finally:
        os._exit(75)


def _timeout_row(task: _Task) -> dict | None:
    """The failed row of a sample whose watchdog fired during this run (else None)."""
    marker = Path(task.work_root) / str(task.index) / TIMEOUT_MARKER
    try:
        note = json.loads(marker.read_text())
    except (OSError, ValueError):
        return None
    if not task.token or note.get("token") != task.token:
        return None  # a note from an earlier run: this run tries again
    return {
        "index": task.index,
        **task.values,
        "status": "failed",
        "error": note["message"],
        "elapsed_s": note["timeout_s"],
        "worker": note.get("worker", ""),
    }


def _retired(task: _Task) -> bool:
    """Did this sample's worker end itself, unrun, to get a fresh ngspice (this run)?"""
    marker = Path(task.work_root) / str(task.index) / RETIRE_MARKER
    try:
        return json.loads(marker.read_text()).get("token") == task.token != ""
    except (OSError, ValueError):
        return False


def _crashed_row(task: _Task, why: str) -> dict:
    return {
        "index": task.index,
        **task.values,
        "status": "failed",
        "error": why,
        "elapsed_s": "",
        "worker": "",
    }


def _init_worker() -> None:
    os.environ["IPNET_NGSPICE_THREADS"] = "1"


# ----------------------------------------------------------------------------- table
def _fmt(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _one_line(text: str) -> str:
    text = " | ".join(ln.strip() for ln in str(text).splitlines() if ln.strip())
    return text if len(text) <= _ERROR_CSV_CHARS else text[: _ERROR_CSV_CHARS - 3] + "..."


class _Table:
    """The results CSV: read on resume, appended and flushed row by row, locked while open."""

    def __init__(self, path: Path, columns: list[str], retry_failed: bool = False):
        self.path = path
        self.columns = columns
        self.done: dict[int, dict[str, str]] = {}
        rows, dropped = self._read()
        if retry_failed:
            kept = [r for r in rows if r["status"] != "failed"]
            dropped = dropped or len(kept) != len(rows)
            rows = kept
        self.done = {int(r["index"]): r for r in rows}
        if dropped:
            self._rewrite(rows)
        new = not self.path.exists()
        self._fh = self.path.open("a", newline="")
        try:
            fcntl.flock(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._fh.close()
            raise RuntimeError(f"{self.path} is being written by another sweep") from None
        self._writer = csv.writer(self._fh)
        if new:
            self._writer.writerow(self.columns)
            self._flush()

    def _read(self) -> tuple[list[dict[str, str]], bool]:
        if not self.path.exists() or self.path.stat().st_size == 0:
            return [], False
        with self.path.open(newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header != self.columns:
                raise ValueError(
                    f"{self.path} has columns {header}, this sweep writes {self.columns}; "
                    "use another --out folder or remove the old table"
                )
            rows, dropped, seen = [], False, set()
            for rec in reader:
                ok = len(rec) == len(self.columns)
                row = dict(zip(self.columns, rec)) if ok else {}
                if (
                    ok
                    and row["status"] in ("ok", "failed")
                    and row["index"].isdigit()
                    and int(row["index"]) not in seen
                ):
                    rows.append(row)
                    seen.add(int(row["index"]))
                else:
                    dropped = True  # a row cut short by an interruption, or a duplicate
        return rows, dropped

    def _rewrite(self, rows: Iterable[Mapping[str, object]]) -> None:
        tmp = self.path.with_suffix(".csv.tmp")
        with tmp.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(self.columns)
            for r in rows:
                w.writerow([_fmt(r.get(c, "")) for c in self.columns])
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(self.path)

    def _flush(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def append(self, row: Mapping[str, object]) -> None:
        row = dict(row)
        row["error"] = _one_line(row.get("error", ""))
        self._writer.writerow([_fmt(row.get(c, "")) for c in self.columns])
        self._flush()
        self.done[int(row["index"])] = {c: _fmt(row.get(c, "")) for c in self.columns}

    def close(self, sort: bool = True) -> None:
        """Release the table; with ``sort`` rewrite it in index order (atomically)."""
        if sort:
            self._rewrite(self.done[i] for i in sorted(self.done))
        fcntl.flock(self._fh, fcntl.LOCK_UN)
        self._fh.close()


def read_results(path: Path | str) -> list[dict[str, object]]:
    """Rows of a results CSV with numbers parsed (``index`` int, figures float or str)."""
    out = []
    with Path(path).open(newline="") as fh:
        for row in csv.DictReader(fh):
            parsed: dict[str, object] = {}
            for k, v in row.items():
                if k == "index":
                    parsed[k] = int(v)
                elif k in ("status", "error", "worker"):
                    parsed[k] = v
                else:
                    try:
                        parsed[k] = float(v) if v != "" else float("nan")
                    except ValueError:
                        parsed[k] = v
            out.append(parsed)
    return out


# ----------------------------------------------------------------------------- running
@dataclass(frozen=True)
class SweepResult:
    """What a run did: the table, counts and wall time [s]."""

    csv_path: Path
    ran: int
    skipped: int
    ok: int
    failed: int
    wall_s: float
    plots: tuple[Path, ...] = ()
    summary_path: Path | None = None


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def run_sweep(
    spec: SweepSpec,
    out_dir: Path | str = DEFAULT_OUT,
    workers: int | None = None,
    scheduler: str | object | None = None,
    progress: bool = True,
    retry_failed: bool = False,
    plots: bool = True,
    timeout_s: float | None = None,
) -> SweepResult:
    """Run every sample of ``spec`` not yet in ``out_dir/results.csv``; see the module doc.

    workers: local worker processes (default: usable cores); 0 runs the samples in this
        process, one after another (for debugging).
    scheduler: a Dask scheduler address (``"tcp://host:port"``) or a ``distributed.Client``;
        when given, the samples run on that cluster and ``workers`` only bounds the number
        of samples in flight.
    timeout_s: overrides the spec's per-sample time limit [s].
    """
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    work_root = out_dir / "work"
    resolve_evaluate(spec.evaluate)  # fail early, in this process, on a wrong path
    _check_meta(out_dir / META_NAME, spec)

    table = _Table(out_dir / RESULTS_NAME, spec.columns(), retry_failed=retry_failed)
    skipped = sum(1 for i in table.done if i < spec.samples)
    root = _import_root(spec.evaluate)
    token = f"{socket.gethostname()}-{os.getpid()}-{time.time_ns()}"
    limit = timeout_s if timeout_s is not None else spec.timeout_s
    todo = [
        _Task(
            i,
            spec.sample(i),
            spec.evaluate,
            spec.figures,
            str(work_root),
            import_paths=(root,) if root else (),
            in_worker=scheduler is not None or workers != 0,
            timeout_s=limit,
            token=token,
        )
        for i in range(spec.samples)
        if i not in table.done
    ]
    if todo:
        from . import osdi

        # Once, here: workers sharing this file system must not race to write the same
        # cache.  Workers elsewhere (a remote Dask cluster) compile their own.
        try:
            osdi.compile_all()
        except (osdi.OsdiCompileError, OSError) as exc:
            if scheduler is None:
                raise RuntimeError(f"cannot compile the OSDI models: {exc}") from exc

    counts = {"ok": 0, "failed": 0}
    bar = _progress_bar(spec, skipped, progress)

    def record(row: dict) -> None:
        table.append(row)
        counts[row["status"]] += 1
        bar.update(1)
        if counts["failed"]:
            bar.set_postfix(failed=counts["failed"], refresh=False)

    t0 = time.perf_counter()
    interrupted = False
    try:
        if todo and scheduler is not None:
            _run_dask(todo, scheduler, workers, record)
        elif todo and workers == 0:
            for task in todo:
                record(run_sample(task))
                if _NGSPICE_DEAD:
                    raise RuntimeError(
                        f"sample {task.index} left this process's ngspice unusable; the rows so "
                        "far are kept: rerun to resume, or use worker processes (workers >= 1), "
                        "which replace such a process by a fresh one"
                    )
        elif todo:
            _run_local(todo, workers or default_workers(), record)
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        bar.close()
        table.close(sort=not interrupted)
    wall = time.perf_counter() - t0

    rows = [r for r in read_results(table.path) if r["index"] < spec.samples]
    written: tuple[Path, ...] = ()
    if plots and rows:
        written = tuple(plot_distributions(rows, spec, out_dir))
    summary_path = out_dir / "summary.json"
    _write_json(summary_path, summarize(rows, spec, wall, len(todo), skipped))
    return SweepResult(
        table.path,
        ran=len(todo),
        skipped=skipped,
        ok=sum(r["status"] == "ok" for r in rows),
        failed=sum(r["status"] == "failed" for r in rows),
        wall_s=wall,
        plots=written,
        summary_path=summary_path,
    )


def _check_meta(path: Path, spec: SweepSpec) -> None:
    fp = spec.fingerprint()
    if path.exists():
        old = json.loads(path.read_text())
        if old.get("fingerprint") != fp:
            raise ValueError(
                f"{path.parent} holds results of a different sweep ({old.get('name')!r}, another "
                "seed, law or evaluation function); use another --out folder or remove it"
            )
        return
    _write_json(
        path,
        {
            "name": spec.name,
            "fingerprint": fp,
            "seed": spec.seed,
            "evaluate": spec.evaluate,
            "params": [asdict(p) for p in spec.params],
            "figures": list(spec.figures),
        },
    )


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n")
    tmp.replace(path)


class _NoBar:
    def update(self, n=1):
        pass

    def set_postfix(self, **kw):
        pass

    def close(self):
        pass


def _progress_bar(spec: SweepSpec, done: int, enabled: bool):
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(
        total=spec.samples,
        initial=done,
        desc=f"sweep {spec.name}",
        unit="sample",
        dynamic_ncols=True,
        smoothing=0.1,
    )


def _run_local(tasks: Sequence[_Task], workers: int, record: Callable[[dict], None]) -> None:
    """Samples on a pool of spawned processes; a sample that kills its worker is retried alone."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    ctx = multiprocessing.get_context("spawn")
    pending = deque(tasks)
    suspects: list[_Task] = []
    window = 2 * workers
    while pending:
        inflight: dict = {}
        broken = False
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=_init_worker
        ) as ex:
            try:
                while (pending or inflight) and not broken:
                    while pending and len(inflight) < window:
                        task = pending.popleft()
                        try:
                            inflight[ex.submit(run_sample, task)] = task
                        except BrokenProcessPool:
                            pending.appendleft(task)
                            broken = True
                            break
                    if broken:
                        break
                    done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                    for fut in done:
                        task = inflight.pop(fut)
                        try:
                            record(fut.result())
                        except BrokenProcessPool:
                            broken = True
                            suspects.append(task)
                if broken:
                    # the pool fails every future still open; keep the results that came
                    wait(inflight)
                    for fut, task in inflight.items():
                        try:
                            record(fut.result())
                        except BrokenProcessPool:
                            suspects.append(task)
                    inflight.clear()
            except BaseException:
                for fut in inflight:
                    fut.cancel()
                ex.shutdown(wait=False, cancel_futures=True)
                raise
        # A worker died.  One that ended itself left a note: its watchdog stopped a
        # sample over its time limit (recorded as failed), or its ngspice could no longer
        # be used and it retired before starting a sample (that sample is queued again).
        # The other samples in flight go back to the queue.  Without a note (a crash
        # inside ngspice, out of memory) each sample in flight runs alone, so the one that
        # kills its process is the one recorded.
        timed_out = {t.index: row for t in suspects if (row := _timeout_row(t)) is not None}
        retired = {t.index for t in suspects if _retired(t)}
        if timed_out or retired:
            for row in timed_out.values():
                record(row)
            again = sorted((t for t in suspects if t.index not in timed_out), key=lambda t: t.index)
            pending.extendleft(reversed(again))
            suspects = []
            continue
        for task in sorted(suspects, key=lambda t: t.index):
            with ProcessPoolExecutor(
                max_workers=1, mp_context=ctx, initializer=_init_worker
            ) as one:
                try:
                    record(one.submit(run_sample, task).result())
                except BrokenProcessPool as exc:
                    record(
                        _crashed_row(task, f"worker process died while running this sample ({exc})")
                    )
        suspects = []


DASK_ATTEMPTS = 3
"""Submissions of one sample to Dask before a lost sample is recorded as failed: a worker
that dies (a timeout, a crash) takes the samples queued on it along."""


def _run_dask(tasks: Sequence[_Task], scheduler, workers: int | None, record) -> None:
    """Samples on a Dask cluster (address or Client); a sample lost with its worker is
    submitted again, up to DASK_ATTEMPTS times, then recorded as failed."""
    from dask.distributed import Client, as_completed

    own = not hasattr(scheduler, "submit")
    client = Client(scheduler) if own else scheduler
    try:
        nworkers = max(1, len(client.scheduler_info().get("workers", {})))
        # one sample per worker in flight: a worker that dies then takes no queue along
        window = max(workers or 0, nworkers)
        pending = deque(tasks)
        by_key: dict = {}
        attempts: dict[int, int] = {}
        token = f"{os.getpid()}-{time.time_ns()}"

        def submit():
            task = pending.popleft()
            attempts[task.index] = attempts.get(task.index, 0) + 1
            key = f"ipnet-sweep-{token}-{task.index}-{attempts[task.index]}"
            fut = client.submit(run_sample, task, key=key, pure=False, retries=0)
            by_key[fut.key] = task
            return fut

        ac = as_completed([submit() for _ in range(min(window, len(pending)))])
        for fut in ac:
            task = by_key.pop(fut.key)
            try:
                row = fut.result()
            except Exception as exc:  # noqa: BLE001 - KilledWorker, lost connection, ...
                row = _timeout_row(task)
                if row is None and attempts[task.index] < DASK_ATTEMPTS:
                    pending.appendleft(task)
                else:
                    row = row or _crashed_row(task, f"dask: {type(exc).__name__}: {exc}")
            if row is not None:
                record(row)
            fut.release()
            while pending and len(by_key) < window:
                ac.add(submit())
    finally:
        if own:
            client.close()


# ----------------------------------------------------------------------------- outputs
def _numeric(rows: list[dict], name: str) -> np.ndarray:
    vals = [r.get(name) for r in rows]
    if not vals or any(isinstance(v, str) for v in vals):
        return np.array([])
    arr = np.asarray(vals, dtype=float)
    return arr[np.isfinite(arr)]


def summarize(rows: list[dict], spec: SweepSpec, wall_s: float, ran: int, skipped: int) -> dict:
    """Counts and the median/5th/95th percentile of every figure over the ok samples."""
    ok = [r for r in rows if r["status"] == "ok"]
    figures = {}
    for f in spec.figures:
        a = _numeric(ok, f)
        if a.size:
            figures[f] = {
                "n": int(a.size),
                "median": float(np.median(a)),
                "p05": float(np.percentile(a, 5)),
                "p95": float(np.percentile(a, 95)),
                "mean": float(a.mean()),
                "std": float(a.std(ddof=1)) if a.size > 1 else 0.0,
            }
    errors: dict[str, int] = {}
    for r in rows:
        if r["status"] == "failed":
            key = str(r["error"]).split(" | ")[0][:120]
            errors[key] = errors.get(key, 0) + 1
    return {
        "name": spec.name,
        "samples": spec.samples,
        "ok": len(ok),
        "failed": len(rows) - len(ok),
        "ran_this_time": ran,
        "skipped_as_done": skipped,
        "wall_s_this_time": wall_s,
        "seed": spec.seed,
        "evaluate": spec.evaluate,
        "figures": figures,
        "failure_messages": errors,
    }


def plot_distributions(rows: list[dict], spec: SweepSpec, out_dir: Path) -> list[Path]:
    """Histograms of the sampled parameters (all samples) and figures (ok samples)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = [r for r in rows if r["status"] == "ok"]
    written = []
    for label, names, subset in (
        ("params", [p.name for p in spec.params], rows),
        ("figures", list(spec.figures), ok),
    ):
        data = [(n, _numeric(subset, n)) for n in names]
        data = [(n, a) for n, a in data if a.size]
        if not data:
            continue
        cols = min(3, len(data))
        nrows = math.ceil(len(data) / cols)
        fig, axes = plt.subplots(nrows, cols, figsize=(4.2 * cols, 3.0 * nrows), squeeze=False)
        for ax, (name, a) in zip(axes.flat, data):
            ax.hist(a, bins=max(5, min(30, int(np.sqrt(a.size)) * 2)), color="tab:blue", alpha=0.8)
            med = float(np.median(a))
            ax.axvline(med, color="k", lw=1)
            ax.set_title(f"{name}\nmedian {med:.4g}, n={a.size}", fontsize=9)
            ax.tick_params(labelsize=8)
        for ax in list(axes.flat)[len(data) :]:
            ax.set_visible(False)
        what = (
            "sampled parameters (all samples)"
            if label == "params"
            else f"measured figures ({len(ok)} ok of {len(rows)} samples)"
        )
        fig.suptitle(f"sweep {spec.name}: {what}", fontsize=10)
        fig.tight_layout()
        path = out_dir / f"distributions_{label}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written


# ----------------------------------------------------------------------------- CLI
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="sweep spec (TOML)")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="local worker processes (default: usable cores; 0 = in this process)",
    )
    parser.add_argument(
        "--scheduler", default=None, help="Dask scheduler address, e.g. tcp://host:8786"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument(
        "--samples", type=int, default=None, help="override the spec's sample count"
    )
    parser.add_argument(
        "--retry-failed", action="store_true", help="rerun samples recorded as failed"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="time limit of one sample [s] (default: the spec's timeout_s)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.workers is not None and args.workers < 0:
        parser.error("--workers must be >= 0")
    try:
        spec = load_spec(args.spec)
        if args.samples is not None:
            spec = spec.with_samples(args.samples)
        where = (
            f"Dask scheduler {args.scheduler}"
            if args.scheduler
            else f"{args.workers if args.workers is not None else default_workers()} local worker process(es)"
        )
        print(
            f"sweep: {spec.name}: {spec.samples} samples, seed {spec.seed}, {spec.evaluate} on {where}",
            flush=True,
        )
        res = run_sweep(
            spec,
            args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=not args.no_progress,
            retry_failed=args.retry_failed,
            timeout_s=args.timeout,
        )
    except KeyboardInterrupt:
        print(
            "sweep: interrupted; the rows written so far are kept -- rerun to resume",
            file=sys.stderr,
        )
        return 130
    except (ValueError, FileNotFoundError, RuntimeError) as exc:
        print(f"sweep: error: {exc}", file=sys.stderr)
        return 1
    print(
        f"sweep: ran {res.ran} samples in {res.wall_s:.1f} s, skipped {res.skipped} already done; "
        f"{res.ok} ok, {res.failed} failed"
    )
    summary = json.loads(res.summary_path.read_text())
    for name, s in summary["figures"].items():
        print(
            f"sweep:   {name}: median {s['median']:.4g}  (5-95 %: {s['p05']:.4g} .. {s['p95']:.4g}, n={s['n']})"
        )
    for msg, n in summary["failure_messages"].items():
        print(f"sweep:   failed x{n}: {msg}")
    for p in (res.csv_path, *res.plots):
        print(f"sweep: wrote {p.relative_to(REPO_ROOT) if p.is_relative_to(REPO_ROOT) else p}")
    return 0 if res.ok or not (res.ok + res.failed) else 1


if __name__ == "__main__":
    sys.exit(main())
