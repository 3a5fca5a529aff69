"""Stimuli for the behavioural neuron's calibration and validation: one neuron's input events.

A :class:`Stimulus` is a named list of events (start [s], weight [1], width [s]) and the
time to simulate until; :meth:`Stimulus.events` gives the model's
:class:`~behavioural.model.InputEvents`, and :mod:`behavioural.spice` runs the same events
on the circuit (one synapse per distinct weight).

- :func:`characterization_set`: regular trains at several rates and weights (the fit);
- :func:`validation_set`: held-out stimuli the fit never sees: Poisson trains from a seeded
  ``numpy.random.Generator`` at other rates and mixed weights, and bursts followed by long
  probes on a weak synapse.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from circuits.scenarios import IPNET_INPUT_RATE_HZ, IPNET_SPIKE_WIDTH_S

from .model import INPUT_EDGE_S, InputEvents

SPIKE_START_S = 0.5e-9
"""First input of a train [s] (as in circuits.scenarios.ipnet_scenario)."""
VALIDATION_SEED = 20251229
"""Seed of the held-out Poisson trains."""


@dataclass(frozen=True)
class Stimulus:
    """One neuron's input events and the simulated span.

    name: label (unique within a set); times_s, weights, widths_s: the events [s], [1], [s];
    stop_s: end of the simulation [s].
    """

    name: str
    times_s: tuple[float, ...]
    weights: tuple[float, ...]
    widths_s: tuple[float, ...]
    stop_s: float

    def __post_init__(self):
        for f in ("times_s", "weights", "widths_s"):
            object.__setattr__(self, f, tuple(float(x) for x in getattr(self, f)))
        if not len(self.times_s) == len(self.weights) == len(self.widths_s):
            raise ValueError(
                f"Stimulus {self.name}: {len(self.times_s)} times, {len(self.weights)} weights, "
                f"{len(self.widths_s)} widths; they must match"
            )
        self.events()  # validates order and overlaps
        if self.times_s and not self.stop_s > self.times_s[-1]:
            raise ValueError(
                f"Stimulus {self.name}: stop_s={self.stop_s!r} s must come after the last "
                f"event ({self.times_s[-1]!r} s)"
            )

    def events(self) -> InputEvents:
        return InputEvents.single(self.times_s, self.weights, self.widths_s)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "events": len(self.times_s),
            "weights": sorted(set(self.weights)),
            "stop_s": self.stop_s,
        }


def regular_stimulus(
    rate_hz: float,
    weight: float,
    stop_s: float,
    width_s: float = IPNET_SPIKE_WIDTH_S,
    start_s: float = SPIKE_START_S,
) -> Stimulus:
    """A regular train at ``rate_hz`` of one ``weight`` until ``stop_s``."""
    if not rate_hz > 0:
        raise ValueError(f"rate_hz={rate_hz!r} must be > 0")
    if 1.0 / rate_hz < width_s + 2 * INPUT_EDGE_S:
        raise ValueError(
            f"rate_hz={rate_hz:.4g}: the period must be at least width + 2 edges "
            f"({width_s + 2 * INPUT_EDGE_S:.4g} s)"
        )
    times = np.arange(start_s, stop_s - width_s - 2 * INPUT_EDGE_S, 1.0 / rate_hz)
    return Stimulus(
        f"regular_{rate_hz / 1e9:.3g}GHz_w{weight:g}",
        tuple(times),
        (weight,) * times.size,
        (width_s,) * times.size,
        stop_s,
    )


def poisson_stimulus(
    rng: np.random.Generator,
    rate_hz: float,
    weights: tuple[float, ...],
    stop_s: float,
    width_s: float = IPNET_SPIKE_WIDTH_S,
    gap_min_s: float = 0.3e-9,
    name: str | None = None,
) -> Stimulus:
    """A Poisson train with a dead time (a pulse and ``gap_min_s`` after it), mean rate
    ``rate_hz``; each event's weight drawn uniformly from ``weights``."""
    dead = width_s + 2 * INPUT_EDGE_S + gap_min_s
    if not 0 < rate_hz < 1.0 / dead:
        raise ValueError(
            f"poisson_stimulus: rate_hz={rate_hz!r}; allowed 0 < rate < 1/dead time = "
            f"{1.0 / dead:.4g} Hz"
        )
    mean_extra = 1.0 / rate_hz - dead
    times = []
    t = SPIKE_START_S + rng.exponential(mean_extra)
    while t < stop_s - dead:
        times.append(t)
        t += dead + rng.exponential(mean_extra)
    w = rng.choice(np.asarray(weights, float), size=len(times))
    return Stimulus(
        name or f"poisson_{rate_hz / 1e9:.3g}GHz_w{'+'.join(f'{x:g}' for x in weights)}",
        tuple(times),
        tuple(w),
        (width_s,) * len(times),
        stop_s,
    )


def burst_probe_stimulus(
    burst_count: int,
    probe_gaps_s: tuple[float, ...],
    probe_weight: float,
    probe_width_s: float,
    stop_s: float,
    burst_weight: float = 1.0,
    name: str | None = None,
) -> Stimulus:
    """A burst of ``burst_count`` pulses at the standard rate, then long probes on a weak
    synapse, each ``probe_gaps_s[k]`` after the previous event's end."""
    period = 1.0 / IPNET_INPUT_RATE_HZ
    times = [SPIKE_START_S + k * period for k in range(burst_count)]
    weights = [burst_weight] * burst_count
    widths = [IPNET_SPIKE_WIDTH_S] * burst_count
    for gap in probe_gaps_s:
        end = times[-1] + widths[-1] + 2 * INPUT_EDGE_S if times else 0.0
        times.append(end + gap)
        weights.append(probe_weight)
        widths.append(probe_width_s)
    return Stimulus(
        name or f"burst{burst_count}_probe_w{probe_weight:g}",
        tuple(times),
        tuple(weights),
        tuple(widths),
        stop_s,
    )


def characterization_set(quick: bool = False) -> list[Stimulus]:
    """Regular trains at 27 C: 0.5, 0.33 and 0.25 GHz; weights 1, 0.9 and 0.8 (quick: two)."""
    if quick:
        return [
            regular_stimulus(0.5e9, 1.0, 60e-9),
            regular_stimulus(0.25e9, 0.85, 120e-9),
        ]
    return [
        regular_stimulus(0.5e9, 1.0, 100e-9),
        regular_stimulus(0.5e9, 0.8, 100e-9),
        regular_stimulus(1 / 3e-9, 0.9, 120e-9),
        regular_stimulus(0.25e9, 1.0, 140e-9),
        regular_stimulus(0.25e9, 0.8, 160e-9),
    ]


def validation_set(quick: bool = False, seed: int = VALIDATION_SEED) -> list[Stimulus]:
    """Held-out stimuli: Poisson trains (seeded) at 0.4 and 0.3 GHz with mixed weights, and
    a burst + probes on a weak synapse (quick: one Poisson train and the burst + probe)."""
    rng = np.random.default_rng(seed)
    poisson = [
        poisson_stimulus(rng, 0.4e9, (1.0, 0.85), 160e-9),
        poisson_stimulus(rng, 0.3e9, (0.95, 0.75), 160e-9),
    ]
    probe = burst_probe_stimulus(14, (1.0e-9, 2.0e-9), 0.75, 25e-9, 120e-9)
    if quick:
        return [
            poisson_stimulus(rng, 0.35e9, (1.0, 0.9), 80e-9, name="poisson_quick"),
            burst_probe_stimulus(14, (8e-9,), 0.8, 20e-9, 70e-9, name="burst14_probe_quick"),
        ]
    return [*poisson, probe]
