"""The MTJ compact model written a second time, as ngspice behavioural sources.

The same equations as the deterministic ``mtj`` of ``models/verilog_a/`` at model version
3: the common part of ``mtj_equations.vams`` (Bloch Ms(T), Delta(T), Ic0(T), taup(T),
TMR(V, T), the two-pole thermal Cauer ladder, the state machine) and the switching law of
``mtj_law_v3.vams`` (per direction: the lagged drive and its cone, the barrier-hopping
hazard with either barrier exponent, the quantile characteristic at the median draw).
Parameters come from :class:`~circuits.mtj_device.MtjParams`, numerical constants from
``mtj_macros.vams`` through :mod:`circuits.mtj_model_spec`; nothing is typed twice except
the few numbers the law writes inline (:data:`LAW_LITERALS`, checked against the Verilog-A
text by the tests).  It is an independent implementation: tests compare it with the
compiled OSDI model, and the benchmark times both.

Only the version-3 law is transcribed.  The legacy law of version 2 (``mtj_law_v2.vams``,
selected by ``version < 3``) is kept in the Verilog-A for the IPNet neuron stack alone,
which runs the OSDI model; nobody runs it as B-sources, so it is not written here.

Differences from the Verilog-A: the ambient temperature is ngspice's ``temper``; the pin
of the initial point uses ``time <= 0`` (as ``$abstime <= 0``); ngspice differentiates the
expressions itself; there is no ``$bound_step`` (run it with a maximum step of a few
``tflip`` around reversals); seven helper nodes (unit resistors) hold quantities used
several times.

The junction sits between ``pos`` and ``neg`` with thermal node ``therm``.  Its internal
nodes carry the OSDI model's names behind ``prefix``: ``m``, ``t2``, ``sga_n``, ``sgp_n``
(the lagged drives i2 toward AP / toward P), ``sg2a``, ``sg2p`` (the log-cones of the
population near the barrier under them), ``ya``, ``yp``
(the characteristics), ``ha``, ``hp`` (the hazard integrals); the helpers are ``ms``
(Ms(T)/Ms(tnom)), ``dl`` (Delta(T), floored), ``ep`` (eps of the characteristic), ``x0``
(its resting point xi0), ``ia`` (drive ratio I/Ic0(T), p -> n) and ``za``, ``zp`` (the
channel norms to the 4th power).
"""

from __future__ import annotations

import math

from . import mtj_model_spec as spec
from .mtj_device import MtjParams
from .units import ZERO_CELSIUS_K

LAW_VERSION = 3
"""The model version whose switching law this module transcribes."""

LAW_LITERALS = {
    "cone_corner": 0.02,  # sramp(ic - 1, 0.02), sramp(1 - ic, 0.02) of each cone
    "drive_corner": 0.02,  # i sstep(i / 0.02), i sstep(-i / 0.02): the drive's two signs
    "hazard_corner": 0.01,  # sramp(1 - 0.5 a - HZ_FLOOR, 0.01) of the hazard function
    "progress_corner": 0.01,  # sramp(y / ythr, 0.01) of the channel norm
}
"""Numbers that ``mtj_law_v3.vams`` and its ``hazard`` function (``mtj_functions.vams``)
write inline rather than as `` `define`` constants."""


def _g(x: float) -> str:
    return f"{x:.15g}"


