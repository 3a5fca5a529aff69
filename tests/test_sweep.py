"""Variation sweeps (pyspice_flows.sweep): sampling, isolation, failures, resume, Dask.

The sweeps here evaluate a single MTJ (its switching time under a 2 Ic0 current step),
not the IPNet neuron, so the whole file takes about 25 s on 2 idle cores (two Dask
LocalClusters included).  No timing is asserted: the benchmarks live in
``python -m pyspice_flows.bench``.
"""

import csv
import math
import os
import time
from pathlib import Path

import numpy as np
import pytest

from circuits.mtj_device import load_device
from pyspice_flows import sweep as sw

EVALUATE = f"{__name__}:mtj_sample_metrics"
FIGURES = ("switch_time_s", "tau_th_s", "cwd_index")
NON_DETERMINISTIC = ("elapsed_s", "worker")


def mtj_sample_metrics(sample: dict) -> dict:
    """Evaluation of one sample: a junction switched by a 2 Ic0 step (ngspice).

    Reads rp, ic0, rth (device defaults otherwise) and temp_k.  Returns the switching time
    [s], rth*cth [s], and the name of the working directory it ran in (isolation check).
    ``crash = 1`` kills the process, as a crash inside the simulator would; ``sleep_s``
    stalls it first; ``poison = 1`` leaves the process's ngspice unusable.
    """
    from pyspice_flows.experiments import mtj_characterization as mc

    if sample.get("crash") == 1:
        os._exit(3)
    if sample.get("poison") == 1:  # an error after which ngspice "cannot recover"
        from pyspice_flows.sim.session import OperatingPoint, Session

        Session.get().run("bad expression\nV1 a 0 {1+}\nR1 a 0 1k\n", OperatingPoint())
    if sample.get("sleep_s"):
        time.sleep(sample["sleep_s"])  # a simulation that does not finish in time
    Path("scratch.txt").write_text("a file in the sample's own folder\n")
    p = load_device().params.with_(**{k: sample[k] for k in ("rp", "ic0", "rth") if k in sample})
    t_sw = mc.switching_time(p, 2.0 * p.ic0, ambient_k=sample.get("temp_k", mc.AMBIENT_K))
    return {"switch_time_s": t_sw, "tau_th_s": p.tau_th_s, "cwd_index": float(Path.cwd().name)}


def small_spec(samples=5, seed=7, overrides=None, extra=()) -> sw.SweepSpec:
    nominal = load_device().params
    params = (
        sw.Param("rp", "lognormal", median=nominal.rp, sigma=0.05),
        sw.Param("ic0", "lognormal", median=nominal.ic0, sigma=0.07),
        sw.Param("rth", "normal", mean=nominal.rth, rel_sigma=0.1),
        sw.Param("temp_k", "cycle", values=(300.15, 358.15)),
        *extra,
    )
    return sw.SweepSpec(
        name="mtj_small",
        evaluate=EVALUATE,
        samples=samples,
        seed=seed,
        params=params,
        figures=FIGURES,
        overrides=overrides or {},
    )


def csv_rows(path: Path) -> list[dict]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def stable(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in NON_DETERMINISTIC} for r in rows]


# ----------------------------------------------------------------------------- sampling
def test_same_seed_gives_same_samples_whatever_the_count():
    a, b = small_spec(samples=6), small_spec(samples=50)
    assert [a.sample(i) for i in range(6)] == [b.sample(i) for i in range(6)]
    assert [a.sample(i) for i in reversed(range(6))] == [a.sample(i) for i in range(6)][::-1]
    other = small_spec(seed=8)
    assert other.sample(0)["rp"] != a.sample(0)["rp"]


def test_a_parameter_draw_does_not_depend_on_the_others():
    extra = (sw.Param("pattern", "choice", values=("regular", "burst")),)
    a, b = small_spec(), small_spec(extra=extra)
    for i in range(6):
        sa, sb = a.sample(i), b.sample(i)
        assert {k: sb[k] for k in sa} == sa
        assert sb["pattern"] in ("regular", "burst")


