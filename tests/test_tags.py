"""The taxonomy's matching on the bundled pages (the one-pass engine's own tests: tests/test_tagindex.py)."""

from __future__ import annotations

from sitegen.taxonomy.tags import parse_taxonomy
from tests.sites import ROOT


def test_bundled_taxonomy_tags_every_page_as_recorded() -> None:
    """The committed pages' auto_tags are what the taxonomy gives today."""
    from sitegen.pagefile.pages import read_page

    taxonomy = parse_taxonomy((ROOT / "content" / "taxonomy.yaml").read_text())
    for page in sorted((ROOT / "content" / "papers").glob("*.md")):
        meta, _ = read_page(page.read_text(), page.name)
        assert list(taxonomy.match(meta["title"], meta["abstract"])) == meta["auto_tags"], page.name
