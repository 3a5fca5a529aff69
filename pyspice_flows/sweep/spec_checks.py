"""Physical checks of a sweep spec, run where it is loaded (before any sample).

- conditions: ``temp_k`` in kelvin within :data:`TEMP_RANGE_K` (values that look like
  Celsius, such as [0, 27, 85], are refused with the kelvin values they probably mean);
  ``vdd_v`` within :data:`VDD_RANGE_V`;
- MTJ parameters: every value a law can give at its centre (mean, median, low/high,
  values) within the device schema's physical range
  (:func:`circuits.device_schema.model_quantities`);
- spreads: a normal law's sigma at most :data:`MAX_REL_SIGMA` of its mean, a lognormal
  sigma at most :data:`MAX_LOG_SIGMA` (device-to-device spreads of MTJs are 2-15 %);
- a normal or lognormal law without a centre for a name that is no device parameter is an
  unknown swept parameter (named with the nearest known one), not a missing 'mean';
- ``evaluate``: a function of the project (a module of its packages, or of its tests),
  not any importable callable.

Each refusal is one line naming the spec, the table, the value and what is allowed.
"""

from __future__ import annotations

import difflib
import importlib.util
import math
from collections.abc import Mapping
from pathlib import Path

from circuits.paths import REPO_ROOT
from circuits.units import SPICE_DEFAULT_K, ZERO_CELSIUS_K
from pyspice_flows.app.commandline import TEMP_RANGE_K  # the same range as --temp

from .spec_schema import ParamTable

CELSIUS_LOOKING_K = 150.0
"""A temperature below this many kelvin in a neuron sweep is almost surely Celsius."""
VDD_RANGE_V = (0.5, 1.2)
"""Supplies of the 28 nm-class neuron [V]: its transistors stop switching reliably below
0.5 V; 1.2 V is past the oxide's reliability limit of a 0.9 V core device."""
MAX_REL_SIGMA = 0.5
"""Largest relative spread of a normal law: beyond it the law draws negative values of
positive quantities in 2 % of samples."""
MAX_LOG_SIGMA = 0.5
"""Largest sigma of ln x of a lognormal law (a factor 1.65 per sigma; measured MTJ
spreads are 0.02-0.15)."""
PROJECT_PACKAGES = ("circuits", "pyspice_flows", "area_energy", "behavioural")
CONDITIONS = ("temp_k", "vdd_v")


def _numbers(entry: Mapping) -> list[tuple[str, float]]:
    """The (label, value) pairs a law is centred on or bounded by."""
    out = []
    for key in ("mean", "median", "low", "high", "value"):
        v = entry.get(key)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append((key, float(v)))
    for k, v in enumerate(entry.get("values", []) or []):
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append((f"values[{k}]", float(v)))
    return out


def check_tables(params: Mapping, device_keys) -> None:
    """The ``[params.<name>]`` tables before they become laws; ValueError on the first
    problem (the caller prefixes the spec's path)."""
    from circuits.device_schema import model_quantities

    quantities = model_quantities()
    known = sorted(set(device_keys) | set(CONDITIONS) | set(quantities))
    for name, entry in params.items():
        if not isinstance(entry, Mapping) or set(entry) - set(ParamTable.model_fields):
            continue  # the spec's schema names what is wrong there
        where = f"sweep spec: [params.{name}]"
        dist = entry.get("dist")
        centre = {"normal": "mean", "lognormal": "median"}.get(dist)
        if centre and centre not in entry and name not in device_keys:
            near = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise ValueError(
                f"{where}: unknown swept parameter {name!r}{hint}: it is no parameter of the "
                f"device file, so dist={dist!r} needs its own {centre!r}"
            )
        _check_spread(where, entry)
        for label, value in _numbers(entry):
            if name == "temp_k":
                _check_temperature(where, label, value, entry)
            elif name == "vdd_v":
                lo, hi = VDD_RANGE_V
                if not lo <= value <= hi:
                    raise ValueError(
                        f"{where}: {label} = {value:g} V is out of range; allowed "
                        f"{lo:g} .. {hi:g} V"
                    )
            elif name in quantities and name in device_keys:
                q = quantities[name]
                if not q.contains(value):
                    raise ValueError(
                        f"{where}: {label} = {value:g} {q.unit} is out of range; allowed "
                        f"{q.allowed()} ({q.reason})".replace("  ", " ")
                    )


