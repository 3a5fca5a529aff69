"""Can this device work in neuron v4?  Checked from the parameters, before any simulation.

Neuron v4 (:mod:`circuits.ipnet_neuron_v4`) fires with a probability: a sub-threshold
write switches the junction in the thermally activated regime, a heat-and-restore current
of the stabilising polarity returns it to P, and a comparator whose trip is a replica of
R_P tells AP from P during the write.  From the design's values (its bias references with
their temperature slopes and the die's trim DAC) and the device's laws (the switching law
of model v3, :mod:`circuits.mtj_switching`; TMR(V, T)), at every corner of the conditions a
command will simulate:

* **curie**: the free layer is ferromagnetic: T < tc.
* **write window**: the trim DAC can bring the rested firing probability of one write
  (constant current, ambient temperature) into :data:`CALIBRATION_WINDOW` at the
  calibration temperature (27 C, where a tester picks the code), and with that code it
  stays within :data:`OPERATING_WINDOW` at the corner: above its floor a readout sees the
  neuron fire, below its ceiling warmth has room to raise the probability.
* **restore**: the heat current the supply can push through R_AP (at most VDD less
  :data:`~circuits.compatibility.TRANSISTOR_HEADROOM_V`) switches a fired junction back to
  P within the heat phase with probability at least :data:`RESTORE_P`.
* **fire detector**: the junction voltage in P and in AP at the write current lies on
  either side of the replica trip (the design's ``fire_trip`` x R_P x the write current) by at least
  the comparator's input offset.

A failing check is refused with one line naming the device, the parameter that sets it,
its value, the margin and what it needs (:func:`require_compatible_v4`).  The circuit's
own drive (the mirrors' drops, the junction's self-heating) is not simulated here: the
windows are wider than the variation sweep's limits, which judge the simulated circuit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from . import mtj_switching as law
from .compatibility import (
    TRANSISTOR_HEADROOM_V,
    Corner,
    IncompatibleDevice,
    Margin,
    ap_voltage_v,
    offset_v,
    refusal,
)
from .ipnet_neuron_v4 import IpnetV4Params, default_v4_params, read_v4_design
from .mtj_analytic import tmr
from .mtj_device import checked_device_file
from .units import SPICE_DEFAULT_K

CALIBRATION_K = SPICE_DEFAULT_K
"""Where the die's write trim is chosen (27 C)."""
CALIBRATION_WINDOW = (0.03, 0.3)
"""P(fire | rested) the trim must reach at the calibration temperature: the sweep's
window (0.05-0.3) widened below for the constant-drive estimate's error."""
OPERATING_WINDOW = (0.01, 0.5)
"""P(fire | rested) at any corner with the calibrated code: at least 1 in 100 inputs (a
readout sees a 2x change within a few hundred trials), at most one in two (room for
warmth to double it)."""
RESTORE_P = 0.999
"""A fired junction must be back in P after the heat phase with at least this probability
(one neuron in a thousand left in AP per fire would read as spikes at every next input)."""
TRIM_STEPS = 8
"""Bisections of the trim factor (the DAC has at most 2^10 codes; 8 halvings of its range
land within one code of a 6-bit DAC's target)."""


def corners_v4(
    p: IpnetV4Params, temps_k: Iterable[float] | None = None, vdds_v: Iterable[float] | None = None
) -> list[Corner]:
    """The corners temps x supplies (VDD is also the write rail in neuron v4)."""
    temps = [SPICE_DEFAULT_K] if temps_k is None else [float(t) for t in temps_k]
    vdds = [p.vdd_v] if vdds_v is None else [float(v) for v in vdds_v]
    return [Corner(t, v, v) for t in temps for v in vdds]


def _write_current_a(p: IpnetV4Params, trim: float, corner: Corner) -> float:
    """The weight-1 write current at the corner [A]: the trimmed reference at its slope,
    at most what the rail leaves across R_P."""
    bias = p.bias_params().bias()
    i_ref = trim * bias.at(bias.unit_current_a, corner.temp_k)
    return min(i_ref, max(corner.vdd_v - TRANSISTOR_HEADROOM_V, 0.0) / p.mtj().rp)


