"""Parameters of the behavioural IPNet neuron: the device's physics plus the fitted circuit terms.

:class:`NeuronParams` holds what the event-driven model (:mod:`behavioural.model`) needs,
in SI units: the junction (an :class:`~circuits.mtj_device.MtjParams`, from the same device
file the SPICE circuit uses), the ambient temperature, the two currents the bias generator
sets at that ambient (``IpnetParams.bias()``), and six terms fitted to SPICE runs of the
circuit by ``python -m behavioural.calibrate`` (stored in ``build/behavioural/calibration.json``,
never typed here).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from circuits.ipnet_neuron import IpnetParams
from circuits.mtj_device import MtjParams
from circuits.paths import BUILD_DIR

CALIBRATION_JSON = BUILD_DIR / "behavioural" / "calibration.json"
AMBIENT_27C_K = 300.15
"""ngspice's default ambient (27 C) [K]: the calibration's temperature."""

FITTED = (
    "input_current_factor",
    "input_current_offset",
    "input_width_offset_s",
    "input_width_slope_s",
    "reset_current_factor",
    "rth_factor",
    "cth_factor",
    "fire_delay_s",
    "detect_delay_s",
    "reset_end_delay_s",
)
"""The circuit terms :mod:`behavioural.calibrate` determines (current and thermal terms from
SPICE characterization targets, the delays by a fit to spike times; the others come from
the device and bias)."""

FIELD_UNITS = {
    "ambient_k": "K",
    "unit_current_a": "A",
    "reset_current_a": "A",
    "input_current_factor": "1",
    "input_current_offset": "1",
    "input_width_offset_s": "s",
    "input_width_slope_s": "s",
    "reset_current_factor": "1",
    "rth_factor": "1",
    "cth_factor": "1",
    "fire_delay_s": "s",
    "detect_delay_s": "s",
    "reset_end_delay_s": "s",
    "drive_step_s": "s",
    "reset_step_s": "s",
}


@dataclass(frozen=True)
class NeuronParams:
    """One behavioural IPNet neuron (SI units).

    mtj: the junction's model parameters (device file, with any overrides).
    ambient_k: ambient temperature [K] (the calibration holds at 300.15 K = 27 C).
    unit_current_a: synapse current of weight 1 at this ambient [A] (bias generator's).
    reset_current_a: AP -> P reset current at this ambient [A] (bias generator's).
    input_current_factor, input_current_offset: the junction current during an input
        pulse is unit_current_a x (input_current_factor x weight + input_current_offset)
        [1, 1], fitted: a synapse device drawn weight x the unit width does not carry
        exactly weight x the current (channel-length modulation at its own Vds, node j's
        settling charge, which does not scale with the weight).
    input_width_offset_s: the junction carries the input current for the pulse's width +
        its edge + this offset + ``input_width_slope_s`` x (weight - 1) [s], from SPICE:
        the rectangle that gives the same switching progress as the real pulse (node j
        settles, and below the plateau the rate counts for less, the more so the weaker
        the synapse, whose plateau sits where the rate is steeper).
    reset_current_factor: junction current while resetting / reset_current_a [1], fitted:
        the reset mirror's headroom against the antiparallel resistance.
    rth_factor, cth_factor: effective thermal resistance and capacitance / the device's
        rth, cth [1], fitted to the SPICE junction temperature (node ``th``).
    fire_delay_s: output spike (rising ``out`` through VDD/2) after the junction switches
        to AP during an input pulse [s], fitted: fire comparator, latch and output gate; the
        reset current starts then as well.  The comparator reads the junction voltage, so
        it needs the input current: a junction that switches less than this before its
        pulse ends is detected on the next pulse instead.
    detect_delay_s: output spike after the start of the next input pulse for a junction
        that switched to AP without being detected [s], fitted (node j settles from rest).
    reset_end_delay_s: inputs reconnect this long after the junction is back in P [s],
        fitted: return-to-P comparator, latch clear and the reset envelope (INV9).
    drive_step_s, reset_step_s: largest quadrature step of the hazard integrals while an
        input drives the junction / while it resets [s] (numerics, not physics).
    """

    mtj: MtjParams
    ambient_k: float = AMBIENT_27C_K
    unit_current_a: float = 58.8e-6
    reset_current_a: float = 58.8e-6
    input_current_factor: float = 1.0
    input_current_offset: float = 0.0
    input_width_offset_s: float = 0.0
    input_width_slope_s: float = 0.0
    reset_current_factor: float = 1.0
    rth_factor: float = 1.0
    cth_factor: float = 1.0
    fire_delay_s: float = 0.0
    detect_delay_s: float = 0.0
    reset_end_delay_s: float = 0.0
    drive_step_s: float = 0.1e-9
    reset_step_s: float = 0.25e-9

    def __post_init__(self):
        if not isinstance(self.mtj, MtjParams):
            raise TypeError(f"NeuronParams.mtj must be an MtjParams, got {type(self.mtj).__name__}")
        for name in FIELD_UNITS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(
                    f"NeuronParams.{name}={value!r} must be a number [{FIELD_UNITS[name]}]"
                )
            if not math.isfinite(value):
                raise ValueError(f"NeuronParams.{name}={value!r} must be finite")
        signed = ("delay_s", "offset_s", "offset", "slope_s")
        positive = [n for n in FIELD_UNITS if not n.endswith(signed)]
        for name in positive:
            if not getattr(self, name) > 0:
                raise ValueError(
                    f"NeuronParams.{name}={getattr(self, name)!r} [{FIELD_UNITS[name]}] must be > 0"
                )
        for name in ("fire_delay_s", "detect_delay_s", "reset_end_delay_s"):
            value = getattr(self, name)
            if not 0 <= value <= 10e-9:
                raise ValueError(
                    f"NeuronParams.{name}={value!r} s is out of range; allowed 0 .. 10 ns"
                )
        if not -0.5 <= self.input_current_offset <= 0.5:
            raise ValueError(
                f"NeuronParams.input_current_offset={self.input_current_offset!r} is out of "
                "range; allowed -0.5 .. 0.5 (units of the unit current)"
            )
        if not -0.5e-9 <= self.input_width_slope_s <= 0.5e-9:
            raise ValueError(
                f"NeuronParams.input_width_slope_s={self.input_width_slope_s!r} s is out of "
                "range; allowed -0.5 .. 0.5 ns per unit weight"
            )
        if not -0.5e-9 <= self.input_width_offset_s <= 0.5e-9:
            raise ValueError(
                f"NeuronParams.input_width_offset_s={self.input_width_offset_s!r} s is out of "
                "range; allowed -0.5 .. 0.5 ns"
            )

    @property
    def rth_k_per_w(self) -> float:
        """Effective thermal resistance [K/W]."""
        return self.mtj.rth * self.rth_factor

    @property
    def cth_j_per_k(self) -> float:
        """Effective thermal capacitance [J/K]."""
        return self.mtj.cth * self.cth_factor

    @property
    def tau_th_s(self) -> float:
        """Effective thermal time constant rth*cth [s]."""
        return self.rth_k_per_w * self.cth_j_per_k

    def with_(self, **changes) -> NeuronParams:
        """A copy with some fields changed (validated)."""
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise ValueError(
                f"NeuronParams: unknown field(s) {sorted(unknown)}; allowed: "
                f"{', '.join(f.name for f in fields(self))}"
            )
        return replace(self, **changes)

    def fitted(self) -> dict[str, float]:
        """The fitted terms, by name."""
        return {name: getattr(self, name) for name in FITTED}

    def to_dict(self) -> dict:
        d = asdict(self)
        d["mtj"] = asdict(self.mtj)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> NeuronParams:
        d = dict(d)
        mtj = d.pop("mtj", None)
        if not isinstance(mtj, dict):
            raise ValueError("NeuronParams: the 'mtj' entry must be a table of MTJ parameters")
        allowed = {f.name for f in fields(cls)} - {"mtj"}
        unknown = set(d) - allowed
        if unknown:
            raise ValueError(
                f"NeuronParams: unknown field(s) {sorted(unknown)}; allowed: {sorted(allowed)}"
            )
        return cls(mtj=MtjParams(**mtj), **d)


def circuit_params(circuit: IpnetParams | None = None, ambient_k: float = AMBIENT_27C_K, **fit):
    """The behavioural neuron of an IPNet circuit: its junction, and the bias generator's
    unit and reset currents at ``ambient_k`` (they track Ic0 with the bias's tc); ``fit``
    sets fitted terms (default: none, factors 1 and delays 0)."""
    circuit = circuit or IpnetParams()
    if not (math.isfinite(ambient_k) and 1.0 < ambient_k < 600.0):
        raise ValueError(f"ambient_k={ambient_k!r} K is out of range; allowed 1 .. 600 K")
    b = circuit.bias()
    return NeuronParams(
        mtj=circuit.mtj(),
        ambient_k=ambient_k,
        unit_current_a=b.at(b.unit_current_a, ambient_k),
        reset_current_a=b.at(b.reset_current_a, ambient_k),
        **fit,
    )


def load_calibration(path: Path | str = CALIBRATION_JSON) -> NeuronParams:
    """The fitted neuron stored by ``python -m behavioural.calibrate``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"behavioural calibration {path} does not exist; make it with "
            "`python -m behavioural.calibrate` (or `make behavioural-v2`)"
        )
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"behavioural calibration {path}: not valid JSON: {exc}") from None
    if "params" not in data:
        raise ValueError(f"behavioural calibration {path}: no 'params' entry")
    return NeuronParams.from_dict(data["params"])
