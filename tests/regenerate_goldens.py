"""Golden copies of the energy report's headline numbers: ``tests/golden/report_headline.json``.

``tests/test_report_e2e.py`` compares the report it generates with this file, number by
number, each within its own relative tolerance; a missing file or number fails the test.
When a change is meant to move the numbers (a re-tuned neuron, a new rule deck), regenerate
them with one command from the repository root, then review and commit the diff::

    .venv/bin/python -m tests.regenerate_goldens          # or: make goldens

It runs the report's simulations (about 6 s, nothing is written to ``reports/``), keeps
the tolerances below and prints every number old -> new.  ``--from-json FILE`` takes the
numbers from an existing ``energy_report.json`` instead of simulating.

It also rewrites README.md's results block from the same report numbers
(:mod:`area_energy.report.readme`, also ``make readme-numbers``), so the README says what
the report says.

It also rewrites ``docs/energy_report.schema.json``, the JSON Schema of the report
(:mod:`area_energy.report.results_schema`); the report JSON it reads (``--from-json``) or
simulates is checked against that schema first and kept whole as
``tests/golden/energy_report_sample.json``, the real report the schema tests
(``tests/test_results_schema.py``) validate and alter.

It also rewrites the golden testbenches ``tests/golden/<name>.cir`` (the text ``make
netlists`` writes, compared by ``tests/test_netlists.py``); ``--netlists`` rewrites only
those, without simulating.

The tolerances say how exact each number is: areas and area ratios are rule-deck
arithmetic (1e-6); energies and memory-power ratios come from ngspice transients and move
with the solver's time steps (2 %, far below any change of the circuit worth noticing).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Mapping
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden" / "report_headline.json"
SAMPLE = GOLDEN.with_name("energy_report_sample.json")
"""A whole report JSON as ``make energy-report`` writes it (the schema tests' sample)."""
REGENERATE = "python -m tests.regenerate_goldens"
REGENERATE_NETLISTS = f"{REGENERATE} --netlists"

SIMULATED = 0.02
ARITHMETIC = 1e-6
HEADLINE: dict[str, tuple[float, str]] = {
    "neurons.ipnet.energy_per_spike_J": (SIMULATED, "law on the ngspice drive"),
    "neurons.ipnet_v2.energy_per_spike_J": (SIMULATED, "ngspice transient"),
    "neurons.lif.energy_per_spike_J": (SIMULATED, "ngspice transient"),
    "neurons.ipnet.area_um2": (ARITHMETIC, "rule deck arithmetic"),
    "neurons.ipnet.area_um2_per_neuron_amortized": (ARITHMETIC, "rule deck arithmetic"),
    "neurons.ipnet_v2.area_um2": (ARITHMETIC, "rule deck arithmetic"),
    "neurons.ipnet.memory.p_rested": (SIMULATED, "law on the ngspice drive"),
    "neurons.ipnet.memory.gain_at_3_intervals": (SIMULATED, "law on the ngspice drive"),
    "neurons.lif.area_um2": (ARITHMETIC, "rule deck arithmetic"),
    "area_ratio_lif_over_ipnet": (ARITHMETIC, "rule deck arithmetic"),
    "memory_power_ratio.lstm_over_ipnet": (SIMULATED, "scales with the simulated write energy"),
    "memory_power_ratio.cnn3d_over_ipnet": (SIMULATED, "scales with the simulated write energy"),
    "memory_power_ratio.standalone.lstm_over_ipnet": (SIMULATED, "simulated write energy"),
    "memory_power_ratio.standalone.cnn3d_over_ipnet": (SIMULATED, "simulated write energy"),
    "energy_comparison.ratio_ipnet_over_lif": (SIMULATED, "ngspice transients, bisected"),
}
"""``{dotted JSON key: (relative tolerance, why that tolerance)}``."""


def lookup(data: Mapping, dotted: str):
    """``data["a"]["b"]`` for ``"a.b"``; KeyError naming the missing part."""
    node = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise KeyError(f"{dotted}: the report JSON has no {part!r} there")
        node = node[part]
    return node


def headline_values(data: Mapping) -> dict[str, float]:
    """The headline numbers of a report JSON, ``{dotted key: value}``."""
    return {key: float(lookup(data, key)) for key in HEADLINE}


def load_golden(path: Path = GOLDEN) -> dict[str, dict]:
    """``{dotted key: {"value", "rel_tol", ...}}`` from the golden file (FileNotFoundError
    that names the regenerate command when it is missing)."""
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: create it with `{REGENERATE}`")
    return json.loads(path.read_text())["numbers"]


def compare(values: Mapping[str, float], golden: Mapping[str, Mapping]) -> list[str]:
    """One line per headline number that is missing or outside its golden tolerance."""
    problems = []
    for key in HEADLINE:
        if key not in golden:
            problems.append(f"{key}: no golden value (regenerate with `{REGENERATE}`)")
            continue
        if key not in values:
            problems.append(f"{key}: missing from the report")
            continue
        ref, tol, got = float(golden[key]["value"]), float(golden[key]["rel_tol"]), values[key]
        if not math.isfinite(got) or abs(got - ref) > tol * abs(ref):
            rel = (got - ref) / ref if ref and math.isfinite(got) else math.inf
            problems.append(
                f"{key}: {got:.6g}, golden {ref:.6g} (changed by {rel:+.3%}, tolerance {tol:.3g})"
            )
    return problems


def golden_document(values: Mapping[str, float], provenance: Mapping) -> dict:
    return {
        "about": "Headline numbers of the energy report, compared by tests/test_report_e2e.py "
        "within rel_tol each.  Do not edit by hand: regenerate with the command below.",
        "regenerate": REGENERATE,
        "generated_from": {
            "git_commit": provenance.get("git_commit"),
            "ngspice": provenance.get("ngspice"),
        },
        "numbers": {
            key: {"value": values[key], "rel_tol": tol, "tolerance_reason": why}
            for key, (tol, why) in HEADLINE.items()
        },
    }


def _simulate() -> dict:
    from area_energy.report import build as report
    from area_energy.report import render, results_schema

    results, _ = report.build_results()
    data = render.to_jsonable(results)
    results_schema.check_report(data, "the simulated report")
    return data


def report_data(from_json: Path | None) -> dict:
    """The report JSON from ``from_json`` (checked against the report's schema on load) or,
    without it, simulated."""
    from area_energy.report import results_schema

    return results_schema.load_report(from_json) if from_json else _simulate()


def write_sample(data: Mapping, path: Path = SAMPLE) -> bool:
    """Keep the report JSON ``data`` at ``path`` as the writer formats it; True when it changed."""
    text = json.dumps(data, indent=2, allow_nan=False, ensure_ascii=False) + "\n"
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


def regenerate_schema(path: Path | None = None) -> bool:
    """Rewrite the report's JSON Schema (default ``docs/energy_report.schema.json``);
    True when it changed."""
    from area_energy.report import results_schema

    return results_schema.write_json_schema(path or results_schema.SCHEMA_PATH)


def testbench_texts() -> dict[str, str]:
    """``{name: text}`` of the standard testbenches as ``make netlists`` writes them."""
    from circuits.scenarios import standard_scenarios
    from circuits.write_netlists import render_testbench
    from pyspice_flows import measure

    return {
        sc.name: render_testbench(sc, measure.LOGIC_THRESHOLD_FRACTION)[0]
        for sc in standard_scenarios()
    }


def regenerate_netlists(folder: Path = GOLDEN.parent) -> list[Path]:
    """Rewrite ``folder/<name>.cir`` for every standard testbench; returns the changed ones."""
    changed = []
    for name, text in testbench_texts().items():
        path = folder / f"{name}.cir"
        if not path.is_file() or path.read_text() != text:
            path.write_text(text)
            changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=REGENERATE, description=f"Regenerate {GOLDEN.name} from the report's simulations."
    )
    parser.add_argument(
        "--from-json", type=Path, metavar="FILE", help="take the numbers from this report JSON"
    )
    parser.add_argument(
        "--netlists",
        action="store_true",
        help="rewrite only the golden testbenches tests/golden/*.cir (no simulation)",
    )
    parser.add_argument("--out", type=Path, default=GOLDEN, metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument("--readme", type=Path, default=None, metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument("--schema", type=Path, default=None, metavar="FILE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    changed = regenerate_netlists(args.out.parent)
    for path in changed:
        print(f"rewrote {path}")
    if args.netlists:
        print(f"golden testbenches: {len(changed)} changed")
        return 0
    try:
        data = report_data(args.from_json)
    except (ValueError, FileNotFoundError) as exc:  # a report JSON that is missing or bad
        print(f"{REGENERATE}: {exc}", file=sys.stderr)
        return 1
    if regenerate_schema(args.schema):
        print(f"rewrote the report's JSON Schema {args.schema or 'docs/energy_report.schema.json'}")
    values = headline_values(data)
    old = load_golden(args.out) if args.out.is_file() else {}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sample = args.out.with_name(SAMPLE.name)
    if write_sample(data, sample):
        print(f"rewrote {sample}")
    doc = golden_document(values, data.get("provenance", {}))
    args.out.write_text(json.dumps(doc, indent=2) + "\n")
    for key, value in values.items():
        before = old.get(key, {}).get("value")
        change = "" if before is None else f"  (was {before:.6g}, {value / before - 1:+.3%})"
        print(f"{key} = {value:.6g}{change}")
    print(f"wrote {args.out}")
    from area_energy.report import readme

    readme_path = args.readme or readme.README
    if readme.update_readme(data, readme_path):
        print(f"rewrote the results block of {readme_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
