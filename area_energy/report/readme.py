"""README.md's numbers, generated from the report: the block between :data:`BEGIN` and
:data:`END` ("Results in brief") is rendered from ``energy_report.json`` and never typed.

``python -m area_energy.report.readme [--json FILE] [--readme FILE] [--check]`` (``make
readme-numbers``; ``make goldens`` calls it too) rewrites the block from the report JSON
(default ``reports/energy_report.json``, written by ``make energy-report``); with
``--check`` it rewrites nothing and exits 1, one line per difference, when the README and
the JSON disagree.  Two texts agree when they are the same but for numbers, and each number
lies within :data:`REL_TOL` of the other (the tolerance of the simulated golden numbers:
ngspice's time steps move the last digit).  The JSON is checked against the report's
schema on load (:func:`.results_schema.load_report`): a file that does not fit it is one
line naming the file, the key path and the value, exit 1.

The block holds the report's header (design, device, temperature, supply, model version:
the commit is left out, it changes with every commit), its claims table (claim, published,
ours, verdict, reason, as the report's summary table), the memory comparison's time
scales, and the energy per spike and spike width of both neurons.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Mapping
from pathlib import Path

from circuits.paths import REPO_ROOT, REPORTS_DIR
from pyspice_flows.app.commandline import tool_parser

from .render import fmt_cell, fmt_si, md_table
from .results_schema import ReportSchemaError, load_report

README = REPO_ROOT / "README.md"
REPORT_JSON = REPORTS_DIR / "energy_report.json"
BEGIN = (
    "<!-- report-numbers: begin; generated from reports/energy_report.json by "
    "`make readme-numbers`, do not edit by hand -->"
)
END = "<!-- report-numbers: end -->"
REL_TOL = 0.02
"""Relative difference two numbers of the README and the report may have and still agree."""

_NUMBER_RE = re.compile(r"(?<![\w.])[-+]?\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?", re.IGNORECASE)


def readme_block(data: Mapping) -> str:
    """The README's generated block (markers included) from a report JSON's ``data``."""
    rows = {label: value for label, value in data["header_rows"] if label != "commit"}
    header = ", ".join(f"{label} {value}" for label, value in rows.items())
    claims = [
        [fmt_cell(c.get(k)) for k in ("claim", "published", "ours", "verdict", "reason")]
        for c in data["claims"]
    ]
    ts = data["memory_power_ratio"]["time_scales"]
    at_tau, refresh = ts["at_simulated_tau"], ts["refreshed_every_tau"]
    ip, ip2, lif = data["neurons"]["ipnet"], data["neurons"]["ipnet_v2"], data["neurons"]["lif"]
    comparison = data["energy_comparison"]
    parts = [
        BEGIN,
        f"The report's run: {header}.",
        md_table(["claim (arXiv:2512.15829)", "published", "ours", "verdict", "why"], claims),
        f"Time scales (`memory_power_ratio.time_scales`): the heat memory's tau = "
        f"{fmt_si(ts['tau_memory_s'], 's')} against the {fmt_si(ts['time_step_s'], 's')} step "
        f"the comparison assumes ({ts['step_over_tau']:,.0f}x shorter).  With the step "
        f"shortened to tau the ratios become {at_tau['lstm_over_ipnet']:,.0f}x (LSTM) and "
        f"{at_tau['cnn3d_over_ipnet']:,.0f}x (3D-CNN); at the "
        f"{fmt_si(ts['time_step_s'], 's')} step with the heat re-written every tau, "
        f"{refresh['lstm_over_ipnet']:.2g}x and {refresh['cnn3d_over_ipnet']:.2g}x.",
        f"Energy per output spike in the standard runs: IPNet (neuron v4, expected on an input "
        f"every slot) {fmt_si(ip['energy_per_spike_J'], 'J')} against its mode's floor "
        f"{fmt_si(ip['energy_floor_J'], 'J')}; the v2 circuit on the legacy law "
        f"{fmt_si(ip2['energy_per_spike_J'], 'J')}; our LIF {fmt_si(lif['energy_per_spike_J'], 'J')}.  "
        f"Like for like on one input train (v2 and LIF): "
        f"{fmt_si(comparison['ipnet']['energy_per_spike_J'], 'J')} "
        f"vs {fmt_si(comparison['lif']['energy_per_spike_J'], 'J')} "
        f"({comparison['ratio_ipnet_over_lif']:.1f}x).  Widest spike: IPNet v2 "
        f"{fmt_si(ip2['spike_width_s'], 's')}, LIF {fmt_si(lif['spike_width_s'], 's')}.",
        END,
    ]
    return "\n\n".join(parts)


def _span(text: str) -> tuple[int, int]:
    """Start and end (after END) of the generated block in ``text``."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(
            f"README has no generated block: add the lines {BEGIN!r} and {END!r} where the "
            "report's numbers belong"
        )
    return start, end + len(END)


