"""A page's wrong values are reported with file, line and text (library.paper_from_page).

The line is looked up only when there is an error to report, so these pin that it is
still the key's own line."""

from __future__ import annotations

import pytest

from sitegen.pagefile.pages import PageError
from sitegen.site.library import paper_from_page

PAGE = """---
title: A paper
date: {date}
authors: {authors}
tags:
- x
upvotes: {upvotes}
added: {added}
rating: {rating}
read_on: {read_on}
status: {status}
---
Notes.
"""
GOOD = {
    "date": "2024-03-13",
    "authors": "3",
    "upvotes": "7",
    "added": "2024-04-01",
    "rating": "4",
    "read_on": "2024-05-01",
    "status": "read",
}


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("date", "soon", "p.md:3: date: expected a date like 2024-03-13, got 'soon'"),
        ("authors", "many", "p.md:4: authors: expected a whole number 0-1000000000, got 'many'"),
        ("upvotes", "-1", "p.md:7: upvotes: expected a whole number 0-1000000000, got -1"),
        ("added", "1", "p.md:8: added: expected a date like 2024-03-13, got 1"),
        ("rating", "6", "p.md:9: rating: expected a whole number 1-5, got 6"),
        ("read_on", "yes", "p.md:10: read_on: expected a date like 2024-03-13, got True"),
        ("status", "done", "p.md:11: status: expected one of to-read, reading, read, dropped, got 'done'"),
    ],
)
def test_a_wrong_value_names_its_line(key: str, value: str, message: str) -> None:
    text = PAGE.format(**{**GOOD, key: value})
    with pytest.raises(PageError) as err:
        paper_from_page(text, "p", "p.md")
    assert str(err.value) == message


def test_a_missing_title_names_the_opening_line() -> None:
    text = PAGE.format(**GOOD).replace("title: A paper\n", "")
    with pytest.raises(PageError, match=r"^p\.md:1: title: every page needs a title$"):
        paper_from_page(text, "p", "p.md")


def test_good_values_read() -> None:
    paper = paper_from_page(PAGE.format(**GOOD), "p", "p.md")
    assert (paper.date, paper.authors, paper.upvotes, paper.rating, paper.status) == ("2024-03-13", 3, 7, 4, "read")
