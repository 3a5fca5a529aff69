"""The report's templates and its HTML: the Markdown laid out as before the templates, HTML
from that Markdown by markdown-it-py (headings, tables, figures, escaped raw HTML), and the
templates found through the installed package."""

import base64
import re
from importlib import resources
from pathlib import Path

from area_energy.report import markup, render

# Written by the string-concatenating renderer this template replaced (commit 62e8314),
# for the results of ``layout_results()``: the layout the template must keep byte for byte.
LAYOUT_BEFORE = """\
# T

sub *x*

## Run

|  | for |
|---|---|
| a | 1 |
| b\\|c | d |

## S

![f](f.png)

*S*

## U

t

## Other figures

![g_h](g_h.png)

*g h*

## Assumptions

| Parameter | Value | Unit |
|---|---|---|
| mtj.rth_K_per_W | 100000 | K/W |

## Provenance

| Item | Value |
|---|---|
| commit | abc |
"""


def layout_results() -> dict:
    return {
        "title": "T",
        "subtitle": "  sub *x*  \n",
        "header_rows": [["a", 1], ["b|c", "d"]],
        "sections": [{"title": "S", "figure": "f", "caption": ""}, {"title": "U", "text": "  t  "}],
        "assumptions": {"mtj": {"rth_K_per_W": 1e5}},
        "provenance": {"commit": "abc"},
    }


def test_markdown_keeps_the_layout_of_the_renderer_it_replaced():
    md = render.render_markdown(layout_results(), {"f": object(), "g_h": object()})
    assert md == LAYOUT_BEFORE
    assert render.render_markdown({}, {}) == "# IPNet energy and area report\n"


def test_a_markdown_table_and_heading_come_out_as_html_table_and_h2():
    results = {
        "title": "Energy <report>",
        "sections": [
            {
                "title": "Energy",
                "text": "A **bold** word.",
                "table": {"columns": ["source", "energy"], "rows": [["vdd | in", 2e-15]]},
                "figure": "energy",
                "caption": "Energy by source.",
            }
        ],
    }
    png = b"\x89PNG\r\n\x1a\nnot really an image"
    page = render.render_html(results, {"energy": object()}, {"energy": png})
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>Energy &lt;report&gt;</title>" in page
    assert "<h1>Energy &lt;report&gt;</h1>" in page and "<h2>Energy</h2>" in page
    assert "<table>" in page and "<th>source</th>" in page and "<th>energy</th>" in page
    assert "<td>vdd | in</td>" in page and "<td>2e-15</td>" in page
    assert "<p>A <strong>bold</strong> word.</p>" in page
    uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    assert f'<figure id="fig-energy"><img src="{uri}" alt="energy" />' in page
    assert "<figcaption>Energy by source.</figcaption>\n</figure>" in page
    assert "energy.png" not in page  # embedded, not linked


def test_prose_markdown_to_html():
    text = (
        "Raw <script>alert(1)</script> stays text; `code` and *emphasis*.\n\n"
        "- one\n- two\n\n"
        "The product rth·cth = 1 ns and V·I·t are plain text."
    )
    html = markup.markdown_to_html(text)
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "<code>code</code>" in html and "<em>emphasis</em>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert "<p>The product rth·cth = 1 ns and V·I·t are plain text.</p>" in html


def test_the_templates_write_no_product_a_markdown_viewer_would_read_as_emphasis():
    """CommonMark pairs ``a*b*c`` into emphasis: the report's text writes ``a·b``."""
    folder = Path(markup.__file__).parent / "templates"
    for template in sorted(folder.glob("*.md.j2")):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"[A-Za-z0-9]\*[A-Za-z0-9]", text), template.name


def test_an_image_without_caption_is_a_figure_and_a_partly_italic_line_is_no_caption():
    html = markup.markdown_to_html("![a](a.png)\n\n*half* italic\n", {"a.png": "data:x"})
    assert '<figure id="fig-a"><img src="data:x" alt="a" /></figure>' in html
    assert "<p><em>half</em> italic</p>" in html


def test_the_templates_are_read_from_the_installed_package():
    package = resources.files("area_energy.report")
    for name in ("report.md.j2", "report.html.j2"):
        template = markup.environment().get_template(name)
        assert Path(template.filename) == Path(str(package / "templates" / name))
        assert Path(template.filename).is_file()
