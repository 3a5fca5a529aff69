"""The energy report's section "Working memory and network" (issue 21): it reads the
protocols' summaries (here small synthetic ones in tmp_path), renders through the report's
Markdown and HTML renderer, and names the command that writes a missing summary."""

from __future__ import annotations

import json
import time

from area_energy.report import render
from area_energy.report.working_memory import TITLE, working_memory_network_section


def _wm_summary() -> dict:
    none_lag = [1.0, 0.998, 0.997]
    return {
        "design": {"device": "dev.toml", "slot_s": 46.4e-9},
        "plan": {"trials": 60},
        "recency": {
            "lags_slots": [1, 2, 3],
            "gain_by_lag": [3.2177, 1.8342, 1.3419],
            "tau_s": 53.78e-9,
            "controls": {"no_heat": {"gain_by_lag": none_lag}},
            "trials": {
                "normal": {
                    "by_lag": [
                        {
                            "lag_slots": 1,
                            "gain": 2.786,
                            "gain_ci95": [1.039, 7.169],
                            "probe": {"n": 60},
                        }
                    ]
                },
                "no_heat": {
                    "by_lag": [
                        {
                            "lag_slots": 1,
                            "gain": 0.9333,
                            "gain_ci95": [0.4789, 1.8192],
                            "probe": {"n": 200},
                        }
                    ]
                },
                "trials_per_point": 60,
            },
        },
        "free_recall": {
            "by_position": [
                {"position": 1, "gain": 1.09, "d_prime": 0.05, "recalled": False},
                {"position": 2, "gain": 2.9, "d_prime": 1.21, "recalled": True},
            ]
        },
        "interference": {
            "pitch_10pct_m": 1.265e-6,
            "layout_pitch_m": 1.403e-6,
            "crosstalk_at_layout": 0.0837,
            "controls": {"no_coupling": {"delta_p": [0.0]}},
        },
    }


def _network_summary() -> dict:
    return {
        "classes": 22,
        "seeds": 5,
        "chance": 1 / 22,
        "variants": {"ipnet_input": "(a) IPNet layer at the input", "no_memory": "(e) none"},
        "accuracy": {
            "ipnet_input": {"mean": 0.612, "ci95": [0.581, 0.643]},
            "no_memory": {"mean": 0.304, "ci95": [0.287, 0.321]},
        },
    }


def _write(path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def test_section_shows_both_summaries_in_markdown_and_html(tmp_path):
    wm, net = tmp_path / "wm" / "summary.json", tmp_path / "net" / "summary.json"
    _write(wm, _wm_summary())
    _write(net, _network_summary())
    t0 = time.perf_counter()
    section = working_memory_network_section(wm, net)
    assert time.perf_counter() - t0 < 1.0  # reads files, runs nothing
    assert section["title"] == TITLE
    cells = {row[0]: row[1] for row in section["table"]["rows"]}
    one = cells["recency: gain P(fire) / P(rested) 1 slot(s) after an item"]
    assert one == "3.22 (law); trials 2.79 [1.04, 7.17] (95 %, n = 60)"
    assert cells["recency: gain P(fire) / P(rested) 3 slot(s) after an item"] == "1.34 (law)"
    assert cells["recency, control no_heat, 3 slot(s)"] == "0.997"
    # the heat-ablated trials beside the law's control where they ran (lag 1 here)
    ablated = cells["recency, control no_heat, 1 slot(s)"]
    assert ablated == "1.000 (law); trials 0.93 [0.48, 1.82] (95 %, n = 200)"
    assert cells["recency: fitted decay tau of the excess gain"] == "53.8 ns"
    recall = next(v for k, v in cells.items() if k.startswith("free recall"))
    assert recall == "0.05, 1.21; recalled: 2"
    pitch = next(v for k, v in cells.items() if k.startswith("interference"))
    assert pitch.startswith("1.26 um / 1.40 um") and "0.084" in pitch
    assert cells["network accuracy: (a) IPNet layer at the input"] == "0.612 [0.58, 0.64]"
    assert cells["network accuracy: (e) none"] == "0.304 [0.29, 0.32]"
    assert "22 classes, 5 seeds" in section["text"] and "make working-memory" in section["text"]

    results = {"title": "t", "sections": [section]}
    md = render.render_markdown(results, {})
    assert f"## {TITLE}" in md and "| 0.612 [0.58, 0.64] |" in md.replace("  ", " ")
    html = render.render_html(results, {}, {})
    assert TITLE in html and "3.22 (law); trials 2.79 [1.04, 7.17]" in html


def test_an_array_interference_reading_adds_its_row_and_an_older_summary_none(tmp_path):
    wm, net = tmp_path / "wm.json", tmp_path / "net.json"
    older = _wm_summary()
    _write(wm, older)
    rows = working_memory_network_section(wm, net)["table"]["rows"]
    assert not any(r[0].startswith("interference on a") for r in rows)
    _write(
        wm,
        {
            **older,
            "interference_array": {
                "rows": 8,
                "cols": 8,
                "layout_pitch_m": 1.409e-6,
                "own_excess_at_layout": 0.1203,
                "crosstalk_at_layout": {"silent": 0.0, "neighbours": 0.5241, "dense": 0.8643},
            },
        },
    )
    rows = working_memory_network_section(wm, net)["table"]["rows"]
    (row,) = [r for r in rows if r[0].startswith("interference on a")]
    assert row[0].startswith("interference on a 8 x 8 array at the layout pitch 1.41 um")
    assert row[1] == "0.524 / 0.864 of the own memory 0.120 (law)"


def test_missing_and_stale_summaries_name_the_command_that_writes_them(tmp_path):
    from area_energy.report.working_memory import _interval

    assert _interval([0.0, None]) == " [0.00, inf]" and _interval(None) == ""
    section = working_memory_network_section(tmp_path / "a.json", tmp_path / "b.json")
    assert "table" not in section
    assert "`make working-memory` writes it" in section["text"]
    assert "`make network` writes it" in section["text"]
    stale = tmp_path / "old.json"
    _write(stale, {"recency": {}})
    section = working_memory_network_section(stale, tmp_path / "b.json")
    assert "lacks an expected entry" in section["text"] and "make working-memory" in section["text"]
    render.render_markdown({"sections": [section]}, {})  # renders without a table
