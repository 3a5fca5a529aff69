"""The die's write-current trim DAC of IPNet neuron v4 (issue 20), as devices: a MOS
current divider, no resistors.

The write (unit) reference current enters a network of identical NMOS unit devices
(``W x L``, every gate that is on at the register's high level), whose two exits, the
output ``ts`` and the dump, sit at the same level ``V_x`` (an ideal regulation, as the
sense and the references are ideal).  Devices with equal gate voltage whose terminals end
on one potential divide a current exactly as the resistor network of their W/L would,
whatever their operating region (K. Bult and G. Geelen, "An inherently linear and
compact MOST-only current division technique", IEEE J. Solid-State Circuits 27 (12),
1992): the ratios are set by how many units sit in series and in parallel, not by their
on-resistance, so the temperature and the supply leave them alone.

Network (``bits`` = B; g: one unit's conductance)::

    I_in -> n0 --- base (q g: n units in parallel, and a chain of m units in series) --- ts
            n0 = l0 -- 2g -- l1 -- 2g -- ... -- l(B-1) -- g -- dump      (R-2R ladder)
                  |           |                   |
                 bit B-1     bit B-2             bit 0

each ``lk`` has the leg of bit B-1-k: one unit to ``ts`` (gate = the bit) and one to the
dump (gate = its complement), so the ladder's currents do not depend on the code: leg k
carries I_L / 2^(B-k), the ladder's input I_L = 2^B LSB.  The base takes
``base_lsb`` LSB (= 1/step - 2^(B-1), the resistor DAC's G_0): its conductance is
``q = base_lsb / 2^(B-1)`` units, realised as ``n + 1/m`` (for 6 bits at 1 %: 68/32 =
2 + 1/8, ten units).  Design equation (:meth:`TrimDac.factor`), unchanged::

    I_out(code) = LSB (base_lsb + code),   factor(code) = 1 + step (code - 2^(B-1))

and the reference current is ``I_in = LSB (base_lsb + 2^B) = (1 + step 2^(B-1)) I_mid``.
The register (``bits`` static latches written at test) is represented by its outputs, the
gate levels of each bit and of its complement; its transistors are counted in the area
(:data:`REGISTER_TRANSISTORS_PER_BIT`).  Mismatch is not in the netlist;
:func:`mismatch_dnl_lsb` estimates it from the units' spread.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

REGISTER_TRANSISTORS_PER_BIT = 6
"""A static latch per bit (two cross-coupled inverters and two access devices, written
once at test like an SRAM cell), drawn as minimum transistors of the rule deck."""
MAX_CHAIN = 64
"""Longest series chain of units the base may use (its fractional part 1/m)."""


@dataclass(frozen=True)
class Element:
    """One device of the divider: ``units`` unit devices in parallel (SPICE ``m``) from
    node ``a`` to node ``b`` with gate ``gate`` (``vdd`` or ``0``)."""

    name: str
    a: str
    b: str
    gate: str
    units: int = 1


@dataclass(frozen=True)
class TrimDac:
    """bits, step: the code's width and relative step; vref_v: the level of the output
    and dump terminals [V] (ideal regulation); unit_w_m, unit_l_m: the unit NMOS [m];
    i_mid_a: the current at the middle code [A]; tc_per_k, tnom_c: the reference
    current's relative slope [1/K] about tnom [C] (the write reference's law)."""

    bits: int
    step: float
    vref_v: float
    unit_w_m: float
    unit_l_m: float
    i_mid_a: float
    tc_per_k: float = 0.0
    tnom_c: float = 26.85

    def __post_init__(self):
        if not self.base_lsb > 0:
            raise ValueError(
                f"trim DAC: step {self.step:g} x 2^(bits-1) = {self.step * self.mid:g}; "
                "allowed < 1 (the lowest code must leave a positive base current)"
            )
        _ = self.base_units  # the base must be realisable from units

    @property
    def codes(self) -> int:
        return 2**self.bits

    @property
    def mid(self) -> int:
        return self.codes // 2

    @property
    def base_lsb(self) -> float:
        """The base current in LSB, 1 / step - 2^(bits-1)."""
        return 1.0 / self.step - self.mid

    @property
    def base_units(self) -> tuple[int, int]:
        """(n, m): the base's conductance ``n + 1/m`` units (m = 0: no chain), equal to
        base_lsb / 2^(bits-1) (the ladder's input conductance is 2 units)."""
        q = self.base_lsb / self.mid
        n = math.floor(q + 1e-9)
        frac = q - n
        if frac < 1e-9:
            return n, 0
        m = round(1.0 / frac)
        if m > MAX_CHAIN or not math.isclose(1.0 / m, frac, rel_tol=1e-6):
            raise ValueError(
                f"trim DAC: step {self.step:g} with {self.bits} bits needs a base of "
                f"{q:.6g} units of the divider; allowed n + 1/m units (m <= {MAX_CHAIN}), "
                "e.g. step 0.01 with 6 bits (2 + 1/8)"
            )
        return n, m

    @property
    def lsb_a(self) -> float:
        return self.step * self.i_mid_a

    @property
    def i_in_a(self) -> float:
        """The reference current into the divider at tnom [A]."""
        return self.lsb_a * (self.base_lsb + self.codes)

    def check_code(self, code: int) -> int:
        if isinstance(code, bool) or not (isinstance(code, int) and 0 <= code < self.codes):
            raise ValueError(f"neuron v4: trim code {code!r}; allowed 0..{self.codes - 1}")
        return code

    def factor(self, code: int) -> float:
        """The write current at ``code`` over the middle code's (design equation)."""
        g = self.base_lsb + self.check_code(code)
        return g / (self.base_lsb + self.mid)

    def elements(self, code: int) -> list[Element]:
        """The divider's devices at ``code``: base (``MTB``, chain ``MTC<i>``), legs to
        the output (``MT<k>``, gate = bit k) and to the dump (``MD<k>``, its complement),
        ladder series (``MS<k>``, 2 units) and terminator ``MTT``; nodes ``n0``/``l<k>``
        (``l0`` is ``n0``), ``c<i>`` in the chain, ``ts`` the output, ``tx`` the dump."""
        self.check_code(code)
        n, m = self.base_units
        out: list[Element] = []
        if n:
            out.append(Element("MTB", "n0", "ts", "vdd", n))
        chain = ["n0", *(f"c{i}" for i in range(1, m)), "ts"] if m else []
        out += [
            Element(f"MTC{i + 1}", a, b, "vdd") for i, (a, b) in enumerate(zip(chain, chain[1:]))
        ]
        node = ["n0", *(f"l{k}" for k in range(1, self.bits))]
        for k in range(self.bits):
            bit = self.bits - 1 - k
            on = code >> bit & 1
            out.append(Element(f"MT{bit}", node[k], "ts", "vdd" if on else "0"))
            out.append(Element(f"MD{bit}", node[k], "tx", "0" if on else "vdd"))
            if k + 1 < self.bits:
                out.append(Element(f"MS{k}", node[k], node[k + 1], "vdd", 2))
        out.append(Element("MTT", node[-1], "tx", "vdd"))
        return out

    @property
    def unit_devices(self) -> int:
        """Unit devices of the divider (the register's not included)."""
        return sum(e.units for e in self.elements(0))

    def spice(self, code: int, level_expr: str, nmos_model: str) -> str:
        """The DAC's elements inside a subcircuit with pins ``vdd`` (the register's high
        level and the reference's supply) and ground: ``BTI`` (the reference current, from
        vdd into ``n0``, with the law of ``tc_per_k``), ``BVTX`` (the terminals' level,
        ``level_expr``), the devices of :meth:`elements`; the output's current flows
        through ``VTS`` (0 V, ``ts`` to ``tx``), whose current the caller copies."""
        law = f"(1+({self.tc_per_k:.6g})*(temper-({self.tnom_c:.6g})))"
        lines = [f"BTI vdd n0 I={self.i_in_a:.6g}*{law}", f"BVTX tx 0 V={level_expr}"]
        w, length = self.unit_w_m, self.unit_l_m
        for e in self.elements(code):
            mult = f" m={e.units}" if e.units > 1 else ""
            lines.append(
                f"{e.name} {e.a} {e.gate} {e.b} 0 {nmos_model} w={w:.6g} l={length:.6g}{mult}"
            )
        lines.append("VTS ts tx DC 0")
        return "\n".join(lines) + "\n"


def divider_output(dac: TrimDac, code: int, unit_g: np.ndarray | None = None) -> float:
    """The output current [A] of the divider at ``code`` as a linear network (Kirchhoff,
    ``numpy``): every on unit a conductance ``unit_g[i]`` (1 when None), the output and
    the dump at one potential, ``dac.i_in_a`` injected at ``n0``."""
    elements = [e for e in dac.elements(code) if e.gate == "vdd"]
    fixed = {"ts", "tx"}
    nodes = sorted({x for e in elements for x in (e.a, e.b)} - fixed)
    index = {x: i for i, x in enumerate(nodes)}
    g_matrix = np.zeros((len(nodes), len(nodes)))
    k = 0
    conductance = []
    for e in elements:
        g = float(np.sum(unit_g[k : k + e.units])) if unit_g is not None else float(e.units)
        k += e.units
        conductance.append(g)
        for x, y in ((e.a, e.b), (e.b, e.a)):
            if x in index:
                g_matrix[index[x], index[x]] += g
                if y in index:
                    g_matrix[index[x], index[y]] -= g
    rhs = np.zeros(len(nodes))
    rhs[index["n0"]] = dac.i_in_a
    v = np.linalg.solve(g_matrix, rhs)
    return sum(
        g * v[index[e.a]] for e, g in zip(elements, conductance) if e.b == "ts" and e.a in index
    )


def mismatch_dnl_lsb(dac: TrimDac, sigma_unit: float, dice: int, seed: int) -> np.ndarray:
    """The worst |DNL| [LSB] of ``dice`` dice whose every unit device's conductance is
    off by a normal relative error of ``sigma_unit`` (Monte Carlo on
    :func:`divider_output`; the units are drawn once per die, the same at every code)."""
    rng = np.random.default_rng(seed)
    units = max(sum(e.units for e in dac.elements(c)) for c in (0, dac.codes - 1))
    worst = np.empty(dice)
    for d in range(dice):
        draws = 1.0 + sigma_unit * rng.standard_normal(units)
        i = np.array([_per_die(dac, c, draws) for c in range(dac.codes)])
        lsb = (i[-1] - i[0]) / (dac.codes - 1)
        worst[d] = np.abs(np.diff(i) / lsb - 1.0).max()
    return worst


def _per_die(dac: TrimDac, code: int, draws: np.ndarray) -> float:
    """A die's output at ``code``: each device keeps its own units' draws whether it is
    on or off (devices in the order of :meth:`TrimDac.elements` at code 0, by name)."""
    order = {e.name: i for i, e in enumerate(dac.elements(0))}
    starts = np.cumsum([0] + [e.units for e in dac.elements(0)])
    on = [e for e in dac.elements(code) if e.gate == "vdd"]
    g = np.concatenate([draws[starts[order[e.name]] : starts[order[e.name] + 1]] for e in on])
    return divider_output(dac, code, g)
