"""``ipnet``: one command for the toolkit; each subcommand is its ``python -m`` module.

    ipnet report [--out DIR] [--device FILE] [--temp K]   = python -m area_energy.report
    ipnet compare [--design F ...] [--device F ...] [--temp K ...] [--sweep DIR ...] --out DIR = python -m area_energy.report.compare
    ipnet netlists [--out DIR] [--device FILE] [--temp K] = python -m pyspice_flows.testbenches
    ipnet sweep [--spec FILE] [--scheduler ADDR] ...      = python -m pyspice_flows.sweep
    ipnet bench [...]                                     = python -m pyspice_flows.bench
    ipnet characterize [...]                              = python -m pyspice_flows.experiments.mtj_characterization
    ipnet plasticity [--out DIR] [--device FILE] [--temp K] = python -m pyspice_flows.experiments.plasticity
    ipnet osdi [--force] [--out DIR]                      = python -m pyspice_flows.sim.osdi
    ipnet working-memory [--design FILE] [--quick] [...]  = python -m area_energy.working_memory
    ipnet working-memory-v2 [--quick] [--out DIR] ...     = python -m pyspice_flows.experiments.working_memory
    ipnet behavioural [--design FILE] [--device FILE] [--temp K] [--quick] = python -m behavioural.v4_calibrate
    ipnet behavioural-v2 [--design FILE] [--device FILE] [--quick] = python -m behavioural.calibrate
    ipnet network [--quick] [--seeds N] [--streams N]     = python -m behavioural.network
    ipnet neuron-v4 [--design FILE] [--device FILE] [--temp K] [--trials N] [--quick] = python -m pyspice_flows.experiments.neuron_v4
    ipnet switching-probability [--device FILE] [--temp K] [--runs N] = python -m pyspice_flows.experiments.switching_probability
    ipnet thermal-spec [--device FILE] [--temp K] [--quick] = python -m pyspice_flows.experiments.thermal_spec
    ipnet behavioural-v4 [...]                            = ipnet behavioural (alias)
    ipnet working-memory-v4 [...]                         = ipnet working-memory (alias)

Everything after the subcommand goes to that module unchanged (``ipnet report --help``
prints the report's own help); each module's parser is
:func:`pyspice_flows.app.commandline.command_parser`, which names it ``ipnet <subcommand>``
however it runs, so ``sys.argv`` is never rewritten.  It lives in ``area_energy``, the top of the one-way data
flow, because the report is one of the commands it reaches.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from pyspice_flows.app import commandline

# name -> (what `python -m` runs, the module whose main(argv) runs it, help)
SUBCOMMANDS = {
    "report": (
        "area_energy.report",
        "area_energy.report.build",
        "simulate both neurons and write the energy/area report",
    ),
    "compare": (
        "area_energy.report.compare",
        "area_energy.report.compare",
        "designs, devices and temperatures side by side: DIR/compare.{md,html,json}",
    ),
    "netlists": (
        "pyspice_flows.testbenches",
        "pyspice_flows.testbenches",
        "write the testbench netlists",
    ),
    "sweep": (
        "pyspice_flows.sweep",
        "pyspice_flows.sweep.cli",
        "variation sweep (local processes or a Dask cluster)",
    ),
    "bench": ("pyspice_flows.bench", "pyspice_flows.bench.cli", "benchmarks -> build/bench.json"),
    "characterize": (
        "pyspice_flows.experiments.mtj_characterization",
        "pyspice_flows.experiments.mtj_characterization",
        "MTJ characterization flows",
    ),
    "plasticity": (
        "pyspice_flows.experiments.plasticity",
        "pyspice_flows.experiments.plasticity",
        "heat-memory (plasticity) curve",
    ),
    "osdi": (
        "pyspice_flows.sim.osdi",
        "pyspice_flows.sim.osdi",
        "compile the Verilog-A models (cached)",
    ),
    "working-memory": (
        "area_energy.working_memory",
        "area_energy.working_memory",
        "recency, free recall and interference on neuron v4 as firing probabilities",
    ),
    "working-memory-v2": (
        "pyspice_flows.experiments.working_memory",
        "pyspice_flows.experiments.working_memory.protocols",
        "the latency protocols of neuron v2 on coupled arrays",
    ),
    "behavioural": (
        "behavioural.v4_calibrate",
        "behavioural.v4_calibrate",
        "behavioural neuron v2 on neuron v4: calibrate per design/device/temperature, validate",
    ),
    "behavioural-v2": (
        "behavioural.calibrate",
        "behavioural.calibrate",
        "behavioural model of neuron v2 (latency neuron): calibrate at 27 C, validate",
    ),
    "network": (
        "behavioural.network",
        "behavioural.network",
        "22-class event streams through five memory variants, linear readout",
    ),
    "switching-probability": (
        "pyspice_flows.experiments.switching_probability",
        "pyspice_flows.experiments.switching_probability",
        "MTJ switching probability: seeded mtj_stoch ensembles against the law and the macrospin",
    ),
    "thermal-spec": (
        "pyspice_flows.experiments.thermal_spec",
        "pyspice_flows.experiments.thermal_spec",
        "device thermal spec: heat-memory gain over thermal networks (exact switching law)",
    ),
    "working-memory-v4": (
        "area_energy.working_memory",
        "area_energy.working_memory",
        "alias of working-memory",
    ),
    "neuron-v4": (
        "pyspice_flows.experiments.neuron_v4",
        "pyspice_flows.experiments.neuron_v4",
        "heat-gated neuron v4: transfer curve, heat memory and ablation from seeded trials",
    ),
    "behavioural-v4": (
        "behavioural.v4_calibrate",
        "behavioural.v4_calibrate",
        "alias of behavioural",
    ),
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="ipnet",
        description="IPNet-SPICE command line; `ipnet COMMAND --help` for a command's options.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (run_as, _, help_text) in SUBCOMMANDS.items():
        sub.add_parser(name, help=f"{help_text} (python -m {run_as})", add_help=False)
    if not argv or argv[0] not in SUBCOMMANDS:
        parser.parse_args(argv[:1])  # prints usage / help and exits (0 for --help, else 2)
        return 2  # pragma: no cover - parse_args exits
    name, rest = argv[0], argv[1:]
    prog = f"ipnet {name}"
    # one handler for every subcommand: one line on stderr (the traceback with --debug),
    # exit 1 on an error, 130 on Ctrl-C, 143 on SIGTERM; usage errors stay argparse's 2.
    # Every subcommand's parser (commandline.command_parser) and messages take the name
    # typed, an alias included; sys.argv is left as it is.
    with commandline.invoked_as(prog, debug="--debug" in rest):
        return commandline.run_main(
            prog, lambda: importlib.import_module(SUBCOMMANDS[name][1]).main(rest)
        )


if __name__ == "__main__":
    sys.exit(main())
