"""The report's templates (Jinja2, package data) and its Markdown-to-HTML conversion.

The templates live in ``area_energy/report/templates/`` and are found through the
installed package (:class:`jinja2.PackageLoader`), so a wheel renders the same pages as
the checkout.  ``*.html.j2`` templates escape their values; ``*.md.j2`` ones do not
(Markdown is escaped by :func:`render.md_table` where it needs to be).

HTML comes from the Markdown by markdown-it-py (CommonMark with its table extension;
raw HTML in the text is escaped, not passed through; the report writes a product
as ``rth·cth``, so the HTML and any Markdown viewer read the same text).  A paragraph holding one image,
with an optional all-italic paragraph after it, becomes a ``<figure>`` with that text as
its ``<figcaption>``; image sources found in ``images`` (``{"name.png": "data:..."}``)
are replaced, so the page carries its figures inside.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from functools import cache

import jinja2
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markupsafe import Markup


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of the package's templates (undefined names are errors)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("area_energy.report", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def render_template(name: str, **context) -> str:
    return environment().get_template(name).render(**context)


def png_data_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _lone_image(tokens: list[Token], i: int) -> Token | None:
    """The image of a paragraph that holds nothing else, starting at ``tokens[i]``."""
    if i + 2 >= len(tokens) or tokens[i].type != "paragraph_open":
        return None
    children = tokens[i + 1].children or []
    if len(children) == 1 and children[0].type == "image":
        return children[0]
    return None


def _caption(tokens: list[Token], i: int) -> Token | None:
    """The inline token of an all-italic paragraph at ``tokens[i]``, without its emphasis."""
    if i + 2 >= len(tokens) or tokens[i].type != "paragraph_open":
        return None
    inline = tokens[i + 1]
    children = inline.children or []
    if (
        len(children) >= 3
        and children[0].type == "em_open"
        and children[-1].type == "em_close"
        and sum(c.type == "em_open" for c in children) == 1
    ):
        inline.children = children[1:-1]
        return inline
    return None


def _figures(images: Mapping[str, str]):
    """A core rule: image paragraphs (and their italic captions) to ``<figure>``s."""

    def rule(state: StateCore) -> None:
        tokens, out, i = state.tokens, [], 0
        while i < len(tokens):
            image = _lone_image(tokens, i)
            if image is None:
                out.append(tokens[i])
                i += 1
                continue
            src = str(image.attrGet("src"))
            opened = Token("figure_open", "figure", 1, block=True)
            opened.attrSet("id", "fig-" + src.removesuffix(".png"))
            image.attrSet("src", images.get(src, src))
            out += [opened, tokens[i + 1]]
            i += 3
            caption = _caption(tokens, i)
            if caption is not None:
                out += [
                    Token("figcaption_open", "figcaption", 1, block=True),
                    caption,
                    Token("figcaption_close", "figcaption", -1, block=True),
                ]
                i += 3
            out.append(Token("figure_close", "figure", -1, block=True))
        state.tokens = out

    return rule


def markdown_to_html(text: str, images: Mapping[str, str] | None = None) -> str:
    """HTML of Markdown ``text``: tables, figures with captions, ``images`` embedded."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.core.ruler.push("figures", _figures(images or {}))
    return md.render(text)


def html_page(title: str, markdown: str, images: Mapping[str, str] | None = None) -> str:
    """A self-contained page (``report.html.j2``: inline CSS) of Markdown text."""
    body = Markup(markdown_to_html(markdown, images))
    return render_template("report.html.j2", title=title, body=body)
