"""Switching-probability flows of the stochastic MTJ (``mtj_stoch``), each from seeded runs.

- :func:`run_trials`: one current-pulse testbench simulated once per seed, in parallel
  worker processes (each with its own ngspice); returns who switched and when;
- :func:`pyspice_flows.experiments.switching_ensemble.run_ensemble`: the same from
  netlists of many independent junctions each, one transient per netlist;
- :func:`probability_vs_amplitude`: P(switch) versus pulse amplitude at a fixed width;
- :func:`probability_vs_width`: P(switch) versus pulse width at a fixed amplitude;
- :func:`probability_sweep`: P(switch) of any list of single pulses (both of the above);
- :func:`switching_time_distribution`: the switching times at a constant current, against
  the model's law (exponential below Ic0, Gumbel-like above).

Beside every simulated point: its 95 % Wilson interval, the model's own law
(:class:`circuits.mtj_stochastic.PulseLaw`, Joule heating included), the exact macrospin
(:func:`circuits.mtj_fokker_planck.pulse_switch_probability`, what ends reversed) and the
textbook Neel-Brown 1 - exp(-w/tau), both at ambient temperature.

Every point uses the same seeds (common random numbers): the curves are smooth and
monotone, and the errors of neighbouring points are correlated.

``python -m pyspice_flows.experiments.switching_probability [--temp K] [--runs N] [--workers K]
[--out DIR]`` writes a PNG and a CSV per flow into ``build/switching_probability/``; the
ensembles, the law and the macrospin all at the one ambient ``--temp`` (default 27 C), which
every figure's title states.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from circuits import mtj_analytic as ref
from circuits import mtj_fokker_planck as fp
from circuits import mtj_stochastic as ms
from circuits import mtj_switching
from circuits.mtj_device import (
    DEFAULT_DEVICE,
    MtjParams,
    add_device_argument,
    checked_device_file,
    load_device,
)
from circuits.paths import BUILD_DIR
from pyspice_flows.app import commandline, staging
from pyspice_flows.app.processes import end_with_parent
from pyspice_flows.sim.session import Session, Transient

from .mtj_characterization import AMBIENT_K, Curve, crossing_time

OUT_DIR = BUILD_DIR / "switching_probability"
STATE = "n1#m"
DRAW = "n1#e"
DEFAULT_SAMPLE_S = 1e-9
"""TRRANDOM sample time [s] of a trial whose junction takes fresh draws after rests."""
SETTLE_S = 0.2e-9  # simulated time after the last pulse, so a reversal fired at its end completes
MIN_RUNS = 200


# ----------------------------------------------------------------------------- trials
@dataclass(frozen=True)
class Trial:
    """One stochastic current-pulse experiment on a junction that starts in ``state0``.

    pulses: (start [s], width [s], amplitude [A]); + flows p -> n, toward AP.
    stop_s: simulated time [s] (default: the end of the last pulse + SETTLE_S).
    sample_s: TRRANDOM sample time [s]; the default, the whole run, gives one draw per run:
    enough for one reversal, and no noise breakpoints for the solver to step through; where
    the pulses rest and drive again (``circuits.mtj_stochastic.fresh_draws``: the model's
    rest re-arm takes a fresh draw), DEFAULT_SAMPLE_S, so the fresh draw is a new sample.
    max_step_s: the solver's maximum step [s] (default run / 100); at most sample_s.
    """

    params: MtjParams
    pulses: tuple[tuple[float, float, float], ...]
    state0: int = 1
    stop_s: float | None = None
    ambient_k: float = AMBIENT_K
    sample_s: float | None = None
    max_step_s: float | None = None

    def __post_init__(self):
        if not self.pulses:
            raise ValueError("a Trial needs at least one (start, width, amplitude) pulse")
        episodes = ms.fresh_draws(self.params, self.pulses, self.end_s, self.ambient_k)
        object.__setattr__(self, "_episodes", bool(episodes))
        if self.max_step > self.sample_time:
            raise ValueError(
                f"max_step_s={self.max_step:g} s exceeds the noise sample time "
                f"{self.sample_time:g} s"
            )

    @property
    def end_s(self) -> float:
        if self.stop_s is not None:
            return self.stop_s
        return max(s + w for s, w, _ in self.pulses) + SETTLE_S

    @property
    def sample_time(self) -> float:
        if self.sample_s is not None:
            return self.sample_s
        return min(DEFAULT_SAMPLE_S, self.end_s) if self._episodes else self.end_s

    @property
    def max_step(self) -> float:
        if self.max_step_s is not None:
            return self.max_step_s
        return min(self.end_s / 100, self.sample_time)

    def netlist(self, seed: int) -> str:
        return ms.current_pulses(
            self.params, self.pulses, self.state0, ms.stochastic(seed, self.sample_time)
        )

    def analysis(self) -> Transient:
        return Transient(self.max_step / 10, self.end_s, max_step_s=self.max_step)

    def law(self) -> ms.PulseLaw:
        """The model's switching law for these pulses (from the parallel state)."""
        if self.state0 != 1:
            raise ValueError("PulseLaw is written for a junction that starts parallel")
        return ms.PulseLaw(self.params, self.pulses, self.end_s, self.ambient_k)


