"""Slugs and paths: whatever a title holds, its page gets a safe, distinct, stable
file name inside content/papers, and the import writes nowhere else.

Safe: `[a-z0-9-]+` (words joined by single hyphens), at most 80 characters plus a
hash suffix, never a name Windows reserves (CON, NUL, COM1, ...). Distinct: two
papers never share a page, also when their titles give the same slug, and also on
case-insensitive file systems. Stable: the same digests give the same slugs in any
order, and a slug never changes once its page exists.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.core.keys import MAX_SLUG, base_slug, key_hash, paper_key
from sitegen.ingest.digest import parse_digest
from sitegen.ingest.papers import assign_slugs
from sitegen.ingest.tagmemo import MEMO_FILE
from sitegen.pagefile.pages import read_page
from tests.fuzz.helpers import (
    ABSTRACT,
    BOILER,
    SAFE_SLUG,
    WINDOWS_RESERVED,
    do_import,
    entry_text,
    make_content,
    pages,
    run_within,
    snapshot,
    write_digest,
)

FUZZ = settings(
    max_examples=100, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
HASHED_MAX = MAX_SLUG + 1 + 40

HOSTILE_TITLES = [
    "../../etc/passwd",
    "..",
    "/etc/passwd",
    "C:\\Windows\\win.ini",
    "%2e%2e%2fetc%2fpasswd",
    "CON",
    "con",
    "nul.txt",
    "NUL",
    "COM1",
    "lpt9.md",
    "Aux",
    "PRN.txt",
    "COM¹ superscript",
    ".hidden",
    "~user",
    "a" * 290,
    "Word " * 55,
    "?!...",
    "———",
    "日本語のタイトル",
    "深度学习",
    "😀🚀",
    "🤖 + 🧠",
    "\u202eevil\u202c title",
    "a\x00b\x01c\x7f",
    "title\twith\ttabs",
    "$(rm -rf /)",
    "`id`",
    "title/with/slashes",
    "émigré Çava",
    "ﬁnal ligature",
    "Same Slug",
    "Same: Slug",
    "Émigré",
    "Emigre",
    "paper",
    "con paper",
]

MEMO = {".sitegen-cache", MEMO_FILE.as_posix()}
"""Besides the pages, an import writes its tag memo (ingest/tagmemo.py), under a fixed name."""


def abstract(i: int) -> str:
    return f"Abstract number {i}, long enough to read as one. It has two sentences and more words. " * 2


def assert_safe(slug: str) -> None:
    assert SAFE_SLUG.fullmatch(slug), slug
    assert len(slug) <= HASHED_MAX, slug
    assert slug.split("-")[0] not in WINDOWS_RESERVED or "-" in slug, slug
    assert slug not in WINDOWS_RESERVED, slug


def test_hostile_titles_through_the_import(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("not yours\n")
    content = make_content(tmp_path)
    write_digest(content, "2025-12-15-d.txt", [entry_text(t, abstract(i)) for i, t in enumerate(HOSTILE_TITLES)])
    before = snapshot(tmp_path)
    report = do_import(content)
    after = snapshot(tmp_path)

    changed = {p for p in after if before.get(p, b"missing") != after[p]}
    assert changed <= {"content/papers", *MEMO} | {p for p in after if p.startswith("content/papers/")}, changed
    assert not [p for p in before if p not in after], "something was deleted"
    written = {p.resolve() for p in report.written}
    assert all(p.parent == (content / "papers").resolve() for p in written)

    found = pages(content)
    titles = {}
    for slug, text in found.items():
        assert_safe(slug)
        meta, _ = read_page(text, slug)
        titles[slug] = meta["title"]
    digest_text = (content / "digests" / "2025-12-15-d.txt").read_text(encoding="utf-8")
    parsed = [e.title for e in parse_digest(digest_text, "d", year=2025).entries]
    assert len(parsed) == len(HOSTILE_TITLES)
    assert {paper_key(t) for t in titles.values()} == {paper_key(t) for t in parsed}
    assert len(found) == len({paper_key(t) for t in parsed}) == report.papers
    assert len(set(found)) == len(found)
    # The hostile ones specifically:
    by_title = {v: k for k, v in titles.items()}
    assert by_title["CON"] != "con" and by_title["CON"].startswith("con-")  # CON and con are one paper
    assert by_title["NUL"].startswith("nul-") and by_title["nul.txt"] == "nul-txt"
    assert by_title["COM1"].startswith("com1-") and by_title["COM¹ superscript"] == "com1-superscript"
    assert by_title["../../etc/passwd"] == "etc-passwd" or by_title["../../etc/passwd"].startswith("etc-passwd-")
    assert by_title[".."].startswith("paper-") and by_title["日本語のタイトル"].startswith("paper-")
    assert by_title["😀🚀"].startswith("paper-") and by_title["?!..."].startswith("paper-")
    assert len(by_title["a" * 290]) <= MAX_SLUG
    assert by_title["Same Slug"] != by_title["Same: Slug"]
    assert by_title["Same Slug"].startswith("same-slug-") and by_title["Same: Slug"].startswith("same-slug-")
    assert {by_title["Émigré"], by_title["Emigre"]} == {f"emigre-{key_hash('émigré')}", f"emigre-{key_hash('emigre')}"}
    assert "evil title" in titles.values() and "abc" in titles.values()  # override and control characters removed

    # Stable: importing again writes nothing...
    assert do_import(content).written == [] and snapshot(tmp_path) == after
    # ...and the same papers in another order, in two digests, give the same slugs.
    other = make_content(tmp_path / "other")
    shuffled = list(enumerate(HOSTILE_TITLES))
    random.Random(3).shuffle(shuffled)
    write_digest(other, "2025-12-15-a.txt", [entry_text(t, abstract(i)) for i, t in shuffled[:20]])
    write_digest(other, "2025-12-15-b.txt", [entry_text(t, abstract(i)) for i, t in shuffled[20:]])
    do_import(other)
    assert {s: read_page(t, s)[0]["title"] for s, t in pages(other).items()} == titles


def test_colliding_slugs_are_resolved_by_title_not_order(tmp_path: Path) -> None:
    colliding = [
        "Attention Is All You Need",
        "Attention is all you need!",
        "Attention: Is All You Need",
        "Attention — is all you need",
    ]
    # The first two are one paper (same title but for case and end punctuation).
    results = []
    for order in (colliding, colliding[::-1]):
        content = make_content(tmp_path / str(len(results)))
        write_digest(content, "d.txt", [entry_text(t, ABSTRACT) for t in order])
        do_import(content)
        results.append(sorted(pages(content)))
    assert results[0] == results[1]
    assert len(results[0]) == 3
    assert all(
        s.startswith("attention-is-all-you-need-") and len(s) == len("attention-is-all-you-need-") + 6
        for s in results[0]
    )


def test_a_slug_never_changes_once_its_page_exists(tmp_path: Path) -> None:
    content = make_content(tmp_path)
    write_digest(content, "d.txt", [entry_text("Scaling Laws", ABSTRACT)])
    do_import(content)
    assert sorted(pages(content)) == ["scaling-laws"]
    write_digest(
        content,
        "d.txt",
        [
            entry_text("Scaling Laws", ABSTRACT),
            entry_text("Scaling laws?!", ABSTRACT),
            entry_text("Scaling: Laws", ABSTRACT),
        ],
    )
    do_import(content)
    assert sorted(pages(content)) == ["scaling-laws", f"scaling-laws-{key_hash('scaling: laws')}"]


def test_an_existing_page_in_another_case_is_not_overwritten(tmp_path: Path) -> None:
    """Bug class: on macOS and Windows `Foo.md` and `foo.md` are one file; a user's
    `Scaling-Laws.md` (another paper) must not be overwritten by a new `scaling-laws.md`."""
    content = make_content(tmp_path)
    (content / "papers").mkdir()
    mine = "---\ntitle: My own page\n---\nnotes\n"
    (content / "papers" / "Scaling-Laws.md").write_text(mine)
    write_digest(content, "d.txt", [entry_text("Scaling Laws", ABSTRACT)])
    report = do_import(content)
    assert (content / "papers" / "Scaling-Laws.md").read_text() == mine
    assert [p.name for p in report.written] == [f"scaling-laws-{key_hash('scaling laws')}.md"]


def test_a_folder_named_like_a_page_does_not_stop_the_import(tmp_path: Path) -> None:
    """Bug: a directory `content/papers/x.md` made the import crash (IsADirectoryError)."""
    content = make_content(tmp_path)
    (content / "papers" / "odd.md").mkdir(parents=True)
    write_digest(content, "d.txt", [entry_text("Odd", ABSTRACT)])
    report = do_import(content)
    assert [p.name for p in report.written] == [f"odd-{key_hash('odd')}.md"]


def test_slugs_past_the_hash_digits_still_terminate() -> None:
    """Bug: with every hash prefix of a paper's slug taken, lengthening the hash never ended."""
    setup = "from sitegen.ingest.papers import assign_slugs; from sitegen.core.keys import key_hash"
    stmt = (
        "taken = ['foo'] + [f'foo-{key_hash(\"foo\", n)}' for n in range(6, 41, 2)]\n"
        "slug = assign_slugs({'foo': 'Foo'}, {}, taken)['foo']\n"
        "assert slug not in taken and slug.startswith('foo-'), slug"
    )
    run_within(10, setup, stmt)


