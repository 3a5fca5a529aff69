"""Render the standard testbenches and write them with their model files.

The command is ``ipnet netlists`` (``make netlists``, :mod:`pyspice_flows.testbenches`),
which passes in the compiled OSDI models and the spike threshold; this module only
renders and writes.

Each ``<name>.cir`` is a testbench a designer can run from any folder with plain
``ngspice -b <folder>/<name>.cir``:

* its model files are copied into ``<folder>/lib/`` (the CMOS library, the compiled OSDI
  models) and named relative to the netlist; ngspice resolves ``.include`` and
  ``pre_osdi`` against the netlist's own folder, so the folder can be moved or copied as
  a whole and the text is the same in every clone (the golden copies in tests/golden/);
* ``.meas`` lines give the headline figures (first spike time and width, energy delivered,
  peak junction temperature rise), the ``.control`` block counts the output spikes as
  :mod:`pyspice_flows.measure` does (rising edges through half the supply) and prints the
  energy per spike, then ``write``\\ s the ``.save``\\ d nodes to ``<name>.raw`` in the
  current folder;
* comments name each node's meaning and unit (a thermal node is kelvin above ambient) and
  each instance's role and size (:mod:`circuits.testbench_notes`);
* at a given ambient (``ipnet netlists --temp K``) a ``.temp`` card and a header line name
  it; without one there is no card (ngspice's 27 C), as in the golden copies.

PySpice simulates the very same circuits (``circuits.scenarios``); the testbench adds only
the measurements.  The power the sources deliver is computed after the run, in the
``.control`` block, from the saved source voltages and currents: a power probe in the
circuit (a B source on its own node) would load nothing but still join the Newton system
and move the time steps, and with them a spike's width by 2 % in the 4 x 4 array.
The golden copies (tests/golden/*.cir) are regenerated after an intended change with
``python -m tests.regenerate_goldens --netlists``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

from .paths import PACKAGES_ROOT
from .scenarios import Scenario
from .spice_cards import save_card
from .testbench import Testbench, circuit_lines, render
from .testbench_notes import node_note, role_note
from .units import ZERO_CELSIUS_K

LIB_DIR = "lib"
"""Folder beside the netlists holding the model files they load (relative to them)."""
SHARED_ROLE = "bias_generator"
"""Role of the sources of circuitry shared by many neurons (``Scenario.sources``): their
energy is measured apart from the neuron's, as the report does."""

_SKIP_PREFIXES = (".", "*", "+")


def _tokens(line: str) -> list[str]:
    """Whitespace tokens of an instance line, a parenthesised PWL(...) kept as one."""
    return re.findall(r"\S+\([^)]*\)|\S+", line)


def instance_nodes(line: str) -> list[str]:
    """The nodes an instance line connects (lower case), by its element letter."""
    tok = _tokens(line)
    letter = tok[0][0].upper()
    positional = [t for t in tok[1:] if "=" not in t]
    if letter == "M":
        nodes = positional[:4]
    elif letter == "E":
        nodes = positional[:4]
    elif letter in "NX":
        nodes = positional[:-1]  # the last positional token is the model / subcircuit
    else:
        nodes = positional[:2]
    return [n.lower() for n in nodes]


def _param(tok: list[str], key: str) -> float | None:
    for t in tok:
        if t.lower().startswith(key + "="):
            return float(t.split("=", 1)[1])
    return None


