"""The schema of ``reports/energy_report.json``: a pydantic v2 model of every section.

The report's writer (:func:`area_energy.report.publish.write_report` as ``make
energy-report`` calls it) checks the JSON against :class:`EnergyReport` before it writes
anything, and every reader of the file (README numbers, ``python -m
tests.regenerate_goldens --from-json``) checks it on load (:func:`load_report`).  A failure
is one line naming the file, the key path and the bad value::

    reports/energy_report.json: neurons.ipnet.memory.p_rested = 1.3: Input should be less
    than or equal to 1

The interface keys other tools read (issue 20's ``neurons.ipnet.transfer_curve``,
``memory``, ``area_um2_per_neuron_amortized``, ``energy_floor_J``; the energy per spike of
each neuron; the claims rows; the header) are typed one by one, with their unit in the
description and the range physics gives them (a probability in [0, 1], an energy or an area
above 0, every number finite).  Records whose layout is fixed refuse unknown keys
(``extra="forbid"``); sections that are open-ended (the memory-cost breakdowns, the
assumptions, the provenance, a section's extra keys) accept more keys than they type.

A value the report computed as nan or inf is written as ``null`` (:func:`render.to_jsonable`);
the fields where that has a meaning (no spike in a run, no decaying excess to fit) are
nullable and say so; everywhere else a ``null`` or a non-finite number is refused.

``docs/energy_report.schema.json`` is :func:`json_schema_text`, rewritten by ``python -m
tests.regenerate_goldens`` (:func:`write_json_schema`) and checked by a test.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from circuits.paths import REPO_ROOT

from .render import VERDICTS

__all__ = [
    "SCHEMA_PATH",
    "EnergyReport",
    "ReportSchemaError",
    "check_report",
    "json_schema_text",
    "load_report",
    "write_json_schema",
]

SCHEMA_PATH = REPO_ROOT / "docs" / "energy_report.schema.json"
"""The exported JSON Schema of :class:`EnergyReport`."""

FIXED = ConfigDict(extra="forbid", strict=True)
"""A record of fixed layout: unknown keys refused, no coercion (a bool is not a number)."""
OPEN = ConfigDict(extra="allow", strict=True)
"""An open-ended section: the typed keys checked, further keys kept as they are."""

Finite = Annotated[float, Field(allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Text = Annotated[str, Field(min_length=1)]


def q(unit: str, description: str, **kwargs):
    """A field in ``unit`` (``"1"``: dimensionless), the unit in its description too."""
    return Field(description=f"{description} [{unit}]", json_schema_extra={"unit": unit}, **kwargs)


def d(description: str, **kwargs):
    """A field without a unit (a name, a count, a record)."""
    return Field(description=description, **kwargs)


# ----------------------------------------------------------------------------- neurons
class AreaBreakdown(BaseModel):
    """Layout area by component, from the rule deck."""

    model_config = FIXED
    transistors: NonNegative = q("um^2", "transistor area")
    wells: NonNegative = q("um^2", "well strips")
    routing: NonNegative = q("um^2", "routing overhead")
    capacitors: NonNegative = q("um^2", "MIM capacitors")
    mtj: NonNegative = q("um^2", "MTJ area beyond its access transistors")
    total: Positive = q("um^2", "sum of the parts")


class SharedBias(BaseModel):
    """A neuron's shared periphery (bias generator), amortized over an array."""

    model_config = FIXED
    instances: list[Text] = d("netlist instances of the shared circuitry")
    transistors: Count = d("its transistors")
    area_um2: NonNegative = q("um^2", "its layout area")
    note: str = d("what shares it")


class SharedBiasV4(SharedBias):
    """Neuron v4's bias generator, with its resistors' area estimate beside its area."""

    resistors_um2_estimate: NonNegative = q(
        "um^2", "its resistors as folded high-ohmic poly of an open 130 nm kit (estimate)"
    )


