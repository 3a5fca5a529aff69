"""Rule-based layout-area estimate of a neuron from its SPICE netlist.

Two steps, both pure Python (no simulator):

1. :func:`parse_inventory` reads SPICE netlist text -- as written by PySpice's
   ``str(circuit)`` or by hand -- into a :class:`DeviceInventory`: MOSFETs with their
   sizes and nets, capacitors with their value and type, MTJs, resistors, and the
   elements that have no silicon area (sources, behavioural elements).
2. :func:`estimate_area` turns the inventory into an :class:`AreaEstimate` with the
   layout rules of a :class:`RuleDeck` (``rules_28nm.toml``; every rule there has its
   source and says whether it is an estimate).

Geometric model (rule names in brackets are tables of ``rules_28nm.toml``)
-----------------------------------------------------------------------------
Symbols: ``cpp`` [cpp], ``Lmin`` [gate_length_min], ``ext`` [diffusion_extension],
``s_dd`` [diffusion_spacing], ``e_po`` [poly_endcap], ``e_w`` [well_enclosure].

* Transistor fingers sit on diffusion strips.  A strip of G gates has G - 1 inner
  source/drain regions of length ``s_in = cpp - Lmin`` (a minimum gate pitch minus its
  gate; a longer gate L stretches its pitch to ``L + s_in``), two contacted end regions
  of length ``ext``, and a spacing halo ``s_dd / 2`` at each end.
* Across the strip a finger of width ``w_f = W / nf`` occupies
  ``h = w_f + max(2 e_po, s_dd)``: the gate overhangs active by ``e_po`` on both sides,
  and neighbouring strips keep at least ``s_dd`` apart.
* Each copy (SPICE ``m``) of a transistor with ``nf`` fingers contributes
  ``nf (L + s_in) h``; each strip adds its ends, ``(2 ext - s_in + s_dd) h_end``.  A lone
  transistor therefore covers (:func:`transistor_area_m2`)::

      A = (nf L + (nf - 1) s_in + 2 ext + s_dd) * (W / nf + max(2 e_po, s_dd))

* Diffusion sharing (``share_diffusion=True``, the default): transistors of one polarity
  that share a source/drain net abut on one strip.  Taking nets as vertices and each
  transistor copy as an edge between its source and drain nets, the fewest strips that
  hold a connected group is ``max(1, n_odd / 2)`` (``n_odd`` = nets of odd degree; the
  Euler-trail count used for CMOS gate layout).  Strip ends in a group use the tallest
  finger of the group.  With ``share_diffusion=False`` every copy gets its own strip.
* Wells: a cell with both NMOS and PMOS pays a well-boundary strip of width
  ``max(0, 2 e_w - s_dd)`` along the longer of its N and P diffusion rows (row length =
  sum of its strips' lengths).  Well taps are neglected.
* Capacitors: MIM and MOM plates, ``C / density`` ([mim_density], [mom_density]); a MOS
  capacitor is a square transistor whose gate area is ``C / (eps_r eps0 / EOT)``
  ([mos_cap_eot]), with that transistor's ends and halo.  Plate enclosures are neglected.
* MTJs are built in the back end above an access transistor and add no silicon area
  while there are at least as many transistors as MTJs; each MTJ beyond that costs
  [mtj_extra_footprint].
* Routing: ``[routing_overhead] x (transistors + wells)``.  Capacitors and MTJs get none.
* Resistors are counted but not sized: in these netlists ``R`` elements are testbench
  loads and the MTJ model's thermal network, and the deck has no public 28 nm poly sheet
  resistance.  They are listed in :attr:`AreaEstimate.unsized` so a report can flag them.

Netlist conventions
-------------------
* MOSFET ``M<name> d g s b <model> [L=..] [W=..] [m=..] [nf=..]`` (keys in any case;
  ``W`` is the total width of all ``nf`` fingers, as in BSIM4).  Whether ``<model>`` is
  n- or p-channel comes from a ``.model <model> nmos|pmos`` line in the text or, for a
  card that is ``.include``-d, from the ``model_kinds`` mapping.
* Capacitor ``C<name> a b <value> [m=..]`` (built-in; type = ``capacitor_kind``) or a
  two-terminal instance ``X<name> a b cap_mim|cap_mom|cap_mos c=<value>`` whose subcircuit
  name carries the type.  The inner elements of ``.subckt cap_*`` definitions are never
  counted; instances of other subcircuits are expanded from their definition in the text.
* MTJ ``N<name> p n t <model>`` with ``.model <model> mtj ...`` (OSDI device).  OSDI
  ``thermal_resistor`` instances are part of the MTJ's thermal model: no area.
* ``V I B E F G H A S W`` elements are sources, behavioural or ideal elements: ignored.
* Numbers take SPICE suffixes (``f p n u m k meg g t``, ``mil``; ``1e-07``, ``100n`` and
  ``0.1u`` are equal; trailing unit letters such as ``nm`` or ``pF`` are ignored);
  ``+`` lines continue the previous line; ``*`` lines and text after ``;`` or `` $ `` are
  comments; ``.control``/``.endc`` blocks are skipped; ``{name}`` and ``.param`` values
  are substituted (a single name only, no arithmetic).
"""

from __future__ import annotations

import functools
import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

