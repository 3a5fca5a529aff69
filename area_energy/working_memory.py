"""``ipnet working-memory`` (alias ``working-memory-v4``; ``make working-memory``): the
working-memory protocols of neuron v4 (:mod:`pyspice_flows.experiments.working_memory_v4`)
with the layout pitch from the design's own layout area.

The area model lives here, in ``area_energy`` (the netlist's devices under the 28 nm rule
deck, :func:`area_energy.report.neuron_v4.v4_area`), a layer above the protocols, which may
not import it: this entry point hands it to the protocols' command line, which reads the
design (``--design``, ``--device``) and asks for its area,
``area_um2_per_neuron_amortized`` (the neuron's own devices plus its share of the bias
generator of a 16 x 16 array).  ``--layout-area-um2 A`` still overrides it.  Every option,
"--debug" included, is the protocols' own (``ipnet working-memory --help``).

    python -m area_energy.working_memory [--design FILE] [--device FILE] [--temp K]
        [--out DIR] [--quick] [--trials N] [--seed S] [--workers N | --scheduler ADDRESS]
        [--layout-area-um2 A]
"""

from __future__ import annotations

import sys

from area_energy.report.neuron_v4 import v4_area
from circuits import ipnet_neuron_v4 as v4
from pyspice_flows.experiments import working_memory_v4


def layout_area_um2(p: v4.IpnetV4Params) -> float:
    """Layout area of one neuron of design ``p`` with the shared bias generator amortized
    [um^2]: the area model's ``area_um2_per_neuron_amortized``."""
    return v4_area(p)["area_um2_per_neuron_amortized"]


def main(argv: list[str] | None = None) -> int:
    return working_memory_v4.main(argv, layout_area=layout_area_um2)


if __name__ == "__main__":
    sys.exit(main())
