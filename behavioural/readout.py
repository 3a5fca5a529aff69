"""The five layers of the network-level memory test and what a linear readout sees of them.

Each function maps a batch of event streams (:mod:`behavioural.events`) to one feature
vector per stream, read at the end of the stream (``StreamParams.duration_s``):

* :func:`ipnet_features`: a layer of behavioural IPNet neurons (:func:`behavioural.model.
  simulate`), one per pixel and polarity; every event is an input pulse of weight
  :data:`INPUT_WEIGHT` and width :data:`~circuits.scenarios.IPNET_SPIKE_WIDTH_S` starting at
  the event; the readout is each neuron's junction temperature rise, hazard integral and
  precessional log-angle (``NeuronState``), each in units of its own scale
  (:func:`state_scales`), and its output spikes in the last window;
* :func:`memoryless_layer`: a stateless coincidence layer (a unit fires in a slot when at
  least :data:`COINCIDENCE` events of its polarity fall in its 3 x 3 neighbourhood in that
  slot), whose output events can then drive the IPNet layer (memory after the input);
* :func:`trace_features`: an ideal exponential trace per channel, sum of exp(-(T - t) / tau);
* :func:`window_counts`: events per channel in the last window (no memory).

:func:`junction_energy_j` integrates the Joule power of the recorded thermal history.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from circuits import mtj_law_v2 as law
from circuits.scenarios import IPNET_SPIKE_WIDTH_S

from .events import Stream, StreamParams
from .model import InputEvents, LayerResult, input_current_a, simulate
from .params import NeuronParams

INPUT_WEIGHT = 1.0
"""Synapse weight of a sensor event [1]: the unit current (1.2 Ic0 at tnom)."""
READOUT_RESOLUTION = 1e-3
"""Resolution of the readout, in each feature's own unit (:func:`state_scales`; one event
for traces and counts): :func:`quantize` rounds to it before the readout standardizes its
features, so that a residue no circuit could sense (a heat of exp(-100) x the rise of a
pulse, left by the no-heat control) is not blown up to unit variance."""
COINCIDENCE = 2
"""Events in a 3 x 3 neighbourhood and one slot that make the memoryless layer fire."""


def quantize(features: np.ndarray, resolution: float = READOUT_RESOLUTION) -> np.ndarray:
    """``features`` rounded to ``resolution`` (a finite-resolution readout)."""
    if not resolution > 0:
        raise ValueError(f"quantize: resolution={resolution!r}; allowed > 0")
    return np.round(np.asarray(features, float) / resolution) * resolution


def window_s(p: StreamParams) -> float:
    """The last window [s]: the quiet delay (at least one slot) before the readout."""
    return max(p.delay_slots, 1) * p.slot_s


def slot_times(streams: list[Stream], p: StreamParams) -> np.ndarray:
    """Event times per (stream, slot, channel) [s], NaN where none (one event per slot)."""
    out = np.full((len(streams), p.n_slots, p.n_channels), np.nan)
    for i, s in enumerate(streams):
        out[i, s.slot, s.channel(p)] = s.t_s
    return out


def layer_events(times: np.ndarray) -> InputEvents:
    """Input pulses of a layer from slot times (stream, slot, channel): one neuron per
    (stream, channel), its events in time order, unused slots (NaN) at the end."""
    n_streams, n_slots, n_ch = times.shape
    rows = np.sort(times.transpose(0, 2, 1).reshape(n_streams * n_ch, n_slots), axis=1)
    used = np.isfinite(rows)
    k = max(int(used.sum(axis=1).max()), 1)
    rows = rows[:, :k]
    used = used[:, :k]
    w = np.where(used, INPUT_WEIGHT, np.nan)
    d = np.where(used, IPNET_SPIKE_WIDTH_S, np.nan)
    return InputEvents(rows, w, d)


def memoryless_layer(streams: list[Stream], p: StreamParams) -> np.ndarray:
    """Slot times (stream, slot, channel) of the coincidence layer's output events: a unit
    fires in a slot when its 3 x 3 neighbourhood of the same polarity holds at least
    :data:`COINCIDENCE` events in that slot, at the latest of their times (no state from
    one slot to the next)."""
    t = slot_times(streams, p).reshape(len(streams), p.n_slots, 2, p.height, p.width)
    has = np.isfinite(t).astype(float)
    size = (1, 1, 1, 3, 3)
    count = ndimage.uniform_filter(has, size=size, mode="constant") * 9.0
    latest = ndimage.maximum_filter(np.nan_to_num(t, nan=-1.0), size=size, mode="constant")
    out = np.where((count > COINCIDENCE - 0.5) & (latest >= 0), latest, np.nan)
    return out.reshape(len(streams), p.n_slots, p.n_channels)


def state_scales(neuron: NeuronParams) -> tuple[float, float, float]:
    """Units of the readout of the neuron's state: the steady rise of an input of
    :data:`INPUT_WEIGHT` (I^2 R_P rth [K]), and the switching thresholds of the hazard (ln 2)
    and of the log-angle (ln(pi / (2 theta0)) at the ambient) [1]."""
    rise = float(input_current_a(neuron, INPUT_WEIGHT)) ** 2 * neuron.mtj.rp * neuron.rth_k_per_w
    angle = float(law.precession_threshold(neuron.mtj, neuron.ambient_k))
    return rise, law.LN2, angle


def ipnet_features(
    neuron: NeuronParams, times: np.ndarray, p: StreamParams, record: bool = False
) -> tuple[np.ndarray, LayerResult]:
    """Run the IPNet layer on slot times (stream, slot, channel); features per stream:
    [rise_k, hazard, log_angle] in the units of :func:`state_scales` and the output spikes in
    the last window, of each neuron (4 x channels)."""
    n_streams = times.shape[0]
    res = simulate(neuron, layer_events(times), stop_s=p.duration_s, record=record)
    f = res.final
    start = p.duration_s - window_s(p)
    spikes = np.array([np.count_nonzero(s >= start) for s in res.spike_times_s], float)
    rise_u, hazard_u, angle_u = state_scales(neuron)
    cols = [f.rise_k / rise_u, f.hazard / hazard_u, f.log_angle / angle_u, spikes]
    feats = np.stack([c.reshape(n_streams, p.n_channels) for c in cols], axis=1)
    return feats.reshape(n_streams, -1), res


def trace_features(times: np.ndarray, p: StreamParams, tau_s: float) -> np.ndarray:
    """Ideal exponential trace per channel at the readout: sum exp(-(T - t) / tau_s)."""
    if not tau_s > 0:
        raise ValueError(f"trace_features: tau_s={tau_s!r} s; allowed > 0")
    decay = np.exp(-(p.duration_s - times) / tau_s)
    return np.nansum(decay, axis=1)


def window_counts(times: np.ndarray, p: StreamParams) -> np.ndarray:
    """Events per channel whose time falls in the last window (no memory)."""
    start = p.duration_s - window_s(p)
    return np.sum(np.isfinite(times) & (times >= start), axis=1).astype(float)


def junction_energy_j(res: LayerResult, n_streams: int) -> np.ndarray:
    """Joule energy dissipated in the junctions of each stream's layer [J]: the recorded
    piecewise-constant power (inputs I^2 R_P / I^2 R_AP, resets) times each piece's length
    (a piece lasts until the neuron's next one, the last one until the final state)."""
    if res.thermal is None:
        raise ValueError("junction_energy_j: simulate(..., record=True) keeps the power history")
    idx, t0, _, pw = res.thermal
    order = np.lexsort((t0, idx))
    idx, t0, pw = idx[order], t0[order], pw[order]
    end = np.empty_like(t0)
    end[:-1] = t0[1:]
    last = np.ones(idx.size, bool)
    last[:-1] = idx[1:] != idx[:-1]
    end[last] = res.final.time_s[idx[last]]
    energy = np.bincount(
        idx, weights=pw * np.maximum(end - t0, 0.0), minlength=res.final.time_s.size
    )
    return energy.reshape(n_streams, -1).sum(axis=1)
