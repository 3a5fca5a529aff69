"""``ipnet compare``: IPNet neuron designs, devices and temperatures side by side in one
datasheet (``compare.md``, self-contained ``compare.html``, ``compare.json``, overlaid
figures).

One column per input: every ``--design`` x every ``--device`` x every ``--temp``,
design-major (:mod:`area_energy.report.compare_inputs`: a design file describes neuron
v4, v2 or both, the other neuron keeps its built-in design; no ``--device``: each design's
own device).  Each column is headed by its design (name and file), device, ambient
temperature, supply, MTJ model version and commit (those of the neuron its design
describes; both neurons' design, device and supply in the rows below), and all design
files, devices and neurons are checked before any simulation.

Each column carries neuron v4 (the heat-gated stochastic neuron,
:mod:`area_energy.report.compare_v4`): its area (own devices, and with the shared bias
generator amortized), energy per input slot and per output spike and its floor, its memory
(P(fire | rested), the gain by lag, the fitted decay, the capacity ablation's left-over
excess), its transfer curve (P(fire) by input weight) and its firing window (weak and strong
P(fire)), judged against the v4 sweep's spec limits; the transfer and memory curves of all
columns are overlaid in ``compare_v4.png``.

And the v2 circuit on the legacy law: the report's own measurement of the standard IPNet
testbench (:func:`area_energy.report.runs.measure_neuron`: the 80 ns input train and an
input-free run for the leakage), through the simulation cache, so a column the report or an
earlier comparison has simulated is read back, not simulated again; its energy floor is
the switching law's (:func:`area_energy.report.energy_comparison.energy_floor`) and its
heat memory's time constant the device's rth x cth.

Neuron v4's yield by corner comes from variation sweeps (``--sweep DIR``, default
``build/sweep_v4``; :mod:`area_energy.report.compare_sweep`): a column a sweep describes
shows each corner's yield with n and the limits that failed, one no sweep describes says
"not swept" and how to sweep it.

Usage: ``ipnet compare [--design A.toml --design B.toml] [--device FILE ...] [--temp K ...]
[--sweep DIR ...] --out DIR``.
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path

from circuits.scenarios import ipnet_scenario
from pyspice_flows.app.commandline import (
    add_debug_flag,
    command_parser,
    run_main,
    temperature_k,
)
from pyspice_flows.app.staging import commit_staged, staging_folder

from .compare_inputs import Resolved, column_header, columns_for, resolved, shown
from .compare_sweep import column_sweep, sweep_rows, sweeps_for
from .compare_v4 import v4_column, v4_png, v4_rows
from .energy_comparison import energy_floor
from .header import git_commit, header_rows
from .render import fmt_si, html_table, md_table, to_jsonable
from .runs import measure_neuron

STEM = "compare"

ROWS: tuple[tuple[str, str, str], ...] = (
    ("area_um2", "v2 area", "um^2"),
    ("transistors", "v2 transistors", ""),
    ("energy_per_spike_J", "v2 energy per spike", "J"),
    ("energy_floor_J", "v2 energy floor (switching law: write + reset)", "J"),
    ("static_power_W", "v2 static power (leakage)", "W"),
    ("spike_width_s", "v2 spike width (widest, full width at VDD/2)", "s"),
    ("input_events", "v2 input spikes", ""),
    ("output_spikes", "v2 output spikes", ""),
    ("simulated_time_s", "v2 simulated time", "s"),
    ("heat_tau_s", "v2 heat memory time constant rth x cth (device)", "s"),
)
"""``(key in a column's figures, label, unit)`` of the v2 neuron's single-valued rows; its
area's parts and energy breakdown follow them."""


def measure_column(r: Resolved, commit: str, sweeps: list[dict]) -> tuple[dict, object]:
    """The header and figures of one column, and its v2 waveforms (for the overlay);
    ``sweeps``: the v4 sweeps read (:func:`area_energy.report.compare_sweep.read_sweep`)."""
    temp_k = r.column.temp_k
    params = r.v2.params()
    sc = ipnet_scenario(params)
    idle = ipnet_scenario(params, count=0, stop_s=10e-9)
    res, w = measure_neuron(sc, idle, params.vdd_v, temp_k)
    floor = energy_floor(params, temp_k)
    mtj = params.nominal_mtj()
    figures = {
        **{k: res[k] for k, _, _ in ROWS if k in res},
        "energy_floor_J": floor["total_J"],
        "heat_tau_s": mtj.rth * mtj.cth,
        "area_breakdown_um2": res["area_breakdown_um2"],
        "energy_per_spike_breakdown_J": res["energy_per_spike_breakdown_J"],
        "v4": v4_column(r.v4, temp_k),
        "v4_sweep": column_sweep(r, sweeps),
    }
    return {"header": column_header(r, commit), "figures": figures}, w


def _title(col: dict) -> str:
    h = col["header"]
    return f"{h['design']} ({h['design_file']}) on {h['device']} @ {h['temperature_C']:.4g} C"


def legend_labels(columns: list[dict]) -> list[str]:
    """Short labels for the figures' legends: of design, device and temperature, those that
    differ between the columns (the design by name, or by file where names repeat)."""
    heads = [c["header"] for c in columns]
    names = [h["design"] for h in heads]
    design = names if len(set(names)) == len(set(h["design_file"] for h in heads)) else None
    fields = [
        design or [h["design_file"] for h in heads],
        [h["device"] for h in heads],
        [f"{h['temperature_C']:.4g} C" for h in heads],
    ]
    varying = [f for f in fields if len(set(f)) > 1] or [fields[0], fields[2]]
    return [", ".join(parts) for parts in zip(*varying, strict=True)]


def _neuron_rows(columns: list[dict]) -> list[list[str]]:
    """The design file row and each neuron's design, device and supply."""
    rows = [["design file", *(c["header"]["design_file"] for c in columns)]]
    for key in ("v4", "v2"):
        cells = []
        for c in columns:
            n = c["header"]["neurons"][key]
            cells.append(
                f"{n['design']} ({n['file']}), {n['device']}, {fmt_si(n['supply_V'], 'V')}"
            )
        rows.append([f"neuron {key}: design (file), device, supply", *cells])
    return rows


def table(columns: list[dict]) -> tuple[list[str], list[list[str]]]:
    """The datasheet as one table: a header row per header field, the neurons' designs,
    the v4 neuron's rows (the headline), then the v2 neuron's."""
    heads = ["", *(_title(c) for c in columns)]
    per_column = [header_rows(c["header"]) for c in columns]
    rows = [
        [label, *(col[k][1] for col in per_column)] for k, (label, _) in enumerate(per_column[0])
    ]
    rows += _neuron_rows(columns) + v4_rows(columns) + sweep_rows(columns)
    for key, label, unit in ROWS:
        rows.append([label, *(fmt_si(c["figures"].get(key), unit) for c in columns)])
    for group, label, unit in (
        ("area_breakdown_um2", "v2 area: ", "um^2"),
        ("energy_per_spike_breakdown_J", "v2 energy per spike: ", "J"),
    ):
        parts = list(dict.fromkeys(p for c in columns for p in (c["figures"][group] or {})))
        for part in parts:
            cells = [fmt_si((c["figures"][group] or {}).get(part), unit) for c in columns]
            rows.append([label + part.replace("_", " "), *cells])
    return heads, rows


def overlay_png(columns: list[dict], waves: list) -> bytes:
    """The output spikes and the junction temperature rise of every column, overlaid."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_out, ax_th) = plt.subplots(2, 1, figsize=(8, 5), sharex=True)
    for label, w in zip(legend_labels(columns), waves, strict=True):
        t_ns = w.time * 1e9
        ax_out.plot(t_ns, w.v("out"), lw=1, label=label)
        ax_th.plot(t_ns, w.v("th"), lw=1, label=label)
    ax_out.set_ylabel("out [V]")
    ax_th.set_ylabel("junction rise above ambient [K]")
    ax_th.set_xlabel("time [ns]")
    ax_out.legend(fontsize=8, loc="upper left", title="column", title_fontsize=8)
    ax_out.set_title("IPNet neuron v2, standard input train: output and heat memory per column")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def render(columns: list[dict], png: bytes, png_v4: bytes) -> dict[str, str]:
    """``{file name: text}`` of the md, html and json datasheets (``png``: the overlaid
    waveforms, ``png_v4``: the overlaid v4 transfer and memory curves)."""
    heads, rows = table(columns)
    intro = (
        f"{len(columns)} column(s), one per design x device x temperature.  Each column's "
        "header is that of the neuron its design file describes (neuron v4 for a v4 file, a "
        "file both neurons take, and the built-in designs; the other neuron keeps its "
        "built-in design).  The neuron v4 rows: the column's v4 design on its device at the "
        "column's temperature; area from the v4 netlist's inventory, the rest from the "
        "switching law on the circuit's own drive (pyspice_flows.metrics.neuron_v4."
        "v4_figures), the window and memory judged against the spec limits of "
        "pyspice_flows/sweeps/ipnet_v4.toml.  The v2 rows: the standard IPNet testbench (a "
        "regular input train, circuits.scenarios.ipnet_scenario) of the column's v2 design "
        "measured as the energy report measures it; its floor from the switching law, its "
        "heat time constant from the device file."
    )
    md = "\n\n".join(
        [
            "# IPNet comparison",
            intro,
            md_table(heads, rows),
            f"![{STEM}_waveforms]({STEM}_waveforms.png)",
            f"![{STEM}_v4]({STEM}_v4.png)",
        ]
    )
    data = base64.b64encode(png).decode("ascii")
    data_v4 = base64.b64encode(png_v4).decode("ascii")
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>IPNet comparison</title>\n</head>\n<body>\n<h1>IPNet comparison</h1>\n"
        f"<p>{html.escape(intro)}</p>\n{html_table(heads, rows)}\n"
        f'<figure><img alt="waveforms" src="data:image/png;base64,{data}"></figure>\n'
        f'<figure><img alt="v4 transfer and memory" src="data:image/png;base64,{data_v4}">'
        "</figure>\n"
        "</body>\n</html>\n"
    )
    doc = {"columns": to_jsonable(columns), "rows": [dict(zip(heads, r)) for r in rows]}
    return {
        f"{STEM}.md": md + "\n",
        f"{STEM}.html": page,
        f"{STEM}.json": json.dumps(doc, indent=2) + "\n",
    }


def compare(cols: list[Resolved], out: Path, sweeps: list[dict] | None = None) -> list[Path]:
    """Measure every column and publish the datasheets into ``out`` (atomically);
    ``sweeps``: the v4 sweeps read, whose yield by corner the columns they describe show."""
    commit = git_commit()
    measured = [measure_column(c, commit, sweeps or []) for c in cols]
    columns = [m[0] for m in measured]
    png = overlay_png(columns, [m[1] for m in measured])
    png_v4 = v4_png(columns, legend_labels(columns))
    files = render(columns, png, png_v4)
    with staging_folder(out) as staging:
        (staging / f"{STEM}_waveforms.png").write_bytes(png)
        (staging / f"{STEM}_v4.png").write_bytes(png_v4)
        for name, text in files.items():
            (staging / name).write_text(text)
        names = [f"{STEM}_waveforms.png", f"{STEM}_v4.png", f"{STEM}.md", f"{STEM}.html"]
        names.append(f"{STEM}.json")
        return commit_staged(staging, out, names)


def main(argv: list[str] | None = None) -> int:
    """``ipnet compare [--design FILE ...] [--device FILE ...] [--temp K ...] [--sweep DIR ...]
    --out DIR``."""
    parser = command_parser(
        "compare",
        description="IPNet neuron designs, devices and temperatures side by side: "
        "DIR/compare.{md,html,json} (and the overlaid figures) with one column per "
        "design x device x temperature, design-major (two designs, one device, two "
        "temperatures: four columns A@T1, A@T2, B@T1, B@T2).  Each column is headed by its "
        "design (name and file), device, temperature, supply, MTJ model version and commit, "
        "and holds neuron v4's area, energy, static power, memory, transfer curve, window and "
        "yield by corner (from --sweep folders) and the v2 circuit's figures.  Every file is "
        "checked before any simulation.",
    )
    parser.add_argument(
        "--design",
        type=Path,
        action="append",
        metavar="FILE",
        help="neuron design file, v4 or v2 (circuits/designs/*.toml: its [params] keys say "
        "which neuron it describes; the other keeps its built-in design); repeat for more "
        "columns (default: the built-in designs)",
    )
    parser.add_argument(
        "--device",
        type=Path,
        action="append",
        metavar="FILE",
        help="MTJ device file for both neurons; repeat for more columns (default: each "
        "design's own device)",
    )
    parser.add_argument(
        "--temp",
        type=temperature_k,
        action="append",
        metavar="K",
        help="ambient temperature [K]; repeat for more columns (default: 300.15)",
    )
    parser.add_argument(
        "--sweep",
        type=Path,
        action="append",
        metavar="DIR",
        help="a neuron v4 variation sweep's folder (ipnet sweep --out DIR: summary.json, "
        "sweep_meta.json): its yield by corner is shown in the columns whose v4 design and "
        "device it swept; repeat for more (default: build/sweep_v4, if it holds a sweep)",
    )
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    add_debug_flag(parser)
    args = parser.parse_args(argv)

    def body() -> int:
        out = Path(args.out).absolute()
        if out.exists() and not out.is_dir():
            raise ValueError(f"--out {out} is a file, not a folder")
        cols = resolved(columns_for(args.design, args.device, args.temp))  # refusals first
        sweeps = sweeps_for(args.sweep)
        for path in compare(cols, out, sweeps):
            print(f"compare: wrote {shown(path)}")
        return 0

    return run_main(parser.prog, body, args.debug)


if __name__ == "__main__":
    raise SystemExit(main())
