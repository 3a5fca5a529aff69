"""Summary statistics, spec-limit yield per corner, and the plots of a results table.

A *corner* is one combination of the values of the spec's ``cycle`` parameters (for
example ``temp_k`` x ``vdd_v``); a spec without ``cycle`` parameters has one corner, with an
empty condition.  A sample *meets spec* when its status is ``ok`` and every figure that has
a ``min`` or ``max`` in the spec's ``[limits.<figure>]`` tables lies within them; a missing
or NaN value of such a figure fails, so does a failed sample.  Figures without limits do not
count.  The *yield* of a set of samples is the fraction of them that meets spec; a corner
passes (``meets_target``) at a yield of at least ``YIELD_TARGET``, the sweep when every
corner that has samples does.

``summary.json`` keys added to the counts and pooled ``figures``: ``limits`` (as read),
``pass`` ({figure: every sample within its limits, or None without a min/max}),
``meets_spec``, ``yield``, ``yield_target``, ``meets_target``, ``corner_params`` and
``corners``: one entry per corner with ``condition``, ``label``, ``n``, ``ok``,
``meets_spec``, ``yield``, ``meets_target``, ``figures`` ({figure: n, few_samples, median,
p05, p95, mean, std, min_observed, max_observed over the corner's ok samples; ``pass`` and
``n_in_spec`` over all its samples, a failed one counting as outside}), ``datasheet``
(min/typ/max against the spec's min/typ/max with a verdict per limit,
:func:`pyspice_flows.sweep.datasheet.corner_datasheet`), ``failing_limits`` (the limits
some sample of the corner fails, each with its ``name``) and ``window``
(None without a ``[window]`` in the spec, else ``lowest_firing``: the largest ``fires``
figure of the corner's samples, the input that fires them all; ``highest_silent``: the
smallest ``silent`` figure, the input that leaves them all silent; None when a sample
has no value).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from circuits.units import ZERO_CELSIUS_K

from .datasheet import FEW_SAMPLES, corner_datasheet, failing_limits, figure_unit, fmt
from .spec import FigureLimits, SweepSpec

YIELD_TARGET = 0.95
"""The yield a corner must reach to pass (the line in ``yield_by_corner.png``)."""

VERDICT_COLOURS = {True: "tab:green", False: "tab:red", None: "lightgrey"}
"""Bar colour of a corner in ``yield_by_corner.png`` by its ``meets_target``."""

_CONDITION_UNITS = {"_v": "V", "_a": "A", "_s": "s", "_hz": "Hz", "_ohm": "ohm", "_w": "W"}
"""Unit shown after a corner value, by the suffix of the parameter's name (``_k``: in C)."""


# ----------------------------------------------------------------------------- values
def _numeric(rows: list[dict], name: str) -> np.ndarray:
    vals = [r.get(name) for r in rows]
    if not vals or any(isinstance(v, str) for v in vals):
        return np.array([])
    arr = np.asarray([np.nan if v is None else v for v in vals], dtype=float)
    return arr[np.isfinite(arr)]


def _stats(a: np.ndarray) -> dict[str, float | int]:
    """n, median, 5th/95th percentile, mean and sample standard deviation of ``a``."""
    return {
        "n": int(a.size),
        "median": float(np.median(a)),
        "p05": float(np.percentile(a, 5)),
        "p95": float(np.percentile(a, 95)),
        "mean": float(a.mean()),
        "std": float(a.std(ddof=1)) if a.size > 1 else 0.0,
    }


_STAT_KEYS = ("median", "p05", "p95", "mean", "std", "min_observed", "max_observed")
"""A corner figure's statistics besides ``n`` (None when the corner has no value)."""


def _bounded(spec: SweepSpec) -> dict[str, FigureLimits]:
    """The limits that can fail a sample (a ``min`` or a ``max`` given)."""
    return {f: lim for f, lim in spec.limits.items() if lim.bounded}


def meets_spec(row: Mapping, spec: SweepSpec) -> bool:
    """True when ``row`` is ok and every figure with a min/max lies within its limits."""
    return row.get("status") == "ok" and all(
        lim.admits(row.get(f)) for f, lim in _bounded(spec).items()
    )


def _figure_pass(rows: list[dict], lim: FigureLimits | None) -> bool | None:
    """Every sample of ``rows`` has the figure within ``lim`` (failed ones do not); None
    without a min/max or without samples."""
    if lim is None or not lim.bounded or not rows:
        return None
    return all(lim.admits(r.get(lim.figure)) for r in rows)