def instance_size(line: str) -> str:
    """A readable size of an instance, read off its own line (W/L/fingers, R, C, value)."""
    tok = _tokens(line)
    letter = tok[0][0].upper()
    if letter == "M":
        kind = "PMOS" if tok[5].lower().startswith("p") else "NMOS"
        w, ll, nf = _param(tok, "w"), _param(tok, "l"), _param(tok, "nf")
        text = f"{kind} W={w * 1e9:.0f} nm L={ll * 1e9:.0f} nm"
        return text + (f", {nf:.0f} fingers of W/{nf:.0f}" if nf and nf > 1 else "")
    if letter == "R":
        return f"R={float(tok[3]):.4g} ohm"
    if letter == "C":
        return f"C={float(tok[3]) * 1e15:.4g} fF" if "{" not in tok[3] else "C=c (parameter)"
    if letter == "X":
        c = _param(tok, "c")
        subckt = [t for t in tok[1:] if "=" not in t][-1]
        return f"subcircuit {subckt}" + (f", C={c * 1e15:.4g} fF" if c is not None else "")
    if letter == "N":
        return f"OSDI model {tok[-1]}"
    if letter == "V":
        value = " ".join(tok[3:])
        return "PWL spike train" if value.upper().startswith("PWL") else f"DC {value} V"
    return "value on the line"


def _instances(body: list[str]) -> list[tuple[str, str]]:
    """``(subcircuit, instance line)`` for every instance of a netlist body."""
    out, scope = [], ""
    for ln in body:
        low = ln.strip().lower()
        if low.startswith(".subckt"):
            scope = low.split()[1]
        elif low.startswith(".ends"):
            scope = ""
        elif ln.strip() and not ln.lstrip().startswith(_SKIP_PREFIXES):
            out.append((scope, ln))
    return out


def _node_table(body: list[str]) -> list[str]:
    """Comment lines naming every node with its meaning and unit: the top level first,
    then each subcircuit's internal nodes (its ports are the top level's nodes)."""
    ports = {
        ln.split()[1].lower(): {p.lower() for p in ln.split()[2:] if "=" not in p}
        for ln in body
        if ln.lower().startswith(".subckt")
    }
    scopes: dict[str, list[str]] = {"": []}
    for scope, ln in _instances(body):
        nodes = scopes.setdefault(scope, [])
        for node in instance_nodes(ln):
            if node != "0" and node not in nodes and node not in ports.get(scope, ()):
                nodes.append(node)
    lines = []
    for scope, nodes in scopes.items():
        where = "top level" if not scope else f"inside subcircuit {scope} (saved as x<k>.<node>)"
        lines.append(f"* nodes, {where}:")
        for node in nodes:
            meaning, unit = node_note(scope, node)
            lines.append(f"*   {node}: {meaning} [{unit}]")
    return lines


def _annotated(body: list[str]) -> list[str]:
    """The body with a comment naming each instance's role and size above its line."""
    out, scope = [], ""
    for ln in body:
        low = ln.strip().lower()
        if low.startswith(".subckt"):
            scope = low.split()[1]
        elif low.startswith(".ends"):
            scope = ""
        elif ln.strip() and not ln.lstrip().startswith(_SKIP_PREFIXES):
            name = _tokens(ln)[0]
            out.append(f"* {name}: {role_note(scope, name)}; {instance_size(ln)}")
        out.append(ln)
    return out


def _source_value_v(body: list[str], name: str) -> float:
    for ln in body:
        tok = _tokens(ln)
        if tok and tok[0].upper() == name.upper():
            return float(tok[3])
    raise ValueError(f"testbench: no DC source {name} in the netlist")


def _power_vector(name: str, sources: Mapping[str, str]) -> str:
    """A ``.control`` line: the power [W] the ``sources`` (name -> positive node) deliver,
    as the vector ``name`` (computed from the saved waveforms; nothing joins the circuit)."""
    terms = "+".join(f"v({pos})*i({src})" for src, pos in sources.items())
    return f"let {name} = -({terms})"


