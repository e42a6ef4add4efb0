"""A digest line is normalised the same way on the ASCII fast path as on the full one."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.ingest.digest import normalise_line, normalise_line_fully

CHARS = [chr(c) for c in range(0x7F)] + list("\x85\u00a0\u2003\u200b\u202e\ufeff\u00e9\u3000")


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.sampled_from(CHARS), max_size=40))
def test_the_fast_path_normalises_as_the_full_one(raw: str) -> None:
    assert normalise_line(raw) == normalise_line_fully(raw)


def test_every_printable_ascii_line_of_single_spaces() -> None:
    printable = "".join(chr(c) for c in range(0x20, 0x7F))
    for raw in (printable, f" {printable} ", " ", "", " a b ", "x"):
        assert normalise_line(raw) == normalise_line_fully(raw)
