"""The header of every report and of every comparison column: which design, device,
ambient temperature and supply the numbers are for, and which model and commit made them."""

from __future__ import annotations

import subprocess
from pathlib import Path

from circuits import mtj_model_spec
from circuits.ipnet_neuron import MTJ_LAW_VERSION
from circuits.paths import REPO_ROOT
from circuits.units import ZERO_CELSIUS_K

from .render import fmt_si


def git_commit() -> str:
    """The checkout's short commit, with ``+changes`` when files differ from it."""

    def git(*args: str) -> str:
        out = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True)
        return out.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return f"{commit}+changes" if dirty else commit


def run_header(
    design: str,
    device_file: Path,
    temp_k: float,
    supply_v: float,
    law_version: float = MTJ_LAW_VERSION,
) -> dict:
    """``{design, device, temperature_K, temperature_C, supply_V, model_version,
    law_version, commit}``: the MTJ model's declared version and the switching law the
    neuron's model card selects (``law_version``; default the v2 neuron's)."""
    return {
        "design": design,
        "device": Path(device_file).name,
        "temperature_K": float(temp_k),
        "temperature_C": float(temp_k) - ZERO_CELSIUS_K,
        "supply_V": float(supply_v),
        "model_version": mtj_model_spec.version(),
        "law_version": float(law_version),
        "commit": git_commit(),
    }


def header_rows(h: dict) -> list[list[str]]:
    """The header as ``[label, value]`` rows for a table."""
    return [
        ["design", str(h["design"])],
        ["device", str(h["device"])],
        ["temperature", f"{h['temperature_K']:.2f} K ({h['temperature_C']:.4g} C)"],
        ["supply", fmt_si(h["supply_V"], "V")],
        ["MTJ model version", f"{h['model_version']:g} (switching law {h['law_version']:g})"],
        ["commit", str(h["commit"])],
    ]
