"""Machine-readable outputs: Atom feeds, sitemap, robots.txt, papers.json.

Written in code rather than templates, escaping every text and dropping the characters
XML cannot hold, so that any paper text yields well-formed XML.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from sitegen.site import urls
from sitegen.config import Config
from sitegen.core.escapes import replace_each
from sitegen.site.views import PaperView

ATOM = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 50
"""A feed carries the newest papers only, so it never grows with the list."""
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
EPOCH = "1970-01-01"


def _text(value: str) -> str:
    return _XML_INVALID.sub("", value)


def _link(config: Config, path: str) -> str:
    """Feeds need absolute URLs; without a base URL, a root-relative path is the best there is."""
    return urls.absolute(config.base_url, path) if config.base_url else urls.absolute("/", path)


@dataclass(frozen=True)
class FeedEntry:
    """What an Atom feed shows of a paper (its fingerprint covers this, not the whole view)."""

    title: str
    url: str
    date: str | None
    added: str | None
    tags: tuple[tuple[str, str], ...]
    """(id, name) of each tag."""
    abstract: str


def feed_entry(view: PaperView) -> FeedEntry:
    return FeedEntry(
        view.title, view.url, view.date, view.added, tuple((t.id, t.name) for t in view.tags), view.abstract
    )


def atom(config: Config, feed_id: str, title: str, path: str, papers: Sequence[FeedEntry]) -> bytes:
    home = _link(config, path)
    newest = max((p.date or p.added or EPOCH for p in papers), default=EPOCH)
    out = [
        _HEAD,
        f'<feed xmlns="{ATOM}">\n',
        _element("  ", "title", _text(title)),
        _element("  ", "id", home),
        f'  <link rel="self" href="{_attribute(home)}" />\n',
        f'  <link rel="alternate" href="{_attribute(_link(config, urls.feed_home(path)))}" />\n',
        f"  <updated>{_cdata(newest)}T00:00:00Z</updated>\n",
        "  <author>\n",
        _element("    ", "name", _text(config.author or config.title)),
        "  </author>\n",
    ]
    for paper in papers[:FEED_ENTRIES]:
        url = _link(config, paper.url)
        out += (
            "  <entry>\n",
            _element("    ", "title", _text(paper.title)),
            _element("    ", "id", url),
            f'    <link rel="alternate" href="{_attribute(url)}" />\n',
            f"    <updated>{_cdata(paper.date or paper.added or EPOCH)}T00:00:00Z</updated>\n",
        )
        out += [
            f'    <category term="{_attribute(_text(tag_id))}" label="{_attribute(_text(tag_name))}" />\n'
            for tag_id, tag_name in paper.tags
        ]
        out += (_element("    ", "summary", _text(paper.abstract)), "  </entry>\n")
    out.append("</feed>\n")
    return "".join(out).encode("utf-8")


# The XML is written as text: ElementTree took 5 ms a feed (0.4 s for the 80 feeds of a
# 10,000-paper site). The text is what ElementTree.indent and tostring gave (2-space
# indents, `<x />` for an element with no text), which tests/test_feeds.py holds it to.
_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n'
_CDATA_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
_ATTRIBUTE_ESCAPES = (*_CDATA_ESCAPES, ("\r", "&#13;"), ("\n", "&#10;"), ("\t", "&#09;"), ('"', "&quot;"))
"""Escapes for XML content, and for a double-quoted attribute (also the quote and the
whitespace an attribute would otherwise lose); `&` first."""


def _cdata(text: str) -> str:
    return replace_each(text, _CDATA_ESCAPES)


def _attribute(text: str) -> str:
    return replace_each(text, _ATTRIBUTE_ESCAPES)


def _element(indent: str, tag: str, text: str) -> str:
    """A line holding one element with text (none: an empty element)."""
    return f"{indent}<{tag}>{_cdata(text)}</{tag}>\n" if text else f"{indent}<{tag} />\n"


SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
SITEMAP_URLS = 50_000
"""The sitemap protocol's limit of URLs in one file; a bigger site gets a sitemap index
(sitemap.xml) that lists sitemap-1.xml, sitemap-2.xml, ... of at most this many each."""


def sitemap_files(paths: Sequence[str]) -> list[tuple[str, list[str]]]:
    """(file name, the pages it lists) for each sitemap file; one file, sitemap.xml,
    unless the site has more pages than one may list (then sitemap.xml is the index)."""
    ordered = sorted(paths)
    if len(ordered) <= SITEMAP_URLS:
        return [(urls.SITEMAP, ordered)]
    chunks = range(0, len(ordered), SITEMAP_URLS)
    return [(urls.sitemap_part(n), ordered[start : start + SITEMAP_URLS]) for n, start in enumerate(chunks, 1)]


def sitemap(config: Config, paths: Sequence[str]) -> bytes:
    return _sitemap_text(config, "urlset", "url", sorted(paths))


def sitemap_index(config: Config, files: Sequence[str]) -> bytes:
    """The index of a sitemap split into several files (`files`: their site paths)."""
    return _sitemap_text(config, "sitemapindex", "sitemap", files)


def _sitemap_text(config: Config, root_tag: str, item_tag: str, paths: Sequence[str]) -> bytes:
    if not paths:
        return f'{_HEAD}<{root_tag} xmlns="{SITEMAP}" />\n'.encode()
    items = [f"  <{item_tag}>\n{_element('    ', 'loc', _link(config, path))}  </{item_tag}>\n" for path in paths]
    return "".join((_HEAD, f'<{root_tag} xmlns="{SITEMAP}">\n', *items, f"</{root_tag}>\n")).encode("utf-8")


def robots(config: Config) -> bytes:
    lines = ["User-agent: *", "Allow: /"]
    if config.base_url:
        lines.append(f"Sitemap: {urls.absolute(config.base_url, urls.SITEMAP)}")
    return ("\n".join(lines) + "\n").encode()


def papers_json(
    ordered: Sequence[PaperView],
    related_table: Mapping[str, tuple[str, ...]],
    view_keys: dict[int, str] | None = None,
    memo: dict[str, Any] | None = None,
) -> bytes:
    """Every paper's data, for other tools; URLs are relative to the site root.
    Made from the views (in the library's order) and the related-papers table alone,
    so a fingerprint of those covers it.

    With `view_keys` (id(view) -> digest) and a `memo` kept between builds, each paper's
    entry is encoded once and reused while its view and related papers are the same,
    and when every entry is the one of the last call, so is the output (20 MB at 10,000
    papers, not worth joining again after a note was written)."""
    if view_keys is None or memo is None:  # one dumps: the same bytes as _join of every _entry
        papers = [_entry_data(view, related_table.get(view.slug, ())) for view in ordered]
        return orjson.dumps({"papers": papers}, option=orjson.OPT_SORT_KEYS) + b"\n"
    # Written for speed (10,000 papers after each edit in `serve`): map() where it can.
    keys = list(map(view_keys.__getitem__, map(id, ordered)))
    hits: list[tuple[tuple[str, ...], bytes] | None] = list(map(memo.get("entries", {}).get, keys))
    same_table = memo.get("table") is related_table  # then a view's digest, which has its slug, is enough
    for i, hit in enumerate(hits):
        if hit is None or (not same_table and hit[0] != related_table.get(ordered[i].slug, ())):
            related = related_table.get(ordered[i].slug, ())
            hits[i] = (related, _entry(ordered[i], related))
    entries: list[bytes] = [hit[1] for hit in hits]  # type: ignore[index]
    last: list[bytes] = memo.get("last_entries", [])
    if "last_output" not in memo or len(last) != len(entries) or not all(map(operator.is_, last, entries)):
        memo.update(last_entries=entries, last_output=_join(entries))
    memo.update(entries=dict(zip(keys, hits, strict=True)), table=related_table)
    return memo["last_output"]  # type: ignore[no-any-return]


def _entry(view: PaperView, related: tuple[str, ...]) -> bytes:
    return orjson.dumps(_entry_data(view, related), option=orjson.OPT_SORT_KEYS)


def _entry_data(view: PaperView, related: tuple[str, ...]) -> dict[str, Any]:
    return {**json_data(view), "related": list(related)}


def _join(entries: list[bytes]) -> bytes:
    """The entries as orjson joins list items, so the bytes are those of one dumps."""
    return b"".join((b'{"papers":[', b",".join(entries), b"]}\n"))


def json_data(view: PaperView) -> dict[str, Any]:
    """A paper's entry in papers.json, but for its related papers (which come from the
    related table): all that papers.json shows of a view. Its fingerprint covers the
    fields this reads (render._json_inputs; tests/test_facets.py holds the two together)."""
    data = {
        "slug": view.slug,
        "url": view.url,
        "title": view.title,
        "abstract": view.abstract,
        "date": view.date,
        "date_written": view.date_written,
        "authors": view.authors,
        "upvotes": view.upvotes,
        "tags": [tag.id for tag in view.tags],
        "status": view.status,
        "rating": view.rating,
        "added": view.added,
        "read_on": view.read_on,
        "sources": [source.id for source in view.sources],
        "links": [{"url": link.url, "kind": link.kind} for link in view.links],
    }
    # Only when known, so the entries of papers without them are as they were.
    if view.author_names:
        data["author_names"] = list(view.author_names)
    if view.arxiv:
        data["arxiv"] = view.arxiv
    if view.doi:
        data["doi"] = view.doi
    return data
