"""Input spike trains for testbenches: typed descriptions -> ngspice PWL sources.

A spike is a trapezoidal voltage pulse from ``base_v`` to ``base_v + amplitude_v`` of
``width_s`` (flat top) with ``edge_s`` rise and fall.  Each input of a testbench gets
its own voltage source, so the energy it delivers can be accounted for separately.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SpikeTrain:
    """Spike start times [s] with a common shape.

    times_s: start of each spike (rising edge begins) [s], strictly increasing
    amplitude_v: pulse height above ``base_v`` [V]
    width_s: flat-top duration [s]
    edge_s: rise and fall time [s]
    base_v: level between spikes [V]
    """

    times_s: tuple[float, ...]
    amplitude_v: float
    width_s: float
    edge_s: float = 20e-12
    base_v: float = 0.0
    label: str = field(default="spikes", compare=False)

    def __post_init__(self):
        object.__setattr__(self, "times_s", tuple(float(t) for t in self.times_s))
        for name in ("amplitude_v", "width_s", "edge_s", "base_v"):
            value = getattr(self, name)
            if not math.isfinite(value):
                raise ValueError(f"SpikeTrain {name}={value!r} must be finite")
        if self.width_s <= 0 or self.edge_s <= 0:
            raise ValueError(
                f"SpikeTrain needs width_s > 0 and edge_s > 0, got {self.width_s!r}, {self.edge_s!r}"
            )
        period = self.width_s + 2 * self.edge_s
        for a, b in zip(self.times_s, self.times_s[1:]):
            if b - a < period:
                raise ValueError(
                    f"SpikeTrain spikes at {a:.4g} s and {b:.4g} s overlap: they must be at least "
                    f"width_s + 2*edge_s = {period:.4g} s apart"
                )
        if self.times_s and self.times_s[0] < 0:
            raise ValueError(f"SpikeTrain times must be >= 0, got {self.times_s[0]!r}")

    @property
    def count(self) -> int:
        return len(self.times_s)

    def end_s(self) -> float:
        """Time at which the last spike has ended [s] (0 for no spike)."""
        return self.times_s[-1] + self.width_s + 2 * self.edge_s if self.times_s else 0.0

    def pwl(self) -> str:
        """The ngspice PWL(...) value of this train."""
        pts = [(0.0, self.base_v)]
        top = self.base_v + self.amplitude_v
        for t in self.times_s:
            for point in (
                (t, self.base_v),
                (t + self.edge_s, top),
                (t + self.edge_s + self.width_s, top),
                (t + 2 * self.edge_s + self.width_s, self.base_v),
            ):
                if point[0] > pts[-1][0]:
                    pts.append(point)
        return "PWL(" + " ".join(f"{t:.12g} {v:.6g}" for t, v in pts) + ")"

    def shifted(self, dt_s: float) -> SpikeTrain:
        return SpikeTrain(
            tuple(t + dt_s for t in self.times_s),
            self.amplitude_v,
            self.width_s,
            self.edge_s,
            self.base_v,
            self.label,
        )


def regular(
    rate_hz: float,
    count: int,
    amplitude_v: float,
    width_s: float,
    start_s: float = 0.0,
    edge_s: float = 20e-12,
) -> SpikeTrain:
    """``count`` spikes at a constant rate [Hz] from ``start_s``."""
    if not rate_hz > 0:
        raise ValueError(f"rate_hz={rate_hz!r} must be > 0")
    if count < 0:
        raise ValueError(f"count={count!r} must be >= 0")
    return SpikeTrain(
        tuple(start_s + k / rate_hz for k in range(count)),
        amplitude_v,
        width_s,
        edge_s,
        label=f"{count} spikes at {rate_hz:.3g} Hz",
    )


def burst_then_probe(
    burst_rate_hz: float,
    burst_count: int,
    gap_s: float,
    amplitude_v: float,
    width_s: float,
    start_s: float = 0.0,
    probe_amplitude_v: float | None = None,
    edge_s: float = 20e-12,
) -> tuple[SpikeTrain, float]:
    """A conditioning burst, then one probe spike ``gap_s`` after the end of the burst.

    Returns the train (burst and probe share amplitude unless ``probe_amplitude_v`` is given
    -- then only the burst is returned in the train and the probe time separately) and the
    probe's start time [s].
    """
    burst = regular(burst_rate_hz, burst_count, amplitude_v, width_s, start_s, edge_s)
    probe_t = (burst.end_s() if burst_count else start_s) + gap_s
    if probe_amplitude_v is None:
        train = SpikeTrain(
            burst.times_s + (probe_t,),
            amplitude_v,
            width_s,
            edge_s,
            label=f"burst of {burst_count}, probe after {gap_s:.3g} s",
        )
        return train, probe_t
    return burst, probe_t


@dataclass(frozen=True)
class Stimulus:
    """Several spike trains on one input (e.g. a burst and a probe of another amplitude).

    The trains must not overlap in time and share ``base_v``.
    """

    trains: tuple[SpikeTrain, ...]

    def __post_init__(self):
        object.__setattr__(self, "trains", tuple(self.trains))
        spans = sorted(
            (t, t + tr.width_s + 2 * tr.edge_s) for tr in self.trains for t in tr.times_s
        )
        for (a0, a1), (b0, _) in zip(spans, spans[1:]):
            if b0 < a1:
                raise ValueError(f"Stimulus: spikes at {a0:.4g} s and {b0:.4g} s overlap")
        if len({tr.base_v for tr in self.trains}) > 1:
            raise ValueError("Stimulus: all trains must share base_v")

    @property
    def count(self) -> int:
        return sum(tr.count for tr in self.trains)

    @property
    def label(self) -> str:
        return " + ".join(tr.label for tr in self.trains)

    def pwl(self) -> str:
        points: list[tuple[float, float]] = []
        for tr in self.trains:
            body = tr.pwl()[4:-1].split()
            points += [(float(t), float(v)) for t, v in zip(body[0::2], body[1::2])][1:]
        base = self.trains[0].base_v if self.trains else 0.0
        pts = [(0.0, base)] + sorted(points)
        return "PWL(" + " ".join(f"{t:.12g} {v:.6g}" for t, v in pts) + ")"
