"""The site build on real files: outputs, links, determinism, atomicity, escaping."""

from __future__ import annotations

import hashlib
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from sitegen.build.pipeline import BuildError, Project, build
from sitegen.config import ConfigError
from sitegen.site.check import check_site
from tests.sites import ROOT, build_project, copy_content


def tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture()
def content(tmp_path: Path) -> Path:
    return copy_content(ROOT / "content", tmp_path)


def test_bundled_site_has_every_page_and_machine_file(bundled_site: Path) -> None:
    papers = sorted(bundled_site.glob("papers/*/index.html"))
    assert len(papers) == 219
    data = json.loads((bundled_site / "papers.json").read_text())["papers"]
    assert len(data) == 219
    tags = {t for p in data for t in p["tags"]}
    assert 15 <= len(tags) <= 40
    for tag in tags:
        assert (bundled_site / "tags" / tag / "index.html").is_file(), tag
        ET.parse(bundled_site / "tags" / tag / "feed.xml")
    # 219 papers at 20 a page: 11 home pages
    assert (bundled_site / "page" / "11" / "index.html").is_file()
    assert not (bundled_site / "page" / "12").exists()
    feed = ET.parse(bundled_site / "feed.xml").getroot()
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    assert len(feed.findall("{http://www.w3.org/2005/Atom}entry")) == 50
    sitemap = ET.parse(bundled_site / "sitemap.xml").getroot()
    assert len(sitemap) > 219
    for name in (
        "robots.txt",
        ".nojekyll",
        "404.html",
        "stats/index.html",
        "about/index.html",
        "queue/index.html",
        "years/index.html",
        "digests/index.html",
        "tags/index.html",
        "search/index.html",
        "search-index.js",
        "pagefind/pagefind.js",
        "static/style.css",
    ):
        assert (bundled_site / name).is_file(), name


def test_bundled_site_has_no_broken_links(bundled_site: Path) -> None:
    pages, broken = check_site(bundled_site)
    assert pages > 250
    assert broken == []


def test_check_reports_a_broken_link(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "index.html").write_text('<a href="a/index.html">ok</a> <a href="a/">folder</a> <img src="x.png">')
    (tmp_path / "a" / "index.html").write_text('<a href="../index.html#nope">x</a> <a href="https://e.org/">ext</a>')
    pages, broken = check_site(tmp_path)
    assert pages == 2
    assert sorted(str(b) for b in broken) == [
        "a/index.html: broken link to ../index.html#nope",
        "index.html: broken link to a/",
        "index.html: broken link to x.png",
    ]


def test_paper_page_content_and_metadata(bundled_site: Path) -> None:
    html = (bundled_site / "papers/unraveling-the-mystery-of-scaling-laws-part-i/index.html").read_text()
    assert '<h1 data-pagefind-meta="title">Unraveling the Mystery of Scaling Laws: Part I</h1>' in html
    assert '<meta name="citation_title" content="Unraveling the Mystery of Scaling Laws: Part I">' in html
    assert '<meta name="citation_publication_date" content="2024/03/11">' in html
    assert '"@type":"ScholarlyArticle"' in html
    assert 'property="og:title"' in html
    assert "4 authors" in html
    assert 'href="../../tags/scaling-laws/index.html"' in html
    assert "2025-12-15-hf-daily-papers.txt" in html and "hf-daily-papers-mar-12.txt" in html
    assert "https://arxiv.org/search/?query=Unraveling" in html
    related = html.split('id="related-heading"', 1)[1].split("</aside>", 1)[0]
    assert related.count('<li><a href="../') == 5


def test_two_builds_are_byte_identical(content: Path, tmp_path: Path) -> None:
    first = build_project(tmp_path / "one", content, search=True)
    second = build_project(tmp_path / "two", content, search=True)
    assert tree_digest(first) == tree_digest(second)


