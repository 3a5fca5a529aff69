"""Write the standard testbench netlists to build/netlists/ (``make netlists``).

Each file runs as it is with ``ngspice -b build/netlists/<name>.cir`` from the repository
root; PySpice simulates the very same circuits (``circuits.scenarios``).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from .mtj_device import add_device_argument, checked_device_file
from .scenarios import Scenario, standard_scenarios
from .technology import REPO_ROOT

OUT_DIR = REPO_ROOT / "build" / "netlists"


def write_netlists(out_dir: Path = OUT_DIR, scenarios: list[Scenario] | None = None) -> list[Path]:
    """Write one ``<name>.cir`` per scenario (atomically); returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for sc in scenarios or standard_scenarios():
        path = out_dir / f"{sc.name}.cir"
        tmp = path.with_suffix(".cir.tmp")
        tmp.write_text(sc.netlist_text())
        tmp.replace(path)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m circuits.write_netlists [--out DIR] [--device FILE] [--debug]``.

    Exit 0, 1 on an error (one line on stderr), 2 on a usage error, 130 after Ctrl-C.
    """
    parser = argparse.ArgumentParser(
        prog="python -m circuits.write_netlists",
        description="Write the standard testbench netlists (IPNet neuron, LIF baseline, 4 x 4 "
        "thermally coupled IPNet array); each runs "
        "as it is with `ngspice -b <file>` from the repository root.",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=OUT_DIR,
        metavar="DIR",
        help="output folder (default: build/netlists)",
    )
    add_device_argument(parser)
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    args = parser.parse_args(argv)
    try:
        if args.out.exists() and not args.out.is_dir():
            raise ValueError(f"--out {args.out} is a file, not a folder")
        scenarios = None
        if checked_device_file(args.device) is not None:
            from .ipnet_array import array_scenario
            from .ipnet_neuron import IpnetParams
            from .scenarios import ipnet_scenario, lif_scenario

            neuron = IpnetParams(device_file=args.device)
            scenarios = [ipnet_scenario(neuron), lif_scenario(), array_scenario(neuron=neuron)]
        paths = write_netlists(args.out, scenarios)
    except KeyboardInterrupt:
        print("netlists: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the command line's last line of defence
        if args.debug:
            traceback.print_exc()
        text = " | ".join(ln.strip() for ln in str(exc).splitlines() if ln.strip())
        print(f"netlists: error: {text or type(exc).__name__}", file=sys.stderr)
        return 1
    for path in paths:
        full = path.resolve()
        shown = full.relative_to(REPO_ROOT) if full.is_relative_to(REPO_ROOT) else path
        print(f"netlists: wrote {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
