"""Slugs spell Greek, Cyrillic, German and accented letters in ASCII (issue 18, part B),
and a page made under an older slug keeps its file name."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.core.keys import base_slug, key_hash, paper_key
from sitegen.ingest.papers import assign_slugs, slug_fits
from tests.fuzz.helpers import ABSTRACT, do_import, entry_text, make_content, pages, write_digest


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("π0: A Vision-Language-Action Flow Model", "pi0-a-vision-language-action-flow-model"),
        ("λ-Calculus for Transformers", "lambda-calculus-for-transformers"),
        ("µP: Tuning with μ", "mup-tuning-with-mu"),  # the micro sign is a mu too
        ("Straße und Brücken: Über Öl", "strasse-und-bruecken-ueber-oel"),
        ("Café naïve Łódź Søren Œuvre", "cafe-naive-lodz-soren-oeuvre"),
        ("Μάθηση βαθιά", "mathisi-bathia"),  # a Greek word, letter by letter
        ("Сжатие больших языковых моделей", "szhatie-bolshikh-yazykovykh-modelei"),
        ("Объём памяти", "obem-pamyati"),
        ("Attention Is All You Need", "attention-is-all-you-need"),
        ("大规模语言模型", ""),  # nothing to spell: assign_slugs falls back to a hash
    ],
)
def test_base_slug_spells_letters_outside_ascii(title: str, slug: str) -> None:
    assert base_slug(title) == slug


def test_cjk_title_still_falls_back_to_a_hash() -> None:
    key = paper_key("大规模语言模型")
    assert assign_slugs({key: "大规模语言模型"}, {}) == {key: f"paper-{key_hash(key)}"}
    other = paper_key("语言模型")
    slugs = assign_slugs({key: "大规模语言模型", other: "语言模型"}, {})
    assert slugs == {key: f"paper-{key_hash(key)}", other: f"paper-{key_hash(other)}"}


def test_a_page_made_under_the_old_slug_keeps_it(tmp_path: Path) -> None:
    """Before, `π0 ...` gave `0-...`: such a page is found by its title and keeps its name."""
    content = make_content(tmp_path)
    title = "π0: A Vision-Language-Action Flow Model"
    write_digest(content, "d.txt", [entry_text(title, ABSTRACT)])
    do_import(content)
    assert list(pages(content)) == ["pi0-a-vision-language-action-flow-model"]
    new = content / "papers" / "pi0-a-vision-language-action-flow-model.md"
    old = content / "papers" / "0-a-vision-language-action-flow-model.md"
    new.rename(old)
    write_digest(content, "d.txt", [entry_text(title, ABSTRACT + " Revised."), entry_text("Straße", ABSTRACT)])
    report = do_import(content)
    assert sorted(pages(content)) == ["0-a-vision-language-action-flow-model", "strasse"]
    assert "Revised." in old.read_text(encoding="utf-8")
    assert old in report.written


def test_an_old_slug_still_fits_its_paper() -> None:
    """slug_fits ties an unreadable page to its paper by file name: old names count too."""
    title = "π0: Flow"
    assert slug_fits("pi0-flow", paper_key(title), title)
    assert slug_fits("0-flow", paper_key(title), title)
    assert slug_fits(f"0-flow-{key_hash(paper_key(title))}", paper_key(title), title)
    assert not slug_fits("flow", paper_key(title), title)