def render_testbench(
    sc: Scenario, threshold_fraction: float, temperature_k: float | None = None
) -> tuple[str, list[Path]]:
    """The stand-alone testbench of ``sc`` and the files it includes (to copy into lib/).

    ``threshold_fraction``: a spike is a rising edge of an output through this fraction of
    the logic supply VDD (the toolkit's :data:`pyspice_flows.measure.LOGIC_THRESHOLD_FRACTION`).
    ``temperature_k``: the ambient [K], written as a ``.temp`` card and named in the header
    (None: no card, ngspice's 27 C).
    """
    body = circuit_lines(sc.circuit)
    includes: list[Path] = []
    for k, ln in enumerate(body):
        if ln.lower().startswith(".include"):
            path = Path(ln.split(None, 1)[1].strip().strip('"'))
            includes.append(path)
            body[k] = f".include {LIB_DIR}/{path.name}"
    title, body = body[0], body[1:]
    header_end = next(k for k, ln in enumerate(body) if not ln.startswith("*"))
    header, body = body[:header_end], body[header_end:]

    top = [n for scope, ln in _instances(body) if scope == "" for n in instance_nodes(ln)]
    outputs = [sc.output_node] + sorted(
        {n for n in top if re.fullmatch(r"out\d+", n) and n != sc.output_node},
        key=lambda n: int(n[3:]),
    )
    thermal = sorted({n for n in top if re.fullmatch(r"th\d*", n)}, key=lambda n: (len(n), n))
    own = {n: pos for n, (pos, role) in sc.sources.items() if role != SHARED_ROLE}
    shared = {n: pos for n, (pos, role) in sc.sources.items() if role == SHARED_ROLE}
    powers = {"pwr_neuron": own, **({"pwr_bias": shared} if shared else {})}
    vth = threshold_fraction * _source_value_v(body, "VDD")
    out = sc.output_node
    stop = f"{sc.stop_s:.6g}"
    saves = [*outputs, *thermal]
    if sc.mtj is not None:
        saves += ["x1.j", "x1.a", "x1.det", "x1.q", "x1.rst", "x1.rsx", "x1.rsy", "x1.pb"]
    else:
        saves += ["x1.mem"]
    saves += [n for n in ("in1", "in1_1") if n in top]
    supplied = {src: pos for sources in powers.values() for src, pos in sources.items()}
    saves += [n for n in dict.fromkeys(supplied.values()) if n not in saves]
    meas = [
        f".meas tran spike_time WHEN v({out})={vth:.6g} RISE=1",
        f".meas tran spike_width TRIG v({out}) VAL={vth:.6g} RISE=1 "
        f"TARG v({out}) VAL={vth:.6g} FALL=1",
    ]
    energies = []
    for name, sources in powers.items():
        energy = name.replace("pwr_", "energy_")
        energies += [
            _power_vector(name, sources),
            f"meas tran {energy} INTEG {name} FROM=0 TO={stop}",
        ]
    if thermal:
        meas.append(f".meas tran peak_rise MAX v({thermal[0]})")
        meas += [f".meas tran peak_rise_{n} MAX v({n})" for n in thermal[1:]]
    count = ["let npt = length(time)", "let spikes = 0"]
    for node in outputs:
        count += [
            f"let high = v({node}) ge {vth:.6g}",
            "let spikes = spikes + floor(mean(high[1,npt-1] gt high[0,npt-2]) * (npt - 1) + 0.5)",
        ]
    osdi = [f"pre_osdi {LIB_DIR}/{m}.osdi" for m in sc.osdi_models]
    circuit = [
        title,
        *([f"* {sc.description}"] if sc.description else []),
        "* Stand-alone testbench written by `ipnet netlists` (python -m circuits.write_netlists);",
        f"* do not edit: regenerate.  Run from any folder: ngspice -b <folder>/{sc.name}.cir",
        f"* The model files are in {LIB_DIR}/ beside this file (ngspice resolves .include and",
        "* pre_osdi against the netlist's folder): move or copy the folder with it.",
        *([ambient_note(temperature_k)] if temperature_k is not None else []),
        "* Prints the .meas results and the energy per spike; writes the saved nodes to",
        f"* {sc.name}.raw in the current folder.  A spike is a rising edge of "
        f"{', '.join(outputs) if len(outputs) < 4 else 'an out<k>'} through {vth:.6g} V "
        f"({threshold_fraction:g} VDD).",
        "* Measurements: spike_time, spike_width: first spike of "
        f"{out} [s]; energy_neuron: energy the neuron's own sources deliver over the run [J]"
        + ("; energy_bias: that of the shared bias generator [J]" if shared else "")
        + ("; peak_rise: peak junction temperature rise above ambient [K]" if thermal else "")
        + "; spikes, energy_per_spike (control block): output spikes, energy_neuron / spikes [J]",
        *header,
        *_node_table(body),
        *(
            f"* {name}: {meaning} [{unit}]"
            for name in powers
            for meaning, unit in [node_note("", name)]
        ),
        *_annotated(body),
    ]
    after = [
        save_card([*(f"v({n})" for n in saves), *(f"i({src})" for src in supplied)]),
        *meas,
        ".control",
        *osdi,
        "set num_threads=1",
        "run",
        "* energy: the power the sources deliver, from their saved voltages and currents",
        *energies,
        "* spikes: rising edges through the threshold, as pyspice_flows.measure counts them",
        *count,
        "if spikes > 0",
        "  let energy_per_spike = energy_neuron / spikes",
        "  print spikes energy_per_spike",
        "else",
        "  echo no output spike: energy per spike undefined",
        "end",
        f"write {sc.name}.raw",
        "* quit: no second batch run of the .meas (remove it to stay in ngspice interactively)",
        "quit",
        ".endc",
    ]
    text = render(
        Testbench(
            "\n".join(ln for ln in circuit if ln != ""),
            sc.analysis(),
            temperature_k=temperature_k,
            after_analysis=tuple(ln for ln in after if ln != ""),
        )
    )
    if str(PACKAGES_ROOT) in text:
        raise ValueError(
            f"testbench {sc.name}: an absolute path of the packages is left in the text"
        )
    return text, includes


