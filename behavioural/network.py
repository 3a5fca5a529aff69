"""A network-level test of the heat memory: 22-class DVS-like streams, five layers, a linear readout.

``python -m behavioural.network [--quick] [--seeds N] [--streams N] [--out DIR]
[--calibration FILE]`` (``make network``, ``ipnet network``) generates, for each seed, ``N``
streams of each of the 22 classes (:mod:`behavioural.events`: 11 motions and their time
reversals), maps each stream to the end-of-stream features of five layers
(:mod:`behavioural.readout`; each feature in its own unit, rounded to the readout's
resolution ``READOUT_RESOLUTION``) and trains a standardized logistic regression
(scikit-learn) on two thirds of the streams, scored on the rest:

* (a) ``ipnet_input``: the behavioural IPNet layer at the input, one neuron per pixel and
  polarity (the calibrated neuron, ``build/behavioural/calibration.json``);
* (b) ``ipnet_no_heat``: the same layer with the heat memory ablated (cth / 100: the heat
  leaks 100x faster at the same rise, the control of :mod:`behavioural.layer`);
* (c) ``ipnet_after_memoryless``: the IPNet layer behind a stateless coincidence layer;
* (d) ``ideal_trace``: an exponential trace per channel with the neuron's tau = rth cth;
* (e) ``no_memory``: event counts per channel in the last window.

Besides the 22-class accuracy, ``direction_accuracy``: the same readout asked only to tell
each test stream's motion from that motion's time reversal (the same pixels, the same event
counts; only the order differs): chance is 0.5.  Accuracy is given as the mean over seeds and a
95 % Student-t interval.  The memory's energy per stream is the junction's Joule energy in
layer (a), integrated over the behavioural model's power history (calibrated currents,
the device's R_P and R_AP(V, T)).  Writes ``summary.json``, ``accuracy.png`` and
``report.md`` into ``--out`` (default ``build/network``), published together.
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

from circuits.paths import REPO_ROOT

from . import readout
from .events import MOTIONS, N_CLASSES, N_MOTIONS, StreamParams, dataset
from .params import CALIBRATION_JSON, NeuronParams, load_calibration

OUT_DIR = REPO_ROOT / "build" / "network"
VARIANTS = {
    "ipnet_input": "(a) IPNet layer at the input",
    "ipnet_no_heat": "(b) IPNet layer, heat memory ablated (cth / 100)",
    "ipnet_after_memoryless": "(c) memoryless layer, then the IPNet layer",
    "ideal_trace": "(d) ideal exponential trace, tau = rth cth",
    "no_memory": "(e) no memory: event counts in the last window",
}
STATES = ("heat", "hazard", "log_angle")
"""The state variables of layer (a), read alone in ``by_state`` (readout.ipnet_features'
feature blocks 0, 1, 2): which of them carries what the layer remembers."""
NO_HEAT_CTH_DIVISOR = 100.0
"""The ablation of :mod:`behavioural.layer`'s recency control: cth / 100."""
TEST_FRACTION = 1 / 3
QUICK_PARAMS = StreamParams(width=8, height=8, motion_slots=8)
QUICK_STREAMS = 8


@dataclass(frozen=True)
class SeedResult:
    """One seed's scores per variant: 22-class accuracy, direction accuracy, and the
    junction energy per stream of layer (a) [J]."""

    seed: int
    accuracy: dict[str, float]
    direction_accuracy: dict[str, float]
    energy_per_stream_j: float
    events_per_stream: float
    by_state: dict[str, tuple[float, float]]


