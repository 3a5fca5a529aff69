"""``ipnet sweep --design FILE``: the neuron design a sweep simulates, read once where the
command starts and carried to every sample as values (``SweepSpec.neuron``, which each
sample gets as ``sample["neuron"]`` and which is part of the sweep's fingerprint).

Which neuron the spec's samples build decides how the file is read: a spec evaluated by
neuron v4's functions (:data:`V4_EVALUATE`) takes a file that describes neuron v4
(:func:`circuits.neuron_designs.design_kinds`: keys only v4 takes, or keys both neurons
take), carried as :func:`pyspice_flows.metrics.neuron_v4.design_values` and checked on its
device at every temperature x supply of the spec (:func:`circuits.compatibility_v4.
checked_v4_design`); any other spec takes a v2 design file (:func:`circuits.ipnet_design.
design_from_options`), carried as ``NeuronDesign.kwargs``.  The spec's device, when it
names one, replaces the design's.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from circuits.units import SPICE_DEFAULT_K

from .spec import SweepSpec
from .spec_checks import _condition_values

V4_EVALUATE = "pyspice_flows.metrics.neuron_v4"
"""The module prefix of neuron v4's sweep evaluation functions."""


def is_v4_sweep(spec: SweepSpec) -> bool:
    """Whether the spec's samples are neuron v4 (its evaluation function is v4's)."""
    return spec.evaluate.startswith(V4_EVALUATE)


def spec_with_design(spec: SweepSpec, design: Path) -> SweepSpec:
    """``spec`` simulating the design file ``design``, before any sample: the file read and
    validated, the neuron checked on its device; errors are one line naming ``--design``."""
    if not is_v4_sweep(spec):
        from circuits.ipnet_design import design_from_options

        return replace(spec, neuron=design_from_options(design, spec.device_path()).kwargs())
    from circuits.compatibility_v4 import checked_v4_design
    from circuits.neuron_designs import design_kinds, read_v4_design_file
    from pyspice_flows.metrics.neuron_v4 import design_values

    try:
        describes_v4 = design_kinds(design)[1]
        if not describes_v4:
            raise ValueError(
                "describes neuron v2 only (keys only v2 takes); the sweep "
                f"{spec.name!r} simulates neuron v4 ({spec.evaluate}): give a v4 design file "
                "(like circuits/designs/ipnet_v4.toml)"
            )
        d = read_v4_design_file(design).with_device(spec.device_path())
    except (ValueError, FileNotFoundError) as exc:
        raise ValueError(f"--design {design}: {exc}") from None
    temps = _condition_values(spec, "temp_k", SPICE_DEFAULT_K)
    vdds = _condition_values(spec, "vdd_v", d.params.vdd_v)
    try:
        checked_v4_design(d.params, None, temps, vdds)
    except ValueError as exc:
        raise ValueError(f"--design {design}: {exc}") from None
    return replace(spec, neuron=design_values(d.params, device=spec.device is None))
