"""``ipnet netlists`` (``make netlists``): the standard testbenches, written to run anywhere.

:mod:`circuits.write_netlists` renders each testbench and writes it with its model files;
this command is the edge that supplies what lies above the circuits: the compiled OSDI
models (:mod:`pyspice_flows.sim.osdi`, compiled on demand) and the spike threshold of the
measurement (:data:`pyspice_flows.measure.LOGIC_THRESHOLD_FRACTION`), so that a written
netlist counts spikes as the toolkit does.
"""

from __future__ import annotations

import sys
from pathlib import Path

from circuits.ipnet_design import (
    add_design_argument,
    checked_neuron_design,
    design_from_options,
)
from circuits.mtj_device import add_device_argument
from circuits.paths import BUILD_DIR, shown
from circuits.scenarios import Scenario, standard_scenarios
from circuits.write_netlists import write_netlists
from pyspice_flows import measure
from pyspice_flows.app.commandline import (
    add_debug_flag,
    add_out_argument,
    add_temperature_argument,
    command_parser,
    run_main,
)
from pyspice_flows.sim import osdi

OUT_DIR = BUILD_DIR / "netlists"


def write_testbenches(
    out_dir: Path = OUT_DIR,
    scenarios: list[Scenario] | None = None,
    temperature_k: float | None = None,
) -> list[Path]:
    """Write ``scenarios`` (default: the standard three) as stand-alone testbenches into
    ``out_dir`` with the toolkit's compiled models and spike threshold, at the ambient
    ``temperature_k`` [K] (a ``.temp`` card; None: none, ngspice's 27 C); returns the paths."""
    return write_netlists(
        out_dir,
        standard_scenarios() if scenarios is None else scenarios,
        osdi.osdi_path,
        measure.LOGIC_THRESHOLD_FRACTION,
        temperature_k,
    )


def main(argv: list[str] | None = None) -> int:
    """``ipnet netlists [--out DIR] [--device FILE] [--design FILE] [--temp K] [--debug]``.

    Exit 0, 1 on an error (one line on stderr), 2 on a usage error, 130 after Ctrl-C, 143
    after SIGTERM (:func:`pyspice_flows.app.commandline.run_main`).
    """
    parser = command_parser(
        "netlists",
        description="Write the standard testbenches (IPNet neuron, LIF baseline, 4 x 4 "
        "thermally coupled IPNet array) and their model files (DIR/lib/); each runs from any "
        "folder with `ngspice -b DIR/<name>.cir`, prints its .meas results and writes "
        "<name>.raw.",
    )
    add_out_argument(parser, OUT_DIR)
    add_device_argument(parser)
    add_design_argument(parser)
    add_temperature_argument(parser, "none: no .temp card, ngspice's 27 C")
    add_debug_flag(parser)
    args = parser.parse_args(argv)

    def body() -> int:
        if args.out.exists() and not args.out.is_dir():
            raise ValueError(f"--out {args.out} is a file, not a folder")
        scenarios = None
        if args.device is not None or args.design is not None or args.temp is not None:
            # a wrong file, or a device the neuron cannot work with at --temp, fails now
            design = design_from_options(args.design, args.device)
            if args.temp is not None:
                checked_neuron_design(design, args.device, [args.temp])
            if args.device is not None or args.design is not None:
                from circuits.ipnet_array import array_scenario
                from circuits.scenarios import ipnet_scenario, lif_scenario

                neuron = design.params()
                scenarios = [
                    ipnet_scenario(neuron),
                    lif_scenario(),
                    array_scenario(neuron=neuron),
                ]
        for path in write_testbenches(args.out, scenarios, args.temp):
            print(f"netlists: wrote {shown(path)}")
        return 0

    return run_main(parser.prog, body, args.debug)


if __name__ == "__main__":
    sys.exit(main())
