"""Markdown for the user's notes and tag descriptions: CommonMark, raw HTML off,
only http(s), mailto and relative links kept as links."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


def _safe_link(url: str) -> bool:
    scheme = urlsplit(url.strip()).scheme.lower()
    return scheme in ("", "http", "https", "mailto")


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt  # imported when some text is Markdown: not every build has notes

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.validateLink = _safe_link  # type: ignore[method-assign]
    return md


def to_html(text: str) -> str:
    """Render Markdown to HTML; any HTML in the text comes out escaped."""
    return _parser().render(text) if text.strip() else ""
