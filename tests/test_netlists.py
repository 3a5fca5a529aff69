"""Golden netlists: a generator change shows as a readable diff; written netlists run in plain ngspice."""

import difflib
import shutil
import subprocess
from pathlib import Path

import pytest

from circuits.scenarios import standard_scenarios
from circuits.technology import REPO_ROOT
from circuits.write_netlists import write_netlists
from pyspice_flows import osdi

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("scenario", standard_scenarios(), ids=lambda s: s.name)
def test_netlist_matches_golden(scenario):
    golden = GOLDEN / f"{scenario.name}.cir"
    new = scenario.netlist_text()
    old = golden.read_text()
    if new != old:
        diff = "".join(
            difflib.unified_diff(
                old.splitlines(True), new.splitlines(True), str(golden), "generated"
            )
        )
        pytest.fail(
            f"netlist {scenario.name} changed; review the diff and, if intended, "
            f"regenerate tests/golden:\n{diff[:6000]}"
        )
    assert str(REPO_ROOT) not in new  # relative paths only


def test_written_netlists_run_in_plain_ngspice(tmp_path):
    osdi.compile_all()
    paths = write_netlists(REPO_ROOT / "build" / "netlists")
    for path in paths:
        proc = subprocess.run(
            [shutil.which("ngspice"), "-b", str(path.relative_to(REPO_ROOT))],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        assert "vecmax" in proc.stdout.lower() and "error" not in proc.stdout.lower()
