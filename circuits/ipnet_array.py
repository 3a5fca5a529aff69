"""An R x C array of IPNet neurons whose junctions are thermally coupled through the stack.

Every neuron is an :class:`~circuits.ipnet_neuron.IpnetNeuron` (instances ``X1..XN``, row
major: neuron ``k = r * cols + c + 1`` sits at (r, c), centre (c * pitch, r * pitch)).  They
share the supplies (VDD, VWR), the clear line, and ONE :class:`IpnetBias` generator
(``XB`` with its own supply VDDB).  Each neuron's inputs (``in<k>_<m>``), output (``out<k>``)
and thermal node (``th<k>``: its junction's temperature rise above ambient, V = K) are its
own.  Neighbours' thermal nodes are joined by resistors in K/W: a conductance network.

Thermal coupling model (parameters and sources: ``circuits/thermal_stack_28nm.toml``)
-----------------------------------------------------------------------------------
* Each junction keeps its own rth || cth to ambient (inside the MTJ model, from the device
  file): the heated junction's own rise is the calibrated one.
* Between pillars, heat spreads laterally in a layer (the MTJ level with its metal,
  thickness ``t_layer``) that loses it vertically through the stack below (``t_below``,
  ``k_vert``) to the substrate at ambient.  The layer's lateral conductivity is a
  dielectric/metal composite (metal area fraction ``f``): the mean of its two Wiener
  bounds, k_lat = (k_par + k_ser) / 2 with k_par = f k_metal + (1 - f) k_ild and
  1 / k_ser = f / k_metal + (1 - f) / k_ild (lines along and across the heat flow).
* A heat source in such a lossy sheet raises it as K0(r / lambda) (modified Bessel function
  of the second kind), with the healing length lambda = sqrt(k_lat t_layer t_below / k_vert)
  (:func:`healing_length_m`).  A neighbour at centre distance d therefore sees the fraction
  c(d) = K0(d / lambda) / K0(a / lambda) of the rise at the heated pillar's edge (a = pillar
  radius) (:func:`coupling_fraction`): 1 at d = a, falling with distance, exponentially
  beyond lambda.
* The network: one resistor R(d) = 1 / G(d) between the thermal nodes of every pair within
  the cutoff (:func:`coupling_conductance_w_per_k`), with G chosen so that an isolated pair
  reproduces c(d) exactly: heating junction i (rth to ambient) with junction j silent gives
  T_j / T_i = rth G / (1 + rth G) = c(d), i.e. G = c / (rth (1 - c)).  The network is
  reciprocal (G_ij = G_ji) and G falls monotonically with d.
* Cutoff: pairs farther apart than ``cutoff_healing_lengths`` x lambda are not coupled (the
  dropped fraction is below 1 % with the default stack); the nearest and the diagonal
  neighbours are always coupled.
* Limits (stated, not modelled): the coupling is quasi-static (the layer's own heat capacity
  is left out), so a neighbour sees heat at once; in the layer heat diffuses over d in about
  d^2 / (4 D) (D = k / (rho c) ~ 1e-5 m^2/s: ~25 ns at 1 um), so within a burst of ~35 ns
  the network is an upper bound of the crosstalk and exact in steady state.  Each coupling
  path ends in a neighbour's rth to ambient, so a neuron in an array loses its heat a little
  faster than one alone (a few % at the layout pitch; reported by the protocols, which
  measure every effect inside the same array).

``ArrayParams(coupling=False)`` builds the same array without a single coupling resistor:
the control of the working-memory protocols.  ``ArrayParams(start=TiledStart(...))`` gives
every neuron one neuron's operating point as ``.nodeset`` cards (a start for large arrays,
whose operating point otherwise takes many Newton iterations; the solution is unchanged).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

from scipy.special import k0

from . import schema
from .array_start import TiledStart
from .bench_circuit import BenchCircuit
from .ipnet_neuron import (
    BIAS_PINS,
    MTJ_LAW_VERSION,
    MTJ_MODEL,
    SIM_OPTIONS,
    IpnetBias,
    IpnetNeuron,
    IpnetParams,
    _header,
)
from .paths import data_file
from .schema import Quantity, unknown_message
from .stimulus import SpikeTrain, Stimulus

THERMAL_STACK_FILE = data_file("circuits", "thermal_stack_28nm.toml")
_K = "W/(m*K)"
STACK_QUANTITIES: dict[str, Quantity] = {
    q.name: q
    for q in (
        Quantity(
            "k_ild",
            _K,
            0.05,
            5.0,
            "dielectric conductivity",
            "porous low-k films 0.1-0.4, SiO2 1.0-1.4, SiN films 1-3 W/(m K)",
        ),
        Quantity(
            "k_metal",
            _K,
            5.0,
            430.0,
            "metal line conductivity",
            "Ta/W/TaN films ~10 up to bulk Cu 401 and Ag 429 W/(m K)",
        ),
        Quantity(
            "metal_density",
            "",
            0.0,
            0.9,
            "metal area fraction of the layer",
            "BEOL density rules keep a level within 20-80 % metal",
        ),
        Quantity(
            "t_layer",
            "m",
            10e-9,
            2e-6,
            "thickness of the spreading layer",
            "one BEOL level, thin local to thick global metal",
        ),
        Quantity(
            "t_below",
            "m",
            100e-9,
            20e-6,
            "stack thickness down to the substrate",
            "a whole BEOL is at most about 15 um thick",
        ),
        Quantity(
            "k_vert",
            _K,
            0.05,
            50.0,
            "vertical conductivity of the stack below",
            "from all-dielectric (low-k) to via-dense stacks",
        ),
        Quantity(
            "pillar_diameter",
            "m",
            5e-9,
            500e-9,
            "MTJ pillar diameter",
            "STT pMTJs from 8 nm (imec, IEDM 2016) to a few 100 nm",
        ),
        Quantity(
            "cutoff_healing_lengths",
            "",
            1.0,
            10.0,
            "coupling cutoff in healing lengths",
            "K0 falls below 1e-4 of its edge value beyond 10 healing lengths",
        ),
        Quantity(
            "min_pitch",
            "m",
            10e-9,
            10e-6,
            "smallest pitch allowed",
            "from a dense MTJ array to a sparse neuron array",
        ),
    )
}
"""Unit and physical range of every thermal-stack value (with the reason of the range)."""
_STACK_KEYS = tuple(STACK_QUANTITIES)

DEFAULT_PITCH_M = 2.1e-6
"""Neuron pitch [m] of a dense array: sqrt(4.55 um^2), the IPNet neuron's layout-area
estimate (README results table, docs/ipnet_neuron.md; the MTJ sits above its own neuron's
transistors, so the junctions are one neuron pitch apart).  An estimate."""
MAX_NEURONS = 1024


@dataclass(frozen=True)
class ThermalStack:
    """The lateral spreading layer around the MTJ level (SI units).

    k_ild_w_per_mk, k_metal_w_per_mk: conductivities of the dielectric and of the metal
    lines [W/(m K)]; metal_density: metal area fraction of the layer [1];
    t_layer_m: layer thickness [m]; t_below_m, k_vert_w_per_mk: thickness [m] and vertical
    conductivity [W/(m K)] of the stack between the layer and the substrate (heat sink);
    pillar_diameter_m: MTJ pillar diameter [m]; cutoff_healing_lengths: pairs farther than
    this many healing lengths are not coupled [1]; min_pitch_m: the smallest pitch allowed [m].
    """

    k_ild_w_per_mk: float = 1.0
    k_metal_w_per_mk: float = 163.0
    metal_density: float = 0.3
    t_layer_m: float = 100e-9
    t_below_m: float = 1.0e-6
    k_vert_w_per_mk: float = 1.5
    pillar_diameter_m: float = 40e-9
    cutoff_healing_lengths: float = 3.0
    min_pitch_m: float = 100e-9
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self):
        for name in (
            "k_ild_w_per_mk",
            "k_metal_w_per_mk",
            "t_layer_m",
            "t_below_m",
            "k_vert_w_per_mk",
            "pillar_diameter_m",
            "cutoff_healing_lengths",
            "min_pitch_m",
        ):
            v = getattr(self, name)
            if not _finite_positive(v):
                raise ValueError(f"thermal stack: {name}={v!r}; allowed a finite number > 0")
        if not (_finite(self.metal_density) and 0 <= self.metal_density < 1):
            raise ValueError(
                f"thermal stack: metal_density={self.metal_density!r}; allowed 0 <= f < 1"
            )
        if self.min_pitch_m <= self.pillar_diameter_m:
            raise ValueError(
                f"thermal stack: min_pitch_m={self.min_pitch_m!r} m must exceed the pillar "
                f"diameter {self.pillar_diameter_m!r} m (pillars would overlap)"
            )

    @property
    def k_lateral_w_per_mk(self) -> float:
        """Effective lateral conductivity of the layer [W/(m K)]: mean of the Wiener bounds."""
        f, km, kd = self.metal_density, self.k_metal_w_per_mk, self.k_ild_w_per_mk
        k_par = f * km + (1 - f) * kd
        k_ser = 1.0 / (f / km + (1 - f) / kd)
        return 0.5 * (k_par + k_ser)


def load_thermal_stack(path: Path | str = THERMAL_STACK_FILE) -> ThermalStack:
    """Read a thermal-stack file (``[params.<key>]`` with value, unit, source, note); each
    value in its unit (converted when written in another of the same dimension) and within
    its physical range (:data:`STACK_QUANTITIES`); every error names file, key and value."""
    what = "thermal stack file"
    path = Path(path)
    data = schema.read_toml(path, what)
    table = data.get("params")
    if not isinstance(table, dict):
        raise ValueError(f"{what} {path}: needs a [params.<key>] table per value")
    unknown = sorted(set(table) - set(_STACK_KEYS))
    if unknown:
        raise ValueError(f"{what} {path}: " + unknown_message("key", unknown, _STACK_KEYS))
    missing = [k for k in _STACK_KEYS if k not in table]
    if missing:
        raise ValueError(f"{what} {path}: missing keys {', '.join(missing)}")
    values, sources = {}, {}
    for key in _STACK_KEYS:
        where = f"{what} {path}: [params.{key}]"
        raw, unit, entry = schema.read_entry(where, table[key], allow_provenance=False)
        if not entry.source:
            raise ValueError(f"{where} has no 'source'")
        values[key] = schema.to_declared_unit(raw, unit, STACK_QUANTITIES[key], where)
        sources[key] = entry.source
    schema.check_ranges(path, what, values, STACK_QUANTITIES)
    return ThermalStack(
        k_ild_w_per_mk=values["k_ild"],
        k_metal_w_per_mk=values["k_metal"],
        metal_density=values["metal_density"],
        t_layer_m=values["t_layer"],
        t_below_m=values["t_below"],
        k_vert_w_per_mk=values["k_vert"],
        pillar_diameter_m=values["pillar_diameter"],
        cutoff_healing_lengths=values["cutoff_healing_lengths"],
        min_pitch_m=values["min_pitch"],
        sources=sources,
    )


# ----------------------------------------------------------------------------- physics
def healing_length_m(stack: ThermalStack) -> float:
    """Thermal healing length of the lossy spreading layer [m]:
    lambda = sqrt(k_lat t_layer t_below / k_vert)."""
    return math.sqrt(
        stack.k_lateral_w_per_mk * stack.t_layer_m * stack.t_below_m / stack.k_vert_w_per_mk
    )


def coupling_fraction(distance_m: float, stack: ThermalStack) -> float:
    """Fraction of a heated pillar's rise that a silent pillar ``distance_m`` away sees, in
    the sheet model: K0(d / lambda) / K0(a / lambda) [1]; 1 at the pillar edge d = a."""
    a = stack.pillar_diameter_m / 2
    if not (_finite(distance_m) and distance_m >= a):
        raise ValueError(
            f"coupling_fraction: distance_m={distance_m!r} m; allowed >= the pillar radius {a:g} m"
        )
    lam = healing_length_m(stack)
    return float(k0(distance_m / lam) / k0(a / lam))


def coupling_conductance_w_per_k(
    distance_m: float, rth_k_per_w: float, stack: ThermalStack
) -> float:
    """Conductance [W/K] of the resistor between two thermal nodes ``distance_m`` apart,
    each with ``rth_k_per_w`` to ambient, such that the isolated pair reproduces
    :func:`coupling_fraction`: G = c / (rth (1 - c))."""
    if not _finite_positive(rth_k_per_w):
        raise ValueError(f"coupling_conductance: rth={rth_k_per_w!r} K/W; allowed > 0")
    c = coupling_fraction(distance_m, stack)
    if c >= 1.0:
        raise ValueError(
            f"coupling_conductance: distance_m={distance_m!r} m is at the pillar edge "
            "(coupling fraction 1); allowed > the pillar radius"
        )
    return c / (rth_k_per_w * (1.0 - c))


def cutoff_m(pitch_m: float, stack: ThermalStack) -> float:
    """The largest coupled centre distance [m]: cutoff_healing_lengths x lambda, and at
    least the diagonal neighbour's sqrt(2) x pitch."""
    return max(stack.cutoff_healing_lengths * healing_length_m(stack), math.sqrt(2) * pitch_m)


