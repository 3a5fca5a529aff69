"""Benchmarks (f) and (g): 1,000 behavioural neurons v1 through the recency protocol, and a
1,000-neuron layer of behavioural neurons v2 (IPNet neuron v4) through 100 event streams,
on one core.

``python -m behavioural.bench [--neurons N] [--repeats R] [--out FILE]`` times
:func:`behavioural.layer.recency` (neuron v1, ``build/behavioural/calibration.json`` from
``make behavioural-v2``; median of the repeats; target: under 10 s) and the layer of
:mod:`behavioural.network` (:func:`behavioural.v4_layer.v4_layer`: one neuron v2 per pixel
and polarity of a 25 x 20 grid = 1,000 neurons, seeded draws, the end-of-stream probe;
``build/behavioural/behavioural_v4.json`` at 27 C from ``make behavioural``) reading 100
streams of the 22 classes (median of the repeats; target: under 10 s), and merges their
entries ``f_behavioural_layer`` and ``g_behavioural_network`` into ``build/bench.json``
(``make bench`` runs it after ``pyspice_flows.bench``; the other entries are kept).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from circuits.paths import BUILD_DIR
from pyspice_flows.app.staging import write_text_atomic

from . import v4_layer
from .events import N_CLASSES, dataset
from .layer import recency
from .network import stream_params
from .params import CALIBRATION_JSON, load_calibration
from .readout import slot_times

OUT_JSON = BUILD_DIR / "bench.json"
TARGET_S = 10.0
ENTRY = "f_behavioural_layer"
NETWORK_ENTRY = "g_behavioural_network"
NETWORK_GRID = (25, 20)
"""Pixels (width, height) of the network benchmark: x 2 polarities = 1,000 neurons."""
NETWORK_STREAMS = 100


def bench_layer(n_neurons: int = 1000, repeats: int = 3, calibration: Path = CALIBRATION_JSON):
    """The entry: wall times of the protocol on ``n_neurons`` [s], median, target, result."""
    p = load_calibration(calibration)
    walls, last = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        last = recency(p, n_neurons)
        walls.append(time.perf_counter() - t0)
    med = statistics.median(walls)
    return {
        "what": f"{n_neurons} behavioural IPNet neurons x the recency protocol "
        "(behavioural.layer.recency), one process",
        "n_neurons": n_neurons,
        "wall_s": walls,
        "median_s": med,
        "target_s": TARGET_S,
        "meets_target": med < TARGET_S,
        "neurons_per_s": n_neurons / med,
        "tau_fit_s": last.tau_fit_s,
        "tau_th_s": last.tau_th_s,
        "calibration": str(calibration),
    }


def bench_network(
    n_streams: int = NETWORK_STREAMS,
    repeats: int = 3,
    calibration: Path = v4_layer.CALIBRATION_JSON,
):
    """The entry: wall times [s] of the 1,000-neuron v4 layer of :mod:`behavioural.network`
    (:func:`behavioural.v4_layer.v4_layer`: every stream's slots from rest with seeded
    draws, the probe and the readouts) over ``n_streams`` streams (classes in turn, seeds
    0..), median, target, result; the streams are generated once, beforehand (their time
    is given apart)."""
    cal, _ = v4_layer.load_v4_calibration(calibration)
    sp = replace(stream_params(cal), width=NETWORK_GRID[0], height=NETWORK_GRID[1])
    t0 = time.perf_counter()
    streams = dataset([k % N_CLASSES for k in range(n_streams)], range(n_streams), sp)
    times = slot_times(streams, sp)
    gen_s = time.perf_counter() - t0
    walls, out = [], None
    for k in range(repeats):
        t0 = time.perf_counter()
        out = v4_layer.v4_layer(cal, times, np.random.default_rng(k))
        walls.append(time.perf_counter() - t0)
    med = statistics.median(walls)
    return {
        "what": f"{sp.n_channels}-neuron layer of behavioural neurons v2 (IPNet neuron v4; "
        f"{sp.width} x {sp.height} pixels x 2 polarities) x {n_streams} event streams of "
        f"{sp.n_slots} slots + the probe ({sp.slot_s * 1e9:.3g} ns each; "
        "behavioural.v4_layer.v4_layer, seeded draws), one process",
        "n_neurons": sp.n_channels,
        "n_streams": n_streams,
        "slots_per_stream": sp.n_slots + 1,
        "events_per_stream": float(sum(len(s) for s in streams) / n_streams),
        "spikes_per_stream": float(np.mean(out.spikes)),
        "stream_generation_s": gen_s,
        "wall_s": walls,
        "median_s": med,
        "target_s": TARGET_S,
        "meets_target": med < TARGET_S,
        "streams_per_s": n_streams / med,
        "calibration": str(calibration),
        "ambient_k": cal.ambient_k,
    }


def merge_into(path: Path, entry: dict, name: str = ENTRY) -> None:
    """Add ``entry`` under ``name`` (default :data:`ENTRY`) to the benchmark JSON (created
    if missing)."""
    data = {}
    if path.is_file():
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"{path}: not valid JSON ({exc}); remove it or rerun make bench"
            ) from None
    data[name] = entry
    write_text_atomic(path, json.dumps(data, indent=2) + "\n")


def _positive_int(label: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{label} {text!r} is not an integer") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"{label} {value} must be >= 1")
        return value

    return parse


def main(argv: list[str] | None = None) -> int:
    from pyspice_flows.app.commandline import add_debug_flag, run_main, tool_parser

    parser = tool_parser("behavioural.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--neurons", type=_positive_int("--neurons"), default=1000, metavar="N")
    parser.add_argument("--repeats", type=_positive_int("--repeats"), default=3, metavar="R")
    parser.add_argument("--out", type=Path, default=OUT_JSON, metavar="FILE")
    add_debug_flag(parser)
    args = parser.parse_args(argv)

    def body() -> int:
        entry = bench_layer(args.neurons, args.repeats)
        merge_into(args.out, entry)
        print(
            f"bench: (f) {entry['n_neurons']} behavioural neurons x recency: median "
            f"{entry['median_s']:.3g} s (target < {TARGET_S:g} s: "
            f"{'met' if entry['meets_target'] else 'MISSED'}); wrote {args.out}"
        )
        net = bench_network(NETWORK_STREAMS, args.repeats)
        merge_into(args.out, net, NETWORK_ENTRY)
        print(
            f"bench: (g) {net['n_neurons']}-neuron layer x {net['n_streams']} event streams: "
            f"median {net['median_s']:.3g} s (target < {TARGET_S:g} s: "
            f"{'met' if net['meets_target'] else 'MISSED'}); wrote {args.out}"
        )
        return 0

    return run_main(parser.prog, body, args.debug)


if __name__ == "__main__":
    sys.exit(main())
