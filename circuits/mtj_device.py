"""MTJ parameter sets: measured device data files -> typed parameters -> a ``.model`` line.

A device file (``models/devices/<name>.toml``) holds each parameter of the Verilog-A
``mtj`` model as ``[params.<key>]`` with ``value`` (SI), ``unit``, ``source`` and ``note``.
This module reads it into :class:`MtjParams`, checks every value against the model's
allowed range before any simulation starts, and writes the ngspice ``.model`` card.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEVICES_DIR = REPO_ROOT / "models" / "devices"
DEFAULT_DEVICE = DEVICES_DIR / "ikeda2010_pmtj_40nm.toml"


@dataclass(frozen=True)
class MtjParams:
    """Parameters of the ``mtj`` Verilog-A model, SI units, values at ``tnom``.

    rp: parallel resistance at zero bias [ohm]; tmr0: TMR ratio at zero bias (1.5 = 150 %);
    vh: bias halving the TMR [V]; asp: spin-polarisation Bloch coefficient [K^-1.5];
    rth: thermal resistance to ambient [K/W]; cth: thermal capacitance [J/K];
    ic0: critical switching current [A]; delta0: thermal stability factor;
    tau0: attempt time [s]; taup: precessional time unit [s]; tc: Curie temperature [K];
    kexp: anisotropy exponent K ~ Ms^kexp; tnom: temperature of these values [K].
    """

    rp: float
    tmr0: float
    vh: float
    rth: float
    cth: float
    ic0: float
    delta0: float
    tau0: float = 1e-9
    taup: float = 1e-9
    tc: float = 1120.0
    kexp: float = 2.0
    asp: float = 2e-5
    tnom: float = 300.0

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"MTJ parameter {f.name}={value!r} must be a finite number")
            lo, lo_open, hi, hi_open = _RANGES[f.name]
            bad_lo = value <= lo if lo_open else value < lo
            bad_hi = value >= hi if hi_open else value > hi
            if bad_lo or bad_hi:
                allowed = f"{'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
                raise ValueError(
                    f"MTJ parameter {f.name}={value!r} is out of range; allowed {allowed} "
                    f"{_UNITS[f.name]}".rstrip()
                )
        if self.tc <= self.tnom:
            raise ValueError(
                f"MTJ parameter tc={self.tc!r} K must exceed tnom={self.tnom!r} K "
                "(the free layer must be ferromagnetic at its nominal temperature)"
            )

    @property
    def tau_th_s(self) -> float:
        """Thermal time constant rth*cth [s]."""
        return self.rth * self.cth

    @property
    def rap(self) -> float:
        """Antiparallel resistance at zero bias and tnom [ohm]."""
        return self.rp * (1.0 + self.tmr0)

    def with_(self, **changes) -> MtjParams:
        """A copy with some parameters changed (validated)."""
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


_INF = math.inf
# name: (low, low is open, high, high is open) -- the same ranges as mtj_parameters.vams
_RANGES = {
    "rp": (0, True, _INF, True),
    "tmr0": (0, False, _INF, True),
    "vh": (0, True, _INF, True),
    "rth": (0, True, _INF, True),
    "cth": (0, False, _INF, True),
    "ic0": (0, True, _INF, True),
    "delta0": (0, True, _INF, True),
    "tau0": (0, True, _INF, True),
    "taup": (0, True, _INF, True),
    "tc": (0, True, _INF, True),
    "kexp": (0, False, 10, False),
    "asp": (0, False, _INF, True),
    "tnom": (0, True, _INF, True),
}
_UNITS = {
    "rp": "ohm", "tmr0": "", "vh": "V", "rth": "K/W", "cth": "J/K", "ic0": "A", "delta0": "",
    "tau0": "s", "taup": "s", "tc": "K", "kexp": "", "asp": "K^-1.5", "tnom": "K",
}


@dataclass(frozen=True)
class MtjDevice:
    """A measured device: its parameters and where each came from."""

    name: str
    description: str
    params: MtjParams
    sources: dict[str, str]
    path: Path


def load_device(path: Path | str = DEFAULT_DEVICE) -> MtjDevice:
    """Read a device file; raises ValueError naming a missing or bad parameter."""
    path = Path(path)
    if not path.exists():
        available = ", ".join(sorted(p.name for p in DEVICES_DIR.glob("*.toml")))
        raise FileNotFoundError(f"MTJ device file {path} does not exist; available: {available}")
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    table = data.get("params", {})
    names = [f.name for f in fields(MtjParams)]
    missing = [n for n in names if n not in table and _is_required(n)]
    if missing:
        raise ValueError(f"MTJ device file {path} lacks parameters: {', '.join(missing)}")
    values = {}
    for n in names:
        if n in table:
            entry = table[n]
            if "value" not in entry:
                raise ValueError(f"MTJ device file {path}: [params.{n}] has no 'value'")
            values[n] = float(entry["value"])
    params = MtjParams(**values)
    sources = {k: str(v.get("source", "")) for k, v in table.items()}
    return MtjDevice(
        name=str(data.get("name", path.stem)),
        description=str(data.get("description", "")),
        params=params,
        sources=sources,
        path=path,
    )


def _is_required(name: str) -> bool:
    f = next(f for f in fields(MtjParams) if f.name == name)
    return f.default is f.default_factory  # both MISSING for a field without default
