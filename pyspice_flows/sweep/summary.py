"""Summary statistics and distribution plots of a results table."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .spec import SweepSpec


def _numeric(rows: list[dict], name: str) -> np.ndarray:
    vals = [r.get(name) for r in rows]
    if not vals or any(isinstance(v, str) for v in vals):
        return np.array([])
    arr = np.asarray(vals, dtype=float)
    return arr[np.isfinite(arr)]


def summarize(rows: list[dict], spec: SweepSpec, wall_s: float, ran: int, skipped: int) -> dict:
    """Counts and the median/5th/95th percentile of every figure over the ok samples."""
    ok = [r for r in rows if r["status"] == "ok"]
    figures = {}
    for f in spec.figures:
        a = _numeric(ok, f)
        if a.size:
            figures[f] = {
                "n": int(a.size),
                "median": float(np.median(a)),
                "p05": float(np.percentile(a, 5)),
                "p95": float(np.percentile(a, 95)),
                "mean": float(a.mean()),
                "std": float(a.std(ddof=1)) if a.size > 1 else 0.0,
            }
    errors: dict[str, int] = {}
    for r in rows:
        if r["status"] == "failed":
            key = str(r["error"]).split(" | ")[0][:120]
            errors[key] = errors.get(key, 0) + 1
    return {
        "name": spec.name,
        "samples": spec.samples,
        "ok": len(ok),
        "failed": len(rows) - len(ok),
        "ran_this_time": ran,
        "skipped_as_done": skipped,
        "wall_s_this_time": wall_s,
        "seed": spec.seed,
        "evaluate": spec.evaluate,
        "figures": figures,
        "failure_messages": errors,
    }


def plot_distributions(rows: list[dict], spec: SweepSpec, out_dir: Path) -> list[Path]:
    """Histograms of the sampled parameters (all samples) and figures (ok samples)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = [r for r in rows if r["status"] == "ok"]
    written = []
    for label, names, subset in (
        ("params", [p.name for p in spec.params], rows),
        ("figures", list(spec.figures), ok),
    ):
        data = [(n, _numeric(subset, n)) for n in names]
        data = [(n, a) for n, a in data if a.size]
        if not data:
            continue
        cols = min(3, len(data))
        nrows = math.ceil(len(data) / cols)
        fig, axes = plt.subplots(nrows, cols, figsize=(4.2 * cols, 3.0 * nrows), squeeze=False)
        for ax, (name, a) in zip(axes.flat, data):
            ax.hist(a, bins=max(5, min(30, int(np.sqrt(a.size)) * 2)), color="tab:blue", alpha=0.8)
            med = float(np.median(a))
            ax.axvline(med, color="k", lw=1)
            ax.set_title(f"{name}\nmedian {med:.4g}, n={a.size}", fontsize=9)
            ax.tick_params(labelsize=8)
        for ax in list(axes.flat)[len(data) :]:
            ax.set_visible(False)
        what = (
            "sampled parameters (all samples)"
            if label == "params"
            else f"measured figures ({len(ok)} ok of {len(rows)} samples)"
        )
        fig.suptitle(f"sweep {spec.name}: {what}", fontsize=10)
        fig.tight_layout()
        path = out_dir / f"distributions_{label}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written
