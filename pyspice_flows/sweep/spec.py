"""Sweep specs: swept parameters, their laws, and the TOML layout that describes a sweep."""

from __future__ import annotations

import difflib
import json
import math
import tomllib
import zlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from circuits.paths import BUILD_DIR, PACKAGES_ROOT, data_file
from pyspice_flows.sim.cache import content_digest

from . import spec_checks
from .limits import FigureLimits
from .spec_schema import RESERVED_COLUMNS, Law, SpecFile, WindowTable, validated

SPECS_DIR = data_file("pyspice_flows", "sweeps")
DEFAULT_SPEC = data_file("pyspice_flows", "sweeps", "ipnet_default.toml")
DEFAULT_OUT = BUILD_DIR / "sweep"
RESULTS_NAME = "results.csv"
META_NAME = "sweep_meta.json"

MTJ_KEYS = ("rp", "tmr0", "rth", "cth", "rth2", "cth2", "ic0", "delta0")
"""Parameters whose centre (``mean``/``median``) defaults to the spec's device file."""

WINDOW_KEYS = ("fires", "silent")
"""The keys of the ``[window]`` table: the figures holding each sample's lowest firing and
highest silent input; the summary reports per corner the input levels that fire every
sample (at or above the largest ``fires``) and leave every sample silent (at or below the
smallest ``silent``)."""
"""The keys of a ``[limits.<figure>]`` table (see :class:`FigureLimits`)."""


# ----------------------------------------------------------------------------- spec
@dataclass(frozen=True)
class Param:
    """One swept parameter: its name (the key the evaluation function reads) and its law.

    Units are those the evaluation function expects (SI: ohm, K/W, J/K, A, K, V).
    ``source`` says where the spread comes from (a citation or "assumption: ...").
    """

    name: str
    dist: str
    mean: float | None = None
    median: float | None = None
    sigma: float | None = None
    rel_sigma: float | None = None
    low: float | None = None
    high: float | None = None
    values: tuple = ()
    value: object = None
    source: str = ""

    def __post_init__(self):
        """The law checked by :class:`.spec_schema.Law` (its ``dist``'s requirements)."""
        object.__setattr__(self, "values", tuple(self.values))
        fields = {k: getattr(self, k) for k in Law.model_fields if hasattr(self, k)}
        validated(Law, fields | {"values": list(self.values)}, f"sweep parameter {self.name!r}")

    def draw(self, seed: int, index: int) -> object:
        """This parameter's value in sample ``index`` (random kinds only)."""
        rng = np.random.default_rng([seed, index, zlib.crc32(self.name.encode())])
        if self.dist == "normal":
            sigma = self.sigma if self.sigma is not None else self.rel_sigma * abs(self.mean)
            return float(self.mean + sigma * rng.standard_normal())
        if self.dist == "lognormal":
            return float(self.median * math.exp(self.sigma * rng.standard_normal()))
        if self.dist == "uniform":
            return float(rng.uniform(self.low, self.high))
        if self.dist == "choice":
            return plain_scalar(self.values[int(rng.integers(len(self.values)))])
        if self.dist == "fixed":
            return plain_scalar(self.value)
        raise AssertionError(f"{self.dist} is not drawn at random")


