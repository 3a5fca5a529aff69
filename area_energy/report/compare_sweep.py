"""Yield by corner in ``ipnet compare``: neuron v4's variation sweep results, read from the
sweep folders the designer passes (``--sweep DIR``; none: ``build/sweep_v4``, where
``make sweep-v4`` writes, if it holds a sweep), shown in the columns they describe.

A sweep folder (``summary.json`` and ``sweep_meta.json`` of :mod:`pyspice_flows.sweep`)
describes a column when it is a sweep of neuron v4 (its evaluation function is one of
:mod:`pyspice_flows.metrics`' v4 functions), its device file has the content of the
column's v4 device, and it simulated the column's v4 design: the sweep's fingerprint
(recorded in ``sweep_meta.json``; :meth:`pyspice_flows.sweep.spec.SweepSpec.fingerprint`)
is that of its spec, as ``sweep_meta.json`` records it (parameters, ``[overrides]``,
device: :func:`pyspice_flows.sweep.runners.sweep_meta`), with the column's design as values
(``ipnet sweep --design FILE``: :func:`pyspice_flows.metrics.neuron_v4.design_values`), or,
for the built-in design, with no design given.  A sweep on the column's device that does
not describe it is named in the column's note with the reason: it simulated another design
(``sweep_meta.json``'s ``neuron_fingerprint`` is another design's), its record predates the
overrides and the design's digest, or its record does not reproduce its fingerprint.  Its
corners (the spec's ``cycle`` parameters: temperature x supply) are the sweep's own, not
the column's temperature.

Per corner a cell shows the yield (samples in spec / n), the verdict against the sweep's
yield target and, for a failing corner, which limits failed and how many samples lay
outside each (``summary.json``'s ``failing_limits``); a corner of fewer than
:data:`pyspice_flows.sweep.datasheet.FEW_SAMPLES` samples is marked.  A sweep whose recorded
inputs (device, model and circuit sources) differ from the checkout's says which.  A column
no sweep describes says "not swept" and how to sweep it.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

from circuits import ipnet_neuron_v4 as v4
from circuits.paths import BUILD_DIR
from pyspice_flows.metrics.neuron_v4 import design_values
from pyspice_flows.sim.cache import file_digest
from pyspice_flows.sweep.datasheet import FEW_SAMPLES
from pyspice_flows.sweep.designs import V4_EVALUATE
from pyspice_flows.sweep.runners import input_changes, input_digests
from pyspice_flows.sweep.spec import META_NAME, Param, SweepSpec

from .compare_inputs import Resolved, shown
from .compare_v4 import V4_SPEC
from .render import DASH

DEFAULT_SWEEP = BUILD_DIR / "sweep_v4"
"""The folder ``make sweep-v4`` writes: read when no ``--sweep`` is given and it holds a
sweep."""
SUMMARY = "summary.json"
NOT_SWEPT = "not swept"


def sweeps_for(folders: list[Path] | None) -> list[dict]:
    """The sweeps of ``--sweep`` (each read by :func:`read_sweep`, a bad one refused); none
    given: ``build/sweep_v4`` if it holds a sweep, one that cannot be read as a v4 sweep
    skipped with a note on stderr (the default must not stop a comparison)."""
    if folders:
        return [read_sweep(Path(f)) for f in folders]
    if not (DEFAULT_SWEEP / SUMMARY).is_file():
        return []
    try:
        return [read_sweep(DEFAULT_SWEEP)]
    except ValueError as exc:
        print(f"compare: default sweep not shown: {exc}", file=sys.stderr)
        return []


def read_sweep(folder: Path) -> dict:
    """A v4 sweep folder read: ``{folder, name, evaluate, device_sha256, device, changes,
    summary}`` (``changes``: how the checkout's inputs differ from those the rows were
    computed from).  Refused, naming the option and folder, when it holds no sweep or
    a sweep of another neuron."""
    folder = Path(folder)
    where = f"--sweep {folder}"
    try:
        summary = json.loads((folder / SUMMARY).read_text())
        meta = json.loads((folder / META_NAME).read_text())
    except FileNotFoundError as exc:
        raise ValueError(f"{where}: no sweep there ({Path(exc.filename).name} missing)") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{where}: unreadable sweep ({exc})") from None
    evaluate = str(meta.get("evaluate", ""))
    if not evaluate.startswith(V4_EVALUATE):
        raise ValueError(
            f"{where}: a sweep of {meta.get('name')!r} evaluated by {evaluate!r}, not of neuron "
            f"v4 ({V4_EVALUATE}...)"
        )
    inputs = meta.get("inputs") or {}
    device = inputs.get("device") or {}
    if "corners" not in summary or not device.get("sha256"):
        raise ValueError(
            f"{where}: written by an older sweep (no per-corner yield or device hash); run it again"
        )
    spec = SweepSpec(
        name=str(meta["name"]),
        evaluate=evaluate,
        samples=1,
        seed=int(meta.get("seed", 0)),
        params=(),
        figures=tuple(meta.get("figures", ())),
        device=device.get("file"),
    )
    try:
        changes = input_changes(inputs, input_digests(spec))
    except ValueError as exc:  # the recorded device file is gone
        changes = [str(exc)]
    return {
        "folder": shown(folder),
        "name": summary.get("name"),
        "evaluate": evaluate,
        "device": device.get("file"),
        "device_sha256": device["sha256"],
        "changes": changes,
        "summary": summary,
        "fingerprint": meta.get("fingerprint"),
        "neuron_fingerprint": meta.get("neuron_fingerprint", UNRECORDED),
        "spec": _recorded_spec(meta, spec),
    }


UNRECORDED = "unrecorded"
"""``neuron_fingerprint`` of a sweep whose ``sweep_meta.json`` predates the overrides and
the design's digest (a resumed run writes them)."""


