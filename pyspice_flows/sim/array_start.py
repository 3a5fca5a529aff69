"""The tiled start of large arrays from a simulation (issue 24): one neuron's operating point,
given to every neuron of an array as ``.nodeset`` cards (:class:`circuits.array_start.TiledStart`).

One place for the array benchmarks (:mod:`pyspice_flows.bench.array`) and the working-memory
arrays (:mod:`pyspice_flows.experiments.working_memory_v4_array` on neuron v4,
:mod:`pyspice_flows.experiments.working_memory.trials` on the IPNet array), which may not
import the benchmarks: the same size rule (:func:`uses_tiled_start`) and the same way from a
one-neuron circuit to the start (:func:`rest_start`).
"""

from __future__ import annotations

from circuits.array_start import TiledStart
from circuits.testbench import Testbench, render

from . import make_session
from .session import OperatingPoint

TILED_START_MIN_NEURONS = 16
"""From this size on the arrays start from one neuron's rest point tiled onto every neuron
(and, on VACASK, the benchmarks' arrays run without its residual check), measured on VACASK
with ``pyspice_flows.bench.array.bench_array_start`` (operating point and a 0.5 ns
transient): the operating point takes 241-291 Newton iterations from VACASK's own start at 4
to 256 neurons, 9 from the tiled one; at 4 neurons the VACASK process is 0.04-0.14 s
shorter, less than the 0.22 s of computing the start, at 16 neurons 0.5 s."""


def uses_tiled_start(n: int, tiled: bool | None = None) -> bool:
    """Whether an array of ``n`` neurons starts tiled: ``tiled`` when given, else from
    :data:`TILED_START_MIN_NEURONS` neurons on."""
    return n >= TILED_START_MIN_NEURONS if tiled is None else bool(tiled)


_STARTS: dict[tuple[str, str], TiledStart] = {}


def rest_start(circuit, session=None, temperature_k: float | None = None) -> TiledStart:
    """One neuron's rest state: the operating point of ``circuit`` (one neuron ``X1`` with its
    ``out1`` and ``th1`` and the shared bias generator ``XB``, its inputs as the array's at
    t = 0) on ``session`` (default: :func:`pyspice_flows.sim.make_session`, the process's
    simulator) at ``temperature_k`` [K] (None: the simulator's default), as a :class:`TiledStart`.  Once per process for a
    netlist and a simulator: the array's tasks in one worker share it."""
    session = make_session() if session is None else session
    tb = Testbench(circuit, OperatingPoint(), temperature_k=temperature_k)
    key = (type(session).__name__, render(tb))
    if key not in _STARTS:
        w = session.run(tb)
        _STARTS[key] = TiledStart.from_solution(
            {name: float(v[0]) for name, v in w.vectors.items()}
        )
    return _STARTS[key]


__all__ = ["TILED_START_MIN_NEURONS", "TiledStart", "rest_start", "uses_tiled_start"]
