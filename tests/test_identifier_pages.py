"""Pages that use identifiers (issue 19, item 4): links to the arXiv abstract, the PDF
and Hugging Face; authors and their meta tags; JSON-LD authors; papers.bib in arXiv's
BibTeX form, read back by a BibTeX parser; listings by the real date; search by author
name and arXiv id, offline (file://) and with Pagefind (http), in Chromium.

Only long-standing modules are imported, so these run against code from before
identifiers (where they fail)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import bibtexparser
import pytest

from sitegen.build.pipeline import Project, build
from tests.browser import page_problems
from tests.test_search_browser import result_titles, wait_for_results
from tests.test_site_browser import site_url

FIXTURES = Path(__file__).resolve().parent / "fixtures"
UNRAVELING = "papers/unraveling-the-mystery-of-scaling-laws-part-i/index.html"
ATTENTION = "papers/attention-is-all-you-need/index.html"
ENRICHED = """---
title: A Page Enriched by Hand
authors:
- Grace Hopper
published: 2019-05-01
arxiv: '1905.00001'
sources:
- 2025-12-15-daily-papers.txt
abstract: Written by hand, with facts a look-up would give.
---
"""


def build_site(root: Path, inputs: tuple[str, ...], pages: dict[str, str], search: bool) -> Path:
    content = root / "content"
    (content / "digests").mkdir(parents=True)
    shutil.copy(FIXTURES / "digests" / "2025-12-15-daily-papers.txt", content / "digests")
    for name in inputs:
        shutil.copy(FIXTURES / "identifiers" / name, content / "digests")
    shutil.copy(FIXTURES / "import" / "taxonomy.yaml", content)
    (content / "papers").mkdir()
    for slug, text in pages.items():
        (content / "papers" / f"{slug}.md").write_text(text, "utf-8")
    project = Project(content=content, templates=root / "no-templates", output=root / "site")
    build(project, search=search)
    return project.output


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three inputs (a pasted listing, Hugging Face JSON, an id list), built with search."""
    inputs = ("2025-12-20-hf-daily-papers.json", "arxiv-ids.txt")
    return build_site(tmp_path_factory.mktemp("identifiers"), inputs, {}, search=True)


def meta_values(html: str, name: str) -> list[str]:
    return re.findall(rf'<meta name="{name}" content="([^"]*)">', html)


def test_paper_page_links_to_the_paper_and_names_its_authors(site: Path) -> None:
    html = (site / UNRAVELING).read_text("utf-8")
    for url in (
        "https://arxiv.org/abs/2403.06563",
        "https://arxiv.org/pdf/2403.06563",
        "https://huggingface.co/papers/2403.06563",
    ):
        assert f'<a href="{url}" rel="noopener">' in html, url
    assert "Hui Su, Zhi Tian, Xiaoyu Shen, Xunliang Cai" in html
    assert meta_values(html, "citation_author") == ["Hui Su", "Zhi Tian", "Xiaoyu Shen", "Xunliang Cai"]
    assert meta_values(html, "citation_publication_date") == ["2024/03/11"]
    assert meta_values(html, "citation_arxiv_id") == ["2403.06563"]
    assert meta_values(html, "citation_pdf_url") == ["https://arxiv.org/pdf/2403.06563"]
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1])
    assert ld["author"] == [
        {"@type": "Person", "name": n} for n in ("Hui Su", "Zhi Tian", "Xiaoyu Shen", "Xunliang Cai")
    ]
    assert ld["sameAs"] == "https://arxiv.org/abs/2403.06563"


def test_a_paper_without_identifiers_has_no_author_tags_or_links(site: Path) -> None:
    page = next(p for p in (site / "papers").glob("*/index.html") if "crosscoders" in p.parent.name)
    html = page.read_text("utf-8")
    assert meta_values(html, "citation_author") == [] and meta_values(html, "citation_arxiv_id") == []
    assert "arxiv.org/abs/" not in html and '"author"' not in html


def test_papers_bib_parses_in_arxiv_form_and_invents_no_authors(site: Path) -> None:
    text = (site / "papers.bib").read_text("utf-8")
    entries = {e["ID"]: e for e in bibtexparser.loads(text).entries}
    papers = json.loads((site / "papers.json").read_text("utf-8"))["papers"]
    assert len(entries) == len(papers) == text.count("@misc{")
    by_title = {e["title"].strip("{}"): e for e in entries.values()}
    unraveling = by_title["Unraveling the Mystery of Scaling Laws: Part I"]
    assert unraveling["ENTRYTYPE"] == "misc"
    assert unraveling["author"] == "Hui Su and Zhi Tian and Xiaoyu Shen and Xunliang Cai"
    assert (unraveling["eprint"], unraveling["archiveprefix"], unraveling["year"]) == ("2403.06563", "arXiv", "2024")
    assert unraveling["url"] == "https://arxiv.org/abs/2403.06563"
    old = by_title["arXiv:hep-th/9901001"]
    assert (old["eprint"], old["primaryclass"]) == ("hep-th/9901001", "hep-th") and "author" not in old
    no_names = [e for e in entries.values() if "eprint" not in e]
    assert len(no_names) == 9 and all("author" not in e for e in no_names)
    assert "Unknown" not in text


def test_listings_sort_by_the_real_date(tmp_path: Path) -> None:
    """`published` (a look-up's or a JSON's) dates a paper the digest left undated."""
    inputs = ("2025-12-20-hf-daily-papers.json",)
    site = build_site(tmp_path, inputs, {"a-page-enriched-by-hand": ENRICHED}, search=False)
    home = (site / "index.html").read_text("utf-8")
    order = re.findall(r'<h2 class="card-title"><a href="papers/([^/]+)/index.html">', home)
    assert order.index("a-page-enriched-by-hand") < order.index("attention-is-all-you-need")  # 2019 before 2017
    dated = json.loads((site / "papers.json").read_text("utf-8"))["papers"]
    enriched = next(p for p in dated if p["slug"] == "a-page-enriched-by-hand")
    assert enriched["date"] == "2019-05-01" and enriched["author_names"] == ["Grace Hopper"]
    assert (site / "years/2019/index.html").is_file()


def test_offline_index_holds_author_names_and_arxiv_ids(site: Path) -> None:
    text = (site / "search-index.js").read_text("utf-8")
    data = json.loads(text.removeprefix("window.SITEGEN_SEARCH=").removesuffix(";\n"))
    terms = {row[1]: row[7] for row in data["papers"]}
    assert (
        "Illia Polosukhin" in terms["Attention Is All You Need"] and "1706.03762" in terms["Attention Is All You Need"]
    )


@pytest.mark.parametrize("mode", ["file", "http"])
@pytest.mark.parametrize(("query", "title"), [("Uszkoreit", "Attention Is All You Need"), ("2403.06563", None)])
def test_search_finds_a_paper_by_author_and_arxiv_id(site: Path, page: Any, mode: str, query: str, title: str | None):
    title = title or "Unraveling the Mystery of Scaling Laws: Part I"
    with site_url(site, mode) as base:
        page.goto(base + "search/index.html")
        wait_for_results(page)
        page.locator("#search-q").fill(query)
        status = wait_for_results(page, query=query)
        assert ("offline search" in status) == (mode == "file")
        assert result_titles(page)[:1] == [title]
    assert page_problems(page) == []