def pair_transfer_exact(g_w_per_k: float, rth_k_per_w: float) -> float:
    """The hand-computed divider: heated node i and silent node j, each with rth to
    ambient, joined by G: T_j / T_i = rth G / (1 + rth G)."""
    return rth_k_per_w * g_w_per_k / (1.0 + rth_k_per_w * g_w_per_k)


# ----------------------------------------------------------------------------- params
Train = SpikeTrain | Stimulus


@dataclass(frozen=True)
class ArrayParams:
    """An R x C IPNet array (SI units).

    neuron: the neuron design shared by every instance (supplies, sizes, device, inputs
    per neuron ``neuron.n_inputs``, default weights); rows, cols: array shape;
    pitch_m: centre-to-centre distance of neighbouring junctions along a row or column [m];
    inputs: per neuron (row major, rows * cols entries) a tuple of ``neuron.n_inputs`` input
    trains, or None for a silent neuron (None: every neuron silent);
    weights: per neuron its synapse weights (units of the unit current; None entries or
    None: the neuron's own); clear: global clear pulses on the shared ``clr`` line (None:
    held at 0 V, self-timed neurons); coupling: False leaves out every coupling resistor
    (the control); stack: the thermal stack (default: ``thermal_stack_28nm.toml``);
    start: one neuron's rest state tiled onto every neuron as ``.nodeset`` (None: only
    each neuron's latch is set, q = 0).
    """

    neuron: IpnetParams = field(default_factory=IpnetParams)
    rows: int = 1
    cols: int = 1
    pitch_m: float = DEFAULT_PITCH_M
    inputs: tuple[tuple[Train, ...] | None, ...] | None = None
    weights: tuple[tuple[float, ...] | None, ...] | None = None
    clear: SpikeTrain | None = None
    coupling: bool = True
    stack: ThermalStack = field(default_factory=load_thermal_stack)
    start: TiledStart | None = None

    def __post_init__(self):
        if not (self.start is None or isinstance(self.start, TiledStart)):
            raise ValueError(f"IPNet array: start={self.start!r}; allowed a TiledStart or None")
        for name in ("rows", "cols"):
            v = getattr(self, name)
            if not (isinstance(v, int) and not isinstance(v, bool) and v >= 1):
                raise ValueError(f"IPNet array: {name}={v!r}; allowed an integer >= 1")
        if self.n > MAX_NEURONS:
            raise ValueError(
                f"IPNet array: rows x cols = {self.n} neurons; allowed at most {MAX_NEURONS}"
            )
        if not (_finite(self.pitch_m) and self.stack.min_pitch_m <= self.pitch_m <= 1e-3):
            raise ValueError(
                f"IPNet array: pitch_m={self.pitch_m!r} m; allowed "
                f"{self.stack.min_pitch_m:g} m (the stack's min_pitch) .. 1e-3 m"
            )
        if not isinstance(self.coupling, bool):
            raise ValueError(f"IPNet array: coupling={self.coupling!r}; allowed True or False")
        for name in ("inputs", "weights"):
            per = getattr(self, name)
            if per is None:
                continue
            per = tuple(None if x is None else tuple(x) for x in per)
            object.__setattr__(self, name, per)
            if len(per) != self.n:
                raise ValueError(
                    f"IPNet array: {name} has {len(per)} entries for {self.rows} x {self.cols} "
                    f"= {self.n} neurons; give one per neuron (None for the default)"
                )
        for k, trains in enumerate(self.inputs or (), start=1):
            if trains is not None and len(trains) != self.neuron.n_inputs:
                raise ValueError(
                    f"IPNet array: inputs[{k - 1}] has {len(trains)} trains for "
                    f"n_inputs={self.neuron.n_inputs}; give one per input"
                )
        for w in self.weights or ():
            if w is not None:
                replace(self.neuron, input_weights=w)  # validates, naming the bad weight

    @property
    def n(self) -> int:
        return self.rows * self.cols

    def position_m(self, k: int) -> tuple[float, float]:
        """Centre (x, y) [m] of neuron ``k`` (0-based, row major)."""
        r, c = divmod(k, self.cols)
        return (c * self.pitch_m, r * self.pitch_m)

    def neuron_params(self, k: int) -> IpnetParams:
        """The design of neuron ``k`` (0-based): the shared one with its own weights."""
        w = self.weights[k] if self.weights is not None else None
        return self.neuron if w is None else replace(self.neuron, input_weights=w)