def test_laws_have_the_stated_centre_and_spread():
    spec = sw.SweepSpec(
        "laws",
        EVALUATE,
        4000,
        1,
        (
            sw.Param("ln", "lognormal", median=2.0, sigma=0.1),
            sw.Param("no", "normal", mean=5.0, sigma=0.5),
            sw.Param("un", "uniform", low=1.0, high=3.0),
            sw.Param("a", "cycle", values=(1, 2)),
            sw.Param("b", "cycle", values=("x", "y", "z")),
            sw.Param("f", "fixed", value=0.9),
        ),
        figures=("y",),
    )
    s = [spec.sample(i) for i in range(4000)]
    ln = np.log([x["ln"] for x in s])
    assert math.exp(np.median(ln)) == pytest.approx(2.0, rel=0.01)
    assert np.std(ln) == pytest.approx(0.1, rel=0.05)
    assert np.mean([x["no"] for x in s]) == pytest.approx(5.0, abs=0.03)
    assert np.std([x["no"] for x in s]) == pytest.approx(0.5, rel=0.05)
    assert 1.0 <= min(x["un"] for x in s) and max(x["un"] for x in s) <= 3.0
    # the cycle parameters form a full factorial grid, the first varying fastest
    assert [(x["a"], x["b"]) for x in s[:6]] == [
        (1, "x"),
        (2, "x"),
        (1, "y"),
        (2, "y"),
        (1, "z"),
        (2, "z"),
    ]
    assert {x["f"] for x in s} == {0.9}


def test_spec_errors_name_the_problem():
    with pytest.raises(ValueError, match="dist = .gaussian. must be one of normal, lognormal"):
        sw.Param("rp", "gaussian", mean=1.0, sigma=0.1)
    with pytest.raises(ValueError, match="needs 'median'"):
        sw.Param("x", "lognormal", sigma=0.1)
    with pytest.raises(ValueError, match="module:function"):
        sw.SweepSpec("s", "no_colon", 3, 1, (), figures=("y",))
    with pytest.raises(ValueError, match="not swept parameters"):
        small_spec(overrides={1: {"nope": 1.0}})
    with pytest.raises(ValueError, match=r"\[params.rp\] needs 'dist'"):
        sw.SweepSpec.from_dict(
            {
                "evaluate": EVALUATE,
                "samples": 2,
                "seed": 1,
                "figures": ["y"],
                "params": {"rp": {"sigma": 0.1}},
            }
        )


def test_default_spec_is_the_ipnet_sweep():
    spec = sw.load_spec(sw.DEFAULT_SPEC)
    assert spec.samples >= 64
    assert spec.evaluate == "pyspice_flows.metrics.neuron:ipnet_sample_metrics"
    assert set(spec.figures) == {
        "firing_threshold_a",
        "highest_silent_a",
        "spikes_without_switching",
        "energy_per_spike_j",
        "spike_width_s",
        "heat_tau_s",
    }
    names = {p.name for p in spec.params}
    assert {"rp", "tmr0", "rth", "cth", "ic0", "delta0", "temp_k", "vdd_v"} <= names
    nominal = load_device().params
    by_name = {p.name: p for p in spec.params}
    assert by_name["rp"].median == nominal.rp  # centres come from the device file
    assert all(p.source for p in spec.params)
    corners = {(s["temp_k"], s["vdd_v"]) for s in (spec.sample(i) for i in range(spec.samples))}
    assert len(corners) == 9


# ----------------------------------------------------------------------------- running
@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    """5 samples on 2 local processes; sample 3 has a negative thermal resistance."""
    out = tmp_path_factory.mktemp("sweep_local")
    spec = small_spec(overrides={3: {"rth": -1.0e5}})
    res = sw.run_sweep(spec, out, workers=2, progress=False)
    return spec, out, res


