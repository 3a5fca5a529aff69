"""Benchmark (g)'s CPU accounting (pyspice_flows.bench.report_cache): the CPU seconds of a
finished child process, against the child's own clock."""

import subprocess
import sys

from pyspice_flows.bench import report_cache

BURN = "import time\nx = 0\nfor i in range(3_000_000):\n    x += i\nprint(time.process_time())"


def test_a_childs_cpu_seconds_are_counted():
    before = report_cache._children_cpu_s()
    done = subprocess.run([sys.executable, "-c", BURN], capture_output=True, text=True, check=True)
    used = report_cache._children_cpu_s() - before
    own = float(done.stdout.strip())  # the child's CPU time as the child saw it
    assert own > 0.05
    assert own <= used <= own + 1.0  # plus the interpreter's start and exit
