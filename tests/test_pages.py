"""Per-paper pages: front matter that survives any abstract, and a re-import that
never loses the user's edits and never rewrites an unchanged page."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from sitegen.config import Config
from sitegen.core.models import Link, Paper
from sitegen.ingest.importer import run_import
from sitegen.pagefile.pages import AUTO_TAGS, new_page, read_page, update_page

FIXTURES = Path(__file__).resolve().parent / "fixtures"
A = "2025-12-15-daily-papers.txt"
B = "hf-daily-papers-mar-12.txt"
UNRAVELING = "unraveling-the-mystery-of-scaling-laws-part-i.md"
MONET = "monet-mixture-of-monosemantic-experts-for-transformers.md"
HARD = "can-we-learn-better-with-hard-samples.md"
OLD = 1_000_000_000  # a modification time (2001) no write by the importer can produce


def paper(**kw) -> Paper:
    values = {
        "key": "k",
        "title": "A Paper",
        "abstract": "An abstract.",
        "sources": ("2025-12-15-daily.txt",),
    }
    values.update(kw)
    return Paper(**values)


# ----------------------------------------------------------------------------- page format


def test_new_page_round_trips_every_field():
    p = paper(
        title="LOST: Low-rank and Sparse Pre-training",
        abstract="Code is at https://github.com/a/b. And a project page https://a.github.io/b.",
        sources=("2025-12-15-daily.txt", "hf-search.txt"),
        authors=9,
        date_text="Aug 4",
        date="2025-08-04",
        upvotes=3,
        links=(Link("https://github.com/a/b", "code"), Link("https://a.github.io/b", "project")),
        tags=("language-models", "efficient-training"),
        added="2025-12-15",
    )
    text = new_page(p, "2026-01-01")
    assert text.startswith("---\n") and text.endswith("---\n")
    meta, parts = read_page(text, "x.md")
    assert meta == {
        "title": "LOST: Low-rank and Sparse Pre-training",
        "date": dt.date(2025, 8, 4),
        "date_written": "Aug 4",
        "authors": 9,
        "upvotes": 3,
        "tags": ["language-models", "efficient-training"],
        "added": dt.date(2025, 12, 15),
        "sources": ["2025-12-15-daily.txt", "hf-search.txt"],
        "links": [
            {"url": "https://github.com/a/b", "kind": "code"},
            {"url": "https://a.github.io/b", "kind": "project"},
        ],
        "abstract": "Code is at https://github.com/a/b. And a project page https://a.github.io/b.",
        AUTO_TAGS: ["language-models", "efficient-training"],
    }
    assert parts.body == ""
    assert update_page(text, p, "x.md") is None  # a fresh page is already up to date


def test_new_page_without_optional_facts():
    meta, _ = read_page(new_page(paper(), "2026-01-02"), "x.md")
    assert meta == {
        "title": "A Paper",
        "tags": [],
        "added": dt.date(2026, 1, 2),  # no capture date known: the day of the import
        "sources": ["2025-12-15-daily.txt"],
        "abstract": "An abstract.",
        AUTO_TAGS: [],
    }


HOSTILE = [
    'scaling across a breadth of factors, resulting in power-law exponents---the "steepness" of the learning curve',
    "---",
    "...",
    "--- leading dashes",
    "- a leading dash",
    "Title: Subtitle: with colons",
    "# not a comment",
    "ends with a hash #",
    "value # looks like a comment",
    "{{ x }} and {% raw %}",
    "'single' and \"double\" quotes",
    "yes",
    "null",
    "~",
    "2024-01-01",
    "12:30",
    "1e3",
    "0o17",
    ".inf",
    "@at `tick %pct !tag &anchor *alias | > ? [x] {y}",
    "  leading and trailing spaces  ",
    "tab\there",
    "a\n---\nb",
    "<projektor> and *two-stage* and <script>alert(1)</script>",
    "\u00e9 e\u0301 \u2028 \u00a0 \U0001f680",
    "back\\slash \\ie 16\\%",
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_front_matter_survives_any_text(text):
    p = paper(title=text if text.strip() else "t", abstract=text, date_text=text)
    page = new_page(p, "2025-12-20")
    meta, parts = read_page(page, "x.md")
    assert (meta["title"], meta["abstract"], meta["date_written"]) == (p.title, text, text)
    assert parts.body == ""
    # an update from any old abstract to this one reads back exactly, body untouched
    old = new_page(paper(title=p.title, date_text=text), "2025-12-20") + "\nMy notes\n---\nend\n"
    updated = update_page(old, p, "x.md")
    assert updated is not None
    meta, parts = read_page(updated, "x.md")
    assert meta["abstract"] == text
    assert parts.body == "\nMy notes\n---\nend\n"


# ----------------------------------------------------------------------------- re-import


def besides_the_year_warning(problems: list) -> list:
    """B (`hf-daily-papers-mar-12.txt`) states no year: its `Mar 12` takes the file's
    modification year, with a warning that is not what these tests are about."""
    return [p for p in problems if not (p.source == B and p.message.startswith("no year stated"))]


@pytest.fixture
def imported(make_content):
    content = make_content({A: (FIXTURES / "digests" / A).read_bytes(), B: (FIXTURES / "digests" / B).read_bytes()})
    report = run_import(content, Config(), today="2025-12-20")
    assert (report.new, report.papers, report.merged, len(besides_the_year_warning(report.problems))) == (14, 14, 1, 0)
    return content


def snapshot(content: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted((content / "papers").iterdir())}


def age(content: Path) -> None:
    for path in (content / "papers").iterdir():
        os.utime(path, (OLD, OLD))


def reimport(content: Path, **kw):
    report = run_import(content, Config(), today="2026-06-01", **kw)
    assert report.new == 0
    return report


def hand_edit(text: str, newline: str = "\n") -> str:
    """What a user does in an editor: a tag removed and one added, status, rating,
    an extra key with a comment, a comment line, and notes (with a `---`) in the body."""
    assert "\ntags:\n- scaling-laws\n- batch-size\n" in text
    text = text.replace("\ntags:\n- scaling-laws\n- batch-size\n", "\ntags:\n- scaling-laws\n- favourite\n", 1)
    text = text.replace(
        "auto_tags:", "status: reading\nrating: 4\nproject: thesis  # chapter 2, keep\n# my comment\nauto_tags:"
    )
    text += "\nMy notes on **this** paper.\n\n---\n\n- compare with Chinchilla: `fig. 3`\n"
    return text.replace("\n", newline)


def test_reimport_with_nothing_changed_rewrites_nothing(imported):
    age(imported)
    before = snapshot(imported)
    report = reimport(imported)
    assert (report.updated, report.unchanged, report.written) == (0, 14, [])
    assert besides_the_year_warning(report.problems) == []
    assert snapshot(imported) == before
    assert all(mtime == OLD * 10**9 for _, mtime in before.values())


def test_hand_edits_survive_reimport(imported):
    page = imported / "papers" / UNRAVELING
    edited = hand_edit(page.read_text("utf-8"))
    page.write_bytes(edited.encode("utf-8"))
    age(imported)
    before = snapshot(imported)
    report = reimport(imported)
    assert report.updated == 0 and report.written == []
    assert snapshot(imported) == before
    meta, parts = read_page(page.read_text("utf-8"), UNRAVELING)
    assert meta["tags"] == ["scaling-laws", "favourite"]
    assert (meta["status"], meta["rating"], meta["project"]) == ("reading", 4, "thesis")
    assert parts.body.startswith("\nMy notes on **this** paper.\n\n---\n")


def change_abstract(content: Path) -> None:
    digest = content / "digests" / A
    text = digest.read_bytes().decode("utf-8")
    old = "ultimately contributing to the success of large language models"
    assert text.count(old) == 1
    digest.write_bytes(
        text.replace(old, "ultimately and decisively contributing to the success of large language models").encode()
    )


def test_changed_abstract_changes_only_the_abstract(imported):
    page = imported / "papers" / UNRAVELING
    edited = hand_edit(page.read_text("utf-8"))
    page.write_bytes(edited.encode("utf-8"))
    change_abstract(imported)
    age(imported)
    before = snapshot(imported)
    report = reimport(imported)
    assert report.updated == 1 and report.written == [page]
    after = snapshot(imported)
    assert {k: v for k, v in after.items() if k != UNRAVELING} == {k: v for k, v in before.items() if k != UNRAVELING}
    new = page.read_bytes().decode("utf-8")
    old_lines, new_lines = edited.split("\n"), new.split("\n")
    assert len(old_lines) == len(new_lines)
    changed = [i for i, (x, y) in enumerate(zip(old_lines, new_lines, strict=True)) if x != y]
    assert len(changed) == 1 and new_lines[changed[0]].startswith("abstract: ")
    assert "ultimately and decisively contributing" in new_lines[changed[0]]
    assert new.split("\n---\n", 1)[1] == edited.split("\n---\n", 1)[1]  # the body, byte for byte
    assert reimport(imported).written == []  # and the next run is quiet again


def test_crlf_page_keeps_its_line_endings(imported):
    page = imported / "papers" / UNRAVELING
    edited = hand_edit(page.read_text("utf-8"), newline="\r\n")
    page.write_bytes(edited.encode("utf-8"))
    age(imported)
    before = snapshot(imported)
    assert reimport(imported).written == []
    assert snapshot(imported) == before
    change_abstract(imported)
    assert reimport(imported).updated == 1
    new = page.read_bytes().decode("utf-8")
    assert new.count("\n") == new.count("\r\n") == edited.count("\r\n")
    changed = [(x, y) for x, y in zip(edited.split("\r\n"), new.split("\r\n"), strict=True) if x != y]
    assert len(changed) == 1 and changed[0][1].startswith("abstract: ")
    meta, parts = read_page(new, UNRAVELING)
    assert meta["status"] == "reading" and meta["tags"] == ["scaling-laws", "favourite"]
    assert parts.body == edited.split("\r\n---\r\n", 1)[1]


TAXONOMY_EDIT = """
  mystery:
    name: Mysteries
    title: ['mystery']