def _recorded_spec(meta: dict, spec: SweepSpec) -> SweepSpec | None:
    """The sweep's spec as far as its fingerprint goes (all but the design), from
    ``sweep_meta.json``; None when its parameters or overrides cannot be read back."""
    try:
        params = tuple(Param(**p) for p in meta.get("params", ()))
        return replace(spec, params=params, overrides=dict(meta.get("overrides") or {}))
    except (TypeError, ValueError, AttributeError):
        return None


def _candidates(spec: SweepSpec, p: v4.IpnetV4Params) -> list[dict | None]:
    """The ``neuron`` values a sweep of the design ``p`` carries: ``p`` as values
    (``--design FILE``) or, if ``p`` is the built-in design, also none."""
    candidates: list[dict | None] = [design_values(p, device=spec.device is None)]
    if replace(v4.default_v4_params(), device_file=p.device_file) == p:
        candidates.append(None)
    return candidates


def simulated(sweep: dict, p: v4.IpnetV4Params) -> bool:
    """Whether the sweep simulated the v4 design ``p`` (its device aside: the spec's device
    replaces the design's): its fingerprint is that of its recorded spec with ``p`` as
    values or, if ``p`` is the built-in design, with no design given."""
    spec = sweep["spec"]
    if spec is None or not sweep["fingerprint"]:
        return False
    return any(
        replace(spec, neuron=values).fingerprint() == sweep["fingerprint"]
        for values in _candidates(spec, p)
    )


def why_not(sweep: dict, p: v4.IpnetV4Params) -> str:
    """Why a sweep on the design's device does not describe the design ``p``, as a phrase."""
    spec, recorded = sweep["spec"], sweep["neuron_fingerprint"]
    if recorded == UNRECORDED:
        return (
            "recorded neither its overrides nor its design (written by an older sweep; "
            "rerun it into the same folder to record them)"
        )
    if spec is None:
        return "has a sweep_meta.json whose parameters or overrides cannot be read back"
    if not any(
        replace(spec, neuron=values).neuron_fingerprint() == recorded
        for values in _candidates(spec, p)
    ):
        return "simulated another design"
    return (
        "does not reproduce its fingerprint from its sweep_meta.json (edited, or written "
        "by another version of the sweep): sweep it again"
    )


def _overridden(spec: SweepSpec | None) -> list[int]:
    """The sample indices the sweep's ``[overrides]`` set (their yield counts a planted
    value, not a draw)."""
    return [] if spec is None else sorted(int(i) for i in spec.overrides)


def _hint(r: Resolved, others: list[dict]) -> str:
    """How to sweep the column's v4 design (``others``: the sweeps on its device, each of
    another design)."""
    spec = shown(V4_SPEC)
    p = r.v4.params
    built_in = replace(v4.default_v4_params(), device_file=p.device_file) == p
    design = "" if built_in else f" --design {shown(r.v4.path)}"
    device = Path(p.device_file)
    if file_digest(device) == file_digest(v4.default_v4_params().device_file):
        run = "make sweep-v4, or " if built_in else ""
        text = (
            f"{NOT_SWEPT} (run: {run}ipnet sweep --spec {spec}{design} --out DIR; then --sweep DIR)"
        )
    else:
        text = (
            f"{NOT_SWEPT} (run: ipnet sweep --spec FILE{design} --out DIR with FILE a copy of "
            f'{spec} whose device = "{shown(device)}"; then --sweep DIR)'
        )
    for s in others:
        text += f"; {s['folder']} on this device {why_not(s, p)}"
    return text


