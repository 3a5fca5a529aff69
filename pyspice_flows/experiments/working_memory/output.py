"""The working-memory protocols' files: CSV tables, figures, the report page and
``summary.json``, published together through a staging folder
(:mod:`pyspice_flows.app.staging`), ``summary.json`` last."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from pyspice_flows.app.staging import commit_staged, staging_folder

from .trials import CROSSTALK_BUDGET, LIST_LENGTH, RECALL_CRITERION_S


# ----------------------------------------------------------------------------- output
def _write_csv(path: Path, header: list[str], rows) -> None:
    with path.open("w") as fh:
        fh.write(",".join(header) + "\n")
        for r in rows:
            fh.write(",".join(_cell(x) for x in r) + "\n")


def _cell(x) -> str:
    if isinstance(x, float):
        return f"{x:.9g}"
    return str(x)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _finish(plt, fig, axes, path: Path) -> None:
    for ax in axes:
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_recency(summary: dict, path: Path) -> None:
    plt = _pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    styles = {"normal": "o", "control_no_coupling": "s", "control_no_heat": "x"}
    for cname, style in styles.items():
        d = summary if cname == "normal" else summary[cname]
        lag = np.asarray(d["lags_s"]) * 1e9
        ax1.plot(lag, np.asarray(d["advantage_s"]) * 1e12, style, label=cname)
        ax2.plot(lag, d["rise_K"], style, label=cname)
        for ax, fit, scale in ((ax1, d["fit"], 1e12), (ax2, d["fit_rise"], 1.0)):
            if fit["tau_s"]:
                x = np.linspace(lag.min(), lag.max(), 50)
                ax.plot(
                    x,
                    fit["a0"] * np.exp(-x * 1e-9 / fit["tau_s"]) * scale,
                    "-",
                    alpha=0.6,
                    label=f"fit {cname}: tau = {fit['tau_s'] * 1e9:.2f} ns",
                )
    ax1.set_xlabel("lag since the item's reset [ns]")
    ax1.set_ylabel("probe latency advantage [ps]")
    ax1.set_title("recency: latency advantage vs lag")
    ax2.set_xlabel("lag since the item's reset [ns]")
    ax2.set_ylabel("junction temperature rise at the probe [K]")
    ax2.set_yscale("log")
    ax2.set_title("recency: memory trace (rise) vs lag")
    _finish(plt, fig, (ax1, ax2), path)


def _plot_free_recall(summary: dict, path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for cname, style in (
        ("normal", "o-"),
        ("control_no_coupling", "s--"),
        ("control_no_heat", "x:"),
    ):
        d = summary if cname == "normal" else summary[cname]
        pos = [t["position"] for t in d["by_position"]]
        adv = [t["advantage_s"] * 1e12 for t in d["by_position"]]
        ax.plot(pos, adv, style, label=cname)
        fit = d["fit"]
        if fit["tau_s"]:
            lags = np.array([t["lag_s"] for t in d["by_position"]])
            ax.plot(
                pos,
                fit["a0"] * np.exp(-lags / fit["tau_s"]) * 1e12,
                "-",
                alpha=0.4,
                label=f"fit {cname}: tau = {fit['tau_s'] * 1e9:.2f} ns",
            )
    ax.axhline(RECALL_CRITERION_S * 1e12, color="grey", lw=0.8, ls="--", label="recall criterion")
    ax.set_xlabel("serial position (1 = first presented)")
    ax.set_ylabel("probe latency advantage [ps]")
    ax.set_xticks(range(1, LIST_LENGTH + 1))
    ax.set_title(
        f"free recall: recency {'yes' if summary['recency'] else 'no'}, "
        f"primacy {'yes' if summary['primacy'] else 'no'}"
    )
    _finish(plt, fig, (ax,), path)


def _plot_interference(summary: dict, path: Path) -> None:
    plt = _pyplot()
    rows = summary["by_pitch"]
    pm = np.array([r["pitch_m"] for r in rows]) * 1e6
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.loglog(pm, [max(r["ratio"], 1e-4) for r in rows], "o-", label="crosstalk / own (latency)")
    ax.loglog(pm, [max(r["ratio_rise"], 1e-4) for r in rows], "s-", label="crosstalk / own (rise)")
    ax.loglog(
        pm,
        [r["coupling_fraction_model"] for r in rows],
        "k:",
        label="pair coupling fraction (model)",
    )
    ctrl = summary["control_no_coupling"]["by_pitch"]
    ax.loglog(
        [r["pitch_m"] * 1e6 for r in ctrl],
        [max(abs(r["ratio"]), 1e-4) for r in ctrl],
        "x",
        ms=10,
        label="no coupling (control), |ratio| (floor 1e-4)",
    )
    ax.axhline(CROSSTALK_BUDGET, color="grey", ls="--", lw=0.8, label="10 % budget")
    for key, ls in (("pitch_10pct_m", "-"), ("pitch_10pct_rise_m", ":")):
        if summary[key]:
            ax.axvline(
                summary[key] * 1e6,
                color="red",
                ls=ls,
                lw=0.8,
                label=f"{key} = {summary[key] * 1e6:.2f} um",
            )
    ax.set_xlabel("pitch [um]")
    ax.set_ylabel("neighbour crosstalk / own memory effect")
    ax.set_title("interference vs pitch (1 x 2 array)")
    _finish(plt, fig, (ax,), path)


def report_page(rec: dict, fr: dict, it: dict) -> str:
    """The protocols' own report page (Markdown, figures beside it)."""
    nh = rec["control_no_heat"]
    pos = ", ".join(f"{t['advantage_s'] * 1e12:.1f}" for t in fr["by_position"])
    pos0 = ", ".join(
        f"{t['advantage_s'] * 1e12:.1f}" for t in fr["control_no_coupling"]["by_position"]
    )
    p10 = it["pitch_10pct_m"]
    p10r = it["pitch_10pct_rise_m"]
    return "\n".join(
        [
            "# Working memory of thermally coupled IPNet arrays",
            "",
            "Numbers from `summary.json` of this folder; model and protocols: "
            "docs/working_memory.md.",
            "",
            "## Recency / n-back (2 x 2)",
            "",
            "![recency](recency.png)",
            "",
            f"Latency advantage decays with tau = {fmt_scaled(rec['tau_s'])} (rise: "
            f"{fmt_scaled(rec['tau_rise_s'])}); without coupling {fmt_scaled(rec['control_no_coupling']['tau_s'])} "
            f"(rise {fmt_scaled(rec['control_no_coupling']['tau_rise_s'])}); without heat the advantage "
            f"at the shortest lag is {nh['advantage_ratio_to_normal']:.3g} x the normal one.",
            "",
            "## Free recall (2 x 2)",
            "",
            "![free recall](free_recall.png)",
            "",
            f"Advantage by serial position 1..{len(fr['by_position'])}: {pos} ps "
            f"(no coupling: {pos0} ps); recency {'yes' if fr['recency'] else 'no'}, primacy "
            f"{'yes' if fr['primacy'] else 'no'}.",
            "",
            "## Interference (1 x 2)",
            "",
            "![interference](interference.png)",
            "",
            "Crosstalk below 10 % of the own memory effect beyond "
            + ("none scanned" if p10 is None else f"{p10 * 1e6:.3g} um")
            + " (latency), "
            + ("none scanned" if p10r is None else f"{p10r * 1e6:.3g} um")
            + f" (rise); without coupling |ratio| <= {it['control_no_coupling']['max_abs_ratio']:.2g}.",
            "",
        ]
    )