@dataclass
class TrialResults:
    """Outcome per seed: switched (final state differs from state0), the time of the first
    reversal [s] (nan if none) and the draw U the junction held at the end of the run."""

    seeds: np.ndarray
    switched: np.ndarray
    time_s: np.ndarray
    draw: np.ndarray
    wall_s: float = 0.0
    retried: int = 0  # netlists rerun at a quarter of the maximum step (switching_ensemble)

    @property
    def probability(self) -> float:
        return float(np.mean(self.switched))

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        """Wilson score interval of the switching probability."""
        return wilson_interval(int(np.sum(self.switched)), self.switched.size, level)


def run_one(trial: Trial, seed: int, session: Session | None = None) -> tuple[bool, float, float]:
    """Simulate one seed; returns (switched, first reversal time [s] or nan, held draw U)."""
    session = session or Session.get()
    w = session.run(trial.netlist(seed), trial.analysis(), temperature_k=trial.ambient_k)
    m = w.x(STATE)
    return bool(np.sign(m[-1]) != trial.state0), crossing_time(w.time, m), float(w.x(DRAW)[-1])


def _run_chunk(job: tuple[Trial, list[int]]) -> list[tuple[bool, float, float]]:
    trial, seeds = job
    session = Session.get()
    return [run_one(trial, s, session) for s in seeds]


def worker_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """A pool of simulation processes (default: one per CPU), each with its own ngspice.

    Spawned, not forked: a child never inherits the parent's ngspice.  One OpenMP thread
    per ngspice; a worker ends with this process (:func:`end_with_parent`).  Use it as a context manager and pass it to :func:`run_trials`.
    """
    ctx = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(
        workers or os.cpu_count() or 1,
        mp_context=ctx,
        initializer=end_with_parent,
        initargs=(os.getpid(),),
    )


def run_trials(
    trials: Trial | Sequence[Trial],
    seeds: Sequence[int],
    workers: int | None = None,
    chunk: int = 25,
    pool: ProcessPoolExecutor | None = None,
) -> list[TrialResults]:
    """Simulate every trial once per seed; results in the order of ``trials`` and ``seeds``.

    Runs on ``pool`` if given, else on a new pool of ``workers`` processes (default: the
    CPU count); ``workers=1`` runs in this process.  A run's outcome depends on its seed
    only, not on the process that ran it.
    """
    trials = [trials] if isinstance(trials, Trial) else list(trials)
    seeds = [int(s) for s in seeds]
    jobs = [(t, seeds[k : k + chunk]) for t in trials for k in range(0, len(seeds), chunk)]
    start = time.perf_counter()
    if pool is not None:
        parts = list(pool.map(_run_chunk, jobs))
    elif workers == 1:
        parts = [_run_chunk(j) for j in jobs]
    else:
        with worker_pool(workers) as new_pool:
            parts = list(new_pool.map(_run_chunk, jobs))
    wall = time.perf_counter() - start
    per_trial = math.ceil(len(seeds) / chunk)
    results = []
    for k in range(len(trials)):
        rows = [r for part in parts[k * per_trial : (k + 1) * per_trial] for r in part]
        results.append(
            TrialResults(
                seeds=np.array(seeds),
                switched=np.array([r[0] for r in rows], dtype=bool),
                time_s=np.array([r[1] for r in rows], dtype=float),
                draw=np.array([r[2] for r in rows], dtype=float),
                wall_s=wall / len(trials),
            )
        )
    return results


