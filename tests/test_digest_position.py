"""Titles and abstracts are paired by position, not by shape (issue 18, part A).

Each tests/fixtures/digests/position/<name>.txt has its expected papers beside it in
<name>.expected: per paper `line | title | authors | date` and the abstract indented on
the next line (`-` for none); `! line | message` for each problem. The files hold
one-sentence abstracts, abstracts shorter than their titles, titles ending with a
period, and truncated pastes around them, in the three layouts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.ingest.digest import parse_digest

POSITION = Path(__file__).resolve().parent / "fixtures" / "digests" / "position"
CASES = sorted(POSITION.glob("*.txt"))


def describe(text: str, name: str) -> str:
    digest = parse_digest(text, name, year=2025)
    out = [
        f"{e.line} | {e.title} | {e.authors or '-'} | {e.date_text or '-'}\n    {e.abstract or '-'}\n"
        for e in digest.entries
    ]
    out += [f"! {p.line} | {p.message}\n" for p in digest.problems]
    return "".join(out)


def test_every_layout_has_cases():
    assert {p.name[0] for p in CASES} == {"a", "b", "c"}
    assert all(p.with_suffix(".expected").is_file() for p in CASES)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_pairs_by_position(path: Path):
    expected = path.with_suffix(".expected").read_text(encoding="utf-8")
    assert describe(path.read_text(encoding="utf-8"), path.name) == expected


def test_one_sentence_abstract_is_not_a_title():
    """The shape of the bug: a short abstract became a paper of its own."""
    text = "Daily Papers\n\nA Model\n\nWe present a model.\n\n  • 2 authors\n·\nApr 3\n"
    (entry,) = parse_digest(text, "x.txt", year=2025).entries
    assert (entry.title, entry.abstract, entry.authors, entry.date_text) == (
        "A Model",
        "We present a model.",
        2,
        "Apr 3",
    )


def test_abstract_over_several_lines_with_blank_lines_around_fields():
    """Layout B: a line with no blank line before it continues the abstract, short or not."""
    text = "Daily Papers\n\nTitle One\n\nShort first line.\nAnd a second one.\n\nTitle Two\n\nIts abstract.\n"
    entries = parse_digest(text, "x.txt", year=2025).entries
    assert [(e.title, e.abstract) for e in entries] == [
        ("Title One", "Short first line. And a second one."),
        ("Title Two", "Its abstract."),
    ]