__all__ = [
    "CAPACITOR_KINDS",
    "CAPACITOR_SUBCKTS",
    "DEFAULT_MODEL_KINDS",
    "DEFAULT_RULES_PATH",
    "AreaEstimate",
    "Capacitor",
    "DeviceInventory",
    "IgnoredElement",
    "Mosfet",
    "Mtj",
    "Resistor",
    "RuleDeck",
    "estimate_area",
    "load_rule_deck",
    "parse_inventory",
    "parse_spice_number",
    "transistor_area_m2",
]

DEFAULT_RULES_PATH = Path(__file__).resolve().with_name("rules_28nm.toml")
"""The 28 nm-class rule deck shipped with this package."""

DEFAULT_MODEL_KINDS: Mapping[str, str] = MappingProxyType({"nmos28": "nmos", "pmos28": "pmos"})
"""Model name -> device kind for models whose ``.model`` card is not in the netlist text
(``models/tech/cmos28.lib`` is ``.include``-d)."""

CAPACITOR_KINDS = ("mim", "mom", "mos")
"""Capacitor types the rule deck has a density for."""

CAPACITOR_SUBCKTS: Mapping[str, str] = MappingProxyType(
    {"cap_mim": "mim", "cap_mom": "mom", "cap_mos": "mos"}
)
"""Subcircuit names that wrap one capacitor of the given type (``c=`` parameter)."""

MOS_KINDS = ("nmos", "pmos")
MTJ_KIND = "mtj"
NON_AREA_OSDI_KINDS = frozenset({"thermal_resistor"})
"""OSDI models that are parts of a device model (the MTJ's heat path), not drawn devices."""

EPS0_F_PER_M = 8.8541878128e-12
"""Vacuum permittivity [F/m] (CODATA 2018)."""

_IGNORED_PREFIXES = {
    "v": "independent voltage source (testbench)",
    "i": "independent current source (testbench)",
    "b": "behavioural source (testbench)",
    "e": "controlled source (ideal element)",
    "f": "controlled source (ideal element)",
    "g": "controlled source (ideal element)",
    "h": "controlled source (ideal element)",
    "a": "XSPICE code model (ideal element)",
    "s": "ideal switch (ideal element)",
    "w": "ideal switch (ideal element)",
}
_GLOBAL_NODES = frozenset({"0", "gnd"})
_MAX_SUBCKT_DEPTH = 32


# --------------------------------------------------------------------------- numbers

_NUMBER_RE = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)([a-z]*)$")
# Order matters: "meg" and "mil" before "m".
_SCALES = (
    ("meg", 1e6),
    ("mil", 25.4e-6),
    ("t", 1e12),
    ("g", 1e9),
    ("k", 1e3),
    ("m", 1e-3),
    ("u", 1e-6),
    ("n", 1e-9),
    ("p", 1e-12),
    ("f", 1e-15),
    ("a", 1e-18),
)


def parse_spice_number(text: str) -> float:
    """A SPICE number as a float: ``"100n"`` -> 1e-7, ``"1.5meg"`` -> 1.5e6.

    Scale suffixes (case-insensitive): t g meg k m mil u n p f a.  Letters after the scale
    (units such as ``nm``, ``pF``, ``Ohm``) are ignored, as SPICE does; so are unit letters
    with no scale (``0.9V``).  Raises ``ValueError`` naming the text if it is no number.
    """
    cleaned = text.strip().lower().replace("\u00b5", "u").replace("\u03bc", "u")
    match = _NUMBER_RE.match(cleaned)
    if match is None:
        raise ValueError(
            f"{text!r} is not a SPICE number (allowed: a float with an optional scale "
            "suffix t g meg k m mil u n p f a, e.g. 1e-07, 100n, 0.1u)"
        )
    value = float(match.group(1))
    suffix = match.group(2)
    for name, scale in _SCALES:
        if suffix.startswith(name):
            return value * scale
    return value


# --------------------------------------------------------------------------- inventory


@dataclass(frozen=True)
class Mosfet:
    """One MOSFET element (after subcircuit expansion).

    Attributes:
        name: element name, hierarchical for expanded instances (``X1.M2``).
        polarity: ``"nmos"`` or ``"pmos"``.
        drain, gate, source, bulk: net names (lower case, hierarchical inside instances).
        model: model name (lower case).
        w_m: total drawn width of all fingers [m].
        l_m: drawn gate length [m].
        nf: number of fingers (each ``w_m / nf`` wide).
        m: number of parallel copies.
    """

    name: str
    polarity: str
    drain: str
    gate: str
    source: str
    bulk: str
    model: str
    w_m: float
    l_m: float
    nf: int = 1
    m: int = 1


@dataclass(frozen=True)
class Capacitor:
    """One capacitor: ``c_f`` [F] of type ``kind`` (one of :data:`CAPACITOR_KINDS`),
    ``m`` parallel copies, between ``nodes``."""

    name: str
    kind: str
    c_f: float
    nodes: tuple[str, str]
    m: int = 1


@dataclass(frozen=True)
class Mtj:
    """One magnetic tunnel junction (OSDI instance of a model of kind ``mtj``)."""

    name: str
    model: str
    nodes: tuple[str, ...]
    m: int = 1


@dataclass(frozen=True)
class Resistor:
    """One resistor of ``r_ohm`` [ohm]; counted, not sized (see module docstring)."""

    name: str
    r_ohm: float
    nodes: tuple[str, str]
    m: int = 1


@dataclass(frozen=True)
class IgnoredElement:
    """An element that has no silicon area, and why."""

    name: str
    reason: str


