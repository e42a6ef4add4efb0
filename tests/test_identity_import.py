"""Pages keep their identity (issue 19, item 1): a title-only page that gains an
identifier keeps its page, slug and every hand edit; an id-only page takes its real
title; a page with an identifier is found by it; one title with two ids is two pages.
Only long-standing modules are imported, so these run against code from before
identifiers (where they fail)."""

from __future__ import annotations

from pathlib import Path

from sitegen.config import Config
from sitegen.ingest.importer import run_import
from sitegen.pagefile.pages import read_page

FIXTURES = Path(__file__).resolve().parent / "fixtures"
IDS = FIXTURES / "identifiers"
DAILY_TXT = "2025-12-15-daily-papers.txt"
DAILY_JSON = "2025-12-20-hf-daily-papers.json"
UNRAVELING_SLUG = "unraveling-the-mystery-of-scaling-laws-part-i"


# ----------------------------------------------------------------------------- pages keep their identity


def fixture(name: str) -> bytes:
    return (FIXTURES / "digests" / name).read_bytes() if name.endswith(".txt") else (IDS / name).read_bytes()


def add_digest(content: Path, name: str, data: bytes | None = None) -> None:
    (content / "digests" / name).write_bytes(fixture(name) if data is None else data)


def page(content: Path, slug: str) -> tuple[dict, str]:
    text = (content / "papers" / f"{slug}.md").read_text("utf-8")
    return read_page(text, slug)[0], text


def test_title_only_page_gaining_an_identifier_keeps_its_page_slug_and_edits(make_content):
    content = make_content({DAILY_TXT: fixture(DAILY_TXT)})
    run_import(content, Config(), today="2025-12-15")
    path = content / "papers" / f"{UNRAVELING_SLUG}.md"
    text = path.read_text("utf-8")
    edited = text.replace("tags:\n", "tags:  # mine\n- to-discuss\n", 1) + "My notes: compare with Chinchilla.\n"
    edited = edited.replace("---\n", "---\nstatus: reading\n", 1)
    path.write_text(edited, "utf-8")
    before = sorted(p.name for p in (content / "papers").iterdir())

    add_digest(content, DAILY_JSON)
    report = run_import(content, Config(), today="2025-12-20")

    after = sorted(p.name for p in (content / "papers").iterdir())
    assert set(before) < set(after) and set(after) - set(before) == {"attention-is-all-you-need.md"}
    meta, new_text = page(content, UNRAVELING_SLUG)
    assert meta["arxiv"] == "2403.06563"
    assert meta["authors"] == ["Hui Su", "Zhi Tian", "Xiaoyu Shen", "Xunliang Cai"]
    assert str(meta["published"]) == "2024-03-11"
    assert meta["hf"] == "https://huggingface.co/papers/2403.06563"
    assert meta["status"] == "reading" and "to-discuss" in meta["tags"]
    assert new_text.startswith("---\nstatus: reading\n")
    assert new_text.endswith("My notes: compare with Chinchilla.\n")
    assert "tags:  # mine\n- to-discuss\n" in new_text
    assert report.new == 1
    # Importing again changes nothing.
    again = run_import(content, Config(), today="2025-12-21")
    assert again.new == again.updated == 0 and again.written == []


def test_id_only_page_takes_the_real_title_later_and_keeps_its_slug(make_content):
    content = make_content({"ids.txt": b"2403.06563\n"})
    report = run_import(content, Config(), today="2025-12-15")
    assert report.new == 1 and report.problems == []
    meta, text = page(content, "arxiv-2403-06563")
    assert meta["title"] == "arXiv:2403.06563" and meta["arxiv"] == "2403.06563"
    (content / "papers" / "arxiv-2403-06563.md").write_text(text + "Read this first.\n", "utf-8")

    add_digest(content, DAILY_JSON)
    run_import(content, Config(), today="2025-12-20")
    meta, text = page(content, "arxiv-2403-06563")
    assert meta["title"] == "Unraveling the Mystery of Scaling Laws: Part I"
    assert text.endswith("Read this first.\n")
    assert not (content / "papers" / f"{UNRAVELING_SLUG}.md").exists()


def test_a_retitled_page_with_an_id_is_found_by_the_id(make_content):
    content = make_content({DAILY_JSON: fixture(DAILY_JSON)})
    run_import(content, Config(), today="2025-12-20")
    path = content / "papers" / "attention-is-all-you-need.md"
    path.write_text(
        path.read_text("utf-8").replace("title: Attention Is All You Need", "title: Transformers (my title)")
    )
    add_digest(
        content, "2025-12-21-more.json", (IDS / DAILY_JSON).read_bytes().replace(b"All You Need", b"all you need")
    )
    report = run_import(content, Config(), today="2025-12-21")
    assert report.new == 0 and report.kept == []
    assert page(content, "attention-is-all-you-need")[0]["title"] == "Transformers (my title)"


def test_same_title_different_ids_are_two_pages_and_reimport_is_stable(make_content):
    one = b'[{"paper": {"id": "2401.00001", "title": "A Survey", "summary": "First."}}]'
    two = b'[{"paper": {"id": "2402.00002", "title": "A Survey", "summary": "Second."}}]'
    content = make_content({"one.json": one})
    run_import(content, Config(), today="2025-12-20")
    add_digest(content, "two.json", two)
    report = run_import(content, Config(), today="2025-12-21")
    assert report.new == 1 and report.problems == []
    metas = [read_page(p.read_text("utf-8"), p.name)[0] for p in sorted((content / "papers").glob("*.md"))]
    assert sorted(m["arxiv"] for m in metas) == ["2401.00001", "2402.00002"]
    assert sorted(m["abstract"] for m in metas) == ["First.", "Second."]
    again = run_import(content, Config(), today="2025-12-22")
    assert again.written == [] and again.problems == []


def test_author_names_are_not_replaced_by_a_count(make_content):
    """A page that learned the names (from an input, `sitegen enrich` or by hand) keeps
    them when only a text digest, with its `• 4 authors`, lists the paper."""
    content = make_content({DAILY_TXT: fixture(DAILY_TXT)})
    run_import(content, Config(), today="2025-12-15")
    path = content / "papers" / f"{UNRAVELING_SLUG}.md"
    named = path.read_text("utf-8").replace("authors: 4\n", "authors:\n- Hui Su\n- Zhi Tian\n", 1)
    named = named.replace("---\n", "---\narxiv: '2403.06563'\n", 1)
    path.write_text(named, "utf-8")
    report = run_import(content, Config(), today="2025-12-16")
    assert path.read_text("utf-8") == named and report.written == []


def test_pages_written_before_identifiers_import_unchanged(make_content):
    content = make_content({DAILY_TXT: fixture(DAILY_TXT)})
    run_import(content, Config(), today="2025-12-15")
    meta, _ = page(content, UNRAVELING_SLUG)
    assert meta["authors"] == 4 and "arxiv" not in meta and "published" not in meta