def rested_p(p: IpnetV4Params, trim: float, corner: Corner) -> float:
    """P(one write switches a rested junction): the switching law at the corner's write
    current and ambient temperature for the write phase."""
    i = _write_current_a(p, trim, corner)
    return float(law.switch_probability(p.mtj(), i, corner.temp_k, p.write_s))


def calibrated_trim(p: IpnetV4Params) -> tuple[float, float]:
    """(trim factor, P at 27 C): the factor within the DAC's range whose rested P at the
    calibration temperature and the design's supply lies nearest the window's middle
    (geometric), by bisection (P rises with the current); snapped to a DAC code."""
    corner = Corner(CALIBRATION_K, p.vdd_v, p.vdd_v)
    target = math.sqrt(CALIBRATION_WINDOW[0] * CALIBRATION_WINDOW[1])
    lo, hi = p.trim_factor(0), p.trim_factor(p.trim_codes - 1)
    for _ in range(TRIM_STEPS):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if rested_p(p, mid, corner) < target else (lo, mid)
    code = min(range(p.trim_codes), key=lambda c: abs(p.trim_factor(c) - 0.5 * (lo + hi)))
    trim = p.trim_factor(code)
    return trim, rested_p(p, trim, corner)


def _window_margin(value: float, window: tuple[float, float]) -> float:
    """How far ``value`` lies inside ``window``, as the smaller log ratio (< 0: outside)."""
    if value <= 0:
        return -math.inf
    return min(math.log(value / window[0]), math.log(window[1] / value))


def margins_v4(p: IpnetV4Params, corner: Corner, trim: float, p_cal: float) -> list[Margin]:
    """Every check at one corner (module docstring), with the calibrated ``trim``."""
    mtj, t = p.mtj(), corner.temp_k
    out = [
        Margin("curie", corner, mtj.tc - t, 0.0, "K", "tc",
               f"tc = {mtj.tc:g} K is {mtj.tc - t:.0f} K from the operating temperature {t:g} K")
    ]  # fmt: skip
    if mtj.tc <= t:
        return out
    lo, hi = CALIBRATION_WINDOW
    limit = "ic0" if p_cal < lo else "delta0"
    out.append(
        Margin("write window", corner, _window_margin(p_cal, CALIBRATION_WINDOW), 0.0, "log",
               limit, f"the trim's best P(fire | rested) at 27 C is {p_cal:.3g} (trim x{trim:.3g} "
               f"of the write current, DAC range x{p.trim_factor(0):.3g}..x"
               f"{p.trim_factor(p.trim_codes - 1):.3g}; needs {lo:g}..{hi:g})")
    )  # fmt: skip
    p_here = rested_p(p, trim, corner)
    lo, hi = OPERATING_WINDOW
    out.append(
        Margin("firing probability", corner, _window_margin(p_here, OPERATING_WINDOW), 0.0,
               "log", "ic0" if p_here < lo else "delta0",
               f"P(fire | rested) {p_here:.3g} with the 27 C trim x{trim:.3g} (needs {lo:g}..{hi:g}; "
               f"write {_write_current_a(p, trim, corner) * 1e6:.3g} uA)")
    )  # fmt: skip
    # restore: the heat current through R_AP(V), rail-limited
    bias = p.bias_params().bias()
    tc_heat = bias.tc_per_k if p.heat_tc_per_k is None else p.heat_tc_per_k
    i_heat = bias.reset_current_a * (1.0 + tc_heat * (t - bias.tnom_k))
    v_max = max(corner.vdd_v - TRANSISTOR_HEADROOM_V, 1e-6)
    v_ap = ap_voltage_v(mtj, i_heat, t, v_max)
    r_ap = mtj.rp * (1.0 + float(tmr(mtj, v_ap, t)))
    i_ap = min(i_heat, v_ap / r_ap)
    # the slowest junction of 1 / (1 - RESTORE_P): its draw u = 1 - RESTORE_P
    t_slow = float(law.switching_times(mtj, i_ap, t, [1.0 - RESTORE_P], 10 * p.heat_s)[0])
    slack = p.heat_s / t_slow - 1.0 if math.isfinite(t_slow) else -1.0
    out.append(
        Margin("restore", corner, slack, 0.0, "", "rp" if i_ap < i_heat else "ic0",
               f"heat current {i_ap * 1e6:.3g} uA through R_AP {r_ap:.4g} ohm (VDD {corner.vdd_v:g} V "
               f"less {TRANSISTOR_HEADROOM_V:g} V) restores P in {t_slow * 1e9:.3g} ns for "
               f"{RESTORE_P:.1%} of fired junctions (needs <= the heat phase, {p.heat_s * 1e9:.3g} ns)")
    )  # fmt: skip
    # fire detector: P and AP levels on either side of the replica trip at the write current
    i_w = _write_current_a(p, trim, corner)
    trip = p.fire_trip_rp * i_w * p.nominal_mtj().rp
    v_p = min(i_w * mtj.rp, v_max)
    v_ap_w = ap_voltage_v(mtj, i_w, t, v_max)
    p_side, ap_side = trip - v_p, v_ap_w - trip
    size = p.sizes["fire_p"]
    out.append(
        Margin("detector", corner, min(p_side, ap_side), offset_v(size.w_m, size.l_m, p.tech), "V",
               "rp" if p_side <= ap_side or v_ap_w >= v_max else "tmr0",
               f"P level {v_p * 1e3:.0f} mV, AP level {v_ap_w * 1e3:.0f} mV, trip {trip * 1e3:.0f} mV "
               f"({p.fire_trip_rp:g} R_P x {i_w * 1e6:.3g} uA)")
    )  # fmt: skip
    return out


