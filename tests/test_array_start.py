"""The tiled start of large arrays (issue 24): one neuron's operating point rendered as
``.nodeset`` cards onto every neuron.

The start (and, on VACASK, the large arrays' setting without the residual check) must only
shorten the way to the solution, never change it: the references are the same array solved
from the simulator's own start with its default settings (VACASK, the arrays' default host,
and ngspice as an independent host), compared within the simulators' tolerances.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_vacask import needs_vacask

from circuits.ipnet_array import TiledStart, build_ipnet_array
from circuits.paths import REPO_ROOT
from pyspice_flows.bench import array as ab
from pyspice_flows.sim import array_start
from pyspice_flows.sim.session import OperatingPoint, Session, Transient, netlist_for
from pyspice_flows.sim.vacask import VacaskSession
from pyspice_flows.sim.vacask_netlist import translate

RELTOL, VNTOL = 1e-3, 1e-6
"""ngspice's and VACASK's default relative and absolute voltage tolerances (the decks set
neither): two converged solutions of one circuit differ by a few times this at most."""


def _close(a: float, b: float, factor: float = 5.0) -> bool:
    return abs(a - b) <= factor * (RELTOL * max(abs(a), abs(b)) + VNTOL)


def test_start_from_a_solution_keeps_node_voltages_and_drops_the_rest():
    solution = {
        "x1.q": 2e-6,
        "x1.qb": 0.9,
        "x1.j": 0.899,
        "out1": 5e-7,
        "th1": 1e-9,
        "vbn": 0.69,
        "xb.ibn": 0.69,
        "vdd": 0.9,
        "in1_1": 0.0,
        "vdd#branch": -7e-9,
        "m.x1.mc#gate": 1e-18,
        "n.x1.nmtj#m": 1.0,
    }
    st = TiledStart.from_solution(solution)
    assert dict(st.neuron) == {"j": 0.899, "out": 5e-7, "q": 2e-6, "qb": 0.9, "th": 1e-9}
    assert dict(st.shared) == {"xb.ibn": 0.69}  # not the bias line the generator drives
    assert st.nodeset_lines(2) == [
        ".nodeset v(xb.ibn)=0.69",
        ".nodeset v(out1)=5e-07 v(th1)=1e-09 v(x1.j)=0.899 v(x1.q)=2e-06 v(x1.qb)=0.9",
        ".nodeset v(out2)=5e-07 v(th2)=1e-09 v(x2.j)=0.899 v(x2.q)=2e-06 v(x2.qb)=0.9",
    ]


def test_start_refuses_bad_values_naming_them():
    with pytest.raises(ValueError, match="no x1.<node>"):
        TiledStart.from_solution({"out1": 0.0, "th1": 0.0, "xb.ibn": 0.69})
    with pytest.raises(ValueError, match=r"v\(q\)=nan"):
        TiledStart((("q", float("nan")),))
    with pytest.raises(ValueError, match="plain node name"):
        TiledStart((("v(q)", 0.0),))
    with pytest.raises(ValueError, match="vbr is driven"):
        TiledStart((("q", 0.0),), (("vbr", 0.3),))
    with pytest.raises(ValueError, match="TiledStart or None"):
        ab.array_params(4, 1e-9, start={"q": 0.0})


def test_array_with_a_start_has_one_nodeset_per_neuron_and_one_shared():
    st = TiledStart((("q", 0.0), ("qb", 0.9), ("th", 0.0)), (("xb.ibn", 0.69),))
    text = str(build_ipnet_array(ab.array_params(4, 1e-9, start=st)))
    cards = [ln for ln in text.splitlines() if ln.startswith(".nodeset")]
    assert cards[0] == ".nodeset v(xb.ibn)=0.69"
    assert cards[1:] == [f".nodeset v(x{k}.q)=0 v(x{k}.qb)=0.9 v(th{k})=0" for k in range(1, 5)]
    plain = str(build_ipnet_array(ab.array_params(4, 1e-9)))
    assert plain.count(".nodeset") == 4 and ".nodeset v(x4.q)=0 v(x4.qb)=0.9" in plain


def test_tiled_start_is_the_default_from_its_size_on():
    n0 = ab.TILED_START_MIN_NEURONS
    assert not ab.uses_tiled_start(n0 // 4) and ab.uses_tiled_start(n0)
    assert ab.uses_tiled_start(1, tiled=True) and not ab.uses_tiled_start(1024, tiled=False)
    assert ab.vacask_options(n0) == {"nr_residualcheck": "0"} and ab.vacask_options(n0 - 1) == {}


def test_vacask_options_of_its_own_reach_the_deck_last():
    text = netlist_for(build_ipnet_array(ab.array_params(1, 1e-9)), OperatingPoint())
    plain = translate(text, [], REPO_ROOT).text
    deck = translate(text, [], REPO_ROOT, {"nr_residualcheck": "0"}).text
    opts = [ln for ln in deck.splitlines() if ln.strip().startswith("options ")]
    assert len(opts) == 1 and opts[0].endswith(" nr_residualcheck=0")
    assert "nr_residualcheck" not in plain
    assert deck.replace(" nr_residualcheck=0", "") == plain


def _op(session, n: int, start: TiledStart | None, tmp_path=None) -> tuple[dict[str, float], int]:
    """Every node voltage of the operating point and the Newton iterations it took."""
    p = ab.array_params(n, 1e-9, start=start)
    if isinstance(session, VacaskSession):
        w = session.run(build_ipnet_array(p), OperatingPoint())
        nodes = {k: float(v[0]) for k, v in w.vectors.items() if "#" not in k}
        return nodes, session.last_stats.newton_iterations
    path = tmp_path / f"op_{n}_{start is not None}.cir"
    path.write_text(netlist_for(build_ipnet_array(p), OperatingPoint()))
    session.command(f"source {path}")
    try:
        session.command("run")
        total = [ln for ln in session.command("rusage totiter") if "iterations" in ln.lower()]
        _, vectors = session._current_vectors()
    finally:
        session.command("destroy all")
        session.command("remcirc")
    nodes = {k: float(v[0]) for k, v in vectors.items() if "#" not in k}
    return nodes, int(float(total[0].split("=")[1]))


def _same_solution(a: dict[str, float], b: dict[str, float]) -> None:
    assert a.keys() == b.keys() and len(a) > 50
    far = {k: (a[k], b[k]) for k in a if not _close(a[k], b[k])}
    assert not far, far


def test_ngspice_operating_point_is_the_same_from_the_tiled_start(tmp_path):
    s = Session.get()
    w = s.run(build_ipnet_array(ab.array_params(1, 1e-9)), OperatingPoint())
    start = TiledStart.from_solution({k: float(v[0]) for k, v in w.vectors.items()})
    own, own_its = _op(s, 4, None, tmp_path)
    tiled, tiled_its = _op(s, 4, start, tmp_path)
    _same_solution(own, tiled)
    assert tiled_its <= own_its


def _large(n: int = 16) -> VacaskSession:
    """A VACASK session with the settings of a large array (the bench's default)."""
    return VacaskSession(timeout=300, vacask_options=ab.vacask_options(n))


@needs_vacask
@pytest.mark.slow  # 3-5 s: 16-neuron VACASK runs
def test_vacask_operating_point_of_16_neurons_is_the_same_in_fewer_iterations():
    own, own_its = _op(VacaskSession(timeout=300), 16, None)  # VACASK's defaults
    for session in (VacaskSession(timeout=300), _large()):  # with and without residual check
        tiled, tiled_its = _op(session, 16, ab.tiled_start())
        _same_solution(own, tiled)
        assert tiled_its <= own_its


@needs_vacask
@pytest.mark.slow  # 3-5 s: 16-neuron VACASK runs
def test_vacask_waveforms_of_16_neurons_agree_from_either_start():
    """2 ns: the rest, then the first input spike (0.5-1.5 ns) charging every junction."""
    stop = 2e-9
    saves = [f"v(out{k}) v(th{k}) v(x{k}.j) v(x{k}.q)" for k in range(1, 17)]
    runs = {}
    for name, start, session in (
        ("own", None, VacaskSession(timeout=300)),
        ("tiled", ab.tiled_start(), _large()),
    ):
        p = ab.array_params(16, stop, start=start)
        text = netlist_for(
            build_ipnet_array(p),
            Transient(10e-12, stop, max_step_s=20e-12),
            before_analysis=tuple(f".save {s}" for s in saves),
        )
        runs[name] = session.run_netlist(text)
    own, tiled = runs["own"], runs["tiled"]
    grid = np.linspace(0.0, stop, 401)
    peak_rise = 0.0
    for k in range(1, 17):
        for node in (f"out{k}", f"th{k}", f"x{k}.j", f"x{k}.q"):
            a = np.interp(grid, own.time, own.v(node))
            b = np.interp(grid, tiled.time, tiled.v(node))
            scale = max(np.max(np.abs(a)), np.max(np.abs(b)))
            assert np.max(np.abs(a - b)) <= 5 * (RELTOL * scale + VNTOL), node
        peak_rise = max(peak_rise, float(np.max(own.v(f"th{k}"))))
    assert peak_rise > 0.1  # the junctions heat: the waveforms compared carry something


def test_start_is_computed_once_and_reaches_every_host_netlist(monkeypatch):
    calls = []
    monkeypatch.setattr(array_start, "_STARTS", {})  # rest_start's memo
    monkeypatch.setattr(ab, "default_array_host", lambda simulator=None: ("sparse", None))

    class _Fake:
        def run(self, tb):
            calls.append(tb.analysis)
            return type("W", (), {"vectors": {"x1.q": [0.0], "x1.qb": [0.9]}})()

    monkeypatch.setattr(ab.Session, "get", classmethod(lambda cls: _Fake()))
    texts = {h: ab.host_netlist(16, 1e-9, h) for h in ab.HOSTS}
    assert len(calls) == 1 and isinstance(calls[0], OperatingPoint)
    for text in texts.values():
        assert text.count(".nodeset v(x16.q)=0 v(x16.qb)=0.9") == 1