@pytest.mark.slow
def test_local_sweep_writes_one_row_per_sample(local_run):
    spec, out, res = local_run
    rows = csv_rows(out / "results.csv")
    assert [r["index"] for r in rows] == ["0", "1", "2", "3", "4"]
    assert list(rows[0]) == spec.columns()
    assert (res.ran, res.skipped, res.ok, res.failed) == (5, 0, 4, 1)
    for r in rows:
        sample = spec.sample(int(r["index"]))
        assert {k: float(r[k]) for k in sample} == sample  # exact round trip of the values
    ok = [r for r in rows if r["status"] == "ok"]
    for r in ok:
        assert 0 < float(r["switch_time_s"]) < 10e-9
        assert float(r["cwd_index"]) == float(r["index"])  # ran in work/<index>
        assert r["error"] == ""
    assert all(not r["worker"].endswith(f":{os.getpid()}") for r in ok)  # other processes
    assert (out / "distributions_params.png").stat().st_size > 0
    assert (out / "distributions_figures.png").stat().st_size > 0


@pytest.mark.slow
def test_a_bad_sample_is_recorded_and_the_others_finish(local_run):
    _spec, out, _ = local_run
    bad = csv_rows(out / "results.csv")[3]
    assert bad["status"] == "failed"
    assert float(bad["rth"]) == -1.0e5
    assert "rth=-100000.0 is out of range" in bad["error"]
    assert bad["switch_time_s"] == ""
    # the failed sample keeps its folder for inspection; the ok ones are cleaned up
    assert "out of range" in (out / "work" / "3" / "error.txt").read_text()
    assert not (out / "work" / "0").exists()


@pytest.mark.slow
def test_rerun_resumes_and_skips_done_samples(local_run, tmp_path):
    spec, out, _ = local_run
    before = (out / "results.csv").read_text()
    res = sw.run_sweep(spec, out, workers=2, progress=False)
    assert (res.ran, res.skipped) == (0, 5)
    assert (out / "results.csv").read_text() == before

    # an interrupted sweep: two rows lost, the last one cut short in the middle
    part = tmp_path / "part"
    part.mkdir()
    for name in ("results.csv", "sweep_meta.json"):
        (part / name).write_text((out / name).read_text())
    lines = before.splitlines(keepends=True)
    (part / "results.csv").write_text("".join(lines[:4]) + lines[4][:10])
    res = sw.run_sweep(spec.with_samples(6), part, workers=0, progress=False)
    assert (res.ran, res.skipped) == (3, 3)  # samples 3 (cut short), 4 and the new 5
    rows = csv_rows(part / "results.csv")
    assert [r["index"] for r in rows] == [str(i) for i in range(6)]
    assert stable(rows[:5]) == stable(csv_rows(out / "results.csv"))

    # a different seed must not be mixed into the same table
    with pytest.raises(ValueError, match="different sweep"):
        sw.run_sweep(small_spec(seed=99), part, workers=0, progress=False)


@pytest.mark.slow
def test_retry_failed_reruns_only_the_failed_samples(local_run, tmp_path):
    spec, out, _ = local_run
    for name in ("results.csv", "sweep_meta.json"):
        (tmp_path / name).write_text((out / name).read_text())
    res = sw.run_sweep(spec, tmp_path, workers=0, progress=False, retry_failed=True)
    assert (res.ran, res.skipped, res.failed) == (1, 4, 1)


@pytest.mark.slow
def test_a_sample_that_kills_its_worker_is_recorded(tmp_path):
    crash = (sw.Param("crash", "fixed", value=0),)
    spec = small_spec(samples=4, extra=crash, overrides={1: {"crash": 1}})
    res = sw.run_sweep(spec, tmp_path, workers=2, progress=False)
    rows = csv_rows(tmp_path / "results.csv")
    assert [r["status"] for r in rows] == ["ok", "failed", "ok", "ok"]
    assert "worker process died" in rows[1]["error"]
    assert (res.ok, res.failed) == (3, 1)


