"""The README's Python examples run as they are printed (from the repository root)."""

import re

import numpy as np

from circuits.paths import REPO_ROOT


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", text, re.MULTILINE | re.DOTALL)


def test_readme_python_examples_run(monkeypatch):
    blocks = python_blocks((REPO_ROOT / "README.md").read_text())
    assert blocks, "README.md has no ```python block"
    monkeypatch.chdir(REPO_ROOT)
    spaces = []
    for k, code in enumerate(blocks, start=1):
        namespace: dict = {"__name__": f"readme_block_{k}"}
        exec(compile(code, f"README.md python block {k}", "exec"), namespace)  # noqa: S102
        spaces.append(namespace)
    # the neuron example: its waveforms are what the comment says they are
    namespace = next(ns for ns in spaces if "w" in ns)
    w = namespace["w"]
    assert w.time[-1] > 0 and np.max(w.v("out")) > 0.8 * namespace["params"].vdd_v
    assert 0 < np.max(w.v("th")) < 100  # a junction warmed by its writes, kelvin above ambient
