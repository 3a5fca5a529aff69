"""Behavioural neuron v2: an event-driven model of IPNet neuron v4 (the heat-gated stochastic
neuron, :mod:`circuits.ipnet_neuron_v4`), vectorized over neurons (plain numpy).

The neuron works in *slots* of a global clock (write phase, heat phase, gap).  In each slot
a neuron either receives an input of weight w (x the design's unit write current; two
synapses in one slot add) or none.  Per neuron the model keeps the state of the junction's
thermal Cauer ladder, x = (rise at the junction t, rise at the slow node t2) [K], with the
device's rth, cth (fast pole) and rth2, cth2 (slow pole):

* **heat**: an input slot dissipates the power waveform P_w(t) = P0(t) + w P1(t) + w^2 P2(t)
  in the junction (the write phase's I^2 R grows with w, the heat-and-restore phase does not
  depend on it), measured in SPICE (:mod:`behavioural.v4_calibrate`); the ladder is linear,
  so over one slot x -> PHI x + B0 + w B1 + w^2 B2 exactly (zero-order hold on the sampled
  power); a slot without input dissipates nothing (x -> PHI x).  A junction that fired sits
  in AP until the heat phase restores it, which dissipates more: + F0 + w F1 + w^2 F2
  (measured on a slot started in AP);
* **firing**: the probability that the slot's write switches the junction is the switching
  law of model version 3 (:mod:`circuits.mtj_switching`: cone and hazard) on the slot's
  write current at the junction temperature ambient + own heating + the earlier slots'
  heat.  The law is evaluated once per calibration on a grid of weights and prior rises: r =
  M . x, the earlier slots' rise (the ladder's free response) averaged over the write phase
  with the weights ``write_weights``, the law's own sensitivity of ln P to the temperature
  at each moment of the write (a hazard needs time to build up, so early warmth counts less;
  the same r then means the same P whether the earlier heat sits in the fast or the slow
  pole); the model reads ln P from that table (monotone cubic in both directions, then
  bilinear on a dense grid);
* **draws**: seeded uniform draws (:class:`numpy.random.Generator`) against P; a fired
  junction is back in P at the end of the slot (the heat phase restores it).

:func:`fire_probabilities` is the deterministic path (no draws: what every trial sees until
it fires, and what the law on the circuit's own drive gives); :func:`run` draws spikes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, replace
from functools import cached_property

import numpy as np
from scipy.interpolate import PchipInterpolator
from scipy.linalg import expm

DENSE_WEIGHT_STEP = 0.005
"""Step of the dense lookup grid in weight [1] (the table is interpolated onto it once)."""
DENSE_RISE_STEP_K = 0.1
"""Step of the dense lookup grid in prior rise [K]."""
LOG_P_FLOOR = -30.0
"""ln P below which a slot never fires (P < 1e-13; the law reads 0 there)."""


def ladder_matrices(rth: float, cth: float, rth2: float, cth2: float):
    """The device's thermal Cauer ladder (t -rth- t2 -rth2- ambient, cth at t, cth2 at t2)
    as dx/dt = A x + b P, x = (rise at t, rise at t2) [K], P [W].  A device with one pole
    (rth2 = 0: t2 is the ambient; cth2 = 0: rth2 in series) keeps t2 at zero."""
    if not (rth > 0 and cth > 0 and rth2 >= 0 and cth2 >= 0):
        raise ValueError(
            f"thermal ladder rth={rth!r}, cth={cth!r}, rth2={rth2!r}, cth2={cth2!r}: allowed "
            "rth, cth > 0 and rth2, cth2 >= 0"
        )
    if rth2 > 0 and cth2 > 0:
        a = np.array(
            [
                [-1.0 / (rth * cth), 1.0 / (rth * cth)],
                [1.0 / (rth * cth2), -(1.0 / rth + 1.0 / rth2) / cth2],
            ]
        )
    else:
        rate = 1.0 / ((rth + rth2) * cth)
        a = np.array([[-rate, 0.0], [0.0, -rate]])
    return a, np.array([1.0 / cth, 0.0])


def zoh_step(a: np.ndarray, b: np.ndarray, dt: float):
    """Exact discretization for a power held over ``dt``: x' = AD x + BD P."""
    ad = expm(a * dt)
    bd = np.linalg.solve(a, (ad - np.eye(2)) @ b)
    return ad, bd


