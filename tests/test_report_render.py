"""Report rendering: files, self-contained HTML, JSON round trip, atomic writes, number format."""

import json
import os

import numpy as np
import pytest
from matplotlib.figure import Figure  # no pyplot: PNGs are rendered with Agg by render.py

from area_energy.report import render
from area_energy.report.publish import write_report
from area_energy.report.render import fmt_si, summary_lines
from pyspice_flows.app import staging


def tiny_figure(slope: float) -> Figure:
    fig = Figure(figsize=(2, 1.5))
    ax = fig.add_subplot()
    x = np.linspace(0, 1, 5)
    ax.plot(x, slope * x)
    return fig


class BrokenFigure(Figure):
    def savefig(self, *args, **kwargs):
        raise RuntimeError("disk on fire")


def fake_results() -> dict:
    return {
        "title": "Test report",
        "claims": [
            {
                "claim": "energy per spike",
                "published": {"value": 1.61e-15, "unit": "J"},
                "ours": {"value": np.float64(1.234e-15), "unit": "J"},
                "verdict": "reproduced",
                "reason": "same order | fine",
            },
            {"claim": "area", "published": "34 um^2", "ours": "4.5 um^2", "comment": "old key"},
        ],
        "neurons": {
            "ipnet": {
                "area_um2": 4.5,
                "energy_per_spike_J": np.float64(1.234e-15),
                "transistors": np.int64(12),
                "capacitors": 0,
            },
            "lif": {
                "area_um2": 34.0,
                "energy_per_spike_J": 1.61e-15,
                "transistors": 20,
                "capacitors": 1,
                "static_W": 2e-12,
            },
        },
        "sections": [
            {
                "title": "Energy",
                "text": "First **paragraph** with `code`.\n\nSecond <paragraph>.\n\n- a\n- b",
                "table": {
                    "columns": ["source", "energy"],
                    "rows": [["vdd", {"value": 2e-15, "unit": "J"}]],
                },
                "figure": "energy",
            },
            {"title": "Notes", "text": "Only text."},
        ],
        "assumptions": {"mtj": {"rth_K_per_W": 1e5, "cth_J_per_K": 1e-14}, "vdd_V": 0.9},
        "provenance": {"ngspice": "46", "commit": "abc123", "array": np.arange(3)},
    }


def report_files(d):
    return sorted(p.name for p in d.glob("energy_report.*"))


def test_write_report_writes_every_file(tmp_path):
    out = tmp_path / "reports"
    figs = {"energy": tiny_figure(1.0), "area": tiny_figure(2.0)}
    paths = write_report(fake_results(), figs, out)
    names = {p.name for p in paths}
    assert names == {
        "energy_report.md", "energy_report.html", "energy_report.json", "energy.png", "area.png"
    }  # fmt: skip
    assert all(p.is_file() and p.parent == out for p in paths)
    # nothing else is left behind next to the report
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]
    assert sorted(p.name for p in out.iterdir()) == sorted(names)
    assert (out / "energy.png").read_bytes().startswith(render.PNG_SIGNATURE)

    data = json.loads((out / "energy_report.json").read_text())
    assert set(data) == {"title", "claims", "neurons", "sections", "assumptions", "provenance"}
    assert data["neurons"]["ipnet"]["energy_per_spike_J"] == pytest.approx(1.234e-15)
    assert type(data["neurons"]["ipnet"]["transistors"]) is int
    assert data["provenance"]["array"] == [0, 1, 2]
    assert data["claims"][0]["ours"] == {"value": 1.234e-15, "unit": "J"}

    html = (out / "energy_report.html").read_text()
    assert html.count("data:image/png;base64,") == 2
    assert 'src="http' not in html and "<link" not in html and "<script" not in html
    assert "1.23 fJ" in html and "4.5 um^2" in html
    assert "Second &lt;paragraph&gt;." in html
    assert "<strong>paragraph</strong>" in html and "<li>a</li>" in html

    md = (out / "energy_report.md").read_text()
    assert md.startswith("# Test report")
    assert "## Summary: published claim vs ours" in md
    assert "| Claim | Published | Ours | Verdict | Reason |" in md
    assert "| energy per spike | 1.61 fJ | 1.23 fJ | reproduced | same order \\| fine |" in md
    assert "| area | 34 um^2 | 4.5 um^2 | — | old key |" in md
    assert "| Quantity | ipnet | lif |" in md
    assert "| static | — | 2 pW |" in md
    assert "![energy](energy.png)" in md
    assert "![area](area.png)" in md  # not shown by a section: listed under Other figures
    assert md.index("## Energy") < md.index("## Other figures") < md.index("## Assumptions")
    assert "| Parameter | Value | Unit |" in md
    assert "| mtj.rth_K_per_W | 100000 | K/W |" in md
    assert "| vdd_V | 0.9 | V |" in md
    assert "*Energy*" in md  # a figure without a caption is captioned by its section title
    assert "| commit | abc123 |" in md