# --------------------------------------------------------------------------- properties of the pure functions


titles = st.text(min_size=1, max_size=600)


@FUZZ
@given(titles)
def test_base_slug_is_always_safe(title: str) -> None:
    slug = base_slug(title)
    assert slug == "" or SAFE_SLUG.fullmatch(slug)
    assert len(slug) <= MAX_SLUG
    assert slug not in WINDOWS_RESERVED


@FUZZ
@given(st.lists(titles, min_size=1, max_size=12), st.randoms(use_true_random=False))
def test_assign_slugs_safe_distinct_order_free(title_list: list[str], rnd: random.Random) -> None:
    keys = {paper_key(t): t for t in title_list}
    slugs = assign_slugs(keys, {})
    assert len(set(slugs.values())) == len(keys)
    for slug in slugs.values():
        assert_safe(slug)
    items = list(keys.items())
    rnd.shuffle(items)
    assert assign_slugs(dict(items), {}) == slugs
    # Existing pages keep their slugs when new papers arrive.
    first = dict(items[: len(items) // 2])
    kept = assign_slugs(first, {})
    later = assign_slugs(keys, kept)
    assert all(later[k] == kept[k] for k in kept)
    assert len(set(later.values())) == len(keys)


@settings(max_examples=25, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(
    st.lists(
        st.text(min_size=1, max_size=120).filter(lambda t: "\n" not in t and "\r" not in t), min_size=1, max_size=6
    )
)
def test_random_titles_through_the_import(tmp_path_factory: pytest.TempPathFactory, title_list: list[str]) -> None:
    root = tmp_path_factory.mktemp("random")
    content = make_content(root)
    text = BOILER + "".join(entry_text(t, ABSTRACT) for t in title_list)
    (content / "digests" / "d.txt").write_text(text, encoding="utf-8", newline="")
    before = snapshot(root)
    report = do_import(content)
    after = snapshot(root)
    changed = {p for p in after if before.get(p, b"?") != after[p]}
    assert changed <= {*MEMO} | {p for p in after if p.startswith("content/papers")}
    found = pages(content)
    assert len(found) == report.papers == report.new
    for slug, page in found.items():
        assert_safe(slug)
        meta, _ = read_page(page, slug)
        assert isinstance(meta["title"], str) and meta["title"].strip()
        assert yaml.safe_load(yaml.safe_dump(meta["title"])) == meta["title"]
    assert do_import(content).written == []


@pytest.mark.parametrize(
    ("site_path", "expected"),
    [
        ("index.html", "index.html"),
        ("papers/x/index.html", "papers/x/index.html"),
        ("a//b.html", "a/b.html"),
        ("./a.html", "a.html"),
        ("a/./b.html", "a/b.html"),
        ("tags/", "tags"),
        ("../x", None),
        ("a/../../x", None),
        ("/etc/passwd", None),
        ("a\\b", None),
        ("a\x00b", None),
        ("", None),
        (".", None),
    ],
)
def test_site_paths_join_under_the_root_or_are_refused(tmp_path: Path, site_path: str, expected: str | None) -> None:
    from sitegen.build.output import UnsafePath, safe_join

    if expected is None:
        with pytest.raises(UnsafePath):
            safe_join(tmp_path, site_path)
    else:
        assert safe_join(tmp_path, site_path) == tmp_path.joinpath(*expected.split("/"))