def check_v4(p: IpnetV4Params, conditions: Iterable[Corner]) -> list[Margin]:
    """Every margin at every corner, with the trim a tester would pick at 27 C."""
    trim, p_cal = calibrated_trim(p)
    return [m for c in conditions for m in margins_v4(p, c, trim, p_cal)]


def _refusal(p: IpnetV4Params, m: Margin) -> str:
    if m.unit == "log":
        return refusal(p, Margin(m.check, m.corner, math.exp(m.value) - 1, 0.0, "", m.parameter,
                                 m.text))  # fmt: skip
    return refusal(p, m)


def require_compatible_v4(p: IpnetV4Params, conditions: Iterable[Corner]) -> list[Margin]:
    """The margins, or :class:`~circuits.compatibility.IncompatibleDevice` with the first
    failing one's line."""
    result = check_v4(p, conditions)
    for m in result:
        if not m.ok:
            raise IncompatibleDevice(_refusal(p, m))
    return result


def checked_v4_design(
    p: IpnetV4Params,
    device: Path | None = None,
    temps_k: Iterable[float | None] | None = None,
    vdds_v: Iterable[float] | None = None,
) -> None:
    """For commands, before any simulation: neuron v4 of design ``p`` checked on its device
    at temps x supplies (None: 27 C, the design's supply); ``device`` is the ``--device``
    option (named in the refusal) or None."""
    if device is not None:
        checked_device_file(device)
    temps = [SPICE_DEFAULT_K if t is None else float(t) for t in (temps_k or [None])]
    try:
        require_compatible_v4(p, corners_v4(p, temps, vdds_v))
    except IncompatibleDevice as exc:
        option = f"--device {device}: " if device is not None else ""
        raise IncompatibleDevice(f"{option}neuron v4: {exc}") from None


def v4_design_from_options(design: Path | None, device: Path | None) -> IpnetV4Params:
    """For commands, before any simulation: ``--design`` (None: the built-in v4 design) read
    and validated, then ``--device`` (None: the design's own) over the device it names; a
    bad file fails now, its error naming the option and the file."""
    if device is not None:
        checked_device_file(device)
    where = "" if design is None else f"--design {design}: "
    try:
        p = default_v4_params() if design is None else read_v4_design(design)
        if device is not None:
            where = f"--device {device}: "
            p = replace(p, device_file=device)
    except (ValueError, FileNotFoundError) as exc:
        raise ValueError(f"{where}{exc}") from exc
    return p
