"""Resume for the working-memory protocols: each finished trial is kept, and a rerun with
the same inputs simulates only the trials it does not have.

``<out>/trials.jsonl`` is the journal: a first line with what the trials were computed
from (the run's settings, the digest of the planned trials, the SHA-256 of the device
file and of the model and circuit sources), then one line per finished trial, appended
as each one finishes (a run killed midway keeps them).  A rerun whose inputs differ is
refused with what changed, never mixed in.  The published files (summary, CSVs, plots)
are still written together at the end, from a staging folder.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from circuits.paths import PACKAGES_ROOT

JOURNAL_NAME = "trials.jsonl"
JOURNAL_VERSION = 1
SOURCE_GLOBS = (
    "models/verilog_a/*.va",
    "models/verilog_a/*.vams",
    "models/tech/*",
    "circuits/*.py",
    "pyspice_flows/experiments/working_memory/trials.py",
    "pyspice_flows/experiments/plasticity.py",
)
"""The sources a trial's numbers depend on (relative to the repository): the models, the
circuit generators, the trial runner and the burst timing."""


def inputs_record(settings: dict, trials: Iterable, device_file: Path | None) -> dict:
    """What the trials are computed from: ``settings`` (plain values), the digest of the
    planned trials (their full ``repr``: shapes, items, neuron, temperature), the device
    file's and the sources' SHA-256."""
    from pyspice_flows.sim.cache import content_digest, file_digest

    sources = {}
    for pattern in SOURCE_GLOBS:
        for path in sorted(PACKAGES_ROOT.glob(pattern)):
            if path.is_file():
                sources[path.relative_to(PACKAGES_ROOT).as_posix()] = file_digest(path)
    device = None
    if device_file is not None:
        device = {"file": str(device_file), "sha256": file_digest(Path(device_file))}
    return {
        "version": JOURNAL_VERSION,
        "settings": settings,
        "trials": content_digest(*(repr(t) for t in trials)),
        "device": device,
        "sources": sources,
    }


def input_changes(old: dict, new: dict) -> list[str]:
    """What differs between two :func:`inputs_record` (empty: the same inputs)."""
    changes = []
    if old.get("version") != new.get("version"):
        return [f"journal version {old.get('version')} -> {new.get('version')}"]
    os_, ns = old.get("settings", {}), new.get("settings", {})
    for key in sorted(os_.keys() | ns.keys()):
        if os_.get(key) != ns.get(key):
            changes.append(f"{key} {os_.get(key)!r} -> {ns.get(key)!r}")
    od, nd = old.get("device") or {}, new.get("device") or {}
    if od.get("file") != nd.get("file"):
        changes.append(f"device file {od.get('file')} -> {nd.get('file')}")
    elif od.get("sha256") != nd.get("sha256"):
        changes.append(f"device file {nd.get('file')} changed")
    osrc, nsrc = old.get("sources", {}), new.get("sources", {})
    edited = sorted(k for k in osrc.keys() & nsrc.keys() if osrc[k] != nsrc[k])
    added, removed = sorted(nsrc.keys() - osrc.keys()), sorted(osrc.keys() - nsrc.keys())
    for label, names in (("changed", edited), ("added", added), ("removed", removed)):
        if names:
            changes.append(f"sources {label}: {', '.join(names)}")
    if not changes and old.get("trials") != new.get("trials"):
        changes.append("the planned trials (burst timing, neuron or array settings)")
    return changes


class TrialJournal:
    """The journal of one output folder (see the module doc)."""

    def __init__(self, out: Path, inputs: dict):
        """Open (or start) ``out``'s journal for ``inputs``; refuses a journal of other
        inputs with one line naming what changed."""
        self.path = Path(out) / JOURNAL_NAME
        self.rows: dict[str, dict] = {}
        if self.path.exists():
            lines = self.path.read_text(encoding="utf-8").splitlines()
            try:
                old = json.loads(lines[0])
            except (IndexError, ValueError):
                old = {}
            changes = input_changes(old, inputs) if old else ["no readable first line"]
            if changes:
                raise ValueError(
                    f"{self.path} holds trials computed from other inputs "
                    f"({'; '.join(changes)}); resuming would mix them: use another --out, "
                    f"or remove {self.path} to start over"
                )
            for line in lines[1:]:
                try:
                    row = json.loads(line)
                except ValueError:
                    continue  # the last line of a killed run may be cut short
                if isinstance(row, dict) and "key" in row:
                    self.rows[row["key"]] = row
            text = "".join(json.dumps(r) + "\n" for r in [old, *self.rows.values()])
        else:
            text = json.dumps(inputs) + "\n"
        # rewritten whole (a cut last line dropped), then appended to
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{JOURNAL_NAME}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(self.path)

    def record(self, row: dict) -> None:
        """Append one finished trial (flushed to disk before returning)."""
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        self.rows[row["key"]] = row
