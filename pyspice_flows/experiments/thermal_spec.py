"""Device thermal spec: how strong and how lasting a heat memory a junction's thermal network gives.

A device-level study on the exact switching law of model version 3 (:mod:`circuits.
mtj_switching`, no circuit): a junction in P receives identical sub-threshold writes (the
inputs of a stochastic neuron in the thermally activated regime).  Each write heats it
(Joule power R_P I^2 into the two-pole thermal ladder, solved exactly between the edges);
the probability that a write switches the junction, P(fire), depends on how warm the
junction still is from the previous one.  The memory is the gain

    G(L) = P(fire | previous write L earlier) / P(fire | rested),

read the way a network downstream would read it: as a change of firing probability, with
the write's amplitude set so that a rested junction fires with probability ``p_rested``
(a change a readout can see, not a ratio of two tiny probabilities).  The control is the
same pair of writes with the heat ablated (the previous write's rise removed before the
probe): its gain must be 1.  Swept over the thermal parameters (pillar resistance, the slow
pole's share and time constant), the study says which thermal network makes the memory
strong enough to read (G >= 2 at one input interval, >= 1.2 at three), the question a
device specification answers before any neuron is drawn.

``python -m pyspice_flows.experiments.thermal_spec [--temp K]`` writes ``build/thermal_spec/
{thermal_spec.json, thermal_spec.csv, thermal_spec.png}`` (the ambient in the JSON, the figure's
title and the last line printed).
"""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from circuits import mtj_switching as law
from circuits.mtj_device import (
    DEFAULT_DEVICE,
    MtjParams,
    add_device_argument,
    checked_device_file,
    load_device,
)
from circuits.paths import BUILD_DIR
from pyspice_flows.app import commandline, staging

OUT_DIR = BUILD_DIR / "thermal_spec"
AMBIENT_K = 300.0
"""Default ambient [K] of the study (``--temp K`` sets another): the junction's temperature
is the ambient plus the ladder's rise."""


@dataclass(frozen=True)
class Inputs:
    """The input writes of the study.

    width_s: width of one write [s]; interval_s: time from one write's start to the next
    (the neuron's input interval) [s]; p_rested: firing probability of a write on a rested
    junction, which sets the write amplitude; lags_s: the lags (previous write's start to
    the probe's start) at which the gain is read [s].
    """

    width_s: float = 10e-9
    interval_s: float = 20e-9
    p_rested: float = 0.1
    lags_s: tuple[float, ...] = (20e-9, 40e-9, 60e-9, 100e-9, 200e-9)

    @classmethod
    def of_width(cls, width_s: float, p_rested: float = 0.1) -> Inputs:
        """Writes of ``width_s`` every 2 widths; gains read at 1, 2, 3, 5 and 10 intervals."""
        interval = 2.0 * width_s
        return cls(width_s, interval, p_rested, tuple(k * interval for k in (1, 2, 3, 5, 10)))

    def __post_init__(self):
        if not 0 < self.width_s < self.interval_s:
            raise ValueError(
                f"width_s={self.width_s!r} must be > 0 and below interval_s={self.interval_s!r}"
            )
        if not 0.001 <= self.p_rested <= 0.5:
            raise ValueError(f"p_rested={self.p_rested!r}; allowed 0.001 .. 0.5")
        if not self.lags_s or min(self.lags_s) < self.width_s:
            raise ValueError(f"lags_s={self.lags_s!r} must each be >= width_s={self.width_s!r}")


