"""Identity by identifier (issue 19, item 1): arXiv ids and DOIs read and normalised,
papers merged by identifier (else by title), and pages that keep their slug and every
hand edit when their paper gains an identifier (pages: test_identity_import.py)."""

from __future__ import annotations

import pytest

from sitegen.core.identifiers import ArxivId, normalise_doi, parse_arxiv
from sitegen.core.models import Digest, Entry, Identifiers
from sitegen.ingest.papers import merge_digests
from sitegen.pagefile.pages import PageError
from sitegen.site.library import paper_from_page
from sitegen.taxonomy.tags import EMPTY

# ----------------------------------------------------------------------------- reading identifiers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2403.12345", ArxivId("2403.12345")),
        ("2403.12345v2", ArxivId("2403.12345", 2)),
        ("arXiv:2403.12345v12", ArxivId("2403.12345", 12)),
        ("  2403.12345 ", ArxivId("2403.12345")),
        ("0704.0001", ArxivId("0704.0001")),  # the first new-style id: four digits until 2014
        ("1412.9999v1", ArxivId("1412.9999", 1)),
        ("hep-th/9901001", ArxivId("hep-th/9901001")),
        ("hep-th/9901001v3", ArxivId("hep-th/9901001", 3)),
        ("math.gt/0309136", ArxivId("math.GT/0309136")),
        ("cond-mat/0011267", ArxivId("cond-mat/0011267")),
        ("https://arxiv.org/abs/2403.12345", ArxivId("2403.12345")),
        ("https://arxiv.org/abs/2403.12345v2", ArxivId("2403.12345", 2)),
        ("http://www.arxiv.org/abs/2403.12345/", ArxivId("2403.12345")),
        ("https://arxiv.org/pdf/2403.12345v3.pdf", ArxivId("2403.12345", 3)),
        ("https://arxiv.org/pdf/2403.12345", ArxivId("2403.12345")),
        ("https://export.arxiv.org/abs/hep-th/9901001", ArxivId("hep-th/9901001")),
        ("https://arxiv.org/abs/2403.12345?context=cs", ArxivId("2403.12345")),
        ("https://huggingface.co/papers/2403.12345", ArxivId("2403.12345")),
        ("https://huggingface.co/papers/2403.12345#community", ArxivId("2403.12345")),
    ],
)
def test_arxiv_ids_from_ids_and_urls(text, expected):
    assert parse_arxiv(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2413.12345",  # no month 13
        "2400.12345",
        "1501.1234",  # four digits after 2014
        "1412.12345",  # five digits before 2015
        "2403.123",
        "2403.12345v0",
        "2403.12345 extra",
        "Attention Is All You Need",
        "https://example.org/abs/2403.12345",
        "https://arxiv.org/list/cs.CL/recent",
        "https://huggingface.co/papers?q=2403.12345",
        "HEP-TH/9901001x",
    ],
)
def test_what_is_not_an_arxiv_id(text):
    assert parse_arxiv(text) is None


def test_primary_class_is_known_for_old_style_ids_only():
    assert parse_arxiv("hep-th/9901001").primary_class == "hep-th"
    assert parse_arxiv("2403.12345").primary_class is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.1145/3292500.3330701", "10.1145/3292500.3330701"),
        ("doi:10.1000/XYZ123", "10.1000/xyz123"),
        ("DOI: 10.1000/abc", "10.1000/abc"),
        ("https://doi.org/10.48550/arXiv.2403.12345", "10.48550/arxiv.2403.12345"),
        ("http://dx.doi.org/10.1000/abc", "10.1000/abc"),
        ("11.1000/abc", None),
        ("10.10/abc", None),
        ("not a doi", None),
    ],
)
def test_dois_normalised(text, expected):
    assert normalise_doi(text) == expected


# ----------------------------------------------------------------------------- merging


def entry(title: str, source: str, line: int, **ids) -> Entry:
    return Entry(title=title, abstract="An abstract.", source=source, line=line, ids=Identifiers(**ids))


def merged(*entries: Entry) -> list:
    return merge_digests([Digest("d.txt", tuple(entries))], EMPTY)


def test_same_arxiv_id_is_one_paper_whatever_the_titles():
    papers = merged(
        entry("Scaling Laws, Part I", "a", 1, arxiv="2403.06563"), entry("Other words", "b", 1, arxiv="2403.06563")
    )
    assert len(papers) == 1
    assert papers[0].title == "Scaling Laws, Part I"  # the first digest's, as for titles


def test_different_arxiv_ids_under_one_title_are_two_papers_with_distinct_keys():
    papers = merged(entry("A Survey", "a", 1, arxiv="2401.00001"), entry("A Survey", "b", 1, arxiv="2402.00002"))
    assert len(papers) == 2
    assert len({p.key for p in papers}) == 2
    assert {p.ids.arxiv for p in papers} == {"2401.00001", "2402.00002"}


def test_title_only_entry_joins_the_identified_paper_of_its_title():
    papers = merged(entry("Scaling Laws", "a", 1), entry("scaling laws.", "b", 1, arxiv="2403.06563", authors=("A B",)))
    assert len(papers) == 1
    assert papers[0].ids.arxiv == "2403.06563" and papers[0].ids.authors == ("A B",)
    assert papers[0].title == "Scaling Laws"


def test_dois_identify_too_and_arxiv_versions_keep_the_highest():
    papers = merged(
        entry("One", "a", 1, doi="10.1000/x", arxiv="2403.06563", arxiv_version=1),
        entry("Two", "b", 1, doi="10.1000/x"),
        entry("Three", "c", 1, arxiv="2403.06563", arxiv_version=3),
    )
    assert len(papers) == 1 and papers[0].ids.arxiv_version == 3


def test_id_only_paper_is_titled_by_its_id_until_a_title_is_known():
    (alone,) = merged(entry("", "a", 1, arxiv="2403.06563"))
    assert alone.title == "arXiv:2403.06563"
    (titled,) = merged(entry("", "a", 1, arxiv="2403.06563"), entry("Real Title", "b", 9, arxiv="2403.06563"))
    assert titled.title == "Real Title"


# ----------------------------------------------------------------------------- pages that carry them


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("arxiv: 2403.12340", "arxiv: write the id in quotes ('2403.1234')"),
        ("arxiv: 'not an id'", "arxiv: expected an arXiv id like 2403.12345"),
        ("doi: 'nope'", "doi: expected a DOI like 10.1000/xyz"),
        ("pdf: 'file:///etc/passwd'", "pdf: expected an http(s) URL"),
        ("published: 2024-02-30", "is not a valid date"),
    ],
)
def test_a_wrong_identifier_in_a_page_is_an_error_naming_file_and_line(line, words):
    text = f"---\ntitle: A Paper\n{line}\n---\n"
    with pytest.raises(PageError) as caught:
        paper_from_page(text, "a-paper", "papers/a-paper.md")
    assert (caught.value.problem.source, caught.value.problem.line) == ("papers/a-paper.md", 3)
    assert words in caught.value.problem.message


def test_a_page_with_identifiers_reads_back():
    text = "---\ntitle: A Paper\nauthors: [Ann Lee, Bo Chen]\narxiv: arXiv:2403.06563v2\npublished: 2024-03-11\ndate: 2024-03-20\n---\n"
    paper = paper_from_page(text, "a-paper", "a-paper.md")
    assert (paper.arxiv, paper.arxiv_version, paper.authors, paper.author_names) == (
        "2403.06563",
        2,
        2,
        ("Ann Lee", "Bo Chen"),
    )
    assert paper.date == paper.published == "2024-03-11"  # the real date first
