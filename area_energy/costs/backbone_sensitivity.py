"""Sensitivity of the same-backbone memory comparison: which assumption moves each ratio, and
by what factor an assumption would have to change to reach a published ratio.

Reported, never applied: no assumption is tuned to reach a published number.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import NamedTuple

from .backbone import Backbone, layer_memory
from .energy_table import ARITHMETIC_BITS, EnergyTable


class SensitivityRow(NamedTuple):
    """Both ratios at one layer with one assumption at ``low`` and at ``high``."""

    parameter: str
    low: object
    high: object
    lstm_low: float
    lstm_high: float
    cnn3d_low: float
    cnn3d_high: float


def _variants(backbone: Backbone, table: EnergyTable, write_energy_j: float):
    """Assumption name -> (low label, high label, (backbone, table, write) low, ... high)."""
    rows = []

    def halve_double(name):
        value = getattr(backbone, name)
        if isinstance(value, int):
            low, high = max(1, value // 2), value * 2
        else:
            low, high = value / 2, min(value * 2, 1.0) if name == "activity_per_step" else value * 2
        return name, low, high

    for name in ("time_step_s", "frames", "kernel_t", "activity_per_step", "max_sram_bytes"):
        name, low, high = halve_double(name)
        rows.append(
            (
                name,
                low,
                high,
                (
                    lambda v, n=name: (
                        dataclasses.replace(backbone, **{n: v}),
                        table,
                        write_energy_j,
                    )
                ),
            )
        )
    bits = ARITHMETIC_BITS[backbone.arithmetic]
    i = bits.index(backbone.bits)
    rows.append(
        (
            "bits",
            bits[max(i - 1, 0)],
            bits[min(i + 1, len(bits) - 1)],
            lambda v: (dataclasses.replace(backbone, bits=v), table, write_energy_j),
        )
    )
    return rows


def sensitivity_at_layer(
    index: int,
    backbone: Backbone,
    table: EnergyTable,
    write_energy_j: float,
    heat_energy_j: float | None = None,
) -> list[SensitivityRow]:
    """Both ratios at layer ``index`` with each assumption changed in turn (NaN where the
    changed configuration is not allowed).  Rows: time step, clip length, temporal kernel,
    activity, largest SRAM, word width (halved/doubled or the neighbouring widths), SRAM cell
    type (LSTP/HP), SRAM model (CACTI / Horowitz b/64), DRAM at Horowitz's low/high end,
    node scaling off/on, and (with ``heat_energy_j``) the IPNet write counted as the MTJ's
    Joule heat only."""

    def ratios(bb, tab, e):
        try:
            m = layer_memory(index, bb, tab, e)
            return m.lstm_over_ipnet, m.cnn3d_over_ipnet
        except ValueError:
            return math.nan, math.nan

    rows = []
    for name, low, high, make in _variants(backbone, table, write_energy_j):
        lo, hi = ratios(*make(low)), ratios(*make(high))
        rows.append(SensitivityRow(name, low, high, lo[0], hi[0], lo[1], hi[1]))
    base = ratios(backbone, table, write_energy_j)
    alt = [
        ("sram_cell_type", "itrs-lstp", "itrs-hp", table, _with_cell(table, "itrs-hp")),
        ("sram_access_model", "CACTI 7.0", "Horowitz b/64", table, table.with_sram(None)),
        ("dram_read_64b_pj", 1300, 2600, table, table.with_dram_high()),
        ("scale_to_28nm", True, False, table, table.with_scaling(False)),
    ]
    for name, low, high, t_low, t_high in alt:
        lo, hi = ratios(backbone, t_low, write_energy_j), ratios(backbone, t_high, write_energy_j)
        rows.append(SensitivityRow(name, low, high, lo[0], hi[0], lo[1], hi[1]))
    if heat_energy_j is not None:
        hi = ratios(backbone, table, heat_energy_j)
        rows.append(
            SensitivityRow(
                "ipnet_write_energy", "delivered", "MTJ heat", *base[:1], hi[0], base[1], hi[1]
            )
        )
    return rows


def _with_cell(table: EnergyTable, cell: str) -> EnergyTable:
    return table if table.sram is None else table.with_sram(table.sram.with_cell_type(cell))


def factor_to_reach(
    ratio_of: Callable[[float], float],
    target: float,
    low: float = 1e-6,
    high: float = 1e6,
    steps: int = 241,
) -> float | None:
    """The factor f (``low`` <= f <= ``high``, nearest to 1) at which ``ratio_of(f)``
    reaches ``target``; None if it does not within the range.  Scans f on a log grid, then
    bisects the bracket in log space and returns its end on the target's side (so a step
    function, e.g. of an integer parameter, is reported where it has crossed)."""
    if not (math.isfinite(target) and target > 0):
        raise ValueError(f"target = {target!r} is not allowed (allowed: > 0)")
    grid = [low * (high / low) ** (i / (steps - 1)) for i in range(steps)]
    grid.sort(key=lambda f: abs(math.log(f)))

    def g(f):
        try:
            r = ratio_of(f)
        except ValueError:
            return math.nan
        return math.log(r / target) if r > 0 else math.nan

    g1 = g(1.0)
    if not math.isfinite(g1):
        return None
    if g1 == 0:
        return 1.0
    best = None
    for f in grid:
        gf = g(f)
        if math.isfinite(gf) and (gf == 0 or (gf > 0) != (g1 > 0)):
            best = f
            break
    if best is None:
        return None
    a, b = (1.0, best)
    ga = g1
    for _ in range(80):
        m = math.sqrt(a * b)
        gm = g(m)
        if not math.isfinite(gm):
            break
        if (gm > 0) == (ga > 0):
            a, ga = m, gm
        else:
            b = m
    return b  # the end of the bracket on the target's side
