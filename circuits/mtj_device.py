"""MTJ parameter sets: measured device data files -> typed parameters -> a ``.model`` line.

A device file (``models/devices/<name>.toml``) holds each parameter of the Verilog-A
``mtj`` model as ``[params.<key>]`` with ``value`` (SI), ``unit``, ``source`` and ``note``;
entries that document the device but are not model parameters (its diameter, RA, damping)
carry ``provenance_only = true``.  This module reads a file into :class:`MtjParams` and
refuses, before any simulation, anything the model would not accept or no junction could
have: an unknown key (with the nearest known one), a value that is not a number (``true``
is not 1 ohm), a unit of another dimension than the declaration's (one of the same
dimension is converted), a value outside its physical range, values that contradict each
other (rp against ra and diameter, tc against tnom, rth*cth).  Names, units, defaults and
declared ranges come from ``models/verilog_a/mtj_parameters.vams`` through
:mod:`circuits.mtj_model_spec`; physical ranges and rules from :mod:`circuits.device_schema`.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from . import device_schema, schema
from . import mtj_model_spec as spec
from .device_schema import MODEL_ONLY
from .paths import DEVICES_DIR, model_file
from .schema import unknown_message

DEFAULT_DEVICE = model_file("devices", "ikeda2010_pmtj_40nm.toml")


def _default(name: str):
    return field(default=spec.parameters()[name].default)


@dataclass(frozen=True)
class MtjParams:
    """Parameters of the ``mtj`` Verilog-A model, SI units, values at ``tnom``.

    rp: parallel resistance at zero bias [ohm]; tmr0: TMR ratio at zero bias (1.5 = 150 %);
    vh: bias halving the TMR [V]; rth: thermal resistance of the pillar [K/W];
    cth: thermal capacitance of the junction node [J/K]; rth2, cth2: the slow pole of the
    electrodes and BEOL (rth2 = 0: a single pole) [K/W, J/K]; ic0: critical switching
    current [A]; delta0: thermal stability factor; bexp: barrier exponent (2 macrospin,
    1 linear device-fit form); tau0: attempt time of the linear form [s]; taup: macrospin
    time unit [s]; tc: Curie temperature [K]; kexp: anisotropy exponent K ~ Ms^kexp;
    asp: spin-polarisation Bloch coefficient [K^-1.5]; tnom: temperature of these values
    [K]; ismooth: legacy law (version 2) only; tflip: transit time of a reversal [s].  Defaults and ranges: mtj_parameters.vams.
    """

    rp: float
    tmr0: float
    vh: float
    rth: float
    cth: float
    ic0: float
    delta0: float
    rth2: float = _default("rth2")
    cth2: float = _default("cth2")
    bexp: float = _default("bexp")
    tau0: float = _default("tau0")
    taup: float = _default("taup")
    tc: float = _default("tc")
    kexp: float = _default("kexp")
    asp: float = _default("asp")
    tnom: float = _default("tnom")
    ismooth: float = _default("ismooth")
    tflip: float = _default("tflip")

    def __post_init__(self):
        ranges = spec.parameters()
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(
                    f"MTJ parameter {f.name}={value!r} must be a number "
                    f"({ranges[f.name].units or 'dimensionless'})"
                )
            if not ranges[f.name].contains(float(value)):
                raise ValueError(
                    f"MTJ parameter {f.name}={value!r} is out of range; "
                    f"allowed {ranges[f.name].allowed()}"
                )
        if self.tc <= self.tnom:
            raise ValueError(
                f"MTJ parameter tc={self.tc!r} K must exceed tnom={self.tnom!r} K "
                "(the free layer must be ferromagnetic at its nominal temperature)"
            )

    @property
    def tau_th_s(self) -> float:
        """Time constant of the pillar's own pole rth*cth [s]."""
        return self.rth * self.cth

    @property
    def tau_th2_s(self) -> float:
        """Time constant of the slow pole rth2*cth2 [s] (0 for a single pole)."""
        return self.rth2 * self.cth2

    @property
    def rth_total(self) -> float:
        """Steady-state thermal resistance junction to ambient, rth + rth2 [K/W]."""
        return self.rth + self.rth2

    @property
    def rap(self) -> float:
        """Antiparallel resistance at zero bias and tnom [ohm]."""
        return self.rp * (1.0 + self.tmr0)

    def with_(self, **changes) -> MtjParams:
        """A copy with some parameters changed (validated; unknown names refused)."""
        unknown = sorted(set(changes) - set(parameter_names()))
        if unknown:
            raise ValueError(unknown_message("MTJ parameter", unknown, parameter_names()))
        return replace(self, **changes)

    def model_line(
        self, name: str = "mtj_dev", state0: int = 1, module: str = "mtj", **model_extra
    ) -> str:
        """The ngspice ``.model`` card of this device for the OSDI ``mtj`` model.

        ``module`` names another Verilog-A module that takes the same parameters (e.g.
        ``"mtj_stoch"``); ``model_extra`` adds or overrides parameters.
        """
        if state0 not in (1, -1):
            raise ValueError(f"state0={state0!r}; allowed +1 (parallel) or -1 (antiparallel)")
        values = {**asdict(self), "state0": state0, **model_extra}
        body = " ".join(f"{k}={v:.8g}" for k, v in values.items())
        return f".model {name} {module} {body}"


