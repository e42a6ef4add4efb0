"""Papers: identity across digests, merging the richest facts, slugs."""

from __future__ import annotations

import itertools
import random
import re
import unicodedata
from pathlib import Path

import pytest

from sitegen.config import Config
from sitegen.core.keys import MAX_SLUG, base_slug, paper_key
from sitegen.ingest.digest import parse_digest
from sitegen.ingest.importer import run_import
from sitegen.ingest.papers import assign_slugs, merge_digests
from sitegen.pagefile.pages import read_page
from sitegen.taxonomy.tags import EMPTY

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "digests"
UNRAVELING = "Unraveling the Mystery of Scaling Laws: Part I"


def parse(name: str, folder: Path = FIXTURES):
    return parse_digest((folder / name).read_bytes().decode("utf-8"), name)


# ----------------------------------------------------------------------------- identity


@pytest.mark.parametrize(
    "variant",
    [
        UNRAVELING,
        UNRAVELING.upper(),
        UNRAVELING.lower(),
        "Unraveling  the Mystery\tof Scaling Laws:\u00a0Part I",
        "  Unraveling the Mystery of Scaling Laws: Part I  ",
        UNRAVELING + ".",
        UNRAVELING + " ?!",
        UNRAVELING + "...",
        UNRAVELING + "\u2026",  # one-character ellipsis (NFKC: "...")
        "\uff35nraveling the Mystery of Scaling Laws: Part I",  # fullwidth U (NFKC)
    ],
)
def test_paper_key_normalises_case_space_form_and_end_punctuation(variant):
    assert paper_key(variant) == paper_key(UNRAVELING) == "unraveling the mystery of scaling laws: part i"


def test_paper_key_unicode_forms():
    nfc = "Caf\u00e9 Models: \u00dcber-Scaling"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfc != nfd
    assert paper_key(nfc) == paper_key(nfd)
    assert paper_key("STRASSE Models") == paper_key("stra\u00dfe models")  # casefold, not lower


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Scaling Laws: Part I", "Scaling Laws: Part II"),
        ("Scaling Laws", "Scaling-Laws"),
        ("LOST: Low-rank", "LOST Low-rank"),
        ("What's Wrong?", "Whats Wrong?"),
    ],
)
def test_different_titles_stay_different(a, b):
    assert paper_key(a) != paper_key(b)


def entry_text(title: str, abstract: str | None, meta: str | None) -> str:
    return title + ("\n\n" + abstract if abstract else "") + ("\n\n" + meta if meta else "")


LONG = (
    "Scaling law principles indicate a power-law correlation between loss and variables such as model size, "
    "dataset size, and computational resources utilized during training. These principles play a vital role "
    "in optimizing various aspects of model pre-training, ultimately contributing to the success of large "
    "language models such as GPT-4, Llama and Gemini."
)


def test_duplicates_across_digests_merge_and_keep_every_source():
    a = parse("2025-12-15-daily-papers.txt")
    b = parse("hf-daily-papers-mar-12.txt")
    papers = merge_digests([a, b], EMPTY)
    assert len(papers) == len(a.entries) + len(b.entries) - 1 == 14
    (merged,) = [p for p in papers if len(p.entries) > 1]
    assert merged.title == UNRAVELING
    assert merged.sources == ("2025-12-15-daily-papers.txt", "hf-daily-papers-mar-12.txt")
    assert (merged.authors, merged.date_text, merged.date) == (4, "Mar 11, 2024", "2024-03-11")
    assert merged.abstract == a.entries[1].abstract == b.entries[4].abstract
    assert merged.added == "2025-12-15"


def test_merged_paper_keeps_the_richest_facts_from_each_digest():
    """Date and author count from the digest that shows them (and has no abstract),
    the abstract from the one that has it; whatever the order of the digests."""
    dated = parse_digest(
        "Subscribe\n\nDec 15\n\n"
        + entry_text(
            "UNRAVELING the mystery of scaling laws: part I.", None, "  \u2022 4 authors\n\u00b7\nMar 11, 2024 3"
        ),
        "2025-12-15-dated.txt",
    )
    described = parse_digest("Subscribe\n\nMar 12\n\n" + entry_text(UNRAVELING, LONG, None), "described.txt", year=2025)
    assert dated.entries[0].abstract == "" and described.entries[0].authors is None
    for order in ([dated, described], [described, dated]):
        (paper,) = merge_digests(order, EMPTY)
        assert paper.sources == ("2025-12-15-dated.txt", "described.txt")
        assert paper.abstract == LONG
        assert (paper.authors, paper.date_text, paper.date, paper.upvotes) == (4, "Mar 11, 2024", "2024-03-11", 3)
        assert paper.title == "UNRAVELING the mystery of scaling laws: part I."  # first by file name, then line
        assert paper.added == "2025-03-12"  # the earliest capture date among its digests
        assert paper.key == paper_key(UNRAVELING)


