"""A network-level test of the heat memory: 22-class DVS-like streams, five layers, a linear readout.

``python -m behavioural.network [--quick] [--seeds N] [--streams N] [--out DIR]
[--calibration FILE] [--temp K]`` (``make network``, ``ipnet network``) generates, for each
seed, ``N`` streams of each of the 22 classes (:mod:`behavioural.events`: 11 motions and
their time reversals) on the clock of behavioural neuron v2 (IPNet neuron v4: one event
per pixel, polarity and slot), maps each stream to the end-of-stream features of five
layers (each feature rounded to the readout's resolution ``READOUT_RESOLUTION``) and trains
a standardized logistic regression (scikit-learn) on two thirds of the streams, scored on
the rest:

* (a) ``ipnet_input``: a layer of behavioural v2 neurons at the input, one per pixel and
  polarity (:mod:`behavioural.v4_layer`; calibration ``build/behavioural/behavioural_v4.json``
  at 27 C by default): each event an input slot, seeded draws; read by a probe slot at the
  end (its firing probability) and the spikes during the stream;
* (b) ``ipnet_no_heat``: the same layer with the heat memory ablated (cth, cth2 / 100:
  behavioural v2's ablation);
* (c) ``ipnet_after_memoryless``: the same layer behind a stateless coincidence layer;
* (d) ``ideal_trace``: per channel, two exponential traces with the ladder's two time
  constants (the memory's upper bound: a linear, noise-free copy of what the heat holds);
* (e) ``no_memory``: event counts per channel in the last window.

Besides the 22-class accuracy, ``direction_accuracy``: the same readout asked only to tell
each test stream's motion from that motion's time reversal (the same pixels, the same event
counts; only the order differs): chance is 0.5.  Accuracy is given as the mean over seeds and a
95 % Student-t interval.  The memory's energy per stream is the junctions' energy in layer
(a) from the calibration's SPICE-measured slot power (input slots, fired slots' extra; the
probe apart).  Writes ``summary.json``, ``accuracy.png`` and ``report.md`` into ``--out``
(default ``build/network``), published together.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from scipy import stats
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from circuits.paths import BUILD_DIR

from . import readout
from . import v4_layer as layer
from .events import MOTIONS, N_CLASSES, N_MOTIONS, StreamParams, dataset
from .v4_model import V4Calibration, gain_by_lag

OUT_DIR = BUILD_DIR / "network"
VARIANTS = {
    "ipnet_input": "(a) IPNet v4 layer at the input",
    "ipnet_no_heat": "(b) IPNet v4 layer, heat memory ablated (cth, cth2 / 100)",
    "ipnet_after_memoryless": "(c) memoryless layer, then the IPNet v4 layer",
    "ideal_trace": "(d) ideal exponential traces, the ladder's two time constants",
    "no_memory": "(e) no memory: event counts in the last window",
}
TEST_FRACTION = 1 / 3
NOISE_PER_SLOT = 0.01
"""Background events per pixel, polarity and slot (the generator's Poisson rate x slot)."""
GRID = (16, 16)
MOTION_SLOTS = 12
QUICK_GRID = (8, 8)
QUICK_MOTION_SLOTS = 8
QUICK_STREAMS = 8
MEMORY_LAGS = (1, 2, 3, 4, 6)
"""Lags [slots] of the calibration's gain-vs-lag curve, recorded with the result."""


def stream_params(cal: V4Calibration, quick: bool = False) -> StreamParams:
    """The streams on the neuron's clock: one slot per v4 slot, events at the slot (no
    jitter: an input is a whole slot), :data:`NOISE_PER_SLOT` background."""
    (w, h), motion = (QUICK_GRID, QUICK_MOTION_SLOTS) if quick else (GRID, MOTION_SLOTS)
    return StreamParams(
        width=w,
        height=h,
        slot_s=cal.slot_s,
        motion_slots=motion,
        jitter_s=0.0,
        noise_rate_hz=NOISE_PER_SLOT / cal.slot_s,
    )


@dataclass(frozen=True)
class SeedResult:
    """One seed's scores per variant: 22-class accuracy, direction accuracy, layer (a)'s
    scores read from one readout alone, and its junction energy per stream [J]."""

    seed: int
    accuracy: dict[str, float]
    direction_accuracy: dict[str, float]
    by_readout: dict[str, tuple[float, float]]
    energy_per_stream_j: float
    probe_energy_per_stream_j: float
    after_memoryless_energy_per_stream_j: float
    events_per_stream: float
    spikes_per_stream: float


def variant_features(cal: V4Calibration, streams, p: StreamParams, seed: int):
    """Features of every variant for ``streams`` (layers' draws seeded by ``seed``), and
    the readouts of layers (a) and (c)."""
    times = readout.slot_times(streams, p)
    feats: dict[str, np.ndarray] = {}
    a = layer.v4_layer(cal, times, np.random.default_rng([seed, 1]))
    feats["ipnet_input"] = a.features()
    no_heat = layer.v4_layer(layer.ablated(cal), times, np.random.default_rng([seed, 2]))
    feats["ipnet_no_heat"] = no_heat.features()
    hidden = readout.memoryless_layer(streams, p)
    after = layer.v4_layer(cal, hidden, np.random.default_rng([seed, 3]))
    feats["ipnet_after_memoryless"] = after.features()
    feats["ideal_trace"] = np.hstack(
        [readout.trace_features(times, p, tau) for tau in layer.pole_time_constants(cal)]
    )
    feats["no_memory"] = readout.window_counts(times, p)
    return {k: readout.quantize(v) for k, v in feats.items()}, a, after


def _classifier(seed: int):
    """Standardized, L2-regularized multinomial logistic regression."""
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000, random_state=seed))


