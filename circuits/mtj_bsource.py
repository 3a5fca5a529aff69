"""The MTJ compact model written a second time, as ngspice behavioural sources.

The same equations as ``models/verilog_a/mtj_equations.vams`` (model version 2), with
the same parameters (:class:`~circuits.mtj_device.MtjParams`) and the same numerical
constants (read from ``mtj_macros.vams``), expressed as ngspice ``.func`` definitions,
B-sources and capacitors.  It is an independent implementation: tests compare it with
the compiled OSDI model, and the benchmark times both.  Differences from the Verilog-A:
the ambient temperature is ngspice's ``temper``; the pin of the initial point uses
``time <= 0`` (as ``$abstime <= 0``); ngspice differentiates the expressions itself; there
is no ``$bound_step`` (run it with a maximum step of a few ``tflip`` around reversals).

The junction sits between ``pos`` and ``neg`` with thermal node ``therm``; its internal
nodes are ``<prefix>m``, ``<prefix>ha``, ``<prefix>hp``, ``<prefix>aa``, ``<prefix>ap``
(the OSDI model's ``m``, ``ha``, ``hp``, ``aa``, ``ap``).
"""

from __future__ import annotations

import math

from . import mtj_model_spec as spec
from .mtj_device import MtjParams


def function_lines() -> list[str]:
    """``.func`` definitions shared by every B-source junction of a netlist (write once)."""
    c = spec.constant
    rl, rh, wpe = c("RAIL_LO"), c("RAIL_HI"), c("W_P_EDGE")
    return [
        "* MTJ model v2 as behavioural sources (circuits/mtj_bsource.py)",
        ".func mj_sstep(u) {u <= 0 ? 0 : (u >= 1 ? 1 : u*u*(3-2*u))}",
        ".func mj_sramp(u,w) {u <= -w ? 0 : (u >= w ? u : (u+w)*(u+w)/(4*w))}",
        f".func mj_wp(m) {{mj_sstep((m+{wpe:.10g})/{2 * wpe:.10g})}}",
        f".func mj_rlp(m) {{mj_sstep((m-{rl:.10g})/{rh - rl:.10g})}}",
        f".func mj_rla(m) {{mj_sstep((-m-{rl:.10g})/{rh - rl:.10g})}}",
        f".func mj_mix(m) {{mj_sstep((m+{rl:.10g})/{2 * rl:.10g})}}",
    ]