class SharedBiasV2(SharedBias):
    """The v2 neuron's bias generator, with its simulated power."""

    resistors: Count = d("its resistors")
    average_power_W: Finite = q("W", "its average power over the run")


class EnergySplitV4(BaseModel):
    """Neuron v4's energy per output spike by part."""

    model_config = FIXED
    mtj_joule_heat: NonNegative = q("J", "the junction's own dissipation per output spike")
    cmos_and_supply_overhead: Finite = q("J", "the supply's energy per spike beyond the junction's")


class ThermalStack(BaseModel):
    model_config = FIXED
    rth_total_K_per_W: Positive = q("K/W", "junction-to-ambient thermal resistance, rth + rth2")
    tau_slow_s: NonNegative = q("s", "slow thermal pole rth2 * cth2 (0: a single pole)")


class TransferPoint(BaseModel):
    """P(fire) of one input on a rested neuron at one corner and input strength."""

    model_config = FIXED
    ambient_k: Positive = q("K", "ambient temperature of the corner")
    vdd_v: Positive = q("V", "supply of the corner")
    weight: NonNegative = q("1", "input weight")
    write_current_ic0: NonNegative = q("Ic0", "write current, weight x the design's")
    p_fire: Probability = q("1", "firing probability")


class Memory(BaseModel):
    """Neuron v4's heat memory (issue 20): P(fire | input at lag L) / P(fire | rested)."""

    model_config = FIXED
    gain_by_lag: list[NonNegative | None] = q(
        "1", "gain at each lag of lags_s (null: undefined, P(fire | rested) = 0)", min_length=1
    )
    lags_s: list[Positive] = q("s", "lags of gain_by_lag", min_length=1)
    tau_s: Positive | None = q("s", "fitted decay of the gain's excess (null: nothing to fit)")
    gain_at_3_intervals: NonNegative | None = q("1", "gain three input intervals after an input")
    ablation_ratio: Finite | None = q(
        "1",
        "gain excess left with the heat memory removed, over the normal excess (null: no excess)",
    )
    p_rested: Probability = q("1", "P(fire | rested) at the probe")
    input_interval_s: Positive = q("s", "input interval of the standard stimulus (the slot)")

    @model_validator(mode="after")
    def _lags_match(self):
        if len(self.gain_by_lag) != len(self.lags_s):
            raise ValueError(
                f"gain_by_lag has {len(self.gain_by_lag)} values for {len(self.lags_s)} lags_s"
            )
        return self


class NeuronArea(BaseModel):
    """What every neuron record says of its layout, from its netlist and the rule deck."""

    model_config = FIXED
    area_um2: Positive = q("um^2", "the neuron's own layout area")
    area_breakdown_um2: AreaBreakdown = d("own area by component [um^2]")
    transistors: Count = d("own transistors")
    capacitors: Count = d("own capacitors")
    capacitance_F: NonNegative = q("F", "own capacitance")
    mtjs: Count = d("MTJs")