def ladder_rise(p: MtjParams, power_w, edges_s, t_s) -> np.ndarray:
    """Junction rise T(t) [K] of the Cauer ladder under piecewise-constant power.

    ``power_w[k]`` holds between ``edges_s[k]`` and ``edges_s[k + 1]`` (the last to the
    end); exact between edges (matrix exponential of the 2x2 system; one pole if rth2 = 0).
    """
    t_s = np.asarray(t_s, float)
    if p.rth2 > 0 and p.cth2 > 0:
        a = np.array(
            [
                [-1 / (p.rth * p.cth), 1 / (p.rth * p.cth)],
                [1 / (p.rth * p.cth2), -(1 / p.rth + 1 / p.rth2) / p.cth2],
            ]
        )
        inject = np.array([1 / p.cth, 0.0])
    else:
        a = np.array([[-1 / (p.rth_total * p.cth)]])
        inject = np.array([1 / p.cth])
    lam, vec = np.linalg.eig(a)
    inv = np.linalg.inv(vec)
    state = np.zeros(lam.size)
    out = np.zeros_like(t_s)
    bounds = [*edges_s, np.inf]
    for k, power in enumerate(power_w):
        t0, t1 = bounds[k], bounds[k + 1]
        steady = -np.linalg.solve(a, inject * power)
        sel = (t_s >= t0) & (t_s < t1)
        dt = t_s[sel] - t0
        modes = inv @ (state - steady)
        out[sel] = (steady[:, None] + (vec * modes) @ np.exp(np.outer(lam, dt))).real[0]
        if np.isfinite(t1):
            state = (steady + (vec * modes) @ np.exp(lam * (t1 - t0))).real
    return out


def fire_probability(
    p: MtjParams,
    amp_a: float,
    inputs: Inputs,
    lag_s: float | None,
    ablate: bool,
    ambient_k: float = AMBIENT_K,
):
    """P(the probe write switches), with a previous write ``lag_s`` earlier (None: rested),
    the junction at ``ambient_k`` [K] plus the ladder's rise."""
    w = inputs.width_s
    probe = 0.0 if lag_s is None else lag_s
    power = p.rp * amp_a**2
    if lag_s is None:
        edges, powers = [0.0, w], [power, 0.0]
    else:
        edges, powers = [0.0, w, probe, probe + w], [power, 0.0, power, 0.0]

    t_end = probe + w + 20 * p.taup
    grid = np.union1d(np.linspace(0.0, t_end, 4001), edges)
    rise = ladder_rise(p, powers, edges, grid)
    if ablate and lag_s is not None:  # the previous write's heat removed before the probe
        after = grid >= probe
        rise[after] = ladder_rise(p, [power, 0.0], [probe, probe + w], grid[after])

    def temp(t: float) -> float:
        return ambient_k + float(np.interp(t, grid, rise))

    def current(t: float) -> float:
        return amp_a if probe <= t < probe + w else 0.0

    return law.switch_probability(p, current, temp, t_end, breakpoints=(w, probe, probe + w))


def write_amplitude(p: MtjParams, inputs: Inputs, ambient_k: float = AMBIENT_K) -> float:
    """The write current [A] at which a rested junction at ``ambient_k`` [K] fires with
    probability p_rested."""
    target = np.log(inputs.p_rested)

    def miss(amp: float) -> float:  # log P(fire) - log target, smooth and rising in amp
        rested = fire_probability(p, amp, inputs, None, False, ambient_k)
        return np.log(max(rested, 1e-12)) - target

    lo, hi = 0.3 * p.ic0, 1.5 * p.ic0
    f_lo, f_hi = miss(lo), miss(hi)
    if not f_lo < 0 < f_hi:
        raise ValueError(
            f"no write between 0.3 and 1.5 Ic0 fires a rested junction with p = {inputs.p_rested} "
            f"at {ambient_k:g} K"
        )
    for _ in range(30):  # regula falsi (Illinois), on the log of the probability
        mid = hi - f_hi * (hi - lo) / (f_hi - f_lo)
        f_mid = miss(mid)
        if abs(f_mid) < 1e-3:
            return mid
        if f_mid < 0:
            lo, f_lo = mid, f_mid
            f_hi *= 0.5
        else:
            hi, f_hi = mid, f_mid
            f_lo *= 0.5
    return mid