# ----------------------------------------------------------------------------- statistics
def wilson_interval(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for k successes in n Bernoulli trials."""
    if n <= 0:
        raise ValueError("wilson_interval needs n >= 1")
    from scipy import stats  # about 1 s to import: only where a statistic is computed

    z = stats.norm.ppf(0.5 + level / 2)
    ph = k / n
    den = 1 + z**2 / n
    centre = (ph + z**2 / (2 * n)) / den
    half = z * math.sqrt(ph * (1 - ph) / n + z**2 / (4 * n**2)) / den
    return max(centre - half, 0.0), min(centre + half, 1.0)


@dataclass(frozen=True)
class ExponentialMean:
    """Maximum-likelihood mean of exponential waiting times, right-censored at ``t_max``.

    mean = (sum of the observed times + t_max * censored) / observed; the exact two-sided
    interval follows from 2 n mean / tau ~ chi^2(2 n) (n observed events).
    """

    mean_s: float
    lo_s: float
    hi_s: float
    observed: int
    censored: int

    @classmethod
    def fit(cls, times_s: np.ndarray, t_max: float, level: float = 0.95) -> ExponentialMean:
        times_s = np.asarray(times_s, float)
        done = np.isfinite(times_s) & (times_s <= t_max)
        n = int(done.sum())
        if n == 0:
            raise ValueError("no switching event to fit")
        total = float(times_s[done].sum()) + t_max * int((~done).sum())
        mean = total / n
        a = (1 - level) / 2
        from scipy import stats

        lo = 2 * total / stats.chi2.ppf(1 - a, 2 * n)
        hi = 2 * total / stats.chi2.ppf(a, 2 * n)
        return cls(mean, lo, hi, n, int((~done).sum()))


# ----------------------------------------------------------------------------- flows
def probability_vs_amplitude(
    p: MtjParams, ratios: Sequence[float], width_s: float, runs: int = MIN_RUNS, **options
) -> Curve:
    """P(switch) of one pulse of ``width_s`` versus its amplitude I/Ic0 (from P, toward AP);
    ``options`` as :func:`probability_sweep` takes them."""
    cols = probability_sweep(p, [(r * p.ic0, width_s) for r in ratios], runs, **options)
    cols = {"i_over_ic0": np.asarray(ratios, float), **cols}
    return Curve(
        cols,
        f"P(switch) vs amplitude, {width_s * 1e9:.3g} ns pulse, {runs} runs/point, "
        f"{_ambient(options)}",
    )


def probability_vs_width(
    p: MtjParams, ratio: float, widths_s: Sequence[float], runs: int = MIN_RUNS, **options
) -> Curve:
    """P(switch) of one pulse at ``ratio`` * Ic0 versus its width (from P, toward AP);
    ``options`` as :func:`probability_sweep` takes them."""
    cols = probability_sweep(p, [(ratio * p.ic0, w) for w in widths_s], runs, **options)
    cols = {"width_s": np.asarray(widths_s, float), **cols}
    title = f"P(switch) vs width at {ratio:g} Ic0, {runs} runs/point, {_ambient(options)}"
    return Curve(cols, title)


def _ambient(options: dict) -> str:
    """The ambient of a flow's ``options`` (:data:`AMBIENT_K` unless given), for a title."""
    return f"{options.get('ambient_k', AMBIENT_K):g} K ambient"


def probability_sweep(
    p: MtjParams,
    pulses: Sequence[tuple[float, float]],
    runs: int = MIN_RUNS,
    first_seed: int = 1,
    ambient_k: float = AMBIENT_K,
    sample_s: float | None = None,
    workers: int | None = None,
    pool: ProcessPoolExecutor | None = None,
) -> dict[str, np.ndarray]:
    """P(switch) of one pulse per (amplitude [A], width [s]) of ``pulses``, each from the
    same ``runs`` seeds starting at ``first_seed`` (common random numbers), at ``ambient_k``.

    Returns one row per pulse: the amplitude, the simulated probability and its Wilson
    interval, the model's, Neel-Brown's and the macrospin's laws, and the runs.
    ``sample_s``: the noise sample time (see :class:`Trial`); ``workers``/``pool``: as
    :func:`run_trials` takes them.
    """
    seeds = range(first_seed, first_seed + runs)
    trials = [
        Trial(p, ((0.0, width, amp),), ambient_k=ambient_k, sample_s=sample_s)
        for amp, width in pulses
    ]
    results = run_trials(trials, seeds, workers, pool=pool)
    names = (
        "amplitude_A",
        "p_sim",
        "ci_lo",
        "ci_hi",
        "p_model",
        "p_neel_brown",
        "p_macrospin",
        "runs",
    )
    out: dict[str, list[float]] = {k: [] for k in names}
    for t, r in zip(trials, results):
        _, width, amp = t.pulses[0]
        lo, hi = r.interval()
        law = analytic_curves(p, amp, width, ambient_k)
        law_p, nb, mac = (float(law[k][0]) for k in ("p_model", "p_neel_brown", "p_macrospin"))
        values = (amp, r.probability, lo, hi, law_p, nb, mac, r.switched.size)
        for k, v in zip(names, values):
            out[k].append(v)
    return {k: np.asarray(v, float) for k, v in out.items()}


@dataclass
class TimeDistribution:
    """Switching times of many seeded runs at one constant current, and the model's law."""

    ratio: float
    times_s: np.ndarray
    t_max_s: float
    law: ms.PulseLaw
    ks_statistic: float
    ks_pvalue: float
    mean_s: float  # mean of min(T, t_max) over the runs
    mean_ci_s: tuple[float, float]
    model_mean_s: float  # the model law's E[min(T, t_max)]
    extra: dict = field(default_factory=dict)

    def curve(self) -> Curve:
        t = np.sort(self.times_s[np.isfinite(self.times_s)])
        ecdf = np.arange(1, t.size + 1) / self.times_s.size
        return Curve(
            {"time_s": t, "ecdf": ecdf, "model_cdf": self.law.probability(t)},
            f"switching times at {self.ratio:g} Ic0, {self.times_s.size} runs, "
            f"{self.law.ambient_k:g} K ambient",
        )


def switching_time_distribution(
    p: MtjParams,
    ratio: float,
    runs: int = 400,
    t_max_s: float | None = None,
    first_seed: int = 1,
    ambient_k: float = AMBIENT_K,
    sample_s: float | None = None,
    max_step_s: float | None = None,
    workers: int | None = None,
    pool: ProcessPoolExecutor | None = None,
) -> TimeDistribution:
    """Switching times under a constant current ``ratio`` * Ic0 from P, one per seed.

    The runs end at ``t_max_s`` (default: where the model's law reaches 0.999); later
    reversals count as censored.  Compares the empirical distribution with the model's CDF
    (Kolmogorov-Smirnov, censored runs placed at t_max).
    """
    amp = ratio * p.ic0
    if t_max_s is None:
        probe = Trial(p, ((0.0, 1.0, amp),), stop_s=1.0, ambient_k=ambient_k)
        t_max_s = _quantile_time(p, amp, ambient_k, 0.999, probe)
    trial = Trial(
        p,
        ((0.0, 10 * t_max_s, amp),),
        stop_s=t_max_s,
        ambient_k=ambient_k,
        sample_s=sample_s,
        max_step_s=max_step_s,
    )
    res = run_trials(trial, range(first_seed, first_seed + runs), workers, pool=pool)[0]
    law = trial.law()
    times = np.where(np.isfinite(res.time_s), res.time_s, t_max_s)
    from scipy import stats

    ks = stats.kstest(times, lambda t: np.where(t >= t_max_s, 1.0, law.probability(t)))
    mean = float(np.mean(times))
    sem = float(np.std(times, ddof=1) / math.sqrt(times.size))
    model_mean = law.restricted_mean()
    return TimeDistribution(
        ratio,
        res.time_s,
        t_max_s,
        law,
        float(ks.statistic),
        float(ks.pvalue),
        mean,
        (mean - 1.96 * sem, mean + 1.96 * sem),
        model_mean,
        {"wall_s": res.wall_s},
    )


def _quantile_time(p: MtjParams, amp: float, ambient_k: float, q: float, probe: Trial) -> float:
    """Time at which the model's switching probability under a constant current reaches q."""
    guess = float(mtj_switching.median_switching_time(p, amp, ambient_k))
    if np.isfinite(guess):
        end = 100 * guess
        t = float(ms.PulseLaw(p, ((0.0, 2 * end, amp),), end, ambient_k).quantile(q)[0])
        if np.isfinite(t):
            return t
    raise ValueError(f"switching probability never reaches {q} at {amp:g} A")


# ----------------------------------------------------------------------------- CLI
def analytic_curves(
    p: MtjParams, amplitudes_a, widths_s, ambient_k: float = AMBIENT_K
) -> dict[str, np.ndarray]:
    """The model's law, the exact macrospin and Neel-Brown for single pulses (amplitude, width)
    from P (the macrospin: what ends reversed, at ambient, without heating)."""
    amps, widths = np.broadcast_arrays(
        np.atleast_1d(np.asarray(amplitudes_a, float)), np.atleast_1d(np.asarray(widths_s, float))
    )
    law = [
        float(Trial(p, ((0.0, w, a),), ambient_k=ambient_k).law().probability()[0])
        for a, w in zip(amps, widths)
    ]
    below = amps < ref.critical_current(p, ambient_k)
    neel_brown = -np.expm1(-widths / ref.neel_brown_time(p, amps, ambient_k))
    macrospin = [fp.pulse_switch_probability(p, a, w, ambient_k) for a, w in zip(amps, widths)]
    return {
        "p_model": np.array(law),
        "p_neel_brown": np.where(below, neel_brown, np.nan),
        "p_macrospin": np.array(macrospin),
    }


def run_all(
    device_path: Path = DEFAULT_DEVICE,
    out_dir: Path = OUT_DIR,
    runs: int = MIN_RUNS,
    workers: int | None = None,
    ambient_k: float = AMBIENT_K,
) -> list[Path]:
    """Run every flow on a device file at the ambient ``ambient_k`` [K] (the ensembles, the
    model's law and the exact macrospin alike); returns the files written."""
    from .switching_probability_plots import plot_distribution, plot_probability

    if runs < MIN_RUNS:
        raise ValueError(f"runs={runs}: the flows use at least {MIN_RUNS} seeded runs per point")
    p = load_device(device_path).params
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def save(curve: Curve, stem: str) -> Path:
        curve.to_csv(out_dir / f"{stem}.csv")
        written.extend([out_dir / f"{stem}.csv", out_dir / f"{stem}.png"])
        return out_dir / f"{stem}.png"

    with worker_pool(workers) as pool:
        t0 = time.perf_counter()
        width = 5e-9
        thermal = [0.80, 0.85, 0.88, 0.90, 0.92, 0.94, 0.96, 0.98, 1.0]
        ratios = np.array(thermal + [1.05, 1.1, 1.2, 1.3, 1.4, 1.6, 2.0])
        amp = probability_vs_amplitude(p, ratios, width, runs, pool=pool, ambient_k=ambient_k)
        fine = np.linspace(ratios[0], ratios[-1], 121)
        dense = {"i_over_ic0": fine, **analytic_curves(p, fine * p.ic0, width, ambient_k)}
        plot_probability(
            amp,
            "i_over_ic0",
            save(amp, "probability_vs_amplitude"),
            f"pulse amplitude I / Ic0 (Ic0 = {p.ic0 * 1e6:.0f} uA), width {width * 1e9:g} ns",
            dense=dense,
        )
        print(f"probability vs amplitude: {time.perf_counter() - t0:.1f} s")

        for ratio, widths, stem in (
            (0.9, np.geomspace(0.5e-9, 100e-9, 12), "probability_vs_width_0p9ic0"),
            (1.5, np.linspace(0.5e-9, 8e-9, 12), "probability_vs_width_1p5ic0"),
        ):
            t0 = time.perf_counter()
            cw = probability_vs_width(p, ratio, widths, runs, pool=pool, ambient_k=ambient_k)
            fine = (np.geomspace if ratio < 1 else np.linspace)(widths[0], widths[-1], 60)
            dense = {"width_s": fine, **analytic_curves(p, ratio * p.ic0, fine, ambient_k)}
            plot_probability(
                cw,
                "width_s",
                save(cw, stem),
                f"pulse width [ns] at {ratio:g} Ic0",
                logx=ratio < 1,
                dense=dense,
            )
            print(f"probability vs width at {ratio:g} Ic0: {time.perf_counter() - t0:.1f} s")

        for ratio, stem in ((0.9, "switching_times_0p9ic0"), (2.0, "switching_times_2ic0")):
            t0 = time.perf_counter()
            dist = switching_time_distribution(
                p, ratio, runs=max(runs, 1000), ambient_k=ambient_k, pool=pool
            )
            save(dist.curve(), stem)
            plot_distribution(dist, out_dir / f"{stem}.png")
            print(
                f"switching times at {ratio:g} Ic0: mean of min(T, {dist.t_max_s * 1e9:.3g} ns) "
                f"{dist.mean_s * 1e9:.3f} ns (95 % CI {dist.mean_ci_s[0] * 1e9:.3f}-"
                f"{dist.mean_ci_s[1] * 1e9:.3f}), model {dist.model_mean_s * 1e9:.3f} ns, "
                f"KS D={dist.ks_statistic:.3f} p={dist.ks_pvalue:.2f}; "
                f"{time.perf_counter() - t0:.1f} s"
            )
    return written


def main(argv: list[str] | None = None) -> int:
    """``ipnet switching-probability [--device FILE] [--temp K] [--out DIR] [--runs N]
    [--workers N] [--debug]``: the flows' CSVs and figures, published into DIR together once
    all are written (a failed run leaves the previous ones)."""
    parser = commandline.command_parser(
        "switching-probability",
        description="MTJ switching-probability flows (seeded mtj_stoch ensembles against the "
        "switching law and the exact macrospin): PNG + CSV.",
    )
    add_device_argument(parser, "of the junction")
    commandline.add_temperature_argument(parser, f"{AMBIENT_K:g}")
    commandline.add_out_argument(parser, OUT_DIR)
    commandline.add_count_argument(
        parser, "--runs", f"seeded runs per point (>= {MIN_RUNS}; default {MIN_RUNS})"
    )
    commandline.add_workers_argument(parser, "simulation processes")
    commandline.add_debug_flag(parser)
    args = parser.parse_args(argv)
    commandline.check_workers(parser, args)
    runs = MIN_RUNS if args.runs is None else args.runs
    if runs < MIN_RUNS:
        parser.error(f"--runs {runs}: the flows use at least {MIN_RUNS} seeded runs per point")

    def body() -> int:
        device = checked_device_file(args.device) or DEFAULT_DEVICE
        out = commandline.checked_out_dir(args.out)
        workers = commandline.usable_cores() if args.workers is None else args.workers
        ambient = AMBIENT_K if args.temp is None else args.temp
        print(f"switching probability at {ambient:g} K ambient")
        with staging.staging_folder(out) as stage:
            written = run_all(device, stage, runs, max(workers, 1), ambient)
            names = [p.name for p in written]
            for path in staging.commit_staged(stage, out, names):
                print(f"wrote {path}")
        return 0

    return commandline.run_main(parser.prog, body, args.debug)


if __name__ == "__main__":
    sys.exit(main())
