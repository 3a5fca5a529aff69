"""`make energy-report`: simulate the standard neurons and write reports/energy_report.*.

Flow: circuits.scenarios (netlists) -> pyspice_flows.session (ngspice) -> area_energy.energy
(energy per source, MTJ heat, spikes) + area_energy.area (area from the netlist's device
inventory) -> area_energy.render (atomic md/html/json + PNG).  Every number comes from a
simulation or from a documented model/data file; the published claims are set beside them.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path

from circuits.mtj_device import load_device
from circuits.scenarios import Scenario, standard_scenarios
from circuits.technology import REPO_ROOT
from pyspice_flows import osdi
from pyspice_flows.session import Session, Transient

from . import area, energy, render

OUT_DIR = REPO_ROOT / "reports"
PUBLISHED = {
    "ipnet_area_um2": 1.5,
    "area_ratio_lif_over_ipnet": 20.0,
    "memory_power_ratio_lstm": 2874.0,
    "memory_power_ratio_cnn3d": 90920.0,
}


def _progress(msg: str) -> None:
    print(f"energy-report: {msg}", flush=True)


def simulate_neuron(sc: Scenario) -> dict:
    """Simulate one scenario; returns its measured figures and waveforms."""
    w = Session.get().run(sc.circuit, Transient(sc.step_s, sc.stop_s, max_step_s=sc.max_step_s))
    sources = {name: (node, "0", role) for name, (node, role) in sc.sources.items()}
    by_source = energy.energy_by_source(w, sources)
    by_role = energy.group_by_role(by_source, energy.roles_of(sources))
    total = float(sum(by_source.values()))
    spikes = energy.count_spikes(w.time, w.v(sc.output_node), 0.5 * 0.9)
    inv = area.parse_inventory(str(sc.circuit))
    est = area.estimate_area(inv)
    result = {
        "area_um2": est.total_um2,
        "area_breakdown_um2": {k: v * 1e12 for k, v in est.breakdown_m2().items()},
        "transistors": est.transistors,
        "capacitors": est.capacitors,
        "mtjs": est.mtjs,
        "output_spikes": int(spikes),
        "energy_total_J": total,
        "energy_by_source_J": by_source,
        "energy_by_role_J": by_role,
        "energy_per_spike_J": energy.energy_per_spike_j(total, spikes, sc.name) if spikes else float("nan"),
        "simulated_time_s": sc.stop_s,
    }
    return {"figures": result, "waveforms": w}


def ipnet_heat(sc: Scenario, w) -> dict:
    """MTJ Joule heat (the heat memory's write energy) from the thermal node."""
    dev = load_device(sc.device_file).params
    heat = energy.mtj_joule_heat_j(w.time, w.v("x1.tj"), dev.rth, dev.cth)
    return {"mtj_heat_J": heat, "heat_per_input_event_J": heat / max(sc.input_events, 1),
            "tau_th_s": dev.tau_th_s}


def _provenance() -> dict:
    def sha(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]

    files = sorted((REPO_ROOT / "models").rglob("*.va")) + sorted((REPO_ROOT / "models").rglob("*.toml")) \
        + sorted((REPO_ROOT / "models").rglob("*.lib")) + sorted((REPO_ROOT / "area_energy").glob("*.toml"))
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                                text=True).stdout.strip()
    except OSError:
        commit = ""
    return {"ngspice": f"ngspice {Session.get().version}", "openvaf": osdi.compiler_version(),
            "python": sys.version.split()[0], "git_commit": commit,
            "model_files_sha256": {str(f.relative_to(REPO_ROOT)): sha(f) for f in files}}


def _waveform_figure(w, name: str):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(3, 1, figsize=(8, 6), sharex=True)
    t = w.time * 1e9
    ax[0].plot(t, w.v("in1"), lw=0.8)
    ax[0].set_ylabel("input [V]")
    ax[1].plot(t, w.v("x1.tj"), color="tab:red")
    ax[1].set_ylabel("MTJ rise [K]")
    ax[2].plot(t, w.v("out"), color="tab:green")
    ax[2].set_ylabel("out [V]")
    ax[2].set_xlabel("time [ns]")
    ax[0].set_title(f"{name}: input spikes, junction temperature, output spikes")
    fig.tight_layout()
    return fig


def build_results() -> tuple[dict, dict]:
    """Run every simulation and assemble the results and figures (nothing written)."""
    t0 = time.time()
    _progress("compiling Verilog-A models")
    osdi.compile_all()
    neurons, figures, extra = {}, {}, {}
    for sc in standard_scenarios():
        _progress(f"simulating {sc.name} ({sc.stop_s * 1e9:.0f} ns)")
        out = simulate_neuron(sc)
        key = sc.name.replace("_neuron", "")
        neurons[key] = out["figures"]
        if key == "ipnet":
            neurons[key].update(ipnet_heat(sc, out["waveforms"]))
            figures["ipnet_waveforms"] = _waveform_figure(out["waveforms"], "IPNet neuron")
    ipnet = neurons["ipnet"]
    claims = [{"claim": "IPNet neuron area in 28 nm", "published": "about 1.5 um^2",
               "ours": f"{ipnet['area_um2']:.2f} um^2",
               "comment": f"{ipnet['transistors']} transistors, {ipnet['mtjs']} MTJ above them, "
                          f"{ipnet['capacitors']} capacitors; rule deck area_energy/rules_28nm.toml"}]
    sections = [{"title": "IPNet neuron simulation",
                 "text": f"The capacitor-free IPNet neuron fired {ipnet['output_spikes']} rail-to-rail "
                         f"spikes in {ipnet['simulated_time_s'] * 1e9:.0f} ns of simulated input. "
                         f"Energy from all sources {render.fmt_si(ipnet['energy_total_J'], 'J')}, "
                         f"of which the junction's Joule heat (the heat memory) is "
                         f"{render.fmt_si(ipnet['mtj_heat_J'], 'J')}.",
                 "figure": "ipnet_waveforms",
                 "table": {"columns": ["source role", "energy"],
                           "rows": [[r, render.fmt_si(v, "J")] for r, v in ipnet["energy_by_role_J"].items()]}}]
    results = {"neurons": neurons, "claims": claims, "sections": sections,
               "assumptions": {"ipnet_scenario": standard_scenarios()[0].description,
                               "device_file": str(load_device().path.relative_to(REPO_ROOT))},
               "provenance": _provenance()}
    _progress(f"simulations done in {time.time() - t0:.1f} s")
    return results, figures


def main(out_dir: Path = OUT_DIR) -> int:
    try:
        results, figures = build_results()
        paths = render.write_report(results, figures, out_dir)
    except Exception as exc:  # report the failure; render guarantees nothing half-written
        print(f"energy-report: FAILED: {exc}", file=sys.stderr)
        return 1
    for line in render.summary_lines(results):
        print(line)
    for p in paths:
        print(f"energy-report: wrote {p.relative_to(REPO_ROOT) if p.is_relative_to(REPO_ROOT) else p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
