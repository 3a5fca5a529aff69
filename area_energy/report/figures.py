"""The report's figures (PNG): waveforms, energy per spike, area, memory power.

Each figure is drawn once per content of what it shows: :func:`cached_figure` keys the
PNG by the figure's data, this module's and the formatter's source and matplotlib's
version (:func:`pyspice_flows.sim.cache.cached_file`), and hands the report the stored
PNG's path, so a report whose numbers did not change neither imports matplotlib nor draws.
With the cache off the figure functions return the matplotlib figure, as before.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import json
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import numpy as np

from pyspice_flows.experiments import plasticity
from pyspice_flows.sim.cache import cached_file, content_digest

from . import render
from .claims import published

SOURCES = (Path(__file__), Path(render.__file__))
"""The code a figure's pixels depend on besides its data: the drawing and the formatter."""


def _canonical(obj) -> object:
    """``obj`` as plain JSON values for a cache key: arrays by their exact bytes' digest,
    dataclasses as dicts, other objects by ``repr`` (floats exactly, nan as "NaN")."""
    if isinstance(obj, np.ndarray):
        arr = np.ascontiguousarray(obj)
        return ["ndarray", arr.dtype.str, list(arr.shape), content_digest(arr.tobytes())]
    if isinstance(obj, dict):
        return {str(k): _canonical(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_canonical(v) for v in obj]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return [type(obj).__name__, _canonical(dataclasses.asdict(obj))]
    if obj is None or isinstance(obj, (str, bool, int)):
        return obj
    return repr(float(obj)) if isinstance(obj, (float, np.floating)) else repr(obj)


def cached_figure(name: str, draw: Callable[[], object], data: object, sources=()):
    """The stored PNG of figure ``name`` drawn from ``data`` (its path), drawing it with
    ``draw()`` (a matplotlib figure) only when ``data`` or the code changed; the figure
    itself when the cache is off.  The PNG is the one the report would write from the
    figure (:data:`render.FIGURE_DPI`, a tight bounding box).  ``sources``: files of drawing
    code outside this module."""

    def png() -> bytes:
        fig = draw()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=render.FIGURE_DPI, bbox_inches="tight", backend="agg")
        _plt().close(fig)
        return buf.getvalue()

    key = json.dumps(
        [render.FIGURE_DPI, metadata.version("matplotlib"), _canonical(data)], sort_keys=True
    )
    path = cached_file(f"figure-{name}", "png", png, key, sources=(*SOURCES, *sources))
    return draw() if path is None else path


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _label_bars(ax, bars, texts) -> None:
    """Write each bar's value just above it."""
    for bar, text in zip(bars, texts):
        top = bar.get_y() + bar.get_height()
        ax.annotate(
            text,
            (bar.get_x() + bar.get_width() / 2, top),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=7,
        )


def _log_room(ax, values) -> None:
    """A log y axis from a third of the smallest positive value to 8x the largest, so the
    bars start inside the plot and their labels fit above them."""
    pos = [float(v) for v in values if v is not None and np.isfinite(v) and v > 0]
    if pos:
        ax.set_ylim(min(pos) / 3, max(pos) * 8)


def fig_heat_decay(curve: plasticity.PlasticityCurve):
    """The heat-memory decay figure of :func:`pyspice_flows.experiments.plasticity.plot`
    (a PNG path, see :func:`cached_figure`)."""
    draw = functools.partial(plasticity.plot, curve, None)
    return cached_figure("heat_memory_decay", draw, curve, sources=(Path(plasticity.__file__),))


def fig_waveforms(w_ip, w_lif):
    """The IPNet neuron's input, junction rise and output, and the LIF neuron's output and
    membrane (a PNG path, see :func:`cached_figure`)."""
    mem = [k for k in w_lif.vectors if k.endswith(".mem")][:1]
    data = [
        *(w_ip.time, w_ip.v("in1"), w_ip.v("th"), w_ip.v("out")),
        *(w_lif.time, w_lif.v("out")),
        [[k, w_lif.v(k)] for k in mem],
    ]
    return cached_figure("neuron_waveforms", lambda: _draw_waveforms(w_ip, w_lif), data)


def _draw_waveforms(w_ip, w_lif):
    plt = _plt()
    fig, ax = plt.subplots(4, 1, figsize=(8, 7), sharex=False)
    t = w_ip.time * 1e9
    ax[0].plot(t, w_ip.v("in1"), lw=0.7, label="input spikes")
    ax[0].set_ylabel("IPNet input [V]")
    ax[1].plot(t, w_ip.v("th"), color="tab:red", label="junction temperature rise")
    ax[1].set_ylabel("MTJ rise [K]")
    ax[2].plot(t, w_ip.v("out"), color="tab:green", label="output")
    ax[2].set_ylabel("IPNet output [V]")
    ax[2].set_xlabel("time [ns]")
    tl = w_lif.time * 1e9
    ax[3].plot(tl, w_lif.v("out"), color="tab:purple", label="LIF output [V]")
    mem = [k for k in w_lif.vectors if k.endswith(".mem")]
    if mem:
        ax[3].plot(tl, w_lif.v(mem[0]), color="tab:gray", label="LIF membrane [V]")
    ax[3].set_ylabel("LIF [V]")
    ax[3].set_xlabel("time [ns]")
    for a in ax:
        a.legend(loc="upper right", fontsize=7)
    ax[0].set_title(
        "Neuron waveforms (ngspice): the junction heats with each input, the output fires"
    )
    fig.tight_layout()
    return fig