class IpnetV4(NeuronArea):
    """``neurons.ipnet``: neuron v4, the report's headline neuron."""

    circuit: Text = d("which circuit")
    design: Text = d("design name")
    device: Text = d("MTJ device file name")
    slot_s: Positive = q("s", "input slot")
    shared_bias_generator: SharedBiasV4 = d("shared periphery")
    array_neurons: Annotated[int, Field(ge=1)] = d("neurons sharing the periphery")
    area_um2_per_neuron_amortized: Positive = q(
        "um^2",
        "own area + (periphery's transistors + its resistors' estimate) / array_neurons",
    )
    area_um2_per_neuron_amortized_with_resistors: Positive = q(
        "um^2", "the same number (the resistors are counted in it; kept for older readers)"
    )
    energy_per_spike_J: Positive = q("J", "energy per output spike on the standard stimulus")
    energy_floor_J: Positive = q("J", "the junction's dissipation per output spike (the floor)")
    energy_per_spike_breakdown_J: EnergySplitV4 = d("energy per spike by part [J]")
    energy_per_input_slot_J: Positive = q("J", "supply energy of one input slot")
    junction_energy_per_input_slot_J: Positive = q("J", "junction dissipation of one input slot")
    idle_power_W: Finite = q("W", "supply power of a slot without input")
    static_power_W: Finite = q("W", "standby power between slots")
    p_fire_per_slot_standard: Probability = q("1", "P(fire) per slot, standard stimulus, warm")
    peak_rise_K: NonNegative = q("K", "peak junction temperature rise in a slot")
    thermal_stack: ThermalStack = d("the device's thermal stack")
    transfer_curve: list[TransferPoint] = d("P(fire) vs input strength by corner", min_length=1)
    memory: Memory = d("heat memory")
    ambient_K: Positive = q("K", "ambient temperature of the figures")

    @model_validator(mode="after")
    def _conservation(self):
        """The junction's dissipation is part of what the supply delivers, and the shared
        periphery adds area: the floor cannot exceed the energy, nor the own area the
        amortized one."""
        if self.junction_energy_per_input_slot_J > self.energy_per_input_slot_J:
            raise ValueError(
                f"junction_energy_per_input_slot_J {self.junction_energy_per_input_slot_J:.4g} J "
                f"exceeds the supply's energy_per_input_slot_J {self.energy_per_input_slot_J:.4g} J"
            )
        if self.energy_floor_J > self.energy_per_spike_J:
            raise ValueError(
                f"energy_floor_J {self.energy_floor_J:.4g} J exceeds energy_per_spike_J "
                f"{self.energy_per_spike_J:.4g} J"
            )
        if self.area_um2 > self.area_um2_per_neuron_amortized:
            raise ValueError(
                f"area_um2 {self.area_um2:.4g} um^2 exceeds area_um2_per_neuron_amortized "
                f"{self.area_um2_per_neuron_amortized:.4g} um^2 (own area + shared periphery)"
            )
        return self


class Conservation(BaseModel):
    """Energy delivered by the sources against energy dissipated and stored."""

    model_config = FIXED
    delivered_J: Finite = q("J", "by every source")
    dissipated_mosfets_J: Finite = q("J", "in the MOSFET channels")
    dissipated_mtj_J: NonNegative = q("J", "in the MTJs")
    stored_change_J: Finite = q("J", "change of the energy stored in capacitors")
    relative_error: NonNegative = q("1", "|delivered - dissipated - stored| / delivered")


EnergyParts = dict[str, Finite]
"""Energy by source, role or part [J]; a bias source may return energy (below 0)."""


class MeasuredNeuron(NeuronArea):
    """A neuron measured on an ngspice transient (``neurons.lif``)."""

    output_spikes: Count = d("output spikes of the run")
    spike_width_s: Positive | None = q("s", "widest spike, full width at VDD/2 (null: no spike)")
    input_events: Count = d("input spikes of the run")
    simulated_time_s: Positive = q("s", "transient length")
    energy_total_J: Finite = q("J", "energy delivered by every source")
    energy_by_source_J: EnergyParts = q("J", "energy by source")
    energy_by_role_J: EnergyParts = q("J", "energy by source role")
    energy_breakdown_J: EnergyParts = q("J", "energy by part")
    energy_per_spike_J: Positive | None = q("J", "energy per output spike (null: no spike)")
    energy_per_spike_breakdown_J: EnergyParts | None = q("J", "energy per spike by part")
    static_power_W: Finite = q("W", "leakage of an input-free run")
    shared_bias_generator: SharedBiasV2 | None = d("shared circuitry (null: none)")
    conservation: Conservation = d("energy conservation check")


class IpnetV2(MeasuredNeuron):
    """``neurons.ipnet_v2``: the deterministic v2 circuit on the legacy law."""

    circuit: Text = d("which circuit")
    heat_memory_write_per_input_event_J: NonNegative = q("J", "MTJ heat of one input")
    memory_write_energy_delivered_per_input_event_J: NonNegative = q("J", "delivered per input")
    heat_memory_tau_fit_s: Positive | None = q("s", "fitted plasticity decay (null: no fit)")
    heat_memory_tau_rth_cth_s: Positive = q("s", "rth * cth")


