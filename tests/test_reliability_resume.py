"""Working-memory resume (issue 25, class 4), through ``ipnet`` as processes: the trials a
run finished are kept in ``<out>/trials.jsonl`` and a rerun with the same inputs
simulates only the others (a line cut short by a kill is dropped); a rerun with other
inputs is refused with what changed, before any array transient (after the two lone-neuron
burst timings the plan is made from)."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from circuits.paths import REPO_ROOT

TESTS_DIR = Path(__file__).resolve().parent


def ipnet(*args: str, cwd: Path, timeout: float = 900):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO_ROOT), str(TESTS_DIR)]))
    t0 = time.monotonic()
    res = subprocess.run(
        [sys.executable, "-m", "area_energy.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return res, time.monotonic() - t0


def findings(out: Path) -> dict:
    summary = json.loads((out / "summary.json").read_text())
    return {k: summary[k] for k in ("recency", "free_recall", "interference", "trials")}


@pytest.mark.slow
def test_working_memory_resumes_its_trials_and_refuses_other_inputs(tmp_path):
    out = tmp_path / "wm"
    args = ("working-memory-v2", "--quick", "--workers", "2", "--out", str(out))
    res, wall_full = ipnet(*args, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    journal = out / "trials.jsonl"
    lines = journal.read_text().splitlines()
    header, rows = json.loads(lines[0]), [json.loads(x) for x in lines[1:]]
    n = len(rows)
    assert n == findings(out)["trials"] and header["settings"]["seed"] == 12
    first = findings(out)

    # a run killed after 5 trials, its last line cut short
    journal.write_text("\n".join(lines[:6]) + "\n" + lines[6][: len(lines[6]) // 2])
    res, wall_resumed = ipnet(*args, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert f"working-memory-v2: {n - 5} array transients on 2 worker(s); 5 reused" in res.stdout
    assert findings(out) == first  # the same numbers as in one go
    assert len(journal.read_text().splitlines()) == n + 1

    # every trial kept: nothing simulated again
    res, wall_reused = ipnet(*args, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert f"working-memory-v2: 0 array transients on 2 worker(s); {n} reused" in res.stdout
    assert findings(out) == first and wall_reused < wall_full

    # other inputs: refused in one line naming the change, the journal untouched
    before = journal.read_bytes()
    res, wall = ipnet(*args, "--seed", "13", cwd=tmp_path)
    assert res.returncode == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    assert f"{journal} holds trials computed from other inputs (seed 12 -> 13)" in lines[0]
    assert f"remove {journal} to start over" in lines[0]
    assert journal.read_bytes() == before
    print(f"wall: full {wall_full:.1f} s, resumed {wall_resumed:.1f} s, reused {wall_reused:.1f} s")
