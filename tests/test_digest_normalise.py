"""A digest line is normalised the same way on the ASCII fast path as on the full one."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.ingest.digest import (
    _AUTHORS,
    _DATE,
    _DOT,
    BOILERPLATE,
    classify,
    normalise_line,
    normalise_line_fully,
    split_lines,
)

CHARS = [chr(c) for c in range(0x7F)] + list("\x85\u00a0\u2003\u200b\u202e\ufeff\u00e9\u3000")


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.sampled_from(CHARS), max_size=40))
def test_the_fast_path_normalises_as_the_full_one(raw: str) -> None:
    assert normalise_line(raw) == normalise_line_fully(raw)


def test_every_printable_ascii_line_of_single_spaces() -> None:
    printable = "".join(chr(c) for c in range(0x20, 0x7F))
    for raw in (printable, f" {printable} ", " ", "", " a b ", "x"):
        assert normalise_line(raw) == normalise_line_fully(raw)


def _classified_one_by_one(text: str) -> str:
    """The kind of a line as the four patterns, tried in turn, decide it (digest.classify's meaning)."""
    if BOILERPLATE.match(text):
        return "boiler"
    if _AUTHORS.match(text):
        return "authors"
    if _DOT.match(text):
        return "dot"
    date = _DATE.match(text)
    return "date" if date and 1 <= int(date.group(2)) <= 31 else "text"


KIND_PARTS = ["New", "subscribe", "Daily Papers", "•", "·", "*", " ", "12", "authors", "Author", "Jan", "March", ","]
KIND_PARTS += ["2025", "31", "40", "1234567", ".", "!", "get trending papers in your email inbox", " once a day", "x"]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(KIND_PARTS), max_size=6).map("".join))
def test_one_combined_match_classifies_as_the_four_in_turn(text: str) -> None:
    assert classify(text, 1).kind == _classified_one_by_one(text)


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["a", "b c"]), st.sampled_from(["\n", "\r", "\r\n", "\n\n", "\r\r\n", "\n\r"])))
)
def test_line_numbers_count_every_kind_of_break(lines: list[tuple[str, str]]) -> None:
    text = "".join(line + end for line, end in lines)
    expected = [n for n, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1) if line]
    assert [line.number for line in split_lines(text)] == expected