@dataclass(frozen=True)
class DeviceInventory:
    """Devices of a netlist, subcircuit instances expanded."""

    mosfets: tuple[Mosfet, ...] = ()
    capacitors: tuple[Capacitor, ...] = ()
    mtjs: tuple[Mtj, ...] = ()
    resistors: tuple[Resistor, ...] = ()
    ignored: tuple[IgnoredElement, ...] = ()

    @property
    def transistor_count(self) -> int:
        """Physical transistors: sum of the ``m`` copies (fingers are not counted)."""
        return sum(t.m for t in self.mosfets)

    @property
    def capacitor_count(self) -> int:
        return sum(c.m for c in self.capacitors)

    @property
    def mtj_count(self) -> int:
        return sum(j.m for j in self.mtjs)

    @property
    def resistor_count(self) -> int:
        return sum(r.m for r in self.resistors)


def _strip_inline_comment(line: str) -> str:
    cut = len(line)
    semicolon = line.find(";")
    if semicolon >= 0:
        cut = min(cut, semicolon)
    dollar = re.search(r"\s\$", line)
    if dollar:
        cut = min(cut, dollar.start())
    return line[:cut].rstrip()


def _logical_lines(text: str) -> list[str]:
    """Comment-free lines with ``+`` continuations joined and ``k = v`` tightened."""
    lines: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("*"):
            continue
        line = _strip_inline_comment(line)
        if not line:
            continue
        if line.startswith("+"):
            if not lines:
                raise ValueError(
                    f"line {number}: continuation line {raw.strip()!r} has no line to continue "
                    "(a '+' line must follow an element or dot-command)"
                )
            lines[-1] = f"{lines[-1]} {line[1:].strip()}"
            continue
        lines.append(line)
    return [re.sub(r"\s*=\s*", "=", line) for line in lines]


@dataclass
class _Subckt:
    name: str
    ports: tuple[str, ...]
    defaults: dict[str, str]
    body: list[str]


def _split(line: str) -> tuple[list[str], dict[str, str]]:
    """Positional tokens (original case) and ``key=value`` parameters (keys lower case)."""
    positional: list[str] = []
    params: dict[str, str] = {}
    for token in line.split():
        if "=" in token:
            key, _, value = token.partition("=")
            if not key or not value:
                raise ValueError(f"malformed parameter {token!r} in line {line!r}")
            params[key.lower()] = value
        else:
            positional.append(token)
    return positional, params


_MODEL_KIND_RE = re.compile(r"^\s*([a-z_][a-z0-9_]*)")


