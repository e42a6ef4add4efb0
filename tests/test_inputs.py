"""Richer inputs in content/digests/ (issue 19): arXiv id lists and Hugging Face API
JSON, told apart from pasted listings by their content; broken files refused whole,
with file and line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sitegen.config import Config
from sitegen.ingest.importer import run_import
from sitegen.ingest.inputs import parse_input
from sitegen.pagefile.pages import read_page

FIXTURES = Path(__file__).resolve().parent / "fixtures"
IDS = FIXTURES / "identifiers"
ROOT = Path(__file__).resolve().parent.parent


def read(name: str) -> str:
    return (IDS / name).read_text("utf-8")


def test_id_list_gives_id_only_entries():
    digest = parse_input(read("arxiv-ids.txt"), "arxiv-ids.txt")
    assert digest.is_digest and digest.problems == ()
    assert [(e.ids.arxiv, e.ids.arxiv_version, e.line) for e in digest.entries] == [
        ("1706.03762", None, 2),
        ("2310.06825", 2, 3),
        ("2401.04088", 1, 4),
        ("2402.17764", None, 5),
        ("hep-th/9901001", None, 7),
    ]
    assert all(e.title == "" and e.abstract == "" for e in digest.entries)


def test_hf_daily_json_gives_titles_authors_dates_upvotes_and_ids():
    digest = parse_input(read("2025-12-20-hf-daily-papers.json"), "2025-12-20-hf-daily-papers.json")
    assert digest.problems == () and digest.capture_date == "2025-12-20"
    first, second = digest.entries
    assert first.title == "Unraveling the Mystery of Scaling Laws: Part I"
    assert first.abstract.startswith(
        "Scaling law principles indicate a power-law correlation between loss and variables such"
    )
    assert first.ids.authors == ("Hui Su", "Zhi Tian", "Xiaoyu Shen", "Xunliang Cai") and first.authors == 4
    assert first.ids.published == first.date == "2024-03-11"  # the paper's date, not the listing's
    assert first.upvotes == 3 and first.ids.hf == "https://huggingface.co/papers/2403.06563"
    assert (first.line, second.line) == (2, 21)
    assert second.ids.arxiv == "1706.03762" and len(second.ids.authors) == 8


def test_hf_search_results_and_a_single_paper_are_read_too():
    search = '[{"paper": {"id": "2401.04088", "title": "Mixtral of Experts", "authors": [{"name": "Albert Q. Jiang"}]}, "title": "Mixtral of Experts"}]'
    (entry,) = parse_input(search, "search.json").entries
    assert entry.title == "Mixtral of Experts" and entry.ids.authors == ("Albert Q. Jiang",)
    single = '{"id": "2401.04088", "title": "Mixtral of Experts", "summary": "We introduce Mixtral."}'
    (entry,) = parse_input(single, "one.json").entries
    assert entry.ids.arxiv == "2401.04088" and entry.abstract == "We introduce Mixtral."


@pytest.mark.parametrize(
    ("name", "line", "words"),
    [
        ("broken-ids.txt", 3, "not an arXiv id or arXiv/Hugging Face paper URL: 'see also the Mixtral paper'"),
        ("broken.json", 4, "invalid JSON"),
        ("bad-id.json", 3, "item 2: `id` is not an arXiv id: 'not an id'"),
    ],
)
def test_broken_files_are_refused_whole_with_file_and_line(name, line, words):
    digest = parse_input(read(name), name)
    assert digest.entries == () and not digest.is_digest
    (problem,) = digest.problems
    assert (problem.source, problem.line) == (name, line)
    assert words in problem.message and "nothing imported from this file" in problem.message


def test_text_digests_are_still_text_digests():
    text = (FIXTURES / "digests" / "2025-12-15-daily-papers.txt").read_text("utf-8")
    digest = parse_input(text, "2025-12-15-daily-papers.txt")
    assert len(digest.entries) == 10 and all(not e.ids for e in digest.entries)


def test_import_reads_every_kind_and_skips_only_the_broken_file(make_content, capsys):
    content = make_content(
        {
            name: (IDS / name).read_bytes()
            for name in ("arxiv-ids.txt", "2025-12-20-hf-daily-papers.json", "broken.json")
        }
    )
    report = run_import(content, Config(), today="2025-12-20")
    slugs = sorted(p.stem for p in (content / "papers").glob("*.md"))
    assert slugs == [
        "arxiv-2310-06825",
        "arxiv-2401-04088",
        "arxiv-2402-17764",
        "arxiv-hep-th-9901001",
        "attention-is-all-you-need",  # the id list's 1706.03762, titled by the JSON
        "unraveling-the-mystery-of-scaling-laws-part-i",
    ]
    meta = read_page((content / "papers" / "arxiv-hep-th-9901001.md").read_text("utf-8"), "x")[0]
    assert meta["title"] == "arXiv:hep-th/9901001" and meta["arxiv"] == "hep-th/9901001"
    assert [str(p) for p in report.problems] == [
        "broken.json:4: invalid JSON (Expecting property name enclosed in double quotes, column 1); nothing imported from this file"
    ]
    # Through the command line: the message names file and line, no traceback, exit 0 (a warning).
    (content / "papers").rename(content / "old-papers")
    done = subprocess.run(
        [sys.executable, "-m", "sitegen", "import", "--content", str(content), "-v"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "broken.json:4: invalid JSON" in done.stdout + done.stderr and "Traceback" not in done.stderr


# ----------------------------------------------------------------------------- bibliographies


def test_bibtex_records_give_titles_authors_dates_and_ids():
    digest = parse_input(read("zotero-export.bib"), "zotero-export.bib")
    assert digest.problems == () and digest.is_digest
    su, vaswani, knuth = digest.entries
    assert (su.title, su.ids.arxiv, su.line) == ("Unraveling the Mystery of Scaling Laws: Part I", "2403.06563", 2)
    assert (
        su.ids.authors == ("Hui Su", "Zhi Tian", "Xiaoyu Shen", "Xunliang Cai") and su.date is None
    )  # a year is no date
    assert vaswani.ids.authors == ("Ashish Vaswani", "Noam Shazeer", "Niki Parmar")
    assert (vaswani.ids.arxiv, vaswani.ids.published, vaswani.line) == ("1706.03762", "2017-06-12", 12)
    assert vaswani.abstract.startswith("The dominant sequence")
    assert knuth.title == "Literate Programming" and knuth.ids.doi == "10.1093/comjnl/27.2.97"
    assert knuth.ids.authors == ("Donald E. Knuth", "Research Group and Friends")  # a braced `and` is one name


def test_csl_json_items_give_titles_authors_dates_and_ids():
    digest = parse_input(read("zotero-export.json"), "zotero-export.json")
    assert digest.problems == ()
    su, knuth = digest.entries
    assert (su.ids.arxiv, su.ids.authors, su.ids.published) == ("2403.06563", ("Hui Su", "Zhi Tian"), "2024-03-11")
    assert (knuth.ids.doi, knuth.ids.arxiv, knuth.date, knuth.line) == ("10.1093/comjnl/27.2.97", None, None, 12)


def test_broken_bibtex_is_refused_whole_with_the_line():
    digest = parse_input(read("broken.bib"), "broken.bib")
    assert digest.entries == () and not digest.is_digest
    (problem,) = digest.problems
    assert str(problem).startswith("broken.bib:8: BibTeX: expected `,` or `}` after title")
    assert problem.message.endswith("nothing imported from this file")


def test_a_csl_item_without_a_title_is_refused():
    digest = parse_input('[{"type": "article", "title": "Fine"},\n {"type": "book"}]', "x.json")
    assert [str(p) for p in digest.problems] == [
        "x.json:2: item 2: a CSL-JSON item with no `title`; nothing imported from this file"
    ]


def test_a_bibliography_merges_with_the_same_papers_from_other_inputs(make_content):
    content = make_content(
        {name: (IDS / name).read_bytes() for name in ("zotero-export.bib", "zotero-export.json", "arxiv-ids.txt")}
    )
    report = run_import(content, Config(), today="2025-12-20")
    assert report.problems == []
    slugs = sorted(p.stem for p in (content / "papers").glob("*.md"))
    assert "unraveling-the-mystery-of-scaling-laws-part-i" in slugs and "literate-programming" in slugs
    assert "attention-is-all-you-need" in slugs and "arxiv-1706-03762" not in slugs
    assert report.papers == len(slugs) == 7  # Su (3 inputs), Knuth (by DOI), Vaswani (by id), 4 id-only


def test_a_saved_hugging_face_page_gives_its_papers_from_the_data_not_the_layout():
    path = FIXTURES / "identifiers" / "2025-12-20-hf-daily-saved.html"
    digest = parse_input(path.read_text(encoding="utf-8"), path.name)
    listed = json.loads((FIXTURES / "identifiers" / "2025-12-20-hf-daily-papers.json").read_text(encoding="utf-8"))
    assert digest.problems == ()
    ids = [entry.ids.arxiv for entry in digest.entries]
    assert ids == [item["paper"]["id"] for item in listed] + ["2401.00001"]  # the sidebar's repeat counted once
    first = digest.entries[0]
    assert first.title == listed[0]["paper"]["title"]
    assert first.ids.authors == tuple(a["name"] for a in listed[0]["paper"]["authors"])
    assert first.date == listed[0]["paper"]["publishedAt"][:10]
    assert digest.entries[-1].title == 'Tags <script>alert(1)</script> & "quotes"'  # data, unescaped once, still text
    assert all("Not A Paper Title" not in entry.title for entry in digest.entries)


def test_an_html_page_without_paper_data_is_refused_with_its_name():
    digest = parse_input((FIXTURES / "identifiers" / "not-hf.html").read_text(encoding="utf-8"), "not-hf.html")
    assert digest.entries == ()
    assert (
        digest.problems[0].source == "not-hf.html" and "without Hugging Face paper data" in digest.problems[0].message
    )


def test_a_saved_page_imports_and_renders_its_papers_as_text(tmp_path, make_content):
    from sitegen.build.pipeline import Project, build

    saved = (FIXTURES / "identifiers" / "2025-12-20-hf-daily-saved.html").read_bytes()
    content = make_content({"2025-12-20-hf-daily-saved.html": saved})
    build(Project(content=content, templates=tmp_path / "none", output=tmp_path / "site"), search=False)
    pages = sorted(p.name for p in (content / "papers").glob("*.md"))
    assert len(pages) == 3
    hostile = next((tmp_path / "site" / "papers").glob("tags-script*/index.html")).read_text(encoding="utf-8")
    assert "<script>alert(1)" not in hostile and "&lt;script&gt;alert(1)" in hostile