def test_png_path_figures_are_copied(tmp_path):
    src = tmp_path / "given.png"
    tiny_figure(1.0).savefig(src, format="png")
    results = {"title": "p", "sections": [{"title": "s", "figure": "energy"}]}
    write_report(results, {"energy": src}, tmp_path / "out")
    assert (tmp_path / "out" / "energy.png").read_bytes() == src.read_bytes()

    not_png = tmp_path / "x.png"
    not_png.write_text("hello")
    with pytest.raises(ValueError, match="not a PNG"):
        write_report(results, {"energy": not_png}, tmp_path / "out2")
    assert not (tmp_path / "out2").exists()


def test_failed_figure_leaves_no_report_in_fresh_dir(tmp_path):
    out = tmp_path / "fresh"
    figs = {"energy": tiny_figure(1.0), "bad": BrokenFigure()}
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_report(fake_results(), figs, out)
    assert not list(tmp_path.rglob("energy_report.*"))
    assert not list(tmp_path.rglob("*.png"))
    assert [p.name for p in tmp_path.iterdir()] == []  # staging folder removed too


def test_failed_rewrite_keeps_the_previous_report(tmp_path):
    out = tmp_path / "reports"
    write_report(fake_results(), {"energy": tiny_figure(1.0)}, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    changed = fake_results() | {"title": "Second attempt"}
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_report(changed, {"energy": tiny_figure(3.0), "bad": BrokenFigure()}, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]


def test_failure_while_moving_rolls_back(tmp_path, monkeypatch):
    out = tmp_path / "reports"
    write_report(fake_results(), {"energy": tiny_figure(1.0)}, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    real_replace, calls = os.replace, []

    def flaky_replace(src, dst):
        calls.append(dst)
        if len(calls) == 3:  # fail after two report files were already moved in
            raise OSError("device vanished")
        real_replace(src, dst)

    monkeypatch.setattr(staging.os, "replace", flaky_replace)  # the publishing mechanism
    with pytest.raises(OSError, match="device vanished"):
        write_report(fake_results() | {"title": "New"}, {"energy": tiny_figure(2.0)}, out)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_invalid_input_is_refused_before_writing(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ValueError, match="figure 'missing'"):
        write_report({"sections": [{"title": "s", "figure": "missing"}]}, {}, out)
    with pytest.raises(ValueError, match="plain file name"):
        write_report({}, {"../evil": tiny_figure(1.0)}, out)
    with pytest.raises(ValueError, match="verdict 'maybe'"):
        write_report({"claims": [{"claim": "x", "verdict": "maybe"}]}, {}, out)
    with pytest.raises(ValueError, match="2 cells"):
        bad_table = {"columns": ["a", "b"], "rows": [["only one"]]}
        write_report({"sections": [{"title": "s", "table": bad_table}]}, {}, out)
    assert not out.exists()


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (1.234e-15, "J", "1.23 fJ"),
        (0, "J", "0 J"),
        (0.0, "W", "0 W"),
        (4.5, "um^2", "4.5 um^2"),
        (1e-15, "J", "1 fJ"),
        (-2.5e-6, "A", "-2.5 uA"),
        (999.6e-12, "s", "1 ns"),
        (123.456e3, "ohm", "123 kohm"),
        (1.5, "V", "1.5 V"),
        (12345.0, "um^2", "12345 um^2"),
        (1.234e-15, "", "1.23 f"),
        (float("nan"), "J", "—"),
        (None, "J", "—"),
        (float("inf"), "W", "inf W"),
        (2e30, "J", "2e30 J"),
        (1e-3, "um^2", "1e-3 um^2"),
    ],
)
def test_fmt_si(value, unit, expected):
    assert fmt_si(value, unit) == expected


