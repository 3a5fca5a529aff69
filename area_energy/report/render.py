"""Render a finished results dict into the energy report: Markdown, HTML, JSON, PNGs.

:func:`write_report` writes ``energy_report.md``, ``energy_report.html`` (self-contained:
inline CSS, figures embedded as base64 PNG data URIs), ``energy_report.json`` and one
``<name>.png`` per figure, atomically: every file is first written into a temporary
folder beside ``out_dir`` and moved into place only when all of them are complete.  If
anything fails, no half-written file is left and a previous report stays as it was.

The results dict (every key optional, unknown keys go to the JSON only)::

    {
      "title": "IPNet vs capacitor LIF: energy and area",
      "claims": [{"claim", "published", "ours", "verdict", "reason"}, ...],
      "neurons": {"ipnet": {"area_um2": 4.5, "energy_per_spike_J": 1.2e-15,
                            "transistors": 12, "capacitors": 0, ...}, "lif": {...}},
      "sections": [{"title", "text" (markdown paragraphs),
                    "table": {"columns": [...], "rows": [[...], ...]} (optional),
                    "figure": "<figure name>" (optional)}, ...],
      "assumptions": {nested dict},
      "assumption_units": {"mtj_device.rth": "K/W", ...} (optional; else from the key's suffix),
      "provenance": {nested dict},
    }

A claim's ``verdict`` is one of :data:`VERDICTS` (reproduced / not reproduced / not
comparable) and its ``reason`` says why; an older ``comment`` is shown as the reason.
A section's optional ``caption`` is printed under its figure (what to look at in it).

A cell (claim value, table entry) is a string (printed as is), a number, None (a dash)
or a quantity ``{"value": 1.2e-15, "unit": "J"}`` printed with :func:`fmt_si`.  In the
neurons table a key's unit suffix gives the unit: ``area_um2`` -> um^2,
``energy_per_spike_J`` -> J (``_W``, ``_s``, ``_V``, ``_A``, ``_F``, ``_K``, ``_Hz``,
``_ohm`` likewise).

The Markdown is laid out by the template ``templates/report.md.j2`` from the cells this
module formats (:func:`fmt_cell`, :func:`md_table`); the HTML is that Markdown converted by
markdown-it-py in the page template ``templates/report.html.j2`` (:mod:`.markup`).

PNGs are rendered with matplotlib's Agg backend (``savefig(..., backend="agg")``), so
the caller's pyplot backend is neither needed nor changed.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .markup import html_page, png_data_uri, render_template

REPORT_STEM = "energy_report"
FIGURE_DPI = 150
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DASH = "—"
VERDICTS = ("reproduced", "not reproduced", "not comparable")

_PREFIXES = {
    -24: "y", -21: "z", -18: "a", -15: "f", -12: "p", -9: "n", -6: "u", -3: "m",
    0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E", 21: "Z", 24: "Y",
}  # fmt: skip
_FIGURE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# Unit suffixes of neuron-table keys, longest first.
_KEY_UNITS = [
    ("_um2", "um^2"), ("_ohm", "ohm"), ("_Hz", "Hz"), ("_J", "J"), ("_W", "W"),
    ("_s", "s"), ("_V", "V"), ("_A", "A"), ("_F", "F"), ("_K", "K"),
]  # fmt: skip


# ----------------------------------------------------------------------------- numbers
def _sig(x: float, digits: int) -> str:
    """``x`` with ``digits`` significant digits in fixed notation, trailing zeros dropped."""
    if x == 0:
        return "0"
    decimals = max(digits - 1 - math.floor(math.log10(abs(x))), 0)
    s = f"{x:.{decimals}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def fmt_si(value, unit: str = "", digits: int = 3) -> str:
    """Engineering notation: ``fmt_si(1.234e-15, "J") == "1.23 fJ"``, ``fmt_si(0, "J") == "0 J"``.

    ``digits`` significant digits, trailing zeros dropped; prefixes y..Y with ``u`` for
    micro.  A unit with an exponent (``um^2``) or an already prefixed length unit gets no
    prefix, since a prefix on a squared unit is ambiguous: ``fmt_si(4.5, "um^2") ==
    "4.5 um^2"``.  None and nan print as a dash.
    """
    sep = " " if unit else ""
    if value is None:
        return DASH
    if isinstance(value, (bool, np.bool_)):
        return f"{value}{sep}{unit}"
    v = float(value)
    if math.isnan(v):
        return DASH
    if math.isinf(v):
        return f"{'-' if v < 0 else ''}inf{sep}{unit}"
    if v == 0:
        return f"0{sep}{unit}"
    if "^" in unit or "²" in unit:
        return f"{_plain(v, digits)}{sep}{unit}"
    exp3 = 3 * math.floor(math.log10(abs(v)) / 3)
    if not -24 <= exp3 <= 24:  # beyond y..Y: scientific notation
        return f"{_plain(v, digits)}{sep}{unit}"
    mant = v / 10.0**exp3
    # rounding may carry into the next prefix (999.6 -> 1000)
    if abs(float(f"{mant:.{digits}g}")) >= 1000 and exp3 < 24:
        exp3 += 3
        mant = v / 10.0**exp3
    suffix = f"{_PREFIXES[exp3]}{unit}"
    return f"{_sig(mant, digits)}{' ' if suffix else ''}{suffix}"


def _plain(v: float, digits: int = 3) -> str:
    """A number without prefix: fixed notation for 1e-2..1e6, else scientific."""
    if v == 0:
        return "0"
    if 1e-2 <= abs(v) < 1e6:
        return _sig(v, digits)
    mant, exp = f"{v:.{digits - 1}e}".split("e")
    if "." in mant:
        mant = mant.rstrip("0").rstrip(".")
    return f"{mant}e{int(exp)}"


def _fmt_number(x, digits: int = 4) -> str:
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    v = float(x)
    if math.isnan(v):
        return DASH
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == int(v) and abs(v) < 1e6:
        return str(int(v))
    return _plain(v, digits)


def fmt_cell(x) -> str:
    """One table cell as text: str as is, numbers compactly, quantities with :func:`fmt_si`,
    records with :func:`fmt_record` (a list of them separated by "; ")."""
    if x is None:
        return DASH
    if isinstance(x, str):
        return x
    if isinstance(x, Mapping) and "value" in x:
        return fmt_si(x["value"], str(x.get("unit", "")))
    if isinstance(x, Mapping):
        return fmt_record(x)
    if isinstance(x, (int, float, np.integer, np.floating, np.bool_)):
        return _fmt_number(x)
    if isinstance(x, (list, tuple, np.ndarray)):
        records = any(isinstance(e, Mapping) for e in x)
        return ("; " if records else ", ").join(fmt_cell(e) for e in x)
    return str(x)


def _key_label(key: str) -> tuple[str, str]:
    """``"energy_per_spike_J"`` -> ``("energy per spike", "J")``."""
    for suffix, unit in _KEY_UNITS:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)].replace("_", " "), unit
    return key.replace("_", " "), ""


_SUFFIX_UNITS = {
    "um2": "um^2", "s": "s", "v": "V", "k": "K", "j": "J", "w": "W", "hz": "Hz", "f": "F",
    "a": "A", "ohm": "ohm", "bytes": "B", "bits": "bit", "m": "m",
}  # fmt: skip
_PER_RE = re.compile(r"_([A-Za-z0-9^]+)_per_([A-Za-z0-9^]+)$")


def assumption_unit(key: str, units: Mapping[str, str] | None = None) -> str:
    """The unit of a dotted assumptions key: from ``units`` if given there, else from the
    last part's suffix (``time_step_s`` -> s, ``supply_v`` -> V, ``rth_K_per_W`` -> K/W,
    ``max_sram_bytes`` -> B); "" when none is known."""
    if units and key in units:
        return str(units[key])
    last = key.rsplit(".", 1)[-1]
    m = _PER_RE.search(last)
    if m:
        return f"{m.group(1)}/{m.group(2)}"
    if "_" in last:
        return _SUFFIX_UNITS.get(last.rsplit("_", 1)[-1].lower(), "")
    return ""


def _fmt_keyed(key: str, value) -> str:
    _, unit = _key_label(key)
    if (
        unit
        and isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, (bool, np.bool_))
    ):
        return fmt_si(value, unit)
    return fmt_cell(value)


# ----------------------------------------------------------------------------- JSON
def to_jsonable(obj):
    """Plain-Python copy of ``obj``: numpy scalars/arrays to floats/ints/lists, Paths to str.

    Non-finite floats become None (JSON has no nan); objects with ``to_dict()`` are
    expanded; mapping keys become strings.
    """
    if obj is None or isinstance(obj, (str, bool)):
        return obj
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return f if math.isfinite(f) else None
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in obj]
    if hasattr(obj, "to_dict"):
        return to_jsonable(obj.to_dict())
    raise TypeError(f"cannot write {type(obj).__name__} value {obj!r} to the JSON report")


# ----------------------------------------------------------------------------- model
def _flatten(d: Mapping, prefix: str = "") -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = []
    for k, v in d.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, Mapping) and not ("value" in v and "unit" in v):
            rows.extend(_flatten(v, key))
        else:
            rows.append((key, v))
    return rows


def _is_breakdown(value) -> bool:
    """A nested mapping of numbers only (energy by part, area by component, the conservation
    check): shown in sections of its own and in the JSON, not in the neurons table."""
    return isinstance(value, Mapping) and all(
        isinstance(v, (int, float, np.integer, np.floating)) or v is None for v in value.values()
    )


def fmt_record(record: Mapping) -> str:
    """A nested record (a part of a circuit: its instances, counts, area, power, a note) as
    one readable cell: ``"instances XB, transistors 12, area 1.2 um^2; shared by ..."``;
    each entry labelled and formatted by its key's unit suffix, the ``note`` last."""
    items = [f"{_key_label(k)[0]} {_fmt_keyed(k, v)}" for k, v in record.items() if k != "note"]
    text = ", ".join(items)
    if record.get("note"):
        text += f"; {record['note']}"
    return text


