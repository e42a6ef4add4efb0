"""library.clean_text: its quick exit for ASCII text removes exactly what the full rule removes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.site.library import _CONTROL, clean_text

tricky = st.text(
    st.one_of(
        st.characters(max_codepoint=0x7F),
        st.sampled_from(["\t", "\n", "\r", "\x0b", "\x0c", "\x1f", "\x7f", "\x85", "\u202e", "\u2066", "é"]),
    )
)


@settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(tricky)
def test_clean_text_is_the_full_rule(text: str) -> None:
    assert clean_text(text) == _CONTROL.sub("", text)


def test_clean_text_values() -> None:
    assert clean_text(None) == ""
    assert clean_text(2024) == "2024"
    assert clean_text("a\tb\r\nc\x00d\x7f\u202ee") == "a\tb\r\ncde"
    text = "plain ASCII text, kept as it is"
    assert clean_text(text) is text
