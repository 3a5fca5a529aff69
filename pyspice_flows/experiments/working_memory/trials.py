"""The working-memory protocols' settings and trials: one array transient per
:class:`Trial` (plain data, picklable for worker processes), run by :func:`run_trial`;
the protocols that plan and analyse them are :mod:`pyspice_flows.experiments.working_memory`."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np

from circuits.ipnet_array import ArrayParams, build_ipnet_array
from circuits.ipnet_neuron import IpnetParams
from circuits.paths import BUILD_DIR
from circuits.scenarios import (
    IPNET_BURST_COUNT,
    IPNET_INPUT_RATE_HZ,
    IPNET_PLASTICITY_MAX_STEP_S,
    IPNET_SPIKE_WIDTH_S,
    ipnet_plasticity_params,
)
from circuits.stimulus import SpikeTrain, regular
from pyspice_flows.app.tasks import run_tasks

OUT_DIR = BUILD_DIR / "working_memory_v2"
SEED = 12
PROBE_WIDTH_S = 25e-9
"""The probe's width and how long after it starts the run goes on [s] (a rested neuron
answers after ~13 ns)."""
BURST_START_S = 0.5e-9  # burst_timing's burst begins here
MIN_LAG_S = 0.5e-9
"""The shortest lag [s] (probe start after the reset's end): the reset envelope keeps the
inputs disconnected for ~0.3 ns after ``rst`` falls (docs/ipnet_neuron.md)."""
RECENCY_LAGS_S = (0.5e-9, 0.75e-9, 1.0e-9, 1.25e-9, 1.5e-9, 2.0e-9, 2.5e-9, 3.0e-9)
RECENCY_LAGS_QUICK_S = (0.5e-9, 1.0e-9, 1.5e-9, 2.5e-9)
LIST_LENGTH = 4
LIST_INTERVAL_S = 0.5e-9
RECALL_CRITERION_S = 20e-12
"""An item counts as recalled when the probe answers at least this much sooner than the
rested neuron [s]: a readout resolving 20 ps (about a quarter of the advantage at the
shortest lag).  A documented choice, not a fitted one."""
PITCHES_M = (0.3e-6, 0.5e-6, 0.8e-6, 1.2e-6, 1.8e-6, 2.7e-6, 4.0e-6)
PITCHES_QUICK_M = (0.3e-6, 1.2e-6, 4.0e-6)
CROSSTALK_BUDGET = 0.1
NO_HEAT = "short_heat_memory"


# ----------------------------------------------------------------------------- trials
@dataclass(frozen=True)
class Item:
    """An item stored in ``neuron`` (0-based): a burst of ``spikes`` that ends its reset at
    ``reset_end_s`` [s] (planned; the run measures the real one).  ``fires``: False for a
    sub-threshold burst (activity that does not fire; no reset to measure)."""

    neuron: int
    reset_end_s: float
    spikes: int
    fires: bool = True


@dataclass(frozen=True)
class Trial:
    """One array transient: shape, pitch [m], coupling on/off, heat ("normal" or
    :data:`NO_HEAT`), the items, the probed neurons (0-based) and the probe time [s].

    reset_offset_s: time from a burst's first spike to its reset's end in a lone neuron [s]
    (:func:`pyspice_flows.experiments.plasticity.burst_timing`)."""

    key: str
    rows: int
    cols: int
    pitch_m: float
    coupling: bool
    heat: str
    items: tuple[Item, ...]
    probed: tuple[int, ...]
    probe_t_s: float
    reset_offset_s: float
    neuron: IpnetParams | None = None
    """The command's neuron (its design and device; None: IpnetParams defaults)."""
    temperature_k: float | None = None
    """The ambient [K] (None: ngspice's 300.15 K)."""


def neuron_for(heat: str, neuron: IpnetParams | None = None) -> IpnetParams:
    """The protocol's two-synapse neuron (from ``neuron``, the command's design), with the
    heat memory or without it."""
    from pyspice_flows.experiments.plasticity import ABLATIONS

    p = ipnet_plasticity_params(neuron or IpnetParams())
    if heat == "normal":
        return p
    if heat not in ABLATIONS:
        raise ValueError(f"heat={heat!r}; allowed 'normal' or one of {sorted(ABLATIONS)}")
    mtj = p.mtj()
    return replace(p, mtj_overrides={k: getattr(mtj, k) * f for k, f in ABLATIONS[heat].items()})


def trial_array(t: Trial) -> ArrayParams:
    """The :class:`ArrayParams` of a trial: bursts on synapse 1, the probe on synapse 2."""
    nrn = neuron_for(t.heat, t.neuron)
    vdd = nrn.vdd_v
    probe = SpikeTrain((t.probe_t_s,), vdd, PROBE_WIDTH_S, label="probe")
    silent = regular(IPNET_INPUT_RATE_HZ, 0, vdd, IPNET_SPIKE_WIDTH_S)
    by_neuron = {it.neuron: it for it in t.items}
    inputs = []
    for k in range(t.rows * t.cols):
        it = by_neuron.get(k)
        if it is None:
            burst = silent
        else:
            start = it.reset_end_s - t.reset_offset_s
            if start < 0:
                raise ValueError(
                    f"trial {t.key}: item in neuron {k} would start at {start:.3g} s; "
                    "move the probe later"
                )
            burst = regular(IPNET_INPUT_RATE_HZ, it.spikes, vdd, IPNET_SPIKE_WIDTH_S, start)
        inputs.append((burst, probe if k in t.probed else silent))
    return ArrayParams(nrn, t.rows, t.cols, t.pitch_m, inputs=tuple(inputs), coupling=t.coupling)


def with_start(p: ArrayParams, temperature_k: float | None = None) -> ArrayParams:
    """``p`` from the tiled start when it has
    :data:`~pyspice_flows.sim.array_start.TILED_START_MIN_NEURONS` neurons or more (the
    array benchmarks' rule; the protocols' 2 x 2 and 1 x 2 arrays are below it): the
    operating point of one silent neuron of the same design and clear line at
    ``temperature_k`` [K], tiled onto every neuron (:func:`pyspice_flows.sim.array_start.
    rest_start`, once per worker; the inputs are at 0 V at t = 0)."""
    from pyspice_flows.sim.array_start import rest_start, uses_tiled_start

    if not uses_tiled_start(p.n):
        return p
    alone = replace(p, rows=1, cols=1, inputs=None, weights=None, start=None)
    return replace(p, start=rest_start(build_ipnet_array(alone), temperature_k=temperature_k))


def run_trial(t: Trial) -> dict:
    """Simulate one trial; per neuron its probe latency [s] (nan: no spike or not probed),
    rise at the probe [K], measured reset end [s] (nan: no item) and spikes before the probe.
    Arrays of 16 neurons or more start tiled (:func:`with_start`)."""
    from pyspice_flows import measure
    from pyspice_flows.sim.session import Session, Transient

    p = with_start(trial_array(t), t.temperature_k)
    t0 = time.perf_counter()
    w = Session.get().run(
        build_ipnet_array(p),
        Transient(10e-12, t.probe_t_s + PROBE_WIDTH_S, max_step_s=IPNET_PLASTICITY_MAX_STEP_S),
        temperature_k=t.temperature_k,
    )
    wall = time.perf_counter() - t0
    thr = measure.logic_threshold_v(p.neuron.vdd_v)
    time_s = w.time
    out = {"key": t.key, "wall_s": wall, "latency_s": [], "rise_K": [], "reset_end_s": []}
    out["spikes_before_probe"] = []
    items = {it.neuron for it in t.items if it.fires}
    for k in range(1, p.n + 1):
        spikes = measure.spike_times(time_s, w.v(f"out{k}"), thr)
        after = spikes[spikes > t.probe_t_s]
        lat = float(after[0] - t.probe_t_s) if (k - 1 in t.probed and after.size) else math.nan
        reset_end = math.nan
        if k - 1 in items:
            falls = measure.falling_edges(w.v(f"x{k}.rst"), thr)
            before = spikes[spikes < t.probe_t_s]
            falls = falls[(time_s[falls] > before[0])] if before.size else falls[:0]
            if not falls.size or time_s[falls[0]] > t.probe_t_s:
                raise ValueError(
                    f"trial {t.key}: the item in neuron {k - 1} did not fire and reset before "
                    f"the probe at {t.probe_t_s:.4g} s"
                )
            reset_end = float(time_s[falls[0]])
        out["latency_s"].append(lat)
        out["rise_K"].append(float(np.interp(t.probe_t_s, time_s, w.v(f"th{k}"))))
        out["reset_end_s"].append(reset_end)
        out["spikes_before_probe"].append(int(np.sum(spikes < t.probe_t_s)))
    return out


def timing_task(args: tuple[str, IpnetParams | None, float | None]) -> tuple[str, float, int]:
    """(heat, reset offset [s], spikes to fire) of a lone neuron (a worker task)."""
    from pyspice_flows.experiments.plasticity import burst_timing

    heat, neuron, temp_k = args
    reset_end, to_fire = burst_timing(neuron_for(heat, neuron), temp_k, IPNET_BURST_COUNT)
    return heat, reset_end - BURST_START_S, to_fire


def run_trials(tasks, workers: int, fn=None, on_done=None, scheduler=None) -> list:
    """Run ``fn`` (default :func:`run_trial`) over ``tasks`` on ``workers`` local processes
    (0: in this process) or on the Dask ``scheduler``, results in task order; ``on_done(result)``
    is called in this process as each task finishes (the resume journal records it);
    :func:`pyspice_flows.app.tasks.run_tasks`."""
    return run_tasks(fn or run_trial, tasks, workers, scheduler, on_done)
