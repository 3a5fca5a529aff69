"""Memory cost on one backbone: IPNet, (Conv)LSTM and 3D-CNN at the same layer.

The stand-alone baselines of :mod:`area_energy.costs.memory_cost` size each digital memory on its
own (a 128-unit LSTM, a 64x64x2 frame buffer) and set IPNet layers of "the same size" beside
them.  Here the three memories sit at the same layer of the same network
(``backbone_dvs_gesture.toml``): same feature map H x W x C, same time step, same word width,
same energy table.  Per time step, with N = H W C feature elements, spatial kernel k,
clip length T and temporal kernel depth kt:

* IPNet: one neuron per feature element; ``activity_per_step`` x N input events write the
  heat memory, each at the simulated energy per input event.  Holding costs nothing (the
  heat decays passively); the neuron's own static leakage is the neuron's, not the
  memory's, and is not counted.
* LSTM: a ConvLSTM with C hidden channels and a k x k recurrent kernel at a feature map
  ("map" layer), an LSTM with C units on flattened features ("vector" layer, k = 1).  Only
  what carries information across steps, as in :mod:`area_energy.costs.memory_cost`: the
  recurrent convolution ``U * h_{t-1}`` (4 N C k^2 multiplies and adds; its 4 C^2 k^2
  weights read once per step), the cell update (2N multiplies, N adds), the state (h and c:
  2N words read and 2N written).
* 3D-CNN: a parallel temporal convolution at the layer, kt x k x k kernel, C -> C channels,
  over a clip of T buffered frames reprocessed every step: one new frame written (N words),
  the buffer read (T N words), and the temporal part of the kernel -- (kt - 1)/kt of its
  taps -- computed at T - kt + 1 positions: (T - kt + 1) N C (kt - 1) k^2 multiplies and
  adds, C^2 (kt - 1) k^2 weights read (:func:`area_energy.costs.memory_cost.cnn3d_memory_ops`).

Every memory (LSTM state, LSTM recurrent weights, 3D-CNN frame buffer, 3D-CNN temporal
weights) is placed by one rule: the smallest CACTI-tabulated SRAM that holds it if it is at
most ``max_sram_bytes``, else DRAM.  SRAM accesses cost CACTI's energy at that capacity and
word width and the SRAM leaks (:mod:`area_energy.costs.sram_cacti`); DRAM costs Horowitz's energy
per bit.  Arithmetic: Horowitz's table scaled to 28 nm (``energy_ops_28nm.toml``).

With the activity per step fixed, every dynamic energy is per step, so all dynamic powers
scale as 1/time_step_s and the ratios do not depend on the step; SRAM leakage is a power and
does not scale (tests check both).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from circuits.paths import data_file
from circuits.table_schema import STRICT, entry_model, quantity, read_table_file, validate

from .energy_table import ARITHMETIC_BITS, EnergyTable
from .memory_cost import Cnn3dMemoryConfig, cnn3d_memory_ops, lstm_recurrent_ops
from .sram_cacti import CELL_TYPES

__all__ = [
    "DEFAULT_BACKBONE_PATH",
    "LAYER_KINDS",
    "Backbone",
    "Layer",
    "LayerMemory",
    "Placement",
    "cnn3d_layer_ops",
    "cnn3d_layer_power_w",
    "ipnet_layer_power_w",
    "layer_memory",
    "load_backbone",
    "lstm_layer_ops",
    "lstm_layer_power_w",
    "memory_by_layer",
    "place_memory",
]

DEFAULT_BACKBONE_PATH = data_file("area_energy.costs", "backbone_dvs_gesture.toml")
"""The DVS Gesture PLIF network (Fang et al., ICCV 2021) and the memory choices."""

LAYER_KINDS = ("map", "vector")
"""``map``: a spatial feature map (ConvLSTM, 3D kernel k x k); ``vector``: flattened."""


# --------------------------------------------------------------------------- data
_ARITHMETIC = tuple(ARITHMETIC_BITS)
_SIZE = Field(ge=1, le=1 << 20, json_schema_extra={"reason": "a feature map side or channel count"})


@pydantic_dataclass(frozen=True, config=ConfigDict(strict=True, extra="forbid"))
class Layer:
    """One place a temporal memory can sit (validated on construction, pydantic).

    Attributes:
        name: label.
        kind: ``map`` or ``vector`` (:data:`LAYER_KINDS`).
        height, width, channels: feature map size [element] (1 x 1 x C for a vector).
        kernel: spatial kernel k of the recurrent and 3D kernels placed here [element].
    """

    name: str
    kind: Literal[LAYER_KINDS]
    height: Annotated[int, _SIZE]
    width: Annotated[int, _SIZE]
    channels: Annotated[int, _SIZE]
    kernel: Annotated[int, _SIZE]

    @model_validator(mode="after")
    def _vector_is_flat(self):
        if self.kind == "vector" and (self.height, self.width, self.kernel) != (1, 1, 1):
            raise ValueError(
                f"a vector layer has height = width = kernel = 1 "
                f"(got {self.height}, {self.width}, {self.kernel})"
            )
        return self

    @property
    def elements(self) -> int:
        """N = H W C feature elements (one IPNet neuron each)."""
        return self.height * self.width * self.channels


@pydantic_dataclass(frozen=True, config=ConfigDict(strict=True, extra="forbid"))
class Backbone:
    """A network's layers and the choices that size the memories at any of them
    (validated on construction, pydantic: each field's range is declared here once).

    Attributes:
        name: network name; source: its DOI or URL.
        layers: the places a memory can sit, input first.
        memory_layer: default placement (index into ``layers``).
        time_step_s: time between two steps [s].
        frames: clip length T of the 3D-CNN (>= kernel_t).
        kernel_t: temporal kernel depth of the 3D-CNN.
        bits: word width of weights, states, buffers and arithmetic [bit].
        arithmetic: ``int`` or ``fp``.
        activity_per_step: fraction of feature elements receiving an input event per step
            (IPNet writes), 0 < a <= 1.
        max_sram_bytes: largest on-chip SRAM; a larger memory goes to DRAM [byte].
        sram_cell_type: CACTI device type of the SRAMs.
    """

    name: Annotated[str, Field(min_length=1)]
    source: Annotated[str, Field(pattern=r"\S", description="DOI or URL of the network")]
    layers: Annotated[tuple[Layer, ...], Field(min_length=1, strict=False)]
    memory_layer: Annotated[int, Field(ge=0, le=1 << 20)] = 0
    time_step_s: Annotated[
        float, quantity(1e-12, 1e3, "s", "a step from 1 ps to 1000 s", "time between two steps")
    ] = 1e-3
    frames: Annotated[int, Field(ge=1, le=1 << 16, description="clip length T")] = 16
    kernel_t: Annotated[int, Field(ge=1, le=1024, description="temporal kernel depth")] = 3
    bits: int = 16
    arithmetic: Literal[_ARITHMETIC] = "int"
    activity_per_step: Annotated[
        float, quantity(1e-9, 1.0, "", "", "fraction of elements written per step")
    ] = 1.0
    max_sram_bytes: Annotated[int, Field(ge=0, le=1 << 40)] = 1048576
    sram_cell_type: Literal[CELL_TYPES] = "itrs-lstp"

    @model_validator(mode="after")
    def _consistent(self):
        n = len(self.layers)
        if self.memory_layer >= n:
            raise ValueError(
                f"memory_layer = {self.memory_layer!r} is not allowed "
                f"(allowed: an integer from 0 to {n - 1}, a layer index)"
            )
        if self.frames < self.kernel_t:
            raise ValueError(
                f"frames = {self.frames!r} is not allowed (allowed: an integer from "
                f"{self.kernel_t} (kernel_t) to {1 << 16})"
            )
        if self.bits not in ARITHMETIC_BITS[self.arithmetic]:
            raise ValueError(
                f"bits = {self.bits!r} is not allowed "
                f"(allowed: {ARITHMETIC_BITS[self.arithmetic]} for {self.arithmetic!r})"
            )
        return self

    @property
    def layer(self) -> Layer:
        """The default placement's layer."""
        return self.layers[self.memory_layer]


def _check_int(owner: str, name: str, value, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(
            f"{owner}.{name} = {value!r} is not allowed (allowed: an integer from {low} to {high})"
        )


def _check_float(owner: str, name: str, value, low: float, high: float) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not (ok and math.isfinite(value) and low <= value <= high):
        raise ValueError(
            f"{owner}.{name} = {value!r} is not allowed (allowed: {low:g} to {high:g})"
        )


# --------------------------------------------------------------------------- the file
@pydantic_dataclass(frozen=True, config=ConfigDict(strict=True, extra="forbid"))
class _LayerEntry(Layer):
    """One ``[[layer]]``: a :class:`Layer` with its source."""

    source: Annotated[str, Field(pattern=r"\S", description="DOI or URL of the layer")]
    note: str = ""


class _Network(BaseModel):
    model_config = STRICT
    name: str = Field(min_length=1, description="network name")
    source: str = Field(pattern=r"\S", description="DOI or URL of the network")
    code: str = Field(default="", description="URL of its code")
    note: str = ""


_CHOICES = tuple(
    f.name for f in dataclasses.fields(Backbone) if f.name not in ("name", "source", "layers")
)
"""Backbone fields given as ``[<field>]`` tables with value, source and note."""

_BackboneFile = create_model(
    "BackboneFile",
    __config__=STRICT,
    __doc__="``backbone_dvs_gesture.toml``: the network, its layers, the memory choices.",
    network=(_Network, ...),
    layer=(list[dict[str, Any]], Field(min_length=1, description="[[layer]]: _LayerEntry")),
    **{
        name: (
            entry_model(name, "value", Backbone.__pydantic_fields__[name].annotation, Field()),
            ...,
        )
        for name in _CHOICES
    },
)


def load_backbone(path: Path | str = DEFAULT_BACKBONE_PATH) -> Backbone:
    """Read a backbone TOML (``backbone_dvs_gesture.toml`` format) into a :class:`Backbone`.

    The file's schema (``_BackboneFile``) requires a ``value`` and a ``source`` in every
    entry and a ``source`` in every layer, and refuses unknown keys; the :class:`Layer` and
    :class:`Backbone` fields hold the ranges.  A failure is one ValueError naming the file,
    the entry, the value and what is allowed.
    """
    data = read_table_file(path, "backbone", _BackboneFile)
    layers = []
    for i, raw in enumerate(data.layer):
        entry = validate(_LayerEntry, raw, f"{path}: [[layer]] #{i + 1}")
        layers.append(Layer(**{f.name: getattr(entry, f.name) for f in dataclasses.fields(Layer)}))
    values = {name: getattr(data, name).value for name in _CHOICES}
    net = data.network
    return validate(
        Backbone, {"name": net.name, "source": net.source, "layers": layers, **values}, str(path)
    )


# --------------------------------------------------------------------------- placement


class Placement(NamedTuple):
    """Where one memory lives: ``kind`` ``sram`` (``capacity_bytes`` the CACTI array) or
    ``dram`` (``capacity_bytes`` = 0); ``needed_bytes`` what it holds."""

    kind: str
    capacity_bytes: int
    needed_bytes: int

    def label(self) -> str:
        if self.kind == "dram":
            return f"DRAM ({_size(self.needed_bytes)})"
        return f"SRAM {_size(self.capacity_bytes)} (holds {_size(self.needed_bytes)})"


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} B"


def place_memory(words: int, backbone: Backbone, table: EnergyTable) -> Placement:
    """The smallest tabulated SRAM holding ``words`` words of ``backbone.bits`` if it is at
    most ``max_sram_bytes``; else DRAM.  Without CACTI (``table.uses_cacti`` false)
    everything up to ``max_sram_bytes`` sits in Horowitz's 1 MB SRAM kind."""
    needed = math.ceil(words * backbone.bits / 8)
    if needed <= backbone.max_sram_bytes:
        if table.uses_cacti:
            try:
                cap = table.sram.capacity_for(needed)
            except ValueError:
                cap = None
            if cap is not None and cap <= max(backbone.max_sram_bytes, needed):
                return Placement("sram", cap, needed)
        elif needed <= 1048576:
            return Placement("sram", 1048576, needed)
    return Placement("dram", 0, needed)


def _access_j(p: Placement, table: EnergyTable, bits: int, write: bool = False) -> float:
    if p.kind == "dram":
        return table.dram_access_energy_j(bits)
    if table.uses_cacti:
        return table.sram_access_energy_j(p.capacity_bytes, bits, write)
    return table.access_energy_j("sram_1mb", bits, write)


def _leak_w(p: Placement, table: EnergyTable) -> float:
    return 0.0 if p.kind == "dram" else table.leakage_power_w(p.capacity_bytes)


# --------------------------------------------------------------------------- op counts


def lstm_layer_ops(layer: Layer) -> dict[str, int]:
    """Memory operations of one (Conv)LSTM step at ``layer`` (see the module docstring):
    :func:`~area_energy.costs.memory_cost.lstm_recurrent_ops` with N = the layer's elements,
    C = its channels and the recurrent kernel k x k."""
    return lstm_recurrent_ops(layer.elements, layer.channels, layer.kernel**2)


def _cnn3d_cfg(layer: Layer, backbone: Backbone) -> Cnn3dMemoryConfig:
    return Cnn3dMemoryConfig(
        frame_height=layer.height,
        frame_width=layer.width,
        channels=layer.channels,
        frames=backbone.frames,
        kernel_t=backbone.kernel_t,
        kernel_h=layer.kernel,
        kernel_w=layer.kernel,
        out_channels=layer.channels,
        bits=backbone.bits,
        time_step_s=backbone.time_step_s,
        arithmetic=backbone.arithmetic,
        recompute_clip=True,
    )


def cnn3d_layer_ops(layer: Layer, backbone: Backbone) -> dict[str, int]:
    """Memory operations of one parallel 3D-CNN step at ``layer``: buffer write N, buffer
    read T N, temporal mult/add (T - kt + 1) N C (kt - 1) k^2, temporal weight reads
    C^2 (kt - 1) k^2, and ``total``."""
    return cnn3d_memory_ops(_cnn3d_cfg(layer, backbone))


# --------------------------------------------------------------------------- powers


def ipnet_layer_power_w(layer: Layer, backbone: Backbone, write_energy_j: float) -> float:
    """IPNet memory power at ``layer`` [W]: activity x N writes per step at
    ``write_energy_j`` (simulated energy per input event) over the time step."""
    _check_float("ipnet_layer_power_w", "write_energy_j", write_energy_j, 1e-21, 1e-6)
    writes = backbone.activity_per_step * layer.elements
    return writes * write_energy_j / backbone.time_step_s


def _priced_power(
    ops: Mapping[str, int], unit_j: Mapping[str, float], dt: float, leak_w: float
) -> dict[str, float]:
    power = {name: ops[name] * unit_j[name] / dt for name in unit_j}
    power["sram_leakage"] = leak_w
    power["total"] = sum(power.values())
    return power


def lstm_layer_power_w(
    layer: Layer, backbone: Backbone, table: EnergyTable
) -> tuple[dict[str, float], dict[str, Placement]]:
    """(Conv)LSTM memory power at ``layer`` [W] per operation, ``sram_leakage`` and
    ``total``; and where its state and recurrent weights live."""
    ops = lstm_layer_ops(layer)
    b = backbone.bits
    places = {
        "state": place_memory(2 * layer.elements, backbone, table),
        "weights": place_memory(4 * layer.channels**2 * layer.kernel**2, backbone, table),
    }
    mult = table.mult_energy_j(backbone.arithmetic, b)
    add = table.add_energy_j(backbone.arithmetic, b)
    unit = {
        "recurrent_mult": mult,
        "recurrent_add": add,
        "recurrent_weight_read": _access_j(places["weights"], table, b),
        "cell_update_mult": mult,
        "cell_update_add": add,
        "state_read": _access_j(places["state"], table, b),
        "state_write": _access_j(places["state"], table, b, write=True),
    }
    leak = sum(_leak_w(p, table) for p in places.values())
    return _priced_power(ops, unit, backbone.time_step_s, leak), places


def cnn3d_layer_power_w(
    layer: Layer, backbone: Backbone, table: EnergyTable
) -> tuple[dict[str, float], dict[str, Placement]]:
    """Parallel 3D-CNN memory power at ``layer`` [W] per operation, ``sram_leakage`` and
    ``total``; and where its frame buffer and temporal weights live."""
    ops = cnn3d_layer_ops(layer, backbone)
    b = backbone.bits
    c, k2 = layer.channels, layer.kernel**2
    places = {
        "buffer": place_memory(backbone.frames * layer.elements, backbone, table),
        "weights": place_memory(c * c * (backbone.kernel_t - 1) * k2, backbone, table),
    }
    unit = {
        "buffer_write": _access_j(places["buffer"], table, b, write=True),
        "buffer_read": _access_j(places["buffer"], table, b),
        "temporal_mult": table.mult_energy_j(backbone.arithmetic, b),
        "temporal_add": table.add_energy_j(backbone.arithmetic, b),
        "temporal_weight_read": _access_j(places["weights"], table, b),
    }
    leak = sum(_leak_w(p, table) for p in places.values())
    return _priced_power(ops, unit, backbone.time_step_s, leak), places


@dataclasses.dataclass(frozen=True)
class LayerMemory:
    """The three memory powers at one layer [W] and the two ratios."""

    index: int
    name: str
    elements: int
    ipnet_w: float
    lstm_w: float
    cnn3d_w: float
    lstm: Mapping[str, float]
    cnn3d: Mapping[str, float]
    lstm_places: Mapping[str, Placement]
    cnn3d_places: Mapping[str, Placement]

    @property
    def lstm_over_ipnet(self) -> float:
        return self.lstm_w / self.ipnet_w

    @property
    def cnn3d_over_ipnet(self) -> float:
        return self.cnn3d_w / self.ipnet_w

    def to_dict(self) -> dict:
        """JSON form: powers, ratios, breakdowns and placements."""
        return {
            "layer": self.name,
            "feature_elements": self.elements,
            "ipnet_W": self.ipnet_w,
            "lstm_W": self.lstm_w,
            "cnn3d_W": self.cnn3d_w,
            "lstm_over_ipnet": self.lstm_over_ipnet,
            "cnn3d_over_ipnet": self.cnn3d_over_ipnet,
            "lstm_breakdown_W": dict(self.lstm),
            "cnn3d_breakdown_W": dict(self.cnn3d),
            "placement": {
                **{f"lstm_{k}": p.label() for k, p in self.lstm_places.items()},
                **{f"cnn3d_{k}": p.label() for k, p in self.cnn3d_places.items()},
            },
        }


def layer_memory(
    index: int, backbone: Backbone, table: EnergyTable, write_energy_j: float
) -> LayerMemory:
    """The three variants at ``backbone.layers[index]``."""
    _check_int("layer_memory", "index", index, 0, len(backbone.layers) - 1)
    layer = backbone.layers[index]
    lstm, lstm_places = lstm_layer_power_w(layer, backbone, table)
    cnn, cnn_places = cnn3d_layer_power_w(layer, backbone, table)
    return LayerMemory(
        index=index,
        name=layer.name,
        elements=layer.elements,
        ipnet_w=ipnet_layer_power_w(layer, backbone, write_energy_j),
        lstm_w=lstm["total"],
        cnn3d_w=cnn["total"],
        lstm=lstm,
        cnn3d=cnn,
        lstm_places=lstm_places,
        cnn3d_places=cnn_places,
    )


def memory_by_layer(
    backbone: Backbone, table: EnergyTable, write_energy_j: float
) -> list[LayerMemory]:
    """:func:`layer_memory` at every layer of the backbone, input first."""
    return [layer_memory(i, backbone, table, write_energy_j) for i in range(len(backbone.layers))]