@dataclass(frozen=True)
class CouplingResistor:
    """One coupling resistor: neurons i < j (0-based), distance [m], conductance [W/K]."""

    i: int
    j: int
    distance_m: float
    conductance_w_per_k: float

    @property
    def resistance_k_per_w(self) -> float:
        return 1.0 / self.conductance_w_per_k


def coupling_network(p: ArrayParams) -> list[CouplingResistor]:
    """Every coupling resistor of the array (empty when ``p.coupling`` is False)."""
    if not p.coupling:
        return []
    rth = p.neuron.mtj().rth
    reach = cutoff_m(p.pitch_m, p.stack) * (1 + 1e-9)
    out = []
    for i in range(p.n):
        xi, yi = p.position_m(i)
        for j in range(i + 1, p.n):
            xj, yj = p.position_m(j)
            d = math.hypot(xj - xi, yj - yi)
            if d <= reach:
                out.append(CouplingResistor(i, j, d, coupling_conductance_w_per_k(d, rth, p.stack)))
    return out


# ----------------------------------------------------------------------------- netlist
def neuron_pins(k: int, n_inputs: int) -> list[str]:
    """Top-level nodes of neuron ``k`` (1-based) in the order of ``IpnetNeuron.pins``."""
    return [
        *(f"in{k}_{m + 1}" for m in range(n_inputs)),
        "clr",
        f"out{k}",
        "vdd",
        "vwr",
        *BIAS_PINS,
        f"th{k}",
    ]