class _Parser:
    def __init__(self, model_kinds: Mapping[str, str], capacitor_kind: str):
        self.model_kinds = {k.lower(): v.lower() for k, v in model_kinds.items()}
        self.capacitor_kind = capacitor_kind
        self.subckts: dict[str, _Subckt] = {}
        self.params: dict[str, float] = {}
        self.global_nodes = set(_GLOBAL_NODES)
        self.mosfets: list[Mosfet] = []
        self.capacitors: list[Capacitor] = []
        self.mtjs: list[Mtj] = []
        self.resistors: list[Resistor] = []
        self.ignored: list[IgnoredElement] = []

    # -- pass 1: definitions ----------------------------------------------------
    def collect(self, lines: list[str]) -> list[str]:
        top: list[str] = []
        stack: list[_Subckt] = []
        in_control = False
        for line in lines:
            low = line.lower()
            keyword = low.split()[0]
            if in_control:
                if keyword == ".endc":
                    in_control = False
                continue
            if keyword == ".control":
                in_control = True
            elif keyword == ".end":
                break
            elif keyword == ".subckt":
                positional, defaults = _split(line)
                if len(positional) < 2:
                    raise ValueError(f"{line!r}: .subckt needs a name")
                if positional[-1].lower() == "params:":
                    positional = positional[:-1]
                stack.append(
                    _Subckt(
                        name=positional[1].lower(),
                        ports=tuple(p.lower() for p in positional[2:]),
                        defaults=defaults,
                        body=[],
                    )
                )
            elif keyword == ".ends":
                if not stack:
                    raise ValueError(f"{line!r}: .ends without a .subckt")
                done = stack.pop()
                self.subckts[done.name] = done
            elif keyword == ".model":
                self._model(line)
            elif stack:
                stack[-1].body.append(line)
            elif keyword == ".param":
                _, params = _split(line)
                for key, value in params.items():
                    self.params[key] = self.value(value, self.params, f".param {key}")
            elif keyword == ".global":
                self.global_nodes.update(t.lower() for t in line.split()[1:])
            elif keyword.startswith("."):
                continue  # .title .include .lib .options .tran ... carry no devices
            else:
                top.append(line)
        if stack:
            raise ValueError(f".subckt {stack[-1].name} has no .ends")
        return top

    def _model(self, line: str) -> None:
        tokens = line.split(None, 2)
        if len(tokens) < 3:
            raise ValueError(f"{line!r}: .model needs a name and a type")
        kind = _MODEL_KIND_RE.match(tokens[2].lower())
        if kind is None:
            raise ValueError(f"{line!r}: cannot read the model type")
        self.model_kinds[tokens[1].lower()] = kind.group(1)

    # -- values -----------------------------------------------------------------
    @staticmethod
    def value(text: str, scope: Mapping[str, float], what: str) -> float:
        token = text.strip()
        if (token[:1], token[-1:]) in (("{", "}"), ("'", "'")):
            token = token[1:-1].strip()
        try:
            return parse_spice_number(token)
        except ValueError:
            pass
        name = token.lower()
        if name in scope:
            return scope[name]
        raise ValueError(
            f"{what}: cannot evaluate {text!r} (allowed: a SPICE number, or a single "
            f"parameter name defined by .param or the subcircuit; known: {sorted(scope)})"
        )

    # -- pass 2: elements -------------------------------------------------------
    def element(
        self,
        line: str,
        prefix: str,
        nodemap: Mapping[str, str],
        scope: Mapping[str, float],
        multiplier: int,
        depth: int,
    ) -> None:
        raw_name = line.split(None, 1)[0]
        name = prefix + raw_name
        kind = raw_name[0].lower()
        if kind in _IGNORED_PREFIXES:  # sources may hold expressions: do not parse them
            self.ignored.append(IgnoredElement(name, _IGNORED_PREFIXES[kind]))
            return
        positional, params = _split(line)

        def net(node: str) -> str:
            low = node.lower()
            if low in nodemap:
                return nodemap[low]
            if low in self.global_nodes:
                return low
            return prefix.lower() + low

        if kind == "m":
            self._mosfet(name, positional, params, net, scope, multiplier)
        elif kind == "c":
            self._capacitor(name, positional, params, net, scope, multiplier)
        elif kind == "x":
            self._instance(name, positional, params, net, scope, multiplier, depth)
        elif kind == "n":
            self._osdi(name, positional, params, net, scope, multiplier)
        elif kind == "r":
            self._resistor(name, positional, params, net, scope, multiplier)
        else:
            raise ValueError(
                f"{name}: element type {raw_name[0]!r} has no area rule (allowed: M, C, X, N, R; "
                f"ignored as testbench or ideal: {', '.join(sorted(_IGNORED_PREFIXES)).upper()})"
            )

    def _positive(self, name, key, text, scope, *, integer=False) -> float:
        value = self.value(text, scope, f"{name} {key}")
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name}: {key}={text} = {value:g} is not allowed (allowed: > 0)")
        if integer:
            if abs(value - round(value)) > 1e-9:
                raise ValueError(
                    f"{name}: {key}={text} = {value:g} is not allowed (allowed: an integer >= 1)"
                )
            return round(value)
        return value

    def _multiplier(self, name, params, scope, multiplier) -> int:
        if "m" not in params:
            return multiplier
        return multiplier * int(self._positive(name, "m", params["m"], scope, integer=True))

    def _mosfet(self, name, positional, params, net, scope, multiplier) -> None:
        if len(positional) != 6:
            raise ValueError(
                f"{name}: a MOSFET needs 'M<name> d g s b <model>' followed by key=value "
                f"parameters, got {len(positional) - 1} positional fields {positional[1:]}"
            )
        _, d, g, s, b, model = positional
        model = model.lower()
        polarity = self.model_kinds.get(model)
        if polarity not in MOS_KINDS:
            raise ValueError(
                f"{name}: model {model!r} is not known as nmos or pmos (kind: {polarity!r}); "
                f"add '.model {model} nmos|pmos' to the netlist or pass "
                f"model_kinds={{'{model}': 'nmos'}} (known models: {sorted(self.model_kinds)})"
            )
        for key in ("w", "l"):
            if key not in params:
                raise ValueError(f"{name}: {key.upper()} is missing (give {key.upper()}=<metres>)")
        w = self._positive(name, "W", params["w"], scope)
        length = self._positive(name, "L", params["l"], scope)
        nf = self._positive(name, "nf", params["nf"], scope, integer=True) if "nf" in params else 1
        m = self._multiplier(name, params, scope, multiplier)
        self.mosfets.append(
            Mosfet(name, polarity, net(d), net(g), net(s), net(b), model, w, length, nf, m)
        )

    def _capacitor(self, name, positional, params, net, scope, multiplier) -> None:
        if len(positional) == 4:
            text = positional[3]
        elif len(positional) == 3 and "c" in params:
            text = params["c"]
        else:
            raise ValueError(
                f"{name}: a capacitor needs 'C<name> a b <value>' (or c=<value>), "
                f"got {positional[1:]} {params}"
            )
        c = self._positive(name, "C", text, scope)
        m = self._multiplier(name, params, scope, multiplier)
        nodes = (net(positional[1]), net(positional[2]))
        self.capacitors.append(Capacitor(name, self.capacitor_kind, c, nodes, m))

    def _instance(self, name, positional, params, net, scope, multiplier, depth) -> None:
        if len(positional) < 2:
            raise ValueError(f"{name}: an instance needs nodes and a subcircuit name")
        sub = positional[-1].lower()
        nodes = positional[1:-1]
        m = self._multiplier(name, params, scope, multiplier)
        definition = self.subckts.get(sub)
        if sub.startswith("cap_"):
            if sub not in CAPACITOR_SUBCKTS:
                raise ValueError(
                    f"{name}: capacitor subcircuit {positional[-1]!r} is not a known capacitor "
                    f"type (allowed: {', '.join(CAPACITOR_SUBCKTS)})"
                )
            if len(nodes) != 2:
                raise ValueError(f"{name}: {sub} takes 2 nodes, got {len(nodes)}: {nodes}")
            if "c" in params:
                c = self._positive(name, "c", params["c"], scope)
            elif definition is not None and "c" in definition.defaults:
                c = self._positive(name, "c", definition.defaults["c"], self.params)
            else:
                raise ValueError(f"{name}: {sub} instance has no c=<farads> (and no default)")
            kind = CAPACITOR_SUBCKTS[sub]
            self.capacitors.append(Capacitor(name, kind, c, (net(nodes[0]), net(nodes[1])), m))
            return
        if definition is None:
            raise ValueError(
                f"{name}: subcircuit {positional[-1]!r} is not defined in the netlist text "
                f"(defined: {sorted(self.subckts)}); include its .subckt definition"
            )
        if len(nodes) != len(definition.ports):
            raise ValueError(
                f"{name}: {sub} has {len(definition.ports)} ports {definition.ports}, "
                f"got {len(nodes)} nodes"
            )
        if depth >= _MAX_SUBCKT_DEPTH:
            raise ValueError(f"{name}: subcircuits nested deeper than {_MAX_SUBCKT_DEPTH}")
        child_scope = dict(self.params)
        for key, text in definition.defaults.items():
            child_scope[key] = self.value(text, self.params, f"{sub} default {key}")
        for key, text in params.items():
            if key != "m":
                child_scope[key] = self.value(text, scope, f"{name} {key}")
        child_map = {port: net(node) for port, node in zip(definition.ports, nodes)}
        for line in definition.body:
            if line.startswith("."):
                if line.lower().startswith(".param"):
                    for key, text in _split(line)[1].items():
                        child_scope[key] = self.value(text, child_scope, f"{sub} .param {key}")
                continue  # other dot-commands inside a definition carry no devices
            self.element(line, f"{name}.", child_map, child_scope, m, depth + 1)

    def _osdi(self, name, positional, params, net, scope, multiplier) -> None:
        if len(positional) < 3:
            raise ValueError(f"{name}: an OSDI device needs nodes and a model name")
        model = positional[-1].lower()
        kind = self.model_kinds.get(model)
        m = self._multiplier(name, params, scope, multiplier)
        if kind == MTJ_KIND:
            self.mtjs.append(Mtj(name, model, tuple(net(n) for n in positional[1:-1]), m))
        elif kind in NON_AREA_OSDI_KINDS:
            self.ignored.append(IgnoredElement(name, f"{kind}: part of a device model, no area"))
        else:
            raise ValueError(
                f"{name}: OSDI model {model!r} has kind {kind!r}; allowed: {MTJ_KIND!r} "
                f"(counted as an MTJ) or {sorted(NON_AREA_OSDI_KINDS)} (no area).  Add "
                f"'.model {model} mtj ...' to the netlist or pass model_kinds={{'{model}': 'mtj'}}"
            )

    def _resistor(self, name, positional, params, net, scope, multiplier) -> None:
        if len(positional) == 4:
            text = positional[3]
        elif len(positional) == 3 and "r" in params:
            text = params["r"]
        else:
            raise ValueError(f"{name}: a resistor needs 'R<name> a b <value>'")
        r = self._positive(name, "R", text, scope)
        m = self._multiplier(name, params, scope, multiplier)
        self.resistors.append(Resistor(name, r, (net(positional[1]), net(positional[2])), m))