def replace_block(text: str, block: str) -> str:
    """``text`` with its generated block replaced by ``block``."""
    start, end = _span(text)
    return text[:start] + block + text[end:]


def update_readme(data: Mapping, path: Path = README) -> bool:
    """Rewrite the generated block of the README at ``path`` from the report JSON's
    ``data``; True when the file changed."""
    text = path.read_text()
    new = replace_block(text, readme_block(data))
    if new != text:
        path.write_text(new)
    return new != text


def _numbers(text: str) -> tuple[list[str], list[float]]:
    pieces = _NUMBER_RE.split(text)
    values = [float(m.replace(",", "")) for m in _NUMBER_RE.findall(text)]
    return pieces, values


def disagreements(readme_text: str, data: Mapping, rel_tol: float = REL_TOL) -> list[str]:
    """One line per place where the README's block and the report's numbers disagree
    (empty when they agree: the same text, each number within ``rel_tol``)."""
    start, end = _span(readme_text)
    have_lines = readme_text[start:end].splitlines()
    want_lines = readme_block(data).splitlines()
    if len(have_lines) != len(want_lines):
        return [
            f"the README's block has {len(have_lines)} lines, the report's {len(want_lines)}: "
            "regenerate it with `make readme-numbers`"
        ]
    problems = []
    for number, (have, want) in enumerate(zip(have_lines, want_lines), start=1):
        (have_text, have_vals), (want_text, want_vals) = _numbers(have), _numbers(want)
        if have_text != want_text:
            problems.append(f"block line {number}: README {have!r}, report {want!r}")
            continue
        for h, w in zip(have_vals, want_vals):
            if not math.isclose(h, w, rel_tol=rel_tol):
                problems.append(
                    f"block line {number}: README says {h:g} where the report has {w:g}"
                )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = tool_parser(
        "area_energy.report.readme",
        description="Rewrite README.md's results block from the report's JSON (or --check it).",
    )
    parser.add_argument(
        "--json", type=Path, default=REPORT_JSON, metavar="FILE", help="the report's JSON"
    )
    parser.add_argument(
        "--readme", type=Path, default=README, metavar="FILE", help="the README to rewrite"
    )
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 on a difference")
    args = parser.parse_args(argv)
    if not args.json.is_file():
        print(
            f"readme-numbers: {args.json} is missing: run `make energy-report` first",
            file=sys.stderr,
        )
        return 1
    try:
        data = load_report(args.json)
    except ReportSchemaError as exc:
        print(f"readme-numbers: {exc}", file=sys.stderr)
        return 1
    try:
        if args.check:
            problems = disagreements(args.readme.read_text(), data)
            for line in problems:
                print(f"readme-numbers: {line}", file=sys.stderr)
            return 1 if problems else 0
        changed = update_readme(data, args.readme)
    except ValueError as exc:
        print(f"readme-numbers: {args.readme}: {exc}", file=sys.stderr)
        return 1
    if changed:
        print(f"readme-numbers: rewrote the results block of {args.readme}")
    else:
        print(f"readme-numbers: {args.readme} already agrees with {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
