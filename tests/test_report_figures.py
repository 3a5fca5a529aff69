"""The report's figures behind the cache (area_energy.report.figures): a figure is drawn
once per content of its data, and the stored PNG is the one the report writes from the
drawn figure."""

import io
from pathlib import Path

import pytest

from area_energy.report import figures, render
from pyspice_flows.sim import cache

NEURONS = {
    "ipnet": {
        "energy_per_spike_J": 4.1e-12,
        "energy_per_spike_breakdown_J": {"input_drive": 1e-12, "mtj_joule_heat": 2e-12},
        "area_um2": 3.2,
    },
    "lif": {
        "energy_per_spike_J": 9.0e-13,
        "energy_per_spike_breakdown_J": {"input_drive": 3e-13, "static_leakage": 1e-13},
        "area_um2": 30.5,
    },
}


@pytest.fixture
def cache_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(tmp_path))
    monkeypatch.delenv(cache.CACHE_SWITCH_ENV, raising=False)
    return tmp_path


def _png_of(fig) -> bytes:
    """What the report's publisher writes for a matplotlib figure (publish._figure_png)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=render.FIGURE_DPI, bbox_inches="tight", backend="agg")
    return buf.getvalue()


def test_a_figure_is_drawn_once_and_stored_as_the_report_would_write_it(cache_folder, monkeypatch):
    path = figures.fig_energy(NEURONS)
    assert isinstance(path, Path) and path.parent == cache_folder
    assert path.read_bytes() == _png_of(figures._draw_energy(NEURONS))

    def no_drawing(_neurons):
        raise AssertionError("drawn again although its data did not change")

    monkeypatch.setattr(figures, "_draw_energy", no_drawing)
    assert figures.fig_energy(NEURONS) == path


@pytest.mark.slow
def test_changed_data_draws_again_and_no_cache_gives_the_figure(cache_folder, monkeypatch):
    first = figures.fig_area(NEURONS)
    changed = {**NEURONS, "lif": {**NEURONS["lif"], "area_um2": 31.0}}
    second = figures.fig_area(changed)
    assert second != first and second.read_bytes() != first.read_bytes()
    reordered = dict(reversed(list(NEURONS.items())))  # the bars' order is data too
    assert figures.fig_area(reordered) not in (first, second)
    monkeypatch.setenv(cache.CACHE_SWITCH_ENV, "off")
    fig = figures.fig_area(NEURONS)
    assert hasattr(fig, "savefig") and _png_of(fig) == first.read_bytes()


def test_the_key_sees_every_value_exactly():
    base = figures._canonical([1.0, float("nan"), None])
    assert base != figures._canonical([1.0 + 1e-15, float("nan"), None])
    assert base != figures._canonical([1.0, None, None])
