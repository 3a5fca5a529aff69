"""What the network test's readout sees of the layers that are not IPNet neurons, and the
layers' common inputs.

Each function maps a batch of event streams (:mod:`behavioural.events`) to one feature
vector per stream, read at the end of the stream (``StreamParams.duration_s``); the layer of
behavioural IPNet neurons (neuron v4) is :mod:`behavioural.v4_layer`:

* :func:`slot_times`: the events as (stream, slot, channel) times, the layers' input;
* :func:`memoryless_layer`: a stateless coincidence layer (a unit fires in a slot when at
  least :data:`COINCIDENCE` events of its polarity fall in its 3 x 3 neighbourhood in that
  slot), whose output events can then drive the IPNet layer (memory after the input);
* :func:`trace_features`: an ideal exponential trace per channel, sum of exp(-(T - t) / tau);
* :func:`window_counts`: events per channel in the last window (no memory).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from .events import Stream, StreamParams

READOUT_RESOLUTION = 1e-3
"""Resolution of the readout, in each feature's own unit (a firing probability; one event
for traces and counts): :func:`quantize` rounds to it before the readout standardizes its
features, so that a residue no circuit could sense (the heat left by the no-heat control
after a slot, or a trace's exp(-46) after one slot of its fast pole) is not blown up to
unit variance."""
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
