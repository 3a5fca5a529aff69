"""A behavioural stimulus on the SPICE circuit: the reference the model is fitted and validated on.

:func:`run_spice` builds the IPNet testbench (``circuits.ipnet_neuron.build_ipnet_testbench``)
with one synapse per distinct weight of the stimulus, simulates it in ngspice at the given
ambient (300.15 K, ngspice's 27 C, by default) and returns the output spikes and the junction temperature.
:func:`run_probe` runs a stimulus for the characterization targets of
:mod:`behavioural.characterize` and keeps the raw waveforms it needs (the junction's
terminals ``x1.a``, ``x1.j``, node ``th``, the magnetic state and the reset mirror's drain
current ``@m.x1.mpr[id]``).  Both are cached in ``build/behavioural/spice_cache/`` under a
key of the full netlist ngspice simulates (circuit, transient, temperature, saved vectors),
the model sources (Verilog-A, technology cards) and the simulator, the simulation cache's
own key (:mod:`pyspice_flows.sim.cache`), so a changed circuit or model is simulated again
and a rerun of the calibration is not.
"""

from __future__ import annotations

import os
import sys
import zipfile
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np

from circuits.ipnet_neuron import IpnetParams, build_ipnet_testbench
from circuits.paths import BUILD_DIR
from circuits.spice_cards import save_card
from circuits.stimulus import SpikeTrain
from circuits.stimulus import Stimulus as TrainSet
from circuits.testbench import Testbench, render
from circuits.units import SPICE_DEFAULT_K
from pyspice_flows import measure
from pyspice_flows.sim import cache as sim_cache
from pyspice_flows.sim.session import Session, Transient

from .model import INPUT_EDGE_S
from .stimuli import Stimulus

_RUN_ARRAYS = ("spikes", "trace_t", "trace_rise", "switch_ap", "switch_p")


def load_cached(path: Path | None, names) -> dict | None:
    """The arrays ``names`` of a cache entry, or None when there is none.  A damaged entry
    (truncated, not a zip, an array missing) is named on stderr, removed and simulated
    again, instead of failing every later run."""
    if path is None or not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as d:
            return {k: np.array(d[k]) for k in names}
    except (OSError, ValueError, KeyError, TypeError, AttributeError, zipfile.BadZipFile) as exc:
        print(
            f"behavioural: removed the damaged cache entry {path} ({type(exc).__name__}: "
            f"{exc}); simulating it again",
            file=sys.stderr,
        )
        path.unlink(missing_ok=True)
        return None


CACHE_DIR = BUILD_DIR / "behavioural" / "spice_cache"
STEP_S = 10e-12
MAX_STEP_S = 20e-12
"""The transient of the standard IPNet testbench (circuits.scenarios.ipnet_scenario)."""
TRACE_STEP_S = 50e-12
"""Sampling of the stored junction temperature [s]."""
MPR_ID = "@m.x1.mpr[id]"
"""ngspice's vector of the reset mirror's drain current (source at VDD)."""
PROBE_LINES = (save_card([MPR_ID], everything=True),)


def cache_key(netlist: str, *extra) -> str:
    """Key of a cached run: the simulation cache's key of the netlist ngspice simulates
    (:func:`pyspice_flows.sim.cache.run_key`: netlist, model sources, simulator) and
    ``extra`` (what this module derives from the waveforms), through the project's one
    hashing scheme."""
    return sim_cache.content_digest(sim_cache.run_key(netlist), *map(repr, extra))[:20]


@dataclass(frozen=True)
class SpiceRun:
    """One stimulus on the circuit.

    spike_times_s: output spikes (rising ``out`` through VDD/2) [s];
    trace_t_s, trace_rise_k: the junction temperature rise (node ``th``) sampled every
    :data:`TRACE_STEP_S` [s], [K]; switch_ap_s, switch_p_s: when the magnetic state
    (``n.x1.nmtj#m``) crossed 0 toward AP / toward P [s]; temperature_k: ambient [K].
    """

    name: str
    spike_times_s: np.ndarray
    trace_t_s: np.ndarray
    trace_rise_k: np.ndarray
    switch_ap_s: np.ndarray
    switch_p_s: np.ndarray
    temperature_k: float


def testbench(stim: Stimulus, circuit: IpnetParams | None = None):
    """The IPNet testbench of ``stim``: one synapse per distinct weight, VDD logic pulses."""
    circuit = circuit or IpnetParams()
    weights = sorted(set(stim.weights), reverse=True)
    if not weights:
        raise ValueError(f"stimulus {stim.name}: no events")
    params = replace(circuit, n_inputs=len(weights), input_weights=tuple(weights))
    inputs = []
    for w in weights:
        sel = [k for k, x in enumerate(stim.weights) if x == w]
        trains = []
        for width in sorted({stim.widths_s[k] for k in sel}):
            times = tuple(stim.times_s[k] for k in sel if stim.widths_s[k] == width)
            trains.append(SpikeTrain(times, params.vdd_v, width, INPUT_EDGE_S, label=f"w{w:g}"))
        inputs.append(trains[0] if len(trains) == 1 else TrainSet(tuple(trains)))
    return params, build_ipnet_testbench(params, inputs, None, title=f"behavioural {stim.name}")