def ladder_response(ad: np.ndarray, bd: np.ndarray, power: np.ndarray, x0=None) -> np.ndarray:
    """States (len(power) + 1, 2) of the ladder under the sampled ``power`` from ``x0``."""
    x = np.zeros((power.size + 1, 2))
    if x0 is not None:
        x[0] = x0
    for k, pk in enumerate(power):
        x[k + 1] = ad @ x[k] + bd * pk
    return x


@dataclass(frozen=True)
class V4Calibration:
    """What the model needs, measured for one design, device and ambient temperature.

    ambient_k: ambient [K]; slot_s: one slot [s]; dt_s: the power samples' step [s] (slot_s
    / dt_s is whole); write_s: (start, end) of the write phase within the slot [s];
    ladder: (rth, cth, rth2, cth2) of the device; power_w: (3, samples) the slot's junction
    power [W] as P0(t) + w P1(t) + w^2 P2(t) (rested junction); fired_w: (3, samples) the
    extra power of a slot whose junction fired, the same way; write_weights: (samples + 1,)
    the weights of the prior rise at each sample edge (>= 0, summing to 1; None: uniform over
    the write phase); table_weights, table_rise_k, table_log_p:
    ln P(fire) of the law on the grid (weights x prior rises); source: provenance.
    """

    ambient_k: float
    slot_s: float
    dt_s: float
    write_s: tuple[float, float]
    ladder: tuple[float, float, float, float]
    power_w: np.ndarray
    fired_w: np.ndarray
    table_weights: np.ndarray
    table_rise_k: np.ndarray
    table_log_p: np.ndarray
    write_weights: np.ndarray | None = None
    source: dict = field(default_factory=dict)

    def __post_init__(self):
        for name in (
            "power_w",
            "fired_w",
            "table_weights",
            "table_rise_k",
            "table_log_p",
        ):
            object.__setattr__(self, name, np.asarray(getattr(self, name), float))
        n = round(self.slot_s / self.dt_s)
        ok = abs(n * self.dt_s - self.slot_s) <= 1e-6 * self.dt_s
        if not (ok and self.power_w.shape == self.fired_w.shape == (3, n)):
            raise ValueError(
                f"V4Calibration: power {self.power_w.shape}, fired {self.fired_w.shape} of {self.dt_s:g} s for a "
                f"slot of {self.slot_s:g} s; allowed (3, slot / dt) each"
            )
        if self.write_weights is not None:
            g = np.asarray(self.write_weights, float)
            object.__setattr__(self, "write_weights", g)
            if g.shape != (n + 1,) or np.any(g < 0) or abs(g.sum() - 1.0) > 1e-6:
                raise ValueError(
                    f"V4Calibration: write_weights {g.shape}; allowed {n + 1} values >= 0 "
                    "summing to 1"
                )
        shape = (self.table_weights.size, self.table_rise_k.size)
        if self.table_log_p.shape != shape or min(shape) < 2:
            raise ValueError(
                f"V4Calibration: table {self.table_log_p.shape} for {shape[0]} weights x "
                f"{shape[1]} rises; allowed at least 2 x 2, matching"
            )

    # ------------------------------------------------------------------ derived physics
    @cached_property
    def _step(self):
        return zoh_step(*ladder_matrices(*self.ladder), self.dt_s)

    @cached_property
    def slot_map(self) -> np.ndarray:
        """PHI: the ladder's state at a slot's end from its state at the start, no power."""
        return np.linalg.matrix_power(self._step[0], self.n_samples)

    @property
    def n_samples(self) -> int:
        return self.power_w.shape[1]

    def slot_power(self, weight: float) -> np.ndarray:
        """The junction's power through a slot at ``weight`` (rested junction) [W]."""
        return self.power_w[0] + weight * self.power_w[1] + weight * weight * self.power_w[2]

    def slot_increment(self, power: np.ndarray) -> np.ndarray:
        """The state at the end of a slot started cold under ``power`` (samples) [K]."""
        return ladder_response(*self._step, power)[-1]

    @cached_property
    def increments(self) -> np.ndarray:
        """(B0, B1, B2, F0, F1, F2): per-slot state increments of the power terms, (6, 2)."""
        return np.array([self.slot_increment(t) for t in (*self.power_w, *self.fired_w)])

    @cached_property
    def write_samples(self) -> np.ndarray:
        """Indices of the state samples (start of sample k = k dt) inside the write phase."""
        t = np.arange(self.n_samples + 1) * self.dt_s
        return np.flatnonzero((t >= self.write_s[0]) & (t <= self.write_s[1]))

    @cached_property
    def rise_weights(self) -> np.ndarray:
        """The weights of the junction's rise at each sample edge in r (see the module)."""
        if self.write_weights is not None:
            return self.write_weights
        g = np.zeros(self.n_samples + 1)
        g[self.write_samples] = 1.0 / self.write_samples.size
        return g

    def weighted_rise(self, rise_k: np.ndarray) -> float:
        """A rise trajectory at the sample edges (samples + 1) reduced as r is [K]."""
        return float(self.rise_weights @ np.asarray(rise_k, float))

    @cached_property
    def prior_rise_map(self) -> np.ndarray:
        """M: r = M . x, the weighted rise of the junction's free response from the state x
        at the slot's start [1]."""
        ad = self._step[0]
        g = self.rise_weights
        out, power = np.zeros(2), np.eye(2)
        for k in range(int(np.flatnonzero(g)[-1]) + 1):
            out += g[k] * power[0]
            power = ad @ power
        return out

    def free_response(self, r: float) -> np.ndarray:
        """The junction's rise at every sample of a slot [K] from the relaxed state (the
        slow mode alone) whose prior rise is ``r``: the table's temperature shape."""
        a, _ = ladder_matrices(*self.ladder)
        if a[0, 1] == 0.0:  # one pole
            slow = np.array([1.0, 0.0])
        else:
            vals, vecs = np.linalg.eig(a)
            slow = np.real(vecs[:, int(np.argmax(np.real(vals)))])
        x0 = slow * r / float(self.prior_rise_map @ slow)
        return ladder_response(*self._step, np.zeros(self.n_samples), x0)[:, 0]

    # ------------------------------------------------------------------ table lookup
    @cached_property
    def _dense(self):
        w, r, lp = self.table_weights, self.table_rise_k, np.maximum(self.table_log_p, LOG_P_FLOOR)
        rd = np.arange(r[0], r[-1] + 0.5 * DENSE_RISE_STEP_K, DENSE_RISE_STEP_K)
        wd = np.arange(w[0], w[-1] + 0.5 * DENSE_WEIGHT_STEP, DENSE_WEIGHT_STEP)
        along_r = PchipInterpolator(r, lp, axis=1)(rd)
        return wd, rd, PchipInterpolator(w, along_r, axis=0)(wd)

    def log_probability(self, weights, rises_k) -> np.ndarray:
        """ln P(fire) for inputs of ``weights`` at prior rises ``rises_k`` (bilinear on the
        dense grid).  Weights outside the table are refused; rises beyond it are clamped
        (the table reaches past the steady rise of an input in every slot at the heaviest
        weight, so only an impossible state is clamped)."""
        w = np.asarray(weights, float)
        r = np.asarray(rises_k, float)
        wd, rd, lp = self._dense
        lo, hi = wd[0], wd[-1]
        if np.any((w < lo - 1e-9) | (w > hi + 1e-9)):
            bad = w[(w < lo - 1e-9) | (w > hi + 1e-9)]
            raise ValueError(
                f"behavioural neuron v2: weight {float(bad.flat[0]):g} outside the calibrated "
                f"{lo:g} .. {hi:g} (0 = no input)"
            )
        fw = np.clip((w - lo) / DENSE_WEIGHT_STEP, 0, wd.size - 1.000001)
        fr = np.clip((r - rd[0]) / DENSE_RISE_STEP_K, 0, rd.size - 1.000001)
        iw, ir = fw.astype(int), fr.astype(int)
        uw, ur = fw - iw, fr - ir
        return (
            lp[iw, ir] * (1 - uw) * (1 - ur)
            + lp[iw + 1, ir] * uw * (1 - ur)
            + lp[iw, ir + 1] * (1 - uw) * ur
            + lp[iw + 1, ir + 1] * uw * ur
        )

    def probability(self, weights, rises_k) -> np.ndarray:
        lp = self.log_probability(weights, rises_k)
        return np.where(lp <= LOG_P_FLOOR + 1e-9, 0.0, np.exp(np.minimum(lp, 0.0)))

    def with_ladder(self, **changes) -> V4Calibration:
        """The same calibration with some of rth, cth, rth2, cth2 changed (an ablation of the
        model's thermal memory; the table and the powers stay as measured)."""
        names = ("rth", "cth", "rth2", "cth2")
        unknown = sorted(set(changes) - set(names))
        if unknown:
            raise ValueError(f"with_ladder: {unknown}; allowed {list(names)}")
        values = dict(zip(names, self.ladder))
        values.update({k: float(v) for k, v in changes.items()})
        return replace(self, ladder=tuple(values[k] for k in names))

    # ------------------------------------------------------------------ storage
    def to_dict(self) -> dict:
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = v.tolist() if isinstance(v, np.ndarray) else v
        out["write_weights"] = None if self.write_weights is None else self.write_weights.tolist()
        out["write_s"] = list(self.write_s)
        out["ladder"] = list(self.ladder)
        return out

    @classmethod
    def from_dict(cls, d: dict) -> V4Calibration:
        values = dict(d)
        values["write_s"] = tuple(values["write_s"])
        values["ladder"] = tuple(values["ladder"])
        return cls(**values)

    def to_json(self) -> str:
        return json.dumps(self.to_dict())


