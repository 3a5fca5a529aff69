"""Publishing a report atomically: render every file into a staging folder, then swap it in.

If anything fails (or the process is interrupted) the previous report stays as it was and
no half-written file is left (the mechanism: :mod:`pyspice_flows.app.staging`).
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from pathlib import Path

from pyspice_flows.app.staging import commit_staged, staging_folder

from .render import (
    FIGURE_DPI,
    PNG_SIGNATURE,
    REPORT_STEM,
    render_html,
    render_markdown,
    to_jsonable,
    validate_report,
)
from .results_schema import EnergyReport, check_report


def _figure_png(name: str, fig) -> bytes:
    if isinstance(fig, (str, Path)):
        path = Path(fig)
        data = path.read_bytes()
        if not data.startswith(PNG_SIGNATURE):
            raise ValueError(f"figure {name!r}: {path} is not a PNG file")
        return data
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=FIGURE_DPI, bbox_inches="tight", backend="agg")
    return buf.getvalue()


def json_text(data) -> str:
    """The report JSON's text of ``data`` (plain JSON values): indented, UTF-8, no nan."""
    return json.dumps(data, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def dumped(model: EnergyReport, layout: Mapping) -> dict:
    """What the validated ``model`` holds (``model_dump(mode="json")``, keys the results did
    not set left out), laid out as the results ``layout`` it was validated from: each
    record's keys in the results' order (pydantic dumps a record's fields in the schema's
    order, then its extra keys), and a float the schema holds written as the integer the
    results gave when they are equal (a strict float field keeps ``0`` as ``0.0``).  Values
    are the model's: a key the model does not hold is not written."""
    return _laid_out(model.model_dump(mode="json", exclude_unset=True), layout)


def _laid_out(value, like):
    if isinstance(value, dict) and isinstance(like, Mapping):
        keys = [k for k in like if k in value] + [k for k in value if k not in like]
        return {k: _laid_out(value[k], like.get(k)) for k in keys}
    if isinstance(value, list) and isinstance(like, list) and len(value) == len(like):
        return [_laid_out(v, w) for v, w in zip(value, like, strict=True)]
    if (
        isinstance(value, float)
        and isinstance(like, int)
        and not isinstance(like, bool)
        and value == like
    ):
        return like
    return value


def _render_files(
    staging: Path,
    results: Mapping,
    figures: Mapping,
    data: Mapping,
    model: EnergyReport | None = None,
) -> list[str]:
    """Write every report file into ``staging``; returns their names.  ``data``: the results
    as plain JSON values (:func:`.render.to_jsonable`); ``model``: ``data`` validated by
    the report's schema, whose dump laid out as ``data`` (:func:`dumped`) the JSON is."""
    png = {name: _figure_png(name, fig) for name, fig in figures.items()}
    names = []
    for name, image in png.items():
        (staging / f"{name}.png").write_bytes(image)
        names.append(f"{name}.png")
    text = json_text(data if model is None else dumped(model, data))
    (staging / f"{REPORT_STEM}.json").write_text(text, encoding="utf-8")
    (staging / f"{REPORT_STEM}.md").write_text(render_markdown(results, figures), encoding="utf-8")
    (staging / f"{REPORT_STEM}.html").write_text(
        render_html(results, figures, png), encoding="utf-8"
    )
    return [f"{REPORT_STEM}.md", f"{REPORT_STEM}.html", f"{REPORT_STEM}.json", *names]


def write_report(
    results: Mapping, figures: Mapping[str, object], out_dir: Path, schema: bool = False
) -> list[Path]:
    """Write the report files into ``out_dir`` atomically; returns their paths.

    ``figures`` maps a name (a plain file name without extension) to a matplotlib
    ``Figure`` or to the path of an existing PNG.  Files: ``energy_report.md``,
    ``energy_report.html``, ``energy_report.json``, ``<name>.png``.  Other files already
    in ``out_dir`` (an older report's figures, say) are left alone.  Nothing in
    ``out_dir`` changes unless every file was rendered; ``out_dir`` is created if needed.

    ``schema``: the results are the energy report's; their JSON is checked against
    :class:`.results_schema.EnergyReport` first, and a failure (one
    :class:`.results_schema.ReportSchemaError` naming the key path and the value) writes
    nothing; what is written is the validated model's dump (:func:`dumped`: the same bytes
    as the results themselves, proved on the real report by ``tests/test_report_json_dump.py``).
    """
    figures = dict(figures or {})
    validate_report(results, figures)
    data, model = to_jsonable(results), None
    if schema:  # validated and written from the same conversion (check_report leaves it as is)
        model = check_report(data, str(Path(out_dir) / f"{REPORT_STEM}.json"))
    with staging_folder(out_dir) as staging:
        names = _render_files(staging, results, figures, data, model)
        return commit_staged(staging, Path(out_dir).absolute(), names)
