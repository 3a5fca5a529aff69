"""The report's claims table: each published claim beside ours, with a verdict and its reason."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, create_model

from circuits.paths import data_file
from circuits.table_schema import STRICT, Entry, quantity, read_table_file

from . import render

PUBLISHED_PATH = data_file("area_energy.report", "published_claims.toml")


# key -> (unit as the file writes it, low, high, reason of the range)
_FIGURES = {
    "ipnet_area_um2": ("um^2", 0.01, 1e4, "a neuron's area, 0.01 um^2 .. 0.01 mm^2"),
    "area_ratio_lif_over_ipnet_min": ("1", 1.0, 1e6, "'n x smaller' is a ratio above 1"),
    "memory_power_ratio_lstm": ("1", 1.0, 1e9, "'n x below' is a ratio above 1"),
    "memory_power_ratio_cnn3d": ("1", 1.0, 1e9, "'n x below' is a ratio above 1"),
    "lif_28nm_area_um2": ("um^2", 0.01, 1e4, "a neuron's area, 0.01 um^2 .. 0.01 mm^2"),
    "lif_28nm_energy_per_spike_J": ("J", 1e-18, 1e-9, "a neuron's spike, 1 aJ .. 1 nJ"),
}


def _figure(key: str) -> type[BaseModel]:
    unit, lo, hi, why = _FIGURES[key]
    return create_model(
        f"Published_{key}",
        __base__=Entry,
        value=(float, quantity(lo, hi, unit, why, "the published figure")),
        unit=(Literal[unit], Field(description="unit of value, as declared")),
    )


_PublishedFile = create_model(
    "PublishedFile",
    __config__=STRICT,
    __doc__="``published_claims.toml``: each published figure with its unit and source.",
    **{key: (_figure(key), ...) for key in _FIGURES},
)


def load_published(path: Path = PUBLISHED_PATH) -> dict:
    """The published figures, ``{key: value}``, plus ``<key>_source`` beside each.

    Validated by the file's schema (``_PublishedFile``, pydantic): every figure present
    with its declared unit, a source, and a finite value in its range; an unknown key is
    refused with a did-you-mean hint.  A failure is one ValueError naming the file, the
    entry, the value and what is allowed.
    """
    data = read_table_file(path, "published claims", _PublishedFile)
    out: dict = {}
    for key in _FIGURES:
        entry = getattr(data, key)
        out[key] = entry.value
        out[f"{key}_source"] = entry.source.strip()
    return out


@cache
def published() -> dict:
    """The published claims (arXiv:2512.15829 abstract; the 28 nm LIF of arXiv:2408.07734),
    read and validated once, when a command first needs them (not at import: a bad file
    then fails the command that uses it, not ``ipnet --help``)."""
    return load_published()


VERDICTS = render.VERDICTS
"""A claim row's verdict (defined with the report model in :mod:`area_energy.report.render`): ours
agrees with the published figure (within the stated margin), disagrees, or cannot be set
beside it (no published figure, or a comparison whose assumption our simulation
contradicts)."""
AREA_MATCH_REL = 0.2
"""An area is "reproduced" within this relative margin of the published value."""


def claim(name: str, published: str, ours: str, verdict: str, reason: str) -> dict:
    """One row of the claims table (``verdict`` one of :data:`VERDICTS`)."""
    if verdict not in VERDICTS:
        raise ValueError(f"claim {name!r}: verdict {verdict!r} is not one of {VERDICTS}")
    return {
        "claim": name,
        "published": published,
        "ours": ours,
        "verdict": verdict,
        "reason": reason,
    }


def neuron_claims(ip: dict, lif: dict, area_ratio: float) -> list[dict]:
    """The neuron rows of the claims table: IPNet area (per neuron, the shared periphery
    amortized where the record has one), the area ratio, energy per spike."""
    fmt = render.fmt_si
    pub_area, pub_lif = published()["ipnet_area_um2"], published()["lif_28nm_area_um2"]
    pub_ratio = published()["area_ratio_lif_over_ipnet_min"]
    a_ip = ip.get("area_um2_per_neuron_amortized", ip["area_um2"])
    shared = ip.get("shared_bias_generator") or {}
    amortized = (
        f" and 1/{ip['array_neurons']} of the shared bias generator ({shared['area_um2']:.2f} um^2"
        f"{' of transistors' if 'resistors_um2_estimate' in shared else ''})"
        if "area_um2_per_neuron_amortized" in ip
        else ""
    )
    off = a_ip / pub_area - 1
    e_ip, e_lif = ip["energy_per_spike_J"], lif["energy_per_spike_J"]
    e_pub_lif = published()["lif_28nm_energy_per_spike_J"]
    return [
        claim(
            "IPNet neuron area, 28 nm",
            f"~{pub_area:g} um^2",
            f"{a_ip:.2f} um^2",
            "reproduced" if abs(off) <= AREA_MATCH_REL else "not reproduced",
            f"{off:+.0%} from the published value (reproduced within {AREA_MATCH_REL:.0%}): "
            f"{ip['transistors']} transistors ({ip['area_um2']:.2f} um^2){amortized} and "
            f"{ip['mtjs']} MTJ above them, no capacitor; rule-based estimate, routing overhead "
            "included"
            + (
                f"; the bias generator's resistors counted in it (as an open 130 nm kit's "
                f"poly, an estimate: {shared['resistors_um2_estimate']:.1f} um^2 of the "
                "shared periphery)."
                if "resistors_um2_estimate" in shared
                else "."
            ),
        ),
        claim(
            "LIF area / IPNet area",
            f"> {pub_ratio:g}x",
            f"{area_ratio:.1f}x",
            "reproduced" if area_ratio > pub_ratio else "not reproduced",
            f"our LIF: {lif['transistors']} transistors + {lif['capacitance_F'] * 1e15:.0f} fF MIM "
            f"membrane ({lif['area_um2']:.1f} um^2).  Against the published 28 nm LIF of arXiv "
            f"2408.07734 ({pub_lif:g} um^2) the ratio is {pub_lif / a_ip:.0f}x.  The "
            "ratio follows the membrane capacitor's value and type.",
        ),
        claim(
            "IPNet energy per spike",
            "none in the claims compared (arXiv:2512.15829 abstract)",
            f"{fmt(e_ip, 'J')} (our LIF {fmt(e_lif, 'J')})",
            "not comparable",
            "no published IPNet figure to set beside ours.  Ours is "
            + (
                f"{e_ip / e_lif:.0f}x our LIF's and {e_ip / e_pub_lif:.0f}x the published 28 nm "
                f"LIF's {fmt(e_pub_lif, 'J')} (arXiv 2408.07734): the IPNet neuron is smaller but "
                "spends more per spike, mostly in the current that writes and heats the junction"
                + (
                    f" (floor of its mode: {fmt(ip['energy_floor_J'], 'J')})."
                    if ip.get("energy_floor_J")
                    else "."
                )
                if e_ip and e_lif
                else "undefined: a neuron did not spike."
            ),
        ),
    ]


def memory_claims(mem: dict) -> list[dict]:
    """The memory rows of the claims table: the two memory-power ratios and the heat
    memory's time constant against the step the comparison assumes."""
    r = mem["memory_power_ratio"]
    alone = r["standalone"]
    ts = r["time_scales"]
    layer = r["by_layer"][str(r["memory_layer"])]["layer"]
    fmt = render.fmt_si
    tau, step = ts["tau_memory_s"], ts["time_step_s"]
    at_tau, refresh = ts["at_simulated_tau"], ts["refreshed_every_tau"]

    def restated(key: str) -> str:
        fast = (
            f"{at_tau[key]:,.0f}x with the step shortened to tau"
            if key in at_tau
            else "not computable with the step at tau"
        )
        return f"{fast}; {refresh[key]:.2g}x at the 1 ms step with the heat re-written every tau"

    def row(name: str, key: str, pub: float, extra: str) -> dict:
        return claim(
            name,
            f"{pub:,.0f}x",
            f"{r[key]:,.0f}x (at the assumed {fmt(step, 's')} step)",
            "not comparable",
            f"the comparison assumes each memory holds across a {fmt(step, 's')} step, but the "
            f"simulated heat memory fades in tau = {fmt(tau, 's')} ({ts['step_over_tau']:,.0f}x "
            f"shorter); it would need tau >= {fmt(ts['tau_required_s'], 's')}.  Restated: "
            f"{restated(key)}.  Same backbone, memory at layer {r['memory_layer']} ({layer}); "
            f"stand-alone definition {alone[key]:,.0f}x.  The paper's definition of memory power "
            f"was not found.{extra}",
        )

    order = r["ordering_matches_paper"]
    return [
        row("memory power, LSTM / IPNet", "lstm_over_ipnet", r["published"]["lstm_over_ipnet"], ""),
        row(
            "memory power, 3D-CNN / IPNet",
            "cnn3d_over_ipnet",
            r["published"]["cnn3d_over_ipnet"],
            f"  Ordering 3D-CNN > LSTM as published: same backbone "
            f"{'yes' if order['same_backbone'] else 'no'}, stand-alone "
            f"{'yes' if order['standalone'] else 'no'}.",
        ),
        claim(
            "heat-memory time constant vs the comparison's time step",
            f"memory held across a {fmt(step, 's')} step (what the memory-power ratios assume)",
            f"tau = {fmt(tau, 's')} ({r['tau_source']})",
            "not reproduced",
            f"the heat memory lasts tau / step = {tau / step:.1e} of a step: a state written in one step is "
            f"gone {fmt(5 * tau, 's')} later.  Holding it for {fmt(step, 's')} needs a thermal "
            f"time constant {ts['step_over_tau']:,.0f}x longer, or re-writing it every tau.",
        ),
    ]