def _crossings(t, y, rising: bool) -> np.ndarray:
    s = (y[:-1] < 0) & (y[1:] >= 0) if rising else (y[:-1] >= 0) & (y[1:] < 0)
    k = np.flatnonzero(s) + 1
    return t[k - 1] - y[k - 1] * (t[k] - t[k - 1]) / (y[k] - y[k - 1])


def run_spice(
    stim: Stimulus,
    circuit: IpnetParams | None = None,
    temperature_k: float = SPICE_DEFAULT_K,
    cache_dir: Path | None = CACHE_DIR,
) -> SpiceRun:
    """Simulate ``stim`` on the circuit (cached by netlist, transient and temperature)."""
    params, tb = testbench(stim, circuit)
    bench = Testbench(
        tb, Transient(STEP_S, stim.stop_s, max_step_s=MAX_STEP_S), None, temperature_k
    )
    key = cache_key(render(bench), TRACE_STEP_S)
    path = None if cache_dir is None else Path(cache_dir) / f"{stim.name}-{key}.npz"
    d = load_cached(path, _RUN_ARRAYS)
    if d is not None:
        return SpiceRun(
            stim.name,
            d["spikes"],
            d["trace_t"],
            d["trace_rise"],
            d["switch_ap"],
            d["switch_p"],
            temperature_k,
        )
    w = Session.get().run(bench)
    t = w.time
    spikes = measure.spike_times(t, w.v("out"), measure.logic_threshold_v(params.vdd_v))
    grid = np.arange(0.0, stim.stop_s, TRACE_STEP_S)
    rise = np.interp(grid, t, w.v("th"))
    m = w.x("n.x1.nmtj#m")
    run = SpiceRun(
        stim.name,
        spikes,
        grid,
        rise,
        _crossings(t, m, rising=False),
        _crossings(t, m, rising=True),
        temperature_k,
    )
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(
            tmp,
            spikes=run.spike_times_s,
            trace_t=grid,
            trace_rise=rise,
            switch_ap=run.switch_ap_s,
            switch_p=run.switch_p_s,
        )
        tmp.replace(path)
    return run


@dataclass(frozen=True)
class ProbeRun:
    """The raw waveforms of one characterization stimulus (ngspice's time points).

    t_s [s]; a_v, j_v: the junction's terminals ``x1.a`` (p) and ``x1.j`` (n) [V]; rise_k:
    node ``th`` [K]; m: the magnetic state ``n.x1.nmtj#m`` (+1 P, -1 AP); mpr_a: the reset
    mirror's drain current [A]; out_v: the output [V]; rsy_v: the input footer's gate
    ``x1.rsy`` (high = inputs connected) [V]; temperature_k: ambient [K].
    """

    name: str
    t_s: np.ndarray
    a_v: np.ndarray
    j_v: np.ndarray
    rise_k: np.ndarray
    m: np.ndarray
    mpr_a: np.ndarray
    out_v: np.ndarray
    rsy_v: np.ndarray
    temperature_k: float


_PROBE_ARRAYS = [f.name for f in fields(ProbeRun) if f.name not in ("name", "temperature_k")]


def run_probe(
    stim: Stimulus,
    circuit: IpnetParams | None = None,
    temperature_k: float = SPICE_DEFAULT_K,
    cache_dir: Path | None = CACHE_DIR,
) -> ProbeRun:
    """Simulate ``stim`` keeping the waveforms of :class:`ProbeRun` (cached like
    :func:`run_spice`, by the netlist with its ``.save`` line)."""
    _, tb = testbench(stim, circuit)
    analysis = Transient(STEP_S, stim.stop_s, max_step_s=MAX_STEP_S)
    bench = Testbench(tb, analysis, None, temperature_k, PROBE_LINES)
    key = cache_key(render(bench), "probe", _PROBE_ARRAYS)
    path = None if cache_dir is None else Path(cache_dir) / f"probe-{stim.name}-{key}.npz"
    d = load_cached(path, _PROBE_ARRAYS)
    if d is not None:
        return ProbeRun(stim.name, *(d[k] for k in _PROBE_ARRAYS), temperature_k)
    w = Session.get().run(bench)
    run = ProbeRun(
        stim.name,
        w.time,
        w.v("x1.a"),
        w.v("x1.j"),
        w.v("th"),
        w.x("n.x1.nmtj#m"),
        w.x(MPR_ID),
        w.v("out"),
        w.v("x1.rsy"),
        temperature_k,
    )
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(tmp, **{k: getattr(run, k) for k in _PROBE_ARRAYS})
        tmp.replace(path)
    return run
