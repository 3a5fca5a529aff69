"""The die's write-current trim DAC of IPNet neuron v4 (issue 20), as devices.

The write (unit) reference current is a reference voltage over a trimmed conductance::

    I(code) = V_ref(T) * (G_0 + sum_k b_k 2^k G_u),   G_u = 1 / R_lsb

a base resistor ``R_0 = R_lsb / base_lsb`` and ``bits`` binary-weighted resistors
``R_lsb / 2^k``, each in series with an NMOS switch whose gate is the register's bit
``b_k`` (0 or VDD).  The legs end on a virtual ground (an ideal 0 V sense source, as the
references are ideal); the sensed current is copied to the generator's two write lines.

Design equation (:meth:`TrimDac.factor`): ``G_0 = (1 / step - 2^(bits-1)) G_u`` puts the
middle code at the nominal current and one code at ``step`` of it::

    factor(code) = (G_0 + code G_u) / (G_0 + 2^(bits-1) G_u) = 1 + step (code - 2^(bits-1))

Linearity: switch ``k`` is ``2^k`` fingers of the unit switch (BSIM4 ``nf``), so every
leg has the same ratio of on-resistance to resistance, ``eps = r_on / R_lsb``: the legs'
conductances all scale by ``1 / (1 + eps)`` and the DAC stays linear in the code (no
DNL from the switches); ``eps`` only shortens the step by ``eps`` and lowers the middle
code's current by ``eps x 2^(bits-1) step`` (the base leg has no switch).  The register
(``bits`` static latches written at test) is represented by its outputs, the gate levels;
its transistors are counted in the area (:data:`REGISTER_TRANSISTORS_PER_BIT`).
"""

from __future__ import annotations

from dataclasses import dataclass

REGISTER_TRANSISTORS_PER_BIT = 6
"""A static latch per bit (two cross-coupled inverters and two access devices, written
once at test like an SRAM cell), drawn as minimum transistors of the rule deck."""


@dataclass(frozen=True)
class TrimDac:
    """bits, step: the code's width and relative step; vref_v: the reference voltage at
    tnom [V]; switch_w_m, switch_l_m: the unit (LSB) switch [m]; i_mid_a: the current at
    the middle code [A] (sets R_lsb = vref / (step i_mid))."""

    bits: int
    step: float
    vref_v: float
    switch_w_m: float
    switch_l_m: float
    i_mid_a: float

    def __post_init__(self):
        if not self.base_lsb > 0:
            raise ValueError(
                f"trim DAC: step {self.step:g} x 2^(bits-1) = {self.step * self.mid:g}; "
                "allowed < 1 (the lowest code must leave a positive base conductance)"
            )

    @property
    def codes(self) -> int:
        return 2**self.bits

    @property
    def mid(self) -> int:
        return self.codes // 2

    @property
    def base_lsb(self) -> float:
        """The base conductance in LSB conductances, 1 / step - 2^(bits-1)."""
        return 1.0 / self.step - self.mid

    @property
    def r_lsb_ohm(self) -> float:
        return self.vref_v / (self.step * self.i_mid_a)

    def check_code(self, code: int) -> int:
        if isinstance(code, bool) or not (isinstance(code, int) and 0 <= code < self.codes):
            raise ValueError(f"neuron v4: trim code {code!r}; allowed 0..{self.codes - 1}")
        return code

    def factor(self, code: int) -> float:
        """The write current at ``code`` over the middle code's (design equation)."""
        g = self.base_lsb + self.check_code(code)
        return g / (self.base_lsb + self.mid)

    def spice(self, code: int, vref_expr: str, nmos_model: str) -> str:
        """The DAC's elements inside a subcircuit with pins ``vdd`` (the register's high
        level) and ground: ``BVTR`` (reference voltage, ``vref_expr`` its value), ``RTB``
        the base leg, ``RT<k>``/``MT<k>`` the binary legs; their sum flows into ``VTS``
        (0 V), whose current the caller copies."""
        self.check_code(code)
        r = self.r_lsb_ohm
        lines = [f"BVTR tr 0 V={vref_expr}", f"RTB tr ts {r / self.base_lsb:.6g}"]
        for k in range(self.bits):
            gate = "vdd" if code >> k & 1 else "0"
            lines.append(f"RT{k} tr td{k} {r / 2**k:.6g}")
            lines.append(
                f"MT{k} td{k} {gate} ts 0 {nmos_model} w={self.switch_w_m * 2**k:.6g} "
                f"l={self.switch_l_m:.6g} nf={2**k}"
            )
        lines.append("VTS ts 0 DC 0")
        return "\n".join(lines) + "\n"