def ambient_note(temperature_k: float) -> str:
    """The header line naming the testbench's ambient (its ``.temp`` card)."""
    celsius = temperature_k - ZERO_CELSIUS_K
    return f"* Ambient temperature {temperature_k:g} K ({celsius:.6g} C): the .temp card below."


def _copy(src: Path, dst: Path) -> None:
    if not src.is_file():
        raise FileNotFoundError(f"testbench model file {src} is missing")
    tmp = dst.with_name(dst.name + ".tmp")
    shutil.copyfile(src, tmp)
    tmp.replace(dst)


def write_netlists(
    out_dir: Path,
    scenarios: list[Scenario],
    osdi_for: Callable[[str], Path],
    threshold_fraction: float,
    temperature_k: float | None = None,
) -> list[Path]:
    """Write one ``<name>.cir`` per scenario and the model files into ``out_dir/lib``
    (atomically); returns the netlists' paths.

    ``osdi_for``: model name -> compiled ``.osdi``; ``threshold_fraction``: the spike
    threshold as a fraction of VDD (the measurement's, so that the netlist counts spikes
    as the toolkit does); ``temperature_k``: the ambient [K] of every testbench (a
    ``.temp`` card; None: none, ngspice's 27 C).
    """
    fraction = threshold_fraction
    lib = out_dir / LIB_DIR
    lib.mkdir(parents=True, exist_ok=True)
    written, copied = [], set()
    for sc in scenarios:
        text, includes = render_testbench(sc, fraction, temperature_k)
        files = [*includes, *(osdi_for(m) for m in sc.osdi_models)]
        names = [*(p.name for p in includes), *(f"{m}.osdi" for m in sc.osdi_models)]
        for src, name in zip(files, names, strict=True):
            if name not in copied:
                _copy(Path(src), lib / name)
                copied.add(name)
        path = out_dir / f"{sc.name}.cir"
        tmp = path.with_suffix(".cir.tmp")
        tmp.write_text(text)
        tmp.replace(path)
        written.append(path)
    return written
