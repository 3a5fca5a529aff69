"""A behavioural stimulus on the SPICE circuit: the reference the model is fitted and validated on.

:func:`run_spice` builds the IPNet testbench (``circuits.ipnet_neuron.build_ipnet_testbench``)
with one synapse per distinct weight of the stimulus, simulates it in ngspice at the given
ambient (27 C by default) and returns the output spikes and the junction temperature.
Results are cached in ``build/behavioural/spice_cache/`` by the netlist text, the transient
and the temperature, so a rerun of the calibration does not simulate again.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from circuits.ipnet_neuron import IpnetParams, build_ipnet_testbench
from circuits.paths import REPO_ROOT
from circuits.stimulus import SpikeTrain
from circuits.stimulus import Stimulus as TrainSet
from pyspice_flows import measure
from pyspice_flows.session import Session, Transient

from .model import INPUT_EDGE_S
from .stimuli import Stimulus

CACHE_DIR = REPO_ROOT / "build" / "behavioural" / "spice_cache"
STEP_S = 10e-12
MAX_STEP_S = 20e-12
"""The transient of the standard IPNet testbench (circuits.scenarios.ipnet_scenario)."""
TRACE_STEP_S = 50e-12
"""Sampling of the stored junction temperature [s]."""


@dataclass(frozen=True)
class SpiceRun:
    """One stimulus on the circuit.

    spike_times_s: output spikes (rising ``out`` through VDD/2) [s];
    trace_t_s, trace_rise_k: the junction temperature rise (node ``th``) sampled every
    :data:`TRACE_STEP_S` [s], [K]; switch_ap_s, switch_p_s: when the magnetic state
    (``n.x1.nmtj#m``) crossed 0 toward AP / toward P [s]; temperature_c: ambient [C].
    """

    name: str
    spike_times_s: np.ndarray
    trace_t_s: np.ndarray
    trace_rise_k: np.ndarray
    switch_ap_s: np.ndarray
    switch_p_s: np.ndarray
    temperature_c: float


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
    temperature_c: float = 27.0,
    cache_dir: Path | None = CACHE_DIR,
) -> SpiceRun:
    """Simulate ``stim`` on the circuit (cached by netlist, transient and temperature)."""
    params, tb = testbench(stim, circuit)
    analysis = Transient(STEP_S, stim.stop_s, max_step_s=MAX_STEP_S)
    text = str(tb)
    key = hashlib.sha256(
        f"{text}\n{analysis.command()}\n{temperature_c!r}\n{TRACE_STEP_S!r}".encode()
    ).hexdigest()[:20]
    path = None if cache_dir is None else Path(cache_dir) / f"{stim.name}-{key}.npz"
    if path is not None and path.is_file():
        d = np.load(path)
        return SpiceRun(
            stim.name,
            d["spikes"],
            d["trace_t"],
            d["trace_rise"],
            d["switch_ap"],
            d["switch_p"],
            temperature_c,
        )
    w = Session.get().run(tb, analysis, temperature_c=temperature_c)
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
        temperature_c,
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