def test_merge_prefers_an_iso_date_and_the_longer_abstract():
    short = LONG[:200] + "."
    one = parse_digest(
        "Subscribe\n\n" + entry_text(UNRAVELING, short, "  \u2022 4 authors\n\u00b7\nApr 3"), "one.txt", year=None
    )
    two = parse_digest(
        "Subscribe\n\n" + entry_text(UNRAVELING, LONG, "  \u2022 4 authors\n\u00b7\nMar 11, 2024"), "two.txt", year=None
    )
    assert one.entries[0].date is None  # no year known for `Apr 3`
    (paper,) = merge_digests([one, two], EMPTY)
    assert (paper.date_text, paper.date) == ("Mar 11, 2024", "2024-03-11")
    assert paper.abstract == LONG


def test_merge_across_digests_end_to_end(make_content):
    """The same paper pasted into three digests under three spellings is one page listing
    all three sources, with the date and authors of one and the abstract of another."""
    a = (FIXTURES / "variants" / "2025-12-15-a-no-abstract.txt").read_bytes()  # Unraveling: no abstract, dated
    b = (FIXTURES / "hf-daily-papers-mar-12.txt").read_bytes()  # Unraveling: abstract, no date
    c = ("Subscribe" + "UNRAVELING  THE MYSTERY OF SCALING LAWS: PART I.\n" + LONG[:150] + ".").encode("utf-8")
    content = make_content({"2025-12-15-a.txt": a, "b.txt": b, "c.txt": c})
    report = run_import(content, Config(year=2025), today="2025-12-20")
    assert report.merged == 1
    meta, _ = read_page(
        (content / "papers" / "unraveling-the-mystery-of-scaling-laws-part-i.md").read_text("utf-8"), "x"
    )
    assert meta["sources"] == ["2025-12-15-a.txt", "b.txt", "c.txt"]
    assert meta["authors"] == 4 and str(meta["date"]) == "2024-03-11" and meta["date_written"] == "Mar 11, 2024"
    assert meta["abstract"] == parse("hf-daily-papers-mar-12.txt").entries[4].abstract
    assert meta["title"] == UNRAVELING
    assert len(list((content / "papers").glob("unraveling*"))) == 1


# ----------------------------------------------------------------------------- slugs


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        (UNRAVELING, "unraveling-the-mystery-of-scaling-laws-part-i"),
        ("What's Wrong with Your Code?", "what-s-wrong-with-your-code"),
        ("\u00dcber-Schnell: Na\u00efve Caf\u00e9 Models", "ueber-schnell-naive-cafe-models"),
        ("GLM-130B: An Open Bilingual Pre-trained Model", "glm-130b-an-open-bilingual-pre-trained-model"),
        ("  --Spaces -- and   dashes--  ", "spaces-and-dashes"),
        (
            "Performance Scaling via Optimal Transport: Enabling Data Selection from Partially Revealed Sources",
            "performance-scaling-via-optimal-transport-enabling-data-selection-from-partially",
        ),
        ("CON", "con-paper"),
        ("aux", "aux-paper"),
        ("Com1", "com1-paper"),
        ("LPT9", "lpt9-paper"),
        ("nul.", "nul-paper"),
    ],
)
def test_base_slug(title, slug):
    assert base_slug(title) == slug


SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@pytest.mark.parametrize(
    "title",
    [
        "A" * 200,
        "word " * 60,
        "Supercalifragilisticexpialidocious" * 5 + " tail",
        "\u5927\u8bed\u8a00\u6a21\u578b\u7684\u7f29\u653e\u5b9a\u5f8b",  # no ASCII at all
        "\U0001f680 Rocket: \u03b1-\u03b2 Tuning \u2014 A Survey",
        "x",
    ],
)
def test_slugs_are_ascii_short_and_safe(title):
    slugs = assign_slugs({paper_key(title): title}, {})
    (slug,) = slugs.values()
    assert slug.isascii() and SLUG.match(slug), slug
    assert len(slug) <= MAX_SLUG + 7  # a hash suffix may follow a full-length base
    assert len(base_slug(title)) <= MAX_SLUG
    assert slug not in {"con", "prn", "aux", "nul"}