def _is_series(value) -> bool:
    """A list of numbers or records, or a mapping holding one (a transfer curve, a memory's
    gain by lag): shown in a section of its own and in the JSON, never in one table cell
    (a list of names, such as a record's instances, stays in its cell)."""
    if isinstance(value, Mapping):
        return any(_is_series(v) for v in value.values())
    return isinstance(value, (list, tuple)) and any(
        isinstance(v, (int, float, np.integer, np.floating, Mapping)) for v in value
    )


def _neuron_table(neurons: Mapping) -> tuple[list[str], list[list[str]]]:
    """Scalar quantities, and nested records (a shared part) in one readable cell each;
    nested breakdowns of numbers and series go into sections of their own (and the JSON)."""
    names = list(neurons)
    keys: list[str] = []
    for props in neurons.values():
        keys += [k for k in props if k not in keys]
    values = {k: [p[k] for p in neurons.values() if k in p] for k in keys}
    keys = [
        k
        for k in keys
        if not (
            any(_is_breakdown(v) for v in values[k])
            and all(v is None or _is_breakdown(v) for v in values[k])
        )
        and not any(_is_series(v) for v in values[k])
    ]
    rows = []
    for k in keys:
        label, _ = _key_label(k)
        row = [label]
        for name in names:
            row.append(_fmt_keyed(k, neurons[name][k]) if k in neurons[name] else DASH)
        rows.append(row)
    return ["Quantity", *names], rows