def build_ipnet_array(p: ArrayParams, title: str | None = None):
    """The array as a PySpice circuit: ``X1..XN``, one bias generator ``XB``, sources VDD,
    VDDB (the generator's), VWR, VCLR and one ``VIN<k>_<m>`` per neuron input, coupling
    resistors ``RC<i>_<j>`` [K/W] between ``th<i>`` and ``th<j>`` (1-based)."""
    nrn = p.neuron
    mtj = nrn.mtj()
    net = coupling_network(p)
    lam = healing_length_m(p.stack)
    coupling = f"* array: {p.rows} x {p.cols}, pitch {p.pitch_m:.4g} m, thermal coupling " + (
        f"{len(net)} resistors (healing length {lam:.4g} m, cutoff {cutoff_m(p.pitch_m, p.stack):.4g} m)"
        if p.coupling
        else "OFF (control)"
    )
    c = BenchCircuit(
        title or f"IPNet array {p.rows} x {p.cols}, pitch {p.pitch_m * 1e6:.3g} um",
        header=[*_header(nrn, mtj), coupling],
        includes=[nrn.tech.include_line()],
        sim_options=SIM_OPTIONS,
    )
    c.raw_spice += mtj.model_line(MTJ_MODEL, state0=1, version=MTJ_LAW_VERSION) + "\n"
    c.subcircuit(IpnetBias(nrn))
    variants: dict[tuple[float, ...], str] = {nrn.weights(): IpnetNeuron.NAME}
    c.subcircuit(IpnetNeuron(nrn))
    c.X("B", IpnetBias.NAME, "vddb", *BIAS_PINS)
    for k in range(1, p.n + 1):
        kp = p.neuron_params(k - 1)
        w = kp.weights()
        if w not in variants:  # a neuron with other weights: its own subcircuit
            name = f"{IpnetNeuron.NAME}_v{len(variants)}"
            variants[w] = name
            c.subcircuit(type("IpnetNeuronVariant", (IpnetNeuron,), {"NAME": name})(kp))
        c.X(str(k), variants[w], *neuron_pins(k, nrn.n_inputs))
        if p.start is None:
            c.raw_spice += f".nodeset v(x{k}.q)=0 v(x{k}.qb)={nrn.vdd_v:g}\n"
    if p.start is not None:
        c.raw_spice += "".join(line + "\n" for line in p.start.nodeset_lines(p.n))
    c.V("DD", "vdd", c.gnd, nrn.vdd_v)
    c.V("DDB", "vddb", c.gnd, nrn.vdd_v)
    c.V("WR", "vwr", c.gnd, nrn.vwr_v)
    c.V("CLR", "clr", c.gnd, p.clear.pwl() if p.clear is not None else 0)
    for k in range(1, p.n + 1):
        trains = p.inputs[k - 1] if p.inputs is not None else None
        for m in range(nrn.n_inputs):
            value = trains[m].pwl() if trains is not None and trains[m].count else 0
            c.V(f"IN{k}_{m + 1}", f"in{k}_{m + 1}", c.gnd, value)
    for r in net:
        c.raw_spice += f"RC{r.i + 1}_{r.j + 1} th{r.i + 1} th{r.j + 1} {r.resistance_k_per_w:.6g}\n"
    return c