def parse_inventory(
    netlist_text: str,
    model_kinds: Mapping[str, str] = DEFAULT_MODEL_KINDS,
    capacitor_kind: str = "mim",
) -> DeviceInventory:
    """Read the devices of a SPICE netlist (see the module docstring for the syntax).

    Args:
        netlist_text: netlist text, e.g. ``str(circuit)`` of a PySpice circuit.  A bare
            SPICE title line (one not starting with ``.title`` or ``*``) is read as an
            element: remove it or comment it out.
        model_kinds: model name -> kind (``nmos``, ``pmos``, ``mtj``, ``thermal_resistor``)
            for models whose ``.model`` card is not in the text; ``.model`` lines in the
            text take precedence.
        capacitor_kind: type of built-in ``C`` elements, one of :data:`CAPACITOR_KINDS`.

    Returns:
        The inventory, subcircuit instances expanded (names ``X1.M1``, internal nets
        ``x1.net``).  Elements inside ``.subckt`` definitions are counted once per instance
        and never at top level.

    Raises:
        ValueError: naming the element, the bad value and what is allowed.
    """
    if capacitor_kind not in CAPACITOR_KINDS:
        raise ValueError(
            f"capacitor_kind={capacitor_kind!r} is not allowed (allowed: {CAPACITOR_KINDS})"
        )
    parser = _Parser(model_kinds, capacitor_kind)
    top = parser.collect(_logical_lines(netlist_text))
    for line in top:
        parser.element(line, "", {}, parser.params, 1, 0)
    return DeviceInventory(
        mosfets=tuple(parser.mosfets),
        capacitors=tuple(parser.capacitors),
        mtjs=tuple(parser.mtjs),
        resistors=tuple(parser.resistors),
        ignored=tuple(parser.ignored),
    )


# --------------------------------------------------------------------------- rule deck

# RuleDeck field -> (TOML table, value key)
_DECK_KEYS = {
    "cpp_m": ("cpp", "value_m"),
    "gate_length_min_m": ("gate_length_min", "value_m"),
    "width_min_m": ("width_min", "value_m"),
    "diffusion_extension_m": ("diffusion_extension", "value_m"),
    "diffusion_spacing_m": ("diffusion_spacing", "value_m"),
    "poly_endcap_m": ("poly_endcap", "value_m"),
    "well_enclosure_m": ("well_enclosure", "value_m"),
    "metal_pitch_m": ("metal_pitch", "value_m"),
    "mim_density_f_per_m2": ("mim_density", "value_f_per_m2"),
    "mom_density_f_per_m2": ("mom_density", "value_f_per_m2"),
    "mos_cap_eot_m": ("mos_cap_eot", "value_m"),
    "mos_cap_eps_r": ("mos_cap_eot", "eps_r"),
    "mtj_extra_footprint_m2": ("mtj_extra_footprint", "value_m2"),
    "routing_overhead": ("routing_overhead", "value"),
    "sram_6t_hd_cell_m2": ("sram_6t_hd_cell", "value_m2"),
}