def validate_report(results: Mapping, figures: Mapping) -> None:
    if not isinstance(results, Mapping):
        raise TypeError(f"results must be a dict, got {type(results).__name__}")
    for name, fig in figures.items():
        if not (isinstance(name, str) and _FIGURE_NAME_RE.match(name)):
            raise ValueError(
                f"figure name {name!r} is not a plain file name (letters, digits, _ . -)"
            )
        if name.startswith(REPORT_STEM):
            raise ValueError(f"figure name {name!r} would collide with the report files")
        if not (isinstance(fig, (str, Path)) or hasattr(fig, "savefig")):
            raise TypeError(f"figure {name!r} is neither a matplotlib Figure nor a PNG path")
    claims = results.get("claims", [])
    if not isinstance(claims, list) or not all(isinstance(c, Mapping) for c in claims):
        raise TypeError("results['claims'] must be a list of dicts")
    for i, c in enumerate(claims):
        if "claim" not in c:
            raise ValueError(f"results['claims'][{i}] has no 'claim' key")
        if c.get("verdict") is not None and c["verdict"] not in VERDICTS:
            raise ValueError(
                f"results['claims'][{i}] verdict {c['verdict']!r} is not one of {VERDICTS}"
            )
    neurons = results.get("neurons", {})
    if not isinstance(neurons, Mapping) or not all(
        isinstance(p, Mapping) for p in neurons.values()
    ):
        raise TypeError("results['neurons'] must be a dict {neuron: {quantity: value}}")
    sections = results.get("sections", [])
    if not isinstance(sections, list):
        raise TypeError("results['sections'] must be a list of dicts")
    for i, s in enumerate(sections):
        if not isinstance(s, Mapping) or "title" not in s:
            raise ValueError(f"results['sections'][{i}] must be a dict with a 'title'")
        fig = s.get("figure")
        if fig is not None and fig not in figures:
            raise ValueError(
                f"section {s['title']!r} shows figure {fig!r}, which is not among the "
                f"figures given ({', '.join(sorted(figures)) or 'none'})"
            )
        table = s.get("table")
        if table is not None:
            cols, rows = table.get("columns"), table.get("rows", [])
            if not cols or any(len(r) != len(cols) for r in rows):
                raise ValueError(
                    f"section {s['title']!r}: every table row needs {len(cols or [])} cells "
                    f"(one per column)"
                )
    for key in ("assumptions", "provenance"):
        if not isinstance(results.get(key, {}), Mapping):
            raise TypeError(f"results[{key!r}] must be a dict")


