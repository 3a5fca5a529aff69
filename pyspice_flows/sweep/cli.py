"""``python -m pyspice_flows.sweep``: the command line of the variation sweeps."""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

from circuits.ipnet_design import add_design_argument
from circuits.paths import shown
from pyspice_flows.app.commandline import (
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    Terminated,
    add_count_argument,
    add_debug_flag,
    add_out_argument,
    add_workers_argument,
    check_workers,
    checked_out_dir,
    command_parser,
    one_line,
    positive_float,
    raise_on_sigterm,
)
from pyspice_flows.sim.session import ngspice_threads

from .datasheet import FEW_SAMPLES, datasheet_lines, figure_unit, fmt
from .designs import spec_with_design
from .runners import default_workers, run_sweep
from .spec import DEFAULT_OUT, DEFAULT_SPEC, load_spec
from .spec_checks import check_neuron_device

_DESCRIPTION = "Variation sweeps: many isolated ngspice simulations, in parallel, into one table."


def _verdict(flag: bool | None) -> str:
    return {True: "PASS", False: "FAIL", None: "-"}[flag]


def _percent(fraction: float | None) -> str:
    return "-" if fraction is None else f"{100.0 * fraction:.1f} %"


def yield_lines(summary: dict) -> list[str]:
    """The spec limits, a per-corner yield table and the overall yield of ``summary.json``,
    each with PASS/FAIL (a corner passes at a yield of at least ``yield_target``)."""
    target = summary["yield_target"]
    lines = []
    for name, lim in summary["limits"].items():
        unit = lim["unit"] or figure_unit(name)
        low = "-inf" if lim["min"] is None else fmt(lim["min"], unit)
        high = "inf" if lim["max"] is None else fmt(lim["max"], unit)
        typ = "" if lim["typ"] is None else f", typ {fmt(lim['typ'], unit)}"
        counts = [c["figures"][name]["n_in_spec"] for c in summary["corners"]]
        verdict = (
            "typ only, not judged"
            if None in counts
            else f"{sum(counts)} of {summary['ok'] + summary['failed']} samples inside: "
            f"{_verdict(summary['pass'][name])}"
        )
        lines.append(f"  limit {name}: [{low}, {high}]{typ}: {verdict}")
    if not summary["limits"]:
        lines.append("  no spec limits: a sample meets spec when it is ok")
    width = max([len("corner"), *(len(c["label"]) for c in summary["corners"])])
    lines.append(
        f"yield by corner (target {100.0 * target:.0f} %; in spec = ok and every limited "
        "figure within its limits):"
    )
    lines.append(f"  {'corner':<{width}}  {'n':>4}  {'ok':>4}  {'in spec':>7}  {'yield':>7}")
    for c in summary["corners"]:
        lines.append(
            f"  {c['label']:<{width}}  {c['n']:>4}  {c['ok']:>4}  {c['meets_spec']:>7}  "
            f"{_percent(c['yield']):>7}  {_verdict(c['meets_target'])}"
        )
    windowed = [c for c in summary["corners"] if c.get("window")]
    if windowed:
        w0 = windowed[0]["window"]
        lines.append(
            f"window by corner (every sample silent at or below {w0['silent_figure']}'s "
            f"smallest, every one firing at or above {w0['fires_figure']}'s largest):"
        )
        for c in windowed:
            w = c["window"]
            silent = "-" if w["highest_silent"] is None else f"{w['highest_silent']:.4g}"
            fires = "-" if w["lowest_firing"] is None else f"{w['lowest_firing']:.4g}"
            lines.append(f"  {c['label']:<{width}}  silent <= {silent}  fires >= {fires}")
    judged = [c for c in summary["corners"] if c["meets_target"] is not None]
    below = sum(not c["meets_target"] for c in judged)
    lines.append(
        f"yield {_percent(summary['yield'])} ({summary['meets_spec']} of "
        f"{summary['ok'] + summary['failed']} samples meet spec): "
        f"{_verdict(summary['meets_target'])} ({below} of {len(judged)} corners below "
        f"{100.0 * target:.0f} %)"
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = command_parser("sweep", description=_DESCRIPTION)
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="sweep spec (TOML)")
    add_workers_argument(parser, "local worker processes")
    parser.add_argument(
        "--scheduler", default=None, help="Dask scheduler address, e.g. tcp://host:8786"
    )
    add_out_argument(parser, DEFAULT_OUT)
    add_count_argument(parser, "--samples", "override the spec's sample count")
    parser.add_argument(
        "--retry-failed", action="store_true", help="rerun samples recorded as failed"
    )
    parser.add_argument(
        "--timeout",
        type=positive_float("--timeout"),
        default=None,
        help="time limit of one sample [s], > 0 (default: the spec's timeout_s)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_design_argument(parser)
    add_debug_flag(parser)
    args = parser.parse_args(argv)
    if args.scheduler is None:
        check_workers(parser, args)
    raise_on_sigterm()
    try:
        spec = load_spec(args.spec)
        if args.design is not None:  # the spec's device, if it names one, replaces the design's
            spec = spec_with_design(spec, args.design)
        check_neuron_device(spec)  # a device that cannot work fails now, not in every sample
        if args.scheduler is None:
            ngspice_threads()  # a bad $IPNET_NGSPICE_THREADS fails here, not as failed rows
        if args.samples is not None:
            spec = spec.with_samples(args.samples)
        args.out = checked_out_dir(args.out)  # writable, and no other run writing into it
        where = (
            f"Dask scheduler {args.scheduler}"
            if args.scheduler
            else f"{args.workers if args.workers is not None else default_workers()} local worker process(es)"
        )
        print(
            f"sweep: {spec.name}: {spec.samples} samples, seed {spec.seed}, {spec.evaluate} on {where}",
            flush=True,
        )
        res = run_sweep(
            spec,
            args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=not args.no_progress,
            retry_failed=args.retry_failed,
            timeout_s=args.timeout,
        )
    except KeyboardInterrupt as exc:
        how = "terminated (SIGTERM)" if isinstance(exc, Terminated) else "interrupted"
        print(f"sweep: {how}; the rows written so far are kept -- rerun to resume", file=sys.stderr)
        return EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - the command line's last line of defence
        if args.debug:
            traceback.print_exc()
        print(f"sweep: error: {one_line(exc)}", file=sys.stderr)
        return 1
    print(
        f"sweep: ran {res.ran} samples in {res.wall_s:.1f} s, skipped {res.skipped} already done; "
        f"{res.ok} ok, {res.failed} failed"
    )
    summary = json.loads(res.summary_path.read_text())
    limits = summary["limits"]
    for name, s in summary["figures"].items():
        unit = limits[name]["unit"] if name in limits and limits[name]["unit"] else ""
        unit = unit or figure_unit(name)
        few = f"  ! n < {FEW_SAMPLES}: the percentiles say little" if s.get("few_samples") else ""
        print(
            f"sweep:   {name}: median {fmt(s['median'], unit)}  (5-95 %: {fmt(s['p05'], unit)} "
            f".. {fmt(s['p95'], unit)}, n={s['n']}){few}"
        )
    for msg, n in summary["failure_messages"].items():
        print(f"sweep:   failed x{n}: {msg}")
    for line in yield_lines(summary):
        print(f"sweep: {line}")
    for line in datasheet_lines(summary):
        print(f"sweep: {line}")
    for p in (res.csv_path, *res.plots):
        print(f"sweep: wrote {shown(p)}")
    return 0 if res.ok or not (res.ok + res.failed) else 1
