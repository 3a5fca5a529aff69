"""Single-junction testbenches for characterizing the ``mtj`` model (netlist text).

Each function returns a complete netlist body (title line first, no analysis card): the
session adds the analysis.  The junction is instance ``N1`` between ``p`` and ground with
its thermal node ``t``; its internal state is ``n1#m`` (+1 P .. -1 AP).
"""

from __future__ import annotations

from .mtj_device import MtjParams

EDGE_S = 1e-12  # rise/fall time of the drive pulses [s]


def _junction(p: MtjParams, state0: int) -> list[str]:
    return ["N1 p 0 t mtj_dev", p.model_line("mtj_dev", state0=state0)]


def dc_bias(p: MtjParams, v_bias: float, state0: int) -> str:
    """A voltage source V1 across the junction (sweep it with a DcSweep of ``v1``)."""
    return (
        "\n".join(
            [f"mtj dc bias, state0={state0}", f"V1 p 0 DC {v_bias:.8g}", *_junction(p, state0)]
        )
        + "\n"
    )


def current_pulses(
    p: MtjParams,
    pulses: list[tuple[float, float, float]],
    state0: int = 1,
) -> str:
    """Current drive into ``p``: a list of (start [s], width [s], amplitude [A]) pulses.

    A positive amplitude flows from p to n through the junction (toward AP).
    """
    if not pulses:
        raise ValueError("current_pulses needs at least one (start, width, amplitude) pulse")
    pts = [(0.0, 0.0)]
    for start, width, amp in sorted(pulses):
        if width <= 2 * EDGE_S or start < pts[-1][0]:
            raise ValueError(f"pulse (start={start!r}, width={width!r}) overlaps or is too short")
        for point in (
            (start, 0.0),
            (start + EDGE_S, amp),
            (start + width - EDGE_S, amp),
            (start + width, 0.0),
        ):
            if point[0] > pts[-1][0]:
                pts.append(point)
    pwl = " ".join(f"{t:.17g} {a:.8g}" for t, a in pts)  # full precision: 1 ps edges at long times
    lines = [f"mtj current pulses, state0={state0}", f"I1 0 p PWL({pwl})", *_junction(p, state0)]
    return "\n".join(lines) + "\n"


def voltage_triangle(p: MtjParams, v_max: float, period_s: float, state0: int = 1) -> str:
    """One triangular voltage cycle 0 -> +v_max -> -v_max -> 0 across the junction."""
    if v_max <= 0 or period_s <= 0:
        raise ValueError(
            f"voltage_triangle needs v_max > 0 and period_s > 0, got {v_max}, {period_s}"
        )
    q = period_s / 4
    pwl = f"0 0 {q:.6g} {v_max:.6g} {3 * q:.6g} {-v_max:.6g} {4 * q:.6g} 0"
    lines = [f"mtj R-V loop, state0={state0}", f"V1 p 0 PWL({pwl})", *_junction(p, state0)]
    return "\n".join(lines) + "\n"
