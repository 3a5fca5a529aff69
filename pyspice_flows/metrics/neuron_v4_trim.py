"""The die-level write-current trim of IPNet neuron v4 and the variation sweep's
evaluation with it (``pyspice_flows/sweeps/ipnet_v4.toml``).

Why: P(fire | rested) is exponential in the barrier Delta (1 - I/Ic0)^2, so the device
spread (Ic0 7 %, Delta 10 %) moves it by 3x either way from die to die (0.027-0.37 in the
untrimmed sweep), while the limits ask 0.05-0.3 and the memory gain falls as it rises.
The bias generator's write reference therefore carries a binary-weighted trim DAC
(``trim_bits`` bits of ``trim_step`` each, :meth:`circuits.ipnet_neuron_v4.IpnetV4Params.
trim_factor`, the design equation of its devices, :mod:`circuits.trim_dac`), whose code
is chosen once per die at test.  :func:`dac_transfer` simulates those devices at every
code and :func:`inl_dnl_lsb` measures their linearity (``tests/test_trim_dac.py``).

The calibration (:func:`calibrate_write_trim`), as a tester runs it at 27 C and the
design's supply: successive approximation, most significant bit first.  For each trial
code it applies :data:`COUNT_INPUTS` single inputs to a rested neuron (one every
:data:`REST_SLOTS` slots, so the previous input's heat has decayed to below 1 % of its
rise) and counts the fires; the bit stays set when the count is at most the target
fraction :data:`TARGET_P_RESTED`.  A last comparison of the chosen code and the next one
keeps the code whose count lies nearer the target.  Here the count of each trial is drawn
from a binomial with the switching law's P(fire | rested) on that die's own circuit drive
(:func:`pyspice_flows.metrics.neuron_v4.predicted_fire_probability`) and a seed from the
die's values, so the sweep sees the calibration's counting noise and quantisation, not the
exact answer.  Test time: (bits + 1) x COUNT_INPUTS x REST_SLOTS slots, about 5 ms per die
at 46.4 ns slots (every neuron of the die can be counted in parallel).
"""

from __future__ import annotations

import zlib
from dataclasses import replace

import numpy as np

from circuits import ipnet_neuron_v4 as v4
from circuits.mtj_device import parameter_names
from circuits.units import ZERO_CELSIUS_K
from pyspice_flows.metrics import neuron_v4 as mv

CALIBRATION_K = 300.15
"""The test temperature (27 C); the die is used from 0 to 85 C with the code found here."""
TARGET_P_RESTED = 0.08
"""The fraction of fires the calibration aims at: inside the limits 0.05-0.3 with room for
the drift over temperature and supply (0.068-0.093 on the nominal junction) and low, since
the memory gain grows as P(fire | rested) falls."""
COUNT_INPUTS = 2000
"""Inputs counted per trial code: a binomial standard error of 7.6 % at P = 0.08, about
half a code (the write current moves P by about 17 % per 1 %)."""
REST_SLOTS = 8
"""Slots between counted inputs (8 x 46.4 ns = 7 slow thermal time constants less the
heat phase)."""
SEED = 20261206


def _die_seed(p: v4.IpnetV4Params) -> list[int]:
    """A seed from the die's junction values only (not the corner it is used at)."""
    text = repr(sorted(p.mtj_overrides.items())) + str(p.device_file.name)
    return [SEED, zlib.crc32(text.encode())]