def array_sources(p: ArrayParams) -> dict[str, tuple[str, str]]:
    """{source: (node, role)} of :func:`build_ipnet_array`, for energy accounting."""
    src = {
        "VDD": ("vdd", "logic"),
        "VDDB": ("vddb", "bias_generator"),
        "VWR": ("vwr", "write"),
        "VCLR": ("clr", "clock"),
    }
    for k in range(1, p.n + 1):
        for m in range(1, p.neuron.n_inputs + 1):
            src[f"VIN{k}_{m}"] = (f"in{k}_{m}", "input")
    return src


def array_scenario(
    rows: int = 4,
    cols: int = 4,
    pitch_m: float = DEFAULT_PITCH_M,
    neuron: IpnetParams | None = None,
    stop_s: float = 50e-9,
    name: str | None = None,
):
    """The standard array testbench (``make netlists``): a checkerboard of driven neurons
    (a regular 0.5 GHz train of 1 ns input spikes, weight 1) beside silent ones, so that
    the silent neurons' ``th`` shows the crosstalk of their driven neighbours."""
    from .scenarios import IPNET_INPUT_RATE_HZ, IPNET_SPIKE_WIDTH_S, Scenario
    from .stimulus import regular

    neuron = neuron or IpnetParams()
    count = int((stop_s - 10e-9) * IPNET_INPUT_RATE_HZ)
    train = regular(IPNET_INPUT_RATE_HZ, count, neuron.vdd_v, IPNET_SPIKE_WIDTH_S, start_s=0.5e-9)
    inputs = tuple(
        (train,) if (k // cols + k % cols) % 2 == 0 else None for k in range(rows * cols)
    )
    p = ArrayParams(neuron, rows, cols, pitch_m, inputs=inputs)
    return Scenario(
        name or f"ipnet_array_{rows}x{cols}",
        build_ipnet_array(p),
        10e-12,
        stop_s,
        20e-12,
        array_sources(p),
        ("mtj",),
        output_node="out1",
        description=f"checkerboard: {train.label} into the neurons with (row + col) even, "
        f"the others silent; pitch {pitch_m * 1e6:.3g} um",
        input_events=train.count * sum(x is not None for x in inputs),
        mtj=neuron.mtj(),
        shared_instances=("XB",),
    )


def _finite(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _finite_positive(v) -> bool:
    return _finite(v) and v > 0


__all__ = [
    "ArrayParams",
    "CouplingResistor",
    "DEFAULT_PITCH_M",
    "THERMAL_STACK_FILE",
    "ThermalStack",
    "TiledStart",
    "array_scenario",
    "array_sources",
    "build_ipnet_array",
    "coupling_conductance_w_per_k",
    "coupling_fraction",
    "coupling_network",
    "cutoff_m",
    "healing_length_m",
    "load_thermal_stack",
    "neuron_pins",
    "pair_transfer_exact",
]