def variant_features(
    neuron: NeuronParams, streams, p: StreamParams
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Features of every variant for ``streams``, and layer (a)'s junction energy per
    stream [J]."""
    times = readout.slot_times(streams, p)
    n = len(streams)
    feats: dict[str, np.ndarray] = {}
    feats["ipnet_input"], res = readout.ipnet_features(neuron, times, p, record=True)
    energy = readout.junction_energy_j(res, n)
    no_heat = neuron.with_(cth_factor=neuron.cth_factor / NO_HEAT_CTH_DIVISOR)
    feats["ipnet_no_heat"], _ = readout.ipnet_features(no_heat, times, p)
    hidden = readout.memoryless_layer(streams, p)
    feats["ipnet_after_memoryless"], _ = readout.ipnet_features(neuron, hidden, p)
    feats["ideal_trace"] = readout.trace_features(times, p, neuron.tau_th_s)
    feats["no_memory"] = readout.window_counts(times, p)
    return {k: readout.quantize(v) for k, v in feats.items()}, energy


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


def run_seed(neuron: NeuronParams, seed: int, streams_per_class: int, p: StreamParams):
    """Generate the streams of ``seed``, compute every variant and score it."""
    labels = np.repeat(np.arange(N_CLASSES), streams_per_class)
    stream_seeds = seed * 1_000_003 + np.arange(labels.size)
    streams = dataset(labels, stream_seeds, p)
    feats, energy = variant_features(neuron, streams, p)
    idx = np.arange(labels.size)
    tr, te = train_test_split(idx, test_size=TEST_FRACTION, stratify=labels, random_state=seed)
    train = np.isin(idx, tr)
    test = np.isin(idx, te)
    scores = {k: score(v, labels, train, test, seed) for k, v in feats.items()}
    acc = {k: a for k, (a, _) in scores.items()}
    dacc = {k: d for k, (_, d) in scores.items()}
    n_events = float(np.mean([len(s) for s in streams]))
    blocks = feats["ipnet_input"].reshape(labels.size, 4, -1)
    by_state = {
        name: score(blocks[:, k], labels, train, test, seed) for k, name in enumerate(STATES)
    }
    return SeedResult(seed, acc, dacc, float(np.mean(energy)), n_events, by_state)


def interval(values) -> dict:
    """Mean and the 95 % Student-t interval of the mean over seeds ([lo, hi])."""
    v = np.asarray(values, float)
    m = float(v.mean())
    if v.size < 2:
        return {"mean": m, "ci95": [m, m], "values": v.tolist()}
    h = float(stats.t.ppf(0.975, v.size - 1) * v.std(ddof=1) / np.sqrt(v.size))
    return {"mean": m, "ci95": [m - h, m + h], "values": v.tolist()}


def summarize(results: list[SeedResult], neuron: NeuronParams, p: StreamParams, meta: dict):
    """The JSON-ready summary of all seeds."""
    energy = interval([r.energy_per_stream_j for r in results])
    events = float(np.mean([r.events_per_stream for r in results]))
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
        "ipnet_input_by_state": {
            name: {
                "accuracy": interval([r.by_state[name][0] for r in results]),
                "direction_accuracy": interval([r.by_state[name][1] for r in results]),
            }
            for name in STATES
        },
        "energy": {
            "memory_energy_per_stream_j": energy,
            "events_per_stream": events,
            "energy_per_event_j": energy["mean"] / events if events else None,
            "source": "junction Joule energy of layer (a): behavioural.model.simulate's power "
            "history (input I^2 R_P with I = unit_current_a x (input_current_factor x w + "
            "input_current_offset) for width + edge + input_width_offset_s; I^2 R_AP(V, T) in "
            "AP and during resets) integrated over each stream; currents and thermal terms "
            "from the calibration file, R_P / R_AP from its device parameters. Junction "
            "only: the comparators, bias and synapse transistors are not included.",
        },
        "neuron": {
            "calibration": meta["calibration"],
            "tau_th_s": neuron.tau_th_s,
            "rth_k_per_w": neuron.rth_k_per_w,
            "unit_current_a": neuron.unit_current_a,
            "ambient_k": neuron.ambient_k,
            "input_weight": readout.INPUT_WEIGHT,
        },
        "readout_resolution": readout.READOUT_RESOLUTION,
        "streams": {**asdict(p), "duration_s": p.duration_s, "window_s": readout.window_s(p)},
        "motions": [m[0] for m in MOTIONS],
        "quick": meta["quick"],
        "wall_s": meta["wall_s"],
        "command": meta["command"],
    }


def check_count(label: str, value: int) -> int:
    """``value`` as an integer >= 1, else a one-line error naming the option."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{label}={value!r}; allowed an integer >= 1")
    return int(value)


def run(
    neuron: NeuronParams,
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
    p = p or StreamParams()
    out = []
    # one BLAS/OpenMP thread: on a shared 2-core machine more threads only wait for each other
    with threadpool_limits(1):
        for s in range(seeds):
            out.append(run_seed(neuron, s, streams_per_class, p))
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
        checked_out_dir,
        output_path,
        run_main,
    )
    from pyspice_flows.app.staging import commit_staged, staging_folder

    from .network_report import write_figure, write_report

    parser = argparse.ArgumentParser(prog="ipnet network", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="8 x 8 pixels, 8 motion slots, QUICK_STREAMS streams per class",
    )
    parser.add_argument("--seeds", type=_parse_count("--seeds"), default=5, metavar="N")
    parser.add_argument(
        "--streams",
        type=_parse_count("--streams", 3),
        default=None,
        metavar="N",
        help=f"streams per class and seed (default 20; {QUICK_STREAMS} with --quick)",
    )
    parser.add_argument("--out", type=output_path, default=OUT_DIR, metavar="DIR")
    parser.add_argument("--calibration", type=Path, default=CALIBRATION_JSON, metavar="FILE")
    add_debug_flag(parser)
    args = parser.parse_args(argv)

    def body() -> int:
        args.out = checked_out_dir(args.out)  # before any work: writable, not a file
        neuron = load_calibration(args.calibration)
        p = QUICK_PARAMS if args.quick else StreamParams()
        streams = args.streams or (QUICK_STREAMS if args.quick else 20)
        t0 = time.perf_counter()

        def progress(r: SeedResult):
            acc = ", ".join(f"{k[:5]} {v:.2f}" for k, v in r.accuracy.items())
            print(f"network: seed {r.seed}: {acc}", flush=True)

        results = run(neuron, args.seeds, streams, p, progress)
        command = "python -m behavioural.network" + (" --quick" if args.quick else "")
        meta = {
            "streams_per_class": streams,
            "calibration": str(args.calibration),
            "quick": args.quick,
            "wall_s": time.perf_counter() - t0,
            "command": command + f" --seeds {args.seeds} --streams {streams}",
        }
        summary = summarize(results, neuron, p, meta)
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
