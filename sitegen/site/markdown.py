"""Markdown for the user's notes and tag descriptions: GitHub-flavoured (tables,
strikethrough, autolinks), footnotes and $math$, raw HTML off, only http(s), mailto and
relative links kept as links.

Math is not typeset: `$...$` becomes `<span class="math inline">`, `$$...$$` inside a
paragraph `<span class="math display">` and `$$` on lines of its own `<div class="math
block">`, each holding the TeX as escaped text, for a typesetter (KaTeX, MathJax) a theme
may add; the bundled theme shows the TeX as written.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token


def _safe_link(url: str) -> bool:
    scheme = urlsplit(url.strip()).scheme.lower()
    return scheme in ("", "http", "https", "mailto")


def _autolinks() -> Any:
    """linkify-it, limited to GitHub's autolinks: a URL with its scheme, `www.` and an
    e-mail address. A bare domain is not linked: `README.md` or `notes.py` in a note
    would otherwise become links to hosts in Moldova and Paraguay."""
    from linkify_it import LinkifyIt

    class Autolinks(LinkifyIt):
        def match(self, text: str) -> list[Any] | None:
            found = [m for m in super().match(text) or [] if m.schema or m.raw.lower().startswith("www.")]
            return found or None

        def test(self, text: str) -> bool:
            return self.match(text) is not None

    return Autolinks()


def _display_span(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """`$$...$$` inside a paragraph: a span (a div may not sit in a <p>) to display."""
    from markdown_it.common.utils import escapeHtml

    return f'<span class="math display">{escapeHtml(tokens[idx].content.strip())}</span>'


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt  # imported when some text is Markdown: not every build has notes
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.footnote import footnote_plugin

    md = MarkdownIt("gfm-like", {"html": False, "linkify": True, "typographer": False})
    md.linkify = _autolinks()
    md.use(footnote_plugin)
    # `$5 and $6` is money, not math: no digit just outside the dollars, no space just inside.
    # No equation labels: `(eq1)` would become an id, which may clash with the page's own.
    md.use(dollarmath_plugin, allow_space=False, allow_digits=False, allow_labels=False, double_inline=True)
    md.add_render_rule("math_inline_double", _display_span)
    md.validateLink = _safe_link  # type: ignore[method-assign]
    return md


def to_html(text: str) -> str:
    """Render Markdown to HTML; any HTML in the text comes out escaped."""
    return _parser().render(text) if text.strip() else ""
