"""A start for large IPNet arrays: one neuron's operating point tiled onto every neuron.

The operating point of a coupled array of many identical neurons takes VACASK and ngspice
many Newton iterations from the simulators' own start (every node at 0 V but the latches'
``.nodeset``).  At rest every neuron of :mod:`circuits.ipnet_array` sits at the same point:
the neurons share the supplies and the bias lines (which feed gates only), their inputs are
at 0 V at t = 0, and the thermal coupling carries no heat between neurons at the same rise.
So one neuron's operating point, given to every neuron as ``.nodeset`` cards, starts the
array's Newton iteration next to its solution.  A nodeset only guides the first iterations:
the simulators release it, so the converged solution is the array's own.

:class:`TiledStart` holds the voltages; ``ArrayParams(start=...)`` renders them into the
netlist text, the one source both simulators read (VACASK's translator turns the cards into
its analysis' ``nodeset``).  The values come from a simulation
(``pyspice_flows.sim.array_start.rest_start``), never typed in.  The same cards start an
array of neuron v4 (:mod:`circuits.ipnet_neuron_v4`: neurons ``X<k>`` with ``out<k>`` and
``th<k>``, one shared bias generator ``XB``), the working memory's 8 x 8 array.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .ipnet_neuron import BIAS_PINS

DRIVEN_NODES = frozenset(BIAS_PINS)
"""Shared nodes driven by an ideal source (the generator's buffers drive the bias lines):
no nodeset there.  VACASK forces a nodeset node and checks its KCL residual: on a bias line
the gate leakage of every neuron sums up (1.3e-12 A at 1,024 neurons, above VACASK's
residual tolerance), and the forced operating point never converges (measured)."""


@dataclass(frozen=True)
class TiledStart:
    """A start for a large array: node voltages [V] of ONE neuron at rest, tiled onto every
    neuron as ``.nodeset`` cards (so ngspice and VACASK read the same start from the netlist).

    neuron: (node, V) of the neuron's own nodes by their name inside its subcircuit (``q``,
    ``j``, ...) and its ``out`` and ``th`` pins (``th`` in K); shared: (node, V) of the nodes
    all neurons share (``xb.<node>`` inside the bias generator).  Made from an operating
    point by :meth:`from_solution`; nodes driven by a source (supplies, inputs, the bias
    lines) are left out.
    """

    neuron: tuple[tuple[str, float], ...]
    shared: tuple[tuple[str, float], ...] = ()

    def __post_init__(self):
        for node, v in (*self.neuron, *self.shared):
            if not (isinstance(node, str) and node.strip() and not set(node) & set(" =()")):
                raise ValueError(f"tiled start: node {node!r}; allowed a plain node name")
            if not _finite(v):
                raise ValueError(f"tiled start: v({node})={v!r}; allowed a finite number")
            if node in DRIVEN_NODES:
                raise ValueError(
                    f"tiled start: {node} is driven by the bias generator; no nodeset there"
                )

    @classmethod
    def from_solution(cls, values) -> TiledStart:
        """The start from the operating point of a one-neuron array ({ngspice vector name:
        V}): ``x1.<node>``, ``out1`` and ``th1`` become the neuron's, ``xb.<node>`` the
        shared ones; currents, source-driven nodes and device internals are dropped."""
        neuron, shared = [], []
        for name, v in sorted(values.items()):
            if "#" in name:
                continue
            if name.startswith("x1."):
                neuron.append((name[3:], float(v)))
            elif name in ("out1", "th1"):
                neuron.append((name[:-1], float(v)))
            elif name.startswith("xb."):
                shared.append((name, float(v)))
        if not any(node not in ("out", "th") for node, _ in neuron):
            raise ValueError(
                "tiled start: the solution has no x1.<node> (not a one-neuron IPNet array?)"
            )
        return cls(tuple(neuron), tuple(shared))

    def nodeset_lines(self, n: int) -> list[str]:
        """The ``.nodeset`` cards of an array of ``n`` neurons: one per neuron, one shared."""
        pin = {"out": "out{k}", "th": "th{k}"}

        def card(pairs):
            return ".nodeset " + " ".join(f"v({node})={v:.6g}" for node, v in pairs)

        lines = [card(self.shared)] if self.shared else []
        for k in range(1, n + 1):
            lines.append(
                card((pin[x].format(k=k) if x in pin else f"x{k}.{x}", v) for x, v in self.neuron)
            )
        return lines


def _finite(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


__all__ = ["TiledStart"]
