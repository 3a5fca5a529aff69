"""`make energy-report`: simulate the neurons and write reports/energy_report.{md,html,json}.

Flow (one way): circuits.scenarios (testbench circuits) -> pyspice_flows (ngspice runs;
pyspice_flows.measure: energy per source, spikes, static power) -> area_energy.report.dissipation
(energy per device, conservation) +
area_energy.costs.netlist_inventory + area_energy.costs.area (area from each netlist's device inventory and the rule deck) + area_energy.costs.memory_cost
(LSTM / 3D-CNN memory power) -> area_energy.report.render (atomic md/html/json + PNG).

Every number in the report comes from a simulation here or from a documented model and
data file (rules_28nm.toml, energy_ops_28nm.toml, models/devices/*.toml); the published
claims are set beside them with the assumptions that produce ours.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from circuits import mtj_model_spec
from circuits.compatibility import IncompatibleDevice
from circuits.ipnet_design import (
    NeuronDesign,
    add_design_argument,
    checked_neuron_design,
    read_design,
)
from circuits.lif_neuron import LifParams
from circuits.mtj_device import add_device_argument, load_device
from circuits.neuron_designs import V4Design, designs_from_options, read_v4_design_file
from circuits.paths import MODELS_DIR, PACKAGES_ROOT, REPO_ROOT, REPORTS_DIR, shown
from circuits.scenarios import ipnet_scenario, lif_scenario
from circuits.units import SPICE_DEFAULT_K
from pyspice_flows.app.commandline import (
    add_debug_flag,
    add_out_argument,
    checked_out_dir,
    command_parser,
    run_main,
    temperature_k,
)
from pyspice_flows.app.processes import background
from pyspice_flows.experiments.plasticity import (
    ABLATION_GAP_S,
    ablated_advantages,
    heat_ablation,
    plasticity_curve,
)
from pyspice_flows.sim import SIMULATOR_ENV, SIMULATORS, make_session, osdi, simulator_name
from pyspice_flows.sim.session import Session, ngspice_threads

from . import publish, render
from .claims import memory_claims, neuron_claims, published
from .energy_comparison import energy_comparison
from .figures import fig_area, fig_energy, fig_heat_decay, fig_memory, fig_waveforms
from .header import header_rows, run_header
from .memory import ipnet_memory_write, memory_comparison, memory_sections
from .neuron_v4 import v4_claims, v4_memory_write, v4_results, v4_section
from .runs import measure_neuron, progress
from .sections_v2 import ablation_section, ablation_summary, comparison_section, decay_caption
from .working_memory import working_memory_network_section

OUT_DIR = REPORTS_DIR


# ----------------------------------------------------------------------------- assembly
def figure_captions() -> dict[str, str]:
    """What to look at in each figure, printed under it (the heat decay's: :func:`decay_caption`)."""
    pub = published()
    return {
        "neuron_waveforms": "Top three panels, IPNet: each input spike heats the junction "
        "(its temperature rise is the neuron's working memory) until it switches and the "
        "output fires; bottom, LIF: the membrane charges to the threshold and resets.  Time "
        "in ns.",
        "energy_per_spike": "Energy per output spike by part, log scale, value on each bar: "
        "compare the two neurons' totals under the names, then which part dominates each.",
        "area": "Layout area, log scale, value on each bar: our IPNet against the published "
        f"{pub['ipnet_area_um2']:g} um^2, our LIF against the published 28 nm LIF "
        f"({pub['lif_28nm_area_um2']:g} um^2).",
    }


def assumption_units() -> dict[str, str]:
    """Units of the assumptions whose key carries no unit suffix (the MTJ parameters, from
    the Verilog-A declarations)."""
    units = {
        f"mtj_device.{k}": (spec.units or "1") for k, spec in mtj_model_spec.parameters().items()
    }
    units["memory.backbone.activity_per_step"] = "writes per element per step"
    units["memory.backbone.frames"] = "frames"
    units["memory.standalone.cnn3d.frames"] = "frames"
    # sizes are counts: kernel_w is a kernel's width (not watts), kernel_t its length in frames
    cnn = "memory.standalone.cnn3d"
    units |= {
        f"{cnn}.{k}": "pixels" for k in ("frame_height", "frame_width", "kernel_h", "kernel_w")
    }
    units[f"{cnn}.kernel_t"] = units["memory.backbone.kernel_t"] = "frames"
    return units


def _provenance() -> dict:
    from pyspice_flows.sim.cache import file_digest as sha

    models = MODELS_DIR
    files = (
        sorted(models.rglob("*.va"))
        + sorted(models.rglob("*.vams"))
        + sorted(models.rglob("*.toml"))
        + sorted(models.rglob("*.lib"))
        + sorted((PACKAGES_ROOT / "area_energy").rglob("*.toml"))
    )
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True
    ).stdout.strip()
    import PySpice

    return {
        "ngspice": f"ngspice-{Session.get().version} (shared library)",
        "simulator": f"{simulator_name()} {make_session().version}",
        "openvaf": osdi.compiler_version(),
        "pyspice": PySpice.__version__,
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "git_commit": commit,
        "model_files_sha256": {str(f.relative_to(PACKAGES_ROOT)): sha(f) for f in files},
    }


