"""A testbench as data, and the one netlister that renders it.

A :class:`Testbench` is a circuit (a PySpice circuit, or netlist text), its analysis
(:class:`Transient`, :class:`OperatingPoint`, :class:`DcSweep`), the simulator's options,
the temperature in kelvin and the lines around the analysis card (saves and probes before
it; measurements and a ``.control`` block after it).  :func:`render` is the one function
that turns it into the netlist text a simulator reads: the session's
(:func:`pyspice_flows.sim.session.netlist_for`), the stand-alone testbenches
(:func:`circuits.write_netlists.render_testbench`) and :meth:`circuits.scenarios.Scenario.netlist_text`
all go through it.

The text: the circuit's lines (``str(circuit)`` without its ``.end``), one ``.options``
card (:func:`circuits.spice_cards.option_lines`, none when there are no options), ``.temp``
in degrees Celsius (ngspice's unit; the data is in kelvin), the lines before the analysis,
the analysis card, the lines after it, ``.end``.  Options a circuit carries itself (its
``sim_options``, :class:`circuits.bench_circuit.BenchCircuit`) are already in
``str(circuit)``, where its generator placed them: the testbench's options are merged into
that card (one card per netlist), else their card follows the circuit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .spice_cards import option_lines, options_card
from .units import ZERO_CELSIUS_K


# ----------------------------------------------------------------------------- analyses
@dataclass(frozen=True)
class Transient:
    """A ``.tran`` analysis; all times in seconds."""

    step_s: float
    stop_s: float
    start_s: float = 0.0
    max_step_s: float | None = None
    uic: bool = False

    def __post_init__(self):
        if not self.step_s > 0:
            raise ValueError(f"Transient step_s must be > 0 s, got {self.step_s!r}")
        if not self.stop_s > self.start_s >= 0:
            raise ValueError(
                f"Transient needs 0 <= start_s < stop_s, got start_s={self.start_s!r}, "
                f"stop_s={self.stop_s!r}"
            )
        if self.max_step_s is not None and not self.max_step_s > 0:
            raise ValueError(f"Transient max_step_s must be > 0 s, got {self.max_step_s!r}")

    def command(self) -> str:
        parts = [".tran", f"{self.step_s:.6g}", f"{self.stop_s:.6g}"]
        if self.start_s or self.max_step_s is not None:
            parts.append(f"{self.start_s:.6g}")
        if self.max_step_s is not None:
            parts.append(f"{self.max_step_s:.6g}")
        if self.uic:
            parts.append("uic")
        return " ".join(parts)


@dataclass(frozen=True)
class OperatingPoint:
    """A ``.op`` analysis."""

    def command(self) -> str:
        return ".op"


@dataclass(frozen=True)
class DcSweep:
    """A ``.dc`` sweep of one source (or ``temp``) from ``start`` to ``stop`` by ``step``."""

    source: str
    start: float
    stop: float
    step: float

    def __post_init__(self):
        if self.step == 0 or (self.stop - self.start) / self.step < 0:
            raise ValueError(
                f"DcSweep step {self.step!r} does not lead from {self.start!r} to {self.stop!r}"
            )

    def command(self) -> str:
        return f".dc {self.source} {self.start:.6g} {self.stop:.6g} {self.step:.6g}"


Analysis = Transient | OperatingPoint | DcSweep


# ----------------------------------------------------------------------------- testbench
@dataclass(frozen=True)
class Testbench:
    """What a simulator is asked to do, as data.

    circuit: a PySpice circuit or netlist text (a title line first; a final ``.end`` is
    dropped).  analysis: the analysis card.  options: simulator options of this run
    (``{"seed": 42, "reltol": 1e-4}``; None or empty: no card).  temperature_k: the circuit
    temperature [K] (None: the simulator's default, 27 degC).  before_analysis: lines
    between the circuit and the analysis card (``.save``, probes, cards of one run);
    after_analysis: lines between the analysis card and ``.end`` (``.meas``, ``.control``).
    """

    circuit: object
    analysis: Analysis
    options: Mapping[str, object] | None = None
    temperature_k: float | None = None
    before_analysis: tuple[str, ...] = field(default=())
    after_analysis: tuple[str, ...] = field(default=())

    def __post_init__(self):
        if self.temperature_k is not None and not self.temperature_k > 0:
            raise ValueError(
                f"testbench temperature_k={self.temperature_k!r}; allowed a temperature > 0 K"
            )
        for name in ("before_analysis", "after_analysis"):
            object.__setattr__(self, name, tuple(getattr(self, name)))


def as_testbench(bench, analysis: Analysis | None = None, **fields) -> Testbench:
    """``bench`` itself when it is a :class:`Testbench` (then nothing else may be given),
    else ``Testbench(bench, analysis, **fields)``: the one way from a run's arguments to the
    testbench it simulates (``Session.run(tb)`` or ``Session.run(circuit, analysis,
    temperature_k=...)``)."""
    if isinstance(bench, Testbench):
        if analysis is not None or fields:
            given = ["analysis"] * (analysis is not None) + sorted(fields)
            raise TypeError(
                f"a Testbench was given with {', '.join(given)}; allowed: the Testbench alone "
                "(its fields hold the analysis, options and temperature)"
            )
        return bench
    if analysis is None:
        raise TypeError(
            f"no analysis for the circuit {type(bench).__name__}; allowed: a Testbench, or a "
            "circuit and its analysis (Transient, OperatingPoint, DcSweep)"
        )
    return Testbench(bench, analysis, **fields)


def circuit_lines(circuit) -> list[str]:
    """The lines of ``circuit`` (``str`` of a PySpice circuit, or netlist text) without
    trailing whitespace at its end and without its ``.end``; ValueError when none is left."""
    body = str(circuit).rstrip().splitlines()
    while body and body[-1].strip().lower() == ".end":
        body.pop()
    if not body:
        raise ValueError("empty circuit")
    return body


def temp_card(temperature_k: float) -> str:
    """The ``.temp`` card of ``temperature_k`` [K] (ngspice reads degrees Celsius)."""
    return f".temp {temperature_k - ZERO_CELSIUS_K:.6g}"


def _with_options(lines: list[str], own: Mapping[str, object], options) -> list[str]:
    """``lines`` of a circuit carrying ``own`` options (its ``sim_options``, one card in its
    text) with the testbench's ``options`` merged into that card (theirs win, as a later
    card would), or the card of ``options`` after the circuit when it carries none."""
    if not options:
        return lines
    if own:
        mine = options_card(own)
        if mine in lines:
            at = lines.index(mine)
            return [*lines[:at], options_card({**own, **options}), *lines[at + 1 :]]
    return [*lines, *option_lines(options)]


def render(tb: Testbench) -> str:
    """The netlist text of ``tb`` (every line ends with a newline): one ``.options`` card,
    the circuit's own (``sim_options``) with the testbench's options merged into it."""
    own = getattr(tb.circuit, "sim_options", None) or {}
    lines = _with_options(circuit_lines(tb.circuit), own, tb.options)
    if tb.temperature_k is not None:
        lines.append(temp_card(tb.temperature_k))
    lines.extend(tb.before_analysis)
    lines.append(tb.analysis.command())
    lines.extend(tb.after_analysis)
    lines.append(".end")
    return "\n".join(lines) + "\n"
