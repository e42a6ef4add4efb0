"""Site paths and the relative URLs between them (sitegen/site/urls.py), pinned by a table."""

from __future__ import annotations

import posixpath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.site import urls


@pytest.mark.parametrize(
    ("made", "expected"),
    [
        (urls.page(), "index.html"),
        (urls.page("tags"), "tags/index.html"),
        (urls.page("tags", "moe"), "tags/moe/index.html"),
        (urls.paginated("", 1), "index.html"),
        (urls.paginated("", 3), "page/3/index.html"),
        (urls.paginated("tags/moe", 1), "tags/moe/index.html"),
        (urls.paginated("tags/moe", 2), "tags/moe/page/2/index.html"),
        (urls.paper("layer-normalization"), "papers/layer-normalization/index.html"),
        (urls.tag("moe"), "tags/moe/index.html"),
        (urls.tag("moe", 4), "tags/moe/page/4/index.html"),
        # A tag's slug comes from its identity: every spelling of one tag has one URL.
        (urls.tag("Mixture of Experts"), f"tags/mixture-of-experts-{urls.key_hash('mixture of experts')}/index.html"),
        (urls.tag("mixture  of experts"), urls.tag("MIXTURE OF EXPERTS")),
        (urls.tag("LLM"), "tags/llm/index.html"),
        (urls.tag("\uff2c\uff2cM\u200b"), "tags/llm/index.html"),
        (urls.year("2024"), "years/2024/index.html"),
        (urls.digest("hf-daily.txt"), "digests/hf-daily/index.html"),
        (urls.digest("HF Daily.txt"), f"digests/hf-daily-{urls.key_hash('HF Daily.txt')}/index.html"),
        (urls.root("index.html"), ""),
        (urls.root("papers/x/index.html"), "../../"),
        (urls.root("tags/moe/page/2/index.html"), "../../../../"),
        (urls.absolute("https://a.b/papers/", "index.html"), "https://a.b/papers/"),
        (urls.absolute("https://a.b/papers/", "tags/moe/index.html"), "https://a.b/papers/tags/moe/"),
        (urls.absolute("https://a.b/", "feed.xml"), "https://a.b/feed.xml"),
    ],
)
def test_url_table(made: str, expected: str) -> None:
    assert made == expected


@given(st.lists(st.text(alphabet="ab/.-", max_size=6), max_size=4))
def test_page_is_posixpath_join(parts: list[str]) -> None:
    """urls.page joins clean parts itself (faster); whatever the parts, the result is posixpath's."""
    assert urls.page(*parts) == (posixpath.join(*parts, "index.html") if parts else "index.html")