"""


def test_taxonomy_edit_retags_and_hand_tags_survive(imported):
    page = imported / "papers" / UNRAVELING
    page.write_bytes(hand_edit(page.read_text("utf-8")).encode("utf-8"))
    taxonomy = imported / "taxonomy.yaml"
    text = taxonomy.read_text("utf-8")
    start, end = text.index("  batch-size:\n"), text.index("  interpretability:\n")
    taxonomy.write_text(text[:start] + text[end:] + TAXONOMY_EDIT, "utf-8")  # batch-size gone, mystery new
    hard_before = (imported / "papers" / HARD).read_text("utf-8")
    age(imported)
    before = snapshot(imported)
    report = reimport(imported)
    meta, _ = read_page(page.read_text("utf-8"), UNRAVELING)
    assert meta["tags"] == ["scaling-laws", "favourite", "mystery"]  # favourite kept, batch-size stays away
    assert meta[AUTO_TAGS] == ["scaling-laws", "mystery"]
    assert meta["status"] == "reading" and meta["rating"] == 4
    hard, _ = read_page((imported / "papers" / HARD).read_text("utf-8"), HARD)
    assert hard["tags"] == ["other"] and hard[AUTO_TAGS] == ["other"]  # only batch-size matched it
    hard_after = (imported / "papers" / HARD).read_text("utf-8")
    assert [x for x in hard_after.split("\n") if x not in hard_before.split("\n")] == ["- other", "- other"]
    # pages whose tags did not change are not touched
    retagged = {p.name for p in report.written}
    assert retagged == {UNRAVELING, HARD}
    after = snapshot(imported)
    assert all(after[k] == v for k, v in before.items() if k not in retagged)
    assert reimport(imported).written == []


def test_paper_whose_digest_disappeared_is_kept_and_reported(imported):
    monet = imported / "papers" / MONET
    age(imported)
    before = snapshot(imported)
    (imported / "digests" / B).unlink()
    report = reimport(imported)
    assert monet.read_bytes() == before[MONET][0]
    assert monet.stat().st_mtime_ns == before[MONET][1]
    assert MONET[:-3] in report.kept and len(report.kept) == 4
    assert any(p.source == f"papers/{MONET}" and "kept" in p.message for p in report.problems)
    # the paper both digests listed now lists only the one that is left
    meta, _ = read_page((imported / "papers" / UNRAVELING).read_text("utf-8"), UNRAVELING)
    assert meta["sources"] == [A]
    assert report.written == [imported / "papers" / UNRAVELING]
    assert sorted(p.name for p in (imported / "papers").iterdir()) == sorted(before)


def break_line(text: str, prefix: str, replacement: str) -> tuple[str, int]:
    lines = text.split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith(prefix))
    lines[index] = replacement
    return "\n".join(lines), index + 1


# (how the page is broken, first line the problem may name, how many lines later YAML may notice)
@pytest.mark.parametrize(
    ("how", "expected_line", "slack"),
    [
        ("unclosed-flow-list", None, 1),  # `tags: [a, b` noticed at the next key
        ("unclosed-quote-in-title", None, 99),  # a quoted title runs to the end of the front matter
        ("bad-indentation", None, 0),
        ("impossible-date", None, 0),
        ("no-closing-dashes", 1, 0),
        ("no-front-matter", 1, 0),
        ("not-a-mapping", 2, 0),
    ],
)
def test_malformed_front_matter_is_reported_and_left_untouched(imported, how, expected_line, slack):
    page = imported / "papers" / MONET
    text = page.read_text("utf-8")
    if how == "unclosed-flow-list":
        text = text.replace("tags:\n- interpretability\n- language-models\n", "tags: [interpretability, mine\n", 1)
        expected_line = text.split("\n").index("tags: [interpretability, mine") + 1
    elif how == "unclosed-quote-in-title":
        text, expected_line = break_line(
            text, "title:", 'title: "Monet: Mixture of Monosemantic Experts for Transformers'
        )
    elif how == "bad-indentation":
        text, expected_line = break_line(text, "abstract:", "  abstract: oops: x")
    elif how == "impossible-date":
        text, expected_line = break_line(text, "added:", "added: 2025-02-30")
    elif how == "no-closing-dashes":
        text = text[: text.rindex("---")] + "My notes, but the front matter is not closed.\n"
    elif how == "no-front-matter":
        text = "My notes about Monet, the front matter deleted.\n"
    elif how == "not-a-mapping":
        text = "---\n- just\n- a list\n---\nnotes\n"
    page.write_text(text, "utf-8")
    change_abstract(imported)  # something for the import to do elsewhere
    age(imported)
    before = snapshot(imported)
    report = reimport(imported)
    assert page.read_bytes() == text.encode("utf-8")
    assert page.stat().st_mtime_ns == OLD * 10**9
    assert sorted(p.name for p in (imported / "papers").iterdir()) == sorted(before)  # no second Monet page
    mine = [p for p in report.problems if p.source == f"papers/{MONET}"]
    assert mine, report.problems
    line = mine[0].line
    assert expected_line <= line <= min(expected_line + slack, text.count("\n") + 1), mine
    assert str(mine[0]).startswith(f"papers/{MONET}:{line}: ")
    assert report.written == [imported / "papers" / UNRAVELING]  # the rest of the import went on


def test_malformed_page_is_updated_again_once_fixed(imported):
    page = imported / "papers" / MONET
    good = page.read_text("utf-8")
    page.write_text(good.replace("tags:", "tags: [oops", 1), "utf-8")
    reimport(imported)
    page.write_text(good + "\nFixed, with notes.\n", "utf-8")
    age(imported)
    report = reimport(imported)
    assert besides_the_year_warning(report.problems) == [] and report.written == []
    assert page.read_text("utf-8") == good + "\nFixed, with notes.\n"


def test_dry_run_writes_nothing(imported):
    change_abstract(imported)
    (imported / "papers" / HARD).unlink()
    age(imported)
    before = snapshot(imported)
    report = run_import(imported, Config(), today="2026-06-01", dry_run=True)
    assert (report.new, report.updated) == (1, 1)
    assert snapshot(imported) == before