def _corner(c: dict, target: float) -> dict:
    return {
        "label": c["label"],
        "condition": c["condition"],
        "n": c["n"],
        "ok": c["ok"],
        "meets_spec": c["meets_spec"],
        "yield": c["yield"],
        "meets_target": c["meets_target"],
        "target": target,
        "few_samples": c["n"] < FEW_SAMPLES,
        "failing_limits": [
            {"name": f["name"], "n_outside": f["n_outside"]} for f in c.get("failing_limits", [])
        ],
    }


def column_sweep(r: Resolved, sweeps: list[dict]) -> dict:
    """The column's yield by corner from the first of ``sweeps`` that describes it, or
    ``{"swept": False, "note": how to sweep it}``."""
    sha = file_digest(Path(r.v4.params.device_file))
    on_device = [s for s in sweeps if s["device_sha256"] == sha]
    for s in on_device:
        if simulated(s, r.v4.params):
            summary = s["summary"]
            target = summary["yield_target"]
            return {
                "swept": True,
                "folder": s["folder"],
                "name": s["name"],
                "device": s["device"],
                "inputs_changed": s["changes"],
                "overridden_samples": _overridden(s["spec"]),
                "samples": summary["ok"] + summary["failed"],
                "meets_spec": summary["meets_spec"],
                "yield": summary["yield"],
                "yield_target": target,
                "meets_target": summary["meets_target"],
                "corners": [_corner(c, target) for c in summary["corners"]],
            }
    return {"swept": False, "note": _hint(r, on_device)}


def _percent(fraction: float | None) -> str:
    return DASH if fraction is None else f"{100.0 * fraction:.3g} %"


def yield_cell(entry: dict) -> str:
    """``100 % (8 of 8 in spec): pass`` or ``62.5 % (5 of 8 in spec): FAIL gain_3_slots
    min 1.2 (3 of 8 outside)``; ``! n < 5`` appended on few samples."""
    n = entry["n"]
    if not n:
        return "no samples"
    verdict = {True: "pass", False: "FAIL", None: DASH}[entry["meets_target"]]
    text = f"{_percent(entry['yield'])} ({entry['meets_spec']} of {n} in spec): {verdict}"
    fails = [f"{f['name']} ({f['n_outside']} of {n} outside)" for f in entry["failing_limits"]]
    if fails:
        text += " " + "; ".join(fails)
    if entry["few_samples"]:
        text += f" ! n < {FEW_SAMPLES}"
    return text


def sweep_rows(columns: list[dict]) -> list[list[str]]:
    """The comparison table's yield rows: the sweep each column reads (or "not swept" and
    how to sweep it), the yield over all corners, and a row per corner."""
    cols = [c["figures"]["v4_sweep"] for c in columns]

    def source(s: dict) -> str:
        if not s["swept"]:
            return s["note"]
        text = f"{s['folder']} ({s['name']}, {s['samples']} samples, device {s['device']})"
        if s["overridden_samples"]:
            listed = ", ".join(str(i) for i in s["overridden_samples"])
            text += f"; sample(s) {listed} set by the spec's [overrides], not drawn"
        if s["inputs_changed"]:
            text += "; inputs changed since: " + "; ".join(s["inputs_changed"])
        return text

    swept = [s for s in cols if s["swept"]]
    target = swept[0]["yield_target"] if swept else None
    rows = [["v4 yield: variation sweep", *(source(s) for s in cols)]]
    if not swept:
        return rows
    rows.append(
        [
            f"v4 yield, all corners (pass: every corner >= {_percent(target)})",
            *(
                yield_cell(
                    {
                        "n": s["samples"],
                        "meets_spec": s["meets_spec"],
                        "yield": s["yield"],
                        "meets_target": s["meets_target"],
                        "few_samples": s["samples"] < FEW_SAMPLES,
                        "failing_limits": [],
                    }
                )
                if s["swept"]
                else NOT_SWEPT
                for s in cols
            ),
        ]
    )
    labels = list(dict.fromkeys(c["label"] for s in swept for c in s["corners"]))
    for label in labels:
        cells = []
        for s in cols:
            hit = [c for c in s.get("corners", []) if c["label"] == label]
            cells.append(yield_cell(hit[0]) if hit else (DASH if s["swept"] else NOT_SWEPT))
        rows.append([f"v4 yield at {label}", *cells])
    return rows