def function_lines() -> list[str]:
    """``.func`` definitions shared by every B-source junction of a netlist (write once)."""
    c = spec.constant
    rl, rh, wpe = c("RAIL_LO"), c("RAIL_HI"), c("W_P_EDGE")
    return [
        f"* MTJ model v{LAW_VERSION} as behavioural sources (circuits/mtj_bsource.py)",
        ".func mj_sstep(u) {u <= 0 ? 0 : (u >= 1 ? 1 : u*u*(3-2*u))}",
        ".func mj_sramp(u,w) {u <= -w ? 0 : (u >= w ? u : (u+w)*(u+w)/(4*w))}",
        ".func mj_p4(u) {u*u*u*u}",
        ".func mj_sfloor(u,lo) {u >= lo+1 ? u : lo+mj_sramp(u-lo,1)}",
        f".func mj_wp(m) {{mj_sstep((m+{_g(wpe)})/{_g(2 * wpe)})}}",
        f".func mj_rlp(m) {{mj_sstep((m-{_g(rl)})/{_g(rh - rl)})}}",
        f".func mj_rla(m) {{mj_sstep((-m-{_g(rl)})/{_g(rh - rl)})}}",
        f".func mj_mix(m) {{mj_sstep((m+{_g(rl)})/{_g(2 * rl)})}}",
    ]


def _floored(u: str) -> str:
    """``u`` through the C1 floor at ``LOG_FLOOR`` (``sfloor`` of mtj_functions.vams), as the
    Verilog-A takes the arguments of the cones' and characteristics' exponentials: the
    value unchanged a unit above the floor, so a diverging iterate stays finite."""
    return f"mj_sfloor({u},{_g(spec.constant('LOG_FLOOR'))})"


