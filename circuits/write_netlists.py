"""Write the standard testbench netlists to build/netlists/ (``make netlists``).

Each file runs as it is with ``ngspice -b build/netlists/<name>.cir`` from the repository
root; PySpice simulates the very same circuits (``circuits.scenarios``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from .scenarios import Scenario, standard_scenarios
from .technology import REPO_ROOT

OUT_DIR = REPO_ROOT / "build" / "netlists"


def write_netlists(out_dir: Path = OUT_DIR, scenarios: list[Scenario] | None = None) -> list[Path]:
    """Write one ``<name>.cir`` per scenario (atomically); returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for sc in scenarios or standard_scenarios():
        path = out_dir / f"{sc.name}.cir"
        tmp = path.with_suffix(".cir.tmp")
        tmp.write_text(sc.netlist_text())
        tmp.replace(path)
        written.append(path)
    return written


def main() -> int:
    for path in write_netlists():
        print(f"netlists: wrote {path.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