# ----------------------------------------------------------------------------- runs
@dataclass(frozen=True)
class V4Run:
    """A run of N neurons over K slots: ``probability`` (N, K) of firing in each slot (0
    without input), ``rise_k`` (N, K) the prior rise the slot's write met [K], ``spikes``
    (N, K) bool (None on the deterministic path)."""

    probability: np.ndarray
    rise_k: np.ndarray
    spikes: np.ndarray | None


def _weights_2d(weights) -> np.ndarray:
    w = np.atleast_2d(np.asarray(weights, float))
    if w.ndim != 2 or not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError(
            "behavioural neuron v2: weights must be a finite (neurons, slots) array, each "
            ">= 0 (0 = no input in that slot)"
        )
    return w


def run(cal: V4Calibration, weights, rng: np.random.Generator | None = None) -> V4Run:
    """Slots of ``weights`` (N, K; 0 = no input) through N neurons, from rest.

    ``rng`` None: the deterministic path (no junction fires, as the law on the circuit's own
    drive with the junction held in P); else one uniform draw per neuron and slot from
    ``rng`` decides the spike, and a fired slot adds its extra heat."""
    w = _weights_2d(weights)
    n, k_slots = w.shape
    phi_t = cal.slot_map.T
    b0, b1, b2, f0, f1, f2 = cal.increments
    m = cal.prior_rise_map
    x = np.zeros((n, 2))
    prob = np.zeros((n, k_slots))
    rise = np.zeros((n, k_slots))
    spikes = None if rng is None else np.zeros((n, k_slots), bool)
    for k in range(k_slots):
        wk = w[:, k]
        active = wk > 0
        r = x @ m
        rise[:, k] = r
        if active.any():
            prob[active, k] = cal.probability(wk[active], r[active])
        w1, w2 = wk[:, None], (wk * wk)[:, None]
        x = x @ phi_t + active[:, None] * b0 + w1 * b1 + w2 * b2
        if spikes is not None:
            fired = active & (rng.random(n) < prob[:, k])
            spikes[:, k] = fired
            x += fired[:, None] * (f0 + w1 * f1 + w2 * f2)
    return V4Run(prob, rise, spikes)


def fire_probabilities(cal: V4Calibration, weights) -> np.ndarray:
    """P(fire) per slot on the deterministic path (:func:`run` without draws), (N, K)."""
    return run(cal, weights).probability


def gain_by_lag(cal: V4Calibration, lags_slots, weight: float = 1.0) -> dict:
    """The model's memory: P(fire | an input ``lag`` slots earlier) / P(fire | rested)."""
    rested = float(fire_probabilities(cal, [[weight]])[0, 0])
    gains = []
    for lag in lags_slots:
        row = np.zeros(lag + 1)
        row[[0, lag]] = weight
        gains.append(float(fire_probabilities(cal, row[None, :])[0, lag]) / rested)
    return {"p_rested": rested, "lags_slots": list(lags_slots), "gain_by_lag": gains}