ENERGY_PARTS = {
    "input_drive": "input drive (input sources)",
    "mtj_joule_heat": "MTJ Joule heat (junction's thermal node)",
    "cmos_switching_and_resistive": "CMOS switching + resistive (the rest)",
    "static_leakage": "static leakage (idle run)",
}
"""Human legend labels of the energy breakdown's parts."""


def fig_energy(neurons: dict):
    """Energy per output spike by part, one group of bars per neuron (log, values on bars;
    a PNG path, see :func:`cached_figure`)."""
    data = [
        [n, v["energy_per_spike_breakdown_J"], v["energy_per_spike_J"]] for n, v in neurons.items()
    ]
    return cached_figure("energy_per_spike", lambda: _draw_energy(neurons), data)


def _draw_energy(neurons: dict):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 4.4))
    names = list(neurons)
    width = 0.8 / len(ENERGY_PARTS)
    x = np.arange(len(names))
    ax.set_yscale("log")
    every = []
    for j, (k, label) in enumerate(ENERGY_PARTS.items()):
        vals = [(neurons[n]["energy_per_spike_breakdown_J"] or {}).get(k, 0.0) for n in names]
        every += vals
        shown = [v if v and v > 0 else np.nan for v in vals]
        bars = ax.bar(x - 0.4 + (j + 0.5) * width, shown, width, label=label)
        _label_bars(ax, bars, [render.fmt_si(v, "J") if v and v > 0 else "" for v in vals])
    _log_room(ax, every)
    totals = [render.fmt_si(neurons[n]["energy_per_spike_J"], "J") for n in names]
    ax.set_xticks(x, [f"{n}\n(total {t} per spike)" for n, t in zip(names, totals)])
    ax.set_ylabel("energy per output spike [J, log]")
    ax.set_title("Energy per spike, by where it goes")
    ax.legend(fontsize=7, loc="upper left", ncols=2)
    fig.tight_layout()
    return fig


def fig_area(neurons: dict):
    """Our neurons' areas against the published ones (a PNG path, see :func:`cached_figure`)."""
    data = [[[n, v["area_um2"]] for n, v in neurons.items()], sorted(published().items())]
    return cached_figure("area", lambda: _draw_area(neurons), data)


def _draw_area(neurons: dict):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    labels = [f"{n} (ours)" for n in neurons] + [
        "IPNet (published)",
        "LIF 28 nm (arXiv 2408.07734)",
    ]
    vals = [neurons[n]["area_um2"] for n in neurons] + [
        published()["ipnet_area_um2"],
        published()["lif_28nm_area_um2"],
    ]
    ax.set_yscale("log")
    bars = ax.bar(labels, vals, color=["tab:blue", "tab:orange", "lightsteelblue", "moccasin"])
    _label_bars(ax, bars, [f"{v:.3g} um^2" for v in vals])
    _log_room(ax, vals)
    ax.set_ylabel("area [um^2, log]")
    ax.set_title("Neuron area, 28 nm-class")
    ax.tick_params(axis="x", labelrotation=15, labelsize=8)
    fig.tight_layout()
    return fig


def fig_memory(mem: dict):
    """Memory power of the three variants against the layer the memory sits at (log; a
    PNG path, see :func:`cached_figure`)."""
    ratio = mem["memory_power_ratio"]
    data = [
        [[m.index, m.name, m.ipnet_w, m.lstm_w, m.cnn3d_w] for m in mem["layers"]],
        ratio["memory_layer"],
        [ratio["time_scales"]["time_step_s"], ratio["time_scales"]["tau_memory_s"]],
    ]
    return cached_figure("memory_power", lambda: _draw_memory(mem), data)


def _draw_memory(mem: dict):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 4.2))
    layers = mem["layers"]
    x = [m.index for m in layers]
    default = mem["memory_power_ratio"]["memory_layer"]
    here = next(m for m in layers if m.index == default)
    for attr, label, style in (
        ("ipnet_w", "IPNet heat memory, one neuron per element [W]", "o-"),
        ("lstm_w", "(Conv)LSTM recurrent path + state [W]", "s-"),
        ("cnn3d_w", "3D-CNN frame buffer + temporal conv [W]", "^-"),
    ):
        (line,) = ax.plot(x, [getattr(m, attr) for m in layers], style, label=label)
        ax.annotate(
            render.fmt_si(getattr(here, attr), "W"),
            (default, getattr(here, attr)),
            xytext=(6, 0),
            textcoords="offset points",
            fontsize=7,
            va="center",
            color=line.get_color(),
        )
    ax.axvline(default, color="gray", ls=":", lw=1)
    ax.annotate("default placement", (default, ax.get_ylim()[1]), fontsize=7, ha="left", va="top")
    ax.set_xticks(
        x,
        [
            f"{m.index}\n{m.name.replace(' neurons', '').replace(' (classifier)', '')}"
            for m in layers
        ],
        fontsize=7,
    )
    ax.set_yscale("log")
    ax.set_ylabel("memory power [W, log]")
    ax.set_xlabel("layer the temporal memory sits at (feature elements shrink to the right)")
    ts = mem["memory_power_ratio"]["time_scales"]
    ax.set_title(
        f"Memory power by layer, same backbone, {render.fmt_si(ts['time_step_s'], 's')} step\n"
        f"(assumes the heat lasts a step; simulated tau {render.fmt_si(ts['tau_memory_s'], 's')})",
        fontsize=10,
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
