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
from .results_schema import check_report


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


def _render_files(staging: Path, results: Mapping, figures: Mapping) -> list[str]:
    """Write every report file into ``staging``; returns their names."""
    png = {name: _figure_png(name, fig) for name, fig in figures.items()}
    names = []
    for name, data in png.items():
        (staging / f"{name}.png").write_bytes(data)
        names.append(f"{name}.png")
    text = json.dumps(to_jsonable(results), indent=2, allow_nan=False, ensure_ascii=False)
    (staging / f"{REPORT_STEM}.json").write_text(text + "\n", encoding="utf-8")
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
    nothing.
    """
    figures = dict(figures or {})
    validate_report(results, figures)
    if schema:
        check_report(to_jsonable(results), str(Path(out_dir) / f"{REPORT_STEM}.json"))
    with staging_folder(out_dir) as staging:
        names = _render_files(staging, results, figures)
        return commit_staged(staging, Path(out_dir).absolute(), names)
