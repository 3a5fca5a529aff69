"""The schema of an MTJ device file: which keys, in which unit, within which physical range.

The model parameters, their units and descriptions are the Verilog-A declarations
(``models/verilog_a/mtj_parameters.vams`` through :mod:`circuits.mtj_model_spec`): the
field list is derived from them, never copied.  Those declarations only say what the
model's equations accept (mostly ``(0, inf)``); a device file must also describe a
junction that can exist, so :data:`PHYSICAL` narrows each range with a reason or a source.
A parameter declared without an entry there keeps its declared range.

Consistency rules between values of one file (:func:`consistency_errors`,
:func:`macrospin_check`): rp against ra / (pi d^2 / 4) when both are given, tc above
tnom and tau_th = rth cth within the measured thermal time scales; alpha, Ic0 and Delta
through the macrospin relation as a warning with the numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from . import mtj_model_spec as spec
from .schema import Quantity

MODEL_ONLY = ("version", "state0")
"""Parameters of the Verilog-A model that are not device properties: the model version
(fixed by the source) and the initial state (chosen per instance)."""


@dataclass(frozen=True)
class Range:
    lo: float
    hi: float
    reason: str


PHYSICAL: dict[str, Range] = {
    "rp": Range(
        30.0,
        3e7,
        "RA 0.1-1000 ohm um^2 of MgO barriers over diameters 8-500 nm",
    ),
    "tmr0": Range(
        0.1,
        7.0,
        "MgO junctions read at >= 10 %; the room-temperature record is 631 % "
        "(Scheike et al., APL 122, 112404 (2023))",
    ),
    "vh": Range(
        0.1,
        2.0,
        "measured TMR(V) of CoFeB/MgO junctions halves at 0.3-1 V",
    ),
    "asp": Range(
        0.0,
        1e-4,
        "Shang et al., PRB 58, R2917 (1998) fit 1e-5-5e-5 K^-1.5; above 1e-4 the "
        "polarisation would lose > 80 % by 400 K",
    ),
    "rth": Range(
        3e3,
        3e7,
        "spreading resistance 1/(8 k a) into both electrodes for a = 4-250 nm and "
        "k = 1-400 W/(m K)",
    ),
    "cth": Range(
        1e-19,
        1e-12,
        "about 3e6 J/(m^3 K) times a pillar of 8-500 nm diameter and 1-50 nm height, up to "
        "100x for the leads taking part",
    ),
    "ic0": Range(
        1e-6,
        1e-3,
        "STT switching currents from a few uA (sub-20 nm pMTJs) to below 1 mA "
        "(larger than any access transistor drives)",
    ),
    "delta0": Range(
        5.0,
        150.0,
        "below 5 a junction is superparamagnetic at the ns scale; reported pMTJs stay "
        "below about 100",
    ),
    "tau0": Range(
        1e-15,
        1e-7,
        "Arrhenius prefactors from femtoseconds (Soumah et al., arXiv:2402.03452) to "
        "4-11 ns (Tohoku, 2026)",
    ),
    "taup": Range(
        1e-11,
        2e-7,
        "(1 + alpha^2)/(alpha gamma mu0 Hk) for alpha = 0.001-0.1 and mu0 Hk = 0.05-2 T",
    ),
    "tc": Range(
        400.0,
        1500.0,
        "Curie temperatures of Fe (1043 K), Co (1388 K) and CoFeB films, lower in ultrathin layers",
    ),
    "kexp": Range(
        1.0,
        3.5,
        "Callen-Callen scaling K ~ Ms^n: n = 2 two-site, 3 single-ion; CoFeB/MgO measures 1.5-2.5",
    ),
    "tnom": Range(
        200.0,
        450.0,
        "device data are measured between -70 C and 175 C",
    ),
    "tflip": Range(
        1e-13,
        5e-9,
        "the reversal of a triggered free layer lasts ps to a few ns",
    ),
    "bexp": Range(
        1.0,
        2.0,
        "barrier (1 - i)^bexp between the linear device-fit form (1) and the "
        "macrospin (2) (issue 19)",
    ),
    "rth2": Range(
        0.0,
        3e7,
        "second (electrode/BEOL) thermal pole, 0 = off; at most the largest pillar rth",
    ),
    "cth2": Range(
        0.0,
        1e-11,
        "heat capacity of electrodes and vias within a few um of the pillar, 0 = off",
    ),
}
"""Physical ranges of the model parameters (SI, the declared units)."""

PROVENANCE: dict[str, Quantity] = {
    "diameter": Quantity(
        "diameter",
        "m",
        5e-9,
        500e-9,
        "junction diameter",
        "STT pMTJs are made from 8 nm (imec, IEDM 2016) to a few 100 nm",
    ),
    "ra": Quantity(
        "ra",
        "ohm*m^2",
        1e-13,
        1e-9,
        "resistance-area product of the parallel state",
        "0.1-1000 ohm um^2 for MgO barriers of about 0.7-2 nm",
    ),
    "alpha": Quantity(
        "alpha",
        "",
        1e-4,
        0.2,
        "Gilbert damping of the free layer",
        "1e-3-3e-2 measured in CoFeB films, up to 0.2 with heavy-metal caps",
    ),
}
"""Documentation-only entries with a known meaning: unit and physical range."""

RP_RA_TOLERANCE = 0.05
"""Allowed relative gap between rp and ra / (pi d^2 / 4): the files round rp to 4
significant digits; a larger gap is another junction (or a typing error)."""
TAU_TH_RANGE_S = (1e-12, 1e-6)
"""rth * cth: a bare pillar cools in tens of ps; measured MTJ temperature transients are
ns with a slow tail (Chavent et al., PR Applied 6, 034003 (2016)); 1 us is a whole die."""
MACROSPIN_ETA = 0.6
"""Spin-transfer efficiency eta assumed by the macrospin check (0.5-0.62 for CoFeB/MgO
from Slonczewski's g(P) with P = 0.6-0.7; an assumption, stated in the warning)."""
MACROSPIN_FACTOR = 2.0
"""The macrospin relation is a warning beyond this factor: eta is uncertain by ~25 %, and
nucleation-type reversal in junctions above ~30 nm lowers Ic0 relative to it."""

E_CHARGE = 1.602176634e-19  # C (exact, SI 2019)
HBAR = 1.054571817e-34  # J s (CODATA 2018)
K_BOLTZMANN = 1.380649e-23  # J/K (exact, SI 2019)


@cache
def model_quantities() -> dict[str, Quantity]:
    """Every device parameter the model declares, with its physical range: the intersection
    of the declared range and :data:`PHYSICAL` (the declared one where PHYSICAL has none)."""
    out = {}
    for name, decl in spec.parameters().items():
        if name in MODEL_ONLY:
            continue
        lo, lo_open, hi, hi_open, reason = decl.lo, decl.lo_open, decl.hi, decl.hi_open, ""
        phys = PHYSICAL.get(name)
        if phys is not None:
            if phys.lo > lo or (phys.lo == lo and not lo_open):
                lo, lo_open = phys.lo, lo_open and phys.lo == lo
            if phys.hi < hi or (phys.hi == hi and not hi_open):
                hi, hi_open = phys.hi, hi_open and phys.hi == hi
            reason = phys.reason
        out[name] = Quantity(
            name=name,
            unit=decl.units,
            lo=lo,
            hi=hi,
            lo_open=lo_open,
            hi_open=hi_open,
            description=decl.desc,
            reason=reason or "range declared in mtj_parameters.vams",
        )
    return out


def consistency_errors(values: dict[str, float], provenance: dict[str, float]) -> list[str]:
    """Rules between the values of one file; each message names the keys and the numbers."""
    errors = []
    tc, tnom = values.get("tc"), values.get("tnom")
    if tc is not None and tnom is not None and tc <= tnom:
        errors.append(
            f"tc={tc:g} K must exceed tnom={tnom:g} K (the free layer must be "
            "ferromagnetic at its nominal temperature)"
        )
    rth, cth = values.get("rth"), values.get("cth")
    if rth is not None and cth is not None:
        tau = rth * cth
        lo, hi = TAU_TH_RANGE_S
        if not lo <= tau <= hi:
            errors.append(
                f"rth*cth = {rth:g} K/W x {cth:g} J/K = {tau:.3g} s; allowed "
                f"[{lo:g}, {hi:g}] s (measured MTJ thermal transients are ps to ns)"
            )
    d, ra, rp = provenance.get("diameter"), provenance.get("ra"), values.get("rp")
    if d is not None and ra is not None and rp is not None:
        expected = ra / (math.pi * d**2 / 4.0)
        gap = abs(rp - expected) / expected
        if gap > RP_RA_TOLERANCE:
            errors.append(
                f"rp={rp:g} ohm disagrees with ra / (pi diameter^2 / 4) = {ra:g} ohm m^2 / "
                f"{math.pi * d**2 / 4:.4g} m^2 = {expected:.4g} ohm by {gap:.0%} "
                f"(allowed {RP_RA_TOLERANCE:.0%})"
            )
    return errors


def macrospin_ic0_a(alpha: float, delta: float, temp_k: float, eta: float = MACROSPIN_ETA):
    """Macrospin critical current Ic0 = (4 e alpha / (hbar eta)) Delta kB T [A]
    (Sun, PRB 62, 570 (2000), with Delta = Ms Hk V / (2 kB T))."""
    return 4.0 * E_CHARGE * alpha / (HBAR * eta) * delta * K_BOLTZMANN * temp_k


def macrospin_check(values: dict[str, float], provenance: dict[str, float]) -> str | None:
    """A warning (text with the numbers) when ic0 differs from the macrospin relation by
    more than :data:`MACROSPIN_FACTOR`; None when it agrees or alpha is not given."""
    alpha = provenance.get("alpha")
    keys = ("ic0", "delta0", "tnom")
    if alpha is None or any(k not in values for k in keys):
        return None
    ic0, delta, tnom = (values[k] for k in keys)
    model = macrospin_ic0_a(alpha, delta, tnom)
    ratio = ic0 / model
    if 1.0 / MACROSPIN_FACTOR <= ratio <= MACROSPIN_FACTOR:
        return None
    return (
        f"ic0={ic0 * 1e6:.3g} uA is {ratio:.2f}x the macrospin 4 e alpha Delta kB T / "
        f"(hbar eta) = {model * 1e6:.3g} uA (alpha={alpha:g}, delta0={delta:g}, "
        f"T={tnom:g} K, eta={MACROSPIN_ETA:g} assumed); alpha, ic0 and delta0 disagree by "
        f"more than {MACROSPIN_FACTOR:g}x"
    )