@dataclass(frozen=True)
class SweepSpec:
    """A sweep: what to vary, how often, and which function measures a sample.

    name: label of the sweep (progress bar, summary)
    evaluate: ``"module:function"``; the function takes the sample dict and returns a dict
        holding (at least) every name in ``figures``
    samples: number of samples (indices 0 .. samples-1)
    seed: seed of every draw
    params: the swept parameters, in column order
    figures: the measured figures, in column order
    overrides: {index: {name: value}} forced onto single samples after drawing (to
        reproduce a sample, or to plant a bad value on purpose)
    timeout_s: wall-time limit of one sample [s] (None: no limit); a sample still running
        then is recorded as failed and its worker process is ended (worker processes and
        Dask only: a sweep run in this process, ``workers=0``, cannot stop itself)
    device: the MTJ parameter file the neuron of every sample is built from (a path
        relative to the repository root when inside it; None: the evaluation's default).
        It reaches the evaluation function as ``sample["device"]``; it is no CSV column.
    neuron: the neuron's design as values (``circuits.ipnet_design.NeuronDesign.kwargs``,
        from ``--design``; None: the built-in design); reaches the evaluation function as
        ``sample["neuron"]`` and is part of the fingerprint.  ``device`` replaces its device.
    limits: {figure: FigureLimits}, the spec limits of some of the ``figures`` (the
        ``[limits.<figure>]`` tables); they judge the results and are no part of the
        sweep's identity: editing them never forces a re-simulation
    """

    name: str
    evaluate: str
    samples: int
    seed: int
    params: tuple[Param, ...]
    figures: tuple[str, ...]
    overrides: Mapping[int, Mapping[str, object]] = field(default_factory=dict)
    description: str = ""
    timeout_s: float | None = None
    device: str | None = None
    limits: Mapping[str, FigureLimits] = field(default_factory=dict)
    window: Mapping[str, str] | None = None
    neuron: Mapping[str, object] | None = None

    def __post_init__(self):
        if self.device is not None:
            if not isinstance(self.device, (str, Path)) or not str(self.device):
                raise ValueError(f"sweep {self.name!r}: device={self.device!r} must be a file path")
            object.__setattr__(self, "device", _repo_relative(Path(self.device)))
        object.__setattr__(self, "params", tuple(self.params))
        object.__setattr__(self, "figures", tuple(self.figures))
        if not isinstance(self.evaluate, str) or ":" not in self.evaluate:
            raise ValueError(
                f"sweep {self.name!r}: evaluate={self.evaluate!r} must be 'module:function'"
            )
        if isinstance(self.samples, bool) or not isinstance(self.samples, int) or self.samples < 1:
            raise ValueError(
                f"sweep {self.name!r}: samples={self.samples!r} must be an integer >= 1"
            )
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"sweep {self.name!r}: seed={self.seed!r} must be an integer >= 0")
        if not self.figures:
            raise ValueError(
                f"sweep {self.name!r}: 'figures' must name at least one measured figure"
            )
        names = [p.name for p in self.params] + list(self.figures)
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"sweep {self.name!r}: names used twice: {', '.join(dup)}")
        if self.timeout_s is not None and (
            isinstance(self.timeout_s, bool)
            or not isinstance(self.timeout_s, (int, float))
            or not self.timeout_s > 0
        ):
            raise ValueError(
                f"sweep {self.name!r}: timeout_s={self.timeout_s!r} must be a number > 0"
            )
        bad = [f for f in self.figures if not isinstance(f, str) or f in RESERVED_COLUMNS or not f]
        if bad:
            raise ValueError(f"sweep {self.name!r}: bad figure names {bad!r}")
        overrides = {}
        for key, values in dict(self.overrides).items():
            try:
                index = int(key)
            except (TypeError, ValueError):
                raise ValueError(
                    f"sweep {self.name!r}: override key {key!r} is not a sample index"
                ) from None
            unknown = [k for k in values if k not in {p.name for p in self.params}]
            if unknown:
                raise ValueError(
                    f"sweep {self.name!r}: override of sample {index} sets "
                    f"{', '.join(unknown)}, which are not swept parameters"
                )
            overrides[index] = {k: plain_scalar(v) for k, v in values.items()}
        object.__setattr__(self, "overrides", overrides)
        object.__setattr__(self, "limits", self._checked_limits(self.limits))
        object.__setattr__(self, "window", self._checked_window(self.window))

    def _checked_window(self, window: Mapping[str, str] | None) -> dict[str, str] | None:
        """The ``[window]`` table: ``fires`` and ``silent`` name two of ``figures``."""
        if window is None:
            return None
        where = f"sweep {self.name!r}: [window]"
        if not isinstance(window, Mapping):
            raise ValueError(f"{where} must be a table with keys {', '.join(WINDOW_KEYS)}")
        validated(WindowTable, dict(window), where)
        out = {}
        for key in WINDOW_KEYS:
            name = window.get(key)
            if name not in self.figures:
                raise ValueError(
                    f"{where}: {key} = {name!r} must name one of the figures "
                    f"({', '.join(self.figures)})"
                )
            out[key] = name
        return out

    def _checked_limits(self, limits: Mapping[str, FigureLimits]) -> dict[str, FigureLimits]:
        """``limits`` keyed by figure, in the order of ``figures``; ValueError on a figure
        the sweep does not measure, with the closest one it does."""
        out = {}
        for key, lim in dict(limits).items():
            where = f"sweep {self.name!r}: [limits.{key}]"
            if not isinstance(lim, FigureLimits) or lim.figure != key:
                raise ValueError(f"{where} must be a FigureLimits of figure {key!r}, got {lim!r}")
            if key not in self.figures:
                close = difflib.get_close_matches(str(key), self.figures, n=1, cutoff=0.6)
                raise ValueError(
                    f"{where}: {key!r} is not one of the spec's figures"
                    + (f" (did you mean {close[0]!r}?)" if close else "")
                    + f"; figures: {', '.join(self.figures)}"
                )
            out[key] = lim
        return {f: out[f] for f in self.figures if f in out}

    # -- samples ---------------------------------------------------------------------
    def sample(self, index: int) -> dict[str, object]:
        """The parameter values of sample ``index`` (a function of seed and index only)."""
        if not 0 <= index:
            raise ValueError(f"sample index {index!r} must be >= 0")
        out: dict[str, object] = {}
        stride = 1
        for p in self.params:
            if p.dist == "cycle":
                out[p.name] = plain_scalar(p.values[(index // stride) % len(p.values)])
                stride *= len(p.values)
            else:
                out[p.name] = p.draw(self.seed, index)
        out.update(self.overrides.get(index, {}))
        if self.device is not None:
            out["device"] = self.device
        if self.neuron is not None:
            out["neuron"] = dict(self.neuron)
        return out

    def device_path(self) -> Path | None:
        """The device file as a path on this machine (None: the evaluation's default)."""
        if self.device is None:
            return None
        path = Path(self.device)
        return path if path.is_absolute() else PACKAGES_ROOT / path

    def columns(self) -> list[str]:
        """The CSV header."""
        return [
            "index",
            "status",
            *(p.name for p in self.params),
            *self.figures,
            "elapsed_s",
            "worker",
            "error",
        ]

    def with_samples(self, samples: int) -> SweepSpec:
        return replace(self, samples=samples)

    # -- corners -------------------------------------------------------------------------
    def corner_params(self) -> tuple[Param, ...]:
        """The ``cycle`` parameters, whose value combinations are the sweep's corners."""
        return tuple(p for p in self.params if p.dist == "cycle")

    def corners(self) -> list[dict[str, object]]:
        """Every corner (condition) of the full factorial grid, in the order the sample
        index walks it (the first ``cycle`` parameter varies fastest); ``[{}]`` without
        ``cycle`` parameters."""
        grid = self.corner_params()
        count = math.prod(len(p.values) for p in grid)
        out = []
        for k in range(count):
            stride, cond = 1, {}
            for p in grid:
                cond[p.name] = plain_scalar(p.values[(k // stride) % len(p.values)])
                stride *= len(p.values)
            out.append(cond)
        return out

    def fingerprint(self) -> str:
        """The content digest (:func:`~pyspice_flows.sim.cache.content_digest`) of everything
        that decides a sample's values and columns.

        Not ``samples``, ``description``, ``timeout_s``, ``limits`` or ``window``: a sweep
        may grow, get more time per sample or new spec limits, and still resume.
        """
        data = asdict(self)
        for key in ("samples", "description", "timeout_s", "limits", "window"):
            data.pop(key)
        if data["neuron"] is None:  # the built-in design: as before designs existed
            data.pop("neuron")
        data["overrides"] = self.recorded_overrides()
        return content_digest(json.dumps(data, sort_keys=True, default=str))

    def neuron_fingerprint(self) -> str | None:
        """The content digest of the neuron design the samples build (``neuron``, the
        values ``--design`` gave), the same serialization :meth:`fingerprint` hashes; None
        for the built-in design.  Recorded in ``sweep_meta.json`` so that a reader can tell
        which design a sweep simulated."""
        if self.neuron is None:
            return None
        return content_digest(json.dumps(dict(self.neuron), sort_keys=True, default=str))

    def recorded_overrides(self) -> dict[str, dict[str, object]]:
        """``overrides`` as JSON keeps them (sample indices as strings, in index order):
        what :meth:`fingerprint` hashes and ``sweep_meta.json`` records."""
        return {str(k): dict(v) for k, v in sorted(self.overrides.items())}

    # -- construction --------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping, base_dir: Path = PACKAGES_ROOT) -> SweepSpec:
        """A spec from the TOML layout (see ``pyspice_flows/sweeps/ipnet_default.toml``).

        ``device`` (a path relative to the repository root, or to ``base_dir``) supplies the
        centre of an MTJ parameter (rp, tmr0, rth, cth, ic0, delta0) that gives none.
        """
        validated(SpecFile, dict(data), "sweep spec")  # the layout; the values kept as written
        limits = {
            name: FigureLimits(figure=name, **entry)
            for name, entry in dict(data.get("limits", {})).items()
        }
        device = _device_file(data.get("device"), base_dir)
        nominal = _device_nominal(device)
        spec_checks.check_tables(dict(data.get("params", {})), nominal)
        params = []
        for name, entry in dict(data.get("params", {})).items():
            kw = {k: v for k, v in entry.items() if k != "note"}
            if name in nominal:
                if kw["dist"] == "normal":
                    kw.setdefault("mean", nominal[name])
                elif kw["dist"] == "lognormal":
                    kw.setdefault("median", nominal[name])
            params.append(Param(name=name, **kw))
        return cls(
            name=str(data.get("name", "sweep")),
            description=str(data.get("description", "")),
            evaluate=data["evaluate"],
            samples=data["samples"],
            seed=data["seed"],
            params=tuple(params),
            figures=tuple(data["figures"]),
            overrides=dict(data.get("overrides", {})),
            timeout_s=data.get("timeout_s"),
            device=None if device is None else str(device),
            limits=limits,
            window=data.get("window"),
        )


def load_spec(path: Path | str = DEFAULT_SPEC) -> SweepSpec:
    """Read a sweep spec from a TOML file; raises ValueError naming what is wrong."""
    path = Path(path)
    if not path.exists():
        available = ", ".join(sorted(p.name for p in SPECS_DIR.glob("*.toml")))
        raise FileNotFoundError(f"sweep spec {path} does not exist; shipped specs: {available}")
    with path.open("rb") as fh:
        try:
            data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"sweep spec {path}: {exc}") from exc
    try:
        spec = SweepSpec.from_dict(data, base_dir=path.parent)
        spec_checks.check_evaluate(spec.evaluate)
        return spec
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc


def _repo_relative(path: Path) -> str:
    """``path`` relative to the repository root when inside it (the same on every worker's
    checkout), else absolute."""
    full = path if path.is_absolute() else PACKAGES_ROOT / path
    full = full.resolve()
    return str(full.relative_to(PACKAGES_ROOT)) if full.is_relative_to(PACKAGES_ROOT) else str(full)


def _device_file(device: object, base_dir: Path) -> Path | None:
    """The spec's device file (relative to the repository root, or to the spec's folder)."""
    if device is None:
        return None
    path = Path(str(device))
    if not path.is_absolute():
        path = PACKAGES_ROOT / path if (PACKAGES_ROOT / path).exists() else base_dir / path
    if not path.is_file():
        raise ValueError(f"sweep spec: device = {str(device)!r}: no such file ({path})")
    return path.resolve()


def _device_nominal(path: Path | None) -> dict[str, float]:
    from circuits.mtj_device import DEFAULT_DEVICE, load_device

    path = path if path is not None else DEFAULT_DEVICE
    try:
        params = load_device(path).params
    except (ValueError, KeyError, TypeError) as exc:  # TOMLDecodeError is a ValueError
        raise ValueError(f"device file {path}: {exc}") from exc
    return {k: float(getattr(params, k)) for k in MTJ_KEYS}


def plain_scalar(value: object) -> object:
    """A Python scalar (no numpy types, so CSV text is identical everywhere)."""
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    return value