def parameter_names() -> tuple[str, ...]:
    """The device parameters MtjParams carries (the model's, less version and state0)."""
    return tuple(f.name for f in fields(MtjParams))


@dataclass(frozen=True)
class MtjDevice:
    """A measured device: its parameters and where each came from."""

    name: str
    description: str
    params: MtjParams
    sources: dict[str, str]
    path: Path
    provenance: dict[str, float] = field(default_factory=dict)
    """Documentation-only values with a known meaning (diameter, ra, alpha), SI."""


_TOP_KEYS = ("name", "description", "params")
WHAT = "MTJ device file"


def load_device(path: Path | str = DEFAULT_DEVICE) -> MtjDevice:
    """Read and validate a device file; every error is one line naming the file and the key.

    Structure, units and physical ranges: :mod:`circuits.device_schema`; a value written
    in another unit of the same dimension is converted (7.958 kOhm -> 7958 ohm).  The
    macrospin relation between alpha, ic0 and delta0 is checked as a warning
    (:class:`DeviceWarning`); every other rule is an error.

    An unchanged file (same path, size and modification time) is read once per process:
    a report builds its neuron a few hundred times (``IpnetParams.nominal_mtj``)."""
    path = Path(path)
    try:
        st = path.stat()
    except OSError:
        return _read_device(path)  # the missing file's error, with the available ones
    return _read_device_once(path, st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=64)
def _read_device_once(path: Path, mtime_ns: int, size: int) -> MtjDevice:
    return _read_device(path)


def _read_device(path: Path) -> MtjDevice:
    try:
        data = schema.read_toml(path, WHAT)
    except FileNotFoundError:
        available = ", ".join(sorted(p.name for p in DEVICES_DIR.glob("*.toml")))
        raise FileNotFoundError(f"{WHAT} {path} does not exist; available: {available}") from None
    extra = sorted(set(data) - set(_TOP_KEYS))
    if extra:
        raise ValueError(f"{WHAT} {path}: " + unknown_message("top-level key", extra, _TOP_KEYS))
    table = data.get("params", {})
    if not isinstance(table, dict):
        raise ValueError(f"{WHAT} {path}: 'params' must be a table of [params.<key>]")
    quantities = device_schema.model_quantities()
    names = parameter_names()
    values: dict[str, float] = {}
    provenance: dict[str, float] = {}
    sources: dict[str, str] = {}
    unknown = []
    for key, entry in table.items():
        where = f"{WHAT} {path}: [params.{key}]"
        raw, unit, e = schema.read_entry(where, entry, allow_provenance=True)
        sources[key] = e.source
        if e.provenance_only:
            q = device_schema.PROVENANCE.get(key)
            if q is not None:
                provenance[key] = schema.to_declared_unit(raw, unit, q, where)
            continue
        if key in MODEL_ONLY:
            raise ValueError(f"{where}: {key} is set per instance, not in a device file")
        if key not in names:
            unknown.append(key)
            continue
        if not e.source:
            raise ValueError(f"{where} has no 'source' (a DOI or URL for the value)")
        values[key] = schema.to_declared_unit(raw, unit, quantities[key], where)
    if unknown:
        raise ValueError(
            f"{WHAT} {path}: "
            + unknown_message("parameter", sorted(unknown), names)
            + " (mark documentation-only entries with provenance_only = true)"
        )
    required = [f.name for f in fields(MtjParams) if f.default is f.default_factory]
    missing = [n for n in required if n not in values]
    if missing:
        raise ValueError(f"{WHAT} {path} lacks parameters: {', '.join(missing)}")
    schema.check_ranges(path, WHAT, values, quantities)
    schema.check_ranges(path, WHAT, provenance, device_schema.PROVENANCE)
    errors = device_schema.consistency_errors(values, provenance)
    if errors:
        raise ValueError(f"{WHAT} {path}: {errors[0]}")
    note = device_schema.macrospin_check(values, provenance)
    if note is not None:
        warnings.warn(f"{WHAT} {path}: {note}", DeviceWarning, stacklevel=2)
    try:
        params = MtjParams(**values)
    except ValueError as exc:
        raise ValueError(f"{WHAT} {path}: {exc}") from None
    return MtjDevice(
        name=str(data.get("name", path.stem)),
        description=str(data.get("description", "")),
        params=params,
        sources=sources,
        path=path,
        provenance=provenance,
    )


class DeviceWarning(UserWarning):
    """A device file whose values load but disagree with a physical relation."""


# ----------------------------------------------------------------------------- command lines
def add_device_argument(parser, what: str = "of the IPNet neuron") -> None:
    """The ``--device FILE`` option every command shares (default: the Ikeda device)."""
    parser.add_argument(
        "--device",
        type=Path,
        default=None,
        metavar="FILE",
        help=f"MTJ parameter file {what} (default: models/devices/{DEFAULT_DEVICE.name})",
    )


def checked_device_file(path: Path | None) -> Path | None:
    """``path`` after loading it once, so a bad file fails before any simulation; the
    error names the option and the file.  ``None`` (the default device) passes through."""
    if path is None:
        return None
    try:
        load_device(path)
    except (ValueError, KeyError, TypeError, FileNotFoundError) as exc:
        raise ValueError(f"--device {path}: {exc}") from exc
    return path