def score(x: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray, seed: int):
    """A standardized logistic regression trained on the ``train`` rows: its 22-class test
    accuracy, and its direction accuracy: on each test row, the readout's choice between
    the row's motion and that motion's time reversal (the larger of the two decision
    values), i.e. the 22-class readout restricted to the reversal pair."""
    if np.unique(y[train]).size < 2:
        raise ValueError("score: the training rows hold a single class")
    clf = _classifier(seed).fit(x[train], y[train])
    dec = clf.decision_function(x[test])
    col = {c: i for i, c in enumerate(clf.classes_)}
    yt = y[test]
    accuracy = float(np.mean(clf.classes_[np.argmax(dec, axis=1)] == yt))
    fwd = np.array([col[c % N_MOTIONS] for c in yt])
    rev = np.array([col[c % N_MOTIONS + N_MOTIONS] for c in yt])
    rows = np.arange(yt.size)
    says_reversed = dec[rows, rev] > dec[rows, fwd]
    direction = float(np.mean(says_reversed == (yt >= N_MOTIONS)))
    return accuracy, direction


def run_seed(cal: V4Calibration, seed: int, streams_per_class: int, p: StreamParams):
    """Generate the streams of ``seed``, compute every variant and score it."""
    labels = np.repeat(np.arange(N_CLASSES), streams_per_class)
    stream_seeds = seed * 1_000_003 + np.arange(labels.size)
    streams = dataset(labels, stream_seeds, p)
    feats, a, c = variant_features(cal, streams, p, seed)
    idx = np.arange(labels.size)
    tr, te = train_test_split(idx, test_size=TEST_FRACTION, stratify=labels, random_state=seed)
    train = np.isin(idx, tr)
    test = np.isin(idx, te)
    scores = {k: score(v, labels, train, test, seed) for k, v in feats.items()}
    by_readout = {
        name: score(readout.quantize(a.features(name)), labels, train, test, seed)
        for name in layer.READOUTS
    }
    return SeedResult(
        seed=seed,
        accuracy={k: acc for k, (acc, _) in scores.items()},
        direction_accuracy={k: d for k, (_, d) in scores.items()},
        by_readout=by_readout,
        energy_per_stream_j=float(np.mean(a.energy_j)),
        probe_energy_per_stream_j=float(np.mean(a.probe_energy_j)),
        after_memoryless_energy_per_stream_j=float(np.mean(c.energy_j)),
        events_per_stream=float(np.mean(a.inputs)),
        spikes_per_stream=float(np.mean(a.spikes)),
    )