# RuleDeck field -> plausible range (low, high) for a planar CMOS node from 180 nm down to
# 7 nm, and the reason: a value outside is a typo or a unit slip, refused before a report
# can publish it.
_DECK_RANGES = {
    "cpp_m": (20e-9, 1e-6, "contacted poly pitch: 7 nm-class ~50 nm .. 180 nm-class ~0.5 um"),
    "gate_length_min_m": (5e-9, 0.5e-6, "drawn gate length of 7 nm .. 180 nm nodes"),
    "width_min_m": (5e-9, 1e-6, "minimum active width"),
    "diffusion_extension_m": (1e-9, 1e-6, "active extension beyond the gate"),
    "diffusion_spacing_m": (1e-9, 1e-6, "active-to-active spacing"),
    "poly_endcap_m": (1e-9, 1e-6, "gate extension beyond active"),
    "well_enclosure_m": (1e-9, 5e-6, "well edge to active"),
    "metal_pitch_m": (10e-9, 2e-6, "minimum metal pitch"),
    "mim_density_f_per_m2": (1e-4, 0.1, "MIM capacitors: 0.1-100 fF/um^2 (1-2 fF/um^2 typical)"),
    "mom_density_f_per_m2": (1e-4, 0.1, "MOM capacitors: 0.1-100 fF/um^2"),
    "mos_cap_eot_m": (0.3e-9, 20e-9, "equivalent oxide thickness"),
    "mos_cap_eps_r": (1.0, 100.0, "relative permittivity of a gate dielectric"),
    "mtj_extra_footprint_m2": (1e-17, 1e-11, "MTJ pillar footprint, 5 nm .. 3 um across"),
    "routing_overhead": (0.0, 3.0, "routing area up to 3x the device area"),
    "sram_6t_hd_cell_m2": (1e-14, 1e-11, "6T SRAM cell, 0.01 .. 10 um^2"),
}


@dataclass(frozen=True)
class RuleDeck:
    """Layout rules, SI units.  Each field is one table of ``rules_28nm.toml``.

    Attributes:
        cpp_m: contacted poly pitch [cpp] [m].
        gate_length_min_m: minimum drawn gate length [gate_length_min] [m].
        width_min_m: minimum drawn width [width_min] [m] (reference; not enforced).
        diffusion_extension_m: contacted active extension beyond the end gate
            [diffusion_extension] [m].
        diffusion_spacing_m: active-to-active spacing [diffusion_spacing] [m].
        poly_endcap_m: gate extension beyond active [poly_endcap] [m].
        well_enclosure_m: well edge to active [well_enclosure] [m].
        metal_pitch_m: minimum metal pitch [metal_pitch] [m] (reference).
        mim_density_f_per_m2: MIM capacitance per area [mim_density] [F/m^2].
        mom_density_f_per_m2: MOM capacitance per area [mom_density] [F/m^2].
        mos_cap_eot_m: electrical oxide thickness for MOS capacitors [mos_cap_eot] [m].
        mos_cap_eps_r: relative permittivity that goes with ``mos_cap_eot_m``.
        mtj_extra_footprint_m2: footprint of an MTJ with no transistor under it [m^2].
        routing_overhead: routing area / (transistor + well area) [1].
        sram_6t_hd_cell_m2: 6T high-density SRAM cell, calibration reference [m^2].
        sources: table name -> source (DOI or URL).
        estimates: names of the tables whose value is an estimate.
    """

    cpp_m: float
    gate_length_min_m: float
    width_min_m: float
    diffusion_extension_m: float
    diffusion_spacing_m: float
    poly_endcap_m: float
    well_enclosure_m: float
    metal_pitch_m: float
    mim_density_f_per_m2: float
    mom_density_f_per_m2: float
    mos_cap_eot_m: float
    mos_cap_eps_r: float
    mtj_extra_footprint_m2: float
    routing_overhead: float
    sram_6t_hd_cell_m2: float
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    estimates: frozenset[str] = field(default_factory=frozenset, compare=False, repr=False)

    def __post_init__(self):
        for name in _DECK_KEYS:
            value = getattr(self, name)
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            lower_ok = value >= 0 if name == "routing_overhead" else value > 0
            if not (ok and math.isfinite(value) and lower_ok):
                bound = ">= 0" if name == "routing_overhead" else "> 0"
                raise ValueError(f"RuleDeck.{name} = {value!r} is not allowed (allowed: {bound})")
            lo, hi, why = _DECK_RANGES[name]
            if not lo <= value <= hi:
                table, key = _DECK_KEYS[name]
                raise ValueError(
                    f"RuleDeck.{name} ([{table}] {key}) = {value!r} is outside the plausible "
                    f"range [{lo:g}, {hi:g}] ({why})"
                )
        if self.cpp_m <= self.gate_length_min_m:
            raise ValueError(
                f"RuleDeck: cpp_m = {self.cpp_m:g} must exceed gate_length_min_m = "
                f"{self.gate_length_min_m:g} (a pitch holds a gate and a contact)"
            )
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))
        object.__setattr__(self, "estimates", frozenset(self.estimates))

    @property
    def inner_sd_m(self) -> float:
        """Shared source/drain region between two gates, ``cpp - Lmin`` [m]."""
        return self.cpp_m - self.gate_length_min_m

    @property
    def strip_end_m(self) -> float:
        """Length a diffusion strip adds beyond ``nf (L + s_in)`` per gate:
        ``2 ext - s_in + s_dd`` [m]."""
        return 2 * self.diffusion_extension_m - self.inner_sd_m + self.diffusion_spacing_m

    @property
    def finger_clearance_m(self) -> float:
        """Height a finger adds to its width: ``max(2 e_po, s_dd)`` [m]."""
        return max(2 * self.poly_endcap_m, self.diffusion_spacing_m)

    @property
    def well_strip_m(self) -> float:
        """Width of the N/P well-boundary strip, ``max(0, 2 e_w - s_dd)`` [m]."""
        return max(0.0, 2 * self.well_enclosure_m - self.diffusion_spacing_m)

    @property
    def mos_cap_density_f_per_m2(self) -> float:
        """Gate capacitance per gate area, ``eps_r eps0 / EOT`` [F/m^2]."""
        return self.mos_cap_eps_r * EPS0_F_PER_M / self.mos_cap_eot_m

    def capacitor_density_f_per_m2(self, kind: str) -> float:
        """Capacitance per area of a capacitor type (``mim``, ``mom``, ``mos``) [F/m^2]."""
        densities = {
            "mim": self.mim_density_f_per_m2,
            "mom": self.mom_density_f_per_m2,
            "mos": self.mos_cap_density_f_per_m2,
        }
        if kind not in densities:
            raise ValueError(f"capacitor type {kind!r} is not allowed (allowed: {CAPACITOR_KINDS})")
        return densities[kind]


