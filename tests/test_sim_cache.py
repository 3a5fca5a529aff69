"""The simulation cache (pyspice_flows.sim.cache): one content hash, hits give the very
waveforms of the run that was stored, any change of what a run depends on simulates again."""

import numpy as np
import pytest

from pyspice_flows.sim import cache
from pyspice_flows.sim.session import Transient

RC = "rc\nV1 in 0 PULSE(0 1 0 1n 1n 5n 20n)\nR1 in out {r}\nC1 out 0 1p\n"
TRAN = Transient(0.05e-9, 20e-9)


@pytest.fixture
def stats(monkeypatch):
    fresh = cache.CacheStats()
    monkeypatch.setattr(cache, "STATS", fresh)
    monkeypatch.delenv(cache.CACHE_SWITCH_ENV, raising=False)
    return fresh


def test_content_digest_separates_its_parts():
    assert cache.content_digest("ab", "c") != cache.content_digest("a", "bc")
    assert cache.content_digest("ab", "c") == cache.content_digest(b"ab", b"c")
    assert len(cache.content_digest()) == 64


def test_a_second_run_is_read_back_identically(tmp_path, stats):
    cold = cache.cached_run(RC.format(r="1k"), TRAN, folder=tmp_path)
    warm = cache.cached_run(RC.format(r="1k"), TRAN, folder=tmp_path)
    assert stats.as_dict() == {"hits": 1, "misses": 1}
    assert len(list(tmp_path.glob("*.json"))) == len(list(tmp_path.glob("*.npy"))) == 1
    assert set(warm.vectors) == set(cold.vectors)
    for name, values in cold.vectors.items():
        np.testing.assert_array_equal(warm.vectors[name], values)
    assert warm.plot_type == cold.plot_type == "tran"
    # the physics survives the round trip: v(out) charges towards 1 V with tau = 1 ns
    t, v = warm.time, warm.v("out")
    k = np.searchsorted(t, 5e-9)
    assert v[k] == pytest.approx(1 - np.exp(-(t[k] - 1e-9 / 2) / 1e-9), abs=0.05)


def test_every_input_of_the_key_simulates_again(tmp_path, stats, monkeypatch):
    cache.cached_run(RC.format(r="1k"), TRAN, folder=tmp_path)
    cache.cached_run(RC.format(r="2k"), TRAN, folder=tmp_path)  # the netlist
    cache.cached_run(RC.format(r="1k"), Transient(0.05e-9, 30e-9), folder=tmp_path)  # analysis
    cache.cached_run(RC.format(r="1k"), TRAN, temperature_k=358.15, folder=tmp_path)
    assert stats.misses == 4 and stats.hits == 0
    monkeypatch.setattr(cache, "models_digest", lambda: "a changed Verilog-A model")
    cache.cached_run(RC.format(r="1k"), TRAN, folder=tmp_path)
    monkeypatch.setattr(cache, "simulator_identity", lambda: "another ngspice")
    cache.cached_run(RC.format(r="1k"), TRAN, folder=tmp_path)
    assert stats.misses == 6 and stats.hits == 0


def test_cache_off_and_a_damaged_entry_simulate(tmp_path, stats, monkeypatch):
    cache.cached_run(RC.format(r="1k"), TRAN, folder=tmp_path)
    (entry,) = tmp_path.glob("*.npy")
    entry.write_bytes(b"not a numpy array")
    w = cache.cached_run(RC.format(r="1k"), TRAN, folder=tmp_path)
    assert stats.misses == 2 and w.v("out").size > 10
    monkeypatch.setenv(cache.CACHE_SWITCH_ENV, "off")
    assert cache.cache_dir() is None
    cache.cached_run(RC.format(r="1k"), TRAN)
    assert stats.misses == 3


def test_vectors_of_other_lengths_and_complex_ones_round_trip(tmp_path):
    from pyspice_flows.sim.session import Waveforms

    w = Waveforms(
        "ac",
        {
            "frequency": np.array([1.0, 2.0, 3.0]),
            "v(out)": np.array([1 + 1j, 2 - 1j, 0.5j]),
            "v(in)": np.array([1.0, 1.0, 1.0]),
            "short": np.array([4.0]),
        },
    )
    path = tmp_path / "x"
    cache._store(path, w)
    back = cache._load(path, "netlist")
    assert back.plot_type == "ac" and set(back.vectors) == set(w.vectors)
    for name, values in w.vectors.items():
        np.testing.assert_array_equal(back.vectors[name], values)


