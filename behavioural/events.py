"""Seeded DVS-like event streams on a small pixel grid: 11 motions and their time reversals.

A stream is a pure function of (class, seed, :class:`StreamParams`).  Time runs on a grid of
slots (``slot_s``, 2 ns: the IPNet neuron's inputs are 1 ns logic pulses up to 0.5 GHz, so a
pixel emits at most one event per slot); a stream is ``motion_slots`` slots of motion followed
by ``delay_slots`` quiet slots (background noise only) before the readout at ``duration_s``.

Motion: a bright object on a dark background (:data:`MOTIONS`: bars and dots in several
directions and speeds, an expanding square) rendered as binary frames, one per slot edge;
between frame s and s + 1 a pixel that brightens emits an ON event and one that darkens an
OFF event, in slot s, at the slot's centre plus a uniform jitter (``jitter_s``), and each
event is missed with probability ``miss_probability``.  The object's trajectory crosses the
grid's centre at mid-motion, shifted by a random 0/+-1 pixel per axis.

Classes 0 .. 10 are the motions; class 11 + k is motion k played backwards: every motion
event at time t with polarity q becomes one at ``motion_s`` - t with polarity -q
(:func:`reverse`; a pixel that brightened now darkens), built from the forward motion of
the same seed, so the pair differs only in order.  Background noise (Poisson, ``noise_rate_hz``
per pixel and polarity, at most one event per slot) covers the whole stream and is drawn
independently of the motion.

Times are the events' instants [s]; the neuron's input pulse starts there (behavioural.network).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

N_MOTIONS = 11
N_CLASSES = 2 * N_MOTIONS

# name: (shape, direction (dx, dy) per slot in pixels); shapes: "vbar", "hbar", "dbar"
# (a bar of the given orientation), "dot" (a 3 x 3 square), "square" (an outline growing
# by one pixel per slot on each side).  No motion is the reversal of another.
MOTIONS: tuple[tuple[str, str, tuple[int, int]], ...] = (
    ("bar right, 1 px/slot", "vbar", (1, 0)),
    ("bar right, 2 px/slot", "vbar", (2, 0)),
    ("bar down, 1 px/slot", "hbar", (0, 1)),
    ("bar down, 2 px/slot", "hbar", (0, 2)),
    ("diagonal bar down-right, 1 px/slot", "dbar", (1, 1)),
    ("dot right, 1 px/slot", "dot", (1, 0)),
    ("dot right, 2 px/slot", "dot", (2, 0)),
    ("dot down, 1 px/slot", "dot", (0, 1)),
    ("dot down-right, 1 px/slot", "dot", (1, 1)),
    ("dot up-right, 1 px/slot", "dot", (1, -1)),
    ("square expanding, 1 px/slot", "square", (1, 1)),
)


@dataclass(frozen=True)
class StreamParams:
    """The stream generator's settings (SI units).

    width, height: the pixel grid [pixels]; slot_s: time slot [s] (one event per pixel and
    polarity at most); motion_slots: slots of motion; delay_slots: quiet slots after it,
    before the readout; jitter_s: half-width of the uniform jitter of an event around its
    slot's centre [s]; miss_probability: chance that a motion event is dropped [1];
    noise_rate_hz: background events per pixel and polarity [1/s].
    """

    width: int = 16
    height: int = 16
    slot_s: float = 2e-9
    motion_slots: int = 12
    delay_slots: int = 1
    jitter_s: float = 0.3e-9
    miss_probability: float = 0.05
    noise_rate_hz: float = 5e6

    def __post_init__(self):
        for name in ("width", "height", "motion_slots"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 4:
                raise ValueError(f"StreamParams.{name}={v!r}; allowed an integer >= 4")
        if not isinstance(self.delay_slots, int) or self.delay_slots < 0:
            raise ValueError(f"StreamParams.delay_slots={self.delay_slots!r}; allowed >= 0")
        if not 0 < self.slot_s < 1e-6:
            raise ValueError(f"StreamParams.slot_s={self.slot_s!r} s; allowed 0 .. 1 us")
        if not 0 <= self.jitter_s < self.slot_s / 4:
            raise ValueError(
                f"StreamParams.jitter_s={self.jitter_s!r} s; allowed 0 .. slot_s / 4 "
                f"({self.slot_s / 4:.3g} s), so that events of one pixel keep their order"
            )
        if not 0 <= self.miss_probability < 1:
            raise ValueError(
                f"StreamParams.miss_probability={self.miss_probability!r}; allowed 0 .. <1"
            )
        if not 0 <= self.noise_rate_hz * self.slot_s <= 0.5:
            raise ValueError(
                f"StreamParams.noise_rate_hz={self.noise_rate_hz!r}; allowed 0 .. "
                f"0.5 / slot_s ({0.5 / self.slot_s:.3g} 1/s)"
            )

    @property
    def n_slots(self) -> int:
        return self.motion_slots + self.delay_slots

    @property
    def motion_s(self) -> float:
        """Duration of the motion [s]: reversal mirrors event times in [0, motion_s]."""
        return self.motion_slots * self.slot_s

    @property
    def duration_s(self) -> float:
        """Duration of a stream [s]: the readout time."""
        return self.n_slots * self.slot_s

    @property
    def n_channels(self) -> int:
        """Pixels x polarities: one input channel (one neuron of the layer) each."""
        return 2 * self.width * self.height


@dataclass(frozen=True)
class Stream:
    """Events of one stream, sorted by time: ``t_s`` [s], ``x``, ``y`` [pixel], ``on``
    (True = ON, brightening), ``slot`` (the slot each event belongs to)."""

    t_s: np.ndarray
    x: np.ndarray
    y: np.ndarray
    on: np.ndarray
    slot: np.ndarray

    def channel(self, p: StreamParams) -> np.ndarray:
        """Input channel of each event: (polarity, y, x) flattened (OFF first)."""
        return (self.on.astype(int) * p.height + self.y) * p.width + self.x

    def __len__(self) -> int:
        return int(self.t_s.size)


def _frame(p: StreamParams, shape: str, step: tuple[int, int], s: int, shift) -> np.ndarray:
    """The binary frame at slot edge ``s`` (object centred mid-motion, shifted)."""
    yy, xx = np.mgrid[0 : p.height, 0 : p.width]
    half = p.motion_slots / 2
    cx = (p.width - 1) / 2 + shift[0]
    cy = (p.height - 1) / 2 + shift[1]
    if shape == "square":
        r = 1 + s * step[0]
        d = np.maximum(np.abs(xx - cx), np.abs(yy - cy))
        return np.abs(d - r) < 0.75
    ox = cx + step[0] * (s - half)
    oy = cy + step[1] * (s - half)
    if shape == "vbar":
        return np.abs(xx - ox) < 1.0
    if shape == "hbar":
        return np.abs(yy - oy) < 1.0
    if shape == "dbar":  # a line along x + y = const through the object's centre
        return np.abs((xx - ox) + (yy - oy)) < 1.5
    if shape == "dot":
        return (np.abs(xx - ox) < 1.5) & (np.abs(yy - oy) < 1.5)
    raise ValueError(f"unknown shape {shape!r}")  # pragma: no cover - MOTIONS is fixed


def motion_events(motion: int, seed: int, p: StreamParams) -> Stream:
    """The forward events of ``motion`` (0 .. 10) for ``seed``: pure function."""
    if not isinstance(motion, (int, np.integer)) or not 0 <= motion < N_MOTIONS:
        raise ValueError(f"motion={motion!r}; allowed 0 .. {N_MOTIONS - 1}")
    rng = np.random.default_rng([int(seed), 1, int(motion)])
    _, shape, step = MOTIONS[motion]
    shift = rng.integers(-1, 2, size=2)
    frames = [_frame(p, shape, step, s, shift) for s in range(p.motion_slots + 1)]
    parts = []
    for s in range(p.motion_slots):
        diff = frames[s + 1].astype(int) - frames[s].astype(int)
        y, x = np.nonzero(diff)
        parts.append((np.full(x.size, s), x, y, diff[y, x] > 0))
    slot = np.concatenate([a for a, _, _, _ in parts])
    x = np.concatenate([b for _, b, _, _ in parts])
    y = np.concatenate([c for _, _, c, _ in parts])
    on = np.concatenate([d for _, _, _, d in parts])
    t = (slot + 0.5) * p.slot_s + rng.uniform(-p.jitter_s, p.jitter_s, slot.size)
    keep = rng.random(slot.size) >= p.miss_probability
    return _sorted(t[keep], x[keep], y[keep], on[keep], slot[keep])


def reverse(events: Stream, p: StreamParams) -> Stream:
    """The motion played backwards: t -> motion_s - t, ON <-> OFF (exact mirror)."""
    return _sorted(
        p.motion_s - events.t_s,
        events.x,
        events.y,
        ~events.on,
        p.motion_slots - 1 - events.slot,
    )


def noise_events(seed: int, p: StreamParams) -> Stream:
    """Background events over the whole stream (independent of the class)."""
    rng = np.random.default_rng([int(seed), 2])
    prob = 1.0 - np.exp(-p.noise_rate_hz * p.slot_s)
    hit = rng.random((p.n_slots, 2, p.height, p.width)) < prob
    slot, pol, y, x = np.nonzero(hit)
    t = (slot + 0.5) * p.slot_s + rng.uniform(-p.jitter_s, p.jitter_s, slot.size)
    return _sorted(t, x, y, pol.astype(bool), slot)


def stream(cls: int, seed: int, p: StreamParams) -> Stream:
    """Stream of class ``cls`` (0 .. 21; 11 + k = motion k reversed) for ``seed``: the motion
    events plus background noise; a noise event in a slot where the same pixel and polarity
    already has a motion event is dropped (one event per slot)."""
    if not isinstance(cls, (int, np.integer)) or not 0 <= cls < N_CLASSES:
        raise ValueError(f"class={cls!r}; allowed 0 .. {N_CLASSES - 1}")
    base = motion_events(int(cls) % N_MOTIONS, seed, p)
    motion = reverse(base, p) if cls >= N_MOTIONS else base
    noise = noise_events(seed, p)
    key_m = set(zip(motion.slot.tolist(), motion.channel(p).tolist()))
    fresh = np.array(
        [(s, c) not in key_m for s, c in zip(noise.slot.tolist(), noise.channel(p).tolist())],
        bool,
    )
    return _sorted(
        np.concatenate([motion.t_s, noise.t_s[fresh]]),
        np.concatenate([motion.x, noise.x[fresh]]),
        np.concatenate([motion.y, noise.y[fresh]]),
        np.concatenate([motion.on, noise.on[fresh]]),
        np.concatenate([motion.slot, noise.slot[fresh]]),
    )


def dataset(classes, seeds, p: StreamParams) -> list[Stream]:
    """One stream per (class, seed) pair, in the given order."""
    return [stream(int(c), int(s), p) for c, s in zip(classes, seeds)]


def _sorted(t, x, y, on, slot) -> Stream:
    order = np.lexsort((np.asarray(x), np.asarray(y), np.asarray(t)))
    return Stream(
        np.asarray(t, float)[order],
        np.asarray(x, int)[order],
        np.asarray(y, int)[order],
        np.asarray(on, bool)[order],
        np.asarray(slot, int)[order],
    )