def build_results(
    device_file: Path | None = None,
    temp_k: float | None = None,
    design: NeuronDesign | None = None,
    v4_design: V4Design | None = None,
) -> tuple[dict, dict]:
    """Run every simulation and assemble results and figures (writes nothing).

    The report's IPNet neuron (``neurons.ipnet``, the headline) is neuron v4, the
    heat-gated stochastic neuron; the v2 circuit on the legacy law (``neurons.ipnet_v2``)
    still feeds the waveform, plasticity, ablation, like-for-like and memory-cost sections.

    device_file: the IPNet neurons' MTJ parameter file (default: each design's device);
    temp_k: ambient temperature of every simulation [K] (default: ngspice's 300.15 K);
    design: the v2 neuron's design (default: the built-in one); v4_design: neuron v4's
    (default: the built-in one).
    """
    t0 = time.time()
    ambient_k = temp_k if temp_k is not None else SPICE_DEFAULT_K
    design = (design or read_design()).with_device(device_file)
    v4_design = (v4_design or read_v4_design_file()).with_device(device_file)
    dev = load_device(design.device_file)
    ip_params = design.params()
    progress("compiling Verilog-A models")
    osdi.compile_all()
    # neuron v4's figures (the switching law on ~30 deterministic transients, cached) are
    # independent of the v2 and LIF runs below: a second process computes them meanwhile
    progress("IPNet neuron v4: switching law on the circuit's drive, in a second process")
    with background(v4_results, v4_design.params, ambient_k, v4_design.name) as v4_call:
        runs = _v2_and_lif_runs(ip_params, temp_k)
        ip = v4_call.result()
    return _assemble(design, v4_design, dev, ambient_k, ip, runs, t0)


@dataclasses.dataclass(frozen=True)
class V2Runs:
    """What the v2 neuron's and the LIF's simulations give the report: their records and
    waveforms, the v2 memory write, plasticity curve, heat ablation, like-for-like energy."""

    neurons: dict
    waves: dict
    write: dict
    curve: object
    ablation: dict
    comparison: dict


