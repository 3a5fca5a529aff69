"""Figures of the switching-probability flows (:mod:`pyspice_flows.experiments.
switching_probability`): probability against a pulse's amplitude or width with the law,
the exact macrospin and Neel-Brown beside the ensembles, and the switching-time
distribution against the model's."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .mtj_characterization import Curve

if TYPE_CHECKING:
    from .switching_probability import TimeDistribution


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_probability(
    curve: Curve,
    x: str,
    path: Path,
    xlabel: str,
    logx: bool = False,
    dense: dict[str, np.ndarray] | None = None,
) -> None:
    """Simulated points with their intervals, and the analytic curves (``dense``: the same
    curves on a finer grid, with the grid under the key ``x``)."""
    plt = _plt()
    c = curve.columns
    lines = dense if dense is not None else c
    scale = 1e9 if x == "width_s" else 1.0
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    yerr = np.clip([c["p_sim"] - c["ci_lo"], c["ci_hi"] - c["p_sim"]], 0.0, None)
    ax.errorbar(
        c[x] * scale,
        c["p_sim"],
        yerr=yerr,
        fmt="o",
        ms=4,
        capsize=2,
        label=f"mtj_stoch, {int(c['runs'][0])} seeded runs (95 % CI)",
    )
    xl = lines[x] * scale
    ax.plot(xl, lines["p_model"], "-", label="model law (heating included)")
    ax.plot(xl, lines["p_neel_brown"], "--", label="Neel-Brown 1 - exp(-w/tau), ambient")
    ax.plot(xl, lines["p_macrospin"], ":", label="exact macrospin (Fokker-Planck), ambient")
    ax.set_xscale("log" if logx else "linear")
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("switching probability")
    ax.set_title(curve.title, fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_distribution(dist: TimeDistribution, path: Path) -> None:
    plt = _plt()
    t = dist.times_s[np.isfinite(dist.times_s)] * 1e9
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9.6, 4.0))
    ax1.hist(t, bins=30, density=True, alpha=0.6, label="mtj_stoch")
    grid = np.linspace(0, dist.t_max_s, 400)
    cdf = dist.law.probability(grid)
    ax1.plot(grid[1:] * 1e9, np.diff(cdf) / np.diff(grid * 1e9), "-", label="model law")
    ax1.set_xlabel("switching time [ns]")
    ax1.set_ylabel("density [1/ns]")
    ax1.legend(fontsize=8)
    c = dist.curve().columns
    ax2.step(c["time_s"] * 1e9, c["ecdf"], where="post", label="empirical CDF")
    ax2.plot(grid * 1e9, cdf, "-", label="model CDF")
    ax2.set_xlabel("switching time [ns]")
    ax2.set_ylabel("P(switched by t)")
    ax2.set_title(f"KS D = {dist.ks_statistic:.3f}, p = {dist.ks_pvalue:.2f}", fontsize=9)
    ax2.legend(fontsize=8)
    fig.suptitle(dist.curve().title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
