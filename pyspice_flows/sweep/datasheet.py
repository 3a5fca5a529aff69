"""The sweep's datasheet: per corner, min/typ/max of every figure against the spec limits.

As a characterization datasheet presents it (CACE): one table per corner (one condition of
the ``cycle`` parameters) with, for every figure, the number of samples ``n`` and the
measured minimum, typical (median) and maximum over the corner's ok samples, set beside
the spec's min/typ/max, and a verdict per limit: ``min`` passes when no sample of the
corner lies below it, ``max`` when none lies above it; a failed sample, or one without a
value, fails every limit of the figure.  A failing corner names the limits it fails.  A
statistic over fewer than :data:`FEW_SAMPLES` samples carries a warning.

Every value is printed in engineering units by :func:`fmt` (quantiphy), the one number
formatter of the sweep's tables, printout and plot labels.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from quantiphy import Quantity

from .spec import FigureLimits

FEW_SAMPLES = 5
"""A statistic over fewer samples than this is marked: it says little about a corner."""

_UNIT_SUFFIXES = {
    "_a": "A",
    "_v": "V",
    "_s": "s",
    "_j": "J",
    "_w": "W",
    "_hz": "Hz",
    "_ohm": "Ohm",
    "_f": "F",
    "_k": "K",
}
"""A figure's unit by the suffix of its name, when the spec's limits give none."""

DIMENSIONLESS = ("", "1")


def figure_unit(name: str, limits: FigureLimits | None = None) -> str:
    """The unit of a figure: its limits' ``unit``, else by its name's suffix (``_a``: A)."""
    if limits is not None and limits.unit:
        return "" if limits.unit in DIMENSIONLESS else limits.unit
    low = name.lower()
    return next((u for s, u in _UNIT_SUFFIXES.items() if low.endswith(s)), "")


def fmt(value: float | None, unit: str = "", digits: int = 3) -> str:
    """``fmt(3.816e-05, "A") == "38.2 uA"``: engineering notation with ``digits``
    significant digits (a dimensionless value plainly: ``0.364``); None and nan print as
    ``-``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if unit in DIMENSIONLESS:  # a bare "364m" would read as metres
        return f"{value:.{digits}g}"
    return Quantity(value, unit).render(prec=max(0, digits - 1), strip_zeros=True)


def limit_verdicts(values: list[float | None], lim: FigureLimits | None) -> dict[str, dict]:
    """``{"min"|"max": {"limit", "pass", "n_outside"}}`` for each bound ``lim`` gives;
    ``values`` are the corner's samples (None: a failed sample or a missing value); a
    corner without samples gets no verdict (nothing was measured, so nothing passed)."""
    out: dict[str, dict] = {}
    if lim is None or not values:
        return out
    for bound, limit in (("min", lim.min), ("max", lim.max)):
        if limit is None:
            continue
        outside = sum(
            1
            for v in values
            if v is None or not math.isfinite(v) or (v < limit if bound == "min" else v > limit)
        )
        out[bound] = {"limit": limit, "pass": outside == 0, "n_outside": outside}
    return out


def _value(row: Mapping, figure: str) -> float | None:
    if row.get("status") != "ok":
        return None
    v = row.get(figure)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v)


def corner_datasheet(
    rows: list[dict], figures: list[str], limits: Mapping[str, FigureLimits]
) -> dict[str, dict]:
    """One corner's datasheet: ``{figure: {unit, n, min, typ, max, few_samples, spec:
    {min, typ, max}, limits: {bound: verdict}}}`` (see :func:`limit_verdicts`)."""
    sheet = {}
    for f in figures:
        values = [_value(r, f) for r in rows]
        finite = sorted(v for v in values if v is not None and math.isfinite(v))
        n = len(finite)
        lim = limits.get(f)
        typ = None
        if n:
            mid = n // 2
            typ = finite[mid] if n % 2 else 0.5 * (finite[mid - 1] + finite[mid])
        sheet[f] = {
            "unit": figure_unit(f, lim),
            "n": n,
            "min": finite[0] if n else None,
            "typ": typ,
            "max": finite[-1] if n else None,
            "few_samples": n < FEW_SAMPLES,
            "spec": {
                "min": None if lim is None else lim.min,
                "typ": None if lim is None else lim.typ,
                "max": None if lim is None else lim.max,
            },
            "limits": limit_verdicts(values, lim),
        }
    return sheet


def failing_limits(sheet: Mapping[str, dict]) -> list[dict]:
    """The limits a corner fails: ``[{"figure", "bound", "limit", "n_outside", "name"}]``,
    ``name`` as a reader says it (``"spike_width_s max 2 ns"``)."""
    out = []
    for f, entry in sheet.items():
        for bound, v in entry["limits"].items():
            if not v["pass"]:
                out.append(
                    {
                        "figure": f,
                        "bound": bound,
                        "limit": v["limit"],
                        "n_outside": v["n_outside"],
                        "name": f"{f} {bound} {fmt(v['limit'], entry['unit'])}",
                    }
                )
    return out


# ----------------------------------------------------------------------------- printout
def _verdict(entry: dict) -> str:
    verdicts = entry["limits"]
    if not verdicts:
        return "-"
    failed = [b for b, v in verdicts.items() if not v["pass"]]
    return "PASS" if not failed else "FAIL " + ",".join(failed)


def datasheet_lines(summary: Mapping) -> list[str]:
    """The per-corner datasheet tables of ``summary.json`` as text lines: figure, n,
    measured min/typ/max, spec min/typ/max, verdict; the failing limits of each failing
    corner; a mark where a statistic rests on fewer than :data:`FEW_SAMPLES` samples."""
    lines = []
    few = False
    for c in summary["corners"]:
        sheet = c.get("datasheet") or {}
        if not sheet:
            continue
        verdict = {True: "PASS", False: "FAIL", None: "-"}[c["meets_target"]]
        lines.append(f"datasheet, corner {c['label']} (n = {c['n']}, {c['ok']} ok): {verdict}")
        width = max(len("figure"), *(len(f) for f in sheet))
        head = ("n", "min", "typ", "max", "spec min", "spec typ", "spec max", "verdict")
        lines.append(
            f"  {'figure':<{width}}  {head[0]:>4}  "
            + "  ".join(f"{h:>10}" for h in head[1:-1])
            + f"  {head[-1]}"
        )
        for f, e in sheet.items():
            mark = "!" if e["few_samples"] else " "
            few = few or e["few_samples"]
            cells = [e["min"], e["typ"], e["max"], *(e["spec"][k] for k in ("min", "typ", "max"))]
            lines.append(
                f"  {f:<{width}}  {e['n']:>3}{mark}  "
                + "  ".join(f"{fmt(v, e['unit']):>10}" for v in cells)
                + f"  {_verdict(e)}"
            )
        for fail in c.get("failing_limits", []):
            lines.append(f"  fails {fail['name']}: {fail['n_outside']} of {c['n']} samples outside")
    if few:
        lines.append(f"  ! fewer than {FEW_SAMPLES} samples: the min/typ/max say little")
    return lines