class Neurons(BaseModel):
    model_config = FIXED
    ipnet: IpnetV4 = d("neuron v4 (the headline)")
    ipnet_v2: IpnetV2 = d("neuron v2 on the legacy law")
    lif: MeasuredNeuron = d("capacitor LIF neuron")


# ----------------------------------------------------------------------------- memory power
class IpnetLstmCnn(BaseModel):
    """Three memories' power (or their ratios) side by side."""

    model_config = OPEN
    lstm_over_ipnet: Positive = q("1", "LSTM memory power over IPNet's")
    cnn3d_over_ipnet: Positive = q("1", "3D-CNN memory power over IPNet's")


class StandalonePower(BaseModel):
    model_config = FIXED
    ipnet_lstm_size: Positive = q("W", "IPNet neurons of the LSTM's size")
    lstm: Positive = q("W", "128-unit LSTM")
    ipnet_cnn3d_size: Positive = q("W", "IPNet neurons of the 3D-CNN's size")
    cnn3d: Positive = q("W", "3D-CNN frame buffer and convolution")


class MemoryPower(BaseModel):
    """``memory_power_W``: each memory's power at the backbone's memory layer."""

    model_config = FIXED
    ipnet: Positive = q("W", "IPNet neurons")
    lstm: Positive = q("W", "LSTM")
    cnn3d: Positive = q("W", "3D-CNN")
    ipnet_cnn3d_equivalent: Positive = q("W", "IPNet neurons in the 3D-CNN's place")
    standalone: StandalonePower = d("standalone comparison [W]")


class LayerPower(BaseModel):
    """One backbone layer of ``memory_power_ratio.by_layer`` (breakdowns open-ended)."""

    model_config = OPEN
    layer: Text = d("layer name")
    feature_elements: Annotated[int, Field(ge=1)] = d("elements the memory holds")
    ipnet_W: Positive = q("W", "IPNet memory power")
    lstm_W: Positive = q("W", "LSTM memory power")
    cnn3d_W: Positive = q("W", "3D-CNN memory power")
    lstm_over_ipnet: Positive = q("1", "ratio")
    cnn3d_over_ipnet: Positive = q("1", "ratio")


class AtTau(BaseModel):
    """The ratios with the step shortened to tau (or the error that prevented them)."""

    model_config = FIXED
    time_step_s: Positive = q("s", "the step (tau)")
    lstm_over_ipnet: Positive | None = q("1", "ratio (absent after an error)", default=None)
    cnn3d_over_ipnet: Positive | None = q("1", "ratio (absent after an error)", default=None)
    error: str | None = d("why the ratios are missing", default=None)


class Refreshed(BaseModel):
    model_config = FIXED
    writes_per_step: Positive = q("1", "heat re-writes per step")
    lstm_over_ipnet: Positive = q("1", "ratio with the heat re-written every tau")
    cnn3d_over_ipnet: Positive = q("1", "ratio with the heat re-written every tau")


class TimeScales(BaseModel):
    model_config = FIXED
    tau_memory_s: Positive = q("s", "heat-memory time constant")
    time_step_s: Positive = q("s", "the comparison's time step")
    step_over_tau: Positive = q("1", "time_step_s / tau_memory_s")
    at_simulated_tau: AtTau = d("ratios at a step of tau")
    refreshed_every_tau: Refreshed = d("ratios with refresh")
    tau_required_s: Positive = q("s", "tau the comparison's step needs")
    definition: Text = d("what the keys mean")


class MemoryPowerRatio(IpnetLstmCnn):
    """``memory_power_ratio``: the headline ratios, by layer, standalone, and time scales."""

    definition: Text = d("which comparison")
    memory_layer: Count = d("backbone layer of the headline ratios")
    by_layer: dict[str, LayerPower] = d("every backbone layer")
    standalone: IpnetLstmCnn = d("standalone comparison")
    tau_memory_s: Positive = q("s", "heat-memory time constant used")
    time_step_s: Positive = q("s", "the comparison's time step")
    time_scales: TimeScales = d("time scales")


