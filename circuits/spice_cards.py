"""Simulator control cards, rendered in one place: ``.options`` and ``.save``.

Every ``.options`` line of the project's netlists comes from :func:`options_card`: the
circuits the generators build (their ``SIM_OPTIONS`` kept as data in
:attr:`circuits.bench_circuit.BenchCircuit.sim_options` and rendered by ``str(circuit)``),
:class:`circuits.mtj_stochastic.Switching` (text netlists) and the one netlister
:func:`circuits.testbench.render` (``Session.run(options=...)``).  A value
is written with ``str`` (``1e-4`` -> ``0.0001``, ``1`` -> ``1``, ``"gear"`` -> ``gear``),
``True`` as the bare name of a flag option (``{"klu": True}`` -> ``.options klu``).

Every ``.save`` card (the vectors a run keeps: the stand-alone testbenches, the bench
arrays, the behavioural probes, the report's dissipation) comes from :func:`save_card`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _option(name: object, value: object) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f".options: name {name!r}; allowed: a letter or _ then letters, digits, _")
    if value is True:
        return name
    text = str(value)
    if value is None or value is False or not text or any(c.isspace() or c == "=" for c in text):
        raise ValueError(
            f".options {name}={value!r}; allowed: a number, a word without spaces or '=', "
            "or True for a flag"
        )
    return f"{name}={text}"


def options_card(options: Mapping[str, object]) -> str:
    """The ``.options`` line (no newline) setting ``options`` in their order.

    Raises ``ValueError`` for an empty mapping (use :func:`option_lines` when there may be
    none), a name that is not a SPICE identifier or a value that would not stay one token.
    """
    if not options:
        raise ValueError(".options: no options given")
    return ".options " + " ".join(_option(k, v) for k, v in options.items())


def option_lines(options: Mapping[str, object] | None) -> list[str]:
    """``[options_card(options)]``, or no line at all when ``options`` is empty or None."""
    return [options_card(options)] if options else []


def save_card(vectors: Iterable[str], everything: bool = False) -> str:
    """The ``.save`` line (no newline) keeping ``vectors`` (ngspice's names: ``v(out)``,
    ``@m.x1.mpr[id]``) in their order; ``everything``: ``.save all`` first, so the default
    vectors (every node and source current) are kept beside them.

    Raises ``ValueError`` for a vector that would not stay one token, or for no vector
    at all without ``everything``.
    """
    names = list(vectors)
    bad = [v for v in names if not isinstance(v, str) or not v or any(c.isspace() for c in v)]
    if bad or not (names or everything):
        raise ValueError(
            f".save: vectors {bad or names!r}; allowed: names without spaces, at least one "
            "unless everything=True"
        )
    return " ".join([".save", *(["all"] if everything else []), *names])
