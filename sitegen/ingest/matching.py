"""Which page on disk belongs to which paper: by identifier first, then by title.

A page that carries an arXiv id or DOI is its paper's page whatever its title says (a
retitled page, an id-only page that later learned its title). A page without one is
found by its title, as before identifiers existed: so a title-only paper that gains an
identifier keeps its page, its slug and every hand edit. A page whose identifier
differs from the paper's is another paper's page, even under the same title. Pure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sitegen.core.identifiers import normalise_doi, parse_arxiv
from sitegen.core.models import Paper


@dataclass(frozen=True)
class PageIdentity:
    slug: str
    title_key: str
    arxiv: str | None = None
    doi: str | None = None


def page_identity(slug: str, meta: dict[str, Any], title_key: Callable[[str], str]) -> PageIdentity:
    """What identifies a page's paper, from its front matter (values that are not
    identifiers are ignored here; the page reader reports them)."""
    arxiv = parse_arxiv(str(meta["arxiv"])) if isinstance(meta.get("arxiv"), str) else None
    doi = normalise_doi(meta["doi"]) if isinstance(meta.get("doi"), str) else None
    return PageIdentity(slug, title_key(str(meta.get("title") or "")), arxiv.id if arxiv else None, doi)


def _conflict(a_arxiv: str | None, a_doi: str | None, b_arxiv: str | None, b_doi: str | None) -> bool:
    return bool(a_arxiv and b_arxiv and a_arxiv != b_arxiv) or bool(a_doi and b_doi and a_doi != b_doi)


def same_paper(a: PageIdentity, b: PageIdentity) -> bool:
    """Two pages of one paper (the second is a duplicate, left untouched)."""
    if (a.arxiv and a.arxiv == b.arxiv) or (a.doi and a.doi == b.doi):
        return True
    return a.title_key == b.title_key and not _conflict(a.arxiv, a.doi, b.arxiv, b.doi)


class PageTwins:
    """The pages read so far, indexed so that a page's twin (`same_paper`) is found without
    comparing it with every page before it (that was quadratic: 50 million comparisons, most
    of a 10,000-page re-import)."""

    def __init__(self) -> None:
        self._order: dict[PageIdentity, int] = {}
        self._by: dict[tuple[str, str], list[PageIdentity]] = {}

    def add(self, page: PageIdentity) -> None:
        self._order.setdefault(page, len(self._order))
        for key in self._keys(page):
            self._by.setdefault(key, []).append(page)

    @staticmethod
    def _keys(page: PageIdentity) -> list[tuple[str, str]]:
        """Where a twin of `page` is filed: its identifiers (when it has them) and its title key
        (even an empty one: two untitled pages without identifiers are twins)."""
        keys = [("title", page.title_key)]
        keys += [(kind, value) for kind, value in (("arxiv", page.arxiv), ("doi", page.doi)) if value]
        return keys

    def find(self, page: PageIdentity) -> PageIdentity | None:
        """The first page added that is `same_paper` as `page` (as a scan in the order added
        would find it), or None. A twin shares the arXiv id, the DOI or the title key."""
        candidates = [other for key in self._keys(page) for other in self._by.get(key, ()) if same_paper(other, page)]
        return min(candidates, key=self._order.__getitem__, default=None)


def match_pages(
    papers: Iterable[Paper], pages: Iterable[PageIdentity], title_key: Callable[[str], str]
) -> dict[str, str]:
    """Paper key -> slug of its page: pages sharing an arXiv id, then a DOI, then the
    title (when the identifiers do not contradict it). Each page goes to one paper."""
    papers = list(papers)
    pages = sorted(pages, key=lambda p: p.slug)
    matched: dict[str, str] = {}
    used: set[str] = set()
    for kind in ("arxiv", "doi"):
        index: dict[str, str] = {}
        for page in pages:
            value = getattr(page, kind)
            if value and page.slug not in used:
                index.setdefault(value, page.slug)
        for paper in papers:
            value = getattr(paper.ids, kind)
            slug = index.get(value) if value else None
            if paper.key not in matched and slug is not None and slug not in used:
                matched[paper.key] = slug
                used.add(slug)
    by_title: dict[str, list[PageIdentity]] = {}
    for page in pages:
        if page.slug not in used:
            by_title.setdefault(page.title_key, []).append(page)
    for paper in papers:
        if paper.key in matched:
            continue
        for key in dict.fromkeys((paper.key, title_key(paper.title))):
            found = next(
                (
                    p
                    for p in by_title.get(key, ())
                    if p.slug not in used and not _conflict(paper.ids.arxiv, paper.ids.doi, p.arxiv, p.doi)
                ),
                None,
            )
            if found is not None:
                matched[paper.key] = found.slug
                used.add(found.slug)
                break
    return matched
