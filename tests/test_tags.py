"""The taxonomy's matching: the literal prefilter never changes a result."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.tags import Pattern, parse_taxonomy, required_literal
from tests.sites import ROOT


def test_required_literal_table() -> None:
    assert required_literal(r"\bquantiz") == "quantiz"
    assert required_literal(r"(?:a|b)cde") == "cde"
    assert required_literal(r"ab?cd") is None
    assert required_literal(r"scaling laws?") == "scaling law"
    assert required_literal(r"a|bcd") is None  # alternation at the top: nothing is required
    assert required_literal(r"\bLLM") == "llm"


PATTERNS = [r"\bquantiz", r"scaling laws?", r"\bLLMs?\b", r"(?:int|fp)[48]", r"mixture[- ]of[- ]experts", r"\bk\b"]


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("abcdefgiklmnopqrstuxyz LMQSK-\u212a\u017f\u00df48")), max_size=60),
    st.sampled_from(PATTERNS),
)
def test_prefilter_agrees_with_the_regex(text: str, pattern: str) -> None:
    regex = re.compile(pattern, re.IGNORECASE)
    compiled = Pattern(regex, required_literal(pattern))
    assert compiled.count(text, text.casefold()) == len(regex.findall(text))


def test_bundled_taxonomy_tags_every_page_as_recorded() -> None:
    """The committed pages' auto_tags are what the taxonomy gives today."""
    from sitegen.pages import read_page

    taxonomy = parse_taxonomy((ROOT / "content" / "taxonomy.yaml").read_text())
    for page in sorted((ROOT / "content" / "papers").glob("*.md")):
        meta, _ = read_page(page.read_text(), page.name)
        assert list(taxonomy.match(meta["title"], meta["abstract"])) == meta["auto_tags"], page.name
