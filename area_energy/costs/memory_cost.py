"""Memory-power models of the digital baselines IPNet's thermal working memory replaces.

IPNet keeps a neuron's short-term memory as heat in its MTJ.  A digital network needs
hardware to carry information from one time step to the next; this module counts that
hardware's operations and memory accesses per time step and prices them with Horowitz's
energy table (``energy_ops_28nm.toml``).  Two baselines:

* an LSTM layer (:class:`LstmMemoryConfig`, :func:`lstm_memory_ops`,
  :func:`lstm_memory_power_w`), and
* a parallel 3D-CNN, i.e. a frame buffer plus a temporal convolution
  (:class:`Cnn3dMemoryConfig`, :func:`cnn3d_memory_ops`, :func:`cnn3d_memory_power_w`).

:func:`sensitivity` varies every parameter and the scaling assumptions for a table of
baseline/IPNet power ratios.  The IPNet side (the neuron's simulated memory energy per
time step) is an input here; it is not computed in this module.

What the IPNet paper says about "memory power" (full text not found)
--------------------------------------------------------------------
The claim is from arXiv:2512.15829 (J. Liu, H. Zheng, B. Zou, K. Yang; v1 17 Dec 2025,
"Human-like Working Memory from Artificial Intrinsic Plasticity Neurons"; v3 25 Mar 2026
retitled "Physics-driven human-like working memory outperforms digital networks in dynamic
vision").  Its abstract (v1/v2) states "a reduction in memory power of 2,874x compared to
LSTMs and 90,920x versus parallel 3D-CNNs" and a ~1.5 um^2 capacitor-free neuron in 28 nm
CMOS; v3 says "reducing memory-energy overhead by >90,000x" against spatiotemporal
convolutional models.  The baselines share IPNet's backbones (DVS Gesture, DDD-20).  Only
abstracts were reachable (https://arxiv.org/abs/2512.15829 and its listings); the methods
section that defines memory power -- which operations, which memories, which energy table,
which node -- was NOT found.  The definitions below are therefore this project's
assumptions, stated so that they can be compared once the paper's are known.

What counts as memory here
--------------------------
Only what exists to carry information across time steps:

* LSTM: the recurrent path and the state.  Per time step, with H hidden units:
  recurrent matrix-vector product ``U h_{t-1}`` -- 4H^2 multiplies, 4H^2 adds and 4H^2
  weight reads (each recurrent weight is used once per step, so it is read once); the
  cell update ``c_t = f * c_{t-1} + i * g`` -- 2H multiplies, H adds; state reads of
  ``h_{t-1}`` and ``c_{t-1}`` (2H words) and writes of ``h_t`` and ``c_t`` (2H words).
  Not counted: the input projection ``W x_t`` (a feed-forward layer has it too), biases,
  gate nonlinearities and the output gating ``o * tanh(c_t)`` (it produces the layer's
  output).  The number of inputs therefore does not change the memory cost.
* Parallel 3D-CNN: per time step one new frame (H x W x C words) is written to a buffer
  holding ``frames`` frames, the whole buffer is read (frames x H x W x C words), and the
  temporal part of the 3D convolution is computed: with stride 1 and same spatial
  padding, ``T_out`` = frames - kernel_t + 1 output positions (``recompute_clip``: the
  clip is reprocessed each step; else only the newest position, T_out = 1), of which
  (kernel_t - 1)/kernel_t of the MACs exist only because the kernel spans time:
  ``T_out H W C_out C (kernel_t - 1) kernel_h kernel_w`` multiplies and adds, and
  ``C_out C (kernel_t - 1) kernel_h kernel_w`` weight reads (weights read once per step, a
  weight-stationary accelerator -- optimistic for the CNN).

Energy: multiplies/adds at the configured arithmetic (``int`` 8/16/32 bit, ``fp`` 16/32 bit),
scaled 45 -> 28 nm by 0.53 (Stillmaker & Baas; see the TOML) when the table's
``scale_to_28nm`` is set.  SRAM accesses at 28 nm come from CACTI 7.0 at the memory's
capacity and word width, reads and writes apart, and the SRAMs leak (``sram_access_cacti.toml``,
:mod:`area_energy.costs.sram_cacti`): a ``b``-bit access does not cost b/64 of a 64-bit one (1 MiB:
halving 64 -> 32 bits saves 35 %).  Without the CACTI table (``sram_path=None``) or unscaled,
a ``b``-bit SRAM access costs b/64 of Horowitz's 64-bit read and nothing leaks.  DRAM: b/64
of Horowitz's 64-bit access, never node-scaled, background power not modelled.  Control is
ignored.  Every table entry is checked: negative, NaN or absurd values are refused.

Default configurations (assumptions, not the paper's): a small event-vision layer --
LSTM with 128 inputs, 128 hidden units, 16-bit integers, 1 ms step, state in an 8 KB
SRAM, recurrent weights (128 KiB) in a 1 MB SRAM; 3D-CNN first layer on 64 x 64 DVS
frames with 2 polarity channels, a 16-frame buffer in DRAM, 3x3x3 kernels, 16 output
channels, 16-bit integers, 1 ms step, weights in an 8 KB SRAM.  At 28 nm with CACTI SRAMs
these give 1.40 mW (LSTM; 91 % recurrent-weight reads, 6 % SRAM leakage) and 59.8 mW (3D-CNN;
76 % DRAM frame-buffer traffic); with the linear b/64 SRAM rule 0.90 mW and 59.8 mW; unscaled
45 nm: 1.69 mW and 72.5 mW.  These stand-alone baselines are the alternative definition; the
report's main one puts all three memories at one layer of one backbone
(:mod:`area_energy.costs.backbone`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from .energy_table import (  # the table these models price with
    _PJ,
    ARITHMETIC_BITS,
    MEMORY_KINDS,
    EnergyTable,
)

__all__ = [
    "Cnn3dMemoryConfig",
    "LstmMemoryConfig",
    "SensitivityRow",
    "cnn3d_memory_energy_j",
    "cnn3d_memory_ops",
    "cnn3d_memory_power_w",
    "lstm_memory_energy_j",
    "lstm_memory_ops",
    "lstm_memory_power_w",
    "lstm_recurrent_ops",
    "sensitivity",
]


# --------------------------------------------------------------------------- configs


def _check_positive_int(owner: str, name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{owner}.{name} = {value!r} is not allowed (allowed: an integer >= 1)")


def _check_time_step(owner: str, value) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not (ok and math.isfinite(value) and value > 0):
        raise ValueError(
            f"{owner}.time_step_s = {value!r} is not allowed (allowed: a finite number > 0 [s])"
        )


def _check_choice(owner: str, name: str, value, allowed: tuple) -> None:
    if value not in allowed:
        raise ValueError(f"{owner}.{name} = {value!r} is not allowed (allowed: {allowed})")


def _check_arithmetic(owner: str, arithmetic, bits) -> None:
    _check_choice(owner, "arithmetic", arithmetic, tuple(ARITHMETIC_BITS))
    _check_positive_int(owner, "bits", bits)
    _check_choice(owner, "bits", bits, ARITHMETIC_BITS[arithmetic])


@dataclass(frozen=True)
class LstmMemoryConfig:
    """One LSTM layer, as far as its memory is concerned.

    Attributes:
        inputs: input vector length (does not enter the memory cost; kept for the record).
        hidden_units: H, the number of LSTM cells.
        bits: word width of weights, states and arithmetic [bit].
        time_step_s: time between two updates [s].
        state_memory: where ``h`` and ``c`` live between steps (one of
            :data:`MEMORY_KINDS`).
        weight_memory: where the recurrent weights U (4H x H words) live.
        arithmetic: ``int`` or ``fp``.
    """

    inputs: int = 128
    hidden_units: int = 128
    bits: int = 16
    time_step_s: float = 1e-3
    state_memory: str = "sram_8kb"
    weight_memory: str = "sram_1mb"
    arithmetic: str = "int"

    def __post_init__(self):
        owner = type(self).__name__
        _check_positive_int(owner, "inputs", self.inputs)
        _check_positive_int(owner, "hidden_units", self.hidden_units)
        _check_arithmetic(owner, self.arithmetic, self.bits)
        _check_time_step(owner, self.time_step_s)
        _check_choice(owner, "state_memory", self.state_memory, MEMORY_KINDS)
        _check_choice(owner, "weight_memory", self.weight_memory, MEMORY_KINDS)


@dataclass(frozen=True)
class Cnn3dMemoryConfig:
    """A parallel 3D-CNN layer: frame buffer plus temporal convolution.

    Attributes:
        frame_height, frame_width: frame size [pixel].
        channels: input channels per frame (2 for DVS ON/OFF polarity).
        frames: frames held in the buffer and processed as one clip (>= kernel_t).
        kernel_t, kernel_h, kernel_w: 3D kernel size (time, height, width).
        out_channels: output channels.
        bits: word width [bit].
        time_step_s: time between two frames [s].
        buffer_memory: where the frame buffer lives (one of :data:`MEMORY_KINDS`).
        weight_memory: where the kernels live.
        arithmetic: ``int`` or ``fp``.
        recompute_clip: reprocess every output position of the clip each step (parallel
            clip processing); if False only the newest position is computed (streaming).
    """

    frame_height: int = 64
    frame_width: int = 64
    channels: int = 2
    frames: int = 16
    kernel_t: int = 3
    kernel_h: int = 3
    kernel_w: int = 3
    out_channels: int = 16
    bits: int = 16
    time_step_s: float = 1e-3
    buffer_memory: str = "dram"
    weight_memory: str = "sram_8kb"
    arithmetic: str = "int"
    recompute_clip: bool = True

    def __post_init__(self):
        owner = type(self).__name__
        for name in (
            "frame_height",
            "frame_width",
            "channels",
            "frames",
            "kernel_t",
            "kernel_h",
            "kernel_w",
            "out_channels",
        ):
            _check_positive_int(owner, name, getattr(self, name))
        if self.frames < self.kernel_t:
            raise ValueError(
                f"{owner}.frames = {self.frames} is not allowed with kernel_t = {self.kernel_t} "
                "(allowed: frames >= kernel_t)"
            )
        _check_arithmetic(owner, self.arithmetic, self.bits)
        _check_time_step(owner, self.time_step_s)
        _check_choice(owner, "buffer_memory", self.buffer_memory, MEMORY_KINDS)
        _check_choice(owner, "weight_memory", self.weight_memory, MEMORY_KINDS)
        if not isinstance(self.recompute_clip, bool):
            raise TypeError(
                f"{owner}.recompute_clip = {self.recompute_clip!r} (allowed: True or False)"
            )


# --------------------------------------------------------------------------- op counts


def lstm_recurrent_ops(state: int, channels: int, kernel_taps: int = 1) -> dict[str, int]:
    """Operations of one (Conv)LSTM step that carry information across time steps.

    ``state`` values (N) of ``channels`` (C) each, recurrent kernel of ``kernel_taps``
    (k^2; 1 for a dense LSTM, where N = C = H): recurrent mult/add 4 N C k^2, recurrent
    weight reads 4 C^2 k^2, cell update 2N multiplies and N adds, state reads 2N and
    writes 2N words, and ``total`` (their sum).
    """
    n, c, k2 = state, channels, kernel_taps
    ops = {
        "recurrent_mult": 4 * n * c * k2,
        "recurrent_add": 4 * n * c * k2,
        "recurrent_weight_read": 4 * c * c * k2,
        "cell_update_mult": 2 * n,
        "cell_update_add": n,
        "state_read": 2 * n,
        "state_write": 2 * n,
    }
    ops["total"] = sum(ops.values())
    return ops


def lstm_memory_ops(cfg: LstmMemoryConfig) -> dict[str, int]:
    """Memory operations of one LSTM time step (definitions in the module docstring):
    :func:`lstm_recurrent_ops` of a dense layer of H units (4H^2 recurrent mult/add/weight
    reads, 2H + H cell update, 2H state reads and writes)."""
    return lstm_recurrent_ops(cfg.hidden_units, cfg.hidden_units)


def cnn3d_memory_ops(cfg: Cnn3dMemoryConfig) -> dict[str, int]:
    """Memory operations of one 3D-CNN time step (definitions in the module docstring).

    Returns counts: ``buffer_write`` = H W C; ``buffer_read`` = frames H W C;
    ``temporal_mult`` = ``temporal_add`` = T_out H W C_out C (kernel_t - 1) kh kw with
    T_out = frames - kernel_t + 1 (1 if not ``recompute_clip``); ``temporal_weight_read``
    = C_out C (kernel_t - 1) kh kw; and ``total`` (their sum).
    """
    pixels = cfg.frame_height * cfg.frame_width
    frame_words = pixels * cfg.channels
    t_out = cfg.frames - cfg.kernel_t + 1 if cfg.recompute_clip else 1
    temporal_taps = cfg.channels * (cfg.kernel_t - 1) * cfg.kernel_h * cfg.kernel_w
    macs = t_out * pixels * cfg.out_channels * temporal_taps
    ops = {
        "buffer_write": frame_words,
        "buffer_read": cfg.frames * frame_words,
        "temporal_mult": macs,
        "temporal_add": macs,
        "temporal_weight_read": cfg.out_channels * temporal_taps,
    }
    ops["total"] = sum(ops.values())
    return ops


# --------------------------------------------------------------------------- energy, power


def _priced(ops: Mapping[str, int], unit_j: Mapping[str, float]) -> dict[str, float]:
    energy = {name: ops[name] * unit_j[name] for name in unit_j}
    energy["total"] = sum(energy.values())
    return energy


def lstm_memory_energy_j(cfg: LstmMemoryConfig, table: EnergyTable) -> dict[str, float]:
    """Energy per time step of each LSTM memory operation [J], plus ``total``."""
    mult = table.mult_energy_j(cfg.arithmetic, cfg.bits)
    add = table.add_energy_j(cfg.arithmetic, cfg.bits)
    unit = {
        "recurrent_mult": mult,
        "recurrent_add": add,
        "recurrent_weight_read": table.access_energy_j(cfg.weight_memory, cfg.bits),
        "cell_update_mult": mult,
        "cell_update_add": add,
        "state_read": table.access_energy_j(cfg.state_memory, cfg.bits),
        "state_write": table.access_energy_j(cfg.state_memory, cfg.bits, write=True),
    }
    return _priced(lstm_memory_ops(cfg), unit)


def cnn3d_memory_energy_j(cfg: Cnn3dMemoryConfig, table: EnergyTable) -> dict[str, float]:
    """Energy per time step of each 3D-CNN memory operation [J], plus ``total``."""
    unit = {
        "buffer_write": table.access_energy_j(cfg.buffer_memory, cfg.bits, write=True),
        "buffer_read": table.access_energy_j(cfg.buffer_memory, cfg.bits),
        "temporal_mult": table.mult_energy_j(cfg.arithmetic, cfg.bits),
        "temporal_add": table.add_energy_j(cfg.arithmetic, cfg.bits),
        "temporal_weight_read": table.access_energy_j(cfg.weight_memory, cfg.bits),
    }
    return _priced(cnn3d_memory_ops(cfg), unit)


def _power(energy: Mapping[str, float], time_step_s: float, leakage_w: float) -> dict[str, float]:
    power = {name: value / time_step_s for name, value in energy.items() if name != "total"}
    power["sram_leakage"] = leakage_w
    power["total"] = sum(power.values())
    return power


def lstm_memory_power_w(cfg: LstmMemoryConfig, table: EnergyTable) -> dict[str, float]:
    """Memory power of an LSTM layer [W]: energy per step / ``time_step_s``, per
    operation, plus ``sram_leakage`` of the state and weight memories, and ``total``."""
    leak = table.leakage_power_w(cfg.state_memory) + table.leakage_power_w(cfg.weight_memory)
    return _power(lstm_memory_energy_j(cfg, table), cfg.time_step_s, leak)


def cnn3d_memory_power_w(cfg: Cnn3dMemoryConfig, table: EnergyTable) -> dict[str, float]:
    """Memory power of a parallel 3D-CNN layer [W], per operation, plus ``sram_leakage``
    of the buffer and weight memories, and ``total``."""
    leak = table.leakage_power_w(cfg.buffer_memory) + table.leakage_power_w(cfg.weight_memory)
    return _power(cnn3d_memory_energy_j(cfg, table), cfg.time_step_s, leak)


# --------------------------------------------------------------------------- sensitivity


class SensitivityRow(NamedTuple):
    """One row of the sensitivity table: the baseline/IPNet memory-power ratio with
    ``parameter`` at ``low_value`` and at ``high_value`` (all else at the base case).
    A ratio is NaN where the changed configuration is not allowed."""

    parameter: str
    low_value: object
    high_value: object
    ratio_low: float
    ratio_high: float


def _baseline_power_w(cfg, table: EnergyTable) -> float:
    if isinstance(cfg, LstmMemoryConfig):
        return lstm_memory_power_w(cfg, table)["total"]
    if isinstance(cfg, Cnn3dMemoryConfig):
        return cnn3d_memory_power_w(cfg, table)["total"]
    raise ValueError(
        f"base_cfg of type {type(cfg).__name__} is not allowed "
        "(allowed: LstmMemoryConfig, Cnn3dMemoryConfig)"
    )


def _scaled(value, factor):
    if isinstance(value, int):
        return max(1, round(value * factor))
    return value * factor


def sensitivity(
    base_cfg: LstmMemoryConfig | Cnn3dMemoryConfig,
    table: EnergyTable,
    ipnet_memory_power_w: float,
    factors: tuple[float, float] = (0.5, 2.0),
) -> list[SensitivityRow]:
    """Baseline/IPNet memory-power ratios with each assumption changed in turn.

    Rows: every numeric field of ``base_cfg`` multiplied by ``factors[0]`` and
    ``factors[1]`` (integers rounded, at least 1); ``scale_to_28nm`` off/on; and
    ``dram_read_64b_pj`` at Horowitz's low/high end (rows whose configuration becomes
    invalid, e.g. fewer frames than kernel_t, get NaN ratios).

    Args:
        base_cfg: the base-case baseline.
        table: the energy table of the base case.
        ipnet_memory_power_w: the IPNet neuron layer's memory power for the same task [W].
        factors: low and high multipliers.
    """
    if not (
        isinstance(ipnet_memory_power_w, (int, float))
        and math.isfinite(ipnet_memory_power_w)
        and ipnet_memory_power_w > 0
    ):
        raise ValueError(
            f"ipnet_memory_power_w = {ipnet_memory_power_w!r} is not allowed (allowed: > 0 [W])"
        )
    if len(factors) != 2 or not all(
        isinstance(f, (int, float)) and math.isfinite(f) and f > 0 for f in factors
    ):
        raise ValueError(f"factors = {factors!r} is not allowed (allowed: two numbers > 0)")

    def ratio(cfg, tab) -> float:
        return _baseline_power_w(cfg, tab) / ipnet_memory_power_w

    _baseline_power_w(base_cfg, table)  # rejects an unknown config type early
    rows: list[SensitivityRow] = []
    for f in dataclasses.fields(base_cfg):
        value = getattr(base_cfg, f.name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        low, high = (_scaled(value, factor) for factor in factors)
        ratios = []
        for changed in (low, high):
            try:
                ratios.append(ratio(dataclasses.replace(base_cfg, **{f.name: changed}), table))
            except ValueError:
                ratios.append(math.nan)
        rows.append(SensitivityRow(f.name, low, high, ratios[0], ratios[1]))
    rows.append(
        SensitivityRow(
            "scale_to_28nm",
            False,
            True,
            ratio(base_cfg, table.with_scaling(False)),
            ratio(base_cfg, table.with_scaling(True)),
        )
    )
    rows.append(
        SensitivityRow(
            "dram_read_64b_pj",
            table.access_64b_j["dram"] / _PJ,
            table.dram_access_64b_high_j / _PJ,
            ratio(base_cfg, table),
            ratio(base_cfg, table.with_dram_high()),
        )
    )
    return rows