# ----------------------------------------------------------------------------- corners
def _as_read(value: object) -> object:
    """A corner value as the results CSV gives it back (numbers as float)."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def corner_label(condition: Mapping[str, object]) -> str:
    """``"0 C, 0.81 V"``: a corner's values with units (by name suffix; ``_k`` in C)."""
    if not condition:
        return "all samples"
    parts = []
    for name, value in condition.items():
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        suffix = next((s for s in _CONDITION_UNITS if name.endswith(s)), None)
        if number and name.endswith("_k"):
            parts.append(f"{value - ZERO_CELSIUS_K:.4g} C")
        elif number and suffix is not None:
            parts.append(f"{value:.4g} {_CONDITION_UNITS[suffix]}")
        else:
            parts.append(f"{name}={value:.4g}" if number else f"{name}={value}")
    return ", ".join(parts)


def group_by_corner(rows: list[dict], spec: SweepSpec) -> list[tuple[dict, list[dict]]]:
    """``[(condition, rows at that corner)]``: every corner of the spec's grid in the order
    the sample index walks it (empty ones included), then any condition an override set
    off the grid, in the order of its first sample."""
    names = [p.name for p in spec.corner_params()]
    groups: dict[tuple, tuple[dict, list[dict]]] = {}
    for cond in spec.corners():
        groups[tuple(_as_read(cond[n]) for n in names)] = (cond, [])
    for r in rows:
        key = tuple(_as_read(r.get(n)) for n in names)
        if key not in groups:
            groups[key] = ({n: r.get(n) for n in names}, [])
        groups[key][1].append(r)
    return list(groups.values())


def _corner_entry(condition: dict, rows: list[dict], spec: SweepSpec) -> dict:
    ok = [r for r in rows if r["status"] == "ok"]
    meeting = sum(meets_spec(r, spec) for r in rows)
    figures = {}
    for f in spec.figures:
        a = _numeric(ok, f)
        lim = spec.limits.get(f)
        entry: dict[str, object] = (
            {**_stats(a), "min_observed": float(a.min()), "max_observed": float(a.max())}
            if a.size
            else {"n": 0, **dict.fromkeys(_STAT_KEYS, None)}
        )
        entry["pass"] = _figure_pass(rows, lim)
        entry["n_in_spec"] = (
            sum(lim.admits(r.get(f)) for r in rows) if lim is not None and lim.bounded else None
        )
        figures[f] = entry
    corner_yield = meeting / len(rows) if rows else None
    out_window = None
    if spec.window is not None:
        fires, silent = (_numeric(ok, spec.window[k]) for k in ("fires", "silent"))
        out_window = {
            "lowest_firing": float(fires.max()) if fires.size == len(ok) and ok else None,
            "highest_silent": float(silent.min()) if silent.size == len(ok) and ok else None,
            "fires_figure": spec.window["fires"],
            "silent_figure": spec.window["silent"],
        }
    sheet = corner_datasheet(rows, list(spec.figures), spec.limits)
    return {
        "condition": dict(condition),
        "label": corner_label(condition),
        "datasheet": sheet,
        "failing_limits": failing_limits(sheet),
        "n": len(rows),
        "ok": len(ok),
        "meets_spec": meeting,
        "yield": corner_yield,
        "meets_target": None if corner_yield is None else corner_yield >= YIELD_TARGET,
        "figures": figures,
        "window": out_window,
    }


def corner_summaries(rows: list[dict], spec: SweepSpec) -> list[dict]:
    """One entry per corner: condition, counts, yield and per-figure statistics."""
    return [_corner_entry(cond, group, spec) for cond, group in group_by_corner(rows, spec)]


# ----------------------------------------------------------------------------- summary
def summarize(rows: list[dict], spec: SweepSpec, wall_s: float, ran: int, skipped: int) -> dict:
    """Counts, the median/5th/95th percentile of every figure over the ok samples, and the
    spec-limit verdicts: ``yield``, ``pass`` per figure and ``corners`` (see the module)."""
    ok = [r for r in rows if r["status"] == "ok"]
    figures = {}
    for f in spec.figures:
        a = _numeric(ok, f)
        if a.size:  # few_samples: the percentiles of fewer than FEW_SAMPLES say little
            figures[f] = {**_stats(a), "few_samples": bool(a.size < FEW_SAMPLES)}
    errors: dict[str, int] = {}
    for r in rows:
        if r["status"] == "failed":
            key = str(r["error"]).split(" | ")[0][:120]
            errors[key] = errors.get(key, 0) + 1
    corners = corner_summaries(rows, spec)
    meeting = sum(meets_spec(r, spec) for r in rows)
    judged = [c["meets_target"] for c in corners if c["meets_target"] is not None]
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
        "limits": {f: lim.as_dict() for f, lim in spec.limits.items()},
        "pass": {f: _figure_pass(rows, spec.limits.get(f)) for f in spec.figures},
        "meets_spec": meeting,
        "yield": meeting / len(rows) if rows else None,
        "yield_target": YIELD_TARGET,
        "meets_target": all(judged) if judged else None,
        "corner_params": [p.name for p in spec.corner_params()],
        "corners": corners,
    }


