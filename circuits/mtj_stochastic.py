"""Stochastic switching of the MTJ: netlist helpers for ``mtj_stoch`` and its reference statistics.

A user picks the switching mode with :class:`Switching` -- ``deterministic`` (the default,
the ``mtj`` model) or ``stochastic`` (the ``mtj_stoch`` model) -- and, for the latter, a
seed.  The helpers write what the mode needs: the ``mtj_stoch`` element with its fourth
terminal, a ``TRRANDOM`` voltage source per junction holding uniform draws U in [0, 1], the
``.model`` card, and ``.options seed=N``.  How the model turns the draws into switching
times is described in ``models/verilog_a/mtj_stoch.va`` and ``models/verilog_a/README.md``.

:func:`ensemble_netlist` writes many independent junctions into one netlist, so one
transient gives many samples.  The second half fixes a drive for the switching law of
model version 3 (:mod:`circuits.mtj_switching`, the one numpy copy of the law): the
distribution of switching times over the seeds, P(switch) of a pulse, pulse-train counts,
under the exact Joule heating of the thermal network (pure numpy, no simulation).  The
exact macrospin these are compared with is :mod:`circuits.mtj_fokker_planck`.  All
quantities SI, temperatures in kelvin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import mtj_switching
from . import mtj_testbenches as tb
from .mtj_device import MtjParams
from .spice_cards import option_lines

DETERMINISTIC = "deterministic"
STOCHASTIC = "stochastic"
MODES = (DETERMINISTIC, STOCHASTIC)
STOCHASTIC_MODULE = "mtj_stoch"
U_MIN = 1e-9  # the model clips a draw to [U_MIN, 1 - U_MIN]
SEED_MAX = 2**31 - 1


@dataclass(frozen=True)
class Switching:
    """How a junction switches.

    mode: ``"deterministic"`` (model ``mtj``: a reversal when the integrated mean rate
        reaches 1) or ``"stochastic"`` (model ``mtj_stoch``: random switching times drawn
        from ngspice's ``TRRANDOM``).
    seed: ngspice's random seed, ``.options seed=<seed>``, 1 .. 2**31-1 (stochastic mode).
        The same seed gives the same waveforms; different seeds give independent draws.
    sample_s: sample time of the ``TRRANDOM`` source [s].  A junction takes a fresh draw
        at the start and after every reversal, from the sample current at that time: keep
        it shorter than the shortest time between two reversals of one junction (they
        would otherwise share a draw), and at or above the maximum solver step.
    """

    mode: str = DETERMINISTIC
    seed: int = 1
    sample_s: float = 1e-9

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"switching mode {self.mode!r}; allowed: {', '.join(MODES)}")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool):
            raise TypeError(f"seed={self.seed!r} must be an integer")
        if not 1 <= self.seed <= SEED_MAX:
            raise ValueError(f"seed={self.seed} out of range; allowed [1, {SEED_MAX}]")
        if not self.sample_s > 0:
            raise ValueError(f"sample_s={self.sample_s!r} s must be > 0")

    @property
    def stochastic(self) -> bool:
        return self.mode == STOCHASTIC

    @property
    def module(self) -> str:
        """The Verilog-A module that implements this mode."""
        return STOCHASTIC_MODULE if self.stochastic else "mtj"

    def options(self) -> dict[str, object]:
        """Simulator options the mode needs (``Session.run(options=...)``).

        ``seed`` seeds ngspice's random numbers; ``method=gear``: the stiffly stable
        integration rule.  Model version 2 runs under the trapezoidal rule as fast as under
        Gear, but there the sample and hold that takes a fresh draw after a reversal can
        keep the previous draw (seen in tests/test_mtj_stochastic.py's fresh-draw test), so
        the stochastic mode keeps Gear.  The deterministic ``mtj`` needs no option.
        """
        return {"seed": self.seed, "method": "gear"} if self.stochastic else {}

    def option_lines(self) -> list[str]:
        """The same as netlist lines."""
        return option_lines(self.options())

    def with_seed(self, seed: int) -> Switching:
        return Switching(self.mode, seed, self.sample_s)


DETERMINISTIC_SWITCHING = Switching()


def stochastic(seed: int, sample_s: float = 1e-9) -> Switching:
    """Stochastic switching with ``seed``."""
    return Switching(STOCHASTIC, seed, sample_s)


# ----------------------------------------------------------------------------- netlists
def random_node(instance: str) -> str:
    """The node that carries the random draws of junction ``instance``."""
    return f"u_{instance.lower()}"


def model_line(
    p: MtjParams,
    name: str = "mtj_dev",
    state0: int = 1,
    switching: Switching = DETERMINISTIC_SWITCHING,
) -> str:
    """The ``.model`` card of a junction for the chosen switching mode."""
    if switching.stochastic:
        return p.model_line(
            name, state0=state0, module=STOCHASTIC_MODULE, tsample=switching.sample_s
        )
    return p.model_line(name, state0=state0)


def element_lines(
    instance: str,
    pos: str,
    neg: str,
    thermal: str,
    model: str = "mtj_dev",
    switching: Switching = DETERMINISTIC_SWITCHING,
) -> list[str]:
    """The junction element and, in stochastic mode, its ``TRRANDOM`` source.

    ``instance`` is the element name (it must start with ``N``).  In stochastic mode the
    source ``V<instance>`` drives node :func:`random_node` with uniform draws in [0, 1],
    a new one every ``switching.sample_s``.  Each junction needs its own source: junctions
    that share one would share their draws.
    """
    if not instance or instance[0].upper() != "N":
        raise ValueError(f"an OSDI element name must start with N, got {instance!r}")
    if not switching.stochastic:
        return [f"{instance} {pos} {neg} {thermal} {model}"]
    u = random_node(instance)
    return [
        f"{instance} {pos} {neg} {thermal} {u} {model}",
        f"V{instance} {u} 0 DC 0 TRRANDOM(1 {switching.sample_s:.6g} 0 0.5 0.5)",
    ]


def junction_lines(
    p: MtjParams,
    instance: str = "N1",
    pos: str = "p",
    neg: str = "0",
    thermal: str = "t",
    model: str = "mtj_dev",
    state0: int = 1,
    switching: Switching = DETERMINISTIC_SWITCHING,
) -> list[str]:
    """One junction with its own model card and, in stochastic mode, source and seed.

    For several junctions in one circuit, write :func:`element_lines` per junction, one
    :func:`model_line` per model and ``switching.option_lines()`` once.
    """
    return [
        *element_lines(instance, pos, neg, thermal, model, switching),
        model_line(p, model, state0, switching),
        *switching.option_lines(),
    ]


def current_pulses(
    p: MtjParams,
    pulses: Sequence[tuple[float, float, float]],
    state0: int = 1,
    switching: Switching = DETERMINISTIC_SWITCHING,
) -> str:
    """The current-pulse testbench of :func:`circuits.mtj_testbenches.current_pulses` in either mode.

    ``pulses`` are (start [s], width [s], amplitude [A]); a positive amplitude flows from
    p to n (toward AP).  The junction is ``N1`` between ``p`` and ground with thermal node
    ``t``; its state is ``n1#m``.  Deterministic mode returns the very same netlist as
    ``mtj_testbenches.current_pulses``.
    """
    det = tb.current_pulses(p, list(pulses), state0)
    if not switching.stochastic:
        return det
    source = next(line for line in det.splitlines() if line.startswith("I1 "))
    title = f"mtj current pulses, stochastic, seed={switching.seed}, state0={state0}"
    return "\n".join([title, source, *junction_lines(p, state0=state0, switching=switching)]) + "\n"


# ----------------------------------------------------------------------------- ensembles
def ensemble_node(k: int) -> str:
    """The series node after junction ``k`` of :func:`ensemble_netlist` (0: the source)."""
    return f"s{k}"


def ensemble_netlist(
    p: MtjParams,
    pulses: Sequence[tuple[float, float, float]],
    count: int,
    switching: Switching,
    state0: int = 1,
) -> str:
    """``count`` independent stochastic junctions N1..N<count> under the same current pulses.

    The junctions are in series with one current source (the testbench's ``I1`` pulses),
    so each carries exactly the drive of :func:`current_pulses`; each has its own thermal
    node ``t<k>`` and its own ``TRRANDOM`` source, so one transient gives ``count``
    independent samples (states ``n<k>#m``, held draws ``n<k>#e``).  Statistics of many
    junctions per netlist equal those of one junction per seed; fewer junctions per
    netlist run faster (every reversal shortens the common time step).
    """
    if not switching.stochastic:
        raise ValueError("ensemble_netlist needs stochastic switching (stochastic(seed))")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"count={count!r}; allowed: an integer >= 1")
    det = tb.current_pulses(p, list(pulses), state0)
    source = next(line for line in det.splitlines() if line.startswith("I1 "))
    lines = [
        f"mtj ensemble of {count} junctions, seed={switching.seed}, state0={state0}",
        source.replace("I1 0 p ", f"I1 0 {ensemble_node(0)} ", 1),
    ]
    for k in range(1, count + 1):
        neg = "0" if k == count else ensemble_node(k)
        lines += element_lines(f"N{k}", ensemble_node(k - 1), neg, f"t{k}", "mtj_dev", switching)
    lines += [model_line(p, "mtj_dev", state0, switching), *switching.option_lines()]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- references
def _ladder(p: MtjParams):
    """The thermal Cauer ladder as dx/dt = A x + b P, x = (rise at t, rise at t2) [K]."""
    if p.rth2 > 0 and p.cth2 > 0 and p.cth > 0:
        a = np.array(
            [
                [-1.0 / (p.rth * p.cth), 1.0 / (p.rth * p.cth)],
                [1.0 / (p.rth * p.cth2), -(1.0 / p.rth + 1.0 / p.rth2) / p.cth2],
            ]
        )
        return a, np.array([1.0 / p.cth, 0.0])
    # one pole: t2 tied to ambient (rth2 = 0) or without capacity (rth2 in series)
    if p.cth <= 0:
        raise ValueError(f"cth={p.cth!r} J/K; the thermal reference needs cth > 0")
    r = p.rth + p.rth2
    return np.array([[-1.0 / (r * p.cth)]]), np.array([1.0 / p.cth])


def _pulse_lookup(pulses: Sequence[tuple[float, float, float]]):
    """The drive [A] of non-overlapping (start, width, amplitude) pulses as a function of t."""
    order = sorted(pulses)
    starts = np.array([s for s, _, _ in order])
    ends = np.array([s + w for s, w, _ in order])
    amps = np.array([a for _, _, a in order])

    def current(t: float) -> float:
        k = int(np.searchsorted(starts, t, side="right")) - 1
        return float(amps[k]) if k >= 0 and t < ends[k] else 0.0

    return current


def fresh_draws(
    p: MtjParams, pulses: Sequence[tuple[float, float, float]], end_s: float, ambient_k: float
) -> list[float]:
    """Where ``mtj_stoch`` starts a new waiting episode under these pulses (from P): the
    rest re-arms (:func:`circuits.mtj_switching.rest_rearm_times`, at the ambient) that
    another pulse toward AP follows.  Empty: one held draw decides the whole run."""
    starts = sorted(s for s, _, a in pulses if a > 0)
    horizon = min(end_s, starts[-1]) if len(starts) > 1 else 0.0
    if horizon <= 0.0:  # at most one pulse toward AP: nothing drives after a rest
        return []
    edges = tuple(sorted({x for s, w, _ in pulses for x in (s, s + w) if 0 < x < horizon}))
    cuts = mtj_switching.rest_rearm_times(
        p, _pulse_lookup(pulses), ambient_k, horizon, breakpoints=edges
    )
    return [c for c in cuts if any(s > c for s in starts)]


def parallel_state_rise(p: MtjParams, pulses: Sequence[tuple[float, float, float]]):
    """Junction temperature rise [K] as a function of time [s] under current pulses.

    The exact response of the model's thermal Cauer ladder (t -rth- t2 -rth2- ambient, cth
    at t, cth2 at t2) to the Joule power I^2 rp of the parallel state (the junction has not
    switched yet: the reference for the first reversal from P), piecewise constant between
    the pulse edges.  Returns ``rise(t)``; t >= 0.
    """
    a, b = _ladder(p)
    lam, vec = np.linalg.eig(a)
    lam, vec = lam.real, vec.real
    inv = np.linalg.inv(vec)
    edges = sorted({0.0, *(s for s, _, _ in pulses), *(s + w for s, w, _ in pulses)})

    current = _pulse_lookup(pulses)

    def power(t: float) -> float:
        return current(t) ** 2 * p.rp

    steady = [-np.linalg.solve(a, b * power(t)) for t in edges]
    states = [np.zeros(b.size)]
    for k in range(1, len(edges)):
        dt = edges[k] - edges[k - 1]
        x0, xs = states[-1], steady[k - 1]
        states.append(xs + vec @ (np.exp(lam * dt) * (inv @ (x0 - xs))))
    starts = np.array(edges)

    def rise(t: float) -> float:
        k = max(int(np.searchsorted(starts, t, side="right")) - 1, 0)
        x0, xs = states[k], steady[k]
        return float((xs + vec @ (np.exp(lam * (t - starts[k])) * (inv @ (x0 - xs))))[0])

    return rise


@dataclass(frozen=True)
class PulseLaw:
    """The switching law of ``mtj_stoch`` (version 3) under current pulses, from P.

    The law is :mod:`circuits.mtj_switching`, which holds the equations; this class only
    fixes a drive.  The switching time is a non-increasing function T(U) of the held draw
    U, so P(switched by t) = 1 - U*(t) with T(U*(t)) = t: the distribution over seeds
    follows from T(U) exactly, and the deterministic ``mtj`` (U = 1/2) switches at its
    median.  pulses: (start [s], width [s], amplitude [A], + toward AP); heating: the
    junction temperature follows :func:`parallel_state_rise`, else it stays at ambient.
    """

    params: MtjParams
    pulses: tuple[tuple[float, float, float], ...]
    end_s: float
    ambient_k: float = 300.0
    heating: bool = True

    def __post_init__(self):
        if not self.pulses:
            raise ValueError("a PulseLaw needs at least one (start, width, amplitude) pulse")
        if not self.end_s > 0:
            raise ValueError(f"end_s={self.end_s!r} s must be > 0")
        starts = fresh_draws(self.params, self.pulses, self.end_s, self.ambient_k)
        if starts:
            raise ValueError(
                "these pulses rest and then drive again: mtj_stoch takes a fresh draw at "
                + ", ".join(f"{t * 1e9:.3g} ns" for t in starts)
                + ", so one held draw does not describe the run; use "
                "circuits.mtj_switching.switch_probability (episodes)"
            )
        object.__setattr__(self, "_current", _pulse_lookup(self.pulses))
        if self.heating:
            object.__setattr__(self, "_rise", parallel_state_rise(self.params, self.pulses))

    def current(self, t: float) -> float:
        """Drive toward AP [A] at time t [s]."""
        return self._current(t)

    def temperature(self, t: float) -> float:
        """Junction temperature [K] at time t [s]."""
        return self.ambient_k + (self._rise(t) if self.heating else 0.0)

    @property
    def breakpoints(self) -> tuple[float, ...]:
        return tuple(sorted({x for s, w, _ in self.pulses for x in (s, s + w)}))

    def switching_time(self, u) -> np.ndarray:
        """Switching time [s] of each draw U (NaN where not by end_s)."""
        u = np.clip(np.atleast_1d(np.asarray(u, float)), U_MIN, 1.0 - U_MIN)
        return mtj_switching.switching_times(
            self.params,
            self.current,
            self.temperature,
            u,
            self.end_s,
            breakpoints=self.breakpoints,
        )

    def median_time(self) -> float:
        """What the deterministic ``mtj`` gives [s] (NaN if not by end_s)."""
        return float(self.switching_time([0.5])[0])

    def quantile(self, q) -> np.ndarray:
        """Time [s] by which a fraction q of the seeds has switched: T(U = 1 - q)."""
        return self.switching_time(1.0 - np.asarray(q, float))

    def probability(self, t_s=None, draws: int = 201) -> np.ndarray:
        """P(switched by t) at the times ``t_s`` [s].

        Default (the end of the run): 1 - U* down to the model's floor U_MIN, found on two
        grids of draws in log10(1 - U), 0.2 decades then 0.005 (about 1 % in P; each grid
        is one integration).  At given times: from T(U) on ``draws`` equally spaced draws,
        interpolated (resolution 1 / draws).
        """
        if t_s is None:
            return np.array([self._end_probability()])
        u = np.linspace(0.0, 1.0, draws + 2)[1:-1]
        times = np.where(np.isfinite(t := self.switching_time(u)), t, np.inf)
        t_s = np.atleast_1d(np.asarray(t_s, float))
        # T is non-increasing in U: switched by t for every draw above U*(t)
        switched = times[None, :] <= t_s[:, None]
        return switched.mean(axis=1)

    def _end_probability(self) -> float:
        lo, hi = np.log10(U_MIN), 0.0
        for points in (46, 41):
            grid = np.linspace(lo, hi, points)  # log10(1 - U), rising: U falling
            switched = np.isfinite(self.switching_time(1.0 - 10.0**grid))
            if not switched[0]:
                return 0.0
            if switched[-1]:
                return 1.0
            k = int(np.flatnonzero(switched)[-1])  # the largest 1 - U that switches
            lo, hi = grid[k], grid[k + 1]
        return float(10.0 ** (0.5 * (lo + hi)))

    def restricted_mean(self, draws: int = 201) -> float:
        """E[min(T, end_s)] over the draws [s]."""
        u = np.linspace(0.0, 1.0, draws + 2)[1:-1]
        t = self.switching_time(u)
        return float(np.mean(np.where(np.isfinite(t), np.minimum(t, self.end_s), self.end_s)))


def pulse_train(amplitude_a: float, on_s: float, off_s: float, n_pulses: int):
    """(start, width, amplitude) of ``n_pulses`` periods of on_s at amplitude_a, then off_s."""
    period = on_s + off_s
    return tuple((k * period, on_s, amplitude_a) for k in range(n_pulses))


def median_pulses_to_switch(
    p: MtjParams,
    amplitude_a: float,
    on_s: float,
    off_s: float,
    ambient_k: float,
    *,
    heating: bool = False,
    max_pulses: int = 4000,
    draws: int = 21,
) -> float:
    """Median number of pulses to switch under the law, counted as the reference counts.

    S after period k is U*(k period) (the survival of the seeds); like
    :func:`circuits.mtj_fokker_planck.median_pulses_to_switch`, the count is interpolated
    linearly in ln S between the two whole periods around S = 1/2.  T(U) from one
    integration over ``draws`` draws in [0.4, 0.6].
    """
    period = on_s + off_s
    law = PulseLaw(
        p,
        pulse_train(amplitude_a, on_s, off_s, max_pulses),
        max_pulses * period,
        ambient_k,
        heating,
    )
    u = np.linspace(0.4, 0.6, draws)
    t = law.switching_time(u)
    if not np.isfinite(t[u >= 0.5]).all():
        raise ValueError(f"the law does not switch half the seeds in max_pulses = {max_pulses}")
    t = np.where(np.isfinite(t), t, np.inf)
    k = int(np.ceil(np.interp(0.5, u, t) / period))
    ends = np.array([k - 1, k]) * period
    surv = np.interp(ends, t[::-1], u[::-1])  # U*(t): T non-increasing in U
    surv[0] = 1.0 if k == 1 else surv[0]
    l0, l1 = np.log(surv)
    return float(k - 1 + (l0 - np.log(0.5)) / (l0 - l1))
