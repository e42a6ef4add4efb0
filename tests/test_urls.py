"""Site paths and the relative URLs between them (sitegen/site/urls.py), pinned by a table."""

from __future__ import annotations

import ast
import posixpath
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.site import urls


@pytest.mark.parametrize(
    ("made", "expected"),
    [
        (urls.page(), "index.html"),
        (urls.page("tags"), "tags/index.html"),
        (urls.page("tags", "moe"), "tags/moe/index.html"),
        (urls.paginated("", 1), "index.html"),
        (urls.paginated("", 3), "page/3/index.html"),
        (urls.paginated("tags/moe", 1), "tags/moe/index.html"),
        (urls.paginated("tags/moe", 2), "tags/moe/page/2/index.html"),
        (urls.paper("layer-normalization"), "papers/layer-normalization/index.html"),
        (urls.tag("moe"), "tags/moe/index.html"),
        (urls.tag("moe", 4), "tags/moe/page/4/index.html"),
        # A tag's slug comes from its identity: every spelling of one tag has one URL.
        (urls.tag("Mixture of Experts"), f"tags/mixture-of-experts-{urls.key_hash('mixture of experts')}/index.html"),
        (urls.tag("mixture  of experts"), urls.tag("MIXTURE OF EXPERTS")),
        (urls.tag("LLM"), "tags/llm/index.html"),
        (urls.tag("\uff2c\uff2cM\u200b"), "tags/llm/index.html"),
        (urls.year("2024"), "years/2024/index.html"),
        (urls.digest("hf-daily.txt"), "digests/hf-daily/index.html"),
        (urls.digest("HF Daily.txt"), f"digests/hf-daily-{urls.key_hash('HF Daily.txt')}/index.html"),
        (urls.root("index.html"), ""),
        (urls.root("papers/x/index.html"), "../../"),
        (urls.root("tags/moe/page/2/index.html"), "../../../../"),
        (urls.absolute("https://a.b/papers/", "index.html"), "https://a.b/papers/"),
        (urls.absolute("https://a.b/papers/", "tags/moe/index.html"), "https://a.b/papers/tags/moe/"),
        (urls.absolute("https://a.b/", "feed.xml"), "https://a.b/feed.xml"),
    ],
)
def test_url_table(made: str, expected: str) -> None:
    assert made == expected


@given(st.lists(st.text(alphabet="ab/.-", max_size=6), max_size=4))
def test_page_is_posixpath_join(parts: list[str]) -> None:
    """urls.page joins clean parts itself (faster); whatever the parts, the result is posixpath's."""
    assert urls.page(*parts) == (posixpath.join(*parts, "index.html") if parts else "index.html")


SITE_FILE_NAMES = ("index.html", "feed.xml", "404.html", "sitemap.xml", "robots.txt", "papers.json", "papers.bib")
SPELLED_ELSEWHERE: dict[str, set[str]] = {
    # A template's name, not a site path: the 404 page is rendered from templates/404.html.
    "build/render.py": {"404.html"},
    # sitegen/search/ is another change's to rework (Pagefind's glob, the shard folders
    # it reads pages from); until then it spells the paper page's file name itself.
    "search/index.py": {"index.html"},
    "search/sharded.py": {"index.html"},
    "search/shards.py": {"index.html"},
}
"""Modules that may spell a site file name, and which: each with its reason."""


def _string_constants(tree: ast.Module) -> list[str]:
    """Every string constant of a module but its docstrings, attributes' included (a
    string standing alone as a statement); f-strings' parts count."""
    docstrings = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_only_urls_spells_a_site_file_name() -> None:
    """Site paths are made by the functions above, one per path kind (as Quartz's path
    types): no string surgery such as `.replace("index.html", "feed.xml")` elsewhere."""
    package = Path(urls.__file__).resolve().parent.parent
    found = []
    for path in sorted(package.rglob("*.py")):
        name = path.relative_to(package).as_posix()
        if name == "site/urls.py":
            continue
        for text in _string_constants(ast.parse(path.read_text(encoding="utf-8"))):
            spelled = {file for file in SITE_FILE_NAMES if file in text}
            if spelled - SPELLED_ELSEWHERE.get(name, set()):
                found.append(f"sitegen/{name}: {text!r}")
    assert found == []


@pytest.mark.parametrize(
    ("made", "expected"),
    [
        (urls.feed(), "feed.xml"),
        (urls.feed(urls.tag_folder("moe")), "tags/moe/feed.xml"),
        (urls.feed(urls.digest_folder("hf-daily.txt")), "digests/hf-daily/feed.xml"),
        (urls.feed_home("tags/moe/feed.xml"), "tags/moe/"),
        (urls.feed_home("feed.xml"), ""),
        (urls.year_folder("2024"), "years/2024"),
        (urls.sitemap_part(2), "sitemap-2.xml"),
        (urls.static("css/site.css"), "static/css/site.css"),
    ],
)
def test_folder_and_feed_paths(made: str, expected: str) -> None:
    assert made == expected


def test_paper_page_kinds() -> None:
    assert urls.is_paper_page(urls.paper("x")) and urls.under_papers(urls.paper("x"))
    assert not urls.is_paper_page(urls.tag("x")) and not urls.under_papers("papers.json")
    assert urls.tag_folder("moe") + "/index.html" == urls.tag("moe")
