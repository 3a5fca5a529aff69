"""Benchmark (f): 1,000 behavioural neurons through the recency protocol on one core.

``python -m behavioural.bench [--neurons N] [--repeats R] [--out FILE]`` times
:func:`behavioural.layer.recency` (median of the repeats; target: under 10 s) and merges its
entry ``f_behavioural_layer`` into ``build/bench.json`` (``make bench`` runs it after
``pyspice_flows.bench``; the other entries are kept).  The neuron is the calibrated one
(``build/behavioural/calibration.json``; run ``python -m behavioural.calibrate`` first).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from circuits.paths import REPO_ROOT
from pyspice_flows.app.staging import write_text_atomic

from .layer import recency
from .params import CALIBRATION_JSON, load_calibration

OUT_JSON = REPO_ROOT / "build" / "bench.json"
TARGET_S = 10.0
ENTRY = "f_behavioural_layer"


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


def merge_into(path: Path, entry: dict) -> None:
    """Add ``entry`` under :data:`ENTRY` to the benchmark JSON (created if missing)."""
    data = {}
    if path.is_file():
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"{path}: not valid JSON ({exc}); remove it or rerun make bench"
            ) from None
    data[ENTRY] = entry
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
    from pyspice_flows.app.commandline import add_debug_flag, run_main

    parser = argparse.ArgumentParser(
        prog="python -m behavioural.bench", description=__doc__.splitlines()[0]
    )
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
        return 0

    return run_main("behavioural.bench", body, args.debug)


if __name__ == "__main__":
    sys.exit(main())
