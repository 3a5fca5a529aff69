"""The results table: a CSV appended row by row, locked while a sweep writes it."""

from __future__ import annotations

import csv
import fcntl
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from pyspice_flows.app.staging import write_text_atomic

_ERROR_CSV_CHARS = 2000


def _fmt(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _one_line(text: str) -> str:
    text = " | ".join(ln.strip() for ln in str(text).splitlines() if ln.strip())
    return text if len(text) <= _ERROR_CSV_CHARS else text[: _ERROR_CSV_CHARS - 3] + "..."


class ResultsTable:
    """The results CSV: read on resume, appended and flushed row by row, locked while open."""

    def __init__(self, path: Path, columns: list[str], retry_failed: bool = False):
        self.path = path
        self.columns = columns
        self.done: dict[int, dict[str, str]] = {}
        rows, dropped = self._read()
        if retry_failed:
            kept = [r for r in rows if r["status"] != "failed"]
            dropped = dropped or len(kept) != len(rows)
            rows = kept
        self.done = {int(r["index"]): r for r in rows}
        if dropped:
            self._rewrite(rows)
        new = not self.path.exists()
        self._fh = self.path.open("a", newline="")
        try:
            fcntl.flock(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._fh.close()
            raise RuntimeError(f"{self.path} is being written by another sweep") from None
        self._writer = csv.writer(self._fh)
        if new:
            self._writer.writerow(self.columns)
            self._flush()

    def _read(self) -> tuple[list[dict[str, str]], bool]:
        if not self.path.exists() or self.path.stat().st_size == 0:
            return [], False
        with self.path.open(newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header != self.columns:
                raise ValueError(
                    f"{self.path} has columns {header}, this sweep writes {self.columns}; "
                    "use another --out folder or remove the old table"
                )
            rows, dropped, seen = [], False, set()
            for rec in reader:
                ok = len(rec) == len(self.columns)
                row = dict(zip(self.columns, rec)) if ok else {}
                if (
                    ok
                    and row["status"] in ("ok", "failed")
                    and row["index"].isdigit()
                    and int(row["index"]) not in seen
                ):
                    rows.append(row)
                    seen.add(int(row["index"]))
                else:
                    dropped = True  # a row cut short by an interruption, or a duplicate
        return rows, dropped

    def _rewrite(self, rows: Iterable[Mapping[str, object]]) -> None:
        tmp = self.path.with_suffix(".csv.tmp")
        with tmp.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(self.columns)
            for r in rows:
                w.writerow([_fmt(r.get(c, "")) for c in self.columns])
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(self.path)

    def _flush(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def append(self, row: Mapping[str, object]) -> None:
        row = dict(row)
        row["error"] = _one_line(row.get("error", ""))
        self._writer.writerow([_fmt(row.get(c, "")) for c in self.columns])
        self._flush()
        self.done[int(row["index"])] = {c: _fmt(row.get(c, "")) for c in self.columns}

    def close(self, sort: bool = True) -> None:
        """Release the table; with ``sort`` rewrite it in index order (atomically)."""
        if sort:
            self._rewrite(self.done[i] for i in sorted(self.done))
        fcntl.flock(self._fh, fcntl.LOCK_UN)
        self._fh.close()


def read_results(path: Path | str) -> list[dict[str, object]]:
    """Rows of a results CSV with numbers parsed (``index`` int, figures float or str)."""
    out = []
    with Path(path).open(newline="") as fh:
        for row in csv.DictReader(fh):
            parsed: dict[str, object] = {}
            for k, v in row.items():
                if k == "index":
                    parsed[k] = int(v)
                elif k in ("status", "error", "worker"):
                    parsed[k] = v
                else:
                    try:
                        parsed[k] = float(v) if v != "" else float("nan")
                    except ValueError:
                        parsed[k] = v
            out.append(parsed)
    return out


def write_json(path: Path, data: dict) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, default=str) + "\n")