def interval(values) -> dict:
    """Mean and the 95 % Student-t interval of the mean over seeds ([lo, hi])."""
    v = np.asarray(values, float)
    m = float(v.mean())
    if v.size < 2:
        return {"mean": m, "ci95": [m, m], "values": v.tolist()}
    h = float(stats.t.ppf(0.975, v.size - 1) * v.std(ddof=1) / np.sqrt(v.size))
    return {"mean": m, "ci95": [m - h, m + h], "values": v.tolist()}


def summarize(results: list[SeedResult], cal: V4Calibration, p: StreamParams, meta: dict):
    """The JSON-ready summary of all seeds."""
    energy = interval([r.energy_per_stream_j for r in results])
    events = float(np.mean([r.events_per_stream for r in results]))
    tau_fast, tau_slow = layer.pole_time_constants(cal)
    return {
        "classes": N_CLASSES,
        "seeds": len(results),
        "streams_per_class": meta["streams_per_class"],
        "chance": 1.0 / N_CLASSES,
        "variants": VARIANTS,
        "accuracy": {k: interval([r.accuracy[k] for r in results]) for k in VARIANTS},
        "direction_accuracy": {
            k: interval([r.direction_accuracy[k] for r in results]) for k in VARIANTS
        },
        "ipnet_input_by_readout": {
            name: {
                "accuracy": interval([r.by_readout[name][0] for r in results]),
                "direction_accuracy": interval([r.by_readout[name][1] for r in results]),
            }
            for name in layer.READOUTS
        },
        "energy": {
            "memory_energy_per_stream_j": energy,
            "probe_energy_per_stream_j": float(
                np.mean([r.probe_energy_per_stream_j for r in results])
            ),
            "after_memoryless_energy_per_stream_j": interval(
                [r.after_memoryless_energy_per_stream_j for r in results]
            ),
            "events_per_stream": events,
            "spikes_per_stream": float(np.mean([r.spikes_per_stream for r in results])),
            "energy_per_event_j": energy["mean"] / events if events else None,
            "slot": layer.slot_energies(cal, layer.INPUT_WEIGHT),
            "circuit": circuit_energy(meta["circuit_slot"], events, p),
            "source": "junction energy of layer (a): per input slot the calibration's "
            "SPICE-measured junction power (behavioural.v4_calibrate: the current through the "
            "junction times its voltage, sampled over the slot, fitted in the weight) summed "
            "over the slot, plus the measured extra of a slot whose junction fired for each "
            "spike drawn; the end-of-stream probe (one slot per neuron) is given apart. "
            "Junction only: the mirrors, comparators and bias generator are not included.",
        },
        "neuron": {
            **meta["calibration"],
            "ambient_k": cal.ambient_k,
            "slot_s": cal.slot_s,
            "tau_fast_s": tau_fast,
            "tau_slow_s": tau_slow,
            "input_weight": layer.INPUT_WEIGHT,
            "probe_weight": layer.PROBE_WEIGHT,
            "memory": gain_by_lag(cal, MEMORY_LAGS, layer.INPUT_WEIGHT),
            "ablated_memory": gain_by_lag(layer.ablated(cal), MEMORY_LAGS, layer.INPUT_WEIGHT),
        },
        "readout_resolution": readout.READOUT_RESOLUTION,
        "streams": {**asdict(p), "duration_s": p.duration_s, "window_s": readout.window_s(p)},
        "motions": [m[0] for m in MOTIONS],
        "quick": meta["quick"],
        "wall_s": meta["wall_s"],
        "command": meta["command"],
    }


def circuit_energy(slot: dict | None, events: float, p: StreamParams) -> dict | None:
    """The circuit's energy per stream of layer (a) from its SPICE slot energies (see
    :func:`behavioural.v4_layer.circuit_slot_energy`): input slots from the supply, idle
    neuron-slots, and the shared bias generator over the stream's slots [J]."""
    if slot is None:
        return None
    idle = p.n_channels * p.n_slots - events
    neurons = events * slot["input_slot_J"] + idle * slot["idle_slot_J"]
    return {
        **slot,
        "neurons_per_stream_J": neurons,
        "bias_generator_per_stream_J": p.n_slots * slot["bias_generator_per_slot_J"],
    }


