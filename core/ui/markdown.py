"""Run descriptions as Markdown, rendered safely for the run page.

::

    to_html("**Best** run, see [the report](https://example.com/r)")

CommonMark through markdown-it-py with raw HTML turned off: any ``<tag>`` in the text comes
out escaped. Links keep only ``http:`` and ``https:`` addresses (anything else, such as
``javascript:`` or ``data:``, stays as plain text), open in a new tab without a referrer,
and images are never loaded: ``![alt](https://...)`` becomes a link to the image.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from markdown_it import MarkdownIt
    from markdown_it.renderer import RendererHTML
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict

SAFE_SCHEMES = ("http://", "https://")


def safe_link(url: str) -> bool:
    """True for an absolute ``http(s)://`` address."""
    return url.strip().lower().startswith(SAFE_SCHEMES)


@cache
def _renderer() -> MarkdownIt:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable("image")
    md.validateLink = safe_link  # type: ignore[method-assign]

    def link_open(
        renderer: RendererHTML,
        tokens: Sequence[Token],
        idx: int,
        options: OptionsDict,
        env: EnvType,
    ) -> str:
        tokens[idx].attrSet("rel", "noopener noreferrer nofollow")
        tokens[idx].attrSet("target", "_blank")
        return renderer.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    return md


def to_html(text: str) -> str:
    """The Markdown ``text`` as HTML safe to put in a page."""
    html: str = _renderer().render(text)
    return html
