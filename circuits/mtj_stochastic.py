"""Stochastic switching of the MTJ: netlist helpers for ``mtj_stoch`` and its reference statistics.

A user picks the switching mode with :class:`Switching` -- ``deterministic`` (the default,
the ``mtj`` model) or ``stochastic`` (the ``mtj_stoch`` model) -- and, for the latter, a
seed.  The helpers write what the mode needs: the ``mtj_stoch`` element with its fourth
terminal, a ``TRRANDOM`` voltage source per junction holding uniform draws U in [0, 1], the
``.model`` card, and ``.options seed=N``.  How the model turns the draws into switching
times is described in ``models/verilog_a/mtj_stoch.va`` and ``models/verilog_a/README.md``.

The second half of this module is the switching law that ``mtj_stoch`` implements, in
closed form or by quadrature (pure numpy, no simulation): the references its simulations
are tested against.  All quantities SI, temperatures in kelvin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import mtj_analytic as ref
from . import mtj_testbenches as tb
from .mtj_device import MtjParams

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
        return [f".options seed={self.seed} method=gear"] if self.stochastic else []

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


# ----------------------------------------------------------------------------- statistics
def thresholds(u):
    """The two Exp(1) thresholds the model reads from a draw U: (eth, eprec).

    eth = -ln U fires the thermally activated channel when its hazard integral reaches it;
    eprec = -ln(1 - U) sets the initial angle theta0 = sqrt(eprec / Delta), the U-quantile
    of the thermal distribution p(theta) = 2 Delta theta exp(-Delta theta^2).
    """
    u = np.clip(np.asarray(u, float), U_MIN, 1.0 - U_MIN)
    return -np.log(u), -np.log1p(-u)


def neel_brown_probability(p: MtjParams, current_a, width_s, temp_k):
    """Switching probability of a Poisson process at the Neel-Brown rate: 1 - exp(-w / tau)."""
    return -np.expm1(-np.asarray(width_s, float) / ref.neel_brown_time(p, current_a, temp_k))


def thermal_probability(p: MtjParams, current_a, width_s, temp_k):
    """Switching probability of the model's thermal channel alone: 1 - exp(-w r_th(I, T))."""
    rate = ref.thermal_hazard_rate(p, current_a, temp_k)
    return -np.expm1(-np.asarray(width_s, float) * rate)


def sun_probability(p: MtjParams, current_a, width_s, temp_k):
    """Precessional switching probability exp(-(pi^2 Delta / 4) exp(-2 (I/Ic0 - 1) w / taup)).

    Sun's delay taup ln(pi / (2 theta0)) / (I/Ic0 - 1) with theta0 from the thermal
    distribution p(theta) = 2 Delta theta exp(-Delta theta^2) (J. Z. Sun, Phys. Rev. B 62,
    570 (2000); the same form in R. H. Koch et al., PRL 92, 088302 (2004)).  Zero at and
    below Ic0.
    """
    i = np.asarray(current_a, float) / ref.critical_current(p, temp_k)
    delta = ref.thermal_stability(p, temp_k)
    arg = -2.0 * np.maximum(i - 1.0, 0.0) * np.asarray(width_s, float) / p.taup
    return np.where(i > 1.0, np.exp(-(np.pi**2) * delta / 4.0 * np.exp(arg)), 0.0)


def gumbel_switching_time(p: MtjParams, current_a: float, temp_k: float):
    """Location and scale [s] of the precessional switching time, a Gumbel variable.

    With theta0^2 = E / Delta, E ~ Exp(1): t = taup (ln(pi/2) + ln(Delta)/2 - ln(E)/2) / (i - 1);
    -ln E is a standard Gumbel variable, so t has location taup (ln(pi/2) + ln(Delta)/2) /
    (i - 1), scale taup / (2 (i - 1)) and mean location + 0.5772 scale.
    """
    i = current_a / float(ref.critical_current(p, temp_k))
    if i <= 1.0:
        raise ValueError(f"precessional switching needs I > Ic0(T), got I/Ic0 = {i:.3g}")
    delta = float(ref.thermal_stability(p, temp_k))
    loc = p.taup * (np.log(np.pi / 2.0) + 0.5 * np.log(delta)) / (i - 1.0)
    return loc, p.taup / (2.0 * (i - 1.0))