def calibrate_write_trim(
    p: v4.IpnetV4Params,
    rng: np.random.Generator | None = None,
    target: float = TARGET_P_RESTED,
    inputs: int = COUNT_INPUTS,
    temp_k: float = CALIBRATION_K,
) -> dict:
    """The die's trim code: successive approximation on counted fires (module docstring).

    ``p``: the die (its ``mtj_overrides``) at the supply it is tested at; ``rng``: the
    counting noise (None: seeded from the die's values).  Returns ``code``, ``factor``
    (the write reference's factor at that code) and ``trials``: (code, P(fire | rested)
    the law gives there, fires counted) for every code tried.
    """
    rng = rng if rng is not None else np.random.default_rng(_die_seed(p))
    limit = target * inputs
    trials: list[tuple[int, float, int]] = []

    def count(code: int) -> int:
        q = replace(p, write_trim=p.trim_factor(code))
        prob = mv.predicted_fire_probability(q, mv.drive_waveforms(q, (0,), 1, temp_k), 0, temp_k)
        fires = int(rng.binomial(inputs, min(max(prob, 0.0), 1.0)))
        trials.append((code, prob, fires))
        return fires

    code = 0
    below = None  # the count at ``code`` once measured
    for bit in reversed(range(p.trim_bits)):
        trial = code | (1 << bit)
        fires = count(trial)
        if fires <= limit:
            code, below = trial, fires
    if below is None:
        below = count(code)
    if code + 1 < p.trim_codes:
        above = count(code + 1)
        if abs(above - limit) < abs(limit - below):
            code += 1
    return {"code": code, "factor": p.trim_factor(code), "trials": trials}


def v4_trimmed_sample_metrics(sample: dict) -> dict:
    """One die of the v4 variation sweep, trimmed: its code found by
    :func:`calibrate_write_trim` at 27 C and the design's supply, then
    :func:`pyspice_flows.metrics.neuron_v4.v4_sample_metrics` at the sample's corner with
    that code.  Adds ``trim_code`` and ``write_trim`` (the factor) to its figures."""
    die = {k: v for k, v in sample.items() if k in parameter_names() or k in ("device", "neuron")}
    cal = calibrate_write_trim(mv.sample_params(die))
    figures = mv.v4_sample_metrics({**sample, "write_trim": cal["factor"]})
    return {**figures, "trim_code": cal["code"], "write_trim": cal["factor"]}


def dac_transfer(p: v4.IpnetV4Params, temp_k: float, vdd_v: float) -> np.ndarray:
    """The trim DAC's current at every code [A], by one operating-point simulation of its
    devices (:mod:`circuits.trim_dac`, the netlist's own elements) at ``temp_k`` [K] and a
    register high level (supply) of ``vdd_v``: one copy of the DAC per code."""
    from pyspice_flows.sim import make_session
    from pyspice_flows.sim.session import OperatingPoint

    dac = p.trim_dac()
    tnom_c = p.nominal_mtj().tnom - ZERO_CELSIUS_K  # ngspice's `temper` is in Celsius
    tc = p.write_tc_per_k or 0.0
    vref = f"{dac.vref_v:.6g}*(1+({tc:.6g})*(temper-({tnom_c:.6g})))"
    lines = [f"trim DAC transfer at {temp_k:g} K, {vdd_v:g} V", p.tech.include_line()]
    for code in range(dac.codes):
        lines += [f".subckt dac{code} vdd", dac.spice(code, vref, p.tech.nmos_model), ".ends"]
        lines.append(f"X{code} vdd dac{code}")
    lines.append(f"VDD vdd 0 DC {vdd_v:.6g}")
    w = make_session().run("\n".join(lines) + "\n", OperatingPoint(), temperature_k=temp_k)
    return np.array([float(w.i(f"v.x{code}.vts")[0]) for code in range(dac.codes)])


def inl_dnl_lsb(currents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """INL and DNL [LSB] of a DAC's transfer, against the straight line through its end
    points (the LSB is that line's step): INL_k = (I_k - line_k) / LSB,
    DNL_k = (I_k+1 - I_k) / LSB - 1."""
    i = np.asarray(currents, dtype=float)
    lsb = (i[-1] - i[0]) / (len(i) - 1)
    line = i[0] + lsb * np.arange(len(i))
    return (i - line) / lsb, np.diff(i) / lsb - 1.0