def load_rule_deck(path: Path | str = DEFAULT_RULES_PATH) -> RuleDeck:
    """Read a rule deck TOML file (format of ``rules_28nm.toml``) into a :class:`RuleDeck`.

    Raises ``ValueError`` naming a missing table or key, and for a table without ``source``.
    """
    path = Path(path)
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    values: dict[str, float] = {}
    for name, (table, key) in _DECK_KEYS.items():
        if table not in data or key not in data[table]:
            raise ValueError(f"{path}: rule [{table}] {key} is missing")
        values[name] = data[table][key]
    sources: dict[str, str] = {}
    estimates: set[str] = set()
    for table, entry in data.items():
        if not isinstance(entry, dict):
            continue
        if not entry.get("source"):
            raise ValueError(f"{path}: rule [{table}] has no source")
        sources[table] = entry["source"]
        if entry.get("estimate", False):
            estimates.add(table)
    try:
        return RuleDeck(**values, sources=sources, estimates=frozenset(estimates))
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


@functools.lru_cache(maxsize=1)
def _default_rules() -> RuleDeck:
    return load_rule_deck(DEFAULT_RULES_PATH)


def _rules_or_default(rules: RuleDeck | None) -> RuleDeck:
    return _default_rules() if rules is None else rules


# --------------------------------------------------------------------------- geometry