def _hazard(p: MtjParams, s: str, tail: str) -> str:
    """Barrier-hopping rate [1/s] at the effective drive of the lagged cone on node ``tail``
    (the ``hazard`` function of mtj_functions.vams)."""
    c = spec.constant
    aeff = f"exp(-{_floored(f'V({s}{tail})')})"
    dl = f"V({s}dl)"
    if p.bexp < 1.5:  # linear device-fit form: Neel-Brown with the attempt time tau0
        return f"(exp(-{dl}*{aeff})/{s}tau0)"
    z = f"({aeff}*sqrt({dl}))"
    poly = f"(1+{z}*({_g(c('HZ_P1'))}+{z}*({_g(c('HZ_P2'))}+{z}*{_g(c('HZ_P3'))})))"
    floor = c("HZ_FLOOR")
    half = f"({_g(floor)}+mj_sramp(1-0.5*{aeff}-{_g(floor)},{_g(LAW_LITERALS['hazard_corner'])}))"
    return (
        f"({_g(c('HZ_A'))}/sqrt({dl})*{poly}*pow({half},{_g(c('HZ_Q'))})"
        f"*exp(-{dl}*pow({aeff},{s}bexp))*pow(V({s}ms),{s}kexp1)/{s}taup)"
    )


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
    if spec.version() < LAW_VERSION:
        raise ValueError(
            f"mtj_bsource transcribes the law of model version {LAW_VERSION}; "
            f"the Verilog-A source declares version {spec.version():g}"
        )
    c = spec.constant
    if c("CHANNEL_NORM") != 4:
        raise ValueError(
            f"mtj_bsource writes the channel norm for k = 4, the model has {c('CHANNEL_NORM')}"
        )
    q, qm, s = c("Q_STATE"), c("Q_M"), prefix
    u_det = c("U_DET")
    eth = -math.log(u_det)  # hazard threshold of the median draw
    equant = -math.log(1.0 - u_det)  # quantile of the resting cone of the median draw
    f = {  # every parameter and constant as a .param of this junction
        "rp": p.rp,
        "tmr0": p.tmr0,
        "vh": p.vh,
        "asp": p.asp,
        "ic0": p.ic0,
        "delta0": p.delta0,
        "bexp": p.bexp,
        "tau0": p.tau0,
        "taup": p.taup,
        "tc": p.tc,
        "kexp": p.kexp,
        "kexp1": p.kexp - 1.0,
        "tnom": p.tnom,
        "tflip": p.tflip,
        "msfl": c("MS_FLOOR"),
        "tjfl": c("TJ_FLOOR"),
        "dlfl": c("DELTA_FLOOR"),
        "trel": c("T_REL"),
        "tdrn": c("DRAIN_TAU"),
        "eth": eth,
    }
    par = " ".join(f"{s}{k}={_g(v)}" for k, v in f.items())
    tj = f"max(temper+{ZERO_CELSIUS_K}+V({therm}),{s}tjfl)"
    ms0 = f"max(1-pow({s}tnom/{s}tc,1.5),{s}msfl)"
    kan = f"pow(V({s}ms),{s}kexp)"
    rate = f"pow(V({s}ms),{s}kexp1)/{s}taup"  # 1 / taup(T)
    pol0 = f"sqrt({s}tmr0/(2+{s}tmr0))"
    polt = f"({pol0}*max(1-{s}asp*pow({tj},1.5),0)/max(1-{s}asp*pow({s}tnom,1.5),1e-6))"
    tmrv = f"(2*{polt}*{polt}/max(1-{polt}*{polt},1e-9)/(1+(V({pos},{neg})/{s}vh)**2))"
    gp = f"(1/{s}rp)"
    gap = f"({gp}/(1+{tmrv}))"
    gj = f"({gap}+mj_mix(V({s}m))*({gp}-{gap}))"
    ij = f"{gj}*V({pos},{neg})"
    e_mix, eps_max = c("E_MIX"), c("EPS_MAX")
    ep, x0 = f"V({s}ep)", f"V({s}x0)"

    def helper(node: str, expr: str) -> list[str]:
        return [f"B{s}{node} 0 {s}{node} I={{{expr}}}", f"R{s}{node} {s}{node} 0 1"]

    lines = [f".param {par}"]
    # temperature-dependent quantities and the drive, each held once on a helper node
    lines += helper("ms", f"max(1-pow({tj}/{s}tc,1.5),{s}msfl)/{ms0}")
    lines += helper("dl", f"max({s}delta0*{kan}*{s}tnom/{tj},{s}dlfl)")
    lines += helper("ep", f"min({_g(equant + e_mix)}/(4*V({s}dl)),{_g(eps_max)})")
    lines += helper("x0", f"0.5*ln(0.5*((1-{ep})-sqrt((1-{ep})*(1-{ep})-4*{ep})))")
    lines += helper("ia", f"{ij}/({s}ic0*{kan})")
    # the junction and its Joule heat into the Cauer ladder t -rth- t2 -rth2- ambient
    rth2 = max(p.rth2, c("RTH_SHORT"))
    lines += [
        f"B{s}j {pos} {neg} I={{{ij}}}",
        f"B{s}heat 0 {therm} I={{V({pos},{neg})*{ij}}}",
        f"R{s}th {therm} {s}t2 {_g(p.rth)}",
        f"R{s}th2 {s}t2 0 {_g(rth2)}",
    ]
    if p.cth > 0:
        lines.append(f"C{s}th {therm} 0 {_g(p.cth)}")
    if p.cth2 > 0:
        lines.append(f"C{s}th2 {s}t2 0 {_g(p.cth2)}")

    m = f"V({s}m)"
    wp, wa = f"mj_wp({m})", f"(1-mj_wp({m}))"
    rlp, rla = f"mj_rlp({m})", f"mj_rla({m})"
    tdr = f"({s}tdrn*max({s}tflip,{s}trel*time))"
    iap, ipp = f"V({s}ia)", f"(-V({s}ia))"
    cc = _g(LAW_LITERALS["cone_corner"])
    dc = _g(LAW_LITERALS["drive_corner"])

    def dsg(i: str, lagged: str) -> str:  # the drive toward switching, lagging
        return f"({_g(c('K_DRIVE'))}*({i}*mj_sstep({i}/{dc})-V({s}{lagged}))*{rate})"

    def dsg2(i: str, lagged: str, cone: str) -> str:
        # its cone, moment equation at the lagged drive; a stabilising drive acts at once
        i2 = f"(V({s}{lagged})+{i}*mj_sstep(-{i}/{dc}))"
        sg = f"V({s}{cone})"
        capg = f"(1-mj_sstep({sg}-{_g(c('SIGMA_CAP') - 1.0)}))"
        return (
            f"((2*(mj_sramp({i2}-1,{cc})*{capg}-mj_sramp(1-{i2},{cc}))"
            f"+2*exp(-{_floored(sg)}))*{rate})"
        )

    def dy(i: str, node: str) -> str:
        xi = f"({x0}+V({s}{node}))"
        return f"(({i}+tanh({xi})+{ep}*exp(-2*{_floored(xi)}))*{rate})"

    pc = _g(LAW_LITERALS["progress_corner"])

    def z(h: str, y: str) -> str:
        return f"(mj_p4(V({s}{h})/{s}eth)+mj_p4(mj_sramp(-V({s}{y})/{x0},{pc})))"

    lines += helper("za", z("ha", "ya"))
    lines += helper("zp", z("hp", "yp"))
    gate = _g(c("CHANNEL_NORM") * c("FIRE_BAND"))
    fa, fp = f"mj_sstep((V({s}za)-1)/{gate})", f"mj_sstep((V({s}zp)-1)/{gate})"
    # d(node)/dt after the initial point, as in mtj_law_v3.vams: accumulated in the source
    # state, kept while the reversal is in transit, drained once the target is reached
    rates = {
        "sga_n": f"({wp}*{dsg(iap, 'sga_n')}-{rla}*V({s}sga_n)/{tdr})",
        "sgp_n": f"({wa}*{dsg(ipp, 'sgp_n')}-{rlp}*V({s}sgp_n)/{tdr})",
        "sg2a": f"({wp}*{dsg2(iap, 'sga_n', 'sg2a')}-{rla}*V({s}sg2a)/{tdr})",
        "sg2p": f"({wa}*{dsg2(ipp, 'sgp_n', 'sg2p')}-{rlp}*V({s}sg2p)/{tdr})",
        "ya": f"({wp}*{dy(iap, 'ya')}-{rla}*V({s}ya)/{tdr})",
        "yp": f"({wa}*{dy(ipp, 'yp')}-{rlp}*V({s}yp)/{tdr})",
        "ha": f"({wp}*{_hazard(p, s, 'sg2a')}-{rla}*V({s}ha)/{tdr})",
        "hp": f"({wa}*{_hazard(p, s, 'sg2p')}-{rlp}*V({s}hp)/{tdr})",
    }
    for node, expr in rates.items():
        lines += [
            f"C{s}{node} {s}{node} 0 {_g(q)}",
            f"B{s}{node} 0 {s}{node} I={{time <= 0 ? -V({s}{node}) : {_g(q)}*{expr}}}",
        ]
    tfe = f"max({s}tflip,{s}trel*time)"
    lines += [
        f"C{s}m {s}m 0 {_g(qm)}",
        f"B{s}m 0 {s}m I={{time <= 0 ? {state0}-{m} : {_g(qm)}*({fp}*(1-{m})-{fa}*(1+{m}))/{tfe}}}",
    ]
    return lines


def replace_osdi_junction(netlist: str, p: MtjParams, state0: int = 1) -> str:
    """A testbench of :mod:`circuits.mtj_testbenches` with its OSDI junction as B-sources.

    The testbench's junction ``N1 p 0 t`` and its ``.model`` card give way to
    :func:`function_lines` and :func:`junction_lines` on the same nodes, so the state is
    ``V(m)`` instead of ``n1#m``; ``state0`` must be the testbench's.
    """
    body = netlist.splitlines()
    kept = [ln for ln in body if not ln.startswith(("N1 ", ".model"))]
    if len(body) - len(kept) != 2:
        raise ValueError(
            "replace_osdi_junction expects one 'N1 p 0 t' junction and its .model card; "
            f"found {len(body) - len(kept)} such lines"
        )
    lines = kept + function_lines() + junction_lines(p, "p", "0", "t", state0=state0)
    return "\n".join(lines) + "\n"