def check_count(label: str, value: int) -> int:
    """``value`` as an integer >= 1, else a one-line error naming the option."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{label}={value!r}; allowed an integer >= 1")
    return int(value)


def run(
    cal: V4Calibration,
    seeds: int = 5,
    streams_per_class: int = 20,
    p: StreamParams | None = None,
    progress=None,
) -> list[SeedResult]:
    """Every seed's result (seeds 0 .. seeds - 1)."""
    seeds = check_count("seeds", seeds)
    streams_per_class = check_count("streams", streams_per_class)
    if streams_per_class < 3:
        raise ValueError(
            f"streams={streams_per_class!r} per class; allowed >= 3 (a class needs rows in "
            "both the training and the test third)"
        )
    p = p or stream_params(cal)
    out = []
    # one BLAS/OpenMP thread: on a shared 2-core machine more threads only wait for each other
    with threadpool_limits(1):
        for s in range(seeds):
            out.append(run_seed(cal, s, streams_per_class, p))
            if progress:
                progress(out[-1])
    return out


def _parse_count(label: str, minimum: int = 1):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{label} {text!r} is not an integer") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{label} {value} must be >= {minimum}")
        return value

    return parse


def main(argv: list[str] | None = None) -> int:
    from pyspice_flows.app.commandline import (
        add_debug_flag,
        add_out_argument,
        checked_out_dir,
        command_parser,
        run_main,
        temperature_k,
    )
    from pyspice_flows.app.staging import commit_staged, staging_folder

    from .network_report import write_figure, write_report

    parser = command_parser("network", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"8 x 8 pixels, 8 motion slots, {QUICK_STREAMS} streams per class",
    )
    parser.add_argument("--seeds", type=_parse_count("--seeds"), default=5, metavar="N")
    parser.add_argument(
        "--streams",
        type=_parse_count("--streams", 3),
        default=None,
        metavar="N",
        help=f"streams per class and seed (default 20; {QUICK_STREAMS} with --quick)",
    )
    add_out_argument(parser, OUT_DIR)
    parser.add_argument(
        "--calibration",
        type=Path,
        default=layer.CALIBRATION_JSON,
        metavar="FILE",
        help="behavioural v2 calibration (default build/behavioural/behavioural_v4.json, "
        "written by `ipnet behavioural`)",
    )
    parser.add_argument(
        "--temp",
        type=temperature_k,
        default=None,
        metavar="K",
        help=f"ambient of the calibration to use [K] (default {layer.DEFAULT_AMBIENT_K})",
    )
    add_debug_flag(parser)
    args = parser.parse_args(argv)

    def body() -> int:
        args.out = checked_out_dir(args.out)  # before any work: writable, not a file
        cal, record = layer.load_v4_calibration(args.calibration, args.temp)
        p = stream_params(cal, args.quick)
        streams = args.streams or (QUICK_STREAMS if args.quick else 20)
        t0 = time.perf_counter()

        def progress(r: SeedResult):
            acc = ", ".join(f"{k[:5]} {v:.2f}" for k, v in r.accuracy.items())
            print(f"network: seed {r.seed}: {acc}", flush=True)

        results = run(cal, args.seeds, streams, p, progress)
        command = "python -m behavioural.network" + (" --quick" if args.quick else "")
        if args.temp is not None:
            command += f" --temp {args.temp:g}"
        meta = {
            "streams_per_class": streams,
            "calibration": record,
            "circuit_slot": layer.circuit_slot_energy(record, cal.ambient_k),
            "quick": args.quick,
            "wall_s": time.perf_counter() - t0,
            "command": command + f" --seeds {args.seeds} --streams {streams}",
        }
        summary = summarize(results, cal, p, meta)
        names = ["accuracy.png", "report.md", "summary.json"]
        with staging_folder(args.out) as stage:
            write_figure(summary, stage / names[0])
            (stage / names[1]).write_text(write_report(summary))
            (stage / names[2]).write_text(json.dumps(summary, indent=2) + "\n")
            commit_staged(stage, args.out, names)
        a = summary["accuracy"]
        print(
            "network: accuracy "
            + ", ".join(f"{k} {v['mean']:.3f}" for k, v in a.items())
            + f" (chance {1 / N_CLASSES:.3f}); wrote {args.out}"
        )
        return 0

    return run_main("behavioural.network", body, args.debug)


if __name__ == "__main__":
    sys.exit(main())