# ----------------------------------------------------------------------------- plots
def _corner_colours(count: int) -> list:
    import matplotlib

    if count <= 10:
        return [matplotlib.colormaps["tab10"](i) for i in range(count)]
    cmap = matplotlib.colormaps["viridis"]
    return [cmap(i / max(1, count - 1)) for i in range(count)]


def _panel_grid(count: int):
    import matplotlib.pyplot as plt

    cols = min(3, count)
    nrows = math.ceil(count / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(4.2 * cols, 3.0 * nrows), squeeze=False)
    for ax in list(axes.flat)[count:]:
        ax.set_visible(False)
    return fig, list(axes.flat)[:count]


def _engineering_axis(ax, unit: str) -> None:
    """x tick labels in engineering units by :func:`fmt` (no offset or 1e-9 multiplier)."""
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt(v, unit)))


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


SAME_VALUE_REL = 1e-9
"""Values closer than this (relative) are one value to a histogram: numpy cannot cut a
span of a few rounding errors into bins ("Too many bins for data range")."""


def _bin_edges(a: np.ndarray, bounds: list[float]) -> np.ndarray:
    """Histogram bin edges of ``a``: 5..30 bins over its range, or, when its values are one
    value (to :data:`SAME_VALUE_REL`), one visible bin 2 % of the span shown with the
    limits ``bounds`` wide (a zero alone: 1)."""
    lo, hi = float(a.min()), float(a.max())
    if hi - lo <= SAME_VALUE_REL * max(abs(lo), abs(hi)):
        span = max([hi, *bounds]) - min([lo, *bounds])
        width = 0.01 * (span or abs(lo)) or 0.5
        return np.array([lo - width, hi + width])
    return np.histogram_bin_edges(a, bins=max(5, min(30, int(np.sqrt(a.size)) * 2)), range=(lo, hi))


def _plot_params(rows: list[dict], spec: SweepSpec, out_dir: Path) -> Path | None:
    data = [(p.name, _numeric(rows, p.name)) for p in spec.params]
    data = [(n, a) for n, a in data if a.size]
    if not data:
        return None
    fig, axes = _panel_grid(len(data))
    for ax, (name, a) in zip(axes, data):
        ax.hist(a, bins=_bin_edges(a, []), color="tab:blue", alpha=0.8)
        med = float(np.median(a))
        ax.axvline(med, color="k", lw=1)
        unit = figure_unit(name)
        ax.set_title(f"{name}\nmedian {fmt(med, unit)}, n={a.size}", fontsize=9)
        _engineering_axis(ax, unit)
        ax.tick_params(labelsize=8)
    fig.suptitle(f"sweep {spec.name}: sampled parameters (all samples)", fontsize=10)
    fig.tight_layout()
    return _save(fig, out_dir / "distributions_params.png")