def _check_temperature(where: str, label: str, value: float, entry: Mapping) -> None:
    lo, hi = TEMP_RANGE_K
    if lo <= value <= hi:
        return
    hint = ""
    if -60.0 <= value < CELSIUS_LOOKING_K:
        values = [v for _, v in _numbers(entry)]
        kelvin = ", ".join(f"{v + ZERO_CELSIUS_K:g}" for v in values)
        hint = f"; these look like Celsius: in kelvin they are [{kelvin}]"
    raise ValueError(
        f"{where}: {label} = {value:g} K is out of range; allowed {lo:g} .. {hi:g} K "
        f"(temp_k is in kelvin){hint}"
    )


def _check_spread(where: str, entry: Mapping) -> None:
    dist = entry.get("dist")
    sigma, rel = entry.get("sigma"), entry.get("rel_sigma")
    if dist == "lognormal" and _number(sigma) and sigma > MAX_LOG_SIGMA:
        raise ValueError(
            f"{where}: sigma = {sigma:g} is out of range; allowed 0 .. {MAX_LOG_SIGMA:g} "
            "(sigma of ln x; measured MTJ spreads are 0.02-0.15)"
        )
    if dist == "normal":
        mean = entry.get("mean")
        if _number(rel):
            ratio = rel
        elif _number(sigma) and _number(mean) and mean != 0:
            ratio = sigma / abs(mean)
        else:
            return
        if ratio > MAX_REL_SIGMA:
            raise ValueError(
                f"{where}: a spread of {ratio:.3g} x the mean is out of range; allowed "
                f"at most {MAX_REL_SIGMA:g} (beyond it the law draws impossible values)"
            )


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check_evaluate(target: str) -> None:
    """``module:function`` must name a module of the project's packages or of its tests
    folder; checked without importing anything else."""
    module = target.partition(":")[0]
    top = module.split(".")[0]
    if top in PROJECT_PACKAGES:
        return
    try:
        found = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        found = None
    origin = Path(found.origin).resolve() if found is not None and found.origin else None
    if origin is not None and origin.is_relative_to(REPO_ROOT / "tests"):
        return
    raise ValueError(
        f"sweep spec: evaluate = {target!r} is not an evaluation function of the project; "
        f"allowed: a function in {', '.join(PROJECT_PACKAGES)} (e.g. "
        "'pyspice_flows.metrics.neuron:ipnet_sample_metrics') or in the tests folder"
    )


def _condition_values(spec, name: str, default: float) -> list[float]:
    """Every value a condition takes in the spec: a cycle's or choice's values, a fixed
    value, the ends of a uniform law, a normal law's mean +- 3 sigma."""
    for p in spec.params:
        if p.name != name:
            continue
        if p.dist in ("cycle", "choice"):
            return [float(v) for v in p.values]
        if p.dist == "fixed":
            return [float(p.value)]
        if p.dist == "uniform":
            return [float(p.low), float(p.high)]
        if p.dist == "normal":
            s = p.sigma if p.sigma is not None else p.rel_sigma * abs(p.mean)
            return [p.mean - 3 * s, p.mean, p.mean + 3 * s]
        if p.dist == "lognormal":
            return [p.median * math.exp(k * p.sigma) for k in (-3, 0, 3)]
    return [default]


def check_neuron_device(spec) -> None:
    """A spec whose samples build the IPNet neuron from a device file: the nominal device
    in the neuron at every temperature x supply the spec reaches, before any sample
    (:func:`circuits.compatibility.checked_neuron_device`); one line naming the device."""
    if spec.device is None:
        return
    from circuits.compatibility import checked_neuron_device

    temps = _condition_values(spec, "temp_k", SPICE_DEFAULT_K)
    vdds = _condition_values(spec, "vdd_v", 0.9)
    try:
        checked_neuron_device(spec.device_path(), temps, vdds)
    except ValueError as exc:
        raise ValueError(f"sweep {spec.name!r}: {exc}") from None