def test_long_slug_is_cut_at_a_word_boundary():
    title = "Learning Rates as a Function of Batch Size: A Random Matrix Theory Approach to Neural Network Training"
    slug = base_slug(title)
    assert len(slug) <= MAX_SLUG
    assert ("-" + slug + "-") in ("-" + base_slug(title + " extra words") + "-")
    assert slug == "learning-rates-as-a-function-of-batch-size-a-random-matrix-theory-approach-to"


def test_slug_for_a_title_without_ascii_is_never_bare_paper():
    title = "\u5927\u8bed\u8a00\u6a21\u578b"
    (slug,) = assign_slugs({paper_key(title): title}, {}).values()
    assert slug.startswith("paper-") and len(slug) == len("paper-") + 6


COLLIDING = {
    paper_key("Layer Normalization"): "Layer Normalization",
    paper_key("Layer-Normalization"): "Layer-Normalization",
    paper_key("Layer Normalization!?"): "Layer Normalization!?",  # same key as the first: not a collision
    paper_key("LAYER: normalization"): "LAYER: normalization",
    paper_key("Batch Normalization"): "Batch Normalization",
}


def test_slug_collisions_are_resolved_the_same_way_in_any_order():
    keys = list(COLLIDING.items())
    assert len(keys) == 4
    first = assign_slugs(dict(keys), {})
    for order in itertools.permutations(keys):
        assert assign_slugs(dict(order), {}) == first
    assert first[paper_key("Batch Normalization")] == "batch-normalization"
    layer = [first[k] for k in COLLIDING if k != paper_key("Batch Normalization")]
    assert len(set(layer)) == 3  # every colliding paper gets its own slug ...
    assert all(re.fullmatch(r"layer-normalization-[0-9a-f]{6}", s) for s in layer)  # ... none the plain one


def test_existing_slugs_never_change():
    existing = {
        paper_key("Layer Normalization"): "my-own-name",
        paper_key("Batch Normalization"): "batch-normalization",
    }
    keys = dict(COLLIDING)
    for seed in range(5):
        items = list(keys.items())
        random.Random(seed).shuffle(items)
        slugs = assign_slugs(dict(items), existing)
        assert slugs[paper_key("Layer Normalization")] == "my-own-name"
        assert slugs[paper_key("Batch Normalization")] == "batch-normalization"
        assert len(set(slugs.values())) == len(slugs)


def test_a_new_paper_never_takes_an_existing_pages_slug():
    existing = {paper_key("Layer Normalization"): "layer-normalization"}
    slugs = assign_slugs(
        {paper_key("Layer-Normalization"): "Layer-Normalization", **dict.fromkeys(existing, "x")}, existing
    )
    assert slugs[paper_key("Layer Normalization")] == "layer-normalization"
    assert slugs[paper_key("Layer-Normalization")].startswith("layer-normalization-")


def test_reserved_slugs_are_not_given_out():
    slugs = assign_slugs(
        {paper_key("Layer Normalization"): "Layer Normalization"}, {}, reserved={"layer-normalization"}
    )
    assert slugs[paper_key("Layer Normalization")] != "layer-normalization"
    assert slugs[paper_key("Layer Normalization")].startswith("layer-normalization-")


def test_slugs_do_not_depend_on_digest_file_order(make_content):
    """Two digests listing different papers whose slugs collide: swapping which file
    sorts first gives the same pages."""
    one = "Subscribe\n\n" + entry_text("Layer Normalization", LONG, None)
    two = "Subscribe\n\n" + entry_text("Layer-Normalization", LONG.replace("Scaling", "Normalising"), None)
    results = []
    for name, files in (("first", {"a.txt": one, "b.txt": two}), ("second", {"a.txt": two, "b.txt": one})):
        content = make_content({k: v.encode() for k, v in files.items()}, name=name)
        run_import(content, Config(year=2025), today="2025-12-20")
        pages = {}
        for path in (content / "papers").glob("*.md"):
            meta, _ = read_page(path.read_text("utf-8"), path.name)
            pages[meta["title"]] = path.name
        results.append(pages)
    assert results[0] == results[1]
    assert len(set(results[0].values())) == 2
