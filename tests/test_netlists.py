"""The stand-alone testbenches: a generator change shows as a readable diff against the
golden copies; every written netlist runs in plain ngspice from another folder and its
.meas values agree with the toolkit's own measurement (pyspice_flows.measure)."""

import difflib
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from regenerate_goldens import REGENERATE_NETLISTS

from circuits.paths import REPO_ROOT
from circuits.scenarios import standard_scenarios
from circuits.write_netlists import SHARED_ROLE, render_testbench
from pyspice_flows import measure
from pyspice_flows.sim.session import Session, Transient
from pyspice_flows.testbenches import write_testbenches

GOLDEN = Path(__file__).parent / "golden"
SCENARIOS = {sc.name: sc for sc in standard_scenarios()}
REL_TOL = 0.01  # the acceptance tolerance between plain ngspice and the toolkit


def _text(sc) -> str:
    return render_testbench(sc, measure.LOGIC_THRESHOLD_FRACTION)[0]


@pytest.mark.parametrize("name", SCENARIOS)
def test_netlist_matches_golden(name):
    golden = GOLDEN / f"{name}.cir"
    new, old = _text(SCENARIOS[name]), golden.read_text()
    if new != old:
        diff = "".join(
            difflib.unified_diff(old.splitlines(True), new.splitlines(True), str(golden), "new")
        )
        pytest.fail(
            f"testbench {name} changed; review the diff and, if intended, regenerate the "
            f"golden copies with `{REGENERATE_NETLISTS}`:\n{diff[:6000]}"
        )


@pytest.mark.parametrize("name", SCENARIOS)
def test_testbench_is_portable_and_documented(name):
    text = _text(SCENARIOS[name])
    assert str(REPO_ROOT) not in text and "/work/" not in text
    assert "undocumented" not in text, [ln for ln in text.splitlines() if "undocumented" in ln]
    includes = re.findall(r"^\.include (\S+)$", text, flags=re.MULTILINE)
    assert includes and all(p.startswith("lib/") for p in includes)
    assert "K above ambient" in text or SCENARIOS[name].mtj is None
    for what in (".meas tran spike_time", ".meas tran spike_width", "\nmeas tran energy_neuron"):
        assert what in text
    # the energy is computed after the run: no measurement probe joins the circuit (a B
    # source on its own node moved the 4 x 4 array's spike width by 2 %)
    assert not re.search(r"^Bpwr", text, flags=re.MULTILINE | re.IGNORECASE)
    assert (".meas tran peak_rise" in text) == (SCENARIOS[name].mtj is not None)
    assert re.search(r"^\.save .*v\(out1?\)", text, flags=re.MULTILINE)
    assert re.search(rf"^write {name}\.raw$", text, flags=re.MULTILINE)


def _plain_ngspice(netlist: Path, cwd: Path) -> dict[str, float]:
    proc = subprocess.run(
        [shutil.which("ngspice"), "-b", str(netlist)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert not re.search(r"meas.*failed|error", out, flags=re.IGNORECASE), out[-3000:]
    assert out.count("Doing analysis") == 1, "the transient ran more than once"
    return {
        m.group(1): float(m.group(2))
        for m in re.finditer(r"^(\w+)\s*=\s*([-+0-9.eE]+)", out, flags=re.MULTILINE)
    }


def _toolkit(sc, temperature_k: float | None = None) -> dict[str, float]:
    """The same figures from the toolkit's own run and measurement functions (at
    ``temperature_k`` [K]; None: ngspice's 27 C)."""
    analysis = Transient(sc.step_s, sc.stop_s, max_step_s=sc.max_step_s)
    w = Session.get().run(sc.circuit, analysis, temperature_k=temperature_k)
    vdd = float(w.v("vdd")[0])
    vth = measure.logic_threshold_v(vdd)
    out = w.v(sc.output_node)
    outputs = [sc.output_node] + [
        n for n in (f"out{k}" for k in range(2, 65)) if n != sc.output_node and n in w
    ]
    spikes = sum(measure.count_spikes(w.time, w.v(n), vth) for n in outputs)
    own = {n: (pos, "0", role) for n, (pos, role) in sc.sources.items() if role != SHARED_ROLE}
    energy = float(sum(measure.energy_by_source(w, own).values()))
    got = {
        "spike_time": float(measure.spike_times(w.time, out, vth)[0]),
        "spike_width": float(measure.spike_widths_s(w.time, out, vth)[0]),
        "energy_neuron": energy,
        "spikes": float(spikes),
        "energy_per_spike": measure.energy_per_spike_j(energy, spikes),
    }
    if sc.mtj is not None:
        th = "th" if "th" in w else "th1"
        got["peak_rise"] = float(np.max(w.v(th)))
    return got


@pytest.mark.parametrize("name", SCENARIOS)
@pytest.mark.slow
def test_written_testbench_runs_anywhere_and_agrees_with_the_toolkit(name, tmp_path):
    sc = SCENARIOS[name]
    folder = tmp_path / "bench"
    (path,) = write_testbenches(folder, [sc])
    assert path.read_text() == _text(sc)
    assert sorted(p.name for p in (folder / "lib").iterdir()) == sorted(
        ["cmos28.lib", *(f"{m}.osdi" for m in sc.osdi_models)]
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    got = _plain_ngspice(path, elsewhere)
    assert (elsewhere / f"{name}.raw").stat().st_size > 0
    ref = _toolkit(sc)
    assert got["spikes"] == ref["spikes"] >= 1
    for key, value in ref.items():
        assert got[key] == pytest.approx(value, rel=REL_TOL), (key, got[key], value)


@pytest.mark.parametrize("name", ["ipnet_neuron", "lif_neuron"])
@pytest.mark.slow
def test_a_testbench_at_85_c_runs_anywhere_and_agrees_with_the_toolkit_there(name, tmp_path):
    """``ipnet netlists --temp 358.15``: the .temp card makes plain ngspice simulate at 85 C,
    as the toolkit does at temperature_k=358.15 (and not as at 27 C)."""
    sc = SCENARIOS[name]
    (path,) = write_testbenches(tmp_path / "bench", [sc], temperature_k=358.15)
    assert ".temp 85\n" in path.read_text()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    got = _plain_ngspice(path, elsewhere)
    warm, room = _toolkit(sc, 358.15), _toolkit(sc)
    assert got["spikes"] == warm["spikes"] >= 1
    for key, value in warm.items():
        assert got[key] == pytest.approx(value, rel=REL_TOL), (key, got[key], value)
    moved = [k for k in warm if warm[k] != pytest.approx(room[k], rel=3 * REL_TOL)]
    assert moved, (warm, room)
