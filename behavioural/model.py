"""Event-driven behavioural model of the IPNet neuron, vectorized over neurons (plain numpy).

State of each neuron (:class:`NeuronState`):

* ``rise_k``: junction temperature rise above ambient [K], a first-order thermal RC
  (rth || cth) heated by the Joule power of the junction current;
* ``hazard``, ``log_angle``: the switching progress toward the other state, the two
  channels the Verilog-A ``mtj`` integrates under its legacy law, version 2, which the
  neuron pins (nodes ``#ha``/``#ya`` toward AP, ``#hp``/``#yp`` toward P): the thermally activated hazard integral (:func:`circuits.mtj_law_v2.
  thermal_hazard_rate`) and the precessional log-angle (growth :func:`~circuits.mtj_law_v2.
  precession_rate`, relaxation :func:`~circuits.mtj_law_v2.precession_relaxation` x a /
  sqrt(1 + a^2)); the junction switches when their channel norm (k = 4) of hazard / ln 2
  and log-angle / ln(pi / (2 theta0)) reaches 1;
* ``free_at_s``: end of the current reset phase (inputs are ignored before it);
* ``in_ap``: switched to AP but not detected yet (the fire comparator reads the junction
  voltage, so it needs an input current: see ``NeuronParams.fire_delay_s``).

Inputs are events (start time [s], weight [1], width [s]), each a logic pulse like
:class:`circuits.stimulus.SpikeTrain`'s (rising edge from the start, flat top of ``width``,
edges of :data:`INPUT_EDGE_S`): while it lasts, the junction carries the unit current x
(``input_current_factor`` x weight + ``input_current_offset``) toward AP (Joule power I^2 R_P).  Between events no
current flows (the drive lasts width + edge + ``input_width_offset_s`` + ``input_width_slope_s``
x (weight - 1)); the temperature decays exactly as exp(-t / rth cth).

Output: when the progress reaches 1 (the junction is in AP), a spike ``fire_delay_s``
later if the input pulse lasts that long and its current reads the AP level above the
fire comparator's trip (:func:`detectable`), else ``detect_delay_s`` after the start of the
next pulse that does; from the spike on the reset current (reset_current_a x ``reset_current_factor``, power
I^2 R_AP(V, T)) drives the junction back to P, by the same law toward P; the inputs
reconnect ``reset_end_delay_s`` after the return.  Heat carries on throughout.

Between two event edges every quantity is integrated in closed form (the temperature) or
by midpoint quadrature with steps of at most ``drive_step_s`` / ``reset_step_s`` at the
exact midpoint temperature (the hazard rates).  The parameters are in
:class:`behavioural.params.NeuronParams`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from circuits import mtj_analytic
from circuits import mtj_law_v2 as law
from circuits.ipnet_neuron import FIRE_TRIP_RP

from .params import NeuronParams

INPUT_EDGE_S = 20e-12
"""Rise and fall time of an input pulse [s] (circuits.stimulus.SpikeTrain's default): an
event of width w drives the junction for w + edge, from half the rising edge on."""
MAX_RESET_STEPS = 20_000
"""A reset that has not returned the junction to P after this many steps is refused."""


# ----------------------------------------------------------------------------- events
@dataclass(frozen=True)
class InputEvents:
    """Input events of N neurons, K slots each (shape (N, K); unused slots are NaN).

    times_s: start of each input pulse [s], increasing along each row;
    weights: synapse weight of each pulse [1] (current = weight x unit current);
    widths_s: flat-top width of each pulse [s].

    Pulses of one neuron must not overlap (a pulse starts at least width + 2 edges after
    the previous one started): two synapses active at once are one event with the summed
    weight.
    """

    times_s: np.ndarray
    weights: np.ndarray
    widths_s: np.ndarray

    def __post_init__(self):
        arrays = []
        for name in ("times_s", "weights", "widths_s"):
            a = np.atleast_2d(np.asarray(getattr(self, name), dtype=float))
            object.__setattr__(self, name, a)
            arrays.append(a)
        t, w, d = arrays
        if not (t.shape == w.shape == d.shape) or t.ndim != 2:
            raise ValueError(
                f"InputEvents: times_s {t.shape}, weights {w.shape} and widths_s {d.shape} "
                "must be 2-D arrays of one shape (neurons, slots)"
            )
        used = np.isfinite(t)
        if np.any(used != np.isfinite(w)) or np.any(used != np.isfinite(d)):
            raise ValueError("InputEvents: a slot must have all of time, weight, width or none")
        if np.any(t[used] < 0):
            raise ValueError(f"InputEvents: times must be >= 0 s, got {t[used].min()!r}")
        if np.any(w[used] < 0):
            raise ValueError(f"InputEvents: weights must be >= 0, got {w[used].min()!r}")
        if np.any(d[used] <= 0):
            raise ValueError(f"InputEvents: widths must be > 0 s, got {d[used].min()!r}")
        # unused slots only at the end of each row
        if np.any(~used[:, :-1] & used[:, 1:]):
            raise ValueError("InputEvents: unused (NaN) slots must come after the used ones")
        ends = t[:, :-1] + d[:, :-1] + 2 * INPUT_EDGE_S
        clash = used[:, 1:] & (t[:, 1:] < ends - 1e-15)
        if np.any(clash):
            n, k = np.argwhere(clash)[0]
            raise ValueError(
                f"InputEvents: neuron {n}: the pulse at {t[n, k + 1]:.6g} s starts before the "
                f"one at {t[n, k]:.6g} s (width {d[n, k]:.3g} s) has ended at {ends[n, k]:.6g} s; "
                "merge simultaneous synapses into one event with the summed weight"
            )

    @property
    def n_neurons(self) -> int:
        return self.times_s.shape[0]

    @classmethod
    def single(cls, times_s, weights, widths_s) -> InputEvents:
        """One neuron's events (``weights`` and ``widths_s`` may be scalars)."""
        t = np.asarray(times_s, float).ravel()
        w = np.broadcast_to(np.asarray(weights, float), t.shape)
        d = np.broadcast_to(np.asarray(widths_s, float), t.shape)
        return cls(t[None, :], w[None, :].copy(), d[None, :].copy())

    @classmethod
    def stack(cls, rows: list[InputEvents]) -> InputEvents:
        """Several one-or-more-neuron event sets as one layer (padded with NaN)."""
        if not rows:
            raise ValueError("InputEvents.stack: no event sets given")
        k = max(max(r.times_s.shape[1] for r in rows), 1)

        def pad(a):
            out = np.full((a.shape[0], k), np.nan)
            out[:, : a.shape[1]] = a
            return out

        return cls(
            np.vstack([pad(r.times_s) for r in rows]),
            np.vstack([pad(r.weights) for r in rows]),
            np.vstack([pad(r.widths_s) for r in rows]),
        )

    def row(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        used = np.isfinite(self.times_s[n])
        return self.times_s[n, used], self.weights[n, used], self.widths_s[n, used]


# ----------------------------------------------------------------------------- state
@dataclass
class NeuronState:
    """The state of N neurons at ``time_s`` (arrays of shape (N,), SI units)."""

    time_s: np.ndarray
    rise_k: np.ndarray
    hazard: np.ndarray
    log_angle: np.ndarray
    free_at_s: np.ndarray
    in_ap: np.ndarray = None  # switched to AP, not detected yet (bool)

    def __post_init__(self):
        if self.in_ap is None:
            self.in_ap = np.zeros(self.time_s.shape, bool)

    @classmethod
    def rest(cls, n: int, rise_k: float | np.ndarray = 0.0, time_s: float = 0.0) -> NeuronState:
        """N neurons in P at ``time_s``, no progress, temperature rise ``rise_k`` [K]."""
        if n < 1:
            raise ValueError(f"NeuronState.rest: n={n!r} neurons; allowed >= 1")
        return cls(
            np.full(n, float(time_s)),
            np.broadcast_to(np.asarray(rise_k, float), (n,)).copy(),
            np.zeros(n),
            np.zeros(n),
            np.full(n, -np.inf),
        )

    def copy(self) -> NeuronState:
        return NeuronState(
            self.time_s.copy(),
            self.rise_k.copy(),
            self.hazard.copy(),
            self.log_angle.copy(),
            self.free_at_s.copy(),
            self.in_ap.copy(),
        )


@dataclass
class LayerResult:
    """What :func:`simulate` returns.

    spike_times_s: per neuron, its output spike times [s];
    reset_end_s: per neuron, when each reset phase ended (inputs reconnected) [s];
    switch_ap_s, switch_p_s: per neuron, when the junction switched to AP / back to P [s];
    final: the state at ``stop_s``;
    thermal: when recorded, the piecewise thermal history as arrays (neuron, t0 [s],
        rise at t0 [K], power from t0 on [W]), for :func:`rise_trace`.
    """

    spike_times_s: list[np.ndarray]
    reset_end_s: list[np.ndarray]
    switch_ap_s: list[np.ndarray]
    switch_p_s: list[np.ndarray]
    final: NeuronState
    tau_th_s: float
    rth_k_per_w: float
    thermal: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = field(
        default=None, repr=False
    )

    def spike_counts(self) -> np.ndarray:
        return np.array([s.size for s in self.spike_times_s])

    def first_spike_s(self) -> np.ndarray:
        """Each neuron's first output spike [s] (NaN if none)."""
        return np.array([s[0] if s.size else np.nan for s in self.spike_times_s])

    def rise_trace(self, neuron: int, times_s) -> np.ndarray:
        """Junction temperature rise [K] of ``neuron`` at ``times_s`` (needs ``record=True``)."""
        if self.thermal is None:
            raise ValueError("rise_trace: simulate(..., record=True) keeps the thermal history")
        idx, t0, r0, pw = self.thermal
        sel = idx == neuron
        t0, r0, pw = t0[sel], r0[sel], pw[sel]
        order = np.argsort(t0, kind="stable")
        t0, r0, pw = t0[order], r0[order], pw[order]
        times_s = np.asarray(times_s, float)
        k = np.clip(np.searchsorted(t0, times_s, side="right") - 1, 0, None)
        inf = pw[k] * self.rth_k_per_w
        dt = np.maximum(times_s - t0[k], 0.0)
        return inf + (r0[k] - inf) * np.exp(-dt / self.tau_th_s)


# ----------------------------------------------------------------------------- physics
def thermal_step(rise_k, power_w, dt_s, rth_k_per_w: float, tau_s: float):
    """Temperature rise after ``dt_s`` of constant ``power_w`` from ``rise_k`` [K] (exact)."""
    inf = np.asarray(power_w) * rth_k_per_w
    return inf + (np.asarray(rise_k) - inf) * np.exp(-np.asarray(dt_s) / tau_s)


def ap_resistance(p: NeuronParams, current_a, temp_k, iterations: int = 6):
    """Antiparallel resistance [ohm] at a junction current, self-consistent in V = I R_AP."""
    current_a = np.abs(np.asarray(current_a, float))
    r = np.full(np.broadcast(current_a, temp_k).shape, p.mtj.rap)
    for _ in range(iterations):
        r = mtj_analytic.resistance(p.mtj, current_a * r, temp_k, -1)
    return r


def precession_step(log_angle, growth_per_s, relax_per_s, dt_s):
    """The log-angle after ``dt_s``: da/dt = g - r a / sqrt(1 + a^2) (the model's law), with
    sqrt(1 + a^2) held at its start value over the step (exact for a linear relaxation)."""
    a = np.asarray(log_angle, float)
    s = np.sqrt(1.0 + a * a)
    k = np.asarray(relax_per_s) / s
    g = np.asarray(growth_per_s)
    e = np.exp(-k * dt_s)
    with np.errstate(divide="ignore", invalid="ignore"):
        relaxed = g / k + (a - g / k) * e
    return np.where(k > 0, relaxed, a + g * dt_s)


def progress(p: NeuronParams, hazard, log_angle, temp_k):
    """The channel norm of the two progress fractions: 1 = the junction switches."""
    return law.channel_norm(hazard / law.LN2, log_angle / law.precession_threshold(p.mtj, temp_k))


def _drive(p: NeuronParams, rise, hazard, angle, current_a, power_w, dt_s):
    """One quadrature step of constant current and power: the new (rise, hazard, angle)
    and the junction temperature at the step's middle [K]."""
    tau, rth = p.tau_th_s, p.rth_k_per_w
    temp_mid = p.ambient_k + thermal_step(rise, power_w, dt_s / 2, rth, tau)
    rate = law.thermal_hazard_rate(p.mtj, current_a, temp_mid)
    grow = law.precession_rate(p.mtj, current_a, temp_mid)
    relax = law.precession_relaxation(p.mtj, current_a, temp_mid)
    return (
        thermal_step(rise, power_w, dt_s, rth, tau),
        hazard + rate * dt_s,
        precession_step(angle, grow, relax, dt_s),
        temp_mid,
    )


def input_current_a(p: NeuronParams, weight) -> np.ndarray:
    """Junction current of an input pulse of ``weight`` [A] (0 for weight 0)."""
    w = np.asarray(weight, float)
    i = p.unit_current_a * (p.input_current_factor * w + p.input_current_offset)
    return np.where(w > 0, np.maximum(i, 0.0), 0.0)


def detectable(p: NeuronParams, weight, temp_k) -> np.ndarray:
    """Whether an input of ``weight`` reads an AP junction above the fire comparator's trip:
    I R_AP(V, T) >= FIRE_TRIP_RP x unit current x R_P (the replica-biased trip of the
    circuit, circuits.ipnet_neuron.FIRE_TRIP_RP); below it the junction stays in AP unseen."""
    i = input_current_a(p, weight)
    return i * ap_resistance(p, i, temp_k) >= FIRE_TRIP_RP * p.unit_current_a * p.mtj.rp


def reset_current_a(p: NeuronParams) -> float:
    """Junction current while resetting [A]."""
    return p.reset_current_a * p.reset_current_factor


# ----------------------------------------------------------------------------- the engine
class _Engine:
    """Advances a :class:`NeuronState` through events (all neurons at once, masked)."""

    def __init__(self, p: NeuronParams, state: NeuronState, record: bool):
        self.p = p
        self.s = state
        self.record = record
        self.rec: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.spikes: list[tuple[np.ndarray, np.ndarray]] = []
        self.resets: list[tuple[np.ndarray, np.ndarray]] = []
        self.to_ap: list[tuple[np.ndarray, np.ndarray]] = []
        self.to_p: list[tuple[np.ndarray, np.ndarray]] = []

    def _log(self, idx, t0, rise0, power):
        if self.record and idx.size:
            self.rec.append(
                (idx.copy(), np.broadcast_to(t0, idx.shape).copy(), rise0.copy(), power + 0 * t0)
            )

    def idle(self, idx: np.ndarray, t_to: np.ndarray):
        """No current from the state's time to ``t_to`` for neurons ``idx``."""
        if not idx.size:
            return
        s, p = self.s, self.p
        t0 = s.time_s[idx]
        dt = np.maximum(t_to - t0, 0.0)
        self._log(idx, t0, s.rise_k[idx], np.zeros(idx.size))
        # zero current: only the thermally activated rate at I = 0 (negligible, kept exact
        # to the law) and the precession's relaxation
        rise, haz, ang, _ = _drive(p, s.rise_k[idx], s.hazard[idx], s.log_angle[idx], 0.0, 0.0, dt)
        s.rise_k[idx], s.hazard[idx], s.log_angle[idx] = rise, haz, ang
        s.time_s[idx] = np.maximum(t_to, t0)

    def drive(self, idx, t_end, current_a, power_w):
        """Drive neurons ``idx`` from their time to ``t_end`` toward AP; returns the
        neurons that switched and when (the others end at ``t_end``)."""
        s, p = self.s, self.p
        dur = np.maximum(t_end - s.time_s[idx], 0.0)
        n_steps = max(int(np.ceil(dur.max() / p.drive_step_s)), 1) if idx.size else 0
        dt = dur / max(n_steps, 1)
        live = np.ones(idx.size, bool)
        t_sw = np.full(idx.size, np.nan)
        rise = s.rise_k[idx].copy()
        haz = s.hazard[idx].copy()
        ang = s.log_angle[idx].copy()
        t = s.time_s[idx].copy()
        for _ in range(n_steps):
            li = np.flatnonzero(live)
            if not li.size:
                break
            cur = current_a[li]
            pw = power_w[li]
            self._log(idx[li], t[li], rise[li], pw)
            z0 = progress(p, haz[li], ang[li], p.ambient_k + rise[li])
            r1, h1, a1, tm = _drive(p, rise[li], haz[li], ang[li], cur, pw, dt[li])
            z1 = progress(p, h1, a1, tm)
            hit = z1 >= 1.0
            if np.any(hit):
                hi = li[hit]
                frac = np.clip((1.0 - z0[hit]) / np.maximum(z1[hit] - z0[hit], 1e-300), 0, 1)
                t_sw[hi] = t[hi] + frac * dt[hi]
                rise[hi] = thermal_step(rise[hi], pw[hit], frac * dt[hi], p.rth_k_per_w, p.tau_th_s)
                haz[hi] = 0.0
                ang[hi] = 0.0
                t[hi] = t_sw[hi]
                live[hi] = False
            ok = li[~hit]
            rise[ok], haz[ok], ang[ok] = r1[~hit], h1[~hit], a1[~hit]
            t[ok] = t[ok] + dt[ok]
        s.rise_k[idx], s.hazard[idx], s.log_angle[idx] = rise, haz, ang
        s.time_s[idx] = np.where(np.isnan(t_sw), np.maximum(t_end, s.time_s[idx]), t_sw)
        fired = ~np.isnan(t_sw)
        self.to_ap.append((idx[fired], t_sw[fired]))
        return idx[fired], t_sw[fired]

    def heat_ap(self, idx, t_end, current_a):
        """An input current through the (undetected) AP junction until ``t_end``."""
        if not idx.size:
            return
        s, p = self.s, self.p
        dt = np.maximum(t_end - s.time_s[idx], 0.0)
        pw = current_a**2 * ap_resistance(p, current_a, p.ambient_k + s.rise_k[idx])
        self._log(idx, s.time_s[idx], s.rise_k[idx], pw)
        s.rise_k[idx] = thermal_step(s.rise_k[idx], pw, dt, p.rth_k_per_w, p.tau_th_s)
        s.time_s[idx] = s.time_s[idx] + dt
        s.in_ap[idx] = True

    def fire_and_reset(self, idx, t_sw, t_spike, on_end, current_a):
        """Neurons ``idx`` are in AP from ``t_sw`` with an input of ``current_a`` until
        ``on_end``, detected at ``t_spike``: spike, then the reset; sets their state to
        after the return to P."""
        s, p = self.s, self.p
        self.spikes.append((idx.copy(), t_spike.copy()))
        temp = p.ambient_k + s.rise_k[idx]
        # the input current flows on through the AP junction until the reset starts
        t_in = np.clip(on_end, t_sw, t_spike)
        pw_in = current_a**2 * ap_resistance(p, current_a, temp)
        self._log(idx, t_sw, s.rise_k[idx], pw_in)
        rise = thermal_step(s.rise_k[idx], pw_in, t_in - t_sw, p.rth_k_per_w, p.tau_th_s)
        self._log(idx, t_in, rise, np.zeros(idx.size))
        rise = thermal_step(rise, 0.0, t_spike - t_in, p.rth_k_per_w, p.tau_th_s)
        # reset: the same law toward P, at the reset current and I^2 R_AP(V, T)
        i_r = np.full(idx.size, reset_current_a(p))
        haz = np.zeros(idx.size)
        ang = np.zeros(idx.size)
        t = t_spike.copy()
        t_p = np.full(idx.size, np.nan)
        dt = p.reset_step_s
        for _ in range(MAX_RESET_STEPS):
            li = np.flatnonzero(np.isnan(t_p))
            if not li.size:
                break
            temp = p.ambient_k + rise[li]
            pw = i_r[li] ** 2 * ap_resistance(p, i_r[li], temp)
            self._log(idx[li], t[li], rise[li], pw)
            z0 = progress(p, haz[li], ang[li], temp)
            r1, h1, a1, tm = _drive(p, rise[li], haz[li], ang[li], i_r[li], pw, dt)
            z1 = progress(p, h1, a1, tm)
            hit = z1 >= 1.0
            hi = li[hit]
            frac = np.clip((1.0 - z0[hit]) / np.maximum(z1[hit] - z0[hit], 1e-300), 0, 1)
            t_p[hi] = t[hi] + frac * dt
            rise[hi] = thermal_step(rise[hi], pw[hit], frac * dt, p.rth_k_per_w, p.tau_th_s)
            ok = li[~hit]
            rise[ok], haz[ok], ang[ok] = r1[~hit], h1[~hit], a1[~hit]
            t[ok] += dt
        else:
            raise ValueError(
                f"behavioural reset: the reset current {reset_current_a(p):.4g} A did not return "
                f"the junction to P within {MAX_RESET_STEPS * dt:.3g} s"
            )
        s.rise_k[idx] = rise
        s.hazard[idx] = 0.0
        s.log_angle[idx] = 0.0
        s.time_s[idx] = t_p
        s.free_at_s[idx] = t_p + p.reset_end_delay_s
        s.in_ap[idx] = False
        self.to_p.append((idx.copy(), t_p.copy()))
        self.resets.append((idx.copy(), s.free_at_s[idx].copy()))


def simulate(
    p: NeuronParams,
    events: InputEvents,
    stop_s: float | None = None,
    initial: NeuronState | None = None,
    record: bool = False,
) -> LayerResult:
    """Run N behavioural neurons through their input events.

    ``stop_s``: the state is advanced to this time at the end (or to the end of a reset
    still running then; default: the end of the last event or reset).  ``initial``: the state to start from (default: every neuron at rest in
    P at t = 0, at ambient).  ``record``: keep the thermal history (:meth:`LayerResult.rise_trace`).
    """
    if not isinstance(events, InputEvents):
        raise TypeError(f"simulate: events must be InputEvents, got {type(events).__name__}")
    n = events.n_neurons
    state = NeuronState.rest(n) if initial is None else initial.copy()
    if state.time_s.shape != (n,):
        raise ValueError(f"simulate: the initial state has {state.time_s.size} neurons, events {n}")
    used = np.isfinite(events.times_s)
    if np.any(used & (events.times_s < state.time_s[:, None])):
        raise ValueError("simulate: an event starts before the initial state's time")
    eng = _Engine(p, state, record)
    half = INPUT_EDGE_S / 2
    for k in range(events.times_s.shape[1]):
        on_start = events.times_s[:, k] + half
        weights = np.nan_to_num(events.weights[:, k])
        on_end = (
            events.times_s[:, k]
            + events.widths_s[:, k]
            + 3 * half
            + p.input_width_offset_s
            + p.input_width_slope_s * (weights - 1.0)
        )
        cur_all = input_current_a(p, weights)
        pending = np.isfinite(on_start)
        while np.any(pending):
            start = np.maximum(on_start, state.free_at_s)
            go = np.flatnonzero(pending & (start < on_end))
            if not go.size:
                break
            eng.idle(go, start[go])
            pending[:] = False
            # junctions already in AP, not detected yet: this pulse may reveal them
            ap = go[state.in_ap[go]]
            if ap.size:
                seen = detectable(p, weights[ap], p.ambient_k + state.rise_k[ap])
                t_det = start[ap] + p.detect_delay_s
                now = seen & (t_det <= on_end[ap])
                hit = ap[now]
                eng.fire_and_reset(hit, start[hit], t_det[now], on_end[hit], cur_all[hit])
                eng.heat_ap(ap[~now], on_end[ap[~now]], cur_all[ap[~now]])
                pending[hit] = True  # a long pulse drives again after the reset
            pn = go[~state.in_ap[go]]
            if ap.size:
                pn = pn[~np.isin(pn, ap)]
            fired, t_sw = eng.drive(pn, on_end[pn], cur_all[pn], cur_all[pn] ** 2 * p.mtj.rp)
            if fired.size:
                seen = detectable(p, weights[fired], p.ambient_k + state.rise_k[fired])
                t_spk = t_sw + p.fire_delay_s
                now = seen & (t_spk <= on_end[fired])
                hit = fired[now]
                eng.fire_and_reset(hit, t_sw[now], t_spk[now], on_end[hit], cur_all[hit])
                late = fired[~now]
                eng.heat_ap(late, on_end[late], cur_all[late])
                pending[hit] = True
    end = state.time_s.copy() if stop_s is None else np.maximum(state.time_s, float(stop_s))
    eng.idle(np.arange(n), end)
    return LayerResult(
        _split(eng.spikes, n),
        _split(eng.resets, n),
        _split(eng.to_ap, n),
        _split(eng.to_p, n),
        state,
        p.tau_th_s,
        p.rth_k_per_w,
        _concat(eng.rec) if record else None,
    )


def _split(pairs: list[tuple[np.ndarray, np.ndarray]], n: int) -> list[np.ndarray]:
    if not pairs:
        return [np.empty(0) for _ in range(n)]
    idx = np.concatenate([a for a, _ in pairs])
    t = np.concatenate([b for _, b in pairs])
    order = np.lexsort((t, idx))
    idx, t = idx[order], t[order]
    bounds = np.searchsorted(idx, np.arange(n + 1))
    return [t[bounds[i] : bounds[i + 1]] for i in range(n)]


def _concat(rec):
    if not rec:
        e = np.empty(0)
        return (e.astype(int), e, e, e)
    return tuple(np.concatenate([r[i] for r in rec]) for i in range(4))


def constant_current_switching_time(
    p: NeuronParams, current_a: float, temp_k: float, horizon_s: float = 1e-6
) -> float:
    """Switching time [s] of the behavioural law at a constant current and junction
    temperature (no heating), integrated by the same quadrature as :func:`simulate`
    (inf if it does not switch within ``horizon_s``): what the tests compare with
    :func:`circuits.mtj_law_v2.median_switching_time`."""
    q = p.with_(rth_factor=1e-12)  # a negligible rise: the temperature stays at temp_k
    q = q.with_(ambient_k=temp_k)
    st = NeuronState.rest(1)
    eng = _Engine(q, st, False)
    t_end = np.array([float(horizon_s)])
    _, t_sw = eng.drive(np.array([0]), t_end, np.array([current_a]), np.array([0.0]))
    return float(t_sw[0]) if t_sw.size else float("inf")