def memory_curve(p: MtjParams, inputs: Inputs, ambient_k: float = AMBIENT_K) -> dict:
    """Gain vs lag with its ablation control, and the write that produces it, at
    ``ambient_k`` [K]."""
    amp = write_amplitude(p, inputs, ambient_k)
    p0 = fire_probability(p, amp, inputs, None, False, ambient_k)
    gains, controls = [], []
    for lag in inputs.lags_s:
        gains.append(fire_probability(p, amp, inputs, lag, False, ambient_k) / p0)
        controls.append(fire_probability(p, amp, inputs, lag, True, ambient_k) / p0)
    peak = float(ladder_rise(p, [p.rp * amp**2, 0.0], [0.0, inputs.width_s], [inputs.width_s])[0])
    return {
        "write_current_a": amp,
        "write_current_ic0": amp / p.ic0,
        "p_rested": p0,
        "peak_rise_k": peak,
        "lags_s": list(inputs.lags_s),
        "gain_by_lag": gains,
        "ablation_gain_by_lag": controls,
    }


def thermal_variant(
    p: MtjParams, rth_total: float, slow_share: float, tau1_s: float, tau2_s: float
):
    """The device with another thermal network: total resistance, the slow pole's share of it
    and the two time constants (the Cauer ladder's RC products, rth*cth and rth2*cth2)."""
    rth2 = rth_total * slow_share
    rth = rth_total - rth2
    return p.with_(rth=rth, cth=tau1_s / rth, rth2=rth2, cth2=(tau2_s / rth2) if rth2 > 0 else 0.0)


GRID = {
    # estimates within published ranges (models/devices/ikeda2010_pmtj_40nm.toml rth note:
    # 3e5-6e5 K/W for the pillar's spreading resistance; rises from a few K to ~150 K at
    # switching currents, Chavent et al., Phys. Rev. Applied 6, 034003 (2016))
    "rth_total": (3e5, 1e6, 3e6),
    # the pillar's own pole: tens of ps to ~1 ns (GUIDE section 4); the slow pole of the
    # electrodes and BEOL: several ns (temperature peaking ~4 ns after heating a contact,
    # Yang et al., APL 2017, cited in the device file's cth note) up to tens of ns
    "tau1_s": (0.3e-9,),
    "tau2_s": (20e-9, 100e-9),
    "slow_share": (0.5,),
    # the write: short writes sit near Ic0, where a warmer junction gains little; longer
    # ones at a lower current face a higher barrier, which heat lowers by more
    "width_s": (10e-9, 50e-9),
}


def spec_table(p: MtjParams, grid: dict = GRID, ambient_k: float = AMBIENT_K) -> list[dict]:
    """One row per thermal network and write width of ``grid``, at ``ambient_k`` [K]."""
    rows = []
    for width in grid["width_s"]:
        inputs = Inputs.of_width(width)
        for rth_total in grid["rth_total"]:
            for tau1 in grid["tau1_s"]:
                for tau2 in grid["tau2_s"]:
                    for share in grid["slow_share"]:
                        q = thermal_variant(p, rth_total, share, tau1, tau2)
                        curve = memory_curve(q, inputs, ambient_k)
                        rows.append(
                            {
                                "width_s": width,
                                "interval_s": inputs.interval_s,
                                "rth_total_k_per_w": rth_total,
                                "tau1_s": tau1,
                                "tau2_s": tau2,
                                "slow_share": share,
                                **curve,
                                "gain_at_1_interval": _gain_at(curve, inputs.interval_s),
                                "gain_at_3_intervals": _gain_at(curve, 3 * inputs.interval_s),
                            }
                        )
    return rows


def _gain_at(curve: dict, lag_s: float) -> float:
    return float(np.interp(lag_s, curve["lags_s"], curve["gain_by_lag"]))