def _v2_and_lif_runs(ip_params, temp_k: float | None) -> V2Runs:
    """The v2 neuron's and the LIF's simulations (``temp_k``: None for ngspice's default)."""
    neurons, waves = {}, {}
    for key, sc, idle, supply in (
        (
            "ipnet_v2",
            ipnet_scenario(ip_params),
            ipnet_scenario(ip_params, count=0, stop_s=10e-9),
            ip_params.vdd_v,
        ),
        ("lif", lif_scenario(), lif_scenario(idle=True), LifParams().vdd_v),
    ):
        progress(f"simulating {sc.name} ({sc.stop_s * 1e9:.0f} ns) and its idle leakage")
        neurons[key], waves[key] = measure_neuron(sc, idle, supply, temp_k)
    progress("simulating IPNet memory writes (sub-threshold inputs)")
    write = ipnet_memory_write(
        ipnet_scenario(ip_params, rate_hz=0.1e9, count=2, stop_s=30e-9, name="ipnet_memory_write"),
        temp_k,
        vdd_v=ip_params.vdd_v,
    )
    neurons["ipnet_v2"] = {
        "circuit": "neuron v2: deterministic, legacy switching law v2",
        **neurons["ipnet_v2"],
    }
    neurons["ipnet_v2"]["heat_memory_write_per_input_event_J"] = write["heat_per_event_J"]
    neurons["ipnet_v2"]["memory_write_energy_delivered_per_input_event_J"] = write[
        "delivered_per_event_J"
    ]
    # the ablated neurons and the like-for-like trains are independent of the decay curve:
    # two more processes run them meanwhile (the report's cold wall time is their sum
    # otherwise); the normal neuron's ablation runs are the curve's first (cache hits here)
    static = {
        "ipnet": neurons["ipnet_v2"]["static_power_W"],
        "lif": neurons["lif"]["static_power_W"],
    }
    progress(
        "simulating the heat ablation and both neurons on a common input train (like-for-like"
        " energy), in two more processes"
    )
    with (
        background(ablated_advantages, ip_params, ABLATION_GAP_S, temp_k) as ablation_call,
        background(energy_comparison, temp_k, ip_params, static) as comparison_call,
    ):
        progress("simulating the heat-memory decay (conditioning burst, then probes)")
        curve = plasticity_curve(params=ip_params, temperature_k=temp_k)
        neurons["ipnet_v2"]["heat_memory_tau_fit_s"] = curve.tau_fit_s
        neurons["ipnet_v2"]["heat_memory_tau_rth_cth_s"] = curve.tau_th_s
        ablation = ablation_summary(
            heat_ablation(ip_params, temperature_k=temp_k, ablated=ablation_call.result())
        )
        comparison = comparison_call.result()
    return V2Runs(neurons, waves, write, curve, ablation, comparison)