def _report_context(results: Mapping, figures: Mapping) -> dict:
    """What ``report.md.j2`` shows, every cell formatted; headings and columns are the template's."""
    sections, shown = [], set()
    for s in results.get("sections", []):
        table = s.get("table")
        if table:
            table = {
                "columns": [str(c) for c in table["columns"]],
                "rows": [[fmt_cell(x) for x in r] for r in table["rows"]],
            }
        fig = s.get("figure")
        shown.add(fig)
        sections.append(
            {
                "title": str(s["title"]),
                "text": str(s["text"]) if s.get("text") else "",
                "table": table,
                "figure": fig,
                "caption": str(s.get("caption") or s["title"]),
            }
        )
    claims = results.get("claims", [])
    neurons = results.get("neurons", {})
    units = results.get("assumption_units") or {}
    return {
        "title": str(results.get("title", "IPNet energy and area report")),
        "subtitle": str(results["subtitle"]) if results.get("subtitle") else "",
        "header_rows": [list(map(str, r)) for r in results.get("header_rows") or []],
        "claims": [
            [fmt_cell(c.get(k)) for k in ("claim", "published", "ours", "verdict")]
            + [fmt_cell(c.get("reason", c.get("comment")))]
            for c in claims
        ],
        "neurons": dict(zip(("columns", "rows"), _neuron_table(neurons))) if neurons else None,
        "sections": sections,
        "other_figures": [n for n in figures if n not in shown],
        "assumptions": [
            [k, fmt_cell(v), assumption_unit(k, units)] for k, v in _flatten(results["assumptions"])
        ]
        if results.get("assumptions")
        else None,
        "provenance": [[k, fmt_cell(v)] for k, v in _flatten(results["provenance"])]
        if results.get("provenance")
        else None,
        "md_table": md_table,
    }


# ----------------------------------------------------------------------------- markdown
def _md_cell(s: str) -> str:
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def md_table(columns: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(_md_cell(c) for c in columns) + " |"]
    lines.append("|" + "|".join("---" for _ in columns) + "|")
    lines += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def render_markdown(results: Mapping, figures: Mapping) -> str:
    """The Markdown report (``templates/report.md.j2``); figures as ``![name](name.png)``."""
    return render_template("report.md.j2", **_report_context(results, figures))


# ----------------------------------------------------------------------------- HTML
def html_table(columns: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(results: Mapping, figures: Mapping, png: Mapping[str, bytes]) -> str:
    """The self-contained HTML report: the Markdown report as HTML in ``report.html.j2``;
    ``png`` maps figure names to PNG bytes, embedded as data URIs."""
    images = {f"{name}.png": png_data_uri(png[name]) for name in figures}
    title = str(results.get("title", "IPNet energy and area report"))
    return html_page(title, render_markdown(results, figures), images)


# ----------------------------------------------------------------------------- terminal
def summary_lines(results: Mapping) -> list[str]:
    """A few plain-text lines for the terminal: title, claims, one line per neuron."""
    lines = [str(results.get("title", "IPNet energy and area report"))]
    for c in results.get("claims", []):
        line = (
            f"  {fmt_cell(c.get('claim'))}: published {fmt_cell(c.get('published'))}, "
            f"ours {fmt_cell(c.get('ours'))}"
        )
        if c.get("verdict"):
            line += f" ({c['verdict']})"
        lines.append(line)
    for name, props in results.get("neurons", {}).items():
        items = []
        for k, v in props.items():
            if isinstance(v, (Mapping, list, tuple)):
                continue  # breakdowns and series belong in the report, not on the terminal
            label, _ = _key_label(k)
            items.append(f"{label} {_fmt_keyed(k, v)}")
        lines.append(f"  {name}: " + ", ".join(items))
    return lines
