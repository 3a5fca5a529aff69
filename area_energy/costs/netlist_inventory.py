"""SPICE netlist text -> the inventory of drawn devices a layout-area estimate needs.

:func:`parse_inventory` reads SPICE netlist text -- as written by PySpice's
``str(circuit)`` or by hand -- into a :class:`DeviceInventory`: MOSFETs with their sizes
and nets, capacitors with their value and type, MTJs, resistors, and the elements that
have no silicon area (sources, behavioural elements).  Pure Python, no simulator.

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

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .spice_text import logical_lines, parse_spice_number, split_fields

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
    """One resistor of ``r_ohm`` [ohm] (sized by :meth:`RuleDeck.resistor_area_m2`)."""

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

    def split(self, instances: tuple[str, ...]) -> tuple[DeviceInventory, DeviceInventory]:
        """(devices outside, devices inside) the top-level subcircuit ``instances`` (names
        such as ``XB``, any case): e.g. a neuron apart from the bias generator it shares."""
        prefixes = tuple(f"{name.lower()}." for name in instances)

        def inside(element) -> bool:
            return element.name.lower().startswith(prefixes)

        parts = []
        for keep in (False, True):
            parts.append(
                DeviceInventory(
                    **{
                        f: tuple(e for e in getattr(self, f) if inside(e) == keep)
                        for f in ("mosfets", "capacitors", "mtjs", "resistors", "ignored")
                    }
                )
            )
        return parts[0], parts[1]


@dataclass
class _Subckt:
    name: str
    ports: tuple[str, ...]
    defaults: dict[str, str]
    body: list[str]


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
                positional, defaults = split_fields(line)
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
                _, params = split_fields(line)
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
            name = token.lower()  # not a number: a parameter name
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
        positional, params = split_fields(line)

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

    def _two_terminal(self, name, positional, params, net, scope, multiplier, key, what):
        """(value, nodes, m) of ``<name> a b <value>`` or ``<name> a b key=<value>``: the
        value > 0 (``key`` names it in messages), the nodes mapped, ``m`` multiplied."""
        if len(positional) == 4:
            text = positional[3]
        elif len(positional) == 3 and key in params:
            text = params[key]
        else:
            raise ValueError(
                f"{name}: a {what} needs '{key.upper()}<name> a b <value>' (or {key}=<value>), "
                f"got {positional[1:]} {params}"
            )
        value = self._positive(name, key.upper(), text, scope)
        m = self._multiplier(name, params, scope, multiplier)
        return value, (net(positional[1]), net(positional[2])), m

    def _capacitor(self, name, positional, params, net, scope, multiplier) -> None:
        c, nodes, m = self._two_terminal(
            name, positional, params, net, scope, multiplier, "c", "capacitor"
        )
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
                    for key, text in split_fields(line)[1].items():
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
        r, nodes, m = self._two_terminal(
            name, positional, params, net, scope, multiplier, "r", "resistor"
        )
        self.resistors.append(Resistor(name, r, nodes, m))


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
    top = parser.collect(logical_lines(netlist_text))
    for line in top:
        parser.element(line, "", {}, parser.params, 1, 0)
    return DeviceInventory(
        mosfets=tuple(parser.mosfets),
        capacitors=tuple(parser.capacitors),
        mtjs=tuple(parser.mtjs),
        resistors=tuple(parser.resistors),
        ignored=tuple(parser.ignored),
    )
