"""The network test's layer at the sensing interface: behavioural neuron v2 (IPNet neuron v4,
:mod:`behavioural.v4_model`), one neuron per pixel and polarity.

Time runs in the design's slots (write, heat-and-restore, gap: 46.4 ns in the built-in
design); the streams (:mod:`behavioural.events`) are generated on that clock, one event per
pixel, polarity and slot at most.  An event is an input slot of weight :data:`INPUT_WEIGHT`
(the design's unit write current) on its pixel and polarity's neuron; a slot without an
event is no input.  Spikes are seeded draws (:func:`behavioural.v4_model.run`); a fired
junction heats a little more in its heat phase.

The state is read at the end of the stream by a probe: one more slot of weight
:data:`PROBE_WEIGHT` on every neuron.  Its firing probability is the memory as the issue
defines it (the gain-vs-lag curve is a ratio of these): what a downstream reader measures
from the neuron, a single number per neuron that carries the junction's heat through the
switching law.  Also read: the probe's one seeded draw (a single-shot readout, one bit per
neuron) and the neuron's spikes during the stream (what it sends downstream as it goes).

:func:`slot_energies`: the junction's energy per slot from the calibration's SPICE-measured
power (write phase, heat phase, and the extra of a fired slot).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from circuits.paths import BUILD_DIR

from .v4_model import V4Calibration, ladder_matrices, run

CALIBRATION_JSON = BUILD_DIR / "behavioural" / "behavioural_v4.json"
"""Written by ``make behavioural`` (:mod:`behavioural.v4_calibrate`)."""
DEFAULT_AMBIENT_K = 300.15
INPUT_WEIGHT = 1.0
"""An event's input: the design's unit write current (P(fire | rested) ~ 0.08 at 27 C)."""
PROBE_WEIGHT = 1.0
READOUTS = ("probe_probability", "probe_spike", "spike_count")
"""The layer's readouts, per neuron (see the module)."""
ABLATION_DIVISOR = 100.0
"""Behavioural v2's ablation of the heat memory: cth and cth2 / 100 (the heat leaks 100x
faster at the same own rise; the table, measured on the circuit, stays)."""


def load_v4_calibration(path: Path | str = CALIBRATION_JSON, ambient_k: float | None = None):
    """The calibration stored by ``make behavioural`` at ``ambient_k`` (default 300.15 K)
    and a record of where it came from.  Accepts the command's summary (``temperatures``)
    or one calibration (a ``V4Calibration`` dict)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: no behavioural v2 calibration; run `make behavioural` "
            "(python -m behavioural.v4_calibrate) first"
        )
    data = json.loads(path.read_text())
    want = DEFAULT_AMBIENT_K if ambient_k is None else float(ambient_k)
    if "temperatures" in data:
        found = [t for t in data["temperatures"] if abs(t["ambient_k"] - want) < 0.01]
        if not found:
            have = ", ".join(f"{t['ambient_k']:g}" for t in data["temperatures"])
            raise ValueError(f"{path}: no calibration at {want:g} K; allowed {have} K")
        cal = V4Calibration.from_dict(found[0]["calibration"])
        record = {
            "file": str(path),
            "design": data.get("design", {}),
            "validation": found[0].get("validation", {}).get("met"),
            "quick": data.get("quick"),
        }
        return cal, record
    cal = V4Calibration.from_dict(data)
    if ambient_k is not None and abs(cal.ambient_k - want) >= 0.01:
        raise ValueError(f"{path}: calibrated at {cal.ambient_k:g} K, not {want:g} K")
    return cal, {"file": str(path), "design": {}, "validation": None, "quick": None}


def ablated(cal: V4Calibration) -> V4Calibration:
    """The same neuron without its heat memory (:data:`ABLATION_DIVISOR`)."""
    _, cth, _, cth2 = cal.ladder
    return cal.with_ladder(cth=cth / ABLATION_DIVISOR, cth2=cth2 / ABLATION_DIVISOR)


def pole_time_constants(cal: V4Calibration) -> tuple[float, float]:
    """The ladder's two time constants (fast, slow) [s]: -1 / its eigenvalues."""
    a, _ = ladder_matrices(*cal.ladder)
    taus = sorted(-1.0 / np.real(np.linalg.eigvals(a)))
    return float(taus[0]), float(taus[-1])


