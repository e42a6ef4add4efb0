"""views.query: the ASCII shortcut gives quote_plus's text, byte for byte."""

from __future__ import annotations

from urllib.parse import quote_plus

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.site.views import arxiv_search, query


@settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(st.text(st.characters(max_codepoint=0x7F)) | st.text())
def test_query_is_quote_plus(text: str) -> None:
    assert query(text) == quote_plus(text)


def test_query_every_ascii_character() -> None:
    every = "".join(map(chr, range(128)))
    assert query(every) == quote_plus(every)
    assert query("Attention: all you need? 100% & more") == "Attention%3A+all+you+need%3F+100%25+%26+more"
    assert arxiv_search("Über GPT") == "https://arxiv.org/search/?query=%C3%9Cber+GPT&searchtype=title"
