"""The related-papers table for a build: the cached one while no title or abstract
changed, else computed afresh when it is first asked for.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sitegen.build.cache import BuildCache
from sitegen.build.parallel import Later

if TYPE_CHECKING:
    from sitegen.site.library import LibraryPaper


def related_table(papers: list[LibraryPaper], k: int, cache: BuildCache) -> RelatedTable:
    """The related-papers table, to be taken with `.result()`: the cached one while no
    title or abstract changed, else computed afresh."""
    ordered = sorted(papers, key=lambda p: p.slug)
    docs = [(p.slug, f"{p.title} {p.title} {p.abstract}") for p in ordered]
    h = hashlib.sha1(str(k).encode())
    for slug, text in docs:
        h.update(f"{slug}\0{text}\0".encode())
    key = h.hexdigest()
    if cache.related[0] == key:
        table = cache.related[1]
        return RelatedTable(key, Later(lambda: table), cache)
    from sitegen.site.related import related_papers

    def compute() -> dict[str, tuple[str, ...]]:
        return related_papers(docs, k)

    return RelatedTable(key, Later(compute), cache)


@dataclass
class RelatedTable:
    key: str
    """Fingerprint of the text the table is computed from."""
    pending: Later[dict[str, tuple[str, ...]]]
    cache: BuildCache

    def result(self) -> dict[str, tuple[str, ...]]:
        """The table, kept in the cache."""
        if self.cache.related[0] != self.key:
            self.cache.related = (self.key, self.pending.result())
        return self.cache.related[1]
