"""The recency protocol on a layer of behavioural neurons (no thermal coupling between them).

A sequence of stimuli to different neurons, then a probe of each: neuron i receives a
conditioning burst (:data:`BURST_COUNT` weight-1 pulses at 0.5 GHz; it fires, the rest of
the burst falls into its reset and is ignored) ending ``gap_i`` before a common probe time;
then every neuron gets the same probe (one long pulse on a weak synapse).  The response is
the probe's latency advantage over a rested neuron, L_rested - L(lag) [s], against the lag
from the end of the neuron's reset (when its heat starts to decay) to the probe; its decay
constant is fitted (log-linear).  The control runs the same layer with cth / 100 (the heat
leaks 100x faster at the same rise): the advantage vanishes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from circuits.scenarios import IPNET_INPUT_RATE_HZ, IPNET_SPIKE_WIDTH_S
from pyspice_flows import measure

from .model import INPUT_EDGE_S, InputEvents, simulate
from .params import NeuronParams

BURST_COUNT = 14
"""Conditioning pulses: the rested neuron fires on about the 12th; the rest fall in the reset."""
PROBE_WEIGHT = 0.75
PROBE_WIDTH_S = 25e-9
GAPS_S = tuple(np.linspace(7.5e-9, 13e-9, 12))
"""Burst end to probe [s]: the reset ends about 7 ns after the burst, so every probe
comes after it."""


@dataclass(frozen=True)
class Recency:
    """Result of :func:`recency`: per lag bin the mean lag [s] and advantage [s]."""

    n_neurons: int
    lags_s: np.ndarray
    advantage_s: np.ndarray
    rested_latency_s: float
    tau_fit_s: float
    tau_th_s: float
    wall_s: float

    def to_dict(self) -> dict:
        return {
            "n_neurons": self.n_neurons,
            "lags_s": self.lags_s.tolist(),
            "advantage_s": self.advantage_s.tolist(),
            "rested_latency_s": self.rested_latency_s,
            "tau_fit_s": self.tau_fit_s,
            "tau_th_s": self.tau_th_s,
            "wall_s": self.wall_s,
        }


def recency_events(n_neurons: int, gaps_s=GAPS_S) -> tuple[InputEvents, float, np.ndarray]:
    """The protocol's events: neuron i (i >= 1) is conditioned with gap ``gaps_s[i % n]``,
    neuron 0 is the rested reference.  Returns the events, the probe time [s] and each
    neuron's gap (NaN for the reference)."""
    if not isinstance(n_neurons, int) or n_neurons < 2:
        raise ValueError(f"recency: n_neurons={n_neurons!r}; allowed an integer >= 2")
    gaps_s = np.asarray(gaps_s, float)
    if gaps_s.size < 3 or np.any(gaps_s <= 0):
        raise ValueError("recency: need at least 3 gaps, each > 0 s")
    period = 1.0 / IPNET_INPUT_RATE_HZ
    burst_len = (BURST_COUNT - 1) * period + IPNET_SPIKE_WIDTH_S + 2 * INPUT_EDGE_S
    gap = np.full(n_neurons, np.nan)
    gap[1:] = gaps_s[np.arange(n_neurons - 1) % gaps_s.size]
    probe_t = float(np.nanmax(gap) + burst_len + 1e-9)
    k = BURST_COUNT + 1
    t = np.full((n_neurons, k), np.nan)
    w = np.full((n_neurons, k), np.nan)
    d = np.full((n_neurons, k), np.nan)
    starts = probe_t - gap[1:] - burst_len
    t[1:, :BURST_COUNT] = starts[:, None] + period * np.arange(BURST_COUNT)[None, :]
    w[1:, :BURST_COUNT] = 1.0
    d[1:, :BURST_COUNT] = IPNET_SPIKE_WIDTH_S
    t[1:, BURST_COUNT] = probe_t
    w[1:, BURST_COUNT] = PROBE_WEIGHT
    d[1:, BURST_COUNT] = PROBE_WIDTH_S
    t[0, 0], w[0, 0], d[0, 0] = probe_t, PROBE_WEIGHT, PROBE_WIDTH_S
    return InputEvents(t, w, d), probe_t, gap


def recency(p: NeuronParams, n_neurons: int = 1000, gaps_s=GAPS_S) -> Recency:
    """Run the protocol on ``n_neurons`` (one the rested reference) and fit the decay."""
    t0 = time.perf_counter()
    events, probe_t, gap = recency_events(n_neurons, gaps_s)
    res = simulate(p, events, probe_t + PROBE_WIDTH_S + 1e-9)
    latency = np.full(n_neurons, np.nan)
    lag = np.full(n_neurons, np.nan)
    for i, s in enumerate(res.spike_times_s):
        after = s[s > probe_t]
        if after.size:
            latency[i] = after[0] - probe_t
        ends = res.reset_end_s[i]
        ends = ends[ends <= probe_t]
        if i and ends.size:
            lag[i] = probe_t - ends[-1]
    rested = latency[0]
    if not np.isfinite(rested):
        raise ValueError(
            f"recency: the probe (weight {PROBE_WEIGHT}, {PROBE_WIDTH_S:.3g} s) did not fire "
            "the rested neuron"
        )
    if np.any(np.isnan(lag[1:])):
        raise ValueError("recency: a conditioning burst did not fire and reset its neuron")
    bins = gap[1:]
    uniq = np.unique(bins)
    lags = np.array([np.mean(lag[1:][bins == g]) for g in uniq])
    adv = np.array([np.mean(rested - latency[1:][bins == g]) for g in uniq])
    good = np.isfinite(adv) & (adv > 0)
    tau = float("nan")
    if good.sum() >= 3:
        slope = measure.fit_exponential(lags[good], adv[good]).slope
        tau = -1.0 / slope if slope < 0 else float("inf")
    return Recency(n_neurons, lags, adv, float(rested), tau, p.tau_th_s, time.perf_counter() - t0)


def recency_summary(p: NeuronParams, n_neurons: int = 1000) -> dict:
    """The protocol and its no-heat control (cth / 100) as a JSON-ready dict."""
    normal = recency(p, n_neurons)
    control = recency(p.with_(cth_factor=p.cth_factor / 100), n_neurons)
    peak = float(np.max(np.abs(normal.advantage_s)))
    return {
        "recency": normal.to_dict(),
        "control_no_heat": control.to_dict(),
        "control_ratio": float(np.max(np.abs(control.advantage_s)) / peak) if peak else None,
        "probe_weight": PROBE_WEIGHT,
        "probe_width_s": PROBE_WIDTH_S,
        "burst_count": BURST_COUNT,
    }