def _assemble(
    design: NeuronDesign,
    v4_design: V4Design,
    dev,
    ambient_k: float,
    ip: dict,
    runs: V2Runs,
    t0: float,
) -> tuple[dict, dict]:
    """Results and figures from the runs' outcomes (no simulation)."""
    v4_params = v4_design.params
    ip_params = design.params()
    neurons, waves, curve = runs.neurons, runs.waves, runs.curve
    ablation, comparison = runs.ablation, runs.comparison
    neurons = {"ipnet": ip, **neurons}
    progress("memory-cost models")
    memory_write = v4_memory_write(ip)
    mem = memory_comparison(
        memory_write,
        ip["memory"]["tau_s"],
        "fit to neuron v4's firing-probability gain by lag",
    )
    ip2, lif = neurons["ipnet_v2"], neurons["lif"]
    header = run_header(
        v4_design.name,
        v4_params.device_file,
        ambient_k,
        v4_params.vdd_v,
        law_version=mtj_model_spec.parameters()["version"].default,
    )
    area_ratio = lif["area_um2"] / ip["area_um2_per_neuron_amortized"]
    ratios = mem["memory_power_ratio"]
    claims = [*neuron_claims(ip, lif, area_ratio), *v4_claims(ip), *memory_claims(mem)]
    cons = {
        k: v["conservation"]["relative_error"] for k, v in neurons.items() if "conservation" in v
    }
    sections = [
        v4_section(ip),
        {
            "title": "Neuron waveforms",
            "text": f"IPNet v2 (the deterministic circuit on the legacy law v2, design "
            f"`{design.name}`): {ip2['input_events']} input spikes, {ip2['output_spikes']} output "
            f"spikes in {ip2['simulated_time_s'] * 1e9:.0f} ns; the junction's temperature rise is "
            f"its working memory.  LIF: {lif['input_events']} input spikes, {lif['output_spikes']} "
            "output spikes.",
            "figure": "neuron_waveforms",
        },
        {
            "title": "Energy per spike",
            "text": "IPNet v4 (ipnet): the energy of an input slot from the supply, divided by the "
            "expected output spikes per slot on the standard stimulus (the switching law on the "
            "circuit's drive; the section above).  IPNet v2 and LIF: energy delivered by every "
            "source, integrated over the run and divided by the output "
            "spikes.  Breakdown: input drive (the input sources), MTJ Joule heat (from the junction's "
            "thermal node), static leakage (all sources in an input-free run), and CMOS switching and "
            "resistive losses (the rest).  IPNet v2 is self-timed: its reset current flows "
            "until it senses the junction back in P, then stops; the write (about 11 ns of drive "
            "near Ic0) and the reset (about 12 ns at about Ic0) cost about the same "
            "(docs/ipnet_neuron.md).  Spike width (full width at VDD/2, widest spike): "
            + ", ".join(
                f"{k} {render.fmt_si(v['spike_width_s'], 's')}"
                for k, v in neurons.items()
                if "spike_width_s" in v
            )
            + ".  Conservation: sources versus MOSFET channel dissipation (from "
            "each transistor's drain current) plus MTJ heat plus stored energy, relative error "
            + ", ".join(f"{k} {v:.2%}" for k, v in cons.items())
            + ".",
            "figure": "energy_per_spike",
            "table": {
                "columns": [
                    "neuron",
                    "energy per spike",
                    "MTJ heat / spike",
                    "static power",
                    "conservation error",
                ],
                "rows": [
                    [
                        k,
                        render.fmt_si(v["energy_per_spike_J"], "J"),
                        render.fmt_si(
                            (v["energy_per_spike_breakdown_J"] or {}).get("mtj_joule_heat"), "J"
                        ),
                        render.fmt_si(v.get("static_power_W"), "W"),
                        f"{cons[k]:.3%}" if k in cons else render.DASH,
                    ]
                    for k, v in neurons.items()
                ],
            },
        },
        {
            "title": "Energy breakdown per output spike",
            "text": "Where the energy of one output spike goes (J).  For IPNet v2 the MTJ Joule heat is "
            "measured at the junction's thermal node; the CMOS part is what the transistors "
            "dissipate, from their drain currents.  For IPNet v4 (no spike in a deterministic run: "
            "it fires with a probability) the junction's own dissipation and the rest of the "
            "supply's energy per input slot, divided by the expected spikes per slot.",
            "table": {
                "columns": ["part", *neurons],
                "rows": [
                    [
                        k.replace("_", " "),
                        *[
                            render.fmt_si((v["energy_per_spike_breakdown_J"] or {}).get(k), "J")
                            for v in neurons.values()
                        ],
                    ]
                    for k in _union_keys(
                        v["energy_per_spike_breakdown_J"] for v in neurons.values()
                    )
                ],
            },
        },
        {
            "title": "Layout area breakdown",
            "text": "Area by component (um^2), from the rule deck.",
            "table": {
                "columns": ["component", *neurons],
                "rows": [
                    [k, *[f"{v['area_breakdown_um2'][k]:.3f}" for v in neurons.values()]]
                    for k in neurons["ipnet"]["area_breakdown_um2"]
                ],
            },
        },
        {
            "title": "Layout area",
            "text": "Area from each generated netlist's device inventory and the rule deck "
            "area_energy/costs/rules_28nm.toml (contacted poly pitch 117 nm, shared diffusion, well strips, "
            "30 % routing overhead, MIM 2 fF/um^2, MTJ over its access transistors).",
            "figure": "area",
            "table": {
                "columns": ["neuron", "transistors", "capacitors", "MTJs", "area"],
                "rows": [
                    [k, v["transistors"], v["capacitors"], v["mtjs"], f"{v['area_um2']:.2f} um^2"]
                    for k, v in neurons.items()
                ],
            },
        },
        *memory_sections(mem, memory_write),
        {
            "title": "Heat memory (intrinsic plasticity)",
            "text": f"A conditioning burst fires the neuron; after the clear, a probe arrives a gap later.  The "
            f"latency advantage ln(L_rested/L) (dimensionless) decays with a fitted "
            f"{curve.tau_fit_s * 1e9:.2f} ns against rth·cth = {curve.tau_th_s * 1e9:.2f} ns.",
            "figure": "heat_memory_decay",
            "caption": decay_caption(curve.tau_fit_s, curve.tau_th_s),
        },
        ablation_section(ablation),
        comparison_section(comparison),
        working_memory_network_section(),
    ]
    captions = figure_captions()
    for section in sections:
        if section.get("figure") in captions and not section.get("caption"):
            section["caption"] = captions[section["figure"]]
    results = {
        "neurons": neurons,
        "area_ratio_lif_over_ipnet": area_ratio,
        "memory_power_W": mem["memory_power_W"],
        "memory_power_ratio": ratios,
        "ablation": ablation,
        "energy_comparison": comparison,
        "header": header,
        "header_rows": header_rows(header),
        "claims": claims,
        "sections": sections,
        "assumptions": {
            "mtj_device": {"file": shown(dev.path), **dataclasses.asdict(dev.params)},
            "ambient_temperature_k": ambient_k,
            "supply_v": ip_params.vdd_v,
            "ipnet_stimulus": ipnet_scenario(ip_params).description,
            "lif_stimulus": lif_scenario().description,
            "memory": mem["configs"],
            "published_claims": published(),
        },
        "assumption_units": assumption_units(),
        "provenance": _provenance(),
    }
    figures = {
        "neuron_waveforms": fig_waveforms(waves["ipnet_v2"], waves["lif"]),
        "energy_per_spike": fig_energy(neurons),
        "area": fig_area(neurons),
        "memory_power": fig_memory(mem),
        "heat_memory_decay": fig_heat_decay(curve),
    }
    progress(f"simulations done in {time.time() - t0:.1f} s")
    return results, figures