def slot_inputs(times: np.ndarray, weight: float = INPUT_WEIGHT) -> np.ndarray:
    """Slot times (stream, slot, channel; NaN = no event) to the layer's input weights
    (stream x channel, slots + 1): an event is an input slot of ``weight``; the last column
    is the probe."""
    n_streams, n_slots, n_ch = times.shape
    w = np.where(np.isfinite(times), weight, 0.0).transpose(0, 2, 1).reshape(-1, n_slots)
    return np.hstack([w, np.full((w.shape[0], 1), PROBE_WEIGHT)])


@dataclass(frozen=True)
class LayerReadout:
    """One layer's readouts per stream and channel (n_streams, n_channels) each, and per
    stream its input slots, spikes and junction energy [J] (the probe excluded), and the
    probe's junction energy (expected, from its P) [J]."""

    probe_probability: np.ndarray
    probe_spike: np.ndarray
    spike_count: np.ndarray
    inputs: np.ndarray
    spikes: np.ndarray
    energy_j: np.ndarray
    probe_energy_j: np.ndarray

    def features(self, readout: str | None = None) -> np.ndarray:
        """The readout's features per stream: one readout (:data:`READOUTS`) or, without
        one, the probe's probability and the spike count side by side."""
        if readout is None:
            return np.hstack([self.probe_probability, self.spike_count])
        if readout not in READOUTS:
            raise ValueError(f"readout={readout!r}; allowed {list(READOUTS)}")
        return np.asarray(getattr(self, readout), float)


def slot_energies(cal: V4Calibration, weight: float = INPUT_WEIGHT) -> dict:
    """The junction's energy of one input slot at ``weight`` [J], from the calibration's
    SPICE-measured power: all of it, its write phase and the rest (heat and restore, gap),
    and the extra of a slot whose junction fired."""
    power = cal.slot_power(weight)
    t = np.arange(cal.n_samples) * cal.dt_s
    write = t < cal.write_s[1]
    fired = cal.fired_w[0] + weight * cal.fired_w[1] + weight * weight * cal.fired_w[2]
    return {
        "weight": weight,
        "slot_J": float(power.sum() * cal.dt_s),
        "write_phase_J": float(power[write].sum() * cal.dt_s),
        "heat_phase_J": float(power[~write].sum() * cal.dt_s),
        "fired_extra_J": float(fired.sum() * cal.dt_s),
    }


def circuit_slot_energy(record: dict, ambient_k: float) -> dict | None:
    """The circuit's energy of one input slot, of an idle slot, and the shared bias
    generator's per slot [J] (:func:`pyspice_flows.metrics.neuron_v4.slot_energy`: a SPICE
    run of the calibrated design, cached), for a calibration whose record names its design
    (the summary of ``make behavioural``); None for a bare calibration."""
    design = record.get("design") or {}
    if "file" not in design or "device" not in design:
        return None
    from pyspice_flows.metrics.neuron_v4 import slot_energy

    from .v4_calibrate import design_of

    p = design_of(Path(design["file"]), Path(design["device"]))
    return slot_energy(p, ambient_k)


def v4_layer(cal: V4Calibration, times: np.ndarray, rng: np.random.Generator) -> LayerReadout:
    """Run the layer on slot times (stream, slot, channel) from rest, with seeded draws,
    and read it out with the probe (see the module)."""
    n_streams, _, n_ch = times.shape
    w = slot_inputs(times)
    res = run(cal, w, rng)
    stream_spikes = res.spikes[:, :-1]
    e = slot_energies(cal, INPUT_WEIGHT)
    e_probe = slot_energies(cal, PROBE_WEIGHT)
    inputs = (w[:, :-1] > 0).sum(axis=1).reshape(n_streams, n_ch).sum(axis=1)
    spikes = stream_spikes.sum(axis=1).reshape(n_streams, n_ch)
    energy = inputs * e["slot_J"] + spikes.sum(axis=1) * e["fired_extra_J"]
    probe_p = res.probability[:, -1].reshape(n_streams, n_ch)
    probe_energy = n_ch * e_probe["slot_J"] + probe_p.sum(axis=1) * e_probe["fired_extra_J"]
    return LayerReadout(
        probe_probability=probe_p,
        probe_spike=res.spikes[:, -1].reshape(n_streams, n_ch).astype(float),
        spike_count=spikes.astype(float),
        inputs=inputs,
        spikes=spikes.sum(axis=1),
        energy_j=energy,
        probe_energy_j=probe_energy,
    )