def junction_lines(
    p: MtjParams,
    pos: str = "p",
    neg: str = "0",
    therm: str = "t",
    prefix: str = "",
    state0: int = 1,
) -> list[str]:
    """One junction as B-sources (put :func:`function_lines` in the netlist once)."""
    if state0 not in (1, -1):
        raise ValueError(f"state0={state0!r}; allowed +1 (parallel) or -1 (antiparallel)")
    c = spec.constant
    q, qm = c("Q_STATE"), c("Q_M")
    ln2 = math.log(2.0)
    k = c("CHANNEL_NORM")
    if k != 4:
        raise ValueError(f"mtj_bsource writes the channel norm for k = 4, the model has {k}")
    s = prefix
    f = {  # every parameter and constant as a .param of this junction
        "rp": p.rp,
        "tmr0": p.tmr0,
        "vh": p.vh,
        "asp": p.asp,
        "rth": p.rth,
        "cth": p.cth,
        "ic0": p.ic0,
        "delta0": p.delta0,
        "tau0": p.tau0,
        "taup": p.taup,
        "tc": p.tc,
        "kexp": p.kexp,
        "tnom": p.tnom,
        "ismooth": p.ismooth,
        "tflip": p.tflip,
        "msfl": c("MS_FLOOR"),
        "tjfl": c("TJ_FLOOR"),
        "band": c("FIRE_BAND"),
        "tauc": c("TAU_C_COEF"),
        "tdr": c("DRAIN_TAU") * p.tflip,
    }
    par = " ".join(f"{s}{k}={v:.10g}" for k, v in f.items())
    tj = f"max(temper+273.15+V({therm}),{s}tjfl)"
    ms = f"(max(1-pow({tj}/{s}tc,1.5),{s}msfl)/max(1-pow({s}tnom/{s}tc,1.5),{s}msfl))"
    kan = f"pow({ms},{s}kexp)"
    dlt = f"max({s}delta0*{kan}*{s}tnom/{tj},1e-3)"
    pol0 = f"sqrt({s}tmr0/(2+{s}tmr0))"
    polt = f"({pol0}*max(1-{s}asp*pow({tj},1.5),0)/max(1-{s}asp*pow({s}tnom,1.5),1e-6))"
    tmrv = f"(2*{polt}*{polt}/max(1-{polt}*{polt},1e-9)/(1+(V({pos},{neg})/{s}vh)**2))"
    gj = f"(1/({s}rp*(1+{tmrv})) + mj_mix(V({s}m))*(1/{s}rp - 1/({s}rp*(1+{tmrv}))))"
    lines = [f".param {par}"]
    # the junction current and its heat, written once as helper nodes (unit resistors)
    lines += [
        f"B{s}ij {s}ij 0 V={gj}*V({pos},{neg})",
        f"R{s}ij {s}ij 0 1e9",
        f"B{s}dl {s}dl 0 V={dlt}",
        f"R{s}dl {s}dl 0 1e9",
        f"B{s}ic {s}ic 0 V={s}ic0*{kan}",
        f"R{s}ic {s}ic 0 1e9",
        f"B{s}j {pos} {neg} I=V({s}ij)",
        f"B{s}heat 0 {therm} I=V({pos},{neg})*V({s}ij)",
        f"R{s}th {therm} 0 {{{s}rth}}",
        f"C{s}th {therm} 0 {{{s}cth}}",
    ]
    ia = f"(V({s}ij)/V({s}ic))"
    ip = f"(-V({s}ij)/V({s}ic))"

    def hazard(i: str) -> str:
        e = f"exp(-V({s}dl)*mj_sramp(1-{i},{s}ismooth))"
        return f"({e}/({s}tau0+{s}tauc*sqrt(V({s}dl))*{s}taup*{e}))"

    def grow(i: str) -> str:
        return f"(mj_sramp({i}-1,{s}ismooth)/{s}taup)"

    def relax(i: str, a: str) -> str:
        return f"(mj_sramp(1-{i},{s}ismooth)*V({a})/sqrt(1+V({a})*V({a}))/{s}taup)"

    lnth = f"max(ln({math.pi:.15g}/(2*sqrt({ln2:.15g}/V({s}dl)))),0.1)"
    za = f"(pwr(V({s}ha)/{ln2:.15g},4)+pwr(V({s}aa)/{lnth},4))"
    zp = f"(pwr(V({s}hp)/{ln2:.15g},4)+pwr(V({s}ap)/{lnth},4))"
    fa = f"mj_sstep(({za}-1)/({k:g}*{s}band))"
    fp = f"mj_sstep(({zp}-1)/({k:g}*{s}band))"
    m = f"V({s}m)"
    wp, wa = f"mj_wp({m})", f"(1-mj_wp({m}))"
    rlp, rla = f"mj_rlp({m})", f"mj_rla({m})"
    lines += [
        f"C{s}m {s}m 0 {qm:.6g}",
        f"B{s}m 0 {s}m I={{time <= 0 ? {state0}-{m} : "
        f"{qm:.6g}*({fp}*(1-{m})-{fa}*(1+{m}))/{s}tflip}}",
    ]
    for node, acc, drain in (
        ("ha", f"{wp}*{hazard(ia)}", rla),
        ("hp", f"{wa}*{hazard(ip)}", rlp),
        ("aa", f"{wp}*({grow(ia)}-{rlp}*{relax(ia, s + 'aa')})", rla),
        ("ap", f"{wa}*({grow(ip)}-{rla}*{relax(ip, s + 'ap')})", rlp),
    ):
        lines += [
            f"C{s}{node} {s}{node} 0 {q:.6g}",
            f"B{s}{node} 0 {s}{node} I={{time <= 0 ? -V({s}{node}) : "
            f"{q:.6g}*({acc}-{drain}*V({s}{node})/{s}tdr)}}",
        ]
    return lines