@pytest.mark.slow
def test_a_sample_that_breaks_ngspice_does_not_fail_the_next_ones(tmp_path):
    poison = (sw.Param("poison", "fixed", value=0),)
    spec = small_spec(samples=6, extra=poison, overrides={0: {"poison": 1}, 1: {"poison": 1}})
    res = sw.run_sweep(spec, tmp_path, workers=2, progress=False)
    rows = csv_rows(tmp_path / "results.csv")
    assert [r["status"] for r in rows] == ["failed", "failed"] + ["ok"] * 4
    assert "cannot recover" in rows[0]["error"]
    assert (res.ok, res.failed) == (4, 2)


@pytest.mark.slow
def test_a_sample_over_its_time_limit_is_recorded_and_the_others_finish(tmp_path):
    stall = (sw.Param("sleep_s", "fixed", value=0),)
    spec = small_spec(samples=4, extra=stall, overrides={2: {"sleep_s": 60}})
    res = sw.run_sweep(spec, tmp_path, workers=2, progress=False, timeout_s=3.0)
    rows = csv_rows(tmp_path / "results.csv")
    assert [r["status"] for r in rows] == ["ok", "ok", "failed", "ok"]
    assert rows[2]["error"].startswith("timed out: still running after 3 s")
    assert (res.ok, res.failed) == (3, 1)


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_rows(local_run, tmp_path):
    distributed = pytest.importorskip("distributed")
    spec, out, _ = local_run
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        res = sw.run_sweep(spec, tmp_path, scheduler=cluster.scheduler_address, progress=False)
    assert (res.ran, res.ok, res.failed) == (5, 4, 1)
    rows = csv_rows(tmp_path / "results.csv")
    assert all(not r["worker"].endswith(f":{os.getpid()}") for r in rows if r["status"] == "ok")
    assert stable(csv_rows(tmp_path / "results.csv")) == stable(csv_rows(out / "results.csv"))


@pytest.mark.slow
def test_dask_replaces_workers_that_time_out_or_lose_their_ngspice(tmp_path):
    distributed = pytest.importorskip("distributed")
    extra = (sw.Param("poison", "fixed", value=0), sw.Param("sleep_s", "fixed", value=0))
    spec = small_spec(samples=6, extra=extra, overrides={0: {"poison": 1}, 3: {"sleep_s": 60}})
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        res = sw.run_sweep(
            spec, tmp_path, scheduler=cluster.scheduler_address, progress=False, timeout_s=3.0
        )
    rows = csv_rows(tmp_path / "results.csv")
    assert [r["status"] for r in rows] == ["failed", "ok", "ok", "failed", "ok", "ok"]
    assert "cannot recover" in rows[0]["error"]
    assert rows[3]["error"].startswith("timed out")
    assert (res.ok, res.failed) == (4, 2)


@pytest.mark.slow
def test_command_line_runs_a_spec_file(tmp_path, capsys):
    spec_file = tmp_path / "tiny.toml"
    spec_file.write_text(
        f'name = "tiny"\nevaluate = "{EVALUATE}"\nsamples = 2\nseed = 3\n'
        f"figures = {list(FIGURES)!r}\n".replace("'", '"')
        + '[params.ic0]\ndist = "lognormal"\nsigma = 0.05\n'
    )
    assert (
        sw.main(
            [
                "--spec",
                str(spec_file),
                "--out",
                str(tmp_path / "o"),
                "--workers",
                "0",
                "--no-progress",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "2 ok, 0 failed" in text
    rows = csv_rows(tmp_path / "o" / "results.csv")
    assert float(rows[0]["ic0"]) == small_spec().params[1].median * math.exp(
        0.05 * np.random.default_rng([3, 0, __import__("zlib").crc32(b"ic0")]).standard_normal()
    )