def test_the_offline_index_is_made_before_pagefind_starts(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sitegen.search.index as search

    events: list[str] = []
    start, make = search.PagefindRun.__init__, search.offline_index

    def started(run: search.PagefindRun, *args: object) -> None:
        start(run, *args)
        events.append("pagefind started")

    def offline(library: object) -> bytes:
        events.append("offline index made")
        return make(library)  # type: ignore[arg-type]

    monkeypatch.setattr(search.PagefindRun, "__init__", started)
    monkeypatch.setattr(search, "offline_index", offline)
    site = build_project(tmp_path, content, search=True)
    # first, and its memory handed back: Pagefind gets the budget less what the build holds then
    assert events == ["offline index made", "pagefind started"]
    assert (site / "search-index.js").read_bytes().startswith(b"window.SITEGEN_SEARCH=")
    assert (site / "pagefind" / "pagefind.js").is_file()


def test_a_failure_before_pagefind_starts_runs_none_and_keeps_the_old_site(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sitegen.search.index as search

    site = build_project(tmp_path, content, search=True)
    before = tree_digest(site)
    stopped: list[int | None] = []
    stop = search.PagefindRun.stop

    def record(run: search.PagefindRun) -> None:
        stop(run)
        stopped.append(run._process.returncode)

    def broken(library: object) -> bytes:
        raise RuntimeError("the offline index failed")

    monkeypatch.setattr(search.PagefindRun, "stop", record)
    monkeypatch.setattr(search, "offline_index", broken)
    with pytest.raises(RuntimeError, match="the offline index failed"):
        build(Project(content=content, templates=tmp_path / "no-templates", output=site), search=True, full=True)
    assert stopped == []  # the offline index comes first: no Pagefind was started
    assert tree_digest(site) == before
    assert list(site.parent.glob(".site.sitegen-*")) == []  # the staging folder, Pagefind's half-bundle in it, is gone


def test_failed_build_leaves_old_site_untouched(content: Path, tmp_path: Path) -> None:
    site = build_project(tmp_path, content)
    before = tree_digest(site)
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "about.html").write_text('{% extends "base.html" %}\n{% block content %}\n{% if %}\n{% endblock %}\n')
    with pytest.raises(BuildError, match=r"about.html:3: template syntax error"):
        build(Project(content=content, templates=templates, output=site), search=False)
    assert tree_digest(site) == before
    assert not list(tmp_path.glob(".site.sitegen-*")), "staging folder left behind"


def test_malformed_page_fails_build_with_file_and_line(content: Path, tmp_path: Path) -> None:
    site = build_project(tmp_path, content)
    before = tree_digest(site)
    page = next((content / "papers").glob("*.md"))
    page.write_text(page.read_text().replace("tags:\n", "rating: lots\ntags:\n", 1))
    with pytest.raises(BuildError, match=rf"{page.name}:\d+: rating: expected a whole number"):
        build(Project(content=content, templates=tmp_path / "none", output=site), run_importer=False, search=False)
    assert tree_digest(site) == before


def test_undefined_template_variable_is_an_error(content: Path, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "about.html").write_text(
        '{% extends "base.html" %}{% block content %}{{ no_such_thing }}{% endblock %}'
    )
    with pytest.raises(BuildError, match="no_such_thing"):
        build(Project(content=content, templates=templates, output=tmp_path / "site"), search=False)


def test_a_template_error_names_its_line_inside_an_output_of_several_parts(content: Path, tmp_path: Path) -> None:
    # The compiled template yields each run of text and values as one string (FastCodeGenerator):
    # an error in its third value still names the line that value is on.
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "about.html").write_text(
        '{% extends "base.html" %}{% block content %}\n<p>{{ site.title }}</p>\n'
        "<p>{{ site.title }}, {{ title }} and\n{{ site.no_such_setting }}</p>\n{% endblock %}\n"
    )
    with pytest.raises(BuildError, match=r"about\.html:4: template error: .*no_such_setting"):
        build(Project(content=content, templates=templates, output=tmp_path / "site"), search=False)