@dataclass(frozen=True)
class SwitchingLaw:
    """The switching law of ``mtj_stoch`` for one current waveform, from the parallel state.

    The model fires when x(t; U) = norm(H(t) / eth(U), A(t) / ln(pi / (2 theta0(U, t))))
    reaches 1 (``mtj_equations.vams``; the norm is :func:`circuits.mtj_analytic.channel_norm`): H integrates the thermal hazard rate, A the precessional
    log-angle, which relaxes toward the thermal cone below Ic0.  x grows with U at every
    time, so the junction has switched by t iff U >= U*(t), and P(switched by t) =
    1 - U*(t).  The junction temperature follows the model's rth || cth network under the
    Joule power I^2 rp of the parallel state.
    """

    params: MtjParams
    time_s: np.ndarray
    current_a: np.ndarray
    temp_k: np.ndarray

    @classmethod
    def for_pulses(
        cls,
        p: MtjParams,
        pulses: Sequence[tuple[float, float, float]],
        stop_s: float,
        ambient_k: float,
        points: int = 4001,
    ) -> SwitchingLaw:
        """The law under current pulses (start [s], width [s], amplitude [A], + toward AP)."""
        edges = sorted({0.0, stop_s, *(s for s, _, _ in pulses), *(s + w for s, w, _ in pulses)})
        grid = np.union1d(np.linspace(0.0, stop_s, points), [e for e in edges if e <= stop_s])
        mid = 0.5 * (grid[1:] + grid[:-1])
        amp = np.zeros_like(mid)
        for start, width, a in pulses:
            amp += np.where((mid >= start) & (mid < start + width), a, 0.0)
        # first-order thermal network, exact for the power held on each interval
        power = amp**2 * p.rp
        rise = np.zeros(grid.size)
        decay = np.exp(-np.diff(grid) / p.tau_th_s) if p.cth > 0 else np.zeros(mid.size)
        for k in range(mid.size):
            target = power[k] * p.rth
            rise[k + 1] = target + (rise[k] - target) * decay[k]
        temp_mid = ambient_k + 0.5 * (rise[1:] + rise[:-1])
        return cls(p, grid, amp, temp_mid)

    def _channels(self):
        """H and A at every grid time (they do not depend on the draw)."""
        p, dt = self.params, np.diff(self.time_s)
        hazard = ref.thermal_hazard_rate(p, self.current_a, self.temp_k)
        grow = ref.precession_rate(p, self.current_a, self.temp_k)
        relax = ref.precession_relaxation(p, self.current_a, self.temp_k)
        h = np.concatenate([[0.0], np.cumsum(hazard * dt)])
        a = np.zeros(self.time_s.size)
        for k in range(dt.size):  # dA/dt = g - r A / sqrt(1 + A^2), RK4 in 4 sub-steps
            y, sub, g, r = a[k], dt[k] / 4.0, grow[k], relax[k]

            def f(v, g=g, r=r):
                return g - r * v / np.sqrt(1.0 + v * v)

            for _ in range(4):
                k1 = f(y)
                k2 = f(y + 0.5 * sub * k1)
                k3 = f(y + 0.5 * sub * k2)
                k4 = f(y + sub * k3)
                y += sub * (k1 + 2 * k2 + 2 * k3 + k4) / 6.0
            a[k + 1] = y
        temp_nodes = np.concatenate([[self.temp_k[0]], self.temp_k])
        return h, a, temp_nodes

    def progress(self, u) -> np.ndarray:
        """x(t; U) at every grid time, shape (len(u), len(time_s))."""
        eth, eprec = thresholds(np.atleast_1d(u))
        h, a, temp = self._channels()
        lnth = ref.precession_threshold(self.params, temp[None, :], eprec[:, None])
        return ref.channel_norm(h[None, :] / eth[:, None], a[None, :] / lnth)

    def probability(self, t_s=None, tol: float = 1e-7) -> np.ndarray:
        """P(switched by t) at times ``t_s`` (default: the end of the waveform)."""
        t_s = np.atleast_1d(self.time_s[-1] if t_s is None else np.asarray(t_s, float))
        lo, hi = np.zeros_like(t_s), np.ones_like(t_s)
        while np.max(hi - lo) > tol:  # bisection for U*(t) on all times at once
            mid = 0.5 * (lo + hi)
            reached = np.maximum.accumulate(self.progress(mid), axis=1)
            x = np.array([np.interp(t, self.time_s, row) for row, t in zip(reached, t_s)])
            fired = x >= 1.0
            hi = np.where(fired, mid, hi)
            lo = np.where(fired, lo, mid)
        return 1.0 - 0.5 * (lo + hi)

    def switching_time(self, u, chunk: int = 256) -> np.ndarray:
        """The switching time [s] for draws ``u`` (nan where x never reaches 1)."""
        u = np.atleast_1d(np.asarray(u, float))
        out = np.full(u.size, np.nan)
        for k in range(0, u.size, chunk):
            x = self.progress(u[k : k + chunk])
            for j, row in enumerate(x):
                above = np.nonzero(row >= 1.0)[0]
                if above.size and above[0] > 0:
                    i = above[0]
                    t0, t1 = self.time_s[i - 1], self.time_s[i]
                    out[k + j] = t0 + (1.0 - row[i - 1]) * (t1 - t0) / (row[i] - row[i - 1])
        return out

    def median_time(self) -> float:
        """The switching time at U = 1/2: what the deterministic ``mtj`` gives [s]."""
        return float(self.switching_time([0.5])[0])

    def restricted_mean(self, points: int = 801) -> float:
        """E[min(T, t_end)] = integral of 1 - P(switched by t) over the waveform [s]."""
        t = np.linspace(0.0, self.time_s[-1], points)
        survive = 1.0 - self.probability(t)
        return float(np.sum(np.diff(t) * 0.5 * (survive[1:] + survive[:-1])))
