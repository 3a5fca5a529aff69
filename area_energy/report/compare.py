"""``ipnet compare``: IPNet neurons built from several devices and/or at several
temperatures, side by side in one datasheet (``compare.md``, self-contained
``compare.html``, ``compare.json``, an overlaid waveform figure).

One column per input (every ``--device`` x every ``--temp``, device-major), each headed by
the design, the device, the ambient temperature, the supply, the MTJ model version and the
commit.  Each column's figures come from the report's own measurement of the standard
IPNet testbench (:func:`area_energy.report.runs.measure_neuron`: the 80 ns input train and
an input-free run for the leakage), through the simulation cache, so a column the report
or an earlier comparison has simulated is read back, not simulated again.  The energy floor
is the switching law's (:func:`area_energy.report.energy_comparison.energy_floor`) and the
heat memory's time constant the device's rth x cth.

Each column also carries neuron v4 (the heat-gated stochastic neuron, its built-in design
on the column's device at the column's temperature, :mod:`area_energy.report.compare_v4`):
its memory (P(fire | rested), the gain at 1 and 3 slots, the fitted decay, the capacity
ablation's left-over excess), its transfer curve (P(fire) by input weight) and its firing
window (weak and strong P(fire)), judged against the v4 sweep's spec limits; the transfer
and memory curves of all columns are overlaid in ``compare_v4.png``.

Usage: ``ipnet compare --device A.toml --device B.toml [--temp K ...] --out DIR``.
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import json
from dataclasses import dataclass
from pathlib import Path

from circuits.compatibility import checked_neuron_device
from circuits.ipnet_neuron import IpnetParams
from circuits.mtj_device import DEFAULT_DEVICE, load_device
from circuits.paths import REPO_ROOT
from circuits.scenarios import ipnet_scenario
from pyspice_flows.app.commandline import add_debug_flag, run_main, temperature_k
from pyspice_flows.app.staging import commit_staged, staging_folder

from .compare_v4 import v4_column, v4_png, v4_rows
from .energy_comparison import energy_floor
from .header import git_commit, header_rows, run_header
from .render import fmt_si, html_table, md_table, to_jsonable
from .runs import measure_neuron

STEM = "compare"
DEFAULT_TEMP_K = 300.15
DESIGN = "ipnet_neuron"

ROWS: tuple[tuple[str, str, str], ...] = (
    ("area_um2", "area", "um^2"),
    ("transistors", "transistors", ""),
    ("energy_per_spike_J", "energy per spike", "J"),
    ("energy_floor_J", "energy floor (switching law: write + reset)", "J"),
    ("static_power_W", "static power (leakage)", "W"),
    ("spike_width_s", "spike width (widest, full width at VDD/2)", "s"),
    ("input_events", "input spikes", ""),
    ("output_spikes", "output spikes", ""),
    ("simulated_time_s", "simulated time", "s"),
    ("heat_tau_s", "heat memory time constant rth x cth (device)", "s"),
)
"""``(key in a column's figures, label, unit)`` of the table's single-valued rows; the
area's parts and the energy breakdown follow them."""


@dataclass(frozen=True)
class Column:
    """One input of a comparison: a device file at an ambient temperature [K]."""

    device: Path
    temp_k: float


def columns_for(devices: list[Path] | None, temps_k: list[float] | None) -> list[Column]:
    """Every device x every temperature, device-major (defaults: the default device, 27 C)."""
    devices = devices or [DEFAULT_DEVICE]
    temps = temps_k or [DEFAULT_TEMP_K]
    return [Column(Path(d), float(t)) for d in devices for t in temps]


def _shown(path: Path) -> str:
    path = Path(path).resolve()
    return str(path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path)


def measure_column(col: Column, commit: str) -> tuple[dict, object]:
    """The header and figures of one column, and its waveforms (for the overlay)."""
    dev = load_device(col.device)
    params = IpnetParams(device_file=dev.path)
    sc = ipnet_scenario(params)
    idle = ipnet_scenario(params, count=0, stop_s=10e-9)
    res, w = measure_neuron(sc, idle, params.vdd_v, col.temp_k)
    floor = energy_floor(params, col.temp_k)
    mtj = params.nominal_mtj()
    header = {**run_header(DESIGN, dev.path, col.temp_k, params.vdd_v), "commit": commit}
    figures = {
        **{k: res[k] for k, _, _ in ROWS if k in res},
        "energy_floor_J": floor["total_J"],
        "heat_tau_s": mtj.rth * mtj.cth,
        "area_breakdown_um2": res["area_breakdown_um2"],
        "energy_per_spike_breakdown_J": res["energy_per_spike_breakdown_J"],
        "v4": v4_column(dev.path, col.temp_k),
    }
    return {"header": header, "figures": figures}, w


def _title(col: dict) -> str:
    h = col["header"]
    return f"{h['device']} @ {h['temperature_C']:.4g} C"


def table(columns: list[dict]) -> tuple[list[str], list[list[str]]]:
    """The datasheet as one table: a header row per header field, then a row per figure."""
    heads = ["", *(_title(c) for c in columns)]
    per_column = [header_rows(c["header"]) for c in columns]
    rows = [
        [label, *(col[k][1] for col in per_column)] for k, (label, _) in enumerate(per_column[0])
    ]
    for key, label, unit in ROWS:
        rows.append([label, *(fmt_si(c["figures"].get(key), unit) for c in columns)])
    for group, label, unit in (
        ("area_breakdown_um2", "area: ", "um^2"),
        ("energy_per_spike_breakdown_J", "energy per spike: ", "J"),
    ):
        parts = list(dict.fromkeys(p for c in columns for p in (c["figures"][group] or {})))
        for part in parts:
            cells = [fmt_si((c["figures"][group] or {}).get(part), unit) for c in columns]
            rows.append([label + part.replace("_", " "), *cells])
    return heads, rows + v4_rows(columns)


def overlay_png(columns: list[dict], waves: list) -> bytes:
    """The output spikes and the junction temperature rise of every column, overlaid."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_out, ax_th) = plt.subplots(2, 1, figsize=(8, 5), sharex=True)
    for col, w in zip(columns, waves, strict=True):
        t_ns = w.time * 1e9
        ax_out.plot(t_ns, w.v("out"), lw=1, label=_title(col))
        ax_th.plot(t_ns, w.v("th"), lw=1, label=_title(col))
    ax_out.set_ylabel("out [V]")
    ax_th.set_ylabel("junction rise above ambient [K]")
    ax_th.set_xlabel("time [ns]")
    ax_out.legend(fontsize=8, loc="upper left")
    ax_out.set_title("IPNet neuron, standard input train: output and heat memory per column")
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
        f"{len(columns)} column(s), one per input; figures from the standard IPNet testbench "
        "(a regular input train, circuits.scenarios.ipnet_scenario) measured as the energy "
        "report measures them; the floor from the switching law, the heat time constant "
        "from the device file.  The neuron v4 rows: its built-in design on the column's "
        "device at the column's temperature, from the switching law on the circuit's own "
        "drive (pyspice_flows.metrics.neuron_v4.v4_figures), judged against the spec limits "
        "of pyspice_flows/sweeps/ipnet_v4.toml."
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


def compare(cols: list[Column], out: Path) -> list[Path]:
    """Measure every column and publish the datasheets into ``out`` (atomically)."""
    commit = git_commit()
    measured = [measure_column(c, commit) for c in cols]
    columns = [m[0] for m in measured]
    png = overlay_png(columns, [m[1] for m in measured])
    png_v4 = v4_png(columns, [_title(c) for c in columns])
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
    """``ipnet compare --device FILE [--device FILE ...] [--temp K ...] --out DIR``."""
    parser = argparse.ArgumentParser(
        prog="ipnet compare",
        description="IPNet neurons from several devices and/or at several temperatures side "
        "by side: DIR/compare.{md,html,json} with one column per device x temperature.",
    )
    parser.add_argument(
        "--device",
        type=Path,
        action="append",
        metavar="FILE",
        help="MTJ device file (repeat for more columns; default: the default device)",
    )
    parser.add_argument(
        "--temp",
        type=temperature_k,
        action="append",
        metavar="K",
        help="ambient temperature [K] (repeat for more columns; default: 300.15)",
    )
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    add_debug_flag(parser)
    args = parser.parse_args(argv)

    def body() -> int:
        out = Path(args.out).absolute()
        if out.exists() and not out.is_dir():
            raise ValueError(f"--out {out} is a file, not a folder")
        cols = columns_for(args.device, args.temp)
        for device in dict.fromkeys(c.device for c in cols):  # refused before any simulation
            checked_neuron_device(device, [c.temp_k for c in cols])
        for path in compare(cols, out):
            print(f"compare: wrote {_shown(path)}")
        return 0

    return run_main("compare", body, args.debug)


if __name__ == "__main__":
    raise SystemExit(main())