def _plot_figures(rows: list[dict], spec: SweepSpec, out_dir: Path) -> Path | None:
    """Stacked histograms of every figure, one colour per corner, spec limits dashed."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    ok = [r for r in rows if r["status"] == "ok"]
    groups = group_by_corner(ok, spec)
    colours = _corner_colours(len(groups))
    names = [f for f in spec.figures if _numeric(ok, f).size]
    if not names:
        return None
    fig, axes = _panel_grid(len(names))
    for ax, name in zip(axes, names):
        per_corner = [(_numeric(g, name), c) for (_, g), c in zip(groups, colours)]
        shown = [(a, c) for a, c in per_corner if a.size]
        pooled = np.concatenate([a for a, _ in shown])
        lim = spec.limits.get(name)
        bounds = [] if lim is None else [v for v in (lim.min, lim.max) if v is not None]
        edges = _bin_edges(pooled, bounds)
        ax.hist([a for a, _ in shown], bins=edges, stacked=True, color=[c for _, c in shown])
        med = float(np.median(pooled))
        ax.axvline(med, color="k", lw=1)
        lo, hi = float(edges[0]), float(edges[-1])
        for v in bounds:
            ax.axvline(v, color="tab:red", ls="--", lw=1.2)
        lo, hi = min([lo, *bounds]), max([hi, *bounds])
        pad = 0.05 * (hi - lo) if hi > lo else 0.05 * abs(hi) or 1.0
        ax.set_xlim(lo - pad, hi + pad)
        unit = figure_unit(name, lim)
        spec_text = ""
        if bounds:
            spec_text = f", spec {fmt(lim.min, unit)} .. {fmt(lim.max, unit)}"
        few = " (few!)" if pooled.size < FEW_SAMPLES else ""
        ax.set_title(
            f"{name}\nmedian {fmt(med, unit)}, n={pooled.size}{few}{spec_text}", fontsize=9
        )
        _engineering_axis(ax, unit)
        ax.set_ylabel("samples", fontsize=8)
        ax.tick_params(labelsize=8)
    handles = [
        Patch(color=c, label=f"{corner_label(cond)} (n={len(g)})")
        for (cond, g), c in zip(groups, colours)
    ]
    handles.append(Line2D([], [], color="k", lw=1, label="median"))
    if any(spec.limits.get(n) is not None and spec.limits[n].bounded for n in names):
        handles.append(Line2D([], [], color="tab:red", ls="--", lw=1.2, label="spec min / max"))
    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.0, 0.95),
        fontsize=8,
        title="corner (ok samples)",
        title_fontsize=8,
    )
    fig.suptitle(
        f"sweep {spec.name}: measured figures by corner ({len(ok)} ok of {len(rows)} samples)",
        fontsize=10,
    )
    fig.tight_layout()
    return _save(fig, out_dir / "distributions_figures.png")


def yield_bar_colours(corners: list[dict]) -> list[str]:
    """The colour of each corner's bar in ``yield_by_corner.png``: by its verdict
    ``meets_target`` (:data:`VERDICT_COLOURS`), never by its position."""
    return [VERDICT_COLOURS[c["meets_target"]] for c in corners]


def _plot_yield(rows: list[dict], spec: SweepSpec, out_dir: Path) -> Path:
    """Yield per corner against the target line; a bar is green when its corner meets the
    target, red when it does not, grey without samples."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    corners = corner_summaries(rows, spec)
    colours = yield_bar_colours(corners)
    x = np.arange(len(corners))
    heights = [100.0 * (c["yield"] or 0.0) for c in corners]
    fig, ax = plt.subplots(figsize=(max(4.5, 0.9 * len(corners) + 1.5), 3.6))
    ax.bar(x, heights, color=colours, edgecolor="k", lw=0.5)
    for xi, c, h in zip(x, corners, heights):
        text = f"{c['meets_spec']}/{c['n']}" if c["n"] else "no\nsamples"
        inside = h > 20  # the count inside the bar's top, clear of the target line
        ax.text(
            xi,
            h - 3 if inside else h + 2,
            text,
            ha="center",
            va="top" if inside else "bottom",
            fontsize=8,
            color="w" if inside else "k",
            fontweight="bold",
        )
    ax.axhline(
        100.0 * YIELD_TARGET, color="tab:red", ls="--", lw=1.2, label=f"target {YIELD_TARGET:.0%}"
    )
    handles, _ = ax.get_legend_handles_labels()
    handles += [
        Patch(color=VERDICT_COLOURS[True], label="corner meets the target"),
        Patch(color=VERDICT_COLOURS[False], label="corner below the target"),
    ]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    ax.set_xticks(x, [c["label"] for c in corners], rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 112)
    ax.set_ylabel("samples meeting spec [%]", fontsize=9)
    meeting = sum(c["meets_spec"] for c in corners)
    overall = f"{meeting / len(rows):.1%}" if rows else "-"
    what = (
        "limits on " + ", ".join(_bounded(spec))
        if _bounded(spec)
        else "no spec limits: ok samples only"
    )
    ax.set_title(
        f"sweep {spec.name}: yield by corner, overall {overall} ({meeting} of {len(rows)})\n{what}",
        fontsize=9,
    )
    ax.tick_params(axis="y", labelsize=8)
    fig.tight_layout()
    return _save(fig, out_dir / "yield_by_corner.png")


def plot_distributions(rows: list[dict], spec: SweepSpec, out_dir: Path) -> list[Path]:
    """Histograms of the sampled parameters (all samples) and of the figures (ok samples,
    coloured by corner, spec limits dashed), and the yield per corner."""
    import matplotlib

    matplotlib.use("Agg")
    written = [
        _plot_params(rows, spec, out_dir),
        _plot_figures(rows, spec, out_dir),
        _plot_yield(rows, spec, out_dir) if rows else None,
    ]
    return [p for p in written if p is not None]