# ----------------------------------------------------------------------------- ablation, comparison
class AblationRun(BaseModel):
    model_config = OPEN
    advantage_s: Finite = q("s", "probe latency advantage L_rested - L_conditioned")
    max_rise_K: NonNegative = q("K", "largest temperature rise")
    tau_th_s: Positive = q("s", "rth * cth")


class Ablation(BaseModel):
    """``ablation``: the v2 heat ablation."""

    model_config = OPEN
    plasticity_normal: Finite = q("s", "latency advantage, normal")
    plasticity_no_heat: Finite = q("s", "latency advantage, heat memory removed (larger)")
    ratio_no_heat_over_normal: Finite | None = q("1", "plasticity_no_heat / plasticity_normal")
    gap_s: Positive = q("s", "probe gap")
    normal: AblationRun = d("the normal run")
    by_ablation: dict[str, AblationRun] = d("each ablation")


class ComparedNeuron(BaseModel):
    model_config = OPEN
    output_spikes: Annotated[int, Field(ge=1)] = d("output spikes on the common train")
    energy_per_spike_J: Positive = q("J", "energy per output spike")
    breakdown_per_spike_J: EnergyParts = q("J", "energy per spike by path")
    mtj_heat_per_spike_J: NonNegative = q("J", "MTJ heat per spike")


class EnergyComparison(BaseModel):
    """``energy_comparison``: v2 and LIF on one input train (open: stimulus, floor)."""

    model_config = OPEN
    stimulus: dict = d("the common input train")
    ipnet: ComparedNeuron = d("IPNet v2")
    lif: ComparedNeuron = d("LIF")
    ratio_ipnet_over_lif: Positive = q("1", "energy per spike, IPNet over LIF")
    floor: dict = d("the switching law's energy floor of the v2 write and reset")


# ----------------------------------------------------------------------------- header, claims, text
class Header(BaseModel):
    """``header``: what the numbers are for and which model and commit made them."""

    model_config = FIXED
    design: Text = d("design name")
    device: Text = d("MTJ device file name")
    temperature_K: Positive = q("K", "ambient temperature")
    temperature_C: Finite = q("C", "ambient temperature")
    supply_V: Positive = q("V", "supply")
    model_version: Positive = q("1", "MTJ model version")
    law_version: Positive = q("1", "switching law version")
    commit: Text = d("git commit (+changes when the checkout differs)")


class Claim(BaseModel):
    """One row of the claims table."""

    model_config = FIXED
    claim: Text = d("the published claim")
    published: str | None = d("the published figure")
    ours: str | None = d("our figure")
    verdict: Literal[VERDICTS] = d("reproduced / not reproduced / not comparable")
    reason: str = d("why")


Cell = str | int | float | None


class Table(BaseModel):
    model_config = FIXED
    columns: list[str] = d("column headings")
    rows: list[list[Cell]] = d("rows, one cell per column")

    @model_validator(mode="after")
    def _rows_fit(self):
        for i, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise ValueError(f"row {i} has {len(row)} cells for {len(self.columns)} columns")
        return self


class Section(BaseModel):
    """A Markdown/HTML section (open: a section may carry numbers of its own)."""

    model_config = OPEN
    title: Text = d("heading")
    text: str = d("Markdown paragraphs")
    table: Table | None = d("table", default=None)
    figure: str | None = d("figure name", default=None)
    caption: str | None = d("what to look at in the figure", default=None)


class Assumptions(BaseModel):
    """``assumptions``: the inputs behind the numbers (open: nested as the data files)."""

    model_config = OPEN
    mtj_device: dict = d("the MTJ device's parameters and file")
    ambient_temperature_k: Positive = q("K", "ambient temperature")
    supply_v: Positive = q("V", "the v2 design's supply")
    published_claims: dict = d("the published figures with their sources")