def publish(
    out: Path, recency: dict, free_recall: dict, interference: dict, meta: dict
) -> list[Path]:
    """Write every file into a staging folder, then move them into ``out`` (summary last).

    Refused (ValueError, nothing published) when a protocol has no finite latency at all:
    a neuron that never fired gives a summary of nothing, not a result."""
    for name, rows, column in (
        ("recency", recency["rows"], 4),
        ("free recall", free_recall["rows"], 5),
    ):
        finite = [
            r[column]
            for r in rows
            if isinstance(r[column], (int, float)) and math.isfinite(r[column])
        ]
        if not finite:
            raise ValueError(
                f"working memory: the {name} protocol measured no finite latency in "
                f"{len(rows)} trials (the neuron never fired); nothing was published"
            )
    with staging_folder(out) as staging:
        _write_csv(
            staging / "recency.csv",
            [
                "condition",
                "trial",
                "neuron",
                "lag_s",
                "latency_s",
                "rested_latency_s",
                "advantage_s",
                "rise_K",
            ],
            recency["rows"],
        )
        _plot_recency(recency["summary"], staging / "recency.png")
        _write_csv(
            staging / "free_recall.csv",
            [
                "condition",
                "list",
                "position",
                "neuron",
                "lag_s",
                "latency_s",
                "advantage_s",
                "rise_K",
            ],
            free_recall["rows"],
        )
        _plot_free_recall(free_recall["summary"], staging / "free_recall.png")
        keys = list(dict.fromkeys(k for r in interference["rows"] for k in r))
        _write_csv(
            staging / "interference.csv",
            keys,
            [tuple(r.get(k, "") for k in keys) for r in interference["rows"]],
        )
        _plot_interference(interference["summary"], staging / "interference.png")
        (staging / "report.md").write_text(
            report_page(recency["summary"], free_recall["summary"], interference["summary"])
        )
        summary = {
            "recency": recency["summary"],
            "free_recall": free_recall["summary"],
            "interference": interference["summary"],
            **meta,
        }
        text = json.dumps(_jsonable(summary), indent=2, allow_nan=False)
        (staging / "summary.json").write_text(text + "\n")
        names = sorted(p.name for p in staging.iterdir() if p.name != "summary.json")
        return commit_staged(staging, out, [*names, "summary.json"])


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (np.floating, np.integer)):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def fmt_scaled(x, unit=1e-9, name="ns") -> str:
    return "none" if x is None else f"{x / unit:.3g} {name}"
