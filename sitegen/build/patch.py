"""The fast path of an incremental build: edits that change only papers' own views.

A build's jobs are a function of its library (and of the settings, templates and
taxonomy). When the pages changed since the last build differ from their old selves
only in library.VIEW_ONLY_FIELDS (a note written, an author count or a link fixed), the
library keeps its order and every index, the related papers and the offline search
index stay as they were, and so does every job's input except those papers' views.
The new job list is then the old one with the jobs that hold those views remade over
the new views (Job.remake): work in proportion to what changed, not to the library.

Anything else (a page added or removed; a title, abstract, tag, date or status
changed; a template, the taxonomy or a setting) takes the full path, which makes every
job afresh. tests/test_incremental.py checks that both paths give the same jobs and
the same site, byte for byte.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sitegen.build.render import Job, Renderer
from sitegen.site.library import Library, LibraryPaper, differs_only_in_view, replace_papers


@dataclass
class JobGraph:
    """The last build's library and jobs, kept in memory between builds (by `serve`)."""

    frame: str
    """Fingerprint of every input but the pages (build.frame_fingerprint)."""
    library: Library
    by_slug: dict[str, LibraryPaper]
    renderer: Renderer
    """Made the jobs; holds the views and their digests."""
    jobs: list[Job]
    """Every job of the site, static files and the search index's included."""
    remade: list[int] = field(default_factory=list)
    """Indexes in `jobs` of the jobs the last patch remade (the others are as they were)."""
    _users: dict[str, list[int]] | None = field(default=None, repr=False)

    @property
    def users(self) -> dict[str, list[int]]:
        """Slug -> indexes in `jobs` of the jobs whose inputs hold that paper's view. Made on
        the first patch: a one-off `sitegen build` records a graph it never patches."""
        if self._users is None:
            users: dict[str, list[int]] = defaultdict(list)
            for index, job in enumerate(self.jobs):
                for slug in job.views:
                    users[slug].append(index)
            self._users = dict(users)
        return self._users


def record(frame: str, library: Library, renderer: Renderer, jobs: list[Job]) -> JobGraph:
    return JobGraph(frame, library, {p.slug: p for p in library.papers}, renderer, list(jobs))


def patch(graph: JobGraph, frame: str, papers: list[LibraryPaper]) -> bool:
    """Bring `graph` up to date with `papers` and return True, or return False, with
    the graph untouched, when the change needs the full path. An exception half-way
    leaves the graph unusable: the caller drops it."""
    if frame != graph.frame or len(papers) != len(graph.by_slug):
        return False
    changed: dict[str, LibraryPaper] = {}
    for paper in papers:
        before = graph.by_slug.get(paper.slug)
        if before is paper:
            continue
        if before is None or not differs_only_in_view(before, paper):
            return False  # with as many papers and every slug known, the set of papers is the same
        changed[paper.slug] = paper
    if not changed:
        return True
    graph.library = replace_papers(graph.library, changed)
    graph.by_slug.update(changed)
    views = graph.renderer.replace_papers(graph.library, changed)
    same_facets = graph.renderer.same_facets
    graph.remade = sorted({index for slug in views for index in graph.users.get(slug, ())})
    for index in graph.remade:
        old = graph.jobs[index]
        assert old.remake is not None, old.path  # only rendered jobs hold views
        new = graph.jobs[index] = old.remake(views)
        held = old.views.intersection(views)
        if old.facets and not old.direct.intersection(held) and all(old.facets <= same_facets[s] for s in held):
            # It holds the edited papers only through facets that came out the same
            # (papers.json after a note): its fingerprint is the old one, not worth computing.
            new.set_fingerprint(old.fingerprinted())
    return True