def _check_size(w: float, l: float, nf: int) -> None:
    for label, value in (("w", w), ("l", l)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise ValueError(f"{label} = {value!r} m is not allowed (allowed: > 0)")
    if not (isinstance(nf, int) and not isinstance(nf, bool) and nf >= 1):
        raise ValueError(f"nf = {nf!r} is not allowed (allowed: an integer >= 1)")


def _finger_height_m(w: float, nf: int, rules: RuleDeck) -> float:
    return w / nf + rules.finger_clearance_m


def transistor_area_m2(
    w: float,
    l: float,
    nf: int = 1,
    rules: RuleDeck | None = None,
) -> float:
    """Footprint of one transistor on its own diffusion strip [m^2].

    ``A = (nf l + (nf - 1) s_in + 2 ext + s_dd) * (w / nf + max(2 e_po, s_dd))`` with
    ``s_in = cpp - Lmin`` [cpp, gate_length_min], ``ext`` [diffusion_extension],
    ``s_dd`` [diffusion_spacing], ``e_po`` [poly_endcap].

    Args:
        w: total drawn width of all fingers [m].
        l: drawn gate length [m].
        nf: number of fingers.
        rules: rule deck; the default deck if None.
    """
    rules = _rules_or_default(rules)
    _check_size(w, l, nf)
    length = nf * l + (nf - 1) * rules.inner_sd_m + 2 * rules.diffusion_extension_m
    return (length + rules.diffusion_spacing_m) * _finger_height_m(w, nf, rules)


@dataclass(frozen=True)
class AreaEstimate:
    """Area breakdown [m^2] and device counts of one netlist.

    ``total_m2 = transistors_m2 + wells_m2 + routing_m2 + capacitors_m2 + mtj_m2``.
    Counts include SPICE ``m`` copies.  ``unsized`` names elements that were counted but
    given no area (resistors).
    """

    transistors_m2: float
    wells_m2: float
    routing_m2: float
    capacitors_m2: float
    mtj_m2: float
    transistors: int
    capacitors: int
    mtjs: int
    resistors: int
    diffusion_strips: int
    unsized: tuple[str, ...] = ()

    @property
    def total_m2(self) -> float:
        parts = (self.transistors_m2, self.wells_m2, self.routing_m2, self.capacitors_m2)
        return sum(parts) + self.mtj_m2

    @property
    def total_um2(self) -> float:
        return self.total_m2 * 1e12

    def breakdown_m2(self) -> dict[str, float]:
        """Component -> area [m^2], plus ``total``."""
        return {
            "transistors": self.transistors_m2,
            "wells": self.wells_m2,
            "routing": self.routing_m2,
            "capacitors": self.capacitors_m2,
            "mtj": self.mtj_m2,
            "total": self.total_m2,
        }


class _UnionFind:
    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, node: str) -> str:
        self.parent.setdefault(node, node)
        while self.parent[node] != node:
            self.parent[node] = self.parent[self.parent[node]]
            node = self.parent[node]
        return node

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def _polarity_area(
    mosfets: Iterable[Mosfet], rules: RuleDeck, share_diffusion: bool
) -> tuple[float, float, int]:
    """Area [m^2], diffusion row length [m] and strip count of one polarity's transistors."""
    gate_area = 0.0
    gate_length = 0.0
    # Each copy is an edge (source net, drain net) with its finger height.
    edges: list[tuple[str, str, float]] = []
    for t in mosfets:
        _check_size(t.w_m, t.l_m, t.nf)
        height = _finger_height_m(t.w_m, t.nf, rules)
        run = t.nf * (t.l_m + rules.inner_sd_m)
        gate_area += t.m * run * height
        gate_length += t.m * run
        edges.extend((t.source, t.drain, height) for _ in range(t.m))
    if not edges:
        return 0.0, 0.0, 0
    # Groups of copies that can share diffusion, each: (strips, tallest finger).
    groups: list[tuple[int, float]] = []
    if share_diffusion:
        uf = _UnionFind()
        for source, drain, _ in edges:
            uf.union(source, drain)
        degree: dict[str, int] = {}
        tallest: dict[str, float] = {}
        for source, drain, height in edges:
            degree[source] = degree.get(source, 0) + 1
            degree[drain] = degree.get(drain, 0) + 1
            root = uf.find(source)
            tallest[root] = max(tallest.get(root, 0.0), height)
        odd: dict[str, int] = {root: 0 for root in tallest}
        for node, count in degree.items():
            if count % 2:
                odd[uf.find(node)] += 1
        groups = [(max(1, odd[root] // 2), tallest[root]) for root in tallest]
    else:
        groups = [(1, height) for _, _, height in edges]
    end_area = sum(strips * rules.strip_end_m * height for strips, height in groups)
    strips = sum(s for s, _ in groups)
    row_length = gate_length + strips * rules.strip_end_m
    return gate_area + end_area, row_length, strips


def _capacitor_area_m2(cap: Capacitor, rules: RuleDeck) -> float:
    density = rules.capacitor_density_f_per_m2(cap.kind)
    if cap.kind == "mos":
        side = math.sqrt(cap.c_f / density)
        return cap.m * transistor_area_m2(side, side, 1, rules)
    return cap.m * cap.c_f / density


def estimate_area(
    inventory: DeviceInventory,
    rules: RuleDeck | None = None,
    *,
    share_diffusion: bool = True,
) -> AreaEstimate:
    """Layout-area estimate of the devices in ``inventory`` (model in the module docstring).

    * transistors: per polarity, ``sum nf (L + s_in) h`` over copies plus
      ``strips x (2 ext - s_in + s_dd) x h_end`` ([cpp], [gate_length_min],
      [diffusion_extension], [diffusion_spacing], [poly_endcap]).
    * wells: ``max(0, 2 e_w - s_dd) x max(N row, P row)`` if both polarities are present
      ([well_enclosure]).
    * routing: ``[routing_overhead] x (transistors + wells)``.
    * capacitors: ``C / density`` (MIM [mim_density], MOM [mom_density]); MOS
      [mos_cap_eot] as a square transistor.
    * MTJs: ``max(0, MTJs - transistors) x [mtj_extra_footprint]``.

    Args:
        inventory: devices from :func:`parse_inventory`.
        rules: rule deck; the default 28 nm deck if None.
        share_diffusion: let same-polarity transistors on a common source/drain net abut.
    """
    rules = _rules_or_default(rules)
    n_area, n_row, n_strips = _polarity_area(
        (t for t in inventory.mosfets if t.polarity == "nmos"), rules, share_diffusion
    )
    p_area, p_row, p_strips = _polarity_area(
        (t for t in inventory.mosfets if t.polarity == "pmos"), rules, share_diffusion
    )
    for t in inventory.mosfets:
        if t.polarity not in MOS_KINDS:
            raise ValueError(f"{t.name}: polarity {t.polarity!r} (allowed: {MOS_KINDS})")
    transistors_m2 = n_area + p_area
    wells_m2 = rules.well_strip_m * max(n_row, p_row) if n_row > 0 and p_row > 0 else 0.0
    routing_m2 = rules.routing_overhead * (transistors_m2 + wells_m2)
    capacitors_m2 = sum((_capacitor_area_m2(c, rules) for c in inventory.capacitors), 0.0)
    extra_mtjs = max(0, inventory.mtj_count - inventory.transistor_count)
    mtj_m2 = extra_mtjs * rules.mtj_extra_footprint_m2
    return AreaEstimate(
        transistors_m2=transistors_m2,
        wells_m2=wells_m2,
        routing_m2=routing_m2,
        capacitors_m2=capacitors_m2,
        mtj_m2=mtj_m2,
        transistors=inventory.transistor_count,
        capacitors=inventory.capacitor_count,
        mtjs=inventory.mtj_count,
        resistors=inventory.resistor_count,
        diffusion_strips=n_strips + p_strips,
        unsized=tuple(r.name for r in inventory.resistors),
    )
