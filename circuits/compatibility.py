"""Can this device work in this neuron?  Checked from the parameters, before any simulation.

From the neuron's parameters (:class:`~circuits.ipnet_neuron.IpnetParams`: supplies, bias
currents, comparator trips, sense-device sizes) and the device's laws
(:mod:`circuits.mtj_analytic`: Ic0(T), the switching law, TMR(V, T), resistance), at every
corner of the conditions a command will simulate (ambient temperature x supply):

* **Curie**: the free layer is ferromagnetic: T < tc.
* **write**: the drive the inputs can push through R_P (the unit current times the sum of
  the weights, at most what VWR leaves after :data:`TRANSISTOR_HEADROOM_V` of transistor
  drops) reaches the switching current.
* **reset**: the reset current the supply pushes through R_AP(V, T) (at most VDD less the
  headroom) reaches the switching current back to P.
* **fire detector** and **return-to-P detector**: the junction voltage in P and in AP
  lies on either side of the comparator's trip (a replica of R_P times the trip ratio
  times the reference current) by at least the comparator's input offset
  (:func:`offset_v`, from the size of its sense transistor).

The switching current at T is where the law's median switching time reaches
:data:`SWITCH_TIME_FACTOR` times its value at Ic0(T) (the plateau the neuron is designed on).
A failing check is refused with ONE line naming the device, the parameter that sets it,
its value, the margin and what is needed (:func:`require_compatible`).  The check reads
the parameters, not today's numbers: a redesigned neuron is checked by the same laws.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import ipnet_neuron
from . import mtj_model_spec as spec
from .ipnet_neuron import FIRE_TRIP_RP, RESET_TRIP_RP, IpnetParams
from .mtj_analytic import critical_current, tmr
from .mtj_device import MtjParams, checked_device_file
from .technology import CMOS28, Technology
from .units import SPICE_DEFAULT_K, ZERO_CELSIUS_K

TRANSISTOR_HEADROOM_V = 0.2
"""Supply voltage the transistors of the write path (header, mirror, switch, footer) and of
the reset path (mirror, pull-down) take at ~1.2 Ic0 [V]: measured drops 0.15-0.25 V in the
IPNet neuron; at 0.81 V it clips the antiparallel reset level at 1.3 R_P as measured."""
SWITCH_TIME_FACTOR = 2.0
"""A current reaches the switching current when the law's median switching time is at most
this factor times its value at Ic0(T): near Ic0 the law sits on a plateau (tau0 + tau_c,
about 11 ns for the Ikeda junction); below, the time grows as exp(Delta (1 - i)), where a
few % of device spread changes it several times over."""
OFFSET_SIGMAS = 4.0
"""A comparator must tell P from AP with this many sigma of its input offset."""


@dataclass(frozen=True)
class Corner:
    """One operating condition: ambient temperature [K] and supplies [V]."""

    temp_k: float
    vdd_v: float
    vwr_v: float

    def label(self) -> str:
        return f"{self.temp_k - ZERO_CELSIUS_K:.0f} C, VDD {self.vdd_v:g} V"


@dataclass(frozen=True)
class Margin:
    """One check at one corner: its value, what it needs, the parameter that sets it."""

    check: str
    corner: Corner
    value: float
    needed: float
    unit: str
    parameter: str
    text: str

    @property
    def ok(self) -> bool:
        return self.value >= self.needed


def corners(
    p: IpnetParams, temps_k: Iterable[float] | None = None, vdds_v: Iterable[float] | None = None
) -> list[Corner]:
    """The corners temps x supplies; a supply scales VWR with VDD (VWR / VDD of ``p``)."""
    temps = [SPICE_DEFAULT_K] if temps_k is None else [float(t) for t in temps_k]
    vdds = [p.vdd_v] if vdds_v is None else [float(v) for v in vdds_v]
    ratio = p.vwr_v / p.vdd_v
    return [Corner(t, v, v * ratio) for t in temps for v in vdds]


def offset_v(w_m: float, l_m: float, tech: Technology = CMOS28) -> float:
    """The comparator margin needed [V]: OFFSET_SIGMAS x A_VT / sqrt(W L) of its sense
    device, A_VT the technology's Pelgrom coefficient (:attr:`Technology.a_vt_v_m`, from
    ``models/tech/cmos28_matching.toml`` for the default technology)."""
    return OFFSET_SIGMAS * tech.a_vt_v_m / math.sqrt(w_m * l_m)


def median_time_s(mtj: MtjParams, current_a: float, temp_k: float) -> float:
    """Median switching time [s] under a constant current, by the switching law the neuron
    runs (``ipnet_neuron.MTJ_LAW_VERSION``: the legacy law below 3, model v3's from 3)."""
    if getattr(ipnet_neuron, "MTJ_LAW_VERSION", 3.0) < 3.0:
        from .mtj_law_v2 import median_switching_time
    else:
        from .mtj_switching import median_switching_time
    return float(np.asarray(median_switching_time(mtj, current_a, temp_k)).ravel()[0])


def switching_current_a(mtj: MtjParams, temp_k: float) -> float:
    """The smallest current whose median switching time is within SWITCH_TIME_FACTOR of the
    time at Ic0(T) [A] (bisection; the law's time falls monotonically with the current)."""
    ic = float(critical_current(mtj, temp_k))
    budget = SWITCH_TIME_FACTOR * median_time_s(mtj, ic, temp_k)
    lo, hi = 0.0, ic
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if median_time_s(mtj, mid, temp_k) <= budget:
            hi = mid
        else:
            lo = mid
    return hi


def ap_voltage_v(mtj: MtjParams, current_a: float, temp_k: float, vmax_v: float) -> float:
    """Junction voltage in AP under a current source of ``current_a`` that can hold at most
    ``vmax_v`` [V]: V = I rp (1 + TMR(V, T)), clipped at vmax (bisection: I R_AP(V) - V
    falls with V)."""

    def excess(v: float) -> float:
        return current_a * mtj.rp * (1.0 + float(tmr(mtj, v, temp_k))) - v

    if excess(vmax_v) >= 0:
        return vmax_v
    lo, hi = 0.0, vmax_v
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if excess(mid) > 0 else (lo, mid)
    return lo


def margins(p: IpnetParams, corner: Corner) -> list[Margin]:
    """Every check at one corner (see the module's docstring)."""
    mtj, nominal, bias = p.mtj(), p.nominal_mtj(), p.bias()
    t = corner.temp_k
    out = [
        Margin(
            "curie",
            corner,
            mtj.tc - t,
            0.0,
            "K",
            "tc",
            f"tc = {mtj.tc:g} K is {mtj.tc - t:.0f} K from the operating temperature "
            f"{t:g} K (needs tc above it)",
        )
    ]
    if mtj.tc <= t:
        return out
    i_sw = switching_current_a(mtj, t)
    i_unit = bias.at(bias.unit_current_a, t)
    i_reset = bias.at(bias.reset_current_a, t)
    # write: P -> AP from VWR through R_P
    v_write = corner.vwr_v - TRANSISTOR_HEADROOM_V
    i_write = min(i_unit * sum(p.weights()), max(v_write, 0.0) / mtj.rp)
    out.append(
        Margin(
            "write",
            corner,
            i_write / i_sw - 1.0,
            0.0,
            "",
            "rp" if i_write < i_unit * sum(p.weights()) else "ic0",
            f"write current {i_write * 1e6:.3g} uA (VWR {corner.vwr_v:g} V less "
            f"{TRANSISTOR_HEADROOM_V:g} V through R_P {mtj.rp:.4g} ohm, or the inputs' "
            f"{i_unit * sum(p.weights()) * 1e6:.3g} uA) against the switching current "
            f"{i_sw * 1e6:.3g} uA (ic0 = {mtj.ic0 * 1e6:.3g} uA at tnom)",
        )
    )
    # reset: AP -> P from VDD through R_AP(V)
    v_reset_max = corner.vdd_v - TRANSISTOR_HEADROOM_V
    v_ap_reset = ap_voltage_v(mtj, i_reset, t, max(v_reset_max, 1e-6))
    r_ap = mtj.rp * (1.0 + float(tmr(mtj, v_ap_reset, t)))
    i_ap_reset = min(i_reset, v_ap_reset / r_ap)
    out.append(
        Margin(
            "reset",
            corner,
            i_ap_reset / i_sw - 1.0,
            0.0,
            "",
            "rp" if i_ap_reset < i_reset else "ic0",
            f"reset current {i_ap_reset * 1e6:.3g} uA (VDD {corner.vdd_v:g} V less "
            f"{TRANSISTOR_HEADROOM_V:g} V through R_AP {r_ap:.4g} ohm) against the switching "
            f"current {i_sw * 1e6:.3g} uA",
        )
    )
    # detectors: P and AP levels on either side of the replica trip
    for check, current, trip_ratio, vmax, size in (
        ("detector", i_unit, FIRE_TRIP_RP, v_write, p.fire_p),
        ("return-to-P detector", i_reset, RESET_TRIP_RP, v_reset_max, p.psense_n),
    ):
        trip = trip_ratio * current * nominal.rp
        v_p = min(current * mtj.rp, max(vmax, 0.0))
        v_ap = ap_voltage_v(mtj, current, t, max(vmax, 1e-6))
        p_side, ap_side = trip - v_p, v_ap - trip
        worst = min(p_side, ap_side)
        # a P level above the trip, or an AP level the supply clips, is rp's doing
        clipped = v_ap >= max(vmax, 1e-6)
        out.append(
            Margin(
                check,
                corner,
                worst,
                offset_v(size.w_m, size.l_m, p.tech),
                "V",
                "rp" if p_side <= ap_side or clipped else "tmr0",
                f"P level {v_p * 1e3:.0f} mV, AP level {v_ap * 1e3:.0f} mV, trip "
                f"{trip * 1e3:.0f} mV ({trip_ratio:g} R_P x {current * 1e6:.3g} uA)",
            )
        )
    return out


def check(p: IpnetParams, conditions: Iterable[Corner]) -> list[Margin]:
    """Every margin at every corner."""
    return [m for c in conditions for m in margins(p, c)]


class IncompatibleDevice(ValueError):
    """The device cannot work in the neuron at one of the conditions (one-line message)."""


def _value_text(mtj: MtjParams, name: str) -> str:
    value = getattr(mtj, name)
    if name == "rp":
        return f"rp = {value / 1e3:.3g} kOhm"
    if name == "ic0":
        return f"ic0 = {value * 1e6:.3g} uA"
    unit = spec.parameters()[name].units
    return f"{name} = {value:g}" + (f" {unit}" if unit else "")


def refusal(p: IpnetParams, m: Margin) -> str:
    """The one line for a failing margin: device, parameter, value, margin, need."""
    dev = f"device {p.device_file.name}" + (" (with overrides)" if p.mtj_overrides else "")
    if m.unit == "V":
        got, need = f"{m.value * 1e3:.1f} mV", f">= {m.needed * 1e3:.1f} mV"
    elif m.unit == "K":
        got, need = f"{m.value:.0f} K", "> 0 K"
    else:
        got, need = f"{m.value:+.0%}", ">= 0 %"
    return (
        f"{dev}: {_value_text(p.mtj(), m.parameter)} gives a {m.check} margin of {got} at "
        f"{m.corner.label()} (needs {need}): {m.text}"
    )


def require_compatible(p: IpnetParams, conditions: Iterable[Corner]) -> list[Margin]:
    """The margins, or :class:`IncompatibleDevice` with the first failing one's line."""
    result = check(p, conditions)
    for m in result:
        if not m.ok:
            raise IncompatibleDevice(refusal(p, m))
    return result


def checked_neuron_device(
    path: Path | None,
    temps_k: Iterable[float | None] | None = None,
    vdds_v: Iterable[float] | None = None,
    **neuron,
) -> Path | None:
    """For commands, before any simulation: the ``--device`` file (None: the default
    device) loaded and checked in the neuron (IpnetParams defaults, or ``neuron``
    overrides) at temps x supplies (a None temperature: ngspice's 27 C).  Returns ``path``;
    raises ValueError with one line naming the option, the file and what fails."""
    checked_device_file(path)
    temps = [SPICE_DEFAULT_K if t is None else float(t) for t in (temps_k or [None])]
    p = IpnetParams(**neuron) if path is None else IpnetParams(device_file=path, **neuron)
    try:
        require_compatible(p, corners(p, temps, vdds_v))
    except IncompatibleDevice as exc:
        option = f"--device {path}: " if path is not None else ""
        raise IncompatibleDevice(f"{option}{exc}") from None
    return path