class Provenance(BaseModel):
    model_config = OPEN
    git_commit: str = d("full commit of the checkout")
    model_files_sha256: dict[str, Sha256] = d("content hash of each model file")


class EnergyReport(BaseModel):
    """``reports/energy_report.json``, written by ``make energy-report``."""

    model_config = FIXED
    neurons: Neurons = d("each neuron's record")
    area_ratio_lif_over_ipnet: Positive = q("1", "LIF area over IPNet's amortized area")
    memory_power_W: MemoryPower = d("memory power [W]")
    memory_power_ratio: MemoryPowerRatio = d("memory power ratios")
    ablation: Ablation = d("the v2 heat ablation")
    energy_comparison: EnergyComparison = d("like-for-like energy")
    header: Header = d("the run's header")
    header_rows: list[Annotated[list[str], Field(min_length=2, max_length=2)]] = d(
        "the header as [label, value] rows"
    )
    claims: list[Claim] = d("the claims table", min_length=1)
    sections: list[Section] = d("the report's sections")
    assumptions: Assumptions = d("assumptions")
    assumption_units: dict[str, str] = d("units of assumption keys without a unit suffix")
    provenance: Provenance = d("versions and hashes")


# ----------------------------------------------------------------------------- checking
class ReportSchemaError(ValueError):
    """The report JSON does not fit :class:`EnergyReport` (one line: file, key, value)."""


def key_path(loc) -> str:
    """``("neurons", "ipnet", "transfer_curve", 3, "p_fire")`` ->
    ``neurons.ipnet.transfer_curve[3].p_fire``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def problem(exc: ValidationError, where: str) -> str:
    """One line for the first error of ``exc``; ``where``: the file."""
    errors = exc.errors(include_url=False)
    err = errors[0]
    path = key_path(err["loc"]) or "(the top level)"
    if err["type"] == "missing":
        text = f"{path} is missing"
    elif err["type"] == "extra_forbidden":
        text = f"{path}: unknown key (not in the report's schema, {SCHEMA_PATH.name})"
    elif err["type"] in ("value_error", "assertion_error"):  # a rule across keys of a record
        text = f"{path}: {err['msg'].removeprefix('Value error, ')}"
    else:
        value = repr(err["input"])
        value = value if len(value) <= 80 else value[:77] + "..."
        text = f"{path} = {value}: {err['msg']}"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {text}{more}"


def check_report(data: Mapping, where: str) -> EnergyReport:
    """``data`` (the JSON as parsed) validated; :class:`ReportSchemaError` otherwise.

    ``data`` is left as it was, key order included (pydantic builds the model from it and
    changes nothing in it; tests/test_report_json_dump.py checks it), so the writer
    validates and writes one conversion of the results."""
    if not isinstance(data, Mapping):
        raise ReportSchemaError(
            f"{where}: the report JSON is a {type(data).__name__}, not an object"
        )
    try:
        return EnergyReport.model_validate(dict(data))
    except ValidationError as exc:
        raise ReportSchemaError(problem(exc, where)) from None


def load_report(path: Path | str) -> dict:
    """The report JSON at ``path`` parsed and validated (the parsed dict, as readers use it);
    a missing file, bad JSON or a schema failure is one :class:`ReportSchemaError` (or
    FileNotFoundError) naming the file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `make energy-report` first")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ReportSchemaError(f"{path}: not valid JSON: {exc}") from None
    check_report(data, str(path))
    return data


def json_schema_text() -> str:
    """The JSON Schema of :class:`EnergyReport`, as ``docs/energy_report.schema.json`` holds it."""
    return json.dumps(EnergyReport.model_json_schema(), indent=2, ensure_ascii=False) + "\n"


def write_json_schema(path: Path = SCHEMA_PATH) -> bool:
    """Rewrite ``path`` with :func:`json_schema_text`; True when it changed."""
    text = json_schema_text()
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True