def test_summary_lines():
    lines = summary_lines(fake_results())
    assert lines[0] == "Test report"
    assert any(
        "energy per spike: published 1.61 fJ, ours 1.23 fJ (reproduced)" in ln for ln in lines
    )
    ipnet = next(ln for ln in lines if ln.strip().startswith("ipnet:"))
    assert "area 4.5 um^2" in ipnet and "energy per spike 1.23 fJ" in ipnet
    assert "transistors 12" in ipnet


# ----------------------------------------------------------------------------- report text
def test_a_shared_part_is_one_readable_row_and_breakdowns_stay_out():
    """A nested record (the IPNet's shared bias generator) is one readable cell, never a
    Python dict; numeric breakdowns (energy by part, conservation) are not rows."""
    neurons = {
        "ipnet": {
            "area_um2": 4.5,
            "energy_breakdown_J": {"write": 1e-12, "reset": 0.5e-12},
            "energy_per_spike_breakdown_J": {"write": 0.5e-12},
            "shared_bias_generator": {
                "instances": ["XB"],
                "transistors": 8,
                "area_um2": 0.58,
                "average_power_W": 4.69e-5,
                "note": "shared by every neuron of an array",
            },
        },
        "lif": {
            "area_um2": 13.1,
            "energy_breakdown_J": {"write": 0.0},
            "energy_per_spike_breakdown_J": None,  # no spike: still a breakdown row, left out
            "shared_bias_generator": None,
        },
    }
    md = render.render_markdown({"neurons": neurons}, {})
    assert "{" not in md and "'" not in md
    row = next(line for line in md.splitlines() if line.startswith("| shared bias generator"))
    assert row == (
        "| shared bias generator | instances XB, transistors 8, area 0.58 um^2, "
        "average power 46.9 uW; shared by every neuron of an array | — |"
    )
    assert "energy breakdown" not in md and "energy per spike breakdown" not in md


def test_counts_in_the_assumptions_do_not_take_a_unit_from_their_suffix():
    from area_energy.report.build import assumption_units

    units = assumption_units()
    for key in ("kernel_w", "kernel_h", "frame_width"):
        assert render.assumption_unit(f"memory.standalone.cnn3d.{key}", units) == "pixels"
    assert render.assumption_unit("memory.standalone.cnn3d.kernel_t", units) == "frames"
    assert render.assumption_unit("memory.backbone.kernel_t", units) == "frames"
    assert render.assumption_unit("memory.standalone.cnn3d.time_step_s", units) == "s"


@pytest.mark.parametrize(
    ("residual", "says"),
    [
        (0.022, "the plasticity comes from heat (the no-heat control keeps 2.2% of it)"),
        (0.36, "heat accounts for 64% of the plasticity; the no-heat control keeps 36% of it"),
        (1.3, "the plasticity does not come from heat: the no-heat control keeps 130% of it"),
    ],
)
def test_the_ablation_text_quotes_the_residual_fraction(residual, says):
    from area_energy.report.sections_v2 import ablation_section

    normal = {"tau_th_s": 1e-9, "max_rise_K": 10.0}
    section = ablation_section(
        {
            "plasticity_normal": 100e-12,
            "plasticity_no_heat": residual * 100e-12,
            "ratio_no_heat_over_normal": residual,
            "normal": normal,
            "by_ablation": {"short_heat_memory": {**normal, "advantage_s": residual * 100e-12}},
        }
    )
    assert section["text"].endswith(f": {says}.")


