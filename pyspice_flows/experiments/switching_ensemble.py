"""Switching statistics from ensembles: many independent ``mtj_stoch`` junctions per netlist.

One transient of :func:`circuits.mtj_stochastic.ensemble_netlist` gives a sample per
junction, so an ensemble of hundreds of seeds costs tens of transients instead of
hundreds (:func:`pyspice_flows.experiments.switching_probability.run_trials` runs one
junction per seed).  Results come as
:class:`pyspice_flows.experiments.switching_probability.TrialResults`.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from circuits import mtj_stochastic as ms
from pyspice_flows.sim.session import Session, retry_finer

from .mtj_characterization import crossing_time
from .switching_probability import Trial, TrialResults


def run_ensemble(
    trial: Trial,
    runs: int,
    first_seed: int = 1,
    per_netlist: int = 10,
    session: Session | None = None,
) -> TrialResults:
    """``runs`` independent junctions under ``trial``'s pulses, ``per_netlist`` junctions per
    netlist (:func:`circuits.mtj_stochastic.ensemble_netlist`), netlist j seeded
    ``first_seed + j``.  The draw reported per junction is the one it held while waiting for
    its first reversal.  In this process; ten junctions per netlist ran fastest per sample
    (every reversal shortens the common time step).

    A netlist that stops on "timestep too small" is rerun once at a quarter of the maximum
    step (the draws depend on the seed only); ``retried`` counts them.  (Seen with model
    version 3: several junctions in one netlist can stall the solver where each alone runs.)
    """
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise ValueError(f"runs={runs!r}; allowed: an integer >= 1")
    session = session or Session.get()
    rows, seeds, retried = [], [], 0
    start = time.perf_counter()
    for j, first in enumerate(range(0, runs, per_netlist)):
        count = min(per_netlist, runs - first)
        net = ms.ensemble_netlist(
            trial.params,
            trial.pulses,
            count,
            ms.stochastic(first_seed + j, trial.sample_time),
            trial.state0,
        )
        analysis = trial.analysis()
        caps: list[float] = []

        def attempt(max_step: float, net=net, analysis=analysis, caps=caps):
            caps.append(max_step)
            finer = replace(analysis, max_step_s=max_step)
            return session.run(net, finer, temperature_k=trial.ambient_k)

        w = retry_finer(attempt, analysis.max_step_s)
        retried += len(caps) - 1
        for k in range(1, count + 1):
            m = w.x(f"n{k}#m")
            t_first = crossing_time(w.time, m)
            waiting = 0.5 * (t_first if np.isfinite(t_first) else trial.end_s)
            draw = float(np.interp(waiting, w.time, w.x(f"n{k}#e")))
            rows.append((bool(np.sign(m[-1]) != trial.state0), t_first, draw))
            seeds.append(first_seed + j)
    return TrialResults(
        seeds=np.array(seeds),
        switched=np.array([r[0] for r in rows], dtype=bool),
        time_s=np.array([r[1] for r in rows], dtype=float),
        draw=np.array([r[2] for r in rows], dtype=float),
        wall_s=time.perf_counter() - start,
        retried=retried,
    )