def test_local_template_overrides_theme_file_by_file(content: Path, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    (templates / "static").mkdir(parents=True)
    (templates / "about.html").write_text(
        '{% extends "base.html" %}{% block content %}<p>Our own about</p>{% endblock %}'
    )
    (templates / "static" / "extra.css").write_text("p{}")
    site = build_project(tmp_path, content, templates=templates)
    assert "<p>Our own about</p>" in (site / "about/index.html").read_text()
    assert "Related papers" in next(site.glob("papers/*/index.html")).read_text()  # theme still used
    assert (site / "static/extra.css").is_file() and (site / "static/style.css").is_file()


def test_bad_config_names_file_line_and_setting(content: Path, tmp_path: Path) -> None:
    (content / "config.yaml").write_text("title: Mine\npage_size: many\n")
    with pytest.raises(ConfigError, match=r"config.yaml:2: page_size: expected a whole number"):
        build(Project(content=content, templates=tmp_path / "none", output=tmp_path / "site"), search=False)
    (content / "config.yaml").write_text("titel: Mine\n")
    with pytest.raises(ConfigError, match=r"config.yaml:1: unknown setting 'titel'"):
        build(Project(content=content, templates=tmp_path / "none", output=tmp_path / "site"), search=False)


def test_only_digests_folder_builds_the_full_site(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content" / "digests", content / "digests")
    site = build_project(tmp_path, content)
    assert len(list(site.glob("papers/*/index.html"))) == 219
    assert len(list(site.glob("tags/*/index.html"))) > 15  # the bundled taxonomy


HOSTILE_DIGEST = """Daily Papers

<script>alert('title')</script> Attack" onmouseover="alert(1) {{ 7*7 }} {% raw %}

We show <script>alert('abstract')</script> and <img src=x onerror=alert(2)> and a link javascript:alert(3) plus data:text/html,<b>x</b> and https://example.org/ok?a=1&b=<2> inside an abstract that is long enough to be an abstract, which is over three hundred characters of text, so the parser reads it as prose rather than as a title. {{ config }} {% for x in y %}

  • 3 authors
·
Mar 13, 2024 5
"""


class _Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.event_attrs: list[str] = []
        self.bad_urls: list[str] = []
        self.imgs = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self.scripts.append(values)
        if tag == "img":
            self.imgs += 1
        for name, value in attrs:
            if name.startswith("on"):
                self.event_attrs.append(f"{tag} {name}")
            if name in ("href", "src") and value and value.strip().lower().startswith(("javascript:", "data:text")):
                self.bad_urls.append(value)


def test_hostile_digest_renders_as_inert_text(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "digests").mkdir(parents=True)
    (content / "digests" / "2025-01-01-hostile.txt").write_text(HOSTILE_DIGEST)
    site = build_project(tmp_path, content, search=True)
    pages = list(site.glob("papers/*/index.html"))
    assert len(pages) == 1
    html = pages[0].read_text()
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html and "49" not in html.replace("2024", "")
    for page in [*pages, site / "index.html", site / "search" / "index.html"]:
        inspector = _Inspector()
        inspector.feed(page.read_text())
        assert inspector.event_attrs == [], page
        assert inspector.bad_urls == [], page
        assert inspector.imgs == 0, page
        for script in inspector.scripts:
            assert script.get("src", "").startswith(("../", "static/")) or script.get("type") == "application/ld+json"
    assert "</script><" not in html.split('application/ld+json">', 1)[1].split("</script>", 1)[0]
    for feed in site.rglob("*.xml"):
        ET.parse(feed)  # well-formed whatever the text
    data = json.loads((site / "papers.json").read_text())
    assert data["papers"][0]["title"].startswith("<script>")  # data stays data in JSON
    assert [link["url"] for link in data["papers"][0]["links"]] == ["https://example.org/ok?a=1&b="]
    index = (site / "search-index.js").read_text()
    assert "<script" not in index and "\\u003cscript>" in index


def test_parallel_build_equals_serial_and_reports_errors(content: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import sitegen.build.parallel as parallel

    monkeypatch.setattr(parallel, "PARALLEL_MIN_JOBS", 10)
    serial = Project(content, tmp_path / "none", tmp_path / "serial", cache=tmp_path / "c1")
    parallel = Project(content, tmp_path / "none", tmp_path / "parallel", cache=tmp_path / "c2")
    build(serial, search=False, workers=1)
    build(parallel, search=False, workers=2)
    assert tree_digest(serial.output) == tree_digest(parallel.output)
    templates = tmp_path / "templates"
    templates.mkdir()
    # an error only some pages hit: whichever process renders them, the build fails cleanly
    (templates / "paper.html").write_text(
        '{% extends "base.html" %}{% block content %}{{ paper.title if paper.year != "2024" else paper.nope.x }}{% endblock %}'
    )
    before = tree_digest(parallel.output)
    with pytest.raises(BuildError, match="nope"):
        build(Project(content, templates, parallel.output, cache=tmp_path / "c3"), search=False, workers=2)
    assert tree_digest(parallel.output) == before


def test_parallel_page_loading_equals_serial_and_reports_the_same_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages parsed in forked processes give the serial result; with broken pages in
    several chunks (taken by whichever process comes first), the error is the serial one
    (the first bad page by name)."""
    from sitegen.build import loading, parallel
    from sitegen.build.cache import BuildCache
    from sitegen.build.loading import load_papers
    from sitegen.core.errors import BuildError

    monkeypatch.setattr(parallel, "PARALLEL_MIN_PAGES", 2)
    monkeypatch.setattr(loading, "PARSE_CHUNK", 16)
    content = copy_content(ROOT / "content", tmp_path)
    serial = load_papers(content, BuildCache(), workers=1)
    assert load_papers(content, BuildCache(), workers=2) == serial
    assert len(serial) == 219

    pages = sorted((content / "papers").glob("*.md"))
    for page in (pages[150], pages[101], pages[210]):  # three chunks; the back of the list is taken first
        page.write_text("---\ntitle: [unclosed\n---\n")
    errors = []
    for workers in (1, 2):
        with pytest.raises(BuildError) as caught:
            load_papers(content, BuildCache(), workers=workers)
        errors.append(str(caught.value))
    assert errors[0] == errors[1]
    # The unclosed `[` is reported at its own line, 2 of the file (PyYAML's Python reader).
    expected = f"content/papers/{pages[101].name}:2: invalid front matter: expected ',' or ']', but got '<stream end>'"
    assert errors[0] == expected


def test_a_site_with_more_pages_than_a_sitemap_may_list_gets_a_sitemap_index(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sitemap protocol allows 50,000 URLs a file (100,000 papers have more pages):
    past the limit, sitemap.xml is an index of sitemap-N.xml files that list every page once."""
    import sitegen.site.feeds as feeds

    small = build_project(tmp_path / "small", content)
    monkeypatch.setattr(feeds, "SITEMAP_URLS", 100)
    split = build_project(tmp_path / "split", content)
    ns = {"s": feeds.SITEMAP}
    every = [loc.text for loc in ET.parse(small / "sitemap.xml").getroot().findall("s:url/s:loc", ns)]
    index = ET.parse(split / "sitemap.xml").getroot()
    assert index.tag == f"{{{feeds.SITEMAP}}}sitemapindex"
    files = [loc.text for loc in index.findall("s:sitemap/s:loc", ns)]
    assert files == [f"/sitemap-{n}.xml" for n in range(1, len(files) + 1)] and len(files) == -(-len(every) // 100)
    listed = []
    for name in files:
        urls = [loc.text for loc in ET.parse(split / name.lstrip("/")).getroot().findall("s:url/s:loc", ns)]
        assert 0 < len(urls) <= 100
        listed += urls
    assert listed == every


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_pages_with_other_line_endings_build_as_their_lf_twins(tmp_path: Path, newline: str) -> None:
    """The build reads pages as text mode would (universal newlines): a page saved with
    CRLF or CR line endings, notes included, gives the site its LF twin gives."""
    sites = {}
    for name, ending in (("lf", "\n"), ("other", newline)):
        content = tmp_path / name / "content"
        (content / "papers").mkdir(parents=True)
        text = "---\ntitle: A paper\ndate: 2024-03-01\ntags:\n- moe\n---\nFirst note line.\n\n- a list\n- of notes\n"
        (content / "papers" / "a-paper.md").write_bytes(text.replace("\n", ending).encode())
        out = build_project(tmp_path / name, content)
        sites[name] = {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    assert sites["lf"] == sites["other"]
    assert b"<li>of notes</li>" in sites["lf"][Path("papers/a-paper/index.html")]
