"""feeds.atom and feeds.sitemap write their XML as text; these hold that text to what
ElementTree (the serialiser they replaced, kept here as the reference) gives for the
same feed, whatever the paper text holds, and check the result parses."""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree import ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.config import Config
from sitegen.site import feeds
from sitegen.site.feeds import ATOM, EPOCH, FEED_ENTRIES, SITEMAP, FeedEntry, _link, _text


def reference_atom(config: Config, title: str, path: str, papers: Sequence[FeedEntry]) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = _text(title)
    ET.SubElement(feed, f"{{{ATOM}}}id").text = _link(config, path)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=_link(config, path))
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=_link(config, path.replace("feed.xml", "")))
    newest = max((p.date or p.added or EPOCH for p in papers), default=EPOCH)
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = f"{newest}T00:00:00Z"
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = _text(config.author or config.title)
    for paper in papers[:FEED_ENTRIES]:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}title").text = _text(paper.title)
        ET.SubElement(entry, f"{{{ATOM}}}id").text = _link(config, paper.url)
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=_link(config, paper.url))
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = f"{paper.date or paper.added or EPOCH}T00:00:00Z"
        for tag_id, tag_name in paper.tags:
            ET.SubElement(entry, f"{{{ATOM}}}category", term=_text(tag_id), label=_text(tag_name))
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = _text(paper.abstract)
    return _xml(feed)


def reference_sitemap(config: Config, root_tag: str, item_tag: str, paths: Sequence[str]) -> bytes:
    ET.register_namespace("", SITEMAP)
    root = ET.Element(f"{{{SITEMAP}}}{root_tag}")
    for path in paths:
        ET.SubElement(ET.SubElement(root, f"{{{SITEMAP}}}{item_tag}"), f"{{{SITEMAP}}}loc").text = _link(config, path)
    return _xml(root)


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


# Text with everything XML escapes or cannot hold, and the odd non-ASCII character.
tricky = st.text(
    st.one_of(
        st.characters(max_codepoint=0x7F),
        st.sampled_from(["&", "<", ">", '"', "'", "\r", "\n", "\t", "\x00", "\x0b", "\ufffe", "é", "\u2028", "😀"]),
    ),
    max_size=40,
)
dates = st.none() | st.sampled_from(["2025-01-02", "2024-12-31", "2026-06-30"])
entries = st.builds(
    FeedEntry,
    title=tricky,
    url=st.sampled_from(["papers/a/index.html", "papers/b&c/index.html", "papers/x y/index.html"]),
    date=dates,
    added=dates,
    tags=st.lists(st.tuples(tricky, tricky), max_size=3).map(tuple),
    abstract=tricky,
)
configs = st.builds(
    Config,
    title=tricky.filter(bool),
    author=tricky,
    base_url=st.sampled_from(["", "https://example.org/list/", "https://x.org/a&b/"]),
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(configs, tricky, st.sampled_from(["feed.xml", "tags/x/feed.xml"]), st.lists(entries, max_size=4))
def test_atom_is_what_elementtree_wrote(config: Config, title: str, path: str, papers: list[FeedEntry]) -> None:
    made = feeds.atom(config, path, title, path, papers)
    assert made == reference_atom(config, title, path, papers)
    ET.fromstring(made)  # well-formed, whatever the text held


def test_atom_cuts_at_feed_entries() -> None:
    papers = [FeedEntry(f"P{i}", f"papers/p{i}/index.html", None, None, (), "") for i in range(FEED_ENTRIES + 5)]
    made = feeds.atom(Config(), "feed.xml", "All", "feed.xml", papers)
    assert made == reference_atom(Config(), "All", "feed.xml", papers)
    assert made.count(b"<entry>") == FEED_ENTRIES
    assert b"<summary />" in made  # an empty abstract: an empty element, as ElementTree wrote it


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(configs, st.lists(st.sampled_from(["index.html", "papers/a/index.html", "tags/a&b/index.html", "x y.html"])))
def test_sitemap_is_what_elementtree_wrote(config: Config, paths: list[str]) -> None:
    made = feeds.sitemap(config, paths)
    assert made == reference_sitemap(config, "urlset", "url", sorted(paths))
    assert feeds.sitemap_index(config, paths) == reference_sitemap(config, "sitemapindex", "sitemap", paths)
    ET.fromstring(made)


@given(st.text())
def test_text_and_attributes_are_escaped_as_elementtree_escapes_them(text: str) -> None:
    assert feeds._cdata(text) == ET._escape_cdata(text)  # type: ignore[attr-defined]
    assert feeds._attribute(text) == ET._escape_attrib(text)  # type: ignore[attr-defined]
