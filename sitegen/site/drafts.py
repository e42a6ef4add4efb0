"""What of the reading list is published: pages marked `draft: true` or `private: true`
are left out, and notes stop at a `<!-- private -->` marker.

Applied once, to the papers a build has read, before anything is made from them: every
output (paper pages, listings, tags, years, digests, feeds, sitemap, papers.json,
papers.bib, stats, related papers and both search indexes) is made from what this
returns, so none can show what it leaves out. `--drafts` (build, serve) keeps it all,
for a local preview.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sitegen.site.library import LibraryPaper

PRIVATE_MARKER = re.compile(r"<!--\s*private\s*-->", re.IGNORECASE)
"""In notes, everything from this marker on is private (raw HTML is off in notes, so a
comment would otherwise show as text)."""

PREVIEW_LINE = "\n\n---\n\n*Private notes (shown with `--drafts` only):*\n\n"
"""What replaces the marker in a `--drafts` preview, so the private part is told apart."""


def public_notes(notes: str) -> str:
    """The notes up to the first private marker (all of them when there is none)."""
    found = PRIVATE_MARKER.search(notes)
    return notes if found is None else notes[: found.start()].rstrip()


def preview_notes(notes: str) -> str:
    """The notes whole, each marker turned into a visible line saying what follows is private."""
    return PRIVATE_MARKER.sub(PREVIEW_LINE, notes)


def published(papers: Iterable[LibraryPaper], drafts: bool = False) -> list[LibraryPaper]:
    """The papers the site shows, in the order given: without `drafts`, no draft or private
    page and no private notes; with it, everything, the private notes marked as such.
    Papers with nothing to change are the same objects (the build's fast paths compare them)."""
    out = []
    for paper in papers:
        if paper.draft and not drafts:
            continue
        if PRIVATE_MARKER.search(paper.notes):
            notes = preview_notes(paper.notes) if drafts else public_notes(paper.notes)
            paper = dataclasses.replace(paper, notes=notes)
        out.append(paper)
    return out
