"""drafts.py's pure parts and the page marks, as tables."""

from __future__ import annotations

import pytest

from sitegen.pagefile.pages import PageError
from sitegen.site.drafts import PREVIEW_LINE, public_notes, published
from sitegen.site.library import LibraryPaper, paper_from_page


def paper(notes: str, draft: bool = False) -> LibraryPaper:
    return LibraryPaper(slug="p", title="P", notes=notes, draft=draft)


@pytest.mark.parametrize(
    ("notes", "public"),
    [
        ("all public", "all public"),
        ("mine\n\n<!-- private -->\nsecret", "mine"),
        ("mine <!--PRIVATE--> secret <!-- private --> more", "mine"),
        ("<!--  private  -->\nsecret", ""),
        ("<!-- not private -->", "<!-- not private -->"),
    ],
)
def test_public_notes(notes: str, public: str) -> None:
    assert public_notes(notes) == public


def test_published_keeps_order_and_untouched_papers() -> None:
    a, b, c = paper("a"), paper("b", draft=True), paper("c <!-- private --> x")
    shown = published([a, b, c])
    assert [p.notes for p in shown] == ["a", "c"] and shown[0] is a
    preview = published([a, b, c], drafts=True)
    assert preview[:2] == [a, b] and preview[2].notes == "c " + PREVIEW_LINE + " x"


def test_page_marks_are_read() -> None:
    front = "---\ntitle: T\n{}\n---\nnotes\n"
    assert paper_from_page(front.format("draft: true"), "t", "t.md").draft
    assert paper_from_page(front.format("private: true"), "t", "t.md").draft
    assert not paper_from_page(front.format("draft: false"), "t", "t.md").draft
    assert paper_from_page(front.format("private: true"), "t", "t.md").extra == ()


def test_a_wrong_mark_names_file_and_line() -> None:
    with pytest.raises(PageError, match=r"^t\.md:3: private: expected true or false, got 'no thanks'$"):
        paper_from_page("---\ntitle: T\nprivate: no thanks\n---\n", "t", "t.md")