def test_the_heat_decay_plot_draws_the_fit_and_names_both_time_constants():
    """With a device whose fitted decay (1.67 ns) is not its rth*cth (1.00 ns): the solid
    line is the fit, through the points; the title names both; the y axis is dimensionless."""
    from pyspice_flows.experiments.plasticity import PlasticityCurve, plot

    gaps = np.linspace(0.1e-9, 2e-9, 6)
    advantage = 0.3 * np.exp(-gaps / 1.67e-9)
    rested = 2e-9
    curve = PlasticityCurve(
        gaps, rested / np.exp(advantage), rested, np.zeros(6), 1.67e-9, 1.0e-9, 0.3
    )
    fig = plot(curve, None)
    ax = fig.axes[0]
    assert "fitted decay 1.67 ns" in ax.get_title() and "rth*cth 1.00 ns" in ax.get_title()
    assert "dimensionless" in ax.get_ylabel()
    fit_line, reference = (line for line in ax.get_lines() if line.get_linestyle() in ("-", "--"))
    np.testing.assert_allclose(fit_line.get_ydata(), curve.advantage, rtol=1e-9)
    assert "1.67 ns" in fit_line.get_label() and "1.00 ns" in reference.get_label()


def test_readme_block_disagrees_with_a_changed_number_or_text():
    from area_energy.report import readme

    data = {
        "header_rows": [["design", "d"], ["device", "x.toml"], ["commit", "abc"]],
        "claims": [
            {
                "claim": "LIF area / IPNet area",
                "published": "> 20x",
                "ours": "2.9x",
                "verdict": "not reproduced",
                "reason": "against the published 34 um^2 LIF the ratio is 7x",
            }
        ],
        "memory_power_ratio": {
            "time_scales": {
                "tau_memory_s": 1.05e-9,
                "time_step_s": 1e-3,
                "step_over_tau": 948068.7,
                "at_simulated_tau": {"lstm_over_ipnet": 1007.3, "cnn3d_over_ipnet": 9427.2},
                "refreshed_every_tau": {"lstm_over_ipnet": 0.00107, "cnn3d_over_ipnet": 0.00999},
            }
        },
        "neurons": {
            "ipnet": {"energy_per_spike_J": 6.73e-12, "energy_floor_J": 3.93e-12},
            "ipnet_v2": {"energy_per_spike_J": 1.39e-12, "spike_width_s": 5.4e-10},
            "lif": {"energy_per_spike_J": 35.5e-15, "spike_width_s": 3.2e-10},
        },
        "energy_comparison": {
            "ipnet": {"energy_per_spike_J": 1.36e-12},
            "lif": {"energy_per_spike_J": 39.6e-15},
            "ratio_ipnet_over_lif": 34.3,
        },
    }
    text = "# README\n\n" + readme.BEGIN + "\nold\n" + readme.END + "\n\nrest\n"
    readme_text = readme.replace_block(text, readme.readme_block(data))
    assert readme_text.startswith("# README\n\n") and readme_text.endswith("\n\nrest\n")
    assert "abc" not in readme_text  # the commit changes with every commit
    assert readme.disagreements(readme_text, data) == []
    # a number within the tolerance agrees; 12x where the report says 7x does not
    assert readme.disagreements(readme_text.replace("1.39 pJ", "1.4 pJ"), data) == []
    (problem,) = readme.disagreements(readme_text.replace("is 7x", "is 12x"), data)
    assert "README says 12 where the report has 7" in problem
    assert readme.disagreements(readme_text.replace("not reproduced", "reproduced"), data)
    with pytest.raises(ValueError, match="no generated block"):
        readme.disagreements("# README without the block\n", data)
