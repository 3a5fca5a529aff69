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
* ``<out>/sweep_meta.json``: the spec's fingerprint, so a rerun knows it may resume, and
  what it simulated (parameters, ``[overrides]``, device, the neuron design's digest), so
  ``ipnet compare`` knows which design's column the sweep describes;
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
    larger ``samples``) is refused rather than mixed into the same table, and so are
    rows computed from other inputs: ``sweep_meta.json`` records the SHA-256 of the
    spec's device file and of the model sources (``models/verilog_a``, ``models/tech``),
    and a resume after any of them changed says which and stops.

Device
    The spec's ``device`` file gives the centres of the MTJ laws and reaches every
    sample as ``sample["device"]`` (relative to the repository root when inside it), so
    the evaluation builds its neuron from that file, not from the default one.

Command line (``pyspice_flows/sweep/cli.py``)::

    python -m pyspice_flows.sweep [--spec FILE] [--workers N] [--scheduler ADDRESS]
                                  [--out DIR] [--samples N] [--timeout S] [--retry-failed]
                                  [--no-progress] [--debug]

``--scheduler tcp://host:8786`` runs the samples on an existing Dask cluster; without it
they run on ``--workers`` local processes (default: the number of usable cores).

Package layout: ``spec`` (laws and the TOML layout), ``spec_schema`` (the spec file's
pydantic schema and its one-line messages), ``worker`` (one sample in a worker
process; the task function Dask pickles by reference), ``table`` (the results CSV),
``runners`` (local processes or Dask, resume), ``summary`` (statistics and plots),
``cli`` (the command line; ``python -m pyspice_flows.sweep`` runs ``__main__``).
"""

from __future__ import annotations

from .cli import main
from .runners import DASK_ATTEMPTS, SweepResult, default_workers, run_sweep
from .spec import (
    DEFAULT_OUT,
    DEFAULT_SPEC,
    META_NAME,
    MTJ_KEYS,
    PACKAGES_ROOT,
    RESULTS_NAME,
    SPECS_DIR,
    Param,
    SweepSpec,
    load_spec,
)
from .spec_schema import KINDS, RESERVED_COLUMNS
from .summary import plot_distributions, summarize
from .table import read_results
from .worker import resolve_evaluate, run_sample

__all__ = [
    "DASK_ATTEMPTS",
    "DEFAULT_OUT",
    "DEFAULT_SPEC",
    "KINDS",
    "META_NAME",
    "MTJ_KEYS",
    "PACKAGES_ROOT",
    "RESERVED_COLUMNS",
    "RESULTS_NAME",
    "SPECS_DIR",
    "Param",
    "SweepResult",
    "SweepSpec",
    "default_workers",
    "load_spec",
    "main",
    "plot_distributions",
    "read_results",
    "resolve_evaluate",
    "run_sample",
    "run_sweep",
    "summarize",
]
