"""The related-papers table for a build: the cached one while no title or abstract
changed, else computed afresh, in a child process when the list is big enough (forked
at the start of the build, on standby, or when the pages are read).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sitegen.build import parallel
from sitegen.build.cache import BuildCache
from sitegen.build.parallel import Forked, Later, Standby
from sitegen.core import devices
from sitegen.core.layout import PAPERS_DIR

if TYPE_CHECKING:
    from sitegen.build.context import BuildOptions, Project
    from sitegen.site.library import LibraryPaper

RelatedStandby = Standby[tuple[list[tuple[str, str]], int], dict[str, tuple[str, ...]]]


def related_table(
    papers: list[LibraryPaper], k: int, cache: BuildCache, fork: bool = False, standby: RelatedStandby | None = None
) -> RelatedTable:
    """The related-papers table, to be taken with `.result()`: the cached one while no
    title or abstract changed, else computed afresh; with `fork`, in a child process
    that starts now (or in `standby`, forked earlier), so this one can go on describing
    the pages that do not show it."""
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

    if standby is not None:
        return RelatedTable(key, standby.submit((docs, k)), cache)
    return RelatedTable(key, Forked(compute) if fork else Later(compute), cache)


@dataclass
class RelatedTable:
    key: str
    """Fingerprint of the text the table is computed from."""
    pending: Forked[dict[str, tuple[str, ...]]] | Later[dict[str, tuple[str, ...]]]
    cache: BuildCache

    def result(self) -> dict[str, tuple[str, ...]]:
        """The table, kept in the cache."""
        if self.cache.related[0] != self.key:
            self.cache.related = (self.key, self.pending.result())
        return self.cache.related[1]


def related_standby(project: Project, options: BuildOptions) -> RelatedStandby | None:
    """For a build that will compute the related papers in a child process (a first or
    `--full` build of a list big enough for several processes), that child, forked now:
    it imports NumPy while this process starts up on the other core,
    and computes the table once the pages are read."""
    if not devices.related_standby:
        return None
    if options.workers < 2 or not parallel.CAN_FORK or options.state is not None:
        return None
    if project.cache_file.exists() and not options.full:
        return None
    try:
        with os.scandir(project.content / PAPERS_DIR) as entries:
            pages = sum(1 for entry in entries if entry.name.endswith(".md"))
    except OSError:
        return None
    if pages < parallel.PARALLEL_MIN_PAGES:
        return None
    from sitegen.site.related import prepare, related_of

    return Standby(prepare, related_of)
