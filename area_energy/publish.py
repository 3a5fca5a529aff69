"""Publishing a report atomically: render every file into a staging folder, then swap it in.

If anything fails (or the process is interrupted) the previous report stays as it was and
no half-written file is left; staging folders carry the owner's process id, and those of
dead processes are removed on the next run.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from .render import (
    FIGURE_DPI,
    PNG_SIGNATURE,
    REPORT_STEM,
    _validate,
    render_html,
    render_markdown,
    to_jsonable,
)


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


def _commit(staging: Path, out_dir: Path, names: list[str]) -> None:
    """Move the staged files into ``out_dir``; on failure put the previous files back."""
    backup = staging / ".previous"
    backup.mkdir()
    for name in names:
        target = out_dir / name
        if target.exists():
            try:
                os.link(target, backup / name)
            except OSError:
                shutil.copy2(target, backup / name)
    moved: list[str] = []
    try:
        for name in names:
            os.replace(staging / name, out_dir / name)
            moved.append(name)
    except BaseException:
        for name in moved:
            if (backup / name).exists():
                os.replace(backup / name, out_dir / name)
            else:
                (out_dir / name).unlink(missing_ok=True)
        raise


STALE_STAGING_AGE_S = 3600.0
"""A staging folder without a recognisable owner is removed after this age [s]."""


def _owner_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_staging(out_dir: Path) -> list[Path]:
    """Remove the staging folders (``.<out>.partial-<pid>-*``) left beside ``out_dir`` by
    runs that were killed (SIGKILL, power loss); returns them.

    A folder whose process is still alive is another run in progress and is kept; one
    without a process id in its name (older runs) is removed once it is an hour old.
    """
    removed = []
    prefix = f".{out_dir.name}.partial-"
    try:
        candidates = [p for p in out_dir.parent.iterdir() if p.name.startswith(prefix)]
    except OSError:
        return removed
    for path in candidates:
        pid_text = path.name[len(prefix) :].split("-", 1)[0]
        if pid_text.isdigit():
            if int(pid_text) == os.getpid() or _owner_alive(int(pid_text)):
                continue
        else:
            try:
                if time.time() - path.stat().st_mtime < STALE_STAGING_AGE_S:
                    continue
            except OSError:
                continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def write_report(results: Mapping, figures: Mapping[str, object], out_dir: Path) -> list[Path]:
    """Write the report files into ``out_dir`` atomically; returns their paths.

    ``figures`` maps a name (a plain file name without extension) to a matplotlib
    ``Figure`` or to the path of an existing PNG.  Files: ``energy_report.md``,
    ``energy_report.html``, ``energy_report.json``, ``<name>.png``.  Other files already
    in ``out_dir`` (an older report's figures, say) are left alone.  Nothing in
    ``out_dir`` changes unless every file was rendered; ``out_dir`` is created if needed.
    """
    figures = dict(figures or {})
    _validate(results, figures)
    out_dir = Path(out_dir).absolute()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(out_dir)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-{os.getpid()}-", dir=out_dir.parent)
    )
    try:
        names = _render_files(staging, results, figures)
        out_dir.mkdir(exist_ok=True)
        _commit(staging, out_dir, names)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out_dir / n for n in names]