def test_a_derived_value_is_computed_once_per_content(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(tmp_path))
    monkeypatch.delenv(cache.CACHE_SWITCH_ENV, raising=False)
    code = tmp_path / "law.py"
    code.write_text("law = 1\n")
    calls = []

    def compute():
        calls.append(1)
        return {"energy_J": 1.25e-12, "parts": [1, 2]}

    first = cache.cached_value("floor", compute, 0.9, 300.0, sources=[code])
    again = cache.cached_value("floor", compute, 0.9, 300.0, sources=[code])
    assert first == again == {"energy_J": 1.25e-12, "parts": [1, 2]} and len(calls) == 1
    cache.cached_value("floor", compute, 0.9, 358.15, sources=[code])  # another input
    code.write_text("law = 2\n")  # the code changed
    cache.cached_value("floor", compute, 0.9, 300.0, sources=[code])
    assert len(calls) == 3
    monkeypatch.setenv(cache.CACHE_SWITCH_ENV, "off")
    cache.cached_value("floor", compute, 0.9, 300.0, sources=[code])
    assert len(calls) == 4


def test_the_folder_keeps_under_its_size_limit_dropping_the_least_recently_used(
    tmp_path, stats, monkeypatch
):
    import os

    for r in ("1k", "2k", "3k"):
        cache.cached_run(RC.format(r=r), TRAN, folder=tmp_path)
    keys = sorted(tmp_path.glob("*.json"), key=lambda p: p.stat().st_mtime)
    for age, p in enumerate(keys):  # 1k oldest ... 3k newest
        os.utime(p, (1000 + age, 1000 + age))
    cache.cached_run(RC.format(r="1k"), TRAN, folder=tmp_path)  # a hit: 1k used now
    one = sum(p.stat().st_size for p in tmp_path.iterdir()) / 3
    removed = cache.prune(tmp_path, limit=2.5 * one)
    assert removed == [keys[1].stem]  # 2k: used longest ago
    assert {p.stem for p in tmp_path.glob("*.json")} == {keys[0].stem, keys[2].stem}
    monkeypatch.setenv(cache.CACHE_SIZE_ENV, "-1")
    with pytest.raises(ValueError, match="IPNET_SIM_CACHE_MAX_GB"):
        cache.max_bytes()


def test_a_file_digest_is_that_of_sha256sum_and_follows_every_change(tmp_path, monkeypatch):
    import hashlib
    import time

    monkeypatch.setattr(cache, "RACY_S", 0.0)  # remember even a file written just now
    path = tmp_path / "model.va"
    path.write_bytes(b"module a; endmodule\n")
    first = cache.file_digest(path)
    assert first == hashlib.sha256(b"module a; endmodule\n").hexdigest()
    assert str(path) in cache._FILE_DIGESTS  # remembered while the file stays as it is
    assert cache.file_digest(path) == first
    time.sleep(0.05)  # past the file system's timestamp granularity
    path.write_bytes(b"module b; endmodule\n")  # same size, new content
    assert cache.file_digest(path) == hashlib.sha256(b"module b; endmodule\n").hexdigest()


def test_a_file_changed_just_now_is_hashed_again_next_time(tmp_path):
    path = tmp_path / "card.lib"
    path.write_text("* card\n")
    cache.file_digest(path)
    assert str(path) not in cache._FILE_DIGESTS  # racily clean: within RACY_S of its write


def test_a_derived_file_is_made_once_per_content(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(tmp_path))
    monkeypatch.delenv(cache.CACHE_SWITCH_ENV, raising=False)
    calls = []

    def make():
        calls.append(1)
        return b"\x89PNG figure bytes"

    first = cache.cached_file("figure-x", "png", make, "data 1")
    assert first.read_bytes() == b"\x89PNG figure bytes" and first.suffix == ".png"
    assert cache.cached_file("figure-x", "png", make, "data 1") == first and len(calls) == 1
    other = cache.cached_file("figure-x", "png", make, "data 2")
    assert other != first and len(calls) == 2
    assert first.stem in cache.prune(tmp_path, limit=0)  # .png entries are pruned too
    monkeypatch.setenv(cache.CACHE_SWITCH_ENV, "off")
    assert cache.cached_file("figure-x", "png", make, "data 1") is None and len(calls) == 2


def test_prune_skips_an_entry_another_process_removed_meanwhile(tmp_path, stats):
    """Two sweep workers prune one folder: a file listed by one may be gone when it looks
    at it (here a dangling link: listed, but stat finds nothing).  The prune goes on and
    keeps the folder under its limit (measured: 8 of 72 sweep samples failed on it)."""
    cache.cached_run(RC.format(r="1k"), TRAN, folder=tmp_path)
    (tmp_path / "gone.json").symlink_to(tmp_path / "removed-by-the-other-worker.json")
    removed = cache.prune(tmp_path, limit=0)
    assert removed and not list(tmp_path.glob("*.npy"))