def checked_v4(params, device: Path | None, temp_k: float | None) -> None:
    """Neuron v4's compatibility check (:func:`circuits.compatibility_v4.checked_v4_design`)
    at the report's temperature; its verdict is cached by the design's and the device's
    content and the checking code (it takes seconds of switching-law integrations)."""
    from circuits import compatibility_v4, ipnet_neuron_v4, mtj_switching
    from pyspice_flows.sim.cache import cached_value

    def refusal() -> str:
        try:
            compatibility_v4.checked_v4_design(params, device, [temp_k])
        except IncompatibleDevice as exc:
            return str(exc)
        return ""

    code = [Path(m.__file__) for m in (compatibility_v4, ipnet_neuron_v4, mtj_switching)]
    text = cached_value(
        "v4_compatibility",
        refusal,
        repr(params),
        Path(params.device_file).read_text(),
        str(device),
        temp_k,
        sources=code,
    )
    if text:
        raise IncompatibleDevice(text)


def _union_keys(dicts) -> list[str]:
    """The keys of several dicts (None counts as empty), in first-seen order."""
    keys: list[str] = []
    for d in dicts:
        keys += [k for k in (d or {}) if k not in keys]
    return keys


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = command_parser(
        "report",
        description="Simulate the IPNet and LIF neurons in ngspice and write the energy, area and "
        "memory-power report (md, html, json, PNG figures).  The previous report stays "
        "as it was unless every file was written.",
    )
    add_out_argument(parser, OUT_DIR, help="report folder")
    add_device_argument(parser)
    add_design_argument(parser)
    parser.add_argument(
        "--temp",
        type=temperature_k,
        default=None,
        metavar="K",
        help="ambient temperature of every simulation [K] (default: 300.15)",
    )
    parser.add_argument(
        "--simulator",
        choices=SIMULATORS,
        default=None,
        help=f"simulator of every run (default: ${SIMULATOR_ENV}, else ngspice)",
    )
    add_debug_flag(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """``python -m area_energy.report [--out DIR] [--device FILE] [--design FILE] [--temp K]
    [--debug]``.

    Exit 0 on success, 1 on an error (one line on stderr), 2 on a usage error, 130 after
    Ctrl-C and 143 after SIGTERM; in every failure the previous report is left untouched.
    """
    args = parse_args(argv)
    if args.simulator is not None:
        # the one choice every run of the report (and any process it starts) reads
        os.environ[SIMULATOR_ENV] = simulator_name(args.simulator)

    def body() -> int:
        out = checked_out_dir(args.out)
        ngspice_threads()  # a bad $IPNET_NGSPICE_THREADS fails now, cached runs or not
        # a wrong file, or a device the neuron cannot work with, fails now
        design, v4_design = designs_from_options(args.design, args.device)
        checked_neuron_design(design, args.device, [args.temp])
        checked_v4(v4_design.params, args.device, args.temp)
        results, figures = build_results(temp_k=args.temp, design=design, v4_design=v4_design)
        paths = publish.write_report(results, figures, out, schema=True)
        for line in render.summary_lines(results):
            print(line)
        for p in paths:
            print(f"energy-report: wrote {shown(p)}")
        return 0

    return run_main("energy-report", body, args.debug)