def _figure(rows: list[dict], path: Path, ambient_k: float = AMBIENT_K) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    colours = plt.cm.viridis(np.linspace(0.0, 0.9, max(len(rows), 1)))
    widths = sorted({r["width_s"] for r in rows})
    for r, colour in zip(rows, colours):
        label = (
            f"{r['width_s'] * 1e9:g} ns writes, rth {r['rth_total_k_per_w']:.0e} K/W, "
            f"tau2 {r['tau2_s'] * 1e9:g} ns"
        )
        lags = np.array(r["lags_s"]) / r["interval_s"]
        style = "-" if r["width_s"] == widths[0] else "--"
        ax.plot(lags, r["gain_by_lag"], style, marker="o", color=colour, label=label)
    ax.axhline(2.0, color="k", ls="--", lw=0.8)
    ax.axhline(1.2, color="k", ls=":", lw=0.8)
    ax.axhline(1.0, color="grey", lw=0.5)
    ax.set_xlabel("lag since the previous write [input intervals]")
    ax.set_ylabel("P(fire | previous write) / P(fire | rested)")
    ax.set_yscale("log")
    ax.set_title(
        f"Heat memory of one junction at {ambient_k:g} K ambient: gain of P(fire) after a "
        "write\n(dashed: 2x, dotted: 1.2x)"
    )
    ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = commandline.command_parser(
        "thermal-spec",
        description="Device thermal spec: heat-memory gain and duration over thermal networks "
        "(exact switching law, no circuit).",
    )
    add_device_argument(parser)
    commandline.add_out_argument(parser, OUT_DIR)
    commandline.add_temperature_argument(parser, f"{AMBIENT_K:g}")
    parser.add_argument(
        "--quick", action="store_true", help="one thermal network (the device's own)"
    )
    commandline.add_debug_flag(parser)
    args = parser.parse_args(argv)
    try:
        device = load_device(checked_device_file(args.device) or DEFAULT_DEVICE)
    except ValueError as exc:
        parser.error(str(exc))
    ambient = AMBIENT_K if args.temp is None else args.temp
    return commandline.run_main(
        parser.prog, lambda: _run(device, args.out, args.quick, ambient), args.debug
    )


def _run(device, out_dir: Path, quick: bool, ambient_k: float = AMBIENT_K) -> int:
    """The spec of ``device`` (its own network only with ``quick``) at ``ambient_k`` [K]
    into ``out_dir``."""
    out = commandline.checked_out_dir(out_dir)
    grid = GRID
    if quick:
        p = device.params
        grid = {
            "rth_total": (p.rth_total,),
            "tau1_s": (p.tau_th_s,),
            "tau2_s": (max(p.tau_th2_s, p.tau_th_s),),
            "slow_share": (p.rth2 / p.rth_total,),
            "width_s": (Inputs().width_s,),
        }
    rows = spec_table(device.params, grid, ambient_k)
    summary = {
        "device": device.name,
        "ambient_k": ambient_k,
        "p_rested": Inputs().p_rested,
        "grid": grid,
        "rows": rows,
        "targets": {"gain_at_1_interval": 2.0, "gain_at_3_intervals": 1.2},
    }
    names = ["thermal_spec.csv", "thermal_spec.png", "thermal_spec.json"]
    with staging.staging_folder(out) as stage:
        (stage / "thermal_spec.json").write_text(json.dumps(summary, indent=2) + "\n")
        with open(stage / "thermal_spec.csv", "w", newline="") as fh:
            keys = [k for k in rows[0] if not isinstance(rows[0][k], list)]
            writer = csv.DictWriter(fh, fieldnames=keys)
            writer.writeheader()
            writer.writerows({k: r[k] for k in keys} for r in rows)
        _figure(rows, stage / "thermal_spec.png", ambient_k)
        staging.commit_staged(stage, out, names)
    for r in rows:
        print(
            f"{r['width_s'] * 1e9:4.0f} ns writes, rth {r['rth_total_k_per_w']:.1e} K/W, "
            f"tau2 {r['tau2_s'] * 1e9:5.1f} ns: "
            f"write {r['write_current_ic0']:.2f} Ic0, rise {r['peak_rise_k']:.1f} K, "
            f"gain {r['gain_at_1_interval']:.2f} at 1 interval, "
            f"{r['gain_at_3_intervals']:.2f} at 3"
        )
    print(f"thermal spec at {ambient_k:g} K ambient -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
